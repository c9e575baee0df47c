//! Real directory-style servers for services_directory.rs, each a
//! foreground child of the test with its configuration in a tempdir:
//! OpenLDAP's slapd, dnsmasq, FreeRADIUS and Kamailio (Debian 12).

use super::{spawn_server, wait_until_listening, Server};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A server and the directory holding its configuration and data; the
/// server is killed (by PID) before the directory goes.
pub struct Running {
    pub server: Server,
    /// The second address, where there is one (slapd's ldaps listener).
    pub tls_addr: Option<SocketAddr>,
    pub dir: tempfile::TempDir,
}

pub const LDAP_SUFFIX: &str = "dc=example,dc=test";
pub const LDAP_ADMIN: &str = "cn=admin,dc=example,dc=test";
pub const LDAP_PASSWORD: &str = "ldap-secret";

/// `program` as PID 1 of a PID namespace of its own (unshare --fork
/// --kill-child): when the test kills unshare by its PID, the kernel kills
/// the program and, with it, every worker it forked (Kamailio's workers,
/// dnsmasq's TCP children), which a kill of the main PID alone would
/// leave running.
fn contained(program: &str) -> Command {
    let mut cmd = Command::new("unshare");
    cmd.args(["--pid", "--fork", "--kill-child", "--", program]);
    cmd
}

fn quiet<'a>(cmd: &'a mut Command, log: &Path) -> &'a mut Command {
    let out = std::fs::File::create(log).unwrap();
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
}

/// slapd with one mdb database (`dc=example,dc=test`, loaded by slapadd),
/// rootdn `LDAP_ADMIN` / `LDAP_PASSWORD`, anonymous read allowed (slapd's
/// default), on ldap://127.0.0.1:389 and ldaps://127.0.0.1:636 with a
/// self-signed certificate.
pub fn slapd() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("db")).unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["real.example.test".into()]).unwrap();
    std::fs::write(d.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(d.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    let conf = format!(
        "include /etc/ldap/schema/core.schema\n\
         pidfile {d}/slapd.pid\nargsfile {d}/slapd.args\n\
         modulepath /usr/lib/ldap\nmoduleload back_mdb\n\
         TLSCertificateFile {d}/cert.pem\nTLSCertificateKeyFile {d}/key.pem\n\
         database mdb\nsuffix \"{LDAP_SUFFIX}\"\nrootdn \"{LDAP_ADMIN}\"\n\
         rootpw {LDAP_PASSWORD}\ndirectory {d}/db\n",
        d = d.display()
    );
    std::fs::write(d.join("slapd.conf"), conf).unwrap();
    std::fs::write(
        d.join("base.ldif"),
        format!(
            "dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n\
             dc: example\no: Example\n"
        ),
    )
    .unwrap();
    let status = Command::new("slapadd")
        .arg("-f")
        .arg(d.join("slapd.conf"))
        .arg("-l")
        .arg(d.join("base.ldif"))
        .status()
        .expect("slapadd (Debian package slapd)");
    assert!(status.success(), "slapadd");
    let addr: SocketAddr = "127.0.0.1:389".parse().unwrap();
    let tls_addr: SocketAddr = "127.0.0.1:636".parse().unwrap();
    let mut cmd = Command::new("slapd");
    // -d keeps slapd in the foreground (a child of the test).
    cmd.args([
        "-d",
        "0",
        "-h",
        "ldap://127.0.0.1:389/ ldaps://127.0.0.1:636/",
        "-f",
    ])
    .arg(d.join("slapd.conf"));
    let server = spawn_server(quiet(&mut cmd, &d.join("slapd.log")), addr);
    wait_until_listening(addr);
    wait_until_listening(tls_addr);
    Running {
        server,
        tls_addr: Some(tls_addr),
        dir,
    }
}

/// dnsmasq as an authoritative-looking resolver on 127.0.0.1:53 (UDP and
/// TCP) knowing `real.example.test` = 10.0.0.7, with its PTR, and nothing
/// else (no upstream, no /etc/hosts).
pub fn dnsmasq() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let addr: SocketAddr = "127.0.0.1:53".parse().unwrap();
    let mut cmd = contained("dnsmasq");
    cmd.args([
        "--keep-in-foreground",
        "--no-daemon",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--user=root",
        "--pid-file",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--port=53",
        "--host-record=real.example.test,10.0.0.7",
        "--log-queries",
    ]);
    let server = spawn_server(quiet(&mut cmd, &dir.path().join("dnsmasq.log")), addr);
    wait_until_listening(addr);
    Running {
        server,
        tls_addr: None,
        dir,
    }
}

