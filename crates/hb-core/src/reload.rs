//! Reloading the configuration in place (SIGHUP, `heartbeatd -r`).
//!
//! The legacy re-executes itself (`-R -C state`): a new generation, a
//! fresh sequence, its clients stopped and started again, and a deadtime
//! advertised 30 s longer so the peer waits. We keep the process, the
//! generation and the sequence numbers: the peer sees nothing but the new
//! `dt` of our next status, so it never has a restart to handle. What
//! takes effect: the timings (membership, sent at once), `auto_failback`
//! between `on` and `off`, and the groups (resources). Refused, with the
//! running configuration kept: a different node list or node name, and a
//! switch between `legacy` and `on`/`off` (another protocol, which both
//! nodes must start together).

use crate::config::Config;

/// Why `new` cannot replace `old` in place, as an error line for the log.
pub fn refusal(old: &Config, new: &Config) -> Option<String> {
    let restart = "restart heartbeat to change it; running configuration kept";
    if let Err(e) = new.validate() {
        return Some(format!("Reload refused: {e}"));
    }
    if new.nodes != old.nodes || new.node_name != old.node_name {
        return Some(format!("Reload refused: the node list changed; {restart}"));
    }
    if new.auto_failback.nice() != old.auto_failback.nice() {
        return Some(format!(
            "Reload refused: auto_failback {:?} -> {:?} changes the resource protocol; {restart}",
            old.auto_failback, new.auto_failback
        ));
    }
    None
}
