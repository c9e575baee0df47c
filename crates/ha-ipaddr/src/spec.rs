//! The `IP[/netmask[/interface[/broadcast]]]` argument, checked field by
//! field the way each legacy script checks it, before anything is looked up
//! in the kernel.

use std::net::Ipv4Addr;

use ha_config::haresources::IpSpec;

use crate::Error;

/// Which legacy script's behaviour to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// `IPaddr`: an ifconfig-style alias labelled `eth0:N`.
    IPaddr,
    /// `IPaddr2`: a plain secondary address, labelled only when the nic is
    /// given as `eth0:label`.
    IPaddr2,
}

impl Flavor {
    /// The flavour for a haresources script name (`IPaddr`, `IPaddr2`).
    pub fn from_script(script: &str) -> Option<Flavor> {
        match script {
            "IPaddr" => Some(Flavor::IPaddr),
            "IPaddr2" => Some(Flavor::IPaddr2),
            _ => None,
        }
    }

    pub fn script(self) -> &'static str {
        match self {
            Flavor::IPaddr => "IPaddr",
            Flavor::IPaddr2 => "IPaddr2",
        }
    }
}

/// A broadcast field as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BroadcastArg {
    Addr(Ipv4Addr),
    /// IPaddr2 passes `+`/`-` to `ip addr add brd`: host bits set / cleared.
    Plus,
    Minus,
}

/// The argument, validated but not resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// `IPaddr2::10.0.0.5/24/eth0`, for messages.
    pub resource: String,
    pub flavor: Flavor,
    pub ip: Ipv4Addr,
    pub prefix_len: Option<u8>,
    /// Base interface name, label stripped.
    pub nic: Option<String>,
    /// Full label (`eth0:web`) when IPaddr2 is given `eth0:web`.
    pub label: Option<String>,
    pub broadcast: Option<BroadcastArg>,
}

/// Labels share the kernel's interface-name limit (IFNAMSIZ - 1).
pub(crate) const MAX_LABEL: usize = 15;

/// How haresources would spell this resource.
pub(crate) fn resource_name(flavor: Flavor, spec: &IpSpec) -> String {
    let fields = [&spec.cidr_netmask, &spec.nic, &spec.broadcast];
    let mut out = format!("{}::{}", flavor.script(), spec.ip);
    for f in fields.into_iter().flatten() {
        out.push('/');
        out.push_str(f);
    }
    out
}

impl Request {
    pub fn parse(flavor: Flavor, spec: &IpSpec) -> Result<Request, Error> {
        let resource = resource_name(flavor, spec);
        let bad = |problem: String| Error::spec(&resource, problem);

        let ip = parse_ip(flavor, &spec.ip).map_err(bad)?;
        let prefix_len = match spec.cidr_netmask.as_deref() {
            Some(m) => Some(parse_netmask(m).map_err(bad)?),
            None => None,
        };
        let (nic, label) = match spec.nic.as_deref() {
            Some(n) => split_nic(flavor, n).map_err(bad)?,
            None => (None, None),
        };
        let broadcast = match spec.broadcast.as_deref() {
            Some(b) => Some(parse_broadcast(flavor, b).map_err(bad)?),
            None => None,
        };
        Ok(Request {
            resource,
            flavor,
            ip,
            prefix_len,
            nic,
            label,
            broadcast,
        })
    }
}

fn parse_ip(flavor: Flavor, ip: &str) -> Result<Ipv4Addr, String> {
    if ip.is_empty() {
        return Err("no IP address given".into());
    }
    // heartbeat's IPaddr2 wrapper sets lvs_support=1, and IPaddr2 refuses
    // that for IPv6 ("The IPv6 does not support lvs_support"): through
    // haresources only IPv6addr has ever placed IPv6 addresses.
    if ip.contains(':') {
        return Err(match flavor {
            Flavor::IPaddr2 => format!(
                "{ip} is an IPv6 address; heartbeat's IPaddr2 refuses IPv6 (its wrapper turns lvs_support on): use IPv6addr::ADDRESS/PREFIX/NIC"
            ),
            Flavor::IPaddr => format!(
                "{ip} is an IPv6 address; only IPv4 is handled here (IPv6addr manages IPv6)"
            ),
        });
    }
    ip.parse()
        .map_err(|_| format!("{ip} is not a valid IPv4 address"))
}

