//! `service=nntp`: the first bytes the server sends (up to 64, one read, as
//! the legacy's `sysread`) must start with `2` — 200 or 201, posting
//! allowed or not. Nothing is sent; the connection is closed right after.

use super::line_conn::connect;
use super::Probe;
use crate::{Outcome, ServiceCheck};
use std::net::SocketAddr;
use tokio::io::AsyncReadExt;

pub(crate) struct Nntp;

impl Probe for Nntp {
    async fn probe(&self, target: SocketAddr, _check: &ServiceCheck) -> Outcome {
        let mut stream = match connect(target).await {
            Ok(s) => s,
            Err(e) => return Outcome::down(e),
        };
        let mut buf = [0u8; 64];
        match stream.read(&mut buf).await {
            Ok(0) => Outcome::down("the server closed the connection without a greeting"),
            Ok(n) => verdict(&buf[..n]),
            Err(e) => Outcome::down(format!("reading the greeting failed: {e}")),
        }
    }
}

fn verdict(greeting: &[u8]) -> Outcome {
    let text = super::line_conn::trim_eol(greeting.split(|&b| b == b'\n').next().unwrap_or(&[]));
    if greeting.first() == Some(&b'2') {
        Outcome::up(text)
    } else {
        Outcome::down(format!("greeting does not start with 2: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_2xx_greeting_is_up() {
        let up = verdict(b"200 news.example.test InterNetNews NNRP server ready\r\n");
        assert!(up.up);
        assert_eq!(
            up.reason,
            "200 news.example.test InterNetNews NNRP server ready"
        );
        assert!(verdict(b"201 no posting").up);
        let down = verdict(b"502 You have no permission to talk.  Goodbye.\r\n");
        assert!(!down.up);
        assert!(down.reason.contains("502 You have no permission"));
        assert!(!verdict(b" 200").up);
    }
}
