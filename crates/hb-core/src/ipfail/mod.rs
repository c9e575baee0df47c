//! The built-in ipfail: 3.0.6's `contrib/ipfail` decisions, spoken with
//! the same messages, so that this node and a legacy node running the
//! real ipfail agree on which of them gives its resources away when one
//! loses sight of its ping nodes (facts:
//! docs/facts/heartbeat-ipfail-respawn-reload.md §2).
//!
//! The legacy ipfail is an API client: its messages travel as cluster
//! messages with `from_id=ipfail to_id=ipfail` and reach only the peer's
//! ipfail. Here it lives inside the node: [`crate::Node`] feeds it ping
//! node changes, the peer's messages and the clock, and turns a giveup
//! into the ordinary standby exchange (`ask_resources … info=me`), which
//! is all the legacy's giveup sends too.
//!
//! It starts when communication comes up, as the legacy's respawned
//! ipfail does, and refuses `auto_failback legacy` as the legacy does
//! (which then exits 100 and is not respawned).

use hb_proto::{names, Message};

use crate::action::{Action, Level};
use crate::config::{Config, FailbackMode};
use crate::messages::{build, fields, types};
use crate::rscset::RscSet;
use crate::time::Time;

/// The client id of ipfail on both sides (`from_id`/`to_id`).
const CLIENT: &str = "ipfail";
/// The legacy sleeps this long (blocking) before asking for the count
/// again after a giveup that had to wait for a stable peer.
const RECOUNT_DELAY_MS: u64 = 10_000;

/// The message types ipfail sends and understands.
pub mod wire {
    pub const NUM_PING_NODES: &str = "num_ping_nodes";
    pub const ABORT_GIVEUP: &str = "abort_giveup";
    pub const YOU_ARE_DEAD: &str = "you_are_dead";
    pub const CLIENT_STATUS: &str = "hbapi-clstat";
    pub const NUM_PING: &str = "num_ping";
    pub const FROM_ID: &str = "from_id";
    pub const TO_ID: &str = "to_id";
    pub const CLIENT_GEN: &str = "client_gen";
    pub const QUERY_CLIENT_STATUS: &str = "query-cstatus";
    pub const RESPOND_CLIENT_STATUS: &str = "respond-cstatus";
    pub const CLIENT_NAME: &str = "cn";
    pub const CLIENT_STATE: &str = "cs";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No ipfail line in ha.cf.
    Off,
    /// Configured; waits for communication to come up.
    Waiting,
    Running,
    /// `auto_failback legacy`: refused, as the legacy's exit 100.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Giveup {
    at: Time,
    set: RscSet,
    /// Named in the log as the legacy names its glib timer.
    id: u32,
}

/// What ipfail needs to know of the node at each input.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// Ping nodes whose status is `ping`.
    pub count: usize,
    /// Our resources are not in transition (`getrsc` is not `transition`).
    pub stable: bool,
}

#[derive(Debug, Clone)]
pub struct Ipfail {
    state: State,
    me: String,
    partner: Option<String>,
    delay_ms: u64,
    auto_failback: bool,
    legacy_mode: bool,
    pending: Option<Giveup>,
    timers: u32,
    need_standby: bool,
    /// The partner's last `isstable`: the legacy keeps it but decides
    /// nothing on it (its debug output only, which heartbeatd leaves out
    /// so that ha-log reads as the legacy's).
    partner_stable: bool,
    recount_at: Option<Time>,
}

