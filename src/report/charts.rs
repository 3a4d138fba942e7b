//! Bar and line charts, drawn with plotters on a [`Canvas`](super::canvas) in PNG or SVG.
//!
//! One generic bar chart (vertical or horizontal, one or several series) serves every chart
//! of a run; each chart function only decides what to show. The layout is computed before
//! drawing so that nothing overlaps or is clipped: titles, axis titles and source lines
//! wrap; category names wrap under their bar, or turn upright when a word is wider than its
//! slot; value labels sit beyond the whisker caps and are staggered when neighbours would
//! touch. Sizes are in design units (1,400 = 16 cm): all text is 8 pt or more in print.

use super::canvas::{Figure, MIN_TEXT, bold, font, pt, render, text_width, wrap};
use super::numbers::format_number;
use crate::error::ReportError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

pub use super::canvas::{chart_error, encode_png};
pub use super::palette;

/// Registers the embedded DejaVu Sans under the family names plotters asks for (its own
/// size estimates use it; text itself is set by [`super::canvas`]).
pub fn init_fonts() {
    static INIT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    INIT.get_or_init(|| {
        let mut ok = true;
        for family in ["sans-serif", "serif", "monospace"] {
            ok &=
                plotters::style::register_font(family, FontStyle::Normal, dejavu::sans::regular())
                    .is_ok();
        }
        ok &= plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
            .is_ok();
        ok
    });
}

/// Text sizes, design units.
mod size {
    use super::{MIN_TEXT, pt};
    pub fn title() -> f64 {
        pt(11.5)
    }
    pub fn subtitle() -> f64 {
        pt(9.0)
    }
    pub fn axis() -> f64 {
        pt(9.0)
    }
    pub fn tick() -> f64 {
        pt(8.5)
    }
    pub fn label() -> f64 {
        pt(8.5)
    }
    pub fn value() -> f64 {
        MIN_TEXT
    }
    pub fn source() -> f64 {
        MIN_TEXT
    }
}

const WIDTH: u32 = super::canvas::DESIGN_WIDTH;
const MARGIN: i32 = 24;
/// Height of the plot of a vertical bar chart or a line chart, design units.
const PLOT_HEIGHT: i32 = 520;
/// Line spacing as a multiple of the text size.
const LEADING: f64 = 1.22;

/// One series of a bar chart.
#[derive(Debug, Clone, Default)]
pub struct BarSeries {
    /// Legend name (empty for a single unlabelled series).
    pub name: String,
    /// One value per category.
    pub values: Vec<f64>,
    /// Colour per category (a single series may colour bars individually) or one for all.
    pub colors: Vec<RGBColor>,
    /// Optional error bars (low, high) per category, e.g. the 5–95% range of a Monte-Carlo run.
    pub errors: Option<Vec<(f64, f64)>>,
}

/// A bar chart specification.
#[derive(Debug, Clone, Default)]
pub struct BarChart {
    /// Title at the top.
    pub title: String,
    /// Optional second line under the title (what the scenario does), may be empty.
    pub subtitle: String,
    /// Axis title of the value axis, with units.
    pub value_axis: String,
    /// Axis title of the category axis.
    pub category_axis: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// Series (grouped side by side).
    pub series: Vec<BarSeries>,
    /// Bars run left to right (categories on the y axis) when true.
    pub horizontal: bool,
    /// Source line at the bottom.
    pub source: String,
    /// Number of decimals in value labels.
    pub decimals: usize,
    /// Text after each value label ("%"), may be empty.
    pub value_suffix: String,
    /// Vertical charts only: stack the series in one bar per category (positive parts up,
    /// negative parts down) instead of placing them side by side.
    pub stacked: bool,
    /// Optional per-category totals drawn as a black marker with its value (e.g. net welfare
    /// over stacked components), with its legend name.
    pub totals: Option<(String, Vec<f64>)>,
    /// The category set in bold (the focus exporter), if any.
    pub highlight: Option<usize>,
}

/// A chart never shows a non-finite number: its values are checked before drawing.
pub(crate) fn all_finite(
    path: &Path,
    mut values: impl Iterator<Item = f64>,
) -> Result<(), ReportError> {
    if values.all(f64::is_finite) {
        Ok(())
    } else {
        Err(ReportError::NonFinite {
            path: path.to_path_buf(),
            what: "a value to plot".into(),
        })
    }
}

/// A signed number for charts: "+1,714.3", "-12.4", "0.0" (the shared ASCII formatting).
pub fn signed(v: f64, decimals: usize) -> String {
    super::numbers::signed(v, decimals)
}

