//! The receive path: header checks, `NS_*` control packets, sequence
//! accounting, acks, and routing to status handling or in-order delivery
//! (`process_clustermsg` / `should_drop_message`, §3.4, §4.4).

use hb_proto::{names, Message, Value};

use super::status_msg::Revival;
use super::{MemberEvent, Membership};
use crate::action::{Action, Level};
use crate::messages::{build, fields, types};
use crate::rexmit;
use crate::seqtrack::{Context, Order, Verdict};
use crate::status::NodeStatus;
use crate::time::Time;

impl Membership {
    /// Handles one authenticated packet.
    pub fn receive(
        &mut self,
        now: Time,
        msg: Message,
        out: &mut Vec<Action>,
        ev: &mut Vec<MemberEvent>,
    ) {
        if self.stopped {
            return;
        }
        let (Some(t), Some(src), Some(ts)) = (
            msg.get_str(names::TYPE).map(str::to_string),
            msg.get_str(names::SRC).map(str::to_string),
            msg.get_hex(names::TIMESTAMP).filter(|ts| *ts > 0),
        ) else {
            out.push(Action::Log(
                Level::Error,
                "process_clustermsg: missing from/ts/type".into(),
            ));
            return;
        };
        if src == self.me {
            return;
        }
        let Some(i) = self.peers.iter().position(|p| p.name == src) else {
            // The legacy's words and level (autojoin none): operators
            // grep for them to find a misaddressed or intruding node.
            out.push(Action::Log(
                Level::Error,
                format!("process_status_message: bad node [{src}] in message"),
            ));
            return;
        };
        if t.starts_with(types::NOSEQ_PREFIX) {
            self.receive_unsequenced(i, now, &t, &msg, out, ev);
            self.check_comm_up(now, out, ev);
            return;
        }
        let Some(seq) = msg.get_hex(names::SEQ).filter(|s| *s > 0) else {
            out.push(Action::Log(
                Level::Error,
                "should_drop_message: bad sequence number".into(),
            ));
            return;
        };
        let gen = match msg.get(names::GENERATION) {
            None => 0,
            Some(_) => match msg.get_hex(names::GENERATION) {
                Some(g) => g,
                None => {
                    out.push(Action::Log(
                        Level::Error,
                        "should_drop_message: bad generation number".into(),
                    ));
                    return;
                }
            },
        };
        let is_status = t == types::STATUS;
        let to_us = self.addressed_to_us(&msg);
        let max_delay = self.max_rexmit_delay;
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        let ctx = Context {
            is_status,
            peer_dead: p.status == NodeStatus::Dead,
            status_seq: p.status_seq,
        };
        let verdict = p.track.check(seq, gen, ctx, |s| {
            now.plus(rexmit::first_delay(s, max_delay))
        });
        let accepted = match verdict {
            Verdict::Replay { gen, current } => {
                out.push(Action::Log(
                    Level::Error,
                    format!(
                        "should_drop_message: attempted replay attack [{}]? [gen = {gen}, curgen = {current}]",
                        p.name
                    ),
                ));
                return;
            }
            Verdict::Stale | Verdict::Duplicate => return,
            Verdict::Accept(a) => a,
        };
        if !p.heard {
            // The dead timer runs from first contact, not from our start.
            p.heard = true;
            p.last_status_at = now;
        }
        if let Some(old) = accepted.restart_from {
            // Generation 0 means we simply learn it now (first contact).
            if old > 0 || ctx.peer_dead {
                if old > 0 {
                    out.push(Action::Log(
                        Level::Info,
                        format!("Heartbeat restart on node {}", p.name),
                    ));
                    p.forget_run();
                }
                ev.push(MemberEvent::PeerRestarted {
                    peer: p.name.clone(),
                    was_dead: ctx.peer_dead,
                    announced: std::mem::take(&mut p.restart_announced),
                });
            }
        }
        let mut delivered = Vec::new();
        for s in &accepted.abandoned {
            p.order.skip(*s, &mut delivered);
        }
        let item = (!is_status && to_us).then(|| msg.clone());
        match accepted.order {
            Order::Next | Order::FilledGap => p.order.accept(seq, item, &mut delivered),
            Order::Gap { previous, lost } => {
                out.push(Action::Log(
                    Level::Warning,
                    format!("{lost} lost packet(s) for [{}] [{previous}:{seq}]", p.name),
                ));
                p.order.accept(seq, item, &mut delivered);
            }
            Order::Reset { previous, lost } => {
                out.push(Action::Log(
                    Level::Warning,
                    format!("{lost} lost packet(s) for [{}] [{previous}:{seq}]", p.name),
                ));
                out.push(Action::Log(Level::Error, "lost a lot of packets!".into()));
                p.order.restart_at(seq, item, &mut delivered);
            }
            Order::NewStart => p.order.restart_at(seq, item, &mut delivered),
        }
        let track = &p.track;
        p.order.resync(|s| track.is_missing(s), &mut delivered);
        let ack = self.flow_control
            && !p.track.has_missing()
            && match accepted.order {
                Order::Next => seq % 10 == p.ack_trigger,
                Order::FilledGap => true,
                _ => false,
            };
        if ack {
            if let Some(last) = p.track.last_seq() {
                out.push(Action::Send(build(
                    types::ACKMSG,
                    &[
                        (names::DEST, &p.name),
                        (fields::ACKSEQ, &hb_proto::format_hex(last)),
                    ],
                )));
            }
        }
        if is_status {
            let revival = if accepted.healed {
                Revival::Healed
            } else if ctx.peer_dead {
                Revival::FromDead
            } else {
                Revival::None
            };
            self.status_message(i, now, seq, ts, &msg, revival, out, ev);
        }
        self.check_comm_up(now, out, ev);
        self.deliver(i, delivered, out, ev);
    }

