//! Behaviour pinned against the legacy daemon (each case was run through
//! tests/legacy/ldirectord-accepts.sh; see docs/facts/ldirectord-config.md).

use super::*;
use std::net::Ipv4Addr;
use std::path::PathBuf;

fn ok(text: &str) -> LdirectordCf {
    match parse(text, "t.cf") {
        Ok(p) => p.value,
        Err(e) => panic!("expected ACCEPT, got:\n{e}\n--- for:\n{text}"),
    }
}

/// The legacy's verdict as (line, message prefix) of the first error.
fn rejects(text: &str) -> (usize, String) {
    match parse(text, "t.cf") {
        Ok(_) => panic!("expected REJECT for:\n{text}"),
        Err(e) => {
            let d = e.first_error().expect("an error");
            (d.line, d.message.clone())
        }
    }
}

const V: &str = "virtual=192.168.72.8:80\n\treal=192.168.72.9:80 gate\n";

fn v(extra: &str) -> String {
    format!("{V}{extra}")
}

#[test]
fn seed_config_is_accepted_with_its_meaning() {
    let cf = ok(include_str!(
        "../../../../compat-configs/seed/ldirectord.cf"
    ));
    assert_eq!(cf.global.logfile, LogTarget::Syslog("local0".into()));
    assert_eq!(cf.global.checkinterval, 1);
    assert!(cf.global.autoreload);
    let vs = &cf.virtuals[0];
    assert_eq!(vs.scheduler, "rr");
    assert_eq!(vs.request, "/test.html");
    assert_eq!(vs.receive, "test");
    assert_eq!(vs.checkport, Some(80));
    assert_eq!((vs.checktimeout, vs.negotiatetimeout), (3, 3));
    assert_eq!(vs.reals.len(), 2);
    let fb = vs.fallback.as_ref().expect("fallback");
    assert_eq!(fb.host, Host::Ipv4(Ipv4Addr::LOCALHOST));
    assert_eq!(fb.port, Some(Port::Number(80)));
}

#[test]
fn defaults_are_filled_in() {
    let cf = ok(V);
    let g = &cf.global;
    assert_eq!((g.checkinterval, g.checkcount, g.failurecount), (10, 1, 1));
    assert!(!g.quiescent && !g.fork && g.cleanstop && !g.autoreload);
    assert_eq!(g.logfile, LogTarget::File("/var/log/ldirectord.log".into()));
    let vs = &cf.virtuals[0];
    assert_eq!(vs.scheduler, "wrr");
    assert_eq!(vs.protocol, Protocol::Tcp);
    assert_eq!(vs.service.as_deref(), Some("http"));
    assert_eq!(vs.checktype, CheckType::Negotiate);
    assert_eq!((vs.checktimeout, vs.negotiatetimeout), (5, 30));
    assert_eq!(vs.request, "/");
    assert_eq!(vs.checkcommand, "/bin/true");
    assert_eq!(vs.reals[0].weight, 1);
}

#[test]
fn timeouts_default_to_each_other_before_the_globals() {
    let cf = ok(&format!(
        "checktimeout=7\nnegotiatetimeout=15\n{V}\tnegotiatetimeout=9\n"
    ));
    let vs = &cf.virtuals[0];
    assert_eq!((vs.checktimeout, vs.negotiatetimeout), (9, 9));
    let cf = ok(&format!("negotiatetimeout=15\n{V}"));
    assert_eq!(
        (cf.virtuals[0].checktimeout, cf.virtuals[0].negotiatetimeout),
        (15, 15)
    );
}

#[test]
fn globals_after_a_virtual_still_apply() {
    let cf = ok(&format!("{V}quiescent=yes\nfallback=127.0.0.1\n"));
    assert!(cf.virtuals[0].quiescent);
    let fb = cf.virtuals[0]
        .fallback
        .as_ref()
        .expect("inherited fallback");
    assert_eq!(fb.port, Some(Port::Number(80)));
}

#[test]
fn per_virtual_checkinterval_needs_fork() {
    let p = parse(&v("\tcheckinterval=3\n"), "t.cf").expect("accepted");
    assert_eq!(p.value.virtuals[0].checkinterval, 10);
    assert!(p.warnings[0].message.contains("ignored when fork=no"));
    let cf = ok(&format!("fork=yes\n{V}\tcheckinterval=3\n"));
    assert_eq!(cf.virtuals[0].checkinterval, 3);
}

