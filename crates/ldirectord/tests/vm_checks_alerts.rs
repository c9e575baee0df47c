//! In the VM (`make vm-test`), against the real kernel: `checktype=ping`
//! and `checktype=external` on their own virtual services, e-mail alerts
//! through a real SMTP server (Python's smtpd, in the director's
//! namespace) with their reminders, and the monitorfile; then two compat
//! configs and every checktype side by side with the legacy ldirectord
//! 4.12.

mod lab;

use lab::*;
use std::process::{Command, Stdio};
use std::time::Duration;

fn chmod_x(p: &std::path::Path) {
    Command::new("chmod")
        .args(["+x", &p.display().to_string()])
        .status()
        .unwrap();
}

fn has_real(listing: &str, vip: &str, ip: &str) -> bool {
    let mut inside = false;
    for l in listing.lines() {
        if l.starts_with("TCP ") || l.starts_with("UDP ") || l.starts_with("FWM ") {
            inside = l.contains(&format!(" {vip}:80 "));
        } else if inside && l.starts_with(&format!("  -> {ip}:80 ")) {
            return true;
        }
    }
    false
}

#[test]
#[ignore = "needs IPVS: make vm-test"]
fn ping_external_emailalert_and_monitorfile() {
    let mut lab = Lab::new();
    let t = lab.tag.clone();
    let d = lab.dir.clone();
    let mail = d.join("mail.txt");
    let smtpd = Command::new("ip")
        .args(["netns", "exec", &format!("{t}a")])
        .args(["python3", "-u", "-W", "ignore", "-m", "smtpd", "-n", "-c"])
        .args(["DebuggingServer", "127.0.0.1:25"])
        .stdout(std::fs::File::create(&mail).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m smtpd");
    lab.servers.push(smtpd);
    let check = d.join("check.sh");
    std::fs::write(
        &check,
        format!(
            "#!/bin/sh\n# virtual ip, port, real ip, port\n[ ! -e {}/down-$3 ]\n",
            d.display()
        ),
    )
    .unwrap();
    chmod_x(&check);
    let cf = lab.write(
        "pe.cf",
        &format!(
            "checkinterval=1\nchecktimeout=1\nlogfile=\"{log}\"\n\
             emailalert=\"ops@example.org\"\nemailalertfreq=2\nsmtp=127.0.0.1\n\
             emailalertfrom=\"ldirectord@example.org\"\n\
             virtual=10.9.0.100:80\n\treal=10.9.0.2:80 gate\n\treal=10.9.0.3:80 gate\n\
             \tchecktype=ping\n\tmonitorfile=\"{mon}\"\n\tscheduler=wrr\n\tprotocol=tcp\n\n\
             virtual=10.9.0.101:80\n\treal=10.9.0.2:80 gate\n\treal=10.9.0.3:80 gate\n\
             \tchecktype=external\n\tcheckcommand=\"{check}\"\n\tscheduler=wrr\n\tprotocol=tcp\n",
            log = d.join("pe.log").display(),
            mon = d.join("ping.monitor").display(),
            check = check.display(),
        ),
    );
    std::thread::sleep(Duration::from_millis(500));
    let rundir = format!("LDIRECTORD_RUNDIR={}", d.display());
    sh(&format!(
        "ip netns exec {t}a env {rundir} {OURS} {} start",
        cf.display()
    ));
    wait_until("four reals in", 30, || dests(&lab.ipvsadm("a")) == 4);

    // The external check says WEB2 is down: it leaves .101 only, and the
    // operators get a mail, then a reminder two seconds later.
    std::fs::write(d.join("down-10.9.0.3"), "").unwrap();
    wait_until("WEB2 out of the external virtual", 20, || {
        let l = lab.ipvsadm("a");
        !has_real(&l, "10.9.0.101", "10.9.0.3") && has_real(&l, "10.9.0.100", "10.9.0.3")
    });
    let mails = || std::fs::read_to_string(&mail).unwrap_or_default();
    wait_until("the alert and its reminder", 20, || {
        mails().contains("Subject: Deleted real server: 10.9.0.3:80 (10.9.0.101:80)")
            && mails().contains("Subject: Inaccessible real server: 10.9.0.3:80 (10.9.0.101:80)")
    });
    let m = mails();
    assert!(m.contains("From: ldirectord@example.org"), "{m}");
    assert!(m.contains("To: ops@example.org"), "{m}");
    assert!(m.contains("Daemon-Status: running"), "{m}");
    assert!(lab
        .log("pe")
        .contains("emailalert: Deleted real server: 10.9.0.3:80 (10.9.0.101:80)"));
    std::fs::remove_file(d.join("down-10.9.0.3")).unwrap();
    wait_until("WEB2 back in the external virtual", 20, || {
        has_real(&lab.ipvsadm("a"), "10.9.0.101", "10.9.0.3")
    });
    wait_until("the mail saying so", 20, || {
        mails().contains("Subject: Added real server: 10.9.0.3:80 (10.9.0.101:80)")
    });

    // WEB2's address goes away: no echo reply, out of the ping virtual;
    // the external virtual keeps it (its check says up).
    sh(&format!("ip -n {t}r addr del 10.9.0.3/24 dev br0"));
    wait_until("WEB2 out of the ping virtual", 30, || {
        let l = lab.ipvsadm("a");
        !has_real(&l, "10.9.0.100", "10.9.0.3") && has_real(&l, "10.9.0.101", "10.9.0.3")
    });
    sh(&format!("ip -n {t}r addr add 10.9.0.3/24 dev br0"));
    wait_until("WEB2 back in the ping virtual", 30, || {
        has_real(&lab.ipvsadm("a"), "10.9.0.100", "10.9.0.3")
    });
    let mon = std::fs::read_to_string(d.join("ping.monitor")).unwrap_or_default();
    // The legacy writes a ping check's verdict to the monitorfile only
    // when a reply came: WEB2's outage leaves no line, its pings do.
    assert!(
        !mon.contains("[down]"),
        "no down line for a ping check: {mon}"
    );
    for ip in ["10.9.0.2", "10.9.0.3"] {
        assert!(
            mon.lines()
                .any(|l| l.contains(&format!("] ping tcp {ip} 80 1 gate / "))
                    && l.contains(&format!("[up] echo reply from {ip}"))),
            "{mon}"
        );
    }
    sh(&format!(
        "ip netns exec {t}a env {rundir} {OURS} {} stop",
        cf.display()
    ));
}

/// A compat config with its addresses moved into the lab: 10.0.0.1 is the
/// virtual, 10.0.0.11/12 the two web servers, 10.0.0.13/14 addresses on
/// the real servers' bridge where nothing listens (connections refused).
///
/// Not addresses that never answer ARP: with two such reals (checktimeout
/// 2 s, shorter than the kernel's ARP timeout) the legacy 4.12 in the VM
/// never re-added the two healthy reals within 60 s of its start (it had
/// added and deleted them once), while on the host, where such a real
/// fails at once (no route), it judges them up. We judge the healthy reals
/// up in both cases; that legacy run is the one thing not copied.
fn compat_text(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../compat-configs/ldirectord/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn compat(lab: &Lab, text: &str, name: &str) -> std::path::PathBuf {
    let text = text
        .replace("10.0.0.11", "10.9.0.2")
        .replace("10.0.0.12", "10.9.0.3")
        .replace("10.0.0.13", "10.9.0.4")
        .replace("10.0.0.14", "10.9.0.5")
        .replace("10.0.0.1:", "10.9.0.100:");
    // negotiatetimeout 10, as in every_checktype_matches_the_legacy: the
    // legacy's first http check loads LWP's http protocol module under its
    // alarm, and under emulation that can take more than 2 s. A require cut
    // short fails every later http check ("501 Attempt to reload
    // LWP/Protocol/http.pm aborted", reproduced on the host by aborting that
    // require once): a CI run saw the legacy hold no real for 3 minutes.
    // Nothing in these configs waits on the timeout: the dead reals refuse.
    let head = format!(
        "checkinterval=1\nchecktimeout=2\nnegotiatetimeout=10\nlogfile=\"{}\"\n",
        lab.dir.join(format!("{name}.log")).display()
    );
    lab.write(name, &format!("{head}{text}"))
}

/// The same lines for each virtual service, in the same order; how the
/// lines of different virtuals interleave is timing (the legacy checks
/// one real after another, we check them all at once), not behaviour.
fn same_lines(ours: &[String], legacy: &[String], what: &str) {
    let virtual_of = |line: &str| -> String {
        line.find("10.9.0.100:")
            .map(|i| {
                line[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect()
            })
            .unwrap_or_default()
    };
    let by_virtual = |lines: &[String]| {
        let mut m = std::collections::BTreeMap::<String, Vec<String>>::new();
        for l in lines {
            m.entry(virtual_of(l)).or_default().push(l.clone());
        }
        m
    };
    assert_eq!(by_virtual(ours), by_virtual(legacy), "{what}");
}

fn side_by_side(file: &str, expect_up: usize) {
    side_by_side_text(&compat_text(file), expect_up)
}

fn side_by_side_text(text: &str, expect_up: usize) {
    let mut lab = Lab::new();
    let text = text.replace("LABDIR", &lab.dir.display().to_string());
    let check = lab.dir.join("external-check");
    std::fs::write(
        &check,
        format!(
            "#!/bin/sh\n# virtual ip, port, real ip, port\n[ ! -e {}/down-$3 ]\n",
            lab.dir.display()
        ),
    )
    .unwrap();
    chmod_x(&check);
    sh(&format!(
        "ip -n {t}r addr add 10.9.0.4/24 dev br0; ip -n {t}r addr add 10.9.0.5/24 dev br0",
        t = lab.tag
    ));
    for (p, body) in [
        ("www/status/web1.html", "web1 ok\n"),
        ("www/status/web2.html", "web2 ok\n"),
        ("www/status.html", "ok\n"),
    ] {
        let path = lab.dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let t = lab.tag.clone();
    let ours_cf = compat(&lab, &text, "ours.cf");
    let legacy_cf = compat(&lab, &text, "legacy.cf");
    let rundir = format!("LDIRECTORD_RUNDIR={}", lab.dir.display());
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
    let weighted = |l: &str| {
        l.lines()
            .filter(|x| {
                x.starts_with("  -> ")
                    && !x.contains("RemoteAddress")
                    && x.split_whitespace().nth(3) != Some("0")
            })
            .count()
    };
    // Both tables equal and `moved` (the step's effect is there, in both:
    // equal tables before either daemon reacted prove nothing), then
    // still equal after a few check rounds (the legacy's checktype=N
    // cycle included): settled, not passing through.
    let same = |lab: &Lab, what: &str, moved: &dyn Fn(&str) -> bool| {
        // Generous: under emulation the legacy needs seconds per ipvsadm call.
        wait_until(what, 180, || {
            let a = lab.ipvsadm("a");
            moved(&a) && a == lab.ipvsadm("b")
        });
        std::thread::sleep(Duration::from_secs(10));
        assert_eq!(lab.ipvsadm("a"), lab.ipvsadm("b"), "{what}, settled");
    };
    same(&lab, "the same table after start", &|a| {
        weighted(a) == expect_up
    });
    logs.step();

    // Read before the kill: ours reacts within a check interval, often
    // before a table read after the kill returns.
    let up = lab.ipvsadm("a");
    let mut web1 = lab.servers.remove(0);
    web1.kill().unwrap();
    web1.wait().unwrap();
    same(&lab, "the same table with WEB1 down", &|a| a != up);
    let (o, l) = logs.step();
    same_lines(&o, &l, "log lines for WEB1 down");
    assert!(!o.is_empty());

    lab.servers.push(lab.serve("10.9.0.2", "www"));
    same(&lab, "the same table with WEB1 back", &|a| a == up);
    let (o, l) = logs.step();
    same_lines(&o, &l, "log lines for WEB1 back");
    // What stop leaves depends on cleanstop (17's `cleanstop=no` virtual
    // stays with its real): the step's effect is that the table changed.
    let running = lab.ipvsadm("a");
    for (who, cf) in [("ours", &ours_cf), ("legacy", &legacy_cf)] {
        let cmd = if who == "ours" {
            format!(
                "ip netns exec {t}a env {rundir} {OURS} {} stop",
                cf.display()
            )
        } else {
            format!(
                "ip netns exec {t}b /usr/sbin/ldirectord {} stop",
                cf.display()
            )
        };
        sh(&cmd);
    }
    same(&lab, "the same table after stop", &|a| a != running);
    let (o, l) = logs.step();
    same_lines(&o, &l, "log lines for stop");
}

/// Fallbacks (global and per virtual, one masq), quiescent=yes on one
/// virtual, cleanstop=no, fallbackcommand, and two services with no
/// negotiate check (service none: always up, in both).
#[test]
#[ignore = "needs IPVS and the legacy ldirectord: make vm-test"]
fn compat_fallback_and_commands_matches_the_legacy() {
    side_by_side("17-fallback-and-commands.cf", 3);
}

/// Per-real request/receive overrides, weights, thresholds, masq and ipip
/// reals, two of them on addresses that never answer.
#[test]
#[ignore = "needs IPVS and the legacy ldirectord: make vm-test"]
fn compat_per_real_overrides_matches_the_legacy() {
    side_by_side("19-per-real-overrides.cf", 2);
}

/// Every checktype but ping and external-perl (tested on their own above
/// and in lvs-check), side by side with the legacy on the lab's two web
/// servers: connect (:81), negotiate simpletcp (:82), on (:83), off
/// (:84), external (:85), a `checktype=2` http check (:86), and a
/// `checktype=1` UDP service (:87, service=none) whose reals' port has
/// nothing on TCP: its connect step is a UDP connect, which sends nothing,
/// so both keep its reals throughout, WEB1's death included. Masq, so
/// each check goes to the real's own port.
///
/// The steps: start; WEB1 dies; WEB1 is back; WEB1's page goes wrong
/// while its port still accepts connections; the page is right again;
/// stop. Each step must lead both daemons to a state known beforehand:
/// the test waits for both tables to show it (identical `ipvsadm -Ln`,
/// WEB1 in the virtuals the step says), then lets them run for [`SETTLE`]
/// and asks again. It then compares the real-server log lines each daemon
/// wrote for the step, per virtual. How long each daemon takes is not
/// compared. The settle spans more than N+1 = 3 of the legacy's check
/// rounds, so the `checktype=2` real has had a negotiate since the
/// change, whichever phase its counter was in. The wrong page is what
/// tests the counter: the connects still pass, and only the negotiate
/// that comes after at most two of them drops WEB1, from :86 alone.
///
/// Why this test was flaky before (skipped in `make vm-test`): at "WEB1
/// is back" it waited for the two tables to be equal, and they were at
/// once, since neither had WEB1 yet (python3 takes about 5 s to start
/// under emulation). It compared them again 4 s later, in the middle of
/// the change. Ours checks all reals at once and puts WEB1 back in :81,
/// :82 and :86 in the same second. The legacy checks one real after the
/// other, :86 last in its round, and runs ipvsadm twice per change. Its
/// check of a returning real on :86 is always the negotiate, an LWP
/// request: a failed connect sets the legacy's per-real counter
/// (`num_connects`) to 999999, a failed negotiate leaves it as it was,
/// and only a negotiate that passes sets it to 0. So the legacy put WEB1
/// back in :86 up to 2 s after ours. A look between the two showed WEB1
/// in ours and not in the legacy's :86, which looked like the legacy
/// dropping it. The legacy did not drop it: in 3 kill/restart cycles
/// recorded second by second, it never took out a WEB1 that had come
/// back.
#[test]
#[ignore = "needs IPVS and the legacy ldirectord: make vm-test"]
fn every_checktype_matches_the_legacy() {
    let mut cf = String::new();
    let kinds = [
        "checktype=connect",
        "checktype=negotiate\n\tservice=simpletcp\n\trequest=\"GET /test.html HTTP/1.0\\n\\n\"\n\treceive=\"200 OK\"",
        "checktype=on",
        "checktype=off",
        "checktype=external\n\tcheckcommand=\"LABDIR/external-check\"",
        // negotiatetimeout 10: the legacy loads LWP at its first http check,
        // under the alarm; under emulation that takes more than 2 s, and a
        // require cut short by the alarm fails every later check (seen
        // here: the legacy never re-added the reals).
        "checktype=2\n\tservice=http\n\trequest=\"test.html\"\n\treceive=\"test\"\n\tnegotiatetimeout=10",
    ];
    for (i, kind) in kinds.iter().enumerate() {
        cf.push_str(&format!(
            "virtual=10.0.0.1:{}\n\treal=10.0.0.11:80 masq\n\treal=10.0.0.12:80 masq\n\t{kind}\n",
            81 + i
        ));
    }
    cf.push_str(
        "virtual=10.0.0.1:87\n\treal=10.0.0.11:1812 masq\n\treal=10.0.0.12:1812 masq\n\
         \tprotocol=udp\n\tchecktype=1\n\tservice=none\n",
    );

    let mut lab = Lab::new();
    let cf = cf.replace("LABDIR", &lab.dir.display().to_string());
    let check = lab.dir.join("external-check");
    std::fs::write(
        &check,
        format!(
            "#!/bin/sh\n# virtual ip, port, real ip, port\n[ ! -e {}/down-$3 ]\n",
            lab.dir.display()
        ),
    )
    .unwrap();
    chmod_x(&check);
    // WEB1's own copy of the pages, to make its page wrong and not WEB2's;
    // replaced whole, so no check reads half a page.
    let www1 = lab.dir.join("www1");
    std::fs::create_dir_all(&www1).unwrap();
    let web1_page = |body: &str| {
        std::fs::write(www1.join(".test.html.tmp"), body).unwrap();
        std::fs::rename(www1.join(".test.html.tmp"), www1.join("test.html")).unwrap();
    };
    web1_page("test\n");
    let t = lab.tag.clone();
    let ours_cf = compat(&lab, &cf, "ours.cf");
    let legacy_cf = compat(&lab, &cf, "legacy.cf");
    let rundir = format!("LDIRECTORD_RUNDIR={}", lab.dir.display());
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
    let all = [81, 82, 83, 85, 86, 87];
    let mut step = |lab: &Lab, web1_in: &[u16], what: &str| {
        let want = expected(web1_in);
        let t0 = std::time::Instant::now();
        // Generous: under emulation the legacy needs seconds per ipvsadm call.
        wait_until(what, 180, || {
            let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
            a == b && members(&a) == want
        });
        println!(
            "{what}: both tables after {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        std::thread::sleep(SETTLE);
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        assert_eq!(members(&a), want, "{what}, ours after the settle:\n{a}");
        assert_eq!(
            members(&b),
            want,
            "{what}, the legacy's after the settle:\n{b}"
        );
        assert_eq!(a, b, "{what}, after the settle");
        logs.step()
    };

    step(&lab, &all, "start");

    let mut web1 = lab.servers.remove(0);
    web1.kill().unwrap();
    web1.wait().unwrap();
    let (o, l) = step(&lab, &[83, 85, 87], "WEB1 down");
    same_lines(&o, &l, "log lines for WEB1 down");
    assert_eq!(o.len(), 3, "{o:?}");

    lab.servers.insert(0, lab.serve("10.9.0.2", "www1"));
    let (o, l) = step(&lab, &all, "WEB1 back");
    same_lines(&o, &l, "log lines for WEB1 back");
    assert_eq!(o.len(), 3, "{o:?}");

    web1_page("wrong body\n");
    let (o, l) = step(&lab, &[81, 82, 83, 85, 87], "WEB1's page wrong");
    same_lines(&o, &l, "log lines for WEB1's page wrong");
    assert_eq!(o, ["Deleted real server: 10.9.0.2:80 (10.9.0.100:86)"]);

    web1_page("test\n");
    let (o, l) = step(&lab, &all, "WEB1's page right again");
    same_lines(&o, &l, "log lines for WEB1's page right again");
    assert_eq!(
        o,
        ["Added real server: 10.9.0.2:80 (10.9.0.100:86) (Weight set to 1)"]
    );

    for (who, cf) in [("ours", &ours_cf), ("legacy", &legacy_cf)] {
        let (ns, bin, env) = if who == "ours" {
            ("a", OURS, format!("env {rundir} "))
        } else {
            ("b", "/usr/sbin/ldirectord", String::new())
        };
        sh(&format!(
            "ip netns exec {t}{ns} {env}{bin} {} stop",
            cf.display()
        ));
    }
    wait_until("both tables purged", 60, || {
        let (a, b) = (lab.ipvsadm("a"), lab.ipvsadm("b"));
        a == b && members(&a).is_empty() && !a.contains("TCP") && !a.contains("UDP")
    });
    let (o, l) = logs.step();
    same_lines(&o, &l, "log lines for stop");
}

/// How long a step's state must hold: twice N+1 = 3 check rounds of the
/// legacy (1-2 s each here: its checks one after the other, then
/// checkinterval=1; its monitorfile showed a negotiate of the checktype=2
/// real every 4-5 s).
const SETTLE: Duration = Duration::from_secs(10);

/// `virtual-port real` for every real in an `ipvsadm -Ln` listing.
fn members(listing: &str) -> std::collections::BTreeSet<String> {
    let mut port = "";
    let mut out = std::collections::BTreeSet::new();
    for l in listing.lines() {
        if l.starts_with("TCP ") || l.starts_with("UDP ") {
            port = l
                .split_whitespace()
                .nth(1)
                .and_then(|a| a.rsplit(':').next())
                .unwrap_or("");
        } else if let Some(rest) = l.strip_prefix("  -> ") {
            if !rest.starts_with("RemoteAddress") {
                let real = rest.split_whitespace().next().unwrap_or("");
                out.insert(format!("{port} {real}"));
            }
        }
    }
    out
}

/// WEB2 in every checked virtual, WEB1 in `web1_in`.
fn expected(web1_in: &[u16]) -> std::collections::BTreeSet<String> {
    let real = |ip: &str, vport: u16| {
        let rport = if vport == 87 { 1812 } else { 80 };
        format!("{vport} {ip}:{rport}")
    };
    let mut out: std::collections::BTreeSet<String> = [81, 82, 83, 85, 86, 87]
        .into_iter()
        .map(|p| real("10.9.0.3", p))
        .collect();
    out.extend(web1_in.iter().map(|&p| real("10.9.0.2", p)));
    out
}
