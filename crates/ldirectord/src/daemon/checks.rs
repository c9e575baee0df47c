//! A planned check (target + the virtual service's parameters) as an
//! `lvs_check::CheckSpec`.

use director::{CheckPlan, VirtualPlan};
use ha_config::ldirectord::{CheckType, HttpMethod, Protocol, VirtualService};
use ipvs::ServiceKey;
use lvs_check::{CheckKind, CheckSpec, NegotiateEvery, Service, ServiceCheck, VirtualId};
use std::time::Duration;

/// What to run for one planned check.
pub struct Planned {
    pub spec: CheckSpec,
    /// `checktype=N`: N connect checks between negotiate checks.
    pub negotiate_every: Option<NegotiateEvery>,
    /// Why this check cannot run as configured (it then runs as a connect
    /// check), logged once at start.
    pub note: Option<String>,
}

fn regex(receive: &str, note: &mut Option<String>) -> Option<std::sync::Arc<regex::Regex>> {
    if receive.is_empty() {
        return None;
    }
    // One compiled regex per distinct text, shared (not cloned: a clone
    // has a search cache of its own) by every check that uses it: a Regex
    // is ~10 kB, and ten thousand reals usually share one `receive`.
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, std::sync::Arc<regex::Regex>>> =
            Default::default();
    }
    if let Some(re) = COMPILED.with(|c| c.borrow().get(receive).cloned()) {
        return Some(re);
    }
    match regex::Regex::new(receive) {
        Ok(re) => {
            let re = std::sync::Arc::new(re);
            COMPILED.with(|c| c.borrow_mut().insert(receive.to_string(), re.clone()));
            Some(re)
        }
        Err(e) => {
            *note = Some(format!(
                "receive={receive:?} is not a valid regular expression ({e}); checking by connect"
            ));
            None
        }
    }
}

/// The negotiate check for `v`'s service.
fn negotiate(
    v: &VirtualService,
    request: String,
    receive: &str,
    note: &mut Option<String>,
) -> CheckKind {
    let method = match v.httpmethod {
        HttpMethod::Get => lvs_check::HttpMethod::Get,
        HttpMethod::Head => lvs_check::HttpMethod::Head,
    };
    match v.service.as_deref().unwrap_or("none") {
        "http" => CheckKind::Http {
            receive: regex(receive, note),
            path: request,
            virtualhost: v.virtualhost.clone(),
            method,
        },
        "https" => CheckKind::Https {
            receive: regex(receive, note),
            path: request,
            virtualhost: v.virtualhost.clone(),
            method,
        },
        // The legacy asks the proxy for `request` without its leading `/`.
        "http_proxy" => CheckKind::HttpProxy {
            url: request.strip_prefix('/').unwrap_or(&request).to_string(),
            method,
            receive: regex(receive, note),
        },
        // The legacy sends what follows the request's leading `/`.
        "simpletcp" => match regex(receive, note) {
            Some(re) => CheckKind::SimpleTcp {
                request: request.strip_prefix('/').unwrap_or(&request).to_string(),
                receive: re,
            },
            None => CheckKind::Connect,
        },
        "oracle" => {
            *note = Some(ORACLE_NOTE.to_string());
            CheckKind::Connect
        }
        // The legacy's check_none: no service to negotiate, the real is up.
        "none" => CheckKind::On,
        other => match service(other) {
            Some(service) => CheckKind::Service(ServiceCheck {
                service,
                receive: regex(receive, note),
                request,
                login: match (service, v.login.is_empty()) {
                    (Service::Sip, true) => default_identity(),
                    _ => v.login.clone(),
                },
                passwd: match (service, v.passwd.is_empty()) {
                    (Service::Ftp, true) => default_identity(),
                    _ => v.passwd.clone(),
                },
                database: v.database.clone(),
                secret: v.secret.clone(),
                // The legacy's dns check uses TCP only for protocol=tcp, its
                // sip check UDP only for protocol=udp (a fwmark differs).
                udp: match service {
                    Service::Dns => v.protocol != Protocol::Tcp,
                    _ => v.protocol == Protocol::Udp,
                },
            }),
            None => {
                *note = Some(format!(
                    "service={other} is not one ldirectord knows; checking by connect"
                ));
                CheckKind::Connect
            }
        },
    }
}

/// Why `service=oracle` is checked by connect: said at start and by `-t`.
pub const ORACLE_NOTE: &str = "service=oracle has no native check in ldirectord-rs (Oracle's \
wire protocol is proprietary and no client library is packaged in Debian); its real servers \
are checked by a TCP connect to the listener instead: use checktype=external with a \
sqlplus script for a query check";

