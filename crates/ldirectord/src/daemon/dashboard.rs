//! The driver of the monitoring page (`--dashboard ADDR:PORT`): the event
//! loop only drops notes into a channel (the plan, each check's result
//! and reason, its log lines); one thread of ours folds them in, reads
//! the kernel's table every [`REFRESH`] (and soon after a check changes
//! its mind), asks heartbeatd for the cluster, records history and
//! publishes a new snapshot; the HTTP server (lvs-dashboard) has threads
//! of its own. Nothing here ever waits inside the daemon's runtime.
//!
//! The hooks are free functions on a process-wide channel so that run.rs
//! and the logger need one line each and no new state.

use director::Plan;
use lvs_dashboard::cluster::Cluster;
use lvs_dashboard::events::{classify, EventKind, Timeline};
use lvs_dashboard::history::History;
use lvs_dashboard::model::{self, CheckStatus, ConfiguredReal, ConfiguredVirtual, Snapshot};
use lvs_dashboard::site::Site;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How often the kernel's table is read (its rates are folded every 2 s;
/// the history's step is 60 s).
const REFRESH: Duration = Duration::from_secs(5);
/// After a check changed state the director applies the change right
/// away; read the table back shortly after.
const SOON: Duration = Duration::from_millis(300);
const TIMELINE_LEN: usize = 200;

static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
static NOTES: OnceLock<Mutex<Sender<Note>>> = OnceLock::new();

enum Note {
    Plan(Vec<ConfiguredVirtual>, Vec<SocketAddr>),
    Check { id: usize, up: bool, reason: String },
    Log(String),
    ConfigError(String),
}

/// `--dashboard ADDR:PORT` from the command line.
pub fn configure(addr: Option<SocketAddr>) {
    if let Some(a) = addr {
        let _ = ADDRESS.set(a);
    }
}

/// Where the page is served, if anywhere (the daemon `start` launches
/// reads the same setting from the same argv, environment or file).
pub fn configured() -> Option<SocketAddr> {
    ADDRESS.get().copied()
}

fn note(n: Note) {
    if let Some(tx) = NOTES.get() {
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(n);
    }
}

/// Hook: every line the daemon logs.
pub fn log_line(line: &str) {
    if NOTES.get().is_some() {
        note(Note::Log(line.to_string()));
    }
}

/// Hook: a check's result, before the director acts on it.
pub fn check(id: usize, up: bool, reason: &str) {
    if NOTES.get().is_none() {
        return;
    }
    note(Note::Check {
        id,
        up,
        reason: reason.to_string(),
    });
}

/// Hook: the configuration was (re)loaded.
pub fn plan(plan: &Plan) {
    if NOTES.get().is_none() {
        return;
    }
    note(Note::Plan(
        configured_virtuals(plan),
        plan.checks.iter().map(|c| c.real).collect(),
    ));
}

/// Hook: a reload was refused.
pub fn config_error(text: &str) {
    note(Note::ConfigError(text.to_string()));
}

fn configured_virtuals(plan: &Plan) -> Vec<ConfiguredVirtual> {
    plan.virtuals
        .iter()
        .map(|v| ConfiguredVirtual {
            key: v.key,
            name: v.id.clone(),
            reals: v
                .reals
                .iter()
                .map(|r| ConfiguredReal {
                    addr: r.addr,
                    check: r.check,
                })
                .collect(),
            fallback: v.fallback.as_ref().map(|f| f.addr),
        })
        .collect()
}

/// Where the history of the daemon for `config` lives.
fn history_dir(config: &Path) -> PathBuf {
    let base = std::env::var_os("LDIRECTORD_RS_HISTORY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/ldirectord-rs"));
    let name = config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ldirectord.cf".into());
    base.join(name)
}

/// Starts the page if `--dashboard` was given; Err says why it cannot
/// serve (the daemon runs on without it).
pub fn start(config: &Path, plan: &Plan) -> Result<(), String> {
    let Some(addr) = configured() else {
        return Ok(());
    };
    let dir = history_dir(config);
    let history =
        History::new(&dir).map_err(|e| format!("dashboard: history in {}: {e}", dir.display()))?;
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| format!("dashboard: cannot listen on {addr}: {e}"))?;
    let site = Arc::new(Site::new(history));
    let (tx, rx) = mpsc::channel();
    if NOTES.set(Mutex::new(tx)).is_err() {
        return Err("dashboard: started twice".into());
    }
    self::plan(plan);
    let driver_site = site.clone();
    std::thread::Builder::new()
        .name("dashboard".into())
        .spawn(move || Driver::new(driver_site).run(rx))
        .map_err(|e| format!("dashboard: {e}"))?;
    let handler = Arc::new(move |path: &str| site.respond(path, lvs_dashboard::timefmt::now()));
    lvs_dashboard::http::spawn(listener, Default::default(), handler)
        .map_err(|e| format!("dashboard: {e}"))?;
    Ok(())
}

struct Driver {
    site: Arc<Site>,
    ipvs: Option<ipvs::Ipvs>,
    configured: Vec<ConfiguredVirtual>,
    checks: Vec<CheckStatus>,
    timeline: Timeline,
    last_cluster: Option<Cluster>,
    host: String,
}

impl Driver {
    fn new(site: Arc<Site>) -> Self {
        Driver {
            site,
            ipvs: None,
            configured: Vec::new(),
            checks: Vec::new(),
            timeline: Timeline::new(TIMELINE_LEN),
            last_cluster: None,
            host: super::hostname().unwrap_or_default(),
        }
    }

