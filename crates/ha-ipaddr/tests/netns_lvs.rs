//! IPaddr2's lvs_support on real interfaces: an LVS-DR backup director
//! keeps the VIP on `lo`; taking over moves it onto the LAN interface (and
//! the LAN hears of it), releasing puts it back on `lo` (root needed).

mod support;

use std::path::Path;
use std::time::Duration;

use ha_config::haresources::IpSpec;
use ha_ipaddr::{start, status, stop, AddressPlan, Announce, Flavor, GarpSchedule, Status};
use support::{pair, wait_for, AddrLine, Pair};

const VIP: &str = "10.77.0.50";
const ARG: &str = "10.77.0.50/24/v0";
use support::STALE_MAC;

fn line(dev: &str, prefix: &str, brd: Option<&str>, label: &str) -> Option<AddrLine> {
    Some(AddrLine {
        dev: dev.into(),
        prefix: prefix.into(),
        brd: brd.map(str::to_string),
        label: label.into(),
    })
}

fn backup_director(tag: &str) -> Pair {
    support::backup_director(tag, VIP)
}

fn ipaddr2(state: &Path) -> AddressPlan {
    let mut plan = ha_ipaddr::plan(Flavor::IPaddr2, &IpSpec::parse(ARG)).expect("plan");
    plan.state_dir = state.to_path_buf();
    plan.garp = GarpSchedule {
        count: 1,
        interval: Duration::from_millis(10),
    };
    plan
}

fn lo_route(p: &Pair) -> String {
    p.dir.ip(&["route", "show", "table", "main", "dev", "lo"])
}

#[test]
fn takeover_moves_the_vip_off_lo_and_release_puts_it_back() {
    let p = backup_director("lvs");
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().to_path_buf();
    let (before, started, during) = p.dir.run(move || {
        let plan = ipaddr2(&dir);
        let before = status(&plan).expect("status");
        let started = start(&plan).expect("start");
        (before, started, status(&plan).expect("status"))
    });
    // The copy on lo is not the resource running.
    assert_eq!(before, Status::Stopped);
    assert!(!started.already_running);
    assert!(
        matches!(started.announce, Announce::Sending(_)),
        "{:?}",
        started.announce
    );
    assert_eq!(during, Status::Running);
    assert_eq!(p.dir.addr(VIP), line("v0", "24", Some("10.77.0.255"), "v0"));
    assert_eq!(
        lo_route(&p),
        "",
        "the host route through lo goes with the copy"
    );
    let memo = state.path().join(VIP);
    assert_eq!(
        std::fs::read_to_string(&memo).unwrap(),
        "10.77.0.50 32 255.255.255.255 lo\n"
    );
    let learned = wait_for(Duration::from_secs(2), || {
        p.client.neigh(VIP, "v1").filter(|m| m != STALE_MAC)
    });
    assert_eq!(learned, Some(p.dir_mac.clone()));

    let dir = state.path().to_path_buf();
    let (removed, after, again) = p.dir.run(move || {
        let plan = ipaddr2(&dir);
        let removed = stop(&plan).expect("stop");
        let after = status(&plan).expect("status");
        (removed, after, stop(&plan).expect("second stop"))
    });
    assert!(removed);
    assert_eq!(after, Status::Stopped);
    assert!(!again);
    // Back on lo as the legacy puts it: /32, broadcast 255.255.255.255.
    assert_eq!(
        p.dir.addr(VIP),
        line("lo", "32", Some("255.255.255.255"), "lo")
    );
    assert!(!memo.exists(), "the note is used up");
}

#[test]
fn without_a_copy_on_lo_nothing_is_put_there() {
    let p = pair("lvsnone");
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().to_path_buf();
    p.dir.run(move || {
        let plan = ipaddr2(&dir);
        start(&plan).expect("start");
        assert!(stop(&plan).expect("stop"));
    });
    assert_eq!(p.dir.addr(VIP), None);
    assert_eq!(
        std::fs::read_dir(state.path()).unwrap().count(),
        0,
        "no note written"
    );
}

#[test]
fn a_served_vip_is_left_alone_and_so_is_lo() {
    // Already on v0 and on lo: start changes nothing, like the script,
    // whose "already served" check comes before lvs_support.
    let p = backup_director("lvsserved");
    p.dir
        .ip(&["addr", "add", &format!("{VIP}/24"), "dev", "v0"]);
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().to_path_buf();
    let started = p.dir.run(move || start(&ipaddr2(&dir)).expect("start"));
    assert!(started.already_running);
    assert_eq!(
        p.dir.addr(VIP).map(|a| a.dev),
        Some("lo".to_string()),
        "lo first"
    );
    assert_eq!(
        p.dir
            .ip(&["-o", "-4", "addr", "show", "to", VIP])
            .lines()
            .count(),
        2,
        "both copies stay"
    );
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}

#[test]
fn an_unwritable_note_stops_the_takeover_before_lo_is_touched() {
    let p = backup_director("lvsnote");
    let state = tempfile::tempdir().unwrap();
    // A file where the notes' directory should be.
    let blocked = state.path().join("not-a-dir");
    std::fs::write(&blocked, "").unwrap();
    let dir = blocked.clone();
    let err = p
        .dir
        .run(move || start(&ipaddr2(&dir)).map(drop).map_err(|e| e.to_string()));
    let err = err.unwrap_err();
    assert!(
        err.starts_with(&format!(
            "IPaddr2::10.77.0.50/24/v0: noting the copy on lo in {}/10.77.0.50: ",
            blocked.display()
        )),
        "{err}"
    );
    assert_eq!(p.dir.addr(VIP), line("lo", "32", None, "lo"));
    assert_ne!(lo_route(&p), "");
}
