//! IPv6addr on real interfaces: two directors and a client on one bridge
//! (root needed). The VIP moves between the directors and the client's
//! neighbour cache follows, thanks to the unsolicited advertisements.

mod support;

use std::time::Duration;

use ha_ipaddr::{
    start_ipv6, start_ipv6_with, status_ipv6, stop_ipv6, Announce, Ipv6Request, Status, UaSchedule,
};
use support::capture::{self, expected, parse_mac};
use support::{lan6, resolve_from_client, wait_for};

const QUICK: UaSchedule = UaSchedule {
    count: 1,
    interval: Duration::from_millis(10),
};

fn req(arg: &str) -> Ipv6Request {
    Ipv6Request::parse(arg).expect("argument")
}

#[test]
fn the_vip_moves_and_the_clients_neighbour_entry_follows() {
    let lan = lan6("move");
    let vip = "2001:db8:77::10";
    let arg = "2001:db8:77::10/64/v0";
    let first =
        lan.dirs[0].run(move || start_ipv6_with(&req(arg), QUICK).map_err(|e| e.to_string()));
    assert!(!first.unwrap().already_running);
    // The client talks to the VIP at the first director and caches its MAC.
    assert_eq!(resolve_from_client(&lan, vip), Some(lan.macs[0].clone()));

    let removed = lan.dirs[0].run(move || stop_ipv6(&req(arg)).map_err(|e| e.to_string()));
    assert_eq!(removed, Ok(true));
    assert_eq!(lan.dirs[0].addr6(vip), None);
    let (started, now) = lan.dirs[1]
        .run(move || {
            let started = start_ipv6(&req(arg)).map_err(|e| e.to_string())?;
            Ok::<_, String>((started, status_ipv6(&req(arg)).map_err(|e| e.to_string())?))
        })
        .unwrap();
    assert!(!started.already_running);
    assert!(
        matches!(started.announce, Announce::Sending(_)),
        "{:?}",
        started.announce
    );
    assert_eq!(now, Status::Running, "duplicate address detection is over");
    // As IPv6addr adds it: with duplicate address detection, done.
    assert_eq!(
        lan.dirs[1].addr6(vip).as_deref(),
        Some("v0 inet6 2001:db8:77::10/64 scope global")
    );
    // Without the advertisement the client would keep the first
    // director's MAC, reachable, for half a minute.
    let followed = wait_for(Duration::from_secs(1), || {
        lan.client.neigh(vip, "br0").filter(|m| *m == lan.macs[1])
    });
    assert_eq!(followed, Some(lan.macs[1].clone()));
}

#[test]
fn five_advertisements_a_second_apart() {
    let lan = lan6("five");
    let vip: std::net::Ipv6Addr = "2001:db8:77::20".parse().unwrap();
    let capture = capture::start(&lan.client, "br0", vip, Duration::from_secs(7), 6);
    let sent = lan.dirs[0].run(|| match start_ipv6(&req("2001:db8:77::20/64/v0")) {
        Ok(s) => match s.announce {
            Announce::Sending(h) => h.wait().map_err(|e| e.to_string()),
            other => Err(format!("no announcement: {other:?}")),
        },
        Err(e) => Err(e.to_string()),
    });
    assert_eq!(sent, Ok(5));
    let seen = capture.join().expect("capture");
    let want = expected(vip, parse_mac(&lan.macs[0]));
    let fields: Vec<_> = seen.iter().map(|(_, na)| na.clone()).collect();
    assert_eq!(fields, vec![want; 5]);
    for pair in seen.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(
            gap >= Duration::from_millis(900) && gap < Duration::from_millis(1300),
            "{gap:?}"
        );
    }
}

