//! `heartbeatd -t`: exit status and output shape an init script relies on.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn seed_copy() -> tempfile::TempDir {
    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../compat-configs/seed");
    let tmp = tempfile::tempdir().unwrap();
    for f in ["ha.cf", "haresources", "authkeys"] {
        fs::copy(seed.join(f), tmp.path().join(f)).unwrap();
    }
    fs::set_permissions(
        tmp.path().join("authkeys"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    tmp
}

/// `heartbeatd ARGS -c DIR` as the seed's MASTER: -t checks the host too
/// (this host a node, its interfaces there), so it runs in throwaway UTS
/// and network namespaces named `master` with an `eth1`. Root only.
fn run(args: &[&str], dir: &Path) -> Output {
    Command::new("unshare")
        .args(["--uts", "--net", "sh", "-c"])
        .arg("hostname master && ip link add eth1 type bridge && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_heartbeatd"))
        .args(args)
        .arg("-c")
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn good_config_prints_one_ok_line() {
    if !common::need_root() {
        return;
    }
    let dir = seed_copy();
    let out = run(&["-t"], dir.path());
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("OK"));
}

#[test]
fn print_config_is_json_with_defaults() {
    if !common::need_root() {
        return;
    }
    let dir = seed_copy();
    let out = run(&["-t", "--print-config"], dir.path());
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hacf = &v["hacf"];
    // The seed's timings in ms, each in its own field (deadping_ms is
    // 30000 too, so a search of the text would prove nothing), and a
    // default the seed does not set.
    assert_eq!(hacf["keepalive_ms"], 2000, "{hacf}");
    assert_eq!(hacf["deadtime_ms"], 30000, "{hacf}");
    assert_eq!(hacf["warntime_ms"], 10000, "{hacf}");
    assert_eq!(hacf["initdead_ms"], 120000, "{hacf}");
    assert_eq!(hacf["conn_logd_time_ms"], 60000, "{hacf}");
    let text = v.to_string();
    assert!(!text.contains("SomeSharedSecret"), "secret leaked: {text}");
}

#[test]
fn typo_exits_6_with_file_line_col_and_hint() {
    if !common::need_root() {
        return;
    }
    let dir = seed_copy();
    let hacf = dir.path().join("ha.cf");
    let text = fs::read_to_string(&hacf)
        .unwrap()
        .replace("deadtime", "deadtme");
    fs::write(&hacf, text).unwrap();
    let out = run(&["-t"], dir.path());
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("ha.cf:5:1:"), "{stderr}");
    assert!(stderr.contains("did you mean `deadtime`"), "{stderr}");
}

#[test]
fn world_readable_authkeys_is_refused_with_the_fix() {
    if !common::need_root() {
        return;
    }
    let dir = seed_copy();
    let keys = dir.path().join("authkeys");
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&["-t"], dir.path());
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("Bad permissions on keyfile"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

/// Lines heartbeatd accepts but does not act on are warned about, each at
/// its line; respawn and failfast lines are acted on, and so are the seed's
/// `ping` and ipfail `respawn` lines (the built-in ipfail).
#[test]
fn lines_not_acted_on_are_warned_about() {
    if !common::need_root() {
        return;
    }
    let dir = seed_copy();
    let hacf = dir.path().join("ha.cf");
    let mut text = fs::read_to_string(&hacf).unwrap();
    text.push_str("respawn nobody /bin/true\nfailfast root /bin/sleep 1\nserial /dev/null\nmsgfmt netstring\n");
    fs::write(&hacf, &text).unwrap();
    let out = run(&["-t"], dir.path());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    let at = |n: usize| format!("{}:{n}:1: warning: ", hacf.display());
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": warning: "))
        .collect();
    assert_eq!(
        warned,
        [
            format!(
                "{}apiauth: accepted but not acted on (heartbeatd has no client API; its built-in ipfail needs none)",
                at(16)
            ),
            format!(
                "{}serial: accepted but not acted on (serial media are not supported)",
                at(19)
            ),
            format!(
                "{}msgfmt: accepted but not acted on (heartbeatd sends the classic format)",
                at(20)
            ),
        ],
        "{stderr}"
    );
}
