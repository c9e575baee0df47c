//! ipvsadm 1.31's listing and save formats, column for column.

use super::names::Names;
use super::sort::{cmp_dests, cmp_services, glibc_qsort};
use crate::model::*;
use crate::wire::consts::*;
use crate::wire::{Info, Timeouts};
use std::fmt::Write;
use std::net::{Ipv4Addr, SocketAddr};

/// The listing options ipvsadm calls `FMT_*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Format {
    pub numeric: bool,
    pub stats: bool,
    pub rate: bool,
    pub thresholds: bool,
    pub persistent_conn: bool,
    pub tun_info: bool,
    pub exact: bool,
    pub nosort: bool,
    /// `-S`: the save format, which `-R` reads back.
    pub rule: bool,
}

/// `IP Virtual Server version 1.2.1 (size=4096)`.
pub fn version_line(info: &Info) -> String {
    let v = info.version;
    format!(
        "IP Virtual Server version {}.{}.{} (size={})\n",
        (v >> 16) & 0xff,
        (v >> 8) & 0xff,
        v & 0xff,
        info.conn_tab_size
    )
}

pub fn title(fmt: &Format) -> String {
    const PROT: &str = "Prot LocalAddress:Port";
    const REMOTE: &str = "  -> RemoteAddress:Port\n";
    let numbers = |cols: [&str; 5]| {
        let mut t = format!("{PROT:<33}");
        for c in cols {
            t.push_str(&format!(" {c:>8}"));
        }
        t + "\n" + REMOTE
    };
    if fmt.stats {
        numbers(["Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"])
    } else if fmt.rate {
        numbers(["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"])
    } else if fmt.thresholds {
        format!(
            "{PROT:<33} {:<10} {:<10} {:<10} {:<10}\n{REMOTE}",
            "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        )
    } else if fmt.persistent_conn {
        format!(
            "{PROT:<33} {:<9} {:<11} {:<10} {:<10}\n{REMOTE}",
            "Weight", "PersistConn", "ActiveConn", "InActConn"
        )
    } else if fmt.tun_info {
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n".to_string()
    } else if fmt.rule {
        String::new()
    } else {
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n".to_string()
    }
}

/// `ipvsadm -L` / `-S` of the whole table (`info` is None for `-S`).
pub fn list_all(
    info: Option<&Info>,
    services: &[Service],
    fmt: &Format,
    names: &dyn Names,
) -> String {
    let mut out = String::new();
    if !fmt.rule {
        if let Some(i) = info {
            out.push_str(&version_line(i));
        }
    }
    let mut sorted = services.to_vec();
    if !fmt.nosort {
        glibc_qsort(&mut sorted, &cmp_services);
    }
    out.push_str(&title(fmt));
    for s in &sorted {
        service_entry(&mut out, s, fmt, names);
    }
    out
}

/// `ipvsadm -L -t ADDR`: one service, with the title but no version line.
pub fn list_service(service: &Service, fmt: &Format, names: &dyn Names) -> String {
    let mut out = title(fmt);
    service_entry(&mut out, service, fmt, names);
    out
}

pub fn list_timeouts(t: &Timeouts) -> String {
    format!(
        "Timeout (tcp tcpfin udp): {} {} {}\n",
        t.tcp, t.tcp_fin, t.udp
    )
}

/// `print_largenum`: 9 columns, scaled to K/M/G/T unless `--exact`.
fn largenum(out: &mut String, i: u64, exact: bool) {
    if exact {
        let len = i.to_string().len();
        let w = if len <= 8 { 9 } else { len + 1 };
        let _ = write!(out, "{i:>w$}");
        return;
    }
    let _ = match i {
        i if i < 100_000_000 => write!(out, "{i:>9}"),
        i if i < 1_000_000_000 => write!(out, "{:>8}K", i / 1000),
        i if i < 100_000_000_000 => write!(out, "{:>8}M", i / 1_000_000),
        i if i < 100_000_000_000_000 => write!(out, "{:>8}G", i / 1_000_000_000),
        i => write!(out, "{:>8}T", i / 1_000_000_000_000),
    };
}

fn addrport(addr: &SocketAddr, protocol: Protocol, fmt: &Format, names: &dyn Names) -> String {
    let (open, close) = if addr.is_ipv4() { ("", "") } else { ("[", "]") };
    if fmt.numeric {
        return format!("{open}{}{close}:{}", addr.ip(), addr.port());
    }
    let host = names
        .host(&addr.ip())
        .unwrap_or_else(|| addr.ip().to_string());
    let port = names
        .service(addr.port(), protocol)
        .unwrap_or_else(|| addr.port().to_string());
    // ipvsadm builds this in a 60-byte buffer.
    truncate(format!("{open}{host}{close}:{port}"), 59)
}

pub(crate) fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

fn protocol_option(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "-t",
        Protocol::Udp => "-u",
        Protocol::Sctp => "--sctp-service",
    }
}

