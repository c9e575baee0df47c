//! The legacy's start-time host checks (facts §5): for each message, both
//! `heartbeatd -t` and the start refuse with it, at its ha.cf line, with
//! exit status 6; the start also logs it. Each runs in fresh network and
//! UTS namespaces (only `lo`, host name `solo` unless said otherwise).

mod common;
use common::*;
use std::process::Command;

/// Runs `heartbeatd ARGS -c DIR` as host `host`; (status, stderr).
fn run_as(dir: &Dir, host: &str, args: &str) -> (Option<i32>, String) {
    let out = Command::new("unshare")
        .args(["--net", "--uts", "sh", "-c"])
        .arg(format!(
            "ip link set lo up && hostname {host} && exec {BIN} {args} -c {}",
            dir.path().display()
        ))
        .envs(dir.env())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `body` must be refused by -t and by the start with every line of
/// `messages`, status 6, at the ha.cf line that starts with `at_line`
/// (none: the file as a whole, line 0).
fn refused(body: &str, host: &str, at_line: Option<&str>, messages: &[&str]) {
    let dir = Dir::new(body);
    let line = at_line.map_or(0, |start| {
        let text = std::fs::read_to_string(dir.path().join("ha.cf")).unwrap();
        1 + text.lines().position(|l| l.starts_with(start)).unwrap()
    });
    let at = format!(
        "{}:{line}:{}: ",
        dir.path().join("ha.cf").display(),
        usize::from(line > 0)
    );
    for args in ["-t", ""] {
        let (code, stderr) = run_as(&dir, host, args);
        if let Ok(pid) = std::fs::read_to_string(dir.path().join("pid")) {
            // It started: stop it before failing.
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: the daemon this test just started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            panic!("`heartbeatd {args}` started with {body:?}");
        }
        assert_eq!(code, Some(6), "heartbeatd {args}: {stderr}");
        for m in messages {
            assert!(
                stderr.lines().any(|l| l == format!("{at}{m}")),
                "heartbeatd {args}: no {at}{m}\n{stderr}"
            );
        }
    }
    // The start logged the legacy's lines too.
    let log = dir.log();
    let errors = log_lines(&log, "ERROR");
    for m in messages {
        assert!(errors.contains(m), "log lacks {m}:\n{log}");
    }
    assert_eq!(
        errors.last().copied(),
        Some("Configuration error, heartbeat not started."),
        "{log}"
    );
}

const NODE: &str = "node solo\n";

#[test]
fn bcast_interface_missing() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast eth9\n"),
        "solo",
        Some("bcast eth9"),
        &[
            "glib: Get broadcast for interface eth9 failed: No such device",
            "glib: IP interface [eth9] does not exist",
            "Illegal bcast [UDP/IP broadcast] in config file [eth9]",
        ],
    );
}

#[test]
fn mcast_interface_missing() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\nmcast eth9 225.0.0.1 694 1 0\n"),
        "solo",
        Some("mcast"),
        &[
            "glib: Unable to retrieve local interface address for interface [eth9] using ioctl(SIOCGIFADDR): No such device",
            "glib: mcast device [eth9] is invalid or not set up properly",
        ],
    );
}

/// The legacy starts and dies at run time with these lines; we refuse.
#[test]
fn ucast_interface_missing() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}ucast eth9 127.0.0.1\n"),
        "solo",
        Some("ucast"),
        &[
            "glib: ucast: error setting option SO_BINDTODEVICE(w) on eth9: No such device",
            "make_io_childpair: cannot open ucast eth9",
        ],
    );
}

#[test]
fn ucast_peer_unresolvable() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}ucast lo nosuch.invalid\n"),
        "solo",
        Some("ucast"),
        &[
            "glib: ucast: cannot resolve hostname",
            "glib: ucast: interface [lo] does not exist",
        ],
    );
}

#[test]
fn host_not_a_node() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\n"),
        "other",
        None,
        &["Current node [other] not in configuration!"],
    );
}

#[test]
fn respawn_user_unknown() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\nrespawn nosuchuser /bin/true\n"),
        "solo",
        Some("respawn"),
        &["Invalid uid [nosuchuser] specified for client child"],
    );
}

#[test]
fn respawn_and_failfast_programs_not_executable() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\nrespawn root /nonexistent/prog -x\n"),
        "solo",
        Some("respawn"),
        &["Client child command [/nonexistent/prog] is not executable"],
    );
    // A file without any x bit (root's access(X_OK) needs one).
    let plain = tempfile::NamedTempFile::new().unwrap();
    let plain = plain.path().display().to_string();
    refused(
        &format!("{NODE}bcast lo\nfailfast root {plain} -x\n"),
        "solo",
        Some("failfast"),
        &[&format!("Client child command [{plain}] is not executable")],
    );
}

#[test]
fn apiauth_user_unknown() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\napiauth foo uid=nosuchuser\n"),
        "solo",
        Some("apiauth"),
        &[
            "Invalid user id name [nosuchuser]",
            "Bad uid list [nosuchuser]",
            "Invalid apiauth directive [foo uid=nosuchuser]",
        ],
    );
}

#[test]
fn apiauth_group_unknown() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\napiauth foo gid=nosuchgroup\n"),
        "solo",
        Some("apiauth"),
        &[
            "Invalid group name [nosuchgroup]",
            "Bad gid list [nosuchgroup]",
            "Invalid apiauth directive [foo gid=nosuchgroup]",
        ],
    );
}

#[test]
fn serial_port_missing() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}bcast lo\nserial /dev/ttyNOPE\n"),
        "solo",
        Some("serial"),
        &[
            "glib: Nonexistent serial port [/dev/ttyNOPE] in config file",
            "Illegal serial [serial ring] in config file [/dev/ttyNOPE]",
        ],
    );
}

/// Never start with no media: a config whose media are all of kinds this
/// heartbeatd cannot run (the legacy would run serial and ucast6).
#[test]
fn only_unsupported_media() {
    if !need_root() {
        return;
    }
    refused(
        &format!("{NODE}serial /dev/null\nucast6 lo ::1\n"),
        "solo",
        None,
        &["No heartbeat media this heartbeatd can run: it sends heartbeats on bcast, ucast and mcast only"],
    );
}

/// The ipfail hook: its user and path are not checked (heartbeatd runs
/// ipfail itself), as long as the rest is right.
#[test]
fn ipfail_lines_are_not_host_checked() {
    if !need_root() {
        return;
    }
    let dir = Dir::new(&format!(
        "{NODE}bcast lo\nrespawn nosuchuser /usr/lib/heartbeat/ipfail\n"
    ));
    let (code, stderr) = run_as(&dir, "solo", "-t");
    assert_eq!(code, Some(0), "{stderr}");
}
