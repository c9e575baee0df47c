//! The real resource agents as oracles: heartbeat's wrappers in
//! /etc/ha.d/resource.d (Debian's heartbeat 3.0.6) and the resource-agents
//! 4.12 agents behind them, run the way the legacy ResourceManager runs
//! them (`WRAPPER ARG OP`), inside a test's namespace.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Netns;

pub const IPADDR2: &str = "/etc/ha.d/resource.d/IPaddr2";
pub const IPV6ADDR: &str = "/etc/ha.d/resource.d/IPv6addr";

/// The agent a wrapper runs.
fn agent(wrapper: &str) -> String {
    let name = Path::new(wrapper)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    format!("/usr/lib/ocf/resource.d/heartbeat/{name}")
}

/// Whether the wrapper and its agent are installed. Without them a
/// developer's run skips the comparison, loudly; under CI (`CI=true`) a
/// missing oracle fails the test.
pub fn available(wrapper: &str) -> bool {
    let ok = Path::new(wrapper).exists() && Path::new(&agent(wrapper)).exists();
    if !ok {
        let why = format!(
            "the comparison with the legacy agent needs {wrapper} and {} (Debian's heartbeat and resource-agents)",
            agent(wrapper)
        );
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: {why}"
        );
        eprintln!("skipped: {why}");
    }
    ok
}

/// The agent's exit status and what it printed (stdout, then stderr).
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub output: String,
}

/// Longest a legacy start may take (IPv6addr alone needs about seven
/// seconds: its duplicate address detection pings, then five
/// advertisements a second apart).
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `WRAPPER ARG OP` in `ns` with the agents' notes in `state_dir`
/// (`HA_RSCTMP`), and a private tmpfs on /run/resource-agents for the pid
/// files the compiled agents keep there regardless.
pub fn run(ns: &Netns, wrapper: &str, arg: &str, op: &str, state_dir: &Path) -> Outcome {
    std::fs::create_dir_all("/run/resource-agents").expect("mkdir /run/resource-agents");
    // `ip netns exec` gives the command its own mount namespace, so the
    // tmpfs stays there.
    let script = "mount -t tmpfs tmpfs /run/resource-agents && exec \"$@\"";
    let out_path = state_dir.join(format!(".legacy-{op}.out"));
    let out = std::fs::File::create(&out_path).expect("output file");
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ns.name, "sh", "-c", script, "sh", "env"])
        .arg(format!("HA_RSCTMP={}", state_dir.display()))
        .args([wrapper, arg, op])
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("dup"))
        .stderr(out)
        .spawn()
        .expect("ip netns exec");
    let end = Instant::now() + LIMIT;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{wrapper} {arg} {op}: still running after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut output = String::new();
    std::fs::File::open(&out_path)
        .and_then(|mut f| f.read_to_string(&mut output))
        .expect("read output");
    let _ = std::fs::remove_file(&out_path);
    Outcome {
        code: status.code().unwrap_or(-1),
        output,
    }
}
