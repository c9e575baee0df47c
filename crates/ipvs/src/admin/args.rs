//! ipvsadm's command line (popt style: clustered short options, attached or
//! separate arguments, `--long[=value]`), into one `Invocation`.

use super::optcheck;
use crate::listing::Format;
use crate::model::{Family, Forward, Protocol};
use crate::wire::consts::{STATE_BACKUP, STATE_MASTER};
use crate::wire::daemon::SyncDaemon;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Add,
    Edit,
    Del,
    Flush,
    List,
    Zero,
    SetTimeouts,
    Restore,
    Save,
    AddDest,
    EditDest,
    DelDest,
    StartDaemon,
    StopDaemon,
    Help,
    Version,
}

/// The virtual service named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvcArg {
    Addr {
        protocol: Protocol,
        addr: SocketAddr,
    },
    FwMark {
        mark: u32,
        family: Family,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub cmd: Cmd,
    pub svc: Option<SvcArg>,
    pub scheduler: Option<String>,
    pub persistent: Option<u32>,
    /// IPv4 mask (host order) or IPv6 prefix length, as given by -M.
    pub netmask: Option<u32>,
    pub real: Option<SocketAddr>,
    pub forward: Forward,
    pub forward_given: bool,
    pub weight: i32,
    pub upper_threshold: u32,
    pub lower_threshold: u32,
    pub one_packet: bool,
    pub pe_name: Option<String>,
    pub sched_flags: Option<String>,
    pub tun_type: u8,
    pub tun_port: u16,
    pub tun_flags: u16,
    pub list_timeout: bool,
    pub set_timeouts: Option<[u32; 3]>,
    pub format: Format,
    /// `-c`: list connections (from /proc/net/ip_vs_conn).
    pub list_conn: bool,
    /// `--daemon`: list the sync daemons.
    pub list_daemon: bool,
    /// `--start-daemon` / `--stop-daemon` and their options.
    pub daemon: SyncDaemon,
    /// ipvsadm's option bits seen so far (see `optcheck`).
    pub options: u64,
}

/// A command-line error: ipvsadm's message and exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    pub message: String,
    pub status: i32,
}

fn fail<T>(message: impl Into<String>) -> Result<T, ArgError> {
    Err(ArgError {
        message: message.into(),
        status: 2,
    })
}

fn tryhelp<T>(program: &str) -> Result<T, ArgError> {
    Err(ArgError {
        message: format!("Try `{program} -h' or '{program} --help' for more information."),
        status: 255,
    })
}

/// The long name of a short option.
fn long_name(short: char) -> Option<&'static str> {
    Some(match short {
        'A' => "add-service",
        'E' => "edit-service",
        'D' => "delete-service",
        'C' => "clear",
        'R' => "restore",
        'S' => "save",
        'a' => "add-server",
        'e' => "edit-server",
        'd' => "delete-server",
        'L' | 'l' => "list",
        'Z' => "zero",
        'h' => "help",
        'v' => "version",
        't' => "tcp-service",
        'u' => "udp-service",
        'f' => "fwmark-service",
        's' => "scheduler",
        'p' => "persistent",
        'M' => "netmask",
        'r' => "real-server",
        'm' => "masquerading",
        'i' => "ipip",
        'g' => "gatewaying",
        'w' => "weight",
        'x' => "u-threshold",
        'y' => "l-threshold",
        'n' => "numeric",
        'c' => "connection",
        'X' => "exact",
        '6' => "ipv6",
        'o' => "ops",
        'b' => "sched-flags",
        _ => return None,
    })
}

fn takes_value(long: &str) -> bool {
    matches!(
        long,
        "tcp-service"
            | "udp-service"
            | "sctp-service"
            | "fwmark-service"
            | "scheduler"
            | "netmask"
            | "real-server"
            | "weight"
            | "u-threshold"
            | "l-threshold"
            | "pe"
            | "sched-flags"
            | "tun-type"
            | "tun-port"
            | "start-daemon"
            | "stop-daemon"
            | "mcast-interface"
            | "syncid"
            | "mcast-group"
            | "mcast-port"
            | "mcast-ttl"
            | "sync-maxlen"
    )
}

