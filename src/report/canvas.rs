//! The drawing surface of every chart, in PNG or SVG, and the text on it.
//!
//! Charts are laid out in design units on a canvas 1,400 units wide that stands for a
//! 16 cm column: one unit is 16/1,400 cm, so text of [`MIN_TEXT`] units prints at 8 pt.
//! [`Canvas`] maps the design onto the real backend: a bitmap at the chosen DPI (the PNG
//! carries it in its pHYs chunk) or an SVG sized 160 mm wide, whose text stays text.
//!
//! Text on bitmaps is laid out and rasterised here, not by plotters: plotters' own glyph
//! placement drops each glyph's left side bearing and truncates its pen position to whole
//! pixels, which spaces letters unevenly ("Chan ge") and moves small glyphs such as the
//! decimal point off the baseline. Here every glyph sits at its exact fractional pen
//! position (advance plus kerning, never rounded) on one shared baseline, and is drawn
//! with anti-aliased coverage.

use super::palette;
use crate::error::ReportError;
use ab_glyph::{Font, FontRef, Glyph, PxScale, point};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontFamily,
    FontStyle as BackendFontStyle, FontTransform,
};
use std::cell::Cell;
use std::path::Path;
use std::sync::OnceLock;

/// Width of the design canvas, units (the 16 cm column).
pub const DESIGN_WIDTH: u32 = 1400;
/// Design units per inch: 1,400 units over 16 cm.
pub const DESIGN_DPI: f64 = DESIGN_WIDTH as f64 / (16.0 / 2.54);
/// The smallest text size of any chart, design units: 8 pt at a 16 cm column width.
pub const MIN_TEXT: f64 = 8.0 / 72.0 * DESIGN_DPI;
/// Default resolution of PNG charts, dots per inch (945 pixels over 16 cm).
pub const DEFAULT_DPI: u32 = 150;
/// The resolutions `--dpi` accepts.
pub const DPI_RANGE: std::ops::RangeInclusive<u32> = 72..=600;

/// Design units for a size in points.
pub fn pt(points: f64) -> f64 {
    points / 72.0 * DESIGN_DPI
}

/// How charts are written: the PNG resolution, and whether an SVG accompanies each PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FigureOptions {
    /// PNG resolution, dots per inch.
    pub dpi: u32,
    /// Also write every chart as SVG.
    pub svg: bool,
}

impl Default for FigureOptions {
    fn default() -> Self {
        FigureOptions {
            dpi: DEFAULT_DPI,
            svg: false,
        }
    }
}

thread_local! {
    static OPTIONS: Cell<FigureOptions> = Cell::new(FigureOptions::default());
}

/// Runs `f` (which writes a run's outputs) with these figure options, then restores the
/// previous ones. The options live with the thread doing the writing, so that every chart
/// of every command honours them without each output's signature carrying them.
pub fn with_options<R>(options: FigureOptions, f: impl FnOnce() -> R) -> R {
    struct Restore(FigureOptions);
    impl Drop for Restore {
        fn drop(&mut self) {
            OPTIONS.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OPTIONS.with(|o| o.replace(options)));
    f()
}

/// The figure options in force.
pub fn options() -> FigureOptions {
    OPTIONS.with(Cell::get)
}

/// The SVG twin of a chart's PNG file name ("welfare.png" → "welfare.svg").
pub fn svg_name(png: &str) -> Option<&'static str> {
    super::output_dir::CHART_FILES
        .iter()
        .find(|(p, _)| *p == png)
        .map(|(_, s)| *s)
}

/// The SVG twins of the chart files among `files`, when SVG output is on.
pub fn svg_twins<F: Copy>(files: &[(&'static str, F)]) -> Vec<(&'static str, F)> {
    if !options().svg {
        return Vec::new();
    }
    files
        .iter()
        .filter_map(|(name, f)| svg_name(name).map(|s| (s, *f)))
        .collect()
}

fn dejavu(bold: bool) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    static BOLD: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD, dejavu::sans::bold())
    } else {
        (&REGULAR, dejavu::sans::regular())
    };
    // The font is compiled in; failing to parse it would be a build defect, caught by tests.
    cell.get_or_init(|| FontRef::try_from_slice(bytes).ok())
        .as_ref()
        .unwrap_or_else(|| unreachable!("the embedded DejaVu Sans parses"))
}

