//! `cl_status` with heartbeat 3.0.6's sub-commands, texts and exit
//! statuses (`tools/cl_status.c`; facts §1.5, §4.3): 0 OK, 1 a "normal
//! failure" (node not up, heartbeat not running), 11 a parameter error
//! (unknown sub-command, option or node, missing argument), 12 no answer
//! in time, 13 anything else. The questions go to the daemon over the
//! control socket; the wording and the statuses are decided here.

use crate::daemon::control::{self, AskError};
use std::time::Duration;

const OK: u8 = 0;
const NORMAL_FAIL: u8 = 1;
const PARAMETER_ERROR: u8 = 11;
const TIMEOUT: u8 = 12;
const UNKNOWN_ERROR: u8 = 13;

/// The legacy gives up after 5 s (SIGALRM).
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// The daemon's answer for a node it does not know (the API's `badreq`).
pub const BADREQ: &str = "badreq";

/// Sub-commands the legacy knows, with their options (getopt letters) and
/// whether they need the daemon (sign-on).
const COMMANDS: &[(&str, &str, bool)] = &[
    ("hbstatus", "mv", false),
    ("listnodes", "mpnv", true),
    ("nodestatus", "m", true),
    ("nodeweight", "m", true),
    ("nodesite", "m", true),
    ("nodetype", "m", true),
    ("listhblinks", "mv", true),
    ("hblinkstatus", "m", true),
    ("clientstatus", "m", true),
    ("rscstatus", "m", true),
    ("hbparameter", "mp:", true),
    ("test", "", true),
];

const HELP: &str = "Usage: cl_status <sub-command> [<options>] [<parameters>]

Sub-commands:
hbstatus [-v]                 is heartbeat running on this machine
listnodes [-p|-n] [-v]        the cluster's nodes (-p ping nodes, -n normal ones)
nodestatus <node-name>        a node's status (exit 0 if active, up or ping)
nodetype <node-name>          a node's type
rscstatus                     the resources this node holds
Options: -m  human-readable output";

/// A line on stderr as cluster-glue's `cl_log` writes it there.
fn log_err(text: &str) {
    eprintln!(
        "{} {} cl_status: [{}]: ERROR: {text}",
        ha_log::local_now(c"%b %e %H:%M:%S"),
        crate::daemon::node_name(),
        std::process::id()
    );
}

/// Options and operands of one sub-command, getopt style (options may
/// come anywhere; `-p NAME` takes a value).
#[derive(Default)]
struct Args {
    flags: Vec<char>,
    value: Option<String>,
    operands: Vec<String>,
}

fn getopt(args: &[String], optstr: &str) -> Result<Args, char> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(letters) = arg.strip_prefix('-').filter(|l| !l.is_empty()) else {
            a.operands.push(arg.clone());
            continue;
        };
        let mut chars = letters.chars();
        while let Some(c) = chars.next() {
            let takes_value = optstr.contains(&format!("{c}:"));
            if !optstr.contains(c) || c == ':' {
                eprintln!("cl_status: invalid option -- '{c}'");
                return Err(c);
            }
            a.flags.push(c);
            if takes_value {
                let rest: String = chars.by_ref().collect();
                a.value = if rest.is_empty() {
                    it.next().cloned()
                } else {
                    Some(rest)
                };
            }
        }
    }
    Ok(a)
}

