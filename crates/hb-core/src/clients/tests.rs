//! The client policy against a pretend driver: spawns get pids 100, 101, …
//! at once, kills are recorded, time is whatever the test says.

use super::*;

fn spec(cmd: &str, failfast: bool) -> ClientSpec {
    ClientSpec {
        command: cmd.into(),
        uid: 65534,
        gid: 65534,
        failfast,
    }
}

/// Plays the driver: carries out `Spawn` at once and feeds `Spawned` back.
struct Sim {
    sup: Supervisor,
    next_pid: i32,
    logs: Vec<(Level, String)>,
    kills: Vec<i32>,
    reboots: Vec<String>,
    all_stopped: bool,
}

impl Sim {
    fn new(specs: Vec<ClientSpec>) -> Sim {
        Sim {
            sup: Supervisor::new(specs, 2000),
            next_pid: 100,
            logs: Vec::new(),
            kills: Vec::new(),
            reboots: Vec::new(),
            all_stopped: false,
        }
    }

    fn ev(&mut self, now: u64, e: ClientEvent) {
        let mut queue = std::collections::VecDeque::from([e]);
        while let Some(e) = queue.pop_front() {
            for a in self.sup.handle(Time::from_ms(now), e) {
                match a {
                    ClientAction::Log(l, t) => self.logs.push((l, t)),
                    ClientAction::Spawn(index) => {
                        let pid = self.next_pid;
                        self.next_pid += 1;
                        queue.push_back(ClientEvent::Spawned { index, pid });
                    }
                    ClientAction::KillGroup { pgid, signal } => {
                        assert_eq!(signal, 15);
                        self.kills.push(pgid);
                    }
                    ClientAction::Reboot { reason, delay_ms } => {
                        assert_eq!(delay_ms, 2000, "keepalive");
                        self.reboots.push(reason);
                    }
                    ClientAction::AllStopped => self.all_stopped = true,
                }
            }
        }
    }

    fn texts(&self) -> Vec<&str> {
        self.logs.iter().map(|(_, t)| t.as_str()).collect()
    }

    fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.logs)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }
}

#[test]
fn nothing_starts_before_comm_up_and_all_start_in_order_at_it() {
    let mut s = Sim::new(vec![spec("/bin/a x", false), spec("/bin/b", false)]);
    s.ev(0, ClientEvent::Tick);
    assert!(s.logs.is_empty());
    s.ev(10, ClientEvent::CommUp);
    assert_eq!(
        s.take(),
        [
            "Starting child client \"/bin/a x\" (65534,65534)",
            "Starting child client \"/bin/b\" (65534,65534)",
            "Starting \"/bin/a x\" as uid 65534  gid 65534 (pid 100)",
            "Starting \"/bin/b\" as uid 65534  gid 65534 (pid 101)",
        ]
    );
    assert_eq!(s.sup.pid(0), Some(100));
    assert_eq!(s.sup.pid(1), Some(101));
    // A second comm-up (never happens, but) starts nothing twice.
    s.ev(20, ClientEvent::CommUp);
    assert!(s.logs.is_empty());
}

#[test]
fn killed_client_is_logged_and_respawned_at_once() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.take();
    s.ev(
        60_000,
        ClientEvent::Died {
            pid: 100,
            death: Death::Signaled(9),
        },
    );
    assert_eq!(
        s.take(),
        [
            "Managed /bin/a process 100 killed by signal 9 [SIGKILL - Kill, unblockable].",
            "Respawning client \"/bin/a\":",
            "Starting child client \"/bin/a\" (65534,65534)",
            "Starting \"/bin/a\" as uid 65534  gid 65534 (pid 101)",
        ]
    );
    assert_eq!(s.sup.pid(0), Some(101));
}

#[test]
fn exit_100_is_never_respawned() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.take();
    s.ev(
        5,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(100),
        },
    );
    assert_eq!(
        s.take(),
        ["Managed /bin/a process 100 exited with return code 100."]
    );
    assert_eq!(s.sup.pid(0), None);
    assert_eq!(s.sup.next_deadline(), None);
}

#[test]
fn exit_0_is_logged_at_info_and_respawned() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.take();
    s.ev(
        40_000,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(0),
        },
    );
    assert_eq!(
        s.logs[0],
        (
            Level::Info,
            "Managed /bin/a process 100 exited with return code 0.".into()
        )
    );
    assert_eq!(s.logs[1].0, Level::Error);
    assert_eq!(s.sup.pid(0), Some(101));
}

