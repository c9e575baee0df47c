//! ldirectord's log: `[Wed Nov 25 03:33:40 2026|ldirectord.cf|175] MESSAGE`
//! appended to the logfile, or the message alone to syslog when `logfile`
//! names a facility; with `-d`, `[date] MESSAGE` on stdout as well.

use ha_config::ldirectord::LogTarget;
use std::io::Write;

/// Where lines go when syslog is asked for but cannot be reached.
pub const FALLBACK_LOG: &str = "/var/log/ldirectord.log";

pub struct Logger {
    config_name: String,
    target: Target,
    debug: bool,
}

enum Target {
    File(String),
    Syslog(Box<syslog::Logger<syslog::LoggerBackend, syslog::Formatter3164>>),
    /// No syslog daemon to talk to: the legacy's default log file, so
    /// nothing is lost (stderr is /dev/null once daemonised).
    Fallback(String),
}

/// `localtime()` in Perl's scalar form.
pub fn ctime_now() -> String {
    let t = unsafe { libc::time(std::ptr::null_mut()) };
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: t and tm are valid for the call; localtime_r is reentrant.
    unsafe { libc::localtime_r(&t, &mut tm) };
    let mut buf = [0u8; 64];
    // SAFETY: buf is writable for its length; the format is NUL-terminated.
    let n = unsafe {
        libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            c"%a %b %e %H:%M:%S %Y".as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn facility(name: &str) -> Option<syslog::Facility> {
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

impl Logger {
    pub fn new(config_name: &str, target: &LogTarget, debug: bool) -> Logger {
        let target = match target {
            LogTarget::File(p) => Target::File(p.clone()),
            LogTarget::Syslog(f) => {
                let formatter = syslog::Formatter3164 {
                    facility: facility(f).unwrap_or(syslog::Facility::LOG_DAEMON),
                    hostname: None,
                    process: "ldirectord".into(),
                    pid: std::process::id(),
                };
                match syslog::unix(formatter) {
                    Ok(l) => Target::Syslog(Box::new(l)),
                    Err(_) => Target::Fallback(FALLBACK_LOG.to_string()),
                }
            }
        };
        Logger {
            config_name: config_name.to_string(),
            target,
            debug,
        }
    }

    pub fn log(&mut self, message: &str) {
        super::dashboard::log_line(message);
        let now = ctime_now();
        if self.debug {
            println!("[{now}] {message}");
        }
        let file = match &mut self.target {
            Target::File(path) | Target::Fallback(path) => path.clone(),
            Target::Syslog(l) => {
                if l.info(message).is_ok() {
                    return;
                }
                // syslogd went away: keep the line in the fallback file.
                FALLBACK_LOG.to_string()
            }
        };
        let line = format!(
            "[{now}|{}|{}] {message}\n",
            self.config_name,
            std::process::id()
        );
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if written.is_err() && !self.debug {
            eprint!("{line}");
        }
    }
}
