//! The legacy's name checks, run when the daemon starts.
//!
//! ldirectord resolves every host and service name while it reads the file
//! and rejects the file when one does not resolve. `parse()` is pure, so it
//! keeps names as text; the daemon calls [`check_names`] with a resolver to
//! get the same verdicts, lines and messages.

use super::model::{
    Fallback, Family, Host, LdirectordCf, Port, Protocol, RealAddress, VirtualAddress,
};
use crate::diag::Diagnostic;
use std::net::IpAddr;

/// What getaddrinfo / getservbyname would answer.
pub trait NameLookup {
    /// The first address of `name` in `family`, if any.
    fn host(&self, name: &str, family: Family) -> Option<IpAddr>;
    /// The port of service `name` for `proto` ("tcp", "udp"), or for any
    /// protocol when `proto` is None.
    fn service(&self, name: &str, proto: Option<&str>) -> Option<u16>;
}

/// A lookup over the text of `/etc/hosts` and `/etc/services` (what the
/// legacy's resolver sees on a host without DNS).
pub struct EtcFiles {
    hosts: Vec<(IpAddr, Vec<String>)>,
    services: Vec<(String, u16, String)>,
}

impl EtcFiles {
    pub fn new(hosts: &str, services: &str) -> EtcFiles {
        let strip = |l: &str| l.split('#').next().unwrap_or("").to_string();
        let hosts = hosts
            .lines()
            .filter_map(|l| {
                let l = strip(l);
                let mut w = l.split_whitespace();
                let addr = w.next()?.parse().ok()?;
                Some((addr, w.map(str::to_string).collect()))
            })
            .collect();
        let mut svc = Vec::new();
        for l in services.lines() {
            let l = strip(l);
            let mut w = l.split_whitespace();
            let (Some(name), Some(pp)) = (w.next(), w.next()) else {
                continue;
            };
            let Some((port, proto)) = pp.split_once('/') else {
                continue;
            };
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            for n in std::iter::once(name).chain(w) {
                svc.push((n.to_string(), port, proto.to_string()));
            }
        }
        EtcFiles {
            hosts,
            services: svc,
        }
    }
}

impl EtcFiles {
    /// This host's `/etc/hosts` and `/etc/services`; a missing file is empty.
    pub fn system() -> EtcFiles {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        EtcFiles::new(&read("/etc/hosts"), &read("/etc/services"))
    }
}

impl NameLookup for EtcFiles {
    fn host(&self, name: &str, family: Family) -> Option<IpAddr> {
        self.hosts
            .iter()
            .filter(|(a, _)| a.is_ipv4() == (family == Family::Inet))
            .find(|(_, names)| names.iter().any(|n| n == name))
            .map(|(a, _)| *a)
    }

    fn service(&self, name: &str, proto: Option<&str>) -> Option<u16> {
        self.services
            .iter()
            .find(|(n, _, p)| {
                n == name
                    && match proto {
                        None => true,
                        Some(want) => want == p,
                    }
            })
            .map(|(_, port, _)| *port)
    }
}

fn proto_name(p: Protocol) -> Option<&'static str> {
    match p {
        Protocol::Tcp => Some("tcp"),
        Protocol::Udp => Some("udp"),
        Protocol::Fwm => None,
    }
}

fn host_ok(h: &Host, family: Family, l: &dyn NameLookup) -> Option<IpAddr> {
    match h {
        Host::Ipv4(a) => Some(IpAddr::V4(*a)),
        Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        Host::Name(n) => l.host(n, family),
    }
}

fn host_text(h: &Host) -> String {
    match h {
        Host::Ipv4(a) => a.to_string(),
        Host::Ipv6(a) => format!("[{a}]"),
        Host::Name(n) => n.clone(),
    }
}

fn fallback_errors(
    f: &Fallback,
    family: Family,
    protos: &[Option<&str>],
    file: &str,
    l: &dyn NameLookup,
) -> Option<Diagnostic> {
    if host_ok(&f.host, family, l).is_none() {
        let v = if family == Family::Inet {
            "IPv4"
        } else {
            "IPv6"
        };
        return Some(Diagnostic::error(
            file,
            f.line,
            1,
            format!(
                "invalid {v} address or could not resolve for fallback server: {}",
                host_text(&f.host)
            ),
        ));
    }
    if let Some(Port::Name(n)) = &f.port {
        if protos.iter().any(|p| l.service(n, *p).is_none()) {
            return Some(Diagnostic::error(
                file,
                f.line,
                1,
                "invalid port for fallback server",
            ));
        }
    }
    None
}

