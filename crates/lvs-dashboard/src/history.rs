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

use crate::model::{real_id, virtual_id, VirtualView};
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

    /// One sample of every virtual service (its reals' connections summed)
    /// and of each of its reals, all taken at `t`: what the daemon records
    /// after each read of the kernel's table. Every file is tried; the
    /// first error is returned.
    pub fn record_views(&mut self, t: u64, virtuals: &[VirtualView]) -> io::Result<()> {
        let mut result = Ok(());
        for v in virtuals {
            let active = v.reals.iter().map(|r| r.active).sum();
            let inactive = v.reals.iter().map(|r| r.inactive).sum();
            let r = self.record(t, &virtual_id(&v.key), &sample(&v.stats, active, inactive));
            result = result.and(r);
            for real in &v.reals {
                let id = real_id(&v.key, &real.addr);
                let r = self.record(t, &id, &sample(&real.stats, real.active, real.inactive));
                result = result.and(r);
            }
        }
        result
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
    fn views_are_recorded_per_virtual_and_per_real() {
        use crate::model::{RealState, RealView};
        let key = ipvs::ServiceKey::Addr {
            protocol: ipvs::Protocol::Tcp,
            addr: "10.9.0.100:80".parse().unwrap(),
        };
        let real = |addr: &str, cps, active| RealView {
            addr: addr.parse().unwrap(),
            state: RealState::Up,
            weight: 1,
            active,
            inactive: 1,
            stats: Stats {
                cps,
                ..Default::default()
            },
            reason: None,
        };
        let v = VirtualView {
            key,
            name: "TCP 10.9.0.100:80".into(),
            scheduler: "wrr".into(),
            in_kernel: true,
            stats: Stats {
                cps: 7,
                ..Default::default()
            },
            reals: vec![real("10.9.0.2:80", 3, 5), real("10.9.0.3:80", 4, 2)],
        };
        let d = tempfile::tempdir().unwrap();
        let mut h = History::new(d.path()).unwrap();
        h.record_views(600, std::slice::from_ref(&v)).unwrap();
        // Later samples close the step of 600 s.
        for t in [660, 720] {
            h.record(t, "tcp-10.9.0.100-80", &[0.0; 7]).unwrap();
            h.record(t, "tcp-10.9.0.100-80--10.9.0.3-80", &[0.0; 7])
                .unwrap();
        }
        let mut row = |id| {
            let s = h.series(id, "hour").unwrap().unwrap();
            s.rows[((600 - s.start) / s.row_secs) as usize].clone()
        };
        let virt = row("tcp-10.9.0.100-80");
        assert_eq!((virt[0], virt[5], virt[6]), (7.0, 7.0, 2.0));
        let web2 = row("tcp-10.9.0.100-80--10.9.0.3-80");
        assert_eq!((web2[0], web2[5], web2[6]), (4.0, 2.0, 1.0));
        assert!(d.path().join("tcp-10.9.0.100-80--10.9.0.2-80.rrd").exists());
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
