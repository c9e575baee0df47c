use hb_proto::Message;

use super::*;
use crate::action::Level;

const BETA_GEN: u64 = 5;

fn cfg() -> Config {
    let mut c = Config::new("alpha", &["alpha", "beta"]);
    c.keepalive_ms = 1000;
    c.deadtime_ms = 5000;
    c.warntime_ms = 2500;
    c.initdead_ms = 12_000;
    c
}

fn t(ms: u64) -> Time {
    Time::from_ms(ms)
}

/// A packet from beta as the driver hands it over (with `ts`).
fn from_beta(ty: &str, seq: Option<u64>, gen: u64, fields: &[(&str, &str)]) -> Message {
    let mut m = build(ty, fields);
    m.push_str("src", "beta");
    if let Some(seq) = seq {
        m.push_str("seq", hb_proto::format_hex(seq));
    }
    m.push_str("hg", hb_proto::format_hex(gen));
    m.push_str("ts", "65f1c2a0");
    m
}

fn status(seq: u64, st: &str) -> Message {
    from_beta(
        "status",
        Some(seq),
        BETA_GEN,
        &[("st", st), ("dt", "1388"), ("protocol", "1")],
    )
}

struct Run {
    out: Vec<Action>,
    ev: Vec<MemberEvent>,
}

