//! heartbeatd: the drop-in for heartbeat 3.0.6: the daemon, its `-t`
//! config check, and the operator commands under their legacy names.

mod cli;
mod clstatus;
mod daemon;
mod defaults;
mod export;
mod hostcheck;
mod params;
mod support;

use std::process::ExitCode;

/// heartbeat's own exit status for a configuration error (init scripts and
/// LSB tooling read it as "program is not configured").
const EXIT_CONFIG_ERROR: u8 = 6;
const EXIT_USAGE: u8 = 2;

/// `hb_standby`, `hb_takeover` and `cl_status`, by name (a package links
/// them to heartbeatd) or as `heartbeatd standby|takeover|cl_status ...`.
fn operator_command(argv: &[String]) -> Option<ExitCode> {
    let prog = std::path::Path::new(argv.first()?)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let (cmd, rest): (&str, &[String]) = match prog.as_str() {
        "hb_standby" => ("standby", &argv[1..]),
        "hb_takeover" => ("takeover", &argv[1..]),
        "cl_status" => ("cl_status", &argv[1..]),
        _ => match argv.get(1).map(String::as_str) {
            Some(c @ ("standby" | "takeover" | "cl_status")) => (c, &argv[2..]),
            _ => return None,
        },
    };
    if cmd == "cl_status" {
        return Some(ExitCode::from(clstatus::run(rest)));
    }
    let mut words: Vec<&str> = vec![cmd];
    words.extend(rest.iter().map(String::as_str));
    Some(match daemon::control::ask(&words) {
        Ok(answer) => {
            out(&answer);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    })
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if let Some(code) = operator_command(&argv) {
        return code;
    }
    if argv.get(1).map(String::as_str) == Some("export-pacemaker") {
        return ExitCode::from(export::run(&argv[2..]));
    }
    let opts = match cli::parse(argv.into_iter().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("heartbeatd: {msg}");
            }
            eprintln!("{}", cli::USAGE);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if opts.version {
        out(&format!(
            "heartbeatd {} (heartbeat 3.0.6 compatible)",
            env!("CARGO_PKG_VERSION")
        ));
        return ExitCode::SUCCESS;
    }
    if opts.defaults {
        print!("{}", defaults::table(opts.watchdog));
        return ExitCode::SUCCESS;
    }
    if opts.initial_state.is_some() && !opts.restart {
        eprintln!("\t-C only valid with -R");
        eprintln!("{}", cli::USAGE);
        return ExitCode::from(EXIT_USAGE);
    }
    if opts.check_only {
        return check_config(&opts);
    }
    let status = if opts.status {
        daemon::status()
    } else if opts.kill {
        daemon::kill()
    } else if opts.reload {
        daemon::reload(&opts.config_dir)
    } else {
        daemon::start(
            &opts.config_dir,
            opts.foreground || opts.debug_level > 0,
            opts.debug_level > 0,
            daemon::ProcessFlags {
                no_realtime: opts.no_realtime,
                no_resources: opts.no_resources,
            },
        )
    };
    ExitCode::from(status)
}

fn check_config(opts: &cli::Options) -> ExitCode {
    match ha_config::heartbeat_dir::load(&opts.config_dir) {
        Ok(parsed) => {
            for w in &parsed.warnings {
                eprintln!("{w}");
            }
            let file = opts.config_dir.join("ha.cf").display().to_string();
            for w in support::unacted(&hostcheck::outline_of(&opts.config_dir), &file) {
                eprintln!("{w}");
            }
            let found = hostcheck::check_dir(&opts.config_dir, &parsed.value.hacf);
            if !found.is_empty() {
                for d in &found {
                    eprintln!("{d}");
                }
                eprintln!(
                    "heartbeatd: configuration in {} has errors",
                    opts.config_dir.display()
                );
                return ExitCode::from(EXIT_CONFIG_ERROR);
            }
            if opts.print_config {
                match serde_json::to_string_pretty(&parsed.value) {
                    Ok(json) => out(&json),
                    Err(e) => {
                        eprintln!("heartbeatd: cannot render configuration: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else {
                out(&format!(
                    "heartbeatd: configuration in {} OK",
                    opts.config_dir.display()
                ));
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            eprintln!(
                "heartbeatd: configuration in {} has errors",
                opts.config_dir.display()
            );
            ExitCode::from(EXIT_CONFIG_ERROR)
        }
    }
}

/// Writes a line to stdout; a closed pipe (`| head`) is not worth a panic.
fn out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