#[test]
fn global_lines_take_the_raw_line() {
    assert_eq!(
        rejects("quiescent=no # x\n"),
        (1, "quiescent must be 'yes' or 'no'".into())
    );
    assert_eq!(
        rejects("quiescent=no\r\n"),
        (1, "quiescent must be 'yes' or 'no'".into())
    );
    assert_eq!(ok("checktimeout=3 # x\n").global.checktimeout, Some(3));
    assert_eq!(ok("checktimeout=x5y\n").global.checktimeout, Some(5));
    assert_eq!(rejects("checktimeout=0\n").1, "invalid check timeout value");
    assert_eq!(
        rejects("checktimeout=00\n").1,
        "invalid check timeout value"
    );
    assert_eq!(ok("checkinterval=00\n").global.checkinterval, 0);
    assert_eq!(
        rejects("  checktimeout=3\n").1,
        "Unknown command   checktimeout=3"
    );
    assert_eq!(
        rejects("logfile=/var/log/x\n").1,
        "Unknown command logfile=/var/log/x"
    );
    assert_eq!(
        rejects("callback=/bin/true\n").1,
        "Unknown command callback=/bin/true"
    );
    assert_eq!(rejects("scheduler=rr\n").1, "Unknown command scheduler=rr");
    assert_eq!(rejects("\u{feff}checktimeout=3\n").0, 1);
    assert_eq!(
        rejects("timeout=3\n").1,
        "timeout directive deprecated in favour of checktimeout and negotiatetimeout"
    );
    assert_eq!(
        rejects("supervisedfoo\n").1,
        "supervised must be 'yes' or 'no'"
    );
    let p = parse("supervised\n", "t.cf").expect("bare supervised");
    assert!(p.value.global.supervised && p.warnings.len() == 1);
}

#[test]
fn typo_gets_a_hint() {
    let e = parse("checktimout=3\n", "t.cf").unwrap_err();
    let d = e.first_error().expect("error");
    assert_eq!(
        d.to_string(),
        "t.cf:1:1: Unknown command checktimout=3\n  hint: did you mean `checktimeout`?"
    );
}

#[test]
fn section_boundaries() {
    // a blank line ends the section; the next indented line is a global
    assert_eq!(rejects(&v("\n\tscheduler=rr\n")).0, 4);
    assert_eq!(
        rejects("virtual=192.168.72.8:80\n   real=192.168.72.9:80 gate\n").0,
        2
    );
    ok("virtual=192.168.72.8:80\n    real=192.168.72.9:80 gate\n");
    ok("virtual=192.168.72.8:80\n \treal=192.168.72.9:80 gate\n");
    ok(&v("# c\n\t# c\n\tscheduler=rr # c\n"));
    assert_eq!(rejects(&v("        \n")).0, 3);
    assert_eq!(rejects(&v("\tcallback=\"/bin/true\"\n")).0, 3);
    let cf = ok("virtual=192.168.72.8:80\r\n\treal=192.168.72.9:80 gate\r\n\tscheduler=rr\r\n");
    assert_eq!(cf.virtuals[0].scheduler, "rr");
    assert_eq!(rejects(&v("\tquiescent=no\r\n")).0, 3);
    assert_eq!(cf.virtuals[0].reals[0].forward, Forward::Gate);
}

#[test]
fn virtual_forms() {
    let cf = ok("virtual=192.168.72.8\n\treal=192.168.72.9 gate\n");
    assert_eq!(cf.virtuals[0].address, VirtualAddress::Fwmark { mark: 192 });
    let cf = ok("virtual=localhost:http\n\treal=vm:http gate\n");
    assert_eq!(
        cf.virtuals[0].address,
        VirtualAddress::Service {
            host: Host::Name("localhost".into()),
            port: Port::Name("http".into())
        }
    );
    assert_eq!(cf.virtuals[0].service, None);
    let cf = ok("virtual=192.168.72.8:53\n\treal=192.168.72.9:53 gate\n");
    assert_eq!(cf.virtuals[0].protocol, Protocol::Udp);
    assert_eq!(cf.virtuals[0].service.as_deref(), Some("dns"));
    assert_eq!(
        rejects("virtual=[2001:db8::1]:80\n"),
        (
            1,
            "cannot specify an IPv6 address here. please use \"virtual6\" instead.".into()
        )
    );
    assert_eq!(
        rejects("virtual6=[2001:db8:::1]:80\n").1,
        "invalid ipv6 address for virtual server"
    );
    assert_eq!(
        rejects("virtual6=192.168.72.8:80\n").1,
        "invalid address for virtual service"
    );
    assert_eq!(
        rejects("virtual=\"192.168.72.8:80\"\n").1,
        "invalid address for virtual server"
    );
    assert_eq!(
        rejects("virtual=192.168.72.8:70000\n").1,
        "invalid address for virtual service"
    );
    assert_eq!(
        rejects(&format!("{V}{V}")),
        (4, "duplicate virtual server".into())
    );
    assert_eq!(rejects(&format!("{V}{V}\n\nchecktimeout=3\n")).0, 5);
    ok(&format!("{V}{V}\tprotocol=udp\n"));
    let cf = ok("virtual6=[2001:db8::1]:80\n\treal6=[2001:db8::2]:80 gate\n\tnetmask=64\n");
    assert_eq!(cf.virtuals[0].family, Family::Inet6);
}

