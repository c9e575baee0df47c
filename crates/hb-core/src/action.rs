//! What the core asks its driver to do.

use hb_proto::Message;

use crate::status::NodeStatus;

/// Severity of a log line, as the legacy's `cl_log` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
    Crit,
    /// `EMERG`: only the failfast reboot message.
    Emerg,
}

/// One instruction to the driver, to be carried out in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Broadcast on every medium. The message carries `t`, its own fields
    /// and `src`, `srcuuid` (when configured), `seq` (unless `NS_*`) and
    /// `hg`; the driver completes it with [`crate::complete_for_wire`]
    /// (`ts`, `ld`, `ttl`), adds the body `auth` field and signs it.
    /// Retransmissions are repeated `Send`s of the stored message.
    Send(Message),
    /// A log line; the text is the legacy's wording where one exists.
    Log(Level, String),
    /// A peer's status changed (`up`, `active`, or `dead` when it timed
    /// out): what the legacy hands to `rc.d/status` and API clients.
    NodeStatus { node: String, status: NodeStatus },
    /// Start resource group `i` (`ResourceManager takegroup`), then report
    /// [`crate::Event::GroupAcquired`]. Report it also when the start
    /// failed: like the legacy, the core does not retry.
    AcquireGroup(usize),
    /// Stop resource group `i` (`givegroup`), then report
    /// [`crate::Event::GroupReleased`].
    ReleaseGroup(usize),
    /// Resources are released and `shutdone` was sent: the driver may exit.
    ShutdownComplete,
    /// A reload's group list is in force (see `Event::Reload`). Entry `j`
    /// is group `j`'s index before (`None`: a new group); entries past the
    /// new configuration's groups are removed groups still being released,
    /// which later `ReleaseGroup`s may name.
    Regroup(Vec<Option<usize>>),
}
