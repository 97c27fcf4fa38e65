//! The transforms on one image, each a mapping from output pixel p = (x, y) to the source point it
//! reads (x to the right, y down, pixel centres at whole coordinates, the centre c = ((w − 1)/2,
//! (h − 1)/2)): exact pixel moves ([`shift`], [`flip`]) and bilinear resampling through a
//! backward map ([`Map`], [`resample`]), with zero outside the image. Images are row-major h × w
//! slices of pixels in [0, 1].
//!
//! The loops are written so that the compiler can vectorise them, and [`super::Augmenter`] runs
//! them with AVX2 where the CPU has it (no fused multiply–add, so the result is the same with or
//! without it), or with AVX-512 where it has that, resampling then with the same operations written
//! out in intrinsics (`avx512`), bit-identical to [`resample`].

/// An affine backward map q = B p + o: output pixel p reads the source at q.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Map {
    /// B, row-major: `q.x = b[0][0]·p.x + b[0][1]·p.y + o[0]`, `q.y = b[1][0]·p.x + b[1][1]·p.y + o[1]`.
    pub b: [[f32; 2]; 2],
    /// o.
    pub o: [f32; 2],
}

/// Simard et al.'s affine distortion: rotation θ (degrees), scale factor k, shear s and
/// translation t, about the image centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// θ in degrees; positive turns the image clockwise as displayed (y points down).
    pub rotate: f32,
    /// k, the scale factor (1: unchanged).
    pub scale: f32,
    /// s, the horizontal shear: (x, y) ↦ (x + s·y, y) before rotation and scaling.
    pub shear: f32,
    /// t = (t_x, t_y) in pixels.
    pub shift: [f32; 2],
}

impl Affine {
    /// The backward map of the forward transform T(q) = c + A(q − c) + t with
    /// A = R(θ)·k·H, R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]], H = [[1, s], [0, 1]]:
    /// q = c + A⁻¹(p − c − t), A⁻¹ = H⁻¹ R(−θ)/k, for an image of shape `(h, w)`.
    pub fn backward(&self, (h, w): (usize, usize)) -> Map {
        let (sin, cos) = (self.rotate as f64).to_radians().sin_cos();
        let (k, s) = (self.scale as f64, self.shear as f64);
        // R(−θ)/k, then H⁻¹ = [[1, −s], [0, 1]] on the left.
        let r = [[cos / k, sin / k], [-sin / k, cos / k]];
        let b = [[r[0][0] - s * r[1][0], r[0][1] - s * r[1][1]], r[1]];
        let c = [(w as f64 - 1.0) / 2.0, (h as f64 - 1.0) / 2.0];
        let u = [c[0] + self.shift[0] as f64, c[1] + self.shift[1] as f64];
        let o = [c[0] - b[0][0] * u[0] - b[0][1] * u[1], c[1] - b[1][0] * u[0] - b[1][1] * u[1]];
        Map { b: b.map(|row| row.map(|v| v as f32)), o: o.map(|v| v as f32) }
    }
}

impl Map {
    /// The identity: q = p.
    pub const IDENTITY: Map = Map { b: [[1.0, 0.0], [0.0, 1.0]], o: [0.0, 0.0] };

    /// This map followed by a left–right flip of the source about the centre:
    /// q.x ↦ (w − 1) − q.x, so that the output is that of the flipped source.
    pub fn flipped(&self, w: usize) -> Map {
        let [[a, b], row] = self.b;
        Map { b: [[-a, -b], row], o: [(w as f32 - 1.0) - self.o[0], self.o[1]] }
    }
}

/// out(x, y) = in(x − dx, y − dy), 0 where that falls outside: the image moved `dx` pixels right
/// and `dy` down (exact; no interpolation).
#[inline(always)]
pub fn shift(src: &[f32], dst: &mut [f32], (h, w): (usize, usize), dx: isize, dy: isize) {
    dst.fill(0.0);
    let (xs, ys) = (overlap(w, dx), overlap(h, dy));
    for y in ys.clone() {
        let sy = (y as isize - dy) as usize;
        let (x0, x1) = (xs.start, xs.end);
        let (s0, s1) = ((x0 as isize - dx) as usize, (x1 as isize - dx) as usize);
        dst[y * w + x0..y * w + x1].copy_from_slice(&src[sy * w + s0..sy * w + s1]);
    }
}

/// The output coordinates 0..n whose source coordinate i − d lies in 0..n.
fn overlap(n: usize, d: isize) -> std::ops::Range<usize> {
    let n = n as isize;
    (d.clamp(0, n) as usize)..((n + d).clamp(0, n) as usize)
}

