//! heartbeat's log lines as 3.0.6 writes them to `logfile` (and
//! `debugfile`): `Nov 25 09:11:02 master heartbeat: [PID]: info: TEXT`
//! (observed in the mixed-pair tests); the bare text to syslog under
//! `logfacility`; with no target, stderr.
//!
//! The running daemon's lines are written by a thread of their own, at
//! normal priority: a write to a journaled file system can wait for the
//! journal's commit, and that waits for the journal's kernel thread, which
//! a busy CPU holds back behind every other normal-priority process. The
//! real-time thread that sends heartbeats must not wait on that (at 30 %
//! loss it logs a line every few heartbeats). 3.0.6 likewise hands its
//! lines to a logging process.

use hb_core::Level;
use std::io::Write;
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

type Syslog = syslog::Logger<syslog::LoggerBackend, syslog::Formatter3164>;

/// One line, with where it goes.
struct Line {
    level: Level,
    text: String,
    line: String,
    files: Vec<String>,
    syslog: Option<Arc<Mutex<Syslog>>>,
    echo: bool,
}

enum Job {
    Write(Line),
    Flush(mpsc::SyncSender<()>),
}

static WRITER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();

/// Writes every line handed to the writer so far, waiting at most a
/// second (a file system that hangs must not hang the daemon's exit).
pub fn flush() {
    let Some(writer) = WRITER.get() else {
        return;
    };
    let (done, wait) = mpsc::sync_channel(1);
    if writer.send(Job::Flush(done)).is_ok() {
        let _ = wait.recv_timeout(Duration::from_secs(1));
    }
}

fn writer() -> Option<&'static mpsc::Sender<Job>> {
    if let Some(w) = WRITER.get() {
        return Some(w);
    }
    let (tx, rx) = mpsc::channel::<Job>();
    // Started from a real-time thread, it still runs at normal priority:
    // the daemon's threads take SCHED_RESET_ON_FORK (realtime.rs).
    std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || {
            for job in rx {
                match job {
                    Job::Write(line) => write(line),
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        })
        .ok()?;
    let _ = WRITER.set(tx);
    WRITER.get()
}

fn write(l: Line) {
    if l.echo {
        eprint!("{}", l.line);
    }
    let mut written = false;
    for path in &l.files {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            written |= f.write_all(l.line.as_bytes()).is_ok();
        }
    }
    if let Some(s) = &l.syslog {
        let mut s = s.lock().unwrap_or_else(|e| e.into_inner());
        let text = l.text.as_str();
        let _ = match l.level {
            Level::Debug => s.debug(text),
            Level::Info => s.info(text),
            Level::Warning => s.warning(text),
            Level::Error => s.err(text),
            Level::Crit => s.crit(text),
            Level::Emerg => s.emerg(text),
        };
        written = true;
    }
    if !written && !l.echo && l.level != Level::Debug {
        eprint!("{}", l.line);
    }
}

pub struct Log {
    logfile: Option<String>,
    debugfile: Option<String>,
    syslog: Option<Arc<Mutex<Syslog>>>,
    debug: bool,
    /// Lines go to the writer thread (the running daemon), not straight
    /// to their files (a config check, the start-time host checks).
    background: bool,
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
            })
            .map(|l| Arc::new(Mutex::new(l)));
        Log {
            logfile: hacf.logfile.clone(),
            debugfile: hacf.debugfile.clone(),
            syslog,
            debug,
            background: false,
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
        l.background = self.background;
        l
    }

    /// From now on, lines are written by the writer thread (started here);
    /// `flush` before exiting.
    pub fn in_background(&mut self) {
        self.background = writer().is_some();
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
        let files = [&self.debugfile, &self.logfile]
            .into_iter()
            .flatten()
            .filter(|path| {
                // Debug lines go to the debugfile alone when there is one.
                !(level == Level::Debug
                    && Some(*path) == self.logfile.as_ref()
                    && self.debugfile.is_some())
            })
            .cloned()
            .collect();
        let line = Line {
            level,
            text: text.to_string(),
            line,
            files,
            syslog: self.syslog.clone(),
            echo: self.debug,
        };
        match WRITER.get().filter(|_| self.background) {
            // A writer gone (it cannot end while the process runs) loses
            // nothing: the line is written here instead.
            Some(w) => {
                if let Err(mpsc::SendError(Job::Write(line))) = w.send(Job::Write(line)) {
                    write(line);
                }
            }
            None => write(line),
        }
    }

    pub fn info(&mut self, text: &str) {
        self.log(Level::Info, text)
    }

    pub fn error(&mut self, text: &str) {
        self.log(Level::Error, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A log file that blocks every write (a FIFO nobody reads yet): the
    /// daemon's `log` returns at once all the same, and every line comes
    /// out, in order, once the file can be written.
    #[test]
    fn a_blocked_file_does_not_block_the_daemon() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("ha-log");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let hacf = ha_config::hacf::HaCf {
            logfile: Some(fifo.to_string_lossy().into_owned()),
            ..Default::default()
        };
        let mut log = Log::new(&hacf, false);
        log.in_background();
        let (logged, done) = mpsc::channel();
        std::thread::spawn(move || {
            for i in 0..100 {
                log.info(&format!("line {i}"));
            }
            let _ = logged.send(());
        });
        assert!(
            done.recv_timeout(Duration::from_secs(2)).is_ok(),
            "logging waited for the file"
        );
        // Opened for writing too, so that the FIFO never reports an end
        // of file between the writer's lines (nor fails the writer's
        // write when this end closes in between).
        let (read, got) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&fifo)
                .unwrap();
            let mut text = String::new();
            let mut chunk = [0u8; 4096];
            while text.matches('\n').count() < 100 {
                let n = reader.read(&mut chunk).unwrap();
                text.push_str(std::str::from_utf8(&chunk[..n]).unwrap());
            }
            let _ = read.send(text);
        });
        let text = got
            .recv_timeout(Duration::from_secs(5))
            .expect("all hundred lines written");
        let numbers: Vec<&str> = text
            .lines()
            .map(|l| l.rsplit(": ").next().unwrap())
            .collect();
        let expected: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        assert_eq!(numbers, expected);
    }
}
