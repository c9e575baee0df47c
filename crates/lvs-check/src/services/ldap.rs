//! `service=ldap` and `ldaps`, as the legacy's check_ldap (Net::LDAP):
//! connect (ldaps: TLS from the first byte, certificate not verified, as
//! Net::LDAP's default `verify => 'none'`), bind as `login` with `passwd`
//! when both are set (Perl-true) or anonymously otherwise, then search the
//! base object named by `request` (without its leading `/`) with the filter
//! `(objectClass=*)`. Up iff the bind succeeds, exactly one entry comes
//! back, and `receive`, when set, matches that entry's DN.

mod codec;

use super::Probe;
use crate::{tls, Outcome, ServiceCheck};
use codec::Reply;
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) struct Ldap {
    pub tls: bool,
}

impl Probe for Ldap {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        let scheme = if self.tls { "ldaps" } else { "ldap" };
        let tcp = match TcpStream::connect(target).await {
            Ok(tcp) => tcp,
            Err(e) => {
                return Outcome::down(format!(
                    "Connection failed: {scheme} connect to {target} failed: {e}"
                ))
            }
        };
        let result = if self.tls {
            match tls::handshake(tcp, ServerName::from(target.ip())).await {
                Ok(stream) => exchange(stream, check).await,
                Err(e) => Err(format!("Connection failed: {scheme} {target}: {e}")),
            }
        } else {
            exchange(tcp, check).await
        };
        match result {
            Ok(outcome) => outcome,
            Err(reason) => Outcome::down(reason),
        }
    }
}

/// Perl's truth of a string: the legacy tests `$$v{login} && $$v{passwd}`.
fn perl_true(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

/// Bind, search and judge; `Err` is a protocol failure (down).
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    check: &ServiceCheck,
) -> Result<Outcome, String> {
    let (who, password) = if perl_true(&check.login) && perl_true(&check.passwd) {
        (check.login.as_str(), check.passwd.as_str())
    } else {
        ("", "")
    };
    send(&mut stream, &codec::bind_request(1, who, password)).await?;
    let bind = loop {
        let reply = receive(&mut stream).await?;
        if reply.op == codec::BIND_RESPONSE && reply.id == 1 {
            break reply;
        }
        unsolicited(&reply)?;
    };
    if bind.code != 0 {
        let as_whom = if who.is_empty() { "anonymously" } else { who };
        return Ok(Outcome::down(format!(
            "Bind failed ({as_whom}): result code {}{}",
            bind.code,
            detail(&bind.text)
        )));
    }

    let base = check.request_text();
    send(&mut stream, &codec::search_request(2, base)).await?;
    let mut entries = Vec::new();
    let done = loop {
        let reply = receive(&mut stream).await?;
        match reply.op {
            codec::SEARCH_ENTRY if reply.id == 2 => entries.push(reply.text),
            codec::SEARCH_DONE if reply.id == 2 => break reply,
            codec::SEARCH_REFERENCE if reply.id == 2 => {}
            _ => unsolicited(&reply)?,
        }
    };
    // Being polite costs one write; a server that already closed is fine.
    let _ = stream.write_all(&codec::unbind_request(3)).await;

    // Net::LDAP's count is the entries received, whatever the result code.
    if entries.len() != 1 {
        return Ok(Outcome::down(format!(
            "No answer received: search of base \"{base}\" returned {} entries \
             (result code {}{})",
            entries.len(),
            done.code,
            detail(&done.text)
        )));
    }
    let dn = &entries[0];
    Ok(match &check.receive {
        // The legacy treats an empty receive as no receive at all.
        Some(re) if !re.as_str().is_empty() && !re.is_match(dn) => Outcome::down(format!(
            "Response mismatch: DN \"{dn}\" does not match /{}/",
            re.as_str()
        )),
        _ => Outcome::up(format!("Success: found \"{dn}\"")),
    })
}

fn detail(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// A message for no request of ours: a Notice of Disconnection (RFC 4511
/// 4.4.1, message ID 0) ends the check; anything else is skipped.
fn unsolicited(reply: &Reply) -> Result<(), String> {
    if reply.op == codec::EXTENDED_RESPONSE && reply.id == 0 {
        return Err(format!(
            "No answer received: server disconnected (result code {}{})",
            reply.code,
            detail(&reply.text)
        ));
    }
    Ok(())
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, message: &[u8]) -> Result<(), String> {
    stream
        .write_all(message)
        .await
        .map_err(|e| format!("No answer received: write failed: {e}"))
}

/// Reads one whole LDAPMessage.
async fn receive<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Reply, String> {
    let lost = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "No answer received: connection closed".to_string(),
        _ => format!("No answer received: read failed: {e}"),
    };
    let mut head = Vec::with_capacity(6);
    let len = loop {
        match codec::content_len(&head).map_err(|e| format!("No answer received: {e}"))? {
            Ok(len) => break len,
            Err(more) => {
                let start = head.len();
                head.resize(start + more, 0);
                stream.read_exact(&mut head[start..]).await.map_err(lost)?;
            }
        }
    };
    let mut content = vec![0; len];
    stream.read_exact(&mut content).await.map_err(lost)?;
    codec::parse_reply(&content).map_err(|e| format!("No answer received: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_used_only_when_both_are_perl_true() {
        assert!(perl_true("cn=admin"));
        assert!(!perl_true(""));
        assert!(!perl_true("0"));
        assert!(perl_true("00"));
    }
}
