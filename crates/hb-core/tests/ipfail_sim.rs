//! ipfail scenarios in the simulator: both nodes ping one gateway
//! (`gw`), keepalive 1 s, deadtime = deadping = 5 s, alpha home of group
//! 0, beta of group 1, `auto_failback on` unless said otherwise.

mod sim;

use hb_core::{FailbackMode, PingNode, PingStatus};
use sim::{two_node_config, Net, Sim};

const A: usize = 0;
const B: usize = 1;
const GA: usize = 0;
const GB: usize = 1;

fn cluster(mode: FailbackMode) -> Sim {
    let mut c = two_node_config(mode);
    c.ping_nodes = vec![PingNode::new("gw")];
    c.deadping_ms = 5000;
    c.ipfail = true;
    let mut sim = Sim::new(&c, Net::perfect(), 3);
    sim.boot(A);
    sim.boot(B);
    sim.run_until(40_000);
    sim
}

fn ping_status(sim: &Sim, i: usize) -> Option<PingStatus> {
    sim.node(i).and_then(|n| n.ping_nodes().status("gw"))
}

#[test]
fn settled_cluster_sees_the_ping_node_and_keeps_groups_home() {
    let sim = cluster(FailbackMode::On);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]]);
    assert_eq!(ping_status(&sim, A), Some(PingStatus::Ping));
    assert_eq!(ping_status(&sim, B), Some(PingStatus::Ping));
    assert_eq!(
        sim.logs(A, "Status update for node gw: status ping", 0)
            .len(),
        1
    );
    // Both ipfails exchanged counts after the join.
    assert!(
        !sim.logs(A, "Ping node count is balanced.", 0).is_empty()
            || !sim.logs(B, "Ping node count is balanced.", 0).is_empty()
    );
}

#[test]
fn the_node_that_loses_its_ping_node_gives_up_and_gets_it_back() {
    let mut sim = cluster(FailbackMode::On);
    let cut = sim.now;
    sim.ping_cut.insert(A);
    sim.run_for(20_000);
    assert_eq!(
        sim.ownership(),
        [["beta"], ["beta"]],
        "alpha gave its group away"
    );
    let took = sim.first_acquire(B, GA, cut).expect("beta took group 0");
    // deadping, the count exchange, the 2 s delayed giveup, the standby.
    assert!(
        took - cut < 5000 + 1000 + 2000 + 1500,
        "took {} ms",
        took - cut
    );
    assert!(took - cut > 5000, "not before the ping node was dead");
    assert_eq!(sim.logs(A, "node gw: is dead", cut).len(), 1);
    assert_eq!(
        sim.logs(
            B,
            "Telling other node that we have more visible ping nodes.",
            cut
        )
        .len(),
        1
    );
    assert_eq!(
        sim.logs(A, "giveup() called (timeout worked)", cut).len(),
        1
    );
    assert!(sim.overlaps.is_empty(), "{:?}", sim.overlaps);
    // The uplink returns: balanced counts, auto_failback brings it home.
    let back = sim.now;
    sim.ping_cut.clear();
    sim.run_for(20_000);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]]);
    assert!(sim.first_acquire(A, GA, back).is_some());
    assert!(!sim
        .logs(B, "Giving up foreign resources (auto_failback).", back)
        .is_empty());
    assert!(sim.overlaps.is_empty(), "{:?}", sim.overlaps);
}

#[test]
fn with_auto_failback_off_the_groups_stay_after_the_return() {
    let mut sim = cluster(FailbackMode::Off);
    sim.ping_cut.insert(B);
    sim.run_for(20_000);
    assert_eq!(sim.ownership(), [["alpha"], ["alpha"]]);
    sim.ping_cut.clear();
    sim.run_for(20_000);
    assert_eq!(sim.ownership(), [["alpha"], ["alpha"]]);
}

#[test]
fn both_losing_the_ping_node_moves_nothing() {
    let mut sim = cluster(FailbackMode::On);
    let ops = sim.ops.len();
    let cut = sim.now;
    sim.ping_cut.insert(A);
    sim.ping_cut.insert(B);
    sim.run_for(30_000);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]]);
    assert_eq!(ping_status(&sim, A), Some(PingStatus::Dead));
    assert!(!sim.logs(A, "Ping node count is balanced.", cut).is_empty());
    sim.ping_cut.clear();
    sim.run_for(30_000);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]]);
    assert_eq!(sim.ops.len(), ops, "no group was stopped or started");
}

#[test]
fn flapping_shorter_than_deadping_does_nothing() {
    let mut sim = cluster(FailbackMode::On);
    let ops = sim.ops.len();
    for _ in 0..10 {
        sim.ping_cut.insert(A);
        sim.run_for(3000);
        sim.ping_cut.clear();
        sim.run_for(2000);
    }
    assert_eq!(sim.ops.len(), ops);
    assert!(sim.logs(A, "is dead", 40_000).is_empty());
}

#[test]
fn flapping_longer_than_deadping_ends_home_without_overlap() {
    let mut sim = cluster(FailbackMode::On);
    for _ in 0..4 {
        sim.ping_cut.insert(A);
        sim.run_for(9000);
        sim.ping_cut.clear();
        sim.run_for(9000);
    }
    sim.run_for(30_000);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]]);
    assert!(sim.overlaps.is_empty(), "{:?}", sim.overlaps);
}

#[test]
fn with_the_peer_dead_a_node_without_ping_keeps_everything() {
    let mut sim = cluster(FailbackMode::On);
    sim.kill(B);
    let killed = sim.now;
    sim.run_for(15_000);
    assert_eq!(sim.ownership(), [["alpha"], ["alpha"]]);
    // As the legacy's ipfail, alpha's hears of the death and the dead link.
    assert_eq!(sim.logs(A, "NS: We are still alive!", killed).len(), 1);
    assert_eq!(
        sim.logs(A, "Checking remote count of ping nodes.", killed)
            .len(),
        1
    );
    sim.ping_cut.insert(A);
    sim.run_for(30_000);
    assert_eq!(sim.ownership(), [["alpha"], ["alpha"]], "nobody to give to");
    assert!(sim.logs(A, "giveup() called", 40_000).is_empty());
}

#[test]
fn legacy_auto_failback_refuses_ipfail() {
    let mut sim = cluster(FailbackMode::Legacy);
    assert_eq!(
        sim.logs(A, "auto_failback set to incompatible legacy option.", 0)
            .len(),
        1
    );
    sim.ping_cut.insert(A);
    sim.run_for(30_000);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]]);
    let _ = GB;
}

#[test]
fn comm_up_waits_for_the_ping_node_until_initdead() {
    let mut c = two_node_config(FailbackMode::On);
    c.ping_nodes = vec![PingNode::new("gw")];
    c.deadping_ms = 5000;
    let mut sim = Sim::new(&c, Net::perfect(), 4);
    sim.ping_cut.insert(A);
    sim.boot(A);
    sim.boot(B);
    sim.run_until(30_000);
    let up = |i: usize| {
        sim.logs(i, "Comm_now_up(): updating status to active", 0)
            .first()
            .map(|l| l.at)
    };
    // beta hears both at once; alpha waits out initdead (12 s) for gw.
    assert!(up(B).expect("beta comm-up") < 2000);
    let a = up(A).expect("alpha comm-up");
    assert!((12_000..13_000).contains(&a), "alpha comm-up at {a} ms");
    assert_eq!(sim.logs(A, "node gw: is dead", 0).len(), 1);
    assert_eq!(ping_status(&sim, A), Some(PingStatus::Dead));
}
