//! Real ftp, mail and news servers from Debian for services_mail.rs, each
//! a foreground child of the test (killed by PID when dropped) with its
//! configuration and data in a tempdir. Call them from inside
//! `in_private_netns`: they listen on 127.0.0.1 of that namespace.

use super::{spawn_server, wait_until_listening, Server};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// A running server and the directory holding its configuration (dropped
/// after the server, which is killed first).
pub struct Running {
    server: Server,
    pub dir: tempfile::TempDir,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A tempdir the servers' unprivileged users can traverse.
fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    dir
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn start(cmd: &mut Command, at: SocketAddr, dir: tempfile::TempDir) -> Running {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap());
    let server = spawn_server(cmd, at);
    wait_until_listening(at);
    Running { server, dir }
}

/// The file the ftp server offers, and what it holds.
pub const FTP_FILE: &str = "/test.txt";
pub const FTP_CONTENT: &str = "hello from the ftp server\n";

/// vsftpd (listen=YES, background=NO): anonymous login only, serving
/// FTP_FILE from a read-only root; any other user is refused ("530 This
/// FTP server is anonymous only.").
pub fn vsftpd(port: u16) -> Running {
    let dir = open_dir();
    let root = dir.path().join("root");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&root).unwrap();
    std::fs::create_dir(&empty).unwrap();
    chmod(&root, 0o755);
    std::fs::write(root.join(FTP_FILE.trim_start_matches('/')), FTP_CONTENT).unwrap();
    let conf = dir.path().join("vsftpd.conf");
    std::fs::write(
        &conf,
        format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\n\
             background=NO\nanonymous_enable=YES\nno_anon_password=YES\nlocal_enable=NO\n\
             write_enable=NO\nanon_root={root}\nsecure_chroot_dir={empty}\n\
             seccomp_sandbox=NO\nxferlog_enable=NO\nsyslog_enable=NO\n\
             vsftpd_log_file={dir}/vsftpd.log\n",
            root = root.display(),
            empty = empty.display(),
            dir = dir.path().display(),
        ),
    )
    .unwrap();
    start(Command::new("vsftpd").arg(&conf), addr(port), dir)
}

/// OpenSMTPD in the foreground (`smtpd -d`). With `refuse`, a connect-phase
/// filter turns every client away with "554 5.7.1 not welcome here" — the
/// real server's own refusal, for the failure case. smtpd's control socket
/// and queue live at fixed paths, so it runs in a private mount namespace
/// with a tmpfs on each: tests running side by side get their own. The
/// queue's mount point is made here: a package installed with its daemon
/// held back (as .ci/run does) never creates it.
pub fn opensmtpd(port: u16, refuse: bool) -> Running {
    let dir = open_dir();
    let conf = dir.path().join("smtpd.conf");
    let filter = if refuse {
        "table refused { 127.0.0.1 }\n\
         filter \"refuse\" phase connect match src <refused> disconnect \"554 5.7.1 not welcome here\"\n"
    } else {
        ""
    };
    std::fs::write(
        &conf,
        format!(
            "{filter}listen on 127.0.0.1 port {port}{}\naction \"local\" mbox\n\
             match from any for local action \"local\"\n",
            if refuse { " filter \"refuse\"" } else { "" }
        ),
    )
    .unwrap();
    chmod(&conf, 0o600);
    let script = format!(
        "mkdir -p /var/spool/smtpd && mount -t tmpfs tmpfs /run && \
         mount -t tmpfs -o mode=711 tmpfs /var/spool/smtpd && \
         exec smtpd -d -f {}",
        conf.display()
    );
    start(
        Command::new("unshare").args(["--mount", "--propagation", "private", "sh", "-c", &script]),
        addr(port),
        dir,
    )
}

pub const MAIL_USER: &str = "alice";
pub const MAIL_PASSWORD: &str = "secret";

/// The standard ports dovecot listens on in the test's namespace.
pub const POP3: u16 = 110;
pub const POP3S: u16 = 995;
pub const IMAP: u16 = 143;
pub const IMAPS: u16 = 993;

/// The certificate (PEM) and key every dovecot of this test process uses,
/// self-signed for 127.0.0.1 by rcgen: one, so that a client told to trust
/// it trusts all the servers.
pub fn certificate() -> &'static (String, String) {
    static CERT: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    CERT.get_or_init(|| {
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        (cert.cert.pem(), cert.signing_key.serialize_pem())
    })
}

