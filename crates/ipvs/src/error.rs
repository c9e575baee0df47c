//! Kernel refusals turned into sentences an operator can act on: which
//! service, which real server, and what the kernel meant.

use crate::model::{Family, Protocol, ServiceKey};
use crate::netlink::SocketError;
use crate::ops::Operation;
use crate::wire::DecodeError;
use std::fmt;
use std::net::SocketAddr;

/// What we asked the kernel to do, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    AddService,
    EditService,
    DelService,
    AddDest,
    EditDest,
    DelDest,
    Zero,
    Flush,
    GetService,
    GetDests,
    SetTimeouts,
    StartDaemon,
    StopDaemon,
    GetDaemon,
    Other,
}

impl Command {
    pub fn of(op: &Operation) -> Command {
        match op {
            Operation::AddService { .. } => Command::AddService,
            Operation::EditService { .. } => Command::EditService,
            Operation::DelService { .. } => Command::DelService,
            Operation::AddDest { .. } => Command::AddDest,
            Operation::EditDest { .. } => Command::EditDest,
            Operation::DelDest { .. } => Command::DelDest,
        }
    }
}

/// A request the kernel refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError {
    pub command: Command,
    pub service: Option<ServiceKey>,
    pub dest: Option<SocketAddr>,
    /// Scheduler or persistence engine named in the request, if any.
    pub scheduler: Option<String>,
    pub errno: i32,
    /// The kernel's extended-ack text, when it sent one.
    pub detail: Option<String>,
}

impl KernelError {
    /// The text `ipvsadm` prints for this refusal (its `ipvs_strerror`), so
    /// the `ipvs` subcommand's errors read the same as the tool it replaces.
    pub fn ipvsadm_message(&self) -> String {
        use Command::*;
        let specific = match (self.command, self.errno) {
            (AddService, libc::EEXIST) => Some("Service already exists"),
            (AddService | EditService, libc::ENOENT) => {
                Some("Scheduler or persistence engine not found")
            }
            (EditService | DelService | Zero | GetService | GetDests, libc::ESRCH) => {
                Some("No such service")
            }
            (AddDest | EditDest | DelDest, libc::ESRCH) => Some("Service not defined"),
            (AddDest, libc::EEXIST) => Some("Destination already exists"),
            (EditDest | DelDest, libc::ENOENT) => Some("No such destination"),
            (StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
            (StopDaemon, libc::ESRCH) => Some("No daemon is running"),
            (_, libc::EPERM) => Some("Permission denied (you must be root)"),
            (_, libc::EINVAL) => {
                Some("Invalid operation.  Possibly wrong module version, address not unicast, ...")
            }
            (_, libc::ENOPROTOOPT) => Some("Protocol not available"),
            (_, libc::ENOMEM) => Some("Memory allocation problem"),
            (_, libc::EOPNOTSUPP) => Some("Operation not supported with IPv6"),
            (_, libc::EAFNOSUPPORT) => {
                Some("Operation not supported with specified address family")
            }
            (_, libc::EMSGSIZE) => Some("Module is wrong version"),
            _ => None,
        };
        match specific {
            Some(s) => s.to_string(),
            None => std::io::Error::from_raw_os_error(self.errno)
                .to_string()
                .split(" (os error")
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    }

    fn what(&self) -> String {
        let svc = self
            .service
            .map(|k| describe_service(&k))
            .unwrap_or_default();
        let real = self.dest.map(|d| describe_addr(&d)).unwrap_or_default();
        match self.command {
            Command::AddService => format!("adding virtual service {svc}"),
            Command::EditService => format!("editing virtual service {svc}"),
            Command::DelService => format!("deleting virtual service {svc}"),
            Command::AddDest => format!("adding real server {real} to {svc}"),
            Command::EditDest => format!("editing real server {real} of {svc}"),
            Command::DelDest => format!("deleting real server {real} from {svc}"),
            Command::Zero if self.service.is_some() => format!("zeroing counters of {svc}"),
            Command::Zero => "zeroing counters".to_string(),
            Command::Flush => "clearing the IPVS table".to_string(),
            Command::GetService => format!("reading virtual service {svc}"),
            Command::GetDests => format!("reading the real servers of {svc}"),
            Command::SetTimeouts => "setting IPVS timeouts".to_string(),
            Command::StartDaemon => "starting the IPVS sync daemon".to_string(),
            Command::StopDaemon => "stopping the IPVS sync daemon".to_string(),
            Command::GetDaemon => "reading the IPVS sync daemons".to_string(),
            Command::Other => "IPVS request".to_string(),
        }
    }

    fn hint(&self) -> Option<String> {
        match (self.command, self.errno) {
            (Command::AddService | Command::EditService, libc::ENOENT) => Some(format!(
                "the kernel has no scheduler or persistence engine called {:?} \
                 (is the ip_vs_{} module available?)",
                self.scheduler.as_deref().unwrap_or(""),
                self.scheduler.as_deref().unwrap_or("NAME"),
            )),
            (_, libc::EPERM) => Some("changing IPVS needs root (CAP_NET_ADMIN)".to_string()),
            _ => None,
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what(), self.ipvsadm_message())?;
        if let Some(h) = self.hint() {
            write!(f, "; {h}")?;
        }
        if let Some(d) = &self.detail {
            write!(f, " (kernel: {d})")?;
        }
        Ok(())
    }
}

impl std::error::Error for KernelError {}

/// `TCP 10.0.0.1:80`, `UDP [2001:db8::1]:53`, `FWM 1`, `FWM 1 IPv6`.
pub fn describe_service(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr { protocol, addr } => {
            let p = match protocol {
                Protocol::Tcp => "TCP",
                Protocol::Udp => "UDP",
                Protocol::Sctp => "SCTP",
            };
            format!("{p} {}", describe_addr(addr))
        }
        ServiceKey::FwMark { family, mark } => match family {
            Family::Inet => format!("FWM {mark}"),
            Family::Inet6 => format!("FWM {mark} IPv6"),
        },
    }
}

fn describe_addr(a: &SocketAddr) -> String {
    a.to_string()
}

#[derive(Debug, thiserror::Error)]
pub enum IpvsError {
    #[error(
        "IPVS is not available: the kernel has no IPVS netlink family \
         (is the ip_vs module loaded? try `modprobe ip_vs`)"
    )]
    NotLoaded,
    #[error(transparent)]
    Socket(#[from] SocketError),
    #[error("malformed IPVS reply: {0}")]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Kernel(Box<KernelError>),
}

impl From<KernelError> for IpvsError {
    fn from(e: KernelError) -> Self {
        IpvsError::Kernel(Box::new(e))
    }
}

impl IpvsError {
    /// What ipvsadm would print for this failure.
    pub fn ipvsadm_message(&self) -> String {
        match self {
            IpvsError::Kernel(k) => k.ipvsadm_message(),
            IpvsError::NotLoaded => "Can't initialize ipvs: Protocol not available\n\
                 Are you sure that IP Virtual Server is built in the kernel or as module?"
                .to_string(),
            other => other.to_string(),
        }
    }
}
