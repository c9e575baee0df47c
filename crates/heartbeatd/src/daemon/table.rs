//! The legacy's node table as `cl_status` walks it: normal and ping
//! nodes in the order ha.cf declares them (`node`, `ping`, `ping_group`
//! lines), listed last first.

use ha_config::hacf::outline::DirectiveLine;
use hb_core::Node;

/// Node names (lower case) in declaration order, each once.
pub fn order(outline: &[DirectiveLine]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in outline {
        let names: Vec<String> = match d.name.as_str() {
            "node" | "ping" => d
                .values
                .iter()
                .flat_map(|v| v.split(|c: char| c.is_whitespace() || c == ','))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect(),
            "ping_group" => d
                .values
                .first()
                .and_then(|v| v.split_whitespace().next())
                .map(|g| vec![g.to_lowercase()])
                .unwrap_or_default(),
            _ => continue,
        };
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// `listnodes`: the walk's order (last declared first), ping nodes
/// included. Nodes the outline missed (none in practice) come last.
pub fn listnodes(node: &Node, table: &[String]) -> String {
    let mut names: Vec<String> = table.iter().rev().cloned().collect();
    let known = node
        .config()
        .nodes
        .iter()
        .chain(node.config().ping_nodes.iter().map(|p| &p.name));
    for n in known {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    // Each line: name, then `normal` or `ping` for cl_status -p/-n.
    names
        .into_iter()
        .map(|n| {
            let kind = if node.ping_nodes().status(&n).is_some() {
                "ping"
            } else {
                "normal"
            };
            format!("{n} {kind}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_order_with_pings_and_groups() {
        let o = ha_config::hacf::outline::outline(
            "ping 10.0.0.1, GW\nnode A B\nping_group grp 10.0.0.2 10.0.0.3\nnode a\n",
        );
        assert_eq!(order(&o), ["10.0.0.1", "gw", "a", "b", "grp"]);
    }

    #[test]
    fn listnodes_walks_last_first_with_each_nodes_type() {
        let mut c = hb_core::Config::new("a", &["a", "b"]);
        c.ping_nodes = vec![hb_core::PingNode::new("GW")];
        let node = Node::new(c, hb_core::Time::ZERO).unwrap();
        let table = order(&ha_config::hacf::outline::outline("node a b\nping GW\n"));
        assert_eq!(listnodes(&node, &table), "gw ping\nb normal\na normal");
        // A node the outline missed still comes out, last.
        assert_eq!(listnodes(&node, &table[1..]), "gw ping\nb normal\na normal");
        assert_eq!(listnodes(&node, &[]), "a normal\nb normal\ngw ping");
    }
}
