//! The few LDAPv3 messages (RFC 4511) the check needs, in BER: a simple
//! bind, a base-scope search for `(objectClass=*)`, an unbind, and the
//! parts of the replies it reads (result codes and entry DNs).
//!
//! Hand-rolled rather than taken from ldap3: that crate brings its own
//! connection machinery, x509-parser and native-certs for TLS, while the
//! check needs four message shapes and reuses `tls.rs` for ldaps.

/// Protocol-op tags (APPLICATION class, constructed unless noted).
pub const BIND_RESPONSE: u8 = 0x61;
pub const SEARCH_ENTRY: u8 = 0x64;
pub const SEARCH_DONE: u8 = 0x65;
pub const SEARCH_REFERENCE: u8 = 0x73;
pub const EXTENDED_RESPONSE: u8 = 0x78;

/// The largest message accepted from a server: a base-scope search of one
/// entry is small, and a bound keeps a hostile server from making the
/// check allocate without limit.
pub const MAX_MESSAGE: usize = 1 << 20;

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// A non-negative INTEGER or ENUMERATED in its shortest form.
fn int(tag: u8, value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(3);
    let mut content = bytes[skip..].to_vec();
    // A leading byte with the top bit set would read as negative.
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(tag, &content)
}

fn message(id: u32, op: Vec<u8>) -> Vec<u8> {
    tlv(0x30, &[int(0x02, id), op].concat())
}

/// BindRequest, LDAPv3, simple authentication (an empty name and password
/// make the anonymous bind the legacy's `$ldap->bind` sends).
pub fn bind_request(id: u32, name: &str, password: &str) -> Vec<u8> {
    let op = [
        int(0x02, 3),
        tlv(0x04, name.as_bytes()),
        tlv(0x80, password.as_bytes()),
    ]
    .concat();
    message(id, tlv(0x60, &op))
}

/// SearchRequest as Net::LDAP sends the legacy's: scope base, derefAliases
/// find (its default), no size or time limit, all attributes, filter
/// `(objectClass=*)` (a present filter).
pub fn search_request(id: u32, base: &str) -> Vec<u8> {
    let op = [
        tlv(0x04, base.as_bytes()),
        int(0x0a, 0), // baseObject
        int(0x0a, 2), // derefFindingBaseObj
        int(0x02, 0),
        int(0x02, 0),
        tlv(0x01, &[0x00]),
        tlv(0x87, b"objectClass"),
        tlv(0x30, &[]),
    ]
    .concat();
    message(id, tlv(0x63, &op))
}

pub fn unbind_request(id: u32) -> Vec<u8> {
    message(id, tlv(0x42, &[]))
}

/// How many more bytes the message starting with `head` needs after
/// `head` (the tag and length octets, at least 2 bytes read), or how many
/// more header bytes are needed first: `Ok(Ok(n))` n content bytes,
/// `Ok(Err(k))` k more length octets to read.
pub fn content_len(head: &[u8]) -> Result<Result<usize, usize>, String> {
    if head.len() < 2 {
        return Ok(Err(2 - head.len()));
    }
    if head[0] != 0x30 {
        return Err(format!("not an LDAP message (tag {:#04x})", head[0]));
    }
    let first = head[1];
    if first < 0x80 {
        return Ok(Ok(first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return Err("unsupported BER length".into());
    }
    if head.len() < 2 + n {
        return Ok(Err(2 + n - head.len()));
    }
    let len = head[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    if len > MAX_MESSAGE {
        return Err(format!("LDAP message of {len} bytes is too large"));
    }
    Ok(Ok(len))
}

/// One TLV element read from `buf`: (tag, content, rest).
fn element(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let short = || "truncated LDAP message".to_string();
    let tag = *buf.first().ok_or_else(short)?;
    let first = *buf.get(1).ok_or_else(short)?;
    let (len, start) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err("unsupported BER length".into());
        }
        let bytes = buf.get(2..2 + n).ok_or_else(short)?;
        (
            bytes.iter().fold(0usize, |a, &b| (a << 8) | b as usize),
            2 + n,
        )
    };
    let content = buf.get(start..start + len).ok_or_else(short)?;
    Ok((tag, content, &buf[start + len..]))
}

fn uint(content: &[u8]) -> u32 {
    content.iter().fold(0u32, |a, &b| (a << 8) | b as u32)
}

/// A server's LDAPMessage, reduced to what the check reads.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub id: u32,
    /// The protocol-op's tag (`BIND_RESPONSE`, `SEARCH_ENTRY`, ...).
    pub op: u8,
    /// An LDAPResult's resultCode (0 for an entry or reference).
    pub code: u32,
    /// The entry's DN, or an LDAPResult's diagnosticMessage.
    pub text: String,
}

