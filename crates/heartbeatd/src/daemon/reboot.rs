//! The failfast reboot, as cluster-glue's `cl_reboot`: sync, wait a
//! keepalive, reboot(2); if that returns, `/sbin/reboot -nf`; if that
//! returns too, say so and exit 1. The EMERG line was logged by the policy.
//!
//! Test hook: with `HEARTBEATD_REBOOT_COMMAND` set, that shell command runs
//! in place of reboot(2) and /sbin/reboot (the reason in
//! `HEARTBEATD_REBOOT_REASON`) and the daemon then exits 1, so a test can
//! watch a failfast client take the node down without rebooting the host.

use super::log::Log;
use hb_core::Level;
use std::process::Command;
use std::time::Duration;

const FALLBACK: &str = "/sbin/reboot -nf";

pub fn reboot(reason: &str, delay_ms: u64, log: &mut Log) -> ! {
    // The EMERG line saying why, on disk before the sync.
    super::log::flush();
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    std::thread::sleep(Duration::from_millis(delay_ms));
    if let Some(hook) = std::env::var_os("HEARTBEATD_REBOOT_COMMAND") {
        let rc = Command::new("/bin/sh")
            .arg("-c")
            .arg(&hook)
            .env("HEARTBEATD_REBOOT_REASON", reason)
            .status()
            .map(|s| s.code().unwrap_or(-1))
            .unwrap_or(-1);
        log.log(
            Level::Emerg,
            &format!("HEARTBEATD_REBOOT_COMMAND ran in place of the reboot: returned {rc}"),
        );
        super::log::flush();
        std::process::exit(1);
    }
    // SAFETY: reboot(2) with a valid command; on success it does not return.
    unsafe { libc::reboot(libc::RB_AUTOBOOT) };
    let rc = Command::new("/bin/sh")
        .arg("-c")
        .arg(FALLBACK)
        .status()
        .map(|s| s.code().unwrap_or(-1))
        .unwrap_or(-1);
    log.log(
        Level::Emerg,
        &format!("ALL REBOOT OPTIONS FAILED: {FALLBACK} returned {rc}"),
    );
    super::log::flush();
    std::process::exit(1);
}
