//! The `/lvs/` page: one static HTML document per request that reloads
//! itself (meta refresh, no script), with the stylesheet and the graphs
//! served by the daemon too. Elements carry `data-*` attributes naming
//! what they show, so tests (and scrapers) need not parse the text.

use crate::cluster::Cluster;
use crate::history::RANGES;
use crate::model::{RealView, Snapshot, VirtualView};
use crate::svg::si;
use crate::timefmt::utc;
use std::fmt::Write;

/// Seconds between the page's own reloads.
pub const REFRESH_SECS: u32 = 10;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = "body{font-family:sans-serif;margin:1em 2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:3px 8px;border:1px solid #ddd;text-align:right}
th{background:#eee}td.name,th.name{text-align:left}tr.virtual td{background:#f3f6fb;font-weight:bold}
.state{font-weight:bold;padding:1px 6px;border-radius:3px;color:#fff}
.state-up{background:#2a8f2a}.state-down{background:#c62828}.state-quiescent{background:#e09b00}.state-fallback{background:#5865c4}
.reason{color:#a00;text-align:left}.muted{color:#777}.error{color:#a00;font-weight:bold}
ol.events{list-style:none;padding:0}ol.events li{padding:2px 0}.kind{display:inline-block;width:8em;font-weight:bold}
.kind-real-down{color:#c62828}.kind-real-up{color:#2a8f2a}.kind-failover{color:#5865c4}.kind-config-error{color:#a00}
.graphs img{margin:2px;border:1px solid #ddd}";

fn rate(v: u64) -> String {
    si(v as f64)
}

fn stats_cells(s: &ipvs::Stats) -> String {
    format!(
        "<td>{}</td><td>{} / {}</td><td>{} / {}</td>",
        rate(s.cps),
        rate(s.inpps),
        rate(s.outpps),
        rate(s.inbps),
        rate(s.outbps)
    )
}

fn real_row(out: &mut String, v: &VirtualView, r: &RealView) {
    let state = r.state.word();
    let _ = write!(
        out,
        r#"<tr class="real" data-virtual="{}" data-real="{}" data-state="{state}"><td class="name">&nbsp;&nbsp;{}</td><td><span class="state state-{state}">{state}</span></td><td>{}</td><td>{}</td><td>{}</td>{}<td class="reason">{}</td></tr>"#,
        escape(&v.name),
        r.addr,
        r.addr,
        r.weight,
        r.active,
        r.inactive,
        stats_cells(&r.stats),
        escape(r.reason.as_deref().unwrap_or(""))
    );
}

fn services(out: &mut String, snap: &Snapshot) {
    out.push_str("<h2>Virtual services</h2>");
    if let Some(e) = &snap.ipvs_error {
        let _ = write!(out, r#"<p class="error">IPVS: {}</p>"#, escape(e));
    }
    out.push_str(r#"<table id="services"><tr><th class="name">virtual / real</th><th>state</th><th>weight / scheduler</th><th>active</th><th>inactive</th><th>conns/s</th><th>pkts/s in / out</th><th>bytes/s in / out</th><th class="name">reason</th></tr>"#);
    for v in &snap.virtuals {
        let up = v
            .reals
            .iter()
            .filter(|r| r.state == crate::model::RealState::Up)
            .count();
        let _ = write!(
            out,
            r#"<tr class="virtual" data-virtual="{}"><td class="name">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td class="name muted"></td></tr>"#,
            escape(&v.name),
            escape(&v.name),
            if v.in_kernel {
                format!("{up}/{} up", v.reals.len())
            } else {
                "not in kernel".into()
            },
            escape(&v.scheduler),
            v.reals.iter().map(|r| r.active).sum::<u32>(),
            v.reals.iter().map(|r| r.inactive).sum::<u32>(),
            stats_cells(&v.stats),
        );
        for r in &v.reals {
            real_row(out, v, r);
        }
    }
    out.push_str("</table>");
}

fn cluster(out: &mut String, snap: &Snapshot) {
    out.push_str(r#"<h2>Heartbeat cluster</h2><div id="cluster">"#);
    match &snap.cluster {
        None => out.push_str(r#"<p class="muted">not asked yet</p>"#),
        Some(Err(e)) => {
            let _ = write!(
                out,
                r#"<p class="muted" data-heartbeat="unreachable">heartbeat: {}</p>"#,
                escape(e)
            );
        }
        Some(Ok(c)) => cluster_tables(out, c),
    }
    out.push_str("</div>");
}

fn cluster_tables(out: &mut String, c: &Cluster) {
    out.push_str(r#"<table><tr><th class="name">node</th><th class="name">status</th></tr>"#);
    for n in &c.nodes {
        let me = if n.name == c.me { " (this node)" } else { "" };
        let _ = write!(
            out,
            r#"<tr data-node="{}" data-status="{}"><td class="name">{}{me}</td><td class="name">{}</td></tr>"#,
            escape(&n.name),
            escape(&n.status),
            escape(&n.name),
            escape(&n.status)
        );
    }
    for n in &c.ping_nodes {
        let _ = write!(
            out,
            r#"<tr data-ping-node="{}" data-status="{}"><td class="name">{} (ping node)</td><td class="name">{}</td></tr>"#,
            escape(&n.name),
            escape(&n.status),
            escape(&n.name),
            escape(&n.status)
        );
    }
    out.push_str(r#"</table><table><tr><th class="name">resource group</th><th class="name">home</th><th class="name">held by</th></tr>"#);
    for g in &c.groups {
        let holder = g.holder.as_deref().unwrap_or("nobody");
        let _ = write!(
            out,
            r#"<tr data-group="{}" data-holder="{}"><td class="name">{}</td><td class="name">{}</td><td class="name">{}</td></tr>"#,
            escape(&g.key),
            escape(holder),
            escape(&g.key),
            escape(&g.home),
            escape(holder)
        );
    }
    let last = c
        .last_change
        .map(utc)
        .unwrap_or_else(|| "none since start".into());
    let _ = write!(
        out,
        r#"</table><p>Last failover on this node: <span id="last-failover">{last}</span></p>"#
    );
}

fn events(out: &mut String, snap: &Snapshot) {
    out.push_str(r#"<h2>Events</h2><ol class="events" id="events">"#);
    if snap.events.is_empty() {
        out.push_str(r#"<li class="muted">none yet</li>"#);
    }
    for e in &snap.events {
        let kind = e.kind.word();
        let _ = write!(
            out,
            r#"<li data-kind="{kind}"><span class="muted">{}</span> <span class="kind kind-{kind}">{kind}</span> {}</li>"#,
            utc(e.at),
            escape(&e.text)
        );
    }
    out.push_str("</ol>");
}

fn graphs(out: &mut String, snap: &Snapshot) {
    out.push_str(r#"<h2>History</h2><div class="graphs">"#);
    let row = |out: &mut String, id: &str, label: &str| {
        let _ = write!(out, r#"<h3>{}</h3><div data-graphs="{id}">"#, escape(label));
        for (range, _, _) in RANGES {
            let _ = write!(
                out,
                r#"<img loading="lazy" width="420" height="358" alt="{} last {range}" src="/lvs/graph/{id}/{range}.svg">"#,
                escape(label)
            );
        }
        out.push_str("</div>");
    };
    for v in &snap.virtuals {
        row(out, &crate::model::virtual_id(&v.key), &v.name);
        for r in &v.reals {
            let label = format!("{} → {}", v.name, r.addr);
            row(out, &crate::model::real_id(&v.key, &r.addr), &label);
        }
    }
    out.push_str("</div>");
}

pub fn page(snap: &Snapshot) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{REFRESH_SECS}"><title>LVS status: {}</title><link rel="stylesheet" href="/lvs/style.css"></head><body><h1>LVS status: {}</h1><p class="muted">IPVS table read {} &middot; this page reloads every {REFRESH_SECS} s &middot; <a href="/metrics">metrics</a></p>"#,
        escape(&snap.host),
        escape(&snap.host),
        if snap.taken_at == 0 {
            "not yet".to_string()
        } else {
            utc(snap.taken_at)
        },
    );
    services(&mut out, snap);
    cluster(&mut out, snap);
    events(&mut out, snap);
    graphs(&mut out, snap);
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_nodes_are_rows_of_their_own() {
        let c = crate::cluster::parse(
            "me a\nnode a active\nnode b active\nping gw dead\nlastchange none\n",
        )
        .unwrap();
        let mut out = String::new();
        cluster_tables(&mut out, &c);
        assert!(
            out.contains(r#"<tr data-ping-node="gw" data-status="dead"><td class="name">gw (ping node)</td><td class="name">dead</td></tr>"#),
            "{out}"
        );
        assert!(!out.contains(r#"data-node="gw""#));
    }
}
