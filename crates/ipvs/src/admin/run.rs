//! Carrying out an ipvsadm command line against the kernel, printing what
//! ipvsadm prints and exiting with its status.

use super::args::{self, Cmd, Invocation, SvcArg};
use super::restore;
use crate::client::Ipvs;
use crate::error::IpvsError;
use crate::listing::{self, Names, Numeric, System};
use crate::model::*;
use crate::ops::Operation;
use crate::wire::consts::*;
use crate::wire::Timeouts;
use std::io::{Read, Write};

pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// ipvsadm's `-1` from `process_options`, as the shell sees it.
const EXIT_KERNEL: i32 = 255;

pub fn main(program: &str, argv: &[String], io: &mut Io) -> i32 {
    let inv = match args::parse(program, argv) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(io.stderr, "{}", e.message);
            return e.status;
        }
    };
    match inv.cmd {
        Cmd::Help => {
            let _ = write!(io.stdout, "{}", usage(program));
            return 0;
        }
        Cmd::Version => {
            let _ = writeln!(
                io.stdout,
                "{program} (ipvsadm v1.31 compatible, over generic netlink)"
            );
            return 0;
        }
        _ => {}
    }
    let mut ipvs = match Ipvs::open_or_load() {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(io.stderr, "{}", e.ipvsadm_message());
            return 2;
        }
    };
    if inv.cmd == Cmd::Restore {
        return restore_from(program, &mut ipvs, io);
    }
    if let Some(status) = super::sync::run(&mut ipvs, &inv, names(&inv), io) {
        return status;
    }
    match execute(&mut ipvs, &inv, io) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(io.stderr, "{}", e.ipvsadm_message());
            EXIT_KERNEL
        }
    }
}

fn usage(program: &str) -> String {
    format!(
        "Usage:\n  {program} -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]\n  \
         {program} -D virtual-service\n  {program} -C\n  {program} -R\n  {program} -S [-n]\n  \
         {program} -a|e virtual-service -r server-address [options]\n  {program} -d virtual-service -r server-address\n  \
         {program} -L|l [virtual-service] [options]\n  {program} -Z [virtual-service]\n  {program} --set tcp tcpfin udp\n  \
         {program} --start-daemon {{master|backup}} [daemon-options]\n  {program} --stop-daemon {{master|backup}}\n  {program} -h\n\n\
         virtual-service: --tcp-service|-t|--udp-service|-u|--sctp-service service-address, or --fwmark-service|-f fwmark\n\
         listing options: -n -c --daemon --stats --rate --thresholds --persistent-conn --tun-info --exact --nosort --timeout\n\
         daemon-options: --mcast-interface IF --syncid N --sync-maxlen N --mcast-group ADDR --mcast-port N --mcast-ttl N\n"
    )
}

fn key_of(svc: &SvcArg) -> ServiceKey {
    match *svc {
        SvcArg::Addr { protocol, addr } => ServiceKey::Addr { protocol, addr },
        SvcArg::FwMark { mark, family } => ServiceKey::FwMark { family, mark },
    }
}

fn sched_flag_bits(scheduler: &str, list: &str) -> Result<u32, String> {
    let mut bits = 0;
    for f in list.split(',') {
        bits |= match (scheduler, f) {
            (_, "flag-1") => SVC_F_SCHED1,
            (_, "flag-2") => SVC_F_SCHED2,
            (_, "flag-3") => SVC_F_SCHED3,
            ("sh", "sh-fallback") | ("mh", "mh-fallback") => SVC_F_SCHED1,
            ("sh", "sh-port") | ("mh", "mh-port") => SVC_F_SCHED2,
            _ => return Err(format!("invalid scheduler flag `{f}'")),
        };
    }
    Ok(bits)
}

/// The operation a table-changing command line stands for.
pub fn operation(inv: &Invocation) -> Result<Option<Operation>, String> {
    let Some(svc) = &inv.svc else {
        return Ok(None);
    };
    let key = key_of(svc);
    let service_conf = || -> Result<ServiceConf, String> {
        let scheduler = inv.scheduler.clone().unwrap_or_else(|| "wlc".to_string());
        let mut flags = if inv.one_packet { SVC_F_ONEPACKET } else { 0 };
        if let Some(list) = &inv.sched_flags {
            flags |= sched_flag_bits(&scheduler, list)?;
        }
        Ok(ServiceConf {
            netmask: inv
                .netmask
                .unwrap_or_else(|| ServiceConf::default_netmask(key.family())),
            persistence: inv.persistent,
            flags,
            pe_name: inv.pe_name.clone(),
            scheduler,
        })
    };
    let dest_conf = || DestConf {
        forward: inv.forward,
        weight: inv.weight,
        upper_threshold: inv.upper_threshold,
        lower_threshold: inv.lower_threshold,
        tun_type: inv.tun_type,
        tun_port: inv.tun_port,
        tun_flags: inv.tun_flags,
    };
    let addr = inv.real;
    Ok(Some(match (inv.cmd, addr) {
        (Cmd::Add, _) => Operation::AddService {
            key,
            conf: service_conf()?,
        },
        (Cmd::Edit, _) => Operation::EditService {
            key,
            conf: service_conf()?,
        },
        (Cmd::Del, _) => Operation::DelService { key },
        (Cmd::AddDest, Some(addr)) => Operation::AddDest {
            service: key,
            addr,
            conf: dest_conf(),
        },
        (Cmd::EditDest, Some(addr)) => Operation::EditDest {
            service: key,
            addr,
            conf: dest_conf(),
        },
        (Cmd::DelDest, Some(addr)) => Operation::DelDest { service: key, addr },
        _ => return Ok(None),
    }))
}

