//! Typed views of the fields heartbeat puts on its own messages: the
//! default control fields every message carries (`Common`) and the status
//! heartbeat (`StatusMsg`). Each has `parse` (from a `Message`) and `emit`
//! (into one, in the legacy's field order), so a parsed status re-emits to
//! the same bytes. Other message types are used as plain `Message`s.

use crate::error::ReprError;
use crate::message::{Message, Value};
use crate::numbers::{format_dec, format_hex, parse_dec, parse_hex};

/// Field names (`include/ha_msg.h`).
pub mod names {
    pub const TYPE: &str = "t";
    pub const STATUS: &str = "st";
    pub const DEADTIME: &str = "dt";
    pub const PROTOCOL: &str = "protocol";
    pub const SRC: &str = "src";
    pub const SRCUUID: &str = "srcuuid";
    pub const SEQ: &str = "seq";
    pub const GENERATION: &str = "hg";
    pub const TIMESTAMP: &str = "ts";
    pub const LOAD: &str = "ld";
    pub const TTL: &str = "ttl";
    pub const AUTH: &str = "auth";
    pub const DEST: &str = "dest";
    pub const DESTUUID: &str = "destuuid";
}

/// `t` of a status message.
pub const T_STATUS: &str = "status";

fn string<'m>(msg: &'m Message, field: &'static str) -> Result<Option<&'m [u8]>, ReprError> {
    match msg.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ReprError::Invalid {
            field,
            value: format!("{:?} field", other.field_type()),
        }),
    }
}

fn invalid(field: &'static str, text: &[u8]) -> ReprError {
    ReprError::Invalid {
        field,
        value: String::from_utf8_lossy(text).into_owned(),
    }
}

fn hex(msg: &Message, field: &'static str) -> Result<Option<u64>, ReprError> {
    string(msg, field)?
        .map(|t| parse_hex(t).ok_or_else(|| invalid(field, t)))
        .transpose()
}

fn dec<T: TryFrom<u64>>(msg: &Message, field: &'static str) -> Result<Option<T>, ReprError> {
    string(msg, field)?
        .map(|t| {
            parse_dec(t)
                .and_then(|n| T::try_from(n).ok())
                .ok_or_else(|| invalid(field, t))
        })
        .transpose()
}

// In-place-or-append, like `add_control_msg_fields`. Where the legacy's
// `ha_msg_mod` would fail (a field of another type has the name), the old
// field is dropped and the new one appended, so `emit` cannot fail.
fn put(msg: &mut Message, field: &str, value: Value) {
    if msg.set(field, value.clone()).is_err() {
        msg.remove(field);
        msg.push(field, value);
    }
}

/// The control fields `add_control_msg_fields` appends to every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// Sender node name (lowercase).
    pub src: Vec<u8>,
    /// 16-byte binary uuid; optional for the receiver.
    pub srcuuid: Option<[u8; 16]>,
    /// Hex; absent on `NS_*` messages.
    pub seq: Option<u64>,
    /// Hex generation; a receiver treats a missing one as 0.
    pub hg: Option<u64>,
    /// Hex Unix seconds.
    pub ts: u64,
    /// Load average text, informational; absent on `NS_*` messages.
    pub ld: Option<Vec<u8>>,
    /// Decimal hop count.
    pub ttl: Option<u32>,
}

impl Common {
    pub fn parse(msg: &Message) -> Result<Self, ReprError> {
        let srcuuid = match msg.get(names::SRCUUID) {
            None => None,
            Some(Value::Binary(b)) => {
                Some(<[u8; 16]>::try_from(b.as_slice()).map_err(|_| invalid(names::SRCUUID, b))?)
            }
            Some(_) => return Err(invalid(names::SRCUUID, b"non-binary field")),
        };
        Ok(Self {
            src: string(msg, names::SRC)?
                .ok_or(ReprError::Missing(names::SRC))?
                .to_vec(),
            srcuuid,
            seq: hex(msg, names::SEQ)?,
            hg: hex(msg, names::GENERATION)?,
            ts: hex(msg, names::TIMESTAMP)?.ok_or(ReprError::Missing(names::TIMESTAMP))?,
            ld: string(msg, names::LOAD)?.map(<[u8]>::to_vec),
            ttl: dec(msg, names::TTL)?,
        })
    }

    /// Sets the fields in the legacy's order: src, srcuuid, seq, hg, ts,
    /// ld, ttl. Existing fields keep their position.
    pub fn emit(&self, msg: &mut Message) {
        put(msg, names::SRC, Value::String(self.src.clone()));
        if let Some(uuid) = self.srcuuid {
            put(msg, names::SRCUUID, Value::Binary(uuid.to_vec()));
        }
        if let Some(seq) = self.seq {
            put(msg, names::SEQ, Value::string(format_hex(seq)));
        }
        if let Some(hg) = self.hg {
            put(msg, names::GENERATION, Value::string(format_hex(hg)));
        }
        put(msg, names::TIMESTAMP, Value::string(format_hex(self.ts)));
        if let Some(ld) = &self.ld {
            put(msg, names::LOAD, Value::String(ld.clone()));
        }
        if let Some(ttl) = self.ttl {
            put(msg, names::TTL, Value::string(format_dec(ttl.into())));
        }
    }
}

/// `t=status`: the heartbeat proper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMsg {
    /// Sender's own status: `init`, `up`, `active`, …
    pub st: Vec<u8>,
    /// Sender's deadtime in ms (hex on the wire); the receiver uses it as
    /// the sender's dead timeout.
    pub dt: Option<u64>,
    /// Decimal; `Some(1)` announces ACK flow control.
    pub protocol: Option<u32>,
    pub common: Common,
}

impl StatusMsg {
    pub fn parse(msg: &Message) -> Result<Self, ReprError> {
        let t = string(msg, names::TYPE)?.ok_or(ReprError::Missing(names::TYPE))?;
        if t != T_STATUS.as_bytes() {
            return Err(ReprError::WrongType {
                expected: T_STATUS,
                found: String::from_utf8_lossy(t).into_owned(),
            });
        }
        Ok(Self {
            st: string(msg, names::STATUS)?
                .ok_or(ReprError::Missing(names::STATUS))?
                .to_vec(),
            dt: hex(msg, names::DEADTIME)?,
            protocol: dec(msg, names::PROTOCOL)?,
            common: Common::parse(msg)?,
        })
    }

    /// Builds the message as `send_local_status` + `add_control_msg_fields`
    /// do: t, st, dt, protocol, then the common fields. The body `auth`
    /// field is added separately (`Auth::add_body_auth`) because it depends
    /// on the key and on `msgfmt`.
    pub fn emit(&self) -> Message {
        let mut msg = Message::new();
        msg.push_str(names::TYPE, T_STATUS);
        msg.push_str(names::STATUS, self.st.clone());
        if let Some(dt) = self.dt {
            msg.push_str(names::DEADTIME, format_hex(dt));
        }
        if let Some(p) = self.protocol {
            msg.push_str(names::PROTOCOL, format_dec(p.into()));
        }
        self.common.emit(&mut msg);
        msg
    }
}
