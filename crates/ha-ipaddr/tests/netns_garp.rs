//! Gratuitous ARP as the LAN sees it: the client's frames and ARP cache
//! (root needed).

mod support;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use ha_config::haresources::IpSpec;
use ha_ipaddr::{start, stop, Announce, ArpKind, Flavor, GarpSchedule};
use pnet_datalink::{Channel, Config};
use pnet_packet::arp::{ArpOperations, ArpPacket};
use pnet_packet::ethernet::{EtherTypes, EthernetPacket};
use pnet_packet::Packet;
use support::{pair, plan, wait_for};

const VIP: &str = "10.77.0.100";

/// Starts the VIP on the director; waits for the whole schedule to be sent.
fn start_vip(p: &support::Pair, flavor: Flavor, schedule: Option<GarpSchedule>) -> u32 {
    p.dir.run(move || {
        let mut plan = plan(flavor, &IpSpec::parse("10.77.0.100/24/v0")).expect("plan");
        if let Some(s) = schedule {
            plan.garp = s;
        }
        match start(&plan).expect("start").announce {
            Announce::Sending(h) => h.wait().expect("ARP sender"),
            other => panic!("no announcement: {other:?}"),
        }
    })
}

#[test]
fn garp_creates_the_clients_neighbour_entry() {
    let p = pair("accept");
    // Linux only learns from unsolicited ARP with arp_accept.
    p.client.sysctl("net.ipv4.conf.all.arp_accept", "1");
    p.client.sysctl("net.ipv4.conf.v1.arp_accept", "1");
    assert_eq!(p.client.neigh(VIP, "v1"), None);
    let quick = GarpSchedule {
        count: 1,
        interval: Duration::from_millis(10),
    };
    assert_eq!(start_vip(&p, Flavor::IPaddr2, Some(quick)), 2);
    let learned = wait_for(Duration::from_secs(2), || p.client.neigh(VIP, "v1"));
    assert_eq!(learned, Some(p.dir_mac.clone()));
}

#[test]
fn garp_replaces_a_stale_neighbour() {
    let p = pair("stale");
    p.client.ip(&[
        "neigh",
        "add",
        VIP,
        "lladdr",
        "02:00:00:00:00:99",
        "nud",
        "stale",
        "dev",
        "v1",
    ]);
    let quick = GarpSchedule {
        count: 1,
        interval: Duration::from_millis(10),
    };
    start_vip(&p, Flavor::IPaddr, Some(quick));
    let updated = wait_for(Duration::from_secs(2), || {
        p.client
            .neigh(VIP, "v1")
            .filter(|m| *m != "02:00:00:00:00:99")
    });
    assert_eq!(updated, Some(p.dir_mac.clone()));
}

#[test]
fn stop_cancels_a_running_announcement() {
    let p = pair("cancel");
    let (sent, took) = p.dir.run(|| {
        // IPaddr's own schedule: 10 pairs over 4.75 s.
        let plan = plan(Flavor::IPaddr, &IpSpec::parse("10.77.0.100/24/v0")).expect("plan");
        let Announce::Sending(h) = start(&plan).expect("start").announce else {
            panic!("no announcement");
        };
        let t = Instant::now();
        assert!(stop(&plan).expect("stop"));
        (h.wait().expect("ARP sender"), t.elapsed())
    });
    assert!(sent < 4, "{sent} frames");
    assert!(took < Duration::from_millis(500), "{took:?}");
}

/// An ARP frame as captured: (when, kind, eth src, sender hw, target hw).
type Seen = (Instant, ArpKind, [u8; 6], [u8; 6], [u8; 6]);

#[test]
fn ipaddr2_sends_five_request_reply_pairs() {
    let p = pair("frames");
    let (ready_tx, ready_rx) = mpsc::channel();
    let capture = p.client.spawn(move || -> Vec<Seen> {
        let iface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == "v1")
            .expect("v1 in client namespace");
        let config = Config {
            read_timeout: Some(Duration::from_millis(50)),
            promiscuous: false,
            ..Config::default()
        };
        let Ok(Channel::Ethernet(_, mut rx)) = pnet_datalink::channel(&iface, config) else {
            panic!("no packet socket on v1");
        };
        ready_tx.send(()).expect("test alive");
        let mut seen = Vec::new();
        let end = Instant::now() + Duration::from_secs(4);
        while Instant::now() < end && seen.len() < 10 {
            let Ok(frame) = rx.next() else { continue };
            if let Some(s) = parse(frame) {
                seen.push(s);
            }
        }
        seen
    });
    ready_rx.recv().expect("capture ready");
    let sent = start_vip(&p, Flavor::IPaddr2, None);
    let seen = capture.join().expect("capture thread");

    assert_eq!(sent, 10);
    assert_eq!(seen.len(), 10, "{seen:?}");
    let mac = parse_mac(&p.dir_mac);
    for (i, (_, kind, eth_src, sha, tha)) in seen.iter().enumerate() {
        let expect = if i % 2 == 0 {
            ArpKind::Request
        } else {
            ArpKind::Reply
        };
        assert_eq!(*kind, expect, "frame {i}");
        assert_eq!((*eth_src, *sha), (mac, mac), "frame {i}");
        let tha_expected = if expect == ArpKind::Request {
            [0; 6]
        } else {
            mac
        };
        assert_eq!(*tha, tha_expected, "frame {i}");
    }
    // 5 pairs 200 ms apart, 100 ms within a pair: 900 ms first to last.
    let span = seen[9].0 - seen[0].0;
    assert!(
        span >= Duration::from_millis(850) && span < Duration::from_millis(1500),
        "{span:?}"
    );
    let gap = seen[1].0 - seen[0].0;
    assert!(gap >= Duration::from_millis(80), "{gap:?}");
}

/// An ARP announcing the VIP (sender and target protocol address both VIP).
fn parse(frame: &[u8]) -> Option<Seen> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_ethertype() != EtherTypes::Arp {
        return None;
    }
    let arp = ArpPacket::new(eth.payload())?;
    let vip: std::net::Ipv4Addr = VIP.parse().ok()?;
    if arp.get_sender_proto_addr() != vip || arp.get_target_proto_addr() != vip {
        return None;
    }
    if eth.get_destination().octets() != [0xff; 6] {
        return None;
    }
    let kind = match arp.get_operation() {
        ArpOperations::Request => ArpKind::Request,
        ArpOperations::Reply => ArpKind::Reply,
        _ => return None,
    };
    Some((
        Instant::now(),
        kind,
        eth.get_source().octets(),
        arp.get_sender_hw_addr().octets(),
        arp.get_target_hw_addr().octets(),
    ))
}

fn parse_mac(s: &str) -> [u8; 6] {
    let mut out = [0u8; 6];
    for (o, part) in out.iter_mut().zip(s.split(':')) {
        *o = u8::from_str_radix(part, 16).expect("hex MAC");
    }
    out
}