/// Parses the content of one LDAPMessage SEQUENCE (after its header).
pub fn parse_reply(content: &[u8]) -> Result<Reply, String> {
    let (tag, id, rest) = element(content)?;
    if tag != 0x02 {
        return Err("LDAP message without a message ID".into());
    }
    let (op, body, _controls) = element(rest)?;
    let id = uint(id);
    let mut reply = Reply {
        id,
        op,
        code: 0,
        text: String::new(),
    };
    match op {
        SEARCH_ENTRY => {
            let (_, dn, _) = element(body)?;
            reply.text = String::from_utf8_lossy(dn).into_owned();
        }
        BIND_RESPONSE | SEARCH_DONE | EXTENDED_RESPONSE => {
            let (_, code, rest) = element(body)?;
            let (_, _matched, rest) = element(rest)?;
            let (_, diagnostic, _) = element(rest)?;
            reply.code = uint(code);
            reply.text = String::from_utf8_lossy(diagnostic).into_owned();
        }
        _ => {}
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_bind_is_the_rfc_4511_example_shape() {
        assert_eq!(
            bind_request(1, "", ""),
            [0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00]
        );
    }

    #[test]
    fn search_request_asks_for_the_base_object_with_a_present_filter() {
        let req = search_request(2, "dc=example,dc=test");
        let (tag, content, rest) = element(&req).unwrap();
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (_, id, rest) = element(content).unwrap();
        assert_eq!(uint(id), 2);
        let (op, body, _) = element(rest).unwrap();
        assert_eq!(op, 0x63);
        let (_, base, rest) = element(body).unwrap();
        assert_eq!(base, b"dc=example,dc=test");
        assert!(rest.starts_with(&[0x0a, 0x01, 0x00, 0x0a, 0x01, 0x02]));
        assert!(rest.ends_with(b"\x87\x0bobjectClass\x30\x00"));
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        let name = "x".repeat(300);
        let req = bind_request(1, &name, "");
        assert_eq!(&req[..4], &[0x30, 0x82, 0x01, 0x3c]);
        assert_eq!(content_len(&req[..4]).unwrap(), Ok(req.len() - 4));
        assert_eq!(content_len(&req[..2]).unwrap(), Err(2));
    }

    #[test]
    fn integers_keep_their_sign_bit_clear() {
        assert_eq!(int(0x02, 0), [0x02, 0x01, 0x00]);
        assert_eq!(int(0x02, 200), [0x02, 0x02, 0x00, 0xc8]);
        assert_eq!(int(0x02, 0x1234), [0x02, 0x02, 0x12, 0x34]);
        assert_eq!(
            int(0x02, 0xffff_ffff),
            [0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn bind_response_and_entry_are_read() {
        // BindResponse, id 1, invalidCredentials (49), diagnostic "no".
        let bind = [
            0x02, 0x01, 0x01, 0x61, 0x09, 0x0a, 0x01, 0x31, 0x04, 0x00, 0x04, 0x02, b'n', b'o',
        ];
        assert_eq!(
            parse_reply(&bind).unwrap(),
            Reply {
                id: 1,
                op: BIND_RESPONSE,
                code: 49,
                text: "no".into()
            }
        );
        let entry = [
            &[0x02, 0x01, 0x02, 0x64, 0x0a, 0x04, 0x06][..],
            b"dc=ex,",
            &[0x30, 0x00][..],
        ]
        .concat();
        let reply = parse_reply(&entry).unwrap();
        assert_eq!((reply.op, reply.text.as_str()), (SEARCH_ENTRY, "dc=ex,"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_reply(&[0x02]).is_err());
        assert!(parse_reply(&[0x02, 0x01, 0x01, 0x61, 0x05, 0x0a]).is_err());
        assert!(content_len(&[0x04, 0x00]).is_err());
        assert!(content_len(&[0x30, 0x85, 1, 2, 3, 4, 5]).is_err());
    }
}
