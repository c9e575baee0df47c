//! IPv6addr's three questions, answered from a snapshot the way the agent
//! answers them from /proc/net/if_inet6:
//! * where does start put the address (`find_if`): next to the first
//!   address of the same network, else on the given nic with the given
//!   prefix;
//! * is the address configured (`get_if`: start's "already there", stop);
//! * is it running: heartbeat's wrapper maps status to the agent's
//!   monitor, an ICMPv6 echo to the address, which only a configured
//!   address past duplicate address detection answers.

use std::net::Ipv6Addr;

use crate::kernel::LinkLookup;
use crate::kernel6::{Address6, Scope6, Snapshot6};
use crate::spec6::Ipv6Request;
use crate::Error;

/// Where start adds the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Plan {
    pub resource: String,
    pub ip: Ipv6Addr,
    pub prefix_len: u8,
    pub interface: String,
    pub ifindex: u32,
}

/// The agent's filter on each address it scans: global scope (link scope
/// too when a nic is given), the given prefix length, the given nic.
fn candidates<'a>(req: &'a Ipv6Request, snap: &'a Snapshot6) -> impl Iterator<Item = &'a Address6> {
    snap.addresses.iter().filter(move |a| {
        let scope_ok = match a.scope {
            Scope6::Global => true,
            Scope6::Link => req.nic.is_some(),
            Scope6::Other => false,
        };
        scope_ok
            && req.prefix_len.is_none_or(|p| p == a.prefix_len)
            && req
                .nic
                .as_deref()
                .is_none_or(|n| snap.link_by_index(a.index).is_some_and(|l| l.name == n))
    })
}

fn masked(ip: Ipv6Addr, prefix_len: u8) -> u128 {
    let bits = u128::from(ip);
    match prefix_len {
        0 => 0,
        p => bits & (u128::MAX << (128 - u32::from(p.min(128)))),
    }
}

/// `find_if`.
pub(crate) fn place(req: &Ipv6Request, snap: &Snapshot6) -> Result<Ipv6Plan, Error> {
    let neighbour =
        candidates(req, snap).find(|a| masked(a.ip, a.prefix_len) == masked(req.ip, a.prefix_len));
    let (ifindex, prefix_len) = match (neighbour, req.nic.as_deref(), req.prefix_len) {
        (Some(a), _, _) => (a.index, a.prefix_len),
        (None, Some(nic), Some(p)) => {
            let link = snap
                .link_by_name(nic)
                .ok_or_else(|| Error::spec(&req.resource, format!("no interface named {nic}")))?;
            (link.index, p)
        }
        (None, _, _) => {
            let mut detail = String::new();
            if let Some(p) = req.prefix_len {
                detail.push_str(&format!(" with prefix /{p}"));
            }
            if let Some(n) = &req.nic {
                detail.push_str(&format!(" on {n}"));
            }
            detail.push_str(" (give both prefix and interface to place it anyway)");
            return Err(Error::NoInterface {
                resource: req.resource.clone(),
                ip: req.ip.into(),
                detail,
            });
        }
    };
    Ok(Ipv6Plan {
        resource: req.resource.clone(),
        ip: req.ip,
        prefix_len,
        interface: snap.name_of(ifindex),
        ifindex,
    })
}

/// `get_if`: the address itself, where the argument says it would be.
pub(crate) fn configured<'a>(req: &'a Ipv6Request, snap: &'a Snapshot6) -> Option<&'a Address6> {
    candidates(req, snap).find(|a| a.ip == req.ip)
}

