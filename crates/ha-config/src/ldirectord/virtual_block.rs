//! A `virtual=` / `virtual6=` line and the section under it.
//!
//! The section is the run of following lines that, once an inline `# ...`
//! is cut and each tab is turned into four spaces, start with at least four
//! spaces and have something after them. Comment lines are skipped inside
//! it; a blank line or any other line ends it (and is then read as a global
//! line). Names are checked once the section is complete, as the legacy
//! does, because the protocol decides how a service name resolves.

use super::fallback;
use super::model::{
    AlertStatus, CheckType, Family, HttpMethod, Port, Protocol, VirtualAddress, VirtualService,
};
use super::real;
use super::section;
use super::values::{directive, is_port_char, is_space, number};
use crate::diag::Collector;
use crate::lines::Line;
use std::borrow::Cow;

pub const VIRTUAL_DIRECTIVES: &[&str] = &[
    "real",
    "real6",
    "request",
    "receive",
    "checktype",
    "checkcommand",
    "checktimeout",
    "negotiatetimeout",
    "checkcount",
    "failurecount",
    "checkinterval",
    "checkport",
    "login",
    "passwd",
    "database",
    "secret",
    "load",
    "scheduler",
    "persistent",
    "schedflags",
    "netmask",
    "protocol",
    "ops",
    "service",
    "httpmethod",
    "virtualhost",
    "fallback",
    "fallback6",
    "fallbackcommand",
    "quiescent",
    "emailalert",
    "emailalertfreq",
    "emailalertstatus",
    "monitorfile",
    "cleanstop",
    "smtp",
    "servicename",
    "comment",
];

/// Per-virtual settings that fall back to a global when absent; resolved
/// once the whole file (and so every global) has been read.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub checkinterval: Option<u64>,
    pub checktimeout: Option<u64>,
    pub negotiatetimeout: Option<u64>,
    pub checkcount: Option<u64>,
    pub failurecount: Option<u64>,
    pub quiescent: Option<bool>,
    pub cleanstop: Option<bool>,
    pub emailalert: Option<String>,
    pub emailalertfreq: Option<u64>,
    pub emailalertstatus: Option<AlertStatus>,
    pub smtp: Option<String>,
}

/// A virtual service as read, before globals are folded in.
#[derive(Debug, Clone)]
pub struct Block {
    pub vs: VirtualService,
    pub own: Overrides,
    pub fallback_own: bool,
    /// `protocol:host:port` or `fwm[6]:mark`, when known without resolving.
    pub id: Option<String>,
}

/// `^virtual(6)?\s*=\s*(.*)`: the family and the value.
pub fn header(text: &str) -> Option<(Family, &str)> {
    if let Some(v) = directive(text, "virtual") {
        return Some((Family::Inet, v));
    }
    directive(text, "virtual6").map(|v| (Family::Inet6, v))
}

enum Head<'a> {
    HostPort(&'a str, &'a str),
    Fwmark(&'a str),
}

fn port_run(s: &str) -> Option<&str> {
    let end = s.find(|c: char| !is_port_char(c)).unwrap_or(s.len());
    s.get(..end).filter(|p| !p.is_empty())
}

/// The legacy's four address patterns, tried in its order (all anchored at
/// the start only: trailing text is ignored).
fn head(v: &str, family: Family) -> Result<Head<'_>, String> {
    let name_end = v
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')))
        .unwrap_or(v.len());
    if name_end > 0 {
        let host = v.get(..name_end).unwrap_or("");
        if let Some(port) = v
            .get(name_end..)
            .and_then(|r| r.strip_prefix(':'))
            .and_then(port_run)
        {
            // `\d+\.\d+\.\d+\.\d+:port` (IPv4 only) and `name:port` give the
            // same split
            return Ok(Head::HostPort(host, port));
        }
    }
    if let Some(d) = v.get(..v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len())) {
        if !d.is_empty() {
            return Ok(Head::Fwmark(d));
        }
    }
    if let Some(inner) = v.strip_prefix('[') {
        let end = inner
            .find(|c: char| !(c.is_ascii_hexdigit() || c == ':'))
            .unwrap_or(inner.len());
        if end > 0 {
            let addr = inner.get(..end).unwrap_or("");
            if let Some(port) = inner
                .get(end..)
                .and_then(|r| r.strip_prefix("]:"))
                .and_then(port_run)
            {
                if family == Family::Inet {
                    return Err(
                        "cannot specify an IPv6 address here. please use \"virtual6\" instead."
                            .into(),
                    );
                }
                if addr.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err("invalid ipv6 address for virtual server".into());
                }
                return Ok(Head::HostPort(v.get(..end + 2).unwrap_or(addr), port));
            }
        }
    }
    Err("invalid address for virtual server".into())
}

