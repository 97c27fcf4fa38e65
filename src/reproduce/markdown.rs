//! `report.md`: for a quick run a paragraph on what it can and cannot show ([`QuickScope`]), a
//! paragraph on what the verdicts mean, the comparison table with a [`verdict`] per row, any
//! experiment-specific Markdown, the notes and the pictures.

use super::{Comparison, Report, quick_scope};

/// What the `--quick` version of an experiment is, and what it can and cannot show; a quick
/// run's report.md opens with it.
#[derive(Debug, Clone, Copy)]
pub struct QuickScope {
    /// How the quick run is smaller than the full one.
    pub size: &'static str,
    /// What it can show (completes "It can show …").
    pub shows: &'static str,
    /// What it cannot show, and why (completes "It cannot show …").
    pub cannot: &'static str,
}

/// The verdict of a row in report.md: "yes", "**no**", "**no**: off (quick run)" (a miss of a
/// figure that needs the full run, in a quick run) or "side by side" (not compared).
pub fn verdict(c: &Comparison, quick: bool) -> &'static str {
    match c.within {
        Some(true) => "yes",
        Some(false) if quick && c.full_run_only => "**no**: off (quick run)",
        Some(false) => "**no**",
        None => "side by side",
    }
}

/// The report as Markdown: the paragraphs, the comparison table, the notes, the pictures.
pub fn markdown(r: &Report) -> String {
    markdown_with(r, "")
}

/// A Markdown table with a header row.
pub fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut md = format!("| {} |\n|{}\n", headers.join(" | "), "---|".repeat(headers.len()));
    rows.iter().for_each(|r| md += &format!("| {} |\n", r.join(" | ")));
    md
}

/// [`markdown`] with `extra` Markdown between the comparison table and the notes.
pub fn markdown_with(r: &Report, extra: &str) -> String {
    let mut md = format!("# {}{}\n\nSource: {}\n\n", r.experiment, if r.quick { " (quick)" } else { "" }, r.source);
    if r.quick {
        md += &quick_paragraph(r);
        md += "\n\n";
    }
    md += &verdicts_paragraph(r);
    md += "\n\n";
    let rows: Vec<Vec<String>> = (r.comparisons.iter())
        .map(|c| {
            let cells = [&c.what, &c.ours, &c.published, &c.tolerance];
            cells.iter().map(|s| s.to_string()).chain([verdict(c, r.quick).to_string()]).collect()
        })
        .collect();
    md += &md_table(&["figure", "ours", "published", "tolerance or claim", "verdict"], &rows);
    if !extra.is_empty() {
        md += "\n";
        md += extra;
    }
    if !r.notes.is_empty() {
        md += "\n";
        r.notes.iter().for_each(|n| md += &format!("- {n}\n"));
    }
    md += "\n";
    r.pictures.iter().for_each(|p| md += &format!("![{p}]({p})\n\n"));
    md
}

/// What a quick run of `r`'s experiment is, what it can and cannot show, and which rows are
/// therefore expected to be off.
fn quick_paragraph(r: &Report) -> String {
    let mut md = match quick_scope(&r.experiment) {
        Some(q) => format!(
            "**A quick run** ({}). It runs every step of the experiment end to end and draws every picture. \
             It can show {}. It cannot show {}.",
            q.size, q.shows, q.cannot
        ),
        None => "**A quick run**: a smaller version of the experiment.".to_string(),
    };
    let full: Vec<&str> = r.comparisons.iter().filter(|c| c.full_run_only).map(|c| c.what.as_str()).collect();
    if full.is_empty() {
        md += " Every row below is checked at the quick size (where its tolerance differs from the full \
               run's, it says so).";
    } else {
        md += &format!(
            " A quick run is not expected to reach the figures of these rows, which need the full run (a miss \
             is marked *off (quick run)*): {}. Run without `--quick` to check them.",
            full.join("; ")
        );
    }
    md
}

/// What each verdict in the table means, for the verdicts `r` uses.
fn verdicts_paragraph(r: &Report) -> String {
    let mut md = "**Verdicts.** Each row either compares a figure of ours with the published one under the \
                  stated tolerance, or checks a claim of the source (an ordering, a trend, a bound) by the \
                  stated rule on our numbers. *yes*: within the tolerance, or the claim holds. **no**: not \
                  within it, or the claim does not hold."
        .to_string();
    if r.quick && r.comparisons.iter().any(|c| c.full_run_only) {
        md += " *off (quick run)*: a **no** on a row that needs the full run (see above).";
    }
    let side = r.comparisons.iter().any(|c| c.within.is_none());
    if side {
        md += " *side by side*: the published figure comes from different data, so ours is shown beside it \
               and not compared.";
    }
    md += " The command line prints *yes* as ok and **no** as OUTSIDE";
    md + if side { ", and *side by side* as pattern." } else { "." }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(quick: bool, comparisons: Vec<Comparison>) -> Report {
        Report {
            experiment: "nielsen".into(),
            source: "s".into(),
            quick,
            comparisons,
            notes: vec![],
            data: serde_json::Value::Null,
            pictures: vec![],
        }
    }

    #[test]
    fn a_quick_run_says_what_it_can_show_and_marks_full_run_rows_off() {
        let off = Comparison::new(
            "ch3 N(0,1/n_in) init (quick)",
            "82.36%".into(),
            "near 93%",
            "within 2 points",
            Some(false),
        )
        .needs_full_run(true);
        let ordering = Comparison::new("L2 helps", "a > b".into(), "96.49% vs 95.49%", "λ = 5 higher", Some(true));
        let r = report(true, vec![off, ordering]);
        let md = markdown(&r);
        assert!(md.contains("**A quick run** (5,000 training images"), "{md}");
        assert!(md.contains("It can show") && md.contains("It cannot show the published accuracies"), "{md}");
        assert!(md.contains("is marked *off (quick run)*): ch3 N(0,1/n_in) init (quick). Run without `--quick`"));
        let row = md.lines().find(|l| l.starts_with("| ch3 N(0,1/n_in)")).unwrap();
        assert!(row.ends_with("| within 2 points; full run only | **no**: off (quick run) |"), "{row}");
        assert!(md.lines().any(|l| l.starts_with("| L2 helps") && l.ends_with("| yes |")));
        assert!(md.contains("**Verdicts.**") && md.contains("*off (quick run)*: a **no** on a row"));
        assert!(md.contains("**no** as OUTSIDE.") && !md.contains("pattern"), "no side-by-side row here");
        assert!(
            md.find("**A quick run**") < md.find("**Verdicts.**") && md.find("**Verdicts.**") < md.find("| figure |")
        );
    }

    #[test]
    fn a_full_run_marks_a_miss_plainly_and_explains_side_by_side_rows() {
        let miss =
            Comparison::new("peak", "95.0%".into(), "95.42%", "within 0.3 points", Some(false)).needs_full_run(false);
        let side = Comparison::new("w*", "0.5".into(), "0.97", "different data: side by side", None);
        let md = markdown(&report(false, vec![miss, side]));
        assert!(!md.contains("quick run"), "{md}");
        assert!(md.lines().any(|l| l.starts_with("| peak") && l.ends_with("| within 0.3 points | **no** |")), "{md}");
        assert!(md.lines().any(|l| l.starts_with("| w*") && l.ends_with("| side by side |")));
        assert!(md.contains("*side by side*: the published figure comes from different data"));
        assert!(md.contains("*side by side* as pattern."));
        assert!(!md.contains("pattern |"), "no row is left as an unexplained 'pattern'");
    }
}
