//! One history graph as a standalone SVG, drawn on the server (no script,
//! no external font or style): four stacked panels (connections/s, active
//! and inactive connections, packets/s in and out, bytes/s in and out)
//! over the range's window, with gaps where the history is unknown.

use crate::rrd::Series;
use crate::timefmt;
use std::fmt::Write;

const WIDTH: f64 = 420.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const PANEL: f64 = 62.0;
const GAP: f64 = 22.0;
const TOP: f64 = 22.0;

/// Source index, colour and legend of one line.
type Line = (usize, &'static str, &'static str);

/// Panel title and its lines.
const PANELS: [(&str, &[Line]); 4] = [
    ("connections/s", &[(0, "#1f77b4", "new")]),
    (
        "connections",
        &[(5, "#2ca02c", "active"), (6, "#aaaaaa", "inactive")],
    ),
    ("packets/s", &[(1, "#d62728", "in"), (2, "#9467bd", "out")]),
    ("bytes/s", &[(3, "#ff7f0e", "in"), (4, "#8c564b", "out")]),
];

/// 1234567 → "1.2M".
pub fn si(v: f64) -> String {
    let (v, unit) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}{unit}")
    } else {
        format!("{v:.1}{unit}")
    }
}

/// The smallest of 1, 2, 5 × 10^n at or above `v` (at least 1).
fn nice_max(v: f64) -> f64 {
    if !v.is_finite() || v <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn esc(s: &str) -> String {
    crate::html::escape(s)
}

/// `title` names the server, `span` is the range's length in seconds,
/// the window ends at `now`.
pub fn render(series: &Series, title: &str, span: u64, now: u64) -> String {
    let height = TOP + 4.0 * (PANEL + GAP);
    let start = now.saturating_sub(span);
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |t: u64| LEFT + plot_w * (t.saturating_sub(start) as f64 / span as f64).min(1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="10"><rect width="100%" height="100%" fill="#fff"/><text x="4" y="13" font-size="11" font-weight="bold">{}</text>"##,
        esc(title)
    );
    // Rows whose middle falls before the window are not drawn, so they
    // must not set the scale either.
    let visible: Vec<(u64, &Vec<f64>)> = series
        .rows
        .iter()
        .enumerate()
        .map(|(k, row)| {
            let middle = series.start + k as u64 * series.row_secs + series.row_secs / 2;
            (middle, row)
        })
        .filter(|(t, _)| *t >= start)
        .collect();
    // A row alone between gaps is a dash as wide as its period, at least
    // 3 px: a lone point of a path would draw nothing.
    let half_dash = (plot_w * series.row_secs as f64 / span as f64 / 2.0).max(1.5);
    for (p, (name, lines)) in PANELS.iter().enumerate() {
        let top = TOP + p as f64 * (PANEL + GAP) + 12.0;
        let bottom = top + PANEL;
        let max = nice_max(
            visible
                .iter()
                .flat_map(|(_, r)| lines.iter().map(move |l| r[l.0]))
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max),
        );
        let _ = write!(
            s,
            r##"<text x="{LEFT}" y="{}">{name}</text><rect x="{LEFT}" y="{top}" width="{plot_w}" height="{PANEL}" fill="#f7f7f7" stroke="#ccc"/><text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{bottom}" text-anchor="end">0</text>"##,
            top - 3.0,
            LEFT - 3.0,
            top + 8.0,
            si(max),
            LEFT - 3.0,
        );
        for (i, (_, colour, legend)) in lines.iter().enumerate() {
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" fill="{colour}">&#9632; {legend}</text>"##,
                LEFT + 110.0 + 60.0 * i as f64,
                top - 3.0
            );
        }
        for (source, colour, _) in lines.iter() {
            // Pieces of the line between unknown rows.
            let mut pieces: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (t, row) in &visible {
                let v = row[*source];
                if v.is_finite() {
                    let y = bottom - PANEL * (v / max).clamp(0.0, 1.0);
                    pieces.last_mut().unwrap().push((x(*t), y));
                } else if !pieces.last().unwrap().is_empty() {
                    pieces.push(Vec::new());
                }
            }
            let mut d = String::new();
            for piece in pieces.iter().filter(|p| !p.is_empty()) {
                let dash;
                let points = match piece[..] {
                    [(px, py)] => {
                        let left = (px - half_dash).max(LEFT);
                        dash = [(left, py), ((px + half_dash).min(WIDTH - RIGHT), py)];
                        &dash[..]
                    }
                    _ => &piece[..],
                };
                for (k, (px, py)) in points.iter().enumerate() {
                    let _ = write!(d, " {}{px:.1},{py:.1}", if k == 0 { "M" } else { "L" });
                }
            }
            if !d.is_empty() {
                let _ = write!(
                    s,
                    r##"<path d="{}" fill="none" stroke="{colour}" stroke-width="1.5"/>"##,
                    d.trim_start()
                );
            }
        }
    }
    let axis_y = height - 4.0;
    let _ = write!(
        s,
        r##"<text x="{LEFT}" y="{axis_y}">{}</text><text x="{}" y="{axis_y}" text-anchor="end">{}</text></svg>"##,
        timefmt::axis(start, span),
        WIDTH - RIGHT,
        timefmt::axis(now, span)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conns_path(svg: &str) -> String {
        let path = svg.split("<path d=\"").nth(1).unwrap();
        path[..path.find('"').unwrap()].to_string()
    }

    #[test]
    fn scales_and_gaps() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(1200.0), 2000.0);
        assert_eq!(si(1_500_000.0), "1.5M");
        let mut rows = vec![vec![f64::NAN; 7]; 5];
        rows[0][0] = 2.0;
        rows[1][0] = 4.0;
        rows[3][0] = 1.0;
        let s = Series {
            start: 3600,
            row_secs: 60,
            rows,
        };
        let svg = render(&s, "a <b>", 3600, 3600 + 600);
        assert!(svg.contains("a &lt;b&gt;"));
        let conns = svg.split("stroke=\"#1f77b4\"").count() - 1;
        assert_eq!(conns, 1);
        // Rows 0-1 joined at their middles (3630 s, 3690 s of a window
        // from 600 s, 360 px from x = 52; 5 at the top, y = 34, 0 at the
        // bottom, y = 96), then row 3 alone after the gap as a dash over
        // its minute (6 px) centred on its middle (3810 s, x = 373).
        assert_eq!(
            conns_path(&svg),
            "M355.0,71.2 L361.0,46.4 M370.0,83.6 L376.0,83.6"
        );
        assert!(svg.contains(">5<"), "axis max is 5 for a peak of 4");
    }

    #[test]
    fn a_lone_row_is_a_dash_at_least_3_px_wide() {
        let mut rows = vec![vec![f64::NAN; 7]; 3];
        rows[1][0] = 1.0;
        // 5 min rows over a day: 1.25 px each.
        let s = Series {
            start: 86_400,
            row_secs: 300,
            rows,
        };
        let svg = render(&s, "x", 86_400, 86_400 + 900);
        let d = conns_path(&svg);
        let xs: Vec<f64> = d
            .split(['M', 'L', ' '])
            .filter_map(|p| p.split(',').next()?.parse().ok())
            .collect();
        assert_eq!(xs.len(), 2, "{d}");
        assert!((xs[1] - xs[0] - 3.0).abs() < 0.11, "{d}");
    }

    #[test]
    fn rows_before_the_window_do_not_set_the_scale() {
        let mut rows = vec![vec![3.0; 7]; 61];
        // Row 0's middle (30 s) is before the window (from 40 s).
        rows[0][0] = 40.0;
        let s = Series {
            start: 0,
            row_secs: 60,
            rows,
        };
        let svg = render(&s, "x", 3600, 3640);
        assert!(svg.contains(">5<"), "axis max 5 for the visible 3");
        assert!(!svg.contains(">50<"));
    }
}
