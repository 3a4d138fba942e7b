//! The colours of every chart: the Okabe–Ito palette, which readers with the common forms
//! of colour blindness can tell apart, and which stays distinct in greyscale print for the
//! pairs the charts put side by side (sky blue against blue, orange against vermillion).
//! Yellow is left out: it cannot be read on white. One module, so that a colour means the
//! same thing in every chart: vermillion is always the focus exporter.

use plotters::style::RGBColor;

/// Blue: other exporters, the "after" state.
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
/// Vermillion: the focus exporter, wherever it appears.
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Sky blue: the "before" state.
pub const SKY: RGBColor = RGBColor(86, 180, 233);
/// Bluish green.
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
/// Orange.
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Reddish purple.
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
/// Grey: notes, sources, baselines.
pub const GREY: RGBColor = RGBColor(100, 100, 100);
/// Black: totals, zero lines, whiskers.
pub const BLACK: RGBColor = RGBColor(0, 0, 0);
/// Light grey: grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// Series colours in order, for charts with several series of equal rank (the focus's
/// vermillion is kept out, so that it never marks anything else).
pub const SERIES: [RGBColor; 6] = [BLUE, SKY, GREEN, PURPLE, BLACK, ORANGE];

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative luminance (WCAG), to check that the text and line colours read on white.
    fn luminance(c: RGBColor) -> f64 {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
    }

    #[test]
    fn series_colours_are_distinct_and_readable_on_white() {
        for (i, a) in SERIES.iter().enumerate() {
            assert_ne!(*a, VERMILLION);
            for b in &SERIES[i + 1..] {
                assert_ne!(a, b);
            }
            // Contrast with white of at least 1.9:1 (no yellow, no near-white).
            assert!(1.05 / (luminance(*a) + 0.05) >= 1.9, "{a:?}");
        }
        // The grey of source lines and notes passes WCAG AA for text (4.5:1).
        assert!(1.05 / (luminance(GREY) + 0.05) >= 4.5);
    }
}
