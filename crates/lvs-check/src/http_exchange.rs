//! One HTTP request and its response over any byte stream, so that
//! `service=http` (TCP) and `service=https` (TLS over TCP) share it.

use crate::http_response::{body, framing, parse_head, HeadParse, Response};
use crate::HttpMethod;
use std::io::ErrorKind;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A health page is small; reading stops here so a real server streaming
/// without end cannot hold memory (the timeout still bounds time).
const MAX_RESPONSE: usize = 1024 * 1024;

/// The request LWP sends for the legacy, less its `TE` offer (we decode no
/// transfer coding but chunked): HTTP/1.1, `Connection: close`, the given
/// Host header.
pub fn request(method: HttpMethod, path: &str, host: &str) -> Vec<u8> {
    let verb = match method {
        HttpMethod::Get => "GET",
        HttpMethod::Head => "HEAD",
    };
    format!(
        "{verb} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ldirectord-rs\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Sends `request` and reads the response it frames. A response cut short
/// (close or reset after the head) is returned as received; no response
/// at all is an error saying why.
pub async fn exchange<S>(mut stream: S, request: &[u8], head_only: bool) -> Result<Response, String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream
        .write_all(request)
        .await
        .map_err(|e| format!("sending the request failed: {e}"))?;
    // A TLS stream holds the record until flushed.
    stream
        .flush()
        .await
        .map_err(|e| format!("sending the request failed: {e}"))?;
    let mut buf = Vec::new();
    let mut head = None;
    loop {
        // Small at first: every check waiting for its answer holds this
        // buffer, thousands wait at once, and a health page's response
        // fits in 1 kB; a longer one doubles it, up to 64 kB a read.
        buf.reserve(buf.len().clamp(1024, 64 * 1024));
        let ended = match stream.read_buf(&mut buf).await {
            Ok(0) => true,
            Ok(_) => buf.len() >= MAX_RESPONSE,
            // A TLS peer that closes without close_notify: an ordinary
            // end for an HTTP/1.1 `Connection: close` response.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => true,
            Err(e) if buf.is_empty() => return Err(format!("reading the response failed: {e}")),
            // A reset after (part of) a response still leaves a verdict.
            Err(_) => true,
        };
        if head.is_none() {
            match parse_head(&buf) {
                HeadParse::Done(h) => head = Some(h),
                HeadParse::Invalid(reason) => return Err(reason),
                HeadParse::Incomplete if ended && buf.is_empty() => {
                    return Err("empty response".to_string())
                }
                HeadParse::Incomplete if ended => {
                    return Err("the response ended inside its head".to_string())
                }
                HeadParse::Incomplete => continue,
            }
        }
        if let Some(h) = &head {
            let rest = buf.get(h.len..).unwrap_or_default();
            if let Some(body) = body(framing(h, head_only), rest, ended) {
                return Ok(Response {
                    code: h.code,
                    phrase: h.phrase.clone(),
                    headers: h.headers.clone(),
                    body,
                });
            }
        }
    }
}
