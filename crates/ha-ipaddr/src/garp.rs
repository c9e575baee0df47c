//! Gratuitous ARP, as heartbeat's `send_arp` (the libnet build Debian ships)
//! sends it: for each repetition an ARP request, half an interval later an
//! ARP reply, half an interval later the next pair. Some hosts only heed one
//! of the two, hence both.
//!
//! The first request goes out before [`crate::start`] returns; the rest of
//! the schedule runs on a thread, like the scripts' backgrounded send_arp.
//! A new announcement for the same address, or [`crate::stop`], cancels a
//! running one (the scripts kill the old send_arp through its pid file).

use std::io;
use std::net::Ipv4Addr;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use pnet_datalink::{Channel, Config, DataLinkSender, MacAddr, NetworkInterface};

use crate::frame::{arp_frame, ArpKind};
use crate::spec::Flavor;

/// How many request/reply pairs, and how far apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GarpSchedule {
    pub count: u32,
    pub interval: Duration,
}

impl GarpSchedule {
    /// IPaddr: ARP_REPEAT 10, ARP_INTERVAL_MS 500. IPaddr2: arp_count 5,
    /// arp_interval 200.
    pub fn legacy(flavor: Flavor) -> GarpSchedule {
        match flavor {
            Flavor::IPaddr => GarpSchedule {
                count: 10,
                interval: Duration::from_millis(500),
            },
            Flavor::IPaddr2 => GarpSchedule {
                count: 5,
                interval: Duration::from_millis(200),
            },
        }
    }
}

/// A cancellable sleep shared by a sender thread and whoever may stop it.
#[derive(Default)]
struct Cancel {
    cancelled: Mutex<bool>,
    wake: Condvar,
}

impl Cancel {
    fn flag(&self) -> MutexGuard<'_, bool> {
        // A panic elsewhere cannot leave a bool inconsistent.
        self.cancelled.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cancel(&self) {
        *self.flag() = true;
        self.wake.notify_all();
    }

    /// Sleeps `d`; true if cancelled meanwhile (then returns at once).
    fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut cancelled = self.flag();
        while !*cancelled {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            cancelled = match self.wake.wait_timeout(cancelled, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        true
    }
}

/// An address within a network namespace (identified by its inode; 0 if
/// /proc cannot tell): the same VIP in two namespaces is two resources.
type Key = (u64, Ipv4Addr);

fn key(ip: Ipv4Addr) -> Key {
    let ns = std::fs::metadata("/proc/thread-self/ns/net").map_or(0, |m| m.ino());
    (ns, ip)
}

/// Running announcements: the pid files of the legacy.
static RUNNING: Mutex<Vec<(Key, Arc<Cancel>)>> = Mutex::new(Vec::new());

fn running() -> MutexGuard<'static, Vec<(Key, Arc<Cancel>)>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Cancels the announcement of `ip` in the caller's namespace, if any.
pub(crate) fn cancel_for(ip: Ipv4Addr) {
    let k = key(ip);
    running().retain(|(i, c)| {
        if *i == k {
            c.cancel();
        }
        *i != k
    });
}

/// The background part of an announcement.
pub struct GarpHandle {
    cancel: Arc<Cancel>,
    thread: JoinHandle<io::Result<u32>>,
}

impl std::fmt::Debug for GarpHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GarpHandle")
            .field("finished", &self.thread.is_finished())
            .finish()
    }
}

impl GarpHandle {
    /// Stops after the frame being sent, if any.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the schedule to end; how many frames went out in all.
    /// Dropping the handle instead lets it finish on its own.
    pub fn wait(self) -> io::Result<u32> {
        self.thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("ARP sender thread panicked")))
    }
}

/// Opens a packet socket on the interface, sends the first request, and
/// leaves the rest of the schedule to a thread.
pub(crate) fn announce(
    ifindex: u32,
    ifname: &str,
    mac: [u8; 6],
    ip: Ipv4Addr,
    schedule: GarpSchedule,
) -> io::Result<GarpHandle> {
    let iface = NetworkInterface {
        name: ifname.to_string(),
        description: String::new(),
        index: ifindex,
        mac: Some(MacAddr::from(mac)),
        ips: Vec::new(),
        flags: 0,
    };
    let config = Config {
        promiscuous: false,
        ..Config::default()
    };
    let mut tx = match pnet_datalink::channel(&iface, config)? {
        Channel::Ethernet(tx, _rx) => tx,
        _ => return Err(io::Error::other("not an Ethernet channel")),
    };
    let request = arp_frame(ArpKind::Request, mac, ip);
    let reply = arp_frame(ArpKind::Reply, mac, ip);
    send(&mut *tx, &request)?;

    cancel_for(ip);
    let cancel = Arc::new(Cancel::default());
    running().push((key(ip), Arc::clone(&cancel)));
    let theirs = Arc::clone(&cancel);
    let thread = thread::Builder::new()
        .name(format!("garp-{ip}"))
        .spawn(move || {
            let result = repeat(&mut *tx, &theirs, schedule, &request, &reply);
            running().retain(|(_, c)| !Arc::ptr_eq(c, &theirs));
            result
        })?;
    Ok(GarpHandle { cancel, thread })
}

/// The schedule after the first request: reply, then the remaining pairs.
fn repeat(
    tx: &mut dyn DataLinkSender,
    cancel: &Cancel,
    schedule: GarpSchedule,
    request: &[u8],
    reply: &[u8],
) -> io::Result<u32> {
    let half = schedule.interval / 2;
    let mut sent = 1;
    for j in 0..schedule.count {
        if j > 0 {
            send(tx, request)?;
            sent += 1;
        }
        if cancel.sleep(half) {
            break;
        }
        send(tx, reply)?;
        sent += 1;
        if j + 1 < schedule.count && cancel.sleep(half) {
            break;
        }
    }
    Ok(sent)
}

fn send(tx: &mut dyn DataLinkSender, frame: &[u8]) -> io::Result<()> {
    tx.send_to(frame, None)
        .unwrap_or_else(|| Err(io::Error::other("packet socket refused the frame")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_schedules() {
        let a = GarpSchedule::legacy(Flavor::IPaddr);
        assert_eq!((a.count, a.interval), (10, Duration::from_millis(500)));
        let b = GarpSchedule::legacy(Flavor::IPaddr2);
        assert_eq!((b.count, b.interval), (5, Duration::from_millis(200)));
    }

    #[test]
    fn cancel_wakes_a_sleeper() {
        let c = Arc::new(Cancel::default());
        let c2 = Arc::clone(&c);
        let t = thread::spawn(move || c2.sleep(Duration::from_secs(30)));
        thread::sleep(Duration::from_millis(20));
        c.cancel();
        assert_eq!(t.join().ok(), Some(true));
        assert!(!Cancel::default().sleep(Duration::from_millis(1)));
    }
}
