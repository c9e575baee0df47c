//! RADIUS (RFC 2865) as the check uses it: one Access-Request with a PAP
//! password, and the checks a client owes a reply (Response Authenticator,
//! and the RFC 3579 Message-Authenticator when the server adds one).
//!
//! Hand-rolled: the protocol part is a header, three attributes and two
//! MD5 constructions; md-5 is already in the workspace (heartbeatd).

use md5::{Digest, Md5};
use std::net::IpAddr;

pub const ACCESS_REQUEST: u8 = 1;
pub const ACCESS_ACCEPT: u8 = 2;
pub const ACCESS_REJECT: u8 = 3;
pub const ACCESS_CHALLENGE: u8 = 11;

const USER_NAME: u8 = 1;
const USER_PASSWORD: u8 = 2;
const NAS_IP_ADDRESS: u8 = 4;
const REPLY_MESSAGE: u8 = 18;
const MESSAGE_AUTHENTICATOR: u8 = 80;
const NAS_IPV6_ADDRESS: u8 = 95;

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn hmac_md5(key: &[u8], data: &[u8]) -> [u8; 16] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..16].copy_from_slice(&md5(&[key]));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    md5(&[&opad, &md5(&[&ipad, data])])
}

/// User-Password hiding (RFC 2865 5.2): the password, NUL-padded to a
/// multiple of 16 (at least 16, at most 128), XORed block by block with
/// MD5(secret + previous block), the first "previous" being the Request
/// Authenticator.
pub fn hide_password(password: &[u8], secret: &[u8], authenticator: &[u8; 16]) -> Vec<u8> {
    let password = &password[..password.len().min(128)];
    let padded_len = password.len().div_ceil(16).max(1) * 16;
    let mut out = password.to_vec();
    out.resize(padded_len, 0);
    let mut previous = authenticator.to_vec();
    for chunk in out.chunks_mut(16) {
        let key = md5(&[secret, &previous]);
        for (byte, k) in chunk.iter_mut().zip(key) {
            *byte ^= k;
        }
        previous = chunk.to_vec();
    }
    out
}

fn attribute(out: &mut Vec<u8>, kind: u8, value: &[u8]) {
    // A value longer than 253 bytes cannot be sent; it is cut, as the
    // server would refuse the packet otherwise.
    let value = &value[..value.len().min(253)];
    out.push(kind);
    out.push(value.len() as u8 + 2);
    out.extend_from_slice(value);
}

/// The legacy's Access-Request (Authen::Radius check_pwd): User-Name,
/// hidden User-Password, and the check's own address as NAS-IP-Address
/// (NAS-IPv6-Address for an IPv6 socket).
pub fn access_request(
    id: u8,
    authenticator: &[u8; 16],
    user: &str,
    password: &str,
    secret: &str,
    nas: IpAddr,
) -> Vec<u8> {
    let mut out = vec![ACCESS_REQUEST, id, 0, 0];
    out.extend_from_slice(authenticator);
    attribute(&mut out, USER_NAME, user.as_bytes());
    let hidden = hide_password(password.as_bytes(), secret.as_bytes(), authenticator);
    attribute(&mut out, USER_PASSWORD, &hidden);
    match nas {
        IpAddr::V4(v4) => attribute(&mut out, NAS_IP_ADDRESS, &v4.octets()),
        IpAddr::V6(v6) => attribute(&mut out, NAS_IPV6_ADDRESS, &v6.octets()),
    }
    let len = (out.len() as u16).to_be_bytes();
    out[2..4].copy_from_slice(&len);
    out
}

/// A reply that passed the authenticator checks.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u8,
    pub id: u8,
    /// Reply-Message attributes, joined (for the log).
    pub message: String,
}

/// Reads the identifier of a datagram, if it is long enough to be RADIUS.
pub fn reply_id(datagram: &[u8]) -> Option<u8> {
    (datagram.len() >= 20).then(|| datagram[1])
}

/// Checks and reads a reply to the request sent with `authenticator`.
pub fn verify_reply(
    datagram: &[u8],
    authenticator: &[u8; 16],
    secret: &str,
) -> Result<Reply, String> {
    if datagram.len() < 20 {
        return Err(format!("short RADIUS reply ({} bytes)", datagram.len()));
    }
    let len = u16::from_be_bytes([datagram[2], datagram[3]]) as usize;
    if !(20..=datagram.len()).contains(&len) {
        return Err(format!("RADIUS reply length {len} is wrong"));
    }
    // Octets past Length are padding, to be ignored (RFC 2865 3).
    let packet = &datagram[..len];
    let attributes = &packet[20..];
    let expected = md5(&[&packet[..4], authenticator, attributes, secret.as_bytes()]);
    if packet[4..20] != expected {
        return Err("reply authenticator mismatch (wrong secret?)".into());
    }
    let mut message = String::new();
    let mut at = 0;
    while at < attributes.len() {
        let kind = attributes[at];
        let alen = *attributes.get(at + 1).ok_or("truncated RADIUS attribute")? as usize;
        if alen < 2 || at + alen > attributes.len() {
            return Err("malformed RADIUS attribute".into());
        }
        let value = &attributes[at + 2..at + alen];
        match kind {
            REPLY_MESSAGE => {
                if !message.is_empty() {
                    message.push(' ');
                }
                message.push_str(&String::from_utf8_lossy(value));
            }
            MESSAGE_AUTHENTICATOR => {
                // HMAC-MD5 of the reply with the Request Authenticator in
                // place of its own and this attribute's value zeroed.
                let mut copy = packet.to_vec();
                copy[4..20].copy_from_slice(authenticator);
                copy[20 + at + 2..20 + at + alen].fill(0);
                if value != hmac_md5(secret.as_bytes(), &copy) {
                    return Err("reply Message-Authenticator mismatch".into());
                }
            }
            _ => {}
        }
        at += alen;
    }
    Ok(Reply {
        code: packet[0],
        id: packet[1],
        message,
    })
}

