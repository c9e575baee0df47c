//! Whole-cluster scenarios in the deterministic simulator (`sim/`): two
//! nodes, `alpha` (home of group 0) and `beta` (home of group 1),
//! keepalive 1 s, deadtime 5 s, over a simulated network.

mod sim;

use hb_core::{Event, FailbackMode, Level, RscSet};
use sim::{two_node_config, Net, Sim};

const KEEPALIVE: u64 = 1000;
const DEADTIME: u64 = 5000;
const A: usize = 0;
const B: usize = 1;
const GA: usize = 0;
const MODES: [FailbackMode; 3] = [FailbackMode::Legacy, FailbackMode::On, FailbackMode::Off];

/// Both nodes booted at t=0 and left to settle.
fn settled(mode: FailbackMode, net: Net, seed: u64) -> Sim {
    let mut sim = Sim::new(&two_node_config(mode), net, seed);
    sim.boot(A);
    sim.boot(B);
    sim.run_until(40_000);
    assert_home(&sim, mode);
    sim
}

fn owners(sim: &Sim) -> Vec<Vec<String>> {
    sim.ownership()
}

fn assert_home(sim: &Sim, mode: FailbackMode) {
    assert_eq!(
        owners(sim),
        [["alpha"], ["beta"]],
        "{mode:?} at t={}: each group on its home node",
        sim.now
    );
}

fn assert_no_errors(sim: &Sim, since: u64) {
    let bad = sim.logs_at_least(Level::Error, since);
    assert!(bad.is_empty(), "unexpected errors: {bad:#?}");
}

fn lossy(loss: f64) -> Net {
    Net {
        loss,
        delay_min_ms: 1,
        delay_max_ms: 40,
    }
}

#[test]
fn both_nodes_booting_at_once_end_with_one_owner_per_group() {
    for mode in MODES {
        let mut sim = settled(mode, Net::perfect(), 1);
        assert!(sim.overlaps.is_empty(), "{mode:?}: {:?}", sim.overlaps);
        assert_no_errors(&sim, 0);
        let ops = sim.ops.len();
        sim.run_for(120_000);
        assert_home(&sim, mode);
        assert_eq!(sim.ops.len(), ops, "{mode:?}: steady state moves nothing");
    }
}

#[test]
fn lossy_reordering_start_still_converges() {
    for (mode, seed) in MODES.into_iter().zip([11, 12, 13]) {
        let mut sim = Sim::new(&two_node_config(mode), lossy(0.3), seed);
        sim.boot(A);
        sim.run_until(700);
        sim.boot(B);
        sim.run_until(60_000);
        assert_home(&sim, mode);
        assert!(sim.overlaps.is_empty(), "{mode:?}: {:?}", sim.overlaps);
        assert!(
            !sim.logs(A, "lost packet(s)", 0).is_empty(),
            "the network really lost packets"
        );
    }
}

#[test]
fn failover_within_deadtime_plus_one_keepalive() {
    for mode in MODES {
        for offset in [0, 230, 480, 770] {
            let mut sim = settled(mode, Net::perfect(), 2);
            sim.run_until(50_000 + offset);
            let killed = sim.now;
            sim.kill(A);
            sim.run_for(20_000);
            let took = sim
                .first_acquire(B, GA, killed)
                .unwrap_or_else(|| panic!("{mode:?}: beta never took over"));
            let after = took - killed;
            assert!(
                after <= DEADTIME + KEEPALIVE,
                "{mode:?}/{offset}: took {after} ms"
            );
            assert!(
                after >= DEADTIME - KEEPALIVE,
                "{mode:?}/{offset}: took over too early ({after} ms)"
            );
            assert_eq!(owners(&sim), [["beta"], ["beta"]], "{mode:?}");
            assert_eq!(sim.logs(B, "node alpha: is dead", killed).len(), 1);
        }
    }
}

#[test]
fn no_false_failover_at_30_percent_loss_for_10_minutes() {
    let started = std::time::Instant::now();
    for (mode, seed) in [(FailbackMode::On, 30), (FailbackMode::Legacy, 31)] {
        let mut sim = Sim::new(&two_node_config(mode), lossy(0.3), seed);
        sim.boot(A);
        sim.boot(B);
        sim.run_until(60_000);
        assert_home(&sim, mode);
        let steady = sim.now;
        let ops = sim.ops.len();
        sim.run_for(600_000);
        assert!(sim.logs(A, "is dead", 0).is_empty(), "{mode:?}: alpha");
        assert!(sim.logs(B, "is dead", 0).is_empty(), "{mode:?}: beta");
        assert_eq!(sim.ops.len(), ops, "{mode:?}: no group moved");
        assert!(sim.overlaps.is_empty());
        assert_home(&sim, mode);
        // The loss was real: heartbeats went missing and were recovered.
        assert!(sim.logs(A, "lost packet(s)", steady).len() > 50);
        assert!(sim.logs(B, "Late heartbeat", steady).len() > 5);
    }
    eprintln!(
        "20 simulated minutes at 30% loss took {:?}",
        started.elapsed()
    );
}