impl Ipfail {
    pub fn new(cfg: &Config) -> Self {
        Ipfail {
            state: if cfg.ipfail {
                State::Waiting
            } else {
                State::Off
            },
            me: cfg.node_name.clone(),
            // The legacy's partner: the last other normal node.
            partner: cfg.peers().last().map(str::to_string),
            delay_ms: 2 * cfg.keepalive_ms,
            auto_failback: cfg.auto_failback == FailbackMode::On,
            legacy_mode: cfg.auto_failback == FailbackMode::Legacy,
            pending: None,
            timers: 0,
            need_standby: false,
            partner_stable: false,
            recount_at: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.state == State::Running
    }

    /// Communication is up: ipfail starts (or refuses to).
    pub fn start(&mut self, out: &mut Vec<Action>) {
        if self.state != State::Waiting {
            return;
        }
        if self.legacy_mode {
            out.push(Action::Log(
                Level::Error,
                "auto_failback set to incompatible legacy option.".into(),
            ));
            self.state = State::Refused;
            return;
        }
        self.state = State::Running;
        // What the legacy's heartbeat broadcasts when ipfail signs on; the
        // peer's ipfail answers it with its count.
        out.push(Action::Send(build(
            wire::CLIENT_STATUS,
            &[
                (hb_proto::names::STATUS, "join"),
                (wire::FROM_ID, CLIENT),
                (wire::TO_ID, CLIENT),
                (names::SRC, &self.me),
                (fields::INFO, "signon"),
                (wire::CLIENT_GEN, "0"),
            ],
        )));
    }

    /// A ping node's status became `ping` or `dead`.
    pub fn node_status(&mut self, dead: bool, view: View, out: &mut Vec<Action>) {
        if !self.is_running() {
            return;
        }
        if dead {
            let text = if view.count > 0 {
                "NS: We are still alive!"
            } else {
                "NS: We are dead. :<"
            };
            out.push(Action::Log(Level::Info, text.into()));
        } else {
            out.push(Action::Log(Level::Info, "A ping node just came up.".into()));
            self.send_count(view.count, out);
        }
    }

    /// A link went dead.
    pub fn link_dead(&mut self, view: View, out: &mut Vec<Action>) {
        if !self.is_running() {
            return;
        }
        if view.count > 0 {
            out.push(Action::Log(
                Level::Info,
                "Checking remote count of ping nodes.".into(),
            ));
        } else {
            out.push(Action::Log(Level::Info, "We are dead. :<".into()));
        }
        self.send_count(view.count, out);
    }

    /// A message from the peer, in sequence order.
    pub fn peer_message(&mut self, now: Time, msg: &Message, view: View, out: &mut Vec<Action>) {
        let t = msg.get_str(names::TYPE).unwrap_or("");
        if t == wire::QUERY_CLIENT_STATUS {
            self.answer_client_query(msg, out);
            return;
        }
        if !self.is_running() {
            return;
        }
        if t == types::RESOURCES {
            self.on_resource(now, msg);
            return;
        }
        // The legacy's API hands a message with `to_id` only to that
        // client, and one without to every client (seen live: a legacy
        // ipfail acts on a `you_are_dead` that has no `to_id`).
        if msg.get(wire::TO_ID).is_some() && msg.get_str(wire::TO_ID) != Some(CLIENT) {
            return;
        }
        match t {
            wire::CLIENT_STATUS => {
                let joined = msg.get_str(hb_proto::names::STATUS) == Some("join")
                    && msg.get_str(wire::FROM_ID) == Some(CLIENT)
                    && msg.get_str(names::SRC).is_some_and(|s| s != self.me);
                if joined {
                    self.send_count(view.count, out);
                }
            }
            wire::NUM_PING_NODES => {
                let Some(theirs) = msg
                    .get_str(wire::NUM_PING)
                    .and_then(|n| n.trim().parse::<usize>().ok())
                else {
                    out.push(Action::Log(
                        Level::Warning,
                        "num_ping_nodes without a valid num_ping: ignored".into(),
                    ));
                    return;
                };
                self.on_count(now, theirs, view, out);
            }
            wire::YOU_ARE_DEAD => {
                out.push(Action::Log(
                    Level::Info,
                    "Giving up because we were told that we have less ping nodes.".into(),
                ));
                self.schedule(now, RscSet::ALL, out);
            }
            wire::ABORT_GIVEUP => match self.pending.take() {
                Some(g) => out.push(Action::Log(
                    Level::Info,
                    format!("Aborted delayed giveup ({})", g.id),
                )),
                None => out.push(Action::Log(Level::Info, "No giveup timer to abort.".into())),
            },
            _ => {}
        }
    }

    /// The peer's `cl_status clientstatus <us> <client>`: ipfail is the
    /// only client here, online while it runs (`api_clientstatus`).
    fn answer_client_query(&self, msg: &Message, out: &mut Vec<Action>) {
        let (Some(src), Some(cn), Some(from)) = (
            msg.get_str(names::SRC),
            msg.get_str(wire::CLIENT_NAME),
            msg.get_str(wire::FROM_ID),
        ) else {
            return;
        };
        let online = cn == CLIENT && self.is_running();
        out.push(Action::Send(build(
            wire::RESPOND_CLIENT_STATUS,
            &[
                (names::DEST, src),
                (fields::RESULT, "OK"),
                (wire::CLIENT_NAME, cn),
                (wire::TO_ID, from),
                (
                    wire::CLIENT_STATE,
                    if online { "online" } else { "offline" },
                ),
            ],
        )));
    }

    fn on_count(&mut self, now: Time, theirs: usize, view: View, out: &mut Vec<Action>) {
        let ours = view.count;
        if ours > theirs {
            out.push(Action::Log(
                Level::Info,
                "Telling other node that we have more visible ping nodes.".into(),
            ));
            self.send_to_partner(wire::YOU_ARE_DEAD, &[], out);
        } else if ours < theirs {
            out.push(Action::Log(
                Level::Info,
                "Giving up because we have less visible ping nodes.".into(),
            ));
            self.schedule(now, RscSet::ALL, out);
        } else {
            out.push(Action::Log(
                Level::Info,
                "Ping node count is balanced.".into(),
            ));
            self.send_to_partner(wire::ABORT_GIVEUP, &[(names::SRC, &self.me.clone())], out);
            if let Some(g) = self.pending.take() {
                out.push(Action::Log(
                    Level::Info,
                    format!("Aborted delayed giveup ({})", g.id),
                ));
            } else if self.auto_failback && view.stable {
                out.push(Action::Log(
                    Level::Info,
                    "Giving up foreign resources (auto_failback).".into(),
                ));
                self.schedule(now, RscSet::FOREIGN, out);
            }
        }
    }

    /// The partner's `t=resource`: whether it is stable now.
    fn on_resource(&mut self, now: Time, msg: &Message) {
        if msg.get_str(names::SRC) != self.partner.as_deref() {
            return;
        }
        match msg.get_str(fields::ISSTABLE) {
            Some("1") if msg.get(fields::INFO).is_none() => {
                self.partner_stable = true;
                if self.need_standby {
                    self.recount_at = Some(now.plus(RECOUNT_DELAY_MS));
                }
            }
            Some(_) => self.partner_stable = false,
            None => {}
        }
    }

    /// `delay_giveup`: a giveup of `set` after two keepalives, replacing
    /// any pending one.
    fn schedule(&mut self, now: Time, set: RscSet, out: &mut Vec<Action>) {
        self.timers += 1;
        self.pending = Some(Giveup {
            at: now.plus(self.delay_ms),
            set,
            id: self.timers,
        });
        out.push(Action::Log(
            Level::Info,
            format!("Delayed giveup in {} seconds.", self.delay_ms / 1000),
        ));
    }

    /// Runs due timers; returns the set to give away now, if any.
    pub fn tick(&mut self, now: Time, view: View, out: &mut Vec<Action>) -> Option<RscSet> {
        if !self.is_running() {
            return None;
        }
        if self.recount_at.is_some_and(|t| now >= t) {
            self.recount_at = None;
            self.need_standby = false;
            self.send_count(view.count, out);
        }
        let g = self.pending.filter(|g| now >= g.at)?;
        self.pending = None;
        out.push(Action::Log(
            Level::Info,
            "giveup() called (timeout worked)".into(),
        ));
        if view.stable {
            self.need_standby = false;
            Some(g.set)
        } else {
            // Wait for the partner to say it is stable, then count again.
            self.need_standby = true;
            None
        }
    }

    pub fn next_deadline(&self) -> Option<Time> {
        if !self.is_running() {
            return None;
        }
        match (self.pending.map(|g| g.at), self.recount_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn send_count(&mut self, count: usize, out: &mut Vec<Action>) {
        out.push(Action::Log(
            Level::Info,
            "Asking other side for ping node count.".into(),
        ));
        let n = count.to_string();
        self.send_to_partner(
            wire::NUM_PING_NODES,
            &[(names::SRC, &self.me.clone()), (wire::NUM_PING, &n)],
            out,
        );
    }

    /// A message to the partner's ipfail, fields as the legacy orders them.
    fn send_to_partner(&self, t: &str, head: &[(&str, &str)], out: &mut Vec<Action>) {
        let Some(partner) = self.partner.as_deref() else {
            return;
        };
        let mut f: Vec<(&str, &str)> = head.to_vec();
        f.extend([
            (names::DEST, partner),
            (wire::FROM_ID, CLIENT),
            (wire::TO_ID, CLIENT),
            (wire::CLIENT_GEN, "0"),
        ]);
        out.push(Action::Send(build(t, &f)));
    }
}

#[cfg(test)]
mod tests;
