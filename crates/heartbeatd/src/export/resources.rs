//! haresources groups as Pacemaker resources: which agent runs each
//! heartbeat resource, with which parameters, under which unique id.

use super::notes::Notes;
use ha_config::haresources::{IpSpec, Resource, ResourceGroup};
use std::collections::HashSet;
use std::path::Path;

/// Scripts heartbeat 3.0.6 ships in /etc/ha.d/resource.d. ResourceManager
/// looks there before /etc/init.d, so a bare name from this list is a
/// `heartbeat:` script, anything else an init script (`lsb:`).
const RESOURCE_D: &[&str] = &[
    "AudibleAlarm",
    "Delay",
    "Filesystem",
    "ICP",
    "IPaddr",
    "IPaddr2",
    "IPsrcaddr",
    "IPv6addr",
    "LVM",
    "LinuxSCSI",
    "MailTo",
    "OCF",
    "Raid1",
    "SendArp",
    "ServeRAID",
    "WAS",
    "WinPopup",
    "Xinetd",
    "apache",
    "db2",
    "drbddisk",
    "ids",
    "ldirectord",
    "portblock",
];

/// Where the ldirectord-rs package installs the daemon the agent starts.
pub const LDIRECTORD_RS: &str = "/usr/sbin/ldirectord-rs";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Primitive {
    pub id: String,
    pub class: &'static str,
    pub provider: Option<&'static str>,
    pub agent: String,
    pub params: Vec<(String, String)>,
    /// Monitor interval; `None` for classes without a useful status.
    pub monitor: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    /// The preferred node (haresources' first word), lower-cased.
    pub home: String,
    pub line: usize,
    pub members: Vec<Primitive>,
}

/// XML ids are NCNames; crmsh is stricter still. Anything outside
/// `[A-Za-z0-9_.-]` becomes `_`, and an id must start with a letter.
pub fn xml_id(raw: &str) -> String {
    let mut id: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert_str(0, "r_");
    }
    id
}

/// Hands out ids, adding `-2`, `-3`… when a name repeats (the same script
/// in two groups, the same address twice).
#[derive(Default)]
pub struct Ids(HashSet<String>);

impl Ids {
    pub fn take(&mut self, raw: &str) -> String {
        let base = xml_id(raw);
        let mut id = base.clone();
        let mut n = 1;
        while !self.0.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        id
    }
}

pub struct Mapper<'a> {
    pub dir: &'a Path,
    pub haresources: String,
    pub ids: Ids,
}

