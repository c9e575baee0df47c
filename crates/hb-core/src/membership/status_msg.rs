//! Handling of a peer's accepted `t=status` (`HBDoMsg_T_STATUS`, §2.3,
//! §5.3): staleness, flow control, late heartbeats, status changes and
//! the peer's deadtime.

use hb_proto::{names, Message};

use super::{MemberEvent, Membership};
use crate::action::{Action, Level};
use crate::status::NodeStatus;
use crate::time::Time;

/// How a status relates to the peer having been declared dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Revival {
    /// The peer was not dead.
    None,
    /// Same generation as before its death: it was partitioned from us.
    Healed,
    /// We had declared it dead (or never heard it before initdead) and it
    /// runs a new generation.
    FromDead,
}

impl Membership {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn status_message(
        &mut self,
        i: usize,
        now: Time,
        seq: u64,
        ts: u64,
        msg: &Message,
        revival: Revival,
        out: &mut Vec<Action>,
        ev: &mut Vec<MemberEvent>,
    ) {
        let Some(st) = msg.get_bytes(names::STATUS) else {
            out.push(Action::Log(
                Level::Error,
                "HBDoMsg_T_STATUS: status update without st field".into(),
            ));
            return;
        };
        let new_status = NodeStatus::from_wire(st);
        let Some(p) = self.peers.get(i) else {
            return;
        };
        // A retransmitted old status says nothing about now.
        if ts < p.last_ts && seq < p.status_seq {
            return;
        }
        if self.flow_control && msg.get_dec(names::PROTOCOL).is_none() {
            out.push(Action::Log(
                Level::Info,
                "flow control disabled due to different version heartbeat".into(),
            ));
            self.flow_control = false;
        }
        let mut died_late = false;
        if p.had_status && p.status != NodeStatus::Dead {
            let interval = now.since(p.last_status_at);
            if interval > self.deadtime.max(p.dead_timeout) {
                // Our own timer check ran too late to see it die; like the
                // legacy we declare it dead now, and it revives at once.
                out.push(Action::Log(
                    Level::Crit,
                    format!(
                        "Late heartbeat: Node {}: interval {interval} ms (> deadtime)",
                        p.name
                    ),
                ));
                self.mark_dead(i, out, ev);
                died_late = true;
            } else if interval > self.warntime {
                out.push(Action::Log(
                    Level::Warning,
                    format!("Late heartbeat: Node {}: interval {interval} ms", p.name),
                ));
            }
        }
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        if p.status != new_status {
            out.push(Action::Log(
                Level::Info,
                format!(
                    "Status update for node {}: status {}",
                    p.name,
                    new_status.as_str()
                ),
            ));
            p.status = new_status.clone();
            out.push(Action::NodeStatus {
                node: p.name.clone(),
                status: new_status,
            });
        }
        if let Some(dt) = msg.get_hex(names::DEADTIME).filter(|dt| *dt > 0) {
            if super::peer::announces_restart(p.dead_timeout, dt) {
                p.restart_announced = true;
            } else if dt < p.dead_timeout {
                p.restart_announced = false;
            }
            p.dead_timeout = dt;
        }
        p.last_ts = ts;
        p.last_status_at = now;
        p.status_seq = seq;
        p.had_status = true;
        p.next_probe = None;
        // A peer we thought dead that is already `active` ran resource
        // management without us: it may hold groups, like a healed one.
        let active_from_dead = revival == Revival::FromDead && p.status == NodeStatus::Active;
        match revival {
            Revival::Healed => {
                out.push(Action::Log(
                    Level::Crit,
                    format!("Cluster node {} returning after partition.", p.name),
                ));
                out.push(Action::Log(
                    Level::Warning,
                    "Deadtime value may be too small.".into(),
                ));
            }
            Revival::FromDead if active_from_dead => out.push(Action::Log(
                Level::Info,
                format!(
                    "Node {} restarted and is already active: checking resource ownership",
                    p.name
                ),
            )),
            _ => {}
        }
        if revival == Revival::Healed || died_late || active_from_dead {
            ev.push(MemberEvent::PeerReturned {
                peer: p.name.clone(),
                partition: !active_from_dead,
            });
        }
        self.unpark(i, out, ev);
    }
}
