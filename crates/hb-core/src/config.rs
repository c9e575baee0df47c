//! What the core needs to know, as plain values. `from_ha_config` builds it
//! from parsed `ha.cf`/`haresources`; tests build it by hand.

use ha_config::hacf::{is_builtin_ipfail, AutoFailback, HaCf, Medium};
use ha_config::haresources::HaResources;
use thiserror::Error;

/// `auto_failback` (ha.cf). The modes use different messages, so both
/// nodes must agree (reference §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailbackMode {
    /// The `ip-request` protocol: groups always go back to their home node.
    Legacy,
    /// nice_failback; a node holding foreign groups hands them back once
    /// their home node is stable again.
    On,
    /// nice_failback; groups stay where they are until standby or failure.
    Off,
}

impl FailbackMode {
    /// Whether the `starting`/`resource`/`ask_resources` protocol is used.
    pub fn nice(self) -> bool {
        !matches!(self, FailbackMode::Legacy)
    }
}

/// One `haresources` line: the group key (its first resource, as the legacy
/// names it on the wire) and its preferred ("home") node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    pub home: String,
}

/// The core's configuration. Times are milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// This node's name, lowercase (as `src`).
    pub node_name: String,
    /// All normal cluster nodes, this one included, lowercase.
    pub nodes: Vec<String>,
    pub keepalive_ms: u64,
    pub deadtime_ms: u64,
    pub warntime_ms: u64,
    pub initdead_ms: u64,
    /// Upper bound of the random delay before asking for a lost packet,
    /// and the interval between repeated requests.
    pub max_rexmit_delay_ms: u64,
    pub auto_failback: FailbackMode,
    pub groups: Vec<Group>,
    /// `hg` of this run; must be larger than in any earlier run (§4.2).
    pub generation: u64,
    /// `srcuuid`; omitted from messages when `None`.
    pub uuid: Option<[u8; 16]>,
    /// `ping` hosts and `ping_group`s, in file order.
    pub ping_nodes: Vec<PingNode>,
    /// `deadping` (deadtime when unset).
    pub deadping_ms: u64,
    /// A `respawn`/`failfast` line runs ipfail: the built-in one is on.
    pub ipfail: bool,
}

/// One ping node: a `ping` host or a `ping_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingNode {
    /// The node name: the host or group name in lower case.
    pub name: String,
    /// The link name: as written in ha.cf (the legacy's medium name).
    pub link: String,
}

impl PingNode {
    pub fn new(written: &str) -> PingNode {
        PingNode {
            name: written.to_lowercase(),
            link: written.to_string(),
        }
    }
}

/// Why a configuration cannot drive the core.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("Current node [{node}] not in configuration!")]
    NotANode { node: String },
    #[error("{what} must be a positive number of milliseconds, not {value}")]
    BadTime { what: &'static str, value: i64 },
    #[error("Dead time [{deadtime}] is too small compared to keeplive [{keepalive}]")]
    DeadtimeTooSmall { deadtime: u64, keepalive: u64 },
    #[error("Initial dead time [{initdead}] is smaller than deadtime [{deadtime}]")]
    InitdeadTooSmall { initdead: u64, deadtime: u64 },
    #[error("resource group {key} prefers node {home}, which is not a cluster node")]
    UnknownHome { key: String, home: String },
    #[error("haresources line {line} has no resources")]
    EmptyGroup { line: usize },
    #[error("haresources management supports two nodes, ha.cf lists {count}")]
    TooManyNodes { count: usize },
    #[error("the generation (hg) must be greater than 0")]
    ZeroGeneration,
}

fn positive(what: &'static str, value: i64) -> Result<u64, ConfigError> {
    u64::try_from(value)
        .ok()
        .filter(|v| *v > 0)
        .ok_or(ConfigError::BadTime { what, value })
}

impl Config {
    /// The legacy's defaults (§5.3) for a node of `nodes`.
    pub fn new(node_name: &str, nodes: &[&str]) -> Config {
        Config {
            node_name: node_name.to_lowercase(),
            nodes: nodes.iter().map(|n| n.to_lowercase()).collect(),
            keepalive_ms: 1000,
            deadtime_ms: 30_000,
            warntime_ms: 15_000,
            initdead_ms: 30_000,
            max_rexmit_delay_ms: 250,
            auto_failback: FailbackMode::Legacy,
            groups: Vec::new(),
            generation: 1,
            uuid: None,
            ping_nodes: Vec::new(),
            deadping_ms: 30_000,
            ipfail: false,
        }
    }