pub const RADIUS_SECRET: &str = "s3cret";
pub const RADIUS_USER: &str = "health";
pub const RADIUS_PASSWORD: &str = "goodpw";

/// FreeRADIUS 3 with a minimal radiusd.conf written here (one client,
/// 127.0.0.1 with `RADIUS_SECRET`; one user in a `files` users file;
/// PAP), in debug mode in the foreground, on 127.0.0.1:1812.
pub fn freeradius() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let conf = format!(
        "prefix = /usr\nexec_prefix = /usr\nlocalstatedir = {d}\nlogdir = {d}\n\
         raddbdir = {d}\nconfdir = {d}\nrun_dir = {d}\ndb_dir = {d}\n\
         libdir = /usr/lib/freeradius\npidfile = {d}/radiusd.pid\n\
         max_request_time = 5\ncleanup_delay = 1\nmax_requests = 1024\n\
         hostname_lookups = no\nlog {{\n destination = stderr\n}}\n\
         security {{\n allow_core_dumps = no\n}}\n\
         client local {{\n ipaddr = 127.0.0.1\n secret = {RADIUS_SECRET}\n}}\n\
         modules {{\n pap {{\n }}\n files {{\n  filename = {d}/users\n }}\n}}\n\
         server default {{\n listen {{\n  type = auth\n  ipaddr = 127.0.0.1\n  port = 1812\n }}\n\
         authorize {{\n  files\n  pap\n }}\n\
         authenticate {{\n  Auth-Type PAP {{\n   pap\n  }}\n }}\n}}\n"
    );
    std::fs::write(dir.path().join("radiusd.conf"), conf).unwrap();
    std::fs::write(
        dir.path().join("users"),
        format!("{RADIUS_USER} Cleartext-Password := \"{RADIUS_PASSWORD}\"\n"),
    )
    .unwrap();
    let addr: SocketAddr = "127.0.0.1:1812".parse().unwrap();
    let log = dir.path().join("radiusd.log");
    let mut cmd = Command::new("freeradius");
    cmd.args(["-f", "-X", "-d"]).arg(dir.path());
    let server = spawn_server(quiet(&mut cmd, &log), addr);
    wait_for_log(&log, "Ready to process requests");
    Running {
        server,
        tls_addr: None,
        dir,
    }
}

/// The login of the check: Kamailio reads `sip:health@example.test` as
/// user `health` (a bare `sip:health` would be a host).
pub const SIP_USER: &str = "health@example.test";

/// Kamailio answering `OPTIONS sip:health@…` with 200 OK and any other
/// request with 404, on 127.0.0.1:5060 over UDP and TCP.
pub fn kamailio() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let conf = "#!KAMAILIO\ndebug=2\nlog_stderror=yes\nchildren=1\ntcp_children=1\n\
         listen=udp:127.0.0.1:5060\nlisten=tcp:127.0.0.1:5060\n\
         mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n\
         loadmodule \"sl.so\"\nloadmodule \"pv.so\"\n\
         request_route {\n\
         \tif (method == \"OPTIONS\" && $rU == \"health\") {\n\
         \t\tsl_send_reply(\"200\", \"OK\");\n\t\texit;\n\t}\n\
         \tsl_send_reply(\"404\", \"Not Here\");\n}\n";
    let cfg = dir.path().join("kamailio.cfg");
    std::fs::write(&cfg, conf).unwrap();
    let addr: SocketAddr = "127.0.0.1:5060".parse().unwrap();
    let mut cmd = contained("kamailio");
    // -DD: no fork to the background (workers stay its children); -E:
    // log to stderr; -Y/-P: runtime files in the tempdir.
    cmd.arg("-DD")
        .arg("-E")
        .arg("-f")
        .arg(&cfg)
        .arg("-Y")
        .arg(dir.path())
        .arg("-P")
        .arg(dir.path().join("kamailio.pid"));
    let server = spawn_server(quiet(&mut cmd, &dir.path().join("kamailio.log")), addr);
    wait_until_listening(addr);
    Running {
        server,
        tls_addr: None,
        dir,
    }
}

fn wait_for_log(log: &Path, line: &str) {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(line) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "server never logged {line:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TCP listener that accepts and never answers (kept open by the
/// returned value).
pub fn silent_tcp() -> (std::net::TcpListener, SocketAddr) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

/// A UDP socket that receives and never replies.
pub fn silent_udp() -> (UdpSocket, SocketAddr) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = s.local_addr().unwrap();
    (s, addr)
}

/// A port nothing listens on (TCP refuses, UDP gets ICMP unreachable).
pub fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr
}

/// Whether a TCP connection to `addr` opens (for readiness checks).
pub fn tcp_open(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}
