//! ldirectord-rs and the legacy ldirectord 4.12, side by side against the
//! real kernel (in the VM: `make vm-test`), on the seed deployment's
//! ldirectord.cf with the addresses of a test network.
//!
//! Two directors, each in its own network namespace with its own IPVS
//! table, reach the same two real web servers (python3 http.server in a
//! third namespace, behind a bridge). The same failures are made; after
//! each step both tables must list identically (`ipvsadm -Ln`) and the
//! real/fallback log lines each daemon wrote for that step must be the same.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const OURS: &str = env!("CARGO_BIN_EXE_ldirectord-rs");

fn sh(cmd: &str) {
    let st = Command::new("bash")
        .args(["-c", cmd])
        .status()
        .expect("bash");
    assert!(st.success(), "failed: {cmd}");
}

fn output(cmd: &str) -> String {
    let out = Command::new("bash")
        .args(["-c", cmd])
        .output()
        .expect("bash");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
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
struct Lab {
    tag: String,
    dir: PathBuf,
    servers: Vec<Child>,
}

impl Lab {
    fn new() -> Lab {
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

    fn serve(&self, ip: &str, root: &str) -> Child {
        Command::new("ip")
            .args(["netns", "exec", &format!("{}r", self.tag)])
            .args(["python3", "-m", "http.server", "--bind", ip, "80"])
            .current_dir(self.dir.join(root))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 http.server")
    }

    fn config(&self, name: &str) -> PathBuf {
        let seed = include_str!("../../../compat-configs/seed/ldirectord.cf");
        let log = self.dir.join(format!("{name}.log"));
        let cf = seed
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

    fn ipvsadm(&self, ns: &str) -> String {
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
                &format!("for n in r a b; do ip netns del {t}$n; done"),
            ])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How many destinations an `ipvsadm -Ln` lists.
fn dests(listing: &str) -> usize {
    listing
        .lines()
        .filter(|l| l.starts_with("  -> ") && !l.contains("RemoteAddress"))
        .count()
}

/// The real, fallback and virtual server lines of a log, without the `[date|cf|pid] ` prefix.
fn server_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, m)| m.to_string()))
        .filter(|m| m.contains(" server"))
        .collect()
}

struct Logs {
    ours: PathBuf,
    legacy: PathBuf,
    seen_ours: usize,
    seen_legacy: usize,
}

impl Logs {
    /// The lines each daemon wrote since the last call.
    fn step(&mut self) -> (Vec<String>, Vec<String>) {
        let o = server_lines(&self.ours);
        let l = server_lines(&self.legacy);
        let new = (o[self.seen_ours..].to_vec(), l[self.seen_legacy..].to_vec());
        self.seen_ours = o.len();
        self.seen_legacy = l.len();
        new
    }
}

#[test]
#[ignore = "needs IPVS and the legacy ldirectord: make vm-test"]
fn seed_config_matches_the_legacy_step_by_step() {
    let mut lab = Lab::new();
    let ours_cf = lab.config("ours.cf");
    let legacy_cf = lab.config("legacy.cf");
    let t = lab.tag.clone();
    let run = lab.dir.clone();
    let rundir = format!("LDIRECTORD_RUNDIR={}", run.display());
    sh(&format!(
        "ip netns exec {t}a env {rundir} {OURS} {} start",
        ours_cf.display()
    ));
    sh(&format!(
        "ip netns exec {t}b /usr/sbin/ldirectord {} start",
        legacy_cf.display()
    ));
    let mut logs = Logs {
        ours: lab.dir.join("ours.cf.log"),
        legacy: lab.dir.join("legacy.cf.log"),
        seen_ours: 0,
        seen_legacy: 0,
    };
    let both_list = |lab: &Lab, n: usize, what: &str| {
        wait_until(what, 60, || {
            let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
            a == b && dests(&a) == n
        })
    };

    // 1. Both reals up: both in the table, no fallback.
    both_list(&lab, 2, "both reals in both tables");
    assert!(!lab.ipvsadm("a").contains("127.0.0.1"));
    // Let the legacy's start-up flapping settle before comparing logs.
    std::thread::sleep(Duration::from_secs(4));
    both_list(&lab, 2, "both reals still in both tables");
    logs.step();

    // 2. WEB1's server stops: removed from both, WEB2 alone.
    let mut web1 = lab.servers.remove(0);
    web1.kill().unwrap();
    web1.wait().unwrap();
    both_list(&lab, 1, "WEB1 removed");
    assert!(lab.ipvsadm("a").contains("10.9.0.3:80"));
    std::thread::sleep(Duration::from_secs(3));
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for WEB1 down");
    assert_eq!(o, ["Deleted real server: 10.9.0.2:80 (10.9.0.100:80)"]);

    // 3. WEB2 answers with the wrong body: both down, the fallback takes over.
    let mut web2 = lab.servers.remove(0);
    web2.kill().unwrap();
    web2.wait().unwrap();
    lab.servers.push(lab.serve("10.9.0.3", "bad"));
    wait_until("fallback in both tables", 60, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && a.contains("127.0.0.1:80") && dests(&a) == 1
    });
    std::thread::sleep(Duration::from_secs(3));
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for WEB2 down");

    // 4. WEB1 comes back: restored, fallback out.
    lab.servers.push(lab.serve("10.9.0.2", "www"));
    wait_until("WEB1 back in both tables", 60, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && a.contains("10.9.0.2:80") && !a.contains("127.0.0.1")
    });
    std::thread::sleep(Duration::from_secs(3));
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for WEB1 back");

    // 5. Stop (cleanstop defaults to yes): both purge the reals and then
    //    the virtual service, with the same log lines.
    sh(&format!(
        "ip netns exec {t}a env {rundir} {OURS} {} stop",
        ours_cf.display()
    ));
    sh(&format!(
        "ip netns exec {t}b /usr/sbin/ldirectord {} stop",
        legacy_cf.display()
    ));
    wait_until("both tables purged", 30, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && !a.contains("TCP")
    });
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for stop");
    assert_eq!(
        o,
        [
            "Purged real server (stop): 10.9.0.2:80 (10.9.0.100:80)",
            "Purged virtual server (stop): 10.9.0.100:80",
        ]
    );
}