/// The errors the legacy would have raised while resolving names, in its
/// order (global fallbacks, then per virtual: fallback, address, reals).
pub fn check_names(cf: &LdirectordCf, file: &str, l: &dyn NameLookup) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let both = [Some("tcp"), Some("udp")];
    let globals = [
        (&cf.global.fallback, Family::Inet),
        (&cf.global.fallback6, Family::Inet6),
    ];
    for (f, fam) in globals {
        if let Some(f) = f {
            out.extend(fallback_errors(f, fam, &both, file, l));
        }
    }
    let global_lines: Vec<usize> = [&cf.global.fallback, &cf.global.fallback6]
        .iter()
        .filter_map(|f| f.as_ref().map(|f| f.line))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for v in &cf.virtuals {
        let proto = proto_name(v.protocol);
        let id = resolved_id(v.protocol, &v.address, v.family, l);
        if let Some(f) = &v.fallback {
            if !global_lines.contains(&f.line) {
                out.extend(fallback_errors(f, v.family, &[proto], file, l));
            }
        }
        if let VirtualAddress::Service { host, port } = &v.address {
            let port_ok = match port {
                Port::Number(_) => true,
                Port::Name(n) => l.service(n, proto).is_some(),
            };
            if host_ok(host, v.family, l).is_none() || !port_ok {
                out.push(Diagnostic::error(
                    file,
                    v.line,
                    1,
                    "invalid address for virtual service",
                ));
            }
        }
        for r in &v.reals {
            let (first, last) = match &r.address {
                RealAddress::Single { host } => (host, None),
                RealAddress::Range { first, last } => (first, Some(last)),
            };
            let Some(a) = host_ok(first, v.family, l) else {
                out.push(Diagnostic::error(
                    file,
                    r.line,
                    1,
                    format!(
                        "invalid address ({}) for real server (could not resolve host)",
                        host_text(first)
                    ),
                ));
                continue;
            };
            if let Some(Port::Name(n)) = &r.port {
                if l.service(n, None).is_none() {
                    out.push(Diagnostic::error(
                        file,
                        r.line,
                        1,
                        format!("invalid port ({n}) for real server (could not resolve port)"),
                    ));
                    continue;
                }
            }
            if let Some(last) = last {
                let Some(z) = host_ok(last, v.family, l) else {
                    out.push(Diagnostic::error(
                        file,
                        r.line,
                        1,
                        format!(
                            "invalid address ({}) for real server (could not resolve end host)",
                            host_text(last)
                        ),
                    ));
                    continue;
                };
                if a > z {
                    out.push(Diagnostic::error(
                        file,
                        r.line,
                        1,
                        format!("Invalid Range: {a}-{z}: First value must be greater than or equal to the second value"),
                    ));
                }
            }
        }
        if let Some(id) = id {
            if !seen.insert(id) {
                out.push(Diagnostic::error(
                    file,
                    v.section_end_line,
                    1,
                    "duplicate virtual server",
                ));
            }
        }
    }
    out
}

/// `protocol:address:port` after resolution, as the legacy compares
/// virtual services; None for fwmarks (compared as written by `parse`) or
/// when something does not resolve.
fn resolved_id(
    p: Protocol,
    a: &VirtualAddress,
    family: Family,
    l: &dyn NameLookup,
) -> Option<String> {
    let VirtualAddress::Service { host, port } = a else {
        return None;
    };
    let ip = host_ok(host, family, l)?;
    let port = match port {
        Port::Number(n) => *n,
        Port::Name(n) => l.service(n, proto_name(p))?,
    };
    Some(format!("{}:{ip}:{port}", proto_name(p).unwrap_or("fwm")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldirectord::parse;

    fn etc() -> EtcFiles {
        EtcFiles::new(
            "127.0.0.1 localhost\n127.0.0.1 vm\n::1 ip6-localhost\n",
            "http 80/tcp www\nhttps 443/tcp\ndomain 53/tcp\ndomain 53/udp\n",
        )
    }

    fn first(text: &str) -> Option<(usize, String)> {
        let cf = parse(text, "t.cf").expect("parses").value;
        check_names(&cf, "t.cf", &etc())
            .first()
            .map(|d| (d.line, d.message.clone()))
    }

    #[test]
    fn matches_the_legacy_verdicts() {
        assert_eq!(first("virtual=localhost:http\n\treal=vm:www gate\n"), None);
        assert_eq!(
            first("virtual=nosuch.invalid:80\n\treal=1.2.3.4:80 gate\n"),
            Some((1, "invalid address for virtual service".into()))
        );
        assert_eq!(
            first("virtual=1.2.3.4:80\n\treal=1.2.3.5:nosuch gate\n"),
            Some((
                2,
                "invalid port (nosuch) for real server (could not resolve port)".into()
            ))
        );
        // a global fallback's port name must exist for tcp and udp
        assert_eq!(
            first("fallback=localhost:http\n"),
            Some((1, "invalid port for fallback server".into()))
        );
        assert_eq!(first("fallback=localhost:domain\n"), None);
        assert_eq!(
            first("virtual=localhost:80\n\treal=1.2.3.4:80 gate\nvirtual=127.0.0.1:http\n\treal=1.2.3.4:80 gate\n"),
            Some((4, "duplicate virtual server".into()))
        );
        assert_eq!(
            first("virtual6=localhost:80\n"),
            Some((1, "invalid address for virtual service".into()))
        );
        assert_eq!(
            first("virtual=1.2.3.4:80\n\tfallback=nosuch.invalid:80\n"),
            Some((
                2,
                "invalid IPv4 address or could not resolve for fallback server: nosuch.invalid"
                    .into()
            ))
        );
    }
}
