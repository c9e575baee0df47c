//! A small round-robin database: one file of fixed size per graphed
//! thing, holding several archives of AVERAGE-consolidated rows.
//!
//! Samples (gauges: rates and connection counts) are averaged per primary
//! step (a "PDP", [`Layout::step_secs`]); each archive folds
//! `steps_per_row` consecutive PDPs into one row, the average of the PDPs
//! that had samples (NaN when none had). Rows live in a ring of `rows`
//! slots: row number `k` (counted from the Unix epoch) sits in slot
//! `k % rows`, so reading never needs a write pointer, and rows skipped
//! while the daemon was down are overwritten with NaN when time moves on.
//!
//! The file is the header (layout, then the running accumulators) and the
//! archives' slots, all little-endian; its size depends on the layout only
//! and never grows. The accumulators are written back on every update,
//! so a restart continues the current step and rows where they were.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

const MAGIC: &[u8; 8] = b"LHARRD01";
const NONE: u64 = u64::MAX;

/// One archive: `rows` rows, each the average of `steps_per_row` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveSpec {
    pub steps_per_row: u32,
    pub rows: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub step_secs: u32,
    /// Values per sample (data sources).
    pub sources: u32,
    pub archives: Vec<ArchiveSpec>,
}

/// Rows read back from one archive, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Unix time at which the first row's period starts.
    pub start: u64,
    /// Seconds per row.
    pub row_secs: u64,
    /// One `Vec` per row with one value per source; NaN = unknown.
    pub rows: Vec<Vec<f64>>,
}

#[derive(Debug, Clone)]
struct Accumulator {
    /// Step number (for the PDP) or row number (for an archive); NONE
    /// before the first sample.
    at: u64,
    sum: Vec<f64>,
    count: Vec<f64>,
}

impl Accumulator {
    fn new(sources: usize) -> Self {
        Accumulator {
            at: NONE,
            sum: vec![0.0; sources],
            count: vec![0.0; sources],
        }
    }

    fn add(&mut self, values: &[f64]) {
        for (i, v) in values.iter().enumerate() {
            if v.is_finite() {
                self.sum[i] += v;
                self.count[i] += 1.0;
            }
        }
    }

    fn average(&self) -> Vec<f64> {
        self.sum
            .iter()
            .zip(&self.count)
            .map(|(s, c)| if *c > 0.0 { s / c } else { f64::NAN })
            .collect()
    }

    fn reset(&mut self, at: u64) {
        self.at = at;
        self.sum.iter_mut().for_each(|v| *v = 0.0);
        self.count.iter_mut().for_each(|v| *v = 0.0);
    }
}

pub struct Rrd {
    file: File,
    layout: Layout,
    step: Accumulator,
    archives: Vec<Accumulator>,
}

impl Layout {
    fn spec_len(&self) -> u64 {
        8 + 4 * 3 + 8 * self.archives.len() as u64
    }

    fn accumulator_len(&self) -> u64 {
        8 + 16 * self.sources as u64
    }

    fn header_len(&self) -> u64 {
        self.spec_len() + self.accumulator_len() * (1 + self.archives.len() as u64)
    }

    fn archive_offset(&self, index: usize) -> u64 {
        let row = 8 * self.sources as u64;
        self.header_len()
            + self.archives[..index]
                .iter()
                .map(|a| a.rows as u64 * row)
                .sum::<u64>()
    }

    /// The size of every file with this layout.
    pub fn file_len(&self) -> u64 {
        self.archive_offset(self.archives.len())
    }

    fn spec_bytes(&self) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend(self.step_secs.to_le_bytes());
        b.extend(self.sources.to_le_bytes());
        b.extend((self.archives.len() as u32).to_le_bytes());
        for a in &self.archives {
            b.extend(a.steps_per_row.to_le_bytes());
            b.extend(a.rows.to_le_bytes());
        }
        b
    }
}

fn put_accumulator(b: &mut Vec<u8>, a: &Accumulator) {
    b.extend(a.at.to_le_bytes());
    for v in a.sum.iter().chain(&a.count) {
        b.extend(v.to_le_bytes());
    }
}

fn take_accumulator(b: &[u8], sources: usize) -> Accumulator {
    let f = |i: usize| f64::from_le_bytes(b[8 + 8 * i..16 + 8 * i].try_into().unwrap());
    Accumulator {
        at: u64::from_le_bytes(b[..8].try_into().unwrap()),
        sum: (0..sources).map(f).collect(),
        count: (sources..2 * sources).map(f).collect(),
    }
}

