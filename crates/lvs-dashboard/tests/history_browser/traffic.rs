//! Twenty hours of synthetic traffic with a known shape, and what the
//! graphs must therefore draw. The expectation is worked out here from
//! the documented layout (history.rs: 60 s steps, 1 min / 5 min / 30 min
//! / 2 h rows), not from the store's code, so the two can disagree.

use std::collections::BTreeMap;

const MIN: u64 = 60;
const HOUR: u64 = 3600;
/// Midnight, 2023-11-14 UTC: the hours below are the graphs' times.
pub const T0: u64 = 1_699_920_000;
/// The page is looked at 47 s into a minute, so the oldest row of the
/// hour ring (its middle 17 s before the window) must not be drawn.
pub const END: u64 = T0 + 20 * HOUR + 47;
/// The daemon reads the kernel's table every 5 s.
pub const REFRESH: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Virtual,
    Web1,
    Web2,
}

pub const WHO: [Who; 3] = [Who::Virtual, Who::Web1, Who::Web2];

fn within(t: u64, from: u64, to: u64) -> bool {
    (T0 + from..T0 + to).contains(&t)
}

/// False while the daemon is down (no table is read, nothing recorded):
/// an hour at 13:00 but for one minute at 13:30, and 3 minutes at
/// 19:50 (in the hour graph).
pub fn daemon_up(t: u64) -> bool {
    let lone_minute = within(t, 13 * HOUR + 30 * MIN, 13 * HOUR + 31 * MIN);
    let down =
        within(t, 13 * HOUR, 14 * HOUR) || within(t, 19 * HOUR + 50 * MIN, 19 * HOUR + 53 * MIN);
    lone_minute || !down
}

/// New connections per second on web1: 40 from 6:00 to 10:00, 30 in
/// the lone minute at 13:30, 20 from 19:20 to 19:40, none otherwise.
fn web1(t: u64) -> u64 {
    if within(t, 6 * HOUR, 10 * HOUR) {
        40
    } else if within(t, 13 * HOUR + 30 * MIN, 13 * HOUR + 31 * MIN) {
        30
    } else if within(t, 19 * HOUR + 20 * MIN, 19 * HOUR + 40 * MIN) {
        20
    } else {
        0
    }
}

/// On web2: 8 throughout but 60 from 18:30 to 19:01, whose last minute
/// is the hour ring's oldest row, outside the hour graph's window.
fn web2(t: u64) -> u64 {
    if within(t, 18 * HOUR + 30 * MIN, 19 * HOUR + MIN) {
        60
    } else {
        8
    }
}

/// Connections per second of `who` at `t` (the kernel's rate).
pub fn cps(who: Who, t: u64) -> u64 {
    match who {
        Who::Virtual => web1(t) + web2(t),
        Who::Web1 => web1(t),
        Who::Web2 => web2(t),
    }
}

/// When the daemon reads the table.
pub fn ticks() -> impl Iterator<Item = u64> {
    (T0..END)
        .step_by(REFRESH as usize)
        .filter(|t| daemon_up(*t))
}

#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub name: &'static str,
    pub row_secs: u64,
    pub rows: u64,
    /// Seconds the graph shows, ending at [`END`].
    pub span: u64,
}

pub const RANGES: [Range; 4] = [
    Range {
        name: "hour",
        row_secs: MIN,
        rows: 60,
        span: HOUR,
    },
    Range {
        name: "day",
        row_secs: 5 * MIN,
        rows: 288,
        span: 24 * HOUR,
    },
    Range {
        name: "week",
        row_secs: 30 * MIN,
        rows: 336,
        span: 7 * 24 * HOUR,
    },
    Range {
        name: "month",
        row_secs: 2 * HOUR,
        rows: 372,
        span: 31 * 24 * HOUR,
    },
];

impl Range {
    pub fn window_start(&self) -> u64 {
        END - self.span
    }

    pub fn middle(&self, row: u64) -> u64 {
        row * self.row_secs + self.row_secs / 2
    }
}

/// Row number → value for every row the graph must draw: complete (the
/// minute of the last reading is still open), with readings in it,
/// still in the ring, its middle inside the window. A row is the mean of
/// its minutes, each minute the mean of its readings.
pub fn expected_rows(who: Who, r: &Range) -> BTreeMap<u64, f64> {
    let last = ticks().last().unwrap();
    let open_minute = last / MIN;
    let minutes_per_row = r.row_secs / MIN;
    let open_row = open_minute / minutes_per_row;
    let mut rows = BTreeMap::new();
    for row in open_row.saturating_sub(r.rows)..open_row {
        if r.middle(row) < r.window_start() {
            continue;
        }
        let minutes: Vec<f64> = (row * minutes_per_row..(row + 1) * minutes_per_row)
            .filter_map(|m| {
                let readings: Vec<u64> = (m * MIN..(m + 1) * MIN)
                    .filter(|t| *t >= T0 && *t < END && (t - T0).is_multiple_of(REFRESH))
                    .filter(|t| daemon_up(*t))
                    .map(|t| cps(who, t))
                    .collect();
                (!readings.is_empty())
                    .then(|| readings.iter().sum::<u64>() as f64 / readings.len() as f64)
            })
            .collect();
        if !minutes.is_empty() {
            rows.insert(row, minutes.iter().sum::<f64>() / minutes.len() as f64);
        }
    }
    rows
}

/// Runs of consecutive rows: each must be one unbroken line.
pub fn runs(rows: &BTreeMap<u64, f64>) -> Vec<Vec<(u64, f64)>> {
    let mut out: Vec<Vec<(u64, f64)>> = Vec::new();
    for (&k, &v) in rows {
        match out.last_mut() {
            Some(run) if run.last().unwrap().0 + 1 == k => run.push((k, v)),
            _ => out.push(vec![(k, v)]),
        }
    }
    out
}

/// The axis maximum the graph must show for a peak: the smallest of
/// 1, 2, 5 × 10^n at or above it (svg.rs's documented scale).
pub fn axis_max(peak: f64) -> f64 {
    let mut p = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * p >= peak {
                return m * p;
            }
        }
        p *= 10.0;
    }
}

#[test]
fn the_model_itself() {
    // A known row: web1's day row at 6:00 is the burst's first, 40 flat.
    let day = &RANGES[1];
    let rows = expected_rows(Who::Web1, day);
    assert_eq!(rows.get(&((T0 + 6 * HOUR) / 300)), Some(&40.0));
    // The lone minute is a lone day row between two hours of nothing.
    let lone = (T0 + 13 * HOUR + 30 * MIN) / 300;
    assert_eq!(rows.get(&lone), Some(&30.0));
    assert!(!rows.contains_key(&(lone - 1)) && !rows.contains_key(&(lone + 1)));
    assert_eq!(axis_max(8.0), 10.0);
    assert_eq!(axis_max(28.0), 50.0);
    assert_eq!(axis_max(20.0), 20.0);
}
