//! `service=simpletcp`: a request line out, a matching reply line back.

use crate::{CheckKind, CheckSpec, Outcome};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Replies longer than this are not read further: the answer we wait for is
/// one line, and a real server must not make us buffer without bound.
const MAX_REPLY: usize = 64 * 1024;

pub async fn check(spec: &CheckSpec) -> Outcome {
    let CheckKind::SimpleTcp { request, receive } = &spec.kind else {
        return Outcome::down("not a simpletcp check");
    };
    let mut stream = match TcpStream::connect(spec.target).await {
        Ok(s) => s,
        Err(e) => return Outcome::down(format!("connect to {} failed: {e}", spec.target)),
    };
    // The config keeps `\n` as two characters; the legacy expands them.
    let request = request.replace("\\n", "\n");
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        return Outcome::down(format!("sending the request failed: {e}"));
    }
    let _ = stream.shutdown().await;
    let mut lines = BufReader::new(stream);
    let mut read = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) => return Outcome::down(format!("no reply matched /{receive}/")),
            Ok(n) => {
                read += n;
                if receive.is_match(&String::from_utf8_lossy(&line)) {
                    return Outcome::up("reply matched");
                }
                if read > MAX_REPLY {
                    return Outcome::down(format!("no reply matched /{receive}/ in {read} bytes"));
                }
            }
            Err(e) => return Outcome::down(format!("reading the reply failed: {e}")),
        }
    }
}