/// Text metrics at one size: the scale, and ascent and descent in pixels.
struct Metrics {
    font: &'static FontRef<'static>,
    scale: PxScale,
    ascent: f32,
    descent: f32,
}

impl Metrics {
    /// `em` is the font size in pixels (the em square, as in CSS and SVG `font-size`).
    fn new(em: f64, bold: bool) -> Metrics {
        let font = dejavu(bold);
        let upem = font.units_per_em().unwrap_or(2048.0);
        let em = em.max(0.0) as f32;
        Metrics {
            font,
            scale: PxScale::from(em * font.height_unscaled() / upem),
            ascent: em * font.ascent_unscaled() / upem,
            descent: em * font.descent_unscaled() / upem,
        }
    }

    /// Each glyph and its pen position (pixels from the start, never rounded).
    fn layout(&self, text: &str) -> (Vec<(ab_glyph::GlyphId, f32)>, f32) {
        let scaled = ab_glyph::Font::as_scaled(self.font, self.scale);
        use ab_glyph::ScaleFont;
        let mut pen = 0.0f32;
        let mut prev = None;
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            out.push((id, pen));
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        (out, pen)
    }
}

/// Width of `text` set at `em` pixels, unrounded.
pub fn text_width(text: &str, em: f64, bold: bool) -> f64 {
    f64::from(Metrics::new(em, bold).layout(text).1)
}

/// Rasterises `text` with its baseline starting at `origin` (pixels, fractional), calling
/// `put(x, y, coverage)` for every touched pixel.
pub fn rasterize(
    text: &str,
    em: f64,
    bold: bool,
    origin: (f32, f32),
    mut put: impl FnMut(i32, i32, f32),
) {
    let m = Metrics::new(em, bold);
    let (glyphs, _) = m.layout(text);
    for (id, x) in glyphs {
        let glyph = Glyph {
            id,
            scale: m.scale,
            position: point(origin.0 + x, origin.1),
        };
        if let Some(outline) = m.font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, c| {
                if c > 0.0 {
                    put(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, c);
                }
            });
        }
    }
}

/// Breaks `text` at spaces into lines no wider than `max` design units at `em`.
/// A single word wider than `max` keeps its own line (never cut).
pub fn wrap(text: &str, em: f64, bold: bool, max: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, em, bold) > max && !line.is_empty() {
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

/// A stroke or fill style with its width scaled to the backend.
struct Scaled {
    color: BackendColor,
    width: u32,
}

impl BackendStyle for Scaled {
    fn color(&self) -> BackendColor {
        self.color
    }
    fn stroke_width(&self) -> u32 {
        self.width
    }
}

/// A text style passed on to the SVG backend, which writes `font-size` as size / 1.24.
struct SvgText<'a, S: BackendTextStyle> {
    inner: &'a S,
    size: f64,
}

impl<S: BackendTextStyle> BackendTextStyle for SvgText<'_, S> {
    type FontError = S::FontError;
    fn color(&self) -> BackendColor {
        self.inner.color()
    }
    fn size(&self) -> f64 {
        self.size
    }
    fn transform(&self) -> FontTransform {
        self.inner.transform()
    }
    fn style(&self) -> BackendFontStyle {
        self.inner.style()
    }
    fn anchor(&self) -> plotters_backend::text_anchor::Pos {
        self.inner.anchor()
    }
    fn family(&self) -> FontFamily<'_> {
        FontFamily::Name("DejaVu Sans, Verdana, Arial, sans-serif")
    }
    fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
        self.inner.layout_box(text)
    }
    fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        text: &str,
        pos: BackendCoord,
        draw: F,
    ) -> Result<Result<(), E>, Self::FontError> {
        self.inner.draw(text, pos, draw)
    }
}

