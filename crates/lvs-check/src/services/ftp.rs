//! `service=ftp`: log in with `login`/`passwd`, `CWD /`, `TYPE I`, passive
//! mode, `RETR` the `request` (as written, with its leading `/`), and judge
//! what came back by `receive` — the legacy's Net::FTP sequence. The daemon
//! has already filled the legacy's defaults (anonymous, ldirectord@host).
//!
//! The verdict follows the legacy's `content =~ /receive/`, where content
//! is whatever arrived on the data connection and a failed step (login,
//! PASV, RETR) leaves it empty: so without `receive`, or with one matching
//! the empty string (`.*`, `^`), a server that greets is up even when the
//! download fails, as in the legacy. One departure: the legacy also calls
//! up a server that refuses the connection or never greets (its content is
//! just as empty); here that is down, as a health check must say.
//!
//! Hand-rolled on the shared line reader: six commands and one data
//! connection; suppaftp would add its own async stack for this.

use super::line_conn::{connect, LineConn};
use super::reply::{command, read_reply};
use super::Probe;
use crate::{Outcome, ServiceCheck};
use regex::Regex;
use std::net::{Ipv4Addr, SocketAddr};
use tokio::io::AsyncReadExt;

pub(crate) struct Ftp;

/// What is read of the file at most: a health check's page is small, and
/// a huge file must not be buffered whole (the legacy would).
const MAX_CONTENT: u64 = 1024 * 1024;

impl Probe for Ftp {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        verdict(
            &check.request,
            fetch(target, check).await,
            check.receive.as_deref(),
        )
    }
}

/// Why there is no content: the server never greeted (down whatever
/// `receive` says), or a later step failed (content is then empty, which
/// the legacy still matches against `receive`).
#[derive(Debug)]
enum Failure {
    NoGreeting(String),
    Download(String),
}

fn verdict(path: &str, fetched: Result<Vec<u8>, Failure>, receive: Option<&Regex>) -> Outcome {
    let content = match fetched {
        Ok(content) => content,
        Err(Failure::NoGreeting(reason)) => return Outcome::down(reason),
        Err(Failure::Download(reason)) => {
            // The legacy matches the empty content of a failed download:
            // no receive, or one that matches "", still says up.
            return match receive {
                None => Outcome::up(format!(
                    "{reason}; up all the same: no receive is set (as in the legacy)"
                )),
                Some(re) if re.is_match("") => Outcome::up(format!(
                    "{reason}; up all the same: /{re}/ matches the empty content (as in the legacy)"
                )),
                Some(_) => Outcome::down(reason),
            };
        }
    };
    let text = String::from_utf8_lossy(&content);
    match receive {
        None => Outcome::up(format!("retrieved {path} ({} bytes)", content.len())),
        Some(re) if re.is_match(&text) => Outcome::up(format!(
            "retrieved {path} ({} bytes), matched /{re}/",
            content.len()
        )),
        Some(re) => Outcome::down(format!(
            "retrieved {path} ({} bytes), did not match /{re}/",
            content.len()
        )),
    }
}

async fn fetch(target: SocketAddr, check: &ServiceCheck) -> Result<Vec<u8>, Failure> {
    let stream = connect(target).await.map_err(Failure::NoGreeting)?;
    let mut conn = LineConn::new(stream);
    let greeting = read_reply(&mut conn).await.map_err(Failure::NoGreeting)?;
    if greeting.class() != 2 {
        return Err(Failure::NoGreeting(format!(
            "greeting refused: {}",
            greeting.text
        )));
    }
    let content = download(&mut conn, target, check)
        .await
        .map_err(Failure::Download)?;
    conn.farewell("QUIT").await;
    Ok(content)
}

async fn download<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
    target: SocketAddr,
    check: &ServiceCheck,
) -> Result<Vec<u8>, String> {
    let mut login = command(conn, &format!("USER {}", check.login)).await?;
    if login.class() == 3 {
        login = command(conn, &format!("PASS {}", check.passwd)).await?;
    }
    if login.class() != 2 {
        return Err(format!("login refused: {}", login.text));
    }
    // As the legacy: the answers to these two do not matter.
    command(conn, "CWD /").await?;
    command(conn, "TYPE I").await?;
    let data_addr = passive(conn, target).await?;
    let mut data = connect(data_addr)
        .await
        .map_err(|e| format!("data connection: {e}"))?;
    let retr = command(conn, &format!("RETR {}", check.request)).await?;
    if retr.class() != 1 {
        return Err(format!("RETR {} refused: {}", check.request, retr.text));
    }
    let mut content = Vec::new();
    (&mut data)
        .take(MAX_CONTENT)
        .read_to_end(&mut content)
        .await
        .map_err(|e| format!("reading {} failed: {e}", check.request))?;
    Ok(content)
}

