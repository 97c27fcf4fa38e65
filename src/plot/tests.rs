//! Test helpers shared by the drawing files' tests — `check` of a written PNG and SVG pair,
//! `both` to draw one picture in both formats, and `loss_curves` as sample data — and the test
//! of the shared output handling (an unsupported extension leaves no file behind).

use super::*;

/// Checks the PNG (size, dimensions, not one colour) and the SVG (tag, title) written
/// for `name`; copies both to `$PLOT_EXAMPLES_OUT` when that is set.
pub(super) fn check(dir: &Path, name: &str, (w, h): (u32, u32), title: &str) {
    let png_path = dir.join(format!("{name}.png"));
    assert!(std::fs::metadata(&png_path).unwrap().len() > 2000);
    let mut reader = png::Decoder::new(std::fs::File::open(&png_path).unwrap()).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (w, h), "{name}.png dimensions");
    let px = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    assert!(data.chunks(px).any(|p| p != &data[..px]), "{name}.png is one colour");
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
    assert!(svg.len() > 1000 && svg.contains("<svg") && svg.contains(title), "{name}.svg");
    let leftovers = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok());
    assert!(leftovers.filter(|e| e.file_name().to_string_lossy().contains(".tmp.")).count() == 0);
    if let Some(out) = std::env::var_os("PLOT_EXAMPLES_OUT") {
        for ext in ["png", "svg"] {
            let file = format!("{name}.{ext}");
            std::fs::copy(dir.join(&file), Path::new(&out).join(file)).unwrap();
        }
    }
}

pub(super) fn both(dir: &Path, name: &str, mut draw: impl FnMut(&Path) -> Result<(), PlotError>) {
    for ext in ["png", "svg"] {
        draw(&dir.join(format!("{name}.{ext}"))).unwrap();
    }
}

pub(super) fn loss_curves() -> Vec<Series> {
    let x: Vec<f64> = (1..=50).map(f64::from).collect();
    let train = x.iter().map(|&e| 2.3 * (-e / 8.0).exp() + 0.02 + 0.01 * (e * 1.7).sin()).collect();
    let test = x.iter().map(|&e| 2.3 * (-e / 9.0).exp() + 0.06 + 0.0004 * e).collect();
    vec![
        Series { label: "train loss".into(), x: x.clone(), y: train },
        Series { label: "test loss".into(), x, y: test },
    ]
}

#[test]
fn unsupported_extension_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chart.bmpx");
    let err = line_chart(&path, "t", "x", "y", &loss_curves(), false).unwrap_err();
    assert!(matches!(err, PlotError::UnsupportedExtension { .. }));
    assert!(err.to_string().contains("chart.bmpx"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
