//! service=ldap/ldaps, dns, radius and sip against real servers from
//! Debian 12 (slapd, dnsmasq, freeradius, kamailio), each in a private
//! network namespace, and against the legacy ldirectord's verdict on the
//! same server in the same state (Net::LDAP, Net::DNS, Authen::Radius are
//! all packaged: libnet-ldap-perl, libnet-dns-perl, libauthen-radius-perl).
//! Run by `make checks-test` (needs root).

mod support;

use lvs_check::*;
use regex::Regex;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::directory::*;
use support::{in_private_netns, legacy, rt};

const TIMEOUT: Duration = Duration::from_secs(2);
/// Long enough for the legacy's first check (its timeout is 3 s) and one
/// more interval.
const SETTLE: Duration = Duration::from_secs(7);

#[derive(Default, Clone)]
struct Params {
    request: &'static str,
    receive: Option<&'static str>,
    login: &'static str,
    passwd: &'static str,
    secret: &'static str,
    udp: bool,
}

fn spec(service: Service, target: SocketAddr, p: &Params) -> CheckSpec {
    CheckSpec {
        target,
        kind: CheckKind::Service(ServiceCheck {
            service,
            request: format!("/{}", p.request),
            receive: p
                .receive
                .map(|r| std::sync::Arc::new(Regex::new(r).unwrap())),
            login: p.login.into(),
            passwd: p.passwd.into(),
            database: String::new(),
            secret: p.secret.into(),
            udp: p.udp,
        }),
        check_timeout: TIMEOUT,
        negotiate_timeout: TIMEOUT,
    }
}

fn check(service: Service, target: SocketAddr, p: &Params) -> Outcome {
    rt().block_on(run_check(&spec(service, target, p)))
}

fn assert_outcome(out: &Outcome, up: bool, reason: &str) {
    assert_eq!(out.up, up, "{out:?}");
    assert!(
        out.reason.contains(reason),
        "reason {:?} lacks {reason:?}",
        out.reason
    );
}

/// The hung target's check ends down at the timeout, while a check of
/// the working server started at the same time finishes at once.
fn assert_hang_is_contained(service: Service, hung: SocketAddr, good: SocketAddr, p: &Params) {
    rt().block_on(async {
        let hung_spec = spec(service, hung, p);
        let good_spec = spec(service, good, p);
        let start = Instant::now();
        let hung_check = async {
            let out = run_check(&hung_spec).await;
            (out, start.elapsed())
        };
        let good_check = async {
            let out = run_check(&good_spec).await;
            (out, start.elapsed())
        };
        let ((hung_out, hung_took), (good_out, good_took)) = tokio::join!(hung_check, good_check);
        assert!(!hung_out.up, "{hung_out:?}");
        assert!(
            hung_took >= TIMEOUT - Duration::from_millis(100),
            "{hung_took:?}"
        );
        assert!(
            hung_took < TIMEOUT + Duration::from_secs(1),
            "{hung_took:?}"
        );
        assert!(good_out.up, "{good_out:?}");
        assert!(good_took < Duration::from_secs(1), "{good_took:?}");
    });
}

/// The legacy's verdict equals ours for the same lines, and its log
/// shows it reached that verdict for the expected reason (`why`), not
/// because it failed to run.
fn assert_legacy_agrees(real: SocketAddr, lines: &str, ours: &Outcome, why: &str) {
    if !legacy::available() {
        return;
    }
    let (up, log) = legacy::verdict(&real.to_string(), lines, SETTLE);
    assert_eq!(
        up, ours.up,
        "legacy says up={up}, we say {ours:?}\nconfig:\n{lines}\nlegacy log:\n{log}"
    );
    assert!(
        log.contains(why),
        "legacy log lacks {why:?}\nconfig:\n{lines}\nlegacy log:\n{log}"
    );
}

// ---------------------------------------------------------------- ldap

