//! Time as the core sees it: milliseconds on a monotonic clock the driver
//! reads and passes in. The core never reads a clock itself, so tests can
//! run hours of protocol time in milliseconds.

use std::fmt;

/// A point on the driver's monotonic clock, in milliseconds from an
/// arbitrary origin (e.g. boot). Only differences are meaningful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(u64);

impl Time {
    pub const ZERO: Time = Time(0);

    pub const fn from_ms(ms: u64) -> Self {
        Time(ms)
    }

    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// `self + ms`, saturating: a deadline past the end of time is never.
    pub const fn plus(self, ms: u64) -> Time {
        Time(self.0.saturating_add(ms))
    }

    /// `self - ms`, saturating at the origin.
    pub const fn minus(self, ms: u64) -> Time {
        Time(self.0.saturating_sub(ms))
    }

    /// Milliseconds from `earlier` to `self`; 0 if `earlier` is later.
    pub const fn since(self, earlier: Time) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Time::from_ms(10);
        assert_eq!(t.plus(5).as_ms(), 15);
        assert_eq!(t.minus(20), Time::ZERO);
        assert_eq!(t.since(Time::from_ms(4)), 6);
        assert_eq!(Time::from_ms(4).since(t), 0);
        assert_eq!(Time::from_ms(u64::MAX).plus(1).as_ms(), u64::MAX);
    }
}
