//! `checktype=connect` to an IPv4 real without opening a connection: a
//! SYN from a raw socket, and the real's answer read back. A connect(2)
//! succeeds exactly when the SYN-ACK arrives and fails on a reset or an
//! ICMP error it deems fatal, so the verdict is the same; what is saved is
//! the rest of the connection's life — the socket, the third packet of the
//! handshake, the real's accept, the close — which at ten thousand checks
//! a second was half of the daemon's CPU. This host's kernel, finding no
//! socket for the SYN-ACK, resets it, and the real drops its half-open
//! connection.
//!
//! It needs CAP_NET_RAW (the daemon runs as root); without it, or with
//! `LDIRECTORD_RS_CONNECT_CHECK=full`, a check is a full connect as before.
//! IPv6 reals are always checked with a full connect.

mod prober;
pub mod segment;
mod sockets;

use crate::Outcome;
use prober::Prober;
use segment::Answer;
use std::cell::RefCell;
use std::io;
use std::net::SocketAddrV4;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Set to `full` for a full connect on every connect check.
const ENV: &str = "LDIRECTORD_RS_CONNECT_CHECK";

/// When a SYN goes unanswered it is sent again as connect(2) sends it:
/// after a second, again a second later for the first
/// `tcp_syn_linear_timeouts` times (a sysctl of Linux 6.5 on; 4 by
/// default), then after twice the last wait each time. The check's own
/// timeout ends the wait.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The verdict on `target`, or `None` when this process cannot send raw
/// packets (the caller then connects).
pub async fn check(target: SocketAddrV4) -> Option<Outcome> {
    let prober = prober()?;
    let mut waiting = prober.wait_for(target);
    let mut wait = FIRST_RETRY;
    let mut fresh_route = false;
    let mut resent = 0;
    loop {
        if let Err(e) = prober.send_syn(&waiting, fresh_route) {
            return Some(refused(target, e));
        }
        match tokio::time::timeout(wait, &mut waiting.answer).await {
            Ok(Ok(Answer::Open)) => return Some(Outcome::up(format!("SYN-ACK from {target}"))),
            Ok(Ok(Answer::Refused)) => {
                return Some(refused(
                    target,
                    io::Error::from_raw_os_error(libc::ECONNREFUSED),
                ))
            }
            Ok(Ok(Answer::Unreachable(errno))) => {
                return Some(refused(target, io::Error::from_raw_os_error(errno)))
            }
            // The table dropped this check: a second with the same key
            // (the same real and sequence number) took its place.
            Ok(Err(_)) => {
                return Some(Outcome::down(format!(
                    "connect to {target}: check superseded"
                )))
            }
            Err(_) => {
                resent += 1;
                wait = next_wait(wait, resent, prober.linear_retries);
                fresh_route = true;
            }
        }
    }
}

/// The wait after the `resent`th resend, the last wait having been `wait`.
fn next_wait(wait: Duration, resent: u32, linear_retries: u32) -> Duration {
    if resent > linear_retries {
        wait.saturating_mul(2)
    } else {
        wait
    }
}

/// The same words as a failed connect's.
fn refused(target: SocketAddrV4, e: io::Error) -> Outcome {
    Outcome::down(format!("connect to {target} failed: {e}"))
}

/// The prober of this thread, if it can have one. Threads keep the
/// network namespace they start in (a test may give a thread one of its
/// own before its first check), and a prober's readers live on the
/// runtime that started them: a thread that runs a second runtime after
/// the first ended gets a new prober.
fn prober() -> Option<Arc<Prober>> {
    thread_local! {
        static HERE: RefCell<Option<Here>> = const { RefCell::new(None) };
    }
    HERE.with_borrow_mut(|here| {
        if let Some(h) = here {
            if h.readers.iter().all(|r| !r.is_finished()) {
                return h.prober.clone();
            }
        }
        let started = if std::env::var(ENV).is_ok_and(|v| v == "full") {
            None
        } else {
            tokio::runtime::Handle::try_current()
                .ok()
                .and_then(|_| Prober::start().ok())
        };
        let (prober, readers) = match started {
            Some((p, readers)) => (Some(p), readers.into()),
            None => (None, Vec::new()),
        };
        *here = Some(Here {
            prober: prober.clone(),
            readers,
        });
        prober
    })
}

/// A thread's prober, or `None` remembered: it cannot have one.
struct Here {
    prober: Option<Arc<Prober>>,
    readers: Vec<JoinHandle<()>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SYNs at these seconds after the first, for a given sysctl value.
    fn resends(linear_retries: u32, within: u64) -> Vec<u64> {
        let (mut at, mut wait, mut resent, mut out) = (0, FIRST_RETRY, 0, Vec::new());
        loop {
            at += wait.as_secs();
            if at > within {
                return out;
            }
            out.push(at);
            resent += 1;
            wait = next_wait(wait, resent, linear_retries);
        }
    }

    /// Only the first 3.5 s are checked against a real connect (in
    /// tests/half_open.rs); past them this is the rule as written above.
    #[test]
    fn resends_are_a_second_apart_then_double() {
        assert_eq!(resends(0, 40), [1, 3, 7, 15, 31]);
        assert_eq!(resends(4, 20), [1, 2, 3, 4, 5, 7, 11, 19]);
    }
}
