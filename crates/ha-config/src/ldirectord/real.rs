//! `real=` / `real6=` values:
//! `HOST[->HOST][:PORT] gate|masq|ipip [WEIGHT] ["REQUEST", "RECEIVE"] [l:N] [u:N]`.
//!
//! The legacy matches the address part with an unanchored, backtracking
//! regular expression and then picks the options out with further
//! unanchored searches, so leading junk is skipped and options are found
//! wherever they are. This module reproduces that search exactly rather than
//! a cleaner grammar: a file the legacy accepts must mean the same here.

use super::model::{Family, Forward, Host, Port, RealAddress, RealServer};
use super::values::{
    forward, inet_aton, is_port_char, is_space, is_word, looks_dotted_quad, number,
};
use std::net::Ipv6Addr;

/// A real server line split the way the legacy's first regex splits it.
#[derive(Debug, PartialEq, Eq)]
pub struct RealParts<'a> {
    pub first: &'a str,
    pub last: Option<&'a str>,
    pub port: Option<&'a str>,
    pub flags: &'a str,
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

/// `[0-9A-fa-f:]`: the legacy's class really spans `A` to `f`, which takes
/// in `[ \ ] ^ _` and the backquote as well.
fn is_v6_char(c: u8) -> bool {
    c.is_ascii_digit() || (b'A'..=b'f').contains(&c) || c == b':'
}

fn run(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut e = from;
    while b.get(e).is_some_and(|&c| pred(c)) {
        e += 1;
    }
    e
}

/// Run ends precomputed once per line, so the leftmost search below stays
/// linear on long lines instead of rescanning a run from every start.
struct Runs {
    /// Per position, where the run starting there ends, for each class
    /// (`DIGIT`, `NAME`, `V6`, `PORT`): one allocation per line, not one
    /// per class (four were a tenth of a reload's parse at 10,000 reals).
    ends: Vec<[usize; 4]>,
    /// Ends just past a `]` after which a match can go on.
    closes: Vec<usize>,
}

const DIGIT: usize = 0;
const NAME: usize = 1;
const V6: usize = 2;
const PORT: usize = 3;

impl Runs {
    fn new(b: &[u8]) -> Runs {
        let n = b.len();
        let mut r = Runs {
            ends: vec![[n; 4]; n + 1],
            closes: Vec::new(),
        };
        for i in (0..n).rev() {
            let c = b[i];
            let next = r.ends[i + 1];
            let class = [
                c.is_ascii_digit(),
                is_name_char(c),
                is_v6_char(c),
                is_port_char(char::from(c)),
            ];
            for k in 0..4 {
                r.ends[i][k] = if class[k] { next[k] } else { i };
            }
        }
        for (k, &c) in b.iter().enumerate() {
            if c == b']' && (tail_ok(b, &r, k + 1) || arrow_at(b, k + 1)) {
                r.closes.push(k + 1);
            }
        }
        r
    }

    /// Where the run of `class` starting at `i` ends (`i` if none).
    fn end(&self, class: usize, i: usize) -> usize {
        self.ends.get(i).map_or(i, |e| e[class])
    }
}

fn arrow_at(b: &[u8], e: usize) -> bool {
    b.get(e) == Some(&b'-') && b.get(e + 1) == Some(&b'>')
}

/// Whether `(:(\d+|[A-Za-z0-9-_]+))?\s+` matches at `e`.
fn tail_ok(b: &[u8], r: &Runs, e: usize) -> bool {
    let blank = |i: usize| b.get(i).is_some_and(|&c| is_space(char::from(c)));
    if b.get(e) == Some(&b':') {
        let pe = r.end(PORT, e + 1);
        if pe > e + 1 && blank(pe) {
            return true;
        }
    }
    blank(e)
}

/// Whether a host may end at `e`: the rest must match, directly or after a
/// `->` range. Pruning the other ends keeps the backtracking cheap without
/// changing which match the regex engine finds.
fn can_follow(b: &[u8], r: &Runs, e: usize, arrow: bool) -> bool {
    tail_ok(b, r, e) || (arrow && arrow_at(b, e))
}

