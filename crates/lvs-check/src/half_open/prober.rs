//! A prober per thread that runs checks: the sockets, the checks waiting
//! for an answer (keyed by the real and the sequence number its answer
//! will acknowledge), and two tasks on the checks' own runtime that read
//! the answers as they come and hand each to its waiting check. Reading
//! on the runtime (not on a thread of its own) costs no thread wake-up per
//! answer: epoll marks the socket ready, and one turn drains it.

use super::segment::{self, Answer, Reply};
use super::sockets::{self, Reserved};
use socket2::Socket;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

type Key = (SocketAddrV4, u32);
type Parser = fn(&[u8]) -> Option<Reply>;

const LINEAR_TIMEOUTS: &str = "/proc/sys/net/ipv4/tcp_syn_linear_timeouts";

pub struct Prober {
    tcp: AsyncFd<Socket>,
    icmp: AsyncFd<Socket>,
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
    prober: Arc<Prober>,
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
    /// Opens the sockets and starts their readers on the current runtime;
    /// the prober lasts as long as they do (until the runtime ends).
    pub fn start() -> io::Result<(Arc<Prober>, [JoinHandle<()>; 2])> {
        let reserved = sockets::reserve_ports()?;
        let tcp = sockets::tcp(&reserved.ports)?;
        let icmp = sockets::icmp()?;
        tcp.set_nonblocking(true)?;
        icmp.set_nonblocking(true)?;
        // SAFETY: each AsyncFd takes its socket by value and owns it, so
        // the descriptor stays open for as long as it is registered.
        let (tcp, icmp) = unsafe { (AsyncFd::register(tcp)?, AsyncFd::register(icmp)?) };
        let prober = Arc::new(Prober {
            tcp,
            icmp,
            reserved,
            waiting: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
            checks: AtomicU32::new(0),
            isn_key: RandomState::new(),
            linear_retries: std::fs::read_to_string(LINEAR_TIMEOUTS)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
        });
        let readers = [
            tokio::spawn(Arc::clone(&prober).read_answers(false)),
            tokio::spawn(Arc::clone(&prober).read_answers(true)),
        ];
        Ok((prober, readers))
    }

    /// Enters a new check of `target` in the table.
    pub fn wait_for(self: &Arc<Self>, target: SocketAddrV4) -> Waiting {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        let isn = self.isn_key.hash_one(n) as u32;
        let ports = &self.reserved.ports;
        let local_port = ports[n as usize % ports.len()];
        let key = (target, isn.wrapping_add(1));
        let (tx, answer) = oneshot::channel();
        lock(&self.waiting).insert(key, tx);
        Waiting {
            prober: Arc::clone(self),
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
        match sockets::send(self.tcp.get_ref(), &syn, *target.ip()) {
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

    /// Drains the socket each time epoll says it is readable; ends when
    /// the runtime does.
    async fn read_answers(self: Arc<Self>, icmp: bool) {
        let (fd, parse): (_, Parser) = if icmp {
            (&self.icmp, segment::icmp_reply)
        } else {
            (&self.tcp, segment::tcp_reply)
        };
        let mut buf = [0u8; 256];
        loop {
            let Ok(mut ready) = fd.readable().await else {
                return;
            };
            loop {
                let read = ready.try_io(|s| {
                    let mut s: &Socket = s.get_ref();
                    s.read(&mut buf)
                });
                match read {
                    Ok(Ok(n)) => {
                        if let Some(reply) = parse(buf.get(..n).unwrap_or_default()) {
                            self.deliver(reply);
                        }
                    }
                    Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    // Not expected of a raw socket; a pause keeps a
                    // persistent error from spinning the runtime.
                    Ok(Err(_)) => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        break;
                    }
                    // Drained: wait for epoll again.
                    Err(_would_block) => break,
                }
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
