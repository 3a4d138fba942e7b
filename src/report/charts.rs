//! PNG charts drawn with plotters and an embedded font (no system fonts needed).
//!
//! One generic bar chart (vertical or horizontal, one or several series) serves every chart
//! of a run; each chart function only decides what to show. Colours are the Okabe–Ito
//! colour-blind-safe palette.

use crate::error::ReportError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::OnceLock;

/// Okabe–Ito palette.
pub mod palette {
    use plotters::style::RGBColor;
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Vermillion (highlight).
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    /// Sky blue.
    pub const SKY: RGBColor = RGBColor(86, 180, 233);
    /// Bluish green.
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Reddish purple.
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Grey.
    pub const GREY: RGBColor = RGBColor(120, 120, 120);
}

/// Registers the embedded DejaVu Sans under the family names plotters asks for.
///
/// Must run before any chart is drawn: plotters looks fonts up in a process-global table.
pub fn init_fonts() {
    static INIT: OnceLock<bool> = OnceLock::new();
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

/// One series of a bar chart.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Title at the top.
    pub title: String,
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
    /// Vertical charts only: stack the series in one bar per category (positive parts up,
    /// negative parts down) instead of placing them side by side.
    pub stacked: bool,
    /// Optional per-category totals drawn as a black marker with its value (e.g. net welfare
    /// over stacked components), with its legend name.
    pub totals: Option<(String, Vec<f64>)>,
}

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 800;

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

/// Encodes RGB pixels as a PNG file's bytes.
pub(crate) fn encode_png(
    path: &Path,
    pixels: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, ReportError> {
    let mut bytes = Vec::with_capacity(pixels.len() / 8);
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| chart_error(path, e))?;
    writer
        .write_image_data(pixels)
        .map_err(|e| chart_error(path, e))?;
    writer.finish().map_err(|e| chart_error(path, e))?;
    Ok(bytes)
}

pub(crate) fn chart_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: e.to_string(),
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
    // Room for value labels, and for the legend when several series share the chart.
    let pad = if chart.series.len() > 1 { 0.24 } else { 0.14 } * (hi - lo);
    // Labels of zero-length bars go on the positive side: keep room for them there.
    (
        if lo < 0.0 { lo - pad } else { 0.0 },
        if hi > 0.0 { hi + pad } else { 0.4 * pad },
    )
}

