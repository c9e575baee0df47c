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
/// are installed and built); tests skip the comparison, loudly, otherwise.
pub fn available() -> bool {
    let ok = std::path::Path::new("/usr/sbin/ldirectord").exists() && standin().exists();
    if !ok {
        eprintln!(
            "legacy ldirectord comparison skipped: needs /usr/sbin/ldirectord and {} \
             (cargo build -p ipvs --example ipvsadm_standin)",
            standin().display()
        );
    }
    ok
}

/// The verdict of the legacy daemon on `real` (an `ip:port` as written in
/// ldirectord.cf) with the virtual-service lines `service_lines` (service=,
/// login=, request=, …, one per line, without indentation). Call it from
/// the thread that owns the test's network namespace. Returns whether the
/// real was in the table after `settle` (a few check intervals), and the
/// daemon's log and debug output, for the failure message. `settle` must
/// exceed the check's timeout: the legacy adds the real before its first
/// check and deletes it after.
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
    // With -d the legacy logs its debug lines to stdout as well.
    let out = std::fs::File::create(dir.path().join("stdout")).unwrap();
    let mut child = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start the legacy ldirectord");
    let start = Instant::now();
    while start.elapsed() < settle {
        std::thread::sleep(Duration::from_millis(200));
    }
    let table = std::fs::read_to_string(&state).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap_or_default()
        + &std::fs::read_to_string(dir.path().join("stdout")).unwrap_or_default();
    let host = real.rsplit_once(':').map(|(h, _)| h).unwrap_or(real);
    let up = table
        .lines()
        .any(|l| l.starts_with("-a ") && l.contains(&format!("-r {host}:")));
    (up, text)
}