/// The colour a series stands for in the legend: its most common bar colour (a
/// highlighted bar, such as the focus exporter's, is the exception).
fn legend_colour(colors: &[RGBColor]) -> RGBColor {
    colors
        .iter()
        .max_by_key(|c| colors.iter().filter(|d| d == c).count())
        .copied()
        .unwrap_or(palette::BLUE)
}

/// A legend entry: name, colour, and whether it is a line (else a filled box).
type LegendEntry = (String, RGBColor, bool);

/// Lines of text with their size and weight.
#[derive(Debug, Clone)]
struct Block {
    lines: Vec<String>,
    size: f64,
    bold: bool,
}

impl Block {
    fn new(text: &str, size: f64, bold: bool, width: f64) -> Block {
        Block {
            lines: if text.trim().is_empty() {
                Vec::new()
            } else {
                wrap(text, size, bold, width)
            },
            size,
            bold,
        }
    }
    fn line_height(&self) -> i32 {
        (self.size * LEADING).ceil() as i32
    }
    fn height(&self) -> i32 {
        if self.lines.is_empty() {
            0
        } else {
            self.lines.len() as i32 * self.line_height() + 6
        }
    }
    /// Draws the lines from `y` down, left-aligned at `x` or centred on it; returns the
    /// y below the block.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: i32,
        mut y: i32,
        centred: bool,
        color: &RGBColor,
    ) -> Result<i32, String> {
        let style = if self.bold {
            bold(self.size)
        } else {
            font(self.size)
        }
        .color(color)
        .pos(Pos::new(
            if centred { HPos::Center } else { HPos::Left },
            VPos::Top,
        ));
        for line in &self.lines {
            root.draw(&Text::new(line.clone(), (x, y), style.clone()))
                .map_err(|e| e.to_string())?;
            y += self.line_height();
        }
        Ok(y + if self.lines.is_empty() { 0 } else { 6 })
    }
}

/// The legend laid out in rows that fit the width.
fn legend_rows(legend: &[LegendEntry], width: f64) -> Vec<Vec<(usize, f64)>> {
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut used = 0.0;
    for (i, (name, _, _)) in legend.iter().enumerate() {
        let w = 30.0 + text_width(name, size::label(), false);
        if rows.is_empty() || used + w > width {
            rows.push(Vec::new());
            used = 0.0;
        }
        if let Some(r) = rows.last_mut() {
            r.push((i, w));
        }
        used += w + 36.0;
    }
    rows
}

/// The text around a plot: title, subtitle, legend, value-axis title above the plot, and
/// below it an axis note and the source, all wrapped to the width.
struct Frame {
    title: Block,
    subtitle: Block,
    legend: Vec<LegendEntry>,
    legend_rows: Vec<Vec<(usize, f64)>>,
    above: Block,
    below: Block,
    source: Block,
}

impl Frame {
    fn new(
        title: &str,
        subtitle: &str,
        legend: Vec<LegendEntry>,
        above: &str,
        below: &str,
        source: &str,
    ) -> Frame {
        let w = f64::from(WIDTH) - 2.0 * f64::from(MARGIN);
        Frame {
            title: Block::new(title, size::title(), true, w),
            subtitle: Block::new(subtitle, size::subtitle(), false, w),
            legend_rows: legend_rows(&legend, w),
            legend,
            above: Block::new(above, size::axis(), false, w),
            below: Block::new(below, size::axis(), false, w),
            source: Block::new(source, size::source(), false, w),
        }
    }
    fn legend_row_height() -> i32 {
        (size::label() * 1.5).ceil() as i32
    }
    fn header(&self) -> i32 {
        16 + self.title.height()
            + self.subtitle.height()
            + self.legend_rows.len() as i32 * Frame::legend_row_height()
            + 6
            + self.above.height()
    }
    fn footer(&self) -> i32 {
        self.below.height() + 8 + self.source.height() + 10
    }
    /// Draws the frame on the whole image; the plot goes from `header()` to
    /// `height - footer()`.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        height: i32,
    ) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let centre = WIDTH as i32 / 2;
        let mut y = 16;
        y = self.title.draw(root, centre, y, true, &BLACK)?;
        y = self
            .subtitle
            .draw(root, centre, y, true, &RGBColor(60, 60, 60))?;
        let row_h = Frame::legend_row_height();
        for row in &self.legend_rows {
            let total: f64 =
                row.iter().map(|(_, w)| w).sum::<f64>() + 36.0 * (row.len() - 1) as f64;
            let mut x = (f64::from(WIDTH) - total) / 2.0;
            let cy = y + row_h / 2;
            for &(i, w) in row {
                let (name, color, is_line) = &self.legend[i];
                let xi = x as i32;
                if *is_line {
                    root.draw(&PathElement::new(
                        [(xi, cy), (xi + 22, cy)],
                        color.stroke_width(4),
                    ))
                    .map_err(|e| e.to_string())?;
                } else {
                    root.draw(&Rectangle::new(
                        [(xi, cy - 9), (xi + 20, cy + 9)],
                        color.filled(),
                    ))
                    .map_err(|e| e.to_string())?;
                }
                root.draw(&Text::new(
                    name.clone(),
                    (xi + 30, cy),
                    font(size::label()).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(|e| e.to_string())?;
                x += w + 36.0;
            }
            y += row_h;
        }
        y += 6;
        self.above.draw(root, MARGIN, y, false, &BLACK)?;
        let mut y = height - self.footer();
        y = self.below.draw(root, MARGIN, y, false, &BLACK)? + 8;
        self.source.draw(root, MARGIN, y, false, &palette::GREY)?;
        Ok(())
    }
}