    fn run(mut self, rx: Receiver<Note>) {
        let mut next = Instant::now();
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(n) => {
                    if self.take(n) {
                        next = next.min(Instant::now() + SOON);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            self.refresh();
            next = Instant::now() + REFRESH;
        }
    }

    /// Folds a note in; true if the page should be refreshed soon.
    fn take(&mut self, n: Note) -> bool {
        let now = lvs_dashboard::timefmt::now();
        match n {
            Note::Plan(configured, reals) => {
                self.configured = configured;
                self.checks = reals
                    .into_iter()
                    .map(|r| CheckStatus {
                        real: Some(r),
                        ..Default::default()
                    })
                    .collect();
                true
            }
            Note::Check { id, up, reason } => {
                let Some(c) = self.checks.get_mut(id) else {
                    return false;
                };
                let changed = c.up != Some(up);
                c.up = Some(up);
                c.reason = reason;
                if up {
                    c.successes += 1;
                } else {
                    c.failures += 1;
                }
                changed
            }
            Note::Log(line) => match classify(&line) {
                Some((EventKind::RealDown, Some(real))) => {
                    let why = self
                        .checks
                        .iter()
                        .find(|c| c.real == Some(real) && c.up == Some(false))
                        .map(|c| format!(": {}", c.reason))
                        .unwrap_or_default();
                    self.timeline
                        .push(now, EventKind::RealDown, format!("{line}{why}"));
                    true
                }
                Some((kind, _)) => {
                    self.timeline.push(now, kind, line);
                    true
                }
                None => false,
            },
            Note::ConfigError(text) => {
                self.timeline.push(now, EventKind::ConfigError, text);
                true
            }
        }
    }

    fn refresh(&mut self) {
        let now = lvs_dashboard::timefmt::now();
        let mut snap = Snapshot {
            taken_at: now,
            host: self.host.clone(),
            checks: self.checks.clone(),
            ..Default::default()
        };
        match self.dump() {
            Ok(table) => {
                snap.virtuals = model::views(&self.configured, &table, &self.checks);
                self.record(now, &snap);
            }
            Err(e) => {
                snap.ipvs_error = Some(e);
                snap.virtuals = model::views(&self.configured, &Default::default(), &self.checks);
            }
        }
        snap.totals = std::fs::read_to_string("/proc/net/ip_vs_stats")
            .ok()
            .and_then(|t| model::parse_ip_vs_stats(&t));
        let cluster = ask_heartbeat().and_then(|r| lvs_dashboard::cluster::parse(&r));
        if let Ok(c) = &cluster {
            self.note_failovers(now, c);
        }
        snap.cluster = Some(cluster);
        snap.events = self.timeline.newest_first();
        self.site.publish(snap);
    }

    fn dump(&mut self) -> Result<ipvs::Table, String> {
        if self.ipvs.is_none() {
            self.ipvs = Some(ipvs::Ipvs::open().map_err(|e| e.to_string())?);
        }
        let ipvs = self.ipvs.as_mut().expect("opened above");
        ipvs.dump().map_err(|e| {
            // A broken socket is reopened on the next round.
            self.ipvs = None;
            e.to_string()
        })
    }

    fn record(&self, now: u64, snap: &Snapshot) {
        // A full disk or a bad file costs the graphs, never the daemon.
        let _ = self
            .site
            .with_history(|h| h.record_views(now, &snap.virtuals));
    }

    /// A group that changed hands since the last look is a failover.
    fn note_failovers(&mut self, now: u64, c: &Cluster) {
        if let Some(before) = &self.last_cluster {
            for g in &c.groups {
                let was = before
                    .groups
                    .iter()
                    .find(|b| b.key == g.key)
                    .and_then(|b| b.holder.clone());
                if was != g.holder {
                    let name = |h: &Option<String>| h.clone().unwrap_or_else(|| "nobody".into());
                    self.timeline.push(
                        now,
                        EventKind::Failover,
                        format!(
                            "resource group {} moved from {} to {}",
                            g.key,
                            name(&was),
                            name(&g.holder)
                        ),
                    );
                }
            }
        }
        self.last_cluster = Some(c.clone());
    }
}

/// heartbeatd's control socket (the one `cl_status` uses), asked for its
/// `dashboard` report with a short timeout: a hung heartbeatd delays
/// only this thread's refresh.
fn ask_heartbeat() -> Result<String, String> {
    use std::os::unix::net::UnixDatagram;
    let server = std::env::var_os("HEARTBEATD_CONTROL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run/heartbeat/heartbeatd.sock"));
    if !server.exists() {
        return Err(format!(
            "heartbeatd is not running here ({} absent)",
            server.display()
        ));
    }
    let me = std::env::temp_dir().join(format!(
        "ldirectord-rs-dashboard-{}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&me);
    let sock = UnixDatagram::bind(&me).map_err(|e| format!("reply socket: {e}"))?;
    let result = (|| {
        sock.set_read_timeout(Some(Duration::from_secs(1)))
            .map_err(|e| e.to_string())?;
        sock.send_to(b"dashboard", &server)
            .map_err(|e| format!("heartbeatd ({}): {e}", server.display()))?;
        let mut buf = vec![0u8; 65536];
        let n = sock
            .recv(&mut buf)
            .map_err(|e| format!("no answer from heartbeatd: {e}"))?;
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    })();
    let _ = std::fs::remove_file(&me);
    result
}
