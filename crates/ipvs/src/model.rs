//! An IPVS table: virtual services keyed by (protocol, address, port) or by
//! firewall mark, each with its destinations (real servers).

use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

/// The IP protocol numbers IPVS services are keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn number(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
        }
    }

    pub fn from_number(n: u16) -> Option<Protocol> {
        match n {
            6 => Some(Protocol::Tcp),
            17 => Some(Protocol::Udp),
            132 => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

/// Address family of a service or destination (AF_INET / AF_INET6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Family {
    Inet,
    Inet6,
}

impl Family {
    pub fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        }
    }
}

/// How a virtual service is identified in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ServiceKey {
    Addr {
        protocol: Protocol,
        addr: SocketAddr,
    },
    FwMark {
        family: Family,
        mark: u32,
    },
}

impl ServiceKey {
    pub fn family(&self) -> Family {
        match self {
            ServiceKey::Addr { addr, .. } => Family::of(&addr.ip()),
            ServiceKey::FwMark { family, .. } => *family,
        }
    }
}

/// Forwarding method of a destination (ipvsadm's -g / -m / -i).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Forward {
    /// Direct routing, "gate", `IP_VS_CONN_F_DROUTE`.
    Route,
    /// NAT, "masq", `IP_VS_CONN_F_MASQ`.
    Masq,
    /// IP-in-IP tunnel, "ipip", `IP_VS_CONN_F_TUNNEL`.
    Tunnel,
    /// The director itself, `IP_VS_CONN_F_LOCALNODE`.
    Local,
}

/// The settings of a virtual service that can be edited in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceConf {
    pub scheduler: String,
    /// Persistence timeout in seconds; None = not persistent.
    pub persistence: Option<u32>,
    /// Persistence netmask (IPv4 dotted mask as a u32, or IPv6 prefix length).
    pub netmask: u32,
    /// `IP_VS_SVC_F_*` flags other than PERSISTENT and HASHED
    /// (one-packet, scheduler flags).
    pub flags: u32,
    pub pe_name: Option<String>,
}

/// The settings of a destination that can be edited in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DestConf {
    pub forward: Forward,
    pub weight: i32,
    pub upper_threshold: u32,
    pub lower_threshold: u32,
    /// Tunnel encapsulation for `Forward::Tunnel` (0 ipip, 1 gue, 2 gre).
    pub tun_type: u8,
    /// GUE destination port.
    pub tun_port: u16,
    /// `IP_VS_TUNNEL_ENCAP_FLAG_*`.
    pub tun_flags: u16,
}

/// Traffic counters as the kernel reports them (64-bit where it offers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub conns: u64,
    pub inpkts: u64,
    pub outpkts: u64,
    pub inbytes: u64,
    pub outbytes: u64,
    pub cps: u64,
    pub inpps: u64,
    pub outpps: u64,
    pub inbps: u64,
    pub outbps: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dest {
    pub addr: SocketAddr,
    pub conf: DestConf,
    /// Only in dumps from the kernel; ignored when comparing tables.
    pub active_conns: u32,
    pub inactive_conns: u32,
    pub persistent_conns: u32,
    pub stats: Stats,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub key: ServiceKey,
    pub conf: ServiceConf,
    /// In the kernel's order when dumped; diffing treats it as a set keyed
    /// by address.
    pub dests: Vec<Dest>,
    pub stats: Stats,
}

/// A whole table. Listings sort it the way ipvsadm does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    pub services: BTreeMap<ServiceKey, Service>,
}

impl ServiceConf {
    /// A plain service with `scheduler`, not persistent.
    pub fn with_scheduler(scheduler: &str) -> Self {
        ServiceConf {
            scheduler: scheduler.to_string(),
            persistence: None,
            netmask: 0xffff_ffff,
            flags: 0,
            pe_name: None,
        }
    }

    /// The netmask the kernel reports for a service that set none: a /32
    /// mask for IPv4, prefix length 128 for IPv6.
    pub fn default_netmask(family: Family) -> u32 {
        match family {
            Family::Inet => 0xffff_ffff,
            Family::Inet6 => 128,
        }
    }
}

impl DestConf {
    pub fn new(forward: Forward, weight: i32) -> Self {
        DestConf {
            forward,
            weight,
            upper_threshold: 0,
            lower_threshold: 0,
            tun_type: 0,
            tun_port: 0,
            tun_flags: 0,
        }
    }
}

impl Dest {
    /// A destination as configured, with zero counters.
    pub fn new(addr: SocketAddr, conf: DestConf) -> Self {
        Dest {
            addr,
            conf,
            active_conns: 0,
            inactive_conns: 0,
            persistent_conns: 0,
            stats: Stats::default(),
        }
    }
}

impl Service {
    /// A service as configured, with zero counters.
    pub fn new(key: ServiceKey, mut conf: ServiceConf, dests: Vec<Dest>) -> Self {
        // An IPv6 service's netmask is a prefix length; the IPv4 default
        // would be refused by the kernel and would never compare equal.
        if key.family() == Family::Inet6 && conf.netmask == 0xffff_ffff {
            conf.netmask = 128;
        }
        Service {
            key,
            conf,
            dests,
            stats: Stats::default(),
        }
    }
}

impl Table {
    pub fn from_services(services: impl IntoIterator<Item = Service>) -> Self {
        Table {
            services: services.into_iter().map(|s| (s.key, s)).collect(),
        }
    }
}
