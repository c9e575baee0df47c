//! What heartbeatd's and ldirectord-rs's logs share: the local time in the
//! legacy daemons' formats (strftime, so the names follow the C library's
//! locale as theirs did) and syslog facility names.

use std::ffi::CStr;

/// Now, local time, in strftime `format`: heartbeat's `c"%b %e %H:%M:%S"`,
/// Perl's scalar localtime `c"%a %b %e %H:%M:%S %Y"`.
pub fn local_now(format: &CStr) -> String {
    // SAFETY: time(NULL) only returns the clock.
    let t = unsafe { libc::time(std::ptr::null_mut()) };
    // SAFETY: an all-zero tm is a valid value to be overwritten.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: t and tm are valid for the call; localtime_r is reentrant.
    unsafe { libc::localtime_r(&t, &mut tm) };
    let mut buf = [0u8; 64];
    // SAFETY: buf is writable for its length; the format is NUL-terminated.
    let n = unsafe {
        libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            format.as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// A syslog facility by its name in the config files (`daemon`, `local0`…).
pub fn facility(name: &str) -> Option<syslog::Facility> {
    use syslog::Facility::*;
    Some(match name {
        "kern" => LOG_KERN,
        "user" => LOG_USER,
        "mail" => LOG_MAIL,
        "daemon" => LOG_DAEMON,
        "auth" => LOG_AUTH,
        "syslog" => LOG_SYSLOG,
        "lpr" => LOG_LPR,
        "news" => LOG_NEWS,
        "uucp" => LOG_UUCP,
        "cron" => LOG_CRON,
        "authpriv" => LOG_AUTHPRIV,
        "ftp" => LOG_FTP,
        "local0" => LOG_LOCAL0,
        "local1" => LOG_LOCAL1,
        "local2" => LOG_LOCAL2,
        "local3" => LOG_LOCAL3,
        "local4" => LOG_LOCAL4,
        "local5" => LOG_LOCAL5,
        "local6" => LOG_LOCAL6,
        "local7" => LOG_LOCAL7,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_names() {
        let stamp = local_now(c"%b %e %H:%M:%S");
        assert_eq!(stamp.len(), 15, "{stamp}");
        assert_eq!(local_now(c"%a %b %e %H:%M:%S %Y").len(), 24);
        assert!(facility("local0").is_some());
        assert!(facility("daemon").is_some());
        assert!(facility("nosuch").is_none());
    }
}