/// A prefix length 1..=32, or a contiguous dotted netmask (both scripts'
/// findif accept either; a zero-length prefix is refused by both).
fn parse_netmask(mask: &str) -> Result<u8, String> {
    let invalid = || {
        format!("netmask {mask} is neither a prefix length (1-32) nor a dotted netmask like 255.255.255.0")
    };
    let len = if mask.contains('.') {
        let m: Ipv4Addr = mask.parse().map_err(|_| invalid())?;
        let bits = u32::from(m);
        let ones = bits.leading_ones();
        // Contiguous: every bit after the leading ones is zero.
        if bits.checked_shl(ones).unwrap_or(0) != 0 {
            return Err(format!("netmask {mask} is not contiguous"));
        }
        ones
    } else if !mask.is_empty() && mask.len() <= 3 && mask.bytes().all(|b| b.is_ascii_digit()) {
        mask.parse::<u32>().map_err(|_| invalid())?
    } else {
        return Err(invalid());
    };
    match u8::try_from(len) {
        Ok(l) if (1..=32).contains(&l) => Ok(l),
        _ => Err(invalid()),
    }
}

/// `eth0` or `eth0:label`. IPaddr drops the label (its validate step cuts
/// at the colon); IPaddr2 keeps it as the address label.
fn split_nic(flavor: Flavor, nic: &str) -> Result<(Option<String>, Option<String>), String> {
    let (base, label) = match nic.split_once(':') {
        Some((b, l)) => (b, Some(l)),
        None => (nic, None),
    };
    if base.is_empty() {
        return Err(format!(
            "interface {nic} has no interface name before the colon"
        ));
    }
    let label = match (flavor, label) {
        (Flavor::IPaddr2, Some(l)) => {
            let full = format!("{base}:{l}");
            if full.len() > MAX_LABEL {
                return Err(format!(
                    "interface label {full} exceeds maximum character limit of {MAX_LABEL}"
                ));
            }
            Some(full)
        }
        _ => None,
    };
    Ok((Some(base.to_string()), label))
}

