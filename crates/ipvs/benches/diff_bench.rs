//! How long the diff engine takes on the big table: 10,000 services
//! x 2 reals, with 1,000 weights changed (what a wave of failed checks does
//! under quiescent=yes). Run with `make bench`.

use ipvs::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

fn big_table(changed_weights: usize) -> Table {
    Table::from_services((0..10_000u32).map(|i| {
        let vip = Ipv4Addr::from(0x0a00_0000 + i);
        let key = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: SocketAddr::new(IpAddr::V4(vip), 80),
        };
        let dests = (0..2u32)
            .map(|r| {
                let rip = Ipv4Addr::from(0x0b00_0000 + i * 2 + r);
                let weight = if r == 0 && (i as usize) < changed_weights {
                    0
                } else {
                    1
                };
                Dest::new(
                    SocketAddr::new(IpAddr::V4(rip), 80),
                    DestConf::new(Forward::Route, weight),
                )
            })
            .collect();
        Service::new(key, ServiceConf::with_scheduler("rr"), dests)
    }))
}

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) -> T {
    let mut out = f();
    let start = Instant::now();
    for _ in 0..runs {
        out = f();
    }
    let per = start.elapsed() / runs;
    println!("{label:<48} {:>10.3} ms", per.as_secs_f64() * 1e3);
    out
}

fn main() {
    let current = big_table(0);
    let desired = big_table(1_000);
    let empty = Table::default();
    let ops = time("diff: 1,000 weight edits in 10,000 x 2", 20, || {
        diff(&desired, &current)
    });
    assert_eq!(ops.len(), 1_000);
    let ops = time("diff: build 10,000 x 2 from empty", 20, || {
        diff(&desired, &empty)
    });
    assert_eq!(ops.len(), 30_000);
    time("diff: identical 10,000 x 2 tables", 20, || {
        diff(&current, &current)
    });
}
