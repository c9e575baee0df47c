//! What gratuitous ARP and unsolicited neighbour advertisements share: a
//! background repetition that `stop`, or a newer announcement of the same
//! address, cancels at once (the scripts kill the old sender through its
//! pid file).

use std::io;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A cancellable sleep shared by a sender thread and whoever may stop it.
#[derive(Default)]
pub(crate) struct Cancel {
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
    pub(crate) fn sleep(&self, d: Duration) -> bool {
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
type Key = (u64, IpAddr);

fn key(ip: IpAddr) -> Key {
    let ns = std::fs::metadata("/proc/thread-self/ns/net").map_or(0, |m| m.ino());
    (ns, ip)
}

/// Running announcements: the pid files of the legacy.
static RUNNING: Mutex<Vec<(Key, Arc<Cancel>)>> = Mutex::new(Vec::new());

fn running() -> MutexGuard<'static, Vec<(Key, Arc<Cancel>)>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Cancels the announcement of `ip` in the caller's namespace, if any.
pub(crate) fn cancel_for(ip: IpAddr) {
    let k = key(ip);
    running().retain(|(i, c)| {
        if *i == k {
            c.cancel();
        }
        *i != k
    });
}

/// The background part of an announcement.
pub struct AnnounceHandle {
    cancel: Arc<Cancel>,
    thread: JoinHandle<io::Result<u32>>,
}

impl std::fmt::Debug for AnnounceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnounceHandle")
            .field("finished", &self.thread.is_finished())
            .finish()
    }
}

impl AnnounceHandle {
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
            .unwrap_or_else(|_| Err(io::Error::other("announcement thread panicked")))
    }
}

/// Runs `rest` on a thread registered as the announcement of `ip` (in the
/// caller's namespace), cancelling the one before it.
pub(crate) fn spawn(
    ip: IpAddr,
    rest: impl FnOnce(&Cancel) -> io::Result<u32> + Send + 'static,
) -> io::Result<AnnounceHandle> {
    cancel_for(ip);
    let cancel = Arc::new(Cancel::default());
    running().push((key(ip), Arc::clone(&cancel)));
    let theirs = Arc::clone(&cancel);
    let thread = thread::Builder::new()
        .name(format!("announce-{ip}"))
        .spawn(move || {
            let result = rest(&theirs);
            running().retain(|(_, c)| !Arc::ptr_eq(c, &theirs));
            result
        })?;
    Ok(AnnounceHandle { cancel, thread })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

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

    #[test]
    fn a_new_announcement_cancels_the_old_one() {
        let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77));
        let first = spawn(ip, |c| Ok(u32::from(c.sleep(Duration::from_secs(30))))).unwrap();
        let second = spawn(ip, |_| Ok(7)).unwrap();
        assert_eq!(first.wait().unwrap(), 1, "the first was cancelled");
        assert_eq!(second.wait().unwrap(), 7);
    }
}
