//! Starting, stopping and listing the kernel's connection-sync daemons
//! (`ipvsadm --start-daemon` / `--stop-daemon` / `-L --daemon`), so
//! connections a MASTER director scheduled survive on its BACKUP.

use crate::client::Ipvs;
use crate::error::{Command, IpvsError};
use crate::netlink::message::{NLM_F_ACK, NLM_F_DUMP};
use crate::wire::consts::*;
use crate::wire::daemon::{self, SyncDaemon};

impl Ipvs {
    /// Starts a master or backup sync daemon (the kernel answers EEXIST
    /// when one in that state already runs, ENODEV for an unknown
    /// interface).
    pub fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), IpvsError> {
        self.call(Command::StartDaemon, None, CMD_NEW_DAEMON, NLM_F_ACK, |w| {
            daemon::start(w, d)
        })?;
        Ok(())
    }

    /// Stops the daemon in `d.state` (ESRCH when none runs).
    pub fn stop_daemon(&mut self, d: &SyncDaemon) -> Result<(), IpvsError> {
        self.call(Command::StopDaemon, None, CMD_DEL_DAEMON, NLM_F_ACK, |w| {
            daemon::stop(w, d)
        })?;
        Ok(())
    }

    /// The running daemons, in the kernel's order (master before backup).
    pub fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        let replies = self.call(Command::GetDaemon, None, CMD_GET_DAEMON, NLM_F_DUMP, |_| {})?;
        let mut out = Vec::with_capacity(replies.len());
        for r in &replies {
            out.push(daemon::decode(r)?);
        }
        Ok(out)
    }
}
