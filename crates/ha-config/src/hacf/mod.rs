//! `ha.cf`: heartbeat 3.0.6's main configuration file.

use crate::diag::{Collector, ConfigError, Parsed};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HaCf {}

pub fn parse(_text: &str, file: &str) -> Result<Parsed<HaCf>, ConfigError> {
    Collector::new(file).finish(HaCf::default())
}
