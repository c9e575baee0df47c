//! `authkeys`: the shared secret that signs every heartbeat packet.

use crate::diag::{Collector, ConfigError, Parsed};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AuthKeys {}

pub fn parse(_text: &str, file: &str) -> Result<Parsed<AuthKeys>, ConfigError> {
    Collector::new(file).finish(AuthKeys::default())
}
