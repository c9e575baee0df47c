//! The checks heartbeat 3.0.6 makes against the host when it reads ha.cf
//! (facts: docs/facts/heartbeat-ipfail-respawn-reload.md §5), with its
//! messages, for both `heartbeatd -t` and the start; either way a finding
//! means exit status 6. The host is behind [`Host`] so the rules are
//! tested without touching the machine.
//!
//! Where we differ on purpose: a `ucast` interface that does not exist is
//! refused here (the legacy starts, then dies at run time after its start
//! command returned 0, using the lines we print), and a config whose media
//! are all of kinds this heartbeatd cannot run is refused rather than run
//! deaf.

use crate::support::runnable_medium;
use ha_config::hacf::outline::DirectiveLine;
use ha_config::hacf::{is_builtin_ipfail, HaCf, Medium};
use ha_config::Diagnostic;

/// What the checks need to know about the machine.
pub trait Host {
    fn interface_exists(&self, name: &str) -> bool;
    /// The name resolves to an IPv4 address.
    fn resolves(&self, host: &str) -> bool;
    fn user_exists(&self, name: &str) -> bool;
    fn group_exists(&self, name: &str) -> bool;
    /// `access(path, F_OK|X_OK)`.
    fn executable(&self, path: &str) -> bool;
    fn path_exists(&self, path: &str) -> bool;
}

/// One refusal: the legacy's ERROR lines, then its INFO lines, at a line
/// of ha.cf (0: the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub errors: Vec<String>,
    pub infos: Vec<String>,
}

impl Finding {
    fn at(line: usize, errors: &[String]) -> Finding {
        Finding {
            line,
            errors: errors.to_vec(),
            infos: Vec::new(),
        }
    }

    /// As `file:line:col:` diagnostics; the INFO lines become the hint.
    pub fn diagnostics(&self, file: &str) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .errors
            .iter()
            // Line 0 is the file as a whole: no column either.
            .map(|e| Diagnostic::error(file, self.line, usize::from(self.line > 0), e.clone()))
            .collect();
        if let (Some(last), false) = (out.last_mut(), self.infos.is_empty()) {
            last.hint = Some(self.infos.join("\n        "));
        }
        out
    }
}

/// The legacy's last word on any of these.
pub const NOT_STARTED: &str = "Configuration error, heartbeat not started.";

const APIAUTH_SYNTAX: [&str; 4] = [
    "Syntax: apiauth client [uid=uidlist] [gid=gidlist]",
    "Where uidlist is a comma-separated list of uids,",
    "and gidlist is a comma-separated list of gids",
    "One or the other must be specified.",
];