fn parse_broadcast(flavor: Flavor, b: &str) -> Result<BroadcastArg, String> {
    match (flavor, b) {
        (Flavor::IPaddr2, "+") => Ok(BroadcastArg::Plus),
        (Flavor::IPaddr2, "-") => Ok(BroadcastArg::Minus),
        _ => b
            .parse()
            .map(BroadcastArg::Addr)
            .map_err(|_| format!("broadcast address {b} is not a valid IPv4 address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(flavor: Flavor, arg: &str) -> Result<Request, Error> {
        Request::parse(flavor, &IpSpec::parse(arg))
    }

    #[test]
    fn full_argument() {
        let r = req(
            Flavor::IPaddr2,
            "10.0.0.5/255.255.255.0/eth0:web/10.0.0.255",
        )
        .unwrap();
        assert_eq!(
            r.resource,
            "IPaddr2::10.0.0.5/255.255.255.0/eth0:web/10.0.0.255"
        );
        assert_eq!(r.ip, Ipv4Addr::new(10, 0, 0, 5));
        assert_eq!(r.prefix_len, Some(24));
        assert_eq!(r.nic.as_deref(), Some("eth0"));
        assert_eq!(r.label.as_deref(), Some("eth0:web"));
        assert_eq!(
            r.broadcast,
            Some(BroadcastArg::Addr(Ipv4Addr::new(10, 0, 0, 255)))
        );
    }

    #[test]
    fn ipaddr_drops_the_label() {
        let r = req(Flavor::IPaddr, "10.0.0.5/24/eth0:3").unwrap();
        assert_eq!(r.nic.as_deref(), Some("eth0"));
        assert_eq!(r.label, None);
    }

    #[test]
    fn broadcast_in_third_field() {
        let r = req(Flavor::IPaddr, "10.0.0.5/24/10.0.0.127").unwrap();
        assert_eq!(r.nic, None);
        assert_eq!(
            r.broadcast,
            Some(BroadcastArg::Addr(Ipv4Addr::new(10, 0, 0, 127)))
        );
    }

    #[test]
    fn plus_minus_broadcast_only_for_ipaddr2() {
        let r = req(Flavor::IPaddr2, "10.0.0.5/24/eth0/+").unwrap();
        assert_eq!(r.broadcast, Some(BroadcastArg::Plus));
        let e = req(Flavor::IPaddr, "10.0.0.5/24/eth0/+").unwrap_err();
        assert_eq!(
            e.to_string(),
            "IPaddr::10.0.0.5/24/eth0/+: broadcast address + is not a valid IPv4 address"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            ("10.0.0.300", "IPaddr::10.0.0.300: 10.0.0.300 is not a valid IPv4 address"),
            ("fe80::1", "IPaddr::fe80::1: fe80::1 is an IPv6 address; only IPv4 is handled here (IPv6addr manages IPv6)"),
            ("10.0.0.5/33", "IPaddr::10.0.0.5/33: netmask 33 is neither a prefix length (1-32) nor a dotted netmask like 255.255.255.0"),
            ("10.0.0.5/0", "IPaddr::10.0.0.5/0: netmask 0 is neither a prefix length (1-32) nor a dotted netmask like 255.255.255.0"),
            ("10.0.0.5/255.0.255.0", "IPaddr::10.0.0.5/255.0.255.0: netmask 255.0.255.0 is not contiguous"),
            ("10.0.0.5/eth0", "IPaddr::10.0.0.5/eth0: netmask eth0 is neither a prefix length (1-32) nor a dotted netmask like 255.255.255.0"),
        ];
        for (arg, msg) in cases {
            assert_eq!(
                req(Flavor::IPaddr, arg).unwrap_err().to_string(),
                msg,
                "{arg}"
            );
        }
    }

    #[test]
    fn ipaddr2_refuses_ipv6_as_its_wrapper_makes_it() {
        let e = req(Flavor::IPaddr2, "2001:db8:0:0:0:0:0:10/64/eth0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "IPaddr2::2001:db8:0:0:0:0:0:10/64/eth0: 2001:db8:0:0:0:0:0:10 is an IPv6 address; heartbeat's IPaddr2 refuses IPv6 (its wrapper turns lvs_support on): use IPv6addr::ADDRESS/PREFIX/NIC"
        );
    }

    #[test]
    fn label_length_limit() {
        let e = req(Flavor::IPaddr2, "10.0.0.5/24/eth0:averylonglabel").unwrap_err();
        assert!(
            e.to_string()
                .contains("exceeds maximum character limit of 15"),
            "{e}"
        );
    }

    #[test]
    fn netmask_forms() {
        assert_eq!(parse_netmask("8"), Ok(8));
        assert_eq!(parse_netmask("32"), Ok(32));
        assert_eq!(parse_netmask("255.255.255.255"), Ok(32));
        assert_eq!(parse_netmask("255.255.240.0"), Ok(20));
        assert!(parse_netmask("0.0.0.0").is_err());
        assert!(parse_netmask("").is_err());
        assert!(parse_netmask("1234").is_err());
    }

    #[test]
    fn flavor_names() {
        assert_eq!(Flavor::from_script("IPaddr2"), Some(Flavor::IPaddr2));
        assert_eq!(Flavor::from_script("IPaddr"), Some(Flavor::IPaddr));
        assert_eq!(Flavor::from_script("apache"), None);
    }
}
