use super::*;
use crate::model::*;
use std::net::SocketAddr;

fn tcp(addr: &str) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: addr.parse().unwrap(),
    }
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn dest(addr: &str, weight: i32) -> Dest {
    Dest::new(sa(addr), DestConf::new(Forward::Route, weight))
}

fn svc(key: ServiceKey, sched: &str, dests: Vec<Dest>) -> Service {
    Service::new(key, ServiceConf::with_scheduler(sched), dests)
}

fn seed(w1: i32, w2: i32) -> Table {
    Table::from_services([svc(
        tcp("192.168.72.8:80"),
        "rr",
        vec![dest("192.168.72.9:80", w1), dest("192.168.72.10:80", w2)],
    )])
}

fn roundtrip(desired: &Table, current: &Table) -> Vec<Operation> {
    let ops = diff(desired, current);
    let mut t = current.clone();
    apply(&ops, &mut t).unwrap();
    assert_eq!(config_view(&t), config_view(desired));
    ops
}

#[test]
fn identical_tables_need_nothing() {
    assert!(diff(&seed(1, 1), &seed(1, 1)).is_empty());
}

#[test]
fn counters_and_order_do_not_count() {
    let mut dumped = seed(1, 1);
    for s in dumped.services.values_mut() {
        s.dests.reverse();
        s.stats.conns = 99;
        s.dests[0].active_conns = 7;
        s.dests[1].stats.inbytes = 1 << 40;
    }
    assert!(diff(&seed(1, 1), &dumped).is_empty());
}

#[test]
fn quiescent_is_one_weight_edit() {
    let ops = roundtrip(&seed(1, 0), &seed(1, 1));
    assert_eq!(
        ops,
        vec![Operation::EditDest {
            service: tcp("192.168.72.8:80"),
            addr: sa("192.168.72.10:80"),
            conf: DestConf::new(Forward::Route, 0),
        }]
    );
}

#[test]
fn scheduler_change_edits_the_service_in_place() {
    let mut want = seed(1, 1);
    for s in want.services.values_mut() {
        s.conf.scheduler = "wlc".into();
    }
    let ops = roundtrip(&want, &seed(1, 1));
    assert!(matches!(ops.as_slice(), [Operation::EditService { .. }]));
}

#[test]
fn forwarding_method_change_is_an_edit() {
    let mut want = seed(1, 1);
    for s in want.services.values_mut() {
        s.dests[0].conf.forward = Forward::Masq;
    }
    let ops = roundtrip(&want, &seed(1, 1));
    assert!(matches!(ops.as_slice(), [Operation::EditDest { .. }]));
}

#[test]
fn empty_to_full_and_back() {
    let full = seed(1, 1);
    let ops = roundtrip(&full, &Table::default());
    assert_eq!(ops.len(), 3);
    assert!(matches!(ops[0], Operation::AddService { .. }));
    let ops = roundtrip(&Table::default(), &full);
    assert_eq!(
        ops,
        vec![Operation::DelService {
            key: tcp("192.168.72.8:80")
        }]
    );
}

#[test]
fn a_real_shared_by_two_services_only_changes_where_it_differs() {
    let shared = "10.0.0.9:80";
    let a = tcp("10.0.0.1:80");
    let b = tcp("10.0.0.1:443");
    let current = Table::from_services([
        svc(a, "rr", vec![dest(shared, 1), dest("10.0.0.10:80", 1)]),
        svc(b, "rr", vec![dest(shared, 1)]),
    ]);
    // The shared real fails its check for service b only.
    let desired = Table::from_services([
        svc(a, "rr", vec![dest(shared, 1), dest("10.0.0.10:80", 1)]),
        svc(b, "rr", vec![]),
    ]);
    let ops = roundtrip(&desired, &current);
    assert_eq!(
        ops,
        vec![Operation::DelDest {
            service: b,
            addr: sa(shared),
        }]
    );
}

#[test]
fn fwmark_and_ipv6_services() {
    let fw = ServiceKey::FwMark {
        family: Family::Inet,
        mark: 1,
    };
    let v6 = ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: sa("[2001:db8::1]:53"),
    };
    let desired = Table::from_services([
        svc(fw, "wlc", vec![dest("10.0.0.2:0", 1)]),
        svc(
            v6,
            "sh",
            vec![Dest::new(
                sa("[2001:db8::2]:53"),
                DestConf::new(Forward::Tunnel, 5),
            )],
        ),
    ]);
    roundtrip(&desired, &Table::default());
    roundtrip(&seed(1, 1), &desired);
}

#[test]
fn apply_refuses_what_the_kernel_refuses() {
    let mut t = seed(1, 1);
    let key = tcp("192.168.72.8:80");
    let add = Operation::AddService {
        key,
        conf: ServiceConf::with_scheduler("rr"),
    };
    assert_eq!(apply(&[add], &mut t), Err(ApplyError::ServiceExists(key)));
    let del = Operation::DelDest {
        service: key,
        addr: sa("1.2.3.4:80"),
    };
    assert_eq!(
        apply(&[del], &mut t),
        Err(ApplyError::NoDest(key, sa("1.2.3.4:80")))
    );
    let edit = Operation::EditService {
        key: tcp("9.9.9.9:1"),
        conf: ServiceConf::with_scheduler("rr"),
    };
    assert!(matches!(
        apply(&[edit], &mut t),
        Err(ApplyError::NoService(_))
    ));
}
