//! One heartbeat node: membership and resources behind a single
//! event-in, actions-out interface, with the clock mapping, message
//! stamping and retransmission answers in between.

use crate::action::{Action, Level};
use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::event::Event;
use crate::history::Answer;
use crate::ipfail::{Ipfail, View};
use crate::membership::{MemberEvent, Membership};
use crate::outbox::Outbox;
use crate::ping::{PingEvent, PingNodes, PingStatus};
use crate::resources::{GroupState, Resources};
use crate::rexmit;
use crate::rscset::RscSet;
use crate::status::NodeStatus;
use crate::time::Time;

/// A heartbeat node without I/O. Feed it [`Event`]s with the current time
/// and carry out the returned [`Action`]s in order; call
/// [`Node::handle`] with [`Event::Tick`] at [`Node::next_deadline`].
#[derive(Debug, Clone)]
pub struct Node {
    cfg: Config,
    clock: Clock,
    membership: Membership,
    resources: Resources,
    outbox: Outbox,
    ping: PingNodes,
    ipfail: Ipfail,
    finished: bool,
    /// A reloaded group list, in `cfg` once resources apply it.
    pending_groups: Option<Vec<crate::config::Group>>,
}

impl Node {
    /// A node starting at `now`. The first call to `handle` (any event)
    /// sends its first status.
    pub fn new(cfg: Config, now: Time) -> Result<Node, ConfigError> {
        cfg.validate()?;
        Ok(Node {
            clock: Clock::new(now, cfg.keepalive_ms),
            membership: Membership::new(&cfg, now),
            resources: Resources::new(&cfg),
            outbox: Outbox::new(&cfg.node_name, cfg.uuid, cfg.generation),
            ping: PingNodes::new(&cfg, now),
            ipfail: Ipfail::new(&cfg),
            finished: false,
            pending_groups: None,
            cfg,
        })
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Processes one event at `now` (the driver's monotonic clock).
    #[must_use = "the actions must be carried out"]
    pub fn handle(&mut self, now: Time, event: Event) -> Vec<Action> {
        if self.finished {
            return Vec::new();
        }
        let (now, jump) = self.clock.advance(now);
        let mut out = Vec::new();
        if let Some(j) = jump {
            out.push(Action::Log(Level::Warning, j.describe()));
        }
        let mut ev = Vec::new();
        let mut pings = Vec::new();
        match event {
            Event::Tick => {}
            Event::PingReply(name) => self.ping.reply(now, &name, &mut out, &mut pings),
            Event::Received(msg) => self.membership.receive(now, msg, &mut out, &mut ev),
            Event::GroupAcquired(i) => self.resources.group_done(now, i, true, &mut out),
            Event::GroupReleased(i) => self.resources.group_done(now, i, false, &mut out),
            Event::Standby(set) => self.resources.standby(now, set, &mut out),
            Event::Takeover(set) => self.resources.takeover(now, set, &mut out),
            Event::Shutdown => self.resources.shutdown(now, &mut out),
            Event::Reload { cfg, changed } => self.reload(now, *cfg, changed, &mut out),
        }
        self.ping
            .tick(now, self.membership.is_comm_up(), &mut out, &mut pings);
        // Comm-up waits for the ping nodes too, as in the legacy.
        self.membership.set_others_settled(self.ping.settled());
        self.membership.tick(now, &mut out, &mut ev);
        let mut resends = Vec::new();
        for e in ev {
            self.route(now, e, &mut out, &mut resends);
        }
        self.run_ipfail(now, pings, &mut out);
        self.sync_peer_view();
        self.resources.tick(now, &mut out);
        self.finish(out, resends)
    }

    /// Takes a reloaded configuration in place (see `crate::reload`).
    fn reload(&mut self, now: Time, mut cfg: Config, changed: Vec<String>, out: &mut Vec<Action>) {
        cfg.generation = self.cfg.generation;
        cfg.uuid = self.cfg.uuid;
        // Ping nodes and ipfail are set up once (the driver's pingers
        // too): a change waits for the next start, and the running
        // config keeps saying what runs.
        cfg.ping_nodes = self.cfg.ping_nodes.clone();
        cfg.deadping_ms = self.cfg.deadping_ms;
        cfg.ipfail = self.cfg.ipfail;
        if let Some(why) = crate::reload::refusal(&self.cfg, &cfg) {
            out.push(Action::Log(Level::Error, why));
            return;
        }
        self.clock.set_keepalive(cfg.keepalive_ms);
        self.membership.reconfigure(now, &cfg, out);
        self.resources
            .reload(now, &cfg.groups, cfg.auto_failback, changed, out);
        self.pending_groups = Some(std::mem::take(&mut cfg.groups));
        cfg.groups = std::mem::take(&mut self.cfg.groups);
        self.cfg = cfg;
    }

    fn sync_peer_view(&mut self) {
        let Some(p) = self.cfg.peers().next() else {
            return;
        };
        let alive = self.membership.peer_alive(p);
        let status = self
            .membership
            .peer_status(p)
            .cloned()
            .unwrap_or(NodeStatus::Init);
        self.resources.set_peer_view(alive, &status);
    }

    fn route(
        &mut self,
        now: Time,
        e: MemberEvent,
        out: &mut Vec<Action>,
        resends: &mut Vec<hb_proto::Message>,
    ) {
        self.sync_peer_view();
        match e {
            MemberEvent::CommUp => {
                self.resources.comm_up(now, out);
                self.ipfail.start(out);
            }
            MemberEvent::PeerDead { .. } => {
                self.resources.peer_dead(now, out);
                // ipfail hears of the death and of the peer's links dying.
                let view = self.ipfail_view();
                self.ipfail.node_status(true, view, out);
                self.ipfail.link_dead(view, out);
            }
            MemberEvent::PeerRestarted {
                announced: true,
                was_dead: false,
                ..
            } => self.resources.peer_restarted_in_place(now, out),
            MemberEvent::PeerRestarted { was_dead, .. } => {
                self.resources.peer_restarted(now, was_dead, out)
            }
            MemberEvent::PeerReturned { partition, .. } => {
                self.resources.peer_returned(now, partition, out)
            }
            MemberEvent::Deliver { msg, .. } => {
                self.resources.peer_message(now, &msg, out);
                let view = self.ipfail_view();
                self.ipfail.peer_message(now, &msg, view, out);
            }
            MemberEvent::RexmitRequest { peer, first, last } => {
                let min_interval = self.cfg.max_rexmit_delay_ms.saturating_sub(10);
                for a in self.outbox.answer(first, last, now, min_interval) {
                    match a {
                        Answer::Resend(m) => resends.push(m),
                        Answer::Nak { seq, info } => {
                            out.push(Action::Send(rexmit::nak(&peer, seq, info)))
                        }
                        Answer::TooHigh { seq, max } => out.push(Action::Log(
                            Level::Warning,
                            format!("Rexmit of seq {seq} requested. {max} is max."),
                        )),
                    }
                }
            }
        }
    }

    fn ipfail_view(&self) -> View {
        View {
            count: self.ping.count_alive(),
            stable: self.resources.rsc_state().is_some(),
        }
    }

    /// Hands ping node changes to ipfail and carries out a due giveup
    /// as `hb_standby` does.
    fn run_ipfail(&mut self, now: Time, pings: Vec<PingEvent>, out: &mut Vec<Action>) {
        for p in pings {
            let view = self.ipfail_view();
            match p {
                PingEvent::Status(_, s) => {
                    self.ipfail.node_status(s == PingStatus::Dead, view, out)
                }
                PingEvent::LinkDead(_) => self.ipfail.link_dead(view, out),
            }
        }
        let view = self.ipfail_view();
        if let Some(set) = self.ipfail.tick(now, view, out) {
            self.sync_peer_view();
            self.resources.standby(now, set, out);
        }
    }

    /// Stamps new messages, appends retransmissions, and stops membership
    /// once `shutdone` went out.
    fn finish(&mut self, out: Vec<Action>, resends: Vec<hb_proto::Message>) -> Vec<Action> {
        let mut done = Vec::with_capacity(out.len() + resends.len());
        for a in out {
            match a {
                Action::Send(m) => done.push(Action::Send(self.outbox.stamp(m))),
                Action::ShutdownComplete => {
                    self.membership.stop();
                    self.finished = true;
                    done.push(Action::ShutdownComplete);
                }
                Action::Regroup(origin) => {
                    if let Some(g) = self.pending_groups.take() {
                        self.cfg.groups = g;
                    }
                    done.push(Action::Regroup(origin));
                }
                other => done.push(other),
            }
        }
        done.extend(resends.into_iter().map(Action::Send));
        done
    }

    /// When to call `handle(Event::Tick)` next, on the driver's clock;
    /// `None` once shut down.
    pub fn next_deadline(&self) -> Option<Time> {
        if self.finished {
            return None;
        }
        let next = [
            self.membership.next_deadline(),
            self.resources.next_deadline(),
            self.ping.next_deadline(self.membership.is_comm_up()),
            self.ipfail.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        next.map(|t| self.clock.to_raw(t))
    }

    /// Our own status (`up` until communication is up, then `active`).
    pub fn status(&self) -> &NodeStatus {
        self.membership.own_status()
    }

    pub fn peer_status(&self, name: &str) -> Option<&NodeStatus> {
        self.membership.peer_status(name)
    }

    /// The sets we hold (`i_hold_resources`), as `rsc_hold` says them.
    pub fn held(&self) -> RscSet {
        self.resources.held()
    }

    /// The answer to `cl_status rscstatus`: `none`, `local`, `foreign`,
    /// `all`, or `transition` while resources are moving.
    pub fn rscstatus(&self) -> &'static str {
        self.resources
            .rsc_state()
            .map_or("transition", RscSet::word)
    }

    /// State of each configured group on this node, in haresources order.
    pub fn group_states(&self) -> Vec<GroupState> {
        self.resources.group_states()
    }

    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    pub fn membership(&self) -> &Membership {
        &self.membership
    }

    /// The ping nodes and their status.
    pub fn ping_nodes(&self) -> &PingNodes {
        &self.ping
    }

    /// `shutdone` was sent; the node does nothing more.
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FailbackMode, Group};

    fn cfg(me: &str) -> Config {
        let mut c = Config::new(me, &["alpha", "beta"]);
        c.keepalive_ms = 1000;
        c.deadtime_ms = 5000;
        c.warntime_ms = 2500;
        c.initdead_ms = 12_000;
        c.generation = 7;
        c.uuid = Some([9; 16]);
        c.auto_failback = FailbackMode::On;
        c.groups = vec![Group {
            key: "ga".into(),
            home: "alpha".into(),
        }];
        c
    }

    fn sends(actions: &[Action]) -> Vec<hb_proto::Message> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    /// What a driver does before handing our message to the peer.
    fn wire(mut m: hb_proto::Message) -> hb_proto::Message {
        crate::complete_for_wire(&mut m, 0x65f1_c2a0, b"0.00", 3);
        m
    }

    #[test]
    fn rejects_invalid_config() {
        let mut c = cfg("alpha");
        c.node_name = "gamma".into();
        assert!(Node::new(c, Time::ZERO).is_err());
    }

    #[test]
    fn stamps_sequence_generation_and_source() {
        let mut n = Node::new(cfg("alpha"), Time::ZERO).expect("valid");
        let s = sends(&n.handle(Time::ZERO, Event::Tick));
        assert_eq!(s[0].get_str("src"), Some("alpha"));
        assert_eq!(s[0].get_binary("srcuuid"), Some(&[9u8; 16][..]));
        assert_eq!(s[0].get_hex("seq"), Some(1));
        assert_eq!(s[0].get_hex("hg"), Some(7));
        let s = sends(&n.handle(Time::from_ms(1000), Event::Tick));
        assert_eq!(s[0].get_hex("seq"), Some(2));
    }

    #[test]
    fn answers_retransmission_requests_from_history() {
        let mut a = Node::new(cfg("alpha"), Time::ZERO).expect("valid");
        let mut b = Node::new(cfg("beta"), Time::ZERO).expect("valid");
        let first = sends(&a.handle(Time::ZERO, Event::Tick));
        let _ = a.handle(Time::from_ms(1000), Event::Tick);
        let third = sends(&a.handle(Time::from_ms(2000), Event::Tick));
        let _ = b.handle(Time::ZERO, Event::Tick);
        // Beta sees seq 1 and 3: seq 2 is missing.
        let _ = b.handle(Time::from_ms(10), Event::Received(wire(first[0].clone())));
        let _ = b.handle(Time::from_ms(2010), Event::Received(wire(third[0].clone())));
        let due = b.next_deadline().expect("deadline");
        let reqs: Vec<_> = sends(&b.handle(due, Event::Tick))
            .into_iter()
            .filter(|m| m.get_str("t") == Some("NS_rexmit"))
            .collect();
        assert_eq!(reqs[0].get_str("firstseq"), Some("2"));
        assert_eq!(reqs[0].get_str("dest"), Some("alpha"));
        let resent: Vec<_> = sends(&a.handle(due, Event::Received(wire(reqs[0].clone()))))
            .into_iter()
            .filter(|m| m.get_hex("seq") == Some(2))
            .collect();
        assert_eq!(resent.len(), 1);
        assert_eq!(resent[0].get_str("t"), Some("status"));
    }

    #[test]
    fn deadlines_follow_the_drivers_clock_after_a_jump() {
        let mut n = Node::new(cfg("alpha"), Time::from_ms(1_000_000)).expect("valid");
        let _ = n.handle(Time::from_ms(1_000_000), Event::Tick);
        assert_eq!(n.next_deadline(), Some(Time::from_ms(1_001_000)));
        let acts = n.handle(Time::from_ms(1_100_000), Event::Tick);
        assert!(acts.iter().any(
            |a| matches!(a, Action::Log(Level::Warning, t) if t.starts_with("Clock jumped forward"))
        ));
        assert_eq!(n.next_deadline(), Some(Time::from_ms(1_101_000)));
        let _ = n.handle(Time::from_ms(500_000), Event::Tick);
        assert_eq!(n.next_deadline(), Some(Time::from_ms(501_000)));
    }

    #[test]
    fn nothing_happens_after_shutdown() {
        let mut n = Node::new(cfg("alpha"), Time::ZERO).expect("valid");
        let _ = n.handle(Time::ZERO, Event::Tick);
        let acts = n.handle(Time::from_ms(10), Event::Shutdown);
        assert!(acts.contains(&Action::ShutdownComplete));
        let done = sends(&acts);
        assert_eq!(done.last().and_then(|m| m.get_str("t")), Some("shutdone"));
        assert!(n.is_finished());
        assert_eq!(n.next_deadline(), None);
        assert!(n.handle(Time::from_ms(20), Event::Tick).is_empty());
    }
}
