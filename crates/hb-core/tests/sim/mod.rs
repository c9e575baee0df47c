//! A deterministic two-node (or more) heartbeat cluster in one process:
//! virtual time, a lossy/reordering/partitionable network carrying the real
//! signed wire bytes, per-node clock skew, and resource scripts that take
//! time. Modelled on quinn-proto's test `Pair`.

#![allow(dead_code)] // each test binary uses a different subset

mod prng;

use std::collections::{BTreeMap, HashSet};

use hb_core::{complete_for_wire, Action, Config, Event, FailbackMode, Group, Level, Node, Time};
use hb_proto::{decode, encode_netstring, Auth, AuthKeys, Method};
pub use prng::Prng;

/// Every node's clock reads global time plus this at the start, so clock
/// steps backwards stay positive.
const CLOCK_BASE_MS: i64 = 1_000_000_000;

/// Bound on simulation steps per `run_until`, against livelock bugs.
const MAX_STEPS: u64 = 50_000_000;

#[derive(Debug, Clone, Copy)]
pub struct Net {
    pub loss: f64,
    pub delay_min_ms: u64,
    pub delay_max_ms: u64,
}

impl Net {
    pub fn perfect() -> Net {
        Net {
            loss: 0.0,
            delay_min_ms: 1,
            delay_max_ms: 3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogLine {
    pub at: u64,
    pub node: usize,
    pub level: Level,
    pub text: String,
}

/// A group operation started by a node (for timing assertions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    pub at: u64,
    pub node: usize,
    pub group: usize,
    pub acquire: bool,
}

enum Pending {
    /// An echo reply from a ping node to node `to`.
    PingReply {
        to: usize,
        name: String,
    },
    Packet {
        to: usize,
        bytes: Vec<u8>,
    },
    OpDone {
        node: usize,
        boot: u32,
        event: Event,
    },
}

pub struct SimNode {
    pub name: String,
    cfg: Config,
    node: Option<Node>,
    skew: i64,
    generation: u64,
    boot: u32,
    /// Ground truth: the group may be running here (from the start of an
    /// acquire until a release completes).
    pub running: Vec<bool>,
}

pub struct Sim {
    pub now: u64,
    pub net: Net,
    pub op_delay_ms: u64,
    rng: Prng,
    nodes: Vec<SimNode>,
    queue: BTreeMap<(u64, u64), Pending>,
    counter: u64,
    blocked: HashSet<(usize, usize)>,
    auth: Auth,
    keys: AuthKeys,
    pub log: Vec<LogLine>,
    pub ops: Vec<Op>,
    /// Times at which some group ran on two nodes at once.
    pub overlaps: Vec<(u64, usize)>,
    overlap_active: Vec<bool>,
    pub packets_sent: u64,
    /// Nodes whose ping nodes do not answer (their uplink is cut).
    pub ping_cut: HashSet<usize>,
}

/// Two nodes, `alpha` and `beta`, each the home of one group, with
/// keepalive 1 s / deadtime 5 s (warntime and initdead as the legacy
/// derives them).
pub fn two_node_config(mode: FailbackMode) -> Config {
    let mut c = Config::new("alpha", &["alpha", "beta"]);
    c.keepalive_ms = 1000;
    c.deadtime_ms = 5000;
    c.warntime_ms = 2500;
    c.initdead_ms = 12_000;
    c.auto_failback = mode;
    c.groups = vec![
        Group {
            key: "IPaddr::192.168.72.8/24/eth0".into(),
            home: "alpha".into(),
        },
        Group {
            key: "IPaddr::192.168.72.9/24/eth0".into(),
            home: "beta".into(),
        },
    ];
    c
}

impl Sim {
    /// A cluster of the configured nodes, all powered off.
    pub fn new(template: &Config, net: Net, seed: u64) -> Sim {
        let auth = Auth::new(1, Method::Sha1, "testsecret").expect("valid key");
        let nodes = template
            .nodes
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut cfg = template.clone();
                cfg.node_name = name.clone();
                let mut uuid = [0u8; 16];
                uuid[0] = i as u8 + 1;
                cfg.uuid = Some(uuid);
                SimNode {
                    name: name.clone(),
                    running: vec![false; cfg.groups.len()],
                    cfg,
                    node: None,
                    skew: CLOCK_BASE_MS,
                    generation: 100 * (i as u64 + 1),
                    boot: 0,
                }
            })
            .collect();
        Sim {
            now: 0,
            net,
            op_delay_ms: 100,
            rng: Prng::new(seed),
            nodes,
            queue: BTreeMap::new(),
            counter: 0,
            blocked: HashSet::new(),
            keys: AuthKeys::new(auth.clone()),
            auth,
            log: Vec::new(),
            ops: Vec::new(),
            overlaps: Vec::new(),
            overlap_active: Vec::new(),
            packets_sent: 0,
            ping_cut: HashSet::new(),
        }
    }

