//! What the page and the metrics show: the configured virtual services
//! and real servers joined with the kernel's table, the checks, the
//! heartbeat cluster and the timeline, as one immutable snapshot.

use crate::cluster::Cluster;
use crate::events::Event;
use ipvs::{ServiceKey, Stats, Table};
use std::net::SocketAddr;

/// A virtual service as the configuration defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredVirtual {
    pub key: ServiceKey,
    /// ldirectord's name for it, e.g. `TCP 10.9.0.100:80`.
    pub name: String,
    pub reals: Vec<ConfiguredReal>,
    pub fallback: Option<SocketAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredReal {
    pub addr: SocketAddr,
    /// Index into [`Snapshot::checks`], when the real is checked.
    pub check: Option<usize>,
}

/// The latest news of one check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckStatus {
    pub real: Option<SocketAddr>,
    /// None before its first result.
    pub up: Option<bool>,
    /// The check's own words for its latest result.
    pub reason: String,
    pub successes: u64,
    pub failures: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealState {
    Up,
    Down,
    /// Kept in the table at weight 0 after failing (`quiescent=yes`).
    Quiescent,
    /// The fallback server, in the table because no real is up.
    Fallback,
}

impl RealState {
    pub const ALL: [RealState; 4] = [
        RealState::Up,
        RealState::Down,
        RealState::Quiescent,
        RealState::Fallback,
    ];

