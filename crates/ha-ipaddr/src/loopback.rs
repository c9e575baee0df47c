//! The kernel and file side of `lvs_support` (decisions in lvs.rs): take
//! the VIP's copy off `lo` before start adds it, put it back after stop.

use std::io;

use crate::kernel::{LinkLookup, Snapshot};
use crate::lvs::{loopback_copies, Memo};
use crate::plan::AddressPlan;
use crate::rtnl::Rtnl;
use crate::Error;

/// Notes, then removes, each loopback copy of the VIP and its host routes.
/// Nothing is removed unless its note is written: without the note the
/// copy could not be put back (the legacy logs that and removes it anyway).
pub(crate) fn take_copies(
    plan: &AddressPlan,
    snap: &Snapshot,
    rtnl: &mut Rtnl,
) -> Result<(), Error> {
    let sys = |what: String, e| Error::system(&plan.resource, what, e);
    for copy in loopback_copies(plan.ip, snap) {
        let path = Memo::path(&plan.state_dir, plan.ip);
        std::fs::create_dir_all(&plan.state_dir)
            .and_then(|()| std::fs::write(&path, copy.memo().line()))
            .map_err(|e| {
                sys(
                    format!(
                        "noting the copy on {} in {}",
                        copy.interface,
                        path.display()
                    ),
                    e,
                )
            })?;
        rtnl.delete_address(copy.address.index, plan.ip, copy.address.prefix_len)
            .map_err(|e| {
                sys(
                    format!("removing {}/32 from {}", plan.ip, copy.interface),
                    e,
                )
            })?;
        for r in &copy.routes {
            rtnl.delete_host_route(r.dst, r.oif).map_err(|e| {
                sys(
                    format!("removing the route to {} via {}", plan.ip, copy.interface),
                    e,
                )
            })?;
        }
    }
    Ok(())
}

/// Puts a noted copy back (its interface set up, as the legacy's
/// add_interface does) and removes the note. Returns whether one was.
pub(crate) fn restore(plan: &AddressPlan, snap: &Snapshot, rtnl: &mut Rtnl) -> Result<bool, Error> {
    let path = Memo::path(&plan.state_dir, plan.ip);
    let sys = |what: String, e| Error::system(&plan.resource, what, e);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(sys(format!("reading {}", path.display()), e)),
    };
    // The legacy restores only from a non-empty note.
    if text.is_empty() {
        return Ok(false);
    }
    let unusable = |why: &str| {
        sys(
            format!("restoring the loopback copy from {}", path.display()),
            io::Error::new(io::ErrorKind::InvalidData, why.to_string()),
        )
    };
    let memo = Memo::parse(&text).ok_or_else(|| unusable("not `IP NETMASK BROADCAST IFNAME`"))?;
    let link = snap
        .link_by_name(&memo.interface)
        .ok_or_else(|| unusable(&format!("no interface named {}", memo.interface)))?;
    let what = format!(
        "putting {}/{} back on {}",
        memo.ip, memo.prefix_len, memo.interface
    );
    rtnl.add_address(link.index, memo.ip, memo.prefix_len, memo.broadcast, None)
        .and_then(|_| rtnl.set_up(link.index))
        .map_err(|e| sys(what, e))?;
    std::fs::remove_file(&path).map_err(|e| sys(format!("removing {}", path.display()), e))?;
    Ok(true)
}
