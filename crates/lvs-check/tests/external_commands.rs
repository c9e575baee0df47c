//! checktype=external and external-perl, running real scripts (sh and perl)
//! written to a temporary directory.

mod support;

use lvs_check::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{is_dead, rt, temp_dir, write_script};

fn external(command: &Path, perl: bool, virtual_addr: VirtualId, real: &str) -> CheckSpec {
    CheckSpec {
        target: real.parse().unwrap(),
        kind: CheckKind::External {
            command: command.to_path_buf(),
            perl,
            virtual_addr,
        },
        check_timeout: Duration::from_secs(1),
        negotiate_timeout: Duration::from_secs(5),
    }
}

fn vip() -> VirtualId {
    VirtualId::Addr("127.0.0.1:80".parse().unwrap())
}

fn run(spec: &CheckSpec) -> (Outcome, Duration) {
    let start = Instant::now();
    let out = rt().block_on(run_check(spec));
    (out, start.elapsed())
}

#[test]
fn exit_status_decides_and_argv_is_the_legacys() {
    let dir = temp_dir();
    let argv = dir.path().join("argv");
    let ok = write_script(
        dir.path(),
        "ok.sh",
        &format!("#!/bin/sh\necho \"$@\" > '{}'\nexit 0\n", argv.display()),
    );
    let (out, _) = run(&external(&ok, false, vip(), "127.0.0.2:8080"));
    assert!(out.up, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&argv).unwrap(),
        "127.0.0.1 80 127.0.0.2 8080\n"
    );
    let v6 = VirtualId::Addr("[::1]:443".parse().unwrap());
    assert!(run(&external(&ok, false, v6, "[::1]:8443")).0.up);
    assert_eq!(
        std::fs::read_to_string(&argv).unwrap(),
        "[::1] 443 [::1] 8443\n"
    );
    assert!(
        run(&external(&ok, false, VirtualId::Fwmark(12), "127.0.0.2:0"))
            .0
            .up
    );
    assert_eq!(
        std::fs::read_to_string(&argv).unwrap(),
        "12 0 127.0.0.2 0\n"
    );

    let fail = write_script(
        dir.path(),
        "fail.sh",
        "#!/bin/sh\necho 'lots of detail' \necho 'backend said no' >&2\nexit 1\n",
    );
    let (out, _) = run(&external(&fail, false, vip(), "127.0.0.2:80"));
    assert_eq!(
        out,
        Outcome::down(format!("{} exited 1: backend said no", fail.display()))
    );
}

#[test]
fn a_hung_command_is_killed_with_its_children_at_checktimeout() {
    let dir = temp_dir();
    let pids = dir.path().join("pids");
    let hang = write_script(
        dir.path(),
        "hang.sh",
        &format!(
            "#!/bin/sh\nsleep 1000 &\necho $$ $! > '{}'\nwait\n",
            pids.display()
        ),
    );
    let (out, took) = run(&external(&hang, false, vip(), "127.0.0.2:80"));
    assert!(
        !out.up && out.reason.contains("killed after 1.0 s"),
        "{out:?}"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    let pids: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    let start = Instant::now();
    while !pids.iter().all(|&p| is_dead(p)) {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "still running: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_missing_command_names_its_path() {
    let missing = PathBuf::from("/nonexistent/lvs-check/check.sh");
    let (out, _) = run(&external(&missing, false, vip(), "127.0.0.2:80"));
    assert!(!out.up, "{out:?}");
    assert!(
        out.reason.contains("/nonexistent/lvs-check/check.sh")
            && out.reason.contains("No such file"),
        "{out:?}"
    );
    let (out, _) = run(&external(&missing, true, vip(), "127.0.0.2:80"));
    assert!(
        out.reason.starts_with(
            "cannot open external-perl checkcommand file: /nonexistent/lvs-check/check.sh"
        ),
        "{out:?}"
    );
}

#[test]
fn output_is_drained_and_left_out_of_the_reason() {
    let dir = temp_dir();
    // A megabyte on each stream: would block on a full pipe if not read.
    let chatty = write_script(
        dir.path(),
        "chatty.sh",
        "#!/bin/sh\nhead -c 1000000 /dev/zero | tr '\\0' x\nhead -c 1000000 /dev/zero | tr '\\0' y >&2\nexit 0\n",
    );
    let (out, took) = run(&external(&chatty, false, vip(), "127.0.0.2:80"));
    assert!(out.up && took < Duration::from_secs(1), "{out:?} {took:?}");
    assert!(out.reason.len() < 200);
    let noisy_fail = write_script(
        dir.path(),
        "noisy_fail.sh",
        "#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' z >&2\nexit 2\n",
    );
    let (out, _) = run(&external(&noisy_fail, false, vip(), "127.0.0.2:80"));
    assert!(!out.up && out.reason.len() < 250, "{}", out.reason.len());
}

#[test]
fn a_child_left_holding_the_pipes_does_not_delay_the_verdict() {
    let dir = temp_dir();
    let pid_file = dir.path().join("pid");
    let script = write_script(
        dir.path(),
        "leaves_a_child.sh",
        &format!(
            "#!/bin/sh\nsleep 30 &\necho $! > '{}'\nexit 3\n",
            pid_file.display()
        ),
    );
    let (out, took) = run(&external(&script, false, vip(), "127.0.0.2:80"));
    // The legacy leaves such a child alone; so do we, and we stop it here.
    if let Ok(pid) = std::fs::read_to_string(&pid_file) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    assert!(!out.up && out.reason.contains("exited 3"), "{out:?}");
    assert!(took < Duration::from_millis(500), "{took:?}");
}

#[test]
fn external_perl_runs_the_script_with_the_same_arguments() {
    let dir = temp_dir();
    let check = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap(); // not executable: perl reads it
        path
    };
    let ok = check(
        "ok.pl",
        "my ($vip, $vport, $rip, $rport) = @ARGV;\nexit(($vip eq '127.0.0.1' && $vport == 80 && $rip eq '127.0.0.2' && $rport == 8080) ? 0 : 1);\n",
    );
    assert!(run(&external(&ok, true, vip(), "127.0.0.2:8080")).0.up);
    assert!(!run(&external(&ok, true, vip(), "127.0.0.2:8081")).0.up);
    let dies = check("dies.pl", "die \"database unreachable\\n\";\n");
    let (out, _) = run(&external(&dies, true, vip(), "127.0.0.2:80"));
    assert!(
        !out.up && out.reason.ends_with("exited 255: database unreachable"),
        "{out:?}"
    );
    let hangs = check("hangs.pl", "sleep 1000;\n");
    let (out, took) = run(&external(&hangs, true, vip(), "127.0.0.2:80"));
    assert!(
        !out.up && took < Duration::from_millis(1500),
        "{out:?} {took:?}"
    );
}
