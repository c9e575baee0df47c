//! The operator commands against a real daemon: `cl_status` texts and
//! exit statuses (facts §1.5, §4.3), `heartbeatd -k` (§4.2), and a
//! control socket that comes back after its file was removed.

mod common;
use common::*;
use std::process::Output;
use std::time::{Duration, Instant};

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// (status, stdout, stderr) of `heartbeatd cl_status ARGS`.
fn cl_status(dir: &Dir, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["cl_status"];
    all.extend(args);
    let o: Output = dir.command(&all);
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

/// The stderr line cl_log writes: `… cl_status: [pid]: ERROR: TEXT`.
fn logged_error(stderr: &str, what: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.contains(" cl_status: [") && l.ends_with(&format!("]: ERROR: {what}")))
}

/// A two-node config where the peer never answers: solo is up, other is
/// not (yet) heard from.
fn running_pair_half() -> (Dir, Daemon) {
    let dir = Dir::new("node solo other\nucast lo 127.0.0.1\n");
    let d = Daemon::start(&dir, "solo", &[]);
    assert!(
        wait_for(Duration::from_secs(10), || cl_status(&dir, &["hbstatus"]).0
            == Some(0)),
        "daemon not answering:\n{}",
        dir.log()
    );
    (dir, d)
}

#[test]
fn cl_status_with_the_daemon_running() {
    if !need_root() {
        return;
    }
    let (dir, _d) = running_pair_half();
    assert_eq!(
        cl_status(&dir, &["hbstatus"]),
        (
            Some(0),
            "Heartbeat is running on this machine.\n".into(),
            String::new()
        )
    );
    // Our own node: up (active after comm-up), status 0.
    let (code, out, _) = cl_status(&dir, &["nodestatus", "solo"]);
    assert!(matches!(out.as_str(), "up\n" | "active\n"), "{out}");
    assert_eq!(code, Some(0));
    let (_, out, _) = cl_status(&dir, &["nodestatus", "-m", "solo"]);
    assert!(out.starts_with("The cluster node solo is "), "{out}");
    // A node that is not up: printed, "normal failure".
    let (code, out, _) = cl_status(&dir, &["nodestatus", "other"]);
    assert_eq!((code, out.as_str()), (Some(1), "init\n"));
    // An unknown node: the legacy's text on stderr, parameter error.
    assert_eq!(
        cl_status(&dir, &["nodestatus", "nosuch"]),
        (
            Some(11),
            String::new(),
            "Error. May be due to incorrect node name\n".into()
        )
    );
    assert_eq!(cl_status(&dir, &["nodetype", "nosuch"]).0, Some(11));
    assert_eq!(
        cl_status(&dir, &["nodetype", "other"]),
        (Some(0), "normal\n".into(), String::new())
    );
    assert_eq!(
        cl_status(&dir, &["nodestatus"]),
        (Some(11), String::new(), "Not enough parameters.\n".into())
    );
    // Unknown sub-command and unknown option.
    let (code, out, err) = cl_status(&dir, &["bogus"]);
    assert_eq!((code, out.as_str()), (Some(11), ""));
    assert!(logged_error(&err, "bogus: invalid sub-command."), "{err}");
    let (code, _, err) = cl_status(&dir, &["nodestatus", "-x", "solo"]);
    assert_eq!(code, Some(11));
    assert!(
        logged_error(&err, "Error: getopt returnedcharacter x."),
        "{err}"
    );
    // The legacy's node walk: last table entry first.
    assert_eq!(
        cl_status(&dir, &["listnodes"]),
        (Some(0), "other\nsolo\n".into(), String::new())
    );
    assert_eq!(cl_status(&dir, &["rscstatus"]).0, Some(0));
}

#[test]
fn cl_status_without_a_daemon() {
    let dir = Dir::new("node solo\nbcast lo\n");
    assert_eq!(
        cl_status(&dir, &["hbstatus"]),
        (
            Some(1),
            "Heartbeat is stopped on this machine.\n".into(),
            String::new()
        )
    );
    for cmd in [&["nodestatus", "solo"][..], &["listnodes"], &["rscstatus"]] {
        let (code, out, err) = cl_status(&dir, cmd);
        assert_eq!((code, out.as_str()), (Some(1), ""), "{cmd:?}");
        assert!(logged_error(&err, "Cannot signon with heartbeat"), "{err}");
        assert!(
            logged_error(
                &err,
                "REASON: hb_api_signon: Can't initiate connection to heartbeat"
            ),
            "{err}"
        );
    }
    // A bad sub-command is a parameter error with or without a daemon.
    assert_eq!(cl_status(&dir, &["bogus"]).0, Some(11));
}

/// `-k` returns only once the daemon is gone, however long its clients
/// take to stop, and then 0.
#[test]
fn kill_waits_for_the_daemon_to_be_gone() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("");
    let slow = dir.script(
        "slow.sh",
        "trap 'sleep 3; exit 0' TERM\nsleep 1000 &\nwait\n",
    );
    dir.write_hacf(&format!(
        "node solo\nucast lo 127.0.0.1\nrespawn root {}\n",
        slow.display()
    ));
    let mut d = Daemon::start(&dir, "solo", &[]);
    assert!(wait_for(Duration::from_secs(10), || dir
        .log()
        .contains("Starting \"")));
    let t = Instant::now();
    let out = dir.command(&["-k"]);
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The daemon had exited by then: reap it at once.
    assert_eq!(d.wait_exit(Duration::from_millis(500)), Some(0));
    assert!(took >= Duration::from_secs(3), "-k returned after {took:?}");
    // No daemon: the legacy's note, still 0.
    let out = dir.command(&["-k"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "INFO: Heartbeat already stopped.\n");
}

/// A `-k` that may not signal the daemon says so and exits 4.
#[test]
fn kill_without_permission_is_status_4() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("node solo\nucast lo 127.0.0.1\n");
    let mut d = Daemon::start(&dir, "solo", &[]);
    assert!(wait_for(Duration::from_secs(10), || dir
        .path()
        .join("pid")
        .exists()));
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        BIN,
        "-k",
    ])
    .envs(dir.env());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "ERROR: Could not kill pid {} : Operation not permitted\n",
            d.pid()
        )
    );
    assert!(d.is_running());
}

/// The control socket's file removed under the daemon (a tmpfs cleanup,
/// a careless rm): logged, bound again, cl_status answered again.
#[test]
fn control_socket_is_bound_again_after_removal() {
    if !need_root() {
        return;
    }
    let (dir, _d) = running_pair_half();
    std::fs::remove_file(dir.path().join("ctl.sock")).unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || dir
            .log()
            .contains("was removed or replaced; binding it again")),
        "{}",
        dir.log()
    );
    assert!(
        wait_for(Duration::from_secs(10), || cl_status(&dir, &["hbstatus"]).0
            == Some(0)),
        "{}",
        dir.log()
    );
    let log = dir.log();
    let errors = log_lines(&log, "ERROR");
    assert!(
        errors.contains(
            &format!(
                "control socket {} was removed or replaced; binding it again",
                dir.path().join("ctl.sock").display()
            )
            .as_str()
        ),
        "{log}"
    );
    assert!(
        log_lines(&log, "info")
            .iter()
            .any(|l| l.starts_with("control socket") && l.ends_with("reopened")),
        "{log}"
    );
}
