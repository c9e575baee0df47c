//! ipfail's decisions one message at a time (the E-numbers of facts §2.4).

use super::*;

fn cfg(mode: FailbackMode) -> Config {
    let mut c = Config::new("nodea", &["nodea", "nodeb"]);
    c.auto_failback = mode;
    c.ipfail = true;
    c
}

fn running() -> Ipfail {
    let mut i = Ipfail::new(&cfg(FailbackMode::On));
    let mut out = Vec::new();
    i.start(&mut out);
    i
}

fn view(count: usize) -> View {
    View {
        count,
        stable: true,
    }
}

fn logs(out: &[Action]) -> Vec<&str> {
    out.iter()
        .filter_map(|a| match a {
            Action::Log(l, t) if *l >= Level::Info => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// Each sent message as `t field=value…` in wire order.
fn sent(out: &[Action]) -> Vec<String> {
    out.iter()
        .filter_map(|a| match a {
            Action::Send(m) => Some(
                m.iter()
                    .map(|f| {
                        format!(
                            "{}={}",
                            String::from_utf8_lossy(&f.name),
                            m.get_str(&f.name).unwrap_or("?")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
        .collect()
}

fn from_peer(t: &str, extra: &[(&str, &str)]) -> Message {
    let mut f = vec![("src", "nodeb")];
    f.extend_from_slice(extra);
    f.extend([
        ("dest", "nodea"),
        ("from_id", "ipfail"),
        ("to_id", "ipfail"),
    ]);
    build(t, &f)
}

#[test]
fn start_announces_the_join_and_legacy_mode_is_refused() {
    let mut i = Ipfail::new(&cfg(FailbackMode::On));
    let mut out = Vec::new();
    i.start(&mut out);
    assert_eq!(
        sent(&out),
        ["t=hbapi-clstat st=join from_id=ipfail to_id=ipfail src=nodea info=signon client_gen=0"]
    );
    let mut i = Ipfail::new(&cfg(FailbackMode::Legacy));
    let mut out = Vec::new();
    i.start(&mut out);
    assert_eq!(
        logs(&out),
        ["auto_failback set to incompatible legacy option."]
    );
    assert!(sent(&out).is_empty());
    i.link_dead(view(0), &mut out);
    assert_eq!(out.len(), 1, "a refused ipfail does nothing");
    let mut c = cfg(FailbackMode::On);
    c.ipfail = false;
    let mut i = Ipfail::new(&c);
    let mut out = Vec::new();
    i.start(&mut out);
    assert!(out.is_empty());
}

#[test]
fn the_peers_join_is_answered_with_our_count() {
    let mut i = running();
    let mut out = Vec::new();
    let join = build(
        "hbapi-clstat",
        &[
            ("st", "join"),
            ("from_id", "ipfail"),
            ("to_id", "ipfail"),
            ("src", "nodeb"),
            ("info", "signon"),
            ("client_gen", "0"),
        ],
    );
    i.peer_message(Time::ZERO, &join, view(1), &mut out);
    assert_eq!(
        sent(&out),
        ["t=num_ping_nodes src=nodea num_ping=1 dest=nodeb from_id=ipfail to_id=ipfail client_gen=0"]
    );
}

#[test]
fn losing_the_ping_node_sends_zero_and_the_peer_says_we_are_dead() {
    let mut i = running();
    let mut out = Vec::new();
    i.node_status(true, view(0), &mut out);
    i.link_dead(view(0), &mut out);
    assert_eq!(
        logs(&out)[..3],
        [
            "NS: We are dead. :<",
            "We are dead. :<",
            "Asking other side for ping node count."
        ]
    );
    assert_eq!(sent(&out).len(), 1);
    assert!(sent(&out)[0].contains("num_ping=0"));
    let mut out = Vec::new();
    i.peer_message(
        Time::from_ms(100),
        &from_peer("you_are_dead", &[]),
        view(0),
        &mut out,
    );
    assert_eq!(
        logs(&out),
        [
            "Giving up because we were told that we have less ping nodes.",
            "Delayed giveup in 2 seconds."
        ]
    );
    assert_eq!(i.next_deadline(), Some(Time::from_ms(2100)));
    assert_eq!(i.tick(Time::from_ms(2099), view(0), &mut out), None);
    let mut out = Vec::new();
    assert_eq!(
        i.tick(Time::from_ms(2100), view(0), &mut out),
        Some(RscSet::ALL)
    );
    assert_eq!(logs(&out), ["giveup() called (timeout worked)"]);
}

#[test]
fn counts_decide_who_gives_up() {
    // More than the peer: tell it.
    let mut i = running();
    let mut out = Vec::new();
    i.peer_message(
        Time::ZERO,
        &from_peer("num_ping_nodes", &[("num_ping", "0")]),
        view(1),
        &mut out,
    );
    assert_eq!(
        sent(&out),
        ["t=you_are_dead dest=nodeb from_id=ipfail to_id=ipfail client_gen=0"]
    );
    assert_eq!(i.next_deadline(), None);
    // Fewer: give up everything after two keepalives.
    let mut out = Vec::new();
    i.peer_message(
        Time::ZERO,
        &from_peer("num_ping_nodes", &[("num_ping", "2")]),
        view(1),
        &mut out,
    );
    assert_eq!(
        logs(&out),
        [
            "Giving up because we have less visible ping nodes.",
            "Delayed giveup in 2 seconds."
        ]
    );
    assert!(sent(&out).is_empty());
    // Balanced: the pending giveup is aborted on both sides.
    let mut out = Vec::new();
    i.peer_message(
        Time::from_ms(500),
        &from_peer("num_ping_nodes", &[("num_ping", "1")]),
        view(1),
        &mut out,
    );
    assert_eq!(
        logs(&out),
        ["Ping node count is balanced.", "Aborted delayed giveup (1)"]
    );
    assert_eq!(
        sent(&out),
        ["t=abort_giveup src=nodea dest=nodeb from_id=ipfail to_id=ipfail client_gen=0"]
    );
    assert_eq!(i.next_deadline(), None);
}

#[test]
fn balanced_with_auto_failback_gives_foreign_back_unless_aborted() {
    let mut i = running();
    let mut out = Vec::new();
    i.peer_message(
        Time::ZERO,
        &from_peer("num_ping_nodes", &[("num_ping", "1")]),
        view(1),
        &mut out,
    );
    assert_eq!(
        logs(&out),
        [
            "Ping node count is balanced.",
            "Giving up foreign resources (auto_failback).",
            "Delayed giveup in 2 seconds."
        ]
    );
    let mut out = Vec::new();
    assert_eq!(
        i.tick(Time::from_ms(2000), view(1), &mut out),
        Some(RscSet::FOREIGN)
    );
    // The same again, but the peer's abort arrives first.
    i.peer_message(
        Time::from_ms(3000),
        &from_peer("num_ping_nodes", &[("num_ping", "1")]),
        view(1),
        &mut out,
    );
    let mut out = Vec::new();
    i.peer_message(
        Time::from_ms(3100),
        &from_peer("abort_giveup", &[]),
        view(1),
        &mut out,
    );
    assert_eq!(logs(&out), ["Aborted delayed giveup (2)"]);
    assert_eq!(i.tick(Time::from_ms(9000), view(1), &mut out), None);
    let mut out = Vec::new();
    i.peer_message(
        Time::from_ms(9100),
        &from_peer("abort_giveup", &[]),
        view(1),
        &mut out,
    );
    assert_eq!(logs(&out), ["No giveup timer to abort."]);
    // auto_failback off: balanced does nothing more.
    let mut i = Ipfail::new(&cfg(FailbackMode::Off));
    i.start(&mut Vec::new());
    let mut out = Vec::new();
    i.peer_message(
        Time::ZERO,
        &from_peer("num_ping_nodes", &[("num_ping", "1")]),
        view(1),
        &mut out,
    );
    assert_eq!(i.next_deadline(), None);
}

#[test]
fn an_unstable_giveup_waits_for_the_stable_peer_then_counts_again() {
    let mut i = running();
    let mut out = Vec::new();
    i.peer_message(
        Time::ZERO,
        &from_peer("you_are_dead", &[]),
        view(0),
        &mut out,
    );
    let unstable = View {
        count: 0,
        stable: false,
    };
    assert_eq!(i.tick(Time::from_ms(2000), unstable, &mut out), None);
    // The partner's own resource message says stable: count again 10 s on.
    let res = build(
        "resource",
        &[
            ("rsc_hold", "all"),
            ("rtype", "full"),
            ("isstable", "1"),
            ("src", "nodeb"),
        ],
    );
    i.peer_message(Time::from_ms(3000), &res, unstable, &mut out);
    assert_eq!(i.next_deadline(), Some(Time::from_ms(13_000)));
    let mut out = Vec::new();
    assert_eq!(i.tick(Time::from_ms(13_000), view(0), &mut out), None);
    assert!(sent(&out)[0].starts_with("t=num_ping_nodes src=nodea num_ping=0"));
}

#[test]
fn messages_not_for_ipfail_or_malformed_are_ignored() {
    let mut i = running();
    let mut out = Vec::new();
    let not_ours = build("you_are_dead", &[("src", "nodeb"), ("to_id", "other")]);
    i.peer_message(Time::ZERO, &not_ours, view(1), &mut out);
    let bad = from_peer("num_ping_nodes", &[("num_ping", "x")]);
    i.peer_message(Time::ZERO, &bad, view(1), &mut out);
    let missing = from_peer("num_ping_nodes", &[]);
    i.peer_message(Time::ZERO, &missing, view(1), &mut out);
    assert!(sent(&out).is_empty());
    assert_eq!(i.next_deadline(), None);
}

#[test]
fn client_status_queries_are_answered() {
    let q = |cn: &str| {
        build(
            "query-cstatus",
            &[
                ("dest", "nodea"),
                ("cn", cn),
                ("from_id", "362"),
                ("src", "nodeb"),
            ],
        )
    };
    let mut i = running();
    let mut out = Vec::new();
    i.peer_message(Time::ZERO, &q("ipfail"), view(1), &mut out);
    i.peer_message(Time::ZERO, &q("ccm"), view(1), &mut out);
    assert_eq!(
        sent(&out),
        [
            "t=respond-cstatus dest=nodeb result=OK cn=ipfail to_id=362 cs=online",
            "t=respond-cstatus dest=nodeb result=OK cn=ccm to_id=362 cs=offline"
        ]
    );
    let mut off = Ipfail::new(&cfg(FailbackMode::Legacy));
    off.start(&mut Vec::new());
    let mut out = Vec::new();
    off.peer_message(Time::ZERO, &q("ipfail"), view(1), &mut out);
    assert!(sent(&out)[0].ends_with("cs=offline"));
}

#[test]
fn a_message_without_to_id_reaches_ipfail_as_every_client() {
    let mut i = running();
    let mut out = Vec::new();
    let m = build("you_are_dead", &[("dest", "nodea"), ("src", "nodeb")]);
    i.peer_message(Time::ZERO, &m, view(0), &mut out);
    assert_eq!(i.next_deadline(), Some(Time::from_ms(2000)));
}