/// End positions of the host alternatives at `i`, in the order the regex
/// engine tries them (dotted quad, name, bracketed IPv6; longest first).
fn host_ends(b: &[u8], r: &Runs, i: usize, arrow: bool) -> Vec<usize> {
    let mut ends = Vec::new();
    // \d+\.\d+\.\d+\.\d+ : a shorter last group is followed by a digit,
    // which nothing after the host accepts
    let mut p = i;
    let mut ok = true;
    for k in 0..4 {
        let e = r.end(DIGIT, p);
        if e == p {
            ok = false;
            break;
        }
        p = e;
        if k < 3 {
            if b.get(p) == Some(&b'.') {
                p += 1;
            } else {
                ok = false;
                break;
            }
        }
    }
    if ok && can_follow(b, r, p, arrow) {
        ends.push(p);
    }
    // [A-Za-z0-9.-]+ : besides the longest, only ends before `->` can work
    let e = r.end(NAME, i);
    if e > i {
        if can_follow(b, r, e, arrow) {
            ends.push(e);
        }
        if arrow {
            let mut k = e;
            while k > i + 1 {
                k -= 1;
                if b.get(k) == Some(&b'-') && b.get(k + 1) == Some(&b'>') {
                    ends.push(k);
                }
            }
        }
    }
    // \[[0-9A-fa-f:]+\] : the class contains `]` itself, so any `]` in the
    // run may close
    if b.get(i) == Some(&b'[') {
        let e = r.end(V6, i + 1);
        let lo = r.closes.partition_point(|&x| x < i + 3);
        let hi = r.closes.partition_point(|&x| x <= e);
        if let Some(found) = r.closes.get(lo..hi) {
            ends.extend(found.iter().rev().filter(|&&x| can_follow(b, r, x, arrow)));
        }
    }
    ends
}

/// After the host(s): `(:(\d+|[A-Za-z0-9-_]+))?\s+(.*)`.
fn tail(s: &str, at: usize) -> Option<(Option<&str>, &str)> {
    let b = s.as_bytes();
    if b.get(at) == Some(&b':') {
        let e = run(b, at + 1, |c| is_port_char(char::from(c)));
        if e > at + 1 && b.get(e).is_some_and(|&c| is_space(char::from(c))) {
            let f = run(b, e, |c| is_space(char::from(c)));
            return Some((s.get(at + 1..e), s.get(f..)?));
        }
    }
    if b.get(at).is_some_and(|&c| is_space(char::from(c))) {
        let f = run(b, at, |c| is_space(char::from(c)));
        return Some((None, s.get(f..)?));
    }
    None
}

/// The legacy's address regex, searched leftmost-first with backtracking.
pub fn split(s: &str) -> Option<RealParts<'_>> {
    let b = s.as_bytes();
    let runs = Runs::new(b);
    for i in 0..b.len() {
        if !s.is_char_boundary(i) {
            continue;
        }
        for e1 in host_ends(b, &runs, i, true) {
            let first = s.get(i..e1)?;
            if b.get(e1) == Some(&b'-') && b.get(e1 + 1) == Some(&b'>') {
                for e2 in host_ends(b, &runs, e1 + 2, false) {
                    if let Some((port, flags)) = tail(s, e2) {
                        return Some(RealParts {
                            first,
                            last: s.get(e1 + 2..e2),
                            port,
                            flags,
                        });
                    }
                }
            }
            if let Some((port, flags)) = tail(s, e1) {
                return Some(RealParts {
                    first,
                    last: None,
                    port,
                    flags,
                });
            }
        }
    }
    None
}

/// `\s+(\d+)(.*)` searched: the first blank run followed by digits.
fn search_blank_then<'a>(s: &'a str, lead: &str) -> Option<(&'a str, &'a str)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if is_space(char::from(b[i])) {
            let e = run(b, i, |c| is_space(char::from(c)));
            let after = s.get(e..)?;
            if let Some(rest) = after.strip_prefix(lead) {
                let d = run(rest.as_bytes(), 0, |c| c.is_ascii_digit());
                if d > 0 {
                    return Some((rest.get(..d)?, rest.get(d..)?));
                }
            }
            i = e;
        } else {
            i += 1;
        }
    }
    None
}