#[test]
fn virtual_directives() {
    assert_eq!(ok(&v("\tscheduler=Wlc\n")).virtuals[0].scheduler, "lc");
    assert_eq!(
        rejects(&v("\tscheduler=RR\n")).1,
        "invalid scheduler, should be only lowercase letters (a-z)"
    );
    assert_eq!(
        ok(&v("\tservice=http!\n")).virtuals[0].service.as_deref(),
        Some("http")
    );
    assert!(rejects(&v("\tservice=httpx\n"))
        .1
        .starts_with("service must be"));
    assert_eq!(
        ok(&v("\tchecktype=connect2\n")).virtuals[0].checktype,
        CheckType::Combined(2)
    );
    assert_eq!(
        ok(&v("\tchecktype=external-perl\n")).virtuals[0].checktype,
        CheckType::ExternalPerl
    );
    assert!(rejects(&v("\tchecktype=Connect\n"))
        .1
        .starts_with("checktype must be"));
    assert_eq!(ok(&v("\tchecktimeout=00\n")).virtuals[0].checktimeout, 0);
    assert_eq!(rejects(&v("\tchecktimeout=0\n")).1, "invalid check timeout");
    assert_eq!(
        rejects(&v("\tcheckport=0\n")).1,
        "checkport must be in range 1..65536"
    );
    assert_eq!(rejects(&v("\tcheckport=http\n")).1, "invalid port");
    assert_eq!(rejects(&v("\trequest=index.html\n")).0, 3);
    assert_eq!(rejects(&v("\trequest=\"/a#b\"\n")).0, 3);
    assert_eq!(
        rejects(&v("\trequest=\"\"\n")).1,
        "no request string specified"
    );
    assert_eq!(ok(&v("\treceive=\"a\tb\"\n")).virtuals[0].receive, "a    b");
    assert_eq!(
        ok(&v("\thttpmethod=head\n")).virtuals[0].httpmethod,
        HttpMethod::Head
    );
    assert_eq!(
        rejects(&v("\tprotocol=TCP\n")).1,
        "protocol must be tcp or udp if the virtual service is an address and port"
    );
    assert_eq!(
        rejects("virtual=7\n\treal=1.2.3.4 gate\n\tprotocol=tcp\n").1,
        "protocol must be fwm if the virtual service is a fwmark (a number)"
    );
    assert_eq!(
        rejects(&v("\tnetmask=24\n")).1,
        "invalid netmask: dotted quad notation is required"
    );
    assert_eq!(
        rejects(&v("\tconnecttimeout=3\n")).1,
        "connecttimeout directive deprecated in favour of negotiatetimeout"
    );
    assert_eq!(
        rejects(&v("\tload=\"\"\n")).1,
        "invalid string for load testing"
    );
    assert_eq!(
        rejects(&v("\temailalertfreq=\n")).1,
        "invalid email alert frequency"
    );
    assert_eq!(
        ok(&v("\tvirtualhost=\n")).virtuals[0]
            .virtualhost
            .as_deref(),
        Some("")
    );
    assert_eq!(ok(&v("\tservice=ftp\n")).virtuals[0].login, "anonymous");
    assert_eq!(
        rejects(&v("\tfallback6=[::1]:80\n")).1,
        "cannot specify \"fallback6\" here.  please use \"fallback\" instead"
    );
    assert_eq!(
        ok(&v("\tfallbackcommand=\"/bin/echo x\"\n")).virtuals[0]
            .fallbackcommand
            .as_deref(),
        Some("/bin/echo x")
    );
}

#[test]
fn resolution_errors_come_after_the_section() {
    // the real's bad port (line 2) is found after the section is read, so
    // the scheduler error on line 3 is what the legacy reports
    let (line, _) =
        rejects("virtual=192.168.72.8:80\n\treal=192.168.72.9:70000 gate\n\tscheduler=RR\n");
    assert_eq!(line, 3);
}