fn ldap_admin(receive: Option<&'static str>) -> Params {
    Params {
        request: LDAP_SUFFIX,
        receive,
        login: LDAP_ADMIN,
        passwd: LDAP_PASSWORD,
        ..Params::default()
    }
}

#[test]
#[ignore]
fn ldap_and_ldaps_against_slapd() {
    in_private_netns(&["link set lo up"], || {
        let slapd = slapd();
        let ldap = slapd.server.addr;
        let ldaps = slapd.tls_addr.unwrap();
        let plain = Service::Ldap { tls: false };
        let tls = Service::Ldap { tls: true };

        // Success: bound as the admin, anonymously, and over TLS.
        let ok = check(plain, ldap, &ldap_admin(Some("^dc=example,")));
        assert_outcome(&ok, true, "Success: found \"dc=example,dc=test\"");
        let anonymous = Params {
            login: "",
            ..ldap_admin(None)
        };
        assert_outcome(&check(plain, ldap, &anonymous), true, "Success");
        assert_outcome(
            &check(tls, ldaps, &ldap_admin(Some("example"))),
            true,
            "Success",
        );

        // Wrong password, wrong DN pattern, missing base.
        let bad_pw = Params {
            passwd: "wrong",
            ..ldap_admin(None)
        };
        let refused = check(plain, ldap, &bad_pw);
        assert_outcome(
            &refused,
            false,
            "Bind failed (cn=admin,dc=example,dc=test): result code 49",
        );
        assert_outcome(
            &check(plain, ldap, &ldap_admin(Some("^ou=nowhere"))),
            false,
            "Response mismatch: DN \"dc=example,dc=test\" does not match /^ou=nowhere/",
        );
        let missing = Params {
            request: "ou=missing,dc=example,dc=test",
            ..ldap_admin(None)
        };
        assert_outcome(
            &check(plain, ldap, &missing),
            false,
            "returned 0 entries (result code 32",
        );
        // ldaps spoken to the plain port fails the handshake.
        assert_outcome(
            &check(tls, ldap, &ldap_admin(None)),
            false,
            "Connection failed",
        );

        // A listener that never answers, next to the real one.
        let (_hold, hung) = silent_tcp();
        assert_hang_is_contained(plain, hung, ldap, &ldap_admin(None));
        assert_outcome(
            &check(plain, closed_port(), &ldap_admin(None)),
            false,
            "Connection failed: ldap connect to",
        );

        // The legacy's verdicts on the same server: bind ok, bind refused.
        let lines = |pw: &str| {
            format!(
                "service=ldap\nrequest=\"{LDAP_SUFFIX}\"\nreceive=\"^dc=example,\"\n\
                 login=\"{LDAP_ADMIN}\"\npasswd=\"{pw}\"\n"
            )
        };
        assert_legacy_agrees(ldap, &lines(LDAP_PASSWORD), &ok, "Enabled  real server");
        assert_legacy_agrees(ldap, &lines("wrong"), &refused, "Disabled real server");
        let tls_lines = format!(
            "service=ldaps\nrequest=\"{LDAP_SUFFIX}\"\nlogin=\"{LDAP_ADMIN}\"\npasswd=\"{LDAP_PASSWORD}\"\n"
        );
        assert_legacy_agrees(ldaps, &tls_lines, &ok, "Enabled  real server");
    });
}

// ----------------------------------------------------------------- dns

fn dns(request: &'static str, receive: Option<&'static str>, udp: bool) -> Params {
    Params {
        request,
        receive,
        udp,
        ..Params::default()
    }
}

