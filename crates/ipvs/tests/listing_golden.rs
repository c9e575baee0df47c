//! The listing against outputs captured from the real kernel and ipvsadm
//! 1.31 (tests/vm/golden), for the table of tests/vm/selftest.sh.

use ipvs::listing::{list_all, Format, Numeric};
use ipvs::wire::Info;
use ipvs::*;

fn golden(name: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vm/golden/");
    std::fs::read_to_string(format!("{p}{name}")).unwrap()
}

fn selftest_table() -> Vec<Service> {
    let tcp = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: "10.0.0.1:80".parse().unwrap(),
    };
    let udp6 = ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: "[2001:db8::1]:53".parse().unwrap(),
    };
    let fwm = ServiceKey::FwMark {
        family: Family::Inet,
        mark: 1,
    };
    let mut wlc = ServiceConf::with_scheduler("wlc");
    wlc.persistence = Some(300);
    // Kernel order (hash order), deliberately not the listing order.
    vec![
        Service::new(
            udp6,
            ServiceConf::with_scheduler("sh"),
            vec![Dest::new(
                "[2001:db8::2]:53".parse().unwrap(),
                DestConf::new(Forward::Tunnel, 5),
            )],
        ),
        Service::new(fwm, wlc, vec![]),
        Service::new(
            tcp,
            ServiceConf::with_scheduler("rr"),
            vec![
                Dest::new(
                    "10.0.0.3:80".parse().unwrap(),
                    DestConf::new(Forward::Masq, 2),
                ),
                Dest::new(
                    "10.0.0.2:80".parse().unwrap(),
                    DestConf::new(Forward::Route, 1),
                ),
            ],
        ),
    ]
}

const INFO: Info = Info {
    version: 0x010201,
    conn_tab_size: 4096,
};

fn numeric() -> Format {
    Format {
        numeric: true,
        ..Format::default()
    }
}

#[test]
fn list_numeric_matches_ipvsadm() {
    let got = list_all(Some(&INFO), &selftest_table(), &numeric(), &Numeric);
    assert_eq!(got, golden("ipvsadm-Ln.txt"));
}

#[test]
fn stats_matches_ipvsadm() {
    let fmt = Format {
        stats: true,
        ..numeric()
    };
    let got = list_all(Some(&INFO), &selftest_table(), &fmt, &Numeric);
    assert_eq!(got, golden("ipvsadm-Ln-stats.txt"));
}

#[test]
fn rate_matches_ipvsadm() {
    let fmt = Format {
        rate: true,
        ..numeric()
    };
    let got = list_all(Some(&INFO), &selftest_table(), &fmt, &Numeric);
    assert_eq!(got, golden("ipvsadm-Ln-rate.txt"));
}

#[test]
fn save_matches_ipvsadm() {
    let fmt = Format {
        rule: true,
        ..numeric()
    };
    let got = list_all(None, &selftest_table(), &fmt, &Numeric);
    assert_eq!(got, golden("ipvsadm-S-n.txt"));
}
