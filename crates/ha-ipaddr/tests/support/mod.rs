//! Throwaway network namespaces for the kernel tests.
//!
//! Each namespace is made with `ip netns add` under a name unique to the
//! process and test, and deleted by `Drop` even when the test panics, which
//! also destroys the veth pairs inside. Code under test runs on a thread
//! that `setns()`s into `/run/netns/NAME`: the rest of the test process,
//! and the other tests running in parallel, stay where they are.

#![allow(dead_code)] // each test binary uses a different part

pub mod capture;
pub mod legacy;

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ha_config::haresources::IpSpec;
use ha_ipaddr::{AddressPlan, Error, Flavor};

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

    /// `ip -o addr` of one family as comparable lines: `DEV inet ADDR/P
    /// …` without the interface index or the lifetimes; IPv6 link-local
    /// addresses (made from each namespace's own MACs) left out.
    pub fn addrs(&self, family: &str) -> Vec<String> {
        self.ip(&["-o", family, "addr", "show"])
            .lines()
            .filter(|l| !l.contains("scope link"))
            .map(|l| {
                let l = l.split('\\').next().unwrap_or("");
                let l = l.split_once(": ").map_or(l, |(_, rest)| rest);
                l.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect()
    }

    /// `ip -o -6 addr` line of `ip`, comparable as in [`Netns::addrs`].
    pub fn addr6(&self, ip: &str) -> Option<String> {
        let needle = format!(" {ip}/");
        self.addrs("-6").into_iter().find(|l| l.contains(&needle))
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

/// `client` with a bridge br0 (2001:db8:77::2/64) and two directors whose
/// v0 (2001:db8:77::11/64, ::12/64) are ports of it: the VIP moves
/// between the directors as between two nodes on one LAN. Static addresses
/// skip duplicate address detection; the VIP will not.
pub struct Lan6 {
    pub client: Netns,
    pub dirs: [Netns; 2],
    pub macs: [String; 2],
}

pub fn lan6(tag: &str) -> Lan6 {
    let client = Netns::new(&format!("{tag}-c"));
    // Snooping off: nothing about multicast listeners decides delivery.
    client.ip(&[
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "mcast_snooping",
        "0",
    ]);
    client.ip(&["link", "set", "br0", "up"]);
    client.ip(&["addr", "add", "2001:db8:77::2/64", "dev", "br0", "nodad"]);
    let dirs = [1, 2].map(|n| {
        let dir = Netns::new(&format!("{tag}-d{n}"));
        let port = format!("p{n}");
        dir.ip(&[
            "link",
            "add",
            "v0",
            "type",
            "veth",
            "peer",
            "name",
            &port,
            "netns",
            &client.name,
        ]);
        client.ip(&["link", "set", &port, "master", "br0"]);
        client.ip(&["link", "set", &port, "up"]);
        let own = format!("2001:db8:77::1{n}/64");
        dir.ip(&["addr", "add", &own, "dev", "v0", "nodad"]);
        dir.ip(&["link", "set", "v0", "up"]);
        dir
    });
    let macs = [dirs[0].mac("v0"), dirs[1].mac("v0")];
    Lan6 { client, dirs, macs }
}

/// Sends one UDP datagram from the client to `[ip]:9` (discard), which
/// makes the client resolve the VIP's MAC, then returns the neighbour
/// entry's MAC once there is one.
pub fn resolve_from_client(lan: &Lan6, ip: &str) -> Option<String> {
    let to = format!("[{ip}]:9");
    lan.client.run(move || {
        let s = std::net::UdpSocket::bind("[::]:0").expect("bind");
        s.send_to(b"who has it", &to).expect("send");
    });
    wait_for(Duration::from_secs(3), || lan.client.neigh(ip, "br0"))
}

/// Where the IPv4 tests' plans keep lvs_support notes: a directory of
/// this test run, never the host's /run/resource-agents.
pub fn state_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ha-ipaddr-state-{}", std::process::id()))
}

/// [`ha_ipaddr::plan`] with its notes kept in [`state_dir`].
pub fn plan(flavor: Flavor, spec: &IpSpec) -> Result<AddressPlan, Error> {
    let mut p = ha_ipaddr::plan(flavor, spec)?;
    p.state_dir = state_dir();
    Ok(p)
}

/// What the client has cached for a VIP before the takeover.
pub const STALE_MAC: &str = "02:00:00:00:00:99";

/// A pair whose director is an LVS-DR backup: `vip/32` on lo and a host
/// route to it through lo; the client has an old MAC for the VIP.
pub fn backup_director(tag: &str, vip: &str) -> Pair {
    let p = pair(tag);
    p.dir
        .ip(&["addr", "add", &format!("{vip}/32"), "dev", "lo"]);
    p.dir
        .ip(&["route", "add", &format!("{vip}/32"), "dev", "lo"]);
    p.client.ip(&[
        "neigh", "add", vip, "lladdr", STALE_MAC, "nud", "stale", "dev", "v1",
    ]);
    p
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