/// A backend seen in design units: coordinates, stroke widths and text sizes are
/// multiplied by `k` on the way to the real backend; text on bitmaps is set by
/// [`rasterize`], text on SVG stays text.
pub struct Canvas<DB: DrawingBackend> {
    inner: DB,
    k: f64,
    raster_text: bool,
    size: (u32, u32),
}

impl<DB: DrawingBackend> Canvas<DB> {
    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (
            (f64::from(x) * self.k).round() as i32,
            (f64::from(y) * self.k).round() as i32,
        )
    }
    fn style<S: BackendStyle>(&self, s: &S) -> Scaled {
        Scaled {
            color: s.color(),
            width: ((f64::from(s.stroke_width()) * self.k).round() as u32).max(1),
        }
    }
}

impl<DB: DrawingBackend> DrawingBackend for Canvas<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (a, b) = (self.at(point), self.at((point.0 + 1, point.1 + 1)));
        if b.0 - a.0 <= 1 && b.1 - a.1 <= 1 {
            self.inner.draw_pixel(a, color)
        } else {
            let style = Scaled { color, width: 1 };
            self.inner.draw_rect(a, (b.0 - 1, b.1 - 1), &style, true)
        }
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        self.inner.draw_line(self.at(from), self.at(to), &s)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        self.inner
            .draw_rect(self.at(upper_left), self.at(bottom_right), &s, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let points: Vec<BackendCoord> = path.into_iter().map(|p| self.at(p)).collect();
        self.inner.draw_path(points, &s)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let r = (f64::from(radius) * self.k).round() as u32;
        self.inner.draw_circle(self.at(center), r, &s, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let s = self.style(style);
        let points: Vec<BackendCoord> = vert.into_iter().map(|p| self.at(p)).collect();
        self.inner.fill_polygon(points, &s)
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        if !self.raster_text {
            let svg = SvgText {
                inner: style,
                size: style.size() * self.k * 1.24,
            };
            return self.inner.draw_text(text, &svg, self.at(pos));
        }
        let bold = matches!(style.style(), BackendFontStyle::Bold);
        let em = style.size() * self.k;
        let m = Metrics::new(em, bold);
        let width = m.layout(text).1;
        let height = m.ascent - m.descent;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let (px, py) = (pos.0 as f32 * self.k as f32, pos.1 as f32 * self.k as f32);
        let transform = style.transform();
        let mut result = Ok(());
        match transform {
            FontTransform::None => {
                // Unrotated text keeps its fractional position: even spacing at any place.
                rasterize(text, em, bold, (px + dx, py + dy + m.ascent), |x, y, c| {
                    if result.is_ok() {
                        result = self.inner.draw_pixel(
                            (x, y),
                            BackendColor {
                                alpha: color.alpha * f64::from(c),
                                rgb: color.rgb,
                            },
                        );
                    }
                });
            }
            t => {
                let (ox, oy) = (px.round() as i32, py.round() as i32);
                rasterize(text, em, bold, (dx, dy + m.ascent), |x, y, c| {
                    if result.is_ok() {
                        let (rx, ry) = t.transform(x, y);
                        result = self.inner.draw_pixel(
                            (ox + rx, oy + ry),
                            BackendColor {
                                alpha: color.alpha * f64::from(c),
                                rgb: color.rgb,
                            },
                        );
                    }
                });
            }
        }
        result
    }
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let bold = matches!(style.style(), BackendFontStyle::Bold);
        let m = Metrics::new(style.size(), bold);
        Ok((
            m.layout(text).1.ceil() as u32,
            (m.ascent - m.descent).ceil() as u32,
        ))
    }
}