/// Where to open the data connection: PASV's address over IPv4 (the
/// legacy connects where the server says), EPSV's port on the server's
/// own address over IPv6.
async fn passive<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
    target: SocketAddr,
) -> Result<SocketAddr, String> {
    let verb = if target.is_ipv4() { "PASV" } else { "EPSV" };
    let reply = command(conn, verb).await?;
    if reply.class() != 2 {
        return Err(format!("{verb} refused: {}", reply.text));
    }
    let addr = if target.is_ipv4() {
        parse_pasv(&reply.text)
    } else {
        parse_epsv(&reply.text).map(|port| SocketAddr::new(target.ip(), port))
    };
    addr.ok_or_else(|| format!("{verb} answer not understood: {}", reply.text))
}

/// `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`: the first run of six
/// comma-separated numbers, wherever it stands.
fn parse_pasv(text: &str) -> Option<SocketAddr> {
    let bytes = text.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()))
        .find_map(|i| {
            let nums: Vec<u8> = text[i..]
                .split(|c: char| !c.is_ascii_digit() && c != ',')
                .next()?
                .split(',')
                .take(6)
                .map(|n| n.parse().ok())
                .collect::<Option<_>>()?;
            let [a, b, c, d, p1, p2] = nums[..] else {
                return None;
            };
            let port = u16::from(p1) << 8 | u16::from(p2);
            Some(SocketAddr::new(Ipv4Addr::new(a, b, c, d).into(), port))
        })
}

/// `229 Entering Extended Passive Mode (|||port|)`, with any delimiter.
fn parse_epsv(text: &str) -> Option<u16> {
    let inner = text.split_once('(')?.1.split_once(')')?.0;
    let mut chars = inner.chars();
    let d = chars.next()?;
    let rest = inner.strip_prefix([d, d, d].iter().collect::<String>().as_str())?;
    rest.strip_suffix(d)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasv_answers() {
        assert_eq!(
            parse_pasv("227 Entering Passive Mode (127,0,0,1,156,64)."),
            Some("127.0.0.1:40000".parse().unwrap())
        );
        assert_eq!(
            parse_pasv("227 =10,1,2,3,0,21"),
            Some("10.1.2.3:21".parse().unwrap())
        );
        assert_eq!(parse_pasv("227 Entering Passive Mode (1,2,3)"), None);
        assert_eq!(parse_pasv("227 (300,0,0,1,1,1)"), None);
    }

    #[test]
    fn epsv_answers() {
        assert_eq!(
            parse_epsv("229 Entering Extended Passive Mode (|||6446|)"),
            Some(6446)
        );
        assert_eq!(parse_epsv("229 ok (!!!21!)"), Some(21));
        assert_eq!(parse_epsv("229 ok (||6446|)"), None);
        assert_eq!(parse_epsv("229 nothing"), None);
    }

    #[test]
    fn the_verdict_is_the_content_against_receive() {
        let re = Regex::new("hello").unwrap();
        let any = Regex::new(".*").unwrap();
        let got = |s: &str| Ok(s.as_bytes().to_vec());
        let failed = || Err(Failure::Download("RETR /x refused: 550 no".into()));
        assert!(verdict("/t", got("hello ftp"), Some(&re)).up);
        let down = verdict("/t", got("bye"), Some(&re));
        assert!(!down.up);
        assert_eq!(down.reason, "retrieved /t (3 bytes), did not match /hello/");
        assert!(verdict("/t", got(""), None).up);
        let down = verdict("/t", failed(), Some(&re));
        assert_eq!(down, Outcome::down("RETR /x refused: 550 no"));
        assert!(verdict("/t", failed(), Some(&any)).up);
        assert!(verdict("/t", failed(), None).up);
        let none = Err(Failure::NoGreeting("connect to x failed".into()));
        assert!(!verdict("/t", none, Some(&any)).up);
        let none = Err(Failure::NoGreeting("connect to x failed".into()));
        assert!(!verdict("/t", none, None).up);
    }
}
