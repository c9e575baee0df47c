//! Message authentication: the three HBauth methods, the `N HEX` auth
//! string, and the two verification paths (netstring trailer and classic
//! body `auth` field), each with the legacy's choice of key.

use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use thiserror::Error;

use crate::classic;
use crate::error::{AuthError, EncodeError};
use crate::message::{Message, Value};
use crate::{Decoded, Format, Packet};

/// Number of authkeys indices (`MAXAUTH`): 0..=15.
pub const MAXAUTH: u8 = 16;

/// An authkeys method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Sha1,
    Md5,
    Crc,
}

impl Method {
    /// The name used in authkeys.
    pub fn name(self) -> &'static str {
        match self {
            Method::Sha1 => "sha1",
            Method::Md5 => "md5",
            Method::Crc => "crc",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha1" => Some(Method::Sha1),
            "md5" => Some(Method::Md5),
            "crc" => Some(Method::Crc),
            _ => None,
        }
    }

    /// Lowercase hex digest of `data` exactly as the legacy plugin prints
    /// it (`%02x` per byte for the HMACs, `%lx` for crc). The key is the
    /// raw authkeys token, unhashed; `crc` ignores it.
    pub fn digest(self, key: &[u8], data: &[u8]) -> String {
        match self {
            Method::Sha1 => hmac_hex::<Hmac<Sha1>>(key, data),
            Method::Md5 => hmac_hex::<Hmac<Md5>>(key, data),
            Method::Crc => crate::crc::crc_hex(data),
        }
    }
}

fn hmac_hex<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length (longer ones are hashed first, as in
    // RFC 2104 and the legacy), so this cannot fail; if it ever did, the
    // empty digest matches no token, so verification fails closed.
    let mut mac = match <M as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(data);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An authkeys line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("authkeys index {0} is outside 0..{MAXAUTH}")]
    BadIndex(u8),
    #[error("method {0} needs a key")]
    KeyRequired(&'static str),
    #[error("method crc takes no key")]
    KeyNotAllowed,
}

/// One authkeys entry `N method [key]`: enough to sign, and to check
/// packets that name this index.
#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    index: u8,
    method: Method,
    key: Vec<u8>,
}

impl std::fmt::Debug for Auth {
    // Keeps the secret out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("index", &self.index)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl Auth {
    pub fn new(index: u8, method: Method, key: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let key = key.into();
        if index >= MAXAUTH {
            return Err(KeyError::BadIndex(index));
        }
        match (method, key.is_empty()) {
            (Method::Crc, false) => return Err(KeyError::KeyNotAllowed),
            (Method::Sha1 | Method::Md5, true) => return Err(KeyError::KeyRequired(method.name())),
            _ => {}
        }
        Ok(Self { index, method, key })
    }

    pub fn index(&self) -> u8 {
        self.index
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// Hex digest of `data` with this entry's method and key.
    pub fn sign(&self, data: &[u8]) -> String {
        self.method.digest(&self.key, data)
    }

    /// `"<index> <hex>"`, the text of both the trailer and the body field.
    pub fn auth_string(&self, data: &[u8]) -> String {
        format!("{} {}", self.index, self.sign(data))
    }

    /// Checks an auth string naming this entry against `data`.
    pub fn verify(&self, auth_string: &[u8], data: &[u8]) -> Result<(), AuthError> {
        let (index, token) = parse_auth_string(auth_string).ok_or(AuthError::Malformed)?;
        if index != i64::from(self.index) {
            return Err(AuthError::UnknownIndex { index });
        }
        compare(token, &self.sign(data), self.index)
    }

    /// Sets the body `auth` field (added last if absent, replaced in place
    /// otherwise), as a 3.0.6 node with the default `msgfmt classic` does
    /// before serialising.
    pub fn add_body_auth(&self, msg: &mut Message) -> Result<(), EncodeError> {
        let input = classic::digest_input(msg)?;
        let value = Value::String(self.auth_string(&input).into_bytes());
        if msg.set("auth", value.clone()).is_err() {
            // A non-string `auth` field: the legacy's ha_msg_mod would fail
            // and the message would not be sent; we refuse the same way.
            return Err(EncodeError::BadName {
                name: "auth".into(),
            });
        }
        Ok(())
    }
}

fn compare(token: &[u8], expected: &str, index: u8) -> Result<(), AuthError> {
    // The legacy compares with strcmp; a constant-time comparison changes
    // nothing on the wire and avoids a timing oracle.
    let expected = expected.as_bytes();
    let same = token.len() == expected.len()
        && token
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(AuthError::BadDigest { index })
    }
}

