//! When each check is due: every check on its own interval, staggered at
//! start so a large table does not fire all checks in the same instant.

use crate::plan::CheckId;

#[derive(Debug, Clone)]
pub struct Schedule {
    next: Vec<u64>,
    interval: Vec<u64>,
    running: Vec<bool>,
}

impl Schedule {
    /// `intervals[i]` is check i's interval in ms; first runs are spread
    /// over the first interval starting at `now`.
    pub fn new(intervals: &[u64], now: u64) -> Schedule {
        let n = intervals.len().max(1) as u64;
        Schedule {
            next: intervals
                .iter()
                .enumerate()
                .map(|(i, iv)| now + iv * i as u64 / n / 4)
                .collect(),
            interval: intervals.to_vec(),
            running: vec![false; intervals.len()],
        }
    }

    /// Checks due at `now` that are not still running; marks them running.
    /// A check that outlives its interval is not started twice.
    pub fn due(&mut self, now: u64) -> Vec<CheckId> {
        let mut out = Vec::new();
        for i in 0..self.next.len() {
            if !self.running[i] && self.next[i] <= now {
                self.running[i] = true;
                out.push(i);
            }
        }
        out
    }

    /// A check finished at `now`: the next run is one interval after the
    /// previous due time (no drift), or after `now` if that has passed.
    pub fn finished(&mut self, id: CheckId, now: u64) {
        if let Some(r) = self.running.get_mut(id) {
            *r = false;
            let next = self.next[id] + self.interval[id];
            self.next[id] = if next > now {
                next
            } else {
                now + self.interval[id]
            };
        }
    }

    /// The earliest time a check not already running becomes due.
    pub fn next_deadline(&self) -> Option<u64> {
        (0..self.next.len())
            .filter(|&i| !self.running[i])
            .map(|i| self.next[i])
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_on_its_interval_without_overlap() {
        let mut s = Schedule::new(&[1000, 3000], 0);
        assert_eq!(s.due(0), [0], "the second check is staggered");
        assert!(s.due(0).is_empty(), "a running check is not started again");
        s.finished(0, 200);
        assert_eq!(s.next_deadline(), Some(375));
        assert_eq!(s.due(375), [1]);
        assert_eq!(s.next_deadline(), Some(1000));
        assert!(s.due(999).is_empty());
        assert_eq!(s.due(1000), [0]);
        // A check that ran longer than its interval starts again at once.
        s.finished(1, 9000);
        assert_eq!(s.due(12_000), [1]);
    }
}