#[test]
fn partition_gives_split_brain_and_healing_returns_groups_home() {
    for mode in MODES {
        let mut sim = settled(mode, Net::perfect(), 3);
        sim.partition(A, B);
        let cut = sim.now;
        sim.run_for(20_000);
        assert_eq!(
            owners(&sim),
            [["alpha", "beta"], ["alpha", "beta"]],
            "{mode:?}: both active during the partition"
        );
        assert_eq!(sim.logs(A, "node beta: is dead", cut).len(), 1);
        assert_eq!(sim.logs(B, "node alpha: is dead", cut).len(), 1);
        sim.heal();
        let healed = sim.now;
        sim.run_for(15_000);
        for i in [A, B] {
            assert!(
                !sim.logs(i, "returning after partition", healed).is_empty(),
                "{mode:?}: node {i} saw the partition heal"
            );
            assert!(!sim.logs(i, "Possible split brain", healed).is_empty());
        }
        if mode != FailbackMode::Legacy {
            assert!(!sim.logs(A, "Both machines own", healed).is_empty());
        }
        assert_home(&sim, mode);
        let ops = sim.ops.len();
        sim.run_for(60_000);
        assert_eq!(sim.ops.len(), ops, "{mode:?}: settled after healing");
        assert_eq!(sim.overlaps_since(healed + 2000), []);
    }
}

#[test]
fn one_way_partition_heals_to_one_owner() {
    for mode in MODES {
        let mut sim = settled(mode, Net::perfect(), 4);
        sim.block(A, B);
        let cut = sim.now;
        sim.run_for(15_000);
        assert_eq!(sim.logs(B, "node alpha: is dead", cut).len(), 1);
        assert!(
            sim.logs(A, "is dead", cut).is_empty(),
            "alpha still hears beta"
        );
        assert_eq!(owners(&sim)[GA], ["alpha", "beta"], "{mode:?}");
        sim.heal();
        let healed = sim.now;
        sim.run_for(15_000);
        assert_home(&sim, mode);
        assert_eq!(sim.overlaps_since(healed + 2000), []);
    }
}

#[test]
fn graceful_shutdown_hands_over_before_deadtime() {
    for mode in MODES {
        let mut sim = settled(mode, Net::perfect(), 5);
        let asked = sim.now;
        sim.command(A, Event::Shutdown);
        sim.run_for(3000);
        assert!(!sim.is_up(A), "{mode:?}: alpha finished its shutdown");
        let took = sim
            .first_acquire(B, GA, asked)
            .unwrap_or_else(|| panic!("{mode:?}: no handover"));
        assert!(
            took - asked < 1000,
            "{mode:?}: handover took {} ms",
            took - asked
        );
        assert!(took - asked < DEADTIME);
        assert_eq!(owners(&sim), [["beta"], ["beta"]]);
        assert_eq!(
            sim.overlaps,
            [],
            "{mode:?}: released before the peer started"
        );
        assert!(!sim
            .logs(B, "Received shutdown notice from 'alpha'.", asked)
            .is_empty());
        assert!(sim.logs(B, "is dead", asked).is_empty(), "not yet: it left");
    }
}

/// Kills alpha after settling, lets beta take over, and boots alpha again.
fn return_after_failure(mode: FailbackMode) -> (Sim, u64) {
    let mut sim = settled(mode, Net::perfect(), 6);
    sim.kill(A);
    sim.run_for(15_000);
    assert_eq!(owners(&sim), [["beta"], ["beta"]]);
    sim.boot(A);
    let back = sim.now;
    sim.run_for(30_000);
    (sim, back)
}

