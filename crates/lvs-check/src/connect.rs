//! `checktype=connect`: the real is up if a TCP connection opens.

use crate::{CheckSpec, Outcome};
use tokio::net::TcpStream;

pub async fn check(spec: &CheckSpec) -> Outcome {
    match TcpStream::connect(spec.target).await {
        Ok(_) => Outcome::up(format!("connected to {}", spec.target)),
        Err(e) => Outcome::down(format!("connect to {} failed: {e}", spec.target)),
    }
}
