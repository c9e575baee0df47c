//! The command line of ldirectord 4.12:
//! `ldirectord [-d|--debug] [--] [configfile] start|stop|restart|try-restart|reload|force-reload|status`,
//! plus our `-t` config check, `--print-config` and `--dashboard ADDR:PORT`
//! (the monitoring page, served by the daemon).

pub const USAGE: &str = "usage: ldirectord-rs [-d|--debug] [--dashboard ADDR:PORT] [--] [configfile] {start|stop|restart|try-restart|reload|force-reload|status}
       ldirectord-rs -t [--print-config] [configfile]
       ldirectord-rs -h|--help|-v|--version
  -t               check the configuration and exit (0 = OK)
  --print-config   with -t: print the effective configuration as JSON
  --dashboard ADDR:PORT
                   serve the status page (/lvs/) and /metrics there
A bare configfile name is looked up in /etc/ha.d/ and /etc/ha.d/conf/;
the default is /etc/ha.d/ldirectord.cf.";

pub const COMMANDS: &[&str] = &[
    "start",
    "stop",
    "restart",
    "try-restart",
    "reload",
    "force-reload",
    "status",
];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub debug: bool,
    pub check_only: bool,
    pub print_config: bool,
    pub help: bool,
    pub version: bool,
    pub config: Option<String>,
    pub command: Option<String>,
    pub dashboard: Option<std::net::SocketAddr>,
}

fn dashboard_addr(value: Option<String>) -> Result<std::net::SocketAddr, String> {
    let v = value.ok_or("--dashboard needs ADDR:PORT")?;
    v.parse()
        .map_err(|_| format!("--dashboard {v}: not an ADDR:PORT (e.g. 0.0.0.0:9160 or [::1]:9160)"))
}

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, String> {
    let mut o = Options::default();
    let mut positional = Vec::new();
    let mut options_done = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if options_done || !arg.starts_with('-') || arg == "-" {
            positional.push(arg);
            continue;
        }
        match arg.as_str() {
            "--" => options_done = true,
            "-d" | "--debug" => o.debug = true,
            "-t" | "--test" => o.check_only = true,
            "--print-config" => o.print_config = true,
            "-h" | "-?" | "--help" => o.help = true,
            "-v" | "--version" => o.version = true,
            "--dashboard" => o.dashboard = Some(dashboard_addr(args.next())?),
            _ if arg.starts_with("--dashboard=") => {
                o.dashboard = Some(dashboard_addr(
                    arg.split_once('=').map(|x| x.1.to_string()),
                )?)
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.print_config {
        o.check_only = true;
    }
    match positional.len() {
        0 => {}
        1 => {
            let only = positional.remove(0);
            if COMMANDS.contains(&only.as_str()) {
                o.command = Some(only);
            } else {
                o.config = Some(only);
            }
        }
        2 => {
            o.config = Some(positional.remove(0));
            o.command = Some(positional.remove(0));
        }
        _ => return Err("too many arguments".to_string()),
    }
    if let Some(cmd) = &o.command {
        if !COMMANDS.contains(&cmd.as_str()) {
            return Err(format!("unknown command {cmd}"));
        }
    }
    if o.command.is_none() && !o.check_only && !o.help && !o.version {
        return Err("a command is required".to_string());
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
    fn legacy_forms() {
        let o = p(&["ldirectord.cf", "start"]).unwrap();
        assert_eq!(o.config.as_deref(), Some("ldirectord.cf"));
        assert_eq!(o.command.as_deref(), Some("start"));
        let o = p(&["-d", "--", "status"]).unwrap();
        assert!(o.debug);
        assert_eq!(o.command.as_deref(), Some("status"));
        assert_eq!(o.config, None);
    }

    #[test]
    fn check_forms() {
        let o = p(&["-t", "/tmp/x.cf"]).unwrap();
        assert!(o.check_only);
        assert_eq!(o.config.as_deref(), Some("/tmp/x.cf"));
        assert!(p(&["--print-config"]).unwrap().check_only);
    }

    #[test]
    fn dashboard_option() {
        let o = p(&["--dashboard", "127.0.0.1:9160", "x.cf", "start"]).unwrap();
        assert_eq!(o.dashboard, Some("127.0.0.1:9160".parse().unwrap()));
        assert_eq!(o.config.as_deref(), Some("x.cf"));
        assert_eq!(o.command.as_deref(), Some("start"));
        let o = p(&["-d", "--dashboard=[::1]:80", "start"]).unwrap();
        assert_eq!(o.dashboard, Some("[::1]:80".parse().unwrap()));
        assert!(p(&["--dashboard", "start"]).is_err());
        assert!(p(&["--dashboard"]).is_err());
        assert!(p(&["--dashboard", "host:80", "start"]).is_err());
    }

    #[test]
    fn rejects_bad_usage() {
        assert!(p(&[]).is_err());
        assert!(p(&["x.cf", "explode"]).is_err());
        assert!(p(&["-q", "start"]).is_err());
        assert!(p(&["a", "b", "c"]).is_err());
    }
}