#[test]
fn start_and_stop_are_idempotent_and_status_is_the_agents() {
    let lan = lan6("idem");
    let arg = "2001:db8:77::30/64/v0";
    let ns = &lan.dirs[0];
    let (before, first, second, during, stops, after) = ns
        .run(move || {
            let r = req(arg);
            let before = status_ipv6(&r)?;
            let first = start_ipv6_with(&r, QUICK)?;
            let second = start_ipv6_with(&r, QUICK)?;
            let during = status_ipv6(&r)?;
            let stops = [stop_ipv6(&r)?, stop_ipv6(&r)?];
            Ok::<_, ha_ipaddr::Error>((before, first, second, during, stops, status_ipv6(&r)?))
        })
        .unwrap();
    assert_eq!(before, Status::Stopped);
    assert!(!first.already_running);
    assert!(second.already_running);
    assert!(
        matches!(second.announce, Announce::NotSent),
        "nothing changed, nothing sent"
    );
    assert_eq!(during, Status::Running);
    assert_eq!(stops, [true, false]);
    assert_eq!(after, Status::Stopped);
}

#[test]
fn the_interface_is_found_by_network_and_stop_insists_on_the_argument() {
    let lan = lan6("where");
    let ns = &lan.dirs[0];
    let placed = ns.run(|| {
        start_ipv6_with(&req("2001:db8:77::40"), QUICK)
            .map(drop)
            .map_err(|e| e.to_string())
    });
    assert_eq!(placed, Ok(()));
    assert_eq!(
        ns.addr6("2001:db8:77::40").as_deref(),
        Some("v0 inet6 2001:db8:77::40/64 scope global")
    );
    // Stop looks where the argument says, as the agent: elsewhere it
    // succeeds and leaves the address.
    let elsewhere = ns.run(|| {
        [
            stop_ipv6(&req("2001:db8:77::40/64/lo")),
            stop_ipv6(&req("2001:db8:77::40/48")),
        ]
        .map(|r| r.map_err(|e| e.to_string()))
    });
    assert_eq!(elsewhere, [Ok(false), Ok(false)]);
    assert!(ns.addr6("2001:db8:77::40").is_some());
    // Status answers for the whole namespace, as the agent's echo does.
    let status = ns.run(|| status_ipv6(&req("2001:db8:77::40/64/lo")).map_err(|e| e.to_string()));
    assert_eq!(status, Ok(Status::Running));
}

#[test]
fn a_duplicate_fails_the_start_and_is_not_announced() {
    let lan = lan6("dup");
    // The other director still has it (a split brain).
    lan.dirs[0].ip(&["addr", "add", "2001:db8:77::50/64", "dev", "v0", "nodad"]);
    let vip: std::net::Ipv6Addr = "2001:db8:77::50".parse().unwrap();
    let capture = capture::start(&lan.client, "br0", vip, Duration::from_secs(4), 1);
    let err = lan.dirs[1].run(|| {
        start_ipv6(&req("2001:db8:77::50/64/v0"))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    assert_eq!(
        err,
        Err("IPv6addr::2001:db8:77::50/64/v0: 2001:db8:77::50 is in use by another node on v0's link (duplicate address detection failed)".into())
    );
    // Left as the agent leaves it; not running.
    let line = lan.dirs[1]
        .addr6("2001:db8:77::50")
        .expect("left configured");
    assert!(line.contains("dadfailed"), "{line}");
    let status =
        lan.dirs[1].run(|| status_ipv6(&req("2001:db8:77::50/64/v0")).map_err(|e| e.to_string()));
    assert_eq!(status, Ok(Status::Stopped));
    let seen = capture.join().expect("capture");
    let from_second: Vec<_> = seen
        .iter()
        .filter(|(_, na)| na.eth_src == parse_mac(&lan.macs[1]))
        .map(|(_, na)| na.clone())
        .collect();
    assert_eq!(from_second, []);
}

#[test]
fn a_down_interface_never_finishes_duplicate_address_detection() {
    let lan = lan6("down");
    lan.dirs[0].ip(&["link", "set", "v0", "down"]);
    let err = lan.dirs[0].run(|| {
        start_ipv6(&req("2001:db8:77::60/64/v0"))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    assert_eq!(
        err,
        Err("IPv6addr::2001:db8:77::60/64/v0: 2001:db8:77::60 is still tentative after 5 s (duplicate address detection unfinished: is v0 up?)".into())
    );
}
