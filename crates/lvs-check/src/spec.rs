//! What to check on one real server, with the legacy's meaning of each field.

use regex::Regex;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Head,
}

#[derive(Debug, Clone)]
pub enum CheckKind {
    /// Always up (`checktype=on`).
    On,
    /// Always down (`checktype=off`).
    Off,
    /// A TCP connect within `checktimeout`.
    Connect,
    /// `service=http`: the request must succeed (2xx) and, when `receive` is
    /// set, the body must match it (a regex, as in the Perl original).
    Http {
        path: String,
        virtualhost: Option<String>,
        method: HttpMethod,
        receive: Option<Regex>,
    },
    /// `service=simpletcp`: send `request` (with `\n` escapes expanded),
    /// half-close, and wait for a line matching `receive`.
    SimpleTcp { request: String, receive: Regex },
}

#[derive(Debug, Clone)]
pub struct CheckSpec {
    pub target: SocketAddr,
    pub kind: CheckKind,
    /// `checktimeout`: bounds connect checks.
    pub check_timeout: Duration,
    /// `negotiatetimeout`: bounds the whole of a negotiate check.
    pub negotiate_timeout: Duration,
}

impl CheckSpec {
    /// The legacy arms one alarm per check: checktimeout for connect,
    /// negotiatetimeout for negotiate checks.
    pub fn timeout(&self) -> Duration {
        match self.kind {
            CheckKind::Connect | CheckKind::On | CheckKind::Off => self.check_timeout,
            CheckKind::Http { .. } | CheckKind::SimpleTcp { .. } => self.negotiate_timeout,
        }
    }
}
