//! heartbeatd: the drop-in for heartbeat 3.0.6. So far it validates and
//! prints the configuration; the daemon itself comes with the protocol core.

mod cli;
mod daemon;

use std::process::ExitCode;

/// heartbeat's own exit status for a configuration error (init scripts and
/// LSB tooling read it as "program is not configured").
const EXIT_CONFIG_ERROR: u8 = 6;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let opts = match cli::parse(std::env::args().skip(1)) {
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
    if opts.check_only {
        return check_config(&opts);
    }
    let status = if opts.status {
        daemon::status()
    } else if opts.kill {
        daemon::kill()
    } else if opts.reload {
        daemon::reload()
    } else {
        daemon::start(
            &opts.config_dir,
            opts.foreground || opts.debug_level > 0,
            opts.debug_level > 0,
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
