//! The netstring serialisation: `###\n`, one `LEN:(T)name=value,` per
//! field, `%%%\n`, then the `LEN:N HEX,` authentication trailer. This is
//! what every 3.0.6 node sends, whatever its `msgfmt` says.
//!
//! All offsets are absolute in the outermost packet; a nested message is
//! parsed in place with a smaller `limit`, so no copy is made per level.

use crate::auth::Auth;
use crate::classic;
use crate::error::{DecodeError, EncodeError};
use crate::message::{Decoding, FieldType, Message, Value};
use crate::values::{self, check_field, dec_len, list_pack, list_pack_len};
use crate::{Decoded, Format, MAXDEPTH, MAXMSG};

pub(crate) const START: &[u8] = b"###\n";
pub(crate) const END: &[u8] = b"%%%\n";

/// A netstring whose payload is `buf[start..end]`; `next` is the
/// offset after its `,`.
pub(crate) struct Peeled {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) next: usize,
}

/// Reads `LEN ":" data ","` at `pos`. Unlike the legacy, which skips any
/// junk between the digits and `:`, the `:` must follow the digits: no
/// sender writes anything else there.
pub(crate) fn peel(buf: &[u8], pos: usize) -> Result<Peeled, DecodeError> {
    let mut i = pos;
    let mut len: usize = 0;
    while let Some(d) = buf.get(i).filter(|b| b.is_ascii_digit()) {
        len = len
            .checked_mul(10)
            .and_then(|l| l.checked_add(usize::from(d - b'0')))
            .filter(|l| *l < MAXMSG)
            .ok_or(DecodeError::BadLength { at: pos })?;
        i += 1;
    }
    match buf.get(i) {
        None => return Err(DecodeError::Truncated { at: i }),
        Some(b':') if i > pos => {}
        Some(_) => return Err(DecodeError::BadLength { at: pos }),
    }
    let start = i + 1;
    // `len < MAXMSG`, so this cannot overflow.
    let end = start + len;
    match buf.get(end) {
        None => Err(DecodeError::Truncated { at: buf.len() }),
        Some(b',') => Ok(Peeled {
            start,
            end,
            next: end + 1,
        }),
        Some(_) => Err(DecodeError::MissingComma { at: end }),
    }
}

/// Parses one message starting at `pos` (its `###\n`) and ending before
/// `limit`. Returns the message and the offset after its `%%%\n`.
fn parse_message(
    buf: &[u8],
    pos: usize,
    limit: usize,
    depth: usize,
) -> Result<(Message, usize), DecodeError> {
    let buf = buf.get(..limit).unwrap_or(buf);
    let mut p = pos + START.len();
    let mut msg = Decoding::default();
    loop {
        let rest = buf.get(p..).unwrap_or_default();
        if rest.starts_with(END) {
            return Ok((msg.finish(), p + END.len()));
        }
        if rest.len() < END.len() && END.starts_with(rest) {
            return Err(DecodeError::Truncated { at: buf.len() });
        }
        let field = peel(buf, p)?;
        parse_field(buf, &field, depth, &mut msg)?;
        p = field.next;
    }
}

fn parse_field(
    buf: &[u8],
    field: &Peeled,
    depth: usize,
    msg: &mut Decoding,
) -> Result<(), DecodeError> {
    let at = field.start;
    let body = buf.get(field.start..field.end).unwrap_or_default();
    let (open, digit, close) = match body {
        [o, d, c, ..] => (*o, *d, *c),
        _ => return Err(DecodeError::BadFieldType { at }),
    };
    let ftype = FieldType::from_digit(digit)
        .filter(|_| open == b'(' && close == b')')
        .ok_or(DecodeError::BadFieldType { at })?;
    let name_at = at + 3;
    let rest = body.get(3..).unwrap_or_default();
    let eq = rest
        .iter()
        .position(|b| *b == b'=')
        .ok_or(DecodeError::MissingEquals { at })?;
    let name = rest.get(..eq).unwrap_or_default();
    if name.is_empty() || name.contains(&0) || name.starts_with(b">>>\n") {
        return Err(DecodeError::BadName { at: name_at });
    }
    let value_at = name_at + eq + 1;
    let raw = rest.get(eq + 1..).unwrap_or_default();
    let (name, value) = match ftype {
        // The legacy feeds netstring strings through the same routine as
        // classic lines, so a `(` name is read as a type prefix here too.
        FieldType::String if name.starts_with(b"(") => {
            let depth = classic::Depth {
                sym: 0,
                nesting: depth,
            };
            classic::interpret_field(name, raw, depth, name_at, value_at)?
        }
        FieldType::String => (name.to_vec(), Value::String(values::string_from_wire(raw))),
        FieldType::Binary => (name.to_vec(), Value::Binary(raw.to_vec())),
        FieldType::Compressed => (name.to_vec(), Value::Compressed(raw.to_vec())),
        FieldType::List => {
            let items = values::list_unpack(raw).ok_or(DecodeError::BadList { at: value_at })?;
            (name.to_vec(), Value::List(items))
        }
        FieldType::Struct => {
            if depth >= MAXDEPTH {
                return Err(DecodeError::TooDeep { at: value_at });
            }
            if !raw.starts_with(START) {
                return Err(DecodeError::BadStruct { at: value_at });
            }
            // Bytes after the child's `%%%\n` are ignored, as the legacy
            // does (it parses the child without looking for a trailer).
            let (child, _) = parse_message(buf, value_at, field.end, depth + 1)?;
            (name.to_vec(), Value::Struct(child))
        }
    };
    msg.push(name, value, at)
}