/// How category names under a vertical chart are set.
#[derive(Debug, Clone)]
enum CategoryLabels {
    /// Wrapped into lines that fit the slot.
    Wrapped(Vec<Vec<String>>),
    /// Turned upright (reading upwards), each on one line: a word was wider than its slot.
    Upright,
}

fn category_labels(categories: &[String], slot: f64) -> CategoryLabels {
    let lines: Vec<Vec<String>> = categories
        .iter()
        .map(|c| wrap(c, size::label(), true, slot))
        .collect();
    let fits = lines
        .iter()
        .all(|l| l.len() <= 3 && l.iter().all(|s| text_width(s, size::label(), true) <= slot));
    if fits {
        CategoryLabels::Wrapped(lines)
    } else {
        CategoryLabels::Upright
    }
}

fn value_range(chart: &BarChart) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    if chart.stacked {
        for i in 0..chart.categories.len() {
            let (mut up, mut down) = (0.0f64, 0.0f64);
            for s in &chart.series {
                let v = s.values.get(i).copied().unwrap_or(0.0);
                if v >= 0.0 { up += v } else { down += v }
            }
            hi = hi.max(up);
            lo = lo.min(down);
        }
    }
    for v in chart.totals.iter().flat_map(|(_, t)| t.iter().copied()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    for s in &chart.series {
        let errors = s.errors.iter().flatten().flat_map(|&(a, b)| [a, b]);
        for v in s.values.iter().copied().chain(errors) {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if hi - lo <= f64::EPSILON {
        return (-1.0, 1.0);
    }
    (lo, hi)
}

/// Widens `lo..hi` so that `room` design units (for labels) stay free beyond the data on
/// each side that has data, on an axis `length` units long.
fn padded(lo: f64, hi: f64, room: f64, length: f64) -> (f64, f64) {
    let f = (room / length).min(0.3);
    let span = hi - lo;
    let pad = span * f / (1.0 - 2.0 * f);
    (
        if lo < 0.0 { lo - pad } else { 0.0 },
        if hi > 0.0 { hi + pad } else { pad },
    )
}

fn axis_decimals(lo: f64, hi: f64) -> usize {
    let span = hi - lo;
    if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    }
}

/// Width of the widest tick label of an axis from `lo` to `hi`.
fn tick_width(lo: f64, hi: f64) -> f64 {
    let d = axis_decimals(lo, hi);
    [lo, hi, (lo + hi) / 2.0]
        .iter()
        .map(|v| text_width(&format_number(*v, d), size::tick(), false))
        .fold(0.0, f64::max)
}

impl BarChart {
    fn value_label(&self, v: f64) -> String {
        format!("{}{}", format_number(v, self.decimals), self.value_suffix)
    }

    fn legend(&self) -> Vec<LegendEntry> {
        self.series
            .iter()
            .filter(|s| !s.name.is_empty())
            .map(|s| (s.name.clone(), legend_colour(&s.colors), false))
            .chain(
                self.totals
                    .iter()
                    .map(|(name, _)| (name.clone(), palette::BLACK, true)),
            )
            .collect()
    }

    fn frame(&self) -> Frame {
        let (above, below) = if self.horizontal {
            (String::new(), self.value_axis.clone())
        } else {
            (self.value_axis.clone(), self.category_axis.clone())
        };
        Frame::new(
            &self.title,
            &self.subtitle,
            self.legend(),
            &above,
            &below,
            &self.source,
        )
    }

    fn widest_value_label(&self) -> f64 {
        let values = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .chain(self.totals.iter().flat_map(|(_, t)| t.iter().copied()));
        values
            .map(|v| text_width(&self.value_label(v), size::value(), false))
            .fold(0.0, f64::max)
    }

    /// Horizontal charts: width of the category column and each category's lines.
    fn row_labels(&self) -> (f64, Vec<Vec<String>>) {
        let max = 0.36 * f64::from(WIDTH);
        let lines: Vec<Vec<String>> = self
            .categories
            .iter()
            .map(|c| wrap(c, size::label(), true, max))
            .collect();
        let widest = lines
            .iter()
            .flatten()
            .map(|l| text_width(l, size::label(), true))
            .fold(60.0, f64::max);
        (widest.min(max) + 24.0, lines)
    }

    fn row_height(&self, lines: &[Vec<String>]) -> i32 {
        let k = self.series.len().max(1) as f64;
        let text = lines.iter().map(Vec::len).max().unwrap_or(1) as f64 * size::label() * LEADING;
        (k * size::value() * 1.25).max(text).ceil() as i32 + 16
    }

    /// Vertical charts: the category labels and the height of their area.
    fn column_labels(&self, plot_width: f64) -> (CategoryLabels, i32) {
        let n = self.categories.len().max(1) as f64;
        let labels = category_labels(&self.categories, plot_width / n - 10.0);
        let height = match &labels {
            CategoryLabels::Wrapped(l) => {
                let rows = l.iter().map(Vec::len).max().unwrap_or(1) as f64;
                rows * size::label() * LEADING + 18.0
            }
            CategoryLabels::Upright => {
                self.categories
                    .iter()
                    .map(|c| text_width(c, size::label(), true))
                    .fold(0.0, f64::max)
                    + 20.0
            }
        };
        (labels, height.ceil() as i32)
    }

    fn y_label_area(&self) -> f64 {
        let (lo, hi) = value_range(self);
        tick_width(lo * 1.5, hi * 1.5) + 28.0
    }

    fn plot_width(&self) -> f64 {
        f64::from(WIDTH) - 2.0 * f64::from(MARGIN) - self.y_label_area() - 20.0
    }

    fn height(&self) -> u32 {
        let frame = self.frame();
        let plot = if self.horizontal {
            let (_, lines) = self.row_labels();
            // At least the height of a vertical chart's plot: a chart of two or three rows
            // keeps the proportions of the others.
            (self.row_height(&lines) * self.categories.len().max(1) as i32).max(PLOT_HEIGHT * 3 / 4)
                + (size::tick() * 1.8) as i32
        } else {
            PLOT_HEIGHT + self.column_labels(self.plot_width()).1
        };
        (frame.header() + plot + frame.footer() + 10) as u32
    }
}

impl Figure for BarChart {
    fn size(&self) -> (u32, u32) {
        (WIDTH, self.height())
    }
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        paint_bar_chart(root, self).map_err(|e| e.to_string())
    }
}

