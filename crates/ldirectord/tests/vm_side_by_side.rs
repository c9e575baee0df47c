//! ldirectord-rs and the legacy ldirectord 4.12, side by side against the
//! real kernel (in the VM: `make vm-test`), on the seed deployment's
//! ldirectord.cf with the addresses of a test network.
//!
//! Two directors, each in its own network namespace with its own IPVS
//! table, reach the same two real web servers (python3 http.server in a
//! third namespace, behind a bridge). The same failures are made; after
//! each step both tables must list identically (`ipvsadm -Ln`) and the
//! real/fallback log lines each daemon wrote for that step must be the same.

mod lab;

use lab::*;
use std::time::Duration;

#[test]
#[ignore = "needs IPVS and the legacy ldirectord: make vm-test"]
fn seed_config_matches_the_legacy_step_by_step() {
    let mut lab = Lab::new();
    let ours_cf = lab.config("ours.cf");
    let legacy_cf = lab.config("legacy.cf");
    let t = lab.tag.clone();
    let run = lab.dir.clone();
    let rundir = format!("LDIRECTORD_RUNDIR={}", run.display());
    sh(&format!(
        "ip netns exec {t}a env {rundir} {OURS} {} start",
        ours_cf.display()
    ));
    sh(&format!(
        "ip netns exec {t}b /usr/sbin/ldirectord {} start",
        legacy_cf.display()
    ));
    let mut logs = Logs {
        ours: lab.dir.join("ours.cf.log"),
        legacy: lab.dir.join("legacy.cf.log"),
        seen_ours: 0,
        seen_legacy: 0,
    };
    // Generous: under emulation the legacy needs seconds per ipvsadm call.
    let both_list = |lab: &Lab, n: usize, what: &str| {
        wait_until(what, 180, || {
            let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
            a == b && dests(&a) == n
        })
    };

    // 1. Both reals up: both in the table, no fallback.
    both_list(&lab, 2, "both reals in both tables");
    assert!(!lab.ipvsadm("a").contains("127.0.0.1"));
    // Let the legacy's start-up flapping settle before comparing logs.
    std::thread::sleep(Duration::from_secs(4));
    both_list(&lab, 2, "both reals still in both tables");
    logs.step();

    // 2. WEB1's server stops: removed from both, WEB2 alone.
    let mut web1 = lab.servers.remove(0);
    web1.kill().unwrap();
    web1.wait().unwrap();
    both_list(&lab, 1, "WEB1 removed");
    assert!(lab.ipvsadm("a").contains("10.9.0.3:80"));
    std::thread::sleep(Duration::from_secs(3));
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for WEB1 down");
    assert_eq!(o, ["Deleted real server: 10.9.0.2:80 (10.9.0.100:80)"]);

    // 3. WEB2 answers with the wrong body: both down, the fallback takes over.
    let mut web2 = lab.servers.remove(0);
    web2.kill().unwrap();
    web2.wait().unwrap();
    lab.servers.push(lab.serve("10.9.0.3", "bad"));
    wait_until("fallback in both tables", 60, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && a.contains("127.0.0.1:80") && dests(&a) == 1
    });
    std::thread::sleep(Duration::from_secs(3));
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for WEB2 down");

    // 4. WEB1 comes back: restored, fallback out.
    lab.servers.push(lab.serve("10.9.0.2", "www"));
    wait_until("WEB1 back in both tables", 60, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && a.contains("10.9.0.2:80") && !a.contains("127.0.0.1")
    });
    std::thread::sleep(Duration::from_secs(3));
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for WEB1 back");

    // 5. Stop (cleanstop defaults to yes): both purge the reals and then
    //    the virtual service, with the same log lines.
    sh(&format!(
        "ip netns exec {t}a env {rundir} {OURS} {} stop",
        ours_cf.display()
    ));
    sh(&format!(
        "ip netns exec {t}b /usr/sbin/ldirectord {} stop",
        legacy_cf.display()
    ));
    wait_until("both tables purged", 30, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && !a.contains("TCP")
    });
    let (o, l) = logs.step();
    assert_eq!(o, l, "log lines for stop");
    assert_eq!(
        o,
        [
            "Purged real server (stop): 10.9.0.2:80 (10.9.0.100:80)",
            "Purged virtual server (stop): 10.9.0.100:80",
        ]
    );
}
