//! Confusion matrices: [`confusion_matrix`] draws an n×n grid of true against predicted classes,
//! each cell shaded by its row-normalised share and labelled with its count, class names on both
//! axes (written downwards under the columns when they are too long to fit); its picture size
//! grows with the number of classes.

use super::{DrawResult, FONT, Format, PlotError, finish, invalid, prepare, render};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Pixel size of a confusion-matrix picture for `n` classes.
fn confusion_size(n: usize) -> (u32, u32) {
    let cell = (560 / n.max(1)).clamp(28, 120) as u32;
    (cell * n as u32 + 190, cell * n as u32 + 180)
}

/// Confusion matrix: `counts[i][j]` = samples of true class `i` predicted as `j`. Cells are
/// shaded by the row-normalised value, and each shows its count.
pub fn confusion_matrix(
    path: &Path,
    title: &str,
    counts: &[Vec<u64>],
    class_names: &[String],
) -> Result<(), PlotError> {
    let n = counts.len();
    if n == 0 || counts.iter().any(|r| r.len() != n) || class_names.len() != n {
        let reason = "counts must be a non-empty n×n matrix with n class names";
        return Err(invalid(path, reason));
    }
    let size = confusion_size(n);
    let cell = (size.0 - 190) / n as u32;
    let rotate = class_names.iter().any(|s| s.chars().count() as u32 * 9 > cell);
    render!(path, size, |root| {
        root.fill(&WHITE)?;
        let longest = class_names.iter().map(|s| s.chars().count()).max().unwrap_or(1) as u32;
        let x_area = if rotate { 40 + 9 * longest.min(16) } else { 50 };
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(x_area)
            .y_label_area_size(40 + 9 * longest.min(16))
            .build_cartesian_2d(0.0..n as f64, n as f64..0.0)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .set_all_tick_mark_size(0)
            .x_desc("Predicted class")
            .y_desc("True class")
            .axis_desc_style((FONT, 17))
            .draw()?;
        let font = (cell as f64 * 0.3).clamp(10.0, 18.0);
        for (i, row) in counts.iter().enumerate() {
            let total: u64 = row.iter().sum();
            for (j, &c) in row.iter().enumerate() {
                let v = if total > 0 { c as f64 / total as f64 } else { 0.0 };
                // White to dark blue.
                let shade = |hi: f64, lo: f64| (hi + (lo - hi) * v).round() as u8;
                let fill = RGBColor(shade(247.0, 8.0), shade(251.0, 48.0), shade(255.0, 107.0));
                let (x, y) = (j as f64, i as f64);
                chart.draw_series([Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill.filled())])?;
                let ink = if v > 0.5 { WHITE } else { BLACK };
                let style =
                    TextStyle::from((FONT, font).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series([Text::new(c.to_string(), (x + 0.5, y + 0.5), style)])?;
            }
        }
        // Class names at the cell centres; long ones written downwards below each column.
        let x_style = TextStyle::from((FONT, 16).into_font());
        let x_style = match rotate {
            true => x_style.transform(FontTransform::Rotate90),
            false => x_style.pos(Pos::new(HPos::Center, VPos::Top)),
        };
        let y_style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        for (k, name) in class_names.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(k as f64 + 0.5, n as f64));
            root.draw(&Text::new(name.as_str(), (x, y + 8), x_style.clone()))?;
            let (x, y) = chart.backend_coord(&(0.0, k as f64 + 0.5));
            root.draw(&Text::new(name.as_str(), (x - 8, y), y_style.clone()))?;
        }
        let grid = RGBColor(200, 200, 200);
        let (m, nf) = (n as f64, n as f64);
        for k in 0..=n {
            let k = k as f64;
            chart.draw_series([PathElement::new(vec![(k, 0.0), (k, nf)], grid)])?;
            chart.draw_series([PathElement::new(vec![(0.0, k), (m, k)], grid)])?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{both, check};

    #[test]
    fn confusion_matrix_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let counts: Vec<Vec<u64>> = (0..10)
            .map(|i| (0..10).map(|j| if i == j { 950 + 3 * i } else { (i * 7 + j * 3) % 11 }).collect())
            .collect();
        both(dir.path(), "confusion", |p| confusion_matrix(p, "MNIST test confusion", &counts, &names));
        check(dir.path(), "confusion", confusion_size(10), "MNIST test confusion");
        let names: Vec<String> = ["setosa", "versicolor", "virginica"].map(String::from).to_vec();
        let counts = vec![vec![50, 0, 0], vec![0, 46, 4], vec![0, 3, 47]];
        both(dir.path(), "confusion_iris", |p| confusion_matrix(p, "Iris confusion", &counts, &names));
        check(dir.path(), "confusion_iris", confusion_size(3), "Iris confusion");
        let names: Vec<String> =
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
                .map(String::from)
                .to_vec();
        let counts: Vec<Vec<u64>> = (0..10)
            .map(|i| (0..10).map(|j| if i == j { 700 + 20 * i } else { (i * 13 + j * 7) % 60 }).collect())
            .collect();
        both(dir.path(), "confusion_cifar", |p| confusion_matrix(p, "CIFAR-10 confusion", &counts, &names));
        check(dir.path(), "confusion_cifar", confusion_size(10), "CIFAR-10 confusion");
        let err = confusion_matrix(&dir.path().join("x.png"), "t", &[vec![1, 2]], &names[..1]).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }));
    }
}
