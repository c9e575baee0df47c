//! `service=dns`, as the legacy's check_dns (Net::DNS `search`): ask the
//! real, as a resolver with recursion desired, for the name in `request`
//! (without its leading `/`; an IP address becomes a PTR query of its
//! reverse name, anything else an A query). Up iff an answer record is an
//! A whose address, or a PTR whose target, matches `receive`; an empty or
//! missing `receive` is always down, as in the legacy.
//!
//! Transport: the legacy switches Net::DNS to TCP only when the virtual's
//! protocol is "tcp"; otherwise (udp) it sends a datagram and, like
//! Net::DNS, retries over TCP when the reply is truncated. The daemon sets
//! `ServiceCheck::udp` accordingly (a fwmark virtual: UDP).

mod codec;

use super::Probe;
use crate::{Outcome, ServiceCheck};
use codec::{Answer, Reply};
use regex::Regex;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) struct Dns;

impl Probe for Dns {
    async fn probe(&self, target: SocketAddr, check: &ServiceCheck) -> Outcome {
        let receive = check
            .receive
            .as_deref()
            .filter(|re| !re.as_str().is_empty());
        let request = check.request_text();
        let mut last = String::from("no name to ask for");
        for name in search_names(request, &search_list()) {
            let (qname, qtype) = codec::question_for(&name);
            let reply = match ask(target, &qname, qtype, !check.udp).await {
                Ok(reply) => reply,
                Err(e) => return Outcome::down(format!("Connection timed out: {e}")),
            };
            if reply.answers.is_empty() {
                // Net::DNS treats an answerless reply as no reply and tries
                // the next search suffix.
                last = format!(
                    "Connection timed out: no answer for {qname} (rcode {})",
                    reply.rcode
                );
                continue;
            }
            return judge(&qname, &reply.answers, receive);
        }
        Outcome::down(last)
    }
}

/// Up iff an A address or PTR target matches `receive` (none: down).
fn judge(qname: &str, answers: &[Answer], receive: Option<&Regex>) -> Outcome {
    let found: Vec<String> = answers
        .iter()
        .filter_map(|a| match a {
            Answer::A(ip) => Some(ip.to_string()),
            Answer::Ptr(name) => Some(name.clone()),
            Answer::Other(_) => None,
        })
        .collect();
    match receive {
        Some(re) => match found.iter().find(|text| re.is_match(text)) {
            Some(hit) => Outcome::up(format!("Success: {qname} answered {hit}")),
            None => Outcome::down(format!(
                "Response mismatch: {qname} answered [{}], none matches /{}/",
                found.join(", "),
                re.as_str()
            )),
        },
        None => Outcome::down(format!(
            "Response mismatch: {qname} answered [{}], but no receive is set to match",
            found.join(", ")
        )),
    }
}

/// The names Net::DNS's `search` tries, in order: a name with a dot (or
/// an address, or a final dot) as it is; a one-label name with each
/// search suffix, or as it is when there is no search list.
fn search_names(name: &str, suffixes: &[String]) -> Vec<String> {
    let literal = name.contains(':')
        || name
            .rsplit_once('.')
            .is_some_and(|(_, last)| last.bytes().all(|b| b.is_ascii_digit()));
    if literal || name.contains('.') || suffixes.is_empty() {
        vec![name.to_string()]
    } else {
        suffixes.iter().map(|s| format!("{name}.{s}")).collect()
    }
}

/// The search list as Net::DNS reads it: $LOCALDOMAIN, else the last
/// `search` or `domain` line of /etc/resolv.conf.
fn search_list() -> Vec<String> {
    if let Ok(local) = std::env::var("LOCALDOMAIN") {
        return local.split_whitespace().map(String::from).collect();
    }
    parse_search_list(&std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default())
}

fn parse_search_list(conf: &str) -> Vec<String> {
    let mut list = Vec::new();
    for line in conf.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("search") | Some("domain") => list = words.map(String::from).collect(),
            _ => {}
        }
    }
    list
}

fn query_id() -> u16 {
    let mut h = RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish() as u16
}

/// One question to the real over TCP or UDP (then TCP if truncated).
async fn ask(target: SocketAddr, qname: &str, qtype: u16, tcp: bool) -> Result<Reply, String> {
    let id = query_id();
    let query = codec::encode_query(id, qname, qtype)?;
    if !tcp {
        let reply = ask_udp(target, id, &query).await?;
        if !reply.truncated {
            return Ok(reply);
        }
    }
    ask_tcp(target, id, &query).await
}

async fn ask_udp(target: SocketAddr, id: u16, query: &[u8]) -> Result<Reply, String> {
    let io = |what: &str, e: std::io::Error| format!("{what} udp {target}: {e}");
    let socket = super::udp::connected(target).await?;
    socket.send(query).await.map_err(|e| io("send to", e))?;
    let mut buf = vec![0; 65535];
    loop {
        let n = socket
            .recv(&mut buf)
            .await
            .map_err(|e| io("recv from", e))?;
        // A stray datagram (another id, or not a response) is ignored, as
        // Net::DNS does; the check's timeout ends the wait.
        match codec::decode_reply(&buf[..n]) {
            Ok(reply) if reply.id == id && reply.is_response => return Ok(reply),
            _ => continue,
        }
    }
}

async fn ask_tcp(target: SocketAddr, id: u16, query: &[u8]) -> Result<Reply, String> {
    let io = |what: &str, e: std::io::Error| format!("{what} tcp {target}: {e}");
    let mut stream = TcpStream::connect(target)
        .await
        .map_err(|e| io("connect to", e))?;
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream
        .write_all(&framed)
        .await
        .map_err(|e| io("send to", e))?;
    let len = stream.read_u16().await.map_err(|e| io("read from", e))?;
    let mut buf = vec![0; len as usize];
    stream
        .read_exact(&mut buf)
        .await
        .map_err(|e| io("read from", e))?;
    let reply = codec::decode_reply(&buf)?;
    if reply.id != id || !reply.is_response {
        return Err(format!("tcp {target} answered another query"));
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_suffixes_apply_to_one_label_names_only() {
        let sfx = vec!["a.test".to_string(), "b.test".to_string()];
        assert_eq!(search_names("www", &sfx), ["www.a.test", "www.b.test"]);
        assert_eq!(search_names("www", &[]), ["www"]);
        assert_eq!(search_names("www.example", &sfx), ["www.example"]);
        assert_eq!(search_names("10.0.0.1", &sfx), ["10.0.0.1"]);
        assert_eq!(search_names("::1", &sfx), ["::1"]);
    }

    #[test]
    fn the_last_search_or_domain_line_wins() {
        let conf = "nameserver 1.1.1.1\ndomain one.test\nsearch two.test three.test\n";
        assert_eq!(parse_search_list(conf), ["two.test", "three.test"]);
        assert!(parse_search_list("nameserver 1.1.1.1\n").is_empty());
    }

    #[test]
    fn empty_receive_is_down_and_a_ptr_match_is_up() {
        let answers = [
            Answer::Other(5),
            Answer::A("10.0.0.7".parse().unwrap()),
            Answer::Ptr("real.example.test".into()),
        ];
        assert!(!judge("q", &answers, None).up);
        let re = Regex::new("^real\\.").unwrap();
        assert!(judge("q", &answers, Some(&re)).up);
        let re = Regex::new("10\\.0\\.0\\.8").unwrap();
        let out = judge("q", &answers, Some(&re));
        assert!(!out.up);
        assert!(
            out.reason.contains("10.0.0.7, real.example.test"),
            "{}",
            out.reason
        );
    }
}
