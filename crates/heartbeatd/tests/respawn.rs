//! respawn/failfast clients with real processes: started at comm-up as
//! their user in their own process group with the HA_* environment,
//! restarted after kill -9, not after exit 100, given up after the
//! legacy's eleven quick runs, stopped last-first with the daemon, and a
//! failfast death reboots (through the test hook).

mod common;
use common::*;
use std::time::{Duration, Instant};

const NODE: &str = "node solo\nucast lo 127.0.0.1\n";

/// A client that records `pid uid gid pgid` and its HA_CURHOST, then
/// sleeps (as a child of its own, which must die with its group).
const RECORDER: &str = r#"echo "$$ $(id -u) $(id -g) $(cut -d' ' -f5 /proc/$$/stat) $HA_CURHOST $HA_deadtime $1" >> "$(dirname "$0")/runs"
sleep 1000 &
wait
"#;

fn pid_of(line: &str) -> i32 {
    line.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn killed_client_is_restarted_as_its_user_in_its_own_group() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("");
    let client = dir.script("client.sh", RECORDER);
    let cmd = format!("{} \"one arg\"", client.display());
    dir.write_hacf(&format!("{NODE}respawn nobody {cmd}\n"));
    let mut d = Daemon::start(&dir, "solo", &[]);
    assert!(
        wait_for(Duration::from_secs(10), || dir.lines("runs").len() == 1),
        "client never started:\n{}",
        dir.log()
    );
    let first = dir.lines("runs")[0].clone();
    let pid = pid_of(&first);
    d.groups.push(pid);
    // As nobody (uid and primary gid), in a process group of its own, with
    // the HA_* environment, its argument quoted by the shell.
    assert_eq!(
        first,
        format!("{pid} 65534 65534 {pid} solo 5 one arg"),
        "{}",
        dir.log()
    );
    let info = log_lines(&dir.log(), "info")
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    assert!(
        info.contains(&format!("Starting child client \"{cmd}\" (65534,65534)")),
        "{info:?}"
    );
    assert!(
        info.contains(&format!(
            "Starting \"{cmd}\" as uid 65534  gid 65534 (pid {pid})"
        )),
        "{info:?}"
    );

    // SAFETY: kill(2) on the client this test's daemon started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert!(
        wait_for(Duration::from_secs(10), || dir.lines("runs").len() == 2),
        "not restarted:\n{}",
        dir.log()
    );
    let second = pid_of(&dir.lines("runs")[1]);
    d.groups.push(second);
    assert_ne!(second, pid);
    let log = dir.log();
    assert!(
        log_lines(&log, "WARN").contains(
            &format!(
                "Managed {cmd} process {pid} killed by signal 9 [SIGKILL - Kill, unblockable]."
            )
            .as_str()
        ),
        "{log}"
    );
    assert!(
        log_lines(&log, "ERROR").contains(&format!("Respawning client \"{cmd}\":").as_str()),
        "{log}"
    );
    assert!(d.is_running());
}

#[test]
fn exit_100_is_not_restarted() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("");
    let client = dir.script(
        "client.sh",
        "echo $$ >> \"$(dirname \"$0\")/runs\"\nexit 100\n",
    );
    let cmd = client.display().to_string();
    dir.write_hacf(&format!("{NODE}respawn root {cmd}\n"));
    let _d = Daemon::start(&dir, "solo", &[]);
    assert!(wait_for(Duration::from_secs(10), || dir
        .log()
        .contains("exited with return code 100.")));
    let pid = pid_of(&dir.lines("runs")[0]);
    assert!(
        log_lines(&dir.log(), "WARN").contains(
            &format!("Managed {cmd} process {pid} exited with return code 100.").as_str()
        ),
        "{}",
        dir.log()
    );
    // A respawn would come at once; give it three seconds anyway.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(dir.lines("runs").len(), 1, "{}", dir.log());
    assert!(!dir.log().contains("Respawning client"), "{}", dir.log());
}

