//! Value tokenisers that reproduce the legacy's Perl regular expressions.
//!
//! ldirectord validates most values with unanchored patterns such as
//! `$1 =~ /(\d+)/`, so `checktimeout=x5y` means 5 and `service=http!` means
//! http. These helpers give exactly those semantics (ASCII classes: the file
//! is read as bytes, so `\d`, `\w`, `\s` never match anything non-ASCII).

use super::model::Forward;
use nom::bytes::complete::{tag, take_while};
use nom::character::complete::char;
use nom::{IResult, Parser};
use std::net::Ipv4Addr;

/// Perl's `\s` on a byte string.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Perl's `\w` on a byte string.
pub fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[0-9A-Za-z-_]`: the characters of a port or service name.
pub fn is_port_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn key_eq<'a>(
    key: &'static str,
) -> impl Parser<&'a str, Output = (), Error = nom::error::Error<&'a str>> {
    (
        tag(key),
        take_while(is_space),
        char('='),
        take_while(is_space),
    )
        .map(|_| ())
}

/// `^KEY\s*=\s*(.*)`: the rest of the line after `KEY =`, if the line is
/// that directive.
pub fn directive<'a>(text: &'a str, key: &'static str) -> Option<&'a str> {
    let r: IResult<&str, ()> = key_eq(key).parse(text);
    r.ok().map(|(rest, ())| rest)
}

/// `^KEY\s*=\s*"(.*)"`: the text between the first quote and the last one
/// (Perl's greedy `.*`); None if the value is not quoted that way.
pub fn quoted_directive<'a>(text: &'a str, key: &'static str) -> Option<&'a str> {
    let rest = directive(text, key)?;
    let r: IResult<&str, char> = char('"').parse(rest);
    let (inner, _) = r.ok()?;
    let end = inner.rfind('"')?;
    inner.get(..end)
}

/// The first run of characters satisfying `pred`: Perl's `/(\d+)/` etc.
pub fn first_run(s: &str, pred: impl Fn(char) -> bool) -> Option<&str> {
    let start = s.find(&pred)?;
    let tail = s.get(start..)?;
    let len = tail.find(|c: char| !pred(c)).unwrap_or(tail.len());
    tail.get(..len)
}

pub fn first_digits(s: &str) -> Option<&str> {
    first_run(s, |c| c.is_ascii_digit())
}

/// Perl truthiness of a string: everything but "" and "0".
pub fn truthy(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

/// A run of ASCII digits as a number; absurdly long values saturate (Perl
/// would turn them into a float, which no directive can use meaningfully).
pub fn number(digits: &str) -> u64 {
    digits.bytes().fold(0u64, |acc, b| {
        if b.is_ascii_digit() {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        } else {
            acc
        }
    })
}

/// `($1 eq "yes" || $1 eq "no")` on the whole rest of the line: no trailing
/// blanks, comments or carriage returns allowed.
pub fn yes_no(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub fn forward(word: &str) -> Option<Forward> {
    match word {
        "gate" => Some(Forward::Gate),
        "masq" => Some(Forward::Masq),
        "ipip" => Some(Forward::Ipip),
        _ => None,
    }
}

/// What glibc's inet_aton (used by getaddrinfo for numeric hosts) makes of
/// `s`: one to four parts, each decimal, octal (leading 0) or hex (0x); the
/// last part fills the remaining bytes. So `80` is 0.0.0.80 and
/// `192.168.072.8` is 192.168.58.8. None if it is no address at all.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(4);
    for part in &parts {
        let (digits, radix) =
            if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (h, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (part.get(1..).unwrap_or(""), 8)
            } else {
                (*part, 10)
            };
        if digits.is_empty() && radix != 8 {
            return None;
        }
        if !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let v = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        values.push(v);
    }
    let (last, head) = values.split_last()?;
    if head.iter().any(|&v| v > 255) {
        return None;
    }
    let shift = 8 * (4 - head.len() as u32);
    if shift < 64 && *last >= (1u64 << shift) {
        return None;
    }
    let mut n: u64 = *last;
    for (i, v) in head.iter().enumerate() {
        n |= v << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(u32::try_from(n).ok()?))
}

/// Whether `s` has the shape `\d+\.\d+\.\d+\.\d+`.
pub fn looks_dotted_quad(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_forms() {
        assert_eq!(directive("checktimeout = 3", "checktimeout"), Some("3"));
        assert_eq!(directive("checktimeout=", "checktimeout"), Some(""));
        assert_eq!(directive("checktimeoutx=3", "checktimeout"), None);
        assert_eq!(
            quoted_directive(r#"request = "a"b" x"#, "request"),
            Some(r#"a"b"#)
        );
        assert_eq!(quoted_directive(r#"request="a"#, "request"), None);
    }

    #[test]
    fn perl_like_numbers() {
        assert_eq!(first_digits("x5y"), Some("5"));
        assert_eq!(first_digits("abc"), None);
        assert!(truthy("00"));
        assert!(!truthy("0"));
        assert_eq!(number("99999999999999999999999"), u64::MAX);
    }

    #[test]
    fn dotted_quads_follow_inet_aton() {
        assert_eq!(
            inet_aton("192.168.072.8"),
            Some(Ipv4Addr::new(192, 168, 58, 8))
        );
        assert_eq!(inet_aton("192.168.72.300"), None);
        assert_eq!(inet_aton("1.2.09.4"), None);
        assert_eq!(inet_aton("80"), Some(Ipv4Addr::new(0, 0, 0, 80)));
        assert_eq!(inet_aton("0x7f000001"), Some(Ipv4Addr::LOCALHOST));
        assert_eq!(inet_aton("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("web1"), None);
    }
}