/// Dovecot (`dovecot -F`) with pop3 on 110, pop3s on 995, imap on 143 and
/// imaps on 993, one passwd-file user (MAIL_USER / MAIL_PASSWORD) and  the
/// [`certificate`]. After a refused login dovecot delays the next ones from
/// the same address for seconds (its anvil's auth penalty, which no setting
/// turns off): a test makes its wrong-password check last, or starts anew.
pub fn dovecot() -> Running {
    let dir = open_dir();
    let d = dir.path();
    let home = d.join("home");
    std::fs::create_dir(&home).unwrap();
    chmod(&home, 0o777);
    let (cert, key) = certificate();
    std::fs::write(d.join("cert.pem"), cert).unwrap();
    std::fs::write(d.join("key.pem"), key).unwrap();
    std::fs::write(
        d.join("passwd"),
        format!("{MAIL_USER}:{{PLAIN}}{MAIL_PASSWORD}::::::\n"),
    )
    .unwrap();
    let conf = d.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
protocols = pop3 imap
listen = 127.0.0.1
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
# Refusals come at once rather than after 2 s: the legacy's check gives
# up after 3 s, which a loaded test machine would cut too close.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {IMAP}
  }}
  inet_listener imaps {{
    port = {IMAPS}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {POP3}
  }}
  inet_listener pop3s {{
    port = {POP3S}
    ssl = yes
  }}
}}
"#,
            d = d.display()
        ),
    )
    .unwrap();
    let running = start(
        Command::new("dovecot").arg("-F").arg("-c").arg(&conf),
        addr(POP3),
        dir,
    );
    for port in [POP3S, IMAP, IMAPS] {
        wait_until_listening(addr(port));
    }
    running
}

fn news_id(flag: &str) -> u32 {
    let out = Command::new("id").args([flag, "news"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// INN's nnrpd alone (`nnrpd -D -f`, no innd), with an inn.conf of its own
/// that names the host (`domain`, `pathhost`, `fromhost`: INN refuses to
/// start when the machine's name does not resolve to a FQDN) and keeps every
/// path in the tempdir. With `allow`, 127.0.0.1 may read (greeting 201);
/// without, readers.conf admits nobody and nnrpd answers 502.
pub fn nnrpd(port: u16, allow: bool) -> Running {
    let dir = open_dir();
    let d = dir.path();
    for sub in ["run", "db", "overview", "log", "spool", "tmp"] {
        std::fs::create_dir(d.join(sub)).unwrap();
    }
    std::fs::write(d.join("db/active"), "local.test 0000000000 0000000001 y\n").unwrap();
    std::fs::write(d.join("db/active.times"), "").unwrap();
    std::fs::copy("/etc/news/storage.conf", d.join("storage.conf")).unwrap();
    let hosts = if allow { "127.0.0.1" } else { "192.0.2.99" };
    std::fs::write(
        d.join("readers.conf"),
        format!(
            "auth \"test\" {{\n  hosts: \"{hosts}\"\n  default: \"<test>\"\n}}\n\
             access \"test\" {{\n  users: \"<test>\"\n  newsgroups: \"*\"\n  access: R\n}}\n"
        ),
    )
    .unwrap();
    let conf = d.join("inn.conf");
    std::fs::write(
        &conf,
        format!(
            "domain: example.test\npathhost: news.example.test\nfromhost: example.test\n\
             organization: \"lvs-check tests\"\nmta: \"/bin/true %s\"\n\
             ovmethod: tradindexed\nhismethod: hisv6\nenableoverview: true\n\
             pathnews: /usr/lib/news\npathetc: {d}\npathrun: {d}/run\npathdb: {d}/db\n\
             pathoverview: {d}/overview\npathlog: {d}/log\npathspool: {d}/spool\n\
             pathtmp: {d}/tmp\npathhttp: {d}/tmp\n",
            d = d.display()
        ),
    )
    .unwrap();
    let status = Command::new("chown")
        .args(["-R", "news:news"])
        .arg(d)
        .status()
        .unwrap();
    assert!(status.success());
    // nnrpd needs an overview to open; makehistory builds the (empty) one.
    let status = Command::new("/usr/lib/news/bin/makehistory")
        .args(["-O", "-x", "-F"])
        .env("INNCONF", &conf)
        .uid(news_id("-u"))
        .gid(news_id("-g"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "makehistory");
    start(
        Command::new("/usr/lib/news/bin/nnrpd")
            .args(["-D", "-f", "-b", "127.0.0.1", "-p", &port.to_string()])
            .env("INNCONF", &conf),
        addr(port),
        dir,
    )
}

use std::os::unix::process::CommandExt;

/// A port that accepts connections (the kernel completes them from the
/// backlog) and never says a word: a hung server.
pub fn hanging_listener(port: u16) -> std::net::TcpListener {
    std::net::TcpListener::bind(addr(port)).unwrap()
}
