//! On-the-fly image augmentation (`--augment`): every training image is distorted afresh in
//! every epoch, so the network never sees the same picture twice, as Nielsen's chapter 3 and
//! Simard, Steinkraus & Platt (2003) describe. The transforms ([`Transform`], parsed in `spec`)
//! are functions on one image ([`shift`], [`flip`], [`affine`], [`elastic`], built from the pieces
//! in `image`); an [`Augmenter`] draws their parameters for one image from a [`Stream`] and
//! applies them, without allocating.
//!
//! The random parameters of image i in epoch e come from [`Stream::for_sample`]`(seed, e, i)`, a
//! stream of its own derived from the run's seed: what a sample looks like depends on nothing
//! else — not on the thread that distorts it, the batch it falls in, or whether the run was
//! resumed — so runs are bit-identical for any thread count and resume bit-identically with no
//! augmentation state in the checkpoint.
//!
//! ```
//! use neuralnet::data::augment::{Augment, Augmenter, Stream};
//! let augment: Augment = "affine:15,0.15,0.3,2+elastic:4,34".parse().unwrap();
//! let augmenter = Augmenter::new(&augment, (28, 28));
//! let mut scratch = augmenter.scratch();
//! let mut image = vec![0.0f32; 28 * 28];
//! image[14 * 28 + 10..14 * 28 + 18].fill(1.0); // a bar
//! let mut out = vec![0.0f32; 28 * 28];
//! augmenter.apply(&image, &mut out, &mut Stream::for_sample(1, 1, 0), &mut scratch);
//! assert!(out != image && out.iter().all(|p| (0.0..=1.0).contains(p)));
//! ```

#[cfg(target_arch = "x86_64")]
mod avx512;
mod field;
mod image;
mod spec;

pub use image::{Affine, Map, flip, gaussian_kernel, pad, resample, shift, smooth};
pub use spec::{Augment, Transform};

/// SplitMix64's increment (Steele, Lea & Flood 2014).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijection of u64 that mixes every bit into every other.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A random stream: SplitMix64 (Steele, Lea & Flood 2014), cheap to start anywhere — each
/// training image gets its own, keyed by (seed, epoch, index).
#[derive(Debug, Clone, PartialEq)]
pub struct Stream(u64);

impl Stream {
    /// The stream of training image `index` in epoch `epoch` of a run seeded with `seed`.
    pub fn for_sample(seed: u64, epoch: u64, index: u64) -> Self {
        // The key differs from the seed itself, so that it is not the run's ChaCha stream re-used.
        let key = mix(mix(mix(seed ^ 0x6175_676d_656e_7421).wrapping_add(epoch)).wrapping_add(index));
        Stream(key)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }

    /// u uniform in [0, 1) (24 random bits).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// a·(2u − 1), uniform in [−a, a).
    pub fn symmetric(&mut self, a: f32) -> f32 {
        a * (2.0 * self.uniform() - 1.0)
    }

    /// Uniform in 0..n (n ≥ 1).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n) >> 32
    }
}

/// A mixing hash of u32 (Wellons's `lowbias32`), for [`noise`]: with a counter as input, the
/// lanes are independent and the loop vectorises.
#[inline(always)]
fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// Fills `out` with values uniform in [−1, 1) (23 random bits each), hashed from `key` and each
/// value's index: the white noise behind Simard's elastic field.
#[inline(always)]
pub fn noise(key: u64, out: &mut [f32]) {
    let (k0, k1) = (key as u32, (key >> 32) as u32);
    for (i, v) in out.iter_mut().enumerate() {
        let bits = lowbias32(lowbias32(i as u32 ^ k0) ^ k1);
        *v = (bits >> 9) as f32 * (1.0 / (1u32 << 22) as f32) - 1.0;
    }
}

/// [`image::Affine`] applied to one image: out(p) = in(c + A⁻¹(p − c − t)), bilinear, 0 outside
/// (see [`Affine::backward`]). Allocates its scratch; the training loop uses an [`Augmenter`].
pub fn affine(src: &[f32], dst: &mut [f32], shape: (usize, usize), params: &Affine) {
    let mut padded = vec![0.0; (shape.0 + 2) * (shape.1 + 2)];
    pad(src, &mut padded, shape);
    resample(&padded, dst, shape, &params.backward(shape), None);
}

