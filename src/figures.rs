//! Pictures of a model, drawn after training from its data: a confusion matrix, the first-layer
//! weights (image models) and the decision regions (2-D inputs), the classes named alike in all
//! of them (the dataset's class names, else "class 0", "class 1", ...). (The learning curves are
//! drawn from a run's report: [`crate::train::report::learning_curves`].) Each picture is written
//! as PNG, and also as SVG on request.

use crate::data::{Dataset, Splits};
use crate::error::Result;
use crate::metrics::argmax;
use crate::network::{Network, Workspace};
use crate::plot::{Labelled, class_name, confusion_matrix, decision_regions, image_grid, weight_grid};
use std::path::Path;

/// File extensions to write: `["png"]`, or `["png", "svg"]` with `svg`.
pub(crate) fn formats(svg: bool) -> &'static [&'static str] {
    if svg { &["png", "svg"] } else { &["png"] }
}

/// Confusion counts of `net` on `data`: `counts[true][predicted]`.
pub fn confusion(net: &Network<f32>, data: &Dataset) -> Vec<Vec<u64>> {
    let k = data.n_outputs;
    let mut counts = vec![vec![0u64; k]; k];
    let mut ws = Workspace::new(net, 1000);
    let labels = data.labels.as_deref().unwrap_or(&[]);
    for (start, chunk) in labels.chunks(1000).enumerate().map(|(i, c)| (i * 1000, c)) {
        let rows = chunk.len();
        let a = net.forward(&data.x[start * data.n_features..(start + rows) * data.n_features], rows, &mut ws);
        for (row, &label) in a.chunks_exact(k).zip(chunk) {
            counts[label as usize][argmax(row)] += 1;
        }
    }
    counts
}

/// Confusion matrix (classification), first-layer weights (`image_shape` known) and decision
/// regions (two inputs) of `net` on `splits` (test split, else validation, else train).
pub fn model_figures(net: &Network<f32>, splits: &Splits, dir: &Path, svg: bool) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let (split_name, data) = match (&splits.test, &splits.validation) {
        (Some(t), _) => ("test", t),
        (None, Some(v)) => ("validation", v),
        _ => ("train", &splits.train),
    };
    // One name per class in every picture: the dataset's, else "class c".
    let names: Vec<String> =
        (0..data.n_outputs).map(|c| class_name(splits.class_names.as_deref().unwrap_or(&[]), c)).collect();
    for ext in formats(svg) {
        if data.is_classification() && data.n_outputs == net.n_outputs() {
            let name = format!("confusion.{ext}");
            let title = format!("{}: confusion matrix ({split_name})", splits.name);
            confusion_matrix(&dir.join(&name), &title, &confusion(net, data), &names)?;
            out.push(name);
        }
        if let Some((h, w)) = splits.image_shape.filter(|&(h, w)| h * w == net.n_inputs()) {
            let name = format!("weights.{ext}");
            weight_grid(&dir.join(&name), "first-layer weights", net.weight(0), net.sizes()[1], h, w, 100)?;
            out.push(name);
        }
        if net.n_inputs() == 2 && data.is_classification() {
            let name = format!("regions.{ext}");
            let labels = data.labels.as_deref().unwrap_or(&[]);
            let points: Vec<(f64, f64, usize)> =
                data.x.chunks(2).zip(labels).map(|(p, &l)| (p[0] as f64, p[1] as f64, l as usize)).collect();
            let range = |i: usize| {
                let v = points.iter().map(|p| if i == 0 { p.0 } else { p.1 });
                let (lo, hi) = v.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
                let pad = 0.1 * (hi - lo).max(1e-3);
                (lo - pad, hi + pad)
            };
            let ws = std::cell::RefCell::new(Workspace::new(net, 1));
            let predict = |a: f64, b: f64| argmax(net.forward(&[a as f32, b as f32], 1, &mut ws.borrow_mut()));
            let title = format!("{}: decision regions", splits.name);
            let labelled = Labelled { points: &points, names: &names };
            decision_regions(&dir.join(&name), &title, &predict, range(0), range(1), labelled, 200)?;
            out.push(name);
        }
    }
    Ok(out)
}

/// Training images shown in [`augmented_sheet`], and versions of each.
const SHEET_SAMPLES: usize = 8;
const SHEET_EPOCHS: usize = 7;

/// The augmented-samples sheet `augmented.png` (and `.svg` with `svg`): the first few training
/// images of `splits`, each followed by the distorted versions `augment` gives it in epochs 1, 2,
/// … of a run seeded with `seed` — what the network sees. Returns the file names written.
pub fn augmented_sheet(
    splits: &Splits,
    augment: &crate::data::augment::Augment,
    seed: u64,
    dir: &Path,
    svg: bool,
) -> Result<Vec<String>> {
    use crate::data::augment::{Augmenter, Stream};
    let data = &splits.train;
    let Some((h, w)) = splits.image_shape.filter(|&(h, w)| h * w == data.n_features && !data.is_empty()) else {
        return Err(crate::Error::config("--augment", format!("'{}' has no training images to show", splits.name)));
    };
    let augmenter = Augmenter::new(augment, (h, w));
    let mut scratch = augmenter.scratch();
    let d = h * w;
    let mut images = Vec::with_capacity(SHEET_SAMPLES * (SHEET_EPOCHS + 1) * d);
    for i in 0..SHEET_SAMPLES.min(data.len()) {
        let src = &data.x[i * d..(i + 1) * d];
        images.extend_from_slice(src);
        for epoch in 1..=SHEET_EPOCHS {
            let at = images.len();
            images.resize(at + d, 0.0);
            augmenter.apply(
                src,
                &mut images[at..],
                &mut Stream::for_sample(seed, epoch as u64, i as u64),
                &mut scratch,
            );
        }
    }
    let title = format!("{}: {augment} (original, then epochs 1–{SHEET_EPOCHS})", splits.name);
    let mut out = Vec::new();
    for ext in formats(svg) {
        let name = format!("augmented.{ext}");
        image_grid(&dir.join(&name), &title, &images, SHEET_EPOCHS + 1, h, w)?;
        out.push(name);
    }
    Ok(out)
}
