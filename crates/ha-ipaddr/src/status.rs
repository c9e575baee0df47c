//! Is the address served here? Each script has its own test:
//! IPaddr2 wants `IP/prefix` on the planned interface; IPaddr wants `IP` on
//! an alias (a label with a colon, what `ifconfig -a` lists as `eth0:N`), on
//! the configured interface if one was named.

use crate::kernel::{Address, LinkLookup, Snapshot};
use crate::plan::AddressPlan;
use crate::spec::Flavor;
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Stopped,
}

impl Status {
    /// What the OCF agents print for `status`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Stopped => "stopped",
        }
    }

    /// What heartbeat's resource.d wrapper prints for `status` (it runs the
    /// agent's monitor). ResourceManager reads "Running"/"OK" in it as
    /// running; the wrapper leaves `$rsc_type` empty, hence two spaces.
    pub fn wrapper_line(self) -> &'static str {
        match self {
            Status::Running => "INFO:  Running OK",
            Status::Stopped => "INFO:  Resource is stopped",
        }
    }

    /// OCF exit code: 0 running, 7 (OCF_NOT_RUNNING) stopped.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Running => 0,
            Status::Stopped => 7,
        }
    }
}

/// Status in the calling thread's network namespace.
pub fn status(plan: &AddressPlan) -> Result<Status, Error> {
    let snap =
        Snapshot::read().map_err(|e| Error::system(&plan.resource, "reading addresses", e))?;
    Ok(match served(plan, &snap)? {
        Some(_) => Status::Running,
        None => Status::Stopped,
    })
}

/// The kernel address that makes the resource "running", if any.
pub(crate) fn served<'a>(
    plan: &AddressPlan,
    snap: &'a Snapshot,
) -> Result<Option<&'a Address>, Error> {
    match find(plan, snap) {
        Some(a) if plan.flavor == Flavor::IPaddr && plan.nic_given && a.index != plan.ifindex => {
            Err(Error::WrongInterface {
                resource: plan.resource.clone(),
                ip: plan.ip.into(),
                found: snap.name_of(a.index),
                configured: plan.interface.clone(),
            })
        }
        found => Ok(found),
    }
}

/// The address the flavour looks for, wherever it is. IPaddr's stop takes
/// it down even from another interface than the configured one.
pub(crate) fn find<'a>(plan: &AddressPlan, snap: &'a Snapshot) -> Option<&'a Address> {
    let mut mine = snap.addresses.iter().filter(|a| a.local == plan.ip);
    match plan.flavor {
        Flavor::IPaddr2 => {
            mine.find(|a| a.index == plan.ifindex && a.prefix_len == plan.prefix_len)
        }
        Flavor::IPaddr => mine.find(|a| a.label.contains(':')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_codes() {
        assert_eq!(Status::Running.word(), "running");
        assert_eq!(Status::Stopped.word(), "stopped");
        assert_eq!(Status::Running.exit_code(), 0);
        assert_eq!(Status::Stopped.exit_code(), 7);
        assert!(Status::Running.wrapper_line().contains("Running"));
        assert!(!Status::Stopped.wrapper_line().contains("OK"));
    }
}
