//! A test network for directors in the VM: namespaces `TAGr` (real web
//! servers behind a bridge, 10.9.0.2 and .3 and more), `TAGa` and `TAGb`
//! (directors at 10.9.0.11 and .12, each with its own IPVS table). Removed
//! on drop.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const OURS: &str = env!("CARGO_BIN_EXE_ldirectord-rs");

pub fn sh(cmd: &str) {
    let st = Command::new("bash")
        .args(["-c", cmd])
        .status()
        .expect("bash");
    assert!(st.success(), "failed: {cmd}");
}

pub fn output(cmd: &str) -> String {
    let out = Command::new("bash")
        .args(["-c", cmd])
        .output()
        .expect("bash");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Everything an investigation needs, then fail.
    println!("{}", output("for n in $(ip netns list | awk '/^sbs/ {print $1}'); do echo \"== $n\"; ip netns exec $n ipvsadm -Ln; done; for f in /tmp/sbs*/*.log; do echo \"== $f\"; cat $f; done; ps ax | grep -E 'ldirectord|http.server' | grep -v grep"));
    panic!("timed out waiting for: {what}");
}

/// The test network; removed on drop, whatever happened.
pub struct Lab {
    pub tag: String,
    pub dir: PathBuf,
    pub servers: Vec<Child>,
}

impl Lab {
    pub fn new() -> Lab {
        let tag = format!("sbs{}", std::process::id());
        let dir = std::env::temp_dir().join(&tag);
        std::fs::create_dir_all(dir.join("www")).unwrap();
        std::fs::write(dir.join("www/test.html"), "test\n").unwrap();
        std::fs::create_dir_all(dir.join("bad")).unwrap();
        std::fs::write(dir.join("bad/test.html"), "wrong body\n").unwrap();
        let t = &tag;
        sh(&format!(
            "set -e
             for n in r a b; do ip netns add {t}$n; ip -n {t}$n link set lo up; done
             ip -n {t}r link add br0 type bridge; ip -n {t}r link set br0 up
             ip link add a0 netns {t}a type veth peer name ra netns {t}r
             ip link add b0 netns {t}b type veth peer name rb netns {t}r
             ip -n {t}r link set ra master br0 up; ip -n {t}r link set rb master br0 up
             ip -n {t}r addr add 10.9.0.2/24 dev br0; ip -n {t}r addr add 10.9.0.3/24 dev br0
             ip -n {t}a addr add 10.9.0.11/24 dev a0; ip -n {t}a link set a0 up
             ip -n {t}b addr add 10.9.0.12/24 dev b0; ip -n {t}b link set b0 up"
        ));
        let mut lab = Lab {
            tag,
            dir,
            servers: Vec::new(),
        };
        lab.servers.push(lab.serve("10.9.0.2", "www"));
        lab.servers.push(lab.serve("10.9.0.3", "www"));
        lab
    }

    pub fn serve(&self, ip: &str, root: &str) -> Child {
        Command::new("ip")
            .args(["netns", "exec", &format!("{}r", self.tag)])
            .args(["python3", "-m", "http.server", "--bind", ip, "80"])
            .current_dir(self.dir.join(root))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 http.server")
    }

    /// A server on `ip:80` that accepts connections and never answers.
    pub fn serve_hung(&self, ip: &str) -> Child {
        self.python(ip, "c=[]\nwhile True: c.append(s.accept())")
    }

    /// A server on `ip:80` that resets every connection.
    pub fn serve_reset(&self, ip: &str) -> Child {
        self.python(
            ip,
            "import struct\nwhile True:\n  c,_=s.accept()\n  c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii',1,0))\n  c.close()",
        )
    }

    fn python(&self, ip: &str, body: &str) -> Child {
        let code = format!(
            "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('{ip}',80))\ns.listen(64)\n{body}\n"
        );
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &format!("{}r", self.tag),
                "python3",
                "-c",
                &code,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3")
    }

    /// Writes `text` as config `name` in the lab directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        // Write-then-rename, so a daemon polling the file never reads half.
        let tmp = self.dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }

    pub fn config(&self, name: &str) -> PathBuf {
        let seed = include_str!("../../../../compat-configs/seed/ldirectord.cf");
        let log = self.dir.join(format!("{name}.log"));
        // negotiatetimeout 10 (the seed's negotiate checks would get its
        // checktimeout, 3 s): under emulation the legacy's first http checks
        // load LWP's modules under that alarm, and one cut short leaves its
        // http checks failing for good (a fresh-machine run: each real added
        // once, then deleted, then nothing for a minute). Nothing in the
        // test waits on the timeout: a dead real refuses, a wrong one
        // answers.
        let cf = seed
            .replace("checktimeout=3\n", "checktimeout=3\nnegotiatetimeout=10\n")
            .replace("192.168.72.8", "10.9.0.100")
            .replace("192.168.72.9", "10.9.0.2")
            .replace("192.168.72.10", "10.9.0.3")
            .replace("logfile=\"/var/log/ldirectord.log\"\n", "")
            .replace(
                "logfile=\"local0\"",
                &format!("logfile=\"{}\"", log.display()),
            );
        let path = self.dir.join(name);
        std::fs::write(&path, cf).unwrap();
        path
    }

    pub fn ipvsadm(&self, ns: &str) -> String {
        output(&format!("ip netns exec {}{ns} ipvsadm -Ln", self.tag))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for s in &mut self.servers {
            let _ = s.kill();
            let _ = s.wait();
        }
        let t = &self.tag;
        let _ = Command::new("bash")
            .args([
                "-c",
                // The daemons under test fork away from us: whatever still
                // runs in the lab's namespaces was started by this test.
                &format!(
                    "for n in r a b; do for p in $(ip netns pids {t}$n); do kill -9 $p; done; \
                     ip netns del {t}$n; done"
                ),
            ])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How many destinations an `ipvsadm -Ln` lists.
pub fn dests(listing: &str) -> usize {
    listing
        .lines()
        .filter(|l| l.starts_with("  -> ") && !l.contains("RemoteAddress"))
        .count()
}

/// The real, fallback and virtual server lines of a log, without the `[date|cf|pid] ` prefix.
pub fn server_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, m)| m.to_string()))
        .filter(|m| m.contains(" server"))
        .collect()
}

pub struct Logs {
    pub ours: PathBuf,
    pub legacy: PathBuf,
    pub seen_ours: usize,
    pub seen_legacy: usize,
}

impl Logs {
    /// The lines each daemon wrote since the last call.
    pub fn step(&mut self) -> (Vec<String>, Vec<String>) {
        let o = server_lines(&self.ours);
        let l = server_lines(&self.legacy);
        let new = (o[self.seen_ours..].to_vec(), l[self.seen_legacy..].to_vec());
        self.seen_ours = o.len();
        self.seen_legacy = l.len();
        new
    }
}