/// Draws a bar chart; returns the file's bytes (PNG or SVG, after `path`'s extension).
pub fn draw_bar_chart(path: &Path, chart: &BarChart) -> Result<Vec<u8>, ReportError> {
    let values = chart.series.iter().flat_map(|s| {
        s.values
            .iter()
            .copied()
            .chain(s.errors.iter().flatten().flat_map(|&(lo, hi)| [lo, hi]))
    });
    let totals = chart.totals.iter().flat_map(|(_, t)| t.iter().copied());
    all_finite(path, values.chain(totals))?;
    init_fonts();
    render(path, chart)
}

fn e2s(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn paint_bar_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &BarChart,
) -> Result<(), String> {
    let height = chart.height() as i32;
    let frame = chart.frame();
    frame.draw(root, height)?;
    let (top, bottom) = (frame.header(), height - frame.footer());
    let plot_area = root.margin(top, height - bottom, MARGIN, MARGIN + 16);

    let n = chart.categories.len().max(1);
    let k = chart.series.len().max(1);
    let (lo, hi) = value_range(chart);
    let cat_range = -0.5f64..(n as f64 - 0.5);
    let group_width = 0.8;
    let bar_width = group_width / k as f64;
    let bar_span = |i: usize, s: usize| {
        let start = i as f64 - group_width / 2.0 + s as f64 * bar_width;
        (start + 0.06 * bar_width, start + 0.94 * bar_width)
    };
    let value_style = font(size::value());
    let label_size = size::label();
    let label_style = |i: usize| {
        if chart.highlight == Some(i) {
            bold(label_size)
        } else {
            font(label_size)
        }
    };

    if chart.horizontal {
        let (category_width, lines) = chart.row_labels();
        let plot_w = f64::from(WIDTH) - 2.0 * f64::from(MARGIN) - category_width - 16.0;
        let (lo, hi) = padded(lo, hi, chart.widest_value_label() + 16.0, plot_w);
        let mut c = ChartBuilder::on(&plot_area)
            .x_label_area_size((size::tick() * 1.8) as i32)
            .y_label_area_size(category_width as i32)
            .build_cartesian_2d(lo..hi, cat_range.clone())
            .map_err(e2s)?;
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .y_label_formatter(&|_| String::new())
            .x_labels(8)
            .x_label_formatter(&|v| format_number(*v, axis_decimals(lo, hi)))
            .label_style(font(size::tick()))
            .light_line_style(WHITE)
            .bold_line_style(palette::GRID)
            .draw()
            .map_err(e2s)?;
        for (s_idx, s) in chart.series.iter().enumerate() {
            let color = s.colors.first().copied().unwrap_or(palette::BLUE);
            let bars: Vec<Rectangle<(f64, f64)>> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let row = (n - 1 - i) as f64;
                    let (a, b) = bar_span(0, k - 1 - s_idx);
                    let fill = s
                        .colors
                        .get(i)
                        .copied()
                        .filter(|_| s.colors.len() == n)
                        .unwrap_or(color);
                    Rectangle::new([(0.0, row + a), (v, row + b)], fill.filled())
                })
                .collect();
            c.draw_series(bars).map_err(e2s)?;
            for (i, &v) in s.values.iter().enumerate() {
                let row = (n - 1 - i) as f64;
                let (a, b) = bar_span(0, k - 1 - s_idx);
                let (px, py) = c.backend_coord(&(v, row + (a + b) / 2.0));
                let (anchor, dx) = if v >= 0.0 {
                    (HPos::Left, 8)
                } else {
                    (HPos::Right, -8)
                };
                root.draw(&Text::new(
                    chart.value_label(v),
                    (px + dx, py),
                    value_style.clone().pos(Pos::new(anchor, VPos::Center)),
                ))
                .map_err(e2s)?;
            }
        }
        for (i, label) in lines.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            let (px, py) = c.backend_coord(&(lo, row));
            let lh = (label_size * LEADING) as i32;
            let mut y = py - (label.len() as i32 * lh) / 2 + lh / 2;
            for line in label {
                root.draw(&Text::new(
                    line.clone(),
                    (px - 12, y),
                    label_style(i).pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(e2s)?;
                y += lh;
            }
        }
        c.draw_series(LineSeries::new(
            [(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(1),
        ))
        .map_err(e2s)?;
        return root.present().map_err(e2s);
    }

    let (labels, label_area) = chart.column_labels(chart.plot_width());
    // Value labels wider than their bar turn upright, so that neighbours never touch.
    let bar_units = if chart.stacked {
        chart.plot_width() / n as f64 * group_width
    } else {
        chart.plot_width() / n as f64 * bar_width * 0.88
    };
    let widest = chart.widest_value_label()
        + if chart.totals.is_some() {
            text_width("net ", size::value(), true) + 4.0
        } else {
            0.0
        };
    let upright = widest + 6.0 > bar_units;
    let room = if upright {
        widest + 16.0
    } else {
        size::value() * LEADING + 14.0
    };
    let (lo, hi) = padded(lo, hi, room, f64::from(PLOT_HEIGHT));
    let mut c = ChartBuilder::on(&plot_area)
        .x_label_area_size(label_area)
        .y_label_area_size(chart.y_label_area() as i32)
        .build_cartesian_2d(cat_range.clone(), lo..hi)
        .map_err(e2s)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_labels(8)
        .y_label_formatter(&|v| format_number(*v, axis_decimals(lo, hi)))
        .label_style(font(size::tick()))
        .light_line_style(WHITE)
        .bold_line_style(palette::GRID)
        .draw()
        .map_err(e2s)?;
    if chart.stacked {
        let mut up = vec![0.0f64; n];
        let mut down = vec![0.0f64; n];
        for s in &chart.series {
            let color = s.colors.first().copied().unwrap_or(palette::BLUE);
            for (i, &v) in s.values.iter().enumerate() {
                let (a, b) = (i as f64 - group_width / 2.0, i as f64 + group_width / 2.0);
                let (from, to) = if v >= 0.0 {
                    up[i] += v;
                    (up[i] - v, up[i])
                } else {
                    down[i] += v;
                    (down[i] - v, down[i])
                };
                c.draw_series(std::iter::once(Rectangle::new(
                    [(a, from), (b, to)],
                    color.filled(),
                )))
                .map_err(e2s)?;
            }
        }
    }
    for (s_idx, s) in chart.series.iter().enumerate().filter(|_| !chart.stacked) {
        let color = s.colors.first().copied().unwrap_or(palette::BLUE);
        let bars: Vec<Rectangle<(f64, f64)>> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (a, b) = bar_span(i, s_idx);
                let fill = s
                    .colors
                    .get(i)
                    .copied()
                    .filter(|_| s.colors.len() == n)
                    .unwrap_or(color);
                Rectangle::new([(a, 0.0), (b, v)], fill.filled())
            })
            .collect();
        c.draw_series(bars).map_err(e2s)?;
        if let Some(errors) = &s.errors {
            for (i, &(elo, ehi)) in errors.iter().enumerate() {
                let (a, b) = bar_span(i, s_idx);
                let (mid, cap) = ((a + b) / 2.0, (b - a) / 6.0);
                let style = BLACK.stroke_width(2);
                for seg in [
                    [(mid, elo), (mid, ehi)],
                    [(mid - cap, elo), (mid + cap, elo)],
                    [(mid - cap, ehi), (mid + cap, ehi)],
                ] {
                    c.draw_series(LineSeries::new(seg, style)).map_err(e2s)?;
                }
            }
        }
        for (i, &v) in s.values.iter().enumerate() {
            let (a, b) = bar_span(i, s_idx);
            // With error bars, the value goes beyond the whisker's cap.
            let end = match &s.errors {
                Some(errors) if v >= 0.0 => errors[i].1.max(v),
                Some(errors) => errors[i].0.min(v),
                None => v,
            };
            let (px, py) = c.backend_coord(&((a + b) / 2.0, end));
            let style = if upright {
                // Reads upwards, starting just beyond the bar's end.
                let h = if v >= 0.0 { HPos::Left } else { HPos::Right };
                value_style
                    .clone()
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(h, VPos::Center))
            } else {
                let v = if v >= 0.0 { VPos::Bottom } else { VPos::Top };
                value_style.clone().pos(Pos::new(HPos::Center, v))
            };
            let dy = if v >= 0.0 { -6 } else { 6 };
            root.draw(&Text::new(chart.value_label(v), (px, py + dy), style))
                .map_err(e2s)?;
        }
    }
    // Category names under their slot.
    for (i, label) in chart.categories.iter().enumerate() {
        let (px, py) = c.backend_coord(&(i as f64, lo));
        match &labels {
            CategoryLabels::Wrapped(lines) => {
                let mut y = py + 10;
                for line in &lines[i] {
                    root.draw(&Text::new(
                        line.clone(),
                        (px, y),
                        label_style(i).pos(Pos::new(HPos::Center, VPos::Top)),
                    ))
                    .map_err(e2s)?;
                    y += (label_size * LEADING) as i32;
                }
            }
            CategoryLabels::Upright => {
                root.draw(&Text::new(
                    label.clone(),
                    (px, py + 10),
                    label_style(i)
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(e2s)?;
            }
        }
    }
    c.draw_series(LineSeries::new(
        [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
        BLACK.stroke_width(1),
    ))
    .map_err(e2s)?;
    if let Some((_, totals)) = &chart.totals {
        for (i, &t) in totals.iter().enumerate() {
            let (a, b) = (i as f64 - group_width / 2.0, i as f64 + group_width / 2.0);
            c.draw_series(LineSeries::new([(a, t), (b, t)], BLACK.stroke_width(4)))
                .map_err(e2s)?;
            // Beyond the stack's end on the side of the total, so that it never sits on
            // a component.
            let (up, down): (f64, f64) = chart.series.iter().fold((0.0, 0.0), |(u, d), s| {
                let v = s.values.get(i).copied().unwrap_or(0.0);
                if v >= 0.0 { (u + v, d) } else { (u, d + v) }
            });
            let (end, dy) = if t >= 0.0 {
                (up.max(t), -6)
            } else {
                (down.min(t), 6)
            };
            let (px, py) = c.backend_coord(&((a + b) / 2.0, end));
            let style = if upright {
                let h = if t >= 0.0 { HPos::Left } else { HPos::Right };
                bold(size::value())
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(h, VPos::Center))
            } else {
                let v = if t >= 0.0 { VPos::Bottom } else { VPos::Top };
                bold(size::value()).pos(Pos::new(HPos::Center, v))
            };
            root.draw(&Text::new(
                format!("net {}", chart.value_label(t)),
                (px, py + dy),
                style,
            ))
            .map_err(e2s)?;
        }
    }
    root.present().map_err(e2s)
}

/// A line of a line chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend name.
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub color: RGBColor,
}

