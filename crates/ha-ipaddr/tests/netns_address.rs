//! Adding, finding and removing the VIP on real interfaces in throwaway
//! network namespaces (root needed).

mod support;

use std::time::Duration;

use ha_config::haresources::IpSpec;
use ha_ipaddr::{start, status, stop, Announce, Error, Flavor, GarpSchedule, Status};
use support::{pair, plan, AddrLine, Netns};

/// One quick pair of frames: these tests are about addresses.
const QUICK: GarpSchedule = GarpSchedule {
    count: 1,
    interval: Duration::from_millis(10),
};

fn line(dev: &str, prefix: &str, brd: Option<&str>, label: &str) -> Option<AddrLine> {
    Some(AddrLine {
        dev: dev.into(),
        prefix: prefix.into(),
        brd: brd.map(str::to_string),
        label: label.into(),
    })
}

#[test]
fn ipaddr2_start_status_stop() {
    let p = pair("a2");
    let arg = "10.77.0.100/24";
    let (before, started, during) = p
        .dir
        .run(move || {
            let mut plan = plan(Flavor::IPaddr2, &IpSpec::parse(arg)).map_err(|e| e.to_string())?;
            plan.garp = QUICK;
            let before = status(&plan).map_err(|e| e.to_string())?;
            let started = start(&plan).map_err(|e| e.to_string())?;
            let during = status(&plan).map_err(|e| e.to_string())?;
            Ok::<_, String>((before, started, during))
        })
        .unwrap();
    assert_eq!(before, Status::Stopped);
    assert!(!started.already_running);
    assert!(
        matches!(started.announce, Announce::Sending(_)),
        "{:?}",
        started.announce
    );
    assert_eq!(during, Status::Running);
    // A plain secondary: no alias label; brd copied from v0's own address.
    assert_eq!(
        p.dir.addr("10.77.0.100"),
        line("v0", "24", Some("10.77.0.255"), "v0")
    );

    let (removed, after) = p
        .dir
        .run(move || {
            let plan = plan(Flavor::IPaddr2, &IpSpec::parse(arg)).map_err(|e| e.to_string())?;
            Ok::<_, String>((
                stop(&plan).map_err(|e| e.to_string())?,
                status(&plan).map_err(|e| e.to_string())?,
            ))
        })
        .unwrap();
    assert!(removed);
    assert_eq!(after, Status::Stopped);
    assert_eq!(p.dir.addr("10.77.0.100"), None);
    assert!(
        p.dir.addr("10.77.0.1").is_some(),
        "the static address stays"
    );
}

#[test]
fn ipaddr2_given_label() {
    let p = pair("lbl");
    p.dir
        .run(|| {
            let mut plan = plan(Flavor::IPaddr2, &IpSpec::parse("10.77.0.105/24/v0:web"))?;
            plan.garp = QUICK;
            start(&plan).map(drop)
        })
        .unwrap();
    assert_eq!(
        p.dir.addr("10.77.0.105"),
        line("v0", "24", Some("10.77.0.255"), "v0:web")
    );
}

#[test]
fn ipaddr_labels_aliases_in_order() {
    let p = pair("alias");
    let labels = p.dir.run(|| {
        let mut labels = Vec::new();
        for arg in ["10.77.0.100/24/v0", "10.77.0.101"] {
            let mut plan = plan(Flavor::IPaddr, &IpSpec::parse(arg))?;
            plan.garp = QUICK;
            start(&plan)?;
            assert_eq!(status(&plan)?, Status::Running);
            labels.push(plan.label);
        }
        Ok::<_, Error>(labels)
    });
    assert_eq!(
        labels.unwrap(),
        [Some("v0:0".to_string()), Some("v0:1".to_string())]
    );
    // ifconfig style: netmask and broadcast always set.
    assert_eq!(
        p.dir.addr("10.77.0.100"),
        line("v0", "24", Some("10.77.0.255"), "v0:0")
    );
    assert_eq!(
        p.dir.addr("10.77.0.101"),
        line("v0", "24", Some("10.77.0.255"), "v0:1")
    );

    // Stop frees v0:0, which the next alias takes again.
    let relabel = p.dir.run(|| {
        stop(&plan(Flavor::IPaddr, &IpSpec::parse("10.77.0.100/24/v0"))?)?;
        plan(Flavor::IPaddr, &IpSpec::parse("10.77.0.102")).map(|p| p.label)
    });
    assert_eq!(relabel.unwrap().as_deref(), Some("v0:0"));
    assert_eq!(p.dir.addr("10.77.0.100"), None);
}