#[test]
fn never_panics_on_odd_input() {
    let odd = [
        "",
        "\n",
        "=",
        "virtual=",
        "virtual=[",
        "virtual6=[:",
        "virtual=1\n\treal=",
        "virtual=1\n\treal=[",
        "virtual=1\n\treal=[]]:x gate",
        "virtual=1\n\treal=a->",
        "virtual=1\n\treal=\u{e9}\u{e9} gate \"\u{e9}\", \"",
        "virtual=1\n\treal=1.2.3.4 gate \" \", \"\"",
        "fallback=",
        "fallback=:",
        "emailalertstatus=,,,",
        "virtual=1\n\tfallback=[::1",
        "virtual=1\n\t\u{3000}x",
        "virtual=99999999999999999999999999\n",
        "checkinterval=99999999999999999999999999\n",
        "virtual=1\n\tchecktype=99999999999999999999999\n",
    ];
    for text in odd {
        let _ = parse(text, "t.cf");
    }
}

fn compat_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../compat-configs")
}

fn cf_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(cf_files(&p));
        } else if p.extension().is_some_and(|x| x == "cf") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn compat_configs_are_accepted() {
    let files = cf_files(&compat_root().join("ldirectord"));
    assert!(files.len() >= 25, "compat configs missing: {}", files.len());
    for f in files {
        if let Err(e) = load(&f) {
            panic!("{} rejected:\n{e}", f.display());
        }
    }
}

#[test]
fn bad_configs_are_rejected_where_the_legacy_rejects_them() {
    let files = cf_files(&compat_root().join("bad/ldirectord"));
    assert!(files.len() >= 10, "bad configs missing: {}", files.len());
    for f in files {
        let expected_file = f.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|_| panic!("{} has no .expected", f.display()));
        let expected = expected.trim_end();
        // `NAME.cf:LINE: message substring`
        let mut parts = expected.splitn(3, ':');
        let (name, line, msg) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or("").trim(),
        );
        let text = std::fs::read_to_string(&f).expect("readable");
        let err = match parse(&text, name) {
            Ok(_) => panic!("{} accepted, legacy rejects: {expected}", f.display()),
            Err(e) => e,
        };
        let d = err.first_error().expect("an error");
        assert_eq!(d.line.to_string(), line, "{}: first error {d}", f.display());
        assert!(
            d.message.contains(msg),
            "{}: `{}` lacks `{msg}`",
            f.display(),
            d.message
        );
    }
}

/// Random edits of every compat file must never panic (a cheap stand-in
/// for the fuzz target, run on every `cargo test`).
#[test]
fn mutated_compat_configs_never_panic() {
    const PIECES: &[&str] = &[
        " ", "\t", "#", "\"", ":", "[", "]", "->", "=", "\r", "\n", "0", "9", "\u{e9}", "a", ",",
        "/", "    ", "l:", "u:",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in cf_files(&compat_root().join("ldirectord")).iter().take(12) {
        let base = std::fs::read_to_string(f).expect("readable");
        for _ in 0..150 {
            let mut chars: Vec<char> = base.chars().collect();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % (chars.len() + 1);
                match next() % 3 {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ => {
                        let piece = PIECES[(next() as usize) % PIECES.len()];
                        for (k, c) in piece.chars().enumerate() {
                            chars.insert(at + k, c);
                        }
                    }
                }
            }
            let text: String = chars.into_iter().collect();
            let _ = parse(&text, "m.cf");
        }
    }
}

/// Prints our verdict (parse, then the name checks against this host's
/// /etc/hosts and /etc/services) for every `*.cf` in `$LD_PARITY_DIR`, in
/// the format of tests/legacy/ldirectord-accepts.sh, for side-by-side runs:
/// `LD_PARITY_DIR=dir cargo test -p ha-config parity_report -- --ignored --nocapture`
#[test]
#[ignore]
fn parity_report() {
    let Ok(dir) = std::env::var("LD_PARITY_DIR") else {
        return;
    };
    let etc = EtcFiles::new(
        &std::fs::read_to_string("/etc/hosts").unwrap_or_default(),
        &std::fs::read_to_string("/etc/services").unwrap_or_default(),
    );
    for f in cf_files(std::path::Path::new(&dir)) {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let verdict = match load(&f) {
            Err(e) => e
                .first_error()
                .map(|d| format!("REJECT: line {}: {}", d.line, d.message)),
            Ok(p) => check_names(&p.value, &name, &etc)
                .first()
                .map(|d| format!("REJECT: line {}: {}", d.line, d.message)),
        };
        println!("{name}: {}", verdict.unwrap_or_else(|| "ACCEPT".into()));
    }
}
