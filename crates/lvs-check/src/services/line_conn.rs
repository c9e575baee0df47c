//! The line-at-a-time conversation the mail, news and ftp checks share:
//! send a command ending in CRLF, read one reply line back. Lines are
//! bounded so that a server sending endless bytes without a newline costs
//! a few kilobytes, not memory without bound (the check's timeout ends it).

use crate::tls;
use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Longer lines than this are an error: every protocol here keeps its
/// replies far shorter (SMTP: 512, IMAP greetings: a few hundred).
const MAX_LINE: u64 = 8 * 1024;

pub(crate) struct LineConn<S> {
    inner: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> LineConn<S> {
    pub(crate) fn new(stream: S) -> Self {
        LineConn {
            inner: BufReader::new(stream),
        }
    }

    /// The next line, without its line ending; an error (for the reason
    /// text) when the server closes first or the line is too long.
    pub(crate) async fn line(&mut self) -> Result<String, String> {
        let mut buf = Vec::new();
        let n = (&mut self.inner)
            .take(MAX_LINE)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| format!("reading from the server failed: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        if buf.last() != Some(&b'\n') {
            if n as u64 >= MAX_LINE {
                return Err(format!(
                    "the server sent a line longer than {MAX_LINE} bytes"
                ));
            }
            return Err("the server closed the connection in mid-line".into());
        }
        Ok(trim_eol(&buf))
    }

    /// Sends `command` followed by CRLF.
    pub(crate) async fn send(&mut self, command: &str) -> Result<(), String> {
        let stream = self.inner.get_mut();
        let mut out = Vec::with_capacity(command.len() + 2);
        out.extend_from_slice(command.as_bytes());
        out.extend_from_slice(b"\r\n");
        stream
            .write_all(&out)
            .await
            .map_err(|e| format!("sending to the server failed: {e}"))?;
        stream
            .flush()
            .await
            .map_err(|e| format!("sending to the server failed: {e}"))
    }

    /// Sends `command` and reads the one-line answer.
    pub(crate) async fn ask(&mut self, command: &str) -> Result<String, String> {
        self.send(command).await?;
        self.line().await
    }

    /// Says goodbye without waiting for the answer: the verdict is already
    /// made, and a server that never answers must not turn it into a
    /// timeout. The close that follows tells the server we are gone.
    pub(crate) async fn farewell(mut self, command: &str) {
        let _ = self.send(command).await;
        let _ = self.inner.get_mut().shutdown().await;
    }
}

/// A TCP connection to the real, with the reason the log shows on failure.
pub(crate) async fn connect(target: SocketAddr) -> Result<TcpStream, String> {
    TcpStream::connect(target)
        .await
        .map_err(|e| format!("connect to {target} failed: {e}"))
}

/// The same over TLS from the first byte (pops, imaps), sharing the https
/// check's client (no certificate verification, no SNI for an address).
pub(crate) async fn connect_tls(target: SocketAddr) -> Result<TlsStream<TcpStream>, String> {
    let tcp = connect(target).await?;
    let name = tls::server_name(&target.ip().to_string(), target.ip());
    tls::handshake(tcp, name)
        .await
        .map_err(|e| format!("{target}: {e}"))
}

/// A plain or TLS stream: the services that come in both forms (pop and
/// pops, imap and imaps) hold a conversation that does not care which.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A line conversation with the real, over TLS from the first byte when
/// `tls` is set.
pub(crate) async fn open(
    target: SocketAddr,
    tls: bool,
) -> Result<LineConn<Box<dyn Stream>>, String> {
    let stream: Box<dyn Stream> = if tls {
        Box::new(connect_tls(target).await?)
    } else {
        Box::new(connect(target).await?)
    };
    Ok(LineConn::new(stream))
}

/// `line` without its trailing CR LF (or bare LF), bytes that are not UTF-8
/// replaced: reply texts only go to the log.
pub(crate) fn trim_eol(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_removed() {
        assert_eq!(trim_eol(b"+OK ready\r\n"), "+OK ready");
        assert_eq!(trim_eol(b"* OK\n"), "* OK");
        assert_eq!(trim_eol(b"200 x"), "200 x");
        assert_eq!(trim_eol(b"a\r\r\n"), "a\r");
    }

    #[tokio::test]
    async fn lines_are_read_one_by_one_and_bounded() {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        let mut conn = LineConn::new(client);
        server.write_all(b"one\r\ntwo\n").await.unwrap();
        assert_eq!(conn.line().await.unwrap(), "one");
        assert_eq!(conn.line().await.unwrap(), "two");
        server.write_all(&vec![b'x'; 9000]).await.unwrap();
        assert!(conn.line().await.unwrap_err().contains("longer than"));
        drop(server);
        let (client, server) = tokio::io::duplex(64);
        drop(server);
        let mut conn = LineConn::new(client);
        assert!(conn.line().await.unwrap_err().contains("closed"));
    }
}
