//! One prober per network namespace: the sockets, the checks waiting for
//! an answer (keyed by the real and the sequence number its answer will
//! acknowledge), and two threads that read answers and hand each to its
//! waiting check. The threads block in `recv`, so the checks' runtime pays
//! nothing for them but the wake-up of the check answered.

use super::segment::{self, Answer, Reply};
use super::sockets::{self, Reserved};
use socket2::Socket;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

type Key = (SocketAddrV4, u32);

const LINEAR_TIMEOUTS: &str = "/proc/sys/net/ipv4/tcp_syn_linear_timeouts";

pub struct Prober {
    tcp: Socket,
    reserved: Reserved,
    waiting: Mutex<HashMap<Key, oneshot::Sender<Answer>>>,
    /// The source address for each real's IP, found once and again after
    /// a SYN went unanswered (the route may have changed).
    sources: Mutex<HashMap<Ipv4Addr, Ipv4Addr>>,
    checks: AtomicU32,
    /// Keys the sequence numbers, so that no one on the path can guess
    /// one and forge the answer that would call a dead real up.
    isn_key: RandomState,
    /// How many times a SYN is resent a second after the last before the
    /// waits double, as this kernel's connect does.
    pub linear_retries: u32,
}

/// A check waiting for its answer; whether answered or abandoned (the
/// check's deadline drops it), it leaves the table.
pub struct Waiting {
    prober: &'static Prober,
    key: Key,
    pub answer: oneshot::Receiver<Answer>,
    pub isn: u32,
    pub local_port: u16,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        lock(&self.prober.waiting).remove(&self.key);
    }
}

impl Prober {
    /// Opens the sockets and starts the readers; lives as long as the
    /// process (a daemon has one; tests in namespaces of their own, one each).
    pub fn start() -> io::Result<&'static Prober> {
        let reserved = sockets::reserve_ports()?;
        let tcp = sockets::tcp(&reserved.ports)?;
        let icmp = sockets::icmp()?;
        let tcp_reader = tcp.try_clone()?;
        let prober: &'static Prober = Box::leak(Box::new(Prober {
            tcp,
            reserved,
            waiting: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
            checks: AtomicU32::new(0),
            isn_key: RandomState::new(),
            linear_retries: std::fs::read_to_string(LINEAR_TIMEOUTS)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
        }));
        for (name, socket, parse) in [
            (
                "syn-answers",
                tcp_reader,
                segment::tcp_reply as fn(&[u8]) -> Option<Reply>,
            ),
            ("syn-icmp", icmp, segment::icmp_reply),
        ] {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || prober.read_answers(socket, parse))?;
        }
        Ok(prober)
    }

    /// Enters a new check of `target` in the table.
    pub fn wait_for(&'static self, target: SocketAddrV4) -> Waiting {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        let isn = self.isn_key.hash_one(n) as u32;
        let ports = &self.reserved.ports;
        let local_port = ports[n as usize % ports.len()];
        let key = (target, isn.wrapping_add(1));
        let (tx, answer) = oneshot::channel();
        lock(&self.waiting).insert(key, tx);
        Waiting {
            prober: self,
            key,
            answer,
            isn,
            local_port,
        }
    }

    /// Sends (or sends again) the SYN of `waiting`. An unsent SYN because
    /// the socket's buffer is full counts as one lost on the wire.
    pub fn send_syn(&self, waiting: &Waiting, fresh_route: bool) -> io::Result<()> {
        let target = waiting.key.0;
        let src = self.source(*target.ip(), fresh_route)?;
        let syn = segment::syn(
            SocketAddrV4::new(src, waiting.local_port),
            target,
            waiting.isn,
        );
        match sockets::send(&self.tcp, &syn, *target.ip()) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::ENOBUFS)) => Ok(()),
            other => other,
        }
    }

    fn source(&self, dst: Ipv4Addr, fresh: bool) -> io::Result<Ipv4Addr> {
        if !fresh {
            if let Some(&src) = lock(&self.sources).get(&dst) {
                return Ok(src);
            }
        }
        let src = sockets::source_for(dst)?;
        lock(&self.sources).insert(dst, src);
        Ok(src)
    }

    fn read_answers(&self, socket: Socket, parse: fn(&[u8]) -> Option<Reply>) {
        let mut buf = [0u8; 256];
        loop {
            match (&socket).read(&mut buf) {
                Ok(n) => {
                    if let Some(reply) = parse(buf.get(..n).unwrap_or_default()) {
                        self.deliver(reply);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Not expected of a raw socket; a pause keeps a persistent
                // error from spinning a core.
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    fn deliver(&self, reply: Reply) {
        if !self.reserved.ports.contains(&reply.to_port) {
            return;
        }
        if let Some(tx) = lock(&self.waiting).remove(&(reply.from, reply.ack)) {
            let _ = tx.send(reply.answer);
        }
    }
}

/// A poisoned lock means a panic while a map was held, which no code
/// here can do midway; the map is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
