//! heartbeat's log lines as 3.0.6 writes them to `logfile` (and
//! `debugfile`): `Nov 25 09:11:02 master heartbeat: [PID]: info: TEXT`
//! (observed in the mixed-pair tests); the bare text to syslog under
//! `logfacility`; with no target, stderr.

use hb_core::Level;
use std::io::Write;

pub struct Log {
    logfile: Option<String>,
    debugfile: Option<String>,
    syslog: Option<syslog::Logger<syslog::LoggerBackend, syslog::Formatter3164>>,
    debug: bool,
    /// The debug level (`-d`, ha.cf `debug`, SIGUSR1/SIGUSR2): debug lines
    /// are written only above 0, as the legacy does.
    level: u32,
    host: String,
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warning => "WARN",
        Level::Error => "ERROR",
        Level::Crit => "CRIT",
        Level::Emerg => "EMERG",
    }
}

/// `Nov 25 09:11:02`, syslog style, as the legacy's logfile lines start.
fn timestamp() -> String {
    ha_log::local_now(c"%b %e %H:%M:%S")
}

impl Log {
    pub fn new(hacf: &ha_config::hacf::HaCf, debug: bool) -> Log {
        let syslog = hacf
            .logfacility
            .as_deref()
            .filter(|f| *f != "none")
            .and_then(ha_log::facility)
            .and_then(|facility| {
                syslog::unix(syslog::Formatter3164 {
                    facility,
                    hostname: None,
                    process: "heartbeat".into(),
                    pid: std::process::id(),
                })
                .ok()
            });
        Log {
            logfile: hacf.logfile.clone(),
            debugfile: hacf.debugfile.clone(),
            syslog,
            debug,
            level: u32::from(debug).max(hacf.debug.max(0) as u32),
            host: nix::unistd::gethostname()
                .map(|h| h.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }

    /// The same log with a reloaded ha.cf's targets, keeping the level.
    pub fn reopened(&self, hacf: &ha_config::hacf::HaCf) -> Log {
        let mut l = Log::new(hacf, self.debug);
        l.level = self.level;
        l
    }

    pub fn level(&self) -> u32 {
        self.level
    }

    pub fn set_level(&mut self, level: u32) {
        self.level = level;
    }

    pub fn log(&mut self, level: Level, text: &str) {
        if level == Level::Debug && self.level == 0 {
            return;
        }
        let line = format!(
            "{} {} heartbeat: [{}]: {}: {text}\n",
            timestamp(),
            self.host,
            std::process::id(),
            level_word(level)
        );
        if self.debug {
            eprint!("{line}");
        }
        let mut written = false;
        for path in [&self.debugfile, &self.logfile].into_iter().flatten() {
            if level == Level::Debug
                && Some(path) == self.logfile.as_ref()
                && self.debugfile.is_some()
            {
                continue;
            }
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                written |= f.write_all(line.as_bytes()).is_ok();
            }
        }
        if let Some(s) = &mut self.syslog {
            let _ = match level {
                Level::Debug => s.debug(text),
                Level::Info => s.info(text),
                Level::Warning => s.warning(text),
                Level::Error => s.err(text),
                Level::Crit => s.crit(text),
                Level::Emerg => s.emerg(text),
            };
            written = true;
        }
        if !written && !self.debug && level != Level::Debug {
            eprint!("{line}");
        }
    }

    pub fn info(&mut self, text: &str) {
        self.log(Level::Info, text)
    }

    pub fn error(&mut self, text: &str) {
        self.log(Level::Error, text)
    }
}