fn new_service(
    line: usize,
    family: Family,
    address: VirtualAddress,
    protocol: Protocol,
) -> VirtualService {
    VirtualService {
        line,
        section_end_line: line,
        family,
        service: (protocol == Protocol::Fwm).then(|| "none".to_string()),
        address,
        protocol,
        scheduler: "wrr".into(),
        persistent: None,
        netmask: None,
        schedflags: None,
        ops: false,
        checktype: CheckType::Negotiate,
        checkcommand: "/bin/true".into(),
        checkport: None,
        checkinterval: 0,
        checktimeout: 0,
        negotiatetimeout: 0,
        checkcount: 0,
        failurecount: 0,
        request: "/".into(),
        receive: String::new(),
        httpmethod: HttpMethod::Get,
        virtualhost: None,
        login: String::new(),
        passwd: String::new(),
        database: String::new(),
        secret: String::new(),
        load: None,
        fallback: None,
        fallbackcommand: None,
        quiescent: false,
        cleanstop: true,
        emailalert: None,
        emailalertfreq: 0,
        emailalertstatus: AlertStatus::ALL,
        smtp: None,
        monitorfile: None,
        servicename: None,
        comment: None,
        reals: Vec::new(),
    }
}

/// Reads the virtual line at `lines[start]` and its section. Returns the
/// block (None if the header was rejected) and the index of the first line
/// after the section, which the caller reads as an ordinary line.
pub fn parse(lines: &[Line], start: usize, c: &mut Collector) -> (Option<Block>, usize) {
    let Some(first) = lines.get(start) else {
        return (None, start + 1);
    };
    let Some((family, value)) = header(first.text) else {
        return (None, start + 1);
    };
    let vline = first.number;
    let parsed_head = head(value, family);
    if let Err(m) = &parsed_head {
        c.error(vline, first.col_of(value), m.clone());
    }
    let (address, port_text, protocol) = match &parsed_head {
        Ok(Head::HostPort(h, p)) => {
            let proto = if *p == "53" || *p == "domain" {
                Protocol::Udp
            } else {
                Protocol::Tcp
            };
            let host = real::resolve_host(h, family);
            let addr = VirtualAddress::Service {
                host: host.unwrap_or_else(|| super::model::Host::Name((*h).to_string())),
                port: Port::Name((*p).to_string()),
            };
            (addr, Some(*p), proto)
        }
        Ok(Head::Fwmark(d)) => (
            VirtualAddress::Fwmark { mark: number(d) },
            None,
            Protocol::Fwm,
        ),
        // the block is dropped; tcp keeps follow-on errors to real ones
        Err(_) => (VirtualAddress::Fwmark { mark: 0 }, None, Protocol::Tcp),
    };
    let mut vs = new_service(vline, family, address, protocol);
    let mut own = Overrides::default();
    let mut reals_todo: Vec<(String, usize)> = Vec::new();
    let mut fallback_todo: Option<(String, usize, usize)> = None;

    let mut i = start + 1;
    while let Some(l) = lines.get(i) {
        if l.text.trim_start_matches(is_space).starts_with('#') {
            i += 1;
            continue;
        }
        let uncommented = l.text.split('#').next().unwrap_or("");
        let Some(rcmd) = section_command(uncommented) else {
            break;
        };
        let col = l.text.len() - l.text.trim_start_matches(is_space).len() + 1;
        section::directive_line(
            l,
            &rcmd,
            col,
            family,
            &mut vs,
            &mut own,
            &mut reals_todo,
            &mut fallback_todo,
            c,
        );
        i += 1;
    }

    // the legacy resolves in this order once the section is read
    if let Some((v, n, col)) = fallback_todo {
        match fallback::parse(&v, n, family, port_text) {
            Ok(f) => vs.fallback = Some(f),
            Err(m) => {
                c.error(n, col, m);
            }
        }
    }
    let mut id = None;
    if let (Ok(Head::HostPort(h, p)), VirtualAddress::Service { host, port }) =
        (&parsed_head, &mut vs.address)
    {
        match (real::resolve_host(h, family), real::port_of(p)) {
            (Some(rh), Some(rp)) => {
                *host = rh;
                *port = match rp {
                    Some(p) => p,
                    None => Port::Number(0),
                };
                if vs.service.is_none() {
                    if let Port::Number(n) = port {
                        vs.service = Some(super::model::port_to_service(*n).to_string());
                    }
                }
                if matches!(
                    host,
                    super::model::Host::Ipv4(_) | super::model::Host::Ipv6(_)
                ) {
                    if let Port::Number(pn) = port {
                        id = Some(format!(
                            "{}:{}:{}",
                            proto_name(vs.protocol),
                            host_id(host),
                            pn
                        ));
                    }
                }
            }
            _ => {
                c.error(
                    vline,
                    first.col_of(value),
                    "invalid address for virtual service",
                );
            }
        }
    }
    if let Ok(Head::Fwmark(d)) = &parsed_head {
        id = Some(format!(
            "fwm{}:{}",
            if family == Family::Inet6 { "6" } else { "" },
            d
        ));
    }
    for (text, n) in reals_todo {
        match real::parse(&text, n, family) {
            Ok(r) => vs.reals.push(r),
            Err(m) => {
                let col = lines
                    .iter()
                    .find(|l| l.number == n)
                    .map_or(1, |l| l.col_of(l.text.trim_start()));
                c.error(n, col, m);
            }
        }
    }
    let fallback_own = vs.fallback.is_some();
    if parsed_head.is_err() {
        return (None, i);
    }
    (
        Some(Block {
            vs,
            own,
            fallback_own,
            id,
        }),
        i,
    )
}

