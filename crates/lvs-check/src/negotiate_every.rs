//! `checktype=N`: N connect checks between negotiate checks, per real.
//!
//! The legacy ("combined") keeps a counter on each real: it starts high so
//! the first check negotiates; a negotiate that succeeds resets it to 0; a
//! connect that succeeds adds one; a connect that fails sets it high again,
//! so a failing real is re-examined by negotiate on the next run. A
//! negotiate runs whenever the counter has reached N, so N = 0 negotiates
//! every time. The daemon owns one per real and runs the check
//! [`NegotiateEvery::check`] gives for the phase.
//!
//! The connect step speaks the virtual service's protocol, as the legacy's
//! does: on a UDP service it is a UDP socket connected to the real, which
//! sends nothing and so passes unless the address is unroutable. A TCP
//! connect there would fail against a UDP-only server (RADIUS, most DNS
//! and SIP setups) and drop the real at every connect step.

use crate::{CheckKind, CheckSpec};

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
    udp: bool,
}

impl NegotiateEvery {
    /// For `checktype=n` on a TCP (or fwmark) service; the first run
    /// negotiates.
    /// The same `checktype=N` setting, whatever the phase it is at.
    pub fn same_setting(&self, o: &NegotiateEvery) -> bool {
        self.n == o.n && self.udp == o.udp
    }

    pub fn new(n: u32) -> Self {
        NegotiateEvery {
            n,
            connects: None,
            udp: false,
        }
    }

    /// The same for a UDP service: its connect steps are UDP connects.
    pub fn over_udp(self) -> Self {
        NegotiateEvery { udp: true, ..self }
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

    /// The check to run for `phase`: `spec` (the negotiate check), or a
    /// connect to the same real within the same checktimeout.
    pub fn check(&self, phase: Phase, spec: &CheckSpec) -> CheckSpec {
        let kind = match phase {
            Phase::Negotiate => return spec.clone(),
            Phase::Connect if self.udp => CheckKind::UdpConnect,
            Phase::Connect => CheckKind::Connect,
        };
        CheckSpec {
            kind,
            ..spec.clone()
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
    fn the_connect_step_follows_the_protocol() {
        let spec = CheckSpec {
            target: "192.0.2.1:1812".parse().unwrap(),
            kind: CheckKind::On,
            check_timeout: std::time::Duration::from_secs(1),
            negotiate_timeout: std::time::Duration::from_secs(2),
        };
        let kind = |every: NegotiateEvery, phase| every.check(phase, &spec).kind;
        assert!(matches!(
            kind(NegotiateEvery::new(1), C),
            CheckKind::Connect
        ));
        assert!(matches!(
            kind(NegotiateEvery::new(1).over_udp(), C),
            CheckKind::UdpConnect
        ));
        assert!(matches!(
            kind(NegotiateEvery::new(1).over_udp(), N),
            CheckKind::On
        ));
    }

    #[test]
    fn a_failed_negotiate_is_retried_by_negotiate() {
        assert_eq!(phases(2, &[false, false, true, true]), [N, N, N, C]);
        assert_eq!(phases(1, &[true, true, false, true]), [N, C, N, N]);
    }
}