#[test]
fn ipaddr_status_insists_on_the_named_interface() {
    let p = pair("wrong");
    p.dir
        .ip(&["link", "add", "v2", "type", "veth", "peer", "name", "v3"]);
    let err = p.dir.run(|| {
        let mut on_v0 = plan(Flavor::IPaddr, &IpSpec::parse("10.77.0.100/24/v0"))?;
        on_v0.garp = QUICK;
        start(&on_v0)?;
        let on_v2 = plan(Flavor::IPaddr, &IpSpec::parse("10.77.0.100/24/v2"))?;
        Ok::<_, Error>(status(&on_v2).map_err(|e| e.to_string()))
    });
    assert_eq!(
        err.unwrap(),
        Err("IPaddr::10.77.0.100/24/v2: 10.77.0.100 is on interface v0 instead of the configured v2".into())
    );
}

#[test]
fn interface_is_chosen_by_subnet() {
    let p = pair("auto");
    // A second network in the director namespace, on its own veth pair.
    p.dir
        .ip(&["link", "add", "v2", "type", "veth", "peer", "name", "v3"]);
    p.dir
        .ip(&["addr", "add", "10.88.0.1/24", "brd", "+", "dev", "v2"]);
    p.dir.ip(&["link", "set", "v3", "up"]);
    p.dir.ip(&["link", "set", "v2", "up"]);
    let chosen = p.dir.run(|| {
        let a = plan(Flavor::IPaddr2, &IpSpec::parse("10.77.0.50"))?;
        let mut b = plan(Flavor::IPaddr2, &IpSpec::parse("10.88.0.50"))?;
        b.garp = QUICK;
        start(&b)?;
        Ok::<_, Error>([(a.interface, a.prefix_len), (b.interface, b.prefix_len)])
    });
    assert_eq!(
        chosen.unwrap(),
        [("v0".to_string(), 24), ("v2".to_string(), 24)]
    );
    assert_eq!(
        p.dir.addr("10.88.0.50"),
        line("v2", "24", Some("10.88.0.255"), "v2")
    );
}

#[test]
fn bad_specs_change_nothing() {
    let ns = Netns::new("bad");
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ns.ip(&["addr", "add", "10.77.0.1/24", "dev", "v0"]);
    ns.ip(&["link", "set", "v1", "up"]);
    ns.ip(&["link", "set", "v0", "up"]);
    let before = ns.ip(&["-o", "addr"]);
    let errors = ns.run(|| {
        [
            "10.9.9.9",
            "10.77.0.100/24/eth9",
            "10.77.0.300",
            "10.77.0.100/40",
        ]
        .map(|arg| {
            plan(Flavor::IPaddr2, &IpSpec::parse(arg))
                .map(drop)
                .map_err(|e| e.to_string())
        })
    });
    assert_eq!(
        errors,
        [
            Err("IPaddr2::10.9.9.9: no interface has a network containing 10.9.9.9".into()),
            Err("IPaddr2::10.77.0.100/24/eth9: no interface named eth9".into()),
            Err("IPaddr2::10.77.0.300: 10.77.0.300 is not a valid IPv4 address".into()),
            Err("IPaddr2::10.77.0.100/40: netmask 40 is neither a prefix length (1-32) nor a dotted netmask like 255.255.255.0".into()),
        ]
    );
    assert_eq!(ns.ip(&["-o", "addr"]), before);
}

#[test]
fn start_and_stop_are_idempotent() {
    let p = pair("idem");
    let (first, second, stops) = p
        .dir
        .run(|| {
            let mut plan = plan(Flavor::IPaddr2, &IpSpec::parse("10.77.0.100/24/v0"))?;
            plan.garp = QUICK;
            let first = start(&plan)?;
            let second = start(&plan)?;
            let stops = [stop(&plan)?, stop(&plan)?];
            Ok::<_, Error>((first.already_running, second, stops))
        })
        .unwrap();
    assert!(!first);
    assert!(second.already_running);
    assert!(
        matches!(second.announce, Announce::NotSent),
        "no ARP when nothing changed"
    );
    assert_eq!(stops, [true, false]);
    assert_eq!(p.dir.addr("10.77.0.100"), None);
}
