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
            next,
            interval: intervals.to_vec(),
            waiting,
        }
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
}
