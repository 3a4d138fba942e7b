//! The tariff timeline chart: each partner's trade-weighted additional tariff as a step
//! line over 2025–2026, the focus heavier and in vermillion, the measures that move the
//! focus's rate as numbered vertical lines with a key below the plot, and a scenario's
//! before and after dates shaded. Drawn in memory with plotters and the embedded font.
//!
//! Laid out on the 1,400-unit design canvas of [`super::canvas`] (a 16 cm column), with
//! text of 8 pt and more in print. Labels never overlap: line names sit at the right end, pushed apart where the
//! lines end close together; event numbers are spread apart above the plot, joined to their
//! lines by leader lines.

use super::canvas::{Figure, render, text_width};
use super::charts::{all_finite, init_fonts, palette};
use super::tariff_path::importer_short;
use crate::error::ReportError;
use crate::schedule::Date;
use crate::schedule::date::MONTHS;
use crate::schedule::timeline::{FIRST_DAY, LAST_DAY, MARKED_CHANGE_PP, TariffPath};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Width of the image, design units.
pub const WIDTH: u32 = super::canvas::DESIGN_WIDTH;
const MARGIN: i32 = 28;
const PLOT_HEIGHT: u32 = 600;
/// Room at the right of the plot for the line names.
const LABELS_WIDTH: u32 = 240;
/// Room at the left of the plot for the y axis.
const Y_LABELS_WIDTH: u32 = 96;
const TITLE_SIZE: u32 = 36;
const SCENARIO_SIZE: u32 = 29;
/// Body text; every size used is at least `TEXT_SIZE - 2` (8 pt in print).
const TEXT_SIZE: u32 = 27;
const SOURCE_SIZE: u32 = 25;
const ROW: i32 = 36;
/// Radius of the numbered circles of the measures.
const BADGE: i32 = 17;
/// A y axis that would squeeze the focus below a third of its height is cut at three
/// times the focus's peak (at least 60%); lines above it are marked with their peak.
const MIN_CUT_PCT: f64 = 60.0;

/// Competitor colours (Okabe–Ito, without yellow, which is unreadable on white); the focus
/// is vermillion.
/// Orange comes last: it is the colour nearest the focus's vermillion.
const COLOURS: [RGBColor; 6] = [
    palette::BLUE,
    palette::SKY,
    palette::GREEN,
    palette::PURPLE,
    RGBColor(0, 0, 0),
    palette::ORANGE,
];

fn colour(line: usize) -> RGBColor {
    match line {
        0 => palette::VERMILLION,
        i => COLOURS[(i - 1) % COLOURS.len()],
    }
}

fn font(size: u32) -> FontDesc<'static> {
    ("sans-serif", size).into_font()
}

fn bold(size: u32) -> FontDesc<'static> {
    ("sans-serif", size).into_font().style(FontStyle::Bold)
}

/// Text width in design units, as the canvas sets it.
fn width_of(text: &str, f: &FontDesc<'_>) -> i32 {
    let bold = matches!(f.get_style(), FontStyle::Bold);
    text_width(text, f.get_size(), bold).ceil() as i32
}

/// Breaks `text` into lines no wider than `max` pixels, at spaces.
pub fn wrap(text: &str, f: &FontDesc<'_>, max: i32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width_of(&candidate, f) > max && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Day number on the x axis: 0 on 2025-01-01.
fn day(d: Date) -> f64 {
    (d.days() - FIRST_DAY.days()) as f64
}

/// The title: what the chart shows and, for a scenario, the two dates it compares.
pub fn title(p: &TariffPath) -> String {
    let competitors = p.timeline.partners.len().saturating_sub(1);
    let who = match competitors {
        0 => p.focus().to_string(),
        1 => format!("{} and one competitor", p.focus()),
        n => format!("{} and {n} competitors", p.focus()),
    };
    format!(
        "Additional {} tariff on {who}, 2025–2026",
        importer_short(&p.importer)
    )
}

/// The second title line of a scenario's chart: the two dates it compares.
pub fn scenario_line(p: &TariffPath) -> Option<String> {
    p.window.map(|(before, after)| {
        format!(
            "Scenario: the duties in force on {} (before) against {} (after)",
            before.long(),
            after.long()
        )
    })
}

/// A round top for the y axis.
fn nice_top(v: f64) -> f64 {
    let step = if v <= 30.0 {
        5.0
    } else if v <= 150.0 {
        10.0
    } else {
        50.0
    };
    ((v / step).ceil() * step).max(step)
}

/// Draws the chart; returns the PNG file's bytes. `path` names it in errors.
pub fn draw(path: &Path, p: &TariffPath, source: &str) -> Result<Vec<u8>, ReportError> {
    let values = p
        .timeline
        .steps
        .iter()
        .flat_map(|s| s.additional_pct.iter());
    let events = p.events.iter().flat_map(|e| [e.from_pct, e.to_pct]);
    all_finite(path, values.copied().chain(events))?;
    init_fonts();
    let layout = Layout::new(p, source);
    render(path, &TimelineFigure { p, layout })
}

/// The chart with its layout, ready to paint on any backend.
struct TimelineFigure<'a> {
    p: &'a TariffPath,
    layout: Layout,
}