/// An elastic distortion of one image by the displacement field (Δx, Δy) (already smoothed and
/// scaled): out(p) = in(p + Δ(p)), bilinear, 0 outside. Allocates its scratch.
pub fn elastic(src: &[f32], dst: &mut [f32], shape: (usize, usize), dx: &[f32], dy: &[f32]) {
    let mut padded = vec![0.0; (shape.0 + 2) * (shape.1 + 2)];
    pad(src, &mut padded, shape);
    resample(&padded, dst, shape, &Map::IDENTITY, Some((dx, dy)));
}

/// Simard's displacement field for σ = `sigma`, α = `alpha`, from `key`: Δ = α·G U G for U white
/// noise in [−1, 1] and G the Gaussian smoothing of [`smooth`], drawn in G's eigenbasis
/// (`field`: the same mean and covariance as smoothing uniform noise, but for 10⁻⁵ of each
/// factor's Σλ²), Δx from `key`, Δy from `key + 1`. Returns (Δx, Δy). Allocates; the training loop
/// uses an [`Augmenter`].
pub fn elastic_field(key: u64, shape: (usize, usize), sigma: f32, alpha: f32) -> (Vec<f32>, Vec<f32>) {
    let field = field::Field::new(shape, sigma, alpha);
    let (mut m, mut t) = (vec![0.0; field.noise_len()], vec![0.0; field.product_len()]);
    let mut strided = vec![0.0; shape.0 * field.stride()];
    let mut component = |key| {
        field.sample(key, &mut strided, &mut m, &mut t);
        strided.chunks_exact(field.stride()).flat_map(|row| &row[..shape.1]).copied().collect()
    };
    (component(key), component(key.wrapping_add(1)))
}

/// The transforms of an [`Augment`] ready for images of one shape: the factors of the elastic
/// distortion's field computed once. Shared by the threads that distort (each with its own
/// [`Scratch`]).
#[derive(Debug, Clone)]
pub struct Augmenter {
    augment: Augment,
    shape: (usize, usize),
    field: Option<field::Field>,
    /// The CPU has AVX-512F (and AVX2 and FMA): [`Augmenter::apply`] runs with them.
    avx512: bool,
}

/// The buffers an [`Augmenter`] works in (one per thread): the padded source, the field, the
/// resampled image before its shift, the field's noise and intermediate product.
#[derive(Debug, Clone)]
pub struct Scratch {
    padded: Vec<f32>,
    dx: Vec<f32>,
    dy: Vec<f32>,
    tmp: Vec<f32>,
    m: Vec<f32>,
    t: Vec<f32>,
}

impl Augmenter {
    /// `augment` for images of shape (h, w).
    pub fn new(augment: &Augment, shape: (usize, usize)) -> Self {
        let field = match augment.get("elastic") {
            Some(Transform::Elastic { sigma, alpha }) => Some(field::Field::new(shape, sigma, alpha)),
            _ => None,
        };
        #[cfg(target_arch = "x86_64")]
        let avx512 = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let avx512 = false;
        Augmenter { augment: augment.clone(), shape, field, avx512 }
    }

    /// The transforms.
    pub fn augment(&self) -> &Augment {
        &self.augment
    }

    /// The row stride of the elastic field.
    fn field_stride(&self) -> usize {
        self.field.as_ref().map_or(self.shape.1, field::Field::stride)
    }

    /// Buffers for [`Augmenter::apply`].
    pub fn scratch(&self) -> Scratch {
        let (h, w) = self.shape;
        Scratch {
            padded: vec![0.0; (h + 2) * (w + 2)],
            dx: vec![0.0; h * self.field_stride()],
            dy: vec![0.0; h * self.field_stride()],
            tmp: vec![0.0; h * w],
            m: vec![0.0; self.field.as_ref().map_or(0, field::Field::noise_len)],
            t: vec![0.0; self.field.as_ref().map_or(0, field::Field::product_len)],
        }
    }

