//! The numbered replies of SMTP (RFC 5321) and FTP (RFC 959): a three-digit
//! code, and `ddd-` on every line but the last of a multi-line reply.

use super::line_conn::LineConn;
use tokio::io::{AsyncRead, AsyncWrite};

/// A whole reply: its code and its first line (enough for the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    /// The first digit: 1 preliminary, 2 done, 3 more needed, 4/5 refused.
    pub fn class(&self) -> u16 {
        self.code / 100
    }
}

/// How one line of a reply reads: the last line carries the code followed
/// by a space (or nothing); any other line continues the reply. FTP allows
/// continuation lines without a code at all, so those continue too.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReplyLine {
    Last(u16),
    More,
}

pub(crate) fn reply_line(line: &str) -> ReplyLine {
    let b = line.as_bytes();
    if b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit) && b.get(3) != Some(&b'-') {
        let code = line[..3].parse().unwrap_or(0);
        ReplyLine::Last(code)
    } else {
        ReplyLine::More
    }
}

/// Reads one reply. Its lines are bounded by `LineConn`, their number by
/// the check's timeout.
pub(crate) async fn read_reply<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
) -> Result<Reply, String> {
    let first = conn.line().await?;
    let mut line = first.clone();
    loop {
        if let ReplyLine::Last(code) = reply_line(&line) {
            return Ok(Reply { code, text: first });
        }
        line = conn.line().await?;
    }
}

/// Sends `command` and reads its reply.
pub(crate) async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
    command: &str,
) -> Result<Reply, String> {
    conn.send(command).await?;
    read_reply(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn the_last_line_has_a_code_without_a_dash() {
        assert_eq!(reply_line("220 mail.example ESMTP"), ReplyLine::Last(220));
        assert_eq!(reply_line("250"), ReplyLine::Last(250));
        assert_eq!(reply_line("250-PIPELINING"), ReplyLine::More);
        assert_eq!(reply_line("  some ftp banner text"), ReplyLine::More);
        assert_eq!(reply_line("22"), ReplyLine::More);
        assert_eq!(reply_line("abc def"), ReplyLine::More);
    }

    #[tokio::test]
    async fn a_multi_line_reply_is_read_whole() {
        let (client, mut server) = tokio::io::duplex(1024);
        let mut conn = LineConn::new(client);
        server
            .write_all(b"230-Welcome\r\n plain text\r\n230 Login ok\r\n421 next\r\n")
            .await
            .unwrap();
        let reply = read_reply(&mut conn).await.unwrap();
        assert_eq!(reply.code, 230);
        assert_eq!(reply.class(), 2);
        assert_eq!(reply.text, "230-Welcome");
        assert_eq!(read_reply(&mut conn).await.unwrap().code, 421);
    }
}
