//! The check of one graph's connections/s line, read from the browser's
//! DOM, against the rows the traffic must have left: every point in the
//! middle of its row's period at its value on the panel's axis, one
//! unbroken piece per run of rows with readings, nothing elsewhere, and
//! the axis the smallest 1-2-5 number at or above the visible peak.

use crate::drawn::{Graph, Panel};
use crate::traffic::{axis_max, expected_rows, runs, Range, Who};
use lvs_dashboard::timefmt::utc;

/// Rows as (row number, value) pieces, oldest first.
pub type Pieces = Vec<Vec<(u64, f64)>>;

pub struct Frame<'a> {
    pub panel: &'a Panel,
    pub range: Range,
}

impl Frame<'_> {
    pub fn time(&self, x: f64) -> f64 {
        let p = self.panel;
        self.range.window_start() as f64 + (x - p.x) / p.w * self.range.span as f64
    }

    pub fn x(&self, t: f64) -> f64 {
        let p = self.panel;
        p.x + (t - self.range.window_start() as f64) / self.range.span as f64 * p.w
    }

    pub fn value(&self, y: f64) -> f64 {
        let p = self.panel;
        (p.y + p.h - y) / p.h * p.max
    }

    pub fn y(&self, v: f64) -> f64 {
        let p = self.panel;
        p.y + p.h - v / p.max * p.h
    }

    /// The row whose middle is at `x`, if one is (coordinates are
    /// written to a tenth of a pixel).
    fn row_at(&self, x: f64) -> Option<u64> {
        let r = &self.range;
        let t = self.time(x);
        let row = (t / r.row_secs as f64).floor() as u64;
        let slack = 0.06 / self.panel.w * r.span as f64;
        ((t - r.middle(row) as f64).abs() <= slack).then_some(row)
    }
}

pub fn frame(graph: &Graph, range: Range) -> Result<Frame<'_>, String> {
    let panel = graph
        .panels
        .first()
        .filter(|p| p.title == "connections/s")
        .ok_or("no connections/s panel first")?;
    Ok(Frame { panel, range })
}

/// The line in row terms. A row alone between gaps may be drawn as a
/// level dash centred on its middle.
fn drawn_rows(f: &Frame, pieces: &[Vec<(f64, f64)>]) -> Result<Pieces, String> {
    pieces
        .iter()
        .map(|piece| {
            let as_rows: Option<Vec<(u64, f64)>> = piece
                .iter()
                .map(|&(x, y)| f.row_at(x).map(|k| (k, f.value(y))))
                .collect();
            if let Some(rows) = as_rows {
                return Ok(rows);
            }
            match piece[..] {
                [(x0, y0), (x1, y1)] if y0 == y1 => f
                    .row_at((x0 + x1) / 2.0)
                    .map(|k| vec![(k, f.value(y0))])
                    .ok_or(format!("a dash {piece:?} not centred on a row")),
                _ => {
                    let off: Vec<String> = piece
                        .iter()
                        .filter(|(x, _)| f.row_at(*x).is_none())
                        .map(|(x, _)| utc(f.time(*x) as u64))
                        .collect();
                    Err(format!(
                        "{} points off the rows' middles, the first at {}",
                        off.len(),
                        off[..off.len().min(3)].join(", ")
                    ))
                }
            }
        })
        .collect()
}

fn describe(r: &Range, pieces: &Pieces) -> String {
    pieces
        .iter()
        .map(|p| {
            let (first, last) = (p[0], p[p.len() - 1]);
            let peak = p.iter().map(|r| r.1).fold(0.0, f64::max);
            format!(
                "{}..{} peak {peak:.1}",
                &utc(first.0 * r.row_secs)[5..16],
                &utc((last.0 + 1) * r.row_secs)[11..16]
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ok: a line saying what was drawn.
pub fn check(who: Who, graph: &Graph, range: Range) -> Result<String, String> {
    let f = frame(graph, range)?;
    let colour = f.panel.legend.get("new").ok_or("no legend 'new'")?;
    let pieces = graph.lines.get(colour).cloned().unwrap_or_default();
    let drawn = drawn_rows(&f, &pieces)?;
    let want: Pieces = runs(&expected_rows(who, &range));
    let peak = want.iter().flatten().map(|r| r.1).fold(0.0, f64::max);
    if f.panel.max != axis_max(peak) {
        return Err(format!(
            "axis max {} for a visible peak of {peak} (want {})",
            f.panel.max,
            axis_max(peak)
        ));
    }
    let slack = 0.06 / f.panel.h * f.panel.max;
    let shape = |p: &Pieces| -> Vec<Vec<u64>> {
        p.iter().map(|p| p.iter().map(|r| r.0).collect()).collect()
    };
    let drawn_text = describe(&range, &drawn);
    if shape(&drawn) != shape(&want) {
        return Err(format!(
            "drawn: {drawn_text}\n    want:  {}",
            describe(&range, &want)
        ));
    }
    let rows = drawn.iter().flatten().zip(want.iter().flatten());
    if let Some((d, w)) = rows.clone().find(|(d, w)| (d.1 - w.1).abs() > slack) {
        let off = rows.filter(|(d, w)| (d.1 - w.1).abs() > slack).count();
        return Err(format!(
            "{off} rows at the wrong height, the first at {}: drawn {:.2}, want {:.2}",
            &utc(d.0 * range.row_secs)[5..16],
            d.1,
            w.1
        ));
    }
    Ok(format!("axis {}, {drawn_text}", f.panel.max))
}
