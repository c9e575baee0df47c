//! The reconciler on the seed deployment's ldirectord.cf and variants:
//! which operations and which legacy log lines each check result gives.

use director::{plan, Action, Alert, DaemonStatus, Director};
use ha_config::ldirectord::{parse, EtcFiles};
use ipvs::{Forward, Operation, Table};

const SEED: &str = include_str!("../../../compat-configs/seed/ldirectord.cf");

fn director(cf: &str) -> Director {
    let parsed = parse(cf, "ldirectord.cf").unwrap_or_else(|e| panic!("{e}"));
    let names = EtcFiles::new("", "http 80/tcp\n");
    Director::new(plan::build(&parsed.value, &names).expect("plan"))
}

fn logs(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

fn ops(actions: &[Action]) -> Vec<Operation> {
    actions
        .iter()
        .flat_map(|a| match a {
            Action::Apply(o) => o.clone(),
            _ => vec![],
        })
        .collect()
}

/// Check ids of the seed's two reals, in config order.
fn checks(d: &Director) -> (usize, usize) {
    let v = &d.plan().virtuals[0];
    (v.reals[0].check.unwrap(), v.reals[1].check.unwrap())
}

#[test]
fn seed_story() {
    let mut d = director(SEED);
    let (web1, web2) = checks(&d);
    let a = d.start(&Table::default());
    assert_eq!(
        logs(&a),
        [
            "Added virtual server: 192.168.72.8:80",
            "Added fallback server: 127.0.0.1:80 (192.168.72.8:80) (Weight set to 1)",
        ]
    );
    let a = d.on_check(web1, true);
    assert_eq!(
        logs(&a),
        [
            "Added real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 1)",
            "Deleted fallback server: 127.0.0.1:80 (192.168.72.8:80)",
        ]
    );
    assert_eq!(ops(&a).len(), 2);
    let a = d.on_check(web2, true);
    assert_eq!(
        logs(&a),
        ["Added real server: 192.168.72.10:80 (192.168.72.8:80) (Weight set to 1)"]
    );
    // Steady state: nothing to do.
    assert!(d.on_check(web1, true).is_empty());
    // WEB1 fails (failurecount=1 by default): deleted (quiescent=no).
    let a = d.on_check(web1, false);
    assert_eq!(
        logs(&a),
        ["Deleted real server: 192.168.72.9:80 (192.168.72.8:80)"]
    );
    assert!(matches!(ops(&a)[..], [Operation::DelDest { .. }]));
    // WEB2 fails too: the fallback comes in after the real goes.
    let a = d.on_check(web2, false);
    assert_eq!(
        logs(&a),
        [
            "Deleted real server: 192.168.72.10:80 (192.168.72.8:80)",
            "Added fallback server: 127.0.0.1:80 (192.168.72.8:80) (Weight set to 1)",
        ]
    );
    // A down real failing again changes nothing.
    assert!(d.on_check(web2, false).is_empty());
    // Back up: the legacy resets the failure count that took it down,
    // and says so, before adding it.
    let a = d.on_check(web2, true);
    assert_eq!(
        logs(&a),
        [
            "Resetting soft failure count: 192.168.72.10:80 (tcp:192.168.72.8:80)",
            "Added real server: 192.168.72.10:80 (192.168.72.8:80) (Weight set to 1)",
            "Deleted fallback server: 127.0.0.1:80 (192.168.72.8:80)",
        ]
    );
    // Stop with cleanstop (default yes): reals purged, then the service.
    let a = d.stop();
    assert_eq!(
        logs(&a),
        [
            "Purged real server (stop): 192.168.72.10:80 (192.168.72.8:80)",
            "Purged virtual server (stop): 192.168.72.8:80",
        ]
    );
    assert!(d.stop().is_empty(), "nothing left to purge");
}

#[test]
fn quiescent_keeps_the_real_at_weight_zero() {
    let cf = SEED.replace("quiescent=no", "quiescent=yes");
    let mut d = director(&cf);
    let (web1, _) = checks(&d);
    let a = d.start(&Table::default());
    // Unchecked reals start quiescent, with the fallback beside them (the
    // legacy's last line for each is its "Quiescent real server").
    assert_eq!(
        logs(&a),
        [
            "Added virtual server: 192.168.72.8:80",
            "Quiescent real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 0)",
            "Quiescent real server: 192.168.72.10:80 (192.168.72.8:80) (Weight set to 0)",
            "Added fallback server: 127.0.0.1:80 (192.168.72.8:80) (Weight set to 1)",
        ]
    );
    let a = d.on_check(web1, true);
    assert_eq!(
        logs(&a),
        [
            "Restored real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 1)",
            "Deleted fallback server: 127.0.0.1:80 (192.168.72.8:80)",
        ]
    );
    let a = d.on_check(web1, false);
    assert_eq!(
        logs(&a)[0],
        "Quiescent real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 0)"
    );
    assert!(
        matches!(ops(&a)[0], Operation::EditDest { conf, .. } if conf.weight == 0 && conf.forward == Forward::Route)
    );
}

/// A quiescent real deleted by hand while down: put back at weight 0 only
/// with readdquiescent=yes, with the legacy's "Readd Quiescent" line.
#[test]
fn readdquiescent_puts_a_deleted_quiescent_real_back() {
    for readd in [false, true] {
        let yn = if readd { "yes" } else { "no" };
        let cf = SEED.replace(
            "quiescent=no",
            &format!("quiescent=yes\nreaddquiescent={yn}"),
        );
        let mut d = director(&cf);
        let a = d.start(&Table::default());
        let word = if readd {
            "Readd Quiescent"
        } else {
            "Quiescent"
        };
        assert_eq!(
            logs(&a)[1],
            format!("{word} real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 0)")
        );
        // Someone deletes WEB1 (down, weight 0) from the kernel by hand.
        let mut kernel = d.desired();
        let svc = kernel.services.values_mut().next().unwrap();
        svc.dests
            .retain(|x| x.addr.to_string() != "192.168.72.9:80");
        let a = d.resync(&kernel);
        if readd {
            assert_eq!(
                logs(&a),
                ["Readd Quiescent real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 0)"]
            );
        } else {
            assert!(a.is_empty(), "readdquiescent=no leaves it out: {a:?}");
        }
    }
}

#[test]
fn failurecount_gives_soft_failures_first() {
    let cf = SEED.replace("checkinterval=1", "checkinterval=1\nfailurecount=3");
    let mut d = director(&cf);
    let (web1, _) = checks(&d);
    d.start(&Table::default());
    d.on_check(web1, true);
    let a = d.on_check(web1, false);
    assert_eq!(
        logs(&a),
        ["Soft failure real server: 192.168.72.9:80 (tcp:192.168.72.8:80) failure 1/3"]
    );
    assert!(ops(&a).is_empty());
    let a = d.on_check(web1, true);
    assert_eq!(
        logs(&a),
        ["Resetting soft failure count: 192.168.72.9:80 (tcp:192.168.72.8:80)"]
    );
    d.on_check(web1, false);
    d.on_check(web1, false);
    let a = d.on_check(web1, false);
    assert_eq!(
        logs(&a)[0],
        "Deleted real server: 192.168.72.9:80 (192.168.72.8:80)"
    );
}

/// A real in two virtual services with the same check is checked once and
/// changes in both at the same moment: no flapping between them.
#[test]
fn shared_real_is_one_check() {
    let cf = format!(
        "{SEED}\nvirtual=192.168.72.8:443\n\treal=192.168.72.9:443 gate\n\treal=192.168.72.10:443 gate\n\
         \tservice=http\n\trequest=\"test.html\"\n\treceive=\"test\"\n\tscheduler=rr\n\tprotocol=tcp\n\
         \tchecktype=negotiate\n\tcheckport=80\n"
    );
    let mut d = director(&cf);
    assert_eq!(d.plan().checks.len(), 2, "two reals, one check each");
    let (web1, _) = checks(&d);
    assert_eq!(d.plan().virtuals[1].reals[0].check, Some(web1));
    d.start(&Table::default());
    let a = d.on_check(web1, true);
    let l = logs(&a);
    assert!(l.contains(
        &"Added real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 1)".to_string()
    ));
    assert!(l.contains(
        &"Added real server: 192.168.72.9:443 (192.168.72.8:443) (Weight set to 1)".to_string()
    ));
    assert!(
        d.on_check(web1, true).is_empty(),
        "a repeated success changes nothing anywhere"
    );
}

/// The same real in two virtuals is two checks when anything the check
/// runs differs: the real's own receive, or a virtual's check settings.
#[test]
fn a_real_with_other_check_settings_is_another_check() {
    let second = |real_extra: &str, virtual_extra: &str| {
        format!(
            "{SEED}\nvirtual=192.168.72.8:443\n\treal=192.168.72.9:443 gate 1{real_extra}\n\
             \treal=192.168.72.10:443 gate\n\tservice=http\n\trequest=\"test.html\"\n\
             \treceive=\"test\"\n\tscheduler=rr\n\tprotocol=tcp\n\tchecktype=negotiate\n\
             \tcheckport=80\n{virtual_extra}"
        )
    };
    assert_eq!(director(&second("", "")).plan().checks.len(), 2);
    let own_receive = second(" \"test.html\" \"other\"", "");
    assert_eq!(director(&own_receive).plan().checks.len(), 3);
    let slower = second("", "\tnegotiatetimeout=7\n");
    assert_eq!(director(&slower).plan().checks.len(), 4);
}

/// A restart finds its reals in the kernel and keeps them; services it
/// does not manage are left alone; stale reals are purged.
#[test]
fn restart_keeps_live_reals_and_foreign_services() {
    let mut d = director(SEED);
    d.start(&Table::default());
    let (web1, web2) = checks(&d);
    d.on_check(web1, true);
    d.on_check(web2, true);
    let mut kernel = d.desired();
    let foreign = ipvs::Service::new(
        ipvs::ServiceKey::FwMark {
            family: ipvs::Family::Inet,
            mark: 9,
        },
        ipvs::ServiceConf::with_scheduler("wlc"),
        vec![],
    );
    kernel.services.insert(foreign.key, foreign);
    let stale: std::net::SocketAddr = "192.168.72.99:80".parse().unwrap();
    let vkey = d.plan().virtuals[0].key;
    kernel
        .services
        .get_mut(&vkey)
        .unwrap()
        .dests
        .push(ipvs::Dest::new(
            stale,
            ipvs::DestConf::new(Forward::Route, 1),
        ));

    let mut again = director(SEED);
    let a = again.start(&kernel);
    assert_eq!(
        logs(&a),
        ["Purged real server (start): 192.168.72.99:80 (192.168.72.8:80)"]
    );
    assert!(ops(&a)
        .iter()
        .all(|o| matches!(o, Operation::DelDest { addr, .. } if *addr == stale)));
}

#[test]
fn fallbackcommand_runs_on_change_only() {
    let cf = SEED.replace(
        "\tfallback=127.0.0.1:80 gate\n",
        "\tfallbackcommand=\"/bin/true\"\n",
    );
    let mut d = director(&cf);
    let (web1, web2) = checks(&d);
    let commands = |a: &[Action]| -> Vec<String> {
        a.iter()
            .filter_map(|x| match x {
                Action::Command(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        commands(&d.start(&Table::default())),
        ["/bin/true start 192.168.72.8:80 tcp"]
    );
    assert_eq!(
        commands(&d.on_check(web1, true)),
        ["/bin/true stop 192.168.72.8:80 tcp"]
    );
    assert!(commands(&d.on_check(web2, true)).is_empty());
    assert!(commands(&d.on_check(web1, false)).is_empty());
    assert_eq!(
        commands(&d.on_check(web2, false)),
        ["/bin/true start 192.168.72.8:80 tcp"]
    );
}

#[test]
fn reload_adds_and_removes_without_touching_the_rest() {
    let mut d = director(SEED);
    d.start(&Table::default());
    let (web1, web2) = checks(&d);
    d.on_check(web1, true);
    d.on_check(web2, true);
    let cf = SEED.replace(
        "\treal=192.168.72.10:80 gate\n",
        "\treal=192.168.72.11:80 gate\n",
    );
    let parsed = parse(&cf, "ldirectord.cf").unwrap();
    let p = plan::build(&parsed.value, &EtcFiles::new("", "")).unwrap();
    let a = d.reload(p);
    // The removed real goes; the new one waits for its first check;
    // WEB1 is untouched.
    assert_eq!(
        logs(&a),
        ["Purged real server (reload): 192.168.72.10:80 (192.168.72.8:80)"]
    );
    assert_eq!(ops(&a).len(), 1);
}

/// maintenancedir forces a real down at once, even with failurecount 3.
#[test]
fn maintenance_forces_down_at_once() {
    let cf = SEED.replace("checkinterval=1", "checkinterval=1\nfailurecount=3");
    let mut d = director(&cf);
    let (web1, _) = checks(&d);
    d.start(&Table::default());
    d.on_check(web1, true);
    let a = d.force_down(web1);
    assert_eq!(
        logs(&a)[0],
        "Deleted real server: 192.168.72.9:80 (192.168.72.8:80)"
    );
    assert!(d.force_down(web1).is_empty(), "already down: nothing more");
    let a = d.on_check(web1, true);
    assert!(logs(&a).contains(
        &"Added real server: 192.168.72.9:80 (192.168.72.8:80) (Weight set to 1)".to_string()
    ));
}

/// Each real's change comes with an alert carrying its log line; a real
/// going down recurs, the fallback's own changes do not.
#[test]
fn changes_come_with_alerts() {
    let mut d = director(SEED);
    let (web1, web2) = checks(&d);
    d.start(&Table::default());
    d.on_check(web1, true);
    let a = d.on_check(web2, true);
    assert!(a
        .iter()
        .any(|x| matches!(x, Action::Alert(al) if !al.recurring
        && al.subject.starts_with("Added real server: 192.168.72.10:80"))));
    let a = d.on_check(web1, false);
    let alerts: Vec<&Alert> = a
        .iter()
        .filter_map(|x| match x {
            Action::Alert(al) => Some(al),
            _ => None,
        })
        .collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].id, "192.168.72.9:80 (192.168.72.8:80)");
    assert_eq!(
        alerts[0].subject,
        "Deleted real server: 192.168.72.9:80 (192.168.72.8:80)"
    );
    assert!(alerts[0].recurring);
    assert_eq!(alerts[0].status, DaemonStatus::Running);
    let a = d.on_check(web2, false);
    let fallback = a
        .iter()
        .find_map(|x| match x {
            Action::Alert(al) if al.subject.contains("fallback") => Some(al),
            _ => None,
        })
        .expect("the fallback's arrival is mailed too");
    assert!(!fallback.recurring);
}

/// `cleanstop=no` on one virtual keeps it, reals and all, when the daemon
/// stops; the other (global default yes) is purged — as 4.12 does.
#[test]
fn cleanstop_no_on_one_virtual_keeps_it_at_stop() {
    let cf = format!(
        "{SEED}\nvirtual=192.168.72.8:443\n\treal=192.168.72.9:443 gate\n\
         \tservice=http\n\tscheduler=rr\n\tprotocol=tcp\n\tchecktype=on\n\tcleanstop=no\n"
    );
    let mut d = director(&cf);
    d.start(&Table::default());
    for c in 0..d.plan().checks.len() {
        d.on_check(c, true);
    }
    let l = logs(&d.stop());
    assert!(l.contains(&"Purged virtual server (stop): 192.168.72.8:80".to_string()));
    assert!(
        !l.iter().any(|x| x.contains("192.168.72.8:443")),
        "cleanstop=no virtual untouched: {l:?}"
    );
}
