//! Planning against hand-made snapshots: eth0 10.0.0.1/24 (brd .255),
//! eth1 192.168.1.1/24 without brd, a default route via eth0.

use super::*;
use crate::kernel::{Address, Link};

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn connected(net: &str, len: u8, oif: u32, src: &str) -> Route {
    Route {
        dst: ip(net),
        prefix_len: len,
        oif,
        link_scope: true,
        metric: 0,
        prefsrc: Some(ip(src)),
    }
}

fn addr(index: u32, local: &str, len: u8, brd: Option<&str>, label: &str) -> Address {
    Address {
        index,
        local: ip(local),
        prefix_len: len,
        broadcast: brd.map(ip),
        label: label.into(),
    }
}

fn snap() -> Snapshot {
    let link = |index, name: &str| Link {
        index,
        name: name.into(),
        mac: Some([2, 0, 0, 0, 0, index as u8]),
        up: true,
        loopback: false,
    };
    Snapshot {
        links: vec![link(2, "eth0"), link(3, "eth1")],
        addresses: vec![
            addr(2, "10.0.0.1", 24, Some("10.0.0.255"), "eth0"),
            addr(3, "192.168.1.1", 24, None, "eth1"),
        ],
        routes: vec![
            Route {
                dst: Ipv4Addr::UNSPECIFIED,
                prefix_len: 0,
                oif: 2,
                link_scope: false,
                metric: 0,
                prefsrc: None,
            },
            connected("10.0.0.0", 24, 2, "10.0.0.1"),
            connected("192.168.1.0", 24, 3, "192.168.1.1"),
        ],
    }
}

fn plan(flavor: Flavor, arg: &str, s: &Snapshot) -> Result<AddressPlan, Error> {
    plan_with(flavor, &IpSpec::parse(arg), s)
}

#[test]
fn ipaddr_picks_subnet_and_first_alias() {
    let p = plan(Flavor::IPaddr, "10.0.0.100", &snap()).unwrap();
    assert_eq!(
        (p.interface.as_str(), p.ifindex, p.prefix_len),
        ("eth0", 2, 24)
    );
    assert_eq!(p.broadcast, Some(ip("10.0.0.255")));
    assert_eq!(p.label.as_deref(), Some("eth0:0"));
    assert_eq!(p.netmask(), ip("255.255.255.0"));
    assert!(!p.nic_given);
    assert_eq!(p.garp, GarpSchedule::legacy(Flavor::IPaddr));
}

#[test]
fn ipaddr_broadcast_follows_given_netmask() {
    let p = plan(Flavor::IPaddr, "192.168.1.10/27", &snap()).unwrap();
    assert_eq!((p.interface.as_str(), p.prefix_len), ("eth1", 27));
    assert_eq!(p.broadcast, Some(ip("192.168.1.31")));
}

#[test]
fn ipaddr_next_free_alias() {
    let mut s = snap();
    s.addresses.push(addr(2, "10.0.0.50", 24, None, "eth0:0"));
    s.addresses.push(addr(2, "10.0.0.51", 24, None, "eth0:2"));
    let p = plan(Flavor::IPaddr, "10.0.0.100", &s).unwrap();
    assert_eq!(p.label.as_deref(), Some("eth0:1"));
    // An address already up keeps its alias.
    let p = plan(Flavor::IPaddr, "10.0.0.51", &s).unwrap();
    assert_eq!(p.label.as_deref(), Some("eth0:2"));
}

#[test]
fn ipaddr2_plain_secondary_with_route_src_broadcast() {
    let p = plan(Flavor::IPaddr2, "10.0.0.100", &snap()).unwrap();
    assert_eq!((p.interface.as_str(), p.prefix_len), ("eth0", 24));
    assert_eq!(p.label, None);
    assert_eq!(p.broadcast, Some(ip("10.0.0.255")));
    // eth1's own address has no brd, so neither does the VIP.
    let p = plan(Flavor::IPaddr2, "192.168.1.10", &snap()).unwrap();
    assert_eq!(p.broadcast, None);
    assert_eq!(p.garp, GarpSchedule::legacy(Flavor::IPaddr2));
}

#[test]
fn ipaddr2_label_and_computed_broadcast() {
    let p = plan(Flavor::IPaddr2, "192.168.1.10/25/eth1:web/+", &snap()).unwrap();
    assert_eq!(p.label.as_deref(), Some("eth1:web"));
    assert_eq!(p.broadcast, Some(ip("192.168.1.127")));
    assert!(p.nic_given);
    let p = plan(Flavor::IPaddr2, "192.168.1.10/31/eth1/+", &snap()).unwrap();
    assert_eq!(p.broadcast, None);
}

