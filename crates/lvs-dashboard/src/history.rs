//! The history behind the graphs: one [`Rrd`] file per virtual service and
//! per real server in one directory, all with [`layout`].
//!
//! Chosen layout (lvs-rrd's four graphs), one primary step of 60 s:
//!
//! | range | row      | rows | covers   |
//! |-------|----------|------|----------|
//! | hour  | 1 min    | 60   | 1 hour   |
//! | day   | 5 min    | 288  | 24 hours |
//! | week  | 30 min   | 336  | 7 days   |
//! | month | 2 hours  | 372  | 31 days  |
//!
//! with the 7 [`SOURCES`]: 1056 rows × 7 × 8 bytes plus a 652-byte header,
//! 59 788 bytes per file whatever happens. Files of servers that left the
//! configuration stay (and come back to life if it returns).

use crate::rrd::{ArchiveSpec, Layout, Rrd, Series};
use ipvs::Stats;
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;

pub const SOURCES: [&str; 7] = [
    "conns/s",
    "in pkts/s",
    "out pkts/s",
    "in bytes/s",
    "out bytes/s",
    "active conns",
    "inactive conns",
];

/// Graph ranges: name, archive index, seconds shown.
pub const RANGES: [(&str, usize, u64); 4] = [
    ("hour", 0, 3600),
    ("day", 1, 86_400),
    ("week", 2, 7 * 86_400),
    ("month", 3, 31 * 86_400),
];

pub fn layout() -> Layout {
    let a = |steps_per_row, rows| ArchiveSpec {
        steps_per_row,
        rows,
    };
    Layout {
        step_secs: 60,
        sources: SOURCES.len() as u32,
        archives: vec![a(1, 60), a(5, 288), a(30, 336), a(120, 372)],
    }
}

/// The values of one sample, in [`SOURCES`] order.
pub fn sample(stats: &Stats, active: u32, inactive: u32) -> Vec<f64> {
    vec![
        stats.cps as f64,
        stats.inpps as f64,
        stats.outpps as f64,
        stats.inbps as f64,
        stats.outbps as f64,
        active as f64,
        inactive as f64,
    ]
}

pub struct History {
    dir: PathBuf,
    layout: Layout,
    open: HashMap<String, Rrd>,
}

impl History {
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<History> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(History {
            dir,
            layout: layout(),
            open: HashMap::new(),
        })
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.rrd"))
    }

    fn rrd(&mut self, id: &str, create: bool) -> io::Result<Option<&mut Rrd>> {
        if !self.open.contains_key(id) {
            let path = self.path(id);
            if !create && !path.exists() {
                return Ok(None);
            }
            let rrd = Rrd::open(&path, &self.layout)?;
            self.open.insert(id.to_string(), rrd);
        }
        Ok(self.open.get_mut(id))
    }

    /// `id` must be one of [`crate::model::virtual_id`]'s or `real_id`'s.
    pub fn record(&mut self, t: u64, id: &str, values: &[f64]) -> io::Result<()> {
        match self.rrd(id, true)? {
            Some(r) => r.update(t, values),
            None => Ok(()),
        }
    }

    /// The rows of `range` (a [`RANGES`] name) for `id`; None when `id` has
    /// no history or the range is unknown.
    pub fn series(&mut self, id: &str, range: &str) -> io::Result<Option<Series>> {
        let Some(&(_, archive, _)) = RANGES.iter().find(|r| r.0 == range) else {
            return Ok(None);
        };
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
            || id.is_empty()
        {
            return Ok(None);
        }
        match self.rrd(id, false)? {
            Some(r) => r.series(archive).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_file_size() {
        assert_eq!(layout().file_len(), 59_788);
    }

    #[test]
    fn unknown_ids_and_ranges_are_none() {
        let d = tempfile::tempdir().unwrap();
        let mut h = History::new(d.path()).unwrap();
        h.record(60, "tcp-1.2.3.4-80", &sample(&Stats::default(), 1, 2))
            .unwrap();
        assert!(h.series("tcp-1.2.3.4-80", "hour").unwrap().is_some());
        assert!(h.series("tcp-1.2.3.4-80", "year").unwrap().is_none());
        assert!(h.series("nothing", "hour").unwrap().is_none());
        assert!(h.series("../etc/passwd", "hour").unwrap().is_none());
        assert!(!d.path().join("nothing.rrd").exists());
    }
}
