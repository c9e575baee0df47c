//! ldirectord-rs alone against the real kernel (in the VM: `make
//! vm-test`): quiescent, a hung and a resetting real, autoreload of an
//! added/removed/changed real, a bad edit that must keep the table, and
//! stop without cleanstop.

mod lab;

use lab::*;
use std::time::{Duration, Instant};

fn config(lab: &Lab, quiescent: &str, cleanstop: &str, reals: &[(&str, u32)]) -> String {
    let mut cf = format!(
        "checktimeout=2\nnegotiatetimeout=2\ncheckinterval=1\nautoreload=yes\n\
         logfile=\"{}\"\nquiescent={quiescent}\ncleanstop={cleanstop}\n\
         maintenancedir={}\ncallback=\"{}\"\nvirtual=10.9.0.100:80\n",
        lab.dir.join("d.cf.log").display(),
        lab.dir.join("maint").display(),
        lab.dir.join("callback.sh").display()
    );
    for (ip, w) in reals {
        cf.push_str(&format!("\treal={ip}:80 gate {w}\n"));
    }
    cf.push_str(
        "\tservice=http\n\trequest=\"test.html\"\n\treceive=\"test\"\n\tscheduler=wrr\n\
         \tprotocol=tcp\n\tchecktype=negotiate\n",
    );
    cf
}

fn line(listing: &str, ip: &str) -> Option<String> {
    listing
        .lines()
        .find(|l| l.starts_with(&format!("  -> {ip}:80 ")))
        .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
}

#[test]
#[ignore = "needs IPVS: make vm-test"]
fn quiescent_hung_reset_autoreload_and_stop() {
    let mut lab = Lab::new();
    let t = lab.tag.clone();
    let rundir = format!("LDIRECTORD_RUNDIR={}", lab.dir.display());
    std::fs::create_dir_all(lab.dir.join("maint")).unwrap();
    let called = lab.dir.join("callback.args");
    std::fs::write(
        lab.dir.join("callback.sh"),
        format!("#!/bin/sh\necho \"$@\" >> {}\n", called.display()),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", &lab.dir.join("callback.sh").display().to_string()])
        .status()
        .unwrap();
    let cf = lab.write(
        "d.cf",
        &config(&lab, "yes", "no", &[("10.9.0.2", 1), ("10.9.0.3", 2)]),
    );
    let ours = |cmd: &str| {
        output(&format!(
            "ip netns exec {t}a env {rundir} {OURS} {} {cmd}; echo \"status=$?\"",
            cf.display()
        ))
    };
    assert!(ours("start").ends_with("status=0\n"));
    let table = |lab: &Lab| lab.ipvsadm("a");
    wait_until("both reals up", 60, || {
        let l = table(&lab);
        line(&l, "10.9.0.2").as_deref() == Some("-> 10.9.0.2:80 Route 1")
            && line(&l, "10.9.0.3").as_deref() == Some("-> 10.9.0.3:80 Route 2")
    });

    // Quiescent: WEB1 stops; it stays in the table at weight 0.
    let mut web1 = lab.servers.remove(0);
    web1.kill().unwrap();
    web1.wait().unwrap();
    wait_until("WEB1 quiescent", 30, || {
        line(&table(&lab), "10.9.0.2").as_deref() == Some("-> 10.9.0.2:80 Route 0")
    });
    assert!(lab
        .log("d.cf")
        .contains("Quiescent real server: 10.9.0.2:80 (10.9.0.100:80) (Weight set to 0)"));

    // A real that accepts and never answers is taken out within the
    // negotiate timeout, without holding up WEB2's checks.
    let hung = lab.serve_hung("10.9.0.2");
    lab.servers.push(hung);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        line(&table(&lab), "10.9.0.2").as_deref(),
        Some("-> 10.9.0.2:80 Route 0")
    );
    assert_eq!(
        line(&table(&lab), "10.9.0.3").as_deref(),
        Some("-> 10.9.0.3:80 Route 2")
    );
    let mut hung = lab.servers.pop().unwrap();
    hung.kill().unwrap();
    hung.wait().unwrap();

    // One that resets: still out. Then a real server again: restored.
    let reset = lab.serve_reset("10.9.0.2");
    lab.servers.push(reset);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        line(&table(&lab), "10.9.0.2").as_deref(),
        Some("-> 10.9.0.2:80 Route 0")
    );
    let mut reset = lab.servers.pop().unwrap();
    reset.kill().unwrap();
    reset.wait().unwrap();
    let web1 = lab.serve("10.9.0.2", "www");
    lab.servers.push(web1);
    wait_until("WEB1 restored", 30, || {
        line(&table(&lab), "10.9.0.2").as_deref() == Some("-> 10.9.0.2:80 Route 1")
    });
    assert!(lab
        .log("d.cf")
        .contains("Restored real server: 10.9.0.2:80 (10.9.0.100:80) (Weight set to 1)"));

    // maintenancedir: a file named after the real forces it down without
    // a check; removing it brings the real back.
    std::fs::write(lab.dir.join("maint/10.9.0.2"), "").unwrap();
    wait_until("WEB1 in maintenance", 30, || {
        line(&table(&lab), "10.9.0.2").as_deref() == Some("-> 10.9.0.2:80 Route 0")
    });
    std::fs::remove_file(lab.dir.join("maint/10.9.0.2")).unwrap();
    wait_until("WEB1 out of maintenance", 30, || {
        line(&table(&lab), "10.9.0.2").as_deref() == Some("-> 10.9.0.2:80 Route 1")
    });

    // Autoreload: WEB2's weight changes in place, WEB1 is removed, a new
    // real without a server comes in quiescent.
    lab.write(
        "d.cf",
        &config(&lab, "yes", "no", &[("10.9.0.3", 5), ("10.9.0.4", 1)]),
    );
    wait_until("reloaded table", 30, || {
        let l = table(&lab);
        line(&l, "10.9.0.3").as_deref() == Some("-> 10.9.0.3:80 Route 5")
            && line(&l, "10.9.0.2").is_none()
            && line(&l, "10.9.0.4").as_deref() == Some("-> 10.9.0.4:80 Route 0")
    });

    // The callback ran with the configuration's path when the file changed.
    wait_until("callback called", 10, || {
        std::fs::read_to_string(&called)
            .map(|t| t.trim() == cf.display().to_string())
            .unwrap_or(false)
    });

    // A bad edit is reported with file and line; the table is kept.
    let before = table(&lab);
    let bad =
        config(&lab, "yes", "no", &[("10.9.0.3", 7)]).replace("checktimeout=2", "checktimout=2");
    lab.write("d.cf", &bad);
    let start = Instant::now();
    wait_until("bad edit logged", 30, || {
        lab.log("d.cf").contains("d.cf:1:")
    });
    assert!(lab.log("d.cf").contains(" - ignore new configuration"));
    std::thread::sleep(Duration::from_secs(2).saturating_sub(start.elapsed()));
    assert_eq!(table(&lab), before, "a bad edit must not touch the table");

    // Stop with cleanstop=no (the running config): the table stays.
    assert!(ours("stop").ends_with("status=0\n"));
    assert_eq!(
        ours("status"),
        format!("ldirectord is stopped for {}\nstatus=3\n", cf.display())
    );
    assert_eq!(table(&lab), before);
}
