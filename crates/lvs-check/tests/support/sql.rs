//! Real database servers for tests/services_sql.rs: Debian 12's MariaDB
//! 10.11 and PostgreSQL 15, each a foreground child of the test (killed by
//! PID on drop) with its data in a tempdir, listening on 127.0.0.1 in the
//! calling thread's (private) network namespace. Each gets a user
//! `checker`, a database `ckdb` with a table `t` holding one row and a
//! table `empty` holding none.

use super::{wait_until_listening, Server};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "checker";
pub const PASSWORD: &str = "sekret";
pub const DATABASE: &str = "ckdb";

/// The PID of a server, for SIGSTOP/SIGCONT.
pub fn pid(server: &Server) -> u32 {
    server.child.id()
}

fn wait_for(path: &Path, what: &str) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} never came up ({} missing)",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// MariaDB on 127.0.0.1:3306, `checker` with mysql_native_password (the
/// default of MariaDB 10.11).
pub fn mariadb() -> Server {
    let dir = super::temp_dir();
    let data = dir.path().join("data");
    let socket = dir.path().join("mysqld.sock");
    let log = std::fs::File::create(dir.path().join("mariadbd.log")).unwrap();
    run(Command::new("mariadb-install-db")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args([
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--user=root",
        ]));
    let addr: SocketAddr = "127.0.0.1:3306".parse().unwrap();
    let child = Command::new("mariadbd")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .args([
            "--bind-address=127.0.0.1",
            "--port=3306",
            "--user=root",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start mariadbd");
    let server = Server {
        child,
        addr,
        _dir: dir,
    };
    wait_for(&socket, "mariadbd");
    wait_until_listening(addr);
    let sql = format!(
        "CREATE DATABASE {DATABASE}; \
         CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'; \
         GRANT ALL ON {DATABASE}.* TO '{USER}'@'%'; \
         CREATE TABLE {DATABASE}.t (id INT); INSERT INTO {DATABASE}.t VALUES (1); \
         CREATE TABLE {DATABASE}.empty (id INT);"
    );
    run(Command::new("mariadb")
        .arg("--no-defaults")
        .arg(format!("--socket={}", socket.display()))
        .args(["-uroot", "-e", &sql]));
    server
}

/// The uid and gid of the `postgres` account (PostgreSQL refuses root).
fn postgres_ids() -> (u32, u32) {
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: getpwnam returns a pointer into static storage, read at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "no postgres user (is postgresql-15 installed?)"
    );
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// PostgreSQL 15 on 127.0.0.1:5432. Passwords are checked over TCP
/// (`md5` in pg_hba.conf, which does SCRAM for SCRAM-stored passwords):
/// `checker` has a SCRAM-SHA-256 password (PostgreSQL 15's default),
/// `md5user` (same password) an MD5 one. With `tls`, the server has a
/// self-signed certificate and `ssl=on`, and a third user `tlsonly` may
/// only log in over TLS.
pub fn postgres(tls: bool) -> Server {
    let (uid, gid) = postgres_ids();
    let dir = super::temp_dir();
    let root = dir.path();
    let data = root.join("data");
    let chown = |p: &Path| std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
    chown(root);
    run(Command::new(format!("{PG_BIN}/initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=md5",
            "-N",
        ])
        .uid(uid)
        .gid(gid)
        .stdout(Stdio::null()));
    let mut options = vec!["-c", "fsync=off", "-c", "ssl=off"];
    if tls {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let (crt, key) = (data.join("server.crt"), data.join("server.key"));
        std::fs::write(&crt, cert.cert.pem()).unwrap();
        std::fs::write(&key, cert.signing_key.serialize_pem()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        chown(&crt);
        chown(&key);
        // The first matching line wins: tlsonly is rejected without TLS.
        let hba = data.join("pg_hba.conf");
        let text = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(
            &hba,
            format!("hostnossl all tlsonly 127.0.0.1/32 reject\n{text}"),
        )
        .unwrap();
        options = vec!["-c", "fsync=off", "-c", "ssl=on"];
    }
    let addr: SocketAddr = "127.0.0.1:5432".parse().unwrap();
    let log = std::fs::File::create(root.join("postgres.log")).unwrap();
    let child = Command::new(format!("{PG_BIN}/postgres"))
        .arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(root)
        .args(["-h", "127.0.0.1", "-p", "5432"])
        .args(&options)
        .uid(uid)
        .gid(gid)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start postgres");
    let server = Server {
        child,
        addr,
        _dir: dir,
    };
    let root = server._dir.path();
    wait_for(&root.join(".s.PGSQL.5432"), "postgres");
    wait_until_listening(addr);
    let psql = |db: &str, sql: &str| {
        run(Command::new(format!("{PG_BIN}/psql"))
            .arg("-h")
            .arg(root)
            .args(["-p", "5432", "-U", "postgres", "-X", "-q", "-d", db])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .uid(uid)
            .gid(gid));
    };
    psql(
        "postgres",
        &format!(
            "CREATE USER {USER} PASSWORD '{PASSWORD}'; \
             SET password_encryption = 'md5'; CREATE USER md5user PASSWORD '{PASSWORD}'; \
             RESET password_encryption; CREATE USER tlsonly PASSWORD '{PASSWORD}';"
        ),
    );
    psql(
        "postgres",
        &format!("CREATE DATABASE {DATABASE} OWNER {USER}"),
    );
    psql(
        DATABASE,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1); CREATE TABLE empty (id int); \
         GRANT SELECT ON t, empty TO PUBLIC;",
    );
    server
}
