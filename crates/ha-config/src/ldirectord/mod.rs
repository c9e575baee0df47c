//! `ldirectord.cf`: ldirectord 4.12's configuration.

use crate::diag::{Collector, ConfigError, Parsed};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LdirectordCf {}

pub fn parse(_text: &str, file: &str) -> Result<Parsed<LdirectordCf>, ConfigError> {
    Collector::new(file).finish(LdirectordCf::default())
}