impl Run {
    fn logs(&self) -> Vec<&str> {
        self.out
            .iter()
            .filter_map(|a| match a {
                Action::Log(_, text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn sent(&self) -> Vec<&Message> {
        self.out
            .iter()
            .filter_map(|a| match a {
                Action::Send(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn delivered(&self) -> Vec<&str> {
        self.ev
            .iter()
            .filter_map(|e| match e {
                MemberEvent::Deliver { msg, .. } => msg.get_str("t"),
                _ => None,
            })
            .collect()
    }
}

fn tick(m: &mut Membership, now: u64) -> Run {
    let mut r = Run {
        out: Vec::new(),
        ev: Vec::new(),
    };
    m.tick(t(now), &mut r.out, &mut r.ev);
    r
}

fn recv(m: &mut Membership, now: u64, msg: Message) -> Run {
    let mut r = Run {
        out: Vec::new(),
        ev: Vec::new(),
    };
    m.receive(t(now), msg, &mut r.out, &mut r.ev);
    m.tick(t(now), &mut r.out, &mut r.ev);
    r
}

/// Alpha up at 0 with beta heard at 100 (status seq 1).
fn up_with_beta() -> Membership {
    let mut m = Membership::new(&cfg(), t(0));
    let _ = tick(&mut m, 0);
    let r = recv(&mut m, 100, status(1, "active"));
    assert!(r.ev.contains(&MemberEvent::CommUp));
    m
}

#[test]
fn sends_status_every_keepalive_advertising_boot_deadtime_first() {
    let mut m = Membership::new(&cfg(), t(0));
    let r = tick(&mut m, 0);
    let s = r.sent();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].get_str("t"), Some("status"));
    assert_eq!(s[0].get_str("st"), Some("up"));
    assert_eq!(
        s[0].get_hex("dt"),
        Some(7000),
        "deadtime + 2000 while booting"
    );
    assert_eq!(s[0].get_str("protocol"), Some("1"));
    assert_eq!(m.next_deadline(), Some(t(1000)));
    assert!(tick(&mut m, 999).sent().is_empty());
    assert_eq!(tick(&mut m, 1000).sent().len(), 1);
    let _ = tick(&mut m, 4000);
    let r = tick(&mut m, 5000);
    assert_eq!(r.sent()[0].get_hex("dt"), Some(5000));
}

#[test]
fn silent_peer_is_dead_after_initdead_then_comm_comes_up() {
    let mut m = Membership::new(&cfg(), t(0));
    let _ = tick(&mut m, 0);
    assert!(tick(&mut m, 12_000).ev.is_empty());
    let r = tick(&mut m, 12_001);
    assert!(r.logs().contains(&"node beta: is dead"));
    assert_eq!(
        r.ev,
        [
            MemberEvent::PeerDead {
                peer: "beta".into()
            },
            MemberEvent::CommUp
        ]
    );
    assert!(r
        .logs()
        .contains(&"Comm_now_up(): updating status to active"));
    assert_eq!(m.own_status(), &NodeStatus::Active);
    assert!(r.sent().iter().any(|s| s.get_str("st") == Some("active")));
}

#[test]
fn first_packet_brings_comm_up_and_peer_dies_after_its_deadtime() {
    let mut m = up_with_beta();
    assert_eq!(m.peer_status("beta"), Some(&NodeStatus::Active));
    assert!(m.peer_alive("beta"));
    // dt=1388 (5000 ms) from beta's status; status at 100.
    assert!(!tick(&mut m, 5100).logs().contains(&"node beta: is dead"));
    let r = tick(&mut m, 5101);
    assert!(r.logs().contains(&"node beta: is dead"));
    assert!(r.out.contains(&Action::NodeStatus {
        node: "beta".into(),
        status: NodeStatus::Dead
    }));
    assert!(!m.peer_alive("beta"));
}

#[test]
fn peer_deadtime_comes_from_its_dt_field() {
    let mut m = Membership::new(&cfg(), t(0));
    let _ = tick(&mut m, 0);
    let st = from_beta("status", Some(1), BETA_GEN, &[("st", "up"), ("dt", "1b58")]);
    let _ = recv(&mut m, 0, st);
    assert!(!tick(&mut m, 7000).logs().contains(&"node beta: is dead"));
    assert!(tick(&mut m, 7001).logs().contains(&"node beta: is dead"));
}

#[test]
fn late_heartbeat_is_warned_with_the_legacy_wording() {
    let mut m = up_with_beta();
    let r = recv(&mut m, 3100, status(2, "active"));
    assert!(r
        .logs()
        .contains(&"Late heartbeat: Node beta: interval 3000 ms"));
    let r = recv(&mut m, 4000, status(3, "active"));
    assert!(!r.logs().iter().any(|l| l.contains("Late heartbeat")));
}

#[test]
fn duplicates_and_replays_are_dropped() {
    let mut m = up_with_beta();
    let r = recv(&mut m, 200, from_beta("resource", Some(2), BETA_GEN, &[]));
    assert_eq!(r.delivered(), ["resource"]);
    let r = recv(&mut m, 210, from_beta("resource", Some(2), BETA_GEN, &[]));
    assert!(r.delivered().is_empty());
    let r = recv(
        &mut m,
        220,
        from_beta("resource", Some(3), BETA_GEN - 1, &[]),
    );
    assert!(r.delivered().is_empty());
    assert!(r
        .logs()
        .contains(&"should_drop_message: attempted replay attack [beta]? [gen = 4, curgen = 5]"));
}

#[test]
fn gaps_are_requested_and_delivery_stays_in_order() {
    let mut m = up_with_beta();
    let r = recv(&mut m, 200, from_beta("resource", Some(3), BETA_GEN, &[]));
    assert!(r.logs().contains(&"1 lost packet(s) for [beta] [1:3]"));
    assert!(r.delivered().is_empty(), "held until seq 2 arrives");
    let due = m.next_deadline().expect("a request is scheduled");
    assert!(due >= t(250) && due <= t(450), "{due}");
    let r = tick(&mut m, due.as_ms());
    let req = r.sent();
    assert_eq!(req.len(), 1);
    assert_eq!(req[0].get_str("t"), Some("NS_rexmit"));
    assert_eq!(req[0].get_str("dest"), Some("beta"));
    assert_eq!(req[0].get_str("firstseq"), Some("2"));
    assert_eq!(req[0].get_str("lastseq"), Some("2"));
    let r = recv(&mut m, 600, from_beta("starting", Some(2), BETA_GEN, &[]));
    assert_eq!(r.delivered(), ["starting", "resource"]);
}

#[test]
fn a_nak_gives_the_packet_up() {
    let mut m = up_with_beta();
    let _ = recv(&mut m, 200, from_beta("resource", Some(3), BETA_GEN, &[]));
    let nak = from_beta(
        "NS_nak_rexmit",
        None,
        BETA_GEN,
        &[
            ("firstseq", "2"),
            ("dest", "alpha"),
            ("info", "seqno not found"),
        ],
    );
    let r = recv(&mut m, 300, nak);
    assert!(r
        .logs()
        .contains(&"Irretrievably lost packet: node beta seq 2"));
    assert_eq!(r.delivered(), ["resource"]);
}

#[test]
fn restart_and_partition_are_told_apart() {
    let mut m = up_with_beta();
    let mut restarted = status(1, "up");
    restarted.set_hex("hg", BETA_GEN + 1).expect("string field");
    let r = recv(&mut m, 1100, restarted);
    assert!(r.logs().contains(&"Heartbeat restart on node beta"));
    assert!(r.ev.contains(&MemberEvent::PeerRestarted {
        peer: "beta".into(),
        was_dead: false,
        announced: false
    }));

    // 3.0.6's reload: dt raised by 30 s, then the new generation.
    let mut m = up_with_beta();
    let mut long = status(2, "active");
    long.set_hex("dt", 35_000).expect("string field");
    let _ = recv(&mut m, 1100, long);
    let mut restarted = status(1, "init");
    restarted.set_hex("hg", BETA_GEN + 1).expect("string field");
    let r = recv(&mut m, 1500, restarted);
    assert!(r.ev.contains(&MemberEvent::PeerRestarted {
        peer: "beta".into(),
        was_dead: false,
        announced: true
    }));

    let mut m = up_with_beta();
    let _ = tick(&mut m, 5101);
    let r = recv(&mut m, 9000, status(9, "active"));
    assert!(r
        .logs()
        .contains(&"Cluster node beta returning after partition."));
    assert!(r.ev.contains(&MemberEvent::PeerReturned {
        peer: "beta".into(),
        partition: true
    }));
    assert!(m.peer_alive("beta"));
    // An older status of that run is stale once it was dead.
    let _ = tick(&mut m, 14_001);
    assert!(recv(&mut m, 14_100, status(9, "active")).ev.is_empty());
}

#[test]
fn parked_messages_wait_for_a_restarted_peers_status() {
    let mut m = up_with_beta();
    let _ = tick(&mut m, 5101);
    let gen = &hb_proto::format_hex(BETA_GEN + 1);
    let mut starting = from_beta("starting", Some(3), BETA_GEN + 1, &[]);
    starting.set_str("hg", gen.as_str()).expect("string field");
    let r = recv(&mut m, 6000, starting);
    assert!(r.delivered().is_empty(), "beta is still dead to us");
    let mut st = status(4, "active");
    st.set_str("hg", gen.as_str()).expect("string field");
    let r = recv(&mut m, 6100, st);
    assert_eq!(
        r.ev.iter()
            .map(|e| match e {
                MemberEvent::PeerRestarted { .. } => "restarted",
                MemberEvent::PeerReturned { .. } => "returned",
                MemberEvent::Deliver { .. } => "deliver",
                _ => "other",
            })
            .collect::<Vec<_>>(),
        ["restarted", "returned", "deliver"]
    );
}

#[test]
fn answers_reqnodes_and_passes_rexmit_requests_up() {
    let mut m = up_with_beta();
    let r = recv(
        &mut m,
        200,
        from_beta("reqnodes", Some(2), BETA_GEN, &[("dest", "alpha")]),
    );
    let rep: Vec<_> = r
        .sent()
        .into_iter()
        .filter(|s| s.get_str("t") != Some("NS_ackmsg"))
        .collect();
    assert_eq!(rep[0].get_str("t"), Some("repnodes"));
    assert_eq!(rep[0].get_str("dest"), Some("beta"));
    assert_eq!(rep[0].get_str("nodelist"), Some("alpha beta "));
    assert_eq!(rep[0].get_str("delnodelist"), Some(" "));
    let req = from_beta(
        "NS_rexmit",
        None,
        BETA_GEN,
        &[("dest", "alpha"), ("firstseq", "10"), ("lastseq", "12")],
    );
    assert_eq!(
        recv(&mut m, 300, req).ev,
        [MemberEvent::RexmitRequest {
            peer: "beta".into(),
            first: 10,
            last: 12
        }]
    );
}

#[test]
fn messages_for_other_nodes_are_counted_but_not_delivered() {
    let mut m = up_with_beta();
    let r = recv(
        &mut m,
        200,
        from_beta("ip-request-resp", Some(2), BETA_GEN, &[("dest", "beta")]),
    );
    assert!(r.delivered().is_empty());
    let r = recv(&mut m, 210, from_beta("resource", Some(3), BETA_GEN, &[]));
    assert_eq!(r.delivered(), ["resource"], "no gap at seq 2");
}

#[test]
fn overdue_heartbeat_is_probed_with_a_rexmit_request() {
    let mut m = up_with_beta();
    // Comm-up at 100 sent a status, so the next keepalive is at 1100.
    assert_eq!(m.next_deadline(), Some(t(1100)));
    let _ = tick(&mut m, 1100);
    // Beta's status of t=100 is overdue half a keepalive later.
    assert_eq!(m.next_deadline(), Some(t(1600)));
    let r = tick(&mut m, 1600);
    let probe = r.sent();
    assert_eq!(probe[0].get_str("t"), Some("NS_rexmit"));
    assert_eq!(probe[0].get_str("firstseq"), Some("2"));
    assert_eq!(m.next_deadline(), Some(t(1850)));
}

#[test]
fn malformed_packets_are_dropped_with_a_log() {
    let mut m = up_with_beta();
    let mut no_ts = status(2, "active");
    no_ts.remove("ts");
    assert!(recv(&mut m, 200, no_ts)
        .logs()
        .contains(&"process_clustermsg: missing from/ts/type"));
    let bad_seq = from_beta("resource", Some(0), BETA_GEN, &[]);
    assert!(recv(&mut m, 200, bad_seq)
        .logs()
        .contains(&"should_drop_message: bad sequence number"));
    let no_st = from_beta("status", Some(2), BETA_GEN, &[]);
    assert!(recv(&mut m, 200, no_st)
        .logs()
        .contains(&"HBDoMsg_T_STATUS: status update without st field"));
}

#[test]
fn a_node_not_in_the_cluster_is_logged_as_the_legacy_does() {
    let mut m = up_with_beta();
    let mut intruder = status(2, "active");
    intruder.remove("src");
    intruder.push_str("src", "intrdr");
    let r = recv(&mut m, 200, intruder);
    assert!(r.delivered().is_empty());
    assert!(r
        .logs()
        .contains(&"process_status_message: bad node [intrdr] in message"));
}

#[test]
fn acks_every_tenth_packet_until_flow_control_is_off() {
    let mut m = up_with_beta();
    let trigger = Peer::new("beta", t(0), 0).ack_trigger;
    let mut acked = Vec::new();
    for seq in 2..=21 {
        let r = recv(&mut m, 100 + seq, from_beta("x", Some(seq), BETA_GEN, &[]));
        acked.extend(
            r.sent()
                .iter()
                .filter(|s| s.get_str("t") == Some("NS_ackmsg"))
                .filter_map(|s| s.get_hex("ackseq")),
        );
    }
    assert_eq!(acked.len(), 2);
    assert!(acked.iter().all(|s| s % 10 == trigger));
    let old = from_beta("status", Some(22), BETA_GEN, &[("st", "active")]);
    let r = recv(&mut m, 300, old);
    assert!(r.out.contains(&Action::Log(
        Level::Info,
        "flow control disabled due to different version heartbeat".into()
    )));
    for seq in 23..=40 {
        let r = recv(&mut m, 300 + seq, from_beta("x", Some(seq), BETA_GEN, &[]));
        assert!(r.sent().iter().all(|s| s.get_str("t") != Some("NS_ackmsg")));
    }
}