/// out(x, y) = in(w − 1 − x, y): mirrored left–right (exact).
pub fn flip(src: &[f32], dst: &mut [f32], (h, w): (usize, usize)) {
    for y in 0..h {
        let (s, d) = (&src[y * w..(y + 1) * w], &mut dst[y * w..(y + 1) * w]);
        d.iter_mut().zip(s.iter().rev()).for_each(|(d, &s)| *d = s);
    }
}

/// Copies `src` (h × w) into the middle of `padded` ((h + 2) × (w + 2)), whose border stays 0:
/// [`resample`] reads the four neighbours of any point inside (−1, w) × (−1, h) without a check.
#[inline(always)]
pub fn pad(src: &[f32], padded: &mut [f32], (h, w): (usize, usize)) {
    let pw = w + 2;
    for y in 0..h {
        padded[(y + 1) * pw + 1..(y + 1) * pw + 1 + w].copy_from_slice(&src[y * w..(y + 1) * w]);
    }
}

/// Bilinear resampling through a backward map: out(p) = in(q) with q = B(p + Δ(p)) + o, where
/// Δ = (`field.0`, `field.1`) is a per-pixel displacement (none: Δ = 0), and in(q) is
/// interpolated bilinearly between the four pixels around q, 0 outside the image. `padded` is the
/// source as [`pad`] lays it out. Values are clamped to [0, 1], the range of image pixels.
#[inline(always)]
pub fn resample(padded: &[f32], dst: &mut [f32], (h, w): (usize, usize), map: &Map, field: Option<(&[f32], &[f32])>) {
    resample_strided(padded, dst, (h, w), map, field, w)
}

/// [`resample`] for a field whose rows are `stride` ≥ w apart.
#[inline(always)]
pub(super) fn resample_strided(
    padded: &[f32],
    dst: &mut [f32],
    (h, w): (usize, usize),
    map: &Map,
    field: Option<(&[f32], &[f32])>,
    stride: usize,
) {
    match field {
        Some((dx, dy)) => resample_with::<true>(padded, dst, (h, w), map, (dx, dy, stride)),
        None => resample_with::<false>(padded, dst, (h, w), map, (&[], &[], stride)),
    }
}

/// Asserts that a resampling of an h × w image reads and writes inside its buffers: `padded`
/// (h + 2) × (w + 2), `dst` h × w, the field's h rows `stride` ≥ w apart.
pub(super) fn assert_fits(
    padded: &[f32],
    dst: &[f32],
    (h, w): (usize, usize),
    field: Option<(&[f32], &[f32])>,
    stride: usize,
) {
    assert!(padded.len() >= (h + 2) * (w + 2) && dst.len() >= h * w);
    assert!(field.is_none_or(|(dx, dy)| h == 0 || (stride >= w && dx.len().min(dy.len()) >= (h - 1) * stride + w)));
}

#[inline(always)]
fn resample_with<const FIELD: bool>(
    padded: &[f32],
    dst: &mut [f32],
    (h, w): (usize, usize),
    map: &Map,
    (dx, dy, stride): (&[f32], &[f32], usize),
) {
    let ([[b00, b01], [b10, b11]], [o0, o1]) = (map.b, map.o);
    let pw = w + 2;
    assert_fits(padded, dst, (h, w), FIELD.then_some((dx, dy)), stride);
    // One row at a time in two loops: the first (which vectorises) finds each source point q, its
    // top-left neighbour in the padded source and the weights; the second reads the four
    // neighbours and blends them.
    let (mut at, mut fx, mut fy) = ([0i32; ROW], [0.0f32; ROW], [0.0f32; ROW]);
    for (y, out) in dst.chunks_exact_mut(w).enumerate().take(h) {
        for x0 in (0..w).step_by(ROW) {
            let n = ROW.min(w - x0);
            let f0 = y * stride + x0;
            for k in 0..n {
                let (mut px, mut py) = ((x0 + k) as f32, y as f32);
                if FIELD {
                    px += dx[f0 + k];
                    py += dy[f0 + k];
                }
                // Padded coordinates: q + 1, inside (0, w + 1) × (0, h + 1) or outside the image.
                let (qx, qy) = (b00 * px + b01 * py + o0 + 1.0, b10 * px + b11 * py + o1 + 1.0);
                let inside = qx > 0.0 && qx < (w + 1) as f32 && qy > 0.0 && qy < (h + 1) as f32;
                // Outside (or not a number): the zero border at (0, 0), weights 0.
                let (cx, cy) = if inside { (qx, qy) } else { (0.0, 0.0) };
                // SAFETY: 0 ≤ cx < w + 1 and 0 ≤ cy < h + 1, finite: in range of i32.
                let (ix, iy) = unsafe { (cx.to_int_unchecked::<i32>(), cy.to_int_unchecked::<i32>()) };
                // The min keeps a sum rounded up to w + 1 (or h + 1) inside the buffer.
                let (ix, iy) = (ix.min(w as i32), iy.min(h as i32));
                at[k] = iy * pw as i32 + ix;
                (fx[k], fy[k]) = (cx - ix as f32, cy - iy as f32);
            }
            for k in 0..n {
                let a = at[k] as usize;
                // SAFETY: a = iy·pw + ix with ix ≤ w, iy ≤ h, so a + pw + 1 ≤ (h + 2)·pw − 1, inside
                // `padded` (asserted above).
                let [p00, p01, p10, p11] = unsafe { [a, a + 1, a + pw, a + pw + 1].map(|j| *padded.get_unchecked(j)) };
                let top = p00 + fx[k] * (p01 - p00);
                let bottom = p10 + fx[k] * (p11 - p10);
                out[x0 + k] = (top + fy[k] * (bottom - top)).clamp(0.0, 1.0);
            }
        }
    }
}

