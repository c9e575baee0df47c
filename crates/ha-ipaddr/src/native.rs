//! Which haresources resources run natively, and how: `IPaddr` and
//! `IPaddr2` (IPv4, [`crate::plan`]), `IPv6addr` ([`crate::start_ipv6`]).
//! Every operation plans afresh from the kernel, as the scripts do.

use ha_config::haresources::Resource;

use crate::ops::{start, stop, Started};
use crate::ops6::{start_ipv6, status_ipv6, stop_ipv6};
use crate::plan::plan_resource;
use crate::spec6::Ipv6Request;
use crate::status::{status, Status};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ipv4,
    Ipv6,
}

/// A haresources resource carried out natively.
#[derive(Debug, Clone, Copy)]
pub struct NativeResource<'a> {
    resource: &'a Resource,
    kind: Kind,
}

impl<'a> NativeResource<'a> {
    /// `None` for resources run as scripts.
    pub fn of(resource: &'a Resource) -> Option<NativeResource<'a>> {
        let kind = match resource.script.as_str() {
            "IPaddr" | "IPaddr2" if resource.ip.is_some() => Kind::Ipv4,
            "IPv6addr" if !resource.args.is_empty() => Kind::Ipv6,
            _ => return None,
        };
        Some(NativeResource { resource, kind })
    }

    /// The `IPv6addr` argument: everything after the first `::`. The
    /// legacy ResourceManager splits at every `::`, which broke any
    /// address written with one (the wrapper then got two arguments);
    /// here the address is whole.
    fn ipv6(&self) -> Result<Ipv6Request, Error> {
        let arg = self.resource.spec.split_once("::").map_or("", |(_, a)| a);
        Ipv6Request::parse(arg)
    }

    pub fn start(&self) -> Result<Started, Error> {
        match self.kind {
            Kind::Ipv4 => start(&plan_resource(self.resource)?),
            Kind::Ipv6 => start_ipv6(&self.ipv6()?),
        }
    }

    /// Whether an address was removed.
    pub fn stop(&self) -> Result<bool, Error> {
        match self.kind {
            Kind::Ipv4 => stop(&plan_resource(self.resource)?),
            Kind::Ipv6 => stop_ipv6(&self.ipv6()?),
        }
    }

    pub fn status(&self) -> Result<Status, Error> {
        match self.kind {
            Kind::Ipv4 => status(&plan_resource(self.resource)?),
            Kind::Ipv6 => status_ipv6(&self.ipv6()?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(spec: &str) -> Option<Kind> {
        let r = Resource::parse(spec);
        NativeResource::of(&r).map(|n| n.kind)
    }

    #[test]
    fn which_resources_are_native() {
        assert_eq!(kind("10.0.0.5"), Some(Kind::Ipv4));
        assert_eq!(kind("IPaddr::10.0.0.5/24/eth0"), Some(Kind::Ipv4));
        assert_eq!(kind("IPaddr2::10.0.0.5/24/eth0"), Some(Kind::Ipv4));
        assert_eq!(kind("IPv6addr::2001:db8::10/64/eth0"), Some(Kind::Ipv6));
        assert_eq!(kind("IPv6addr"), None);
        assert_eq!(kind("IPaddr2"), None);
        assert_eq!(kind("apache"), None);
        assert_eq!(kind("Filesystem::/dev/sda1::/data::ext4"), None);
    }

    #[test]
    fn the_ipv6_address_is_kept_whole() {
        for (spec, arg) in [
            (
                "IPv6addr::2001:db8::10/64/eth0",
                "IPv6addr::2001:db8::10/64/eth0",
            ),
            (
                "IPv6addr::2001:db8:0:0:0:0:0:10/64/eth0",
                "IPv6addr::2001:db8:0:0:0:0:0:10/64/eth0",
            ),
            ("IPv6addr::::1", "IPv6addr::::1"),
        ] {
            let r = Resource::parse(spec);
            let req = NativeResource::of(&r).unwrap().ipv6().unwrap();
            assert_eq!(req.resource, arg);
        }
        let r = Resource::parse("IPv6addr::2001:db8::10/64/eth0");
        let req = NativeResource::of(&r).unwrap().ipv6().unwrap();
        assert_eq!(
            req.ip,
            "2001:db8::10".parse::<std::net::Ipv6Addr>().unwrap()
        );
        assert_eq!(
            (req.prefix_len, req.nic.as_deref()),
            (Some(64), Some("eth0"))
        );
    }
}
