//! What chromium painted, column by column over the connections/s panel
//! of one graph's screenshot: the line's colour at the traffic's level
//! along every flat stretch, a dash for a row alone between gaps, and
//! none of it where the traffic left no rows. Positions come from the
//! traffic and the panel's box, not from the path.

use crate::browser::Image;
use crate::drawn::Graph;
use crate::lines::frame;
use crate::traffic::{expected_rows, runs, Range, Who};
use lvs_dashboard::timefmt::utc;

fn rgb(hex: &str) -> [f64; 3] {
    let digits = hex.trim_start_matches('#');
    // #ccc is #cccccc.
    let full: String = if digits.len() == 3 {
        digits.chars().flat_map(|c| [c, c]).collect()
    } else {
        digits.to_string()
    };
    let byte = |i: usize| u8::from_str_radix(&full[2 * i..2 * i + 2], 16).unwrap() as f64;
    [byte(0), byte(1), byte(2)]
}

/// How much of the line's colour a pixel over the panel's background
/// holds (anti-aliased edges hold part of it).
fn coverage(px: [u8; 3], line: [f64; 3], bg: [f64; 3]) -> f64 {
    let d: Vec<f64> = (0..3).map(|i| line[i] - bg[i]).collect();
    let p: Vec<f64> = (0..3).map(|i| px[i] as f64 - bg[i]).collect();
    let along = (0..3).map(|i| p[i] * d[i]).sum::<f64>() / (0..3).map(|i| d[i] * d[i]).sum::<f64>();
    let off: f64 = (0..3)
        .map(|i| (p[i] - along * d[i]).powi(2))
        .sum::<f64>()
        .sqrt();
    if off > 40.0 {
        0.0
    } else {
        along
    }
}

/// Ok: how many columns were checked each way.
pub fn check(who: Who, graph: &Graph, range: Range, img: &Image) -> Result<String, String> {
    let f = frame(graph, range)?;
    let p = f.panel;
    let line = rgb(p.legend.get("new").ok_or("no legend 'new'")?);
    let bg = rgb(&p.fill);
    let want = runs(&expected_rows(who, &range));
    let mid = |k: u64| f.x(range.middle(k) as f64);
    let half_row = p.w * range.row_secs as f64 / range.span as f64 / 2.0;
    let top = (p.y - 2.0).max(0.0) as usize;
    let bottom = ((p.y + p.h + 2.0) as usize).min(img.height - 1);
    let mut errors = Vec::new();
    let (mut level, mut dashes, mut empty) = (0, 0, 0);
    for col in p.x.ceil() as usize..(p.x + p.w).floor() as usize {
        let cx = col as f64 + 0.5;
        let when = &utc(f.time(cx) as u64)[5..16];
        let ys: Vec<f64> = (top..=bottom)
            .filter(|&y| coverage(img.at(col, y), line, bg) >= 0.35)
            .map(|y| y as f64 + 0.5)
            .collect();
        let has_near = |y: f64, within: f64| ys.iter().any(|v| (v - y).abs() <= within);
        let mut near_a_line = false;
        for run in &want {
            let (first, last) = (run[0], run[run.len() - 1]);
            let reach = if run.len() == 1 {
                half_row.max(1.5)
            } else {
                0.0
            };
            if cx >= mid(first.0) - reach - 3.0 && cx <= mid(last.0) + reach + 3.0 {
                near_a_line = true;
            }
            if run.len() == 1 && (cx - mid(first.0)).abs() <= 0.5 {
                dashes += 1;
                if !has_near(f.y(first.1), 2.0) {
                    errors.push(format!(
                        "{when}: no dash for the lone row at {} (y {:.1}), line pixels at {ys:?}",
                        first.1,
                        f.y(first.1)
                    ));
                }
            }
            // Between the middles of the first and last rows of a level
            // stretch the line is flat.
            for flat in run.chunk_by(|a, b| a.1 == b.1).filter(|f| f.len() > 1) {
                let (a, b) = (flat[0], flat[flat.len() - 1]);
                if cx >= mid(a.0) + 2.0 && cx <= mid(b.0) - 2.0 {
                    level += 1;
                    if !has_near(f.y(a.1), 1.5) {
                        errors.push(format!(
                            "{when}: want the line at {} (y {:.1}), line pixels at {ys:?}",
                            a.1,
                            f.y(a.1)
                        ));
                    }
                }
            }
        }
        if !near_a_line {
            empty += 1;
            if !ys.is_empty() {
                errors.push(format!("{when}: line pixels at {ys:?} where no rows were"));
            }
        }
    }
    if errors.is_empty() {
        Ok(format!(
            "{level} columns at their level, {dashes} on lone rows, {empty} empty"
        ))
    } else {
        let n = errors.len();
        errors.truncate(8);
        Err(format!(
            "{n} columns wrong:\n      {}",
            errors.join("\n      ")
        ))
    }
}

/// Where `graph` (a screenshot of the SVG alone) appears in `page`,
/// pixel for pixel give or take anti-aliasing.
pub fn find_in(page: &Image, graph: &Image) -> Option<(usize, usize)> {
    let white = [255, 255, 255];
    let anchor = (0..graph.height)
        .flat_map(|y| (0..graph.width).map(move |x| (x, y)))
        .find(|&(x, y)| graph.at(x, y) != white)?;
    let close = |a: [u8; 3], b: [u8; 3]| (0..3).all(|i| a[i].abs_diff(b[i]) <= 24);
    for py in anchor.1..page.height.saturating_sub(graph.height - anchor.1) {
        for px in anchor.0..page.width.saturating_sub(graph.width - anchor.0) {
            if page.at(px, py) != graph.at(anchor.0, anchor.1) {
                continue;
            }
            let (ox, oy) = (px - anchor.0, py - anchor.1);
            let mut wrong = 0;
            let mut seen = 0;
            for y in (0..graph.height).step_by(2) {
                for x in (0..graph.width).step_by(2) {
                    seen += 1;
                    if !close(page.at(ox + x, oy + y), graph.at(x, y)) {
                        wrong += 1;
                    }
                }
            }
            if wrong * 100 <= seen {
                return Some((ox, oy));
            }
        }
    }
    None
}
