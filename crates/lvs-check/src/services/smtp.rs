//! `service=smtp` and `service=submission`: the server must greet with a
//! 2xx reply and accept our EHLO (or, when it refuses EHLO as a command it
//! does not know, HELO) — what the legacy's `Net::SMTP->new` requires
//! before it returns a connection. Then QUIT. No mail is sent.
//!
//! Hand-rolled on the shared line reader: the whole exchange is three
//! commands, and lettre (which the daemon uses to send alerts) has no HELO
//! fallback and hides the reply texts the log wants.

use super::line_conn::{connect, LineConn};
use super::reply::{command, read_reply};
use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;

pub(crate) struct Smtp;

/// The name the legacy introduces itself with (Net::SMTP's default).
const HELLO_NAME: &str = "localhost.localdomain";

impl Probe for Smtp {
    async fn probe(&self, target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        talk(target).await.into()
    }
}

async fn talk(target: SocketAddr) -> Result<String, String> {
    let mut conn = LineConn::new(connect(target).await?);
    let greeting = read_reply(&mut conn).await?;
    if greeting.class() != 2 {
        return Err(format!("greeting refused: {}", greeting.text));
    }
    let mut hello = command(&mut conn, &format!("EHLO {HELLO_NAME}")).await?;
    // Net::SMTP falls back to HELO only on a permanent (5xx) refusal.
    if hello.class() == 5 {
        hello = command(&mut conn, &format!("HELO {HELLO_NAME}")).await?;
    }
    if hello.class() != 2 {
        return Err(format!("EHLO/HELO refused: {}", hello.text));
    }
    conn.farewell("QUIT").await;
    Ok(greeting.text)
}
