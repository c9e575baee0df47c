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
    ha_log::local_now(c"%a %b %e %H:%M:%S %Y")
}

impl Logger {
    pub fn new(config_name: &str, target: &LogTarget, debug: bool) -> Logger {
        let target = match target {
            LogTarget::File(p) => Target::File(p.clone()),
            LogTarget::Syslog(f) => {
                let formatter = syslog::Formatter3164 {
                    facility: ha_log::facility(f).unwrap_or(syslog::Facility::LOG_DAEMON),
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