const LONGS: &[&str] = &[
    "add-service",
    "edit-service",
    "delete-service",
    "clear",
    "list",
    "zero",
    "add-server",
    "edit-server",
    "delete-server",
    "set",
    "help",
    "version",
    "restore",
    "save",
    "start-daemon",
    "stop-daemon",
    "tcp-service",
    "udp-service",
    "sctp-service",
    "fwmark-service",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "masquerading",
    "ipip",
    "gatewaying",
    "weight",
    "u-threshold",
    "l-threshold",
    "numeric",
    "connection",
    "mcast-interface",
    "syncid",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "sort",
    "exact",
    "ipv6",
    "ops",
    "pe",
    "sched-flags",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

/// An option by its long name, with its value if it took one, and the
/// last argv word it used (what popt names in "invalid option").
type OptionArg = (String, Option<String>, String);

/// Splits argv into (long option name, value) pairs and positional words.
fn tokenize(program: &str, args: &[String]) -> Result<(Vec<OptionArg>, Vec<String>), ArgError> {
    let mut opts = Vec::new();
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(body) = a.strip_prefix("--") {
            if body.is_empty() {
                rest.extend(args[i..].iter().cloned());
                break;
            }
            let (name, attached) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            if !LONGS.contains(&name) {
                return popt_error(program, opts.is_empty(), a, "unknown option");
            }
            let value = if attached.is_some() {
                attached
            } else if takes_value(name) {
                match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return popt_error(program, opts.is_empty(), a, "missing argument"),
                }
            } else if name == "persistent" {
                optional_value(args, &mut i)
            } else {
                None
            };
            opts.push((name.to_string(), value, args[i - 1].clone()));
        } else if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) {
            let chars: Vec<char> = cluster.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                let Some(name) = long_name(c) else {
                    return popt_error(program, opts.is_empty(), a, "unknown option");
                };
                let attached: String = chars[k..].iter().collect();
                let value = if takes_value(name) {
                    k = chars.len();
                    if !attached.is_empty() {
                        Some(attached)
                    } else {
                        match args.get(i) {
                            Some(v) => {
                                i += 1;
                                Some(v.clone())
                            }
                            None => {
                                return popt_error(program, opts.is_empty(), a, "missing argument")
                            }
                        }
                    }
                } else if name == "persistent" {
                    if !attached.is_empty() {
                        k = chars.len();
                        Some(attached)
                    } else {
                        optional_value(args, &mut i)
                    }
                } else {
                    None
                };
                opts.push((name.to_string(), value, args[i - 1].clone()));
            }
        } else {
            rest.push(a.clone());
        }
    }
    Ok((opts, rest))
}

/// popt's complaint about `word`: for the first option ipvsadm only says
/// "Try ... -h", later ones are named with popt's reason.
fn popt_error<T>(program: &str, first: bool, word: &str, reason: &str) -> Result<T, ArgError> {
    if first {
        return tryhelp(program);
    }
    Err(ArgError {
        message: format!("{word}: {reason}"),
        status: 255,
    })
}

fn optional_value(args: &[String], i: &mut usize) -> Option<String> {
    match args.get(*i) {
        Some(v) if !v.starts_with('-') => {
            *i += 1;
            Some(v.clone())
        }
        _ => None,
    }
}

/// ipvsadm's `MAX_TIMEOUT`: 31 days.
const MAX_PERSISTENCE: i64 = 86400 * 31;

/// `string_to_number`: decimal in [min, max].
fn number(s: &str, min: i64, max: i64) -> Option<i64> {
    let n: i64 = s.parse().ok()?;
    (min..=max).contains(&n).then_some(n)
}

/// `parse_service`: `IP[:port]`, `[IPv6]:port`, a host name, a port name.
fn parse_addr(buf: &str, protocol: Protocol) -> Option<(SocketAddr, bool)> {
    if buf.is_empty() || buf.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (host, port) = if let Some(v6) = buf.strip_prefix('[') {
        let (h, p) = v6.split_once(']')?;
        let p = p.strip_prefix(':')?;
        (h, Some(p))
    } else if buf.parse::<std::net::Ipv6Addr>().is_ok() {
        (buf, None)
    } else {
        match buf.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (buf, None),
        }
    };
    let ip: IpAddr = match host.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => IpAddr::V6(v6),
        Err(_) => match inet_aton(host) {
            Some(v4) => IpAddr::V4(v4),
            None => (host, 0)
                .to_socket_addrs()
                .ok()?
                .find(|a| a.is_ipv4())?
                .ip(),
        },
    };
    let port = match port {
        None => return Some((SocketAddr::new(ip, 0), false)),
        Some(p) => match number(p, 0, 65535) {
            Some(n) => n as u16,
            None => super::port_by_name(p, protocol)?,
        },
    };
    Some((SocketAddr::new(ip, port), true))
}

