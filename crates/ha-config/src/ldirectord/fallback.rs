//! `fallback=` / `fallback6=`: `HOST[:PORT] [gate|masq|ipip]`, global or per
//! virtual service.

use super::model::{Fallback, Family, Port};
use super::real::{port_of, resolve_host};
use super::values::{forward, is_port_char, is_space};
use crate::ldirectord::model::Forward;

/// The legacy's `parse_fallback`: the server is the second-to-last
/// blank-separated word when there are two or more, the forwarding method
/// the last; `HOST:PORT` splits at the leftmost `:` followed only by port
/// characters. Returns (server text, port text, forward).
pub fn split(value: &str) -> Result<(&str, Option<&str>, Forward), String> {
    let words: Vec<&str> = value.split(is_space).filter(|w| !w.is_empty()).collect();
    let (server_port, fwd) = match words.as_slice() {
        [] => (value, None),
        [one] => (*one, None),
        [.., a, b] => (*a, Some(*b)),
    };
    let mut server = server_port;
    let mut port = None;
    for (i, c) in server_port.char_indices() {
        if c != ':' {
            continue;
        }
        let tail = server_port.get(i + 1..).unwrap_or("");
        if !tail.is_empty() && tail.chars().all(is_port_char) {
            server = server_port.get(..i).unwrap_or("");
            port = Some(tail);
            break;
        }
    }
    // `if ($fwd)`: a method of "0" counts as absent
    let forward = match fwd {
        None | Some("0") => Forward::Gate,
        Some(w) => forward(w).ok_or("forward method must be gate, masq or ipip")?,
    };
    Ok((server, port, forward))
}

/// Parses and checks a fallback the way the legacy's read + resolve steps
/// do. `virtual_port` is the owning virtual service's port text, used when
/// the fallback names none.
pub fn parse(
    value: &str,
    line: usize,
    family: Family,
    virtual_port: Option<&str>,
) -> Result<Fallback, String> {
    let (server, port, forward) = split(value)?;
    let host = resolve_host(server, family).ok_or_else(|| {
        let v = if family == Family::Inet {
            "IPv4"
        } else {
            "IPv6"
        };
        format!("invalid {v} address or could not resolve for fallback server: {server}")
    })?;
    let port_text = port.or(virtual_port);
    let port = match port_text {
        // `unless($fallback->{port})`: an empty or "0" port is no port
        None | Some("") | Some("0") => None,
        Some(p) => port_of(p).ok_or("invalid port for fallback server")?,
    };
    Ok(Fallback {
        line,
        host,
        port,
        forward,
    })
}

/// The port a global fallback takes on inside a virtual service that
/// inherits it: its own, else the virtual's.
pub fn inherit(global: &Fallback, virtual_port: &Port) -> Fallback {
    Fallback {
        port: Some(global.port.clone().unwrap_or_else(|| virtual_port.clone())),
        ..global.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldirectord::model::Host;

    #[test]
    fn splits_like_the_legacy() {
        assert_eq!(
            split("127.0.0.1:80 masq").unwrap(),
            ("127.0.0.1", Some("80"), Forward::Masq)
        );
        assert_eq!(
            split("[::1]:80").unwrap(),
            ("[::1]", Some("80"), Forward::Gate)
        );
        assert_eq!(split("[::1]").unwrap(), ("[::1]", None, Forward::Gate));
        assert_eq!(split("1.2.3.4 127.0.0.1:80 masq").unwrap().0, "127.0.0.1");
        assert!(split("127.0.0.1:80 tun").is_err());
    }

    #[test]
    fn checks_family_and_port() {
        let f = parse("127.0.0.1", 3, Family::Inet, Some("80")).unwrap();
        assert_eq!(f.port, Some(Port::Number(80)));
        assert_eq!(f.host, Host::Ipv4(std::net::Ipv4Addr::LOCALHOST));
        assert!(parse("127.0.0.1:80", 1, Family::Inet6, None).is_err());
        assert_eq!(
            parse("127.0.0.1:70000", 1, Family::Inet, None).unwrap_err(),
            "invalid port for fallback server"
        );
        assert!(parse("127.0.0.1:0", 1, Family::Inet, None)
            .unwrap()
            .port
            .is_none());
    }
}
