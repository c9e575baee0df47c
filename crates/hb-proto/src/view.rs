//! A checked, zero-copy view of a netstring packet: framing and trailer
//! located once, fields readable as byte slices, nothing allocated. A
//! receiver can authenticate with it and drop a forged packet before
//! building a `Message`.

use crate::error::DecodeError;
use crate::netstring::{self, END, START};
use crate::MAXMSG;

/// A netstring packet whose top-level framing and trailer were checked.
/// Field values are not interpreted (nested messages, lists and 0x13 are
/// `decode`'s job), so `new_checked` succeeding does not imply `decode`
/// will.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    signed_len: usize,
    trailer: (usize, usize),
}

/// One top-level field as it lies in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawField<'a> {
    /// The type digit as sent, `b'0'`..=`b'9'`.
    pub type_digit: u8,
    pub name: &'a [u8],
    pub value: &'a [u8],
}

impl<T: AsRef<[u8]>> Packet<T> {
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let buf = buffer.as_ref();
        if buf.len() >= MAXMSG {
            return Err(DecodeError::TooBig {
                len: buf.len(),
                max: MAXMSG - 1,
            });
        }
        if !buf.starts_with(START) {
            return Err(if START.starts_with(buf) {
                DecodeError::Truncated { at: buf.len() }
            } else {
                DecodeError::UnknownFormat
            });
        }
        let mut p = START.len();
        loop {
            let rest = buf.get(p..).unwrap_or_default();
            if rest.starts_with(END) {
                p += END.len();
                break;
            }
            if rest.len() < END.len() && END.starts_with(rest) {
                return Err(DecodeError::Truncated { at: buf.len() });
            }
            let field = netstring::peel(buf, p)?;
            let body = buf.get(field.start..field.end).unwrap_or_default();
            split_field(body, field.start)?;
            p = field.next;
        }
        if p >= buf.len() {
            return Err(DecodeError::MissingTrailer { at: p });
        }
        let trailer = match netstring::peel(buf, p) {
            Ok(t) => t,
            Err(DecodeError::BadLength { .. }) => {
                return Err(DecodeError::MissingTrailer { at: p })
            }
            Err(e) => return Err(e),
        };
        Ok(Self {
            signed_len: p,
            trailer: (trailer.start, trailer.end),
            buffer,
        })
    }

    /// The bytes the trailer signs, `###\n` through `%%%\n`.
    pub fn signed(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(..self.signed_len)
            .unwrap_or_default()
    }

    /// The trailer's payload, `N HEX`.
    pub fn trailer(&self) -> &[u8] {
        let (start, end) = self.trailer;
        self.buffer.as_ref().get(start..end).unwrap_or_default()
    }

    /// Top-level fields in order.
    pub fn fields(&self) -> RawFields<'_> {
        RawFields {
            buf: self.signed(),
            pos: START.len(),
        }
    }

    /// First top-level field with this name.
    pub fn field(&self, name: &[u8]) -> Option<RawField<'_>> {
        self.fields().find(|f| f.name == name)
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// `(type digit, name, value)` of a field body `(T)name=value`.
fn split_field(body: &[u8], at: usize) -> Result<RawField<'_>, DecodeError> {
    let (type_digit, rest) = match body {
        [b'(', d, b')', rest @ ..] if d.is_ascii_digit() => (*d, rest),
        _ => return Err(DecodeError::BadFieldType { at }),
    };
    let eq = rest
        .iter()
        .position(|b| *b == b'=')
        .ok_or(DecodeError::MissingEquals { at })?;
    let (name, value) = rest.split_at(eq);
    Ok(RawField {
        type_digit,
        name,
        value: value.get(1..).unwrap_or_default(),
    })
}

/// Iterator over the top-level fields of a checked `Packet`.
#[derive(Debug, Clone)]
pub struct RawFields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for RawFields<'a> {
    type Item = RawField<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.get(self.pos..)?.starts_with(END) {
            return None;
        }
        // `new_checked` validated every field, so these cannot fail; an
        // error simply ends the iteration.
        let field = netstring::peel(self.buf, self.pos).ok()?;
        self.pos = field.next;
        split_field(self.buf.get(field.start..field.end)?, field.start).ok()
    }
}
