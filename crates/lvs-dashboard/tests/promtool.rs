//! `/metrics` as Prometheus itself parses it: `promtool check metrics`
//! (Debian's `prometheus` package) on a snapshot with every kind of
//! series, label values that need escaping included. The live daemon's
//! output is checked the same way in tests/dashboard/browser-test.sh.

use ipvs::{Dest, DestConf, Forward, Protocol, Service, ServiceConf, ServiceKey, Table};
use lvs_dashboard::cluster;
use lvs_dashboard::events::{EventKind, Timeline};
use lvs_dashboard::model::{
    views, CheckStatus, ConfiguredReal, ConfiguredVirtual, GlobalStats, Snapshot,
};
use std::io::Write;
use std::process::{Command, Stdio};

fn snapshot() -> Snapshot {
    let web = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: "10.9.0.100:80".parse().unwrap(),
    };
    let mark = ServiceKey::FwMark {
        family: ipvs::Family::Inet6,
        mark: 7,
    };
    let mut up = Dest::new(
        "10.9.0.2:80".parse().unwrap(),
        DestConf::new(Forward::Masq, 2),
    );
    up.active_conns = 3;
    let table = Table::from_services([
        Service::new(web, ServiceConf::with_scheduler("wrr"), vec![up]),
        Service::new(
            mark,
            ServiceConf::with_scheduler("rr"),
            vec![Dest::new(
                "[2001:db8::2]:443".parse().unwrap(),
                DestConf::new(Forward::Route, 0),
            )],
        ),
    ]);
    let configured = vec![
        ConfiguredVirtual {
            key: web,
            name: "tcp:10.9.0.100:80".into(),
            reals: ["10.9.0.2:80", "10.9.0.3:80"]
                .iter()
                .enumerate()
                .map(|(i, a)| ConfiguredReal {
                    addr: a.parse().unwrap(),
                    check: Some(i),
                })
                .collect(),
            fallback: None,
        },
        ConfiguredVirtual {
            key: mark,
            name: "fwm6:\"7\"\\x".into(),
            reals: vec![ConfiguredReal {
                addr: "[2001:db8::2]:443".parse().unwrap(),
                check: None,
            }],
            fallback: None,
        },
    ];
    let checks = vec![
        CheckStatus {
            real: Some("10.9.0.2:80".parse().unwrap()),
            up: Some(true),
            reason: "HTTP/1.0 200 OK".into(),
            successes: 10,
            failures: 1,
        },
        CheckStatus {
            real: Some("10.9.0.3:80".parse().unwrap()),
            up: Some(false),
            reason: "connection refused".into(),
            successes: 2,
            failures: 5,
        },
    ];
    let mut timeline = Timeline::new(10);
    timeline.push(1, EventKind::RealDown, "Deleted real server: 10.9.0.3:80");
    Snapshot {
        taken_at: 1_700_000_000,
        host: "director".into(),
        virtuals: views(&configured, &table, &checks),
        checks,
        totals: Some(GlobalStats {
            conns: 12,
            inpkts: 340,
            outpkts: 300,
            inbytes: 20_000,
            outbytes: 90_000,
        }),
        ipvs_error: None,
        cluster: Some(cluster::parse(
            "me alpha\nnode alpha active\nnode beta dead\nping 10.9.0.254 ping\ngroup 10.9.0.100 alpha running\nlastchange 1699999000\n",
        )),
        events: timeline.newest_first(),
    }
}

#[test]
fn metrics_have_node_exporter_series() {
    let text = lvs_dashboard::prom::render(&snapshot());
    for line in [
        "node_ipvs_connections_total 12",
        "node_ipvs_incoming_bytes_total 20000",
        "node_ipvs_backend_connections_active{local_address=\"10.9.0.100\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"10.9.0.2\",remote_port=\"80\"} 3",
        "node_ipvs_backend_weight{local_address=\"\",local_port=\"0\",local_mark=\"7\",proto=\"FWM\",remote_address=\"2001:db8::2\",remote_port=\"443\"} 0",
        "ldirectord_real_server_state{virtual=\"tcp:10.9.0.100:80\",real=\"10.9.0.3:80\",state=\"down\"} 1",
        "ldirectord_real_server_state{virtual=\"fwm6:\\\"7\\\"\\\\x\",real=\"[2001:db8::2]:443\",state=\"quiescent\"} 1",
        "ldirectord_checks_total{real=\"10.9.0.3:80\",result=\"failure\"} 5",
        "heartbeat_resource_group_held{group=\"10.9.0.100\",node=\"alpha\"} 1",
        "heartbeat_last_failover_timestamp_seconds 1699999000",
        "heartbeat_ping_node_status{node=\"10.9.0.254\",status=\"ping\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    // A real that is down is not an IPVS backend.
    assert!(!text.contains("remote_address=\"10.9.0.3\""));
}

#[test]
#[ignore = "needs promtool (Debian package prometheus): make dashboard-test"]
fn promtool_accepts_the_metrics() {
    let text = lvs_dashboard::prom::render(&snapshot());
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (apt-get install prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A broken exposition must fail the same check (the check can fail).
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.replacen("} 3", "} three", 1).as_bytes())
        .unwrap();
    assert!(!child.wait().unwrap().success());
}