impl Rrd {
    /// Opens `path`, or creates it (all rows unknown) when it is missing or
    /// was written with another layout: history in an old layout cannot
    /// be reinterpreted, so it is started afresh.
    pub fn open(path: &Path, layout: &Layout) -> io::Result<Rrd> {
        if layout.sources == 0
            || layout
                .archives
                .iter()
                .any(|a| a.rows == 0 || a.steps_per_row == 0)
        {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty layout"));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let sources = layout.sources as usize;
        let mut rrd = Rrd {
            file,
            layout: layout.clone(),
            step: Accumulator::new(sources),
            archives: vec![Accumulator::new(sources); layout.archives.len()],
        };
        if rrd.load().is_err() {
            rrd.create()?;
        }
        Ok(rrd)
    }

    fn load(&mut self) -> io::Result<()> {
        let l = &self.layout;
        if self.file.metadata()?.len() != l.file_len() {
            return Err(io::ErrorKind::InvalidData.into());
        }
        let mut header = vec![0u8; l.header_len() as usize];
        self.file.read_exact_at(&mut header, 0)?;
        let spec = l.spec_bytes();
        if header[..spec.len()] != spec[..] {
            return Err(io::ErrorKind::InvalidData.into());
        }
        let n = l.accumulator_len() as usize;
        let sources = l.sources as usize;
        let mut at = spec.len();
        self.step = take_accumulator(&header[at..at + n], sources);
        for a in self.archives.iter_mut() {
            at += n;
            *a = take_accumulator(&header[at..at + n], sources);
        }
        Ok(())
    }

    fn create(&mut self) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.set_len(self.layout.file_len())?;
        let sources = self.layout.sources as usize;
        self.step = Accumulator::new(sources);
        self.archives = vec![Accumulator::new(sources); self.layout.archives.len()];
        let unknown: Vec<u8> = (0..sources).flat_map(|_| f64::NAN.to_le_bytes()).collect();
        for (i, a) in self.layout.archives.iter().enumerate() {
            let all: Vec<u8> = (0..a.rows).flat_map(|_| unknown.clone()).collect();
            self.file
                .write_all_at(&all, self.layout.archive_offset(i))?;
        }
        self.write_header()
    }

    fn write_header(&self) -> io::Result<()> {
        let mut b = self.layout.spec_bytes();
        put_accumulator(&mut b, &self.step);
        for a in &self.archives {
            put_accumulator(&mut b, a);
        }
        self.file.write_all_at(&b, 0)
    }

    fn write_row(&self, archive: usize, row: u64, values: &[f64]) -> io::Result<()> {
        let spec = self.layout.archives[archive];
        let slot = row % spec.rows as u64;
        let at = self.layout.archive_offset(archive) + slot * 8 * self.layout.sources as u64;
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.file.write_all_at(&bytes, at)
    }

