//! The running daemon: checks on their schedules, all concurrent; results
//! through the director; its operations to the kernel in one batch each;
//! SIGTERM stops, SIGHUP (and autoreload) re-reads the configuration.

use super::checks;
use super::config::{self, Loaded};
use super::kernel::Kernel;
use super::logger::Logger;
use super::mailer::Mailer;
use super::monitorfile;
use super::pidfile;
use director::{Action, Director, Schedule};
use lvs_check::{CheckSpec, NegotiateEvery, Phase};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// A finished check: (its uid, phase, up, reason).
type CheckResult = (u64, Option<Phase>, bool, String);

/// What a check is, across reloads: its virtual service, real server and
/// the address it contacts.
type CheckKey = (ipvs::ServiceKey, std::net::SocketAddr, std::net::SocketAddr);

/// Results taken in one turn of the loop before signals and timers get
/// a look again.
const RESULTS_PER_TURN: usize = 256;

struct State {
    director: Director,
    /// Shared with the checks in flight, so starting one copies nothing.
    specs: Vec<Arc<CheckSpec>>,
    /// For `checktype=N` checks: which phase runs next.
    every: Vec<Option<NegotiateEvery>>,
    schedule: Schedule,
    /// Each check's uid: kept by a reload that leaves the check as it was,
    /// new otherwise, so a result of a check the new plan changed or
    /// dropped is recognised (and dropped) while an unchanged check's
    /// result in flight still counts.
    uids: Vec<u64>,
    by_uid: rustc_hash::FxHashMap<u64, usize>,
    next_uid: u64,
    keys: Vec<CheckKey>,
    autoreload: bool,
    /// `maintenancedir`, and each check's real server for its file names.
    maintenance: Option<std::path::PathBuf>,
    /// `callback`: run with the config path when the file changes.
    callback: Option<String>,
    reals: Vec<std::net::SocketAddr>,
    fingerprint: Option<u64>,
    mailer: Mailer,
    monitor: monitorfile::Targets,
}