fn fwd_name(f: Forward) -> &'static str {
    match f {
        Forward::Masq => "Masq",
        Forward::Local => "Local",
        Forward::Tunnel => "Tunnel",
        Forward::Route => "Route",
    }
}

fn fwd_switch(f: Forward) -> &'static str {
    match f {
        Forward::Masq => "-m",
        Forward::Tunnel => "-i",
        Forward::Local | Forward::Route => "-g",
    }
}

fn sched_flags(conf: &ServiceConf) -> String {
    let f = conf.flags;
    let names: &[(u32, &str)] = match conf.scheduler.as_str() {
        "sh" => &[(SVC_F_SCHED1, "sh-fallback"), (SVC_F_SCHED2, "sh-port")],
        "mh" => &[(SVC_F_SCHED1, "mh-fallback"), (SVC_F_SCHED2, "mh-port")],
        _ => &[
            (SVC_F_SCHED1, "flag-1"),
            (SVC_F_SCHED2, "flag-2"),
            (SVC_F_SCHED3, "flag-3"),
        ],
    };
    names
        .iter()
        .filter(|(bit, _)| f & bit != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

fn has_sched_flags(conf: &ServiceConf) -> bool {
    conf.flags & (SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3) != 0
}

fn ipv4_mask(m: u32) -> String {
    Ipv4Addr::from(m).to_string()
}

fn service_entry(out: &mut String, s: &Service, fmt: &Format, names: &dyn Names) {
    let af = s.key.family();
    let (svc_name, protocol) = match &s.key {
        ServiceKey::FwMark { family, mark } => {
            let v6 = *family == Family::Inet6;
            let name = match (fmt.rule, v6) {
                (true, false) => format!("-f {mark}"),
                (true, true) => format!("-f {mark} -6"),
                (false, false) => format!("FWM  {mark}"),
                (false, true) => format!("FWM  {mark} IPv6"),
            };
            (name, Protocol::Tcp)
        }
        ServiceKey::Addr { protocol, addr } => {
            let v = addrport(addr, *protocol, fmt, names);
            let name = if fmt.rule {
                format!("{} {v}", protocol_option(*protocol))
            } else {
                let n = format!("{:<4} {v}", protocol_name(*protocol));
                if af == Family::Inet {
                    truncate(n, 33)
                } else {
                    n
                }
            };
            (name, *protocol)
        }
    };
    let c = &s.conf;
    if fmt.rule {
        let _ = write!(out, "-A {svc_name} -s {}", c.scheduler);
        if let Some(t) = c.persistence {
            let _ = write!(out, " -p {t}");
            match af {
                Family::Inet if c.netmask != 0xffff_ffff => {
                    let _ = write!(out, " -M {}", ipv4_mask(c.netmask));
                }
                Family::Inet6 if c.netmask != 128 => {
                    let _ = write!(out, " -M {}", c.netmask as i32);
                }
                _ => {}
            }
        }
        if let Some(pe) = &c.pe_name {
            let _ = write!(out, " --pe {pe}");
        }
        if c.flags & SVC_F_ONEPACKET != 0 {
            out.push_str(" -o");
        }
        if has_sched_flags(c) {
            let _ = write!(out, " -b {}", sched_flags(c));
        }
    } else if fmt.stats {
        let _ = write!(out, "{svc_name:<33}");
        for v in [
            s.stats.conns,
            s.stats.inpkts,
            s.stats.outpkts,
            s.stats.inbytes,
            s.stats.outbytes,
        ] {
            largenum(out, v, fmt.exact);
        }
    } else if fmt.rate {
        let _ = write!(out, "{svc_name:<33}");
        for v in [
            s.stats.cps,
            s.stats.inpps,
            s.stats.outpps,
            s.stats.inbps,
            s.stats.outbps,
        ] {
            largenum(out, v, fmt.exact);
        }
    } else {
        let _ = write!(out, "{svc_name} {}", c.scheduler);
        if has_sched_flags(c) {
            let _ = write!(out, " ({})", sched_flags(c));
        }
        if let Some(t) = c.persistence {
            let _ = write!(out, " persistent {t}");
            match af {
                Family::Inet if c.netmask != 0xffff_ffff => {
                    let _ = write!(out, " mask {}", ipv4_mask(c.netmask));
                }
                Family::Inet6 if c.netmask != 128 => {
                    let _ = write!(out, " mask {}", c.netmask as i32);
                }
                _ => {}
            }
            if let Some(pe) = &c.pe_name {
                let _ = write!(out, " pe {pe}");
            }
        }
        if c.flags & SVC_F_ONEPACKET != 0 {
            out.push_str(" ops");
        }
    }
    out.push('\n');

    let mut dests = s.dests.clone();
    if !fmt.nosort {
        glibc_qsort(&mut dests, &cmp_dests);
    }
    for d in &dests {
        dest_entry(out, &svc_name, protocol, d, fmt, names);
    }
}

fn dest_entry(
    out: &mut String,
    svc_name: &str,
    protocol: Protocol,
    d: &Dest,
    fmt: &Format,
    names: &dyn Names,
) {
    let mut dname = addrport(&d.addr, protocol, fmt, names);
    if !fmt.rule && d.addr.is_ipv4() {
        dname = truncate(dname, 28);
    }
    let c = &d.conf;
    if fmt.rule {
        let _ = write!(
            out,
            "-a {svc_name} -r {dname} {} -w {}",
            fwd_switch(c.forward),
            c.weight
        );
        if c.forward == Forward::Tunnel {
            let csum = ["--tun-nocsum", "--tun-csum", "--tun-remcsum"];
            let flag = csum.get(c.tun_flags as usize).copied().unwrap_or("");
            match c.tun_type {
                0 => out.push_str(" --tun-type ipip"),
                1 => {
                    let _ = write!(out, " --tun-type gue --tun-port {} {flag}", c.tun_port);
                }
                2 => {
                    let _ = write!(out, " --tun-type gre {flag}");
                }
                _ => {}
            }
        }
        out.push('\n');
    } else if fmt.stats {
        let _ = write!(out, "  -> {dname:<28}");
        for v in [
            d.stats.conns,
            d.stats.inpkts,
            d.stats.outpkts,
            d.stats.inbytes,
            d.stats.outbytes,
        ] {
            largenum(out, v, fmt.exact);
        }
        out.push('\n');
    } else if fmt.rate {
        let _ = write!(
            out,
            "  -> {dname:<28} {:>8} {:>8} {:>8}",
            d.stats.cps, d.stats.inpps, d.stats.outpps
        );
        largenum(out, d.stats.inbps, fmt.exact);
        largenum(out, d.stats.outbps, fmt.exact);
        out.push('\n');
    } else if fmt.thresholds {
        let _ = writeln!(
            out,
            "  -> {dname:<28} {:<10} {:<10} {:<10} {:<10}",
            c.upper_threshold, c.lower_threshold, d.active_conns, d.inactive_conns
        );
    } else if fmt.persistent_conn {
        let _ = writeln!(
            out,
            "  -> {dname:<28} {:<9} {:<11} {:<10} {:<10}",
            c.weight as u32, d.persistent_conns, d.active_conns, d.inactive_conns
        );
    } else if fmt.tun_info {
        let info = tun_info(c);
        let _ = writeln!(
            out,
            "  -> {dname:<28} {:<7} {:<13} {:<6} {:<10} {:<10}",
            fwd_name(c.forward),
            info,
            c.weight,
            d.active_conns,
            d.inactive_conns
        );
    } else {
        let _ = writeln!(
            out,
            "  -> {dname:<28} {:<7} {:<6} {:<10} {:<10}",
            fwd_name(c.forward),
            c.weight,
            d.active_conns,
            d.inactive_conns
        );
    }
}

fn tun_info(c: &DestConf) -> String {
    if c.forward != Forward::Tunnel {
        return "n/a".to_string();
    }
    let flags = ["-c", "+c", "r+c"];
    let f = flags.get(c.tun_flags as usize).copied().unwrap_or("");
    match c.tun_type {
        0 => "ipip".to_string(),
        1 => format!("gue:{}:{f}", c.tun_port),
        2 => format!("gre:{f}"),
        _ => "n/a".to_string(),
    }
}
