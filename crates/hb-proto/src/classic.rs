//! The classic ("nvpair") text serialisation, `>>>\n name=value\n … <<<\n`,
//! and the body `auth` digest input, which is this form without the
//! markers and without `auth` fields.
//!
//! 3.0.6 nodes no longer send it, but they accept it, and its rules are
//! needed anyway: the body `auth` field every 3.0.6 packet carries is a
//! digest over this text, and the legacy reads netstring string fields
//! whose name starts with `(` through the same routine.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{DecodeError, EncodeError};
use crate::message::{Decoding, FieldType, Message, Value};
use crate::values::{self, check_field, list_pack, SPECIAL_SYM};
use crate::{Decoded, Format, MAXDEPTH, MAXMSG};

pub(crate) const START: &[u8] = b">>>\n";
pub(crate) const END: &[u8] = b"<<<\n";

/// Byte replacing `\n` in the text of a nested message whose parent is at
/// `depth` (`SPECIAL_SYMS` in the legacy): 0x14..=0x1F, then 0x0F..=0x12.
const NESTED_SYMS: [u8; MAXDEPTH] = [
    0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x0f, 0x10, 0x11, 0x12,
];

/// Depth of a message, counted two ways: `sym` picks the newline symbol
/// of its struct fields, `nesting` counts every enclosing message for the
/// `MAXDEPTH` limit. They differ only for classic text inside a netstring
/// packet, where the legacy restarts the symbols at depth 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Depth {
    pub(crate) sym: usize,
    pub(crate) nesting: usize,
}

impl Depth {
    fn child(self) -> Self {
        Self {
            sym: self.sym + 1,
            nesting: self.nesting + 1,
        }
    }
}

/// Parses a classic message at the start of `text` (which holds bytes of
/// the packet from offset `base` on). Returns the message and how many
/// bytes it used.
fn parse_message(text: &[u8], base: usize, depth: Depth) -> Result<(Message, usize), DecodeError> {
    if !text.starts_with(START) {
        return Err(DecodeError::BadStruct { at: base });
    }
    let mut msg = Decoding::default();
    let mut p = START.len();
    loop {
        // The legacy parses a C string, and its receivers put a NUL after
        // every datagram: so a NUL, or the end of the bytes, where a line
        // would start ends the message. Only there: after blank lines it
        // is a line without `=`.
        if matches!(text.get(p), None | Some(0)) {
            return Ok((msg.finish(), p));
        }
        while text.get(p) == Some(&b'\n') {
            p += 1;
        }
        let rest = text.get(p..).unwrap_or_default();
        if rest.starts_with(END) {
            return Ok((msg.finish(), p + END.len()));
        }
        let line_at = base + p;
        let eq = match rest.iter().position(|b| matches!(b, b'=' | b'\n' | 0)) {
            Some(i) if rest.get(i) == Some(&b'=') && i > 0 => i,
            _ => return Err(DecodeError::MissingEquals { at: line_at }),
        };
        let value = rest.get(eq + 1..).unwrap_or_default();
        let vlen = value
            .iter()
            .position(|b| matches!(b, b'\n' | 0))
            .unwrap_or(value.len());
        let name = rest.get(..eq).unwrap_or_default();
        let value = value.get(..vlen).unwrap_or_default();
        let value_at = line_at + eq + 1;
        let (name, value) = interpret_field(name, value, depth, line_at, value_at)?;
        msg.push(name, value, line_at)?;
        p += eq + 1 + vlen;
    }
}

/// One `[(T)]name=text` pair as the legacy's `add_string_field` reads it,
/// for a message at `depth`. A `(0)` prefix is refused (strings carry no
/// prefix), and so are 5..9, which have no text form.
pub(crate) fn interpret_field(
    name: &[u8],
    text: &[u8],
    depth: Depth,
    at: usize,
    value_at: usize,
) -> Result<(Vec<u8>, Value), DecodeError> {
    let (ftype, name) = match name {
        [b'(', d, b')', rest @ ..] => match FieldType::from_digit(*d) {
            Some(FieldType::String) | None => return Err(DecodeError::BadFieldType { at }),
            Some(t) => (t, rest),
        },
        [b'(', ..] => return Err(DecodeError::BadFieldType { at }),
        _ => (FieldType::String, name),
    };
    // `>>>\n` names are refused by the legacy only before the prefix is
    // stripped; refusing them after too keeps every decoded name encodable.
    if name.is_empty() || name.starts_with(START) {
        return Err(DecodeError::BadName { at });
    }
    let value = match ftype {
        FieldType::String => Value::String(values::string_from_wire(text)),
        FieldType::Binary => Value::Binary(base64(text, value_at)?),
        FieldType::Compressed => Value::Compressed(base64(text, value_at)?),
        FieldType::List => {
            Value::List(values::list_unpack(text).ok_or(DecodeError::BadList { at: value_at })?)
        }
        FieldType::Struct => {
            let sym = NESTED_SYMS
                .get(depth.sym)
                .copied()
                .filter(|_| depth.nesting < MAXDEPTH)
                .ok_or(DecodeError::TooDeep { at: value_at })?;
            // The legacy's conversion stops at a NUL, like its parser.
            let mut child = text.to_vec();
            for b in child.iter_mut().take_while(|b| **b != 0) {
                if *b == sym {
                    *b = b'\n';
                }
            }
            // Bytes after the child's `<<<\n` are ignored, as in the legacy.
            let (msg, _) = parse_message(&child, value_at, depth.child())?;
            Value::Struct(msg)
        }
    };
    Ok((name.to_vec(), value))
}