/// Each planned virtual's e-mail alert settings (its own or the global).
fn alert_settings(loaded: &Loaded) -> Vec<director::AlertSettings> {
    loaded
        .plan
        .virtuals
        .iter()
        .map(|vp| {
            let v = &loaded.cf.virtuals[vp.config_index];
            director::AlertSettings {
                to: v.emailalert.clone().unwrap_or_default(),
                freq_secs: v.emailalertfreq,
                status: v.emailalertstatus,
                smtp: v.smtp.clone(),
                from: loaded.cf.global.emailalertfrom.clone(),
                servicename: v.servicename.clone(),
                comment: v.comment.clone(),
            }
        })
        .collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Each planned check's spec, `checktype=N` state and key.
fn specs(
    loaded: &Loaded,
    log: &mut Logger,
) -> (
    Vec<Arc<CheckSpec>>,
    Vec<Option<NegotiateEvery>>,
    Vec<CheckKey>,
) {
    let mut virtual_of: Vec<Option<&director::VirtualPlan>> = vec![None; loaded.cf.virtuals.len()];
    for v in &loaded.plan.virtuals {
        virtual_of[v.config_index] = Some(v);
    }
    let n = loaded.plan.checks.len();
    let mut out = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for c in &loaded.plan.checks {
        // Every check is planned from a planned virtual.
        let vp = virtual_of[c.config_index].expect("a check's virtual is planned");
        let p = checks::plan(c, &loaded.cf.virtuals[c.config_index], vp);
        if let Some(n) = p.note {
            log.log(&format!("{} ({}): {n}", c.real, vp.display));
        }
        out.0.push(Arc::new(p.spec));
        out.1.push(p.negotiate_every);
        out.2.push((vp.key, c.real, c.target));
    }
    out
}

fn intervals(loaded: &Loaded) -> Vec<u64> {
    loaded.plan.checks.iter().map(|c| c.interval_ms).collect()
}

/// Carries out the director's actions; a refused operation makes us read
/// the kernel's table back and reconcile once more from what is there.
fn execute(
    actions: Vec<Action>,
    ipvs: &mut Kernel,
    director: &mut Director,
    log: &mut Logger,
    mailer: &mut Mailer,
) {
    let mut resync = false;
    for a in actions {
        match a {
            Action::Apply(ops) => match ipvs.apply(&ops) {
                Ok(report) => {
                    for (_, e) in &report.failed {
                        log.log(&format!("IPVS refused a change: {e}"));
                        resync = true;
                    }
                }
                Err(e) => {
                    log.log(&format!("IPVS: {e}"));
                    resync = true;
                }
            },
            Action::Log(line) => log.log(&line),
            Action::Alert(a) => {
                if let Some(line) = mailer.on_alert(&a, unix_now()) {
                    log.log(&line);
                }
            }
            Action::Command(cmd) => {
                if let Err(e) = tokio::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(&cmd)
                    .spawn()
                {
                    log.log(&format!("cannot run {cmd:?}: {e}"));
                }
            }
        }
    }
    if resync {
        match ipvs.dump() {
            Ok(table) => {
                for a in director.resync(&table) {
                    match a {
                        Action::Apply(ops) => {
                            if let Ok(r) = ipvs.apply(&ops) {
                                for (_, e) in &r.failed {
                                    log.log(&format!("IPVS refused a change again: {e}"));
                                }
                            }
                        }
                        Action::Log(l) => log.log(&l),
                        Action::Alert(a) => {
                            if let Some(line) = mailer.on_alert(&a, unix_now()) {
                                log.log(&line);
                            }
                        }
                        Action::Command(_) => {}
                    }
                }
            }
            Err(e) => log.log(&format!("IPVS: cannot read the table back: {e}")),
        }
    }
}

/// Runs until SIGTERM; returns the exit status.
/// `ready`: the pipe `start` waits on (ready.rs), told once the first
/// table is applied.
pub fn run(config_path: &Path, loaded: Loaded, debug: bool, ready: Option<std::fs::File>) -> u8 {
    let config_name = config_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut log = Logger::new(&config_name, &loaded.cf.global.logfile, debug);
    log.log("Starting Linux Director v1.186-ha as daemon");
    for w in &loaded.warnings {
        log.log(w);
    }
    let mut ipvs = match Kernel::open() {
        Ok(i) => i,
        Err(e) => {
            log.log(&format!("Exiting with exit_status 1: {e}"));
            return 1;
        }
    };
    if ipvs.is_standin() {
        log.log(&format!(
            "{}=standin: IPVS operations go to an in-process table, not the kernel",
            super::kernel::STANDIN_ENV
        ));
    }
    let pid_path = pidfile::path(config_path);
    if let Err(e) = pidfile::write(&pid_path) {
        log.log(&format!(
            "cannot write pid file {}: {e}",
            pid_path.display()
        ));
    }
    raise_open_files_limit();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.log(&format!(
                "Exiting with exit_status 1: cannot start the runtime: {e}"
            ));
            return 1;
        }
    };
    let status = rt.block_on(event_loop(config_path, loaded, &mut ipvs, &mut log, ready));
    let _ = std::fs::remove_file(&pid_path);
    status
}

