//! The DNS messages of the check (RFC 1035): one question out, the answer
//! section's A and PTR records back.
//!
//! Hand-rolled rather than taken from hickory-proto: the check encodes one
//! fixed query shape and reads two record types, and hickory-proto, even
//! without default features, brings idna/url and a dozen more crates to a
//! build on two shared cores.

use std::net::{IpAddr, Ipv4Addr};

pub const TYPE_A: u16 = 1;
pub const TYPE_PTR: u16 = 12;
const CLASS_IN: u16 = 1;

/// The question Net::DNS asks for `name`: an address (v4 or v6) becomes a
/// PTR query of its reverse name, anything else an A query.
pub fn question_for(name: &str) -> (String, u16) {
    match name.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, d] = v4.octets();
            (format!("{d}.{c}.{b}.{a}.in-addr.arpa"), TYPE_PTR)
        }
        Ok(IpAddr::V6(v6)) => {
            let mut labels: Vec<String> = v6
                .octets()
                .iter()
                .flat_map(|b| [b >> 4, b & 0xf])
                .map(|n| format!("{n:x}"))
                .collect();
            labels.reverse();
            (format!("{}.ip6.arpa", labels.join(".")), TYPE_PTR)
        }
        Err(_) => (name.to_string(), TYPE_A),
    }
}

/// A standard query with recursion desired (Net::DNS's default), no EDNS.
pub fn encode_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(18 + name.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    let name = name.strip_suffix('.').unwrap_or(name);
    for label in name.split('.').filter(|_| !name.is_empty()) {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("invalid name \"{name}\" for a DNS query"));
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    if out.len() - 12 > 255 {
        return Err(format!("name \"{name}\" is too long for a DNS query"));
    }
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

/// An answer record the check can judge.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    A(Ipv4Addr),
    /// The PTR's target, without the final dot (as Net::DNS's ptrdname).
    Ptr(String),
    Other(u16),
}

/// What the check needs of a reply.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub id: u16,
    pub is_response: bool,
    pub truncated: bool,
    pub rcode: u8,
    pub answers: Vec<Answer>,
}

fn short() -> String {
    "truncated DNS reply".to_string()
}

fn u16_at(msg: &[u8], at: usize) -> Result<u16, String> {
    msg.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(short)
}

/// Reads the (possibly compressed) name at `at`: the name and the offset
/// after it in the record that holds it.
fn read_name(msg: &[u8], mut at: usize) -> Result<(String, usize), String> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    // Each pointer must go backwards, which bounds the loop.
    let mut limit = at;
    loop {
        let len = *msg.get(at).ok_or_else(short)? as usize;
        match len {
            0 => {
                end.get_or_insert(at + 1);
                break;
            }
            l if l & 0xc0 == 0xc0 => {
                let target = (u16_at(msg, at)? & 0x3fff) as usize;
                end.get_or_insert(at + 2);
                if target >= limit {
                    return Err("DNS name compression loop".into());
                }
                limit = target;
                at = target;
            }
            l if l < 64 => {
                let label = msg.get(at + 1..at + 1 + l).ok_or_else(short)?;
                labels.push(String::from_utf8_lossy(label).into_owned());
                at += 1 + l;
            }
            _ => return Err("bad DNS label".into()),
        }
    }
    Ok((labels.join("."), end.unwrap_or(at)))
}

pub fn decode_reply(msg: &[u8]) -> Result<Reply, String> {
    if msg.len() < 12 {
        return Err(short());
    }
    let id = u16_at(msg, 0)?;
    let flags = u16_at(msg, 2)?;
    let (qd, an) = (u16_at(msg, 4)?, u16_at(msg, 6)?);
    let mut at = 12;
    for _ in 0..qd {
        at = read_name(msg, at)?.1 + 4;
    }
    let mut answers = Vec::new();
    for _ in 0..an {
        let (_, after) = read_name(msg, at)?;
        let rtype = u16_at(msg, after)?;
        let rdlen = u16_at(msg, after + 8)? as usize;
        let rdata_at = after + 10;
        let rdata = msg.get(rdata_at..rdata_at + rdlen).ok_or_else(short)?;
        answers.push(match rtype {
            TYPE_A if rdlen == 4 => {
                Answer::A(Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3]))
            }
            TYPE_PTR => Answer::Ptr(read_name(msg, rdata_at)?.0),
            other => Answer::Other(other),
        });
        at = rdata_at + rdlen;
    }
    Ok(Reply {
        id,
        is_response: flags & 0x8000 != 0,
        truncated: flags & 0x0200 != 0,
        rcode: (flags & 0x000f) as u8,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_reverse_ptr_questions() {
        assert_eq!(
            question_for("192.0.2.7"),
            ("7.2.0.192.in-addr.arpa".to_string(), TYPE_PTR)
        );
        let (name, t) = question_for("2001:db8::1");
        assert_eq!(t, TYPE_PTR);
        assert!(name.starts_with("1.0.0.0.0.0.0.0."));
        assert!(name.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"));
        assert_eq!(
            question_for("www.example.test"),
            ("www.example.test".into(), TYPE_A)
        );
    }

    #[test]
    fn query_has_rd_and_one_question() {
        let q = encode_query(0xbeef, "a.bc.", TYPE_A).unwrap();
        assert_eq!(
            q,
            [
                0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 2, b'b', b'c', 0, 0, 1, 0,
                1
            ]
        );
        assert!(encode_query(1, "a..b", TYPE_A).is_err());
        assert!(encode_query(1, &"x".repeat(64), TYPE_A).is_err());
        assert_eq!(encode_query(1, "", TYPE_A).unwrap().len(), 17);
    }

    fn reply_with(answers: &[u8], an: u8) -> Vec<u8> {
        let mut m = vec![0xbe, 0xef, 0x81, 0x80, 0, 1, 0, an, 0, 0, 0, 0];
        m.extend_from_slice(&[3, b'w', b'w', b'w', 2, b'e', b'x', 0, 0, 1, 0, 1]);
        m.extend_from_slice(answers);
        m
    }

    #[test]
    fn a_and_compressed_ptr_answers_are_read() {
        // A for www.ex (pointer to offset 12), then a PTR to "h." + www.ex.
        let answers = [
            0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 7, // A
            0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 60, 0, 4, 1, b'h', 0xc0, 12, // PTR
        ];
        let reply = decode_reply(&reply_with(&answers, 2)).unwrap();
        assert_eq!(reply.id, 0xbeef);
        assert!(reply.is_response && !reply.truncated);
        assert_eq!(reply.rcode, 0);
        assert_eq!(
            reply.answers,
            [
                Answer::A(Ipv4Addr::new(10, 0, 0, 7)),
                Answer::Ptr("h.www.ex".into())
            ]
        );
    }

    #[test]
    fn loops_and_truncation_are_errors() {
        let looping = [0xc0, 40, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 7];
        assert!(decode_reply(&reply_with(&looping, 1)).is_err());
        assert!(decode_reply(&reply_with(&[0xc0, 12, 0, 1], 1)).is_err());
        assert!(decode_reply(&[0; 5]).is_err());
    }
}
