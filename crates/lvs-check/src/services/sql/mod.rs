//! `service=mysql` and `service=pgsql`: log in to the database and run the
//! `request` as a query; the real is up when it gives at least one row.
//!
//! The legacy (check_sql) refuses to check without a login and a query,
//! connects with DBI to `database` on the real's check port with
//! login/passwd, prepares and executes the query, and calls the real up
//! iff the statement handle's `rows` is positive; any error is "down".
//! It executes the query twice (once to look for errors, once to count);
//! we execute it once, which gives the same verdict for the SELECTs the
//! check is meant for.

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

mod mysql;
mod mysql_wire;
mod pgsql;

pub(crate) struct Mysql;
pub(crate) struct Pgsql;

/// What a SQL check logs in with and asks.
pub(super) struct Login<'a> {
    pub user: &'a str,
    pub password: &'a str,
    pub database: &'a str,
    pub query: &'a str,
}

/// Perl's truth, which the legacy applies to login and query: "" and "0"
/// are false.
fn perl_true(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

/// The login for `check`, or the legacy's complaint when it lacks a login
/// or a query.
fn login_of(check: &ServiceCheck, target: SocketAddr) -> Result<Login<'_>, Outcome> {
    let query = check.request_text();
    if !perl_true(&check.login) || !perl_true(query) {
        return Err(Outcome::down(format!(
            "Error: Must specify a login and request string for MySQL, Oracle and \
             PostgreSQL checks. Not adding {}.",
            target.ip()
        )));
    }
    Ok(Login {
        user: &check.login,
        password: &check.passwd,
        database: &check.database,
        query,
    })
}

fn verdict(result: Result<u64, String>, query: &str) -> Outcome {
    match result {
        Ok(0) => Outcome::down(format!("query {query:?} returned no rows")),
        Ok(n) => Outcome::up(format!("query {query:?} returned {n} row(s)")),
        Err(reason) => Outcome::down(reason),
    }
}

impl Probe for Mysql {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        match login_of(check, target) {
            Ok(login) => verdict(mysql::query_rows(target, &login).await, login.query),
            Err(refused) => refused,
        }
    }
}

impl Probe for Pgsql {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        match login_of(check, target) {
            Ok(login) => verdict(pgsql::query_rows(target, &login).await, login.query),
            Err(refused) => refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Service;

    fn check(login: &str, request: &str) -> ServiceCheck {
        ServiceCheck {
            service: Service::Mysql,
            request: request.into(),
            receive: None,
            login: login.into(),
            passwd: String::new(),
            database: String::new(),
            secret: String::new(),
            udp: false,
        }
    }

    #[test]
    fn login_and_query_are_required_as_perl_sees_them() {
        let target: SocketAddr = "10.0.0.2:3306".parse().unwrap();
        for (login, request) in [
            ("", "/select 1"),
            ("u", "/"),
            ("u", ""),
            ("0", "/x"),
            ("u", "/0"),
        ] {
            let err = login_of(&check(login, request), target).err().unwrap();
            assert!(!err.up);
            assert!(
                err.reason.ends_with("checks. Not adding 10.0.0.2."),
                "{}",
                err.reason
            );
        }
        let ok = check("u", "/select 1");
        assert_eq!(login_of(&ok, target).ok().unwrap().query, "select 1");
    }

    #[test]
    fn rows_decide() {
        assert!(verdict(Ok(1), "q").up);
        assert!(!verdict(Ok(0), "q").up);
        assert_eq!(verdict(Err("x".into()), "q"), Outcome::down("x"));
    }
}