/// A shaded band (for example the 5–95% range of a Monte-Carlo run).
#[derive(Debug, Clone)]
pub struct Band {
    /// Legend name.
    pub name: String,
    /// Points (x, low, high).
    pub points: Vec<(f64, f64, f64)>,
    /// Colour (drawn translucent).
    pub color: RGBColor,
}

/// A line chart specification.
#[derive(Debug, Clone, Default)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// Optional second line under the title, may be empty.
    pub subtitle: String,
    /// x-axis title with units.
    pub x_axis: String,
    /// y-axis title with units.
    pub y_axis: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Optional band, drawn under the lines.
    pub band: Option<Band>,
    /// Vertical markers (x, label, colour), e.g. a break-even rate or the rate imposed.
    pub markers: Vec<(f64, String, RGBColor)>,
    /// x values are whole numbers (years): label them without decimals.
    pub integer_x: bool,
    /// Start the y axis at zero (for levels, so that gaps are not exaggerated).
    pub y_from_zero: bool,
    /// Source line.
    pub source: String,
}

/// The colour of a band drawn at 25% opacity on white, for its legend swatch.
fn tint(c: RGBColor) -> RGBColor {
    let t = |v: u8| (0.25 * f64::from(v) + 0.75 * 255.0).round() as u8;
    RGBColor(t(c.0), t(c.1), t(c.2))
}

