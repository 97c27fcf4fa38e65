"""Independent check of Levenberg-Marquardt on Higham & Higham's ten points (2-2-3-2 sigmoid network).

Kernel (Woodbury) solve, MATLAB trainlm damping (mu = 1e-3, x0.1 after an accepted step, x10 and retry
otherwise, stop above 1e10), Jacobian by central differences, parameters 0.5*N(0,1) from NumPy's
default_rng(seed). Counts the seeds 1..N that reach sum ||y - F||^2 <= 7.3e-4 within 50 iterations,
with plain steps and with geodesic acceleration (Transtrum & Sethna 2012, 2||a||/||v|| <= 0.75).

  python3 scripts/numpy_lm_higham.py 300
"""
import sys

import numpy as np

np.seterr(over="ignore")
X = np.array([[0.1, 0.3, 0.1, 0.6, 0.4, 0.6, 0.5, 0.9, 0.4, 0.7],
              [0.1, 0.4, 0.5, 0.9, 0.2, 0.3, 0.6, 0.2, 0.4, 0.6]]).T
Y = np.zeros((10, 2))
Y[:5, 0], Y[5:, 1] = 1, 1
SIZES = [2, 2, 3, 2]
M, N = 20, 23


def residuals(p):
    a, i = X, 0
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers.append(p[i:i + n_in * n_out].reshape(n_out, n_in))
        i += n_in * n_out
    for k, n_out in enumerate(SIZES[1:]):
        a = 1 / (1 + np.exp(-(a @ layers[k].T + p[i:i + n_out])))
        i += n_out
    return (Y - a).ravel()


def jacobian(p, h=1e-6):
    cols = [(residuals(p + h * e) - residuals(p - h * e)) / (2 * h) for e in np.eye(N)]
    return np.array(cols).T


def lm(p, geodesic, epochs=50, goal=7.3e-4, alpha=0.75, h=0.1):
    mu, r = 1e-3, residuals(p)
    s = r @ r
    for epoch in range(1, epochs + 1):
        j = jacobian(p)
        while mu <= 1e10:
            k = j @ j.T + mu * np.eye(M)
            dp = -j.T @ np.linalg.solve(k, r)
            if geodesic:
                r_vv = (residuals(p + h * dp) - 2 * r + residuals(p - h * dp)) / h**2
                a = -j.T @ np.linalg.solve(k, r_vv)
                if 2 * np.linalg.norm(a) > alpha * np.linalg.norm(dp):
                    mu *= 10
                    continue
                dp = dp + a / 2
            r2 = residuals(p + dp)
            if r2 @ r2 < s:
                p, r, s, mu = p + dp, r2, r2 @ r2, mu * 0.1
                break
            mu *= 10
        if s <= goal:
            return epoch
        if mu > 1e10:
            return None
    return None


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for geodesic in (False, True):
        its = [lm(0.5 * np.random.default_rng(s).standard_normal(N), geodesic) for s in range(1, seeds + 1)]
        ok = [i for i in its if i is not None]
        name = "geodesic" if geodesic else "plain"
        print(f"{name}: {len(ok)} of {seeds} seeds within 50 iterations; iterations min/median/max "
              f"{min(ok)}/{int(np.median(ok))}/{max(ok)}")


if __name__ == "__main__":
    main()
