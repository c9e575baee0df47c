//! The heartbeatd daemon: the hb-core state machine driven by real UDP
//! media, a clock, resource scripts and signals.
//!
//! One thread owns the core; media readers, resource workers and the
//! signal thread feed it through a channel, and it sleeps until the core's
//! next deadline or the next input, whichever comes first.

mod client_env;
mod clients;
pub mod control;
mod links;
mod log;
mod media;
mod ping;
mod realtime;
mod reboot;
mod reload;
mod runner;
mod statefiles;
mod table;
mod wire;

use hb_core::{Action, Config, Event, Level, Node, Time};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub enum Input {
    Datagram(media::Datagram),
    GroupDone {
        index: usize,
        acquired: bool,
    },
    Log(Level, String),
    Signal(i32),
    Control(control::Request),
    /// A respawn/failfast client was reaped.
    Client(clients::Report),
    /// An authenticated echo reply from this ping node.
    PingReply(String),
}

fn pid_path() -> PathBuf {
    std::env::var_os("HEARTBEATD_PIDFILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run/heartbeat.pid"))
}

fn running_pid() -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(pid_path())
        .ok()?
        .trim()
        .parse()
        .ok()?;
    is_heartbeat(pid).then_some(pid)
}

/// The host's name as heartbeat uses it (`uname -n`, lower case).
pub fn node_name() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// `heartbeatd -s`: the legacy's status text and LSB status.
pub fn status() -> u8 {
    match running_pid() {
        Some(pid) => {
            let n = node_name();
            println!("heartbeat OK [pid {pid} et al] is running on {n} [{n}]...");
            0
        }
        None => {
            println!("heartbeat is stopped. No process");
            3
        }
    }
}

/// `heartbeatd -k`: graceful stop (resources handed over, clients
/// stopped), waiting as the legacy does, without a limit, until the daemon
/// is gone: 0 then (or if none ran), 4 if it may not be signalled, 1 if
/// the signal failed otherwise.
pub fn kill() -> u8 {
    let Some(pid) = running_pid() else {
        eprintln!("INFO: Heartbeat already stopped.");
        return 0;
    };
    // SAFETY: kill(2) on the pid from our pid file whose cmdline is ours.
    if unsafe { libc::kill(pid, libc::SIGTERM) } < 0 {
        let errno = nix::errno::Errno::last();
        eprintln!("ERROR: Could not kill pid {pid} : {}", errno.desc());
        return match errno {
            nix::errno::Errno::EPERM | nix::errno::Errno::EACCES => 4,
            _ => 1,
        };
    }
    while is_heartbeat(pid) {
        std::thread::sleep(Duration::from_millis(100));
    }
    0
}

/// `pid` is still a heartbeat process (not gone, not reused, not a zombie:
/// a zombie's cmdline is empty).
fn is_heartbeat(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("heartbeat"))
}

pub use reload::request as reload;

/// The command line's `-l` (no real-time scheduling, no memory locking)
/// and `-M` (3.0.6: manage no resources; not supported, said at start).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessFlags {
    pub no_realtime: bool,
    pub no_resources: bool,
}