    pub fn index(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .expect("node exists")
    }

    fn local_time(&self, i: usize) -> Time {
        Time::from_ms((self.now as i64 + self.nodes[i].skew).max(0) as u64)
    }

    /// Powers node `i` on with a fresh generation, as a restarted daemon.
    pub fn boot(&mut self, i: usize) {
        let now = self.local_time(i);
        let n = &mut self.nodes[i];
        n.generation += 1;
        n.boot += 1;
        n.cfg.generation = n.generation;
        n.node = Some(Node::new(n.cfg.clone(), now).expect("valid config"));
        let actions = self.nodes[i]
            .node
            .as_mut()
            .map(|n| n.handle(now, Event::Tick))
            .unwrap_or_default();
        self.apply(i, actions);
    }

    /// Power loss: the node and everything it ran vanish at once.
    pub fn kill(&mut self, i: usize) {
        let n = &mut self.nodes[i];
        n.node = None;
        n.boot += 1;
        n.running.iter_mut().for_each(|r| *r = false);
    }

    pub fn is_up(&self, i: usize) -> bool {
        self.nodes[i].node.is_some()
    }

    pub fn node(&self, i: usize) -> Option<&Node> {
        self.nodes[i].node.as_ref()
    }

    /// An operator command or other input to node `i` now.
    pub fn command(&mut self, i: usize, event: Event) {
        self.deliver(i, event);
    }

    /// Drops every packet from `from` to `to` until `heal`.
    pub fn block(&mut self, from: usize, to: usize) {
        self.blocked.insert((from, to));
    }

    pub fn partition(&mut self, a: usize, b: usize) {
        self.block(a, b);
        self.block(b, a);
    }

    pub fn heal(&mut self) {
        self.blocked.clear();
    }

    /// Steps node `i`'s clock by `delta_ms` (negative: backwards).
    pub fn step_clock(&mut self, i: usize, delta_ms: i64) {
        self.nodes[i].skew += delta_ms;
    }

    fn deliver(&mut self, i: usize, event: Event) {
        let now = self.local_time(i);
        let actions = match self.nodes[i].node.as_mut() {
            Some(n) => n.handle(now, event),
            None => return,
        };
        self.apply(i, actions);
    }

    fn schedule(&mut self, at: u64, p: Pending) {
        self.counter += 1;
        self.queue.insert((at, self.counter), p);
    }

