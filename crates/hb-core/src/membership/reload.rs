//! New timings from a reload (see `crate::reload`).

use super::Membership;
use crate::action::{Action, Level};
use crate::config::Config;
use crate::time::Time;

impl Membership {
    /// Takes the reloaded keepalive, deadtime, warntime, initdead and
    /// max_rexmit_delay. A changed keepalive or deadtime is announced at
    /// once (the peer times us out by the `dt` of our status). A peer whose
    /// `dt` we have not heard yet is timed out by our new deadtime.
    pub fn reconfigure(&mut self, now: Time, cfg: &Config, out: &mut Vec<Action>) {
        let before = (self.keepalive, self.deadtime);
        self.keepalive = cfg.keepalive_ms;
        self.deadtime = cfg.deadtime_ms;
        self.warntime = cfg.warntime_ms;
        self.initdead = cfg.initdead_ms;
        self.max_rexmit_delay = cfg.max_rexmit_delay_ms;
        for p in &mut self.peers {
            if !p.had_status {
                p.dead_timeout = cfg.deadtime_ms;
            }
        }
        if before != (self.keepalive, self.deadtime) {
            out.push(Action::Log(
                Level::Info,
                format!(
                    "keepalive {} ms, deadtime {} ms, warntime {} ms now in force",
                    self.keepalive, self.deadtime, self.warntime
                ),
            ));
            if !self.stopped {
                self.send_status(now, out);
            }
        }
    }
}
