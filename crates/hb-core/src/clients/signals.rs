//! Signal names and descriptions as cluster-glue's process tracker prints
//! them in `killed by signal N [NAME - words]` (Linux numbering). Where two
//! names share a number the tracker's first entry wins (SIGABRT over
//! SIGIOT, SIGCHLD over SIGCLD, SIGPOLL over SIGIO); its SIGURG name
//! carries a stray tab, kept so log greps match.

pub const SIGTERM: i32 = 15;

const TABLE: &[(i32, &str, &str)] = &[
    (1, "SIGHUP", "Hangup"),
    (2, "SIGINT", "Interrupt"),
    (3, "SIGQUIT", "Quit"),
    (4, "SIGILL", "Illegal instruction"),
    (5, "SIGTRAP", "Trace"),
    (6, "SIGABRT", "Abort"),
    (7, "SIGBUS", "BUS error"),
    (8, "SIGFPE", "Floating-point exception"),
    (9, "SIGKILL", "Kill, unblockable"),
    (10, "SIGUSR1", "User-defined signal 1"),
    (11, "SIGSEGV", "Segmentation violation"),
    (12, "SIGUSR2", "User-defined signal 2"),
    (13, "SIGPIPE", "Broken pipe (POSIX)"),
    (14, "SIGALRM", "Alarm clock (POSIX)"),
    (15, "SIGTERM", "Termination (ANSI)"),
    (16, "SIGSTKFLT", "Stack fault"),
    (17, "SIGCHLD", "Child status has changed"),
    (18, "SIGCONT", "Continue"),
    (19, "SIGSTOP", "Stop, unblockable"),
    (20, "SIGTSTP", "Keyboard stop"),
    (21, "SIGTTIN", "Background read from tty"),
    (22, "SIGTTOU", "Background write to tty"),
    (23, "SIGURG\t", "Urgent condition on socket"),
    (24, "SIGXCPU", "CPU limit exceeded"),
    (25, "SIGXFSZ", "File size limit exceeded"),
    (26, "SIGVTALRM", "Virtual alarm clock"),
    (27, "SIGPROF", "Profiling alarm clock"),
    (28, "SIGWINCH", "Window size change"),
    (29, "SIGPOLL", "Pollable event occurred"),
    (30, "SIGPWR", "Power failure restart"),
    (31, "SIGSYS", "Bad system call"),
];

/// `(name, description)` of signal `signo`, if the tracker knows it.
pub fn describe(signo: i32) -> Option<(&'static str, &'static str)> {
    TABLE
        .iter()
        .find(|(n, _, _)| *n == signo)
        .map(|(_, name, words)| (*name, *words))
}
