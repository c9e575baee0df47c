//! When each check is due: every check on its own interval, staggered at
//! start so a large table does not fire all checks in the same instant.

use crate::plan::CheckId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A heap of (due time, check) holds every check that is not running, so
/// finding the due ones costs log n each, not a scan of all checks (ten
/// thousand reals at `checkinterval=1` is ten thousand results a second).
#[derive(Debug, Clone)]
pub struct Schedule {
    next: Vec<u64>,
    interval: Vec<u64>,
    /// Started and not finished.
    running: Vec<bool>,
    waiting: BinaryHeap<Reverse<(u64, CheckId)>>,
}

impl Schedule {
    /// `intervals[i]` is check i's interval in ms; first runs are spread
    /// evenly over the first interval starting at `now`, so that many
    /// checks never start in one burst.
    pub fn new(intervals: &[u64], now: u64) -> Schedule {
        let n = intervals.len().max(1) as u64;
        let next: Vec<u64> = intervals
            .iter()
            .enumerate()
            .map(|(i, iv)| now + iv * i as u64 / n)
            .collect();
        let waiting = next
            .iter()
            .enumerate()
            .map(|(i, &t)| Reverse((t, i)))
            .collect();
        Schedule {
            running: vec![false; next.len()],
            next,
            interval: intervals.to_vec(),
            waiting,
        }
    }

    /// The schedule after a reload: check `i` of the new plan with
    /// `kept[i] = Some(j)` is old check `j` unchanged, and keeps its due
    /// time, or stays running if it is; every other check is new and is
    /// staggered over its first interval from `now`, as at start. So a
    /// reload that changes one real restarts one check, not all of them.
    pub fn reload(&self, intervals: &[u64], kept: &[Option<CheckId>], now: u64) -> Schedule {
        let fresh: Vec<usize> = (0..intervals.len())
            .filter(|&i| self.kept_as(kept, i, intervals).is_none())
            .collect();
        let n = fresh.len().max(1) as u64;
        let mut next = vec![0; intervals.len()];
        let mut running = vec![false; intervals.len()];
        for (k, &i) in fresh.iter().enumerate() {
            next[i] = now + intervals[i] * k as u64 / n;
        }
        for i in 0..intervals.len() {
            if let Some(j) = self.kept_as(kept, i, intervals) {
                next[i] = self.next[j];
                running[i] = self.running[j];
            }
        }
        let waiting = next
            .iter()
            .enumerate()
            .filter(|(i, _)| !running[*i])
            .map(|(i, &t)| Reverse((t, i)))
            .collect();
        Schedule {
            next,
            interval: intervals.to_vec(),
            running,
            waiting,
        }
    }

    /// The old check new check `i` carries on, if its interval is the same.
    fn kept_as(&self, kept: &[Option<CheckId>], i: usize, intervals: &[u64]) -> Option<CheckId> {
        kept.get(i)
            .copied()
            .flatten()
            .filter(|&j| self.interval.get(j) == intervals.get(i))
    }

    /// Checks due at `now`; they count as running until `finished`, so a
    /// check that outlives its interval is not started twice.
    pub fn due(&mut self, now: u64) -> Vec<CheckId> {
        let mut out = Vec::new();
        while let Some(Reverse((t, id))) = self.waiting.peek().copied() {
            if t > now {
                break;
            }
            self.waiting.pop();
            self.running[id] = true;
            out.push(id);
        }
        out
    }

    /// A check finished at `now`: the next run is one interval after the
    /// previous due time (no drift), or after `now` if that has passed.
    pub fn finished(&mut self, id: CheckId, now: u64) {
        let (Some(&prev), Some(&iv)) = (self.next.get(id), self.interval.get(id)) else {
            return;
        };
        if !std::mem::replace(&mut self.running[id], false) {
            // Not started (a result of a check the plan no longer has).
            return;
        }
        let next = if prev + iv > now { prev + iv } else { now + iv };
        self.next[id] = next;
        self.waiting.push(Reverse((next, id)));
    }

    /// The earliest time a check not already running becomes due.
    pub fn next_deadline(&self) -> Option<u64> {
        self.waiting.peek().map(|Reverse((t, _))| *t)
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
        assert_eq!(s.next_deadline(), Some(1000));
        assert!(s.due(999).is_empty());
        assert_eq!(s.due(1000), [0]);
        s.finished(0, 1010);
        assert_eq!(s.next_deadline(), Some(1500), "half its interval in");
        assert_eq!(s.due(1500), [1]);
        assert_eq!(s.due(2000), [0]);
        // A check that ran longer than its interval starts again at once.
        s.finished(1, 9000);
        assert_eq!(s.due(12_000), [1]);
    }

    #[test]
    fn a_reload_restarts_only_the_checks_it_changed() {
        let mut s = Schedule::new(&[1000, 1000, 1000, 1000], 0);
        assert_eq!(s.due(500), [0, 1, 2]);
        s.finished(0, 510);
        s.finished(1, 520);
        // New plan: old 0 kept, old 1 with a new interval, old 2 (running)
        // kept, old 3 gone, one new check.
        let mut r = s.reload(
            &[1000, 2000, 1000, 1000],
            &[Some(0), Some(1), Some(2), None],
            600,
        );
        assert_eq!(
            r.next_deadline(),
            Some(600),
            "the changed and the new start now"
        );
        assert_eq!(r.due(600), [1]);
        assert_eq!(r.due(1000), [0]);
        assert_eq!(r.due(1100), [3], "staggered over its first interval");
        // Old 2 is still in flight: not started again until it finishes.
        assert!(r.due(5000).iter().all(|&i| i != 2));
        r.finished(2, 5000);
        assert_eq!(r.due(6000), [2]);
        // A stray result for a check that is not running changes nothing.
        r.finished(3, 6000);
        assert!(!r.due(6000).contains(&3));
    }
}
