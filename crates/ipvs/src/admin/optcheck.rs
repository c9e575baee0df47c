//! Which options go with which command: ipvsadm's `set_option` (an option
//! given twice) and `generic_opt_check` (an option the command does not
//! take, one it needs, or two that exclude each other), with its messages.

use super::args::{ArgError, Cmd};

/// ipvsadm's option names, in the order of its option bits (the order in
/// which the checks below find a fault).
const NAMES: [&str; 34] = [
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

/// The option bit a long option sets, if any (`-6` and `--sort` set none).
pub fn option_bit(long: &str) -> Option<usize> {
    let name = match long {
        "tcp-service" | "udp-service" | "sctp-service" | "fwmark-service" => "service-address",
        "masquerading" | "ipip" | "gatewaying" => "forwarding-method",
        other => other,
    };
    NAMES.iter().position(|n| *n == name)
}

/// Records option `bit`; ipvsadm refuses the same option twice before it
/// looks at the value.
pub fn set(options: &mut u64, bit: usize) -> Result<(), ArgError> {
    if *options & (1 << bit) != 0 {
        return Err(ArgError {
            message: format!("multiple '{}' options specified", NAMES[bit]),
            status: 2,
        });
    }
    *options |= 1 << bit;
    Ok(())
}

/// Per command, one character per option bit: `+` needed, `x` refused,
/// `1` at most one of these, `.` optional (ipvsadm's table, transcribed).
fn row(cmd: Cmd) -> Option<&'static [u8; 34]> {
    use Cmd::*;
    Some(match cmd {
        Add | Edit => b"xx+...xxxxxxxxxxxxxxx...xxxxxxxxxx",
        Del => b"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        Flush | SetTimeouts | Restore => b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        List => b".11xxxxxxxxx11.......xxxxxxx.xxxxx",
        AddDest | EditDest => b"xx+xxx+....xxxxxxxxxxxxxxxxxx.....",
        DelDest => b"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
        StartDaemon => b"xxxxxxxxxxx.xxxxxxx.xxxx....xxxxxx",
        StopDaemon => b"xxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxx",
        Save => b".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        Zero => b"xx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        Help | Version => return None,
    })
}

/// `generic_opt_check`: the first fault in option-bit order.
pub fn check(cmd: Cmd, cmd_name: &str, options: u64) -> Result<(), ArgError> {
    let Some(row) = row(cmd) else {
        return Ok(());
    };
    let fail = |message: String| Err(ArgError { message, status: 2 });
    let mut exclusive: Option<usize> = None;
    for (bit, rule) in row.iter().enumerate() {
        let given = options & (1 << bit) != 0;
        match (given, rule) {
            (false, b'+') => {
                return fail(format!(
                    "You need to supply the '{}' option for the '{cmd_name}' command",
                    NAMES[bit]
                ))
            }
            (true, b'x') => {
                return fail(format!(
                    "Illegal '{}' option with the '{cmd_name}' command",
                    NAMES[bit]
                ))
            }
            (true, b'1') => match exclusive {
                None => exclusive = Some(bit),
                Some(first) => {
                    return fail(format!(
                    "The option '{}' conflicts with the '{}' option in the '{cmd_name}' command",
                    NAMES[bit], NAMES[first]
                ))
                }
            },
            _ => {}
        }
    }
    Ok(())
}

/// True when `options` holds the option called `name`.
pub fn has(options: u64, name: &str) -> bool {
    option_bit(name).is_some_and(|b| options & (1 << b) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(names: &[&str]) -> u64 {
        names.iter().map(|n| 1u64 << option_bit(n).unwrap()).sum()
    }

    #[test]
    fn daemon_commands_take_only_their_options() {
        let sync = bits(&["mcast-interface", "syncid", "mcast-group", "sync-maxlen"]);
        assert!(check(Cmd::StartDaemon, "start-daemon", sync).is_ok());
        assert_eq!(
            check(Cmd::StopDaemon, "stop-daemon", bits(&["mcast-interface"]))
                .unwrap_err()
                .message,
            "Illegal 'mcast-interface' option with the 'stop-daemon' command"
        );
        assert_eq!(
            check(Cmd::List, "list", bits(&["daemon", "connection"]))
                .unwrap_err()
                .message,
            "The option 'daemon' conflicts with the 'connection' option in the 'list' command"
        );
    }

    #[test]
    fn needed_options_and_repeats() {
        assert_eq!(
            check(Cmd::AddDest, "add-server", bits(&["tcp-service"]))
                .unwrap_err()
                .message,
            "You need to supply the 'real-server' option for the 'add-server' command"
        );
        let mut o = 0;
        set(&mut o, option_bit("ipip").unwrap()).unwrap();
        assert_eq!(
            set(&mut o, option_bit("gatewaying").unwrap())
                .unwrap_err()
                .message,
            "multiple 'forwarding-method' options specified"
        );
    }
}
