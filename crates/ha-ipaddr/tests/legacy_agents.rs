//! The native IPaddr2 (with the lvs_support heartbeat's wrapper turns on)
//! and IPv6addr beside the real agents, each in its own copy of the same
//! namespaces: the same addresses and routes afterwards, the same notes,
//! the same effect on the client (root, heartbeat and resource-agents
//! needed; under CI=true a missing agent fails).

mod support;

use std::net::Ipv6Addr;
use std::path::Path;
use std::time::{Duration, Instant};

use ha_config::haresources::IpSpec;
use ha_ipaddr::{
    start, start_ipv6, status_ipv6, stop, stop_ipv6, Announce, Flavor, Ipv6Request, Status,
};
use support::capture::{self, expected, parse_mac, SeenNa};
use support::legacy::{self, IPADDR2, IPV6ADDR};
use support::{backup_director, lan6, resolve_from_client, wait_for, Netns, Pair, STALE_MAC};

const VIP4: &str = "10.77.0.50";
const ARG4: &str = "10.77.0.50/24/v0";

fn native_ipaddr2(p: &Pair, op: &'static str, state: &Path) {
    let dir = state.to_path_buf();
    p.dir.run(move || {
        let mut plan = ha_ipaddr::plan(Flavor::IPaddr2, &IpSpec::parse(ARG4)).expect("plan");
        plan.state_dir = dir;
        match op {
            "start" => drop(start(&plan).expect("start")),
            _ => drop(stop(&plan).expect("stop")),
        }
    });
}

fn legacy_ok(ns: &Netns, wrapper: &str, arg: &str, op: &str, state: &Path) {
    let out = legacy::run(ns, wrapper, arg, op, state);
    assert_eq!(out.code, 0, "{wrapper} {arg} {op}:\n{}", out.output);
}

fn routes(p: &Pair) -> String {
    p.dir.ip(&["-4", "route", "show", "table", "main"])
}

fn note(state: &Path) -> Option<String> {
    std::fs::read_to_string(state.join(VIP4)).ok()
}

/// The client's MAC for the VIP once it is no longer the stale one.
fn fresh_neigh(p: &Pair) -> Option<String> {
    wait_for(Duration::from_secs(3), || {
        p.client.neigh(VIP4, "v1").filter(|m| m != STALE_MAC)
    })
}

#[test]
fn ipaddr2_lvs_support_matches_the_legacy_script() {
    if !legacy::available(IPADDR2) {
        return;
    }
    let (ours, theirs) = (backup_director("l2o", VIP4), backup_director("l2l", VIP4));
    let (our_state, their_state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    legacy_ok(&theirs.dir, IPADDR2, ARG4, "start", their_state.path());
    native_ipaddr2(&ours, "start", our_state.path());
    let taken = theirs.dir.addrs("-4");
    assert!(
        taken.contains(
            &"v0 inet 10.77.0.50/24 brd 10.77.0.255 scope global secondary v0".to_string()
        ),
        "{taken:?}"
    );
    assert_eq!(ours.dir.addrs("-4"), taken);
    assert_eq!(routes(&ours), routes(&theirs));
    assert_eq!(note(our_state.path()), note(their_state.path()));
    assert!(note(their_state.path()).is_some());
    assert_eq!(fresh_neigh(&theirs), Some(theirs.dir_mac.clone()));
    assert_eq!(fresh_neigh(&ours), Some(ours.dir_mac.clone()));

    legacy_ok(&theirs.dir, IPADDR2, ARG4, "stop", their_state.path());
    native_ipaddr2(&ours, "stop", our_state.path());
    let released = theirs.dir.addrs("-4");
    assert!(
        released.contains(&"lo inet 10.77.0.50/32 brd 255.255.255.255 scope global lo".to_string()),
        "{released:?}"
    );
    assert_eq!(ours.dir.addrs("-4"), released);
    assert_eq!(routes(&ours), routes(&theirs));
    assert_eq!(
        (note(our_state.path()), note(their_state.path())),
        (None, None)
    );
}

#[test]
fn ipaddr2_hands_its_note_to_the_legacy_and_back() {
    if !legacy::available(IPADDR2) {
        return;
    }
    let p = backup_director("l2x", VIP4);
    let state = tempfile::tempdir().unwrap();
    let on_lo = "lo inet 10.77.0.50/32 brd 255.255.255.255 scope global lo".to_string();

    // Taken over by the legacy script, released by us.
    legacy_ok(&p.dir, IPADDR2, ARG4, "start", state.path());
    native_ipaddr2(&p, "stop", state.path());
    assert!(
        p.dir.addrs("-4").contains(&on_lo),
        "{:?}",
        p.dir.addrs("-4")
    );
    assert_eq!(note(state.path()), None);

    // Taken over by us, released by the legacy script.
    native_ipaddr2(&p, "start", state.path());
    legacy_ok(&p.dir, IPADDR2, ARG4, "stop", state.path());
    assert!(
        p.dir.addrs("-4").contains(&on_lo),
        "{:?}",
        p.dir.addrs("-4")
    );
    assert_eq!(note(state.path()), None);
}

const VIP6: &str = "2001:db8:77::10";
const ARG6: &str = "2001:db8:77::10/64/v0";

fn req(arg: &str) -> Ipv6Request {
    Ipv6Request::parse(arg).expect("argument")
}

fn gaps(seen: &[(Instant, SeenNa)]) -> Vec<bool> {
    seen.windows(2)
        .map(|w| {
            let gap = w[1].0 - w[0].0;
            gap >= Duration::from_millis(900) && gap < Duration::from_millis(1300)
        })
        .collect()
}

#[test]
fn ipv6addr_takeover_matches_the_legacy_agent() {
    if !legacy::available(IPV6ADDR) {
        return;
    }
    let (ours, theirs) = (lan6("6o"), lan6("6l"));
    let state = tempfile::tempdir().unwrap();

    legacy_ok(&theirs.dirs[0], IPV6ADDR, ARG6, "start", state.path());
    ours.dirs[0].run(|| drop(start_ipv6(&req(ARG6)).expect("start")));
    let placed = theirs.dirs[0].addrs("-6");
    assert!(
        placed.contains(&"v0 inet6 2001:db8:77::10/64 scope global".to_string()),
        "{placed:?}"
    );
    assert_eq!(ours.dirs[0].addrs("-6"), placed);
    assert_eq!(
        resolve_from_client(&theirs, VIP6),
        Some(theirs.macs[0].clone())
    );
    assert_eq!(resolve_from_client(&ours, VIP6), Some(ours.macs[0].clone()));

    legacy_ok(&theirs.dirs[0], IPV6ADDR, ARG6, "stop", state.path());
    ours.dirs[0].run(|| assert!(stop_ipv6(&req(ARG6)).expect("stop")));
    assert_eq!(ours.dirs[0].addrs("-6"), theirs.dirs[0].addrs("-6"));

    // The takeover by the second director, both at once, each client
    // listening.
    let vip: Ipv6Addr = VIP6.parse().unwrap();
    let their_capture = capture::start(&theirs.client, "br0", vip, Duration::from_secs(10), 6);
    let our_capture = capture::start(&ours.client, "br0", vip, Duration::from_secs(10), 6);
    let ours_start = ours.dirs[1].spawn(|| match start_ipv6(&req(ARG6)).expect("start").announce {
        Announce::Sending(h) => h.wait().expect("advertisements"),
        other => panic!("no announcement: {other:?}"),
    });
    legacy_ok(&theirs.dirs[1], IPV6ADDR, ARG6, "start", state.path());
    let sent = ours_start.join().expect("our start");
    assert_eq!(sent, 5);
    let (theirs_seen, ours_seen) = (their_capture.join().unwrap(), our_capture.join().unwrap());

    let fields =
        |seen: &[(Instant, SeenNa)]| seen.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        fields(&theirs_seen),
        vec![expected(vip, parse_mac(&theirs.macs[1])); 5]
    );
    assert_eq!(
        fields(&ours_seen),
        vec![expected(vip, parse_mac(&ours.macs[1])); 5]
    );
    assert_eq!(gaps(&theirs_seen), [true; 4]);
    assert_eq!(gaps(&ours_seen), [true; 4]);
    assert_eq!(
        theirs.client.neigh(VIP6, "br0"),
        Some(theirs.macs[1].clone())
    );
    assert_eq!(ours.client.neigh(VIP6, "br0"), Some(ours.macs[1].clone()));
    assert_eq!(ours.dirs[1].addrs("-6"), theirs.dirs[1].addrs("-6"));
}