    fn receive_unsequenced(
        &mut self,
        i: usize,
        now: Time,
        t: &str,
        msg: &Message,
        out: &mut Vec<Action>,
        ev: &mut Vec<MemberEvent>,
    ) {
        if !self.addressed_to_us(msg) {
            return;
        }
        let Some(p) = self.peers.get_mut(i) else {
            return;
        };
        if !p.heard {
            p.heard = true;
            p.last_status_at = now;
        }
        match t {
            types::REXMIT => {
                if let Some((first, last)) = rexmit::parse_request(msg) {
                    ev.push(MemberEvent::RexmitRequest {
                        peer: p.name.clone(),
                        first,
                        last,
                    });
                }
            }
            types::NAK_REXMIT => {
                let Some(seq) = rexmit::parse_nak(msg) else {
                    out.push(Action::Log(
                        Level::Error,
                        "should_drop_message: bad nak seq number".into(),
                    ));
                    return;
                };
                out.push(Action::Log(
                    Level::Error,
                    format!("Irretrievably lost packet: node {} seq {seq}", p.name),
                ));
                if p.track.abandon(seq) {
                    let mut delivered = Vec::new();
                    p.order.skip(seq, &mut delivered);
                    self.deliver(i, delivered, out, ev);
                }
            }
            // Acks only free history slots in the legacy; ours is a ring.
            _ => {}
        }
    }

    /// `dest`/`destuuid` check (`should_drop_message`): a non-zero
    /// `destuuid` is compared with our uuid when we have one, else `dest`
    /// with our name; no destination means everyone.
    fn addressed_to_us(&self, msg: &Message) -> bool {
        if let (Some(Value::Binary(u)), Some(mine)) = (msg.get(names::DESTUUID), self.uuid) {
            if u.len() == 16 && u.iter().any(|b| *b != 0) {
                return u.as_slice() == mine.as_slice();
            }
        }
        match msg.get_bytes(names::DEST) {
            None => true,
            Some(d) => d == self.me.as_bytes(),
        }
    }
}
