//! The legacy daemons as oracles: does heartbeat 3.0.6 / ldirectord 4.12
//! accept this configuration? The scripts under `tests/legacy/` run them in
//! throwaway namespaces, so nothing on the host is touched.

use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// The legacy's own words, e.g. `line 3: Unknown command checktimout=3`.
    Reject(String),
}

impl Verdict {
    pub fn accepted(&self) -> bool {
        matches!(self, Verdict::Accept)
    }
}

fn run_oracle(script: &str, arg: &Path) -> Result<Verdict, String> {
    let path = crate::repo_root().join("tests/legacy").join(script);
    let out = Command::new(&path)
        .arg(arg)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdict = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("ACCEPT") || l.starts_with("REJECT"));
    match (out.status.code(), verdict) {
        (Some(0), Some(l)) if l.starts_with("ACCEPT") => Ok(Verdict::Accept),
        (Some(1), Some(l)) if l.starts_with("REJECT") => Ok(Verdict::Reject(
            l.trim_start_matches("REJECT")
                .trim_start_matches(':')
                .trim()
                .to_string(),
        )),
        (code, _) => Err(format!(
            "{script} {} gave no verdict (exit {code:?})\nstdout: {stdout}\nstderr: {}",
            arg.display(),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// Runs heartbeat 3.0.6 on an installed-looking copy of a config dir.
pub fn heartbeat_verdict(dir: &Path) -> Result<Verdict, String> {
    run_oracle("heartbeat-accepts.sh", dir)
}

/// Runs ldirectord 4.12 on a config file.
pub fn ldirectord_verdict(file: &Path) -> Result<Verdict, String> {
    run_oracle("ldirectord-accepts.sh", file)
}