/// Decodes a netstring packet and splits off its trailer. Anything after
/// the trailer (e.g. a NUL some senders append) is ignored, like the legacy.
pub(crate) fn decode(buf: &[u8]) -> Result<Decoded, DecodeError> {
    let (message, signed_len) = parse_message(buf, 0, buf.len(), 0)?;
    if signed_len >= buf.len() {
        return Err(DecodeError::MissingTrailer { at: signed_len });
    }
    let trailer = match peel(buf, signed_len) {
        Ok(t) => t,
        Err(DecodeError::BadLength { .. }) => {
            return Err(DecodeError::MissingTrailer { at: signed_len })
        }
        Err(e) => return Err(e),
    };
    Ok(Decoded {
        message,
        format: Format::Netstring {
            signed_len,
            trailer: buf
                .get(trailer.start..trailer.end)
                .unwrap_or_default()
                .to_vec(),
        },
        len: trailer.next,
    })
}

fn value_len(value: &Value) -> usize {
    match value {
        Value::String(b) | Value::Binary(b) | Value::Compressed(b) => b.len(),
        Value::Struct(child) => body_len(child),
        Value::List(items) => list_pack_len(items),
    }
}

fn field_len(name: &[u8], value: &Value) -> usize {
    3 + name.len() + 1 + value_len(value)
}

/// `body_len` after `validate`, whose depth limit bounds the recursion.
pub(crate) fn checked_body_len(msg: &Message) -> Result<usize, EncodeError> {
    validate(msg, 0)?;
    Ok(body_len(msg))
}

/// Exact length of the `###\n`…`%%%\n` part (what the trailer signs).
/// Meaningful only for a message that `validate` accepts.
fn body_len(msg: &Message) -> usize {
    let fields: usize = msg
        .iter()
        .map(|f| {
            let n = field_len(&f.name, &f.value);
            dec_len(n) + 1 + n + 1
        })
        .sum();
    START.len() + fields + END.len()
}

/// Everything that could make a netstring encoding unreadable or read back
/// differently, checked before any byte is written.
fn validate(msg: &Message, depth: usize) -> Result<(), EncodeError> {
    for f in msg {
        check_field(f)?;
        if let Value::Struct(child) = &f.value {
            if depth >= MAXDEPTH {
                return Err(EncodeError::TooDeep);
            }
            validate(child, depth + 1)?;
        }
    }
    Ok(())
}

fn write_body(msg: &Message, out: &mut Vec<u8>) {
    out.extend_from_slice(START);
    for f in msg {
        let n = field_len(&f.name, &f.value);
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b":(");
        out.push(f.value.field_type().digit());
        out.push(b')');
        out.extend_from_slice(&f.name);
        out.push(b'=');
        match &f.value {
            Value::String(b) | Value::Binary(b) | Value::Compressed(b) => out.extend_from_slice(b),
            Value::Struct(child) => write_body(child, out),
            Value::List(items) => list_pack(items, out),
        }
        out.push(b',');
    }
    out.extend_from_slice(END);
}

/// Appends the unsigned `###\n`…`%%%\n` form (a nested message, or the
/// payload of a compressed packet) to `out`.
pub fn encode_unsigned_to(msg: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    validate(msg, 0)?;
    let len = body_len(msg);
    if len >= MAXMSG {
        return Err(EncodeError::TooBig {
            len,
            max: MAXMSG - 1,
        });
    }
    out.reserve(len);
    write_body(msg, out);
    Ok(())
}

/// Appends the datagram a 3.0.6 node would send for `msg`, signed by
/// `auth`, to `out`. Two passes: the exact body length is computed first,
/// so `out` grows once.
pub fn encode_to(msg: &Message, auth: &Auth, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    encode_unsigned_to(msg, out)?;
    let auth_string = auth.auth_string(out.get(start..).unwrap_or_default());
    out.extend_from_slice(auth_string.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(auth_string.as_bytes());
    out.push(b',');
    let len = out.len() - start;
    // The receiver reads at most MAXMSG - 1 bytes; anything longer would
    // arrive without its trailer and be dropped.
    if len >= MAXMSG {
        out.truncate(start);
        return Err(EncodeError::TooBig {
            len,
            max: MAXMSG - 1,
        });
    }
    Ok(())
}

/// `encode_to` into a fresh vector.
pub fn encode(msg: &Message, auth: &Auth) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_to(msg, auth, &mut out)?;
    Ok(out)
}