/// Starts the daemon: in the background unless `foreground`.
pub fn start(dir: &Path, foreground: bool, debug: bool, flags: ProcessFlags) -> u8 {
    let loaded = match ha_config::heartbeat_dir::load(dir) {
        Ok(p) => p.value,
        Err(e) => {
            eprintln!("{e}");
            return 6;
        }
    };
    if let Err(code) = host_checks(dir, &loaded) {
        return code;
    }
    if let Some(pid) = running_pid() {
        eprintln!("heartbeat: already running [pid {pid}].");
        return 0;
    }
    if !foreground {
        // Detach: the parent returns once the child has written its pid.
        match unsafe { nix::unistd::fork() } {
            Ok(nix::unistd::ForkResult::Parent { child }) => {
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    if running_pid() == Some(child.as_raw()) {
                        return 0;
                    }
                    if let Ok(nix::sys::wait::WaitStatus::Exited(_, code)) =
                        nix::sys::wait::waitpid(child, Some(nix::sys::wait::WaitPidFlag::WNOHANG))
                    {
                        return code as u8;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                eprintln!("heartbeat: the daemon did not start within 10 s");
                return 1;
            }
            Ok(nix::unistd::ForkResult::Child) => {
                let _ = nix::unistd::setsid();
                if let Ok(null) = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/dev/null")
                {
                    use std::os::fd::AsRawFd;
                    for fd in 0..3 {
                        // SAFETY: dup2 onto the standard descriptors.
                        unsafe { libc::dup2(null.as_raw_fd(), fd) };
                    }
                }
            }
            Err(e) => {
                eprintln!("heartbeat: cannot fork: {e}");
                return 1;
            }
        }
    }
    let status = run(dir, loaded, debug, flags);
    log::flush();
    status
}

/// The legacy's start-time checks of this host (interfaces, node name,
/// client programs, apiauth users): printed and logged, exit 6.
fn host_checks(dir: &Path, loaded: &ha_config::heartbeat_dir::HeartbeatConfig) -> Result<(), u8> {
    let found = crate::hostcheck::check_dir(dir, &loaded.hacf);
    if found.is_empty() {
        return Ok(());
    }
    // Into the log file too, as the legacy logs them; stderr has them
    // already when there is no log target.
    let h = &loaded.hacf;
    let mut log = (h.logfile.is_some() || h.debugfile.is_some() || h.logfacility.is_some())
        .then(|| log::Log::new(h, false));
    for d in &found {
        eprintln!("{d}");
        if let Some(l) = &mut log {
            l.error(&d.message);
            for info in d.hint.iter().flat_map(|h| h.split('\n')) {
                l.info(info.trim());
            }
        }
    }
    eprintln!("{}", crate::hostcheck::NOT_STARTED);
    if let Some(l) = &mut log {
        l.error(crate::hostcheck::NOT_STARTED);
    }
    Err(6)
}

fn run(
    dir: &Path,
    loaded: ha_config::heartbeat_dir::HeartbeatConfig,
    debug: bool,
    flags: ProcessFlags,
) -> u8 {
    let mut log = log::Log::new(&loaded.hacf, debug);
    log.in_background();
    let realtime = loaded.hacf.realtime && !flags.no_realtime;
    for note in realtime::enter(realtime::Settings {
        realtime,
        priority: loaded.hacf.rtprio,
        lock_memory: realtime,
    }) {
        log.log(Level::Warning, &note);
    }
    if flags.no_resources {
        log.log(
            Level::Warning,
            "-M (manage no resources) is not supported by heartbeatd: resources are managed",
        );
    }
    let name = node_name();
    if !loaded.hacf.nodes.contains(&name) {
        log.error(&format!("Current node [{name}] not in configuration!"));
        return 6;
    }
    let state_dir = statefiles::dir();
    let (generation, note) = match statefiles::next_generation(&state_dir) {
        Ok(g) => g,
        Err(e) => {
            log.error(&format!(
                "cannot update {}/hb_generation: {e}",
                state_dir.display()
            ));
            return 1;
        }
    };
    if let Some(n) = note {
        log.info(&n);
    }
    let uuid = statefiles::uuid(&state_dir).ok();
    let mut cfg = match Config::from_ha_config(
        &loaded.hacf,
        loaded.haresources.as_ref(),
        &name,
        generation,
    ) {
        Ok(c) => c,
        Err(e) => {
            log.error(&format!("{}: {e}", dir.join("ha.cf").display()));
            return 6;
        }
    };
    cfg.uuid = uuid;
    let keys = match wire::keys(&loaded.authkeys) {
        Ok(k) => k,
        Err(e) => {
            log.error(&format!("{}: {e}", dir.join("authkeys").display()));
            return 6;
        }
    };
    let (tx, rx) = mpsc::channel::<Input>();
    let (mut media, notes) = match media::open(&loaded.hacf.media, &tx) {
        Ok(m) => m,
        Err(e) => {
            log.error(&e);
            return 1;
        }
    };
    for n in notes {
        log.log(Level::Warning, &n);
    }
    let mut pinger = match ping::open(&loaded.hacf.media, &keys, &tx) {
        Ok((p, notes)) => {
            for (level, n) in notes {
                log.log(level, &n);
            }
            p
        }
        Err(e) => {
            log.error(&e);
            return 1;
        }
    };
    if let Err(e) = std::fs::write(pid_path(), format!("{}\n", std::process::id())) {
        log.error(&format!(
            "heartbeat: could not create pidfile [{}]: {e}",
            pid_path().display()
        ));
        return 1;
    }
    let signals = signal_hook::iterator::Signals::new([
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGUSR1,
        libc::SIGUSR2,
    ]);
    if let Ok(mut signals) = signals {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for s in signals.forever() {
                if tx.send(Input::Signal(s)).is_err() {
                    break;
                }
            }
        });
    }
    if let Err(e) = control::listen(tx.clone()) {
        log.log(
            Level::Warning,
            &format!(
                "no control socket ({}): {e}",
                control::socket_path().display()
            ),
        );
    }
    let groups = loaded
        .haresources
        .as_ref()
        .map(|h| h.groups.clone())
        .unwrap_or_default();
    let mut runner = runner::Runner::new(dir, groups, tx.clone());
    let mut current = reload::Current::read(dir, loaded);
    let mut keys = keys;
    // A reload's group definitions, for the runner once the core applies them.
    let mut reloaded_groups = None;
    let mut links = links::Links::default();
    let env = client_env::client_env(
        &current.outline,
        &current.loaded.hacf,
        &name,
        dir,
        u32::from(debug),
    );
    let mut clients = clients::Clients::new(&current.loaded.hacf, env, tx.clone(), &mut log);
    let table = table::order(&current.outline);
    // Resources are released and shutdone sent: the clients are being
    // stopped, last first, before the daemon exits.
    let mut finishing = false;
    log.info(&format!(
        "Configuration validated. Starting heartbeat {}",
        env!("CARGO_PKG_VERSION")
    ));
    log.info(&format!(
        "heartbeat: version 3.0.6 compatible, node {name}, generation {generation}"
    ));

    let t0 = Instant::now();
    let now = || Time::from_ms(t0.elapsed().as_millis() as u64);
    let mut node = match Node::new(cfg, now()) {
        Ok(n) => n,
        Err(e) => {
            log.error(&format!("{e}"));
            return 6;
        }
    };
    let mut ttl = current.ttl();
    let mut stopping = false;
    let mut bad = wire::BadPackets::default();
    let mut write_errors: std::collections::HashMap<String, Option<Instant>> = Default::default();
    let mut actions = node.handle(now(), Event::Tick);
    // When a resource group last finished starting or stopping here, for
    // the `dashboard` report (ldirectord-rs's status page).
    let mut last_change: Option<std::time::SystemTime> = None;
    loop {
        for a in actions.drain(..) {
            match a {
                Action::Send(mut msg) => match wire::encode(&mut msg, &keys, ttl) {
                    Ok(packet) => {
                        // As the legacy's ping media: an echo per status.
                        if let (Some(p), Some("status")) = (&mut pinger, msg.get_str("t")) {
                            let ts = msg.get_str("ts").unwrap_or("0").to_string();
                            for e in p.send(&ts, &keys) {
                                log.log(Level::Error, &e);
                            }
                        }
                        for m in &mut media {
                            if let Err(e) = m.send(&packet) {
                                // A dead link fails every send: say so once
                                // a minute, not every keepalive.
                                let last = write_errors.entry(m.name.clone()).or_insert(None);
                                if last
                                    .is_none_or(|t: Instant| t.elapsed() >= Duration::from_secs(60))
                                {
                                    log.log(Level::Warning, &e);
                                    *last = Some(Instant::now());
                                }
                            }
                        }
                    }
                    Err(e) => log.error(&format!("cannot encode a message: {e}")),
                },
                Action::Log(level, text) => log.log(level, &text),
                Action::NodeStatus { node: n, status } => {
                    log.info(&format!("Status update for node {n}: status {status}"))
                }
                Action::AcquireGroup(i) => runner.acquire(i),
                Action::ReleaseGroup(i) => runner.release(i),
                Action::Regroup(origin) => {
                    if let Some(g) = reloaded_groups.take() {
                        runner.regroup(&origin, g);
                    }
                }
                Action::ShutdownComplete => {
                    finishing = true;
                    clients.handle(now(), hb_core::clients::ClientEvent::StopAll, &mut log);
                }
            }
        }
        // As the legacy, the clients start once communication is up.
        clients.follow_core(now(), node.membership().is_comm_up(), &mut log);
        if finishing && clients.all_stopped() {
            log.info(&format!("{name} Heartbeat shutdown complete."));
            let _ = std::fs::remove_file(pid_path());
            return 0;
        }
        let next = match (node.next_deadline(), clients.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wait = next
            .map(|d| Duration::from_millis(d.as_ms().saturating_sub(now().as_ms())))
            .unwrap_or(Duration::from_millis(1000));
        let event = match rx.recv_timeout(wait) {
            Ok(Input::Datagram(d)) => match wire::decode(&d.bytes, &keys) {
                Ok(msg) => {
                    links.note(msg.get_str("src").unwrap_or_default(), &d.medium);
                    Event::Received(msg)
                }
                Err(e) => {
                    bad.note(&mut log, &d.medium, &e);
                    continue;
                }
            },
            Ok(Input::GroupDone {
                index,
                acquired: true,
            }) => {
                last_change = Some(std::time::SystemTime::now());
                Event::GroupAcquired(index)
            }
            Ok(Input::GroupDone {
                index,
                acquired: false,
            }) => {
                last_change = Some(std::time::SystemTime::now());
                Event::GroupReleased(index)
            }
            Ok(Input::Log(level, text)) => {
                log.log(level, &text);
                continue;
            }
            Ok(Input::Signal(libc::SIGHUP)) => {
                let applied = runner.groups(node.config().groups.len());
                let Some(r) =
                    reload::reread(dir, &name, node.config(), &current, applied, &mut log)
                else {
                    continue;
                };
                keys = r.keys;
                current = r.current;
                ttl = current.ttl();
                log = log.reopened(&current.loaded.hacf);
                let Some((event, groups)) = r.reload else {
                    continue;
                };
                reloaded_groups = Some(groups);
                event
            }
            Ok(Input::Signal(s @ (libc::SIGUSR1 | libc::SIGUSR2))) => {
                let level = if s == libc::SIGUSR1 {
                    log.level().saturating_add(1)
                } else {
                    log.level().saturating_sub(1)
                };
                log.set_level(level);
                log.log(
                    Level::Debug,
                    &format!("debug now set to {level} [pid {}]", std::process::id()),
                );
                continue;
            }
            Ok(Input::Signal(_)) if !stopping => {
                stopping = true;
                log.info(&format!(
                    "Heartbeat shutdown in progress. ({})",
                    std::process::id()
                ));
                clients.handle(
                    now(),
                    hb_core::clients::ClientEvent::ShutdownBegun,
                    &mut log,
                );
                Event::Shutdown
            }
            Ok(Input::PingReply(name)) => Event::PingReply(name),
            Ok(Input::Client(report)) => {
                clients.reaped(now(), report, &mut log);
                continue;
            }
            Ok(Input::Signal(_)) => continue,
            Ok(Input::Control(req))
                if req.words.first().map(String::as_str) == Some("hbparameter") =>
            {
                let v = req
                    .words
                    .get(1)
                    .and_then(|p| crate::params::value(&current.outline, &current.loaded.hacf, p));
                control::reply(&req.reply_to, &crate::clstatus::param_reply(v));
                continue;
            }
            Ok(Input::Control(req))
                if matches!(
                    req.words.first().map(String::as_str),
                    Some("listhblinks" | "hblinkstatus")
                ) =>
            {
                let names: Vec<String> = media.iter().map(|m| m.name.clone()).collect();
                let dt = Duration::from_millis(node.config().deadtime_ms);
                let a = links.answer(&req.words, &node.config().nodes, &names, dt);
                let text = a.unwrap_or_else(|| crate::clstatus::BADREQ.to_string());
                control::reply(&req.reply_to, &text);
                continue;
            }
            Ok(Input::Control(req))
                if req.words.first().map(String::as_str) == Some("dashboard") =>
            {
                control::reply(&req.reply_to, &dashboard_report(&node, &name, last_change));
                continue;
            }
            Ok(Input::Control(req)) => match answer(&node, &name, &table, &req.words) {
                Answer::Text(t) => {
                    control::reply(&req.reply_to, &t);
                    continue;
                }
                Answer::Event(e, t) => {
                    control::reply(&req.reply_to, &t);
                    e
                }
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                clients.handle(now(), hb_core::clients::ClientEvent::Tick, &mut log);
                Event::Tick
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return 1,
        };
        actions = node.handle(now(), event);
    }
}

/// ldirectord-rs's status page asks for everything at once (format in
/// crates/lvs-dashboard/src/cluster.rs): nodes with their status, each
/// resource group's home and state here, and the time of the last change.
fn dashboard_report(node: &Node, me: &str, last_change: Option<std::time::SystemTime>) -> String {
    let mut out = format!("me {me}\n");
    for n in &node.config().nodes {
        let status = if n == me {
            Some(node.status())
        } else {
            node.peer_status(n)
        };
        let status = status.map(|s| s.as_str().to_string());
        out.push_str(&format!(
            "node {n} {}\n",
            status.as_deref().unwrap_or("unknown")
        ));
    }
    for (n, status) in node.ping_nodes().statuses() {
        out.push_str(&format!("ping {n} {}\n", status.as_str()));
    }
    for (g, state) in node.config().groups.iter().zip(node.group_states()) {
        let state = match state {
            hb_core::GroupState::Stopped => "stopped",
            hb_core::GroupState::Starting => "starting",
            hb_core::GroupState::Running => "running",
            hb_core::GroupState::Stopping => "stopping",
        };
        out.push_str(&format!("group {} {} {state}\n", g.key, g.home));
    }
    let at = last_change
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs().to_string());
    out.push_str(&format!("lastchange {}\n", at.as_deref().unwrap_or("none")));
    out
}

