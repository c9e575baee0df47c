//! Where the director's operations go: the kernel's IPVS over netlink, or,
//! for benchmarks on a host whose kernel has no IPVS, a table kept in this
//! process (`LDIRECTORD_RS_IPVS=standin`). The stand-in applies the same
//! operations with the same model the netlink client is tested against, so
//! the daemon does all its work but the kernel's share; the legacy is
//! benchmarked the same way, with `ipvsadm` replaced by a stand-in.

use director::IndexedTable;
use ipvs::{ApplyReport, Ipvs, IpvsError, Operation, Table};

pub enum Kernel {
    Netlink(Ipvs),
    /// Indexed, so that adding the 10,000th real to one service costs what
    /// the first did.
    StandIn(IndexedTable),
}

/// The environment variable that selects the in-process stand-in.
pub const STANDIN_ENV: &str = "LDIRECTORD_RS_IPVS";

impl Kernel {
    pub fn open() -> Result<Kernel, IpvsError> {
        if std::env::var(STANDIN_ENV).as_deref() == Ok("standin") {
            return Ok(Kernel::StandIn(IndexedTable::default()));
        }
        Ipvs::open_or_load().map(Kernel::Netlink)
    }

    pub fn is_standin(&self) -> bool {
        matches!(self, Kernel::StandIn(_))
    }

    pub fn dump(&mut self) -> Result<Table, IpvsError> {
        match self {
            Kernel::Netlink(i) => i.dump(),
            Kernel::StandIn(t) => Ok(t.table().clone()),
        }
    }

    pub fn apply(&mut self, ops: &[Operation]) -> Result<ApplyReport, IpvsError> {
        match self {
            Kernel::Netlink(i) => i.apply(ops),
            Kernel::StandIn(t) => {
                // Applied one by one so a refused operation leaves the rest
                // in, as the kernel does with a batch.
                let mut report = ApplyReport::default();
                for op in ops {
                    if t.apply_one(op).is_ok() {
                        report.applied += 1;
                    }
                }
                Ok(report)
            }
        }
    }
}
