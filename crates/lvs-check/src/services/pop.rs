//! `service=pop` and `service=pops` (TLS from the first byte): the server
//! must greet with `+OK`; when `login` is set, `USER`/`PASS` must both be
//! answered `+OK`. Then QUIT.
//!
//! The legacy (Mail::POP3Client) differs in two ways kept out on purpose:
//! its constructor never fails, so without a login it calls any server up,
//! even one that refuses the connection — we require the greeting; and with
//! a login it tries APOP and CRAM-MD5 first when the server offers them —
//! we use USER/PASS, which every server offering those also accepts unless
//! configured to refuse plain passwords.
//!
//! Hand-rolled on the shared line reader: four commands, and no POP3 crate
//! that is both maintained and on tokio + rustls.

use super::line_conn::{open, LineConn};
use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) struct Pop {
    pub tls: bool,
}

impl Probe for Pop {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        match open(target, self.tls).await {
            Ok(conn) => talk(conn, check).await.into(),
            Err(e) => Outcome::down(e),
        }
    }
}

/// `+OK` (in any case, as Mail::POP3Client accepts it) starts a positive
/// answer; anything else, `-ERR` usually, is a refusal.
fn is_ok(line: &str) -> bool {
    line.get(..3).is_some_and(|s| s.eq_ignore_ascii_case("+OK"))
}

async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut conn: LineConn<S>,
    check: &ServiceCheck,
) -> Result<String, String> {
    let greeting = conn.line().await?;
    if !is_ok(&greeting) {
        return Err(format!("greeting is not +OK: {greeting}"));
    }
    if check.login.is_empty() {
        conn.farewell("QUIT").await;
        return Ok(greeting);
    }
    let user = conn.ask(&format!("USER {}", check.login)).await?;
    if !is_ok(&user) {
        return Err(format!("login refused at USER: {user}"));
    }
    let pass = conn.ask(&format!("PASS {}", check.passwd)).await?;
    if !is_ok(&pass) {
        return Err(format!("login refused: {pass}"));
    }
    conn.farewell("QUIT").await;
    Ok(format!("logged in as {}: {pass}", check.login))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_answers() {
        assert!(is_ok("+OK Dovecot ready."));
        assert!(is_ok("+ok"));
        assert!(!is_ok("-ERR [AUTH] Authentication failed."));
        assert!(!is_ok("+O"));
        assert!(!is_ok(""));
    }
}
