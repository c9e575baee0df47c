use super::*;
use crate::config::PingNode;

fn nodes() -> PingNodes {
    let mut c = Config::new("a", &["a", "b"]);
    c.deadtime_ms = 5000;
    c.warntime_ms = 3000;
    c.initdead_ms = 10_000;
    c.deadping_ms = 4000;
    c.ping_nodes = vec![PingNode::new("GW"), PingNode::new("10.0.0.1")];
    PingNodes::new(&c, Time::ZERO)
}

fn logs(out: &[Action]) -> Vec<String> {
    out.iter()
        .filter_map(|a| match a {
            Action::Log(_, t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn first_reply_brings_link_and_status_up_in_the_legacys_order() {
    let mut p = nodes();
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(100), "gw", &mut out, &mut ev);
    assert_eq!(
        logs(&out),
        ["Link gw:GW up.", "Status update for node gw: status ping"]
    );
    assert_eq!(ev, [PingEvent::Status("gw".into(), PingStatus::Ping)]);
    assert_eq!(p.status("gw"), Some(PingStatus::Ping));
    assert_eq!(p.status("10.0.0.1"), Some(PingStatus::Init));
    assert_eq!(p.count_alive(), 1);
    assert!(!p.settled());
    // A second reply changes nothing.
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(1100), "gw", &mut out, &mut ev);
    assert!(out.is_empty() && ev.is_empty());
}

#[test]
fn silence_kills_after_initdead_then_deadping() {
    let mut p = nodes();
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(100), "gw", &mut out, &mut ev);
    // Before comm-up, initdead (10 s) applies to the silent one.
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.tick(Time::from_ms(9000), false, &mut out, &mut ev);
    assert!(ev.is_empty());
    p.tick(Time::from_ms(10_001), false, &mut out, &mut ev);
    assert_eq!(logs(&out), ["node 10.0.0.1: is dead"]);
    assert!(p.settled());
    // After comm-up, deadping (4 s) from the last reply.
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    assert_eq!(p.next_deadline(true), Some(Time::from_ms(4101)));
    p.tick(Time::from_ms(4101), true, &mut out, &mut ev);
    assert_eq!(logs(&out), ["node gw: is dead", "Link gw:GW dead."]);
    assert_eq!(
        ev,
        [
            PingEvent::Status("gw".into(), PingStatus::Dead),
            PingEvent::LinkDead("gw".into())
        ]
    );
    assert_eq!(p.count_alive(), 0);
}

#[test]
fn a_late_reply_after_deadtime_is_dead_once_more_then_ping() {
    let mut p = nodes();
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(0), "gw", &mut out, &mut ev);
    p.tick(Time::from_ms(4500), true, &mut out, &mut ev);
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(26_020), "gw", &mut out, &mut ev);
    assert_eq!(
        logs(&out),
        [
            "Link gw:GW up.",
            "Late heartbeat: Node gw: interval 26020 ms (> deadtime)",
            "node gw: is dead",
            "Status update for node gw: status ping"
        ]
    );
    assert_eq!(ev, [PingEvent::Status("gw".into(), PingStatus::Ping)]);
    // Between warntime and deadtime: a warning only.
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(29_520), "gw", &mut out, &mut ev);
    assert_eq!(logs(&out), ["Late heartbeat: Node gw: interval 3500 ms"]);
    assert!(ev.is_empty());
}

#[test]
fn unknown_replies_are_ignored() {
    let mut p = nodes();
    let (mut out, mut ev) = (Vec::new(), Vec::new());
    p.reply(Time::from_ms(1), "other", &mut out, &mut ev);
    assert!(out.is_empty() && ev.is_empty());
}