/// Reads an auth string as the legacy's `sscanf("%d %s")` does: optional
/// leading whitespace and sign, decimal digits, optional whitespace, then
/// the token up to the next whitespace. The text ends at a NUL because the
/// legacy handles it as a C string.
pub fn parse_auth_string(s: &[u8]) -> Option<(i64, &[u8])> {
    let s = s.split(|b| *b == 0).next().unwrap_or_default();
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let mut i = s.iter().take_while(|b| is_space(b)).count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = s
        .get(i..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    // Saturating: any index this large is rejected later anyway.
    let magnitude = s.get(i..i + digits)?.iter().fold(0i64, |acc, d| {
        acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    i += digits;
    i += s.get(i..)?.iter().take_while(|b| is_space(b)).count();
    let rest = s.get(i..)?;
    let token_len = rest.iter().take_while(|b| !is_space(b)).count();
    if token_len == 0 {
        return None;
    }
    let index = if negative { -magnitude } else { magnitude };
    Some((index, rest.get(..token_len)?))
}

/// The local authkeys table: one signing entry plus every configured index.
#[derive(Debug, Clone)]
pub struct AuthKeys {
    signing: Auth,
    entries: [Option<Auth>; MAXAUTH as usize],
}

impl AuthKeys {
    /// A table whose only entry is also the signing one.
    pub fn new(signing: Auth) -> Self {
        let mut entries: [Option<Auth>; MAXAUTH as usize] = Default::default();
        if let Some(slot) = entries.get_mut(usize::from(signing.index)) {
            *slot = Some(signing.clone());
        }
        Self { signing, entries }
    }

    /// Adds or replaces the entry at `entry.index()`; at the signing index
    /// it also replaces the signing entry.
    pub fn with(mut self, entry: Auth) -> Self {
        if entry.index == self.signing.index {
            self.signing = entry.clone();
        }
        if let Some(slot) = self.entries.get_mut(usize::from(entry.index)) {
            *slot = Some(entry);
        }
        self
    }

    /// The entry used to sign outgoing packets (`auth N`).
    pub fn signer(&self) -> &Auth {
        &self.signing
    }

    fn entry(&self, index: i64) -> Result<&Auth, AuthError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.entries.get(i))
            .and_then(Option::as_ref)
            .ok_or(AuthError::UnknownIndex { index })
    }

    /// Checks a netstring trailer over `signed` (the bytes `###\n`…`%%%\n`).
    ///
    /// Legacy quirk, kept on purpose: heartbeat's
    /// `hb_compute_authentication` takes the *method* of the index the
    /// packet names but hands it the *key of the local signing index*. With
    /// identical authkeys on all nodes (the supported setup) that is the
    /// same as using the named entry's key; with differing files, a 3.0.6
    /// node accepts exactly what this function accepts.
    pub fn verify_trailer(&self, trailer: &[u8], signed: &[u8]) -> Result<(), AuthError> {
        let (index, token) = parse_auth_string(trailer).ok_or(AuthError::Malformed)?;
        let entry = self.entry(index)?;
        let expected = entry.method.digest(&self.signing.key, signed);
        compare(token, &expected, entry.index)
    }

    /// Checks the body `auth` field, the classic path (`isauthentic`).
    ///
    /// Unlike the trailer, this path uses the named entry's own key. The
    /// legacy reads the *last* `auth` field (its loop keeps overwriting),
    /// and signs every field except those named `auth`.
    pub fn verify_body(&self, msg: &Message) -> Result<(), AuthError> {
        let value = msg
            .fields()
            .iter()
            .rfind(|f| f.name == b"auth")
            .map(|f| &f.value)
            .ok_or(AuthError::MissingAuthField)?;
        let Value::String(text) = value else {
            return Err(AuthError::Malformed);
        };
        let (index, token) = parse_auth_string(text).ok_or(AuthError::Malformed)?;
        let entry = self.entry(index)?;
        let input = classic::digest_input(msg)?;
        compare(token, &entry.sign(&input), entry.index)
    }

    /// Checks the trailer of a framed, not yet decoded packet, so a forged
    /// one is dropped before any allocation.
    pub fn verify_packet<T: AsRef<[u8]>>(&self, packet: &Packet<T>) -> Result<(), AuthError> {
        self.verify_trailer(packet.trailer(), packet.signed())
    }

    /// What a 3.0.6 receiver checks: the trailer of a netstring packet
    /// (its body `auth` field is then ignored), or the body field of a
    /// classic one. `packet` is the buffer `decoded` came from.
    pub fn verify(&self, decoded: &Decoded, packet: &[u8]) -> Result<(), AuthError> {
        match &decoded.format {
            Format::Netstring {
                signed_len,
                trailer,
            } => {
                let signed = packet.get(..*signed_len).ok_or(AuthError::MissingTrailer)?;
                self.verify_trailer(trailer, signed)
            }
            Format::Classic => self.verify_body(&decoded.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_digests() {
        assert_eq!(
            Method::Sha1.digest(b"secret", b"abc"),
            "694abd10842d161ddbc54df8a0d57cf64d0dbcc9"
        );
        assert_eq!(
            Method::Md5.digest(b"secret", b"abc"),
            "d9bf7c3a63eae7031c4e6d7c9b78ba93"
        );
        assert_eq!(Method::Crc.digest(b"", b"123456789"), "765e7680");
        assert_eq!(Method::Crc.digest(b"", b"abc"), "d3e8c673");
    }

    #[test]
    fn long_keys_are_hashed_first() {
        // RFC 2104: a key longer than the block is replaced by its hash.
        use sha1::Digest;
        let long = [b'k'; 100];
        let hashed = Sha1::digest(long);
        assert_eq!(
            Method::Sha1.digest(&long, b"abc"),
            Method::Sha1.digest(&hashed, b"abc")
        );
    }

    #[test]
    fn auth_string_parsing_follows_sscanf() {
        assert_eq!(parse_auth_string(b"1 abc"), Some((1, &b"abc"[..])));
        assert_eq!(parse_auth_string(b"  2\tabc def"), Some((2, &b"abc"[..])));
        assert_eq!(parse_auth_string(b"3abc"), Some((3, &b"abc"[..])));
        assert_eq!(parse_auth_string(b"-1 x"), Some((-1, &b"x"[..])));
        assert_eq!(parse_auth_string(b"1 ab\0cd"), Some((1, &b"ab"[..])));
        assert_eq!(parse_auth_string(b"1 "), None);
        assert_eq!(parse_auth_string(b"x 1"), None);
        assert_eq!(parse_auth_string(b""), None);
        assert!(parse_auth_string(b"99999999999999999999999 x").is_some());
    }

    #[test]
    fn key_rules() {
        assert_eq!(Auth::new(16, Method::Crc, ""), Err(KeyError::BadIndex(16)));
        assert_eq!(Auth::new(1, Method::Crc, "k"), Err(KeyError::KeyNotAllowed));
        assert_eq!(
            Auth::new(1, Method::Md5, ""),
            Err(KeyError::KeyRequired("md5"))
        );
        assert!(Auth::new(15, Method::Sha1, "k").is_ok());
    }

    #[test]
    fn trailer_uses_signing_key_with_named_method() {
        let signing = Auth::new(1, Method::Sha1, "local").unwrap();
        let other = Auth::new(2, Method::Md5, "remote").unwrap();
        let keys = AuthKeys::new(signing).with(other.clone());
        let data = b"###\n%%%\n";
        // A peer signing with index 2 and *its* key is rejected…
        let theirs = other.auth_string(data);
        assert_eq!(
            keys.verify_trailer(theirs.as_bytes(), data),
            Err(AuthError::BadDigest { index: 2 })
        );
        // …but md5 under the local signing key is accepted.
        let quirk = format!("2 {}", Method::Md5.digest(b"local", data));
        assert_eq!(keys.verify_trailer(quirk.as_bytes(), data), Ok(()));
        assert_eq!(
            keys.verify_trailer(b"3 00", data),
            Err(AuthError::UnknownIndex { index: 3 })
        );
        assert_eq!(
            keys.verify_trailer(b"16 00", data),
            Err(AuthError::UnknownIndex { index: 16 })
        );
    }

    #[test]
    fn body_auth_uses_named_entry_key_and_last_field() {
        let signing = Auth::new(1, Method::Sha1, "local").unwrap();
        let other = Auth::new(2, Method::Md5, "remote").unwrap();
        let keys = AuthKeys::new(signing).with(other.clone());
        let mut msg = Message::new();
        msg.push_str("t", "status");
        other.add_body_auth(&mut msg).unwrap();
        assert_eq!(keys.verify_body(&msg), Ok(()));
        // A second, bogus auth field placed last wins.
        msg.push_str("auth", "2 0000");
        assert_eq!(
            keys.verify_body(&msg),
            Err(AuthError::BadDigest { index: 2 })
        );
    }
}