/// `inet_aton` accepts only dotted decimal here; shorthand forms like
/// `10.1` are rare enough on an LVS box not to matter.
fn inet_aton(s: &str) -> Option<std::net::Ipv4Addr> {
    s.parse().ok()
}

fn parse_netmask(s: &str) -> Option<u32> {
    match inet_aton(s) {
        Some(m) => Some(u32::from(m)),
        None => (s, 0).to_socket_addrs().ok()?.find_map(|a| match a.ip() {
            IpAddr::V4(v4) => Some(u32::from(v4)),
            _ => None,
        }),
    }
}

/// Parses one ipvsadm command line (without argv[0]).
pub fn parse(program: &str, args: &[String]) -> Result<Invocation, ArgError> {
    let (opts, rest) = tokenize(program, args)?;
    let mut inv = Invocation {
        cmd: Cmd::List,
        svc: None,
        scheduler: None,
        persistent: None,
        netmask: None,
        real: None,
        forward: Forward::Route,
        forward_given: false,
        weight: 1,
        upper_threshold: 0,
        lower_threshold: 0,
        one_packet: false,
        pe_name: None,
        sched_flags: None,
        tun_type: 0,
        tun_port: 0,
        tun_flags: 0,
        list_timeout: false,
        set_timeouts: None,
        format: Format::default(),
        list_conn: false,
        list_daemon: false,
        daemon: SyncDaemon::default(),
        options: 0,
    };
    let mut it = opts.into_iter();
    let Some((first, first_value, _)) = it.next() else {
        return if args.is_empty() {
            Ok(inv)
        } else {
            tryhelp(program)
        };
    };
    inv.cmd = match first.as_str() {
        "add-service" => Cmd::Add,
        "edit-service" => Cmd::Edit,
        "delete-service" => Cmd::Del,
        "clear" => Cmd::Flush,
        "list" => Cmd::List,
        "zero" => Cmd::Zero,
        "set" => Cmd::SetTimeouts,
        "restore" => Cmd::Restore,
        "save" => Cmd::Save,
        "add-server" => Cmd::AddDest,
        "edit-server" => Cmd::EditDest,
        "delete-server" => Cmd::DelDest,
        "help" => Cmd::Help,
        "version" => Cmd::Version,
        "start-daemon" | "stop-daemon" => {
            let start = first == "start-daemon";
            inv.daemon.state = match first_value.as_deref() {
                Some("master") => STATE_MASTER,
                Some("backup") => STATE_BACKUP,
                // Sic: ipvsadm's two messages differ.
                _ if start => return fail("illegal start-daemon parameter specified"),
                _ => return fail("illegal start_daemon specified"),
            };
            if start {
                Cmd::StartDaemon
            } else {
                Cmd::StopDaemon
            }
        }
        _ => return tryhelp(program),
    };
    let mut real_raw: Option<String> = None;
    for (name, value, raw) in it {
        let v = value.unwrap_or_default();
        if let Some(bit) = optcheck::option_bit(&name) {
            optcheck::set(&mut inv.options, bit)?;
        }
        match name.as_str() {
            "add-service" | "edit-service" | "delete-service" | "clear" | "list" | "zero"
            | "set" | "restore" | "save" | "add-server" | "edit-server" | "delete-server"
            | "start-daemon" | "stop-daemon" | "help" | "version" => {
                // ipvsadm takes a command only as the first option; later
                // it is just an option it does not know there.
                return fail(format!("invalid option `{raw}'"));
            }
            "tcp-service" | "udp-service" | "sctp-service" => {
                let protocol = match name.as_str() {
                    "tcp-service" => Protocol::Tcp,
                    "udp-service" => Protocol::Udp,
                    _ => Protocol::Sctp,
                };
                match parse_addr(&v, protocol) {
                    Some((addr, _)) => inv.svc = Some(SvcArg::Addr { protocol, addr }),
                    None => return fail("illegal virtual server address[:port] specified"),
                }
            }
            "fwmark-service" => {
                let mark = v
                    .parse::<u64>()
                    .ok()
                    .filter(|&m| m > 0 && m <= u32::MAX as u64);
                match mark {
                    Some(m) => {
                        inv.svc = Some(SvcArg::FwMark {
                            mark: m as u32,
                            family: Family::Inet,
                        })
                    }
                    None => return fail(format!("invalid fwmark value `{v}' specified")),
                }
            }
            "ipv6" => match &mut inv.svc {
                Some(SvcArg::FwMark { family, .. }) => {
                    *family = Family::Inet6;
                    inv.netmask = Some(128);
                }
                _ => return fail("-6 used before -f\n"),
            },
            "scheduler" => inv.scheduler = Some(v.chars().take(15).collect()),
            "persistent" => {
                inv.persistent = Some(if v.is_empty() {
                    300
                } else {
                    match number(&v, 1, MAX_PERSISTENCE) {
                        Some(n) => n as u32,
                        None => return fail(format!("invalid timeout value `{v}' specified")),
                    }
                })
            }
            "netmask" => {
                let v6 = matches!(
                    inv.svc,
                    Some(SvcArg::Addr {
                        addr: SocketAddr::V6(_),
                        ..
                    }) | Some(SvcArg::FwMark {
                        family: Family::Inet6,
                        ..
                    })
                );
                if v6 {
                    match v.parse::<i64>().ok().filter(|n| (1..=128).contains(n)) {
                        Some(n) => inv.netmask = Some(n as u32),
                        None => return fail("illegal ipv6 netmask specified"),
                    }
                } else {
                    match parse_netmask(&v) {
                        Some(m) => inv.netmask = Some(m),
                        None => return fail("illegal virtual server persistent mask specified"),
                    }
                }
            }
            "real-server" => real_raw = Some(v),
            "masquerading" => {
                inv.forward = Forward::Masq;
                inv.forward_given = true;
            }
            "ipip" => {
                inv.forward = Forward::Tunnel;
                inv.forward_given = true;
            }
            "gatewaying" => {
                inv.forward = Forward::Route;
                inv.forward_given = true;
            }
            // Debian's ipvsadm 1.31 takes any non-negative int here (the
            // upstream source says 65535); the kernel clamps nothing.
            "weight" => match number(&v, 0, i32::MAX as i64) {
                Some(n) => inv.weight = n as i32,
                None => return fail("illegal weight specified"),
            },
            "u-threshold" => match number(&v, 0, i32::MAX as i64) {
                Some(n) => inv.upper_threshold = n as u32,
                None => return fail("illegal u_threshold specified"),
            },
            "l-threshold" => match number(&v, 0, i32::MAX as i64) {
                Some(n) => inv.lower_threshold = n as u32,
                None => return fail("illegal l_threshold specified"),
            },
            "numeric" => inv.format.numeric = true,
            "connection" => inv.list_conn = true,
            "timeout" => inv.list_timeout = true,
            "daemon" => inv.list_daemon = true,
            // The kernel's IFNAMSIZ buffer, less its NUL.
            "mcast-interface" => inv.daemon.mcast_ifn = v.chars().take(15).collect(),
            "syncid" => match number(&v, 0, 255) {
                Some(n) => inv.daemon.syncid = n as u32,
                None => return fail("illegal syncid specified"),
            },
            "mcast-group" => match mcast_group(&v) {
                Some(g) => inv.daemon.mcast_group = Some(g),
                None if v.contains(':') => return fail(format!("invalid IPv6 mcast-group `{v}'")),
                None => return fail(format!("invalid IPv4 mcast-group `{v}'")),
            },
            "mcast-port" => match number(&v, 1, 65535) {
                Some(n) => inv.daemon.mcast_port = n as u16,
                None => return fail("illegal mcast-port specified"),
            },
            "mcast-ttl" => match number(&v, 1, 255) {
                Some(n) => inv.daemon.mcast_ttl = n as u8,
                None => return fail("illegal mcast-ttl specified"),
            },
            // The largest UDP payload in an IPv4 datagram.
            "sync-maxlen" => match number(&v, 1, 65535 - 20 - 8) {
                Some(n) => inv.daemon.sync_maxlen = n as u16,
                None => return fail("illegal sync-maxlen specified"),
            },
            "stats" => inv.format.stats = true,
            "rate" => inv.format.rate = true,
            "thresholds" => inv.format.thresholds = true,
            "persistent-conn" => inv.format.persistent_conn = true,
            "tun-info" => inv.format.tun_info = true,
            "nosort" => inv.format.nosort = true,
            "sort" => {}
            "exact" => inv.format.exact = true,
            "ops" => inv.one_packet = true,
            "pe" => inv.pe_name = Some(v.chars().take(16).collect()),
            "sched-flags" => inv.sched_flags = Some(v),
            "tun-type" => {
                inv.tun_type = match v.as_str() {
                    "ipip" => 0,
                    "gue" => 1,
                    "gre" => 2,
                    _ => return fail(format!("invalid tunnel type `{v}' specified")),
                }
            }
            "tun-port" => match number(&v, 1, 65535) {
                Some(n) => inv.tun_port = n as u16,
                None => return fail("illegal tunnel port specified"),
            },
            "tun-nocsum" => inv.tun_flags = 0,
            "tun-csum" => inv.tun_flags = 1,
            "tun-remcsum" => inv.tun_flags = 2,
            _ => return tryhelp(program),
        }
    }
    if let Some(raw) = real_raw {
        let protocol = match inv.svc {
            Some(SvcArg::Addr { protocol, .. }) => protocol,
            _ => Protocol::Tcp,
        };
        match parse_addr(&raw, protocol) {
            Some((mut addr, port_given)) => {
                if !port_given {
                    addr.set_port(svc_port(&inv));
                }
                inv.real = Some(addr);
            }
            None => return fail("illegal real server address[:port] specified"),
        }
    }
    if inv.cmd == Cmd::SetTimeouts {
        let nums: Vec<u32> = rest.iter().filter_map(|s| s.parse().ok()).collect();
        if rest.len() != 3 || nums.len() != 3 {
            return fail("--set requires 3 timeout values (tcp tcpfin udp)");
        }
        inv.set_timeouts = Some([nums[0], nums[1], nums[2]]);
    } else if !rest.is_empty() {
        return tryhelp(program);
    }
    check(&mut inv)?;
    Ok(inv)
}

