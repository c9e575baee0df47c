//! `service=mysql` over the MySQL/MariaDB client protocol, hand-rolled:
//! plain TCP, HandshakeV10, mysql_native_password or caching_sha2_password
//! (fast path), one COM_QUERY in the text protocol, its rows counted.
//!
//! Why not `mysql_async`: even without default features it brings
//! mysql_common with its value conversions, bigdecimal, serde and a
//! compression stack, a large build for the few hundred lines a check
//! needs, and its TLS choices differ from the workspace's.

use super::mysql_wire::{self as wire, QueryStart};
use super::Login;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufStream};
use tokio::net::TcpStream;

/// Largest payload of one frame; a longer one continues in the next.
const MAX_FRAME: usize = 0xff_ffff;

/// How many auth exchanges (switch, more data) we follow before giving up.
const MAX_AUTH_ROUNDS: usize = 4;

struct Conn {
    stream: BufStream<TcpStream>,
    /// The sequence id of the next packet we send.
    seq: u8,
}

impl Conn {
    /// One logical packet (frames of MAX_FRAME bytes joined) into `buf`.
    async fn read_packet(&mut self, buf: &mut Vec<u8>) -> Result<(), String> {
        buf.clear();
        loop {
            let mut header = [0u8; 4];
            self.stream
                .read_exact(&mut header)
                .await
                .map_err(read_error)?;
            let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
            self.seq = header[3].wrapping_add(1);
            let start = buf.len();
            buf.resize(start + len, 0);
            self.stream
                .read_exact(&mut buf[start..])
                .await
                .map_err(read_error)?;
            if len < MAX_FRAME {
                return Ok(());
            }
        }
    }

    async fn write_packet(&mut self, payload: &[u8]) -> Result<(), String> {
        // A payload of exactly n * MAX_FRAME bytes ends with an empty frame.
        let mut chunks: Vec<&[u8]> = payload.chunks(MAX_FRAME).collect();
        if payload.len().is_multiple_of(MAX_FRAME) {
            chunks.push(&[]);
        }
        for chunk in chunks {
            let len = (chunk.len() as u32).to_le_bytes();
            let header = [len[0], len[1], len[2], self.seq];
            self.seq = self.seq.wrapping_add(1);
            self.stream.write_all(&header).await.map_err(write_error)?;
            self.stream.write_all(chunk).await.map_err(write_error)?;
        }
        self.stream.flush().await.map_err(write_error)
    }
}

fn read_error(e: std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "the server closed the connection".into()
    } else {
        format!("read failed: {e}")
    }
}

fn write_error(e: std::io::Error) -> String {
    format!("write failed: {e}")
}

