//! The resource-set words of the nice_failback protocol (`rsc_hold`,
//! `hb_standby`/`hb_takeover` arguments). A set is always relative to the
//! node that names it: its own groups are `local`, the peer's `foreign`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RscSet {
    pub local: bool,
    pub foreign: bool,
}

impl RscSet {
    pub const NONE: RscSet = RscSet {
        local: false,
        foreign: false,
    };
    pub const LOCAL: RscSet = RscSet {
        local: true,
        foreign: false,
    };
    pub const FOREIGN: RscSet = RscSet {
        local: false,
        foreign: true,
    };
    pub const ALL: RscSet = RscSet {
        local: true,
        foreign: true,
    };

    /// The word on the wire: `none`, `local`, `foreign`, `all`.
    pub fn word(self) -> &'static str {
        match (self.local, self.foreign) {
            (false, false) => "none",
            (true, false) => "local",
            (false, true) => "foreign",
            (true, true) => "all",
        }
    }

    /// Reads a wire word. `failback` is what `hb_standby`/`hb_takeover`
    /// accept as a synonym of `foreign`.
    pub fn from_word(word: &[u8]) -> Option<RscSet> {
        match word {
            b"none" => Some(RscSet::NONE),
            b"local" => Some(RscSet::LOCAL),
            b"foreign" | b"failback" => Some(RscSet::FOREIGN),
            b"all" => Some(RscSet::ALL),
            _ => None,
        }
    }

    /// The same groups named by the other node.
    pub fn mirrored(self) -> RscSet {
        RscSet {
            local: self.foreign,
            foreign: self.local,
        }
    }

    pub fn union(self, other: RscSet) -> RscSet {
        RscSet {
            local: self.local || other.local,
            foreign: self.foreign || other.foreign,
        }
    }

    pub fn intersection(self, other: RscSet) -> RscSet {
        RscSet {
            local: self.local && other.local,
            foreign: self.foreign && other.foreign,
        }
    }

    pub fn minus(self, other: RscSet) -> RscSet {
        RscSet {
            local: self.local && !other.local,
            foreign: self.foreign && !other.foreign,
        }
    }

    pub fn is_empty(self) -> bool {
        !self.local && !self.foreign
    }

    /// Whether a group (local or not) belongs to the set.
    pub fn covers(self, local_group: bool) -> bool {
        if local_group {
            self.local
        } else {
            self.foreign
        }
    }
}

impl fmt::Display for RscSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for s in [RscSet::NONE, RscSet::LOCAL, RscSet::FOREIGN, RscSet::ALL] {
            assert_eq!(RscSet::from_word(s.word().as_bytes()), Some(s));
        }
        assert_eq!(RscSet::from_word(b"failback"), Some(RscSet::FOREIGN));
        assert_eq!(RscSet::from_word(b"ALL"), None);
    }

    #[test]
    fn set_algebra() {
        assert_eq!(RscSet::LOCAL.mirrored(), RscSet::FOREIGN);
        assert_eq!(RscSet::ALL.minus(RscSet::LOCAL), RscSet::FOREIGN);
        assert_eq!(RscSet::LOCAL.union(RscSet::FOREIGN), RscSet::ALL);
        assert!(RscSet::LOCAL.intersection(RscSet::FOREIGN).is_empty());
        assert!(RscSet::FOREIGN.covers(false) && !RscSet::FOREIGN.covers(true));
    }
}
