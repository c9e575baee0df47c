//! The parts of the MySQL/MariaDB client protocol a health check needs, as
//! pure functions over packet payloads: the server's HandshakeV10, our
//! HandshakeResponse41, the password scrambles, OK/ERR/EOF packets and the
//! length-encoded integers of a text resultset. The framing (3-byte length,
//! sequence id) is done by the caller, see `mysql.rs`.

use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const CLIENT_LONG_PASSWORD: u32 = 0x0000_0001;
pub const CLIENT_CONNECT_WITH_DB: u32 = 0x0000_0008;
pub const CLIENT_PROTOCOL_41: u32 = 0x0000_0200;
pub const CLIENT_TRANSACTIONS: u32 = 0x0000_2000;
pub const CLIENT_SECURE_CONNECTION: u32 = 0x0000_8000;
pub const CLIENT_MULTI_RESULTS: u32 = 0x0002_0000;
pub const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;

pub const NATIVE_PASSWORD: &str = "mysql_native_password";
pub const CACHING_SHA2_PASSWORD: &str = "caching_sha2_password";

/// utf8mb4_general_ci: known to MySQL >= 5.5.3 and every MariaDB.
const CHARSET_UTF8MB4: u8 = 45;

/// What the client needs from the server's initial handshake packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub server_version: String,
    pub capabilities: u32,
    /// The 20-byte nonce the password is scrambled with.
    pub scramble: Vec<u8>,
    /// The plugin the server proposes (empty from pre-5.5 servers).
    pub auth_plugin: String,
}

/// Reads a NUL-terminated string at the front of `buf`; without a NUL
/// (some servers omit the last one) the rest of `buf` is the string.
fn take_cstr(buf: &[u8]) -> (&[u8], &[u8]) {
    match buf.iter().position(|&b| b == 0) {
        Some(i) => (&buf[..i], &buf[i + 1..]),
        None => (buf, &[]),
    }
}

/// Parses HandshakeV10. An ERR packet here (0xff: "Host is not allowed",
/// "Too many connections") comes back as its message.
pub fn parse_handshake(p: &[u8]) -> Result<Handshake, String> {
    match p.first() {
        Some(10) => {}
        Some(0xff) => return Err(parse_err(p)),
        Some(v) => return Err(format!("unsupported protocol version {v} in the greeting")),
        None => return Err("empty greeting".into()),
    }
    let short = || "truncated greeting".to_string();
    let (version, rest) = take_cstr(&p[1..]);
    // connection id (4), scramble part 1 (8), filler (1), capabilities low (2)
    if rest.len() < 15 {
        return Err(short());
    }
    let mut scramble = rest[4..12].to_vec();
    let mut capabilities = u16::from_le_bytes([rest[13], rest[14]]) as u32;
    let rest = &rest[15..];
    let mut auth_plugin = String::new();
    if rest.len() >= 16 {
        // charset (1), status (2), capabilities high (2), scramble length
        // (1), reserved (10; MariaDB keeps its own flags there)
        capabilities |= (u16::from_le_bytes([rest[3], rest[4]]) as u32) << 16;
        let scramble_len = rest[5] as usize;
        let mut rest = &rest[16..];
        if capabilities & CLIENT_SECURE_CONNECTION != 0 {
            // Part 2 is max(13, len - 8) bytes, the last a NUL.
            let n = scramble_len.saturating_sub(8).max(13).min(rest.len());
            let part = &rest[..n];
            scramble.extend_from_slice(part.strip_suffix(&[0]).unwrap_or(part));
            rest = &rest[n..];
        }
        if capabilities & CLIENT_PLUGIN_AUTH != 0 {
            auth_plugin = String::from_utf8_lossy(take_cstr(rest).0).into_owned();
        }
    }
    Ok(Handshake {
        server_version: String::from_utf8_lossy(version).into_owned(),
        capabilities,
        scramble,
        auth_plugin,
    })
}

