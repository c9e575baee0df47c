//! Media lines: `bcast`, `ucast`, `mcast`, `ping`, `ping_group`, `serial`
//! and their IPv6 twins. Only syntax is checked here; whether an interface,
//! host name or tty exists is the daemon's business (the legacy checks it
//! while reading, see docs/facts/heartbeat-config.md).

use super::model::Medium;
use super::tokens::{skip_spaces, space_word};
use super::values::atoi;

/// A medium, or the legacy's complaint and the offending word.
pub type MediumResult<'a> = Result<Medium, (String, Option<&'a str>)>;

/// `ucast DEV PEER` (words after the second are ignored by the legacy).
pub fn ucast(rest: &str, port: u16) -> Option<MediumResult<'_>> {
    let (dev, r) = space_word(skip_spaces(rest));
    if dev.is_empty() {
        // The legacy silently does nothing with a bare `ucast`.
        return None;
    }
    let (peer, _) = space_word(skip_spaces(r));
    if peer.is_empty() {
        return Some(Err((
            format!("ucast: [{dev}] missing target IP address/hostname"),
            Some(dev),
        )));
    }
    Some(Ok(Medium::Ucast {
        interface: dev.to_string(),
        peer: peer.to_string(),
        port,
    }))
}

pub fn ucast6(rest: &str) -> Option<MediumResult<'_>> {
    let (dev, r) = space_word(skip_spaces(rest));
    if dev.is_empty() {
        return None;
    }
    let (peer, _) = space_word(skip_spaces(r));
    if peer.is_empty() {
        return Some(Err((
            format!("ucast6: [{dev}] missing target IP address/hostname"),
            Some(dev),
        )));
    }
    Some(Ok(Medium::Ucast6 {
        interface: dev.to_string(),
        peer: peer.to_string(),
    }))
}

/// `mcast DEV GROUP PORT TTL LOOP`.
pub fn mcast(rest: &str) -> Option<MediumResult<'_>> {
    let (dev, r) = space_word(skip_spaces(rest));
    if dev.is_empty() {
        // The legacy dereferences a missing medium here and crashes; it
        // never starts, so this is an error for us too.
        return Some(Err(("mcast: missing device".into(), None)));
    }
    let (group, r) = space_word(skip_spaces(r));
    if group.is_empty() {
        return Some(Err((
            format!("mcast [{dev}] missing mcast address"),
            Some(dev),
        )));
    }
    if !is_ipv4_multicast(group) {
        return Some(Err((
            format!("mcast [{dev}] bad addr [{group}]"),
            Some(group),
        )));
    }
    let (port_s, r) = space_word(skip_spaces(r));
    if port_s.is_empty() {
        return Some(Err((format!("mcast [{dev}] missing port"), Some(dev))));
    }
    // u_short, as the plugin stores it.
    let port = atoi(port_s) as u16;
    if port == 0 {
        return Some(Err((
            format!("mcast [{dev}] bad port [{port}]"),
            Some(port_s),
        )));
    }
    let (ttl_s, r) = space_word(skip_spaces(r));
    if ttl_s.is_empty() {
        return Some(Err((format!("mcast [{dev}] missing ttl"), Some(dev))));
    }
    let ttl = atoi(ttl_s) as u8;
    if ttl > 4 {
        return Some(Err((format!("mcast [{dev}] bad ttl [{ttl}]"), Some(ttl_s))));
    }
    let (loop_s, _) = space_word(skip_spaces(r));
    if loop_s.is_empty() {
        return Some(Err((format!("mcast [{dev}] missing loop"), Some(dev))));
    }
    let lp = atoi(loop_s) as u8;
    if lp > 1 {
        return Some(Err((
            format!("mcast [{dev}] bad loop [{lp}]"),
            Some(loop_s),
        )));
    }
    Some(Ok(Medium::Mcast {
        interface: dev.to_string(),
        group: group.to_string(),
        port,
        ttl,
        loopback: lp == 1,
    }))
}

/// `inet_addr` then a 224.0.0.0/4 test, as the plugin does. `inet_addr`
/// takes the classic forms (a, a.b, a.b.c, a.b.c.d; octal and hex parts).
fn is_ipv4_multicast(s: &str) -> bool {
    inet_addr(s).is_some_and(|a| a & 0xf000_0000 == 0xe000_0000)
}

fn inet_addr(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X"))
        {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 8 {
            return None;
        }
        let v = if digits.is_empty() {
            0
        } else {
            u32::from_str_radix(digits, radix).ok()?
        };
        nums.push(v);
    }
    let (last, head) = nums.split_last()?;
    let mut addr: u32 = 0;
    for (i, v) in head.iter().enumerate() {
        if *v > 255 {
            return None;
        }
        addr |= v << (24 - 8 * i);
    }
    let room = 32 - 8 * head.len() as u32;
    if room < 32 && u64::from(*last) >= (1u64 << room) {
        return None;
    }
    Some(addr | last)
}

/// `ping_group NAME HOST…` (blank-separated; at least one host).
pub fn ping_group(rest: &str) -> MediumResult<'_> {
    let (name, mut r) = space_word(skip_spaces(rest));
    if name.is_empty() {
        return Err(("ping_group: missing group name".into(), None));
    }
    let mut hosts = Vec::new();
    loop {
        let (h, next) = space_word(skip_spaces(r));
        if h.is_empty() {
            break;
        }
        hosts.push(h.to_string());
        r = next;
    }
    if hosts.is_empty() {
        return Err((format!("ping_group [{name}] has no hosts"), Some(name)));
    }
    Ok(Medium::PingGroup {
        name: name.to_string(),
        hosts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcast_rules() {
        assert!(matches!(mcast("eth1 225.0.0.1 694 1 0"), Some(Ok(_))));
        assert!(matches!(mcast("eth1 225.0.0.1 694 4 1 extra"), Some(Ok(_))));
        assert!(matches!(
            mcast("eth1 225.0.0.1 70000 x 0"),
            Some(Ok(Medium::Mcast {
                port: 4464,
                ttl: 0,
                ..
            }))
        ));
        assert!(matches!(mcast("eth1 225.0.0.1 694 5 0"), Some(Err(_))));
        assert!(matches!(mcast("eth1 10.0.0.1 694 1 0"), Some(Err(_))));
        assert!(matches!(mcast("eth1 225.0.0.1 0 1 0"), Some(Err(_))));
        assert!(matches!(mcast("eth1 225.0.0.1 694 1 2"), Some(Err(_))));
        assert!(matches!(mcast("eth1 225.0.0.1 694 1"), Some(Err(_))));
        assert!(matches!(mcast(""), Some(Err(_))));
    }

    #[test]
    fn ucast_rules() {
        assert!(ucast("", 694).is_none());
        assert!(matches!(ucast("eth1", 694), Some(Err(_))));
        assert!(matches!(
            ucast("eth1 10.0.0.2 10.0.0.3", 694),
            Some(Ok(Medium::Ucast { .. }))
        ));
    }

    #[test]
    fn inet_addr_forms() {
        assert_eq!(inet_addr("225.0.0.1"), Some(0xe100_0001));
        assert_eq!(inet_addr("0xe1.0.0.1"), Some(0xe100_0001));
        assert_eq!(inet_addr("256.0.0.1"), None);
        assert_eq!(inet_addr("x"), None);
    }
}
