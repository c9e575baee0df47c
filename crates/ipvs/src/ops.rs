//! One change to the kernel's table: what the diff engine emits and the
//! netlink client applies, in order.

use crate::model::{DestConf, ServiceConf, ServiceKey};
use serde::Serialize;
use std::net::SocketAddr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Operation {
    AddService {
        key: ServiceKey,
        conf: ServiceConf,
    },
    EditService {
        key: ServiceKey,
        conf: ServiceConf,
    },
    DelService {
        key: ServiceKey,
    },
    AddDest {
        service: ServiceKey,
        addr: SocketAddr,
        conf: DestConf,
    },
    EditDest {
        service: ServiceKey,
        addr: SocketAddr,
        conf: DestConf,
    },
    DelDest {
        service: ServiceKey,
        addr: SocketAddr,
    },
}