/// The legacy, live: a client that exits at once runs 11 times (the start
/// plus 10 respawns, ~1 s apart) and its 11th death is "respawning too fast".
#[test]
fn instant_deaths_run_eleven_times_then_give_up() {
    let mut s = Sim::new(vec![spec("/bin/false", false)]);
    s.ev(0, ClientEvent::CommUp);
    let mut now = 0;
    let mut runs = 1;
    loop {
        let pid = s.sup.pid(0).expect("running");
        now += 10;
        s.ev(
            now,
            ClientEvent::Died {
                pid,
                death: Death::Exited(1),
            },
        );
        match s.sup.next_deadline() {
            Some(at) => {
                // Each quick respawn waits 1 s.
                assert_eq!(at, Time::from_ms(now + 1000));
                assert_eq!(s.sup.pid(0), None, "not before the pause");
                now = at.as_ms();
                s.ev(now, ClientEvent::Tick);
                runs += 1;
            }
            None => break,
        }
    }
    assert_eq!(runs, 11);
    let texts = s.texts();
    assert_eq!(
        texts.last().copied(),
        Some("Client /bin/false \"respawning too fast\"")
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("Respawning client"))
            .count(),
        10
    );
    assert_eq!(s.sup.pid(0), None);
    // Nothing brings it back for the rest of the run.
    s.ev(now + 100_000, ClientEvent::Tick);
    assert_eq!(s.sup.pid(0), None);
}

#[test]
fn a_long_run_resets_the_quick_death_count() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    let mut now = 0;
    for round in 0..30 {
        let pid = s.sup.pid(0).expect("running");
        // Every fifth run lasts 30 s: never more than 10 quick in a row.
        now += if round % 5 == 4 { SHORT_RUN_MS } else { 10 };
        s.ev(
            now,
            ClientEvent::Died {
                pid,
                death: Death::Exited(1),
            },
        );
        if let Some(at) = s.sup.next_deadline() {
            now = at.as_ms();
            s.ev(now, ClientEvent::Tick);
        }
    }
    assert!(s.sup.pid(0).is_some());
    assert!(!s.texts().iter().any(|t| t.contains("too fast")));
}

#[test]
fn the_quick_window_counts_from_the_start_decision() {
    // A respawn after a quick death pauses 1 s; that second counts as run
    // time, as the legacy's child sleeps after the fork.
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(
        10,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(1),
        },
    );
    s.ev(1010, ClientEvent::Tick);
    assert_eq!(s.sup.pid(0), Some(101));
    // Started (decided) at 10, dies at 30 010: not quick, so no pause.
    s.take();
    s.ev(
        30_010,
        ClientEvent::Died {
            pid: 101,
            death: Death::Exited(1),
        },
    );
    assert_eq!(s.sup.pid(0), Some(102));
}

#[test]
fn spawn_failure_is_logged_and_never_retried() {
    let mut s = Sim::new(vec![spec("/gone", false)]);
    let _ = s.sup.handle(Time::ZERO, ClientEvent::CommUp);
    let out = s.sup.handle(
        Time::ZERO,
        ClientEvent::SpawnFailed {
            index: 0,
            error: "No such file or directory".into(),
        },
    );
    assert_eq!(
        out,
        [ClientAction::Log(
            Level::Error,
            "Cannot exec /gone: No such file or directory".into()
        )]
    );
    assert_eq!(s.sup.next_deadline(), None);
}

#[test]
fn shutdown_stops_clients_last_first_one_at_a_time() {
    let mut s = Sim::new(vec![
        spec("/bin/a", false),
        spec("/bin/b", false),
        spec("/bin/c", false),
    ]);
    s.ev(0, ClientEvent::CommUp);
    let (a, b, c) = (
        s.sup.pid(0).unwrap(),
        s.sup.pid(1).unwrap(),
        s.sup.pid(2).unwrap(),
    );
    // b exits 100 before the shutdown: it is "not running" then.
    s.ev(
        5,
        ClientEvent::Died {
            pid: b,
            death: Death::Exited(100),
        },
    );
    s.ev(10, ClientEvent::ShutdownBegun);
    s.take();
    s.ev(20, ClientEvent::StopAll);
    assert_eq!(s.kills, [c]);
    assert_eq!(
        s.take(),
        [format!("killing /bin/c process group {c} with signal 15")]
    );
    assert!(!s.all_stopped);
    s.ev(
        25,
        ClientEvent::Died {
            pid: c,
            death: Death::Signaled(15),
        },
    );
    // No tracker line during the final stop, no respawn.
    assert_eq!(
        s.take(),
        [
            "client [/bin/b] is not running.".to_string(),
            format!("killing /bin/a process group {a} with signal 15"),
        ]
    );
    assert_eq!(s.kills, [c, a]);
    s.ev(
        30,
        ClientEvent::Died {
            pid: a,
            death: Death::Exited(0),
        },
    );
    assert!(s.all_stopped && s.sup.all_stopped());
    assert!(s.take().is_empty());
}

