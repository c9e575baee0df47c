//! In-order delivery of a peer's sequenced messages to the resource layer.
//!
//! The legacy delivers a retransmitted packet whenever it arrives, after
//! later ones ("heartbeat doesn't guarantee message ordering", a comment in
//! `go_standby`). For the resource protocol that is dangerous: a stale
//! `resource rsc_hold=local` delivered after the newer `rsc_hold=none`
//! would make us believe the peer still holds groups it gave us. So
//! non-status messages wait here until every earlier sequence number has
//! arrived or been given up. Status messages are never held back (liveness
//! must not wait); they only fill their slot.

use std::collections::BTreeMap;

use hb_proto::Message;

/// More held messages than this means something is badly wrong with the
/// gap bookkeeping; delivering what we have beats growing without bound.
const MAX_HELD: usize = 500;

#[derive(Debug, Clone, Default)]
pub(crate) struct Ordering {
    /// The next sequence number to deliver; `None` until the first packet
    /// after a (re)start of tracking.
    next: Option<u64>,
    /// Arrived early; `None` marks a slot with nothing to deliver (a status,
    /// a packet for another node, or a seq that was given up).
    held: BTreeMap<u64, Option<Message>>,
}

impl Ordering {
    /// A packet accepted in sequence or filling a gap.
    pub(crate) fn accept(&mut self, seq: u64, item: Option<Message>, out: &mut Vec<Message>) {
        let next = *self.next.get_or_insert(seq);
        if seq < next {
            // Already delivered past it (its slot was given up): too late.
            return;
        }
        self.held.insert(seq, item);
        if self.held.len() > MAX_HELD {
            self.flush(out);
            return;
        }
        self.drain(out);
    }

    /// A seq that will never arrive.
    pub(crate) fn skip(&mut self, seq: u64, out: &mut Vec<Message>) {
        if self.next.is_some_and(|n| seq >= n) {
            self.held.entry(seq).or_insert(None);
            self.drain(out);
        }
    }

    /// Skips every slot we wait for that `is_missing` says will not come
    /// (a safety net: a gap forgotten by sequence tracking must not block
    /// delivery forever).
    pub(crate) fn resync(&mut self, is_missing: impl Fn(u64) -> bool, out: &mut Vec<Message>) {
        while let Some(next) = self.next {
            if self.held.is_empty() || is_missing(next) {
                return;
            }
            self.held.entry(next).or_insert(None);
            self.drain(out);
        }
    }

    /// Tracking restarts at `seq`: everything held goes out in order first,
    /// since it was genuinely sent before `seq`.
    pub(crate) fn restart_at(&mut self, seq: u64, item: Option<Message>, out: &mut Vec<Message>) {
        self.flush(out);
        self.accept(seq, item, out);
    }

    /// Delivers everything held, in order, and forgets the position.
    pub(crate) fn flush(&mut self, out: &mut Vec<Message>) {
        out.extend(std::mem::take(&mut self.held).into_values().flatten());
        self.next = None;
    }

    /// Drops everything held (the peer restarted: its old messages no
    /// longer describe it).
    pub(crate) fn discard(&mut self) {
        self.held.clear();
        self.next = None;
    }

    fn drain(&mut self, out: &mut Vec<Message>) {
        while let Some(next) = self.next {
            match self.held.remove(&next) {
                Some(item) => {
                    out.extend(item);
                    self.next = Some(next + 1);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(n: u64) -> Option<Message> {
        let mut msg = Message::new();
        msg.push_str("n", n.to_string());
        Some(msg)
    }

    fn ns(out: &[Message]) -> Vec<String> {
        out.iter()
            .map(|m| m.get_str("n").unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn holds_until_gap_fills_or_is_skipped() {
        let mut o = Ordering::default();
        let mut out = Vec::new();
        o.accept(5, m(5), &mut out);
        o.accept(7, m(7), &mut out);
        o.accept(9, None, &mut out);
        o.accept(10, m(10), &mut out);
        assert_eq!(ns(&out), ["5"]);
        o.accept(6, None, &mut out);
        assert_eq!(ns(&out), ["5", "7"]);
        o.skip(8, &mut out);
        assert_eq!(ns(&out), ["5", "7", "10"]);
        o.accept(8, m(8), &mut out);
        assert_eq!(ns(&out), ["5", "7", "10"], "too late after skip");
    }

    #[test]
    fn resync_skips_forgotten_gaps_only() {
        let mut o = Ordering::default();
        let mut out = Vec::new();
        o.accept(1, m(1), &mut out);
        o.accept(3, m(3), &mut out);
        o.accept(5, m(5), &mut out);
        o.resync(|s| s == 2 || s == 4, &mut out);
        assert_eq!(ns(&out), ["1"]);
        o.resync(|s| s == 4, &mut out);
        assert_eq!(ns(&out), ["1", "3"]);
        o.resync(|_| false, &mut out);
        assert_eq!(ns(&out), ["1", "3", "5"]);
    }

    #[test]
    fn restart_flushes_in_order() {
        let mut o = Ordering::default();
        let mut out = Vec::new();
        o.accept(1, m(1), &mut out);
        o.accept(4, m(4), &mut out);
        o.accept(3, m(3), &mut out);
        o.restart_at(900, m(900), &mut out);
        assert_eq!(ns(&out), ["1", "3", "4", "900"]);
        o.accept(901, m(901), &mut out);
        assert_eq!(ns(&out).last().map(String::as_str), Some("901"));
        o.accept(905, m(905), &mut out);
        o.discard();
        o.accept(2, m(2), &mut out);
        assert_eq!(ns(&out).last().map(String::as_str), Some("2"));
    }
}
