//! Charts as inline SVG, drawn by `plotters` (SVG backend only). Each chart has a text
//! alternative next to it (a table), so the numbers are there for screen readers and without
//! images.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::html::date;
use crate::api::history::HistoryPoint;
use peaqos_types::api::RATING_THRESHOLDS;

/// Score line colour (dark blue: 8.6:1 on white).
const SCORE: RGBColor = RGBColor(0x1f, 0x4e, 0x99);
/// Threshold lines and labels (grey: 4.6:1 on white).
const THRESHOLD: RGBColor = RGBColor(0x6b, 0x6b, 0x6b);
/// The maximum a component could give (light).
const MAX_BAR: RGBColor = RGBColor(0xdd, 0xe5, 0xf2);
/// Revenue bars (green, 5.1:1 on white).
const REVENUE: RGBColor = RGBColor(0x1b, 0x7a, 0x3d);
/// Activity bars (purple).
const ACTIVITY: RGBColor = RGBColor(0x6a, 0x3d, 0x9a);

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// The SVG `draw` makes on a `width`×`height` canvas, with `label` as its accessible name;
/// a short text when drawing fails.
fn svg(
    width: u32,
    height: u32,
    class: &str,
    label: &str,
    draw: impl FnOnce(&mut String) -> Drawn,
) -> String {
    let mut buf = String::new();
    match draw(&mut buf) {
        Ok(()) => {
            // The accessible name and class go on the root element plotters writes.
            let attrs = format!(
                "<svg role=\"img\" aria-label=\"{}\" class=\"{class}\" ",
                super::html::esc(label)
            );
            let _ = (width, height);
            buf.replacen("<svg ", &attrs, 1)
        }
        Err(e) => format!(
            "<p class=\"chart-error\">Chart unavailable: {}</p>",
            super::html::esc(&e.to_string())
        ),
    }
}

fn x_range(points: &[HistoryPoint]) -> std::ops::Range<f64> {
    #[allow(clippy::cast_precision_loss)]
    let (a, b) = (
        points.first().map_or(0.0, |p| p.at as f64),
        points.last().map_or(1.0, |p| p.at as f64),
    );
    if b > a { a..b } else { a - 1.0..a + 1.0 }
}

#[allow(clippy::cast_precision_loss)]
fn xy(p: &HistoryPoint) -> (f64, f64) {
    (p.at as f64, f64::from(p.mcr_score))
}

/// A 120×28 sparkline of the score (0–100), no axes.
pub(super) fn sparkline(points: &[HistoryPoint], label: &str) -> String {
    svg(120, 28, "sparkline", label, |buf| {
        let root = SVGBackend::with_string(buf, (120, 28)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin(2)
            .build_cartesian_2d(x_range(points), 0f64..100f64)?;
        chart.draw_series(LineSeries::new(
            points.iter().map(xy),
            SCORE.stroke_width(2),
        ))?;
        root.present()?;
        Ok(())
    })
}

/// The rating history: the score at each point (one marker per point), the letter thresholds
/// as labelled lines.
pub(super) fn history(points: &[HistoryPoint], label: &str) -> String {
    let (w, h) = (760, 300);
    svg(w, h, "history-chart", label, |buf| {
        let root = SVGBackend::with_string(buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let range = x_range(points);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(40)
            .x_label_area_size(28)
            .y_label_area_size(36)
            .build_cartesian_2d(range.clone(), 0f64..100f64)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 15))
            .x_labels(5)
            .x_label_formatter(&|x| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                date(*x as u64)
            })
            .y_desc("score")
            .draw()?;
        let label_style = TextStyle::from(("sans-serif", 15).into_font())
            .color(&THRESHOLD)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (min, letter) in RATING_THRESHOLDS {
            let y = f64::from(min);
            chart.draw_series(LineSeries::new(
                [(range.start, y), (range.end, y)],
                THRESHOLD.stroke_width(1),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                letter.to_string(),
                (range.end, y),
                label_style.clone(),
            )))?;
        }
        chart.draw_series(LineSeries::new(
            points.iter().map(xy),
            SCORE.stroke_width(2),
        ))?;
        chart.draw_series(points.iter().map(|p| Circle::new(xy(p), 2, SCORE.filled())))?;
        root.present()?;
        Ok(())
    })
}

/// One bar of a breakdown: label, value, maximum.
pub(super) struct Bar<'a> {
    /// What it is.
    pub(super) label: &'a str,
    /// Its value.
    pub(super) value: f64,
    /// The most it could be.
    pub(super) max: f64,
}