async fn event_loop(
    config_path: &Path,
    loaded: Loaded,
    ipvs: &mut Kernel,
    log: &mut Logger,
    ready: Option<std::fs::File>,
) -> u8 {
    let t0 = Instant::now();
    let now_ms = move || t0.elapsed().as_millis() as u64;
    let (specs, every, keys) = specs(&loaded, log);
    let uids: Vec<u64> = (0..specs.len() as u64).collect();
    let (mail_failures, mut mail_failed) = mpsc::unbounded_channel::<String>();
    if let Err(e) = super::dashboard::start(config_path, &loaded.plan) {
        log.log(&e);
    }
    let mut autoreload_tick =
        tokio::time::interval(Duration::from_secs(loaded.cf.global.checkinterval.max(1)));
    let mut state = State {
        mailer: Mailer::new(alert_settings(&loaded), mail_failures),
        monitor: monitorfile::targets(&loaded),
        by_uid: uids.iter().map(|&u| (u, u as usize)).collect(),
        next_uid: uids.len() as u64,
        uids,
        keys,
        specs,
        every,
        schedule: Schedule::new(&intervals(&loaded), now_ms()),
        autoreload: loaded.cf.global.autoreload,
        maintenance: loaded.cf.global.maintenancedir.clone().map(Into::into),
        callback: loaded.cf.global.callback.clone(),
        reals: loaded.plan.checks.iter().map(|c| c.real).collect(),
        fingerprint: config::fingerprint(config_path),
        // The plan moves to the director and the parsed file is dropped
        // below: held for the daemon's life (a copy of the plan and the
        // file) they were 5 MB of 10,000 reals' RSS, needed by nothing
        // after the start (a reload reads the file anew).
        director: Director::new(loaded.plan),
    };
    drop(loaded.cf);
    match ipvs.dump() {
        Ok(table) => {
            let actions = state.director.start(&table);
            execute(actions, ipvs, &mut state.director, log, &mut state.mailer);
            super::ready::notify(ready);
        }
        Err(e) => {
            log.log(&format!(
                "Exiting with exit_status 1: cannot read the IPVS table: {e}"
            ));
            return 1;
        }
    }
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        log.log("Exiting with exit_status 1: cannot install signal handlers");
        return 1;
    };
    let mut int = signal(SignalKind::interrupt()).ok();
    let (tx, mut rx) = mpsc::unbounded_channel::<CheckResult>();
    let mut alert_tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        for id in state.schedule.due(now_ms()) {
            if in_maintenance(state.maintenance.as_deref(), state.reals[id]) {
                state.schedule.finished(id, now_ms());
                let actions = state.director.force_down(id);
                execute(actions, ipvs, &mut state.director, log, &mut state.mailer);
                continue;
            }
            let tx = tx.clone();
            let uid = state.uids[id];
            let (spec, phase) = match &state.every[id] {
                Some(every) => {
                    let p = every.next_phase();
                    (Arc::new(every.check(p, &state.specs[id])), Some(p))
                }
                None => (Arc::clone(&state.specs[id]), None),
            };
            tokio::spawn(async move {
                let outcome = lvs_check::run_check(&spec).await;
                let _ = tx.send((uid, phase, outcome.up, outcome.reason));
            });
        }
        let wait = state
            .schedule
            .next_deadline()
            .map(|d| d.saturating_sub(now_ms()))
            .unwrap_or(1000);
        tokio::select! {
            Some(first) = rx.recv() => {
                // Whatever else has finished too, in the same turn: at ten
                // thousand results a second, a turn per result would spend
                // more on the select than on the results.
                on_result(first, &mut state, ipvs, log, now_ms());
                for _ in 1..RESULTS_PER_TURN {
                    match rx.try_recv() {
                        Ok(r) => on_result(r, &mut state, ipvs, log, now_ms()),
                        Err(_) => break,
                    }
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = term.recv() => break,
            _ = async { match int.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => break,
            _ = hup.recv() => reload(config_path, &mut state, ipvs, log, now_ms()),
            Some(line) = mail_failed.recv() => log.log(&line),
            _ = alert_tick.tick() => {
                for line in state.mailer.tick(unix_now()) {
                    log.log(&line);
                }
            }
            _ = autoreload_tick.tick() => {
                // As the legacy: every cycle, whatever autoreload says, a
                // changed file is noticed; it is reread only with
                // autoreload=yes; the callback runs either way.
                let fp = config::fingerprint(config_path);
                if fp != state.fingerprint {
                    state.fingerprint = fp;
                    log.log(&format!("Configuration file '{}' has changed on disk", config_path.display()));
                    if state.autoreload {
                        reload(config_path, &mut state, ipvs, log, now_ms());
                    } else {
                        log.log(" - ignore new configuration");
                    }
                    if let Some(cb) = state.callback.as_deref().filter(|c| is_executable(Path::new(c))) {
                        let started = tokio::process::Command::new(cb).arg(config_path).spawn();
                        if let Err(e) = started {
                            log.log(&format!("callback {cb}: {e}"));
                        }
                    }
                }
            }
        }
    }
    let actions = state.director.stop();
    execute(actions, ipvs, &mut state.director, log, &mut state.mailer);
    log.log("Linux Director Daemon terminated on signal: TERM");
    0
}

/// One check's result: its monitor file and the dashboard, its next run,
/// and the director's verdict carried out.
fn on_result(r: CheckResult, state: &mut State, ipvs: &mut Kernel, log: &mut Logger, now: u64) {
    let (uid, phase, up, reason) = r;
    let Some(&id) = state.by_uid.get(&uid) else {
        return;
    };
    let connect_phase = phase == Some(Phase::Connect);
    if connect_phase || monitorfile::logged(&state.specs[id].kind, up) {
        if let Err(e) = monitorfile::write(&state.monitor[id], up, &reason) {
            log.log(&e);
        }
    }
    super::dashboard::check(id, up, &reason);
    if let (Some(every), Some(p)) = (state.every[id].as_mut(), phase) {
        every.record(p, up);
    }
    state.schedule.finished(id, now);
    let actions = state.director.on_check(id, up);
    execute(actions, ipvs, &mut state.director, log, &mut state.mailer);
}

/// A new configuration replaces the old only if it loads cleanly; a bad
/// edit is logged with its file and line and the running table is kept.
fn reload(config_path: &Path, state: &mut State, ipvs: &mut Kernel, log: &mut Logger, now: u64) {
    state.fingerprint = config::fingerprint(config_path);
    match config::load(config_path) {
        Ok(loaded) => {
            log.log(" - reread new configuration");
            carry_checks_over(state, &loaded, log, now);
            state.autoreload = loaded.cf.global.autoreload;
            state.maintenance = loaded.cf.global.maintenancedir.clone().map(Into::into);
            state.callback = loaded.cf.global.callback.clone();
            state.reals = loaded.plan.checks.iter().map(|c| c.real).collect();
            state.mailer.reconfigure(alert_settings(&loaded));
            state.monitor = monitorfile::targets(&loaded);
            super::dashboard::plan(&loaded.plan);
            let actions = state.director.reload(loaded.plan);
            execute(actions, ipvs, &mut state.director, log, &mut state.mailer);
        }
        Err(e) => {
            super::dashboard::config_error(&e);
            for line in e.lines() {
                log.log(line);
            }
            log.log(" - ignore new configuration");
        }
    }
}

/// The new plan's checks: one whose key, spec, interval and `checktype=N`
/// setting are as before keeps its uid, schedule and phase; the others
/// start afresh.
fn carry_checks_over(state: &mut State, loaded: &Loaded, log: &mut Logger, now: u64) {
    let (mut specs, mut every, keys) = specs(loaded, log);
    // Most reloads change a line or two: a check is usually where it was,
    // and the map of old checks is made only for one that is not.
    let mut old: Option<std::collections::HashMap<&CheckKey, usize>> = None;
    let mut kept = Vec::with_capacity(specs.len());
    let mut uids = Vec::with_capacity(specs.len());
    for (i, key) in keys.iter().enumerate() {
        let was = if state.keys.get(i) == Some(key) {
            Some(i)
        } else {
            old.get_or_insert_with(|| state.keys.iter().enumerate().map(|(j, k)| (k, j)).collect())
                .get(key)
                .copied()
        };
        let same = was.filter(|&j| {
            *state.specs[j] == *specs[i]
                && match (&state.every[j], &every[i]) {
                    (Some(a), Some(b)) => a.same_setting(b),
                    (None, None) => true,
                    _ => false,
                }
        });
        match same {
            Some(j) => {
                every[i] = state.every[j].clone();
                // The one the checks in flight share, not a copy beside it.
                specs[i] = state.specs[j].clone();
                uids.push(state.uids[j]);
            }
            None => {
                uids.push(state.next_uid);
                state.next_uid += 1;
            }
        }
        kept.push(same);
    }
    state.schedule = state.schedule.reload(&intervals(loaded), &kept, now);
    state.by_uid = uids.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    state.uids = uids;
    state.keys = keys;
    state.specs = specs;
    state.every = every;
}

/// The legacy's maintenance files for a real: `IP:PORT` or `IP` in
/// `maintenancedir` force it down without a check. (The legacy also looks
/// for the real's reverse-DNS names; we look for addresses only.)
fn in_maintenance(dir: Option<&Path>, real: std::net::SocketAddr) -> bool {
    let Some(dir) = dir else {
        return false;
    };
    let ip = real.ip().to_string();
    dir.join(format!("{ip}:{}", real.port())).exists() || dir.join(&ip).exists()
}

/// Every check in flight holds a socket: with thousands of reals the
/// default soft limit of 1024 descriptors would fail checks, so take the
/// hard limit.
fn raise_open_files_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain get/setrlimit on a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