/// Formats a number with thousands separators and a fixed number of decimals.
pub fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A legend entry: name, colour, and whether it is a line (else a filled box).
type LegendEntry = (String, RGBColor, bool);

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// Draws the parts every chart shares (title, a legend strip above the plot so it never
/// covers data, the source line) and returns the area left for the plot.
fn frame<'a>(
    root: &Area<'a>,
    height: u32,
    title: &str,
    legend: &[LegendEntry],
    source: &str,
) -> Result<Area<'a>, String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (main, footer) = root.split_vertically(height - 34);
    footer
        .draw(&Text::new(
            source.to_string(),
            (16, 8),
            ("sans-serif", 15).into_font().color(&palette::GREY),
        ))
        .map_err(|e| e.to_string())?;
    let title_style =
        TextStyle::from(("sans-serif", 30).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    main.draw(&Text::new(
        title.to_string(),
        (WIDTH as i32 / 2, 14),
        title_style,
    ))
    .map_err(|e| e.to_string())?;
    let strip = if legend.is_empty() { 56 } else { 92 };
    let (top, plot) = main.split_vertically(strip);
    if !legend.is_empty() {
        let widths: Vec<i32> = legend
            .iter()
            .map(|(n, _, _)| 26 + 9 * n.chars().count() as i32)
            .collect();
        let total: i32 = widths.iter().sum::<i32>() + 28 * (legend.len() as i32 - 1);
        let mut x = (WIDTH as i32 - total).max(20) / 2;
        let y = 68;
        for ((name, color, is_line), w) in legend.iter().zip(&widths) {
            if *is_line {
                top.draw(&PathElement::new(
                    [(x, y), (x + 18, y)],
                    color.stroke_width(3),
                ))
                .map_err(|e| e.to_string())?;
            } else {
                top.draw(&Rectangle::new(
                    [(x, y - 7), (x + 16, y + 7)],
                    color.filled(),
                ))
                .map_err(|e| e.to_string())?;
            }
            top.draw(&Text::new(
                name.clone(),
                (x + 24, y),
                TextStyle::from(("sans-serif", 17).into_font())
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(|e| e.to_string())?;
            x += w + 28;
        }
    }
    Ok(plot)
}

/// A signed number: "+1,714.3", "−12.4" (typographic minus, as in the charts), "0.0".
pub fn signed(v: f64, decimals: usize) -> String {
    let s = format_number(v, decimals);
    if v > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// Draws a bar chart; returns the PNG file's bytes. `path` names it in errors.
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
    let bars = chart.categories.len().max(1) * chart.series.len().max(1);
    // Horizontal charts grow with the number of bars so that value labels never collide.
    let height = if chart.horizontal {
        HEIGHT.max(230 + 26 * bars as u32)
    } else {
        HEIGHT
    };
    let mut pixels = vec![0u8; WIDTH as usize * height as usize * 3];
    paint_bar_chart(&mut pixels, height, path, chart)?;
    encode_png(path, &pixels, WIDTH, height)
}

fn paint_bar_chart(
    pixels: &mut [u8],
    height: u32,
    path: &Path,
    chart: &BarChart,
) -> Result<(), ReportError> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, height)).into_drawing_area();
    let legend: Vec<LegendEntry> = chart
        .series
        .iter()
        .filter(|s| !s.name.is_empty())
        .map(|s| {
            (
                s.name.clone(),
                s.colors.first().copied().unwrap_or(palette::BLUE),
                false,
            )
        })
        .chain(
            chart
                .totals
                .iter()
                .map(|(name, _)| (name.clone(), RGBColor(0, 0, 0), true)),
        )
        .collect();
    let main = frame(&root, height, &chart.title, &legend, &chart.source).map_err(|e| err(&e))?;

    let n = chart.categories.len().max(1);
    let k = chart.series.len().max(1);
    let (lo, hi) = value_range(chart);
    let cat_range = -0.5f64..(n as f64 - 0.5);
    let longest = chart
        .categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(4);
    let category_area = if chart.horizontal {
        (longest as u32 * 9 + 40).clamp(80, 520)
    } else {
        64
    };
    let mut builder = ChartBuilder::on(&main);
    builder.margin(18).margin_right(40);
    let group_width = 0.8;
    let bar_width = group_width / k as f64;
    let bar_span = |i: usize, s: usize| {
        let start = i as f64 - group_width / 2.0 + s as f64 * bar_width;
        (start + 0.06 * bar_width, start + 0.94 * bar_width)
    };
    let label_style = TextStyle::from(("sans-serif", 16).into_font());
    let value_style = TextStyle::from(("sans-serif", 15).into_font());

    if chart.horizontal {
        builder
            .x_label_area_size(70)
            .y_label_area_size(category_area);
        let mut c = builder
            .build_cartesian_2d(lo..hi, cat_range.clone())
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .y_label_formatter(&|_| String::new())
            .x_label_formatter(&|v| format_number(*v, axis_decimals(lo, hi)))
            .x_desc(chart.value_axis.clone())
            .axis_desc_style(("sans-serif", 19))
            .label_style(("sans-serif", 16))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()
            .map_err(|e| err(&e))?;
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
            c.draw_series(bars).map_err(|e| err(&e))?;
            for (i, &v) in s.values.iter().enumerate() {
                let row = (n - 1 - i) as f64;
                let (a, b) = bar_span(0, k - 1 - s_idx);
                let (px, py) = c.backend_coord(&(v, row + (a + b) / 2.0));
                let (anchor, dx) = if v >= 0.0 {
                    (HPos::Left, 6)
                } else {
                    (HPos::Right, -6)
                };
                root.draw(&Text::new(
                    format_number(v, chart.decimals),
                    (px + dx, py),
                    value_style.clone().pos(Pos::new(anchor, VPos::Center)),
                ))
                .map_err(|e| err(&e))?;
            }
        }
        for (i, label) in chart.categories.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            let (px, py) = c.backend_coord(&(lo, row));
            root.draw(&Text::new(
                label.clone(),
                (px - 10, py),
                label_style.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(|e| err(&e))?;
        }
        // Zero line.
        c.draw_series(LineSeries::new(
            [(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    } else {
        builder
            .x_label_area_size(category_area)
            .y_label_area_size(110);
        let mut c = builder
            .build_cartesian_2d(cat_range.clone(), lo..hi)
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|v| format_number(*v, axis_decimals(lo, hi)))
            .y_desc(chart.value_axis.clone())
            .x_desc(chart.category_axis.clone())
            .axis_desc_style(("sans-serif", 19))
            .label_style(("sans-serif", 16))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()
            .map_err(|e| err(&e))?;
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
                    .map_err(|e| err(&e))?;
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
            c.draw_series(bars).map_err(|e| err(&e))?;
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
                        c.draw_series(LineSeries::new(seg, style))
                            .map_err(|e| err(&e))?;
                    }
                }
            }
            for (i, &v) in s.values.iter().enumerate() {
                let (a, b) = bar_span(i, s_idx);
                // With error bars, the value goes beyond the bar's whisker.
                let end = match &s.errors {
                    Some(errors) if v >= 0.0 => errors[i].1.max(v),
                    Some(errors) => errors[i].0.min(v),
                    None => v,
                };
                let (px, py) = c.backend_coord(&((a + b) / 2.0, end));
                let (anchor, dy) = if v >= 0.0 {
                    (VPos::Bottom, -4)
                } else {
                    (VPos::Top, 4)
                };
                root.draw(&Text::new(
                    format_number(v, chart.decimals),
                    (px, py + dy),
                    value_style.clone().pos(Pos::new(HPos::Center, anchor)),
                ))
                .map_err(|e| err(&e))?;
            }
        }
        for (i, label) in chart.categories.iter().enumerate() {
            let (px, py) = c.backend_coord(&(i as f64, lo));
            root.draw(&Text::new(
                label.clone(),
                (px, py + 10),
                label_style.clone().pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(|e| err(&e))?;
        }
        c.draw_series(LineSeries::new(
            [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
        if let Some((_, totals)) = &chart.totals {
            for (i, &t) in totals.iter().enumerate() {
                let (a, b) = (i as f64 - group_width / 2.0, i as f64 + group_width / 2.0);
                c.draw_series(LineSeries::new([(a, t), (b, t)], BLACK.stroke_width(4)))
                    .map_err(|e| err(&e))?;
                // Centred on the marker, on the side away from zero.
                let (px, py) = c.backend_coord(&((a + b) / 2.0, t));
                let (anchor, dy) = if t >= 0.0 {
                    (VPos::Bottom, -5)
                } else {
                    (VPos::Top, 5)
                };
                root.draw(&Text::new(
                    format_number(t, chart.decimals),
                    (px, py + dy),
                    value_style.clone().pos(Pos::new(HPos::Center, anchor)),
                ))
                .map_err(|e| err(&e))?;
            }
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
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
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// x-axis title with units.
    pub x_axis: String,
    /// y-axis title with units.
    pub y_axis: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Optional band, drawn under the lines.
    pub band: Option<Band>,
    /// Vertical markers (x, label), e.g. a policy rate.
    pub markers: Vec<(f64, String)>,
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

/// Draws a line chart; returns the PNG file's bytes. `path` names it in errors.
pub fn draw_line_chart(path: &Path, chart: &LineChart) -> Result<Vec<u8>, ReportError> {
    let lines = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().flat_map(|&(x, y)| [x, y]));
    let band = chart
        .band
        .iter()
        .flat_map(|b| b.points.iter().flat_map(|&(x, lo, hi)| [x, lo, hi]));
    let markers = chart.markers.iter().map(|(x, _)| *x);
    all_finite(path, lines.chain(band).chain(markers))?;
    init_fonts();
    let mut pixels = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    paint_line_chart(&mut pixels, path, chart)?;
    encode_png(path, &pixels, WIDTH, HEIGHT)
}

fn paint_line_chart(pixels: &mut [u8], path: &Path, chart: &LineChart) -> Result<(), ReportError> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    let mut legend: Vec<LegendEntry> = chart
        .band
        .iter()
        .map(|b| (b.name.clone(), tint(b.color), false))
        .collect();
    legend.extend(chart.lines.iter().map(|l| (l.name.clone(), l.color, true)));
    let main = frame(&root, HEIGHT, &chart.title, &legend, &chart.source).map_err(|e| err(&e))?;
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
    let (y0, y1) = (
        if chart.y_from_zero && y0 >= 0.0 {
            0.0
        } else {
            y0 - pad
        },
        y1 + 2.0 * pad,
    );
    // A little room at both ends so that end markers are not clipped.
    let xpad = if chart.integer_x {
        0.25
    } else {
        0.01 * (x1 - x0)
    };
    let (x0, x1) = (x0 - xpad, x1 + xpad);
    let mut c = ChartBuilder::on(&main)
        .margin(18)
        .margin_right(40)
        .x_label_area_size(70)
        .y_label_area_size(110)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| err(&e))?;
    let integer_x = chart.integer_x;
    let n_x = if integer_x {
        ((x1 - x0) as usize + 1).min(16)
    } else {
        11
    };
    c.configure_mesh()
        .x_labels(n_x)
        .x_label_formatter(&|v| {
            if integer_x {
                format!("{}", v.round() as i64)
            } else {
                format_number(*v, if (x1 - x0) >= 10.0 { 0 } else { 1 })
            }
        })
        .y_label_formatter(&|v| format_number(*v, axis_decimals(y0, y1)))
        .x_desc(chart.x_axis.clone())
        .y_desc(chart.y_axis.clone())
        .axis_desc_style(("sans-serif", 19))
        .label_style(("sans-serif", 16))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(|e| err(&e))?;
    if y0 < 0.0 && y1 > 0.0 {
        c.draw_series(LineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    }
    if let Some(band) = &chart.band {
        let color = band.color;
        let mut poly: Vec<(f64, f64)> = band.points.iter().map(|p| (p.0, p.2)).collect();
        poly.extend(band.points.iter().rev().map(|p| (p.0, p.1)));
        c.draw_series(std::iter::once(Polygon::new(
            poly,
            color.mix(0.25).filled(),
        )))
        .map_err(|e| err(&e))?
        .label(band.name.clone())
        .legend(move |(x, y)| {
            Rectangle::new([(x, y - 7), (x + 16, y + 7)], color.mix(0.25).filled())
        });
    }
    for line in &chart.lines {
        let color = line.color;
        c.draw_series(LineSeries::new(line.points.clone(), color.stroke_width(3)))
            .map_err(|e| err(&e))?;
        if line.points.len() <= 40 {
            c.draw_series(
                line.points
                    .iter()
                    .map(|&p| Circle::new(p, 4, color.filled())),
            )
            .map_err(|e| err(&e))?;
        }
    }
    for (x, label) in &chart.markers {
        c.draw_series(LineSeries::new(
            [(*x, y0), (*x, y1)],
            palette::GREY.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
        let (px, py) = c.backend_coord(&(*x, y1));
        root.draw(&Text::new(
            label.clone(),
            (px + 6, py + 6),
            TextStyle::from(("sans-serif", 16).into_font()).color(&palette::GREY),
        ))
        .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
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
            horizontal: false,
            source: "s".into(),
            decimals: 1,
            stacked: false,
            totals: None,
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
}