/// `cl_status ARGS…`: prints as the legacy does and returns its status.
pub fn run(args: &[String]) -> u8 {
    let Some(cmd) = args.first() else {
        println!("{HELP}");
        return OK;
    };
    if args.len() == 1 && cmd == "-h" {
        println!("{HELP}");
        return OK;
    }
    let Some(&(name, optstr, needs_daemon)) = COMMANDS.iter().find(|(n, _, _)| n == cmd) else {
        log_err(&format!("{cmd}: invalid sub-command."));
        return PARAMETER_ERROR;
    };
    // Sign-on comes first, as in the legacy: without a daemon only
    // hbstatus says more than that.
    let running = match control::ask_within(&["hbstatus"], ANSWER_WITHIN) {
        Ok(_) => true,
        Err(AskError::NotRunning(_)) => false,
        Err(AskError::NoAnswer(_)) => return TIMEOUT,
        Err(e) => {
            log_err(&e.to_string());
            return UNKNOWN_ERROR;
        }
    };
    if needs_daemon && !running {
        log_err("Cannot signon with heartbeat");
        log_err("REASON: hb_api_signon: Can't initiate connection to heartbeat");
        return NORMAL_FAIL;
    }
    let a = match getopt(&args[1..], optstr) {
        Ok(a) => a,
        // hbstatus has no case for a bad option: getopt's complaint only.
        Err(_) if name == "hbstatus" => Args::default(),
        Err(c) => {
            // Two wordings in the legacy (sic, no blank after "returned").
            let code = if matches!(name, "listnodes" | "listhblinks" | "hbparameter") {
                " code"
            } else {
                ""
            };
            log_err(&format!("Error: getopt returnedcharacter{code} {c}."));
            return PARAMETER_ERROR;
        }
    };
    let human = a.flags.contains(&'m');
    match name {
        "hbstatus" => {
            if running {
                println!("Heartbeat is running on this machine.");
                OK
            } else {
                println!("Heartbeat is stopped on this machine.");
                NORMAL_FAIL
            }
        }
        "nodestatus" | "nodetype" => {
            let Some(node) = a.operands.first() else {
                eprintln!(
                    "{}",
                    if name == "nodestatus" {
                        "Not enough parameters."
                    } else {
                        "No enough parameter."
                    }
                );
                return PARAMETER_ERROR;
            };
            let answer = match ask(&[name, node]) {
                Ok(t) => t,
                Err(code) => return code,
            };
            if answer == BADREQ {
                eprintln!("Error. May be due to incorrect node name");
                return PARAMETER_ERROR;
            }
            if name == "nodetype" {
                if human {
                    println!("The node {node}'s type: {answer}");
                } else {
                    println!("{answer}");
                }
                return OK;
            }
            if human {
                println!("The cluster node {node} is {answer}");
            } else {
                println!("{answer}");
            }
            if matches!(answer.as_str(), "active" | "up" | "ping") {
                OK
            } else {
                NORMAL_FAIL
            }
        }
        "listnodes" => {
            let answer = match ask(&["listnodes"]) {
                Ok(t) => t,
                Err(code) => return code,
            };
            if human {
                println!("The nodes are as follow:");
            }
            // Each line is `NAME TYPE`; -p keeps ping nodes, -n normal
            // ones, and both together list all, as the legacy does.
            let want = match (a.flags.contains(&'p'), a.flags.contains(&'n')) {
                (true, false) => Some("ping"),
                (false, true) => Some("normal"),
                _ => None,
            };
            for line in answer.lines() {
                let (n, kind) = line.split_once(' ').unwrap_or((line, "normal"));
                if want.is_none_or(|w| w == kind) {
                    println!("{n}");
                }
            }
            OK
        }
        "rscstatus" => {
            let answer = match ask(&["rscstatus"]) {
                Ok(t) => t,
                Err(code) => return code,
            };
            if human {
                println!("This node is holding {answer} resources.");
            } else {
                println!("{answer}");
            }
            OK
        }
        other => {
            log_err(&format!("{other}: not supported by heartbeatd"));
            UNKNOWN_ERROR
        }
    }
}

/// One question to the daemon; a failure is already reported.
fn ask(words: &[&str]) -> Result<String, u8> {
    control::ask_within(words, ANSWER_WITHIN).map_err(|e| match e {
        AskError::NoAnswer(_) => TIMEOUT,
        AskError::NotRunning(_) => {
            log_err("Cannot signon with heartbeat");
            log_err("REASON: hb_api_signon: Can't initiate connection to heartbeat");
            NORMAL_FAIL
        }
        AskError::Local(e) => {
            log_err(&e);
            UNKNOWN_ERROR
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn getopt_takes_options_anywhere_and_values() {
        let a = getopt(&args(&["node1", "-m"]), "m").unwrap();
        assert_eq!((a.flags, a.operands), (vec!['m'], args(&["node1"])));
        let a = getopt(&args(&["-mp", "deadtime"]), "mp:").unwrap();
        assert_eq!(a.value.as_deref(), Some("deadtime"));
        let a = getopt(&args(&["-pkeepalive"]), "mp:").unwrap();
        assert_eq!(a.value.as_deref(), Some("keepalive"));
        assert_eq!(getopt(&args(&["-x"]), "m").err(), Some('x'));
    }

    #[test]
    fn unknown_sub_command_is_a_parameter_error_without_a_daemon() {
        assert_eq!(run(&args(&["nosuch"])), PARAMETER_ERROR);
        assert_eq!(run(&args(&[])), OK);
    }
}
