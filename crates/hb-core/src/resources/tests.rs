use hb_proto::Message;

use super::*;
use crate::config::Group;
use crate::messages::{ask_resources, build, resource, StandbyStep};

/// Group 0 is alpha's (local), group 1 beta's (foreign); we are alpha.
fn machine(mode: FailbackMode) -> Resources {
    let mut c = Config::new("alpha", &["alpha", "beta"]);
    c.auto_failback = mode;
    c.groups = vec![
        Group {
            key: "ga".into(),
            home: "alpha".into(),
        },
        Group {
            key: "gb".into(),
            home: "beta".into(),
        },
    ];
    let mut r = Resources::new(&c);
    r.set_peer_view(true, &NodeStatus::Active);
    r
}

fn t(ms: u64) -> Time {
    Time::from_ms(ms)
}

struct Out(Vec<Action>);

impl Out {
    fn sent(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|a| match a {
                Action::Send(m) => Some(describe(m)),
                _ => None,
            })
            .collect()
    }

    fn logs(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter_map(|a| match a {
                Action::Log(_, text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn ops(&self) -> Vec<&Action> {
        self.0
            .iter()
            .filter(|a| matches!(a, Action::AcquireGroup(_) | Action::ReleaseGroup(_)))
            .collect()
    }

    fn has_log(&self, text: &str) -> bool {
        self.logs().iter().any(|l| l.contains(text))
    }
}

/// `type field=value …` of a message, for compact assertions.
fn describe(m: &Message) -> String {
    m.iter()
        .map(|f| {
            let v = match &f.value {
                hb_proto::Value::String(s) => String::from_utf8_lossy(s).into_owned(),
                other => format!("{other:?}"),
            };
            if f.name == b"t" {
                v
            } else {
                format!("{}={v}", String::from_utf8_lossy(&f.name))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(f: impl FnOnce(&mut Vec<Action>)) -> Out {
    let mut out = Vec::new();
    f(&mut out);
    Out(out)
}

fn msg(r: &mut Resources, now: u64, m: Message) -> Out {
    run(|o| r.peer_message(t(now), &m, o))
}

fn done(r: &mut Resources, now: u64, group: usize, acquired: bool) -> Out {
    run(|o| r.group_done(t(now), group, acquired, o))
}

/// Both stable, alpha holding its own group, beta holding its own.
fn stable_nice(mode: FailbackMode) -> Resources {
    let mut r = machine(mode);
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = msg(&mut r, 10, resource(RscSet::LOCAL, true, None));
    let _ = done(&mut r, 20, 0, true);
    assert_eq!(r.held(), RscSet::LOCAL);
    assert_eq!(r.phase(), Phase::Stable);
    r
}

#[test]
fn both_starting_take_local_groups_after_rqstdelay() {
    let mut r = machine(FailbackMode::On);
    let o = run(|o| r.comm_up(t(0), o));
    assert_eq!(o.sent(), ["starting"]);
    let o = msg(&mut r, 5, build("starting", &[]));
    assert_eq!(r.phase(), Phase::BothStarting);
    assert_eq!(o.sent(), ["resource rsc_hold=none rtype=full isstable=0"]);
    let _ = msg(&mut r, 8, resource(RscSet::NONE, false, None));
    assert_eq!(r.phase(), Phase::RscRcvd { since: t(8) });
    assert_eq!(r.next_deadline(), Some(t(10_008)));
    assert!(run(|o| r.tick(t(10_007), o)).ops().is_empty());
    let o = run(|o| r.tick(t(10_008), o));
    assert_eq!(o.ops(), [&Action::AcquireGroup(0)]);
    assert!(o.has_log("local resource transition completed."));
    let o = done(&mut r, 10_100, 0, true);
    assert!(o.has_log("Local Resource acquisition completed."));
    assert_eq!(
        o.sent(),
        ["resource rsc_hold=local rtype=full isstable=1 info=req_our_resources()"]
    );
}

#[test]
fn a_stable_peer_holding_our_groups_keeps_them() {
    let mut r = machine(FailbackMode::Off);
    let _ = run(|o| r.comm_up(t(0), o));
    let o = msg(&mut r, 10, resource(RscSet::ALL, true, None));
    assert!(o.ops().is_empty());
    assert!(o.has_log("Local Resource acquisition completed. (none)"));
    assert_eq!(r.phase(), Phase::Stable);
    assert_eq!(r.held(), RscSet::NONE);
}

#[test]
fn starting_is_repeated_while_the_peer_stays_silent() {
    let mut r = machine(FailbackMode::On);
    let _ = run(|o| r.comm_up(t(0), o));
    assert_eq!(r.next_deadline(), Some(t(RQSTDELAY_MS)));
    let o = run(|o| r.tick(t(RQSTDELAY_MS), o));
    assert_eq!(o.sent(), ["starting"]);
}

#[test]
fn comm_up_without_peer_takes_everything() {
    for mode in [FailbackMode::On, FailbackMode::Legacy] {
        let mut r = machine(mode);
        r.set_peer_view(false, &NodeStatus::Dead);
        let o = run(|o| r.comm_up(t(0), o));
        assert_eq!(
            o.ops(),
            [&Action::AcquireGroup(0), &Action::AcquireGroup(1)]
        );
        assert!(o.has_log("Resources being acquired from beta."));
        let _ = done(&mut r, 10, 0, true);
        let o = done(&mut r, 10, 1, true);
        assert!(o.has_log("mach_down takeover complete."));
    }
}

#[test]
fn peer_death_takes_over_and_reports_stonith() {
    let mut r = stable_nice(FailbackMode::On);
    r.set_peer_view(false, &NodeStatus::Dead);
    let o = run(|o| r.peer_dead(t(100), o));
    assert!(o.has_log("No STONITH device configured."));
    assert_eq!(o.sent(), ["stonith node=beta result=n_stnth"]);
    assert_eq!(o.ops(), [&Action::AcquireGroup(1)]);
    let o = done(&mut r, 200, 1, true);
    assert_eq!(
        o.sent(),
        ["resource rsc_hold=all rtype=full isstable=1 info=mach_down"]
    );
}

#[test]
fn standby_as_the_giver_releases_before_saying_done() {
    let mut r = stable_nice(FailbackMode::Off);
    let o = run(|o| r.standby(t(100), RscSet::ALL, o));
    assert_eq!(o.sent(), ["ask_resources rsc_hold=all info=me"]);
    assert!(o.has_log("alpha wants to go standby [all]"));
    let o = msg(&mut r, 110, ask_resources(RscSet::ALL, StandbyStep::Other));
    assert_eq!(o.ops(), [&Action::ReleaseGroup(0)]);
    assert_eq!(
        o.sent(),
        ["resource rsc_hold=none rtype=full isstable=0 info=standby"]
    );
    let o = done(&mut r, 200, 0, false);
    assert_eq!(o.sent(), ["ask_resources rsc_hold=all info=done"]);
    let o = msg(&mut r, 300, ask_resources(RscSet::ALL, StandbyStep::Done));
    assert!(o.has_log("Other node completed standby takeover of all resources."));
    assert_eq!(o.sent(), ["resource rsc_hold=none rtype=full isstable=1"]);
}

#[test]
fn standby_as_the_taker_acquires_the_mirrored_set() {
    let mut r = stable_nice(FailbackMode::Off);
    let o = msg(&mut r, 100, ask_resources(RscSet::LOCAL, StandbyStep::Me));
    assert!(o.has_log("beta wants to go standby [local]"));
    assert_eq!(o.sent(), ["ask_resources rsc_hold=local info=other"]);
    let o = msg(&mut r, 200, ask_resources(RscSet::LOCAL, StandbyStep::Done));
    assert_eq!(o.ops(), [&Action::AcquireGroup(1)]);
    let o = done(&mut r, 300, 1, true);
    assert_eq!(
        o.sent(),
        [
            "ask_resources rsc_hold=local info=done",
            "resource rsc_hold=all rtype=full isstable=1"
        ]
    );
}

#[test]
fn standby_needs_both_sides_stable_and_nice_failback() {
    let mut r = machine(FailbackMode::On);
    let _ = run(|o| r.comm_up(t(0), o));
    let o = run(|o| r.standby(t(10), RscSet::ALL, o));
    assert!(o.has_log("standby message [me] from alpha ignored.  Other side is in flux."));
    assert!(o.sent().is_empty());
    let mut r = machine(FailbackMode::Legacy);
    let o = run(|o| r.standby(t(10), RscSet::ALL, o));
    assert!(o.has_log("Standby mode only implemented when nice_failback on"));
}

#[test]
fn unanswered_standby_is_cancelled_after_ten_seconds() {
    let mut r = stable_nice(FailbackMode::On);
    let _ = run(|o| r.standby(t(100), RscSet::LOCAL, o));
    assert_eq!(r.next_deadline(), Some(t(10_100)));
    let o = run(|o| r.tick(t(10_100), o));
    assert!(o.has_log("No reply to standby request.  Standby request cancelled."));
    assert_eq!(r.held(), RscSet::LOCAL);
}

#[test]
fn auto_failback_gives_foreign_groups_back_only_when_on() {
    for mode in [FailbackMode::On, FailbackMode::Off] {
        let mut r = stable_nice(mode);
        r.set_peer_view(false, &NodeStatus::Dead);
        let _ = run(|o| r.peer_dead(t(100), o));
        let _ = done(&mut r, 200, 1, true);
        // Beta restarts, negotiates and ends stable holding nothing.
        r.set_peer_view(true, &NodeStatus::Up);
        let _ = run(|o| r.peer_restarted(t(300), true, o));
        let _ = msg(&mut r, 400, build("starting", &[]));
        let o = msg(&mut r, 500, resource(RscSet::NONE, true, Some("x")));
        let o2 = msg(&mut r, 600, resource(RscSet::NONE, true, Some("x")));
        let asked = o
            .sent()
            .iter()
            .chain(o2.sent().iter())
            .any(|s| s == "ask_resources rsc_hold=foreign info=me");
        assert_eq!(asked, mode == FailbackMode::On, "{mode:?}");
    }
}

#[test]
fn shutdown_releases_everything_then_sends_shutdone() {
    let mut r = stable_nice(FailbackMode::On);
    let o = run(|o| r.shutdown(t(100), o));
    assert_eq!(
        o.sent(),
        ["resource rsc_hold=none rtype=full isstable=0 info=shutdown"]
    );
    assert_eq!(o.ops(), [&Action::ReleaseGroup(0)]);
    let o = done(&mut r, 200, 0, false);
    assert_eq!(o.sent(), ["shutdone st=dead"]);
    assert!(o.0.contains(&Action::ShutdownComplete));
    assert_eq!(r.phase(), Phase::Down);
}

#[test]
fn shutdown_waits_for_running_operations() {
    let mut r = machine(FailbackMode::Legacy);
    r.set_peer_view(false, &NodeStatus::Dead);
    let _ = run(|o| r.comm_up(t(0), o));
    let o = run(|o| r.shutdown(t(10), o));
    assert!(o.has_log("Shutdown delayed until current resource activity finishes."));
    assert!(o.sent().is_empty());
    let _ = done(&mut r, 20, 0, true);
    let o = done(&mut r, 30, 1, true);
    assert!(o.has_log("Heartbeat shutdown in progress."));
    assert_eq!(o.ops().len(), 2, "both groups released");
}

#[test]
fn shutdone_from_peer_takes_over_at_once() {
    let mut r = stable_nice(FailbackMode::Off);
    let _ = msg(&mut r, 100, resource(RscSet::NONE, true, Some("shutdown")));
    let o = msg(&mut r, 200, build("shutdone", &[("st", "dead")]));
    assert!(o.has_log("Received shutdown notice from 'beta'."));
    assert_eq!(o.ops(), [&Action::AcquireGroup(1)]);
}

#[test]
fn double_claims_go_to_the_home_node() {
    let mut r = stable_nice(FailbackMode::Off);
    r.set_peer_view(false, &NodeStatus::Dead);
    let _ = run(|o| r.peer_dead(t(100), o));
    let _ = done(&mut r, 200, 1, true);
    r.set_peer_view(true, &NodeStatus::Active);
    let o = run(|o| r.peer_returned(t(300), true, o));
    assert!(o.has_log("Possible split brain with beta"));
    assert_eq!(o.sent(), ["resource rsc_hold=all rtype=full isstable=1"]);
    let o = msg(&mut r, 400, resource(RscSet::ALL, true, None));
    assert!(o.has_log("Both machines own our resources!"));
    assert!(o.has_log("Both machines own foreign resources!"));
    assert_eq!(
        o.ops(),
        [&Action::ReleaseGroup(1)],
        "beta's group goes home"
    );
    let o = done(&mut r, 500, 1, false);
    assert_eq!(o.sent(), ["resource rsc_hold=local rtype=full isstable=1"]);
}

#[test]
fn an_orphaned_local_group_is_adopted_by_its_home() {
    let mut r = machine(FailbackMode::Off);
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = msg(&mut r, 10, resource(RscSet::ALL, true, None));
    assert_eq!(r.held(), RscSet::NONE);
    let o = msg(&mut r, 20, resource(RscSet::LOCAL, true, None));
    assert!(o.has_log("No one owns our local resources!"));
    assert_eq!(o.ops(), [&Action::AcquireGroup(0)]);
}

#[test]
fn legacy_asks_an_active_peer_and_takes_only_granted_groups() {
    let mut r = machine(FailbackMode::Legacy);
    let o = run(|o| r.comm_up(t(0), o));
    assert_eq!(o.sent(), ["ip-request ipaddr=ga"]);
    let granted = build(
        "ip-request-resp",
        &[
            ("dest", "alpha"),
            ("ipaddr", "ga"),
            ("weown", "yes"),
            ("ok", "OK"),
        ],
    );
    let o = msg(&mut r, 10, granted.clone());
    assert_eq!(o.ops(), [&Action::AcquireGroup(0)]);
    let o = msg(&mut r, 20, granted);
    assert!(o.has_log("Ignoring unrequested ip-request-resp for ga"));
}

#[test]
fn legacy_repeats_unanswered_requests() {
    let mut r = machine(FailbackMode::Legacy);
    let _ = run(|o| r.comm_up(t(0), o));
    assert_eq!(r.next_deadline(), Some(t(RQSTDELAY_MS)));
    let o = run(|o| r.tick(t(RQSTDELAY_MS), o));
    assert_eq!(o.sent(), ["ip-request ipaddr=ga"]);
}

#[test]
fn legacy_waits_for_the_peer_status_before_deciding_it_is_alone() {
    let mut r = machine(FailbackMode::Legacy);
    r.set_peer_view(true, &NodeStatus::Init);
    let o = run(|o| r.comm_up(t(0), o));
    assert!(o.sent().is_empty() && o.ops().is_empty());
    r.set_peer_view(true, &NodeStatus::Up);
    let o = run(|o| r.tick(t(10), o));
    assert_eq!(
        o.ops(),
        [&Action::AcquireGroup(0)],
        "a peer still up holds nothing"
    );
    let _ = done(&mut r, 20, 0, true);
    r.set_peer_view(true, &NodeStatus::Active);
    let o = run(|o| r.tick(t(30), o));
    assert_eq!(o.sent(), ["ip-request ipaddr=ga"], "in case `up` was stale");
}

#[test]
fn legacy_releases_a_requested_group_before_answering() {
    let mut r = machine(FailbackMode::Legacy);
    r.set_peer_view(false, &NodeStatus::Dead);
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = done(&mut r, 10, 0, true);
    let _ = done(&mut r, 10, 1, true);
    r.set_peer_view(true, &NodeStatus::Active);
    let o = msg(&mut r, 20, build("ip-request", &[("ipaddr", "gb")]));
    assert_eq!(o.ops(), [&Action::ReleaseGroup(1)]);
    assert!(o.sent().iter().all(|s| !s.starts_with("ip-request-resp")));
    let o = done(&mut r, 30, 1, false);
    assert_eq!(
        o.sent(),
        ["ip-request-resp dest=beta ipaddr=gb weown=yes ok=OK"]
    );
    let o = msg(&mut r, 40, build("ip-request", &[("ipaddr", "gb")]));
    assert_eq!(
        o.sent(),
        ["ip-request-resp dest=beta ipaddr=gb weown=no ok=OK"]
    );
}

#[test]
fn legacy_heal_releases_foreign_and_asks_for_local() {
    let mut r = machine(FailbackMode::Legacy);
    r.set_peer_view(false, &NodeStatus::Dead);
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = done(&mut r, 10, 0, true);
    let _ = done(&mut r, 10, 1, true);
    r.set_peer_view(true, &NodeStatus::Active);
    let o = run(|o| r.peer_returned(t(100), true, o));
    assert_eq!(o.ops(), [&Action::ReleaseGroup(1)]);
    assert_eq!(o.sent(), ["ip-request ipaddr=ga"]);
}

#[test]
fn a_peer_restarting_faster_than_deadtime_is_taken_over() {
    let mut r = stable_nice(FailbackMode::On);
    let o = run(|o| r.peer_restarted(t(100), false, o));
    assert!(o.has_log("restarted without being declared dead"));
    assert_eq!(o.ops(), [&Action::AcquireGroup(1)]);
}

#[test]
fn resource_messages_wait_for_comm_up_and_a_live_peer() {
    let mut r = machine(FailbackMode::On);
    let o = msg(&mut r, 0, build("starting", &[]));
    assert!(o.sent().is_empty());
    let mut r = stable_nice(FailbackMode::On);
    r.set_peer_view(false, &NodeStatus::Dead);
    let o = msg(&mut r, 100, ask_resources(RscSet::ALL, StandbyStep::Me));
    assert!(o.sent().is_empty());
    let o = msg(&mut r, 100, build("resource", &[("rsc_hold", "most")]));
    assert!(o.has_log("encode_resources: bad resource type [most]"));
}

/// We are alpha; the only group is `home`'s, as in a master/backup pair
/// where one node has no group of its own.
fn one_group(mode: FailbackMode, home: &str) -> Resources {
    let mut c = Config::new("alpha", &["alpha", "beta"]);
    c.auto_failback = mode;
    c.groups = vec![Group {
        key: "marker".into(),
        home: home.into(),
    }];
    let mut r = Resources::new(&c);
    r.set_peer_view(true, &NodeStatus::Active);
    r
}

#[test]
fn a_backup_without_groups_holds_local_once_failback_hands_it_over() {
    // The pair test's backup: the master took everything while we were
    // down, and gives our (empty) local set back by auto_failback.
    let mut r = one_group(FailbackMode::On, "beta");
    let _ = run(|o| r.comm_up(t(0), o));
    let o = msg(&mut r, 10, resource(RscSet::ALL, true, None));
    assert!(o.has_log("Local Resource acquisition completed. (none)"));
    assert_eq!(
        o.sent(),
        [
            "resource rsc_hold=none rtype=full isstable=0",
            "resource rsc_hold=none rtype=full isstable=1"
        ]
    );
    assert_eq!(r.rsc_state(), Some(RscSet::NONE));
    let o = msg(&mut r, 20, ask_resources(RscSet::FOREIGN, StandbyStep::Me));
    assert_eq!(o.sent(), ["ask_resources rsc_hold=foreign info=other"]);
    assert_eq!(r.rsc_state(), None, "a standby exchange is a transition");
    let _ = msg(&mut r, 30, resource(RscSet::LOCAL, false, Some("standby")));
    let o = msg(
        &mut r,
        40,
        ask_resources(RscSet::FOREIGN, StandbyStep::Done),
    );
    assert!(o.ops().is_empty(), "no group of ours to start");
    // The legacy's DONE step sets the mirrored bit (`i_hold_resources |=
    // rup`) whether or not the set has a group.
    assert_eq!(
        o.sent(),
        [
            "ask_resources rsc_hold=foreign info=done",
            "resource rsc_hold=local rtype=full isstable=1"
        ]
    );
    assert_eq!(r.held(), RscSet::LOCAL);
    assert_eq!(r.rsc_state(), None, "until the master says it is stable");
    let _ = msg(&mut r, 50, resource(RscSet::LOCAL, true, None));
    assert_eq!(r.rsc_state(), Some(RscSet::LOCAL));
}

#[test]
fn a_node_without_groups_holds_local_after_starting_alongside_its_peer() {
    let mut r = one_group(FailbackMode::On, "beta");
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = msg(&mut r, 5, build("starting", &[]));
    let _ = msg(&mut r, 8, resource(RscSet::NONE, false, None));
    assert_eq!(r.rsc_state(), None, "negotiating");
    let o = run(|o| r.tick(t(10_008), o));
    assert!(o.has_log("No local resources to acquire."));
    // `req_our_resources` sets the local bit before it looks for groups.
    assert_eq!(
        o.sent(),
        [
            "resource rsc_hold=local rtype=full isstable=1",
            "resource rsc_hold=local rtype=full isstable=1 info=req_our_resources()"
        ]
    );
    assert!(o.has_log("Initial resource acquisition complete"));
    let _ = msg(&mut r, 10_020, resource(RscSet::LOCAL, true, None));
    assert_eq!(r.rsc_state(), Some(RscSet::LOCAL));
    // Holding the bit, a second request is the legacy's "(none)".
    let o = run(|o| r.req_our_resources(false, o));
    assert!(o.has_log("Local Resource acquisition completed. (none)"));
}

#[test]
fn a_takeover_holds_all_and_giving_back_our_own_leaves_foreign() {
    // The master, whose peer has no group: `takeover_from_node` sets the
    // foreign bit even so.
    let mut r = one_group(FailbackMode::On, "alpha");
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = msg(&mut r, 10, resource(RscSet::NONE, true, None));
    let _ = done(&mut r, 20, 0, true);
    assert_eq!(r.rsc_state(), Some(RscSet::LOCAL));
    r.set_peer_view(false, &NodeStatus::Dead);
    let o = run(|o| r.peer_dead(t(100), o));
    assert!(o.ops().is_empty(), "our group runs already");
    assert_eq!(
        o.sent(),
        [
            "stonith node=beta result=unneeded",
            "resource rsc_hold=all rtype=full isstable=1 info=mach_down"
        ]
    );
    assert_eq!(r.rsc_state(), Some(RscSet::ALL));

    // Beta returns and gives the foreign set back by auto_failback, though
    // it has no group: the legacy fails back on the bit.
    r.set_peer_view(true, &NodeStatus::Up);
    let _ = run(|o| r.peer_restarted(t(200), true, o));
    let _ = msg(&mut r, 300, build("starting", &[]));
    let o = msg(&mut r, 400, resource(RscSet::NONE, true, None));
    assert!(o
        .sent()
        .contains(&"ask_resources rsc_hold=foreign info=me".to_string()));
    let o = msg(
        &mut r,
        410,
        ask_resources(RscSet::FOREIGN, StandbyStep::Other),
    );
    assert_eq!(
        o.sent(),
        [
            "resource rsc_hold=local rtype=full isstable=0 info=standby",
            "ask_resources rsc_hold=foreign info=done"
        ]
    );

    // Taking over again and then giving our own set away leaves `foreign`.
    let mut r = one_group(FailbackMode::Off, "beta");
    r.set_peer_view(false, &NodeStatus::Dead);
    let _ = run(|o| r.comm_up(t(0), o));
    let _ = done(&mut r, 10, 0, true);
    let _ = run(|o| r.tick(t(10 + RQSTDELAY_MS), o));
    assert_eq!(r.rsc_state(), Some(RscSet::ALL));
    r.set_peer_view(true, &NodeStatus::Active);
    let _ = run(|o| r.peer_restarted(t(20_000), true, o));
    let _ = msg(&mut r, 20_010, build("starting", &[]));
    let _ = msg(&mut r, 20_020, resource(RscSet::NONE, true, None));
    let _ = run(|o| r.standby(t(20_030), RscSet::LOCAL, o));
    let o = msg(
        &mut r,
        20_040,
        ask_resources(RscSet::LOCAL, StandbyStep::Other),
    );
    assert_eq!(
        o.sent(),
        [
            "resource rsc_hold=foreign rtype=full isstable=0 info=standby",
            "ask_resources rsc_hold=local info=done"
        ]
    );
    let _ = msg(
        &mut r,
        20_050,
        ask_resources(RscSet::LOCAL, StandbyStep::Done),
    );
    let _ = msg(&mut r, 20_060, resource(RscSet::FOREIGN, true, None));
    assert_eq!(r.rsc_state(), Some(RscSet::FOREIGN));
}

#[test]
fn rscstatus_is_transition_while_anything_moves() {
    // Alone at start-up: taking over, then the legacy's RQSTDELAY in
    // HB_R_RSCRCVD, entered by its own mach_down message.
    let mut r = one_group(FailbackMode::On, "alpha");
    r.set_peer_view(false, &NodeStatus::Dead);
    let o = run(|o| r.comm_up(t(0), o));
    assert_eq!(o.sent(), ["starting"]);
    assert_eq!(o.ops(), [&Action::AcquireGroup(0)]);
    assert_eq!(r.held(), RscSet::ALL);
    assert_eq!(r.rsc_state(), None, "acquiring");
    let o = done(&mut r, 100, 0, true);
    assert!(o.has_log("mach_down takeover complete."));
    assert_eq!(r.rsc_state(), None, "HB_R_RSCRCVD until RQSTDELAY");
    let o = run(|o| r.standby(t(200), RscSet::ALL, o));
    assert!(o.has_log("local resources in flux."));
    assert_eq!(r.next_deadline(), Some(t(100 + RQSTDELAY_MS)));
    let o = run(|o| r.tick(t(100 + RQSTDELAY_MS), o));
    assert!(o.has_log("Local Resource acquisition completed. (none)"));
    assert!(o.has_log("local resource transition completed."));
    assert_eq!(o.sent(), ["resource rsc_hold=all rtype=full isstable=1"]);
    assert_eq!(r.rsc_state(), Some(RscSet::ALL));

    // The peer starting makes it a transition until it says it is stable.
    r.set_peer_view(true, &NodeStatus::Up);
    let _ = run(|o| r.peer_restarted(t(20_000), true, o));
    let _ = msg(&mut r, 20_010, build("starting", &[]));
    assert_eq!(r.rsc_state(), None);
    let _ = msg(&mut r, 20_020, resource(RscSet::NONE, true, None));
    assert_eq!(r.rsc_state(), None, "auto_failback of the foreign set");

    // Shutting down: nothing held at once, a transition until released.
    let mut r = stable_nice(FailbackMode::Off);
    let _ = run(|o| r.shutdown(t(100), o));
    assert_eq!(r.held(), RscSet::NONE);
    assert_eq!(r.rsc_state(), None);
    let _ = done(&mut r, 200, 0, false);
    assert_eq!(r.rsc_state(), Some(RscSet::NONE));
}

#[test]
fn auto_failback_legacy_never_holds_a_set() {
    // Without nice_failback the legacy never sets a bit: `cl_status
    // rscstatus` says `none` on the node running the groups.
    let mut r = one_group(FailbackMode::Legacy, "alpha");
    r.set_peer_view(false, &NodeStatus::Dead);
    let _ = run(|o| r.comm_up(t(0), o));
    assert_eq!(r.rsc_state(), None, "acquiring");
    let _ = done(&mut r, 10, 0, true);
    assert_eq!(r.group_states(), [GroupState::Running]);
    assert_eq!(r.rsc_state(), Some(RscSet::NONE));
}

#[test]
fn a_peer_restarting_in_place_keeps_its_groups() {
    let mut r = stable_nice(FailbackMode::On);
    let o = run(|o| r.peer_restarted_in_place(t(100), o));
    assert!(o.has_log("restarted in place"));
    assert!(o.ops().is_empty(), "nothing taken over: {:?}", o.ops());
}
