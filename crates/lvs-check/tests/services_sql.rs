//! service=mysql and service=pgsql against real servers from Debian 12
//! (MariaDB 10.11, PostgreSQL 15) in a private network namespace, and the
//! legacy ldirectord's verdict (DBI with DBD::mysql / DBD::Pg) on the same
//! server in the same state. Each server is started once per test function
//! (startup is the slow part) and all of that service's cases run against
//! it. Run as root: `make checks-test`.

mod support;

use lvs_check::*;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};
use support::sql::{DATABASE, PASSWORD, USER};
use support::{free_port, in_private_netns, legacy, rt};

const TIMEOUT: Duration = Duration::from_secs(2);

fn spec(service: Service, target: SocketAddr, login: &str, passwd: &str, query: &str) -> CheckSpec {
    CheckSpec {
        target,
        kind: CheckKind::Service(ServiceCheck {
            service,
            request: format!("/{query}"),
            receive: None,
            login: login.into(),
            passwd: passwd.into(),
            database: DATABASE.into(),
            secret: String::new(),
            udp: false,
        }),
        check_timeout: TIMEOUT,
        negotiate_timeout: TIMEOUT,
    }
}

fn with_database(mut spec: CheckSpec, database: &str) -> CheckSpec {
    if let CheckKind::Service(check) = &mut spec.kind {
        check.database = database.into();
    }
    spec
}

fn check(spec: &CheckSpec) -> Outcome {
    rt().block_on(run_check(spec))
}

#[track_caller]
fn assert_up(out: &Outcome, reason: &str) {
    assert!(out.up, "expected up, got {out:?}");
    assert!(
        out.reason.contains(reason),
        "reason {:?} lacks {reason:?}",
        out.reason
    );
}

#[track_caller]
fn assert_down(out: &Outcome, reason: &str) {
    assert!(!out.up, "expected down, got {out:?}");
    assert!(
        out.reason.contains(reason),
        "reason {:?} lacks {reason:?}",
        out.reason
    );
}

/// The cases every SQL service shares that need no server: no login or no
/// query (the legacy's complaint), a refused port, and a listener that
/// accepts but never speaks, which times out while a check of the real
/// server running at the same time finishes at once.
fn common_cases(service: Service, good: &CheckSpec) {
    let addr = good.target;
    let missing = [
        spec(service, addr, "", PASSWORD, "SELECT * FROM t"),
        spec(service, addr, USER, PASSWORD, ""),
    ];
    for s in &missing {
        assert_down(
            &check(s),
            "Error: Must specify a login and request string for MySQL, Oracle and \
             PostgreSQL checks. Not adding 127.0.0.1.",
        );
    }

    let refused: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    assert_down(
        &check(&spec(service, refused, USER, PASSWORD, "SELECT 1")),
        "Connection refused",
    );

    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let hang = spec(
        service,
        silent.local_addr().unwrap(),
        USER,
        PASSWORD,
        "SELECT 1",
    );
    let timed = |s: CheckSpec| async move {
        let start = Instant::now();
        let out = run_check(&s).await;
        (out, start.elapsed())
    };
    let ((hung, hung_took), (fine, fine_took)) =
        rt().block_on(async { tokio::join!(timed(hang), timed(good.clone())) });
    assert_down(&hung, "timed out after 2.0 s");
    assert!(
        hung_took >= TIMEOUT && hung_took < TIMEOUT + Duration::from_secs(1),
        "{hung_took:?}"
    );
    assert!(fine.up, "{fine:?}");
    assert!(fine_took < Duration::from_secs(1), "{fine_took:?}");
    drop(silent);
}

/// A SIGSTOPped server: the kernel still accepts connections, nothing
/// answers; the check times out and the server is fine once continued.
fn stopped_server_times_out(db: &support::Server, good: &CheckSpec) {
    let pid = support::sql::pid(db) as i32;
    // SAFETY: signals to the server this test started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let start = Instant::now();
    let stopped = check(good);
    let took = start.elapsed();
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert_down(&stopped, "timed out after 2.0 s");
    assert!(took < TIMEOUT + Duration::from_secs(1), "{took:?}");
    assert!(check(good).up);
}