/// A multicast group: IPv6 when it has a colon, else strict dotted quad.
fn mcast_group(s: &str) -> Option<IpAddr> {
    let ip: IpAddr = if s.contains(':') {
        IpAddr::V6(s.parse().ok()?)
    } else {
        IpAddr::V4(s.parse().ok()?)
    };
    ip.is_multicast().then_some(ip)
}

fn svc_port(inv: &Invocation) -> u16 {
    match inv.svc {
        Some(SvcArg::Addr { addr, .. }) => addr.port(),
        _ => 0,
    }
}

/// The checks `process_options` makes before talking to the kernel.
fn check(inv: &mut Invocation) -> Result<(), ArgError> {
    use Cmd::*;
    optcheck::check(inv.cmd, cmd_name(inv.cmd), inv.options)?;
    if matches!(inv.cmd, Add | Edit) {
        if let Some(SvcArg::Addr { addr, protocol }) = inv.svc {
            if addr.port() == 0 && inv.persistent.is_none() {
                return fail("Zero port specified for non-persistent service");
            }
            if inv.one_packet && protocol != Protocol::Udp {
                return fail("One-Packet Scheduling is only for UDP virtual services");
            }
        }
    }
    if matches!(inv.cmd, AddDest | EditDest) {
        let fwmark = matches!(inv.svc, Some(SvcArg::FwMark { .. }));
        let port = svc_port(inv);
        if let Some(real) = &mut inv.real {
            if !fwmark && matches!(inv.forward, Forward::Tunnel | Forward::Route) {
                real.set_port(port);
            }
        }
        let svc_family = match inv.svc {
            Some(SvcArg::Addr { addr, .. }) => Family::of(&addr.ip()),
            Some(SvcArg::FwMark { family, .. }) => family,
            None => Family::Inet,
        };
        if let Some(real) = inv.real {
            if Family::of(&real.ip()) != svc_family && inv.forward != Forward::Tunnel {
                return fail("Different address family is allowed only for tunneling servers");
            }
        }
    }
    if inv.cmd == StartDaemon && inv.daemon.mcast_ifn.is_empty() {
        inv.daemon.mcast_ifn = "eth0".to_string();
    }
    if inv.cmd == List {
        let has = |n| optcheck::has(inv.options, n);
        let special = has("connection") || has("timeout") || has("daemon");
        let counters = has("stats") || has("rate") || has("thresholds");
        let not_table = has("timeout") || has("daemon");
        if (special && counters) || (not_table && has("persistent-conn")) {
            return fail("options conflicts in the list command");
        }
    }
    Ok(())
}

