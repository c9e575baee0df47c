//! The commands behind connection sync: `--start-daemon`, `--stop-daemon`,
//! `-L --daemon`, and the connection table `-c` that shows what was
//! synced.

use super::args::{Cmd, Invocation};
use super::run::Io;
use crate::client::Ipvs;
use crate::error::IpvsError;
use crate::listing::{self, Names};

/// ipvsadm reads the connection table from procfs, not netlink.
const CONN_PROC_FILE: &str = "/proc/net/ip_vs_conn";
/// The same file for the calling thread's network namespace: `/proc/net`
/// follows the process's first thread, which differs from ours when a
/// thread has entered another namespace (the VM tests do).
const CONN_THREAD_FILE: &str = "/proc/thread-self/net/ip_vs_conn";

/// Runs the command if it is one of these; `None` leaves it to the caller.
/// The status is ipvsadm's: 0, 1 for a listing it could not make, 255 for
/// a refusal from the kernel.
pub fn run(ipvs: &mut Ipvs, inv: &Invocation, names: &dyn Names, io: &mut Io) -> Option<i32> {
    let result = match inv.cmd {
        Cmd::List if inv.list_conn => return Some(list_conns(inv, names, io)),
        Cmd::List if inv.list_daemon => return Some(list_daemons(ipvs, io)),
        Cmd::StartDaemon => ipvs.start_daemon(&inv.daemon),
        Cmd::StopDaemon => ipvs.stop_daemon(&inv.daemon),
        _ => return None,
    };
    Some(refusal(result, io))
}

fn refusal(result: Result<(), IpvsError>, io: &mut Io) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(io.stderr, "{}", e.ipvsadm_message());
            255
        }
    }
}

/// ipvsadm exits 1 without a word when the dump fails.
fn list_daemons(ipvs: &mut Ipvs, io: &mut Io) -> i32 {
    match ipvs.daemons() {
        Ok(ds) => {
            let _ = io.stdout.write_all(listing::list_daemons(&ds).as_bytes());
            let _ = io.stdout.flush();
            0
        }
        Err(_) => 1,
    }
}

fn list_conns(inv: &Invocation, names: &dyn Names, io: &mut Io) -> i32 {
    let text = std::fs::read(CONN_THREAD_FILE).or_else(|_| std::fs::read(CONN_PROC_FILE));
    let Ok(text) = text else {
        let _ = writeln!(io.stderr, "cannot open file {CONN_PROC_FILE}");
        return 1;
    };
    let text = String::from_utf8_lossy(&text);
    match listing::list_conns(&text, inv.format.numeric, inv.format.persistent_conn, names) {
        Ok(out) => {
            let _ = io.stdout.write_all(out.as_bytes());
            let _ = io.stdout.flush();
            0
        }
        Err(listing::ConnError::Empty) => {
            let _ = writeln!(io.stderr, "unexpected input from {CONN_PROC_FILE}");
            1
        }
    }
}