/// The capabilities we ask for, as far as the server offers them: the 4.1
/// protocol with plugin authentication, and multi-results so that a `CALL`
/// works as it does through libmysqlclient (multi-statements stay off, as
/// in DBD::mysql).
pub fn client_capabilities(server: u32, with_db: bool) -> u32 {
    let mut caps = CLIENT_LONG_PASSWORD
        | CLIENT_PROTOCOL_41
        | CLIENT_TRANSACTIONS
        | CLIENT_SECURE_CONNECTION
        | CLIENT_MULTI_RESULTS
        | CLIENT_PLUGIN_AUTH;
    if with_db {
        caps |= CLIENT_CONNECT_WITH_DB;
    }
    caps & (server | CLIENT_PROTOCOL_41)
}

/// HandshakeResponse41.
pub fn handshake_response(
    caps: u32,
    user: &str,
    auth: &[u8],
    database: &str,
    plugin: &str,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(64 + user.len() + database.len());
    p.extend_from_slice(&caps.to_le_bytes());
    p.extend_from_slice(&(16u32 << 20).to_le_bytes()); // max packet size
    p.push(CHARSET_UTF8MB4);
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(user.as_bytes());
    p.push(0);
    if caps & CLIENT_SECURE_CONNECTION != 0 {
        p.push(auth.len() as u8); // a scramble is at most 32 bytes
        p.extend_from_slice(auth);
    } else {
        p.extend_from_slice(auth);
        p.push(0);
    }
    if caps & CLIENT_CONNECT_WITH_DB != 0 {
        p.extend_from_slice(database.as_bytes());
        p.push(0);
    }
    if caps & CLIENT_PLUGIN_AUTH != 0 {
        p.extend_from_slice(plugin.as_bytes());
        p.push(0);
    }
    p
}

/// The auth data for `plugin`, or None for a plugin this client lacks.
pub fn scramble_for(plugin: &str, password: &str, nonce: &[u8]) -> Option<Vec<u8>> {
    // A nonce may carry a trailing NUL (auth switch requests do).
    let nonce = nonce.strip_suffix(&[0]).unwrap_or(nonce);
    match plugin {
        NATIVE_PASSWORD => Some(native_password(password, nonce)),
        CACHING_SHA2_PASSWORD => Some(caching_sha2(password, nonce)),
        _ => None,
    }
}

/// mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))).
pub fn native_password(password: &str, nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let h1 = Sha1::digest(password.as_bytes());
    let h2 = Sha1::digest(h1);
    let mut h = Sha1::new();
    h.update(nonce);
    h.update(h2);
    let mask = h.finalize();
    h1.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect()
}

/// caching_sha2_password's fast path: SHA256(pw) XOR
/// SHA256(SHA256(SHA256(pw)) + nonce).
pub fn caching_sha2(password: &str, nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let h1 = Sha256::digest(password.as_bytes());
    let h2 = Sha256::digest(h1);
    let mut h = Sha256::new();
    h.update(h2);
    h.update(nonce);
    let mask = h.finalize();
    h1.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect()
}

/// An ERR packet as the mysql client prints it:
/// "ERROR 1045 (28000): Access denied ...". The SQL state is absent in
/// errors sent before the 4.1 protocol is agreed.
pub fn parse_err(p: &[u8]) -> String {
    if p.len() < 3 {
        return "ERROR (truncated error packet)".into();
    }
    let code = u16::from_le_bytes([p[1], p[2]]);
    let rest = &p[3..];
    match rest.strip_prefix(b"#") {
        Some(r) if r.len() >= 5 => format!(
            "ERROR {code} ({}): {}",
            String::from_utf8_lossy(&r[..5]),
            String::from_utf8_lossy(&r[5..])
        ),
        _ => format!("ERROR {code}: {}", String::from_utf8_lossy(rest)),
    }
}

/// A length-encoded integer at the front of `p` and the bytes after it.
pub fn lenenc_int(p: &[u8]) -> Option<(u64, &[u8])> {
    let (&first, rest) = p.split_first()?;
    let n = match first {
        0..=0xfa => return Some((first as u64, rest)),
        0xfc => 2,
        0xfd => 3,
        0xfe => 8,
        _ => return None, // 0xfb is NULL, 0xff an error: not integers
    };
    if rest.len() < n {
        return None;
    }
    let mut v = [0u8; 8];
    v[..n].copy_from_slice(&rest[..n]);
    Some((u64::from_le_bytes(v), &rest[n..]))
}