enum Answer {
    Text(String),
    Event(Event, String),
}

/// The legacy commands' meaning: `standby`/`takeover` with all, local,
/// foreign (or failback = foreign for standby), and cl_status's queries.
fn answer(node: &Node, me: &str, table: &[String], words: &[String]) -> Answer {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let set = |word: Option<&&str>| match word.copied().unwrap_or("all") {
        "all" => Some(hb_core::RscSet::ALL),
        "local" => Some(hb_core::RscSet::LOCAL),
        "foreign" | "failback" => Some(hb_core::RscSet::FOREIGN),
        _ => None,
    };
    match w.first().copied() {
        Some("standby") => match set(w.get(1)) {
            Some(s) => Answer::Event(Event::Standby(s), format!("Going standby [{}].", s.word())),
            None => Answer::Text("usage: standby [all|local|foreign|failback]".into()),
        },
        Some("takeover") => match set(w.get(1)) {
            Some(s) => Answer::Event(Event::Takeover(s), format!("Taking over [{}].", s.word())),
            None => Answer::Text("usage: takeover [all|local|foreign|failback]".into()),
        },
        Some("hbstatus") => Answer::Text(format!("Heartbeat on this node is running ({me}).")),
        Some("listnodes") => Answer::Text(table::listnodes(node, table)),
        Some(q @ ("nodestatus" | "nodetype")) => {
            let n = w
                .get(1)
                .map(|s| s.to_lowercase())
                .unwrap_or_else(|| me.to_string());
            if let Some(p) = node.ping_nodes().status(&n) {
                let kind = if q == "nodetype" { "ping" } else { p.as_str() };
                return Answer::Text(kind.to_string());
            }
            let status = if n == me {
                Some(node.status())
            } else {
                node.peer_status(&n)
            };
            Answer::Text(match status {
                None => crate::clstatus::BADREQ.to_string(),
                Some(_) if q == "nodetype" => "normal".to_string(),
                Some(st) => st.as_str().to_string(),
            })
        }
        Some("rscstatus") => Answer::Text(node.rscstatus().to_string()),
        _ => Answer::Text("unknown command".into()),
    }
}
