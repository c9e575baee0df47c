//! One real server's health within one virtual service, with ldirectord's
//! `failurecount` rule: a real that is up goes down only after that many
//! consecutive failed checks ("soft failures"), and one success resets
//! the count.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RealHealth {
    pub up: bool,
    pub failcount: u32,
}

/// What a check result did to a real's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthEvent {
    /// A failure counted, not yet enough to take the real down.
    SoftFailure {
        count: u32,
        of: u32,
    },
    /// A success after soft failures.
    Reset,
    WentUp,
    WentDown,
}

impl RealHealth {
    /// Applies one check result; returns what changed, in log order.
    pub fn on_result(&mut self, ok: bool, failurecount: u32) -> Vec<HealthEvent> {
        let mut events = Vec::new();
        if ok {
            if self.failcount > 0 {
                events.push(HealthEvent::Reset);
            }
            self.failcount = 0;
            if !self.up {
                self.up = true;
                events.push(HealthEvent::WentUp);
            }
        } else if self.up {
            self.failcount += 1;
            if self.failcount < failurecount {
                events.push(HealthEvent::SoftFailure {
                    count: self.failcount,
                    of: failurecount,
                });
            } else {
                self.up = false;
                events.push(HealthEvent::WentDown);
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failurecount_three() {
        let mut h = RealHealth::default();
        assert_eq!(h.on_result(true, 3), [HealthEvent::WentUp]);
        assert_eq!(
            h.on_result(false, 3),
            [HealthEvent::SoftFailure { count: 1, of: 3 }]
        );
        assert_eq!(
            h.on_result(false, 3),
            [HealthEvent::SoftFailure { count: 2, of: 3 }]
        );
        assert_eq!(h.on_result(true, 3), [HealthEvent::Reset]);
        assert!(h.up);
        h.on_result(false, 3);
        h.on_result(false, 3);
        assert_eq!(h.on_result(false, 3), [HealthEvent::WentDown]);
        // Further failures of a down real count nothing (the legacy returns
        // early for a real that is already down).
        assert!(h.on_result(false, 3).is_empty());
        assert_eq!(h.failcount, 3);
        assert_eq!(
            h.on_result(true, 3),
            [HealthEvent::Reset, HealthEvent::WentUp]
        );
    }

    #[test]
    fn failurecount_one_goes_down_at_once() {
        let mut h = RealHealth {
            up: true,
            failcount: 0,
        };
        assert_eq!(h.on_result(false, 1), [HealthEvent::WentDown]);
    }
}
