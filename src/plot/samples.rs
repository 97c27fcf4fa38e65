//! Sample sheets: [`image_grid`] draws images of pixels in [0, 1] (ink dark on white, every image
//! on the same scale, unlike the weight grids' per-image range) in rows, with a title — the
//! training images under `--augment`, each beside its distorted versions.

use super::{DrawResult, FONT, Format, PlotError, finish, invalid, prepare, render};
use plotters::coord::Shift;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const GAP: usize = 6;
const TITLE_H: u32 = 44;

/// `images` (row-major, each h × w, pixels in [0, 1]) as a grid of `cols` columns, filled row by
/// row; pixel value v is drawn as grey 255·(1 − v), so ink is dark, and values outside [0, 1] are
/// clamped. The first column gets a thin dark frame (the originals, in the augmented sheet).
pub fn image_grid(path: &Path, title: &str, images: &[f32], cols: usize, h: usize, w: usize) -> Result<(), PlotError> {
    if cols == 0 || h == 0 || w == 0 || images.is_empty() || !images.len().is_multiple_of(h * w) {
        return Err(invalid(
            path,
            format!("need images of {h}×{w} pixels in {cols} columns, got {} values", images.len()),
        ));
    }
    let n = images.len() / (h * w);
    let rows = n.div_ceil(cols);
    let scale = (84 / h.max(w)).max(1);
    let (tw, th) = (w * scale, h * scale);
    let (bw, bh) = (cols * (tw + GAP) + GAP, rows * (th + GAP) + GAP);
    let mut buf = vec![255u8; bw * bh * 3];
    for (k, image) in images.chunks_exact(h * w).enumerate() {
        let (ox, oy) = (GAP + (k % cols) * (tw + GAP), GAP + (k / cols) * (th + GAP));
        let frame = if k % cols == 0 { 60 } else { 190 };
        for py in oy - 1..oy + th + 1 {
            for px in ox - 1..ox + tw + 1 {
                let inside = px >= ox && px < ox + tw && py >= oy && py < oy + th;
                let g = match inside {
                    true => {
                        (255.0 * (1.0 - image[(py - oy) / scale * w + (px - ox) / scale].clamp(0.0, 1.0))).round() as u8
                    }
                    false => frame,
                };
                buf[(py * bw + px) * 3..][..3].fill(g);
            }
        }
    }
    let size = (bw.max(520) as u32, bh as u32 + TITLE_H);
    render!(path, size, |root| {
        root.fill(&WHITE)?;
        let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(title, (size.0 as i32 / 2, TITLE_H as i32 / 2), style))?;
        let x = (size.0 as i32 - bw as i32) / 2;
        let bitmap = BitMapElement::with_owned_buffer((x, TITLE_H as i32), (bw as u32, bh as u32), buf.clone());
        root.draw(&bitmap.expect("buffer size matches"))?;
        Ok(())
    })
}
