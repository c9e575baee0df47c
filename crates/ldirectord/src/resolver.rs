//! Name resolution for the config check, as the legacy's gethostbyname and
//! getservbyname see it: the system resolver for hosts, /etc/services for ports.

use ha_config::ldirectord::model::Family;
use ha_config::ldirectord::{EtcFiles, NameLookup};
use std::net::{IpAddr, ToSocketAddrs};

pub struct SystemLookup {
    files: EtcFiles,
}

impl SystemLookup {
    pub fn new() -> Self {
        SystemLookup {
            files: EtcFiles::system(),
        }
    }
}

impl NameLookup for SystemLookup {
    fn host(&self, name: &str, family: Family) -> Option<IpAddr> {
        if let Some(a) = self.files.host(name, family) {
            return Some(a);
        }
        let want_v4 = family == Family::Inet;
        (name, 0)
            .to_socket_addrs()
            .ok()?
            .map(|sa| sa.ip())
            .find(|ip| ip.is_ipv4() == want_v4)
    }

    fn service(&self, name: &str, proto: Option<&str>) -> Option<u16> {
        self.files.service(name, proto)
    }
}
