//! Value rules shared by both serialisations: the packed string list, the
//! 0x13 newline symbol in strings, and which names survive a round trip.

use crate::error::EncodeError;
use crate::message::{Field, Value};

/// Byte that stands for `\n` inside classic string values. The legacy also
/// applies it to netstring strings on receipt (`add_string_field` runs
/// `string2str` for both formats), so it is not classic-only.
pub(crate) const SPECIAL_SYM: u8 = 0x13;

/// A string value as the legacy stores it after receipt: every 0x13 before
/// the first NUL becomes `\n` (its conversion loop stops at NUL).
pub(crate) fn string_from_wire(raw: &[u8]) -> Vec<u8> {
    let mut out = raw.to_vec();
    for b in out.iter_mut().take_while(|b| **b != 0) {
        if *b == SPECIAL_SYM {
            *b = b'\n';
        }
    }
    out
}

/// Whether the receiver's 0x13 conversion would alter this string.
pub(crate) fn string_has_symbol(s: &[u8]) -> bool {
    s.iter().take_while(|b| **b != 0).any(|b| *b == SPECIAL_SYM)
}

/// Number of decimal digits of `n`.
pub(crate) fn dec_len(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Length of `len ":" elem ","` repeated.
pub(crate) fn list_pack_len(items: &[Vec<u8>]) -> usize {
    items
        .iter()
        .map(|e| dec_len(e.len()) + 1 + e.len() + 1)
        .sum()
}

pub(crate) fn list_pack(items: &[Vec<u8>], out: &mut Vec<u8>) {
    for e in items {
        out.extend_from_slice(e.len().to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(e);
        out.push(b',');
    }
}

/// Inverse of `list_pack`. Stricter than the legacy's `sscanf` loop (which
/// logs and continues on a missing `,`): real peers always write the exact
/// form, and a strict reader keeps decode/encode a bijection. Like the
/// legacy it refuses empty lists and empty elements, and an element ends at
/// a NUL because the legacy keeps elements as C strings.
pub(crate) fn list_unpack(packed: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut items = Vec::new();
    let mut rest = packed;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let len: usize = std::str::from_utf8(rest.get(..digits)?)
            .ok()?
            .parse()
            .ok()?;
        rest = rest.get(digits..)?;
        rest = rest.strip_prefix(b":")?;
        let elem = rest.get(..len)?;
        rest = rest.get(len..)?.strip_prefix(b",")?;
        if len == 0 || elem.contains(&0) {
            return None;
        }
        items.push(elem.to_vec());
    }
    if items.is_empty() {
        None
    } else {
        Some(items)
    }
}

fn lossy(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Checks shared by both encoders: a field must read back as the same
/// field. A string field whose name starts with `(` would be taken as a
/// type prefix by the legacy (in both formats), and `>>>\n…` names are
/// refused by `ha_msg_addraw_ll`.
pub(crate) fn check_field(field: &Field) -> Result<(), EncodeError> {
    let name = &field.name;
    let bad_name = name.is_empty()
        || name.contains(&b'=')
        || name.contains(&0)
        || name.starts_with(b">>>\n")
        || (name.starts_with(b"(") && matches!(field.value, Value::String(_)));
    if bad_name {
        return Err(EncodeError::BadName { name: lossy(name) });
    }
    match &field.value {
        Value::String(s) if string_has_symbol(s) => {
            Err(EncodeError::BadString { name: lossy(name) })
        }
        Value::List(items)
            if items.is_empty() || items.iter().any(|e| e.is_empty() || e.contains(&0)) =>
        {
            Err(EncodeError::BadList { name: lossy(name) })
        }
        _ => Ok(()),
    }
}

pub(crate) fn name_error(name: &[u8]) -> EncodeError {
    EncodeError::BadName { name: lossy(name) }
}

pub(crate) fn string_error(name: &[u8]) -> EncodeError {
    EncodeError::BadString { name: lossy(name) }
}

pub(crate) fn nested_error(name: &[u8]) -> EncodeError {
    EncodeError::BadNested { name: lossy(name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_example_from_reference() {
        let items = vec![b"abc".to_vec(), b"defg".to_vec()];
        let mut out = Vec::new();
        list_pack(&items, &mut out);
        assert_eq!(out, b"3:abc,4:defg,");
        assert_eq!(list_pack_len(&items), out.len());
        assert_eq!(list_unpack(&out), Some(items));
    }

    #[test]
    fn list_rejects_malformed() {
        for bad in [
            &b""[..],
            b"0:,",
            b"3:abc",
            b"3:ab,",
            b"x:a,",
            b"3abc,",
            b"2:a\0,",
        ] {
            assert_eq!(list_unpack(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn symbol_translation_stops_at_nul() {
        assert_eq!(string_from_wire(b"a\x13b\0c\x13"), b"a\nb\0c\x13");
        assert!(!string_has_symbol(b"a\0\x13"));
        assert!(string_has_symbol(b"a\x13"));
    }
}
