use super::*;

fn ok(text: &str) -> Parsed<HaCf> {
    match parse(text, "ha.cf") {
        Ok(p) => p,
        Err(e) => panic!("rejected:\n{e}\n--- input:\n{text}"),
    }
}

fn err(text: &str) -> String {
    match parse(text, "ha.cf") {
        Ok(p) => panic!("accepted: {:?}", p.value),
        Err(e) => e.to_string(),
    }
}

const BASE: &str = "node nodea\nbcast eth1\n";

#[test]
fn seed_is_accepted_with_its_meaning() {
    let p = ok("debugfile /var/log/ha-debug\nlogfile /var/log/ha-log\nlogfacility local0\nkeepalive 2\ndeadtime 30\nwarntime 10\ninitdead 120\nudpport 694\nbcast eth1\nucast eth1 192.168.1.3\nauto_failback on\nnode MASTER\nnode BACKUP\nping 192.168.72.1\nrespawn root /usr/lib/heartbeat/ipfail\napiauth ipfail gid=root uid=root\n");
    let v = p.value;
    assert_eq!(v.keepalive_ms, 2000);
    assert_eq!(v.deadtime_ms, 30000);
    assert_eq!(v.warntime_ms, 10000);
    assert_eq!(v.initdead_ms, 120000);
    assert_eq!(v.udpport, 694);
    assert_eq!(v.nodes, vec!["master", "backup"]);
    assert_eq!(v.auto_failback, AutoFailback::On);
    assert_eq!(v.media.len(), 3);
    assert_eq!(v.respawn[0].path, "/usr/lib/heartbeat/ipfail");
    let ipfail = v.apiauth.iter().find(|a| a.client == "ipfail").unwrap();
    assert!(!ipfail.builtin);
    assert!(v.apiauth.iter().any(|a| a.client == "ccm" && a.builtin));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn defaults_are_the_legacy_ones() {
    let v = ok(BASE).value;
    assert_eq!(v.keepalive_ms, 1000);
    assert_eq!(v.deadtime_ms, 30000);
    assert_eq!(v.warntime_ms, 15000);
    assert_eq!(v.initdead_ms, 30000);
    assert_eq!(v.deadping_ms, 30000);
    assert_eq!(v.udpport, 694);
    assert_eq!(v.auto_failback, AutoFailback::Legacy);
    assert!(v.use_logd, "no log target means logd");
}

#[test]
fn derived_initdead() {
    assert_eq!(ok(&format!("{BASE}deadtime 5\n")).value.initdead_ms, 12000);
    assert_eq!(ok(&format!("{BASE}deadtime 8\n")).value.initdead_ms, 16000);
}

#[test]
fn unknown_and_key_value_directives() {
    let e = err(&format!("{BASE}deadtme 30\n"));
    assert!(
        e.starts_with("ha.cf:3:1: Illegal directive [deadtme] in ha.cf"),
        "{e}"
    );
    assert!(e.contains("did you mean `deadtime`"), "{e}");
    let e = err(&format!("{BASE}keepalive=2\n"));
    assert!(e.contains("Illegal directive [keepalive=2]"), "{e}");
    assert!(e.contains("no `=` form"), "{e}");
    assert!(err(&format!("{BASE}Keepalive 2\n")).contains("Illegal directive [Keepalive]"));
    assert!(err(&format!("{BASE}generation_method file\n")).contains("Illegal directive"));
}

#[test]
fn comments_blanks_crlf() {
    let v = ok("  node nodea # me\n\tbcast eth1#x\r\nkeepalive 2 # two\r\n# Überwachung\nlogfile /var/log/ha#log\n").value;
    assert_eq!(v.keepalive_ms, 2000);
    assert_eq!(v.logfile.as_deref(), Some("/var/log/ha"));
    assert_eq!(v.media.len(), 1);
    // A CR in mid-line ends it.
    assert_eq!(
        ok("node nodea\rjunk\nbcast eth1\n").value.nodes,
        vec!["nodea"]
    );
}

#[test]
fn values_split_on_commas_and_blanks() {
    let v = ok("node a b, c\nnode d,e\nbcast eth1 eth2,lo\nkeepalive 1,2\n").value;
    assert_eq!(v.nodes, vec!["a", "b", "c", "d", "e"]);
    assert_eq!(v.media.len(), 3);
    assert_eq!(v.keepalive_ms, 2000, "last value wins");
    // A directive with no value does nothing.
    assert_eq!(ok(&format!("{BASE}keepalive\n")).value.keepalive_ms, 1000);
}

#[test]
fn time_values() {
    assert_eq!(
        ok(&format!("{BASE}keepalive 500ms\ndeadtime 2000ms\n"))
            .value
            .keepalive_ms,
        500
    );
    assert_eq!(
        ok(&format!("{BASE}keepalive 1.5\ndeadtime 10\n"))
            .value
            .keepalive_ms,
        1500
    );
    for bad in ["two", "2s", "0", "-1", "2us", "1e3", "."] {
        let e = err(&format!("{BASE}keepalive {bad}\n"));
        assert!(
            e.starts_with("ha.cf:3:11: invalid keepalive value"),
            "{bad}: {e}"
        );
    }
    assert!(err(&format!("{BASE}warntime 0\n")).contains("Warn time [0] is invalid."));
}

#[test]
fn timing_rules() {
    let e = err(&format!("{BASE}keepalive 2\ndeadtime 4\n"));
    assert!(
        e.contains("ha.cf:4:10: Dead time [4000] is too small compared to keeplive [2000]"),
        "{e}"
    );
    assert!(err(&format!("{BASE}deadtime 0\n")).contains("Dead time [0]"));
    let e = err(&format!("{BASE}keepalive 1\ndeadtime 5\ninitdead 4\n"));
    assert!(
        e.contains("Initial dead time [4000] is smaller than deadtime [5000]"),
        "{e}"
    );
    let p = ok(&format!("{BASE}keepalive 1\ndeadtime 5\ninitdead 6\n"));
    assert!(p
        .warnings
        .iter()
        .any(|w| w.message.contains("may be too small")));
    assert!(err(&format!("{BASE}deadping 1\n")).contains("Ping dead time [1000]"));
    ok(&format!("{BASE}keepalive 2\nwarntime 1\n"));
}

#[test]
fn udpport_order_and_latching() {
    let p = ok("node a\nbcast eth1\nudpport 700\nucast eth1 10.0.0.2\n");
    assert_eq!(p.value.udpport, 700);
    assert!(matches!(p.value.media[0], Medium::Bcast { port: 694, .. }));
    assert!(matches!(p.value.media[1], Medium::Ucast { port: 700, .. }));
    assert!(p
        .warnings
        .iter()
        .any(|w| w.message == "udpport setting must precede media statements"));
    assert!(err("udpport abc\nnode a\nbcast eth1\n").contains("invalid port [abc] specified."));
    assert!(err("udpport 0\nnode a\nbcast eth1\n").contains("ha.cf:1:9:"));
    assert_eq!(
        ok("udpport 700 701\nnode a\nbcast eth1\n").value.udpport,
        701
    );
}

#[test]
fn media_and_nodes_required() {
    assert!(err("node a\n").contains("ha.cf:0:0: No heartbeat media defined"));
    assert!(err("bcast eth1\n").contains("no nodes defined"));
    assert!(err("").contains("No heartbeat media defined"));
    let e = err("node a\nucast eth1\n");
    assert!(
        e.contains("ucast: [eth1] missing target IP address/hostname"),
        "{e}"
    );
    let e = err("node a\nmcast eth1 225.0.0.1 694 5 0\n");
    assert!(e.contains("ha.cf:2:26: mcast [eth1] bad ttl [5]"), "{e}");
    ok("node a\nudp eth1\n");
    ok("node a\nping_group g 10.0.0.1 10.0.0.2\nmcast eth1 225.0.0.1 694 1 0\n");
    assert!(err(&format!("{BASE}ping_group g\n")).contains("has no hosts"));
}

#[test]
fn enumerated_values() {
    for (v, want) in [
        ("on", AutoFailback::On),
        ("Off", AutoFailback::Off),
        ("LEGACY", AutoFailback::Legacy),
        ("y", AutoFailback::On),
    ] {
        assert_eq!(
            ok(&format!("{BASE}auto_failback {v}\n"))
                .value
                .auto_failback,
            want
        );
    }
    assert!(err(&format!("{BASE}auto_failback maybe\n"))
        .contains("invalid auto_failback value [maybe]"));
    assert!(err(&format!("{BASE}logfacility LOCAL0\n")).contains("Log facility(LOCAL0) not valid"));
    ok(&format!("{BASE}logfacility mark\n"));
    assert!(
        err(&format!("{BASE}autojoin any\n")).contains("R1 style resource management conflicts")
    );
    ok(&format!("{BASE}crm on\nautojoin any\n"));
    assert!(err(&format!("{BASE}crm off\ncrm off\n")).contains("used multiple times"));
    assert!(err(&format!("{BASE}crm_daemon_dir /x\n")).contains("crm_daemon_dir"));
    ok(&format!("{BASE}crm off\ncrm_daemon_dir /x\n"));
    assert!(err(&format!("{BASE}crm off\ncrmd_spawns_pengine yes\n")).contains("must come before"));
    assert!(err(&format!("{BASE}rtprio 0\n")).contains("Illegal realtime priority [0]"));
    assert!(
        err(&format!("{BASE}hbgenmethod File\n")).contains("Illegal hb generation method [File]")
    );
    assert!(err(&format!("{BASE}baud 19200\nbaud 9600\n")).contains("Baudrate multiply specified."));
    assert!(err(&format!("{BASE}watchdog /dev/w\nwatchdog /dev/w\n"))
        .contains("Watchdog device multiply"));
    assert!(err(&format!("{BASE}compression lzo\n")).contains("Compression module(lzo) not found"));
    assert_eq!(ok(&format!("{BASE}debug x\n")).value.debug, 0);
    assert!(err(&format!("{BASE}use_logd no\n"))
        .contains("No log entry found in ha.cf and use_logd is set to off"));
    ok(&format!("{BASE}logfile /var/log/x\nuse_logd no\n"));
    assert!(err(&format!("{BASE}logfacility none\nuse_logd no\n")).contains("No log entry"));
    assert!(err(&format!("{BASE}env =x\n")).contains("invalid nvpair(=x)"));
}

#[test]
fn nice_failback_follows_the_legacy_quirk() {
    let p = ok(&format!("{BASE}nice_failback on\n"));
    assert_eq!(p.value.auto_failback, AutoFailback::Legacy);
    assert_eq!(
        ok(&format!("{BASE}auto_failback on\nnice_failback on\n"))
            .value
            .auto_failback,
        AutoFailback::Off
    );
}

#[test]
fn whole_line_directives() {
    let v = ok(&format!(
        "{BASE}respawn hacluster /usr/lib/heartbeat/ipfail -x foo # c\nfailfast root /bin/true\n"
    ))
    .value;
    assert_eq!(v.respawn[0].command, "/usr/lib/heartbeat/ipfail -x foo");
    assert!(v.respawn[1].failfast);
    assert!(err(&format!("{BASE}respawn root ipfail\n"))
        .contains("Client child command [ipfail] is not full pathname"));
    assert!(err(&format!("{BASE}respawn\n")).contains("Invalid uid []"));
    assert!(err(&format!("{BASE}apiauth foo\n")).contains("Invalid apiauth directive [foo]"));
    assert!(err(&format!("{BASE}apiauth foo bar=1\n")).contains("Missing uid or gid in apiauth"));
    assert!(
        err(&format!("{BASE}apiauth foo uid=a uid=b\n")).contains("Duplicate uid list in apiauth")
    );
    assert!(
        err(&format!("{BASE}apiauth foo uid=a\napiauth foo gid=b\n"))
            .contains("Duplicate apiauth directive for API client foo")
    );
    let v = ok(&format!("{BASE}apiauth ipfail uid=root, gid=haclient\n")).value;
    assert_eq!(v.apiauth[0].uids, vec!["root"]);
    assert!(err(&format!("{BASE}stonith\n")).contains("No Stonith type given"));
    ok(&format!("{BASE}stonith_host * null nodea\n"));
}

#[test]
fn never_panics_on_odd_input() {
    let long = "x".repeat(20000);
    let odd = [
        "\u{0}",
        "#",
        "node",
        "mcast",
        "mcast eth1 225.0.0.1",
        "ucast6 eth1",
        "node \u{fe0f}é",
        "keepalive 99999999999999999999999999",
        "udpport 99999999999999999999",
        long.as_str(),
    ];
    for o in odd {
        let _ = parse(o, "ha.cf");
        let _ = parse(&format!("{BASE}{o}\n"), "ha.cf");
    }
    // A very long line is read in 5119-byte pieces, like fgets does.
    let _ = parse(
        &format!("node {}é\nbcast eth1\n", "a".repeat(5116)),
        "ha.cf",
    );
}

#[test]
fn table_limits_and_leftovers() {
    let many: String = (0..101).map(|i| format!("node n{i}\n")).collect();
    assert!(err(&format!("{many}bcast eth1\n")).contains("ha.cf:101:6: too many nodes"));
    let media = format!("node a\nbcast {}\n", vec!["lo"; 65].join(" "));
    assert!(err(&media).contains("Too many media specified (> 64)"));
    assert!(err(&format!("{BASE}stonith null\n")).contains("Invalid Stonith config file []"));
    assert!(err(&format!("{BASE}apiauth foo gid=,\n")).contains("Invalid group name []"));
    ok(&format!("{BASE}apiauth foo uid=\n"));
    ok(&format!("{BASE}apiauth foo uid=0,,root,\n"));
    let p = ok("node a\nnode A\nbcast eth1\n");
    assert!(p
        .warnings
        .iter()
        .any(|w| w.message.contains("more than once")));
}

#[test]
fn origins_give_each_entry_its_line() {
    let p = ok("node a\nbcast eth1 eth2\nrespawn root /bin/x\n# c\nucast eth1 10.0.0.2\napiauth x uid=root\nfailfast root /bin/y\n");
    let v = p.value;
    assert_eq!(v.lines.media, [2, 2, 5]);
    assert_eq!(v.lines.respawn, [3, 7]);
    assert_eq!(v.lines.apiauth(0), 6);
    // The built-in defaults (ipfail, ccm, ...) were not written.
    assert_eq!(v.apiauth.len(), 6);
    assert_eq!(v.lines.apiauth(1), 0);
}

#[test]
fn builtin_ipfail_is_any_path_ending_in_ipfail() {
    use crate::hacf::is_builtin_ipfail;
    assert!(is_builtin_ipfail("/usr/lib/heartbeat/ipfail"));
    assert!(is_builtin_ipfail("/usr/libexec/heartbeat/ipfail"));
    assert!(!is_builtin_ipfail("/usr/bin/ipfailx"));
    assert!(!is_builtin_ipfail("/usr/bin/myipfail"));
}
