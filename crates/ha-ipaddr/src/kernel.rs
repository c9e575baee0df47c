//! What the kernel has: links, IPv4 addresses and main-table IPv4 routes,
//! read in one go so a plan is computed from one consistent picture.

use std::io;
use std::net::Ipv4Addr;

use crate::rtnl::Rtnl;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// Ethernet address; `None` for links without one (loopback has zeros,
    /// tunnels none).
    pub mac: Option<[u8; 6]>,
    pub up: bool,
    pub loopback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Interface index.
    pub index: u32,
    pub local: Ipv4Addr,
    pub prefix_len: u8,
    pub broadcast: Option<Ipv4Addr>,
    /// `eth0`, or an alias label such as `eth0:0`.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub dst: Ipv4Addr,
    pub prefix_len: u8,
    /// Output interface index.
    pub oif: u32,
    /// `scope link`: a directly connected network (IPaddr2 only looks at
    /// these).
    pub link_scope: bool,
    pub metric: u32,
    /// The `src` the kernel put on a connected route: the interface's own
    /// address in that network.
    pub prefsrc: Option<Ipv4Addr>,
}

impl Route {
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = prefix_mask(self.prefix_len);
        u32::from(ip) & mask == u32::from(self.dst) & mask
    }
}

/// The netmask of a prefix length as a host-order integer.
pub(crate) fn prefix_mask(len: u8) -> u32 {
    match len {
        0 => 0,
        l => u32::MAX << (32 - u32::from(l.min(32))),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub links: Vec<Link>,
    pub addresses: Vec<Address>,
    pub routes: Vec<Route>,
}

impl Snapshot {
    /// Reads the current network namespace of the calling thread.
    pub fn read() -> io::Result<Snapshot> {
        let mut rtnl = Rtnl::open()?;
        Ok(Snapshot {
            links: rtnl.links()?,
            addresses: rtnl.addresses()?,
            routes: rtnl.main_routes()?,
        })
    }
}

impl LinkLookup for Snapshot {
    fn link_list(&self) -> &[Link] {
        &self.links
    }
}

/// Interface lookups shared by the IPv4 and IPv6 snapshots.
pub trait LinkLookup {
    fn link_list(&self) -> &[Link];

    fn link_by_name(&self, name: &str) -> Option<&Link> {
        self.link_list().iter().find(|l| l.name == name)
    }

    fn link_by_index(&self, index: u32) -> Option<&Link> {
        self.link_list().iter().find(|l| l.index == index)
    }

    /// The interface's name, or its index in brackets if it vanished.
    fn name_of(&self, index: u32) -> String {
        self.link_by_index(index)
            .map(|l| l.name.clone())
            .unwrap_or_else(|| format!("[ifindex {index}]"))
    }
}