/// The monitor's echo is answered: the address is on any interface of the
/// namespace and usable.
pub(crate) fn answering(req: &Ipv6Request, snap: &Snapshot6) -> bool {
    snap.addresses.iter().any(|a| a.ip == req.ip && a.usable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Link;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn addr(index: u32, a: &str, prefix_len: u8, scope: Scope6) -> Address6 {
        Address6 {
            index,
            ip: ip(a),
            prefix_len,
            scope,
            tentative: false,
            dad_failed: false,
        }
    }

    /// eth0 2001:db8::1/64, eth1 2001:db8:1::1/64, both with link-locals.
    fn snap() -> Snapshot6 {
        let link = |index, name: &str| Link {
            index,
            name: name.into(),
            mac: Some([2, 0, 0, 0, 0, index as u8]),
            up: true,
            loopback: false,
        };
        Snapshot6 {
            links: vec![link(2, "eth0"), link(3, "eth1")],
            addresses: vec![
                addr(2, "2001:db8::1", 64, Scope6::Global),
                addr(2, "fe80::1", 64, Scope6::Link),
                addr(3, "2001:db8:1::1", 64, Scope6::Global),
                addr(3, "fe80::2", 64, Scope6::Link),
            ],
        }
    }

    fn req(arg: &str) -> Ipv6Request {
        Ipv6Request::parse(arg).unwrap()
    }

    fn placed(arg: &str) -> Result<(String, u8), String> {
        place(&req(arg), &snap())
            .map(|p| (p.interface, p.prefix_len))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn placed_next_to_its_network() {
        let at = |i: &str, p| Ok((i.to_string(), p));
        assert_eq!(placed("2001:db8::10"), at("eth0", 64));
        assert_eq!(placed("2001:db8:1::10"), at("eth1", 64));
        assert_eq!(placed("2001:db8:1::10/64/eth1"), at("eth1", 64));
        // Given nic and prefix, a network found nowhere is put there anyway.
        assert_eq!(placed("2001:db8:9::10/64/eth1"), at("eth1", 64));
        assert_eq!(placed("2001:db8::10/128/eth1"), at("eth1", 128));
        // A link-local VIP is placed only with the nic named.
        assert_eq!(placed("fe80::10/64/eth1"), at("eth1", 64));
    }

    #[test]
    fn unplaceable_addresses_are_named() {
        assert_eq!(
            placed("2001:db8:9::10"),
            Err("IPv6addr::2001:db8:9::10: no interface has a network containing 2001:db8:9::10 (give both prefix and interface to place it anyway)".into())
        );
        // The agent only matches networks of the same prefix length.
        assert_eq!(
            placed("2001:db8::10/128"),
            Err("IPv6addr::2001:db8::10/128: no interface has a network containing 2001:db8::10 with prefix /128 (give both prefix and interface to place it anyway)".into())
        );
        assert!(placed("fe80::10").is_err());
        assert!(placed("2001:db8::10//eth1").is_err());
        assert_eq!(
            placed("2001:db8:9::10/64/eth7"),
            Err("IPv6addr::2001:db8:9::10/64/eth7: no interface named eth7".into())
        );
    }

    #[test]
    fn configured_where_the_argument_says() {
        let mut s = snap();
        s.addresses
            .push(addr(2, "2001:db8::10", 64, Scope6::Global));
        let found = |arg: &str| configured(&req(arg), &s).map(|a| a.index);
        assert_eq!(found("2001:db8::10"), Some(2));
        assert_eq!(found("2001:db8::10/64/eth0"), Some(2));
        assert_eq!(found("2001:db8::10/64/eth1"), None);
        assert_eq!(found("2001:db8::10/48"), None);
        assert_eq!(found("2001:db8::11"), None);
    }

    #[test]
    fn answering_needs_dad_done_anywhere() {
        let mut s = snap();
        let r = req("2001:db8::10/64/eth1");
        assert!(!answering(&r, &s));
        let mut vip = addr(2, "2001:db8::10", 64, Scope6::Global);
        vip.tentative = true;
        s.addresses.push(vip);
        assert!(!answering(&r, &s));
        s.addresses[4].tentative = false;
        s.addresses[4].dad_failed = true;
        assert!(!answering(&r, &s));
        s.addresses[4].dad_failed = false;
        // On eth0, not the configured eth1: the echo is answered all the same.
        assert!(answering(&r, &s));
    }

    #[test]
    fn masks() {
        assert_eq!(masked(ip("2001:db8::1"), 0), 0);
        assert_eq!(
            masked(ip("2001:db8::1"), 128),
            u128::from(ip("2001:db8::1"))
        );
        assert_eq!(
            masked(ip("2001:db8:ffff::1"), 33),
            u128::from(ip("2001:db8:8000::"))
        );
    }
}
