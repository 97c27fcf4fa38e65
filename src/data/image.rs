//! Photographs and drawings of digits as model inputs, prepared the way MNIST's digits were
//! (LeCun et al.): greyscale; inverted when dark ink is on a light background (the mean of the
//! border pixels is bright), so that ink is bright on black; cropped to the bounding box of the
//! ink; scaled, keeping the aspect ratio, into a 20×20 box (for a 28×28 model; the same 20/28
//! share of other sizes); placed in the frame so that the ink's centre of mass is at its centre;
//! scaled to [0, 1]. Transparent pixels count as white paper.

use crate::error::{Error, Result};
use image::imageops::{FilterType, resize};
use image::{GrayImage, Luma};
use std::path::Path;

/// Share of each side of the frame the digit's box takes (MNIST: 20 of 28 pixels).
pub const BOX_SHARE: f64 = 20.0 / 28.0;

/// Ink below this share of the brightest ink does not count for the bounding box (noise, JPEG
/// artefacts, paper texture).
const INK_THRESHOLD: f32 = 0.2;

/// True when the file starts like a PNG or JPEG image.
pub fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xff, 0xd8, 0xff])
}

/// Reads a PNG or JPEG file and prepares it as an `h`×`w` input in [0, 1], row-major
/// (see the module docs). A file that is not a PNG/JPEG image is an error naming it.
pub fn load_digit(path: &Path, (h, w): (usize, usize)) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if !looks_like_image(&bytes) {
        return Err(Error::format(path, "not a PNG or JPEG image"));
    }
    let img = image::load_from_memory(&bytes).map_err(|e| Error::format(path, format!("cannot decode image: {e}")))?;
    let la = img.to_luma_alpha8();
    // Composite over white paper: v = α·l + (1 − α)·255.
    let grey = GrayImage::from_fn(la.width(), la.height(), |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        Luma([((l as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8])
    });
    Ok(prepare(&grey, (h, w)))
}

/// The MNIST preparation of a greyscale image into an `h`×`w` frame (see the module docs).
pub fn prepare(grey: &GrayImage, (h, w): (usize, usize)) -> Vec<f32> {
    let ink = ink_image(grey);
    let mut frame = vec![0.0f32; h * w];
    let Some((x0, y0, x1, y1)) = ink_bounds(&ink) else {
        return frame; // a blank page
    };
    let crop = image::imageops::crop_imm(&ink, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
    let (bh, bw) = ((h as f64 * BOX_SHARE).round().max(1.0), (w as f64 * BOX_SHARE).round().max(1.0));
    let scale = (bh / crop.height() as f64).min(bw / crop.width() as f64);
    let (nw, nh) = (
        ((crop.width() as f64 * scale).round() as u32).clamp(1, w as u32),
        ((crop.height() as f64 * scale).round() as u32).clamp(1, h as u32),
    );
    let digit = resize(&crop, nw, nh, FilterType::Triangle);
    let (cx, cy) = centre_of_mass(&digit);
    let place = |centre: f64, frame_len: usize, len: u32| {
        ((frame_len as f64 / 2.0 - centre).round() as i64).clamp(0, frame_len as i64 - len as i64) as usize
    };
    let (ox, oy) = (place(cx, w, nw), place(cy, h, nh));
    for (x, y, p) in digit.enumerate_pixels() {
        frame[(oy + y as usize) * w + ox + x as usize] = p.0[0] as f32 / 255.0;
    }
    frame
}

/// Ink as bright on black: the image itself when its border is dark, else its negative.
fn ink_image(grey: &GrayImage) -> GrayImage {
    let (w, h) = grey.dimensions();
    let border: Vec<u32> = grey
        .enumerate_pixels()
        .filter(|(x, y, _)| *x == 0 || *y == 0 || *x + 1 == w || *y + 1 == h)
        .map(|(_, _, p)| p.0[0] as u32)
        .collect();
    let mean = border.iter().sum::<u32>() as f64 / border.len().max(1) as f64;
    let mut ink = grey.clone();
    if mean > 127.5 {
        image::imageops::invert(&mut ink);
    }
    ink
}

/// The smallest box (x0, y0, x1, y1), inclusive, holding every pixel with at least
/// [`INK_THRESHOLD`] of the brightest ink; `None` for an image without ink.
fn ink_bounds(ink: &GrayImage) -> Option<(u32, u32, u32, u32)> {
    let max = ink.pixels().map(|p| p.0[0]).max().unwrap_or(0);
    if max == 0 {
        return None;
    }
    let cut = (max as f32 * INK_THRESHOLD).max(1.0) as u8;
    ink.enumerate_pixels().filter(|(_, _, p)| p.0[0] >= cut).fold(None, |b, (x, y, _)| {
        Some(match b {
            None => (x, y, x, y),
            Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
        })
    })
}

/// Centre of mass (x, y) of the ink, in pixel units with pixel centres at i + 0.5.
fn centre_of_mass(ink: &GrayImage) -> (f64, f64) {
    let (mut m, mut mx, mut my) = (0.0, 0.0, 0.0);
    for (x, y, p) in ink.enumerate_pixels() {
        let v = p.0[0] as f64;
        m += v;
        mx += v * (x as f64 + 0.5);
        my += v * (y as f64 + 0.5);
    }
    if m == 0.0 { (ink.width() as f64 / 2.0, ink.height() as f64 / 2.0) } else { (mx / m, my / m) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dark vertical bar on white paper, off-centre, in a 100×60 picture.
    fn bar_on_paper() -> GrayImage {
        GrayImage::from_fn(60, 100, |x, y| Luma([if (10..20).contains(&x) && (10..90).contains(&y) { 0 } else { 255 }]))
    }

    #[test]
    fn prepares_like_mnist() {
        let v = prepare(&bar_on_paper(), (28, 28));
        assert_eq!(v.len(), 784);
        assert!(v.iter().all(|p| (0.0..=1.0).contains(p)));
        let rows: Vec<usize> = (0..28).filter(|r| v[r * 28..(r + 1) * 28].iter().any(|&p| p > 0.5)).collect();
        assert_eq!(rows.len(), 20, "scaled to 20 pixels high: {rows:?}");
        let (cx, cy) =
            centre_of_mass(&GrayImage::from_fn(28, 28, |x, y| Luma([(v[(y * 28 + x) as usize] * 255.0) as u8])));
        assert!((cx - 14.0).abs() < 1.0 && (cy - 14.0).abs() < 1.0, "centred by mass: {cx} {cy}");
        assert_eq!(v[0], 0.0, "background is black after inversion");
    }

    #[test]
    fn blank_page_is_all_zero_and_non_images_are_recognised() {
        assert!(prepare(&GrayImage::from_pixel(5, 5, Luma([255])), (28, 28)).iter().all(|&p| p == 0.0));
        assert!(!looks_like_image(b"a,b\n1,2\n"));
        assert!(looks_like_image(b"\x89PNG\r\n\x1a\n...."));
    }
}