fn service(name: &str) -> Option<Service> {
    Some(match name {
        "ftp" => Service::Ftp,
        "smtp" | "submission" => Service::Smtp,
        "pop" => Service::Pop { tls: false },
        "pops" => Service::Pop { tls: true },
        "imap" => Service::Imap { tls: false },
        "imaps" => Service::Imap { tls: true },
        "nntp" => Service::Nntp,
        "ldap" => Service::Ldap { tls: false },
        "ldaps" => Service::Ldap { tls: true },
        "dns" => Service::Dns,
        "mysql" => Service::Mysql,
        "pgsql" => Service::Pgsql,
        "radius" => Service::Radius,
        "sip" => Service::Sip,
        _ => return None,
    })
}

/// The legacy's default ftp password and sip login: `ldirectord@HOSTNAME`.
fn default_identity() -> String {
    format!("ldirectord@{}", super::hostname().unwrap_or_default())
}

pub fn plan(check: &CheckPlan, v: &VirtualService, vp: &VirtualPlan) -> Planned {
    // Made only for the checks that send them: a reload plans every check.
    let request = || check.request.clone().unwrap_or_else(|| v.request.clone());
    let receive = || check.receive.as_deref().unwrap_or(&v.receive);
    let mut note = None;
    let mut negotiate_every = None;
    let kind = match v.checktype {
        CheckType::On => CheckKind::On,
        CheckType::Off => CheckKind::Off,
        // The legacy pings a UDP service's reals for a connect check.
        CheckType::Connect if v.protocol == Protocol::Udp => CheckKind::Ping {
            count: v.checkcount.clamp(1, u32::MAX as u64) as u32,
        },
        CheckType::Connect => CheckKind::Connect,
        CheckType::Ping => CheckKind::Ping {
            count: v.checkcount.clamp(1, u32::MAX as u64) as u32,
        },
        CheckType::Negotiate => negotiate(v, request(), receive(), &mut note),
        CheckType::Combined(n) => {
            let every = NegotiateEvery::new(n.min(u32::MAX as u64) as u32);
            // The legacy opens its connect socket with the virtual's
            // protocol; "fwm" is no protocol, so a fwmark service's socket
            // is a plain stream socket: TCP.
            negotiate_every = Some(match v.protocol {
                Protocol::Udp => every.over_udp(),
                Protocol::Tcp | Protocol::Fwm => every,
            });
            negotiate(v, request(), receive(), &mut note)
        }
        CheckType::External | CheckType::ExternalPerl => CheckKind::External {
            command: v.checkcommand.clone().into(),
            perl: v.checktype == CheckType::ExternalPerl,
            virtual_addr: match vp.key {
                ServiceKey::Addr { addr, .. } => VirtualId::Addr(addr),
                ServiceKey::FwMark { mark, .. } => VirtualId::Fwmark(mark),
            },
        },
    };
    Planned {
        spec: CheckSpec {
            target: check.target,
            kind,
            check_timeout: Duration::from_secs(v.checktimeout.max(1)),
            negotiate_timeout: Duration::from_secs(v.negotiatetimeout.max(1)),
        },
        negotiate_every,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lvs_check::Phase;

    /// The kind of check each `checktype=2` virtual of `cf` runs between
    /// its negotiates.
    fn connect_steps(cf: &str) -> Vec<CheckKind> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ldirectord.cf");
        std::fs::write(&path, cf).unwrap();
        let loaded = super::super::config::load(&path).unwrap();
        loaded
            .plan
            .checks
            .iter()
            .map(|c| {
                let vp = loaded
                    .plan
                    .virtuals
                    .iter()
                    .find(|v| v.config_index == c.config_index)
                    .unwrap();
                let p = plan(c, &loaded.cf.virtuals[c.config_index], vp);
                p.negotiate_every
                    .unwrap()
                    .check(Phase::Connect, &p.spec)
                    .kind
            })
            .collect()
    }

    #[test]
    fn checktype_n_connects_with_the_virtuals_protocol() {
        let kinds = connect_steps(
            "virtual=192.0.2.1:1812\n\treal=192.0.2.11:1812 masq\n\tprotocol=udp\n\
             \tchecktype=2\n\tservice=radius\n\
             virtual=192.0.2.1:53\n\treal=192.0.2.12:53 masq\n\tchecktype=2\n\tservice=dns\n\
             virtual=192.0.2.1:80\n\treal=192.0.2.13:80 masq\n\tchecktype=2\n\tservice=http\n\
             virtual=7\n\treal=192.0.2.14:80 masq\n\tchecktype=2\n\tservice=http\n",
        );
        // Port 53 is UDP unless said otherwise, as in the legacy; a fwmark
        // service connects by TCP.
        assert!(
            matches!(
                kinds[..],
                [
                    CheckKind::UdpConnect,
                    CheckKind::UdpConnect,
                    CheckKind::Connect,
                    CheckKind::Connect
                ]
            ),
            "{kinds:?}"
        );
    }
}