pub fn code_name(code: u8) -> String {
    match code {
        ACCESS_ACCEPT => "Access-Accept".into(),
        ACCESS_REJECT => "Access-Reject".into(),
        ACCESS_CHALLENGE => "Access-Challenge".into(),
        other => format!("RADIUS code {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_md5_matches_rfc_2104_test_vector() {
        let mac = hmac_md5(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            mac,
            [
                0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03, 0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d,
                0xb7, 0x38
            ]
        );
    }

    #[test]
    fn password_hiding_round_trips_and_pads() {
        let auth = [7u8; 16];
        let hidden = hide_password(b"a password longer than 16", b"s3cret", &auth);
        assert_eq!(hidden.len(), 32);
        // Undo it: the key of block 2 comes from the hidden block 1.
        let k1 = md5(&[b"s3cret", &auth]);
        let k2 = md5(&[b"s3cret", &hidden[..16]]);
        let clear: Vec<u8> = hidden
            .iter()
            .zip(k1.iter().chain(k2.iter()))
            .map(|(h, k)| h ^ k)
            .collect();
        assert_eq!(&clear[..25], b"a password longer than 16");
        assert!(clear[25..].iter().all(|&b| b == 0));
        assert_eq!(hide_password(b"", b"s", &auth).len(), 16);
    }

    #[test]
    fn request_has_the_three_attributes_and_its_length() {
        let req = access_request(9, &[1; 16], "bob", "pw", "s", "127.0.0.1".parse().unwrap());
        assert_eq!(&req[..2], &[ACCESS_REQUEST, 9]);
        assert_eq!(u16::from_be_bytes([req[2], req[3]]) as usize, req.len());
        assert_eq!(&req[20..25], &[USER_NAME, 5, b'b', b'o', b'b']);
        assert_eq!(&req[25..27], &[USER_PASSWORD, 18]);
        assert_eq!(&req[43..], &[NAS_IP_ADDRESS, 6, 127, 0, 0, 1]);
    }

    fn reply(code: u8, auth: &[u8; 16], attrs: &[u8], secret: &str) -> Vec<u8> {
        let mut p = vec![code, 9, 0, 0];
        p.extend_from_slice(auth);
        p.extend_from_slice(attrs);
        let len = (p.len() as u16).to_be_bytes();
        p[2..4].copy_from_slice(&len);
        let resp = md5(&[&p[..4], auth, attrs, secret.as_bytes()]);
        p[4..20].copy_from_slice(&resp);
        p
    }

    #[test]
    fn replies_are_authenticated_by_the_secret() {
        let auth = [3u8; 16];
        let ok = reply(ACCESS_REJECT, &auth, &[REPLY_MESSAGE, 4, b'n', b'o'], "s");
        assert_eq!(
            verify_reply(&ok, &auth, "s").unwrap(),
            Reply {
                code: ACCESS_REJECT,
                id: 9,
                message: "no".into()
            }
        );
        assert!(verify_reply(&ok, &auth, "other").is_err());
        assert!(verify_reply(&ok, &[4u8; 16], "s").is_err());
        assert!(verify_reply(&ok[..19], &auth, "s").is_err());
    }

    #[test]
    fn a_message_authenticator_is_checked() {
        let auth = [5u8; 16];
        // Build with a zeroed Message-Authenticator, then fill it in.
        let mut attrs = vec![MESSAGE_AUTHENTICATOR, 18];
        attrs.extend_from_slice(&[0; 16]);
        let mut p = vec![ACCESS_ACCEPT, 9, 0, 38];
        p.extend_from_slice(&auth);
        p.extend_from_slice(&attrs);
        let mac = hmac_md5(b"s", &p);
        p[22..38].copy_from_slice(&mac);
        let resp = md5(&[&p[..4], &auth, &p[20..], b"s"]);
        p[4..20].copy_from_slice(&resp);
        assert_eq!(verify_reply(&p, &auth, "s").unwrap().code, ACCESS_ACCEPT);
        // A wrong MAC with a consistent Response Authenticator still fails.
        p[30] ^= 1;
        let resp = md5(&[&p[..4], &auth, &p[20..], b"s"]);
        p[4..20].copy_from_slice(&resp);
        assert!(verify_reply(&p, &auth, "s")
            .unwrap_err()
            .contains("Message-Authenticator"));
    }
}
