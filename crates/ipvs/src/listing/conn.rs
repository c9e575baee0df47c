//! `-c` / `-Lc` / `-Lnc`: the connection table as ipvsadm 1.31 prints it.
//!
//! ipvsadm does not ask netlink for connections (IPVS has no netlink
//! command for them); it reads `/proc/net/ip_vs_conn`, and so do we: the
//! input here is that file's text. Lines look like
//! `TCP 0A050002 C350 0A050001 0050 0A050003 0050 SYN_RECV         59`
//! (IPv4 in hex) or carry IPv6 addresses in full colon form, optionally
//! followed by a persistence engine's name and data.

use super::names::Names;
use crate::model::Protocol;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why the file could not be listed, with ipvsadm's words for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnError {
    /// The file has no first (title) line.
    Empty,
}

/// The listing for the whole file `text`; `persistent_conn` adds the
/// persistence-engine columns (`--persistent-conn`).
pub fn list_conns(
    text: &str,
    numeric: bool,
    persistent_conn: bool,
    names: &dyn Names,
) -> Result<String, ConnError> {
    let mut lines = text.split_inclusive('\n');
    if lines.next().is_none() {
        return Err(ConnError::Empty);
    }
    let mut out = String::from("IPVS connection entries\n");
    if persistent_conn {
        let _ = writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} {:<18} {:<16} pe_data",
            "state", "source", "virtual", "destination", "pe name"
        );
    } else {
        let _ = writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} destination",
            "state", "source", "virtual"
        );
    }
    for line in lines {
        if let Some(e) = Entry::parse(line) {
            e.write(&mut out, numeric, persistent_conn, names);
        }
    }
    Ok(out)
}

struct Entry<'a> {
    protocol: &'a str,
    client: (IpAddr, u16),
    virt: (IpAddr, u16),
    dest: (IpAddr, u16),
    state: &'a str,
    expires: u32,
    pe: Option<(&'a str, &'a str)>,
}