impl Mapper<'_> {
    pub fn group(&mut self, index: usize, g: &ResourceGroup, notes: &mut Notes) -> Group {
        let id = self.ids.take(&format!("group_{}", index + 1));
        let members = g
            .resources
            .iter()
            .filter_map(|r| self.primitive(g.line, r, notes))
            .collect();
        Group {
            id,
            home: g.node.clone(),
            line: g.line,
            members,
        }
    }

    fn primitive(&mut self, line: usize, r: &Resource, notes: &mut Notes) -> Option<Primitive> {
        match (r.script.as_str(), &r.ip) {
            ("IPaddr" | "IPaddr2", Some(ip)) => Some(self.ipaddr(line, r, ip, notes)),
            ("IPaddr" | "IPaddr2", None) => {
                notes.at(
                    &self.haresources,
                    line,
                    format!("{}: no address given; resource left out", r.spec),
                );
                None
            }
            ("ldirectord", _) => Some(self.ldirectord(line, r, notes)),
            _ => Some(self.script(r)),
        }
    }

    fn ipaddr(&mut self, line: usize, r: &Resource, ip: &IpSpec, notes: &mut Notes) -> Primitive {
        let mut params = vec![("ip".to_string(), ip.ip.clone())];
        if let Some(m) = &ip.cidr_netmask {
            params.push(("cidr_netmask".into(), m.clone()));
        }
        if let Some(n) = &ip.nic {
            let (base, label) = match n.split_once(':') {
                Some((b, l)) => (b, Some(l)),
                None => (n.as_str(), None),
            };
            params.push(("nic".into(), base.to_string()));
            match label {
                // heartbeat's IPaddr2 labels the address NIC:LABEL, which
                // is what the agent's iflabel builds.
                Some(l) if r.script == "IPaddr2" => params.push(("iflabel".into(), l.to_string())),
                Some(l) => notes.at(
                    &self.haresources,
                    line,
                    format!("{}: IPaddr ignores the label {l} (it picks its own alias); no iflabel written", r.spec),
                ),
                None => {}
            }
        }
        if let Some(b) = &ip.broadcast {
            params.push(("broadcast".into(), b.clone()));
        }
        if r.script == "IPaddr2" {
            // heartbeat's resource.d/IPaddr2 wrapper sets lvs_support: a
            // backup director's VIP on lo is moved aside while it holds
            // the address. The OCF agent only does that when told.
            params.push(("lvs_support".into(), "true".into()));
        }
        if r.args.len() > 1 {
            notes.at(
                &self.haresources,
                line,
                format!(
                    "{}: arguments after the address ({}) have no IPaddr2 parameter; left out",
                    r.spec,
                    r.args[1..].join("::")
                ),
            );
        }
        Primitive {
            id: self.ids.take(&format!("vip_{}", ip.ip)),
            class: "ocf",
            provider: Some("heartbeat"),
            agent: "IPaddr2".into(),
            params,
            monitor: Some("10s"),
        }
    }

    fn ldirectord(&mut self, line: usize, r: &Resource, notes: &mut Notes) -> Primitive {
        let name = r
            .args
            .first()
            .map(String::as_str)
            .unwrap_or("ldirectord.cf");
        let configfile = self.ldirectord_path(name);
        if !Path::new(name).is_absolute() && configfile.is_none() {
            notes.at(
                &self.haresources,
                line,
                format!(
                    "{}: {name} is not in {}: configfile=/etc/ha.d/{name} must exist on every node",
                    r.spec,
                    self.dir.display()
                ),
            );
        }
        let configfile = configfile.unwrap_or_else(|| {
            if Path::new(name).is_absolute() {
                name.to_string()
            } else {
                format!("/etc/ha.d/{name}")
            }
        });
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ldirectord".into());
        Primitive {
            id: self.ids.take(&stem),
            class: "ocf",
            provider: Some("heartbeat"),
            agent: "ldirectord".into(),
            params: vec![
                ("configfile".into(), configfile),
                ("ldirectord".into(), LDIRECTORD_RS.into()),
            ],
            monitor: Some("20s"),
        }
    }

    /// ldirectord's own lookup of a bare name (/etc/ha.d, then
    /// /etc/ha.d/conf), done in the exported directory and written as the
    /// path the file will have once installed in /etc/ha.d.
    fn ldirectord_path(&self, name: &str) -> Option<String> {
        if Path::new(name).is_absolute() {
            return Some(name.to_string());
        }
        if self.dir.join(name).is_file() {
            Some(format!("/etc/ha.d/{name}"))
        } else if self.dir.join("conf").join(name).is_file() {
            Some(format!("/etc/ha.d/conf/{name}"))
        } else {
            None
        }
    }

    fn script(&mut self, r: &Resource) -> Primitive {
        let in_resource_d = RESOURCE_D.contains(&r.script.as_str())
            || self.dir.join("resource.d").join(&r.script).is_file();
        // With arguments it can only be a resource.d script: init scripts
        // take none. Pacemaker's heartbeat class passes them as "1", "2"…
        let heartbeat = in_resource_d || !r.args.is_empty();
        let params = r
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| ((i + 1).to_string(), a.clone()))
            .collect();
        Primitive {
            id: self.ids.take(&r.script),
            class: if heartbeat { "heartbeat" } else { "lsb" },
            provider: None,
            agent: r.script.clone(),
            params,
            monitor: if heartbeat { None } else { Some("15s") },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ncnames_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(ids.take("vip_10.0.0.1"), "vip_10.0.0.1");
        assert_eq!(ids.take("vip_10.0.0.1"), "vip_10.0.0.1-2");
        assert_eq!(ids.take("9lives"), "r_9lives");
        assert_eq!(ids.take("a b:c"), "a_b_c");
    }

    #[test]
    fn ipaddr2_keeps_its_label_and_lvs_support() {
        let dir = std::env::temp_dir();
        let mut m = Mapper {
            dir: &dir,
            haresources: "haresources".into(),
            ids: Ids::default(),
        };
        let mut n = Notes::default();
        let r = Resource::parse("IPaddr2::10.0.0.7/24/eth0:web/10.0.0.255");
        let p = m.primitive(1, &r, &mut n).unwrap();
        let want: Vec<(String, String)> = [
            ("ip", "10.0.0.7"),
            ("cidr_netmask", "24"),
            ("nic", "eth0"),
            ("iflabel", "web"),
            ("broadcast", "10.0.0.255"),
            ("lvs_support", "true"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(p.params, want);
        let p = m
            .primitive(2, &Resource::parse("IPaddr::10.0.0.8/24/eth0:3"), &mut n)
            .unwrap();
        assert_eq!(
            p.params.last().unwrap(),
            &("nic".to_string(), "eth0".to_string())
        );
        assert_eq!(n.lines().len(), 1, "{:?}", n.lines());
    }

    #[test]
    fn script_classes() {
        let dir = std::env::temp_dir();
        let mut m = Mapper {
            dir: &dir,
            haresources: "haresources".into(),
            ids: Ids::default(),
        };
        let p = m.script(&Resource::parse("Filesystem::/dev/sda1::/data::ext4"));
        assert_eq!((p.class, p.params.len()), ("heartbeat", 3));
        assert_eq!(p.params[1], ("2".to_string(), "/data".to_string()));
        let p = m.script(&Resource::parse("postfix"));
        assert_eq!((p.class, p.monitor), ("lsb", Some("15s")));
    }
}
