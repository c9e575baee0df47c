//! Reading an HTTP/1.x response off the wire: the head, then the body as
//! its framing says (Content-Length, chunked, or up to the close). Pure
//! functions over the bytes received so far, so the same code serves plain
//! and TLS streams and is tested without a socket.

/// A response as LWP would hand it to the legacy: status, headers, and the
/// body with the chunked transfer coding removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub code: u16,
    pub phrase: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// LWP's `status_line` ("200 OK", no protocol): the legacy logs it as
    /// the reason of an http check.
    pub fn status_line(&self) -> String {
        if self.phrase.is_empty() {
            self.code.to_string()
        } else {
            format!("{} {}", self.code, self.phrase)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub code: u16,
    pub phrase: String,
    pub headers: Vec<(String, String)>,
    /// Bytes of the head, blank line included: the body starts here.
    pub len: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum HeadParse {
    Incomplete,
    Invalid(String),
    Done(Head),
}

/// Parses the status line and headers once the blank line has arrived.
pub fn parse_head(buf: &[u8]) -> HeadParse {
    let Some((text_len, len)) = find_blank_line(buf) else {
        // A status line that is already wrong need not wait for the rest.
        if let Some(line_end) = buf.iter().position(|&b| b == b'\n') {
            if parse_status(&String::from_utf8_lossy(&buf[..line_end])).is_none() {
                return HeadParse::Invalid(not_http(&buf[..line_end]));
            }
        }
        return HeadParse::Incomplete;
    };
    let text = String::from_utf8_lossy(&buf[..text_len]);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let status = lines.next().unwrap_or("");
    let Some((code, phrase)) = parse_status(status) else {
        return HeadParse::Invalid(not_http(status.as_bytes()));
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    HeadParse::Done(Head {
        code,
        phrase,
        headers,
        len,
    })
}

fn not_http(line: &[u8]) -> String {
    let line = String::from_utf8_lossy(line);
    let line: String = line.trim_end().chars().take(80).collect();
    format!("not an HTTP response: {line:?}")
}

/// (end of the header text, start of the body).
fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(c), Some(l)) if l < c => Some((l, l + 2)),
        (Some(c), _) => Some((c, c + 4)),
        (None, Some(l)) => Some((l, l + 2)),
        (None, None) => None,
    }
}

fn parse_status(line: &str) -> Option<(u16, String)> {
    let rest = line.strip_prefix("HTTP/")?;
    let (_version, rest) = rest.split_once([' ', '\t'])?;
    let rest = rest.trim_start();
    let (code, phrase) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    if code.len() != 3 {
        return None;
    }
    Some((code.parse().ok()?, phrase.trim().to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Empty,
    Length(usize),
    Chunked,
    UntilClose,
}

/// RFC 9112 §6.3, the parts that matter for a health check.
pub fn framing(head: &Head, head_only: bool) -> Framing {
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if head_only || head.code < 200 || head.code == 204 || head.code == 304 {
        Framing::Empty
    } else if header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        Framing::Chunked
    } else if let Some(n) = header("content-length").and_then(|v| v.trim().parse().ok()) {
        Framing::Length(n)
    } else {
        Framing::UntilClose
    }
}

/// The body, once `bytes` (everything after the head) holds all of it or
/// the stream has ended (`eof`): a truncated body is judged as received,
/// as LWP does. `None` while more is to come.
pub fn body(framing: Framing, bytes: &[u8], eof: bool) -> Option<Vec<u8>> {
    match framing {
        Framing::Empty => Some(Vec::new()),
        Framing::Length(n) if bytes.len() >= n => Some(bytes[..n].to_vec()),
        Framing::Length(_) | Framing::UntilClose => eof.then(|| bytes.to_vec()),
        Framing::Chunked => {
            let (decoded, complete) = dechunk(bytes);
            (complete || eof).then_some(decoded)
        }
    }
}

/// Removes the chunked coding; `true` once the last chunk has been seen.
/// Bad framing ends the body where it goes wrong.
fn dechunk(mut bytes: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Some(eol) = bytes.iter().position(|&b| b == b'\n') else {
            return (out, false);
        };
        let line = String::from_utf8_lossy(&bytes[..eol]);
        let size = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return (out, true);
        };
        bytes = &bytes[eol + 1..];
        if size == 0 {
            // Trailers are not needed; the last chunk is the end.
            return (out, true);
        }
        if bytes.len() < size {
            out.extend_from_slice(bytes);
            return (out, false);
        }
        out.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size..];
        match bytes.iter().position(|&b| b == b'\n') {
            Some(p) => bytes = &bytes[p + 1..],
            None => return (out, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(buf: &[u8]) -> Head {
        match parse_head(buf) {
            HeadParse::Done(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn head_and_framing() {
        let h = head(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody");
        assert_eq!((h.code, h.phrase.as_str(), h.len), (200, "OK", 38));
        assert_eq!(framing(&h, false), Framing::Length(4));
        assert_eq!(framing(&h, true), Framing::Empty);
        let h = head(b"HTTP/1.1 404 Not Found\nTransfer-Encoding: chunked\n\n");
        assert_eq!(framing(&h, false), Framing::Chunked);
        assert_eq!(
            framing(&head(b"HTTP/1.0 200\r\n\r\n"), false),
            Framing::UntilClose
        );
        assert_eq!(
            framing(&head(b"HTTP/1.1 204 No\r\n\r\n"), false),
            Framing::Empty
        );
    }

    #[test]
    fn an_incomplete_head_waits_and_garbage_is_rejected_early() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nServ"),
            HeadParse::Incomplete
        );
        assert_eq!(parse_head(b""), HeadParse::Incomplete);
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n"),
            HeadParse::Invalid(_)
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 abc\r\n\r\n"),
            HeadParse::Invalid(_)
        ));
        assert!(matches!(
            parse_head(&[0xff, 0xfe, b'\n', b'\n']),
            HeadParse::Invalid(_)
        ));
    }

    #[test]
    fn bodies_by_framing() {
        assert_eq!(body(Framing::Length(3), b"ab", false), None);
        assert_eq!(body(Framing::Length(3), b"ab", true), Some(b"ab".to_vec()));
        assert_eq!(
            body(Framing::Length(3), b"abcd", false),
            Some(b"abc".to_vec())
        );
        assert_eq!(body(Framing::UntilClose, b"ab", false), None);
        let chunked = b"4\r\nthis\r\n8;ext=1\r\n is test\r\n0\r\n\r\n";
        assert_eq!(
            body(Framing::Chunked, chunked, false),
            Some(b"this is test".to_vec())
        );
        assert_eq!(body(Framing::Chunked, &chunked[..12], false), None);
        assert_eq!(
            body(Framing::Chunked, &chunked[..12], true),
            Some(b"this".to_vec())
        );
        assert_eq!(body(Framing::Chunked, b"zz\r\n", false), Some(Vec::new()));
    }
}