    fn apply(&mut self, i: usize, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Send(mut m) => {
                    // The driver pings with every status message.
                    if m.get_str("t") == Some("status") && !self.ping_cut.contains(&i) {
                        for p in self.nodes[i].cfg.ping_nodes.clone() {
                            self.schedule(
                                self.now + 1,
                                Pending::PingReply {
                                    to: i,
                                    name: p.name,
                                },
                            );
                        }
                    }
                    complete_for_wire(
                        &mut m,
                        1_700_000_000 + self.now / 1000,
                        b"0.00 0.00 0.00 1/1 1",
                        3,
                    );
                    self.auth.add_body_auth(&mut m).expect("signable");
                    let bytes = encode_netstring(&m, &self.auth).expect("encodable");
                    self.packets_sent += 1;
                    for j in 0..self.nodes.len() {
                        if j == i
                            || self.blocked.contains(&(i, j))
                            || self.rng.chance(self.net.loss)
                        {
                            continue;
                        }
                        let delay = self.rng.range(self.net.delay_min_ms, self.net.delay_max_ms);
                        self.schedule(
                            self.now + delay,
                            Pending::Packet {
                                to: j,
                                bytes: bytes.clone(),
                            },
                        );
                    }
                }
                Action::Log(level, text) => self.log.push(LogLine {
                    at: self.now,
                    node: i,
                    level,
                    text,
                }),
                Action::NodeStatus { .. } => {}
                Action::AcquireGroup(g) => {
                    self.nodes[i].running[g] = true;
                    self.op(i, g, true);
                }
                Action::ReleaseGroup(g) => self.op(i, g, false),
                Action::ShutdownComplete => {
                    assert!(
                        self.nodes[i].running.iter().all(|r| !r),
                        "{} finished shutdown while still running groups",
                        self.nodes[i].name
                    );
                    self.nodes[i].node = None;
                    self.nodes[i].boot += 1;
                }
            }
        }
    }

    fn op(&mut self, i: usize, group: usize, acquire: bool) {
        self.ops.push(Op {
            at: self.now,
            node: i,
            group,
            acquire,
        });
        let event = if acquire {
            Event::GroupAcquired(group)
        } else {
            Event::GroupReleased(group)
        };
        let boot = self.nodes[i].boot;
        self.schedule(
            self.now + self.op_delay_ms,
            Pending::OpDone {
                node: i,
                boot,
                event,
            },
        );
    }

    fn next_node_deadline(&self) -> Option<(u64, usize)> {
        (0..self.nodes.len())
            .filter_map(|i| {
                let d = self.nodes[i].node.as_ref()?.next_deadline()?;
                let global = (d.as_ms() as i64 - self.nodes[i].skew).max(self.now as i64) as u64;
                Some((global, i))
            })
            .min()
    }

    /// Runs the cluster until global time `t_end`.
    pub fn run_until(&mut self, t_end: u64) {
        for _ in 0..MAX_STEPS {
            let q = self.queue.first_key_value().map(|(k, _)| k.0);
            let d = self.next_node_deadline();
            let next = match (q, d) {
                (Some(q), Some((d, _))) => q.min(d),
                (Some(q), None) => q,
                (None, Some((d, _))) => d,
                (None, None) => t_end,
            };
            if next > t_end {
                self.now = t_end;
                return;
            }
            self.now = next;
            if q == Some(next) {
                if let Some((_, p)) = self.queue.pop_first() {
                    self.process(p);
                }
            } else if let Some((_, i)) = d {
                self.deliver(i, Event::Tick);
            }
            self.monitor();
            if next == t_end && q.is_none() && d.is_none() {
                return;
            }
        }
        panic!("simulation did not reach t={t_end} within {MAX_STEPS} steps");
    }

    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.now + ms);
    }

    fn process(&mut self, p: Pending) {
        match p {
            Pending::PingReply { to, name } => {
                if !self.ping_cut.contains(&to) {
                    self.deliver(to, Event::PingReply(name));
                }
            }
            Pending::Packet { to, bytes } => {
                let decoded = decode(&bytes).expect("our own encoding decodes");
                self.keys
                    .verify(&decoded, &bytes)
                    .expect("our own signature verifies");
                self.deliver(to, Event::Received(decoded.message));
            }
            Pending::OpDone { node, boot, event } => {
                if self.nodes[node].boot != boot {
                    return;
                }
                if let Event::GroupReleased(g) = event {
                    self.nodes[node].running[g] = false;
                }
                self.deliver(node, event);
            }
        }
    }

    /// Records the start of every period in which a group runs twice.
    fn monitor(&mut self) {
        let groups = self.nodes.first().map_or(0, |n| n.running.len());
        self.overlap_active.resize(groups, false);
        for g in 0..groups {
            let double = self.owners(g).len() > 1;
            if double && !self.overlap_active[g] {
                self.overlaps.push((self.now, g));
            }
            self.overlap_active[g] = double;
        }
    }

    /// Nodes on which group `g` may be running.
    pub fn owners(&self, g: usize) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].running[g])
            .collect()
    }

    /// Node names owning each group, for assertion messages.
    pub fn ownership(&self) -> Vec<Vec<String>> {
        (0..self.nodes.first().map_or(0, |n| n.running.len()))
            .map(|g| {
                self.owners(g)
                    .into_iter()
                    .map(|i| self.nodes[i].name.clone())
                    .collect()
            })
            .collect()
    }

    /// Log lines of node `i` containing `text`, at or after `since`.
    pub fn logs(&self, i: usize, text: &str, since: u64) -> Vec<&LogLine> {
        self.log
            .iter()
            .filter(|l| l.node == i && l.at >= since && l.text.contains(text))
            .collect()
    }

    /// Log lines at `level` or worse, at or after `since`.
    pub fn logs_at_least(&self, level: Level, since: u64) -> Vec<&LogLine> {
        self.log
            .iter()
            .filter(|l| l.level >= level && l.at >= since)
            .collect()
    }

    /// The first acquire of `group` by node `i` at or after `since`.
    pub fn first_acquire(&self, i: usize, group: usize, since: u64) -> Option<u64> {
        self.ops
            .iter()
            .find(|o| o.node == i && o.group == group && o.acquire && o.at >= since)
            .map(|o| o.at)
    }

    pub fn overlaps_since(&self, since: u64) -> Vec<(u64, usize)> {
        self.overlaps
            .iter()
            .copied()
            .filter(|o| o.0 >= since)
            .collect()
    }

    /// A compact trace for comparing two runs.
    pub fn trace(&self) -> Vec<String> {
        self.log
            .iter()
            .map(|l| format!("{} {} {:?} {}", l.at, l.node, l.level, l.text))
            .chain(self.ops.iter().map(|o| format!("{o:?}")))
            .collect()
    }
}
