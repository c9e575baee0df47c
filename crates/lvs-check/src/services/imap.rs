//! `service=imap` and `service=imaps` (TLS from the first byte): the server
//! must greet with `* OK` (or `* PREAUTH`, which Net::IMAP::Simple also
//! accepts); when `login` is set, `LOGIN` must be answered `OK`. Then
//! LOGOUT.
//!
//! As Net::IMAP::Simple does, the user name goes out as written and the
//! password as a quoted string (backslash and double quote escaped). Its
//! `quit` also sends an EXPUNGE, which outside a selected mailbox is only
//! ever refused: not sent here.
//!
//! Hand-rolled on the shared line reader: two commands; async-imap would
//! bring a second async stack and its own TLS choice for this.

use super::line_conn::{open, LineConn};
use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) struct Imap {
    pub tls: bool,
}

impl Probe for Imap {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        match open(target, self.tls).await {
            Ok(conn) => talk(conn, check).await.into(),
            Err(e) => Outcome::down(e),
        }
    }
}

const TAG: &str = "ld1";

/// `* OK` or `* PREAUTH`, in any case, with any spacing after the `*`.
fn is_greeting(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('*') else {
        return false;
    };
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    let word = rest.split_whitespace().next().unwrap_or("");
    word.eq_ignore_ascii_case("OK") || word.eq_ignore_ascii_case("PREAUTH")
}

/// The IMAP quoted string Net::IMAP::Simple sends a password as.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The tagged answer to our command: `Some(true)` for OK, `Some(false)` for
/// NO or BAD, `None` for an untagged line (capabilities and the like).
fn tagged_status(line: &str) -> Option<bool> {
    let rest = line.strip_prefix(TAG)?.strip_prefix(' ')?;
    let word = rest.split_whitespace().next().unwrap_or("");
    Some(word.eq_ignore_ascii_case("OK"))
}

async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut conn: LineConn<S>,
    check: &ServiceCheck,
) -> Result<String, String> {
    let greeting = conn.line().await?;
    if !is_greeting(&greeting) {
        return Err(format!("greeting is not * OK: {greeting}"));
    }
    let mut reason = greeting;
    if !check.login.is_empty() {
        conn.send(&format!(
            "{TAG} LOGIN {} {}",
            check.login,
            quoted(&check.passwd)
        ))
        .await?;
        loop {
            let line = conn.line().await?;
            match tagged_status(&line) {
                Some(true) => break,
                Some(false) => return Err(format!("login refused: {line}")),
                None => continue,
            }
        }
        reason = format!("logged in as {}", check.login);
    }
    conn.farewell(&format!("{TAG} LOGOUT")).await;
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings() {
        assert!(is_greeting("* OK [CAPABILITY IMAP4rev1] Dovecot ready."));
        assert!(is_greeting("*  ok hello"));
        assert!(is_greeting("* PREAUTH logged in"));
        assert!(!is_greeting("* BYE too busy"));
        assert!(!is_greeting("* NO go away"));
        assert!(!is_greeting("*OK"));
        assert!(!is_greeting("+OK pop3"));
    }

    #[test]
    fn passwords_are_quoted_and_escaped() {
        assert_eq!(quoted("secret"), "\"secret\"");
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn only_our_tag_ends_the_login() {
        assert_eq!(tagged_status("ld1 OK Logged in"), Some(true));
        assert_eq!(
            tagged_status("ld1 NO [AUTHENTICATIONFAILED] failed."),
            Some(false)
        );
        assert_eq!(tagged_status("ld1 BAD syntax"), Some(false));
        assert_eq!(tagged_status("* CAPABILITY IMAP4rev1"), None);
        assert_eq!(tagged_status("ld10 OK"), None);
    }
}