/// A chart that can paint itself on any backend, in design units.
pub trait Figure {
    /// Its size in design units (1,400 wide).
    fn size(&self) -> (u32, u32);
    /// Paints it.
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Whether `path` names an SVG file.
pub fn is_svg(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// Renders a figure to the bytes of `path`'s format: SVG for `.svg`, PNG at the DPI in
/// force otherwise.
pub fn render(path: &Path, figure: &impl Figure) -> Result<Vec<u8>, ReportError> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    let (w, h) = figure.size();
    if is_svg(path) {
        let mut svg = String::new();
        {
            let canvas = Canvas {
                inner: SVGBackend::with_string(&mut svg, (w, h)),
                k: 1.0,
                raster_text: false,
                size: (w, h),
            };
            let root = canvas.into_drawing_area();
            figure.paint(&root).map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))?;
        }
        return Ok(physical_size(svg, w, h).into_bytes());
    }
    let dpi = options().dpi.clamp(*DPI_RANGE.start(), *DPI_RANGE.end());
    let k = f64::from(dpi) / DESIGN_DPI;
    let (pw, ph) = (
        (f64::from(w) * k).round().max(1.0) as u32,
        (f64::from(h) * k).round().max(1.0) as u32,
    );
    let mut pixels = vec![255u8; pw as usize * ph as usize * 3];
    {
        let canvas = Canvas {
            inner: BitMapBackend::with_buffer(&mut pixels, (pw, ph)),
            k,
            raster_text: true,
            size: (w, h),
        };
        let root = canvas.into_drawing_area();
        figure.paint(&root).map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    encode_png(path, &pixels, pw, ph, dpi)
}

/// Gives the SVG its printed size (160 mm wide) in place of a pixel size, so that it
/// drops into a document at the column width with its text at the stated sizes.
fn physical_size(svg: String, w: u32, h: u32) -> String {
    let from = format!("width=\"{w}\" height=\"{h}\"");
    let mm = |v: u32| f64::from(v) * 160.0 / f64::from(DESIGN_WIDTH);
    let to = format!("width=\"{:.1}mm\" height=\"{:.1}mm\"", mm(w), mm(h));
    svg.replacen(&from, &to, 1)
}

/// Encodes RGB pixels as a PNG file's bytes, with the resolution in its pHYs chunk.
pub fn encode_png(
    path: &Path,
    pixels: &[u8],
    width: u32,
    height: u32,
    dpi: u32,
) -> Result<Vec<u8>, ReportError> {
    let mut bytes = Vec::with_capacity(pixels.len() / 8);
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(|e| chart_error(path, e))?;
    writer
        .write_image_data(pixels)
        .map_err(|e| chart_error(path, e))?;
    writer.finish().map_err(|e| chart_error(path, e))?;
    Ok(bytes)
}

/// A chart error naming the file.
pub fn chart_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A text style: DejaVu Sans at `size` design units.
pub fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font())
}

/// A bold text style.
pub fn bold(size: f64) -> TextStyle<'static> {
    TextStyle::from(
        ("sans-serif", size)
            .into_font()
            .style(plotters::style::FontStyle::Bold),
    )
}

