//! The core's own timeline, derived from the driver's clock readings.
//!
//! Every timer in the core measures silence: "no status from X for
//! deadtime ms". A jump of the reading that is not silence on the wire
//! would turn into a false verdict:
//! * backwards (a driver fed by a wall clock that was stepped back): every
//!   deadline moves into the future and we stop sending heartbeats, so the
//!   peer declares *us* dead;
//! * far forwards (the process was suspended, a VM paused, the clock
//!   stepped): every peer looks silent for the whole gap although their
//!   packets are waiting unread in the socket buffer.
//!
//! A running core always has a keepalive deadline at most `keepalive` ms
//! away, so between two calls at most about `keepalive` ms can legitimately
//! pass. The timeline therefore follows the reading exactly for steps up to
//! `2 * keepalive`, counts a larger forward step as one `keepalive`, and
//! counts a backward step as no time at all. The price of the clamp is that
//! a peer that really died during our own stall is detected one deadtime
//! after we wake rather than at once.

use crate::time::Time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jump {
    Forward { raw_ms: u64, counted_ms: u64 },
    Backward { raw_ms: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Clock {
    last_raw: Time,
    last: Time,
    keepalive_ms: u64,
}

impl Clock {
    /// Starts with the timeline equal to the reading.
    pub(crate) fn new(now: Time, keepalive_ms: u64) -> Self {
        Clock {
            last_raw: now,
            last: now,
            keepalive_ms: keepalive_ms.max(1),
        }
    }

    /// A reload changed keepalive: the bound on a normal step follows.
    pub(crate) fn set_keepalive(&mut self, keepalive_ms: u64) {
        self.keepalive_ms = keepalive_ms.max(1);
    }

    /// Maps a reading onto the timeline; reports a jump that was clamped.
    pub(crate) fn advance(&mut self, raw: Time) -> (Time, Option<Jump>) {
        let (step, jump) = if raw < self.last_raw {
            (
                0,
                Some(Jump::Backward {
                    raw_ms: self.last_raw.since(raw),
                }),
            )
        } else {
            let step = raw.since(self.last_raw);
            if step > 2 * self.keepalive_ms {
                (
                    self.keepalive_ms,
                    Some(Jump::Forward {
                        raw_ms: step,
                        counted_ms: self.keepalive_ms,
                    }),
                )
            } else {
                (step, None)
            }
        };
        self.last_raw = raw;
        self.last = self.last.plus(step);
        (self.last, jump)
    }

    /// The reading at which the timeline will show `t`, assuming the clock
    /// runs normally from the last reading on.
    pub(crate) fn to_raw(&self, t: Time) -> Time {
        if t >= self.last {
            self.last_raw.plus(t.since(self.last))
        } else {
            self.last_raw.minus(self.last.since(t))
        }
    }
}

impl Jump {
    pub(crate) fn describe(self) -> String {
        match self {
            Jump::Forward { raw_ms, counted_ms } => format!(
                "Clock jumped forward by {raw_ms} ms (process stalled or clock stepped); \
                 counting it as {counted_ms} ms so peers are not declared dead for our own gap"
            ),
            Jump::Backward { raw_ms } => {
                format!("Clock went backwards by {raw_ms} ms; counting it as no time")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_normal_steps() {
        let mut c = Clock::new(Time::from_ms(1000), 1000);
        assert_eq!(c.advance(Time::from_ms(2500)), (Time::from_ms(2500), None));
        assert_eq!(c.to_raw(Time::from_ms(3000)), Time::from_ms(3000));
    }

    #[test]
    fn clamps_forward_jump_to_one_keepalive() {
        let mut c = Clock::new(Time::from_ms(0), 1000);
        let (t, j) = c.advance(Time::from_ms(60_000));
        assert_eq!(t, Time::from_ms(1000));
        assert_eq!(
            j,
            Some(Jump::Forward {
                raw_ms: 60_000,
                counted_ms: 1000
            })
        );
        // After the jump the offset is kept: deadlines map to later readings.
        assert_eq!(c.to_raw(Time::from_ms(1500)), Time::from_ms(60_500));
        assert_eq!(c.advance(Time::from_ms(60_400)).0, Time::from_ms(1400));
    }

    #[test]
    fn backward_jump_counts_as_no_time() {
        let mut c = Clock::new(Time::from_ms(50_000), 1000);
        let (t, j) = c.advance(Time::from_ms(10_000));
        assert_eq!(t, Time::from_ms(50_000));
        assert_eq!(j, Some(Jump::Backward { raw_ms: 40_000 }));
        assert_eq!(c.advance(Time::from_ms(10_700)).0, Time::from_ms(50_700));
        assert_eq!(c.to_raw(Time::from_ms(51_000)), Time::from_ms(11_000));
        assert_eq!(c.to_raw(Time::from_ms(50_000)), Time::from_ms(10_000));
    }
}
