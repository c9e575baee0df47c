//! Reloading the configuration in place (SIGHUP) in the simulator: new
//! timings take effect, groups added or removed are taken or released,
//! unchanged groups are not touched, and the peer sees no death.

mod sim;

use hb_core::{Config, FailbackMode, Group, Level};
use sim::{two_node_config, Net, Sim};

const A: usize = 0;
const B: usize = 1;
const MODES: [FailbackMode; 3] = [FailbackMode::Legacy, FailbackMode::On, FailbackMode::Off];

fn settled(mode: FailbackMode) -> Sim {
    let mut sim = Sim::new(&two_node_config(mode), Net::perfect(), 3);
    sim.boot(A);
    sim.boot(B);
    sim.run_until(40_000);
    assert_eq!(sim.ownership(), [["alpha"], ["beta"]], "{mode:?}");
    sim
}

fn with_third_group(mode: FailbackMode, deadtime: u64) -> Config {
    let mut c = two_node_config(mode);
    c.deadtime_ms = deadtime;
    c.warntime_ms = deadtime / 2;
    c.groups.push(Group {
        key: "IPaddr::192.168.72.10/24/eth0".into(),
        home: "alpha".into(),
    });
    c
}

#[test]
fn added_group_is_taken_new_deadtime_holds_and_nobody_dies() {
    for mode in MODES {
        let mut sim = settled(mode);
        let t = sim.now;
        sim.reload(A, with_third_group(mode, 9000), Vec::new());
        sim.run_for(2000);
        sim.reload(B, with_third_group(mode, 9000), Vec::new());
        sim.run_for(20_000);
        assert_eq!(
            sim.ownership(),
            [["alpha"], ["beta"], ["alpha"]],
            "{mode:?}: the new group on its home, the others untouched"
        );
        let touched: Vec<_> = sim
            .ops
            .iter()
            .filter(|o| o.at >= t && o.group < 2)
            .collect();
        assert!(
            touched.is_empty(),
            "{mode:?}: unchanged groups were touched: {touched:?}"
        );
        assert!(sim.logs(B, "is dead", t).is_empty(), "{mode:?}");
        assert!(sim.logs(A, "is dead", t).is_empty(), "{mode:?}");
        assert!(
            sim.logs_at_least(Level::Error, t).is_empty(),
            "{mode:?}: {:?}",
            sim.logs_at_least(Level::Error, t)
        );
        // The peer times alpha out by alpha's new deadtime (9 s, not 5).
        let killed = sim.now;
        sim.kill(A);
        sim.run_for(20_000);
        let dead = sim.logs(B, "node alpha: is dead", killed);
        assert_eq!(dead.len(), 1, "{mode:?}");
        let after = dead[0].at - killed;
        assert!(
            (8000..=10_000).contains(&after),
            "{mode:?}: dead after {after} ms"
        );
    }
}

#[test]
fn removed_group_is_released_and_the_rest_kept() {
    for mode in MODES {
        let mut sim = settled(mode);
        let t = sim.now;
        let mut c = two_node_config(mode);
        c.groups.remove(0);
        sim.reload(A, c, Vec::new());
        sim.run_for(5000);
        assert!(
            sim.nodes_running(A).iter().all(|r| !r),
            "{mode:?}: released"
        );
        let ops: Vec<_> = sim.ops.iter().filter(|o| o.at >= t).collect();
        assert_eq!(ops.len(), 1, "{mode:?}: one release only: {ops:?}");
        assert!(!ops[0].acquire && ops[0].node == A);
        assert!(sim.logs(B, "is dead", t).is_empty(), "{mode:?}");
    }
}

#[test]
fn changed_group_is_restarted_with_its_new_resources() {
    let mut sim = settled(FailbackMode::On);
    let t = sim.now;
    sim.reload(
        A,
        two_node_config(FailbackMode::On),
        vec!["IPaddr::192.168.72.8/24/eth0".into()],
    );
    sim.run_for(5000);
    let ops: Vec<_> = sim
        .ops
        .iter()
        .filter(|o| o.at >= t)
        .map(|o| (o.node, o.acquire))
        .collect();
    assert_eq!(ops, [(A, false), (A, true)], "released, then taken again");
    assert_eq!(sim.ownership()[..2], [["alpha"], ["beta"]]);
}

#[test]
fn node_list_or_protocol_change_is_refused_and_the_old_config_kept() {
    let mut sim = settled(FailbackMode::On);
    let t = sim.now;
    let mut c = with_third_group(FailbackMode::On, 9000);
    c.nodes.push("gamma".into());
    sim.reload(A, c, Vec::new());
    let mut c = with_third_group(FailbackMode::Legacy, 9000);
    c.nodes.truncate(2);
    sim.reload(A, c, Vec::new());
    sim.run_for(5000);
    assert_eq!(sim.logs(A, "Reload refused", t).len(), 2);
    assert_eq!(sim.node(A).map(|n| n.config().deadtime_ms), Some(5000));
    assert_eq!(sim.node(A).map(|n| n.config().groups.len()), Some(2));
}

/// Ping nodes, deadping and ipfail take effect at the next start: after a
/// reload that changes them, the node's config still says what runs.
#[test]
fn ping_nodes_and_ipfail_stay_as_started() {
    let mut old = two_node_config(FailbackMode::On);
    old.ping_nodes = vec![hb_core::PingNode::new("10.0.0.254")];
    old.deadping_ms = 5000;
    old.ipfail = true;
    let mut new = old.clone();
    new.ping_nodes = vec![hb_core::PingNode::new("10.0.0.253")];
    new.deadping_ms = 9000;
    new.ipfail = false;
    new.deadtime_ms = 9000;
    let t = hb_core::Time::from_ms(1000);
    let mut node = hb_core::Node::new(old.clone(), t).unwrap();
    let out = node.handle(
        t,
        hb_core::Event::Reload {
            cfg: Box::new(new),
            changed: Vec::new(),
        },
    );
    assert!(
        !out.iter()
            .any(|a| matches!(a, hb_core::Action::Log(Level::Error, _))),
        "{out:?}"
    );
    let c = node.config();
    assert_eq!(c.deadtime_ms, 9000, "the reload itself took effect");
    assert_eq!(c.ping_nodes, old.ping_nodes);
    assert_eq!(c.deadping_ms, 5000);
    assert!(c.ipfail);
}
