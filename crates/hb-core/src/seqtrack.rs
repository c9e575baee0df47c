//! Per-peer sequence and generation tracking: replay, duplicate, gap and
//! restart detection for sequenced packets (§4.4, `should_drop_message`),
//! and the list of missing sequence numbers with their request timers.

use std::collections::BTreeMap;

use crate::time::Time;

/// A gap larger than this restarts tracking instead of asking for each
/// packet (`FLOWCONTROL_LIMIT` = `MAXMSGHIST / 2`).
pub(crate) const FLOWCONTROL_LIMIT: u64 = 250;

/// At most this many missing packets are remembered; older ones are given
/// up first (the legacy likewise overwrites its lowest entry).
const MAX_MISSING: usize = FLOWCONTROL_LIMIT as usize;

/// Request state of one missing packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub due: Time,
    pub attempts: u32,
}

/// What the peer state says about the packet being checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub is_status: bool,
    pub peer_dead: bool,
    /// `seq` of the last status accepted from the peer (0: none).
    pub status_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Generation went backwards: a replay or a peer that lost its
    /// generation file. Dropped.
    Replay {
        gen: u64,
        current: u64,
    },
    /// An old status from a peer we declared dead. Dropped.
    Stale,
    /// Already seen (or too old to matter). Not delivered.
    Duplicate,
    Accept(Accepted),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// The peer restarted: its previous generation (0 if never known).
    pub restart_from: Option<u64>,
    /// The peer was dead and speaks again without restarting.
    pub healed: bool,
    pub order: Order,
    /// Missing packets forgotten to keep the list bounded.
    pub abandoned: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Order {
    /// The next packet (or the first since tracking started).
    Next,
    /// Newer than expected: `previous+1 ..= seq-1` are now missing.
    Gap { previous: u64, lost: u64 },
    /// One of the missing packets.
    FilledGap,
    /// So many were lost that tracking restarted at this packet.
    Reset { previous: u64, lost: u64 },
    /// Older than expected but the first of a restart or healed partition.
    NewStart,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SeqTrack {
    generation: u64,
    last_seq: Option<u64>,
    missing: BTreeMap<u64, Pending>,
}

impl SeqTrack {
    /// The peer's generation as far as its status messages told us.
    pub(crate) fn current_generation(&self) -> u64 {
        self.generation
    }

    pub(crate) fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    pub(crate) fn has_missing(&self) -> bool {
        !self.missing.is_empty()
    }

    /// Forgets the sequence position and the gaps, keeping the generation
    /// (which is never lowered).
    pub(crate) fn reset(&mut self) {
        self.last_seq = None;
        self.missing.clear();
    }

    /// Classifies a sequenced packet and updates the state. `first_due`
    /// gives the time of the first retransmission request for a newly
    /// missing seq.
    pub(crate) fn check(
        &mut self,
        seq: u64,
        gen: u64,
        ctx: Context,
        first_due: impl Fn(u64) -> Time,
    ) -> Verdict {
        if gen < self.generation {
            return Verdict::Replay {
                gen,
                current: self.generation,
            };
        }
        let mut restart_from = None;
        let mut healed = false;
        if ctx.is_status {
            if gen == self.generation && gen > 0 && ctx.peer_dead {
                if seq <= ctx.status_seq {
                    return Verdict::Stale;
                }
                healed = true;
            } else if gen > self.generation {
                restart_from = Some(self.generation);
                // Generation 0 means we never saw a status: the packets we
                // did see belong to this run, so keep their gaps.
                if self.generation > 0 {
                    self.reset();
                }
            }
            self.generation = gen;
        }
        let accept = |order, abandoned| {
            Verdict::Accept(Accepted {
                restart_from,
                healed,
                order,
                abandoned,
            })
        };
        let Some(last) = self.last_seq else {
            self.last_seq = Some(seq);
            return accept(Order::Next, Vec::new());
        };
        if seq == last.saturating_add(1) {
            self.last_seq = Some(seq);
            return accept(Order::Next, Vec::new());
        }
        if seq == last {
            return Verdict::Duplicate;
        }
        if seq > last {
            let lost = seq - last - 1;
            self.last_seq = Some(seq);
            if lost > FLOWCONTROL_LIMIT {
                self.missing.clear();
                return accept(
                    Order::Reset {
                        previous: last,
                        lost,
                    },
                    Vec::new(),
                );
            }
            for s in last + 1..seq {
                self.missing.insert(
                    s,
                    Pending {
                        due: first_due(s),
                        attempts: 0,
                    },
                );
            }
            let mut abandoned = Vec::new();
            while self.missing.len() > MAX_MISSING {
                if let Some((s, _)) = self.missing.pop_first() {
                    abandoned.push(s);
                }
            }
            return accept(
                Order::Gap {
                    previous: last,
                    lost,
                },
                abandoned,
            );
        }
        if self.missing.remove(&seq).is_some() {
            return accept(Order::FilledGap, Vec::new());
        }
        if healed || restart_from.is_some() {
            self.reset();
            self.last_seq = Some(seq);
            return accept(Order::NewStart, Vec::new());
        }
        Verdict::Duplicate
    }

    pub(crate) fn is_missing(&self, seq: u64) -> bool {
        self.missing.contains_key(&seq)
    }

    /// Stops waiting for `seq` (NAKed or given up). Returns whether it was
    /// missing.
    pub(crate) fn abandon(&mut self, seq: u64) -> bool {
        self.missing.remove(&seq).is_some()
    }

    /// Missing packets whose request is due: returns those to ask for now
    /// (re-armed `interval` later) and those asked for `max_attempts`
    /// times already, which are forgotten.
    pub(crate) fn due_requests(
        &mut self,
        now: Time,
        interval: u64,
        max_attempts: u32,
    ) -> (Vec<u64>, Vec<u64>) {
        let mut ask = Vec::new();
        let mut give_up = Vec::new();
        for (&seq, p) in self.missing.iter_mut() {
            if p.due > now {
                continue;
            }
            if p.attempts >= max_attempts {
                give_up.push(seq);
            } else {
                p.attempts += 1;
                p.due = now.plus(interval);
                ask.push(seq);
            }
        }
        for s in &give_up {
            self.missing.remove(s);
        }
        (ask, give_up)
    }

    pub(crate) fn next_request(&self) -> Option<Time> {
        self.missing.values().map(|p| p.due).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(is_status: bool) -> Context {
        Context {
            is_status,
            peer_dead: false,
            status_seq: 0,
        }
    }

    fn due(_: u64) -> Time {
        Time::from_ms(100)
    }

    fn order(v: Verdict) -> Order {
        match v {
            Verdict::Accept(a) => a.order,
            other => panic!("not accepted: {other:?}"),
        }
    }

    #[test]
    fn in_order_duplicate_and_gap() {
        let mut t = SeqTrack::default();
        assert_eq!(order(t.check(1, 5, ctx(true), due)), Order::Next);
        assert_eq!(order(t.check(2, 5, ctx(false), due)), Order::Next);
        assert_eq!(t.check(2, 5, ctx(false), due), Verdict::Duplicate);
        assert_eq!(
            order(t.check(5, 5, ctx(true), due)),
            Order::Gap {
                previous: 2,
                lost: 2
            }
        );
        assert!(t.has_missing());
        assert_eq!(order(t.check(4, 5, ctx(false), due)), Order::FilledGap);
        assert_eq!(t.check(4, 5, ctx(false), due), Verdict::Duplicate);
        assert_eq!(t.check(1, 5, ctx(false), due), Verdict::Duplicate);
        assert!(t.abandon(3));
        assert!(!t.has_missing());
    }

    #[test]
    fn replay_and_restart() {
        let mut t = SeqTrack::default();
        order(t.check(40, 7, ctx(true), due));
        assert_eq!(
            t.check(41, 6, ctx(true), due),
            Verdict::Replay { gen: 6, current: 7 }
        );
        // A non-status packet of a new generation is not a restart: it is
        // judged against the old numbering and dropped as old.
        assert_eq!(t.check(1, 8, ctx(false), due), Verdict::Duplicate);
        match t.check(1, 8, ctx(true), due) {
            Verdict::Accept(a) => {
                assert_eq!(a.restart_from, Some(7));
                assert_eq!(a.order, Order::Next);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t.current_generation(), 8);
    }

    #[test]
    fn first_status_after_other_packets_keeps_gaps() {
        let mut t = SeqTrack::default();
        order(t.check(3, 9, ctx(false), due));
        order(t.check(5, 9, ctx(false), due));
        match t.check(7, 9, ctx(true), due) {
            Verdict::Accept(a) => {
                assert_eq!(a.restart_from, Some(0));
                assert_eq!(
                    a.order,
                    Order::Gap {
                        previous: 5,
                        lost: 1
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(t.is_missing(4) && t.is_missing(6));
    }

    #[test]
    fn healed_partition_needs_newer_status() {
        let mut t = SeqTrack::default();
        order(t.check(10, 3, ctx(true), due));
        t.reset(); // peer declared dead
        let dead = Context {
            is_status: true,
            peer_dead: true,
            status_seq: 10,
        };
        assert_eq!(t.check(9, 3, dead, due), Verdict::Stale);
        match t.check(30, 3, dead, due) {
            Verdict::Accept(a) => assert!(a.healed && a.restart_from.is_none()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn huge_gap_resets_and_requests_are_paced() {
        let mut t = SeqTrack::default();
        order(t.check(1, 1, ctx(true), due));
        assert_eq!(
            order(t.check(1000, 1, ctx(true), due)),
            Order::Reset {
                previous: 1,
                lost: 998
            }
        );
        assert!(!t.has_missing());
        order(t.check(1003, 1, ctx(true), due));
        assert_eq!(t.next_request(), Some(Time::from_ms(100)));
        let (ask, gave_up) = t.due_requests(Time::from_ms(99), 250, 2);
        assert!(ask.is_empty() && gave_up.is_empty());
        assert_eq!(
            t.due_requests(Time::from_ms(100), 250, 2),
            (vec![1001, 1002], vec![])
        );
        assert_eq!(t.next_request(), Some(Time::from_ms(350)));
        t.due_requests(Time::from_ms(350), 250, 2);
        assert_eq!(
            t.due_requests(Time::from_ms(600), 250, 2),
            (vec![], vec![1001, 1002])
        );
        assert_eq!(t.next_request(), None);
    }
}
