//! heartbeat's soft real-time mode: ha.cf `realtime on` (the default) puts
//! the threads that send, receive and time heartbeats under SCHED_RR at
//! `rtprio` (default: the policy's lowest real-time priority, as 3.0.6
//! does) and locks the daemon's memory, so that a busy CPU or a page-out
//! cannot delay a heartbeat past a sub-second deadtime. `-l` turns both
//! off, as in 3.0.6.
//!
//! Only the daemon's own threads run real-time: each takes the policy with
//! SCHED_RESET_ON_FORK, so a resource script or respawned client it starts
//! runs at normal priority and cannot starve the machine (3.0.6 likewise
//! returns its script children to normal time).

use std::sync::OnceLock;

/// The scheduling the daemon's heartbeat threads take, once decided.
static PRIORITY: OnceLock<Option<i32>> = OnceLock::new();

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// ha.cf `realtime` and not `-l`.
    pub realtime: bool,
    /// ha.cf `rtprio`.
    pub priority: Option<i32>,
    /// Lock the memory too (with real-time: 3.0.6 locks whenever it may
    /// run real-time).
    pub lock_memory: bool,
}

/// Applies `s` to the calling (main) thread and the process's memory;
/// returns what could not be done, for the log.
pub fn enter(s: Settings) -> Vec<String> {
    let mut notes = Vec::new();
    if !s.realtime {
        let _ = PRIORITY.set(None);
        return notes;
    }
    // SAFETY: plain queries of the scheduler's limits.
    let (min, max) = unsafe {
        (
            libc::sched_get_priority_min(libc::SCHED_RR),
            libc::sched_get_priority_max(libc::SCHED_RR),
        )
    };
    let priority = s.priority.filter(|p| *p > 0).unwrap_or(min).min(max);
    let _ = PRIORITY.set(Some(priority));
    if let Err(e) = this_thread() {
        notes.push(format!("Unable to set scheduler parameters: {e}"));
    }
    if s.lock_memory {
        // MCL_ONFAULT: pages are locked as they are touched, so the idle
        // stacks of the daemon's threads are not made resident up front.
        // SAFETY: mlockall takes flags only.
        let rc =
            unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT) };
        if rc != 0 {
            notes.push(format!(
                "Unable to lock pid {} in memory: {}",
                std::process::id(),
                std::io::Error::last_os_error()
            ));
        }
    }
    notes
}

/// Puts the calling thread under the daemon's real-time policy, if it has
/// one (a thread does not inherit it: the reset-on-fork flag resets it for
/// every new task, threads included).
pub fn this_thread() -> std::io::Result<()> {
    let Some(Some(priority)) = PRIORITY.get().copied() else {
        return Ok(());
    };
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: pid 0 is the calling thread; `param` is a valid struct.
    let rc =
        unsafe { libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_of_this_thread() -> i32 {
        // SAFETY: a query of the calling thread's policy.
        unsafe { libc::sched_getscheduler(0) }
    }

    /// A thread in real-time mode, and a child process it starts: the
    /// child is back at normal time (needs root for SCHED_RR; skipped
    /// without it, as cargo test may run unprivileged).
    #[test]
    fn threads_run_real_time_and_their_children_do_not() {
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        let _ = PRIORITY.set(Some(1));
        std::thread::spawn(|| {
            this_thread().expect("SCHED_RR as root");
            assert_eq!(
                policy_of_this_thread() & !libc::SCHED_RESET_ON_FORK,
                libc::SCHED_RR
            );
            // The child's own policy, read by the child (`chrt -p $$`).
            let child = std::process::Command::new("sh")
                .args(["-c", "chrt -p $$"])
                .output()
                .expect("sh");
            let text = String::from_utf8_lossy(&child.stdout);
            assert!(text.contains("SCHED_OTHER"), "child: {text}");
        })
        .join()
        .unwrap();
    }
}