    /// Builds the core's view of a parsed ha.cf and haresources (`None`
    /// when the CRM manages resources) for the node `node_name`.
    pub fn from_ha_config(
        hacf: &HaCf,
        haresources: Option<&HaResources>,
        node_name: &str,
        generation: u64,
    ) -> Result<Config, ConfigError> {
        let mut groups = Vec::new();
        for g in haresources.map(|h| h.groups.as_slice()).unwrap_or_default() {
            let key = g.key().ok_or(ConfigError::EmptyGroup { line: g.line })?;
            groups.push(Group {
                key: key.to_string(),
                home: g.node.to_lowercase(),
            });
        }
        let cfg = Config {
            node_name: node_name.to_lowercase(),
            nodes: hacf.nodes.iter().map(|n| n.to_lowercase()).collect(),
            keepalive_ms: positive("keepalive", hacf.keepalive_ms)?,
            deadtime_ms: positive("deadtime", hacf.deadtime_ms)?,
            warntime_ms: positive("warntime", hacf.warntime_ms)?,
            initdead_ms: positive("initdead", hacf.initdead_ms)?,
            max_rexmit_delay_ms: positive("max_rexmit_delay", i64::from(hacf.max_rexmit_delay_ms))?,
            auto_failback: match hacf.auto_failback {
                AutoFailback::Legacy => FailbackMode::Legacy,
                AutoFailback::On => FailbackMode::On,
                AutoFailback::Off => FailbackMode::Off,
            },
            groups,
            generation,
            uuid: None,
            ping_nodes: hacf
                .media
                .iter()
                .filter_map(|m| match m {
                    Medium::Ping { host } => Some(PingNode::new(host)),
                    Medium::PingGroup { name, .. } => Some(PingNode::new(name)),
                    _ => None,
                })
                .collect(),
            deadping_ms: positive("deadping", hacf.deadping_ms)?,
            ipfail: hacf.respawn.iter().any(|c| is_builtin_ipfail(&c.path)),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// The checks the core relies on (the legacy's own, §5.3, plus the
    /// two-node limit of haresources management).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.nodes.contains(&self.node_name) {
            return Err(ConfigError::NotANode {
                node: self.node_name.clone(),
            });
        }
        for (what, v) in [
            ("keepalive", self.keepalive_ms),
            ("deadtime", self.deadtime_ms),
            ("warntime", self.warntime_ms),
            ("initdead", self.initdead_ms),
            ("max_rexmit_delay", self.max_rexmit_delay_ms),
            ("deadping", self.deadping_ms),
        ] {
            if v == 0 {
                return Err(ConfigError::BadTime { what, value: 0 });
            }
        }
        if self.deadtime_ms <= 2 * self.keepalive_ms {
            return Err(ConfigError::DeadtimeTooSmall {
                deadtime: self.deadtime_ms,
                keepalive: self.keepalive_ms,
            });
        }
        if self.initdead_ms < self.deadtime_ms {
            return Err(ConfigError::InitdeadTooSmall {
                initdead: self.initdead_ms,
                deadtime: self.deadtime_ms,
            });
        }
        if self.generation == 0 {
            return Err(ConfigError::ZeroGeneration);
        }
        if !self.groups.is_empty() && self.nodes.len() > 2 {
            return Err(ConfigError::TooManyNodes {
                count: self.nodes.len(),
            });
        }
        if let Some(g) = self.groups.iter().find(|g| !self.nodes.contains(&g.home)) {
            return Err(ConfigError::UnknownHome {
                key: g.key.clone(),
                home: g.home.clone(),
            });
        }
        Ok(())
    }

    /// The other nodes, in configuration order.
    pub fn peers(&self) -> impl Iterator<Item = &str> {
        self.nodes
            .iter()
            .map(String::as_str)
            .filter(move |n| *n != self.node_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(hacf: &str, haresources: &str) -> (HaCf, HaResources) {
        let h = ha_config::hacf::parse(hacf, "ha.cf").expect("ha.cf parses");
        let r = ha_config::haresources::parse(haresources, "haresources").expect("parses");
        (h.value, r.value)
    }

    #[test]
    fn builds_from_seed_like_files() {
        let (h, r) = parsed(
            "keepalive 2\ndeadtime 30\nwarntime 10\ninitdead 120\nudpport 694\n\
             bcast eth1\nauto_failback on\nnode MASTER\nnode BACKUP\n",
            "MASTER IPaddr::192.168.72.8/24/eth0 ldirectord::ldirectord.cf\n",
        );
        let c = Config::from_ha_config(&h, Some(&r), "BACKUP", 7).expect("valid");
        assert_eq!(c.node_name, "backup");
        assert_eq!(c.nodes, ["master", "backup"]);
        assert_eq!(
            (c.keepalive_ms, c.deadtime_ms, c.warntime_ms, c.initdead_ms),
            (2000, 30_000, 10_000, 120_000)
        );
        assert_eq!(c.auto_failback, FailbackMode::On);
        assert_eq!(
            c.groups,
            [Group {
                key: "IPaddr::192.168.72.8/24/eth0".into(),
                home: "master".into()
            }]
        );
        assert_eq!(c.peers().collect::<Vec<_>>(), ["master"]);
    }

    #[test]
    fn rejects_unknown_local_node_and_bad_timing() {
        let (h, r) = parsed("bcast eth1\nnode a\nnode b\n", "a 10.0.0.1\n");
        assert_eq!(
            Config::from_ha_config(&h, Some(&r), "c", 1),
            Err(ConfigError::NotANode { node: "c".into() })
        );
        let mut c = Config::new("a", &["a", "b"]);
        c.deadtime_ms = 2000;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::DeadtimeTooSmall { .. })
        ));
        let mut c = Config::new("a", &["a", "b", "c"]);
        c.groups.push(Group {
            key: "x".into(),
            home: "a".into(),
        });
        assert_eq!(c.validate(), Err(ConfigError::TooManyNodes { count: 3 }));
        c.nodes.pop();
        c.groups[0].home = "z".into();
        assert!(matches!(c.validate(), Err(ConfigError::UnknownHome { .. })));
    }
}
