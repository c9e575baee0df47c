//! `checktype=ping`: ICMP echo to the real's IP, IPv4 or IPv6.
//!
//! The legacy uses Net::Ping("icmp") with `checkcount` attempts of
//! `checktimeout` each, up at the first reply. (Its IPv6 reals are written
//! in brackets, which Net::Ping cannot resolve, so there a real6 ping check
//! is always down; here IPv6 works.) The socket is an unprivileged ICMP
//! datagram socket when `net.ipv4.ping_group_range` allows it, else a raw
//! socket, which needs CAP_NET_RAW (the daemon runs as root).

use crate::icmp_packet::{echo_request, is_our_reply, Family};
use crate::{CheckKind, CheckSpec, Outcome};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::time::{timeout_at, Instant};

/// Bounded by construction: every wait below is under a deadline at most
/// `spec.timeout()` from the start.
pub async fn check(spec: &CheckSpec) -> Outcome {
    let CheckKind::Ping { count } = spec.kind else {
        return Outcome::down("not a ping check");
    };
    let ip = spec.target.ip();
    if count == 0 {
        // The legacy's attempt loop runs zero times and sets the real down.
        return Outcome::down("checkcount=0: no ping attempted");
    }
    let socket = match EchoSocket::open(spec.target) {
        Ok(s) => s,
        Err(reason) => return Outcome::down(reason),
    };
    let start = Instant::now();
    let token = token();
    for attempt in 1..=count {
        let deadline = start + spec.check_timeout.saturating_mul(attempt);
        let seq = (attempt & 0xffff) as u16;
        match timeout_at(deadline, socket.echo(seq, token)).await {
            Ok(Ok(())) => return Outcome::up(format!("echo reply from {ip}")),
            // An error (network unreachable, host unreachable from ARP) would
            // recur at once on a retry; it is the answer.
            Ok(Err(e)) => return Outcome::down(format!("ping {ip} failed: {e}")),
            Err(_elapsed) => continue,
        }
    }
    Outcome::down(format!(
        "no echo reply from {ip} in {} attempt(s) of {:.1} s",
        count,
        spec.check_timeout.as_secs_f64()
    ))
}

/// Distinguishes this check's replies from those of concurrent checks of
/// the same real, which a raw socket also receives.
fn token() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32) ^ COUNTER.fetch_add(1, Ordering::Relaxed)
}

struct EchoSocket {
    fd: AsyncFd<Socket>,
    family: Family,
    /// IPv4 raw sockets deliver the IP header with the ICMP message.
    ip_header: bool,
    ident: u16,
}

impl EchoSocket {
    /// A socket connected to the real, so the kernel delivers only what
    /// comes from it (raw and datagram ICMP sockets both filter so).
    fn open(target: SocketAddr) -> Result<EchoSocket, String> {
        let (domain, protocol, family) = match target.ip() {
            IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4, Family::V4),
            IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6, Family::V6),
        };
        let (socket, raw) = match Socket::new(domain, Type::DGRAM, Some(protocol)) {
            Ok(s) => (s, false),
            Err(dgram) => match Socket::new(domain, Type::RAW, Some(protocol)) {
                Ok(s) => (s, true),
                Err(raw) => {
                    return Err(format!(
                        "cannot open an ICMP socket (datagram: {dgram}; raw: {raw})"
                    ))
                }
            },
        };
        let peer = SockAddr::from(SocketAddr::new(target.ip(), 0));
        socket
            .set_nonblocking(true)
            .and_then(|()| socket.connect(&peer))
            .map_err(|e| format!("ICMP socket to {}: {e}", target.ip()))?;
        // SAFETY: the AsyncFd takes the socket by value and owns it, so the
        // descriptor stays open for as long as it is registered.
        let fd = unsafe { AsyncFd::register(socket) }.map_err(|e| format!("ICMP socket: {e}"))?;
        Ok(EchoSocket {
            fd,
            family,
            ip_header: raw && family == Family::V4,
            ident: (token() & 0xffff) as u16,
        })
    }

    /// Sends one echo request and waits (without end: the caller bounds
    /// it) for its reply.
    async fn echo(&self, seq: u16, token: u64) -> io::Result<()> {
        let request = echo_request(self.family, self.ident, seq, token);
        self.fd
            .async_io(Interest::WRITABLE, |s| {
                let mut s: &Socket = s;
                s.write(&request)
            })
            .await?;
        let mut buf = [0u8; 1500];
        loop {
            let n = self
                .fd
                .async_io(Interest::READABLE, |s| {
                    let mut s: &Socket = s;
                    s.read(&mut buf)
                })
                .await?;
            let packet = buf.get(..n).unwrap_or_default();
            if is_our_reply(self.family, packet, self.ip_header, seq, token) {
                return Ok(());
            }
        }
    }
}