fn without_login(lines: &str) -> String {
    lines
        .lines()
        .filter(|l| !l.starts_with("login="))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The legacy's verdict with these ldirectord.cf lines equals ours.
fn legacy_agrees(real: SocketAddr, lines: &str, ours: &Outcome) {
    if !legacy::available() {
        return;
    }
    let (up, log) = legacy::verdict(&real.to_string(), lines, Duration::from_secs(7));
    assert_eq!(
        up, ours.up,
        "legacy says up={up}, we say {ours:?}\nconfig:\n{lines}\nlegacy log:\n{log}"
    );
    // Where we log the legacy's own complaint, it logged it too.
    if ours.reason.starts_with("Error: ") {
        assert!(
            log.contains(&ours.reason),
            "the legacy did not log {:?}:\n{log}",
            ours.reason
        );
    }
}

fn legacy_lines(service: &str, passwd: &str, query: &str) -> String {
    format!(
        "checktype=negotiate\nservice={service}\nlogin=\"{USER}\"\npasswd=\"{passwd}\"\n\
         database=\"{DATABASE}\"\nrequest=\"{query}\"\n"
    )
}

#[test]
#[ignore = "needs root and mariadb-server"]
fn mysql_against_mariadb() {
    in_private_netns(&["link set lo up"], || {
        let db = support::sql::mariadb();
        let ms = |passwd: &str, query: &str| spec(Service::Mysql, db.addr, USER, passwd, query);

        let good = ms(PASSWORD, "SELECT * FROM t");
        let ok = check(&good);
        assert_up(&ok, "returned 1 row");
        // No database: the legacy's "database=" connects without one.
        assert_up(
            &check(&with_database(ms(PASSWORD, "SELECT * FROM ckdb.t"), "")),
            "returned 1 row",
        );
        let wrong = check(&ms("wrong", "SELECT * FROM t"));
        assert_down(
            &wrong,
            "ERROR 1045 (28000): Access denied for user 'checker'",
        );
        let none = check(&ms(PASSWORD, "SELECT * FROM empty"));
        assert_down(&none, "returned no rows");
        let bad = check(&ms(PASSWORD, "SELECT * FROM missing"));
        assert_down(
            &bad,
            "query failed: ERROR 1146 (42S02): Table 'ckdb.missing' doesn't exist",
        );
        assert_down(
            &check(&ms(PASSWORD, "SELEKT 1")),
            "query failed: ERROR 1064 (42000)",
        );
        // Several rows, and a statement without a resultset (no rows).
        assert_up(
            &check(&ms(
                PASSWORD,
                "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3",
            )),
            "returned 3 row(s)",
        );
        assert_down(&check(&ms(PASSWORD, "SET @x = 1")), "returned no rows");
        assert_down(
            &check(&with_database(ms(PASSWORD, "SELECT 1"), "nosuchdb")),
            "ERROR 1044 (42000)",
        );
        common_cases(Service::Mysql, &good);
        stopped_server_times_out(&db, &good);

        let no_login = check(&spec(
            Service::Mysql,
            db.addr,
            "",
            PASSWORD,
            "SELECT * FROM t",
        ));
        let lines = |passwd: &str, query: &str| legacy_lines("mysql", passwd, query);
        for (lines, ours) in [
            (lines(PASSWORD, "SELECT * FROM t"), &ok),
            (lines("wrong", "SELECT * FROM t"), &wrong),
            (lines(PASSWORD, "SELECT * FROM empty"), &none),
            (lines(PASSWORD, "SELECT * FROM missing"), &bad),
            (
                without_login(&lines(PASSWORD, "SELECT * FROM t")),
                &no_login,
            ),
        ] {
            legacy_agrees(db.addr, &lines, ours);
        }
    });
}

#[test]
#[ignore = "needs root and postgresql-15"]
fn pgsql_against_postgresql() {
    in_private_netns(&["link set lo up"], || {
        let db = support::sql::postgres(false);
        let pg = |user: &str, passwd: &str, query: &str| {
            spec(Service::Pgsql, db.addr, user, passwd, query)
        };

        let good = pg(USER, PASSWORD, "SELECT * FROM t");
        let ok = check(&good);
        assert_up(&ok, "returned 1 row");
        // md5-stored password; no database means the one named as the
        // user, as with libpq (there is none called "checker").
        assert_up(
            &check(&pg("md5user", PASSWORD, "SELECT * FROM t")),
            "returned 1 row",
        );
        assert_down(
            &check(&with_database(pg(USER, PASSWORD, "SELECT 1"), "")),
            "FATAL: database \"checker\" does not exist",
        );
        let wrong = check(&pg(USER, "wrong", "SELECT * FROM t"));
        assert_down(
            &wrong,
            "password authentication failed for user \"checker\"",
        );
        assert_down(
            &check(&pg("md5user", "wrong", "SELECT 1")),
            "password authentication failed for user \"md5user\"",
        );
        let none = check(&pg(USER, PASSWORD, "SELECT * FROM empty"));
        assert_down(&none, "returned no rows");
        let bad = check(&pg(USER, PASSWORD, "SELECT * FROM missing"));
        assert_down(
            &bad,
            "query failed: db error: ERROR: relation \"missing\" does not exist",
        );
        assert_down(&check(&pg(USER, PASSWORD, "SELEKT 1")), "syntax error");
        assert_up(
            &check(&pg(USER, PASSWORD, "SELECT generate_series(1, 3)")),
            "returned 3 row(s)",
        );
        assert_down(
            &check(&with_database(pg(USER, PASSWORD, "SELECT 1"), "nosuchdb")),
            "database \"nosuchdb\" does not exist",
        );
        common_cases(Service::Pgsql, &good);

        stopped_server_times_out(&db, &good);

        let no_login = check(&spec(
            Service::Pgsql,
            db.addr,
            "",
            PASSWORD,
            "SELECT * FROM t",
        ));
        let lines = |passwd: &str, query: &str| legacy_lines("pgsql", passwd, query);
        for (lines, ours) in [
            (lines(PASSWORD, "SELECT * FROM t"), &ok),
            (lines("wrong", "SELECT * FROM t"), &wrong),
            (lines(PASSWORD, "SELECT * FROM empty"), &none),
            (lines(PASSWORD, "SELECT * FROM missing"), &bad),
            (
                without_login(&lines(PASSWORD, "SELECT * FROM t")),
                &no_login,
            ),
        ] {
            legacy_agrees(db.addr, &lines, ours);
        }
    });
}

/// libpq's default sslmode=prefer, which DBD::Pg inherits: with a server
/// that offers TLS the check logs in over TLS (`tlsonly` is refused in
/// plain text), as the legacy does.
#[test]
#[ignore = "needs root and postgresql-15"]
fn pgsql_prefers_tls_like_libpq() {
    in_private_netns(&["link set lo up"], || {
        let db = support::sql::postgres(true);
        let ok = check(&spec(
            Service::Pgsql,
            db.addr,
            "tlsonly",
            PASSWORD,
            "SELECT 1",
        ));
        assert_up(&ok, "returned 1 row");
        assert_up(
            &check(&spec(
                Service::Pgsql,
                db.addr,
                USER,
                PASSWORD,
                "SELECT * FROM t",
            )),
            "returned 1 row",
        );
        let lines = format!(
            "checktype=negotiate\nservice=pgsql\nlogin=\"tlsonly\"\npasswd=\"{PASSWORD}\"\n\
             database=\"{DATABASE}\"\nrequest=\"SELECT 1\"\n"
        );
        legacy_agrees(db.addr, &lines, &ok);
    });
}