    /// dst = the distortion of `src` with parameters drawn from `stream`, in the fixed order (each
    /// only when its transform is present): flip's coin, affine's θ, k, s, t_x, t_y, elastic's two
    /// field keys, shift's direction and distance. Then out = S(E(A(F(in)))): flipped, affinely
    /// distorted, elastically distorted (one bilinear resampling through the composed backward
    /// map q = B(p + Δ(p)) + o), then shifted by whole pixels. Allocates nothing. Runs with
    /// AVX-512 where the CPU has it (the resampling written out in intrinsics), else with AVX2 and
    /// FMA where it has those: the same operations in wider lanes, so the same result on every
    /// CPU (the resampling has no fused multiply–add; the field's products fuse every one, which
    /// `f32::mul_add` rounds exactly, in hardware or not).
    pub fn apply(&self, src: &[f32], dst: &mut [f32], stream: &mut Stream, scratch: &mut Scratch) {
        #[cfg(target_arch = "x86_64")]
        if self.avx512 {
            // SAFETY: `avx512` is set only on a CPU with AVX-512F, AVX2 and FMA (`Augmenter::new`).
            return unsafe { self.apply_avx512(src, dst, stream, scratch) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { self.apply_avx2(src, dst, stream, scratch) };
        }
        self.apply_lanes(src, dst, stream, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma,avx512f")]
    fn apply_avx512(&self, src: &[f32], dst: &mut [f32], stream: &mut Stream, scratch: &mut Scratch) {
        self.apply_lanes(src, dst, stream, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn apply_avx2(&self, src: &[f32], dst: &mut [f32], stream: &mut Stream, scratch: &mut Scratch) {
        self.apply_lanes(src, dst, stream, scratch)
    }

    #[inline(always)]
    fn apply_lanes(&self, src: &[f32], dst: &mut [f32], stream: &mut Stream, s: &mut Scratch) {
        let a = &self.augment;
        let flipped = a.get("flip").is_some() && stream.next_u64() >> 63 == 1;
        let mut map = match a.get("affine") {
            Some(Transform::Affine { rotate, scale, shear, shift }) => {
                let (rotate, scale, shear) =
                    (stream.symmetric(rotate), 1.0 + stream.symmetric(scale), stream.symmetric(shear));
                let t = [stream.symmetric(shift), stream.symmetric(shift)];
                Some(Affine { rotate, scale, shear, shift: t }.backward(self.shape))
            }
            _ => None,
        };
        let elastic = self.field.as_ref().map(|f| (f, stream.next_u64(), stream.next_u64()));
        if let Some((field, kx, ky)) = elastic {
            field.sample(kx, &mut s.dx, &mut s.m, &mut s.t);
            field.sample(ky, &mut s.dy, &mut s.m, &mut s.t);
        }
        let resampled = map.is_some() || elastic.is_some();
        if flipped && resampled {
            map = Some(map.unwrap_or(Map::IDENTITY).flipped(self.shape.1));
        }
        // The resampled (or copied, or flipped: exact either way) image goes to dst, or to tmp
        // when a shift follows.
        let shift_by = match a.get("shift") {
            Some(Transform::Shift(n)) => Some(n),
            _ => None,
        };
        let out: &mut [f32] = if shift_by.is_some() { &mut s.tmp } else { &mut *dst };
        match (map, elastic.is_some()) {
            (None, false) if flipped => flip(src, out, self.shape),
            (None, false) => out.copy_from_slice(src),
            (map, with_field) => {
                pad(src, &mut s.padded, self.shape);
                let (field, map) = (with_field.then_some((&s.dx[..], &s.dy[..])), map.unwrap_or(Map::IDENTITY));
                let stride = self.field_stride();
                match self.avx512 {
                    // SAFETY: `avx512` is set only on a CPU with AVX-512F (`Augmenter::new`).
                    #[cfg(target_arch = "x86_64")]
                    true => unsafe { avx512::resample(&s.padded, out, self.shape, &map, field, stride) },
                    _ => image::resample_strided(&s.padded, out, self.shape, &map, field, stride),
                }
            }
        }
        if let Some(n) = shift_by {
            let (direction, distance) = (stream.below(5), 1 + stream.below(n as u64) as isize);
            let (dx, dy) = [(0, 0), (0, -distance), (0, distance), (-distance, 0), (distance, 0)][direction as usize];
            shift(&s.tmp, dst, self.shape, dx, dy);
        }
    }
}

#[cfg(test)]
mod tests;