/// `\s+"(.*)"[, ]\s*"(.*)"(.*)` searched, with greedy groups.
fn search_request_receive(s: &str) -> Option<(&str, &str, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    let q1 = loop {
        if i >= b.len() {
            return None;
        }
        if is_space(char::from(b[i])) {
            let e = run(b, i, |c| is_space(char::from(c)));
            if b.get(e) == Some(&b'"') {
                break e;
            }
            i = e;
        } else {
            i += 1;
        }
    };
    let last_quote = b.iter().rposition(|&c| c == b'"')?;
    for a in (q1 + 1..b.len()).rev() {
        if b[a] != b'"' || !matches!(b.get(a + 1), Some(b',') | Some(b' ')) {
            continue;
        }
        let q2 = run(b, a + 2, |c| is_space(char::from(c)));
        if b.get(q2) == Some(&b'"') && last_quote > q2 {
            return Some((
                s.get(q1 + 1..a)?,
                s.get(q2 + 1..last_quote)?,
                s.get(last_quote + 1..)?,
            ));
        }
    }
    None
}

/// A real server line's verdict, in the legacy's order of checks.
pub fn parse(value: &str, line: usize, family: Family) -> Result<RealServer, String> {
    let parts = split(value).ok_or("invalid address for real server (wrong format)")?;
    let first = resolve_host(parts.first, family).ok_or_else(|| {
        format!(
            "invalid address ({}) for real server (could not resolve host)",
            parts.first
        )
    })?;
    let port = match parts.port {
        None => None,
        Some(p) => match port_of(p) {
            Some(port) => port,
            None => {
                return Err(format!(
                    "invalid port ({p}) for real server (could not resolve port)"
                ))
            }
        },
    };
    let address = match parts.last {
        None => RealAddress::Single { host: first },
        Some(text) => {
            let last = resolve_host(text, family).ok_or_else(|| {
                format!("invalid address ({text}) for real server (could not resolve end host)")
            })?;
            if family == Family::Inet6 {
                return Err("Address range for IPv6 is not supported yet".into());
            }
            if let (Host::Ipv4(a), Host::Ipv4(z)) = (&first, &last) {
                if a > z {
                    return Err(format!(
                        "Invalid Range: {a}-{z}: First value must be greater than or equal to the second value"
                    ));
                }
            }
            RealAddress::Range { first, last }
        }
    };
    let (forward, rest) = options_forward(parts.flags)?;
    let mut real = RealServer {
        line,
        address,
        port,
        forward,
        weight: 1,
        request: None,
        receive: None,
        lower_threshold: 0,
        upper_threshold: 0,
    };
    let mut rest = rest;
    if let Some((w, r)) = search_blank_then(rest, "") {
        real.weight = number(w);
        rest = r;
    }
    if let Some((req, rec, r)) = search_request_receive(rest) {
        if req.starts_with('/') {
            // The legacy tests for the leading `/` with a second match that
            // wipes the first match's captures: the receive string and
            // everything after it (thresholds, junk) are silently dropped.
            real.request = Some(req.to_string());
            return Ok(real);
        }
        real.request = Some(format!("/{req}"));
        real.receive = Some(rec.to_string());
        rest = r;
    }
    if let Some((l, r)) = search_blank_then(rest, "l:") {
        real.lower_threshold = number(l);
        rest = r;
    }
    if let Some((u, r)) = search_blank_then(rest, "u:") {
        real.upper_threshold = number(u);
        rest = r;
    }
    if rest.chars().any(|c| !is_space(c)) {
        return Err(format!("Invalid real server line, around \"{rest}\""));
    }
    Ok(real)
}

/// `(\w+)(.*)` searched: the first word must be the forwarding method.
fn options_forward(flags: &str) -> Result<(Forward, &str), String> {
    let err = || "forward method must be gate, masq or ipip".to_string();
    let start = flags.find(is_word).ok_or_else(err)?;
    let tail = flags.get(start..).ok_or_else(err)?;
    let len = tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
    let fwd = forward(tail.get(..len).ok_or_else(err)?).ok_or_else(err)?;
    Ok((fwd, tail.get(len..).unwrap_or("")))
}