#[test]
fn auto_failback_on_returns_groups_home() {
    let (sim, back) = return_after_failure(FailbackMode::On);
    assert_home(&sim, FailbackMode::On);
    let home = sim.first_acquire(A, GA, back).expect("alpha re-acquired");
    assert!(home - back < 5000, "failback took {} ms", home - back);
    assert!(!sim
        .logs(B, "beta wants to go standby [foreign]", back)
        .is_empty());
    assert!(!sim
        .logs(
            A,
            "Initial resource acquisition complete (auto_failback)",
            back
        )
        .is_empty());
    assert_eq!(sim.overlaps, []);
    assert_no_errors(&sim, back);
}

#[test]
fn auto_failback_off_keeps_groups_where_they_are() {
    let (mut sim, back) = return_after_failure(FailbackMode::Off);
    sim.run_for(60_000);
    assert_eq!(owners(&sim), [["beta"], ["beta"]]);
    assert_eq!(sim.first_acquire(A, GA, back), None);
    assert_eq!(sim.node(A).map(|n| n.held()), Some(RscSet::NONE));
    assert_no_errors(&sim, back);
}

#[test]
fn legacy_mode_always_returns_groups_home() {
    let (sim, back) = return_after_failure(FailbackMode::Legacy);
    assert_home(&sim, FailbackMode::Legacy);
    assert_eq!(sim.overlaps, []);
    assert_no_errors(&sim, back);
}

#[test]
fn restart_faster_than_deadtime_is_treated_as_a_failure() {
    let mut sim = settled(FailbackMode::On, Net::perfect(), 7);
    sim.kill(A);
    sim.run_for(1500);
    let back = sim.now;
    sim.boot(A);
    sim.run_for(20_000);
    assert!(sim.logs(B, "is dead", 0).is_empty());
    assert!(!sim
        .logs(B, "Heartbeat restart on node alpha", back)
        .is_empty());
    assert!(
        sim.first_acquire(B, GA, back).is_some(),
        "beta covered the gap"
    );
    assert_home(&sim, FailbackMode::On);
}

#[test]
fn standby_and_takeover_commands_move_groups() {
    for mode in [FailbackMode::On, FailbackMode::Off] {
        let mut sim = settled(mode, Net::perfect(), 8);
        sim.command(A, Event::Standby(RscSet::ALL));
        sim.run_for(5000);
        assert_eq!(owners(&sim), [["beta"], ["beta"]], "{mode:?}");
        sim.command(A, Event::Takeover(RscSet::ALL));
        sim.run_for(5000);
        assert_eq!(owners(&sim), [["alpha"], ["alpha"]], "{mode:?}");
        sim.command(B, Event::Takeover(RscSet::LOCAL));
        sim.run_for(5000);
        assert_home(&sim, mode);
        assert_eq!(sim.overlaps, [], "{mode:?}");
        assert_no_errors(&sim, 0);
    }
    let mut sim = settled(FailbackMode::Legacy, Net::perfect(), 8);
    sim.command(A, Event::Standby(RscSet::ALL));
    sim.run_for(5000);
    assert_home(&sim, FailbackMode::Legacy);
    assert!(!sim
        .logs(A, "Standby mode only implemented when nice_failback on", 0)
        .is_empty());
}

#[test]
fn clock_steps_do_not_cause_failover() {
    let mut sim = settled(FailbackMode::On, Net::perfect(), 9);
    let ops = sim.ops.len();
    let t0 = sim.now;
    sim.step_clock(A, 60_000);
    sim.run_for(20_000);
    sim.step_clock(A, -120_000);
    sim.run_for(20_000);
    sim.step_clock(B, 3_600_000);
    sim.run_for(20_000);
    assert!(sim.logs(A, "is dead", t0).is_empty());
    assert!(sim.logs(B, "is dead", t0).is_empty());
    assert_eq!(sim.ops.len(), ops);
    assert!(!sim.logs(A, "Clock jumped forward by 6", t0).is_empty());
    assert!(!sim.logs(A, "Clock went backwards by 1", t0).is_empty());
    assert_home(&sim, FailbackMode::On);
}

#[test]
fn same_seed_same_run_different_seed_different_run() {
    let run = |seed| {
        let mut sim = Sim::new(&two_node_config(FailbackMode::On), lossy(0.3), seed);
        sim.boot(A);
        sim.boot(B);
        sim.run_until(120_000);
        sim.trace()
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42), run(43));
}