impl Figure for TimelineFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, self.layout.height)
    }
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        paint(root, self.p, &self.layout)
    }
}

/// The text blocks and their heights, fixed before drawing so the image fits them all.
struct Layout {
    title: Vec<String>,
    scenario: Vec<String>,
    subtitle: Vec<String>,
    /// Rows of the band above the plot (the numbers and their leader lines).
    rows: usize,
    key: Vec<String>,
    /// The key's heading, wrapped.
    key_head: Vec<String>,
    source: Vec<String>,
    height: u32,
}

impl Layout {
    fn new(p: &TariffPath, source: &str) -> Layout {
        let text_width = WIDTH as i32 - 2 * MARGIN;
        let title = wrap(&title(p), &bold(TITLE_SIZE), text_width);
        let scenario = scenario_line(p)
            .map(|l| wrap(&l, &bold(SCENARIO_SIZE), text_width))
            .unwrap_or_default();
        let subtitle = wrap(
            &format!(
                "Trade-weighted additional duty on top of the 2024 applied rates (weights: 2024 {} imports from each partner); \
                 each rate holds until the next change. {} in vermillion; numbered lines: measures that move its rate by {} pp or more (key below).{}",
                importer_short(&p.importer),
                p.focus(),
                MARKED_CHANGE_PP,
                if p.window.is_some() {
                    " Shaded: the scenario's two dates (on the focus line: ○ before, ● after)."
                } else {
                    ""
                }
            ),
            &font(TEXT_SIZE - 2),
            text_width,
        );
        // One row of numbers above the plot, with room for their leader lines.
        let rows = if p.events.is_empty() { 0 } else { 2 };
        let key: Vec<String> = p
            .events
            .iter()
            .map(|e| {
                format!(
                    "{}   {}   {}: {:.1}% → {:.1}%",
                    e.date.long(),
                    e.label,
                    p.focus(),
                    e.from_pct,
                    e.to_pct
                )
            })
            .collect();
        let source = wrap(source, &font(SOURCE_SIZE), text_width);
        let header = 14
            + title.len() as i32 * (TITLE_SIZE as i32 + 8)
            + scenario.len() as i32 * (SCENARIO_SIZE as i32 + 8)
            + subtitle.len() as i32 * (TEXT_SIZE as i32 + 4)
            + 12
            + rows as i32 * ROW;
        let key_head = if key.is_empty() {
            Vec::new()
        } else {
            wrap(
                &format!(
                    "Measures that move {}'s rate{} (from the measures table; the main one named):",
                    p.focus(),
                    if p.window.is_some() {
                        ", and the scenario's after date"
                    } else {
                        ""
                    }
                ),
                &bold(TEXT_SIZE - 1),
                text_width,
            )
        };
        let key_height = if key.is_empty() {
            0
        } else {
            (key_head.len() + key.len()) as i32 * ROW
        };
        let footer = 18 + key_height + 10 + source.len() as i32 * (SOURCE_SIZE as i32 + 5) + 12;
        Layout {
            title,
            scenario,
            subtitle,
            rows,
            key,
            key_head,
            source,
            height: (header + PLOT_HEIGHT as i32 + footer) as u32,
        }
    }

    fn header_height(&self) -> i32 {
        14 + self.title.len() as i32 * (TITLE_SIZE as i32 + 8)
            + self.scenario.len() as i32 * (SCENARIO_SIZE as i32 + 8)
            + self.subtitle.len() as i32 * (TEXT_SIZE as i32 + 4)
            + 12
            + self.rows as i32 * ROW
    }
}