fn names(inv: &Invocation) -> &'static dyn Names {
    if inv.format.numeric {
        &Numeric
    } else {
        &System
    }
}

fn execute(ipvs: &mut Ipvs, inv: &Invocation, io: &mut Io) -> Result<(), IpvsError> {
    match inv.cmd {
        Cmd::List if inv.list_timeout => {
            let t = ipvs.timeouts()?;
            let _ = write!(io.stdout, "{}", listing::list_timeouts(&t));
        }
        Cmd::List if inv.svc.is_some() => {
            let key = key_of(inv.svc.as_ref().expect("checked above"));
            let Some(mut s) = ipvs.service(&key)? else {
                let _ = writeln!(io.stderr, "No such service");
                return Ok(());
            };
            s.dests = ipvs.dests(&key)?;
            let _ = write!(
                io.stdout,
                "{}",
                listing::list_service(&s, &inv.format, names(inv))
            );
        }
        Cmd::List | Cmd::Save => {
            let mut fmt = inv.format;
            fmt.rule = inv.cmd == Cmd::Save;
            let info = if fmt.rule { None } else { Some(ipvs.info()?) };
            let table = ipvs.dump_services()?;
            let text = listing::list_all(info.as_ref(), &table, &fmt, names(inv));
            let _ = io.stdout.write_all(text.as_bytes());
        }
        Cmd::Flush => ipvs.flush()?,
        Cmd::Zero => ipvs.zero(inv.svc.as_ref().map(key_of).as_ref())?,
        Cmd::SetTimeouts => {
            let [tcp, tcp_fin, udp] = inv.set_timeouts.unwrap_or_default();
            ipvs.set_timeouts(Timeouts { tcp, tcp_fin, udp })?
        }
        _ => match operation(inv) {
            Ok(Some(op)) => ipvs.apply_one(&op)?,
            Ok(None) => {}
            Err(msg) => {
                let _ = writeln!(io.stderr, "{msg}");
            }
        },
    }
    let _ = io.stdout.flush();
    Ok(())
}

/// `-R`: every line in order. Consecutive table changes go to the kernel
/// as one batch; the kernel still applies them one by one in order, and
/// each refusal is printed for its own line, as ipvsadm would.
fn restore_from(program: &str, ipvs: &mut Ipvs, io: &mut Io) -> i32 {
    let mut input = String::new();
    if io.stdin.read_to_string(&mut input).is_err() {
        let _ = writeln!(
            io.stderr,
            "{program}: cannot read the rules from standard input"
        );
        return 2;
    }
    let mut pending: Vec<Operation> = Vec::new();
    let mut last = 0;
    for (_, words) in restore::lines(&input) {
        let inv = match args::parse(program, &words) {
            Ok(i) => i,
            Err(e) => {
                flush_batch(ipvs, &mut pending, io);
                let _ = writeln!(io.stderr, "{}", e.message);
                return e.status;
            }
        };
        if inv.cmd == Cmd::Restore {
            flush_batch(ipvs, &mut pending, io);
            let _ = writeln!(
                io.stderr,
                "Try `{program} -h' or '{program} --help' for more information."
            );
            return EXIT_KERNEL;
        }
        let changes_table = matches!(
            inv.cmd,
            Cmd::Add | Cmd::Edit | Cmd::Del | Cmd::AddDest | Cmd::EditDest | Cmd::DelDest
        );
        match operation(&inv) {
            Ok(Some(op)) if changes_table => {
                pending.push(op);
                continue;
            }
            Err(msg) => {
                flush_batch(ipvs, &mut pending, io);
                let _ = writeln!(io.stderr, "{msg}");
                return 2;
            }
            _ => {}
        }
        flush_batch(ipvs, &mut pending, io);
        if let Some(status) = super::sync::run(ipvs, &inv, names(&inv), io) {
            last = status;
            continue;
        }
        last = match execute(ipvs, &inv, io) {
            Ok(()) => 0,
            Err(e) => {
                let _ = writeln!(io.stderr, "{}", e.ipvsadm_message());
                EXIT_KERNEL
            }
        };
    }
    if !pending.is_empty() {
        last = flush_batch(ipvs, &mut pending, io);
    }
    last
}

/// Applies the pending operations; the status is the last one's (ipvsadm
/// reports the last line's result).
fn flush_batch(ipvs: &mut Ipvs, pending: &mut Vec<Operation>, io: &mut Io) -> i32 {
    if pending.is_empty() {
        return 0;
    }
    let n = pending.len();
    let status = match ipvs.apply(pending) {
        Ok(report) => {
            for (_, e) in &report.failed {
                let _ = writeln!(io.stderr, "{}", e.ipvsadm_message());
            }
            match report.failed.last() {
                Some((i, _)) if *i == n - 1 => EXIT_KERNEL,
                _ => 0,
            }
        }
        Err(e) => {
            let _ = writeln!(io.stderr, "{}", e.ipvsadm_message());
            EXIT_KERNEL
        }
    };
    pending.clear();
    status
}
