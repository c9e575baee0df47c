//! `haresources`: which node prefers which resource group.

use crate::diag::{Collector, ConfigError, Parsed};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HaResources {}

pub fn parse(_text: &str, file: &str) -> Result<Parsed<HaResources>, ConfigError> {
    Collector::new(file).finish(HaResources::default())
}
