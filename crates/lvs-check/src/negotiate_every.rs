//! `checktype=N`: N connect checks between negotiate checks, per real.
//!
//! The legacy ("combined") keeps a counter on each real: it starts high so
//! the first check negotiates; a negotiate that succeeds resets it to 0; a
//! connect that succeeds adds one; a connect that fails sets it high again,
//! so a failing real is re-examined by negotiate on the next run. A
//! negotiate runs whenever the counter has reached N, so N = 0 negotiates
//! every time. This is the decision only; the daemon owns one per real and
//! runs `run_check(spec)` or `run_check(&spec.as_connect())` as told.

/// Which check this run of a `checktype=N` real is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connect,
    Negotiate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiateEvery {
    n: u32,
    /// Successful connects since the last successful negotiate; `None`
    /// stands for the legacy's 999999: negotiate next.
    connects: Option<u32>,
}

impl NegotiateEvery {
    /// For `checktype=n`; the first run negotiates.
    pub fn new(n: u32) -> Self {
        NegotiateEvery { n, connects: None }
    }

    pub fn n(&self) -> u32 {
        self.n
    }

    /// What the next run must be.
    pub fn next_phase(&self) -> Phase {
        match self.connects {
            Some(c) if c < self.n => Phase::Connect,
            _ => Phase::Negotiate,
        }
    }

    /// Accounts for a finished run of `phase` with verdict `up`.
    pub fn record(&mut self, phase: Phase, up: bool) {
        self.connects = match (phase, up) {
            (Phase::Negotiate, true) => Some(0),
            // A failed negotiate leaves the counter as it was: at N or
            // above, so the next run negotiates again.
            (Phase::Negotiate, false) => self.connects,
            (Phase::Connect, true) => Some(self.connects.map_or(0, |c| c.saturating_add(1))),
            (Phase::Connect, false) => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `verdicts` through the counter, returning the phases chosen.
    fn phases(n: u32, verdicts: &[bool]) -> Vec<Phase> {
        let mut every = NegotiateEvery::new(n);
        verdicts
            .iter()
            .map(|&up| {
                let phase = every.next_phase();
                every.record(phase, up);
                phase
            })
            .collect()
    }

    use Phase::{Connect as C, Negotiate as N};

    #[test]
    fn first_run_negotiates_then_n_connects_per_negotiate() {
        assert_eq!(phases(2, &[true; 7]), [N, C, C, N, C, C, N]);
        assert_eq!(phases(1, &[true; 5]), [N, C, N, C, N]);
    }

    #[test]
    fn zero_always_negotiates() {
        assert_eq!(phases(0, &[true, false, true]), [N, N, N]);
    }

    #[test]
    fn a_failed_connect_brings_the_negotiate_forward() {
        assert_eq!(phases(3, &[true, true, false, true, true]), [N, C, C, N, C]);
    }

    #[test]
    fn a_failed_negotiate_is_retried_by_negotiate() {
        assert_eq!(phases(2, &[false, false, true, true]), [N, N, N, C]);
        assert_eq!(phases(1, &[true, true, false, true]), [N, C, N, N]);
    }
}