/// Logs in, runs `query` and returns how many rows it gave (for a
/// statement without a resultset: how many it affected, which is what
/// DBD::mysql's `rows` says then). Errors are the reason for "down".
pub(super) async fn query_rows(target: SocketAddr, login: &Login<'_>) -> Result<u64, String> {
    let tcp = TcpStream::connect(target)
        .await
        .map_err(|e| format!("connect to {target} failed: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let mut conn = Conn {
        stream: BufStream::new(tcp),
        seq: 0,
    };
    let mut buf = Vec::new();
    conn.read_packet(&mut buf)
        .await
        .map_err(|e| format!("no greeting from {target}: {e}"))?;
    let hello = wire::parse_handshake(&buf).map_err(|e| format!("greeting from {target}: {e}"))?;
    authenticate(&mut conn, &hello, login, &mut buf)
        .await
        .map_err(|e| format!("login as {:?} failed: {e}", login.user))?;

    conn.seq = 0;
    let mut command = Vec::with_capacity(1 + login.query.len());
    command.push(0x03); // COM_QUERY
    command.extend_from_slice(login.query.as_bytes());
    conn.write_packet(&command).await?;
    let rows = read_result(&mut conn, &mut buf)
        .await
        .map_err(|e| format!("query failed: {e}"))?;

    // COM_QUIT, as DBI's disconnect does, so the server logs no aborted
    // connection; its answer is not awaited.
    conn.seq = 0;
    let _ = conn.write_packet(&[0x01]).await;
    Ok(rows)
}

async fn authenticate(
    conn: &mut Conn,
    hello: &wire::Handshake,
    login: &Login<'_>,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    // Answer with the server's plugin when we know it, else with
    // mysql_native_password and let the server switch us.
    let mut plugin = hello.auth_plugin.clone();
    let auth = match wire::scramble_for(&plugin, login.password, &hello.scramble) {
        Some(auth) => auth,
        None => {
            plugin = wire::NATIVE_PASSWORD.into();
            wire::native_password(login.password, &hello.scramble)
        }
    };
    let caps = wire::client_capabilities(hello.capabilities, !login.database.is_empty());
    let response = wire::handshake_response(caps, login.user, &auth, login.database, &plugin);
    conn.write_packet(&response).await?;

    for _ in 0..MAX_AUTH_ROUNDS {
        conn.read_packet(buf).await?;
        match buf.first() {
            Some(0x00) => return Ok(()),
            Some(0xff) => return Err(wire::parse_err(buf)),
            Some(0xfe) if buf.len() == 1 => {
                return Err(
                    "the server wants the pre-4.1 password scramble, which is not supported".into(),
                )
            }
            Some(0xfe) => {
                // AuthSwitchRequest: plugin name, NUL, the new nonce.
                let body = &buf[1..];
                let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
                plugin = String::from_utf8_lossy(&body[..end]).into_owned();
                let nonce = body.get(end + 1..).unwrap_or_default();
                let auth = wire::scramble_for(&plugin, login.password, nonce).ok_or_else(|| {
                    format!("the server wants the {plugin} authentication plugin, which is not supported")
                })?;
                conn.write_packet(&auth).await?;
            }
            Some(0x01) if plugin == wire::CACHING_SHA2_PASSWORD => match buf.get(1) {
                // Fast authentication succeeded: the OK packet follows.
                Some(3) => {}
                Some(4) => {
                    return Err(
                        "caching_sha2_password wants full authentication (the password \
                                is not in the server's cache), which needs TLS or the server's \
                                RSA key: not supported by this check"
                            .into(),
                    )
                }
                _ => return Err("unexpected caching_sha2_password message".into()),
            },
            Some(b) => return Err(format!("unexpected packet 0x{b:02x} during authentication")),
            None => return Err("empty packet during authentication".into()),
        }
    }
    Err("too many authentication rounds".into())
}

/// Reads a COM_QUERY response: an OK packet, an ERR packet, or a text
/// resultset (column definitions, EOF, rows, EOF) whose rows are counted.
async fn read_result(conn: &mut Conn, buf: &mut Vec<u8>) -> Result<u64, String> {
    conn.read_packet(buf).await?;
    let columns = match wire::parse_query_start(buf) {
        QueryStart::Ok { affected_rows } => return Ok(affected_rows),
        QueryStart::Err(message) => return Err(message),
        QueryStart::Unexpected(b) => return Err(format!("unexpected answer (0x{b:02x})")),
        QueryStart::Columns(n) => n,
    };
    for _ in 0..columns {
        conn.read_packet(buf).await?;
        if buf.first() == Some(&0xff) {
            return Err(wire::parse_err(buf));
        }
    }
    conn.read_packet(buf).await?;
    if !wire::is_eof(buf) {
        return Err("no EOF after the column definitions".into());
    }
    let mut rows = 0u64;
    loop {
        conn.read_packet(buf).await?;
        if wire::is_eof(buf) {
            return Ok(rows);
        }
        if buf.first() == Some(&0xff) {
            // An error in the middle of the rows (killed, timed out).
            return Err(wire::parse_err(buf));
        }
        rows += 1;
    }
}
