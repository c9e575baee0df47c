//! What the driver tells the core.

use hb_proto::Message;

use crate::rscset::RscSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A deadline from `next_deadline` was reached (any other event also
    /// runs due timers, so a late or early tick is harmless).
    Tick,
    /// A packet from the cluster, decoded and authenticated by the driver
    /// (`hb_proto::AuthKeys::verify`). Our own looped-back packets may be
    /// passed too; they are ignored.
    Received(Message),
    /// An authenticated echo reply from the ping node of this name (lower
    /// case): the payload's `src`, checked by the driver.
    PingReply(String),
    /// An `AcquireGroup(i)` finished (successfully or not).
    GroupAcquired(usize),
    /// A `ReleaseGroup(i)` finished.
    GroupReleased(usize),
    /// `hb_standby <set>`: give the set (relative to us) to the peer.
    Standby(RscSet),
    /// `hb_takeover <set>`: ask the peer to give us the set (relative to us).
    Takeover(RscSet),
    /// Stop: release everything, send `shutdone`, then `ShutdownComplete`.
    Shutdown,
}
