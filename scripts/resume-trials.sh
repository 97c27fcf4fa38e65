#!/usr/bin/env bash
# Kill-and-resume trials: each trial starts a short digits run with --checkpoint, SIGKILLs it after
# a random delay, resumes (--resume) and kills again until a run finishes, then compares the model
# bytes with an uninterrupted run. Usage: scripts/resume-trials.sh [TRIALS] (default 20).
# Replay a sequence of kill timings with RESUME_SEED=N.
set -euo pipefail
cd "$(dirname "$0")/.."
RESUME_TRIALS="${1:-20}" cargo test --test resume sigkill_at_random_moments -- --nocapture 2>&1 |
  grep -E "RESUME_SEED|^trial|RESULT|test result"