/// Horizontal bars: each component's points against its maximum.
pub(super) fn breakdown(bars: &[Bar<'_>], label: &str) -> String {
    let row = 34;
    let w = 520;
    let h = u32::try_from(bars.len()).unwrap_or(0) * row + 30;
    svg(w, h, "breakdown-chart", label, |buf| {
        let root = SVGBackend::with_string(buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let top = bars.iter().map(|b| b.max).fold(1.0, f64::max);
        #[allow(clippy::cast_precision_loss)]
        let n = bars.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(22)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..top, 0f64..n.max(1.0))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(5)
            .label_style(("sans-serif", 15))
            .draw()?;
        let text = TextStyle::from(("sans-serif", 16).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, b) in bars.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = n - i as f64 - 1.0;
            chart.draw_series([
                Rectangle::new([(0.0, y + 0.2), (b.max, y + 0.8)], MAX_BAR.filled()),
                Rectangle::new(
                    [(0.0, y + 0.2), (b.value.clamp(0.0, b.max), y + 0.8)],
                    SCORE.filled(),
                ),
            ])?;
            chart.draw_series(std::iter::once(Text::new(
                b.label.to_owned(),
                (0.0, y + 0.5),
                text.clone(),
            )))?;
        }
        root.present()?;
        Ok(())
    })
}

/// One month's revenue (USD cents) and activity events.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Month {
    /// `YYYY-MM`.
    pub(super) label: String,
    /// Revenue, USD cents.
    pub(super) revenue_cents: f64,
    /// Activity events.
    pub(super) activity: u64,
}

/// Revenue (USD) and activity per month as bars, side by side.
pub(super) fn monthly(months: &[Month], label: &str) -> String {
    let (w, h) = (760, 260);
    svg(w, h, "monthly-chart", label, |buf| {
        let root = SVGBackend::with_string(buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let (left, right) = root.split_horizontally(w / 2);
        #[allow(clippy::cast_precision_loss)]
        let n = months.len().max(1) as f64;
        let label_of = |x: &f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            months
                .get(x.floor().max(0.0) as usize)
                .filter(|_| x.fract() == 0.0)
                .map(|m| m.label.clone())
                .unwrap_or_default()
        };
        let top_usd = months
            .iter()
            .map(|m| m.revenue_cents / 100.0)
            .fold(1.0, f64::max);
        let mut rev = ChartBuilder::on(&left)
            .caption("Revenue (USD)", ("sans-serif", 17))
            .margin(6)
            .x_label_area_size(24)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..n, 0f64..top_usd * 1.1)?;
        rev.configure_mesh()
            .disable_x_mesh()
            .x_labels(months.len().clamp(1, 6))
            .x_label_formatter(&label_of)
            .draw()?;
        rev.draw_series(months.iter().enumerate().map(|(i, m)| {
            #[allow(clippy::cast_precision_loss)]
            let x = i as f64;
            Rectangle::new(
                [(x + 0.1, 0.0), (x + 0.9, m.revenue_cents / 100.0)],
                REVENUE.filled(),
            )
        }))?;
        #[allow(clippy::cast_precision_loss)]
        let top_act = months.iter().map(|m| m.activity as f64).fold(1.0, f64::max);
        let mut act = ChartBuilder::on(&right)
            .caption("Activity events", ("sans-serif", 17))
            .margin(6)
            .x_label_area_size(24)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..n, 0f64..top_act * 1.1)?;
        act.configure_mesh()
            .disable_x_mesh()
            .x_labels(months.len().clamp(1, 6))
            .x_label_formatter(&label_of)
            .draw()?;
        act.draw_series(months.iter().enumerate().map(|(i, m)| {
            #[allow(clippy::cast_precision_loss)]
            let (x, v) = (i as f64, m.activity as f64);
            Rectangle::new([(x + 0.1, 0.0), (x + 0.9, v)], ACTIVITY.filled())
        }))?;
        root.present()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use peaqos_mcr_model::McrRating;

    fn points(n: u64) -> Vec<HistoryPoint> {
        (0..n)
            .map(|i| HistoryPoint {
                at: 1_700_000_000 + i * 86_400,
                mcr_score: u8::try_from(i % 100).unwrap_or(0),
                mcr: McrRating::for_score(u8::try_from(i % 100).unwrap_or(0)),
                mcr_degraded: false,
                event_count: i,
            })
            .collect()
    }

    /// One marker per point, the thresholds labelled, no inline styles (the CSP forbids them).
    #[test]
    fn history_chart_has_one_marker_per_point() {
        let svg = history(&points(31), "label <x>");
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"label &lt;x&gt;\""),
            "{svg}"
        );
        assert_eq!(svg.matches("<circle").count(), 31);
        for letter in ["AAA", "AA", "A", "BBB", "BB", "B"] {
            assert!(svg.contains(&format!("\n{letter}\n")), "{letter}");
        }
        assert!(!svg.contains("style="), "inline style: {svg}");
        let one = history(&points(1), "one");
        assert_eq!(one.matches("<circle").count(), 1);
    }

    #[test]
    fn other_charts_draw() {
        assert!(
            sparkline(&points(30), "s").contains("<polyline")
                || sparkline(&points(30), "s").contains("<path")
        );
        let b = breakdown(
            &[
                Bar {
                    label: "Bond",
                    value: 10.0,
                    max: 10.0,
                },
                Bar {
                    label: "Trust",
                    value: 3.0,
                    max: 45.0,
                },
            ],
            "b",
        );
        assert!(b.contains("<rect"), "{b}");
        let m = monthly(
            &[Month {
                label: "2025-01".into(),
                revenue_cents: 12_345.0,
                activity: 3,
            }],
            "m",
        );
        assert!(m.contains("2025-01"), "{m}");
    }
}