    /// Adds one sample taken at Unix time `t`. A sample older than the
    /// current step (the clock went back) is dropped.
    pub fn update(&mut self, t: u64, values: &[f64]) -> io::Result<()> {
        if values.len() != self.layout.sources as usize {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "wrong number of values",
            ));
        }
        let step = t / self.layout.step_secs as u64;
        if self.step.at == NONE {
            self.step.reset(step);
        }
        if step < self.step.at {
            return Ok(());
        }
        if step > self.step.at {
            let pdp = self.step.average();
            let finished = self.step.at;
            for i in 0..self.archives.len() {
                self.fold(i, finished, &pdp)?;
                // Rows before the new step's are complete now: written
                // out at once, so the graphs show them without waiting
                // for the next step to end.
                self.close_rows_before(i, step)?;
            }
            self.step.reset(step);
        }
        self.step.add(values);
        self.write_header()
    }

    /// Folds the finished step `step` into archive `i`'s open row.
    fn fold(&mut self, i: usize, step: u64, pdp: &[f64]) -> io::Result<()> {
        self.close_rows_before(i, step)?;
        let row = step / self.layout.archives[i].steps_per_row as u64;
        if self.archives[i].at == NONE {
            self.archives[i].reset(row);
        } else if row < self.archives[i].at {
            return Ok(());
        }
        self.archives[i].add(pdp);
        Ok(())
    }

    /// Writes out archive `i`'s open row if `step` belongs to a later
    /// one, marks the rows skipped since unknown, and opens `step`'s row.
    fn close_rows_before(&mut self, i: usize, step: u64) -> io::Result<()> {
        let spec = self.layout.archives[i];
        let row = step / spec.steps_per_row as u64;
        let current = self.archives[i].at;
        if current == NONE || row <= current {
            return Ok(());
        }
        self.write_row(i, current, &self.archives[i].average())?;
        let unknown = vec![f64::NAN; self.layout.sources as usize];
        let first_gap = (current + 1).max(row.saturating_sub(spec.rows as u64));
        for skipped in first_gap..row {
            self.write_row(i, skipped, &unknown)?;
        }
        self.archives[i].reset(row);
        Ok(())
    }

    /// The completed rows of archive `i`, oldest first: all rows before
    /// the one the current step belongs to (that one is still
    /// accumulating); empty before the first row is done.
    pub fn series(&self, i: usize) -> io::Result<Series> {
        let spec = self.layout.archives[i];
        let row_secs = spec.steps_per_row as u64 * self.layout.step_secs as u64;
        let current = self.archives[i].at;
        if current == NONE {
            return Ok(Series {
                start: 0,
                row_secs,
                rows: Vec::new(),
            });
        }
        let first = current.saturating_sub(spec.rows as u64);
        let sources = self.layout.sources as usize;
        let mut all = vec![0u8; spec.rows as usize * 8 * sources];
        self.file
            .read_exact_at(&mut all, self.layout.archive_offset(i))?;
        let rows = (first..current)
            .map(|k| {
                let slot = (k % spec.rows as u64) as usize * 8 * sources;
                (0..sources)
                    .map(|s| {
                        let at = slot + 8 * s;
                        f64::from_le_bytes(all[at..at + 8].try_into().unwrap())
                    })
                    .collect()
            })
            .collect();
        Ok(Series {
            start: first * row_secs,
            row_secs,
            rows,
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Layout {
        Layout {
            step_secs: 60,
            sources: 2,
            archives: vec![
                ArchiveSpec {
                    steps_per_row: 1,
                    rows: 5,
                },
                ArchiveSpec {
                    steps_per_row: 3,
                    rows: 4,
                },
            ],
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn file_size_is_fixed_by_the_layout() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.rrd");
        let l = small();
        let mut r = Rrd::open(&p, &l).unwrap();
        let expected = l.file_len();
        // header: magic 8 + 3*4 + 2 archives*8 = 36; 3 accumulators of 8+32
        assert_eq!(expected, 36 + 3 * 40 + (5 + 4) * 2 * 8);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), expected);
        for t in (0..100_000).step_by(10) {
            r.update(t, &[t as f64, 1.0]).unwrap();
        }
        assert_eq!(std::fs::metadata(&p).unwrap().len(), expected);
    }

    #[test]
    fn averages_per_step_and_per_row() {
        let d = tempfile::tempdir().unwrap();
        let mut r = Rrd::open(&d.path().join("x.rrd"), &small()).unwrap();
        // Steps 10..=16: within step s the samples are s and s+2 for
        // source 0, so each step averages to s+1; source 1 has 7 and NaN.
        for s in 10u64..17 {
            r.update(s * 60, &[s as f64, 7.0]).unwrap();
            r.update(s * 60 + 30, &[s as f64 + 2.0, f64::NAN]).unwrap();
        }
        r.update(17 * 60, &[0.0, 0.0]).unwrap();
        // Step 17 has begun, so step 16's row is complete and shown.
        let hour = r.series(0).unwrap();
        assert_eq!(hour.row_secs, 60);
        assert_eq!(hour.start, 12 * 60);
        let firsts: Vec<f64> = hour.rows.iter().map(|v| v[0]).collect();
        assert_eq!(firsts, vec![13.0, 14.0, 15.0, 16.0, 17.0]);
        assert!(
            hour.rows.iter().all(|v| close(v[1], 7.0)),
            "NaN samples are not averaged in"
        );
        // 3-step rows: row 3 = steps 9..=11 (only 10 and 11 had samples),
        // row 4 = steps 12..=14; row 5 (15, 16, 17) is still open.
        let slow = r.series(1).unwrap();
        assert_eq!(slow.row_secs, 180);
        assert_eq!(slow.start, 180);
        let got: Vec<f64> = slow.rows.iter().map(|v| v[0]).collect();
        assert_eq!(got.len(), 4);
        assert!(got[0].is_nan() && got[1].is_nan());
        assert!(close(got[2], (11.0 + 12.0) / 2.0));
        assert!(close(got[3], (13.0 + 14.0 + 15.0) / 3.0));
    }

    #[test]
    fn a_row_is_shown_as_soon_as_its_last_step_ends() {
        let d = tempfile::tempdir().unwrap();
        let mut r = Rrd::open(&d.path().join("x.rrd"), &small()).unwrap();
        // Steps 3, 4 and 5 make up 3-step row 1.
        for (t, v) in [(180, 1.0), (240, 2.0), (300, 3.0), (330, 5.0)] {
            r.update(t, &[v, v]).unwrap();
        }
        let last = |r: &Rrd, i| {
            let s = r.series(i).unwrap();
            let end = s.start + s.row_secs * s.rows.len() as u64;
            (end, s.rows.last().map(|v| v[0]))
        };
        // Step 5 is still open: its rows are not done.
        assert_eq!(last(&r, 0), (300, Some(2.0)));
        assert_eq!(last(&r, 1).0, 180);
        // The first sample of step 6 ends step 5 and with it row 1.
        r.update(360, &[0.0, 0.0]).unwrap();
        assert_eq!(last(&r, 0), (360, Some(4.0)));
        assert_eq!(last(&r, 1), (360, Some((1.0 + 2.0 + 4.0) / 3.0)));
        // Over a gap, the rows before the new step close at once too.
        r.update(900, &[0.0, 0.0]).unwrap();
        assert_eq!(last(&r, 0).0, 900);
        assert_eq!(last(&r, 1).0, 900);
        assert!(last(&r, 0).1.unwrap().is_nan());
    }

    #[test]
    fn survives_a_restart_and_marks_the_gap_unknown() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.rrd");
        {
            let mut r = Rrd::open(&p, &small()).unwrap();
            r.update(60, &[1.0, 1.0]).unwrap();
            r.update(120, &[2.0, 2.0]).unwrap();
            r.update(150, &[4.0, 4.0]).unwrap();
        }
        let mut r = Rrd::open(&p, &small()).unwrap();
        // Step 2 is still open: a sample after the restart joins 2 and 4.
        r.update(170, &[9.0, 9.0]).unwrap();
        r.update(180, &[6.0, 6.0]).unwrap();
        r.update(240, &[0.0, 0.0]).unwrap();
        let rows: Vec<f64> = r.series(0).unwrap().rows.iter().map(|v| v[0]).collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[0].is_nan() && close(rows[1], 1.0) && close(rows[2], 5.0));
        assert!(close(rows[3], 6.0));
        // Steps 5 and 6 without samples read as unknown.
        r.update(420, &[7.0, 7.0]).unwrap();
        r.update(480, &[0.0, 0.0]).unwrap();
        r.update(540, &[0.0, 0.0]).unwrap();
        let rows: Vec<f64> = r.series(0).unwrap().rows.iter().map(|v| v[0]).collect();
        assert_eq!(rows.len(), 5);
        assert!(close(rows[0], 0.0) && rows[1].is_nan() && rows[2].is_nan());
        assert!(close(rows[3], 7.0) && close(rows[4], 0.0));
    }

    #[test]
    fn another_layout_starts_afresh() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.rrd");
        let mut r = Rrd::open(&p, &small()).unwrap();
        r.update(60, &[1.0, 1.0]).unwrap();
        r.update(120, &[1.0, 1.0]).unwrap();
        drop(r);
        let mut other = small();
        other.archives[0].rows = 6;
        let r = Rrd::open(&p, &other).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().len(), other.file_len());
        assert!(r.series(0).unwrap().rows.is_empty());
    }

    #[test]
    fn clock_going_back_is_ignored() {
        let d = tempfile::tempdir().unwrap();
        let mut r = Rrd::open(&d.path().join("x.rrd"), &small()).unwrap();
        r.update(600, &[1.0, 1.0]).unwrap();
        r.update(60, &[100.0, 100.0]).unwrap();
        r.update(660, &[0.0, 0.0]).unwrap();
        let rows = r.series(0).unwrap().rows;
        assert!(close(rows.last().unwrap()[0], 1.0));
    }
}
