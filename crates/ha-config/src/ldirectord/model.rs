//! The effective `ldirectord.cf`: every legacy default filled in and every
//! global inherited into the virtual services the way ldirectord 4.12 does it
//! at start-up, so the health checker and the IPVS reconciler never need to
//! know the defaulting rules.
//!
//! Names (hosts, services) are kept as written: the legacy resolves them while
//! reading the file, we resolve them when the daemon starts.

use serde::Serialize;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LdirectordCf {
    pub global: Global,
    pub virtuals: Vec<VirtualService>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Inet,
    Inet6,
}

/// A host as written: an address literal, or a name to resolve later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Host {
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Name(String),
}

/// A port as written: a number, or a service name for getservbyname.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Port {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Forward {
    Gate,
    Masq,
    Ipip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Fwm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckType {
    Connect,
    Negotiate,
    Ping,
    On,
    Off,
    External,
    ExternalPerl,
    /// `checktype=N`: N connect checks, then one negotiate check.
    Combined(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
}

/// Where the daemon logs: `logfile="/path"` is a file, anything else
/// (e.g. `logfile="local0"`) is taken as a syslog facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum LogTarget {
    File(String),
    Syslog(String),
}

/// Which daemon states trigger e-mail alerts (`emailalertstatus=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AlertStatus {
    pub starting: bool,
    pub running: bool,
    pub stopping: bool,
    pub reloading: bool,
}

impl AlertStatus {
    pub const ALL: AlertStatus = AlertStatus {
        starting: true,
        running: true,
        stopping: true,
        reloading: true,
    };
    pub const NONE: AlertStatus = AlertStatus {
        starting: false,
        running: false,
        stopping: false,
        reloading: false,
    };
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fallback {
    pub line: usize,
    pub host: Host,
    /// None: the virtual service's own port.
    pub port: Option<Port>,
    pub forward: Forward,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum RealAddress {
    Single {
        host: Host,
    },
    /// `first->last`: one real server per IPv4 address in the range,
    /// inclusive (expanded by the consumer; the legacy expands at read time).
    Range {
        first: Host,
        last: Host,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RealServer {
    pub line: usize,
    pub address: RealAddress,
    /// None: the real listens on the virtual service's port (IPVS port 0),
    /// and checks go to `checkport` or the service's well-known port.
    pub port: Option<Port>,
    pub forward: Forward,
    pub weight: u64,
    /// Per-real `"request", "receive"` override of the virtual's pair.
    /// When the request was written with a leading `/` the legacy drops
    /// the receive string (None here): HTTP checks then use the virtual's
    /// request and receive, the other checks this request with the
    /// virtual's receive.
    pub request: Option<String>,
    pub receive: Option<String>,
    /// IPVS lower / upper connection thresholds (`l:N`, `u:N`); 0 = none.
    pub lower_threshold: u64,
    pub upper_threshold: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum VirtualAddress {
    Service { host: Host, port: Port },
    Fwmark { mark: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VirtualService {
    pub line: usize,
    /// The line that ended the section (or the file's last line): where
    /// the legacy reports a duplicate virtual service.
    pub section_end_line: usize,
    pub family: Family,
    pub address: VirtualAddress,
    pub protocol: Protocol,
    /// The check protocol. None only when the port is a name and no
    /// `service=` was given: the legacy derives it from the resolved port.
    pub service: Option<String>,
    pub scheduler: String,
    pub persistent: Option<u64>,
    pub netmask: Option<String>,
    pub schedflags: Option<String>,
    pub ops: bool,
    pub checktype: CheckType,
    pub checkcommand: String,
    pub checkport: Option<u16>,
    pub checkinterval: u64,
    pub checktimeout: u64,
    pub negotiatetimeout: u64,
    pub checkcount: u64,
    pub failurecount: u64,
    pub request: String,
    pub receive: String,
    pub httpmethod: HttpMethod,
    pub virtualhost: Option<String>,
    /// For `service=ftp` the legacy defaults this to `anonymous`.
    pub login: String,
    /// For ftp (and the sip login) the legacy defaults to
    /// `ldirectord@HOSTNAME`; left empty here, filled by the daemon.
    pub passwd: String,
    pub database: String,
    pub secret: String,
    pub load: Option<String>,
    pub fallback: Option<Fallback>,
    pub fallbackcommand: Option<String>,
    pub quiescent: bool,
    pub cleanstop: bool,
    pub emailalert: Option<String>,
    pub emailalertfreq: u64,
    pub emailalertstatus: AlertStatus,
    pub smtp: Option<String>,
    pub monitorfile: Option<String>,
    pub servicename: Option<String>,
    pub comment: Option<String>,
    pub reals: Vec<RealServer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Global {
    pub checkinterval: u64,
    /// As written; the effective per-virtual values are on each virtual.
    pub checktimeout: Option<u64>,
    pub negotiatetimeout: Option<u64>,
    pub checkcount: u64,
    pub failurecount: u64,
    pub autoreload: bool,
    pub callback: Option<String>,
    pub cleanstop: bool,
    pub emailalert: Option<String>,
    pub emailalertfreq: u64,
    pub emailalertfrom: Option<String>,
    pub emailalertstatus: AlertStatus,
    pub execute: Vec<String>,
    pub fallback: Option<Fallback>,
    pub fallback6: Option<Fallback>,
    /// Accepted but never run by the legacy: only a virtual's own
    /// `fallbackcommand` is used.
    pub fallbackcommand: Option<String>,
    pub fork: bool,
    pub logfile: LogTarget,
    pub maintenancedir: Option<String>,
    pub quiescent: bool,
    pub readdquiescent: bool,
    pub smtp: Option<String>,
    pub supervised: bool,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            checkinterval: 10,
            checktimeout: None,
            negotiatetimeout: None,
            checkcount: 1,
            failurecount: 1,
            autoreload: false,
            callback: None,
            cleanstop: true,
            emailalert: None,
            emailalertfreq: 0,
            emailalertfrom: None,
            emailalertstatus: AlertStatus::ALL,
            execute: Vec::new(),
            fallback: None,
            fallback6: None,
            fallbackcommand: None,
            fork: false,
            logfile: LogTarget::File("/var/log/ldirectord.log".to_string()),
            maintenancedir: None,
            quiescent: false,
            readdquiescent: false,
            smtp: None,
            supervised: false,
        }
    }
}

/// The legacy's port → check-service table, used when `service=` is absent.
pub fn port_to_service(port: u16) -> &'static str {
    match port {
        21 => "ftp",
        25 => "smtp",
        53 => "dns",
        80 => "http",
        110 => "pop",
        119 => "nntp",
        143 => "imap",
        389 => "ldap",
        443 => "https",
        587 => "submission",
        636 => "ldaps",
        993 => "imaps",
        995 => "pops",
        1521 => "oracle",
        1812 => "radius",
        3128 => "http_proxy",
        3306 => "mysql",
        5060 => "sip",
        5432 => "pgsql",
        _ => "none",
    }
}

/// The `service=` values ldirectord 4.12 knows.
pub const SERVICES: &[&str] = &[
    "dns",
    "ftp",
    "http",
    "https",
    "http_proxy",
    "imap",
    "imaps",
    "ldap",
    "ldaps",
    "nntp",
    "mysql",
    "none",
    "oracle",
    "pop",
    "pops",
    "radius",
    "pgsql",
    "sip",
    "smtp",
    "submission",
    "simpletcp",
];
