//! `/metrics` in the Prometheus text format (version 0.0.4).
//!
//! The IPVS part uses node_exporter's names and labels so existing
//! dashboards and alerts work unchanged: the kernel-wide
//! `node_ipvs_*_total` counters and the per-backend gauges labelled
//! `local_address, local_port, local_mark, proto, remote_address,
//! remote_port` (`proto` as `/proc/net/ip_vs` spells it: TCP, UDP, SCTP,
//! or FWM for a firewall-mark service, which has an empty
//! `local_address`, port 0 and its mark in `local_mark`). Our own:
//! `ldirectord_*` (real server states, checks) and `heartbeat_*`.

use crate::model::{RealState, Snapshot};
use ipvs::ServiceKey;
use std::fmt::Write;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// node_exporter's backend labels for real `remote` of service `key`.
fn backend_labels(key: &ServiceKey, remote: &std::net::SocketAddr) -> String {
    let (local_address, local_port, local_mark, proto) = match key {
        ServiceKey::Addr { protocol, addr } => {
            let p = match protocol {
                ipvs::Protocol::Tcp => "TCP",
                ipvs::Protocol::Udp => "UDP",
                ipvs::Protocol::Sctp => "SCTP",
            };
            (
                addr.ip().to_string(),
                addr.port().to_string(),
                String::new(),
                p,
            )
        }
        ServiceKey::FwMark { mark, .. } => (String::new(), "0".into(), mark.to_string(), "FWM"),
    };
    labels(&[
        ("local_address", &local_address),
        ("local_port", &local_port),
        ("local_mark", &local_mark),
        ("proto", proto),
        ("remote_address", &remote.ip().to_string()),
        ("remote_port", &remote.port().to_string()),
    ])
}

fn ipvs_totals(out: &mut String, snap: &Snapshot) {
    let Some(t) = snap.totals else {
        return;
    };
    let totals = [
        (
            "node_ipvs_connections_total",
            "The total number of connections made.",
            t.conns,
        ),
        (
            "node_ipvs_incoming_packets_total",
            "The total number of incoming packets.",
            t.inpkts,
        ),
        (
            "node_ipvs_outgoing_packets_total",
            "The total number of outgoing packets.",
            t.outpkts,
        ),
        (
            "node_ipvs_incoming_bytes_total",
            "The total amount of incoming data.",
            t.inbytes,
        ),
        (
            "node_ipvs_outgoing_bytes_total",
            "The total amount of outgoing data.",
            t.outbytes,
        ),
    ];
    for (name, help, v) in totals {
        family(out, name, "counter", help);
        let _ = writeln!(out, "{name} {v}");
    }
}

fn ipvs_backends(out: &mut String, snap: &Snapshot) {
    // Only what is in the kernel: a real that is down is not a backend.
    let in_kernel = || {
        snap.virtuals.iter().flat_map(|v| {
            v.reals
                .iter()
                .filter(|r| r.state != RealState::Down)
                .map(move |r| (backend_labels(&v.key, &r.addr), r))
        })
    };
    type Value = fn(&crate::model::RealView) -> i64;
    let gauges: [(&str, &str, Value); 3] = [
        (
            "node_ipvs_backend_connections_active",
            "The current active connections by local and remote address.",
            |r| r.active as i64,
        ),
        (
            "node_ipvs_backend_connections_inactive",
            "The current inactive connections by local and remote address.",
            |r| r.inactive as i64,
        ),
        (
            "node_ipvs_backend_weight",
            "The current backend weight by local and remote address.",
            |r| r.weight as i64,
        ),
    ];
    for (name, help, value) in gauges {
        family(out, name, "gauge", help);
        for (l, r) in in_kernel() {
            let _ = writeln!(out, "{name}{l} {}", value(r));
        }
    }
}

fn ldirectord(out: &mut String, snap: &Snapshot) {
    family(
        out,
        "ldirectord_real_server_state",
        "gauge",
        "1 for the state each configured real server is in (up, down, quiescent, fallback), 0 for the others.",
    );
    for v in &snap.virtuals {
        for r in &v.reals {
            for s in RealState::ALL {
                let l = labels(&[
                    ("virtual", &v.name),
                    ("real", &r.addr.to_string()),
                    ("state", s.word()),
                ]);
                let _ = writeln!(
                    out,
                    "ldirectord_real_server_state{l} {}",
                    u8::from(r.state == s)
                );
            }
        }
    }
    family(
        out,
        "ldirectord_check_up",
        "gauge",
        "1 if the check's latest result was a success.",
    );
    family(
        out,
        "ldirectord_checks_total",
        "counter",
        "Check results since the daemon started or reloaded, by result.",
    );
    for c in &snap.checks {
        let (Some(real), Some(up)) = (c.real, c.up) else {
            continue;
        };
        let l = labels(&[("real", &real.to_string())]);
        let _ = writeln!(out, "ldirectord_check_up{l} {}", u8::from(up));
        for (result, n) in [("success", c.successes), ("failure", c.failures)] {
            let l = labels(&[("real", &real.to_string()), ("result", result)]);
            let _ = writeln!(out, "ldirectord_checks_total{l} {n}");
        }
    }
    family(
        out,
        "ldirectord_ipvs_read_ok",
        "gauge",
        "1 if the latest read of the IPVS table succeeded.",
    );
    let _ = writeln!(
        out,
        "ldirectord_ipvs_read_ok {}",
        u8::from(snap.ipvs_error.is_none())
    );
}

fn heartbeat(out: &mut String, snap: &Snapshot) {
    family(
        out,
        "heartbeat_up",
        "gauge",
        "1 if heartbeatd answered on its control socket.",
    );
    let cluster = snap.cluster.as_ref().and_then(|c| c.as_ref().ok());
    let _ = writeln!(out, "heartbeat_up {}", u8::from(cluster.is_some()));
    let Some(c) = cluster else {
        return;
    };
    family(
        out,
        "heartbeat_node_status",
        "gauge",
        "1 for each cluster node with its status as heartbeat reports it.",
    );
    for n in &c.nodes {
        let _ = writeln!(
            out,
            "heartbeat_node_status{} 1",
            labels(&[("node", &n.name), ("status", &n.status)])
        );
    }
    if !c.ping_nodes.is_empty() {
        family(
            out,
            "heartbeat_ping_node_status",
            "gauge",
            "1 for each ping node with its status (init, ping, dead) as this node sees it.",
        );
        for n in &c.ping_nodes {
            let _ = writeln!(
                out,
                "heartbeat_ping_node_status{} 1",
                labels(&[("node", &n.name), ("status", &n.status)])
            );
        }
    }
    family(
        out,
        "heartbeat_resource_group_held",
        "gauge",
        "1 for each resource group and the node holding it.",
    );
    for g in &c.groups {
        let holder = g.holder.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "heartbeat_resource_group_held{} 1",
            labels(&[("group", &g.key), ("node", holder)])
        );
    }
    if let Some(t) = c.last_change {
        family(
            out,
            "heartbeat_last_failover_timestamp_seconds",
            "gauge",
            "Unix time a resource group last started or stopped on this node.",
        );
        let _ = writeln!(out, "heartbeat_last_failover_timestamp_seconds {t}");
    }
}

pub fn render(snap: &Snapshot) -> String {
    let mut out = String::with_capacity(8 * 1024);
    ipvs_totals(&mut out, snap);
    ipvs_backends(&mut out, snap);
    ldirectord(&mut out, snap);
    heartbeat(&mut out, snap);
    out
}
