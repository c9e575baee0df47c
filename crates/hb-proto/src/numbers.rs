//! Numeric field text. Most counters are hex (`%lx`), a few are decimal
//! (`%d`); mixing them up is the classic interop bug, so every typed field
//! goes through one of these two pairs.

/// Reads hex as the legacy's `sscanf("%lx")` would for anything a peer
/// sends: hex digits of either case, an optional `0x`. Stricter than
/// `sscanf` in refusing trailing junk, which no sender produces.
pub fn parse_hex(text: &[u8]) -> Option<u64> {
    let digits = text
        .strip_prefix(b"0x")
        .or_else(|| text.strip_prefix(b"0X"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// `%lx`: lowercase, no prefix, no padding.
pub fn format_hex(n: u64) -> String {
    format!("{n:x}")
}

/// Reads an unsigned decimal (`protocol`, `ttl`, `NS_rexmit` seqs).
pub fn parse_dec(text: &[u8]) -> Option<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

pub fn format_dec(n: u64) -> String {
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        assert_eq!(parse_hex(b"1b58"), Some(7000));
        assert_eq!(parse_hex(b"6B0655BD"), Some(0x6b06_55bd));
        assert_eq!(parse_hex(b"0x1a"), Some(26));
        assert_eq!(parse_hex(b""), None);
        assert_eq!(parse_hex(b"0x"), None);
        assert_eq!(parse_hex(b"1g"), None);
        assert_eq!(parse_hex(b"-1"), None);
        assert_eq!(parse_hex(b"1ffffffffffffffff"), None);
        assert_eq!(format_hex(0x1a), "1a");
    }

    #[test]
    fn dec() {
        assert_eq!(parse_dec(b"10"), Some(10));
        assert_eq!(parse_dec(b"a"), None);
        assert_eq!(parse_dec(b""), None);
        assert_eq!(parse_dec(b"+1"), None);
        assert_eq!(format_dec(3), "3");
    }
}
