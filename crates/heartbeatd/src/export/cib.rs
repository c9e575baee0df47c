//! cib.xml: cluster options, nodes, the haresources groups, their home
//! and connectivity constraints, and the stickiness from auto_failback.

use super::resources::{Group, Primitive};
use std::fmt::Write;

/// Score of the home-node preference. Stickiness (per member, summed over a
/// group) is compared with it: 0 lets the group go home, STICKY keeps it.
pub const HOME_SCORE: u32 = 100;
/// auto_failback off: stay where running. High rather than INFINITY so an
/// operator's `crm resource move` (an INFINITY location) still moves the
/// group, while the home preference never does.
pub const STICKY: u32 = 1000;

pub struct Cib<'a> {
    pub nodes: &'a [String],
    pub groups: &'a [Group],
    pub stickiness: u32,
    /// Every host of `ping` and `ping_group` lines.
    pub ping_hosts: &'a [String],
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn nvpair(s: &mut String, indent: &str, owner: &str, name: &str, value: &str) {
    let _ = writeln!(
        s,
        "{indent}<nvpair id=\"{}\" name=\"{}\" value=\"{}\"/>",
        esc(&format!("{owner}-{name}")),
        esc(name),
        esc(value)
    );
}

fn primitive(s: &mut String, indent: &str, p: &Primitive) {
    let provider = p
        .provider
        .map(|v| format!(" provider=\"{v}\""))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{indent}<primitive id=\"{}\" class=\"{}\"{provider} type=\"{}\">",
        p.id,
        p.class,
        esc(&p.agent)
    );
    if !p.params.is_empty() {
        let _ = writeln!(s, "{indent}  <instance_attributes id=\"{}-params\">", p.id);
        for (k, v) in &p.params {
            nvpair(
                s,
                &format!("{indent}    "),
                &format!("{}-params", p.id),
                k,
                v,
            );
        }
        let _ = writeln!(s, "{indent}  </instance_attributes>");
    }
    if let Some(iv) = p.monitor {
        let _ = writeln!(
            s,
            "{indent}  <operations>\n{indent}    <op id=\"{}-monitor-{iv}\" name=\"monitor\" interval=\"{iv}\" timeout=\"20s\"/>\n{indent}  </operations>",
            p.id
        );
    }
    let _ = writeln!(s, "{indent}</primitive>");
}

impl Cib<'_> {
    pub fn render(&self, source: &str) -> String {
        let mut s = String::new();
        // admin_epoch 1: a newly formed cluster's CIB (admin_epoch 0) has
        // already counted its epoch up, and `cibadmin --replace` refuses a
        // CIB it considers older.
        s.push_str("<cib validate-with=\"pacemaker-3.0\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"1\">\n");
        let _ = writeln!(
            s,
            "  <!-- Written by `heartbeatd export-pacemaker` from {} -->",
            esc(source).replace("--", "- -")
        );
        s.push_str("  <configuration>\n    <crm_config>\n      <cluster_property_set id=\"cib-bootstrap-options\">\n");
        // heartbeat pairs ran without fencing; Pacemaker refuses to start
        // resources without it unless told (stderr warns).
        nvpair(
            &mut s,
            "        ",
            "cib-bootstrap-options",
            "stonith-enabled",
            "false",
        );
        s.push_str("      </cluster_property_set>\n    </crm_config>\n    <nodes>\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = writeln!(s, "      <node id=\"{}\" uname=\"{}\"/>", i + 1, esc(n));
        }
        s.push_str("    </nodes>\n    <resources>\n");
        if !self.ping_hosts.is_empty() {
            self.ping_clone(&mut s);
        }
        for g in self.groups {
            let _ = writeln!(s, "      <group id=\"{}\">", g.id);
            for p in &g.members {
                primitive(&mut s, "        ", p);
            }
            s.push_str("      </group>\n");
        }
        s.push_str("    </resources>\n    <constraints>\n");
        for g in self.groups {
            self.constraints(&mut s, g);
        }
        s.push_str(
            "    </constraints>\n    <rsc_defaults>\n      <meta_attributes id=\"rsc-options\">\n",
        );
        nvpair(
            &mut s,
            "        ",
            "rsc-options",
            "resource-stickiness",
            &self.stickiness.to_string(),
        );
        s.push_str("      </meta_attributes>\n    </rsc_defaults>\n  </configuration>\n  <status/>\n</cib>\n");
        s
    }

    fn ping_clone(&self, s: &mut String) {
        let p = Primitive {
            id: "ping".into(),
            class: "ocf",
            provider: Some("pacemaker"),
            agent: "ping".into(),
            params: vec![
                ("host_list".into(), self.ping_hosts.join(" ")),
                ("multiplier".into(), "1000".into()),
                ("dampen".into(), "5s".into()),
            ],
            monitor: Some("10s"),
        };
        s.push_str("      <clone id=\"ping-clone\">\n");
        primitive(s, "        ", &p);
        s.push_str("      </clone>\n");
    }

    fn constraints(&self, s: &mut String, g: &Group) {
        if self.nodes.contains(&g.home) {
            let _ = writeln!(
                s,
                "      <rsc_location id=\"loc-{}-home\" rsc=\"{}\" node=\"{}\" score=\"{HOME_SCORE}\"/>",
                g.id,
                g.id,
                esc(&g.home)
            );
        }
        if !self.ping_hosts.is_empty() {
            let id = format!("loc-{}-ping", g.id);
            let _ = write!(
                s,
                "      <rsc_location id=\"{id}\" rsc=\"{}\">\n        <rule id=\"{id}-rule\" score=\"-INFINITY\" boolean-op=\"or\">\n          <expression id=\"{id}-undef\" attribute=\"pingd\" operation=\"not_defined\"/>\n          <expression id=\"{id}-zero\" attribute=\"pingd\" operation=\"lte\" value=\"0\" type=\"number\"/>\n        </rule>\n      </rsc_location>\n",
                g.id
            );
        }
    }
}
