//! What to check on one real server, with the legacy's meaning of each field.

use regex::Regex;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `httpmethod`: the legacy sends exactly this verb (default GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Head,
}

/// The virtual service a check belongs to, as the legacy names it to a
/// `checkcommand`: an address and port, or a firewall mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtualId {
    /// `virtual=` / `virtual6=`: passed as the IP (IPv6 in brackets, as the
    /// legacy stores it) and the port.
    Addr(SocketAddr),
    /// `virtual=<fwmark>`: passed as the mark and port `0` (the legacy sets
    /// the port of a fwmark service to "0").
    Fwmark(u32),
}

#[derive(Debug, Clone)]
pub enum CheckKind {
    /// Always up (`checktype=on`).
    On,
    /// Always down (`checktype=off`).
    Off,
    /// A TCP connect within `checktimeout`.
    Connect,
    /// A UDP socket connected to the real within `checktimeout`: the
    /// connect step of `checktype=N` on a UDP service. Nothing is sent, so
    /// only a local refusal (no route to the address) fails it.
    UdpConnect,
    /// `service=http`: the request must succeed (2xx, after following up to
    /// 7 redirects as LWP does) and, when `receive` is set, the body must
    /// match it (a regex, as in the Perl original). `path` is `request`;
    /// `virtualhost` is sent as the Host header (default: the real's IP).
    Http {
        path: String,
        virtualhost: Option<String>,
        method: HttpMethod,
        receive: Option<Arc<Regex>>,
    },
    /// `service=https`: the http check over TLS. The certificate is not
    /// verified: the legacy asks LWP for `verify_hostname => 0`, and a
    /// health check is about the service answering, not its identity. SNI
    /// is `virtualhost` when set (none for an IP, per RFC 6066).
    Https {
        path: String,
        virtualhost: Option<String>,
        method: HttpMethod,
        receive: Option<Arc<Regex>>,
    },
    /// `service=http_proxy`: the real is an HTTP proxy; `url` (the
    /// `request`, an absolute `http://` URL) is fetched through it, judged
    /// as the http check judges (no Host header of ours: the proxy gets the
    /// URL's, as LWP sends it).
    HttpProxy {
        url: String,
        method: HttpMethod,
        receive: Option<Arc<Regex>>,
    },
    /// `service=simpletcp`: send `request` (with `\n` escapes expanded),
    /// half-close, and wait for a line matching `receive`.
    SimpleTcp {
        request: String,
        receive: Arc<Regex>,
    },
    /// `checktype=ping` (and the legacy's connect check of a UDP service):
    /// an ICMP echo to the real's IP (the port is ignored), up at the first
    /// reply. `count` is `checkcount` (default 1): that many attempts, each
    /// waiting up to `checktimeout`; 0 attempts is down, as in the legacy.
    Ping { count: u32 },
    /// `checktype=external` / `external-perl`: run `checkcommand` with the
    /// arguments virtual IP (or fwmark), virtual port, real IP, real port
    /// (the real is `CheckSpec::target`); exit status 0 is up. The command
    /// is a program path run without a shell, as the legacy's exec(LIST)
    /// does; with `perl` it is a Perl script run by `perl`. Both are
    /// killed, with their process group, at `checktimeout`.
    External {
        command: PathBuf,
        perl: bool,
        virtual_addr: VirtualId,
    },
    /// The negotiate check of one of the other services (ftp, smtp, pop,
    /// imap, nntp, ldap, dns, mysql, pgsql, radius, sip): see
    /// [`ServiceCheck`].
    Service(ServiceCheck),
}

/// A `service=` with its own protocol. Each is one module under
/// `services/`, behind the `Probe` trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ftp,
    /// `smtp` and `submission`: the legacy checks both alike.
    Smtp,
    /// `pop`, and `pops` with `tls`.
    Pop {
        tls: bool,
    },
    /// `imap`, and `imaps` with `tls`.
    Imap {
        tls: bool,
    },
    Nntp,
    /// `ldap`, and `ldaps` with `tls`.
    Ldap {
        tls: bool,
    },
    Dns,
    Mysql,
    Pgsql,
    Radius,
    Sip,
}

/// The parameters every service check may use, with the legacy's meaning.
#[derive(Debug, Clone)]
pub struct ServiceCheck {
    pub service: Service,
    /// `request` as the legacy keeps it: with one leading `/` (the file,
    /// base DN, query or name to ask for is what follows it).
    pub request: String,
    /// `receive`, when set (what counts as the right answer).
    pub receive: Option<Arc<Regex>>,
    pub login: String,
    pub passwd: String,
    pub database: String,
    pub secret: String,
    /// Whether dns and sip talk UDP (from the virtual's protocol, as the
    /// legacy decides it for each).
    pub udp: bool,
}

impl ServiceCheck {
    /// `request` without the legacy's leading `/`.
    pub fn request_text(&self) -> &str {
        self.request.strip_prefix('/').unwrap_or(&self.request)
    }
}

#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// The real server (for http/https/simpletcp/connect, at its check port).
    pub target: SocketAddr,
    pub kind: CheckKind,
    /// `checktimeout`: bounds connect, external and each ping attempt.
    pub check_timeout: Duration,
    /// `negotiatetimeout`: bounds the whole of a negotiate check.
    pub negotiate_timeout: Duration,
}

impl CheckSpec {
    /// The legacy arms one alarm per check: checktimeout for connect and
    /// external checks, negotiatetimeout for negotiate checks; a ping check
    /// waits checktimeout for each of its `checkcount` attempts.
    pub fn timeout(&self) -> Duration {
        match self.kind {
            CheckKind::Connect
            | CheckKind::UdpConnect
            | CheckKind::On
            | CheckKind::Off
            | CheckKind::External { .. } => self.check_timeout,
            CheckKind::Ping { count } => self.check_timeout.saturating_mul(count.max(1)),
            // The legacy arms checktimeout around its LDAP and RADIUS
            // checks (negotiatetimeout only bounds each step inside).
            CheckKind::Service(ServiceCheck {
                service: Service::Ldap { .. } | Service::Radius,
                ..
            }) => self.check_timeout.min(self.negotiate_timeout),
            CheckKind::Http { .. }
            | CheckKind::Https { .. }
            | CheckKind::HttpProxy { .. }
            | CheckKind::SimpleTcp { .. }
            | CheckKind::Service(_) => self.negotiate_timeout,
        }
    }
}
