//! ldirectord-rs: the drop-in for ldirectord 4.12: the health-checking
//! director (`start|stop|...`), the config check (`-t`), and `ipvs`, an
//! ipvsadm-compatible front end to the kernel's table.

mod cli;
mod daemon;
mod extra_settings;
mod resolver;

use std::path::PathBuf;
use std::process::ExitCode;

/// ldirectord's own exit status for "Configuration Error".
const EXIT_CONFIG_ERROR: u8 = 2;
const EXIT_USAGE: u8 = 1;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("ipvs") {
        return ipvs_tool(&argv[1..]);
    }
    let opts = match cli::parse(argv) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("ldirectord-rs: {msg}");
            eprintln!("{}", cli::USAGE);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if opts.help {
        out(cli::USAGE);
        return ExitCode::SUCCESS;
    }
    if opts.version {
        out(&format!(
            "ldirectord-rs {} (ldirectord 4.12 compatible)",
            env!("CARGO_PKG_VERSION")
        ));
        return ExitCode::SUCCESS;
    }
    match extra_settings::dashboard(opts.dashboard) {
        Ok(addr) => daemon::dashboard::configure(addr),
        Err(e) => {
            eprintln!("ldirectord-rs: {e}");
            return ExitCode::from(EXIT_CONFIG_ERROR);
        }
    }
    let config = config_path(opts.config.as_deref());
    if opts.config.is_none() {
        daemon::config_omitted();
    }
    if opts.check_only {
        return check_config(&config, opts.print_config);
    }
    let Some(command) = opts.command.as_deref() else {
        eprintln!("{}", cli::USAGE);
        return ExitCode::from(EXIT_USAGE);
    };
    ExitCode::from(daemon::command(command, &config, opts.debug))
}

/// `ldirectord-rs ipvs ARGS…`: ipvsadm's listing and table commands.
fn ipvs_tool(args: &[String]) -> ExitCode {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut io = ipvs::admin::Io {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
    };
    let status = ipvs::admin::main("ldirectord-rs ipvs", args, &mut io);
    ExitCode::from(status as u8)
}

fn config_path(arg: Option<&str>) -> PathBuf {
    match arg {
        Some(name) => ha_config::ldirectord::resolve_config_name(name),
        None => PathBuf::from("/etc/ha.d/ldirectord.cf"),
    }
}

fn check_config(config: &std::path::Path, print: bool) -> ExitCode {
    match ha_config::ldirectord::load_resolved(config, &resolver::SystemLookup::new()) {
        Ok(parsed) => {
            for w in &parsed.warnings {
                eprintln!("{w}");
            }
            // Accepted by the parser (the legacy accepts it) but not checked
            // as asked: the config check must not pass it silently.
            let unchecked: Vec<_> = parsed
                .value
                .virtuals
                .iter()
                .filter(|v| v.service.as_deref() == Some("oracle"))
                .collect();
            for v in &unchecked {
                eprintln!(
                    "{}:{}: {}",
                    config.display(),
                    v.line,
                    daemon::checks::ORACLE_NOTE
                );
            }
            if !unchecked.is_empty() {
                eprintln!(
                    "ldirectord-rs: configuration {} has errors",
                    config.display()
                );
                return ExitCode::from(EXIT_CONFIG_ERROR);
            }
            if print {
                match serde_json::to_string_pretty(&parsed.value) {
                    Ok(json) => out(&json),
                    Err(e) => {
                        eprintln!("ldirectord-rs: cannot render configuration: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else {
                out(&format!(
                    "ldirectord-rs: configuration {} OK",
                    config.display()
                ));
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            eprintln!(
                "ldirectord-rs: configuration {} has errors",
                config.display()
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