/// The legacy, live: a client that dies at once runs 11 times (the start
/// and 10 respawns, about a second apart), then "respawning too fast".
#[test]
fn instant_deaths_stop_after_the_legacy_rate_limit() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("");
    let client = dir.script(
        "client.sh",
        "echo $$ >> \"$(dirname \"$0\")/runs\"\nexit 1\n",
    );
    let cmd = client.display().to_string();
    dir.write_hacf(&format!("{NODE}respawn root {cmd}\n"));
    let started = Instant::now();
    let _d = Daemon::start(&dir, "solo", &[]);
    let too_fast = format!("Client {cmd} \"respawning too fast\"");
    assert!(
        wait_for(Duration::from_secs(30), || dir.log().contains(&too_fast)),
        "{}",
        dir.log()
    );
    // Ten pauses of a second between the eleven runs.
    assert!(started.elapsed() >= Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(2));
    let log = dir.log();
    assert_eq!(dir.lines("runs").len(), 11, "{log}");
    let errors = log_lines(&log, "ERROR");
    let respawns = errors
        .iter()
        .filter(|l| **l == format!("Respawning client \"{cmd}\":"))
        .count();
    assert_eq!(respawns, 10, "{log}");
    assert_eq!(errors.last().copied(), Some(too_fast.as_str()), "{log}");
}

#[test]
fn clients_stop_with_the_daemon_last_first_and_their_groups_are_gone() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("");
    // Each records its start, and its stop (TERM) a second later: the
    // daemon must wait for one before it signals the next.
    let body = |tag: &str| {
        format!(
            "echo \"$$ {tag}\" >> \"$(dirname \"$0\")/runs\"\n\
             trap 'sleep 1; echo \"stop {tag}\" >> \"$(dirname \"$0\")/stops\"; exit 0' TERM\n\
             sleep 1000 &\nwait\n"
        )
    };
    dir.shared_file("runs");
    dir.shared_file("stops");
    let a = dir.script("a.sh", &body("a"));
    let b = dir.script("b.sh", &body("b"));
    dir.write_hacf(&format!(
        "{NODE}respawn root {}\nrespawn nobody {}\n",
        a.display(),
        b.display()
    ));
    let mut d = Daemon::start(&dir, "solo", &[]);
    assert!(wait_for(Duration::from_secs(10), || dir
        .lines("runs")
        .len()
        == 2));
    let pids: Vec<i32> = dir.lines("runs").iter().map(|l| pid_of(l)).collect();
    d.groups.extend(&pids);
    // SAFETY: SIGTERM to the daemon this test started.
    unsafe { libc::kill(d.pid(), libc::SIGTERM) };
    assert_eq!(
        d.wait_exit(Duration::from_secs(20)),
        Some(0),
        "{}",
        dir.log()
    );
    assert_eq!(dir.lines("stops"), ["stop b", "stop a"]);
    for p in &pids {
        assert!(group_gone(*p), "process group {p} still there");
    }
    let log = dir.log();
    let info = log_lines(&log, "info");
    let at = |t: &str| {
        info.iter()
            .position(|l| l.starts_with(t))
            .unwrap_or_else(|| panic!("no {t:?} in\n{log}"))
    };
    let kill_b = at(&format!("killing {} process group", b.display()));
    let kill_a = at(&format!("killing {} process group", a.display()));
    let done = at("solo Heartbeat shutdown complete.");
    assert!(at("All HA resources relinquished.") < kill_b);
    assert!(kill_b < kill_a && kill_a < done, "{log}");
    // No respawn and no tracker line for deaths we caused.
    assert!(!log.contains("Respawning client"), "{log}");
    assert!(!log.contains("Managed "), "{log}");
}

#[test]
fn failfast_death_reboots_through_the_hook() {
    if !need_root() {
        return;
    }
    let dir = Dir::new("");
    let client = dir.script("guard.sh", "sleep 1\nexit 3\n");
    let cmd = format!("{} -x", client.display());
    dir.write_hacf(&format!("{NODE}failfast root {cmd}\n"));
    let marker = dir.path().join("rebooted");
    let hook = format!("echo \"$HEARTBEATD_REBOOT_REASON\" > {}", marker.display());
    let mut d = Daemon::start(&dir, "solo", &[("HEARTBEATD_REBOOT_COMMAND", &hook)]);
    // The hook stands in for reboot(2); the daemon then exits 1.
    assert_eq!(
        d.wait_exit(Duration::from_secs(15)),
        Some(1),
        "{}",
        dir.log()
    );
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        format!("{cmd}\n")
    );
    let log = dir.log();
    assert!(
        log_lines(&log, "EMERG").contains(&format!("Rebooting system.  Reason: {cmd}").as_str()),
        "{log}"
    );
    assert!(!log.contains("Respawning client"), "{log}");
}