impl LineChart {
    fn frame(&self) -> Frame {
        let mut legend: Vec<LegendEntry> = self
            .band
            .iter()
            .map(|b| (b.name.clone(), tint(b.color), false))
            .collect();
        legend.extend(self.lines.iter().map(|l| (l.name.clone(), l.color, true)));
        Frame::new(
            &self.title,
            &self.subtitle,
            legend,
            &self.y_axis,
            &self.x_axis,
            &self.source,
        )
    }
    fn height(&self) -> u32 {
        let f = self.frame();
        (f.header() + PLOT_HEIGHT + (size::tick() * 1.8) as i32 + f.footer() + 10) as u32
    }
}

impl Figure for LineChart {
    fn size(&self) -> (u32, u32) {
        (WIDTH, self.height())
    }
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        paint_line_chart(root, self)
    }
}

/// Draws a line chart; returns the file's bytes (PNG or SVG, after `path`'s extension).
pub fn draw_line_chart(path: &Path, chart: &LineChart) -> Result<Vec<u8>, ReportError> {
    let lines = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().flat_map(|&(x, y)| [x, y]));
    let band = chart
        .band
        .iter()
        .flat_map(|b| b.points.iter().flat_map(|&(x, lo, hi)| [x, lo, hi]));
    let markers = chart.markers.iter().map(|(x, _, _)| *x);
    all_finite(path, lines.chain(band).chain(markers))?;
    init_fonts();
    render(path, chart)
}