/// What the legacy's getaddrinfo call would make of a host, as far as can be
/// known without a resolver: literals are checked against the family, names
/// are left for the daemon.
pub fn resolve_host(text: &str, family: Family) -> Option<Host> {
    let bare = match text.find('[') {
        // ld_gethostbyname strips `[...]` with a greedy search
        Some(open) => {
            let inner = text.get(open + 1..)?;
            match inner.rfind(']') {
                Some(close) => inner.get(..close)?,
                None => text,
            }
        }
        None => text,
    };
    if bare.is_empty() {
        // getaddrinfo("") answers with the loopback address
        return Some(match family {
            Family::Inet => Host::Ipv4(std::net::Ipv4Addr::LOCALHOST),
            Family::Inet6 => Host::Ipv6(Ipv6Addr::LOCALHOST),
        });
    }
    if let Ok(a) = bare.parse::<Ipv6Addr>() {
        return (family == Family::Inet6).then_some(Host::Ipv6(a));
    }
    if let Some(a) = inet_aton(bare) {
        return (family == Family::Inet).then_some(Host::Ipv4(a));
    }
    if looks_dotted_quad(bare) {
        // e.g. 192.168.72.300: not an address, and no resolver knows it
        return None;
    }
    if bare.contains(':') || text.contains('[') {
        return None;
    }
    Some(Host::Name(bare.to_string()))
}

/// A port as `ld_getservbyname` takes it: numbers must be below 65536,
/// names are resolved later. Outer None: could not resolve.
pub fn port_of(text: &str) -> Option<Option<Port>> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let n = number(text);
        let p = u16::try_from(n).ok()?;
        // the legacy treats port 0 as "no port" (IPVS: the virtual's port)
        return Some((p != 0).then_some(Port::Number(p)));
    }
    Some(Some(Port::Name(text.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ok(v: &str) -> RealServer {
        parse(v, 1, Family::Inet).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    #[test]
    fn plain_weight_and_overrides() {
        let r = ok(r#"192.168.1.2:80 masq 5 "a.html", "ok" l:10 u:100"#);
        // with a leading `/` the legacy loses the receive string and the rest
        let q = ok(r#"192.168.1.2:80 gate "/a.html", "ok" l:10 junk"#);
        assert_eq!(
            (q.request.as_deref(), q.receive.as_deref()),
            (Some("/a.html"), None)
        );
        assert_eq!(q.lower_threshold, 0);
        assert_eq!(r.forward, Forward::Masq);
        assert_eq!(r.weight, 5);
        assert_eq!(r.request.as_deref(), Some("/a.html"));
        assert_eq!(r.receive.as_deref(), Some("ok"));
        assert_eq!((r.lower_threshold, r.upper_threshold), (10, 100));
        assert_eq!(r.port, Some(Port::Number(80)));
    }

    #[test]
    fn ranges_and_names() {
        let r = ok("192.168.1.1->192.168.1.10:80 gate");
        assert_eq!(
            r.address,
            RealAddress::Range {
                first: Host::Ipv4(Ipv4Addr::new(192, 168, 1, 1)),
                last: Host::Ipv4(Ipv4Addr::new(192, 168, 1, 10))
            }
        );
        let r = ok("web-1->web-5:http gate");
        assert!(matches!(r.address, RealAddress::Range { .. }));
        assert_eq!(r.port, Some(Port::Name("http".into())));
        assert!(parse("192.168.1.10->192.168.1.1:80 gate", 1, Family::Inet)
            .unwrap_err()
            .starts_with("Invalid Range"));
    }

    #[test]
    fn legacy_quirks() {
        // leading junk is skipped by the unanchored search
        assert_eq!(ok("@192.168.72.9:80 gate").forward, Forward::Gate);
        // u: before l: is lost, not an error
        assert_eq!(ok("192.168.72.9:80 gate u:100 l:10").upper_threshold, 0);
        assert_eq!(
            parse("192.168.72.9:80", 1, Family::Inet).unwrap_err(),
            "invalid address for real server (wrong format)"
        );
        assert_eq!(
            parse("192.168.72.9:80 Gate", 1, Family::Inet).unwrap_err(),
            "forward method must be gate, masq or ipip"
        );
        assert_eq!(
            parse("192.168.72.9:80 gate 1 junk", 1, Family::Inet).unwrap_err(),
            "Invalid real server line, around \" junk\""
        );
        assert!(ok("192.168.72.9 gate").port.is_none());
        let r6 = parse("[2001:db8::2]:80 gate", 1, Family::Inet6).unwrap();
        assert_eq!(r6.port, Some(Port::Number(80)));
        assert!(parse("192.168.72.9:80 gate", 1, Family::Inet6).is_err());
    }
}