#[test]
fn no_respawn_while_resources_are_released() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(10, ClientEvent::ShutdownBegun);
    s.take();
    s.ev(
        20,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(1),
        },
    );
    // The tracker still logs; nothing is restarted.
    assert_eq!(
        s.take(),
        ["Managed /bin/a process 100 exited with return code 1."]
    );
    s.ev(30, ClientEvent::StopAll);
    assert_eq!(s.take(), ["client [/bin/a] is not running."]);
    assert!(s.all_stopped);
}

#[test]
fn stop_with_no_clients_or_before_comm_up_completes_at_once() {
    let mut s = Sim::new(vec![]);
    s.ev(0, ClientEvent::StopAll);
    assert!(s.all_stopped);
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::ShutdownBegun);
    s.ev(1, ClientEvent::CommUp);
    assert_eq!(s.sup.pid(0), None, "a shutdown before comm-up starts none");
    s.ev(2, ClientEvent::StopAll);
    assert!(s.all_stopped);
}

#[test]
fn a_client_in_its_respawn_pause_is_not_running_at_stop() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(
        10,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(1),
        },
    );
    assert!(s.sup.next_deadline().is_some());
    s.take();
    s.ev(20, ClientEvent::StopAll);
    assert_eq!(s.take(), ["client [/bin/a] is not running."]);
    assert!(s.all_stopped);
    assert_eq!(s.sup.next_deadline(), None);
}

#[test]
fn failfast_death_reboots_with_the_legacy_line() {
    for death in [Death::Exited(1), Death::Signaled(9), Death::Signaled(15)] {
        let mut s = Sim::new(vec![spec("/bin/guard -x", true)]);
        s.ev(0, ClientEvent::CommUp);
        s.take();
        s.ev(100, ClientEvent::Died { pid: 100, death });
        assert_eq!(s.reboots, ["/bin/guard -x"], "{death:?}");
        let last = s.logs.last().unwrap();
        assert_eq!(
            last,
            &(
                Level::Emerg,
                "Rebooting system.  Reason: /bin/guard -x".to_string()
            )
        );
        assert_eq!(s.sup.pid(0), None, "no respawn before the reboot");
    }
}

#[test]
fn failfast_exit_0_is_respawned_not_rebooted() {
    let mut s = Sim::new(vec![spec("/bin/guard", true)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(
        40_000,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(0),
        },
    );
    assert!(s.reboots.is_empty());
    assert_eq!(s.sup.pid(0), Some(101));
}

#[test]
fn failfast_during_shutdown() {
    // An error exit while resources are released: no reboot (legacy).
    let mut s = Sim::new(vec![spec("/bin/guard", true)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(1, ClientEvent::ShutdownBegun);
    s.ev(
        2,
        ClientEvent::Died {
            pid: 100,
            death: Death::Exited(3),
        },
    );
    assert!(s.reboots.is_empty());
    // Killed by a signal we did not send: reboot, even in shutdown (legacy).
    let mut s = Sim::new(vec![spec("/bin/guard", true)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(1, ClientEvent::ShutdownBegun);
    s.ev(
        2,
        ClientEvent::Died {
            pid: 100,
            death: Death::Signaled(11),
        },
    );
    assert_eq!(s.reboots, ["/bin/guard"]);
    // Killed by our own stop SIGTERM: no reboot (our deliberate choice).
    let mut s = Sim::new(vec![spec("/bin/guard", true)]);
    s.ev(0, ClientEvent::CommUp);
    s.ev(1, ClientEvent::StopAll);
    s.ev(
        2,
        ClientEvent::Died {
            pid: 100,
            death: Death::Signaled(15),
        },
    );
    assert!(s.reboots.is_empty());
    assert!(s.all_stopped);
}

#[test]
fn unknown_pids_are_ignored() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.take();
    s.ev(
        1,
        ClientEvent::Died {
            pid: 4242,
            death: Death::Exited(1),
        },
    );
    assert!(s.logs.is_empty());
    assert_eq!(s.sup.pid(0), Some(100));
}

#[test]
fn unknown_signal_has_no_bracket() {
    let mut s = Sim::new(vec![spec("/bin/a", false)]);
    s.ev(0, ClientEvent::CommUp);
    s.take();
    s.ev(
        40_000,
        ClientEvent::Died {
            pid: 100,
            death: Death::Signaled(40),
        },
    );
    assert_eq!(
        s.logs[0].1,
        "Managed /bin/a process 100 killed by signal 40."
    );
}