/// The line number the legacy blames for a duplicate: the line that ended
/// the section, or the file's last line.
pub fn section_end_line(lines: &[Line], next: usize) -> usize {
    match lines.get(next) {
        Some(l) => l.number,
        None => lines.last().map_or(0, |l| l.number),
    }
}

fn proto_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Fwm => "fwm",
    }
}

fn host_id(h: &super::model::Host) -> String {
    match h {
        super::model::Host::Ipv4(a) => a.to_string(),
        super::model::Host::Ipv6(a) => format!("[{a}]"),
        super::model::Host::Name(n) => n.clone(),
    }
}

/// A section line's command, as the legacy finds it: tabs expanded to four
/// spaces, then at least four spaces of indent and something after them
/// (` {4,}(.+)`; an all-blank line keeps one space for `.+`). `None` ends
/// the section. The text after the indent is copied only if a tab is in it
/// (a copy of every line was a tenth of a reload's parse at 10,000 reals).
fn section_command(uncommented: &str) -> Option<Cow<'_, str>> {
    let body = uncommented.trim_start_matches([' ', '\t']);
    let indent = &uncommented[..uncommented.len() - body.len()];
    let lead = indent.len() + 3 * indent.matches('\t').count();
    if lead < 4 || lead + body.len() <= 4 {
        return None;
    }
    Some(if body.is_empty() {
        Cow::Borrowed(" ")
    } else if body.contains('\t') {
        Cow::Owned(body.replace('\t', "    "))
    } else {
        Cow::Borrowed(body)
    })
}

#[cfg(test)]
mod tests {
    use super::section_command;

    /// The legacy's steps taken literally: expand every tab, then measure.
    fn expand_then_measure(uncommented: &str) -> Option<String> {
        let expanded = uncommented.replace('\t', "    ");
        let lead = expanded.len() - expanded.trim_start_matches(' ').len();
        if lead < 4 || expanded.len() <= 4 {
            return None;
        }
        Some(if lead == expanded.len() {
            expanded[lead - 1..].to_string()
        } else {
            expanded[lead..].to_string()
        })
    }

    #[test]
    fn section_command_is_the_legacy_indent_rule() {
        // Every string of up to six characters over an alphabet that holds
        // each case: spaces, tabs, other blanks, text, and a tab after text.
        let alphabet = [' ', '\t', 'r', '=', '\r', '\u{a0}'];
        let mut strings = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..6 {
            frontier = frontier
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(frontier.iter().cloned());
        }
        assert!(strings.len() > 50_000);
        for s in &strings {
            assert_eq!(
                section_command(s).map(|c| c.into_owned()),
                expand_then_measure(s),
                "{s:?}"
            );
        }
    }
}
