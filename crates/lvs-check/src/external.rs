//! `checktype=external` and `external-perl`: the real is up when
//! `checkcommand` exits 0.
//!
//! The legacy forks and execs the command with four arguments (virtual IP
//! or fwmark, virtual port, real IP, real port), no shell, the daemon's
//! environment, and sends TERM to the child alone at `checktimeout`. We
//! start the child in its own process group and kill the whole group with
//! KILL: a shell script's own children (a hung `curl`, a `sleep`) would
//! otherwise outlive the check and pile up on every run. external-perl is
//! evaluated inside the legacy daemon; here the script is run by `perl`
//! with the same arguments, which its manual promises is equivalent.

use crate::{CheckKind, CheckSpec, Outcome, VirtualId};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

/// How long to wait for a killed child to be reaped, and for the output
/// of one that exited while something it started still holds its pipes.
pub const GRACE: Duration = Duration::from_millis(50);

/// Output kept for the reason; the rest is read and dropped so a chatty
/// script never blocks on a full pipe.
const KEEP: usize = 4096;

/// The reason quotes at most this much of the script's output.
const REASON_CHARS: usize = 120;

pub async fn check(spec: &CheckSpec) -> Outcome {
    let CheckKind::External {
        command,
        perl,
        virtual_addr,
    } = &spec.kind
    else {
        return Outcome::down("not an external check");
    };
    let shown = command.display();
    let mut cmd = if *perl {
        // The legacy opens the script itself and says so when it cannot.
        if let Err(e) = std::fs::File::open(command) {
            return Outcome::down(format!(
                "cannot open external-perl checkcommand file: {shown}: {e}"
            ));
        }
        let mut cmd = Command::new("perl");
        cmd.arg(command);
        cmd
    } else {
        Command::new(command)
    };
    cmd.args(legacy_args(virtual_addr, spec.target))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if *perl => return Outcome::down(format!("cannot run perl for {shown}: {e}")),
        Err(e) => return Outcome::down(format!("cannot run checkcommand {shown}: {e}")),
    };
    let mut group = GroupKiller(child.id());
    let mut out = Output::of(&mut child);
    let waited = tokio::time::timeout(spec.check_timeout, out.wait(&mut child)).await;
    match waited {
        Ok(Ok(status)) => {
            // Reaped: the PID may be reused from here on, never signal it.
            group.0 = None;
            out.finish().await;
            verdict(command, status, &out)
        }
        Ok(Err(e)) => Outcome::down(format!("waiting for {shown} failed: {e}")),
        Err(_) => {
            group.kill();
            let _ = tokio::time::timeout(GRACE, child.wait()).await;
            Outcome::down(format!(
                "{shown} killed after {:.1} s",
                spec.check_timeout.as_secs_f64()
            ))
        }
    }
}

/// The legacy's argv after the command: virtual server, virtual port,
/// real server, real port, IPv6 addresses in brackets as it stores them.
pub fn legacy_args(virtual_addr: &VirtualId, real: SocketAddr) -> [String; 4] {
    let (vip, vport) = match virtual_addr {
        VirtualId::Addr(a) => (bracketed(a), a.port().to_string()),
        VirtualId::Fwmark(mark) => (mark.to_string(), "0".to_string()),
    };
    [vip, vport, bracketed(&real), real.port().to_string()]
}

fn bracketed(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}

fn verdict(command: &Path, status: ExitStatus, out: &Output) -> Outcome {
    let shown = command.display();
    if status.success() {
        return Outcome::up(format!("{shown} exited 0"));
    }
    let how = match status.code() {
        Some(code) => format!("{shown} exited {code}"),
        None => {
            use std::os::unix::process::ExitStatusExt;
            format!("{shown} killed by signal {}", status.signal().unwrap_or(0))
        }
    };
    match out.stderr.last_line().or_else(|| out.stdout.last_line()) {
        Some(line) => Outcome::down(format!("{how}: {line}")),
        None => Outcome::down(how),
    }
}

