//! `heartbeatd export-pacemaker`: its output for the seed and every
//! heartbeat dir of compat-configs against checked-in golden files
//! (tests/golden/pacemaker/NAME/; `UPDATE_GOLDEN=1` rewrites them), and
//! the cluster's own tools on each export: `corosync -t` and
//! `crm_verify --xml-file`. Without those tools the oracle test skips
//! loudly; under CI=true it fails.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_heartbeatd");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed and every dir holding an ha.cf under compat-configs/heartbeat
/// (grouping dirs such as public/ descended), as (golden name, dir).
fn config_dirs() -> Vec<(String, PathBuf)> {
    let mut found = vec![("seed".to_string(), repo().join("compat-configs/seed"))];
    let mut stack = vec![(String::new(), repo().join("compat-configs/heartbeat"))];
    while let Some((prefix, dir)) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap().flatten() {
            let path = e.path();
            if !path.is_dir() {
                continue;
            }
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if path.join("ha.cf").exists() {
                found.push((name, path));
            } else {
                stack.push((format!("{name}-"), path));
            }
        }
    }
    found.sort();
    found
}

/// The dir copied to a temp dir with authkeys at 0600, as an install has
/// it (git cannot keep the mode).
fn installed(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in fs::read_dir(src).unwrap().flatten() {
        if e.path().is_file() {
            fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
        }
    }
    let keys = tmp.path().join("authkeys");
    if keys.exists() {
        fs::set_permissions(&keys, fs::Permissions::from_mode(0o600)).unwrap();
    }
    tmp
}

fn export(dir: &Path, out: &Path) -> Output {
    Command::new(BIN)
        .arg("export-pacemaker")
        .arg("-c")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// Output with the temp dir's path replaced by `DIR`, so goldens do not
/// depend on where the test ran.
fn normalized(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "DIR")
}

#[test]
fn golden_exports() {
    let update = std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1");
    let golden_root = repo().join("tests/golden/pacemaker");
    let mut failures = Vec::new();
    let mut names = Vec::new();
    for (name, src) in config_dirs() {
        let dir = installed(&src);
        let out = dir.path().join("out");
        let o = export(dir.path(), &out);
        assert!(
            o.status.success(),
            "{name}: export failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let got = [
            (
                "corosync.conf",
                fs::read_to_string(out.join("corosync.conf")).unwrap(),
            ),
            ("cib.xml", fs::read_to_string(out.join("cib.xml")).unwrap()),
            ("stderr", String::from_utf8_lossy(&o.stderr).into_owned()),
        ];
        let gdir = golden_root.join(&name);
        for (file, text) in got {
            let text = normalized(&text, dir.path());
            if update {
                fs::create_dir_all(&gdir).unwrap();
                fs::write(gdir.join(file), &text).unwrap();
            } else if fs::read_to_string(gdir.join(file)).ok().as_deref() != Some(text.as_str()) {
                failures.push(format!("{name}/{file}"));
            }
        }
        names.push(name);
    }
    // A golden dir whose config is gone would otherwise go stale unseen.
    let mut stale: Vec<String> = fs::read_dir(&golden_root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !names.contains(n))
                .collect()
        })
        .unwrap_or_default();
    stale.sort();
    assert!(stale.is_empty(), "golden dirs without a config: {stale:?}");
    assert!(names.len() >= 25, "only {} config dirs", names.len());
    assert!(
        failures.is_empty(),
        "export differs from tests/golden/pacemaker for {failures:?} \
         (UPDATE_GOLDEN=1 cargo test -p heartbeatd --test export_pacemaker rewrites them; review the diff)"
    );
}

#[test]
fn missing_file_is_a_clear_error_and_nothing_is_written() {
    for missing in ["ha.cf", "authkeys", "haresources"] {
        let dir = installed(&repo().join("compat-configs/seed"));
        fs::remove_file(dir.path().join(missing)).unwrap();
        let out = dir.path().join("out");
        let o = export(dir.path(), &out);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(6), "{missing}: {err}");
        let path = dir.path().join(missing).display().to_string();
        assert!(err.contains(&path), "{missing}: {err}");
        assert!(err.contains("nothing written"), "{missing}: {err}");
        assert!(!out.exists(), "{missing}: output written anyway");
    }
}

#[test]
fn usage_errors() {
    let o = Command::new(BIN).arg("export-pacemaker").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("-o OUTDIR is required"));
}

/// `Some(path)` of a tool, `None` (after saying so) when it is missing;
/// under CI=true a missing tool fails the test.
fn tool(name: &str) -> Option<PathBuf> {
    let found = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: {name} missing (apt-get install corosync pacemaker)"
        );
        eprintln!("SKIP: {name} not installed");
    }
    found
}

/// `corosync -t` as on a node the operator prepared: the authkey installed
/// as /etc/corosync/authkey and every node name in /etc/hosts (corosync
/// resolves ring0_addr while checking). Both are bind-mounted in a private
/// mount namespace so the host's files are untouched. Root only.
fn corosync_check(corosync: &Path, out: &Path) -> Output {
    let conf = fs::read_to_string(out.join("corosync.conf")).unwrap();
    let mut hosts = String::from("127.0.0.1 localhost\n");
    let names = conf.lines().filter_map(|l| l.trim().strip_prefix("name: "));
    for (i, n) in names.enumerate() {
        // The first node is this host, as when checking on a node.
        let addr = if i == 0 {
            "127.0.0.1".to_string()
        } else {
            format!("192.0.2.{}", i + 1)
        };
        hosts.push_str(&format!("{addr} {n}\n"));
    }
    fs::write(out.join("hosts"), hosts).unwrap();
    let key = if out.join("authkey").exists() {
        "cp \"$1/authkey\" /etc/corosync/authkey"
    } else {
        "true"
    };
    Command::new("unshare")
        .args(["-m", "sh", "-ec"])
        .arg(format!(
            "mount --make-rprivate / && mkdir -p /etc/corosync && mount -t tmpfs none /etc/corosync && {key} && mount --bind \"$1/hosts\" /etc/hosts && exec \"$2\" -t -c \"$1/corosync.conf\""
        ))
        .arg("sh")
        .arg(out)
        .arg(corosync)
        .output()
        .unwrap()
}

#[test]
fn cluster_tools_accept_every_export() {
    if !nix::unistd::geteuid().is_root() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: corosync -t in a mount namespace needs root"
        );
        eprintln!("SKIP: not root");
        return;
    }
    let (Some(corosync), Some(crm_verify)) = (tool("corosync"), tool("crm_verify")) else {
        return;
    };
    let mut bad = Vec::new();
    let mut n = 0;
    for (name, src) in config_dirs() {
        let dir = installed(&src);
        let out = dir.path().join("out");
        assert!(export(dir.path(), &out).status.success(), "{name}");
        let c = corosync_check(&corosync, &out);
        if !c.status.success() {
            bad.push(format!(
                "{name}: corosync -t: {}{}",
                String::from_utf8_lossy(&c.stdout),
                String::from_utf8_lossy(&c.stderr)
            ));
        }
        let v = Command::new(&crm_verify)
            .arg("--xml-file")
            .arg(out.join("cib.xml"))
            .output()
            .unwrap();
        if !v.status.success() {
            bad.push(format!(
                "{name}: crm_verify: {}{}",
                String::from_utf8_lossy(&v.stdout),
                String::from_utf8_lossy(&v.stderr)
            ));
        }
        n += 1;
    }
    assert!(n >= 25, "only {n} exports checked");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
