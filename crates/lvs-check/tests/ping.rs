//! checktype=ping: loopback answers (IPv4 and IPv6); for a real that does
//! not answer, a private network namespace in which the route to the real
//! leads into a TUN device that nobody reads, so every echo is dropped and
//! nothing leaves the namespace. Both socket kinds are exercised: the raw
//! socket (a new namespace's default `ping_group_range` is "1 0", no group
//! may use datagram ICMP) and the datagram socket (range opened to root).

mod support;

use lvs_check::*;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::{in_private_netns, rt, run_at_once};

fn ping(ip: &str, count: u32, timeout: Duration) -> CheckSpec {
    CheckSpec {
        target: SocketAddr::new(ip.parse().unwrap(), 80),
        kind: CheckKind::Ping { count },
        check_timeout: timeout,
        negotiate_timeout: timeout,
    }
}

/// lo up, and 198.51.100.0/24 and 2001:db8::/64 (documentation ranges)
/// routed into an unread TUN device.
const BLACK_HOLE: &[&str] = &[
    "link set lo up",
    "tuntap add t0 mode tun",
    "link set t0 up",
    "addr add 198.51.100.1/24 dev t0",
    "-6 addr add 2001:db8::1/64 dev t0 nodad",
];

fn datagram_icmp_allowed() -> bool {
    // SAFETY: plain socket(2)/close(2) on a descriptor we own.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_ICMP);
        if fd >= 0 {
            libc::close(fd);
        }
        fd >= 0
    }
}

/// Up for loopback, down (after every attempt timed out) for the black
/// hole, in the namespace the thread is in.
fn up_and_down() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for ip in ["127.0.0.1", "::1"] {
        let out = rt.block_on(run_check(&ping(ip, 1, Duration::from_secs(2))));
        assert_eq!(out, Outcome::up(format!("echo reply from {ip}")));
    }
    for ip in ["198.51.100.2", "2001:db8::2"] {
        let start = Instant::now();
        let out = rt.block_on(run_check(&ping(ip, 2, Duration::from_millis(400))));
        let took = start.elapsed();
        assert!(!out.up && out.reason.contains("2 attempt(s)"), "{out:?}");
        assert!(
            took >= Duration::from_millis(800) && took < Duration::from_millis(1300),
            "{took:?}"
        );
    }
}

#[test]
fn raw_socket_up_and_down() {
    in_private_netns(BLACK_HOLE, || {
        assert!(!datagram_icmp_allowed(), "a new namespace allows no group");
        up_and_down();
    });
}

#[test]
fn datagram_socket_up_and_down() {
    in_private_netns(BLACK_HOLE, || {
        std::fs::write("/proc/sys/net/ipv4/ping_group_range", "0 0").unwrap();
        assert!(datagram_icmp_allowed());
        up_and_down();
    });
}

#[test]
fn loopback_answers_in_the_host_namespace() {
    let rt = rt();
    for ip in ["127.0.0.1", "::1", "127.3.4.5"] {
        let out = rt.block_on(run_check(&ping(ip, 1, Duration::from_secs(2))));
        assert!(out.up, "{ip}: {out:?}");
    }
}

#[test]
fn concurrent_pings_each_get_their_own_reply() {
    let outs = run_at_once(&rt(), 50, ping("127.0.0.1", 1, Duration::from_secs(2)));
    assert!(outs.iter().all(|o| o.up), "{outs:?}");
}

#[test]
fn an_unreachable_network_is_down_at_once() {
    // Only lo: no route at all to the real.
    in_private_netns(&["link set lo up"], || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let start = Instant::now();
        let out = rt.block_on(run_check(&ping("198.51.100.2", 3, Duration::from_secs(2))));
        assert!(!out.up && out.reason.contains("unreachable"), "{out:?}");
        assert!(start.elapsed() < Duration::from_millis(500));
    });
}

#[test]
fn checkcount_zero_is_down_as_in_the_legacy() {
    let out = rt().block_on(run_check(&ping("127.0.0.1", 0, Duration::from_secs(1))));
    assert!(!out.up, "{out:?}");
}