/// Grey text for notes and sources.
pub fn note(size: f64) -> TextStyle<'static> {
    font(size).color(&palette::GREY)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns of `pixels` (RGB, `w` wide) holding any ink (darker than 250).
    fn inked_columns(pixels: &[u8], w: usize) -> Vec<usize> {
        let mut cols: Vec<usize> = pixels
            .chunks(3)
            .enumerate()
            .filter(|(_, p)| p[0] < 250)
            .map(|(i, _)| i % w)
            .collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    }

    fn draw_text(text: &str, em: f64, at: (i32, i32), w: u32, h: u32) -> Vec<u8> {
        let mut pixels = vec![255u8; (w * h * 3) as usize];
        {
            let mut canvas = Canvas {
                inner: BitMapBackend::with_buffer(&mut pixels, (w, h)),
                k: 1.0,
                raster_text: true,
                size: (w, h),
            };
            canvas.draw_text(text, &font(em), at).unwrap();
            canvas.present().unwrap();
        }
        pixels
    }

    #[test]
    fn glyph_advances_are_not_rounded_away() {
        // "i" at 13 px is 3.6 px wide: rounded advances would put 30 of them 12 px off.
        let em = 13.0;
        let n = 31;
        let text = "i".repeat(n);
        let advance = text_width("i", em, false);
        assert!((advance - advance.round()).abs() > 0.2, "{advance}");
        let pixels = draw_text(&text, em, (10, 5), 200, 30);
        let cols = inked_columns(&pixels, 200);
        let one = inked_columns(&draw_text("i", em, (10, 5), 200, 30), 200);
        let span = (cols[cols.len() - 1] - cols[0]) as f64;
        let one_span = (one[one.len() - 1] - one[0]) as f64;
        let expected = (n - 1) as f64 * advance + one_span;
        assert!(
            (span - expected).abs() <= 1.5,
            "ink spans {span} px, the unrounded advances give {expected}"
        );
        // And the width the layout reports is the sum of the advances.
        assert!((text_width(&text, em, false) - n as f64 * advance).abs() < 1e-3);
    }

    #[test]
    fn glyphs_keep_their_side_bearing_and_the_baseline() {
        // "n" has a left side bearing of about 0.09 em: at 100 px its ink starts about 9 px
        // right of the pen (a renderer that drops the bearing starts it at the pen).
        let em = 100.0;
        let font = dejavu(false);
        let id = font.glyph_id('n');
        let lsb = f64::from(font.h_side_bearing_unscaled(id)) / 2048.0 * em;
        assert!(lsb > 5.0, "{lsb}");
        let pixels = draw_text("n", em, (20, 10), 200, 140);
        let first = inked_columns(&pixels, 200)[0] as f64;
        assert!(
            (first - (20.0 + lsb)).abs() <= 1.5,
            "{first} vs {}",
            20.0 + lsb
        );
        // A decimal point and a digit end on the same baseline (the point is not raised).
        let bottom = |text: &str| {
            let px = draw_text(text, 60.0, (10, 10), 100, 100);
            px.chunks(3)
                .enumerate()
                .filter(|(_, p)| p[0] < 128)
                .map(|(i, _)| i / 100)
                .max()
                .unwrap()
        };
        assert!(bottom(".").abs_diff(bottom("1")) <= 1);
    }

    #[test]
    fn png_carries_its_dpi_and_svg_its_printed_size() {
        struct Square;
        impl Figure for Square {
            fn size(&self) -> (u32, u32) {
                (DESIGN_WIDTH, 700)
            }
            fn paint<DB: DrawingBackend>(
                &self,
                root: &DrawingArea<DB, Shift>,
            ) -> Result<(), String> {
                root.fill(&WHITE).map_err(|e| e.to_string())?;
                root.draw(&Text::new("Title & <more>", (100, 100), font(30.0)))
                    .map_err(|e| e.to_string())
            }
        }
        for dpi in [150, 300] {
            let png = with_options(FigureOptions { dpi, svg: false }, || {
                render(Path::new("x.png"), &Square).unwrap()
            });
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let reader = decoder.read_info().unwrap();
            let info = reader.info();
            let dims = info.pixel_dims.unwrap();
            assert_eq!(dims.unit, png::Unit::Meter);
            assert_eq!(dims.xppu, (f64::from(dpi) / 0.0254).round() as u32);
            // 16 cm wide at that resolution.
            let expected = (16.0 / 2.54 * f64::from(dpi)).round() as u32;
            assert!(info.width.abs_diff(expected) <= 1, "{}", info.width);
        }
        assert_eq!(options(), FigureOptions::default());
        let svg = String::from_utf8(render(Path::new("x.svg"), &Square).unwrap()).unwrap();
        assert!(svg.contains("width=\"160.0mm\""), "{}", &svg[..200]);
    }

    #[test]
    fn smallest_text_prints_at_eight_points() {
        // 8 pt over 16 cm: 8/72 inch of 16/2.54 inches, times the design width.
        let expected = 8.0 / 72.0 / (16.0 / 2.54) * f64::from(DESIGN_WIDTH);
        assert!((MIN_TEXT - expected).abs() < 1e-9);
        assert!((pt(8.0) - MIN_TEXT).abs() < 1e-9);
    }
}