#[test]
#[ignore]
fn dns_against_dnsmasq() {
    in_private_netns(&["link set lo up"], || {
        let dnsmasq = dnsmasq();
        let real = dnsmasq.server.addr;

        // A over UDP and TCP, PTR for an address.
        let ok = check(
            Service::Dns,
            real,
            &dns("real.example.test", Some("^10\\.0\\.0\\.7$"), true),
        );
        assert_outcome(&ok, true, "Success: real.example.test answered 10.0.0.7");
        let tcp = check(
            Service::Dns,
            real,
            &dns("real.example.test", Some("10.0.0.7"), false),
        );
        assert_outcome(&tcp, true, "Success");
        let ptr = check(
            Service::Dns,
            real,
            &dns("10.0.0.7", Some("^real\\.example"), true),
        );
        assert_outcome(
            &ptr,
            true,
            "7.0.0.10.in-addr.arpa answered real.example.test",
        );

        // A wrong address, no receive at all (the legacy's: down), an
        // unknown name.
        let wrong = check(
            Service::Dns,
            real,
            &dns("real.example.test", Some("10.0.0.8"), true),
        );
        assert_outcome(
            &wrong,
            false,
            "Response mismatch: real.example.test answered [10.0.0.7]",
        );
        let no_receive = check(Service::Dns, real, &dns("real.example.test", None, true));
        assert_outcome(&no_receive, false, "no receive is set");
        assert_outcome(
            &check(
                Service::Dns,
                real,
                &dns("nothing.example.test", Some("."), true),
            ),
            false,
            "no answer for nothing.example.test",
        );

        // A UDP socket that never replies, and a TCP one, next to dnsmasq.
        let (_hold, hung) = silent_udp();
        assert_hang_is_contained(
            Service::Dns,
            hung,
            real,
            &dns("real.example.test", Some("10"), true),
        );
        let (_hold_tcp, hung_tcp) = silent_tcp();
        assert_hang_is_contained(
            Service::Dns,
            hung_tcp,
            real,
            &dns("real.example.test", Some("10"), false),
        );
        // A closed UDP port: ICMP port unreachable, down at once.
        let start = Instant::now();
        let closed = check(
            Service::Dns,
            closed_port(),
            &dns("real.example.test", Some("10"), true),
        );
        assert_outcome(&closed, false, "Connection refused");
        assert!(start.elapsed() < Duration::from_secs(1));

        let lines = |receive: &str| {
            format!(
                "service=dns\nprotocol=udp\nrequest=\"real.example.test\"\nreceive=\"{receive}\"\n"
            )
        };
        assert_legacy_agrees(
            real,
            &lines("^10\\.0\\.0\\.7$"),
            &ok,
            "Enabled  real server",
        );
        assert_legacy_agrees(real, &lines("10.0.0.8"), &wrong, "Disabled real server");
        // No receive: the legacy cannot match anything and says down too
        // (its config parser refuses `receive=""`, so absent is the case).
        assert_legacy_agrees(
            real,
            "service=dns\nprotocol=udp\nrequest=\"real.example.test\"\n",
            &no_receive,
            "Disabled real server",
        );
        let ptr_tcp = check(
            Service::Dns,
            real,
            &dns("10.0.0.7", Some("^real\\.example"), false),
        );
        assert_outcome(&ptr_tcp, true, "Success");
        assert_legacy_agrees(
            real,
            "service=dns\nprotocol=tcp\nrequest=\"10.0.0.7\"\nreceive=\"^real\\.example\"\n",
            &ptr_tcp,
            "Enabled  real server",
        );
    });
}

// -------------------------------------------------------------- radius

fn radius(passwd: &'static str, secret: &'static str) -> Params {
    Params {
        login: RADIUS_USER,
        passwd,
        secret,
        udp: true,
        ..Params::default()
    }
}

