//! Ping nodes on the wire: one raw ICMP socket for all `ping` hosts and
//! `ping_group`s. With every status message each ping node gets one echo
//! request whose payload is a signed heartbeat message "from" that ping
//! node; a reply that carries it back, authenticated, proves the path
//! (facts: docs/facts/heartbeat-ipfail-respawn-reload.md §1.2). The core
//! decides what a reply or its absence means.

use super::Input;
use ha_config::hacf::Medium;
use hb_core::Level;
use hb_proto::{AuthKeys, Message};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddrV4, ToSocketAddrs};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

const ECHO_REQUEST: u8 = 8;
const ECHO_REPLY: u8 = 0;
const ICMP_HEADER: usize = 8;

struct Target {
    /// As written in ha.cf: the payload's `src`.
    written: String,
    group: bool,
    addrs: Vec<Ipv4Addr>,
    seq: u16,
}

/// A line for the daemon's log, from before the log is ours to write.
pub type Note = (Level, String);

pub struct Pinger {
    sock: Socket,
    id: [u8; 2],
    targets: Vec<Target>,
    /// When a send error was last reported: an unreachable ping node
    /// fails every keepalive, so it is said once a minute.
    last_error: Option<Instant>,
}

const ERROR_EVERY: Duration = Duration::from_secs(60);

fn resolve(host: &str) -> Option<Ipv4Addr> {
    (host, 0).to_socket_addrs().ok()?.find_map(|a| match a {
        std::net::SocketAddr::V4(v4) => Some(*v4.ip()),
        _ => None,
    })
}

/// The Internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request carrying `payload`.
fn echo_request(id: [u8; 2], seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(ICMP_HEADER + payload.len());
    p.extend_from_slice(&[ECHO_REQUEST, 0, 0, 0]);
    p.extend_from_slice(&id);
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// The payload: `t=NS_st st=ping info=ping|ping_group src=<name> ts=<ts>`,
/// body-signed and framed as every other packet.
fn payload(src: &str, group: bool, ts: &str, keys: &AuthKeys) -> Result<Vec<u8>, String> {
    let mut m = Message::new();
    for (k, v) in [
        ("t", "NS_st"),
        ("st", "ping"),
        ("info", if group { "ping_group" } else { "ping" }),
        ("src", src),
        ("ts", ts),
    ] {
        m.push_str(k, v);
    }
    keys.signer()
        .add_body_auth(&mut m)
        .map_err(|e| e.to_string())?;
    hb_proto::encode_netstring(&m, keys.signer()).map_err(|e| e.to_string())
}

/// Which ping node an IPv4 datagram (header included) answers for, if
/// it is an authenticated echo reply to us.
fn accept(
    packet: &[u8],
    id: [u8; 2],
    keys: &AuthKeys,
    groups: &[(String, Vec<Ipv4Addr>)],
) -> Option<String> {
    let ihl = usize::from(*packet.first()? & 0x0f) * 4;
    let icmp = packet.get(ihl..)?;
    if icmp.len() < ICMP_HEADER || icmp[0] != ECHO_REPLY || icmp[4..6] != id {
        return None;
    }
    let from = Ipv4Addr::new(
        *packet.get(12)?,
        *packet.get(13)?,
        *packet.get(14)?,
        *packet.get(15)?,
    );
    let msg = super::wire::decode(&icmp[ICMP_HEADER..], keys).ok()?;
    let src = msg.get_str("src")?.to_lowercase();
    match msg.get_str("info")? {
        "ping" => Some(src),
        // A group answers only through its own members.
        "ping_group" => groups
            .iter()
            .any(|(name, members)| *name == src && members.contains(&from))
            .then_some(src),
        _ => None,
    }
}

/// Opens the socket and its receive thread if ha.cf has ping nodes.
/// Hosts that do not resolve are reported and never answer.
pub fn open(
    media: &[Medium],
    keys: &AuthKeys,
    tx: &Sender<Input>,
) -> Result<(Option<Pinger>, Vec<Note>), String> {
    let mut notes = Vec::new();
    let mut targets = Vec::new();
    for m in media {
        let (written, hosts, group) = match m {
            Medium::Ping { host } => (host, std::slice::from_ref(host), false),
            Medium::PingGroup { name, hosts } => (name, hosts.as_slice(), true),
            _ => continue,
        };
        let mut addrs = Vec::new();
        for h in hosts {
            match resolve(h) {
                Some(a) => addrs.push(a),
                None => notes.push((Level::Error, format!("glib: unknown host: {h}"))),
            }
        }
        targets.push(Target {
            written: written.clone(),
            group,
            addrs,
            seq: 0,
        });
    }
    if targets.is_empty() {
        return Ok((None, notes));
    }
    let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))
        .map_err(|e| format!("ping: cannot open an ICMP socket: {e}"))?;
    let reader = sock
        .try_clone()
        .map_err(|e| format!("ping: cannot open an ICMP socket: {e}"))?;
    // The legacy's id: the pid, in host byte order.
    let id = (std::process::id() as u16).to_ne_bytes();
    let groups: Vec<(String, Vec<Ipv4Addr>)> = targets
        .iter()
        .filter(|t| t.group)
        .map(|t| (t.written.to_lowercase(), t.addrs.clone()))
        .collect();
    let (keys, tx) = (keys.clone(), tx.clone());
    std::thread::Builder::new()
        .name("ping".into())
        .spawn(move || {
            // The ping replies are ipfail's heartbeats.
            let _ = super::realtime::this_thread();
            receive(reader, id, keys, groups, tx)
        })
        .map_err(|e| format!("ping: cannot start its reader: {e}"))?;
    for t in &targets {
        let kind = if t.group { "ping group" } else { "ping" };
        notes.push((Level::Info, format!("glib: {kind} heartbeat started.")));
    }
    Ok((
        Some(Pinger {
            sock,
            id,
            targets,
            last_error: None,
        }),
        notes,
    ))
}

