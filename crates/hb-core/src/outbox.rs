//! Our side of sequencing: stamping outgoing messages with `src`,
//! `srcuuid`, `seq` and `hg` (the part of `add_control_msg_fields` that
//! needs no clock), and remembering them for retransmission.

use hb_proto::{format_dec, format_hex, names, Message, Value};

use crate::history::{Answer, History};
use crate::messages::types;
use crate::time::Time;

#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    src: String,
    uuid: Option<[u8; 16]>,
    generation: u64,
    /// The seq the next sequenced message gets (starts at 1 each run).
    next_seq: u64,
    history: History,
}

// In place or appended, never failing: our own builders only use strings
// for these names, so a type clash is impossible; replacing covers it anyway.
fn put(msg: &mut Message, name: &str, value: Value) {
    if msg.set(name, value.clone()).is_err() {
        msg.remove(name);
        msg.push(name, value);
    }
}

pub(crate) fn is_unsequenced(msg: &Message) -> bool {
    msg.get_bytes(names::TYPE)
        .is_some_and(|t| t.starts_with(types::NOSEQ_PREFIX.as_bytes()))
}

impl Outbox {
    pub(crate) fn new(src: &str, uuid: Option<[u8; 16]>, generation: u64) -> Self {
        Outbox {
            src: src.to_string(),
            uuid,
            generation,
            next_seq: 1,
            history: History::default(),
        }
    }

    /// Adds the control fields in the legacy's order and records sequenced
    /// messages for retransmission.
    pub(crate) fn stamp(&mut self, mut msg: Message) -> Message {
        put(&mut msg, names::SRC, Value::string(self.src.clone()));
        if let Some(uuid) = self.uuid {
            put(&mut msg, names::SRCUUID, Value::Binary(uuid.to_vec()));
        }
        let seq = if is_unsequenced(&msg) {
            None
        } else {
            let seq = self.next_seq;
            self.next_seq += 1;
            put(&mut msg, names::SEQ, Value::string(format_hex(seq)));
            Some(seq)
        };
        put(
            &mut msg,
            names::GENERATION,
            Value::string(format_hex(self.generation)),
        );
        if let Some(seq) = seq {
            self.history.record(seq, msg.clone());
        }
        msg
    }

    pub(crate) fn answer(
        &mut self,
        first: u64,
        last: u64,
        now: Time,
        min_interval: u64,
    ) -> Vec<Answer> {
        self.history.answer(first, last, now, min_interval)
    }
}

/// Completes a message from [`crate::Action::Send`] for the wire with the
/// fields that need the driver's knowledge: `ts` (Unix seconds, must be
/// non-zero for receivers to accept it), `ld` (`/proc/loadavg`; omitted on
/// `NS_*` messages as the legacy does) and `ttl` (`hopfudge` + number of
/// nodes). Fields already present keep their place, so a retransmitted
/// message is completed the same way.
pub fn complete_for_wire(msg: &mut Message, unix_time: u64, load: &[u8], ttl: u32) {
    put(msg, names::TIMESTAMP, Value::string(format_hex(unix_time)));
    if !is_unsequenced(msg) {
        put(msg, names::LOAD, Value::String(load.to_vec()));
    }
    put(msg, names::TTL, Value::string(format_dec(ttl.into())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::build;

    fn field_names(m: &Message) -> Vec<String> {
        m.iter()
            .map(|f| String::from_utf8_lossy(&f.name).into_owned())
            .collect()
    }

    #[test]
    fn stamps_in_legacy_order_and_skips_seq_for_ns() {
        let mut o = Outbox::new("nodea", Some([7; 16]), 0x6b06);
        let mut s = o.stamp(build("status", &[("st", "up")]));
        assert_eq!(field_names(&s), ["t", "st", "src", "srcuuid", "seq", "hg"]);
        assert_eq!(s.get_str("seq"), Some("1"));
        assert_eq!(s.get_str("hg"), Some("6b06"));
        complete_for_wire(&mut s, 0x65f1_c2a0, b"0.00 0.01 0.05 1/123 4567", 3);
        assert_eq!(
            field_names(&s),
            ["t", "st", "src", "srcuuid", "seq", "hg", "ts", "ld", "ttl"]
        );
        let mut ack = o.stamp(build("NS_ackmsg", &[("dest", "nodeb")]));
        complete_for_wire(&mut ack, 1, b"x", 3);
        assert_eq!(
            field_names(&ack),
            ["t", "dest", "src", "srcuuid", "hg", "ts", "ttl"]
        );
        assert_eq!(o.stamp(build("resource", &[])).get_str("seq"), Some("2"));
        match o.answer(1, 1, Time::ZERO, 240).as_slice() {
            [Answer::Resend(m)] => assert_eq!(m.get_str("st"), Some("up")),
            other => panic!("{other:?}"),
        }
    }
}