#[test]
#[ignore]
fn radius_against_freeradius() {
    in_private_netns(&["link set lo up"], || {
        let freeradius = freeradius();
        let real = freeradius.server.addr;

        let ok = check(
            Service::Radius,
            real,
            &radius(RADIUS_PASSWORD, RADIUS_SECRET),
        );
        assert_outcome(&ok, true, "Access-Accept for health");
        // A wrong password: the server says Access-Reject, which the
        // legacy (check_pwd returns "" for it) counts as down.
        let rejected = check(Service::Radius, real, &radius("wrong", RADIUS_SECRET));
        assert_outcome(&rejected, false, "Access-Reject for health");
        // A wrong secret: FreeRADIUS rejects (the password decodes to
        // garbage) and signs with its own secret, which we must refuse.
        let bad_secret = check(Service::Radius, real, &radius(RADIUS_PASSWORD, "other"));
        assert_outcome(&bad_secret, false, "authenticator mismatch");

        let (_hold, hung) = silent_udp();
        assert_hang_is_contained(
            Service::Radius,
            hung,
            real,
            &radius(RADIUS_PASSWORD, RADIUS_SECRET),
        );
        let start = Instant::now();
        let closed = check(
            Service::Radius,
            closed_port(),
            &radius(RADIUS_PASSWORD, RADIUS_SECRET),
        );
        assert_outcome(&closed, false, "Connection refused");
        assert!(start.elapsed() < Duration::from_secs(1));

        let lines = |pw: &str| {
            format!(
                "service=radius\nprotocol=udp\nlogin=\"{RADIUS_USER}\"\npasswd=\"{pw}\"\n\
                 secret=\"{RADIUS_SECRET}\"\n"
            )
        };
        assert_legacy_agrees(real, &lines(RADIUS_PASSWORD), &ok, "Activated service");
        assert_legacy_agrees(real, &lines("wrong"), &rejected, "Deactivated service");
    });
}

// ----------------------------------------------------------------- sip

fn sip(login: &'static str, udp: bool) -> Params {
    Params {
        login,
        udp,
        ..Params::default()
    }
}

#[test]
#[ignore]
fn sip_against_kamailio() {
    in_private_netns(&["link set lo up"], || {
        let kamailio = kamailio();
        let real = kamailio.server.addr;

        let ok = check(Service::Sip, real, &sip(SIP_USER, true));
        assert_outcome(&ok, true, "SIP/2.0 200 OK");
        assert_outcome(
            &check(Service::Sip, real, &sip(SIP_USER, false)),
            true,
            "SIP/2.0 200 OK",
        );
        let not_found = check(Service::Sip, real, &sip("nobody@example.test", true));
        assert_outcome(
            &not_found,
            false,
            "reply is not 200 OK: SIP/2.0 404 Not Here",
        );
        assert_outcome(
            &check(Service::Sip, real, &sip("nobody@example.test", false)),
            false,
            "SIP/2.0 404 Not Here",
        );

        let (_hold, hung) = silent_udp();
        assert_hang_is_contained(Service::Sip, hung, real, &sip(SIP_USER, true));
        let (_hold_tcp, hung_tcp) = silent_tcp();
        assert_hang_is_contained(Service::Sip, hung_tcp, real, &sip(SIP_USER, false));
        let start = Instant::now();
        assert_outcome(
            &check(Service::Sip, closed_port(), &sip(SIP_USER, true)),
            false,
            "Connection refused",
        );
        assert_outcome(
            &check(Service::Sip, closed_port(), &sip(SIP_USER, false)),
            false,
            "Socket Connect Failed",
        );
        assert!(start.elapsed() < Duration::from_secs(1));

        let tcp_ok = check(Service::Sip, real, &sip(SIP_USER, false));
        assert_legacy_agrees(
            real,
            &format!("service=sip\nprotocol=tcp\nlogin=\"{SIP_USER}\"\n"),
            &tcp_ok,
            "Activated service",
        );
        let lines = |login: &str| format!("service=sip\nprotocol=udp\nlogin=\"{login}\"\n");
        assert_legacy_agrees(real, &lines(SIP_USER), &ok, "Activated service");
        assert_legacy_agrees(
            real,
            &lines("nobody@example.test"),
            &not_found,
            "SIP/2.0 404 Not Here",
        );
    });
}
