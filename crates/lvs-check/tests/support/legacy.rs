//! The legacy ldirectord 4.12's verdict on a real server: the daemon itself
//! (Debian's /usr/sbin/ldirectord with its Perl modules) runs one virtual
//! service with the check under test, and the verdict is whether it put the
//! real in its IPVS table. The host kernel has no IPVS, so, in a private
//! mount namespace, /usr/sbin/ipvsadm is the file-backed stand-in
//! (crates/ipvs/examples/ipvsadm_standin.rs, built by `make checks-test`):
//! the legacy runs its ipvsadm command lines unchanged against it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The stand-in's path: `$IPVSADM_STANDIN`, or the debug build's example.
fn standin() -> PathBuf {
    if let Some(p) = std::env::var_os("IPVSADM_STANDIN") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/examples/ipvsadm_standin")
}

/// Whether the legacy ldirectord can run here at all (it and the stand-in
/// are installed and built). Without them a developer's run skips the
/// comparison, loudly; under CI (`CI=true`) a missing oracle fails the test.
pub fn available() -> bool {
    let ok = std::path::Path::new("/usr/sbin/ldirectord").exists() && standin().exists();
    if !ok {
        let why = format!(
            "the legacy ldirectord comparison needs /usr/sbin/ldirectord and {} \
             (cargo build -p ipvs --example ipvsadm_standin)",
            standin().display()
        );
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: {why}"
        );
        eprintln!("skipped: {why}");
    }
    ok
}

/// The verdict of the legacy daemon on `real` (an `ip:port` as written in
/// ldirectord.cf) with the virtual-service lines `service_lines` (service=,
/// login=, request=, …, one per line, without indentation). Call it from
/// the thread that owns the test's network namespace. Returns whether the
/// real was in the table once `settle` (a few check intervals) has passed
/// and the legacy has finished at least one check of it, and the daemon's
/// debug output, for the failure message. A legacy that never finishes a
/// check (it did not start, or hangs) fails the test: its table then holds
/// what it did before the first check, which is no verdict.
pub fn verdict(real: &str, service_lines: &str, settle: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ldirectord.log");
    let state = dir.path().join("ipvs.state");
    let cf = dir.path().join("legacy.cf");
    let mut body = format!(
        "checkinterval=1\nchecktimeout=3\nnegotiatetimeout=3\nquiescent=no\n\
         autoreload=no\nlogfile=\"{}\"\n\nvirtual=192.0.2.10:{}\n\treal={real} masq\n",
        log.display(),
        real.rsplit(':').next().unwrap_or("80"),
    );
    for line in service_lines.lines().filter(|l| !l.trim().is_empty()) {
        body.push('\t');
        body.push_str(line.trim());
        body.push('\n');
    }
    std::fs::write(&cf, &body).unwrap();
    // A private /run keeps the legacy's pid file away from the host's.
    let script = format!(
        "mount --bind {standin} /usr/sbin/ipvsadm && mount -t tmpfs tmpfs /run && \
         exec env IPVSADM_STANDIN_STATE={state} /usr/sbin/ldirectord -d {cf} start",
        standin = standin().display(),
        state = state.display(),
        cf = cf.display(),
    );
    // With -d the legacy writes its log and debug lines to stderr, in order.
    let out = std::fs::File::create(dir.path().join("stdout")).unwrap();
    let mut child = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start the legacy ldirectord");
    let start = Instant::now();
    let debug = dir.path().join("stdout");
    // Perl's start and a slow check (a server that delays a failed login)
    // can outlast `settle`; past this the legacy is stuck.
    let give_up = settle + Duration::from_secs(30);
    let finished = loop {
        std::thread::sleep(Duration::from_millis(200));
        let text = std::fs::read_to_string(&debug).unwrap_or_default();
        let finished = finished_a_check(&text, real);
        let exited = matches!(child.try_wait(), Ok(Some(_)));
        if (finished && start.elapsed() >= settle) || exited || start.elapsed() >= give_up {
            break finished;
        }
    };
    let table = std::fs::read_to_string(&state).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap_or_default()
        + &std::fs::read_to_string(&debug).unwrap_or_default();
    assert!(
        finished,
        "the legacy ldirectord finished no check of {real} (it exited, or {give_up:?} passed), \
         so it gave no verdict; \
         its table:\n{table}\nits log:\n{text}"
    );
    let host = real.rsplit_once(':').map(|(h, _)| h).unwrap_or(real);
    let up = table
        .lines()
        .any(|l| l.starts_with("-a ") && l.contains(&format!("-r {host}:")));
    (up, text)
}

/// Whether the legacy's debug output (`-d`, on stderr, unbuffered and in
/// order) shows a check of `real` that ended: a "Checking …: real
/// server=ID" line followed by the "Enabled"/"Disabled real server=ID"
/// line its result sets. The ID string holds ":HOST:PORT:". The
/// Enabled/Disabled lines before the first check are its start-up state.
fn finished_a_check(debug: &str, real: &str) -> bool {
    let id = format!(":{real}:");
    let about = |l: &&str| l.contains("real server=") && l.contains(&id);
    let mut lines = debug.lines().filter(about);
    lines.any(|l| l.contains("Checking "))
        && lines.any(|l| l.contains("DEBUG2: Enabled ") || l.contains("DEBUG2: Disabled "))
}
