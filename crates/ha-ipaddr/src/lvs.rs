//! IPaddr2's `lvs_support`, which heartbeat's resource.d/IPaddr2 wrapper
//! always turns on (`OCF_RESKEY_lvs_support=1`). An LVS-DR backup director
//! keeps the VIP as `VIP/32` on `lo` so that it accepts the traffic its
//! peer forwards to it; on takeover IPaddr2 removes that copy (and any
//! main-table route `VIP dev lo`) before adding the VIP on the interface,
//! and notes what it removed in `$HA_RSCTMP/VIP`; on release it puts the
//! noted address back on `lo`.
//!
//! The note is the legacy's own file and format (`VIP 32 255.255.255.255
//! lo`), so a VIP taken over by the legacy script is given back correctly
//! by heartbeatd and the other way round.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::kernel::{Address, LinkLookup, Route, Snapshot};

/// Where resource-agents keeps its state (`HA_RSCTMP`).
pub const LEGACY_STATE_DIR: &str = "/run/resource-agents";

/// `find_interface IP 32` matched against `lo*`: the address as a host
/// route on an interface whose name starts with `lo`.
pub(crate) fn is_loopback_copy(ip: Ipv4Addr, a: &Address, snap: &Snapshot) -> bool {
    a.local == ip
        && a.prefix_len == 32
        && snap
            .link_by_index(a.index)
            .is_some_and(|l| l.name.starts_with("lo"))
}

/// One copy of the VIP on a loopback interface, and the main-table routes
/// to the VIP through that interface that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopbackCopy {
    pub address: Address,
    pub interface: String,
    pub routes: Vec<Route>,
}

impl LoopbackCopy {
    /// What the legacy writes before removing the copy: netmask and
    /// broadcast as it hard-codes them.
    pub fn memo(&self) -> Memo {
        Memo {
            ip: self.address.local,
            prefix_len: 32,
            broadcast: Some(Ipv4Addr::BROADCAST),
            interface: self.interface.clone(),
        }
    }
}

/// The copies `start` must take off before adding the VIP.
pub(crate) fn loopback_copies(ip: Ipv4Addr, snap: &Snapshot) -> Vec<LoopbackCopy> {
    snap.addresses
        .iter()
        .filter(|a| is_loopback_copy(ip, a, snap))
        .map(|a| LoopbackCopy {
            address: a.clone(),
            interface: snap.name_of(a.index),
            routes: snap
                .routes
                .iter()
                .filter(|r| r.dst == ip && r.prefix_len == 32 && r.oif == a.index)
                .cloned()
                .collect(),
        })
        .collect()
}

/// The legacy's note of a removed loopback copy: `IP NETMASK BROADCAST
/// IFNAME`, the arguments it later passes to its add_interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Memo {
    pub ip: Ipv4Addr,
    pub prefix_len: u8,
    /// `none` in the file: no broadcast.
    pub broadcast: Option<Ipv4Addr>,
    pub interface: String,
}

impl Memo {
    pub fn path(dir: &Path, ip: Ipv4Addr) -> PathBuf {
        dir.join(ip.to_string())
    }

    pub fn line(&self) -> String {
        let brd = self
            .broadcast
            .map_or_else(|| "none".to_string(), |b| b.to_string());
        format!("{} {} {brd} {}\n", self.ip, self.prefix_len, self.interface)
    }

    /// `None` for a file the legacy would not restore from either (empty)
    /// or one it would make `ip` refuse.
    pub fn parse(text: &str) -> Option<Memo> {
        let mut words = text.split_whitespace();
        let ip = words.next()?.parse().ok()?;
        let prefix_len = words.next()?.parse().ok().filter(|p| *p <= 32)?;
        let broadcast = match words.next()? {
            "none" => None,
            b => Some(b.parse().ok()?),
        };
        let interface = words.next()?.to_string();
        Some(Memo {
            ip,
            prefix_len,
            broadcast,
            interface,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Link;

    const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 50);

    fn link(index: u32, name: &str) -> Link {
        Link {
            index,
            name: name.into(),
            mac: None,
            up: true,
            loopback: name == "lo",
        }
    }

    fn addr(index: u32, ip: Ipv4Addr, prefix_len: u8) -> Address {
        Address {
            index,
            local: ip,
            prefix_len,
            broadcast: None,
            label: String::new(),
        }
    }

    fn host_route(oif: u32) -> Route {
        Route {
            dst: VIP,
            prefix_len: 32,
            oif,
            link_scope: true,
            metric: 0,
            prefsrc: None,
        }
    }

    #[test]
    fn only_a_host_address_on_lo_star_conflicts() {
        let snap = Snapshot {
            links: vec![link(1, "lo"), link(2, "eth0"), link(3, "lo1")],
            addresses: vec![
                addr(1, VIP, 32),
                addr(2, VIP, 32),
                addr(3, VIP, 24),
                addr(1, Ipv4Addr::new(10, 0, 0, 51), 32),
            ],
            routes: vec![host_route(1), host_route(2)],
        };
        let copies = loopback_copies(VIP, &snap);
        assert_eq!(
            copies,
            [LoopbackCopy {
                address: addr(1, VIP, 32),
                interface: "lo".into(),
                routes: vec![host_route(1)],
            }]
        );
        assert_eq!(copies[0].memo().line(), "10.0.0.50 32 255.255.255.255 lo\n");
    }

    #[test]
    fn memo_round_trip_and_legacy_forms() {
        let m = Memo::parse("10.0.0.50 32 255.255.255.255 lo\n").unwrap();
        assert_eq!(
            m,
            Memo {
                ip: VIP,
                prefix_len: 32,
                broadcast: Some(Ipv4Addr::BROADCAST),
                interface: "lo".into(),
            }
        );
        assert_eq!(Memo::parse(&m.line()), Some(m));
        let none = Memo::parse("10.0.0.50 32 none lo").unwrap();
        assert_eq!(none.broadcast, None);
        assert_eq!(none.line(), "10.0.0.50 32 none lo\n");
        for bad in [
            "",
            "\n",
            "10.0.0.50 32",
            "10.0.0.50 33 none lo",
            "x 32 none lo",
        ] {
            assert_eq!(Memo::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            Memo::path(Path::new("/run/resource-agents"), VIP),
            Path::new("/run/resource-agents/10.0.0.50")
        );
    }
}
