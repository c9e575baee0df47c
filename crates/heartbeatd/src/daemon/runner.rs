//! Resource groups from haresources: started left to right, stopped right
//! to left, each script on a worker thread with a time limit, so a hung or
//! missing script is logged and reported and never stalls the daemon.
//!
//! `Name::a::b` runs `resource.d/Name a b start|stop|status`, else
//! `/etc/init.d/Name start|stop|status`, as the legacy ResourceManager.

use super::Input;
use ha_config::haresources::{Resource, ResourceGroup};
use hb_core::Level;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Longest a resource script may run before it is killed.
const SCRIPT_LIMIT: Duration = Duration::from_secs(120);

#[derive(Clone)]
pub struct Runner {
    ha_dir: PathBuf,
    groups: Vec<ResourceGroup>,
    tx: Sender<Input>,
}

fn log(tx: &Sender<Input>, level: Level, text: String) {
    let _ = tx.send(Input::Log(level, text));
}

impl Runner {
    pub fn new(ha_dir: &Path, groups: Vec<ResourceGroup>, tx: Sender<Input>) -> Runner {
        Runner {
            ha_dir: ha_dir.to_path_buf(),
            groups,
            tx,
        }
    }

    /// The definitions of the first `n` groups (the configured ones).
    pub fn groups(&self, n: usize) -> &[ResourceGroup] {
        &self.groups[..n.min(self.groups.len())]
    }

    /// A reload's group list is in force: entry `j` of `origin` is group
    /// `j`'s index before (`None`: the `j`-th group of `new`); entries past
    /// `new` are removed groups still being released.
    pub fn regroup(&mut self, origin: &[Option<usize>], new: Vec<ResourceGroup>) {
        let old = std::mem::take(&mut self.groups);
        let configured = new.len();
        let mut new = new.into_iter();
        for (j, o) in origin.iter().enumerate() {
            let g = if j < configured {
                new.next()
            } else {
                o.and_then(|i| old.get(i).cloned())
            };
            if let Some(g) = g {
                self.groups.push(g);
            }
        }
    }

    fn script(&self, r: &Resource) -> PathBuf {
        let rd = self.ha_dir.join("resource.d").join(&r.script);
        if rd.exists() {
            rd
        } else {
            Path::new("/etc/init.d").join(&r.script)
        }
    }

    /// Runs `script args... op`; Ok(stdout) on exit status 0.
    fn run(&self, r: &Resource, op: &str) -> Result<String, String> {
        let path = self.script(r);
        log(
            &self.tx,
            Level::Info,
            format!(
                "Running {}/resource.d/{} {} {op}",
                self.ha_dir.display(),
                r.script,
                r.args.join(" ")
            ),
        );
        if let Some(result) = native(r, op) {
            return result;
        }
        if !path.exists() {
            return Err(format!(
                "{}: no such resource script (looked in {}/resource.d and /etc/init.d)",
                r.script,
                self.ha_dir.display()
            ));
        }
        let mut cmd = Command::new(&path);
        cmd.args(&r.args)
            .arg(op)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("{}: cannot run: {e}", path.display()))?;
        let deadline = Instant::now() + SCRIPT_LIMIT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    // SAFETY: kill(2) on the process group we created.
                    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                    let _ = child.wait();
                    return Err(format!(
                        "{} {op}: killed after {} s",
                        path.display(),
                        SCRIPT_LIMIT.as_secs()
                    ));
                }
            }
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(format!(
                "Return code {} from {} {op}{}",
                out.status.code().unwrap_or(-1),
                path.display(),
                err.lines()
                    .next()
                    .map(|l| format!(": {l}"))
                    .unwrap_or_default()
            ))
        }
    }

    fn is_running(&self, r: &Resource) -> bool {
        match self.run(r, "status") {
            // ResourceManager's test: the status output says Running or OK.
            Ok(out) => {
                out.to_lowercase().contains("running")
                    || out
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .any(|w| w == "OK")
            }
            Err(_) => false,
        }
    }

    /// Starts group `i` on a worker; reports `GroupDone` when finished.
    pub fn acquire(&self, i: usize) {
        let me = self.clone();
        std::thread::spawn(move || {
            if let Some(g) = me.groups.get(i) {
                log(
                    &me.tx,
                    Level::Info,
                    format!("Acquiring resource group: {} {}", g.node, spec(g)),
                );
                for r in &g.resources {
                    if me.is_running(r) {
                        continue;
                    }
                    if let Err(e) = me.run(r, "start") {
                        log(&me.tx, Level::Error, e);
                    }
                }
            }
            let _ = me.tx.send(Input::GroupDone {
                index: i,
                acquired: true,
            });
        });
    }

    /// Stops group `i` (right to left) on a worker.
    pub fn release(&self, i: usize) {
        let me = self.clone();
        std::thread::spawn(move || {
            if let Some(g) = me.groups.get(i) {
                log(
                    &me.tx,
                    Level::Info,
                    format!("Releasing resource group: {} {}", g.node, spec(g)),
                );
                for r in g.resources.iter().rev() {
                    if let Err(e) = me.run(r, "stop") {
                        log(&me.tx, Level::Error, e);
                    }
                }
            }
            let _ = me.tx.send(Input::GroupDone {
                index: i,
                acquired: false,
            });
        });
    }
}

/// IPaddr, IPaddr2 and IPv6addr run natively (rtnetlink, gratuitous ARP,
/// neighbour advertisements): no shell functions, findif, send_arp or
/// resource-agents binaries needed on the director.
fn native(r: &Resource, op: &str) -> Option<Result<String, String>> {
    let res = ha_ipaddr::NativeResource::of(r)?;
    let outcome = match op {
        "start" => res.start().map(|_| String::new()),
        "stop" => res.stop().map(|_| String::new()),
        _ => res.status().map(|s| s.word().to_string()),
    };
    Some(outcome.map_err(|e| e.to_string()))
}

fn spec(g: &ResourceGroup) -> String {
    g.resources
        .iter()
        .map(|r| r.spec.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
