//! The heartbeat cluster as heartbeatd's control socket reports it
//! (its `dashboard` request, crates/heartbeatd/src/daemon/control.rs):
//!
//! ```text
//! me alpha
//! node alpha active
//! node beta dead
//! ping 10.9.0.254 ping
//! group 10.9.0.100 alpha running
//! lastchange 1700000000
//! ```
//!
//! `ping NAME STATUS` is a ping node as the node we asked sees it
//! (`init`, `ping` or `dead`). `group KEY HOME STATE` is the group's state on the node we asked
//! (stopped, starting, running, stopping); `lastchange` is when a group
//! last started or stopped there (`none` if never).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    pub home: String,
    /// The node holding it: this node if it runs here, otherwise the one
    /// live peer (heartbeat clusters are two nodes); None if nobody.
    pub holder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub me: String,
    pub nodes: Vec<Node>,
    /// Ping nodes (ha.cf `ping`, `ping_group`) as seen by `me`.
    pub ping_nodes: Vec<Node>,
    pub groups: Vec<Group>,
    pub last_change: Option<u64>,
}

fn alive(status: &str) -> bool {
    matches!(status, "active" | "up" | "init")
}

pub fn parse(reply: &str) -> Result<Cluster, String> {
    let mut me = None;
    let mut nodes = Vec::new();
    let mut ping_nodes = Vec::new();
    let mut raw_groups = Vec::new();
    let mut last_change = None;
    for line in reply.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["me", name] => me = Some(name.to_string()),
            ["node", name, status] => nodes.push(Node {
                name: name.to_string(),
                status: status.to_string(),
            }),
            ["ping", name, status] => ping_nodes.push(Node {
                name: name.to_string(),
                status: status.to_string(),
            }),
            ["group", key, home, state] => {
                raw_groups.push((key.to_string(), home.to_string(), state.to_string()))
            }
            ["lastchange", "none"] => {}
            ["lastchange", t] => {
                last_change = Some(t.parse().map_err(|_| format!("bad time {t}"))?)
            }
            [] => {}
            _ => return Err(format!("unexpected line from heartbeatd: {line}")),
        }
    }
    let me = me.ok_or_else(|| format!("not a dashboard reply: {}", reply.trim()))?;
    let peer = nodes
        .iter()
        .filter(|n| n.name != me && alive(&n.status))
        .map(|n| n.name.clone())
        .next();
    let groups = raw_groups
        .into_iter()
        .map(|(key, home, state)| Group {
            key,
            home,
            holder: if matches!(state.as_str(), "running" | "starting") {
                Some(me.clone())
            } else {
                peer.clone()
            },
        })
        .collect();
    Ok(Cluster {
        me,
        nodes,
        ping_nodes,
        groups,
        last_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_nodes_are_kept_apart_from_cluster_nodes() {
        let c =
            parse("me a\nnode a active\nnode b active\nping gw dead\nlastchange none\n").unwrap();
        assert_eq!(c.nodes.len(), 2);
        assert_eq!(
            c.ping_nodes,
            [Node {
                name: "gw".into(),
                status: "dead".into()
            }]
        );
    }

    #[test]
    fn holders() {
        let c = parse("me a\nnode a active\nnode b active\ngroup 10.0.0.1 a running\ngroup 10.0.0.2 b stopped\nlastchange 17\n").unwrap();
        assert_eq!(c.groups[0].holder.as_deref(), Some("a"));
        assert_eq!(c.groups[1].holder.as_deref(), Some("b"));
        assert_eq!(c.last_change, Some(17));
        let c = parse("me a\nnode a active\nnode b dead\ngroup g b stopped\nlastchange none\n")
            .unwrap();
        assert_eq!(c.groups[0].holder, None);
        assert_eq!(c.last_change, None);
        assert!(parse("unknown command").is_err());
    }
}