fn paint_line_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &LineChart,
) -> Result<(), String> {
    let height = chart.height() as i32;
    let frame = chart.frame();
    frame.draw(root, height)?;
    let (top, bottom) = (frame.header(), height - frame.footer());
    let plot_area = root.margin(top, height - bottom, MARGIN, MARGIN + 16);
    let xs = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0));
    let ys = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(
            chart
                .band
                .iter()
                .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])),
        );
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs.chain(chart.markers.iter().map(|m| m.0)) {
        x0 = x0.min(x);
        x1 = x1.max(x);
    }
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for y in ys.filter(|y| y.is_finite()) {
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !(x0.is_finite() && x1 > x0) {
        (x0, x1) = (x0.min(0.0), x0.max(0.0) + 1.0);
    }
    if !(y0.is_finite() && y1 > y0) {
        let c = if y0.is_finite() { y0 } else { 0.0 };
        (y0, y1) = (c - 1.0, c + 1.0);
    }
    if chart.y_from_zero && y0 > 0.0 {
        y0 = 0.0;
    }
    let pad = 0.1 * (y1 - y0);
    // Room at the top for the marker labels, one line each.
    let marker_room = chart.markers.len() as f64 * size::value() * LEADING / f64::from(PLOT_HEIGHT);
    let (y0, y1) = (
        if chart.y_from_zero && y0 >= 0.0 {
            0.0
        } else {
            y0 - pad
        },
        y1 + pad + (y1 - y0 + 2.0 * pad) * marker_room.min(0.4),
    );
    let xpad = if chart.integer_x {
        0.25
    } else {
        0.01 * (x1 - x0)
    };
    let (x0, x1) = (x0 - xpad, x1 + xpad);
    let y_area = tick_width(y0, y1) + 28.0;
    let mut c = ChartBuilder::on(&plot_area)
        .x_label_area_size((size::tick() * 1.8) as i32)
        .y_label_area_size(y_area as i32)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e2s)?;
    let integer_x = chart.integer_x;
    let n_x = if integer_x {
        ((x1 - x0) as usize + 1).min(12)
    } else {
        9
    };
    c.configure_mesh()
        .x_labels(n_x)
        .y_labels(8)
        .x_label_formatter(&|v| {
            if integer_x {
                format!("{}", v.round() as i64)
            } else {
                format_number(*v, if (x1 - x0) >= 10.0 { 0 } else { 1 })
            }
        })
        .y_label_formatter(&|v| format_number(*v, axis_decimals(y0, y1)))
        .label_style(font(size::tick()))
        .light_line_style(WHITE)
        .bold_line_style(palette::GRID)
        .draw()
        .map_err(e2s)?;
    if y0 < 0.0 && y1 > 0.0 {
        c.draw_series(LineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(e2s)?;
    }
    if let Some(band) = &chart.band {
        let mut poly: Vec<(f64, f64)> = band.points.iter().map(|p| (p.0, p.2)).collect();
        poly.extend(band.points.iter().rev().map(|p| (p.0, p.1)));
        c.draw_series(std::iter::once(Polygon::new(
            poly,
            band.color.mix(0.25).filled(),
        )))
        .map_err(e2s)?;
    }
    for line in &chart.lines {
        let color = line.color;
        c.draw_series(LineSeries::new(line.points.clone(), color.stroke_width(3)))
            .map_err(e2s)?;
        if line.points.len() <= 40 {
            c.draw_series(
                line.points
                    .iter()
                    .map(|&p| Circle::new(p, 5, color.filled())),
            )
            .map_err(e2s)?;
        }
    }
    // Markers: each label on its own line at the top, on the side with room.
    let (right_edge, _) = c.backend_coord(&(x1, y1));
    for (row, (x, label, color)) in chart.markers.iter().enumerate() {
        c.draw_series(DashedLineSeries::new(
            [(*x, y0), (*x, y1)],
            8,
            5,
            color.stroke_width(2),
        ))
        .map_err(e2s)?;
        let (px, py) = c.backend_coord(&(*x, y1));
        let w = text_width(label, size::value(), true) as i32;
        let (lx, anchor) = if px + 8 + w <= right_edge {
            (px + 8, HPos::Left)
        } else {
            (px - 8, HPos::Right)
        };
        root.draw(&Text::new(
            label.clone(),
            (lx, py + 6 + row as i32 * (size::value() * LEADING) as i32),
            bold(size::value())
                .color(color)
                .pos(Pos::new(anchor, VPos::Top)),
        ))
        .map_err(e2s)?;
    }
    root.present().map_err(e2s)
}