/// Every finding for `hacf` on this host (named `me`), in ha.cf order,
/// the node check last as in the legacy.
pub fn check(hacf: &HaCf, outline: &[DirectiveLine], me: &str, host: &dyn Host) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in hacf.media.iter().enumerate() {
        if let Some(errors) = medium(m, host) {
            out.push(Finding::at(hacf.lines.medium(i), &errors));
        }
    }
    for (i, c) in hacf.respawn.iter().enumerate() {
        // The ipfail hook: it runs inside heartbeatd, so neither its user
        // nor its path matters here.
        if is_builtin_ipfail(&c.path) {
            continue;
        }
        let line = hacf.lines.client(i);
        if !host.user_exists(&c.user) {
            out.push(Finding::at(
                line,
                &[format!(
                    "Invalid uid [{}] specified for client child",
                    c.user
                )],
            ));
        } else if !host.executable(&c.path) {
            out.push(Finding::at(
                line,
                &[format!(
                    "Client child command [{}] is not executable",
                    c.path
                )],
            ));
        }
    }
    for (i, a) in hacf.apiauth.iter().enumerate() {
        // The built-in defaults are never refused by the legacy.
        if a.builtin {
            continue;
        }
        let line = hacf.lines.apiauth(i);
        let written = outline
            .iter()
            .find(|d| d.line == line && d.name == "apiauth")
            .and_then(|d| d.values.first().cloned())
            .unwrap_or_else(|| a.client.clone());
        let bad_user = a
            .uids
            .iter()
            .find(|u| !numeric(u) && !host.user_exists(u))
            .map(|u| (format!("Invalid user id name [{u}]"), "uid", &a.uids));
        let bad_group = a
            .gids
            .iter()
            .find(|g| !numeric(g) && !host.group_exists(g))
            .map(|g| (format!("Invalid group name [{g}]"), "gid", &a.gids));
        if let Some((first, kind, list)) = bad_user.or(bad_group) {
            out.push(Finding {
                line,
                errors: vec![
                    first,
                    format!("Bad {kind} list [{}]", list.join(",")),
                    format!("Invalid apiauth directive [{written}]"),
                ],
                infos: APIAUTH_SYNTAX.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    if !hacf.media.is_empty() && !hacf.media.iter().any(runnable_medium) {
        out.push(Finding {
            line: 0,
            errors: vec![
                "No heartbeat media this heartbeatd can run: it sends heartbeats on bcast, ucast and mcast only".into(),
            ],
            infos: vec!["serial and IPv6 media are accepted but not run by heartbeatd, and ping nodes carry no heartbeats; add a bcast, ucast or mcast line".into()],
        });
    }
    out.sort_by_key(|f| f.line);
    if !hacf.nodes.iter().any(|n| n == me) {
        out.push(Finding {
            line: 0,
            errors: vec![format!("Current node [{me}] not in configuration!")],
            infos: vec![
                "By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file.".into(),
                "See also: http://linux-ha.org/wiki/Ha.cf#node_directive".into(),
            ],
        });
    }
    out
}

fn numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// The legacy plugins' refusals for one medium.
fn medium(m: &Medium, host: &dyn Host) -> Option<Vec<String>> {
    match m {
        Medium::Bcast { interface: i, .. } if !host.interface_exists(i) => Some(vec![
            format!("glib: Get broadcast for interface {i} failed: No such device"),
            format!("glib: IP interface [{i}] does not exist"),
            format!("Illegal bcast [UDP/IP broadcast] in config file [{i}]"),
        ]),
        Medium::Mcast { interface: i, .. } if !host.interface_exists(i) => Some(vec![
            format!("glib: Unable to retrieve local interface address for interface [{i}] using ioctl(SIOCGIFADDR): No such device"),
            format!("glib: mcast device [{i}] is invalid or not set up properly"),
        ]),
        Medium::Ucast { interface: i, peer, .. } => {
            if !host.resolves(peer) {
                Some(vec![
                    "glib: ucast: cannot resolve hostname".into(),
                    format!("glib: ucast: interface [{i}] does not exist"),
                ])
            } else if !host.interface_exists(i) {
                // The legacy's run-time lines for this case (see above).
                Some(vec![
                    format!("glib: ucast: error setting option SO_BINDTODEVICE(w) on {i}: No such device"),
                    format!("make_io_childpair: cannot open ucast {i}"),
                ])
            } else {
                None
            }
        }
        // The legacy resolves ping hosts when it reads ha.cf (members of
        // a ping_group that do not resolve are skipped, facts §1.1).
        Medium::Ping { host: h } if !host.resolves(h) => Some(vec![
            format!("glib: unknown host: {h}: Resource temporarily unavailable"),
            format!("Illegal ping [ping membership] in config file [{h}]"),
        ]),
        Medium::Serial { device } if !host.path_exists(device) => Some(vec![
            format!("glib: Nonexistent serial port [{device}] in config file"),
            format!("Illegal serial [serial ring] in config file [{device}]"),
        ]),
        _ => None,
    }
}

/// The machine itself.
pub struct RealHost;

impl Host for RealHost {
    fn interface_exists(&self, name: &str) -> bool {
        nix::net::if_::if_nametoindex(name).is_ok()
    }

    fn resolves(&self, host: &str) -> bool {
        use std::net::ToSocketAddrs;
        (host, 0)
            .to_socket_addrs()
            .is_ok_and(|mut a| a.any(|a| a.is_ipv4()))
    }

    fn user_exists(&self, name: &str) -> bool {
        matches!(nix::unistd::User::from_name(name), Ok(Some(_)))
    }

    fn group_exists(&self, name: &str) -> bool {
        matches!(nix::unistd::Group::from_name(name), Ok(Some(_)))
    }

    fn executable(&self, path: &str) -> bool {
        use nix::unistd::AccessFlags;
        nix::unistd::access(path, AccessFlags::F_OK | AccessFlags::X_OK).is_ok()
    }

    fn path_exists(&self, path: &str) -> bool {
        std::path::Path::new(path).exists()
    }
}

/// The checks of this machine for the config in `dir` (as loaded), with
/// its outline; what `-t` and the start both run.
pub fn check_dir(dir: &std::path::Path, hacf: &HaCf) -> Vec<Diagnostic> {
    let file = dir.join("ha.cf").display().to_string();
    let outline = outline_of(dir);
    check(hacf, &outline, &crate::daemon::node_name(), &RealHost)
        .iter()
        .flat_map(|f| f.diagnostics(&file))
        .collect()
}

/// ha.cf's directive lines (empty if it cannot be read again).
pub fn outline_of(dir: &std::path::Path) -> Vec<DirectiveLine> {
    std::fs::read(dir.join("ha.cf"))
        .map(|b| ha_config::hacf::outline::outline(&String::from_utf8_lossy(&b)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine with eth1 and lo, users root and nobody, group root, and
    /// /bin/true executable.
    struct Fake;

    impl Host for Fake {
        fn interface_exists(&self, n: &str) -> bool {
            matches!(n, "eth1" | "lo")
        }
        fn resolves(&self, h: &str) -> bool {
            h.parse::<std::net::Ipv4Addr>().is_ok()
        }
        fn user_exists(&self, n: &str) -> bool {
            matches!(n, "root" | "nobody")
        }
        fn group_exists(&self, n: &str) -> bool {
            n == "root"
        }
        fn executable(&self, p: &str) -> bool {
            p == "/bin/true"
        }
        fn path_exists(&self, p: &str) -> bool {
            p == "/dev/ttyS0"
        }
    }

    fn findings(text: &str) -> Vec<Finding> {
        let hacf = ha_config::hacf::parse(text, "ha.cf").unwrap().value;
        let o = ha_config::hacf::outline::outline(text);
        check(&hacf, &o, "a", &Fake)
    }

    fn errors(text: &str) -> Vec<(usize, String)> {
        findings(text)
            .into_iter()
            .flat_map(|f| f.errors.into_iter().map(move |e| (f.line, e)))
            .collect()
    }

    const OK: &str = "node a\nbcast eth1\n";

    #[test]
    fn a_good_config_has_no_findings() {
        assert!(findings(&format!(
            "{OK}ucast eth1 10.0.0.2\nmcast eth1 225.0.0.1 694 1 0\nrespawn nobody /bin/true -x\napiauth x uid=root,0 gid=root\n"
        ))
        .is_empty());
    }

    #[test]
    fn media_interfaces() {
        let e = errors("node a\nbcast eth1 eth9\n");
        assert_eq!(e.len(), 3);
        assert_eq!(e[1], (2, "glib: IP interface [eth9] does not exist".into()));
        assert_eq!(
            e[2].1,
            "Illegal bcast [UDP/IP broadcast] in config file [eth9]"
        );
        let e = errors(&format!("{OK}mcast eth9 225.0.0.1 694 1 0\n"));
        assert_eq!(
            e[1],
            (
                3,
                "glib: mcast device [eth9] is invalid or not set up properly".into()
            )
        );
        let e = errors(&format!("{OK}ucast eth9 10.0.0.2\n"));
        assert_eq!(e[1].1, "make_io_childpair: cannot open ucast eth9");
        let e = errors(&format!("{OK}ucast eth1 nosuch.invalid\n"));
        assert_eq!(
            e,
            [
                (3, "glib: ucast: cannot resolve hostname".into()),
                (3, "glib: ucast: interface [eth1] does not exist".into())
            ]
        );
        let e = errors(&format!("{OK}ping 10.0.0.9 gw.invalid\n"));
        assert_eq!(
            e,
            [
                (
                    3,
                    "glib: unknown host: gw.invalid: Resource temporarily unavailable".into()
                ),
                (
                    3,
                    "Illegal ping [ping membership] in config file [gw.invalid]".into()
                )
            ]
        );
    }

    #[test]
    fn client_children_but_not_ipfail() {
        let e = errors(&format!(
            "{OK}respawn nosuchuser /bin/true\nfailfast root /bin/false\nrespawn nosuchuser /usr/lib/heartbeat/ipfail\n"
        ));
        assert_eq!(
            e,
            [
                (
                    3,
                    "Invalid uid [nosuchuser] specified for client child".into()
                ),
                (
                    4,
                    "Client child command [/bin/false] is not executable".into()
                )
            ]
        );
    }

    #[test]
    fn apiauth_users_and_groups() {
        let f = findings(&format!("{OK}apiauth foo uid=root,nosuchuser\n"));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].errors,
            [
                "Invalid user id name [nosuchuser]",
                "Bad uid list [root,nosuchuser]",
                "Invalid apiauth directive [foo uid=root,nosuchuser]"
            ]
        );
        assert_eq!(f[0].infos.len(), 4);
        let e = errors(&format!("{OK}apiauth foo gid=nosuchgroup\n"));
        assert_eq!(e[0], (3, "Invalid group name [nosuchgroup]".into()));
        // The built-in defaults name hacluster/haclient, which this fake
        // host lacks: never refused.
        assert!(findings(OK).is_empty());
    }

    #[test]
    fn unsupported_media_only_is_refused_but_ping_beside_bcast_is_not() {
        let e = errors("node a\nserial /dev/ttyS0\nucast6 eth1 fe80::1\n");
        assert_eq!(e.len(), 1);
        assert!(e[0]
            .1
            .starts_with("No heartbeat media this heartbeatd can run"));
        assert!(errors(&format!("{OK}ping 10.0.0.1\n")).is_empty());
        let e = errors(&format!("{OK}serial /dev/ttyNOPE\n"));
        assert_eq!(
            e[0],
            (
                3,
                "glib: Nonexistent serial port [/dev/ttyNOPE] in config file".into()
            )
        );
    }

    #[test]
    fn not_a_node_comes_last() {
        let f = findings("node b\nbcast eth9\n");
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].errors, ["Current node [a] not in configuration!"]);
        assert!(f[1].infos[0].starts_with("By default, cluster nodes are named by `uname -n`"));
    }
}
