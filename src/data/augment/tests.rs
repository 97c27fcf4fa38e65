//! Each transform on known images: where a bright pixel goes, identities at zero, smoothness of
//! the field, the range of the pixels, the ink kept.

use super::*;

const S8: (usize, usize) = (8, 8);

/// An 8 × 8 image, 0 but for 1 at (x, y).
fn dot(x: usize, y: usize) -> Vec<f32> {
    let mut v = vec![0.0; 64];
    v[y * 8 + x] = 1.0;
    v
}

/// A 28 × 28 digit-like image: a ring of ink.
fn ring() -> Vec<f32> {
    (0..28 * 28)
        .map(|i| {
            let (x, y) = ((i % 28) as f32 - 13.5, (i / 28) as f32 - 13.5);
            let r = (x * x + y * y).sqrt();
            (1.0 - (r - 7.0).abs() / 2.0).clamp(0.0, 1.0)
        })
        .collect()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn shift_moves_a_pixel_by_the_offset_and_fills_zeros() {
    let mut out = vec![9.0; 64];
    shift(&dot(3, 4), &mut out, S8, 2, -1);
    assert_eq!(out, dot(5, 3));
    shift(&dot(7, 0), &mut out, S8, 1, 0);
    assert!(out.iter().all(|&v| v == 0.0), "moved off the image");
}

#[test]
fn flip_mirrors_and_twice_is_the_identity() {
    let (mut once, mut twice) = (vec![0.0; 64], vec![0.0; 64]);
    flip(&dot(1, 5), &mut once, S8);
    assert_eq!(once, dot(6, 5));
    let img: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
    flip(&img, &mut once, S8);
    flip(&once, &mut twice, S8);
    assert_eq!(twice, img);
}

#[test]
fn rotation_by_90_degrees_turns_a_pattern_clockwise() {
    let mut out = vec![0.0; 64];
    // (5, 2) is right of and above the centre (3.5, 3.5); clockwise it goes right of and below.
    affine(&dot(5, 2), &mut out, S8, &Affine { rotate: 90.0, scale: 1.0, shear: 0.0, shift: [0.0, 0.0] });
    assert!(close(&out, &dot(5, 5), 1e-5), "{out:?}");
    // An L: four quarter turns give it back.
    let mut img = vec![0.0; 64];
    [(2, 1), (2, 2), (2, 3), (3, 3), (4, 3)].iter().for_each(|&(x, y)| img[y * 8 + x] = 1.0);
    let (mut a, mut b) = (img.clone(), vec![0.0; 64]);
    for _ in 0..4 {
        affine(&a, &mut b, S8, &Affine { rotate: 90.0, scale: 1.0, shear: 0.0, shift: [0.0, 0.0] });
        std::mem::swap(&mut a, &mut b);
    }
    assert!(close(&a, &img, 1e-5));
}

#[test]
fn affine_at_zero_is_the_identity_and_its_shift_is_exact() {
    let img = ring();
    let mut out = vec![0.0; img.len()];
    affine(&img, &mut out, (28, 28), &Affine { rotate: 0.0, scale: 1.0, shear: 0.0, shift: [0.0, 0.0] });
    assert_eq!(out, img);
    affine(&dot(3, 4), &mut out[..64], S8, &Affine { rotate: 0.0, scale: 1.0, shear: 0.0, shift: [1.0, 2.0] });
    assert_eq!(&out[..64], &dot(4, 6)[..]);
}

#[test]
fn scale_and_shear_move_points_as_their_matrices_say() {
    // Scale 2 about the centre (3.5, 3.5): out(p) = in(c + (p − c)/2), so out(6.5, 3.5) ← in(5, 3.5),
    // halfway between the rows 3 and 4 of a dot at (5, 3).
    let m = Affine { rotate: 0.0, scale: 2.0, shear: 0.0, shift: [0.0, 0.0] }.backward(S8);
    assert!(close(&[m.b[0][0], m.b[1][1], m.o[0]], &[0.5, 0.5, 1.75], 1e-6), "{m:?}");
    // Shear s: forward (x, y) ↦ (x + s(y − c), y) about the centre.
    let m = Affine { rotate: 0.0, scale: 1.0, shear: 1.0, shift: [0.0, 0.0] }.backward(S8);
    let mut out = vec![0.0; 64];
    affine(&dot(3, 5), &mut out, S8, &Affine { rotate: 0.0, scale: 1.0, shear: 1.0, shift: [0.0, 0.0] });
    assert_eq!(m.b, [[1.0, -1.0], [0.0, 1.0]]);
    // x 3 + (5 − 3.5) = 4.5: shared by x 4 and 5.
    let want: Vec<f32> = dot(4, 5).iter().zip(dot(5, 5)).map(|(a, b)| (a + b) / 2.0).collect();
    assert!(close(&out, &want, 1e-6), "{out:?}");
}

#[test]
fn elastic_with_alpha_zero_is_the_identity() {
    let img = ring();
    let (dx, dy) = elastic_field(42, (28, 28), 4.0, 0.0);
    let mut out = vec![0.0; img.len()];
    elastic(&img, &mut out, (28, 28), &dx, &dy);
    assert_eq!(out, img);
    let augmenter = Augmenter::new(&"elastic:4,0".parse().unwrap(), (28, 28));
    augmenter.apply(&img, &mut out, &mut Stream::for_sample(1, 2, 3), &mut augmenter.scratch());
    assert_eq!(out, img);
}

#[test]
fn a_wide_gaussian_gives_a_smooth_field() {
    let step = |sigma: f32| {
        let (dx, _) = elastic_field(7, (28, 28), sigma, 1.0);
        let max = dx.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let right = |i: usize| if i % 28 == 27 { 0.0 } else { (dx[i] - dx[i + 1]).abs() };
        let jump = (0..28 * 27).map(|i| right(i).max((dx[i] - dx[i + 28]).abs())).fold(0.0, f32::max);
        jump / max
    };
    // Neighbouring displacements differ by at most ~15% of the largest for σ = 6, by about as much
    // as the largest one for an unsmoothed field (σ small).
    assert!(step(6.0) < 0.25, "σ = 6: {}", step(6.0));
    assert!(step(0.2) > 0.5, "σ = 0.2: {}", step(0.2));
}

#[test]
fn the_kernel_is_normalised_and_truncated_at_three_sigma() {
    let k = gaussian_kernel(2.0, 28);
    assert_eq!(k.len(), 13);
    assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    assert_eq!(gaussian_kernel(100.0, 8).len(), 15, "taps beyond the image are left out");
}

#[test]
fn distortions_keep_pixels_in_range_and_roughly_the_ink() {
    let img = ring();
    let ink: f32 = img.iter().sum();
    for (spec, tolerance) in
        [("affine:15,0.15,0.3,2+elastic:4,34+shift:2+flip", 1.0), ("affine:5,0.02,0.05,1+elastic:4,8", 0.15)]
    {
        let augmenter = Augmenter::new(&spec.parse().unwrap(), (28, 28));
        let (mut out, mut scratch) = (vec![0.0; img.len()], augmenter.scratch());
        for i in 0..50 {
            augmenter.apply(&img, &mut out, &mut Stream::for_sample(3, 1, i), &mut scratch);
            assert!(out.iter().all(|p| (0.0..=1.0).contains(p)), "{spec}");
            let kept: f32 = out.iter().sum();
            assert!((kept / ink - 1.0).abs() < tolerance, "{spec}, sample {i}: ink {kept} of {ink}");
        }
    }
}

#[test]
fn streams_are_reproducible_and_distinct() {
    let draw = |s: &mut Stream| (0..4).map(|_| s.next_u64()).collect::<Vec<_>>();
    assert_eq!(draw(&mut Stream::for_sample(1, 2, 3)), draw(&mut Stream::for_sample(1, 2, 3)));
    assert_ne!(draw(&mut Stream::for_sample(1, 2, 3)), draw(&mut Stream::for_sample(1, 3, 3)));
    assert_ne!(draw(&mut Stream::for_sample(1, 2, 3)), draw(&mut Stream::for_sample(1, 2, 4)));
    let mut s = Stream::for_sample(0, 0, 0);
    let mean = (0..10_000).map(|_| s.uniform() as f64).sum::<f64>() / 1e4;
    assert!((mean - 0.5).abs() < 0.01);
    let mut field = vec![0.0; 10_000];
    noise(9, &mut field);
    assert!(field.iter().all(|v| (-1.0..1.0).contains(v)) && field.iter().sum::<f32>().abs() < 200.0);
}

#[test]
fn shift_one_draws_nielsens_five_versions() {
    let augmenter = Augmenter::new(&"shift:1".parse().unwrap(), S8);
    let (mut out, mut scratch, mut seen) = (vec![0.0; 64], augmenter.scratch(), std::collections::BTreeMap::new());
    for i in 0..500 {
        augmenter.apply(&dot(3, 3), &mut out, &mut Stream::for_sample(1, 1, i), &mut scratch);
        *seen.entry(out.iter().position(|&v| v == 1.0).unwrap()).or_insert(0) += 1;
    }
    // Stays (3,3) = 27, up 19, down 35, left 26, right 28: each about 1/5.
    assert_eq!(seen.keys().copied().collect::<Vec<_>>(), [19, 26, 27, 28, 35]);
    assert!(seen.values().all(|&n| (70..130).contains(&n)), "{seen:?}");
}

#[test]
fn the_syntax_parses_prints_and_refuses() {
    let a: Augment = " shift:1 + affine:15,0.15,0.3,2+elastic:4,34+flip".parse().unwrap();
    assert_eq!(a.to_string(), "shift:1+affine:15,0.15,0.3,2+elastic:4,34+flip");
    assert_eq!(a.transforms().len(), 4);
    for (bad, says) in [
        ("twist:3", "unknown transform 'twist'"),
        ("shift:0", "N ≥ 1"),
        ("affine:15,0.1", "takes 4 number(s)"),
        ("affine:15,2,0,0", "SCALE of affine"),
        ("elastic:x,34", "not a number"),
        ("elastic:-1,34", "SIGMA"),
        ("flip+flip", "given twice"),
        ("", "one or more"),
    ] {
        let e = bad.parse::<Augment>().unwrap_err();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn flip_draws_the_mirror_image_half_the_time() {
    let augmenter = Augmenter::new(&"flip".parse().unwrap(), S8);
    let (mut out, mut mirrored, mut scratch) = (vec![0.0; 64], vec![0.0; 64], augmenter.scratch());
    flip(&dot(1, 2), &mut mirrored, S8);
    let mut flips = 0;
    for i in 0..400 {
        augmenter.apply(&dot(1, 2), &mut out, &mut Stream::for_sample(5, 1, i), &mut scratch);
        assert!(out == dot(1, 2) || out == mirrored);
        flips += (out == mirrored) as usize;
    }
    assert!((160..240).contains(&flips), "{flips} of 400 flipped");
}

#[test]
fn smoothing_is_the_two_dimensional_gaussian_with_zeros_outside() {
    // G ∗ f summed directly in f64, for shapes taller, wider and narrower than the kernel.
    for (h, w, sigma) in [(28, 28, 4.0), (9, 5, 1.5), (3, 7, 4.0), (28, 20, 0.8)] {
        let kernel = gaussian_kernel(sigma, h.max(w));
        let r = (kernel.len() / 2) as isize;
        let f: Vec<f32> = (0..h * w).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect();
        let mut smoothed = f.clone();
        smooth(&mut smoothed, &mut vec![0.0; h * w], (h, w), &kernel);
        for y in 0..h as isize {
            for x in 0..w as isize {
                let mut sum = 0.0f64;
                for i in -r..=r {
                    for j in -r..=r {
                        let (yy, xx) = (y + i, x + j);
                        if (0..h as isize).contains(&yy) && (0..w as isize).contains(&xx) {
                            let g = kernel[(i + r) as usize] as f64 * kernel[(j + r) as usize] as f64;
                            sum += g * f[yy as usize * w + xx as usize] as f64;
                        }
                    }
                }
                let got = smoothed[y as usize * w + x as usize] as f64;
                assert!((got - sum).abs() < 1e-5, "({h}, {w}, σ {sigma}) at ({x}, {y}): {got} vs {sum}");
            }
        }
    }
}
