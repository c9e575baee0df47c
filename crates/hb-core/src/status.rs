//! Node status values (`st`, §5.1).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeStatus {
    /// Never heard from (local view only), or a peer that says `init`.
    Init,
    /// Running, communication not yet up.
    Up,
    /// Communication up; resource management running.
    Active,
    /// Timed out (local view only; never sent by a node about itself).
    Dead,
    /// Anything else a peer put in `st`, kept verbatim.
    Other(String),
}

impl NodeStatus {
    pub fn from_wire(st: &[u8]) -> NodeStatus {
        match st {
            b"init" => NodeStatus::Init,
            b"up" => NodeStatus::Up,
            b"active" => NodeStatus::Active,
            other => NodeStatus::Other(String::from_utf8_lossy(other).into_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            NodeStatus::Init => "init",
            NodeStatus::Up => "up",
            NodeStatus::Active => "active",
            NodeStatus::Dead => "dead",
            NodeStatus::Other(s) => s,
        }
    }

    /// `up` or `active`: the peer runs and talks to us.
    pub fn is_alive(&self) -> bool {
        matches!(self, NodeStatus::Up | NodeStatus::Active)
    }
}

impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