/// Pixels per chunk of a row in [`resample`].
const ROW: usize = 32;

/// The normalised Gaussian g(t) = exp(−t²/2σ²)/Σ for t = −r..r, r = ⌈3σ⌉, keeping only the taps
/// |t| < `n` (an image n pixels wide has no use for the others; the sum is over all of them).
pub fn gaussian_kernel(sigma: f32, n: usize) -> Vec<f32> {
    let sigma = sigma as f64;
    let r = (3.0 * sigma).ceil() as i64;
    let g = |t: i64| (-(t * t) as f64 / (2.0 * sigma * sigma)).exp();
    let total: f64 = (-r..=r).map(g).sum();
    let kept = r.min(n as i64 - 1).max(0);
    (-kept..=kept).map(|t| (g(t) / total) as f32).collect()
}

/// Smooths a field (h × w) in place with the separable Gaussian `kernel` (2r + 1 taps, from
/// [`gaussian_kernel`]), zero outside the image: f ← G ∗ f, (G ∗ f)(x, y) =
/// Σ_{|i|,|j| ≤ r} g(i) g(j) f(x + i, y + j). `tmp` holds h·w values.
#[inline(always)]
pub fn smooth(field: &mut [f32], tmp: &mut [f32], (h, w): (usize, usize), kernel: &[f32]) {
    smooth_columns(field, tmp, (h, w), kernel);
    transpose(tmp, field, (h, w));
    smooth_columns(field, tmp, (w, h), kernel);
    transpose(tmp, field, (w, h));
}

/// dst(x, y) = Σ_{|t| ≤ r} g(t) src(x, y + t) over the rows y ± t inside the image: one pass of
/// the separable Gaussian. The kernel is symmetric, so it runs as g(0)·src plus, for t = 1..r,
/// g(t)·(src(y + t) + src(y − t)): one multiply for two taps. Each is a whole-image
/// multiply–add of row-shifted slices (long loops that vectorise; summing a row in registers
/// instead waits on the adds' latency).
#[inline(always)]
fn smooth_columns(src: &[f32], dst: &mut [f32], (h, w): (usize, usize), kernel: &[f32]) {
    let r = kernel.len() / 2;
    dst[..h * w].iter_mut().zip(&src[..h * w]).for_each(|(d, &s)| *d = kernel[r] * s);
    for (t, &g) in (1..).zip(&kernel[r + 1..]) {
        // Row y has the neighbour y + t when y < h − t, and y − t when y ≥ t.
        let ht = h.saturating_sub(t);
        if t < ht {
            let d = &mut dst[t * w..ht * w];
            d.iter_mut().zip(&src[2 * t * w..h * w]).zip(&src[..(ht - t) * w]).for_each(|((d, &u), &v)| {
                *d += g * (u + v);
            });
        }
        // Rows with one neighbour: y < min(t, h − t) (only y + t), y ≥ max(t, h − t) (only y − t).
        let (up, down) = (t.min(ht), t.max(ht));
        if up > 0 {
            dst[..up * w].iter_mut().zip(&src[t * w..(t + up) * w]).for_each(|(d, &s)| *d += g * s);
        }
        if down < h {
            dst[down * w..h * w].iter_mut().zip(&src[(down - t) * w..(h - t) * w]).for_each(|(d, &s)| *d += g * s);
        }
    }
}

/// dst (w × h) = srcᵀ (src h × w).
#[inline(always)]
fn transpose(src: &[f32], dst: &mut [f32], (h, w): (usize, usize)) {
    for y in 0..h {
        for x in 0..w {
            dst[x * h + y] = src[y * w + x];
        }
    }
}
