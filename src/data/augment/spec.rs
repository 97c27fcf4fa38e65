//! What `--augment` says: the [`Transform`]s and their parameters, parsed from `shift:1`,
//! `affine:15,0.15,0.3,2`, `elastic:4,34`, `flip`, combined with `+` on the command line or as a
//! TOML list, and written back the same way (into the report's configuration).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// One transform of `--augment`, with the ranges its random parameters are drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// `flip`: mirrored left–right with probability 1/2 (Fashion-MNIST; not for digits).
    Flip,
    /// `shift:N`: Nielsen's `expand_mnist.py` moves on the fly: with probability 1/5 each, the
    /// image stays, or moves up, down, left or right by a distance drawn uniformly from 1..=N
    /// pixels, zero filled (N = 1: his four one-pixel moves and the original, equally likely).
    Shift(usize),
    /// `affine:ROT,SCALE,SHEAR,SHIFT`: Simard et al.'s affine distortion about the centre, each
    /// parameter uniform in its range: rotation θ ∈ [−ROT, ROT] degrees, scale k ∈ [1 − SCALE,
    /// 1 + SCALE], shear s ∈ [−SHEAR, SHEAR], translation t_x, t_y ∈ [−SHIFT, SHIFT] pixels.
    Affine {
        /// ROT, degrees.
        rotate: f32,
        /// SCALE.
        scale: f32,
        /// SHEAR.
        shear: f32,
        /// SHIFT, pixels.
        shift: f32,
    },
    /// `elastic:SIGMA,ALPHA`: Simard et al.'s elastic distortion: Δx, Δy white noise in [−1, 1]
    /// smoothed by a Gaussian of standard deviation σ = SIGMA pixels and scaled by α = ALPHA
    /// (drawn in the smoothing's eigenbasis: the covariance of uniform noise smoothed, see
    /// [`elastic_field`](super::elastic_field)).
    Elastic {
        /// σ, pixels.
        sigma: f32,
        /// α.
        alpha: f32,
    },
}

/// The transforms names, as an error lists them.
const VALID: &str = "shift:N, affine:ROT,SCALE,SHEAR,SHIFT, elastic:SIGMA,ALPHA, flip";

impl Transform {
    /// Its name: `flip`, `shift`, `affine`, `elastic`.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Flip => "flip",
            Transform::Shift(_) => "shift",
            Transform::Affine { .. } => "affine",
            Transform::Elastic { .. } => "elastic",
        }
    }
}

/// A check of one number, and what it requires (for the message).
type Check<'a> = (fn(f32) -> bool, &'a str);

/// The numbers of `name:args`, one per entry of `names`, separated by commas, each passing its
/// check.
fn numbers(name: &str, args: &str, names: &[&str], ok: &[Check]) -> Result<Vec<f32>, String> {
    let usage = format!("{name}:{}", names.join(","));
    let values: Vec<&str> = if args.is_empty() { Vec::new() } else { args.split(',').collect() };
    if values.len() != names.len() {
        return Err(format!("'{name}' takes {} number(s): {usage}", names.len()));
    }
    let mut out = Vec::new();
    for ((v, n), (check, what)) in values.iter().zip(names).zip(ok) {
        let x: f32 = v.trim().parse().map_err(|_| format!("{n} of {usage} is not a number: '{v}'"))?;
        if !(x.is_finite() && check(x)) {
            return Err(format!("{n} of {usage} must be {what}, got {x}"));
        }
        out.push(x);
    }
    Ok(out)
}

impl FromStr for Transform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, args) = s.trim().split_once(':').unwrap_or((s.trim(), ""));
        let args = args.trim();
        match name {
            "flip" if args.is_empty() => Ok(Transform::Flip),
            "flip" => Err(format!("'flip' takes no numbers, got 'flip:{args}'")),
            "shift" => match args.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(Transform::Shift(n)),
                _ => Err(format!("shift:N needs a whole number of pixels N ≥ 1, got '{args}'")),
            },
            "affine" => {
                let v = numbers(
                    name,
                    args,
                    &["ROT", "SCALE", "SHEAR", "SHIFT"],
                    &[
                        (|x| (0.0..=180.0).contains(&x), "in [0, 180] degrees"),
                        (|x| (0.0..1.0).contains(&x), "in [0, 1)"),
                        (|x| x >= 0.0, "≥ 0"),
                        (|x| x >= 0.0, "≥ 0 pixels"),
                    ],
                )?;
                Ok(Transform::Affine { rotate: v[0], scale: v[1], shear: v[2], shift: v[3] })
            }
            "elastic" => {
                let v = numbers(
                    name,
                    args,
                    &["SIGMA", "ALPHA"],
                    &[(|x| x > 0.0 && x <= 1000.0, "in (0, 1000] pixels"), (|x| x >= 0.0, "≥ 0")],
                )?;
                Ok(Transform::Elastic { sigma: v[0], alpha: v[1] })
            }
            other => Err(format!("unknown transform '{other}'; valid: {VALID}")),
        }
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transform::Flip => write!(f, "flip"),
            Transform::Shift(n) => write!(f, "shift:{n}"),
            Transform::Affine { rotate, scale, shear, shift } => write!(f, "affine:{rotate},{scale},{shear},{shift}"),
            Transform::Elastic { sigma, alpha } => write!(f, "elastic:{sigma},{alpha}"),
        }
    }
}

/// The transforms of a run, at most one of each kind. Whatever order they are given in, they
/// are applied in the fixed order flip → affine → elastic → shift (the first three as one
/// bilinear resampling).
#[derive(Debug, Clone, PartialEq)]
pub struct Augment(Vec<Transform>);

impl Augment {
    /// The transforms, as given.
    pub fn transforms(&self) -> &[Transform] {
        &self.0
    }

    /// The transform named `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<Transform> {
        self.0.iter().copied().find(|t| t.name() == name)
    }

    /// From a list of transforms: at least one, no kind twice.
    pub fn new(transforms: Vec<Transform>) -> Result<Self, String> {
        if transforms.is_empty() {
            return Err(format!("expected one or more transforms joined by '+': {VALID}"));
        }
        for (i, t) in transforms.iter().enumerate() {
            if transforms[..i].iter().any(|u| u.name() == t.name()) {
                return Err(format!("'{}' is given twice", t.name()));
            }
        }
        Ok(Augment(transforms))
    }
}

impl FromStr for Augment {
    type Err = String;

    /// `shift:1+affine:15,0.15,0.3,2+elastic:4,34+flip`.
    fn from_str(s: &str) -> Result<Self, String> {
        Augment::new(s.split('+').filter(|t| !t.trim().is_empty()).map(str::parse).collect::<Result<_, _>>()?)
    }
}

impl fmt::Display for Augment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(Transform::to_string).collect();
        f.write_str(&parts.join("+"))
    }
}

impl Serialize for Augment {
    /// A list of strings: `["shift:1", "elastic:4,34"]`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Transform::to_string))
    }
}

impl<'de> Deserialize<'de> for Augment {
    /// A list of strings, or one string (`"shift:1+elastic:4,34"`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        let text = match OneOrMany::deserialize(d)? {
            OneOrMany::One(s) => s,
            OneOrMany::Many(v) => v.join("+"),
        };
        text.parse().map_err(|e| serde::de::Error::custom(format!("--augment (data.augment): {e}")))
    }
}
