//! A whole heartbeat config directory (normally /etc/ha.d): `ha.cf`, then
//! `authkeys` (with its mode check), then `haresources` when heartbeat
//! manages resources itself (`crm`/`pacemaker` off), in the legacy's order.

use crate::authkeys::{self, AuthKeys};
use crate::diag::{ConfigError, Diagnostic, Parsed};
use crate::hacf::{self, HaCf, Pacemaker};
use crate::haresources::{self, HaResources};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeartbeatConfig {
    pub hacf: HaCf,
    /// `None` when the CRM manages resources (the file is then not read).
    pub haresources: Option<HaResources>,
    pub authkeys: AuthKeys,
}

fn read(path: &Path, missing: &str) -> Result<String, ConfigError> {
    let name = path.display().to_string();
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| {
            ConfigError::single(
                Diagnostic::error(&name, 0, 0, format!("{missing} [{name}]"))
                    .with_hint(e.to_string()),
            )
        })
}

pub fn load(dir: &Path) -> Result<Parsed<HeartbeatConfig>, ConfigError> {
    let hacf_path = dir.join("ha.cf");
    let text = read(&hacf_path, "Cannot open config file")?;
    let hacf = hacf::parse(&text, &hacf_path.display().to_string())?;
    let keys = authkeys::load(&dir.join("authkeys"))?;
    let mut warnings = hacf.warnings;
    warnings.extend(keys.warnings);
    let haresources = if hacf.value.pacemaker == Pacemaker::Off {
        let path = dir.join("haresources");
        let name = path.display().to_string();
        let text = read(&path, "Cannot open resources file")?;
        let parsed = haresources::parse(&text, &name)?;
        haresources::check_nodes(&text, &name, &all_node_names(&hacf.value))?;
        warnings.extend(parsed.warnings);
        Some(parsed.value)
    } else {
        None
    };
    Ok(Parsed {
        value: HeartbeatConfig {
            hacf: hacf.value,
            haresources,
            authkeys: keys.value,
        },
        warnings,
    })
}

/// Names heartbeat's node table holds: `node`s plus ping targets (a
/// haresources line may name a ping node and the legacy accepts it).
fn all_node_names(cfg: &HaCf) -> Vec<String> {
    use crate::hacf::Medium;
    let mut names = cfg.nodes.clone();
    for m in &cfg.media {
        match m {
            Medium::Ping { host } | Medium::Ping6 { host } => names.push(host.to_ascii_lowercase()),
            Medium::PingGroup { name, .. } => names.push(name.to_ascii_lowercase()),
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// authkeys from git cannot keep mode 0600, so the dir is copied to a
    /// temp dir and chmod-ed like an install would.
    fn copy_dir(name: &str, src: &Path) -> std::path::PathBuf {
        let dst = std::env::temp_dir().join(format!("ha-config-dir-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dst);
        std::fs::create_dir_all(&dst).unwrap();
        for f in ["ha.cf", "haresources", "authkeys"] {
            if src.join(f).exists() {
                std::fs::copy(src.join(f), dst.join(f)).unwrap();
            }
        }
        let mode = std::fs::read_to_string(src.join("authkeys.mode"))
            .ok()
            .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
            .unwrap_or(0o600);
        if dst.join("authkeys").exists() {
            std::fs::set_permissions(dst.join("authkeys"), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
        if src.join("no-haresources").exists() {
            let _ = std::fs::remove_file(dst.join("haresources"));
        }
        dst
    }

    fn repo() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// Config dirs under `root`, descending into grouping dirs such as `public/`
    /// (a config dir is one that holds `marker`). Names are relative to `root`.
    fn config_dirs(root: &Path, marker: &str) -> Vec<(String, std::path::PathBuf)> {
        let mut found = Vec::new();
        let mut stack = vec![(String::new(), root.to_path_buf())];
        while let Some((prefix, dir)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if !path.is_dir() {
                    continue;
                }
                let name = format!("{prefix}{}", e.file_name().to_string_lossy());
                if path.join(marker).exists() {
                    found.push((name, path));
                } else {
                    stack.push((format!("{name}/"), path));
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn seed_dir_loads() {
        let d = copy_dir("seed", &repo().join("compat-configs/seed"));
        let p = load(&d).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.value.hacf.nodes, vec!["master", "backup"]);
        assert_eq!(p.value.authkeys.active, 1);
        assert_eq!(p.value.haresources.as_ref().unwrap().groups.len(), 1);
        let _ = serde_json::to_string(&p.value).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn compat_dirs_load() {
        let root = repo().join("compat-configs/heartbeat");
        let mut n = 0;
        for (name, path) in config_dirs(&root, "ha.cf") {
            let d = copy_dir(&name.replace('/', "-"), &path);
            if let Err(err) = load(&d) {
                panic!("compat-configs/heartbeat/{name} rejected:\n{err}");
            }
            std::fs::remove_dir_all(d).unwrap();
            n += 1;
        }
        assert!(n >= 24, "only {n} compat dirs");
    }

    #[test]
    fn bad_dirs_fail_where_expected() {
        let root = repo().join("compat-configs/bad/heartbeat");
        let mut n = 0;
        for (name, path) in config_dirs(&root, "expected-error") {
            let expected = std::fs::read_to_string(path.join("expected-error")).unwrap();
            let expected = expected.trim();
            let (loc, msg) = expected.split_once(": ").unwrap_or((expected, ""));
            let d = copy_dir(&name.replace('/', "-"), &path);
            let err = match load(&d) {
                Ok(_) => panic!("bad/heartbeat/{name} accepted"),
                Err(err) => err,
            };
            let first = err.first_error().unwrap();
            let file = Path::new(&first.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let got_loc = format!("{file}:{}", first.line);
            assert_eq!(got_loc, loc, "bad/heartbeat/{name}: {err}");
            assert!(
                first.message.contains(msg),
                "bad/heartbeat/{name}: want {msg:?}, got {err}"
            );
            std::fs::remove_dir_all(d).unwrap();
            n += 1;
        }
        assert!(n >= 24, "only {n} bad dirs");
    }

    #[test]
    fn crm_on_skips_haresources() {
        let d = std::env::temp_dir().join(format!("ha-config-dir-{}-crm", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("ha.cf"), "node a\nbcast eth1\ncrm respawn\n").unwrap();
        std::fs::write(d.join("authkeys"), "auth 1\n1 crc\n").unwrap();
        std::fs::set_permissions(d.join("authkeys"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        let p = load(&d).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.value.haresources.is_none());
        std::fs::remove_file(d.join("ha.cf")).unwrap();
        assert!(load(&d)
            .unwrap_err()
            .to_string()
            .contains("Cannot open config file"));
        std::fs::remove_dir_all(d).unwrap();
    }
}
