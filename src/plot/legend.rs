//! Legends outside the plotting area, so that no legend covers a curve or a point: a picture's
//! canvas is split into the chart above and a legend strip below it ([`split`]), whose entries
//! ([`Entry`]: a [`Swatch`] and its label) fill a centred grid ([`layout`]). Also here: the point
//! markers ([`Mark`]) that decision regions draw both on the chart and in the legend, and
//! [`Geometry`], where a drawn picture's parts ended up (checked in debug builds and the tests).

use super::{DrawError, DrawResult, FONT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

/// Font size of legend labels.
const FONT_SIZE: u32 = 15;
/// Height of one legend row, in pixels.
const ROW: u32 = 22;
/// Width of a swatch, and the gap between a swatch and its label.
const SWATCH: u32 = 26;
const GAP: u32 = 6;
/// Space between two entries of a row, and around the block of rows.
const SPACING: u32 = 26;
const PAD: u32 = 8;

/// A rectangle of canvas pixels: x range, y range (as `DrawingArea::get_pixel_range`).
pub(super) type PixelRect = (Range<i32>, Range<i32>);

/// Whether two pixel rectangles share a pixel.
pub(super) fn intersects(a: &PixelRect, b: &PixelRect) -> bool {
    a.0.start < b.0.end && b.0.start < a.0.end && a.1.start < b.1.end && b.1.start < a.1.end
}

/// Where a drawn picture's parts ended up, in canvas pixels.
#[derive(Debug, Clone)]
pub(super) struct Geometry {
    /// The plotting area (inside the axes).
    pub plot: PixelRect,
    /// The box drawn around the legend's entries, if there is a legend.
    pub legend: Option<PixelRect>,
    /// Every data point drawn (a curve's vertices, a scatter's points).
    pub points: Vec<(i32, i32)>,
}

impl Geometry {
    /// True when the legend (if any) shares no pixel with the plotting area and covers no data
    /// point: what every picture here guarantees (asserted in debug builds).
    pub fn legend_is_clear(&self) -> bool {
        self.legend.as_ref().is_none_or(|l| {
            !intersects(l, &self.plot) && !self.points.iter().any(|&(x, y)| l.0.contains(&x) && l.1.contains(&y))
        })
    }
}

/// A point marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mark {
    /// A circle of radius 5.
    Circle,
    /// An × of half-width 5.
    Cross,
    /// A triangle of size 6.
    Triangle,
    /// A square of half-width 5.
    Square,
}

/// Draws `mark` centred on the pixel `(x, y)` of `area`.
pub(super) fn draw_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mark: Mark,
    (x, y): (i32, i32),
    style: ShapeStyle,
) -> DrawResult<DB> {
    match mark {
        Mark::Circle => area.draw(&Circle::new((x, y), 5, style)),
        Mark::Cross => area.draw(&Cross::new((x, y), 5, style)),
        Mark::Triangle => area.draw(&TriangleMarker::new((x, y), 6, style)),
        Mark::Square => area.draw(&Rectangle::new([(x - 5, y - 5), (x + 5, y + 5)], style)),
    }
}

/// What a legend entry shows before its label.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    /// A short line in this style.
    Line(ShapeStyle),
    /// A marker in this style.
    Mark(Mark, ShapeStyle),
}

/// One legend entry.
#[derive(Clone)]
pub(super) struct Entry {
    /// The label.
    pub label: String,
    /// What is drawn before it.
    pub swatch: Swatch,
}

/// Where each entry's swatch starts, `(x, y of the row's middle)` relative to the strip, and the
/// strip's height, for entries whose labels are `text_widths` wide in a strip `width` wide.
/// Entries fill a grid row by row, with as many columns as fit (at least one; an entry wider than
/// the strip overflows it), each column as wide as its widest entry, the grid centred; no entries
/// need no strip (height 0).
pub(super) fn layout(text_widths: &[u32], width: u32) -> (Vec<(i32, i32)>, u32) {
    let n = text_widths.len();
    if n == 0 {
        return (Vec::new(), 0);
    }
    let entry: Vec<u32> = text_widths.iter().map(|w| SWATCH + GAP + w).collect();
    let columns = |cols: usize| -> Vec<u32> {
        (0..cols).map(|c| entry.iter().skip(c).step_by(cols).copied().max().unwrap_or(0)).collect()
    };
    let total = |widths: &[u32]| widths.iter().sum::<u32>() + SPACING * (widths.len() as u32 - 1);
    let room = width.saturating_sub(2 * PAD);
    let cols = (1..=n).rev().find(|&c| total(&columns(c)) <= room).unwrap_or(1);
    let widths = columns(cols);
    let left = width.saturating_sub(total(&widths)) / 2;
    let x_of = |c: usize| (left + widths[..c].iter().sum::<u32>() + SPACING * c as u32) as i32;
    let at = (0..n).map(|i| (x_of(i % cols), (PAD + ROW * (i / cols) as u32 + ROW / 2) as i32)).collect();
    (at, 2 * PAD + ROW * n.div_ceil(cols) as u32)
}

