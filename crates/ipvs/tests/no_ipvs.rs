//! On a kernel without IPVS (this project's build hosts), opening the
//! client fails with the operator-facing message, not a raw errno.

use ipvs::{Ipvs, IpvsError};

#[test]
fn kernel_without_ipvs_gives_a_clear_error() {
    let has_ipvs = std::path::Path::new("/proc/net/ip_vs").exists()
        || std::process::Command::new("modprobe")
            .args(["-n", "ip_vs"])
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    match Ipvs::open() {
        Err(IpvsError::NotLoaded) => {
            let e = IpvsError::NotLoaded;
            assert!(e.to_string().contains("modprobe ip_vs"));
            assert!(e.ipvsadm_message().starts_with("Can't initialize ipvs"));
        }
        Ok(_) => assert!(has_ipvs, "opened IPVS on a kernel that has none"),
        Err(other) => panic!("unexpected error: {other}"),
    }
}