/// A label shortened to `max` characters with an ellipsis.
pub fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(v: f64, err: Option<(f64, f64)>) -> BarChart {
        BarChart {
            title: "t".into(),
            value_axis: "v".into(),
            category_axis: "c".into(),
            categories: vec!["a".into()],
            series: vec![BarSeries {
                name: String::new(),
                values: vec![v],
                colors: vec![palette::BLUE],
                errors: err.map(|e| vec![e]),
            }],
            source: "s".into(),
            decimals: 1,
            ..BarChart::default()
        }
    }

    #[test]
    fn charts_refuse_non_finite_values() {
        let p = Path::new("x.png");
        assert!(matches!(
            draw_bar_chart(p, &bar(f64::INFINITY, None)),
            Err(ReportError::NonFinite { .. })
        ));
        assert!(matches!(
            draw_bar_chart(p, &bar(1.0, Some((f64::NAN, 2.0)))),
            Err(ReportError::NonFinite { .. })
        ));
        let png = draw_bar_chart(p, &bar(1.0, Some((0.5, 2.0)))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn long_text_wraps_within_the_width_and_the_image_grows_for_it() {
        let short = bar(1.0, None);
        let mut long = short.clone();
        long.source = "Source: ".to_string() + &"a long scenario name ".repeat(20);
        long.categories = vec!["Democratic Republic of the Congo and more words".into()];
        let frame = long.frame();
        let max = f64::from(WIDTH) - 2.0 * f64::from(MARGIN);
        assert!(frame.source.lines.len() >= 3);
        for l in &frame.source.lines {
            assert!(text_width(l, size::source(), false) <= max, "{l}");
        }
        assert!(long.height() > short.height());
        // Every word of the source is kept.
        assert_eq!(frame.source.lines.join(" "), long.source.trim_end());
    }

    #[test]
    fn category_names_wrap_or_turn_upright() {
        let names: Vec<String> = ["United States", "Rest of world"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        match category_labels(&names, 200.0) {
            CategoryLabels::Wrapped(l) => assert!(l.iter().all(|x| x.len() <= 2)),
            CategoryLabels::Upright => panic!("should wrap"),
        }
        let long = vec!["Kyrgyzstan-and-Uzbekistan".to_string()];
        assert!(matches!(
            category_labels(&long, 120.0),
            CategoryLabels::Upright
        ));
    }

    #[test]
    fn every_text_is_at_least_eight_points() {
        for s in [
            size::title(),
            size::subtitle(),
            size::axis(),
            size::tick(),
            size::label(),
            size::value(),
            size::source(),
        ] {
            assert!(s >= MIN_TEXT - 1e-9, "{s}");
        }
    }
}