fn base64(text: &[u8], at: usize) -> Result<Vec<u8>, DecodeError> {
    STANDARD
        .decode(text)
        .map_err(|_| DecodeError::BadBase64 { at })
}

/// Decodes a classic packet. It carries no trailer; its authenticity is
/// the body `auth` field (see `AuthKeys::verify_body`).
pub(crate) fn decode(buf: &[u8]) -> Result<Decoded, DecodeError> {
    let (message, len) = parse_message(buf, 0, Depth { sym: 0, nesting: 0 })?;
    Ok(Decoded {
        message,
        format: Format::Classic,
        len,
    })
}

/// What the text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A packet: it must parse back to the same message.
    Packet,
    /// The body digest input of the top-level message: written exactly as
    /// the legacy's serialiser would, newlines in names and list elements
    /// included (it writes them raw; it is only ever hashed).
    Digest,
}

/// Appends `[(T)]name=text\n` for every field of `msg` (skipping `auth`
/// fields of a digest input), as the message at `depth`.
fn write_fields(
    msg: &Message,
    depth: usize,
    purpose: Purpose,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    for f in msg {
        if purpose == Purpose::Digest && f.name == b"auth" {
            continue;
        }
        check_field(f)?;
        if purpose == Purpose::Packet && f.name.contains(&b'\n') {
            return Err(values::name_error(&f.name));
        }
        if !matches!(f.value, Value::String(_)) {
            out.extend_from_slice(&[b'(', f.value.field_type().digit(), b')']);
        }
        out.extend_from_slice(&f.name);
        out.push(b'=');
        match &f.value {
            Value::String(s) => {
                if s.contains(&0) {
                    return Err(values::string_error(&f.name));
                }
                out.extend(s.iter().map(|b| if *b == b'\n' { SPECIAL_SYM } else { *b }));
            }
            Value::Binary(b) | Value::Compressed(b) => {
                out.extend_from_slice(STANDARD.encode(b).as_bytes())
            }
            // The legacy packs lists unescaped, so a newline in an element
            // would end the line early.
            Value::List(items)
                if purpose == Purpose::Packet && items.iter().any(|e| e.contains(&b'\n')) =>
            {
                return Err(EncodeError::BadList {
                    name: String::from_utf8_lossy(&f.name).into_owned(),
                })
            }
            Value::List(items) => list_pack(items, out),
            Value::Struct(child) => {
                let sym = *NESTED_SYMS.get(depth).ok_or(EncodeError::TooDeep)?;
                let mut text = START.to_vec();
                // Nested messages keep their `auth` fields, even in a digest.
                write_fields(child, depth + 1, Purpose::Packet, &mut text)?;
                text.extend_from_slice(END);
                if text.contains(&sym) {
                    return Err(values::nested_error(&f.name));
                }
                out.extend(text.iter().map(|b| if *b == b'\n' { sym } else { *b }));
            }
        }
        out.push(b'\n');
    }
    Ok(())
}

/// The classic form `>>>\n…<<<\n`. The legacy sent one more byte, a NUL;
/// receivers accept it with or without.
pub fn encode(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    let mut out = START.to_vec();
    write_fields(msg, 0, Purpose::Packet, &mut out)?;
    out.extend_from_slice(END);
    // With the NUL the legacy would add, it must fit the receive buffer.
    if out.len() + 1 >= MAXMSG {
        return Err(EncodeError::TooBig {
            len: out.len() + 1,
            max: MAXMSG - 1,
        });
    }
    Ok(out)
}

/// The bytes the body `auth` field signs: every field except those named
/// `auth`, in order, in classic form, without `>>>`/`<<<` lines.
pub fn digest_input(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    write_fields(msg, 0, Purpose::Digest, &mut out)?;
    Ok(out)
}
