//! `auto_failback legacy`: the `ip-request` protocol (§6.3). A node asks
//! the peer for each of its groups; the holder releases it and answers.

use super::{Phase, Resources, Then, RQSTDELAY_MS};
use crate::action::{Action, Level};
use crate::messages::{self, build, fields, types};
use crate::status::NodeStatus;
use crate::time::Time;

impl Resources {
    pub(super) fn legacy_comm_up(&mut self, now: Time, out: &mut Vec<Action>) {
        if !self.peer_alive {
            self.takeover_from_peer(out);
            return;
        }
        self.phase = Phase::Stable;
        self.legacy_request_pending = true;
        self.legacy_pending_request(now, out);
    }

    /// `req_our_resources` in legacy mode. Alone (the peer is still `up`:
    /// it just started and holds nothing) we take our groups; with an
    /// `active` peer we ask it for each one. Until the peer's status is
    /// known (we may have heard only a non-status packet) we wait: guessing
    /// "alone" could start a group the peer runs.
    pub(super) fn legacy_pending_request(&mut self, now: Time, out: &mut Vec<Action>) {
        if !self.legacy_request_pending || self.mode.nice() || self.phase != Phase::Stable {
            return;
        }
        let alone = match (&self.peer_status, self.peer_alive) {
            (_, false) | (NodeStatus::Up, true) => true,
            (NodeStatus::Active, true) => false,
            _ => return,
        };
        self.legacy_request_pending = false;
        self.peer_was_active = !alone;
        let mut acquiring = false;
        for i in 0..self.groups.len() {
            if !self.groups.is_local(i) || self.groups.wanted(i) {
                continue;
            }
            if alone {
                self.groups.want(i, true, out);
                acquiring = true;
            } else {
                self.ask_for(now, i, out);
            }
        }
        if acquiring {
            self.then.push(Then::LocalAcquired);
        }
    }

    /// When the peer becomes `active` after we decided to be alone (its
    /// `up` status may have been stale, delivered late), it may hold our
    /// groups: it took them over while it could not hear us. Asking for
    /// them makes it release any it holds; otherwise it answers `weown=no`.
    pub(super) fn legacy_peer_activation(&mut self, now: Time, out: &mut Vec<Action>) {
        let active = self.peer_alive && self.peer_status == NodeStatus::Active;
        let became_active = active && !self.peer_was_active;
        self.peer_was_active = active;
        if !became_active
            || self.mode.nice()
            || self.phase != Phase::Stable
            || self.legacy_request_pending
        {
            return;
        }
        for i in 0..self.groups.len() {
            if self.groups.is_local(i) {
                self.ask_for(now, i, out);
            }
        }
    }

    /// Sends `ip-request` for group `i` and keeps asking until answered.
    fn ask_for(&mut self, now: Time, i: usize, out: &mut Vec<Action>) {
        self.send_ip_request(i, out);
        if !self.requested.contains(&i) {
            self.requested.push(i);
        }
        self.request_retry_at = Some(now.plus(RQSTDELAY_MS));
    }

    fn send_ip_request(&self, i: usize, out: &mut Vec<Action>) {
        out.push(Action::Send(build(
            types::IP_REQUEST,
            &[(fields::IPADDR, self.groups.key(i))],
        )));
    }

    /// The legacy asks once and waits forever (§6.3); a request lost for
    /// good (say, among the first packets after our restart, which the
    /// peer cannot ask us to resend) would keep our groups down. Asking
    /// again is harmless: the peer answers `weown=no` if it has nothing.
    pub(super) fn legacy_request_timer(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.request_retry_at.is_none_or(|t| now < t) {
            return;
        }
        if self.requested.is_empty() || !self.peer_alive || self.phase != Phase::Stable {
            self.requested.clear();
            self.request_retry_at = None;
            return;
        }
        for &i in &self.requested {
            out.push(Action::Log(
                Level::Info,
                format!(
                    "No answer to ip-request for {}; asking again",
                    self.groups.key(i)
                ),
            ));
            self.send_ip_request(i, out);
        }
        self.request_retry_at = Some(now.plus(RQSTDELAY_MS));
    }

    pub(super) fn on_ip_request(&mut self, key: &str, out: &mut Vec<Action>) {
        match self.groups.index_of(key) {
            Some(i) if self.groups.wanted(i) => {
                out.push(Action::Log(
                    Level::Info,
                    format!(
                        "Giving up resource group {key} at {}'s request",
                        self.peer_name()
                    ),
                ));
                self.groups.want(i, false, out);
                self.then.push(Then::IpRequestAnswer {
                    key: key.to_string(),
                    weown: true,
                });
            }
            _ => {
                let dest = self.peer_name().to_string();
                out.push(Action::Send(messages::ip_request_resp(&dest, key, false)));
            }
        }
    }

    pub(super) fn on_ip_request_resp(&mut self, key: &str, ok: bool, out: &mut Vec<Action>) {
        if matches!(self.phase, Phase::ShuttingDown | Phase::Down) {
            return;
        }
        let index = self.groups.index_of(key);
        let asked = index.is_some_and(|i| self.requested.contains(&i));
        self.requested.retain(|&i| Some(i) != index);
        match index {
            // An answer we did not ask for (say, to our previous run, still
            // in flight when we restarted) grants nothing.
            Some(_) if !asked => out.push(Action::Log(
                Level::Info,
                format!("Ignoring unrequested ip-request-resp for {key}"),
            )),
            Some(i) if ok => {
                if !self.groups.wanted(i) {
                    out.push(Action::Log(
                        Level::Info,
                        format!(
                            "Acquiring resource group {key} released by {}",
                            self.peer_name()
                        ),
                    ));
                }
                self.groups.want(i, true, out);
            }
            Some(_) => out.push(Action::Log(
                Level::Warning,
                format!("Peer refused to release resource group {key}"),
            )),
            None => out.push(Action::Log(
                Level::Warning,
                format!("ip-request-resp for unknown resource group {key}"),
            )),
        }
    }

    /// Legacy split-brain rule (see [`Resources`]): give up the peer's
    /// groups (it was alive all along, so it runs them or is asking for
    /// them), and ask for ours, which makes the peer stop any it took
    /// while it thought we were dead.
    pub(super) fn legacy_heal(&mut self, now: Time, out: &mut Vec<Action>) {
        for i in 0..self.groups.len() {
            if self.groups.is_local(i) {
                self.ask_for(now, i, out);
            } else if self.groups.wanted(i) {
                out.push(Action::Log(
                    Level::Warning,
                    format!(
                        "Split brain resolution: releasing {} to its home node {}",
                        self.groups.key(i),
                        self.peer_name()
                    ),
                ));
                self.groups.want(i, false, out);
            }
        }
        self.needs_failback = false;
    }
}
