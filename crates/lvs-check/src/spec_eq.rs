//! When two specs are the same check (a reload keeps such a check's
//! schedule): field by field, a `receive` regex by its source text, which
//! is all a `Regex` can be compared by.

use crate::spec::{CheckKind, CheckSpec, ServiceCheck};
use regex::Regex;
use std::sync::Arc;

fn same_regex(a: &Regex, b: &Regex) -> bool {
    a.as_str() == b.as_str()
}

fn same_optional_regex(a: &Option<Arc<Regex>>, b: &Option<Arc<Regex>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_regex(a, b),
        (None, None) => true,
        _ => false,
    }
}

impl PartialEq for ServiceCheck {
    fn eq(&self, o: &Self) -> bool {
        self.service == o.service
            && self.request == o.request
            && same_optional_regex(&self.receive, &o.receive)
            && self.login == o.login
            && self.passwd == o.passwd
            && self.database == o.database
            && self.secret == o.secret
            && self.udp == o.udp
    }
}

impl PartialEq for CheckKind {
    fn eq(&self, o: &Self) -> bool {
        use CheckKind::*;
        match (self, o) {
            (On, On) | (Off, Off) | (Connect, Connect) | (UdpConnect, UdpConnect) => true,
            (
                Http {
                    path: p1,
                    virtualhost: v1,
                    method: m1,
                    receive: r1,
                },
                Http {
                    path: p2,
                    virtualhost: v2,
                    method: m2,
                    receive: r2,
                },
            )
            | (
                Https {
                    path: p1,
                    virtualhost: v1,
                    method: m1,
                    receive: r1,
                },
                Https {
                    path: p2,
                    virtualhost: v2,
                    method: m2,
                    receive: r2,
                },
            ) => p1 == p2 && v1 == v2 && m1 == m2 && same_optional_regex(r1, r2),
            (
                HttpProxy {
                    url: u1,
                    method: m1,
                    receive: r1,
                },
                HttpProxy {
                    url: u2,
                    method: m2,
                    receive: r2,
                },
            ) => u1 == u2 && m1 == m2 && same_optional_regex(r1, r2),
            (
                SimpleTcp {
                    request: q1,
                    receive: r1,
                },
                SimpleTcp {
                    request: q2,
                    receive: r2,
                },
            ) => q1 == q2 && same_regex(r1, r2),
            (Ping { count: c1 }, Ping { count: c2 }) => c1 == c2,
            (
                External {
                    command: c1,
                    perl: p1,
                    virtual_addr: v1,
                },
                External {
                    command: c2,
                    perl: p2,
                    virtual_addr: v2,
                },
            ) => c1 == c2 && p1 == p2 && v1 == v2,
            (Service(a), Service(b)) => a == b,
            _ => false,
        }
    }
}

impl PartialEq for CheckSpec {
    fn eq(&self, o: &Self) -> bool {
        self.target == o.target
            && self.kind == o.kind
            && self.check_timeout == o.check_timeout
            && self.negotiate_timeout == o.negotiate_timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpMethod;
    use std::time::Duration;

    fn http(receive: &str, path: &str) -> CheckSpec {
        CheckSpec {
            target: "192.0.2.1:80".parse().unwrap(),
            kind: CheckKind::Http {
                path: path.into(),
                virtualhost: None,
                method: HttpMethod::Get,
                receive: Some(Arc::new(Regex::new(receive).unwrap())),
            },
            check_timeout: Duration::from_secs(5),
            negotiate_timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn same_text_same_check() {
        assert_eq!(http("ok", "/a"), http("ok", "/a"));
        assert_ne!(http("ok", "/a"), http("OK", "/a"));
        assert_ne!(http("ok", "/a"), http("ok", "/b"));
        let mut t = http("ok", "/a");
        t.negotiate_timeout = Duration::from_secs(6);
        assert_ne!(http("ok", "/a"), t);
        let mut c = http("ok", "/a");
        c.kind = CheckKind::Connect;
        assert_ne!(http("ok", "/a"), c);
    }
}
