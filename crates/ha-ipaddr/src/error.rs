//! Errors name the resource as haresources spells it (`IPaddr2::10.0.0.5/24`)
//! so an operator can find the line, then say what is wrong.

use std::io;
use std::net::IpAddr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The argument itself is unusable (the scripts' OCF_ERR_CONFIGURED).
    #[error("{resource}: {problem}")]
    Spec { resource: String, problem: String },

    /// No route on any (or the given) interface leads to the address, so
    /// there is nowhere to put it (findif's "No route to").
    #[error("{resource}: no interface has a network containing {ip}{detail}")]
    NoInterface {
        resource: String,
        ip: IpAddr,
        /// Extra context, e.g. " with prefix /16" or " on eth1"; may be empty.
        detail: String,
    },

    /// IPaddr found the address on another interface than the configured
    /// one (its status then answers "unknown").
    #[error("{resource}: {ip} is on interface {found} instead of the configured {configured}")]
    WrongInterface {
        resource: String,
        ip: IpAddr,
        found: String,
        configured: String,
    },

    /// An IPv6 address was added but cannot be used: duplicate address
    /// detection failed or did not finish (IPv6addr's "failed to ping the
    /// address"). It is left configured, as the agent leaves it.
    #[error("{resource}: {ip} {problem}")]
    Unusable {
        resource: String,
        ip: IpAddr,
        problem: String,
    },

    /// The kernel refused or could not be asked.
    #[error("{resource}: {action}: {source}")]
    System {
        resource: String,
        action: String,
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// The OCF exit code the legacy scripts give for this kind of failure.
    pub fn ocf_code(&self) -> i32 {
        match self {
            Error::Spec { .. } => 6,
            _ => 1,
        }
    }

    pub(crate) fn spec(resource: &str, problem: impl Into<String>) -> Error {
        Error::Spec {
            resource: resource.to_string(),
            problem: problem.into(),
        }
    }

    pub(crate) fn system(resource: &str, action: impl Into<String>, source: io::Error) -> Error {
        Error::System {
            resource: resource.to_string(),
            action: action.into(),
            source,
        }
    }
}
