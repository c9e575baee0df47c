//! Properties of the diff engine over random tables: applying the diff
//! reaches the desired table, nothing is touched that already matches, and
//! no live destination is ever deleted and re-added.

use ipvs::diff::config_view;
use ipvs::*;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

// Small pools, so that random tables overlap and every kind of change occurs.
fn service_key() -> impl Strategy<Value = ServiceKey> {
    prop_oneof![
        (0u8..4, prop_oneof![Just(80u16), Just(443)], any::<bool>()).prop_map(|(h, port, udp)| {
            ServiceKey::Addr {
                protocol: if udp { Protocol::Udp } else { Protocol::Tcp },
                addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, h)), port),
            }
        }),
        (1u32..3).prop_map(|mark| ServiceKey::FwMark {
            family: Family::Inet,
            mark
        }),
    ]
}

fn service_conf() -> impl Strategy<Value = ServiceConf> {
    (
        prop_oneof![Just("rr"), Just("wlc"), Just("sh")],
        prop::option::of(prop_oneof![Just(300u32), Just(60)]),
    )
        .prop_map(|(s, p)| ServiceConf {
            persistence: p,
            ..ServiceConf::with_scheduler(s)
        })
}

fn dest() -> impl Strategy<Value = Dest> {
    (
        0u8..5,
        prop_oneof![
            Just(Forward::Route),
            Just(Forward::Masq),
            Just(Forward::Tunnel)
        ],
        0i32..3,
        0u32..2,
    )
        .prop_map(|(h, fwd, w, thr)| {
            let mut conf = DestConf::new(fwd, w);
            conf.upper_threshold = thr * 100;
            Dest::new(
                SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 1, h)), 80),
                conf,
            )
        })
}

fn table() -> impl Strategy<Value = Table> {
    prop::collection::vec(
        (
            service_key(),
            service_conf(),
            prop::collection::vec(dest(), 0..4),
        ),
        0..5,
    )
    .prop_map(|svcs| {
        Table::from_services(svcs.into_iter().map(|(k, c, mut ds)| {
            // One entry per destination address, as in the kernel.
            let mut seen = BTreeSet::new();
            ds.retain(|d| seen.insert(d.addr));
            Service::new(k, c, ds)
        }))
    })
}

fn touched(op: &Operation) -> (ServiceKey, Option<SocketAddr>) {
    match op {
        Operation::AddService { key, .. }
        | Operation::EditService { key, .. }
        | Operation::DelService { key } => (*key, None),
        Operation::AddDest { service, addr, .. }
        | Operation::EditDest { service, addr, .. }
        | Operation::DelDest { service, addr } => (*service, Some(*addr)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn applying_the_diff_reaches_the_desired_table(a in table(), b in table()) {
        let ops = diff(&b, &a);
        let mut t = a.clone();
        prop_assert_eq!(apply(&ops, &mut t), Ok(()));
        prop_assert_eq!(config_view(&t), config_view(&b));
    }

    #[test]
    fn a_table_against_itself_needs_nothing(a in table()) {
        prop_assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn every_operation_touches_something_that_differs(a in table(), b in table()) {
        let (va, vb) = (config_view(&a), config_view(&b));
        for op in diff(&b, &a) {
            let (key, addr) = touched(&op);
            let before = va.get(&key);
            let after = vb.get(&key);
            match addr {
                None => prop_assert_ne!(before.map(|s| &s.0), after.map(|s| &s.0)),
                Some(addr) => prop_assert_ne!(
                    before.and_then(|s| s.1.get(&addr)),
                    after.and_then(|s| s.1.get(&addr))
                ),
            }
        }
    }

    #[test]
    fn no_destination_is_deleted_and_re_added(a in table(), b in table()) {
        let ops = diff(&b, &a);
        let deleted: BTreeSet<_> = ops.iter().filter_map(|op| match op {
            Operation::DelDest { service, addr } => Some((*service, *addr)),
            _ => None,
        }).collect();
        for op in &ops {
            if let Operation::AddDest { service, addr, .. } = op {
                prop_assert!(!deleted.contains(&(*service, *addr)));
            }
            if let Operation::DelService { key } = op {
                prop_assert!(!b.services.contains_key(key));
            }
        }
    }
}