fn paint<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &TariffPath,
    layout: &Layout,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let text = |t: &str, at: (i32, i32), style: TextStyle<'_>| {
        root.draw(&Text::new(t.to_string(), at, style))
            .map_err(|e| err(&e))
    };

    // Title and subtitle.
    let mut y = 14;
    for line in &layout.title {
        text(
            line,
            (WIDTH as i32 / 2, y),
            TextStyle::from(bold(TITLE_SIZE)).pos(Pos::new(HPos::Center, VPos::Top)),
        )?;
        y += TITLE_SIZE as i32 + 8;
    }
    for line in &layout.scenario {
        text(
            line,
            (WIDTH as i32 / 2, y),
            TextStyle::from(bold(SCENARIO_SIZE))
                .color(&RGBColor(150, 90, 0))
                .pos(Pos::new(HPos::Center, VPos::Top)),
        )?;
        y += SCENARIO_SIZE as i32 + 8;
    }
    for line in &layout.subtitle {
        text(
            line,
            (MARGIN, y),
            TextStyle::from(font(TEXT_SIZE - 2)).color(&palette::GREY),
        )?;
        y += TEXT_SIZE as i32 + 4;
    }

    // The plot.
    let header = layout.header_height();
    let (_, rest) = root.split_vertically(header);
    let (plot_area, _) = rest.split_vertically(PLOT_HEIGHT);
    let steps = &p.timeline.steps;
    let n = p.timeline.partners.len();
    let peak = |i: usize| {
        steps
            .iter()
            .filter_map(|s| s.additional_pct.get(i).copied())
            .fold(0.0f64, f64::max)
    };
    let all_peak = (0..n).map(peak).fold(0.0f64, f64::max);
    let cut = MIN_CUT_PCT.max(3.0 * peak(0));
    let y_top = if all_peak > cut {
        nice_top(cut)
    } else {
        nice_top(1.08 * all_peak)
    };
    let y_bottom = steps
        .iter()
        .flat_map(|s| s.additional_pct.iter().copied())
        .fold(0.0f64, f64::min);
    let x_end = day(LAST_DAY) + 1.0;
    let mut quarters = Vec::new();
    let mut months = Vec::new();
    for year in [FIRST_DAY.year(), LAST_DAY.year()] {
        for month in 1..=12u8 {
            if let Some(d) = Date::new(year, month, 1) {
                months.push(day(d));
                if month % 3 == 1 {
                    quarters.push(day(d));
                }
            }
        }
    }
    // Room for the line names at the right: the widest name with its last rate.
    let labels_width = steps.last().map_or(LABELS_WIDTH, |last| {
        (0..n)
            .map(|i| {
                let v = last.additional_pct.get(i).copied().unwrap_or(0.0);
                let label = format!("{} {v:.1}%", p.timeline.partners[i]);
                (text_width(&label, f64::from(TEXT_SIZE), true) + 30.0).ceil() as u32
            })
            .fold(LABELS_WIDTH, u32::max)
            .min(WIDTH / 3)
    });
    let mut c = ChartBuilder::on(&plot_area)
        .margin_left(MARGIN as u32)
        .margin_right(labels_width)
        .margin_top(4)
        .x_label_area_size(96)
        .y_label_area_size(Y_LABELS_WIDTH)
        .build_cartesian_2d(0.0..x_end, y_bottom..y_top)
        .map_err(|e| err(&e))?;
    // Months as light grid lines, quarters as darker lines with their labels (drawn here:
    // the x axis is days, whose default ticks would fall mid-month).
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("Date (ticks: quarters; grid: months)")
        .y_desc("Additional US tariff, trade-weighted (%)")
        .axis_desc_style(font(TEXT_SIZE + 1))
        .label_style(font(TEXT_SIZE - 1))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(|e| err(&e))?;

    {
        let (_, top) = c.backend_coord(&(0.0, y_top));
        let (_, bottom) = c.backend_coord(&(0.0, y_bottom));
        for &m in &months {
            let (x, _) = c.backend_coord(&(m, y_top));
            let quarter = quarters.contains(&m);
            let shade = if quarter { 205 } else { 236 };
            root.draw(&PathElement::new(
                [(x, top), (x, bottom)],
                RGBColor(shade, shade, shade).stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
            if quarter {
                root.draw(&PathElement::new(
                    [(x, bottom), (x, bottom + 8)],
                    BLACK.stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
                let d = date_of(m);
                let label = if d.month() == 1 {
                    format!("{} {}", MONTHS[0], d.year())
                } else {
                    MONTHS[usize::from(d.month()) - 1].to_string()
                };
                text(
                    &label,
                    (x, bottom + 12),
                    TextStyle::from(font(TEXT_SIZE - 1)).pos(Pos::new(HPos::Center, VPos::Top)),
                )?;
            }
        }
    }

    // The scenario's two dates: a shaded band (at least 10 pixels wide) with its label.
    if let Some((before, after)) = p.window {
        let (a, _) = c.backend_coord(&(day(before), y_top));
        let (b, _) = c.backend_coord(&(day(after) + 1.0, y_top));
        let (a, b) = if b - a < 10 {
            let mid = (a + b) / 2;
            (mid - 5, mid + 5)
        } else {
            (a, b)
        };
        let (_, top) = c.backend_coord(&(0.0, y_top));
        let (_, bottom) = c.backend_coord(&(0.0, y_bottom));
        root.draw(&Rectangle::new(
            [(a, top), (b, bottom)],
            palette::ORANGE.mix(0.28).filled(),
        ))
        .map_err(|e| err(&e))?;
        let label = "scenario";
        let f = bold(TEXT_SIZE - 1);
        let w = width_of(label, &f);
        let (right_edge, _) = c.backend_coord(&(x_end, y_top));
        let (x, anchor) = if b + 8 + w <= right_edge {
            (b + 8, HPos::Left)
        } else {
            (a - 8, HPos::Right)
        };
        text(
            label,
            (x, bottom - 10),
            TextStyle::from(f)
                .color(&RGBColor(150, 90, 0))
                .pos(Pos::new(anchor, VPos::Bottom)),
        )?;
    }

    // Event lines, numbered above the plot: numbers closer than their width are spread
    // apart around their dates and joined to their lines by leader lines.
    let (_, plot_top) = c.backend_coord(&(0.0, y_top));
    let (_, plot_bottom) = c.backend_coord(&(0.0, y_bottom));
    let xs: Vec<i32> = p
        .events
        .iter()
        .map(|e| c.backend_coord(&(day(e.date), y_top)).0)
        .collect();
    let (left, _) = c.backend_coord(&(0.0, y_top));
    let (right, _) = c.backend_coord(&(x_end, y_top));
    let spread = spread_apart(&xs, NUMBER_SPACING, left, right + labels_width as i32 - 20);
    let cy = plot_top - ROW - 20;
    for (i, (&x, &nx)) in xs.iter().zip(&spread).enumerate() {
        let day_x = day(p.events[i].date);
        c.draw_series(DashedLineSeries::new(
            [(day_x, y_bottom), (day_x, y_top)],
            6,
            4,
            palette::GREY.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
        root.draw(&PathElement::new(
            [
                (nx, cy + BADGE),
                (nx, cy + BADGE + 6),
                (x, plot_top - 8),
                (x, plot_top),
            ],
            palette::GREY.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
        root.draw(&Circle::new((nx, cy), BADGE as u32, WHITE.filled()))
            .map_err(|e| err(&e))?;
        root.draw(&Circle::new(
            (nx, cy),
            BADGE as u32,
            palette::GREY.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
        text(
            &(i + 1).to_string(),
            (nx, cy + 1),
            TextStyle::from(bold(TEXT_SIZE - 2)).pos(Pos::new(HPos::Center, VPos::Center)),
        )?;
    }

    // The lines: competitors first, the focus on top. Values above the cut are drawn at
    // the cut and marked with their peak.
    let points = |i: usize| -> Vec<(f64, f64)> {
        let mut pts = Vec::with_capacity(2 * steps.len());
        for s in steps {
            let v = s.additional_pct.get(i).copied().unwrap_or(0.0).min(y_top);
            pts.push((day(s.from), v));
            pts.push((day(s.to) + 1.0, v));
        }
        pts
    };
    for i in (0..n).rev() {
        let width = if i == 0 { 5 } else { 2 };
        c.draw_series(LineSeries::new(points(i), colour(i).stroke_width(width)))
            .map_err(|e| err(&e))?;
    }
    let mut clipped_labels: Vec<(i32, i32)> = Vec::new();
    for i in 0..n {
        // Each run of steps above the cut gets one note with its peak.
        let mut run: Option<(f64, f64, f64)> = None;
        let mut runs = Vec::new();
        for s in steps {
            let v = s.additional_pct.get(i).copied().unwrap_or(0.0);
            if v > y_top {
                let r = run.get_or_insert((day(s.from), day(s.to) + 1.0, v));
                r.1 = day(s.to) + 1.0;
                r.2 = r.2.max(v);
            } else if let Some(r) = run.take() {
                runs.push(r);
            }
        }
        runs.extend(run);
        for (from, to, top) in runs {
            let label = format!("↑ {} up to {:.0}%", p.timeline.partners[i], top);
            let (px, _) = c.backend_coord(&((from + to) / 2.0, y_top));
            let mut py = plot_top + 8;
            while clipped_labels
                .iter()
                .any(|&(x, y)| (x - px).abs() < 260 && (y - py).abs() < ROW)
            {
                py += ROW;
            }
            clipped_labels.push((px, py));
            // On a light box, so that lines under it do not cross the text.
            let f = bold(TEXT_SIZE - 1);
            let w = width_of(&label, &f);
            root.draw(&Rectangle::new(
                [(px + 3, py - 3), (px + 13 + w, py + TEXT_SIZE as i32 + 3)],
                WHITE.mix(0.85).filled(),
            ))
            .map_err(|e| err(&e))?;
            text(
                &label,
                (px + 8, py),
                TextStyle::from(bold(TEXT_SIZE - 1))
                    .color(&colour(i))
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            )?;
        }
    }

    // The scenario's dates on the focus line: hollow at before, filled at after, at least
    // 16 pixels apart so that both show when the dates are a day apart.
    if let Some((before, after)) = p.window {
        let (xb, _) = c.backend_coord(&(day(before) + 0.5, y_top));
        let (xa, _) = c.backend_coord(&(day(after) + 0.5, y_top));
        let spread = ((16 - (xa - xb)).max(0) + 1) / 2;
        for (d, filled, x) in [(before, false, xb - spread), (after, true, xa + spread)] {
            if let Some(v) = p.timeline.rate_on(0, d) {
                let (_, y) = c.backend_coord(&(day(d), v.min(y_top)));
                let at = (x, y);
                root.draw(&Circle::new(at, 8, WHITE.filled()))
                    .map_err(|e| err(&e))?;
                let style = if filled {
                    palette::VERMILLION.filled()
                } else {
                    palette::VERMILLION.stroke_width(3)
                };
                root.draw(&Circle::new(at, 8, style)).map_err(|e| err(&e))?;
            }
        }
    }

    // Line names at the right end, pushed apart where lines end close together.
    let f = font(TEXT_SIZE);
    let (right, _) = c.backend_coord(&(x_end, y_top));
    let mut ends: Vec<(usize, i32, f64)> = (0..n)
        .filter_map(|i| {
            let v = steps.last()?.additional_pct.get(i).copied()?;
            Some((i, c.backend_coord(&(x_end, v.min(y_top))).1, v))
        })
        .collect();
    ends.sort_by_key(|&(_, y, _)| y);
    let gap = TEXT_SIZE as i32 + 3;
    let mut placed: Vec<i32> = ends.iter().map(|e| e.1).collect();
    for k in 1..placed.len() {
        placed[k] = placed[k].max(placed[k - 1] + gap);
    }
    // Pushed past the bottom of the plot: shift the block up.
    if let Some(&last) = placed.last() {
        let over = last - (plot_bottom - 4);
        if over > 0 {
            for y in &mut placed {
                *y -= over;
            }
            for k in (0..placed.len().saturating_sub(1)).rev() {
                placed[k] = placed[k].min(placed[k + 1] - gap);
            }
        }
    }
    for ((i, line_y, v), label_y) in ends.iter().zip(&placed) {
        root.draw(&PathElement::new(
            [(right + 2, *line_y), (right + 14, *label_y)],
            colour(*i).stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
        let style = if *i == 0 { bold(TEXT_SIZE) } else { f.clone() };
        text(
            &format!("{} {:.1}%", p.timeline.partners[*i], v),
            (right + 18, *label_y),
            TextStyle::from(style)
                .color(&colour(*i))
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )?;
    }

    // The key of the numbered lines, then the source.
    let mut y = header + PLOT_HEIGHT as i32 + 18;
    if !layout.key.is_empty() {
        for line in &layout.key_head {
            text(line, (MARGIN, y), TextStyle::from(bold(TEXT_SIZE - 1)))?;
            y += ROW;
        }
        for (i, line) in layout.key.iter().enumerate() {
            let cy = y + 14;
            root.draw(&Circle::new(
                (MARGIN + BADGE, cy),
                BADGE as u32,
                palette::GREY.stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
            text(
                &(i + 1).to_string(),
                (MARGIN + BADGE, cy + 1),
                TextStyle::from(bold(TEXT_SIZE - 2)).pos(Pos::new(HPos::Center, VPos::Center)),
            )?;
            text(
                line,
                (MARGIN + 2 * BADGE + 12, cy),
                TextStyle::from(font(TEXT_SIZE - 1)).pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
            y += ROW;
        }
    }
    y += 10;
    for line in &layout.source {
        text(
            line,
            (MARGIN, y),
            TextStyle::from(font(SOURCE_SIZE)).color(&palette::GREY),
        )?;
        y += SOURCE_SIZE as i32 + 5;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Distance between the centres of two event numbers, pixels.
const NUMBER_SPACING: i32 = 2 * BADGE + 4;

/// Positions for labels wanted at `xs` (ascending) at least `gap` apart, each cluster
/// centred on its wishes: the mean of the tightest packing pushed right and the one
/// pushed left (both keep the gap, so their mean does), then moved inside `lo`–`hi`.
pub fn spread_apart(xs: &[i32], gap: i32, lo: i32, hi: i32) -> Vec<i32> {
    let n = xs.len();
    let mut right = xs.to_vec();
    for i in 1..n {
        right[i] = right[i].max(right[i - 1] + gap);
    }
    let mut left = xs.to_vec();
    for i in (0..n.saturating_sub(1)).rev() {
        left[i] = left[i].min(left[i + 1] - gap);
    }
    let mut out: Vec<i32> = right.iter().zip(&left).map(|(a, b)| (a + b) / 2).collect();
    // Inside the bounds: pushed right of `lo`, then left of `hi` (both keep the gap; too
    // many labels for the width would end left of `lo`, which the chart's width rules out).
    for i in 0..n {
        let floor = if i == 0 { lo } else { out[i - 1] + gap };
        out[i] = out[i].max(floor);
    }
    for i in (0..n).rev() {
        let ceiling = if i + 1 == n { hi } else { out[i + 1] - gap };
        out[i] = out[i].min(ceiling);
    }
    out
}

/// The date of an x value (day 0 is 2025-01-01).
fn date_of(x: f64) -> Date {
    let mut d = FIRST_DAY;
    let mut n = x.round().clamp(0.0, day(LAST_DAY)) as i64;
    while n > 0 {
        match d.next_day() {
            Some(next) => d = next,
            None => break,
        }
        n -= 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        init_fonts();
        let f = font(18);
        let text = "Source: tariffsim, US measures schedule (data/us_schedule: measures.csv, partner_rates.csv, product lists); weights: US Census imports for consumption 2024, HS6 × partner.";
        let lines = wrap(text, &f, 500);
        assert!(lines.iter().all(|l| width_of(l, &f) <= 500));
        let f = font(27);
        let lines = wrap(text, &f, 500);
        assert!(lines.len() >= 2);
        assert!(lines.iter().all(|l| width_of(l, &f) <= 500));
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn numbers_are_spread_apart_around_their_dates() {
        // Three wishes within 10 pixels: spread 30 apart, centred on the middle one.
        assert_eq!(spread_apart(&[100, 105, 110], 30, 0, 1000), [75, 105, 135]);
        // Far apart: unchanged.
        assert_eq!(spread_apart(&[100, 300], 30, 0, 1000), [100, 300]);
        // Against the left edge: shifted right, the gap kept.
        assert_eq!(spread_apart(&[0, 0], 30, 0, 1000), [0, 30]);
        assert!(spread_apart(&[], 30, 0, 1000).is_empty());
        let xs = [10, 12, 14, 200, 201, 990, 995];
        let out = spread_apart(&xs, 32, 0, 1000);
        assert!(out.windows(2).all(|w| w[1] - w[0] >= 32), "{out:?}");
        assert!(out.iter().all(|x| (0..=1000).contains(x)), "{out:?}");
    }

    #[test]
    fn axis_tops_and_dates() {
        assert_eq!(nice_top(19.1), 20.0);
        assert_eq!(nice_top(57.0), 60.0);
        assert_eq!(nice_top(0.0), 5.0);
        assert_eq!(date_of(0.0), FIRST_DAY);
        assert_eq!(date_of(day(LAST_DAY)), LAST_DAY);
        assert_eq!(date_of(31.0), Date::parse("2025-02-01").unwrap());
    }
}
