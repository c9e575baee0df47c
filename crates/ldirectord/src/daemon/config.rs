//! Loading ldirectord.cf into a plan, with every error as `file:line`.

use crate::resolver::SystemLookup;
use director::Plan;
use ha_config::ldirectord::LdirectordCf;
use std::path::Path;

pub struct Loaded {
    pub cf: LdirectordCf,
    pub plan: Plan,
    pub warnings: Vec<String>,
}

pub fn load(path: &Path) -> Result<Loaded, String> {
    let names = SystemLookup::new();
    let parsed = ha_config::ldirectord::load_resolved(path, &names).map_err(|e| e.to_string())?;
    let plan = director::plan::build(&parsed.value, &names)
        .map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))?;
    Ok(Loaded {
        warnings: parsed.warnings.iter().map(|w| w.to_string()).collect(),
        cf: parsed.value,
        plan,
    })
}

/// What the change check compares: a hash of the file's content (the
/// legacy compares an MD5 of it), so a touch without a change is no change.
pub fn fingerprint(path: &Path) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let text = std::fs::read(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    Some(h.finish())
}
