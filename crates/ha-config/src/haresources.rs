//! `haresources`: which node prefers which resource group.
//!
//! Two legacy readers look at this file and we follow both:
//! * heartbeat itself, at start-up, only checks that the first word of each
//!   line names a `node` of ha.cf (case-insensitively; first bad one stops
//!   it). It skips lines whose first non-blank is `#`, and after a checked
//!   line skips every following line while the raw line ends in `\`
//!   (a CRLF line ending hides the backslash).
//! * ResourceManager, at run time, gives the file its meaning: `#` to end of
//!   line is dropped, a line ending in `\` is joined with the next, blanks
//!   are squeezed, the node name is lower-cased, each other word is a
//!   resource `script[::arg[::arg…]]`, and a word that looks like an IPv4
//!   address means `IPaddr::word`.
//!
//! `parse` checks syntax and builds the model; node names are checked
//! against ha.cf by `check_nodes` (see `heartbeat_dir`).

use crate::diag::{Collector, ConfigError, Parsed};
use crate::lines::lines;
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HaResources {
    pub groups: Vec<ResourceGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceGroup {
    /// Line where the group starts.
    pub line: usize,
    /// Preferred node, lower-cased.
    pub node: String,
    /// In start order; the first one is the group's key.
    pub resources: Vec<Resource>,
}

impl ResourceGroup {
    /// The word the legacy uses to name the group (its first resource).
    pub fn key(&self) -> Option<&str> {
        self.resources.first().map(|r| r.spec.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// As written, e.g. `IPaddr::192.168.72.8/24/eth0` or `192.168.72.8`.
    pub spec: String,
    /// Script in /etc/ha.d/resource.d or /etc/init.d.
    pub script: String,
    pub args: Vec<String>,
    /// For IPaddr/IPaddr2: the argument taken apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpSpec>,
}

/// `ip[/netmask[/nic[/broadcast]]]`; a third field starting with a digit is
/// the broadcast address (nic left out), as the IPaddr scripts read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpSpec {
    pub ip: String,
    pub cidr_netmask: Option<String>,
    pub nic: Option<String>,
    pub broadcast: Option<String>,
}

impl IpSpec {
    pub fn parse(arg: &str) -> IpSpec {
        let mut parts = arg.split('/');
        let ip = parts.next().unwrap_or("").to_string();
        let rest: Vec<&str> = parts.collect();
        // The scripts strip each field with `/*`, so empty fields vanish.
        let nonempty: Vec<&str> = rest.iter().copied().filter(|s| !s.is_empty()).collect();
        let mut spec = IpSpec {
            ip,
            cidr_netmask: None,
            nic: None,
            broadcast: None,
        };
        let mut it = nonempty.into_iter();
        spec.cidr_netmask = it.next().map(str::to_string);
        match it.next() {
            Some(third) if third.starts_with(|c: char| c.is_ascii_digit()) => {
                spec.broadcast = Some(third.to_string());
            }
            Some(nic) => {
                spec.nic = Some(nic.to_string());
                spec.broadcast = it.next().map(str::to_string);
            }
            None => {}
        }
        spec
    }
}

/// ResourceManager's `isip`: the glob `[0-9]*.[0-9]*.[0-9]*.[0-9]*`.
fn looks_like_ip(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit()) && word[1..].matches('.').count() >= 3
}

impl Resource {
    pub fn parse(spec: &str) -> Resource {
        let canon = if looks_like_ip(spec) {
            format!("IPaddr::{spec}")
        } else {
            spec.to_string()
        };
        let (script, args) = match canon.split_once("::") {
            Some((s, a)) => (
                s.to_string(),
                a.split("::")
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            None => (canon.clone(), Vec::new()),
        };
        let ip = match (script.as_str(), args.first()) {
            ("IPaddr" | "IPaddr2", Some(a)) => Some(IpSpec::parse(a)),
            _ => None,
        };
        Resource {
            spec: spec.to_string(),
            script,
            args,
            ip,
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Lines heartbeat checks at start-up: (line number, column, first word).
pub fn checked_first_words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in lines(text) {
        if skipping {
            skipping = line.text.ends_with('\\');
            continue;
        }
        let bp = line.text.trim_start_matches(is_space);
        if bp.is_empty() || bp.starts_with('#') {
            continue;
        }
        let word = bp.split(is_space).next().unwrap_or("");
        out.push((line.number, line.col_of(bp), word.to_string()));
        skipping = line.text.ends_with('\\');
    }
    out
}

pub fn parse(text: &str, file: &str) -> Result<Parsed<HaResources>, ConfigError> {
    let mut c = Collector::new(file);
    let mut out = HaResources::default();
    let all: Vec<_> = lines(text).collect();
    let mut i = 0;
    while let Some(first) = all.get(i) {
        // Comments go from the first line only: sed strips them before it
        // starts joining.
        let mut logical = first.text.split('#').next().unwrap_or("").to_string();
        let start = first.number;
        let mut cr = first.text.ends_with('\r');
        i += 1;
        while logical.ends_with('\\') {
            logical.pop();
            match all.get(i) {
                Some(next) => {
                    cr |= next.text.ends_with('\r');
                    logical.push_str(next.text);
                    i += 1;
                }
                None => break,
            }
        }
        let words: Vec<&str> = logical
            .split([' ', '\t'])
            .map(|w| w.trim_end_matches('\r'))
            .filter(|w| !w.is_empty())
            .collect();
        let Some((node, resources)) = words.split_first() else {
            continue;
        };
        if cr {
            c.warning(
                start,
                1,
                "line ends in CR (CRLF file): the legacy ResourceManager keeps the CR as part of the last resource name",
            )
            .hint = Some("convert the file to LF line endings (dos2unix)".into());
        }
        out.groups.push(ResourceGroup {
            line: start,
            node: node.to_ascii_lowercase(),
            resources: resources.iter().map(|r| Resource::parse(r)).collect(),
        });
    }
    c.finish(out)
}

/// heartbeat's start-up check: every line it reads must start with a node
/// of ha.cf (`nodes` lower-cased). Stops at the first bad one, as it does.
pub fn check_nodes(text: &str, file: &str, nodes: &[String]) -> Result<(), ConfigError> {
    let mut c = Collector::new(file);
    for (line, col, word) in checked_first_words(text) {
        if !nodes.iter().any(|n| n.eq_ignore_ascii_case(&word)) {
            c.error(line, col, format!("Bad nodename in {file} [{word}]"))
                .hint = crate::suggest::did_you_mean(
                &word,
                &nodes.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .or_else(|| Some("the first word must be a `node` (or ping node) of ha.cf; a line continued with `\\` must not end in CR".into()));
            break;
        }
    }
    c.finish(()).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: &str) -> HaResources {
        match parse(t, "haresources") {
            Ok(p) => p.value,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn seed_line() {
        let r = ok("MASTER IPaddr::192.168.72.8/24/eth0 ldirectord::ldirectord.cf\n");
        let g = &r.groups[0];
        assert_eq!(g.node, "master");
        assert_eq!(g.key(), Some("IPaddr::192.168.72.8/24/eth0"));
        let ip = g.resources[0].ip.as_ref().unwrap();
        assert_eq!(ip.ip, "192.168.72.8");
        assert_eq!(ip.cidr_netmask.as_deref(), Some("24"));
        assert_eq!(ip.nic.as_deref(), Some("eth0"));
        assert_eq!(g.resources[1].script, "ldirectord");
        assert_eq!(g.resources[1].args, vec!["ldirectord.cf"]);
    }

    #[test]
    fn ip_forms() {
        let r = Resource::parse("10.0.0.5");
        assert_eq!(r.script, "IPaddr");
        assert_eq!(r.ip.unwrap().ip, "10.0.0.5");
        let s = IpSpec::parse("10.0.0.6/24/10.0.0.255");
        assert_eq!(s.nic, None);
        assert_eq!(s.broadcast.as_deref(), Some("10.0.0.255"));
        let s = IpSpec::parse("10.0.0.6/24/eth0/10.0.0.255");
        assert_eq!(s.nic.as_deref(), Some("eth0"));
        assert_eq!(s.broadcast.as_deref(), Some("10.0.0.255"));
        let r = Resource::parse("Filesystem::/dev/sda1::/data1::ext2");
        assert_eq!(r.args, vec!["/dev/sda1", "/data1", "ext2"]);
        assert!(Resource::parse("IPaddr2::10.0.0.7").ip.is_some());
    }

    #[test]
    fn comments_continuations_blanks() {
        let r = ok("# c\n\n  nodea 10.0.0.5 # vip\nnodeb\t10.0.0.6 \\\n   IPaddr2::10.0.0.7/24/eth0 \\\n  httpd\n");
        assert_eq!(r.groups.len(), 2);
        assert_eq!(r.groups[1].resources.len(), 3);
        assert_eq!(r.groups[1].line, 4);
        // A comment line ending in a backslash does not continue.
        let r = ok("# x \\\nnodea a\n");
        assert_eq!(r.groups.len(), 1);
    }

    #[test]
    fn node_check_like_heartbeat() {
        let nodes = vec!["nodea".to_string()];
        assert!(check_nodes("NODEA 10.0.0.5\n", "haresources", &nodes).is_ok());
        let e = check_nodes("nodeb 10.0.0.5\n", "haresources", &nodes)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("haresources:1:1: Bad nodename in haresources [nodeb]"),
            "{e}"
        );
        // Continuation lines are not checked...
        assert!(check_nodes("nodea a \\\nnodeb b\n", "haresources", &nodes).is_ok());
        // ...unless a CR hides the backslash.
        let e = check_nodes("nodea a \\\r\n  IPaddr2::x\r\n", "haresources", &nodes)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("haresources:2:3: Bad nodename in haresources [IPaddr2::x]"),
            "{e}"
        );
        assert!(check_nodes("# \\\nnodeb\n", "haresources", &nodes).is_err());
        assert!(check_nodes("", "haresources", &nodes).is_ok());
    }

    #[test]
    fn crlf_warns() {
        let p = parse("nodea 10.0.0.5\r\n", "haresources").unwrap();
        assert_eq!(p.value.groups[0].resources[0].spec, "10.0.0.5");
        assert_eq!(p.warnings.len(), 1);
    }
}
