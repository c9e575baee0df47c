//! # hb-proto
//!
//! The heartbeat 3.0.6 cluster wire format and message authentication, as
//! pure sans-IO code: bytes in, typed messages out, and back.
//!
//! Responsible for: decoding both serialisations a 3.0.6 node accepts
//! (netstring `###\n…%%%\n` with its `LEN:N HEX,` trailer, and classic
//! `>>>\n…<<<\n` text); encoding the exact bytes a 3.0.6 node sends
//! (netstring, signed); the classic digest input behind the body `auth`
//! field; the sha1/md5/crc methods with the legacy's output format and
//! choice of key; the `MAXMSG`/`MAXDEPTH` limits; typed views of the
//! common control fields and of status messages. No input makes it panic.
//!
//! Not responsible for: sockets, media, timers or the clock (callers pass
//! `ts` and everything else in); sequence/generation tracking, replay
//! checks, retransmission, membership or resources (the protocol core
//! above this crate); reading authkeys files (`ha-config`); decompressing
//! `_compressed_payload` packets or FT_COMPRESS fields (kept as opaque
//! bytes: 3.0.6 only compresses Pacemaker-sized messages).
//!
//! Receive path: [`Packet::new_checked`] (framing, no allocation),
//! [`AuthKeys::verify_packet`] (drop forgeries before decoding), then
//! [`decode`]. Send path: build a [`Message`] (or a [`StatusMsg`]), add the
//! body `auth` field with [`Auth::add_body_auth`] as a default-configured
//! 3.0.6 node does, then [`encode_netstring`].
//!
//! ```
//! use hb_proto::{decode, encode_netstring, Auth, AuthKeys, Message, Method, Packet};
//!
//! let auth = Auth::new(1, Method::Sha1, "testsecret").unwrap();
//! let mut msg = Message::new();
//! msg.push_str("t", "NS_ackmsg");
//! msg.set_hex("ackseq", 0x1f).unwrap();
//! auth.add_body_auth(&mut msg).unwrap();
//! let wire = encode_netstring(&msg, &auth).unwrap();
//!
//! let keys = AuthKeys::new(auth);
//! keys.verify_packet(&Packet::new_checked(&wire[..]).unwrap()).unwrap();
//! let received = decode(&wire).unwrap().message;
//! assert_eq!(received.get_hex("ackseq"), Some(0x1f));
//! keys.verify_body(&received).unwrap();
//! ```

mod auth;
mod classic;
mod crc;
mod error;
mod message;
mod netstring;
mod numbers;
mod status;
mod values;
mod view;

pub use auth::{parse_auth_string, Auth, AuthKeys, KeyError, Method, MAXAUTH};
pub use crc::{crc32_posix, crc_hex};
pub use error::{AuthError, DecodeError, EncodeError, ReprError, TypeMismatch};
pub use message::{Field, FieldType, Message, Value};
pub use numbers::{format_dec, format_hex, parse_dec, parse_hex};
pub use status::{names, Common, StatusMsg, T_STATUS};
pub use view::{Packet, RawField, RawFields};

/// Largest message buffer (`MAXMSG`, 256 KiB). A receiver reads at most
/// `MAXMSG - 1` bytes per datagram, so that is the largest packet.
pub const MAXMSG: usize = 256 * 1024;

/// Deepest nesting of struct fields (`MAXDEPTH`): a top-level message is at
/// depth 0 and may contain messages down to depth 16, the last level the
/// classic format has a newline symbol for.
pub const MAXDEPTH: usize = 16;

/// Which serialisation a packet used, and for netstring what was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// `>>>\n…<<<\n`; authenticated by its body `auth` field.
    Classic,
    /// `###\n…%%%\n` + trailer.
    Netstring {
        /// The trailer signs `packet[..signed_len]` (`###\n` through `%%%\n`).
        signed_len: usize,
        /// The trailer's payload, e.g. `1 a609…8047`.
        trailer: Vec<u8>,
    },
}

/// A decoded, not yet authenticated, packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub message: Message,
    pub format: Format,
    /// Bytes of the packet used; anything after (a NUL) is ignored.
    pub len: usize,
}

/// Decodes a received datagram in either format, chosen by its first four
/// bytes as the legacy does. Authentication is separate:
/// `AuthKeys::verify(&decoded, packet)`.
pub fn decode(packet: &[u8]) -> Result<Decoded, DecodeError> {
    if packet.len() >= MAXMSG {
        return Err(DecodeError::TooBig {
            len: packet.len(),
            max: MAXMSG - 1,
        });
    }
    if packet.starts_with(netstring::START) {
        netstring::decode(packet)
    } else if packet.starts_with(classic::START) {
        classic::decode(packet)
    } else if netstring::START.starts_with(packet) || classic::START.starts_with(packet) {
        Err(DecodeError::Truncated { at: packet.len() })
    } else {
        Err(DecodeError::UnknownFormat)
    }
}

/// The datagram a 3.0.6 node sends for `msg`: netstring, trailer signed by
/// `auth`. Add the body `auth` field first (`Auth::add_body_auth`) to match
/// a node running the default `msgfmt classic`.
pub fn encode_netstring(msg: &Message, auth: &Auth) -> Result<Vec<u8>, EncodeError> {
    netstring::encode(msg, auth)
}

/// `encode_netstring`, appending to a caller's buffer (reused across sends).
pub fn encode_netstring_to(
    msg: &Message,
    auth: &Auth,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    netstring::encode_to(msg, auth, out)
}

/// The unsigned `###\n…%%%\n` form, as nested in struct fields or carried
/// inside a compressed payload.
pub fn encode_netstring_unsigned(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    netstring::encode_unsigned_to(msg, &mut out)?;
    Ok(out)
}

/// Exact length of `encode_netstring_unsigned(msg)`: the part the trailer
/// signs. The trailer adds 6–47 bytes (crc index 1 … sha1 index 15).
pub fn netstring_body_len(msg: &Message) -> Result<usize, EncodeError> {
    netstring::checked_body_len(msg)
}

/// The classic text form, without the NUL the legacy appended.
pub fn encode_classic(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    classic::encode(msg)
}

/// The bytes the body `auth` field signs: every non-`auth` field in
/// classic form, no `>>>`/`<<<` lines.
pub fn classic_digest_input(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    classic::digest_input(msg)
}