/// v0 (up, 2001:db8:77::11/64 and the VIP ::70/64) and x0 (down: its
/// 2001:db8:9::71/64 stays tentative).
fn agent_ns(tag: &str) -> Netns {
    let ns = Netns::new(tag);
    for (dev, peer) in [("v0", "w0"), ("x0", "y0")] {
        ns.ip(&["link", "add", dev, "type", "veth", "peer", "name", peer]);
    }
    for dev in ["w0", "v0"] {
        ns.ip(&["link", "set", dev, "up"]);
    }
    ns.ip(&["addr", "add", "2001:db8:77::11/64", "dev", "v0", "nodad"]);
    ns.ip(&["addr", "add", "2001:db8:77::70/64", "dev", "v0", "nodad"]);
    ns.ip(&["addr", "add", "2001:db8:9::71/64", "dev", "x0"]);
    ns
}

#[test]
fn ipv6addr_status_and_stop_agree_with_the_legacy_agent() {
    if !legacy::available(IPV6ADDR) {
        return;
    }
    let (ours, theirs) = (agent_ns("6so"), agent_ns("6sl"));
    let state = tempfile::tempdir().unwrap();
    let cases = [
        "2001:db8:77::70/64/v0",
        "2001:db8:77::70/64/lo",
        "2001:db8:77::70",
        "2001:db8:77::79/64/v0",
        "2001:db8:9::71/64/x0",
    ];
    for arg in cases {
        let out = legacy::run(&theirs, IPV6ADDR, arg, "status", state.path());
        let legacy = match out.code {
            0 => Status::Running,
            7 => Status::Stopped,
            c => panic!("{arg}: legacy status {c}:\n{}", out.output),
        };
        let native = ours.run(move || status_ipv6(&req(arg)).expect("status"));
        assert_eq!(native, legacy, "{arg}");
    }
    for arg in [
        "2001:db8:77::70/64/x0",
        "2001:db8:77::70/48",
        "2001:db8:77::70",
    ] {
        legacy_ok(&theirs, IPV6ADDR, arg, "stop", state.path());
        ours.run(move || stop_ipv6(&req(arg)).expect("stop"));
        assert_eq!(ours.addrs("-6"), theirs.addrs("-6"), "after stop {arg}");
    }
    assert!(!theirs.addrs("-6").iter().any(|l| l.contains("::70/")));
}
