//! An `ldirectord.cf` resolved into what the daemon acts on: IPVS service
//! keys and settings, real servers as socket addresses with their IPVS
//! settings, the fallback, and the distinct checks to run.
//!
//! A real server that appears in several virtual services with the same
//! check (same target and parameters) gets one [`CheckPlan`]: it is checked
//! once and every virtual using it follows the one result, so it cannot
//! flap between them (the seed deployment's complaint about the legacy).

use ha_config::ldirectord::{
    self as cf, CheckType, Host, LdirectordCf, NameLookup, Port, RealAddress,
};
use ipvs::{DestConf, Family, Forward, Protocol, ServiceConf, ServiceKey};
use rustc_hash::FxHashMap as HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Index into [`Plan::checks`].
pub type CheckId = usize;

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub virtuals: Vec<VirtualPlan>,
    pub checks: Vec<CheckPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VirtualPlan {
    /// The legacy's virtual id (`tcp:192.168.72.8:80`, `fwm:1`).
    pub id: String,
    /// How the legacy names it in log lines (`192.168.72.8:80`, `1`).
    pub display: String,
    pub key: ServiceKey,
    pub conf: ServiceConf,
    pub reals: Vec<RealPlan>,
    pub fallback: Option<RealPlan>,
    pub quiescent: bool,
    /// `readdquiescent`: a quiescent real that is down and has gone from
    /// the kernel's table (deleted by hand) is put back at weight 0.
    pub readdquiescent: bool,
    /// `cleanstop` (per virtual, default the global): whether stopping the
    /// daemon takes this service out of the kernel's table.
    pub cleanstop: bool,
    pub failurecount: u32,
    pub fallbackcommand: Option<String>,
    /// The legacy's `proto` word for the fallback command (`tcp`, `udp`, `fwm`).
    pub protocol_word: &'static str,
    /// Index of this virtual in the config (for its check parameters).
    pub config_index: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RealPlan {
    pub addr: SocketAddr,
    pub conf: DestConf,
    /// None for the fallback server, which is not checked.
    pub check: Option<CheckId>,
}

/// One distinct check: where to connect, and the virtual whose check
/// parameters (checktype, service, request, timeouts...) apply, with the
/// real's own request/receive override if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPlan {
    pub target: SocketAddr,
    pub real: SocketAddr,
    pub config_index: usize,
    pub request: Option<String>,
    pub receive: Option<String>,
    pub interval_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn family(f: cf::Family) -> Family {
    match f {
        cf::Family::Inet => Family::Inet,
        cf::Family::Inet6 => Family::Inet6,
    }
}

fn host(
    h: &Host,
    fam: cf::Family,
    names: &dyn NameLookup,
    line: usize,
) -> Result<IpAddr, PlanError> {
    match h {
        Host::Ipv4(a) => Ok(IpAddr::V4(*a)),
        Host::Ipv6(a) => Ok(IpAddr::V6(*a)),
        Host::Name(n) => names.host(n, fam).ok_or_else(|| PlanError {
            line,
            message: format!("cannot resolve host name {n:?}"),
        }),
    }
}

fn port(
    p: &Port,
    proto: Option<&str>,
    names: &dyn NameLookup,
    line: usize,
) -> Result<u16, PlanError> {
    match p {
        Port::Number(n) => Ok(*n),
        Port::Name(n) => names.service(n, proto).ok_or_else(|| PlanError {
            line,
            message: format!("cannot resolve service name {n:?}"),
        }),
    }
}

fn forward(f: cf::Forward) -> Forward {
    match f {
        cf::Forward::Gate => Forward::Route,
        cf::Forward::Masq => Forward::Masq,
        cf::Forward::Ipip => Forward::Tunnel,
    }
}

/// The persistence netmask as IPVS wants it: a dotted IPv4 mask or an IPv6
/// prefix length.
fn netmask(v: &cf::VirtualService, fam: Family) -> Result<u32, PlanError> {
    let Some(m) = &v.netmask else {
        return Ok(ServiceConf::default_netmask(fam));
    };
    let bad = || PlanError {
        line: v.line,
        message: format!("invalid netmask {m:?}"),
    };
    match fam {
        Family::Inet => m.parse::<Ipv4Addr>().map(u32::from).map_err(|_| bad()),
        Family::Inet6 => m.trim_start_matches('/').parse::<u32>().map_err(|_| bad()),
    }
}

fn sched_flags(v: &cf::VirtualService) -> u32 {
    let mut bits = if v.ops { 0x4 } else { 0 };
    for f in v.schedflags.iter().flat_map(|s| s.split(',')) {
        bits |= match f.trim() {
            "flag-1" | "sh-fallback" | "mh-fallback" => 0x8,
            "flag-2" | "sh-port" | "mh-port" => 0x10,
            "flag-3" => 0x20,
            _ => 0,
        };
    }
    bits
}

/// Every address a `real=` line stands for (ranges expanded).
fn real_hosts(
    r: &cf::RealServer,
    fam: cf::Family,
    names: &dyn NameLookup,
) -> Result<Vec<IpAddr>, PlanError> {
    match &r.address {
        RealAddress::Single { host: h } => Ok(vec![host(h, fam, names, r.line)?]),
        RealAddress::Range { first, last } => {
            let (a, b) = (
                host(first, fam, names, r.line)?,
                host(last, fam, names, r.line)?,
            );
            match (a, b) {
                (IpAddr::V4(a), IpAddr::V4(b)) if u32::from(a) <= u32::from(b) => Ok((u32::from(a)
                    ..=u32::from(b))
                    .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
                    .collect()),
                _ => Err(PlanError {
                    line: r.line,
                    message: "real server range must be two IPv4 addresses, low to high".into(),
                }),
            }
        }
    }
}

/// Resolves the whole configuration.
pub fn build(cfg: &LdirectordCf, names: &dyn NameLookup) -> Result<Plan, PlanError> {
    let mut plan = Plan {
        virtuals: Vec::new(),
        checks: Vec::new(),
    };
    // Reals of different virtuals share a check when they would run the
    // same one: same target, same per-real request/receive and the same
    // check settings. The settings are compared as one text made once per
    // virtual (made per real, it cost 20 ms a reload at 10,000 reals).
    let mut settings_ids: HashMap<String, usize> = HashMap::default();
    let mut check_ids: HashMap<(SocketAddr, usize, &str, &str), CheckId> = HashMap::default();
    for (vi, v) in cfg.virtuals.iter().enumerate() {
        let fam = family(v.family);
        let proto_word = match v.protocol {
            cf::Protocol::Tcp => "tcp",
            cf::Protocol::Udp => "udp",
            cf::Protocol::Fwm => "fwm",
        };
        let (key, vport, display) = match &v.address {
            cf::VirtualAddress::Service { host: h, port: p } => {
                let ip = host(h, v.family, names, v.line)?;
                let pr = if proto_word == "udp" { "udp" } else { "tcp" };
                let port = port(p, Some(pr), names, v.line)?;
                let protocol = if proto_word == "udp" {
                    Protocol::Udp
                } else {
                    Protocol::Tcp
                };
                let addr = SocketAddr::new(ip, port);
                let display = match ip {
                    IpAddr::V4(_) => format!("{ip}:{port}"),
                    IpAddr::V6(_) => format!("[{ip}]:{port}"),
                };
                (ServiceKey::Addr { protocol, addr }, port, display)
            }
            cf::VirtualAddress::Fwmark { mark } => (
                ServiceKey::FwMark {
                    family: fam,
                    mark: *mark as u32,
                },
                0,
                mark.to_string(),
            ),
        };
        let id = match key {
            ServiceKey::FwMark {
                family: Family::Inet6,
                ..
            } => format!("fwm6:{display}"),
            _ => format!("{proto_word}:{display}"),
        };
        let conf = ServiceConf {
            scheduler: v.scheduler.clone(),
            persistence: v.persistent.map(|p| p as u32),
            netmask: netmask(v, fam)?,
            flags: sched_flags(v),
            pe_name: None,
        };
        let fwmark = matches!(key, ServiceKey::FwMark { .. });
        // IPVS keeps the service port for direct routing and tunnelling
        // (ipvsadm forces it); do the same so listings match the legacy's.
        let dest_port = |explicit: Option<u16>, fwd: Forward| -> u16 {
            if !fwmark && matches!(fwd, Forward::Route | Forward::Tunnel) {
                vport
            } else {
                explicit.unwrap_or(vport)
            }
        };
        let settings = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}|{}|{}",
            v.checktype,
            v.service,
            v.virtualhost,
            v.httpmethod,
            v.checkcommand,
            v.checkinterval,
            v.checktimeout,
            v.negotiatetimeout,
            if matches!(v.checktype, CheckType::External | CheckType::ExternalPerl) {
                id.as_str()
            } else {
                ""
            },
        );
        let next_settings_id = settings_ids.len();
        let settings_id = *settings_ids.entry(settings).or_insert(next_settings_id);
        let mut reals = Vec::with_capacity(v.reals.len());
        for r in &v.reals {
            let explicit = match &r.port {
                Some(p) => Some(port(p, Some(proto_word), names, r.line)?),
                None => None,
            };
            let fwd = forward(r.forward);
            for ip in real_hosts(r, v.family, names)? {
                let addr = SocketAddr::new(ip, dest_port(explicit, fwd));
                let target_port =
                    v.checkport
                        .or(explicit)
                        .unwrap_or(if vport != 0 { vport } else { 80 });
                let check = CheckPlan {
                    target: SocketAddr::new(ip, target_port),
                    real: addr,
                    config_index: vi,
                    request: r.request.clone(),
                    receive: r.receive.clone(),
                    interval_ms: v.checkinterval.max(1) * 1000,
                };
                let dedup = (
                    check.target,
                    settings_id,
                    r.request.as_deref().unwrap_or(&v.request),
                    r.receive.as_deref().unwrap_or(&v.receive),
                );
                let cid = *check_ids.entry(dedup).or_insert_with(|| {
                    plan.checks.push(check);
                    plan.checks.len() - 1
                });
                let mut dc = DestConf::new(fwd, r.weight.min(i32::MAX as u64) as i32);
                dc.lower_threshold = r.lower_threshold as u32;
                dc.upper_threshold = r.upper_threshold as u32;
                reals.push(RealPlan {
                    addr,
                    conf: dc,
                    check: Some(cid),
                });
            }
        }
        let fallback = match &v.fallback {
            Some(fb) => {
                let ip = host(&fb.host, v.family, names, fb.line)?;
                let explicit = match &fb.port {
                    Some(p) => Some(port(p, Some(proto_word), names, fb.line)?),
                    None => None,
                };
                let fwd = forward(fb.forward);
                Some(RealPlan {
                    addr: SocketAddr::new(ip, dest_port(explicit, fwd)),
                    conf: DestConf::new(fwd, 1),
                    check: None,
                })
            }
            None => None,
        };
        plan.virtuals.push(VirtualPlan {
            id,
            display,
            key,
            conf,
            reals,
            fallback,
            quiescent: v.quiescent,
            readdquiescent: cfg.global.readdquiescent,
            cleanstop: v.cleanstop,
            failurecount: v.failurecount.clamp(1, u32::MAX as u64) as u32,
            fallbackcommand: v.fallbackcommand.clone(),
            protocol_word: proto_word,
            config_index: vi,
        });
    }
    Ok(plan)
}
