//! What the kernel has for IPv6: links and their IPv6 addresses with the
//! duplicate-address-detection state, read in one go.

use std::io;
use std::net::Ipv6Addr;

use crate::kernel::{Link, LinkLookup};
use crate::rtnl::Rtnl;

/// An address's scope as /proc/net/if_inet6 (which IPv6addr reads) tells
/// it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope6 {
    Global,
    Link,
    /// Host, site, or anything else: never IPv6addr's.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address6 {
    /// Interface index.
    pub index: u32,
    pub ip: Ipv6Addr,
    pub prefix_len: u8,
    pub scope: Scope6,
    /// Duplicate address detection still running: not usable yet.
    pub tentative: bool,
    /// Another node on the link has the address.
    pub dad_failed: bool,
}

impl Address6 {
    /// Can be used as a source and answers locally.
    pub fn usable(&self) -> bool {
        !self.tentative && !self.dad_failed
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot6 {
    pub links: Vec<Link>,
    pub addresses: Vec<Address6>,
}

impl Snapshot6 {
    /// Reads the current network namespace of the calling thread.
    pub fn read() -> io::Result<Snapshot6> {
        let mut rtnl = Rtnl::open()?;
        Ok(Snapshot6 {
            links: rtnl.links()?,
            addresses: rtnl.addresses6()?,
        })
    }
}

impl LinkLookup for Snapshot6 {
    fn link_list(&self) -> &[Link] {
        &self.links
    }
}