impl<'a> Entry<'a> {
    /// One line of the file; `None` for anything that is not a
    /// connection (ipvsadm's sscanf would print garbage there).
    fn parse(line: &'a str) -> Option<Entry<'a>> {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 9 {
            return None;
        }
        let port = |s: &str| u16::from_str_radix(s, 16).ok();
        let client_ip = addr(f[1])?;
        // ipvsadm reads the virtual address in the client's family.
        let virt_ip = match client_ip {
            IpAddr::V6(_) => IpAddr::V6(f[3].parse::<Ipv6Addr>().ok()?),
            IpAddr::V4(_) => IpAddr::V4(v4(f[3])?),
        };
        Some(Entry {
            protocol: f[0],
            client: (client_ip, port(f[2])?),
            virt: (virt_ip, port(f[4])?),
            dest: (addr(f[5])?, port(f[6])?),
            state: f[7],
            // The kernel prints an unsigned count of seconds; ipvsadm
            // reads it with %d into an unsigned int.
            expires: f[8]
                .parse::<u32>()
                .or_else(|_| f[8].parse::<i32>().map(|n| n as u32))
                .ok()?,
            pe: match (f.get(9), f.get(10)) {
                (Some(n), Some(d)) => Some((n, d)),
                _ => None,
            },
        })
    }

    fn write(&self, out: &mut String, numeric: bool, persistent_conn: bool, names: &dyn Names) {
        let protocol = match self.protocol {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        };
        let name = |(ip, port): (IpAddr, u16)| addrport(ip, port, protocol, numeric, names);
        let expire = format!("{:02}:{:02}", self.expires / 60, self.expires % 60);
        let (c, v, d) = (name(self.client), name(self.virt), name(self.dest));
        match self.pe {
            Some((pe_name, pe_data)) if persistent_conn => {
                let _ = writeln!(
                    out,
                    "{:<3} {expire:<6} {:<11} {c:<18} {v:<18} {d:<16} {pe_name:<18} {pe_data}",
                    self.protocol, self.state
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{:<3} {expire:<6} {:<11} {c:<18} {v:<18} {d}",
                    self.protocol, self.state
                );
            }
        }
    }
}

/// An address as the file gives it: IPv6 in colon form, IPv4 dotted (not
/// seen from kernel 6.1) or as 8 hex digits.
fn addr(s: &str) -> Option<IpAddr> {
    if let Ok(v6) = s.parse::<Ipv6Addr>() {
        return Some(IpAddr::V6(v6));
    }
    v4(s).map(IpAddr::V4)
}

fn v4(s: &str) -> Option<Ipv4Addr> {
    s.parse::<Ipv4Addr>()
        .ok()
        .or_else(|| u32::from_str_radix(s, 16).ok().map(Ipv4Addr::from))
}

/// ipvsadm's `addrport_to_anyname`: names unless `-n`, brackets around
/// IPv6, all in a 60-byte buffer.
fn addrport(
    ip: IpAddr,
    port: u16,
    protocol: Option<Protocol>,
    numeric: bool,
    names: &dyn Names,
) -> String {
    let (open, close) = if ip.is_ipv4() { ("", "") } else { ("[", "]") };
    if numeric {
        return format!("{open}{ip}{close}:{port}");
    }
    let host = names.host(&ip).unwrap_or_else(|| ip.to_string());
    let service = protocol
        .and_then(|p| names.service(port, p))
        .unwrap_or_else(|| port.to_string());
    super::format::truncate(format!("{open}{host}{close}:{service}"), 59)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Numeric;

    const TITLE: &str =
        "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

    struct Fake;
    impl Names for Fake {
        fn host(&self, ip: &IpAddr) -> Option<String> {
            (ip.to_string() == "10.5.0.1").then(|| "vip.example".into())
        }
        fn service(&self, port: u16, p: Protocol) -> Option<String> {
            (port == 80 && p == Protocol::Tcp).then(|| "http".into())
        }
    }

    #[test]
    fn ipv4_entries_numeric_and_named() {
        let text = format!(
            "{TITLE}TCP 0A050002 C350 0A050001 0050 0A050003 0050 SYN_RECV         59\n\
             UDP 0A050002 0035 0A050001 0035 0A050003 0035 UDP             305\n"
        );
        assert_eq!(
            list_conns(&text, true, false, &Numeric).unwrap(),
            "IPVS connection entries\n\
             pro expire state       source             virtual            destination\n\
             TCP 00:59  SYN_RECV    10.5.0.2:50000     10.5.0.1:80        10.5.0.3:80\n\
             UDP 05:05  UDP         10.5.0.2:53        10.5.0.1:53        10.5.0.3:53\n"
        );
        let named = list_conns(&text, false, false, &Fake).unwrap();
        assert!(named.contains(
            "TCP 00:59  SYN_RECV    10.5.0.2:50000     vip.example:http   10.5.0.3:http\n"
        ));
    }

    /// The rows pad destination to 16 and pe name to 18, the title the
    /// other way round: ipvsadm's quirk, kept.
    #[test]
    fn ipv6_and_persistence_engine_columns() {
        let text = format!(
            "{TITLE}UDP 2001:0db8:0000:0000:0000:0000:0000:0002 13C4 \
             2001:0db8:0000:0000:0000:0000:0000:0001 13C4 \
             2001:0db8:0000:0000:0000:0000:0000:0003 13C4 ESTABLISHED    899 sip abc\n"
        );
        assert_eq!(
            list_conns(&text, true, true, &Numeric).unwrap(),
            "IPVS connection entries\n\
             pro expire state       source             virtual            destination        pe name          pe_data\n\
             UDP 14:59  ESTABLISHED [2001:db8::2]:5060 [2001:db8::1]:5060 [2001:db8::3]:5060 sip                abc\n"
        );
    }

    #[test]
    fn empty_file_and_garbage_lines() {
        assert_eq!(list_conns("", true, false, &Numeric), Err(ConnError::Empty));
        let out = list_conns(&format!("{TITLE}junk\nTCP x y\n\n"), true, false, &Numeric).unwrap();
        assert_eq!(out.lines().count(), 2);
    }
}