/// The child's stdout and stderr, read as they come.
struct Output {
    out: Option<ChildStdout>,
    err: Option<ChildStderr>,
    stdout: Capture,
    stderr: Capture,
}

impl Output {
    fn of(child: &mut Child) -> Output {
        Output {
            out: child.stdout.take(),
            err: child.stderr.take(),
            stdout: Capture::default(),
            stderr: Capture::default(),
        }
    }

    /// Waits for the child, draining its pipes meanwhile so it never
    /// blocks writing to them.
    async fn wait(&mut self, child: &mut Child) -> std::io::Result<ExitStatus> {
        loop {
            tokio::select! {
                status = child.wait() => return status,
                () = self.stdout.read_from(&mut self.out), if self.out.is_some() => {}
                () = self.stderr.read_from(&mut self.err), if self.err.is_some() => {}
            }
        }
    }

    /// After the exit: what is left in the pipes, for a moment only, since
    /// something the child started may hold them open.
    async fn finish(&mut self) {
        let _ = tokio::time::timeout(GRACE, async {
            while self.out.is_some() || self.err.is_some() {
                tokio::select! {
                    () = self.stdout.read_from(&mut self.out), if self.out.is_some() => {}
                    () = self.stderr.read_from(&mut self.err), if self.err.is_some() => {}
                }
            }
        })
        .await;
    }
}

#[derive(Default)]
struct Capture(Vec<u8>);

impl Capture {
    /// Reads once from `pipe`, dropping the pipe at its end.
    async fn read_from<R: AsyncRead + Unpin>(&mut self, pipe: &mut Option<R>) {
        let Some(p) = pipe else { return };
        let mut chunk = [0u8; 4096];
        match p.read(&mut chunk).await {
            Ok(0) | Err(_) => *pipe = None,
            Ok(n) => {
                let room = KEEP.saturating_sub(self.0.len()).min(n);
                self.0
                    .extend_from_slice(chunk.get(..room).unwrap_or_default());
            }
        }
    }

    /// The last non-blank line, made printable and short for a log line.
    fn last_line(&self) -> Option<String> {
        let text = String::from_utf8_lossy(&self.0);
        let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
        let clean: String = line
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(REASON_CHARS)
            .collect();
        Some(clean)
    }
}

/// Kills the child's process group (and the child, should it have left the
/// group) unless disarmed: also when the check is dropped mid-way, e.g. by
/// `run_check`'s own bound.
struct GroupKiller(Option<u32>);

impl GroupKiller {
    fn kill(&mut self) {
        let Some(pid) = self.0.take().and_then(|p| libc::pid_t::try_from(p).ok()) else {
            return;
        };
        // SAFETY: kill(2) has no memory effects. The PID is our unreaped
        // child, so neither it nor its group ID can name another process.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_is_virtual_then_real() {
        let real: SocketAddr = "[2001:db8::5]:8080".parse().unwrap();
        let v = VirtualId::Addr("192.0.2.1:80".parse().unwrap());
        assert_eq!(
            legacy_args(&v, real),
            ["192.0.2.1", "80", "[2001:db8::5]", "8080"]
        );
        let v6 = VirtualId::Addr("[2001:db8::1]:443".parse().unwrap());
        assert_eq!(legacy_args(&v6, real)[..2], ["[2001:db8::1]", "443"]);
        assert_eq!(legacy_args(&VirtualId::Fwmark(7), real)[..2], ["7", "0"]);
    }

    #[test]
    fn the_reason_quotes_one_short_printable_line() {
        let c = Capture(b"first\nlast \x1b[31mred\n\n  \n".to_vec());
        assert_eq!(c.last_line().as_deref(), Some("last  [31mred"));
        assert_eq!(
            Capture(b"x".repeat(500)).last_line().map(|l| l.len()),
            Some(120)
        );
        assert_eq!(Capture::default().last_line(), None);
    }
}
