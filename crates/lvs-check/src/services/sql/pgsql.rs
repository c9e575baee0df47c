//! `service=pgsql` through tokio-postgres on a TcpStream we open ourselves
//! (`connect_raw`, so the crate's own runtime/connector feature is off).
//!
//! TLS as libpq's default `sslmode=prefer`, which DBD::Pg inherits: ask
//! for TLS, use it when the server agrees (with the workspace's rustls via
//! `crate::tls`, certificates unchecked as libpq's prefer does), and go on
//! in plain text when it answers 'N'. Unlike libpq, a failed TLS handshake
//! is not retried in plain text: a server that says yes to TLS and then
//! cannot do it is down.

use super::Login;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_postgres::tls::{ChannelBinding, TlsConnect};

/// Logs in, runs `query` (prepared and executed, as DBD::Pg does by
/// default) and returns the row count the server reports for it: rows
/// selected, or affected for other statements, which is what DBD::Pg's
/// `rows` says. Errors are the reason for "down".
pub(super) async fn query_rows(target: SocketAddr, login: &Login<'_>) -> Result<u64, String> {
    let tcp = TcpStream::connect(target)
        .await
        .map_err(|e| format!("connect to {target} failed: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let mut config = tokio_postgres::Config::new();
    config.user(login.user).password(login.password);
    // An empty dbname, as libpq, means the database named as the user.
    if !login.database.is_empty() {
        config.dbname(login.database);
    }
    let tls = PreferTls(crate::tls::server_name(
        &target.ip().to_string(),
        target.ip(),
    ));
    let (client, connection) = config
        .connect_raw(tcp, tls)
        .await
        .map_err(|e| format!("login as {:?} failed: {}", login.user, describe(&e)))?;
    // The connection future does the I/O; it runs here, alongside the
    // query, rather than in a spawned task, so that the timeout dropping
    // this future drops the socket too.
    let query = client.execute(login.query, &[]);
    tokio::select! {
        rows = query => rows.map_err(|e| format!("query failed: {}", describe(&e))),
        end = connection => Err(match end {
            Ok(()) => "the server closed the connection".to_string(),
            Err(e) => format!("connection failed: {}", describe(&e)),
        }),
    }
}

/// tokio-postgres's message plus its cause ("db error: FATAL: password
/// authentication failed for user ...").
fn describe(e: &tokio_postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// libpq's `sslmode=prefer` with the workspace's rustls.
struct PreferTls(rustls::pki_types::ServerName<'static>);

impl TlsConnect<TcpStream> for PreferTls {
    type Stream = PgTlsStream;
    type Error = String;
    type Future = Pin<Box<dyn Future<Output = Result<PgTlsStream, String>> + Send>>;

    fn connect(self, stream: TcpStream) -> Self::Future {
        Box::pin(async move {
            crate::tls::handshake(stream, self.0)
                .await
                .map(|s| PgTlsStream(Box::new(s)))
        })
    }
}

struct PgTlsStream(Box<tokio_rustls::client::TlsStream<TcpStream>>);

impl tokio_postgres::tls::TlsStream for PgTlsStream {
    /// No channel binding: SCRAM is then done without `-PLUS`, which a
    /// server accepts unless told to require binding.
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for PgTlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PgTlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}
