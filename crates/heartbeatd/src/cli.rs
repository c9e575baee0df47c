//! The command line: the legacy daemon's `[-dDkMrRsvWlVf] [-C state]` flags,
//! plus our config-check options.

use std::path::PathBuf;

pub const USAGE: &str =
    "usage: heartbeatd [-dDkMrRsvWlVf] [-C state] [-c DIR] [-t [--print-config]]
       heartbeatd export-pacemaker [-c DIR] -o OUTDIR
  -t               check the configuration and exit (0 = OK)
  --print-config   with -t: print the effective configuration as JSON
  -c DIR           configuration directory (default /etc/ha.d)
  -k               stop the running daemon
  -r               check the configuration, then have the running daemon
                   reload it in place (resources kept); starts one if none runs
  -s               report whether the daemon is running
  -R               accepted for the legacy's restart exec; an ordinary start
                   here (heartbeatd reloads in place, never re-executes)
  -d               debug on, level 1 (SIGUSR1/SIGUSR2 raise/lower it later)
  -D               print the ha.cf defaults table (-DW: wiki format)
  -l               do not raise the daemon to real-time priority
  -M               no memory locking
  -W               with -D: wiki format
  -f               stay in the foreground
  -v               print the version and exit
  -V               print the version and exit
  -C state         with -R only: accepted and ignored (resources are never
                   released by a reload here, so there is no state to carry)";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub config_dir: PathBuf,
    pub check_only: bool,
    pub print_config: bool,
    pub debug_level: u32,
    pub kill: bool,
    pub reload: bool,
    pub status: bool,
    pub restart: bool,
    pub version: bool,
    pub foreground: bool,
    pub no_realtime: bool,
    /// `-M`: 3.0.6 then manages no resources; heartbeatd does not support
    /// that and says so at start.
    pub no_resources: bool,
    pub defaults: bool,
    pub watchdog: bool,
    pub initial_state: Option<String>,
}

/// Parses getopt-style: bundled short flags (`-dk`), `-C state` / `-Cstate`,
/// `-c DIR`, and the long `--print-config`.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, String> {
    let mut o = Options {
        config_dir: PathBuf::from("/etc/ha.d"),
        ..Options::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--print-config" => o.print_config = true,
            "--help" => return Err(String::new()),
            "--" => break,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if s.starts_with('-') && s.len() > 1 => {
                let flags: Vec<char> = s[1..].chars().collect();
                let mut i = 0;
                while i < flags.len() {
                    let f = flags[i];
                    i += 1;
                    let takes_value = matches!(f, 'C' | 'c');
                    let value = if takes_value {
                        let rest: String = flags[i..].iter().collect();
                        i = flags.len();
                        if rest.is_empty() {
                            Some(args.next().ok_or(format!("option -{f} needs a value"))?)
                        } else {
                            Some(rest)
                        }
                    } else {
                        None
                    };
                    match f {
                        'd' => o.debug_level += 1,
                        'D' => o.defaults = true,
                        'k' => o.kill = true,
                        'M' => o.no_resources = true,
                        'r' => o.reload = true,
                        'R' => o.restart = true,
                        's' => o.status = true,
                        'v' | 'V' => o.version = true,
                        'W' => o.watchdog = true,
                        'l' => o.no_realtime = true,
                        'f' => o.foreground = true,
                        't' => o.check_only = true,
                        'C' => o.initial_state = value,
                        'c' => o.config_dir = PathBuf::from(value.unwrap_or_default()),
                        'h' | '?' => return Err(String::new()),
                        other => return Err(format!("unknown option -{other}")),
                    }
                }
            }
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if o.print_config && !o.check_only {
        o.check_only = true;
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn check_with_dir_and_print() {
        let o = p(&["-t", "-c", "/tmp/x", "--print-config"]).unwrap();
        assert!(o.check_only && o.print_config);
        assert_eq!(o.config_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn bundled_legacy_flags() {
        let o = p(&["-dlk", "-Cfoo"]).unwrap();
        assert_eq!(o.debug_level, 1);
        assert!(o.no_realtime && o.kill);
        assert_eq!(o.initial_state.as_deref(), Some("foo"));
    }

    #[test]
    fn rejects_unknown_and_missing_value() {
        assert!(p(&["-x"]).is_err());
        assert!(p(&["-c"]).is_err());
        assert!(p(&["stray"]).is_err());
    }
}