/// The EOF packet that ends column definitions and rows (without
/// CLIENT_DEPRECATE_EOF, which we do not ask for). A row can start with
/// 0xfe too (an 8-byte string length) but is then at least 9 bytes long.
pub fn is_eof(p: &[u8]) -> bool {
    p.first() == Some(&0xfe) && p.len() < 9
}

/// The first packet of a COM_QUERY response.
#[derive(Debug, PartialEq, Eq)]
pub enum QueryStart {
    /// An OK packet: a statement without a resultset, with its affected rows.
    Ok {
        affected_rows: u64,
    },
    /// A resultset follows with this many column definitions.
    Columns(u64),
    Err(String),
    /// LOCAL INFILE request or anything else a check cannot serve.
    Unexpected(u8),
}

pub fn parse_query_start(p: &[u8]) -> QueryStart {
    match p.first() {
        Some(0x00) => QueryStart::Ok {
            affected_rows: lenenc_int(&p[1..]).map_or(0, |(n, _)| n),
        },
        Some(0xff) => QueryStart::Err(parse_err(p)),
        Some(0xfb) => QueryStart::Unexpected(0xfb),
        Some(0xfe) if p.len() < 9 => QueryStart::Unexpected(0xfe),
        Some(&b) => match lenenc_int(p) {
            Some((n, _)) if n > 0 => QueryStart::Columns(n),
            _ => QueryStart::Unexpected(b),
        },
        None => QueryStart::Unexpected(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A MariaDB 10.11 greeting as captured on the wire (payload only).
    fn mariadb_greeting() -> Vec<u8> {
        let mut p = vec![10];
        p.extend_from_slice(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
        p.extend_from_slice(&7u32.to_le_bytes());
        p.extend_from_slice(b"abcdefgh");
        p.push(0);
        p.extend_from_slice(&0xf7feu16.to_le_bytes());
        p.push(45);
        p.extend_from_slice(&2u16.to_le_bytes());
        p.extend_from_slice(&0x81ffu16.to_le_bytes());
        p.push(21);
        p.extend_from_slice(&[0; 6]);
        p.extend_from_slice(&[0x1d, 0, 0, 0]);
        p.extend_from_slice(b"ijklmnopqrst\0");
        p.extend_from_slice(b"mysql_native_password\0");
        p
    }

    #[test]
    fn greeting_gives_version_scramble_plugin_and_capabilities() {
        let h = parse_handshake(&mariadb_greeting()).unwrap();
        assert_eq!(h.server_version, "5.5.5-10.11.6-MariaDB-0+deb12u1");
        assert_eq!(h.scramble, b"abcdefghijklmnopqrst");
        assert_eq!(h.auth_plugin, NATIVE_PASSWORD);
        assert_ne!(h.capabilities & CLIENT_PLUGIN_AUTH, 0);
        assert_ne!(h.capabilities & CLIENT_SECURE_CONNECTION, 0);
    }

    #[test]
    fn greeting_without_the_final_nul_still_names_the_plugin() {
        let mut g = mariadb_greeting();
        g.pop();
        assert_eq!(parse_handshake(&g).unwrap().auth_plugin, NATIVE_PASSWORD);
    }

    #[test]
    fn an_error_instead_of_a_greeting_is_reported() {
        let mut p = vec![0xff];
        p.extend_from_slice(&1130u16.to_le_bytes());
        p.extend_from_slice(b"Host '10.0.0.1' is not allowed to connect");
        assert_eq!(
            parse_handshake(&p).unwrap_err(),
            "ERROR 1130: Host '10.0.0.1' is not allowed to connect"
        );
        assert!(parse_handshake(&[9, 0]).is_err());
        assert!(parse_handshake(&[10, b'x', 0, 1]).is_err());
    }

    #[test]
    fn native_password_scramble_matches_a_known_vector() {
        // The vector was computed independently with python3's hashlib
        // following the MySQL internals manual; the unmasking checks the
        // construction itself.
        let nonce = b"abcdefghijklmnopqrst";
        let got = native_password("secret", nonce);
        let h1 = Sha1::digest(b"secret");
        let h2 = Sha1::digest(h1);
        let mut x = nonce.to_vec();
        x.extend_from_slice(&h2);
        let mask = Sha1::digest(&x);
        let back: Vec<u8> = got.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect();
        assert_eq!(back, h1.to_vec());
        assert_eq!(
            hex(&got),
            "8817c50fa779daef010ee7577825b0847df9842e",
            "the vector from python's hashlib"
        );
        assert!(native_password("", nonce).is_empty());
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn caching_sha2_scramble_is_32_bytes_and_empty_for_no_password() {
        assert_eq!(caching_sha2("secret", b"abcdefghijklmnopqrst").len(), 32);
        assert!(caching_sha2("", b"x").is_empty());
        assert_eq!(
            scramble_for(CACHING_SHA2_PASSWORD, "pw", b"abcdefghijklmnopqrst\0"),
            Some(caching_sha2("pw", b"abcdefghijklmnopqrst"))
        );
        assert_eq!(scramble_for("client_ed25519", "pw", b"n"), None);
    }

    #[test]
    fn response_carries_user_auth_database_and_plugin() {
        let caps = client_capabilities(0xffff_ffff, true);
        let p = handshake_response(caps, "u", &[1, 2], "db", NATIVE_PASSWORD);
        assert_eq!(&p[..4], &caps.to_le_bytes());
        assert_eq!(&p[32..], b"u\0\x02\x01\x02db\0mysql_native_password\0");
        let caps = client_capabilities(0xffff_ffff, false);
        assert_eq!(caps & CLIENT_CONNECT_WITH_DB, 0);
        let p = handshake_response(caps, "u", &[], "", NATIVE_PASSWORD);
        assert_eq!(&p[32..], b"u\0\x00mysql_native_password\0");
    }

    #[test]
    fn err_packets_read_like_the_mysql_client() {
        let mut p = vec![0xff];
        p.extend_from_slice(&1045u16.to_le_bytes());
        p.extend_from_slice(b"#28000Access denied for user 'u'@'localhost'");
        assert_eq!(
            parse_err(&p),
            "ERROR 1045 (28000): Access denied for user 'u'@'localhost'"
        );
    }

    #[test]
    fn lenenc_integers() {
        assert_eq!(lenenc_int(&[5, 9]), Some((5, &[9u8][..])));
        assert_eq!(lenenc_int(&[0xfc, 0x34, 0x12]), Some((0x1234, &[][..])));
        assert_eq!(lenenc_int(&[0xfd, 1, 2, 3]), Some((0x030201, &[][..])));
        assert_eq!(
            lenenc_int(&[0xfe, 1, 0, 0, 0, 0, 0, 0, 0]),
            Some((1, &[][..]))
        );
        assert_eq!(lenenc_int(&[0xfc, 1]), None);
        assert_eq!(lenenc_int(&[0xfb]), None);
    }

    #[test]
    fn query_responses_are_told_apart() {
        assert_eq!(
            parse_query_start(&[0, 3, 0, 2, 0, 0, 0]),
            QueryStart::Ok { affected_rows: 3 }
        );
        assert_eq!(parse_query_start(&[2]), QueryStart::Columns(2));
        assert!(
            matches!(parse_query_start(&[0xff, 0x28, 0x04, b'#', b'4', b'2', b'0', b'0', b'0', b'x']),
            QueryStart::Err(m) if m == "ERROR 1064 (42000): x")
        );
        assert_eq!(
            parse_query_start(&[0xfb, b'f']),
            QueryStart::Unexpected(0xfb)
        );
        assert_eq!(
            parse_query_start(&[0xfe, 0, 0, 2, 0]),
            QueryStart::Unexpected(0xfe)
        );
    }

    #[test]
    fn eof_is_short_and_starts_with_fe() {
        assert!(is_eof(&[0xfe, 0, 0, 2, 0]));
        assert!(!is_eof(&[0xfe, 1, 0, 0, 0, 0, 0, 0, 0, b'x']));
        assert!(!is_eof(&[1, b'1']));
    }
}