/// The area left for a chart, and the box around its legend (if any).
pub(super) type ChartAndLegend<DB> = (DrawingArea<DB, Shift>, Option<PixelRect>);

/// Splits `root` into the area for the chart and a strip below it holding the legend of
/// `entries`, drawn there; returns the chart's area and the box around the legend (canvas pixels;
/// `None` without entries, when the chart gets the whole canvas).
pub(super) fn split<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Result<ChartAndLegend<DB>, DrawError<DB>> {
    let style: TextStyle = (FONT, FONT_SIZE).into_font().into();
    let widths =
        entries.iter().map(|e| Ok(root.estimate_text_size(&e.label, &style)?.0)).collect::<Result<Vec<_>, _>>()?;
    let (width, height) = root.dim_in_pixel();
    let (at, strip) = layout(&widths, width);
    if entries.is_empty() {
        return Ok((root.clone(), None));
    }
    let (chart, below) = root.split_vertically(height.saturating_sub(strip) as i32);
    let left = at.iter().map(|p| p.0).min().unwrap_or(0) - PAD as i32;
    let right = at.iter().zip(&widths).map(|(p, &w)| p.0 + (SWATCH + GAP + w) as i32).max().unwrap_or(0) + PAD as i32;
    let bottom = strip as i32 - PAD as i32 / 2;
    below.draw(&Rectangle::new([(left, PAD as i32 / 2), (right, bottom)], RGBColor(160, 160, 160)))?;
    let style = style.pos(Pos::new(HPos::Left, VPos::Center));
    for (e, &(x, y)) in entries.iter().zip(&at) {
        match e.swatch {
            Swatch::Line(s) => below.draw(&PathElement::new(vec![(x, y), (x + SWATCH as i32, y)], s))?,
            Swatch::Mark(m, s) => draw_mark(&below, m, (x + SWATCH as i32 / 2, y), s)?,
        }
        below.draw(&Text::new(e.label.clone(), (x + (SWATCH + GAP) as i32, y), style.clone()))?;
    }
    let (xs, ys) = below.get_pixel_range();
    Ok((chart, Some((xs.start + left..xs.start + right + 1, ys.start + PAD as i32 / 2..ys.start + bottom + 1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_fill_a_centred_grid_within_the_width() {
        let (at, h) = layout(&[100, 100, 100], 900);
        assert_eq!(h, 2 * PAD + ROW, "three short entries fit in one row");
        assert!(at.iter().all(|p| p.1 == at[0].1));
        let total = 3 * (SWATCH + GAP + 100) + 2 * SPACING;
        assert_eq!(at[0].0, ((900 - total) / 2) as i32, "the row is centred");
        let (at, h) = layout(&[380, 380, 380, 50], 900);
        assert_eq!(h, 2 * PAD + 2 * ROW, "two long entries per row");
        assert_eq!([at[0].1, at[1].1, at[2].1, at[3].1].map(|y| (y - at[0].1) / ROW as i32), [0, 0, 1, 1]);
        assert_eq!((at[0].0, at[1].0), (at[2].0, at[3].0), "columns line up");
        for (p, w) in at.iter().zip([380, 380, 380, 50]) {
            assert!(p.0 >= 0 && p.0 + (SWATCH + GAP + w) as i32 <= 900, "{p:?} overflows");
        }
        let (at, h) = layout(&[2000, 10], 900);
        assert_eq!((at.len(), h), (2, 2 * PAD + 2 * ROW), "an over-wide entry gets its own row");
        assert_eq!(layout(&[], 900), (vec![], 0));
    }

    #[test]
    fn rectangles_intersect_only_when_they_share_a_pixel() {
        assert!(intersects(&(0..10, 0..10), &(9..20, 9..20)));
        assert!(!intersects(&(0..10, 0..10), &(10..20, 0..10)));
        assert!(!intersects(&(0..10, 0..10), &(0..10, 10..20)));
    }
}
