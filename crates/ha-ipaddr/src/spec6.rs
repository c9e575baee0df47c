//! The `IPv6addr` argument, `ADDRESS[/PREFIX[/NIC]]`, split as heartbeat's
//! resource.d/IPv6addr wrapper splits it into `ipv6addr`, `cidr_netmask`
//! and `nic`, and checked as the agent checks them.

use std::net::Ipv6Addr;

use crate::Error;

/// The argument, validated but not resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Request {
    /// `IPv6addr::2001:db8::10/64/eth0`, for messages.
    pub resource: String,
    pub ip: Ipv6Addr,
    /// `None`: not given, or 0, which the agent also reads as not given.
    pub prefix_len: Option<u8>,
    pub nic: Option<String>,
}

impl Ipv6Request {
    /// Fields after the interface are ignored, as by the wrapper; an empty
    /// field counts as not given (`ADDR//eth0`).
    pub fn parse(arg: &str) -> Result<Ipv6Request, Error> {
        let resource = format!("IPv6addr::{arg}");
        let bad = |problem: String| Error::spec(&resource, problem);
        let mut fields = arg.split('/');
        let ip_text = fields.next().unwrap_or("");
        let ip = match ip_text.parse::<Ipv6Addr>() {
            Ok(ip) => ip,
            Err(_) if ip_text.is_empty() => return Err(bad("no IPv6 address given".into())),
            Err(_) => return Err(bad(format!("{ip_text} is not a valid IPv6 address"))),
        };
        let prefix_len = match fields.next().filter(|f| !f.is_empty()) {
            None => None,
            Some(p) => match p.parse::<u8>() {
                Ok(0) => None,
                Ok(n) if n <= 128 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => {
                    return Err(bad(format!(
                        "prefix length {p} is not a number from 0 to 128"
                    )))
                }
            },
        };
        let nic = fields.next().filter(|f| !f.is_empty()).map(str::to_string);
        Ok(Ipv6Request {
            resource,
            ip,
            prefix_len,
            nic,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(arg: &str) -> (String, Option<u8>, Option<String>) {
        let r = Ipv6Request::parse(arg).unwrap();
        (r.ip.to_string(), r.prefix_len, r.nic)
    }

    #[test]
    fn forms() {
        let full = |ip: &str, p, nic: Option<&str>| (ip.to_string(), p, nic.map(str::to_string));
        assert_eq!(ok("2001:db8::10"), full("2001:db8::10", None, None));
        assert_eq!(ok("2001:db8::10/64"), full("2001:db8::10", Some(64), None));
        assert_eq!(
            ok("2001:db8::10/64/eth0"),
            full("2001:db8::10", Some(64), Some("eth0"))
        );
        assert_eq!(
            ok("2001:db8:0:0:0:0:0:10/128/eth0/x"),
            full("2001:db8::10", Some(128), Some("eth0"))
        );
        assert_eq!(
            ok("2001:db8::10//eth0"),
            full("2001:db8::10", None, Some("eth0"))
        );
        assert_eq!(
            ok("2001:db8::10/0/eth0"),
            full("2001:db8::10", None, Some("eth0"))
        );
        assert_eq!(
            ok("fe80::10/64/eth0"),
            full("fe80::10", Some(64), Some("eth0"))
        );
        assert_eq!(
            Ipv6Request::parse("2001:db8::10/64").unwrap().resource,
            "IPv6addr::2001:db8::10/64"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            ("", "IPv6addr::: no IPv6 address given"),
            (
                "10.0.0.1",
                "IPv6addr::10.0.0.1: 10.0.0.1 is not a valid IPv6 address",
            ),
            (
                "2001:db8::zz/64",
                "IPv6addr::2001:db8::zz/64: 2001:db8::zz is not a valid IPv6 address",
            ),
            (
                "2001:db8::10/129",
                "IPv6addr::2001:db8::10/129: prefix length 129 is not a number from 0 to 128",
            ),
            (
                "2001:db8::10/+64",
                "IPv6addr::2001:db8::10/+64: prefix length +64 is not a number from 0 to 128",
            ),
            (
                "2001:db8::10/eth0",
                "IPv6addr::2001:db8::10/eth0: prefix length eth0 is not a number from 0 to 128",
            ),
        ];
        for (arg, msg) in cases {
            assert_eq!(
                Ipv6Request::parse(arg).unwrap_err().to_string(),
                msg,
                "{arg}"
            );
        }
    }
}