    pub fn word(self) -> &'static str {
        match self {
            RealState::Up => "up",
            RealState::Down => "down",
            RealState::Quiescent => "quiescent",
            RealState::Fallback => "fallback",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RealView {
    pub addr: SocketAddr,
    pub state: RealState,
    pub weight: i32,
    pub active: u32,
    pub inactive: u32,
    pub stats: Stats,
    /// Why it is not up, as its check said; None when up.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VirtualView {
    pub key: ServiceKey,
    pub name: String,
    pub scheduler: String,
    /// False while the service is configured but not (yet) in the kernel.
    pub in_kernel: bool,
    pub stats: Stats,
    pub reals: Vec<RealView>,
}

/// The kernel's global counters (`/proc/net/ip_vs_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GlobalStats {
    pub conns: u64,
    pub inpkts: u64,
    pub outpkts: u64,
    pub inbytes: u64,
    pub outbytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Unix time the kernel's table was read.
    pub taken_at: u64,
    pub host: String,
    pub virtuals: Vec<VirtualView>,
    pub checks: Vec<CheckStatus>,
    pub totals: Option<GlobalStats>,
    /// Why the kernel's table could not be read, if it could not.
    pub ipvs_error: Option<String>,
    /// Err: why heartbeatd could not be asked.
    pub cluster: Option<Result<Cluster, String>>,
    /// Newest first.
    pub events: Vec<Event>,
}

/// Joins the configuration, the kernel's table and the checks' news:
/// the kernel says what is in effect (weight 0 = quiescent, absent =
/// down), the check says why.
pub fn views(
    configured: &[ConfiguredVirtual],
    table: &Table,
    checks: &[CheckStatus],
) -> Vec<VirtualView> {
    configured
        .iter()
        .map(|cv| {
            let service = table.services.get(&cv.key);
            let dest = |a: &SocketAddr| service.and_then(|s| s.dests.iter().find(|d| d.addr == *a));
            let mut reals: Vec<RealView> = cv
                .reals
                .iter()
                .map(|r| {
                    let d = dest(&r.addr);
                    let state = match d {
                        Some(d) if d.conf.weight > 0 => RealState::Up,
                        Some(_) => RealState::Quiescent,
                        None => RealState::Down,
                    };
                    let reason = (state != RealState::Up)
                        .then(|| r.check.and_then(|c| checks.get(c)))
                        .flatten()
                        .filter(|c| c.up == Some(false))
                        .map(|c| c.reason.clone());
                    real_view(r.addr, state, d, reason)
                })
                .collect();
            if let Some(f) = cv.fallback {
                if let Some(d) = dest(&f) {
                    reals.push(real_view(f, RealState::Fallback, Some(d), None));
                }
            }
            VirtualView {
                key: cv.key,
                name: cv.name.clone(),
                scheduler: service
                    .map(|s| s.conf.scheduler.clone())
                    .unwrap_or_default(),
                in_kernel: service.is_some(),
                stats: service.map(|s| s.stats).unwrap_or_default(),
                reals,
            }
        })
        .collect()
}

fn real_view(
    addr: SocketAddr,
    state: RealState,
    d: Option<&ipvs::Dest>,
    reason: Option<String>,
) -> RealView {
    RealView {
        addr,
        state,
        weight: d.map(|d| d.conf.weight).unwrap_or(0),
        active: d.map(|d| d.active_conns).unwrap_or(0),
        inactive: d.map(|d| d.inactive_conns).unwrap_or(0),
        stats: d.map(|d| d.stats).unwrap_or_default(),
        reason,
    }
}

/// A name for a virtual service that is safe in a file name and a URL:
/// `tcp-10.9.0.100-80`, `fwm4-1`.
pub fn virtual_id(key: &ServiceKey) -> String {
    let raw = match key {
        ServiceKey::Addr { protocol, addr } => {
            let p = match protocol {
                ipvs::Protocol::Tcp => "tcp",
                ipvs::Protocol::Udp => "udp",
                ipvs::Protocol::Sctp => "sctp",
            };
            format!("{p}-{}-{}", addr.ip(), addr.port())
        }
        ServiceKey::FwMark { family, mark } => {
            let f = if *family == ipvs::Family::Inet { 4 } else { 6 };
            format!("fwm{f}-{mark}")
        }
    };
    safe(&raw)
}

/// `VIRTUAL_ID--10.9.0.2-80`.
pub fn real_id(key: &ServiceKey, real: &SocketAddr) -> String {
    safe(&format!(
        "{}--{}-{}",
        virtual_id(key),
        real.ip(),
        real.port()
    ))
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Reads `/proc/net/ip_vs_stats`: its first row of numbers (hex) is the
/// totals since the module loaded.
pub fn parse_ip_vs_stats(text: &str) -> Option<GlobalStats> {
    let row = text.lines().find_map(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        (words.len() == 5
            && words
                .iter()
                .all(|w| w.chars().all(|c| c.is_ascii_hexdigit())))
        .then_some(words)
    })?;
    let n = |i: usize| u64::from_str_radix(row[i], 16).ok();
    Some(GlobalStats {
        conns: n(0)?,
        inpkts: n(1)?,
        outpkts: n(2)?,
        inbytes: n(3)?,
        outbytes: n(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipvs::{Dest, DestConf, Forward, Protocol, Service, ServiceConf};

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn states_come_from_the_kernel_and_reasons_from_the_checks() {
        let key = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: addr("10.9.0.100:80"),
        };
        let mut q = Dest::new(addr("10.9.0.3:80"), DestConf::new(Forward::Masq, 0));
        q.active_conns = 2;
        let mut up = Dest::new(addr("10.9.0.2:80"), DestConf::new(Forward::Masq, 5));
        up.stats.cps = 4;
        let table = Table::from_services([Service::new(
            key,
            ServiceConf::with_scheduler("wrr"),
            vec![
                up,
                q,
                Dest::new(addr("127.0.0.1:80"), DestConf::new(Forward::Local, 1)),
            ],
        )]);
        let cfg = vec![ConfiguredVirtual {
            key,
            name: "TCP 10.9.0.100:80".into(),
            reals: ["10.9.0.2:80", "10.9.0.3:80", "10.9.0.4:80"]
                .iter()
                .enumerate()
                .map(|(i, a)| ConfiguredReal {
                    addr: addr(a),
                    check: Some(i),
                })
                .collect(),
            fallback: Some(addr("127.0.0.1:80")),
        }];
        let checks = vec![
            CheckStatus {
                up: Some(true),
                reason: "ok".into(),
                ..Default::default()
            },
            CheckStatus {
                up: Some(false),
                reason: "timed out".into(),
                ..Default::default()
            },
            CheckStatus {
                up: Some(false),
                reason: "refused".into(),
                ..Default::default()
            },
        ];
        let v = &views(&cfg, &table, &checks)[0];
        assert!(v.in_kernel);
        assert_eq!(v.scheduler, "wrr");
        let states: Vec<_> = v
            .reals
            .iter()
            .map(|r| (r.state, r.weight, r.reason.as_deref()))
            .collect();
        assert_eq!(
            states,
            vec![
                (RealState::Up, 5, None),
                (RealState::Quiescent, 0, Some("timed out")),
                (RealState::Down, 0, Some("refused")),
                (RealState::Fallback, 1, None),
            ]
        );
        assert_eq!(v.reals[0].stats.cps, 4);
        assert_eq!(v.reals[1].active, 2);
    }

    #[test]
    fn ids_are_file_and_url_safe() {
        let k = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: addr("[2001:db8::1]:443"),
        };
        assert_eq!(virtual_id(&k), "tcp-2001_db8__1-443");
        assert_eq!(
            real_id(&k, &addr("10.0.0.2:80")),
            "tcp-2001_db8__1-443--10.0.0.2-80"
        );
        let m = ServiceKey::FwMark {
            family: ipvs::Family::Inet,
            mark: 7,
        };
        assert_eq!(virtual_id(&m), "fwm4-7");
    }

    #[test]
    fn global_stats() {
        let text = "   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n      1A       FF        0              100                0\n\n Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n       0        0        0                0                0\n";
        let g = parse_ip_vs_stats(text).unwrap();
        assert_eq!((g.conns, g.inpkts, g.outpkts, g.inbytes), (26, 255, 0, 256));
        assert_eq!(parse_ip_vs_stats("garbage"), None);
    }
}