#[test]
fn given_nic_and_netmask_need_no_route() {
    let p = plan(Flavor::IPaddr2, "172.16.0.5/16/eth1", &snap()).unwrap();
    assert_eq!(
        (p.interface.as_str(), p.prefix_len, p.broadcast),
        ("eth1", 16, None)
    );
    let p = plan(Flavor::IPaddr, "172.16.0.5/16/eth1", &snap()).unwrap();
    assert_eq!(p.broadcast, Some(ip("172.16.255.255")));
}

#[test]
fn longest_prefix_wins() {
    let mut s = snap();
    s.routes.push(connected("10.0.0.0", 25, 3, "10.0.0.2"));
    let p = plan(Flavor::IPaddr2, "10.0.0.100", &s).unwrap();
    assert_eq!((p.interface.as_str(), p.prefix_len), ("eth1", 25));
    // Asking for /24 rules out the /25 route for IPaddr2 (`match IP/24`).
    let p = plan(Flavor::IPaddr2, "10.0.0.100/24", &s).unwrap();
    assert_eq!(p.interface, "eth0");
}

#[test]
fn existing_address_is_described_as_it_is() {
    let mut s = snap();
    s.addresses.push(addr(2, "10.0.0.100", 24, None, "eth0"));
    s.routes.push(connected("10.0.0.0", 25, 2, "10.0.0.102"));
    let p = plan(Flavor::IPaddr2, "10.0.0.100", &s).unwrap();
    assert_eq!(p.prefix_len, 24);
}

#[test]
fn no_interface_is_named() {
    let e = plan(Flavor::IPaddr2, "10.9.9.9", &snap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "IPaddr2::10.9.9.9: no interface has a network containing 10.9.9.9"
    );
    // A /16 cannot sit inside any connected /24 (`ip route list match IP/16`).
    let e = plan(Flavor::IPaddr2, "10.0.0.9/16", &snap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "IPaddr2::10.0.0.9/16: no interface has a network containing 10.0.0.9 with prefix /16"
    );
}

#[test]
fn ipaddr_default_route_needs_a_netmask() {
    let e = plan(Flavor::IPaddr, "10.9.9.9", &snap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "IPaddr::10.9.9.9: 10.9.9.9 is only reachable through the default route: give a netmask so the interface can be chosen"
    );
    let p = plan(Flavor::IPaddr, "10.9.9.9/8", &snap()).unwrap();
    assert_eq!((p.interface.as_str(), p.prefix_len), ("eth0", 8));
}

#[test]
fn unknown_nic() {
    let e = plan(Flavor::IPaddr, "10.0.0.5/24/eth9", &snap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "IPaddr::10.0.0.5/24/eth9: no interface named eth9"
    );
    assert_eq!(e.ocf_code(), 6);
}

#[test]
fn alias_label_too_long() {
    let mut s = snap();
    s.links[0].name = "enp0s31f6abcde".into();
    let e = plan(Flavor::IPaddr, "10.0.0.100", &s).unwrap_err();
    assert!(
        e.to_string()
            .contains("alias label enp0s31f6abcde:0 exceeds"),
        "{e}"
    );
}

#[test]
fn resources_from_haresources() {
    let r = Resource::parse("IPaddr2::10.0.0.100/24/eth0");
    // Reads the real kernel, so only the error path is checked here.
    let apache = Resource::parse("apache");
    let e = plan_resource(&apache).unwrap_err();
    assert_eq!(
        e.to_string(),
        "apache: not an IPaddr or IPaddr2 resource with an address"
    );
    assert_eq!(r.ip.map(|s| s.ip), Some("10.0.0.100".to_string()));
}

#[test]
fn ipaddr2_looks_past_the_backup_directors_copy_on_lo() {
    let mut s = snap();
    s.links.push(Link {
        index: 1,
        name: "lo".into(),
        mac: Some([0; 6]),
        up: true,
        loopback: true,
    });
    s.addresses.push(addr(1, "10.0.0.50", 32, None, "lo"));
    let p = plan(Flavor::IPaddr2, "10.0.0.50", &s).unwrap();
    assert_eq!((p.interface.as_str(), p.prefix_len), ("eth0", 24));
    assert!(p.lvs_support);
    assert_eq!(p.state_dir, std::path::Path::new("/run/resource-agents"));
    // Named, lo is where the line puts it.
    let on_lo = plan(Flavor::IPaddr2, "10.0.0.50/32/lo", &s).unwrap();
    assert_eq!(on_lo.interface, "lo");
    assert!(!plan(Flavor::IPaddr, "10.0.0.60", &s).unwrap().lvs_support);
}
