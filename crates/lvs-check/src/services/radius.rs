//! `service=radius`, as the legacy's check_radius (Authen::Radius
//! check_pwd): one Access-Request over UDP with User-Name `login`,
//! User-Password `passwd` (PAP, hidden with `secret`) and NAS-IP-Address,
//! then one reply, whose authenticator must prove it comes from a server
//! holding the same secret.
//!
//! Verdict: up iff the reply is an Access-Accept. The legacy tests
//! `$result eq ""`, where `$result` is check_pwd's
//! `(defined($rcv) and $rcv == ACCESS_ACCEPT)`: Perl's false from `==` and
//! `defined` is the empty string, so an Access-Reject (or Challenge), a
//! bad authenticator and a timeout all leave "" and the real down; only an
//! Accept gives 1. (Checked against the legacy in the tests.)

mod codec;

use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Radius;

impl Probe for Radius {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        match exchange(target, check).await {
            Ok(reply) if reply.code == codec::ACCESS_ACCEPT => Outcome::up(format!(
                "Access-Accept for {}{}",
                check.login,
                detail(&reply.message)
            )),
            Ok(reply) => Outcome::down(format!(
                "{} for {}{}",
                codec::code_name(reply.code),
                check.login,
                detail(&reply.message)
            )),
            Err(e) => Outcome::down(e),
        }
    }
}

fn detail(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// Unpredictable bytes for the Request Authenticator: RFC 2865 wants it
/// unguessable, since it keys the password hiding.
fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    // SAFETY: getrandom writes at most N bytes into buf.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), N, 0) };
    if n == N as isize {
        Ok(buf)
    } else {
        Err(format!(
            "getrandom failed: {}",
            std::io::Error::last_os_error()
        ))
    }
}

async fn exchange(target: SocketAddr, check: &ServiceCheck) -> Result<codec::Reply, String> {
    let io = |what: &str, e: std::io::Error| format!("{what} {target} failed: {e}");
    let socket = super::udp::connected(target).await?;
    let nas = socket
        .local_addr()
        .map_err(|e| io("local address for", e))?
        .ip();
    let authenticator: [u8; 16] = random()?;
    let [id] = random::<1>()?;
    let request = codec::access_request(
        id,
        &authenticator,
        &check.login,
        &check.passwd,
        &check.secret,
        nas,
    );
    socket.send(&request).await.map_err(|e| io("send to", e))?;
    let mut buf = vec![0; 4096];
    loop {
        let n = socket
            .recv(&mut buf)
            .await
            .map_err(|e| io("no reply: recv from", e))?;
        // A late reply to an earlier request (another identifier) is not
        // ours; wait on for ours until the check's timeout.
        if codec::reply_id(&buf[..n]) != Some(id) {
            continue;
        }
        return codec::verify_reply(&buf[..n], &authenticator, &check.secret);
    }
}
