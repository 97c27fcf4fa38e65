//! Datasets embedded in the binary, so that a fresh install trains on something real with no files:
//! Higham & Higham's ten O/X points in the plane (and the variant with an eleventh point), and the
//! UCI optical-digits 8×8 set that scikit-learn ships as `load_digits` (1,797 images, CC BY 4.0,
//! Alpaydin & Kaynak 1998; see `data/` in the repository for provenance).

use super::{Dataset, Splits};
use flate2::read::GzDecoder;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::io::Read;

/// Names of the built-in datasets.
pub const NAMES: [&str; 3] = ["digits", "higham", "higham-extra"];

const HIGHAM: &str = include_str!("../../data/higham_points.csv");
const HIGHAM_EXTRA: &str = include_str!("../../data/higham_points_with_extra.csv");
const DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// Number of digits images held out for testing, and for validation.
pub const DIGITS_TEST: usize = 360;
/// Number of digits training images held out for validation.
pub const DIGITS_VALIDATION: usize = 144;

/// Loads a built-in dataset by name, or `None` if there is no such built-in.
pub fn load(name: &str) -> Option<Splits> {
    match name {
        "higham" => Some(higham(HIGHAM, name)),
        "higham-extra" => Some(higham(HIGHAM_EXTRA, name)),
        "digits" => Some(digits()),
        _ => None,
    }
}

/// The O/X points: x ∈ \[0,1\]², label 0 is category A (target [1, 0]), label 1 category B ([0, 1]).
/// All points are training data.
fn higham(csv: &str, name: &str) -> Splits {
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let v: Vec<f32> = line.split(',').map(|s| s.trim().parse().expect("embedded CSV is valid")).collect();
        x.extend_from_slice(&v[..2]);
        labels.push(v[2] as u32);
    }
    Splits {
        name: name.to_string(),
        train: Dataset::classification(x, 2, labels, 2),
        class_names: Some(vec!["A".into(), "B".into()]),
        ..Default::default()
    }
}

/// The 8×8 digits, pixels scaled from 0..16 to [0, 1], split by a fixed permutation (seed 0,
/// independent of the training seed): 360 test, 144 validation, 1,293 train.
fn digits() -> Splits {
    let mut text = String::new();
    GzDecoder::new(DIGITS_GZ).read_to_string(&mut text).expect("embedded digits decompress");
    let mut x = Vec::with_capacity(1797 * 64);
    let mut labels = Vec::with_capacity(1797);
    for line in text.lines().filter(|l| !l.is_empty()) {
        let v: Vec<u32> = line.split(',').map(|s| s.parse().expect("embedded digits are integers")).collect();
        x.extend(v[..64].iter().map(|&p| p as f32 / 16.0));
        labels.push(v[64]);
    }
    let all = Dataset::classification(x, 64, labels, 10);
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let (test, rest) = order.split_at(DIGITS_TEST);
    let (validation, train) = rest.split_at(DIGITS_VALIDATION);
    Splits {
        name: "digits".into(),
        train: all.select(train),
        validation: Some(all.select(validation)),
        test: Some(all.select(test)),
        class_names: Some((0..10).map(|d| d.to_string()).collect()),
        image_shape: Some((8, 8)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_have_the_documented_shapes() {
        let h = load("higham").unwrap();
        assert_eq!((h.train.len(), h.train.n_features, h.train.n_outputs), (10, 2, 2));
        assert_eq!(&h.train.y[..2], &[1.0, 0.0]); // first point is category A
        assert_eq!(load("higham-extra").unwrap().train.len(), 11);
        let d = load("digits").unwrap();
        assert_eq!(d.train.len() + d.validation.unwrap().len() + d.test.unwrap().len(), 1797);
        assert!(d.train.x.iter().all(|&p| (0.0..=1.0).contains(&p)));
    }
}
