//! checktype=connect to an IPv4 real as a half-open check: a SYN from a
//! raw socket, the answer read back. Each test runs in a private network
//! namespace (loopback only), with real listeners and, for the answers a
//! firewall gives, nftables rules in that namespace.

mod support;

use lvs_check::*;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};
use support::{in_private_netns, nft, nft_counters, run_at_once};

fn connect(target: SocketAddr, timeout: Duration) -> CheckSpec {
    CheckSpec {
        target,
        kind: CheckKind::Connect,
        check_timeout: timeout,
        negotiate_timeout: timeout,
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A listener: up, and nothing waits in its accept queue afterwards (a
/// connect would leave a connection there), and two hundred checks in
/// flight at once each get their own answer.
#[test]
fn a_listener_is_up_without_a_connection_made() {
    in_private_netns(&["link set lo up"], || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let rt = current_thread();
        let out = rt.block_on(run_check(&connect(addr, Duration::from_secs(2))));
        assert_eq!(out, Outcome::up(format!("SYN-ACK from {addr}")));
        // Give a completed handshake the time to reach the queue.
        std::thread::sleep(Duration::from_millis(100));
        let queued = listener.accept();
        assert!(
            queued
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
            "a connection was made: {queued:?}"
        );
        let outs = run_at_once(&rt, 200, connect(addr, Duration::from_secs(2)));
        assert!(outs.iter().all(|o| o.up), "{outs:?}");
    });
}

/// The check of `addr` ends well within its timeout, down for `error`.
fn down_at_once(addr: SocketAddr, error: &str) {
    let start = Instant::now();
    let out = current_thread().block_on(run_check(&connect(addr, Duration::from_secs(2))));
    assert_eq!(
        out,
        Outcome::down(format!("connect to {addr} failed: {error}"))
    );
    let took = start.elapsed();
    assert!(took < Duration::from_millis(500), "{took:?}");
}

#[test]
fn a_closed_port_is_refused_at_once() {
    in_private_netns(&["link set lo up"], || {
        down_at_once(
            "127.0.0.1:9".parse().unwrap(),
            "Connection refused (os error 111)",
        );
    });
}

/// A firewall's ICMP error ends the check at once with the errno a
/// connect gets for it.
#[test]
fn an_icmp_error_is_down_at_once() {
    in_private_netns(&["link set lo up"], || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        nft(&format!(
            "add table inet t; add chain inet t input {{ type filter hook input priority 0; }}; \
             add rule inet t input tcp dport {} reject with icmp type admin-prohibited",
            addr.port()
        ));
        down_at_once(addr, "No route to host (os error 113)");
    });
}

/// A real that drops SYNs: the SYN goes again as often as a connect's
/// (the oracle: a connect to another port dropped alike, over the same
/// time), and the check ends at its timeout.
#[test]
fn an_unanswered_syn_is_sent_again_as_a_connects_is() {
    in_private_netns(&["link set lo up"], || {
        let ours = TcpListener::bind("127.0.0.1:0").unwrap();
        let theirs = TcpListener::bind("127.0.0.1:0").unwrap();
        let (ours, theirs) = (ours.local_addr().unwrap(), theirs.local_addr().unwrap());
        nft(&format!(
            "add table inet t; add chain inet t input {{ type filter hook input priority 0; }}; \
             add rule inet t input tcp dport {} counter drop; \
             add rule inet t input tcp dport {} counter drop",
            ours.port(),
            theirs.port()
        ));
        let timeout = Duration::from_millis(3500);
        let connect_thread = std::thread::spawn(move || {
            std::net::TcpStream::connect_timeout(&theirs, timeout).map(drop)
        });
        let start = Instant::now();
        let out = current_thread().block_on(run_check(&connect(ours, timeout)));
        let took = start.elapsed();
        assert!(connect_thread.join().unwrap().is_err());
        assert_eq!(out, Outcome::down("timed out after 3.5 s"));
        assert!(
            took >= timeout && took < timeout + Duration::from_millis(500),
            "{took:?}"
        );
        let rules = nft("list chain inet t input");
        let counts = nft_counters(&rules);
        assert_eq!(counts.len(), 2, "{rules}");
        assert_eq!(
            counts[0], counts[1],
            "SYNs of the check, then of the connect:\n{rules}"
        );
    });
}

/// The answers are read on the runtime that runs the checks: a thread
/// that runs a second runtime after the first has ended still gets them.
#[test]
fn a_second_runtime_on_the_same_thread_gets_its_answers() {
    in_private_netns(&["link set lo up"], || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        for _ in 0..2 {
            let rt = current_thread();
            let out = rt.block_on(run_check(&connect(addr, Duration::from_secs(2))));
            assert_eq!(out, Outcome::up(format!("SYN-ACK from {addr}")));
        }
    });
}