fn receive(
    mut sock: Socket,
    id: [u8; 2],
    keys: AuthKeys,
    groups: Vec<(String, Vec<Ipv4Addr>)>,
    tx: Sender<Input>,
) {
    let mut buf = vec![0u8; 65536];
    loop {
        match sock.read(&mut buf) {
            Ok(n) => {
                if let Some(name) = accept(&buf[..n], id, &keys, &groups) {
                    if tx.send(Input::PingReply(name)).is_err() {
                        return;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send(Input::Log(Level::Error, format!("ping: read failure: {e}")));
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}

impl Pinger {
    /// One echo request to every ping node (every member of a group) for
    /// the status message stamped `ts`. Errors are returned as log lines,
    /// at most once a minute.
    pub fn send(&mut self, ts: &str, keys: &AuthKeys) -> Vec<String> {
        let mut errors = Vec::new();
        for t in &mut self.targets {
            let body = match payload(&t.written, t.group, ts, keys) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(format!("ping: cannot encode: {e}"));
                    continue;
                }
            };
            let packet = echo_request(self.id, t.seq, &body);
            t.seq = t.seq.wrapping_add(1);
            for a in &t.addrs {
                let to = SockAddr::from(SocketAddrV4::new(*a, 0));
                if let Err(e) = self
                    .sock
                    .send_to_with_flags(&packet, &to, libc::MSG_DONTWAIT)
                {
                    errors.push(format!("Error sending packet: {e}"));
                }
            }
        }
        if errors.is_empty() || self.last_error.is_some_and(|t| t.elapsed() < ERROR_EVERY) {
            return Vec::new();
        }
        self.last_error = Some(Instant::now());
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AuthKeys {
        AuthKeys::new(
            hb_proto::Auth::new(1, hb_proto::Method::Sha1, b"testsecret".to_vec()).unwrap(),
        )
    }

    #[test]
    fn payload_matches_the_legacy_capture() {
        // facts §1.2: 192 bytes, both digests as the legacy computed them.
        let p = payload("10.88.0.254", false, "6b14ed55", &keys()).unwrap();
        let text = String::from_utf8(p).unwrap();
        assert_eq!(
            text,
            "###\n10:(0)t=NS_st,10:(0)st=ping,12:(0)info=ping,18:(0)src=10.88.0.254,\
             14:(0)ts=6b14ed55,50:(0)auth=1 bb1eb3d1d315c0db7d5966b00dacae16c637c04b,%%%\n\
             42:1 a8e88b50ce24b1e96fb55a370d9cba10a6107924,"
        );
        assert_eq!(text.len(), 192);
    }

    #[test]
    fn echo_request_checksums_to_zero() {
        let p = echo_request([11, 0], 3, b"abc");
        assert_eq!(&p[..2], &[8, 0]);
        assert_eq!(&p[4..8], &[11, 0, 0, 3]);
        assert_eq!(checksum(&p), 0);
    }

    /// A reply as the kernel delivers it: IPv4 header, then the echo.
    fn reply(from: [u8; 4], id: [u8; 2], body: &[u8]) -> Vec<u8> {
        let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0];
        ip.extend_from_slice(&from);
        ip.extend_from_slice(&[10, 0, 0, 1]);
        let mut icmp = echo_request(id, 0, body);
        icmp[0] = ECHO_REPLY;
        ip.extend(icmp);
        ip
    }

    #[test]
    fn replies_are_accepted_only_authenticated_ours_and_from_members() {
        let k = keys();
        let id = [7, 0];
        let body = payload("GW", false, "1", &k).unwrap();
        assert_eq!(
            accept(&reply([10, 0, 0, 9], id, &body), id, &k, &[]),
            Some("gw".into())
        );
        assert_eq!(
            accept(&reply([10, 0, 0, 9], [8, 0], &body), id, &k, &[]),
            None
        );
        let other = AuthKeys::new(
            hb_proto::Auth::new(1, hb_proto::Method::Sha1, b"othersecret".to_vec()).unwrap(),
        );
        assert_eq!(
            accept(&reply([10, 0, 0, 9], id, &body), id, &other, &[]),
            None
        );
        let g = payload("grp", true, "1", &k).unwrap();
        let groups = [("grp".to_string(), vec![Ipv4Addr::new(10, 0, 0, 9)])];
        assert_eq!(
            accept(&reply([10, 0, 0, 9], id, &g), id, &k, &groups),
            Some("grp".into())
        );
        assert_eq!(accept(&reply([10, 0, 0, 8], id, &g), id, &k, &groups), None);
        assert_eq!(accept(&[0x45, 1, 2], id, &k, &groups), None);
        assert_eq!(accept(&[], id, &k, &groups), None);
    }
}
