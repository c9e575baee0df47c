//! Our sent sequenced messages, kept to answer retransmission requests
//! (`MAXMSGHIST`, §4.5).

use std::collections::VecDeque;

use hb_proto::Message;

use crate::rexmit::MAX_RESEND_PER_REQUEST;
use crate::time::Time;

/// Messages kept (`MAXMSGHIST`).
pub(crate) const MAX_HISTORY: usize = 500;

#[derive(Debug, Clone)]
struct Entry {
    seq: u64,
    msg: Message,
    /// Last retransmission (the original send does not count, as in the
    /// legacy, so the first request is always answered).
    last_resent: Option<Time>,
}

/// The answer to one requested seq.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    Resend(Message),
    /// Not available; the reason goes into the NAK's `info`.
    Nak {
        seq: u64,
        info: &'static str,
    },
    /// Never sent yet: the legacy only logs this.
    TooHigh {
        seq: u64,
        max: u64,
    },
}

#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    entries: VecDeque<Entry>,
}

impl History {
    pub(crate) fn record(&mut self, seq: u64, msg: Message) {
        if self.entries.len() == MAX_HISTORY {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            seq,
            msg,
            last_resent: None,
        });
    }

    /// Answers a request for `first..=last`. A packet resent less than
    /// `min_interval` ms ago is not sent again (requests from several
    /// nodes or media for the same loss arrive together).
    pub(crate) fn answer(
        &mut self,
        first: u64,
        last: u64,
        now: Time,
        min_interval: u64,
    ) -> Vec<Answer> {
        let (Some(oldest), Some(newest)) = (
            self.entries.front().map(|e| e.seq),
            self.entries.back().map(|e| e.seq),
        ) else {
            return Vec::new();
        };
        let last = last.min(first.saturating_add(MAX_RESEND_PER_REQUEST - 1));
        let mut answers = Vec::new();
        for seq in first..=last {
            if seq > newest {
                answers.push(Answer::TooHigh { seq, max: newest });
                break;
            }
            if seq < oldest {
                answers.push(Answer::Nak {
                    seq,
                    info: "seqno too low",
                });
                continue;
            }
            match self.entries.iter_mut().find(|e| e.seq == seq) {
                Some(e) => {
                    if e.last_resent.is_none_or(|t| now.since(t) >= min_interval) {
                        e.last_resent = Some(now);
                        answers.push(Answer::Resend(e.msg.clone()));
                    }
                }
                None => answers.push(Answer::Nak {
                    seq,
                    info: "seqno not found",
                }),
            }
        }
        answers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: u64) -> Message {
        let mut m = Message::new();
        m.push_str("seq", hb_proto::format_hex(seq));
        m
    }

    #[test]
    fn resends_naks_and_paces() {
        let mut h = History::default();
        for s in 1..=(MAX_HISTORY as u64 + 10) {
            h.record(s, msg(s));
        }
        let t = Time::from_ms(1000);
        let a = h.answer(5, 5, t, 240);
        assert_eq!(
            a,
            [Answer::Nak {
                seq: 5,
                info: "seqno too low"
            }]
        );
        let a = h.answer(300, 300, t, 240);
        assert_eq!(a, [Answer::Resend(msg(300))]);
        assert!(h.answer(300, 300, t.plus(100), 240).is_empty());
        assert_eq!(h.answer(300, 300, t.plus(240), 240).len(), 1);
        let a = h.answer(509, 520, t, 240);
        assert_eq!(a.len(), 3);
        assert_eq!(a[2], Answer::TooHigh { seq: 511, max: 510 });
        assert_eq!(h.answer(100, 400, t, 240).len(), 50);
    }
}