/// One random fault schedule: kills, boots, partitions (both ways and one
/// way), standby/takeover commands, shutdowns and clock steps, then a
/// quiet period. Returns a description of what went wrong, if anything.
fn chaos_run(mode: FailbackMode, seed: u64) -> Option<String> {
    let mut r = sim::Prng::new(seed * 7 + 1);
    let net = Net {
        loss: [0.0, 0.1, 0.3][(seed % 3) as usize],
        delay_min_ms: 1,
        delay_max_ms: [3, 50, 300][(seed / 3 % 3) as usize],
    };
    let mut sim = Sim::new(&two_node_config(mode), net, seed);
    sim.boot(A);
    sim.run_for(r.range(0, 20_000));
    sim.boot(B);
    sim.run_for(40_000);
    let sets = [RscSet::ALL, RscSet::LOCAL, RscSet::FOREIGN];
    for _ in 0..12 {
        let i = r.range(0, 1) as usize;
        let set = sets[r.range(0, 2) as usize];
        match r.range(0, 6) {
            0 if sim.is_up(i) => sim.kill(i),
            0 | 5 if !sim.is_up(i) => sim.boot(i),
            1 => {
                sim.partition(A, B);
                sim.run_for(r.range(1000, 20_000));
                sim.heal();
            }
            2 => {
                sim.block(i, 1 - i);
                sim.run_for(r.range(1000, 20_000));
                sim.heal();
            }
            3 => sim.command(i, Event::Standby(set)),
            4 => sim.command(i, Event::Takeover(set)),
            5 => sim.command(i, Event::Shutdown),
            _ => sim.step_clock(i, r.range(0, 120_000) as i64 - 60_000),
        }
        sim.run_for(r.range(0, 3000));
    }
    // Quiet period; nodes that shut down (maybe after a delay) come back.
    for _ in 0..4 {
        for i in [A, B] {
            if !sim.is_up(i) {
                sim.boot(i);
            }
        }
        sim.run_for(30_000);
    }
    let ownership = owners(&sim);
    let ops = sim.ops.len();
    sim.run_for(60_000);
    let moved = sim.ops.len() != ops;
    let one_owner = ownership.iter().all(|o| o.len() == 1);
    let home = ownership == [["alpha"], ["beta"]];
    if !one_owner || moved || (mode == FailbackMode::Legacy && !home) {
        Some(format!(
            "{mode:?} seed {seed} {net:?}: owners {ownership:?}, still moving: {moved}"
        ))
    } else {
        None
    }
}

#[test]
fn random_faults_converge_to_one_owner_per_group() {
    let failures: Vec<String> = (0..18)
        .flat_map(|seed| MODES.into_iter().filter_map(move |m| chaos_run(m, seed)))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `cl_status rscstatus` of each node.
fn rscstatus(sim: &Sim) -> [&'static str; 2] {
    [A, B].map(|i| sim.node(i).map_or("down", |n| n.rscstatus()))
}

#[test]
fn rscstatus_tracks_held_sets_in_a_master_backup_pair() {
    // Only alpha (the master) has a group, as in the pair test: beta holds
    // the (empty) local set all the same once it took it.
    let mut cfg = two_node_config(FailbackMode::On);
    cfg.groups.truncate(1);
    let mut sim = Sim::new(&cfg, Net::perfect(), 21);
    sim.boot(A);
    sim.boot(B);
    sim.run_until(40_000);
    assert_eq!(owners(&sim), [["alpha"]]);
    assert_eq!(rscstatus(&sim), ["local", "local"]);

    sim.kill(B);
    sim.run_for(15_000);
    assert_eq!(rscstatus(&sim), ["all", "down"]);
    sim.boot(B);
    let back = sim.now;
    sim.run_for(30_000);
    // Alpha gives back the foreign set although it is empty.
    assert!(!sim
        .logs(A, "alpha wants to go standby [foreign]", back)
        .is_empty());
    assert_eq!(rscstatus(&sim), ["local", "local"]);

    sim.kill(A);
    sim.run_for(15_000);
    assert_eq!(owners(&sim), [["beta"]]);
    assert_eq!(rscstatus(&sim), ["down", "all"]);
    sim.boot(A);
    sim.run_for(30_000);
    assert_eq!(owners(&sim), [["alpha"]]);
    assert_eq!(rscstatus(&sim), ["local", "local"]);
    assert_eq!(sim.overlaps, []);
    assert_no_errors(&sim, 0);

    // Without nice_failback the legacy never records a set.
    let mut cfg = two_node_config(FailbackMode::Legacy);
    cfg.groups.truncate(1);
    let mut sim = Sim::new(&cfg, Net::perfect(), 22);
    sim.boot(A);
    sim.boot(B);
    sim.run_until(40_000);
    assert_eq!(owners(&sim), [["alpha"]]);
    assert_eq!(rscstatus(&sim), ["none", "none"]);
}
