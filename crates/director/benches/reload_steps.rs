//! Where a reload's time goes (issue 15: one change at 10,000 reals should
//! be applied in 50 ms), stage by stage, with no kernel and no checks:
//! parse, plan, and the director's reconcile, for the shape of
//! `benches/ldirectord-scale.py` (10,000 reals in V virtuals, half connect
//! and half http checks), with one real's weight changed.
//!
//! `cargo bench -p director --bench reload_steps -- [V ...]` (default 500 1).

use director::{plan, Director};
use ha_config::ldirectord::{parse, EtcFiles};
use ipvs::Table;
use std::fmt::Write;
use std::time::{Duration, Instant};

const REALS: usize = 10_000;

fn config(virtuals: usize, weighted: Option<usize>) -> String {
    let per = REALS / virtuals;
    let mut cf =
        String::from("checkinterval=1\nchecktimeout=2\nnegotiatetimeout=2\nquiescent=no\n\n");
    for i in 0..virtuals {
        let _ = writeln!(cf, "virtual=10.200.{}.{}:80", i / 250, i % 250 + 1);
        for k in 0..per {
            let j = i * per + k;
            let w = if Some(j) == weighted { " 5" } else { "" };
            let _ = writeln!(cf, "\treal=127.1.{}.{}:80 gate{w}", j / 250, j % 250 + 1);
        }
        if i % 2 == 0 {
            cf.push_str("\tchecktype=connect\n");
        } else {
            cf.push_str("\tchecktype=negotiate\n\tservice=http\n\trequest=\"test.html\"\n\treceive=\"test\"\n");
        }
        cf.push_str("\tscheduler=wrr\n\tprotocol=tcp\n\n");
    }
    cf
}

/// The best of `runs` (the machine's noise only ever adds).
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut min = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        min = min.min(t.elapsed());
        out = Some(v);
    }
    (min, out.expect("runs > 0"))
}

fn run(virtuals: usize) {
    let names = EtcFiles::new("", "http 80/tcp\n");
    let before = config(virtuals, None);
    let after = config(virtuals, Some(REALS / 2 + 7));
    let plan_of = |text: &str| {
        let parsed = parse(text, "ldirectord.cf").unwrap_or_else(|e| panic!("{e}"));
        plan::build(&parsed.value, &names).expect("plan")
    };
    let mut d = Director::new(plan_of(&before));
    d.start(&Table::default());
    let checks = d.plan().checks.len();
    for c in 0..checks {
        d.on_check(c, true);
    }
    let (t_parse, parsed) = best(10, || parse(&after, "ldirectord.cf").expect("parse"));
    let (t_plan, _) = best(10, || plan::build(&parsed.value, &names).expect("plan"));
    let mut t_reload = Duration::MAX;
    let mut logs = 0;
    for _ in 0..10 {
        // Each round from the same running state: back to `before` first.
        d.reload(plan_of(&before));
        let p = plan_of(&after);
        let t = Instant::now();
        let a = d.reload(p);
        t_reload = t_reload.min(t.elapsed());
        logs = a
            .iter()
            .filter(|a| matches!(a, director::Action::Log(_)))
            .count();
    }
    println!(
        "{REALS} reals in {virtuals} virtuals ({checks} checks): parse {t_parse:?}, plan {t_plan:?}, \
         director reload {t_reload:?} ({logs} log lines); best of 10"
    );
}

fn main() {
    let vs: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for v in if vs.is_empty() { vec![500, 1] } else { vs } {
        run(v);
    }
}
