//! Throwaway network namespaces for the kernel tests.
//!
//! Each namespace is made with `ip netns add` under a name unique to the
//! process and test, and deleted by `Drop` even when the test panics, which
//! also destroys the veth pairs inside. Code under test runs on a thread
//! that `setns()`s into `/run/netns/NAME`: the rest of the test process,
//! and the other tests running in parallel, stay where they are.

#![allow(dead_code)] // each test binary uses a different part

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Netns {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        // SAFETY: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "these tests need root (network namespaces)"
        );
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("haip{}-{n}-{tag}", std::process::id());
        run("ip", &["netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n NAME ARGS…`; panics with ip's message on failure.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Writes a sysctl of this namespace (`/proc/sys/net` is per namespace).
    pub fn sysctl(&self, key: &str, value: &str) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let value = value.to_string();
        self.run(move || std::fs::write(&path, value).map_err(|e| format!("{path}: {e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Runs `f` on a thread inside this namespace and waits for it.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        self.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    }

    /// Starts `f` on a thread inside this namespace.
    pub fn spawn<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> JoinHandle<T> {
        let path = format!("/run/netns/{}", self.name);
        thread::spawn(move || {
            let ns = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            // SAFETY: a valid namespace fd; affects only this thread.
            let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
            f()
        })
    }

    /// The MAC of a link, as `ip` prints it.
    pub fn mac(&self, dev: &str) -> String {
        let out = self.ip(&["-o", "link", "show", "dev", dev]);
        let mut words = out.split_whitespace();
        words
            .find(|w| *w == "link/ether")
            .and_then(|_| words.next())
            .unwrap_or_else(|| panic!("no MAC for {dev} in: {out}"))
            .to_string()
    }

    /// How `ip -o addr` shows an IPv4 address, if present.
    pub fn addr(&self, ip: &str) -> Option<AddrLine> {
        let out = self.ip(&["-o", "-4", "addr", "show"]);
        let needle = format!("{ip}/");
        out.lines().find_map(|line| {
            let fields = line.split('\\').next()?;
            let words: Vec<&str> = fields.split_whitespace().collect();
            let at = words.iter().position(|w| w.starts_with(&needle))?;
            let after = |key: &str| {
                let i = words.iter().position(|w| *w == key)?;
                words.get(i + 1).map(|s| s.to_string())
            };
            Some(AddrLine {
                dev: words.get(1)?.to_string(),
                prefix: words[at].trim_start_matches(&needle).to_string(),
                brd: after("brd"),
                label: words.last()?.to_string(),
            })
        })
    }

    /// The neighbour entry's MAC for `ip` on `dev`, if any.
    pub fn neigh(&self, ip: &str, dev: &str) -> Option<String> {
        let out = self.ip(&["neigh", "show", ip, "dev", dev]);
        let mut words = out.split_whitespace();
        words
            .find(|w| *w == "lladdr")
            .and_then(|_| words.next())
            .map(str::to_string)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .status();
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrLine {
    pub dev: String,
    pub prefix: String,
    pub brd: Option<String>,
    pub label: String,
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `dir` (v0 10.77.0.1/24 brd +) and `client` (v1 10.77.0.2/24) joined by a
/// veth pair.
pub struct Pair {
    pub dir: Netns,
    pub client: Netns,
    pub dir_mac: String,
}

pub fn pair(tag: &str) -> Pair {
    let dir = Netns::new(&format!("{tag}-d"));
    let client = Netns::new(&format!("{tag}-c"));
    dir.ip(&[
        "link",
        "add",
        "v0",
        "type",
        "veth",
        "peer",
        "name",
        "v1",
        "netns",
        &client.name,
    ]);
    dir.ip(&["addr", "add", "10.77.0.1/24", "brd", "+", "dev", "v0"]);
    client.ip(&["addr", "add", "10.77.0.2/24", "dev", "v1"]);
    dir.ip(&["link", "set", "v0", "up"]);
    client.ip(&["link", "set", "v1", "up"]);
    let dir_mac = dir.mac("v0");
    Pair {
        dir,
        client,
        dir_mac,
    }
}

/// Polls `f` until it returns `Some` or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