fn cmd_name(c: Cmd) -> &'static str {
    match c {
        Cmd::Add => "add-service",
        Cmd::Edit => "edit-service",
        Cmd::Del => "delete-service",
        Cmd::AddDest => "add-server",
        Cmd::EditDest => "edit-server",
        Cmd::DelDest => "delete-server",
        Cmd::Flush => "flush",
        Cmd::List => "list",
        Cmd::Zero => "zero",
        Cmd::SetTimeouts => "set",
        Cmd::Restore => "restore",
        Cmd::Save => "save",
        Cmd::StartDaemon => "start-daemon",
        Cmd::StopDaemon => "stop-daemon",
        Cmd::Help => "help",
        Cmd::Version => "version",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Invocation, ArgError> {
        let args: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse("ipvsadm", &args)
    }

    #[test]
    fn clustered_listing_flags() {
        let i = p("-Ln --stats").unwrap();
        assert_eq!(i.cmd, Cmd::List);
        assert!(i.format.numeric && i.format.stats);
        let i = p("-S -n").unwrap();
        assert_eq!(i.cmd, Cmd::Save);
        assert!(i.format.numeric);
    }

    #[test]
    fn save_lines_parse_back() {
        let i = p("-A -t 10.0.0.1:80 -s rr").unwrap();
        assert_eq!(i.cmd, Cmd::Add);
        assert_eq!(i.scheduler.as_deref(), Some("rr"));
        let i = p("-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 2").unwrap();
        assert_eq!(i.real, Some("10.0.0.3:80".parse().unwrap()));
        assert_eq!((i.forward, i.weight), (Forward::Masq, 2));
        let i = p("-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -i -w 5 --tun-type ipip").unwrap();
        assert_eq!(i.forward, Forward::Tunnel);
        let i = p("-A -f 1 -s wlc -p 300").unwrap();
        assert_eq!(i.persistent, Some(300));
        let i = p("-A -f 1 -s wlc -p").unwrap();
        assert_eq!(i.persistent, Some(300));
        let i = p("-A -t 10.0.0.1:80 -s rr -p 60 -M 255.255.255.0").unwrap();
        assert_eq!(i.netmask, Some(0xffff_ff00));
    }

    #[test]
    fn dr_real_takes_the_service_port() {
        let i = p("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -g").unwrap();
        assert_eq!(i.real.unwrap().port(), 80);
        let i = p("-a -t 10.0.0.1:80 -r 10.0.0.2 -m").unwrap();
        assert_eq!(i.real.unwrap().port(), 80);
    }

    #[test]
    fn errors_read_like_ipvsadm() {
        assert_eq!(
            p("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 70000").unwrap().weight,
            70000
        );
        assert_eq!(
            p("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 2147483648")
                .unwrap_err()
                .message,
            "illegal weight specified"
        );
        assert_eq!(
            p("-A -t 10.0.0.1 -s rr").unwrap_err().message,
            "Zero port specified for non-persistent service"
        );
        assert_eq!(p("-Q").unwrap_err().status, 255);
        assert!(p("-A -t 10.0.0.1:80 -p 2678400").is_ok());
        assert_eq!(
            p("-A -t 10.0.0.1:80 -p 2678401").unwrap_err().message,
            "invalid timeout value `2678401' specified"
        );
        assert_eq!(
            p("-a -t 10.0.0.1:80").unwrap_err().message,
            "You need to supply the 'real-server' option for the 'add-server' command"
        );
    }

    #[test]
    fn sync_daemon_command_lines() {
        let i = p("--start-daemon master --mcast-interface eth1 --syncid 7").unwrap();
        assert_eq!(i.cmd, Cmd::StartDaemon);
        assert_eq!(i.daemon.state, STATE_MASTER);
        assert_eq!((i.daemon.mcast_ifn.as_str(), i.daemon.syncid), ("eth1", 7));
        let i = p("--start-daemon backup").unwrap();
        assert_eq!(
            (i.daemon.state, i.daemon.mcast_ifn.as_str()),
            (STATE_BACKUP, "eth0")
        );
        let i = p("--stop-daemon backup --syncid 3").unwrap();
        assert_eq!((i.cmd, i.daemon.mcast_ifn.as_str()), (Cmd::StopDaemon, ""));
        let i = p("--start-daemon=master --mcast-group ff02::81 --mcast-port 9000 --mcast-ttl 2 --sync-maxlen 1400")
            .unwrap();
        assert_eq!(i.daemon.mcast_group, Some("ff02::81".parse().unwrap()));
        assert_eq!(
            (
                i.daemon.mcast_port,
                i.daemon.mcast_ttl,
                i.daemon.sync_maxlen
            ),
            (9000, 2, 1400)
        );
        let i = p("--start-daemon master --mcast-interface averyveryverylongname").unwrap();
        assert_eq!(i.daemon.mcast_ifn, "averyveryverylo");
    }

    #[test]
    fn sync_daemon_errors_read_like_ipvsadm() {
        let msg = |s| p(s).unwrap_err().message;
        assert_eq!(
            msg("--start-daemon foo"),
            "illegal start-daemon parameter specified"
        );
        assert_eq!(msg("--stop-daemon foo"), "illegal start_daemon specified");
        assert_eq!(
            msg("--start-daemon master --syncid 256"),
            "illegal syncid specified"
        );
        assert_eq!(
            msg("--start-daemon master --mcast-group 10.0.0.1"),
            "invalid IPv4 mcast-group `10.0.0.1'"
        );
        assert_eq!(
            msg("--start-daemon master --mcast-group 2001:db8::1"),
            "invalid IPv6 mcast-group `2001:db8::1'"
        );
        assert_eq!(
            msg("--start-daemon master --mcast-port 0"),
            "illegal mcast-port specified"
        );
        assert_eq!(
            msg("--start-daemon master --sync-maxlen 65508"),
            "illegal sync-maxlen specified"
        );
        assert_eq!(
            msg("--stop-daemon master --mcast-interface eth0"),
            "Illegal 'mcast-interface' option with the 'stop-daemon' command"
        );
        assert_eq!(
            msg("--start-daemon master --syncid 1 --syncid 2"),
            "multiple 'syncid' options specified"
        );
        assert_eq!(msg("--start-daemon master -L"), "invalid option `-L'");
        assert_eq!(
            msg("--start-daemon master --stop-daemon backup"),
            "invalid option `backup'"
        );
        assert_eq!(p("--start-daemon").unwrap_err().status, 255);
        assert_eq!(
            p("--start-daemon master --syncid").unwrap_err(),
            ArgError {
                message: "--syncid: missing argument".into(),
                status: 255
            }
        );
        assert_eq!(msg("-L --foo"), "--foo: unknown option");
    }

    #[test]
    fn connection_and_daemon_listings() {
        let i = p("-Lnc").unwrap();
        assert!(i.list_conn && i.format.numeric);
        assert!(p("-L --daemon").unwrap().list_daemon);
        assert!(p("-Lc --persistent-conn").unwrap().format.persistent_conn);
        assert_eq!(p("-c").unwrap_err().status, 255);
        let msg = |s| p(s).unwrap_err().message;
        assert_eq!(msg("-Lc --stats"), "options conflicts in the list command");
        assert_eq!(
            msg("-L --daemon --persistent-conn"),
            "options conflicts in the list command"
        );
        assert_eq!(
            msg("-L --daemon -c"),
            "The option 'daemon' conflicts with the 'connection' option in the 'list' command"
        );
        assert_eq!(
            msg("-Lc --mcast-interface eth0"),
            "Illegal 'mcast-interface' option with the 'list' command"
        );
    }
}
