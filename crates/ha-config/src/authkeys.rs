//! `authkeys`: the shared secret that signs every heartbeat packet.
//!
//! Read as heartbeat 3.0.6's `parse_authfile` does: blank lines and lines
//! whose first non-blank character is `#` are skipped (a `#` later on a line
//! is part of the key); a line starting with `a` must read `auth N`; any
//! other line is `N METHOD [KEY]`, where KEY is the first blank-delimited
//! word (the rest of the line is ignored). `auth N` only selects key N if
//! it comes before the `N …` line. The file must not be group- or
//! world-readable.

use crate::diag::{Collector, ConfigError, Diagnostic, Parsed};
use crate::lines::lines;
use serde::Serialize;
use std::path::Path;

/// Key indices run from 0 to 15 (`MAXAUTH`).
pub const MAX_AUTH: i32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    Crc,
    Md5,
    Sha1,
}

impl AuthMethod {
    fn from_name(s: &str) -> Option<Self> {
        // Plugin file names: case matters.
        match s {
            "crc" => Some(AuthMethod::Crc),
            "md5" => Some(AuthMethod::Md5),
            "sha1" => Some(AuthMethod::Sha1),
            _ => None,
        }
    }

    pub fn needs_key(self) -> bool {
        self != AuthMethod::Crc
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthKey {
    pub index: u8,
    pub method: AuthMethod,
    /// The secret, used as raw bytes. Never printed.
    #[serde(skip)]
    pub key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthKeys {
    /// The index outgoing packets are signed with (`auth N`).
    pub active: u8,
    /// Defined keys by index; a later line for the same index replaces it.
    pub keys: Vec<AuthKey>,
}

impl AuthKeys {
    pub fn active_key(&self) -> Option<&AuthKey> {
        self.key(self.active)
    }

    pub fn key(&self, index: u8) -> Option<&AuthKey> {
        self.keys.iter().find(|k| k.index == index)
    }
}

fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// `sscanf("%d")`: blanks, optional sign, at least one digit. glibc
/// truncates an out-of-range value to `int` like `strtol` + cast.
fn scan_int(s: &str) -> Option<(i32, &str)> {
    let t = s.trim_start_matches(is_c_space);
    let signed = t.strip_prefix(['+', '-']).unwrap_or(t);
    let neg = t.starts_with('-');
    let n = signed.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let (digits, rest) = signed.split_at(n);
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(((if neg { v.saturating_neg() } else { v }) as i32, rest))
}

/// `sscanf("%s")`: blanks, then a run of non-blanks.
fn scan_word(s: &str) -> Option<(&str, &str)> {
    let t = s.trim_start_matches(is_c_space);
    let n = t.find(is_c_space).unwrap_or(t.len());
    if n == 0 {
        None
    } else {
        Some(t.split_at(n))
    }
}

pub fn parse(text: &str, file: &str) -> Result<Parsed<AuthKeys>, ConfigError> {
    let mut c = Collector::new(file);
    let mut out = AuthKeys::default();
    let mut authnum: i32 = -1;
    let mut active: Option<u8> = None;
    let mut auth_line: Option<(usize, usize)> = None;
    for line in lines(text) {
        // C string: a NUL ends the line.
        let raw = line.text.split('\0').next().unwrap_or("");
        let bp = raw.trim_start_matches(is_c_space);
        if bp.is_empty() || bp.starts_with('#') {
            continue;
        }
        let shown = bp.trim_end_matches(is_c_space);
        let col = line.col_of(bp);
        if bp.starts_with('a') {
            // "auth %d": the blank in the format matches zero or more.
            match bp.strip_prefix("auth").and_then(scan_int) {
                Some((n, _)) => {
                    authnum = n;
                    auth_line = Some((line.number, col));
                }
                None => {
                    c.error(
                        line.number,
                        col,
                        format!("Invalid auth line [{shown}] in {file}"),
                    )
                    .hint = Some(
                        "the first line should read `auth N`, N being a key index below".into(),
                    );
                }
            }
            continue;
        }
        let Some((index, rest)) = scan_int(bp) else {
            c.error(line.number, col, format!("Auth line [{shown}] is invalid."))
                .hint = Some("expected `auth N` or `N METHOD [KEY]`, e.g. `1 sha1 SECRET`".into());
            continue;
        };
        let Some((method, rest)) = scan_word(rest) else {
            c.error(line.number, col, format!("Auth line [{shown}] is invalid."))
                .hint = Some("expected `N METHOD [KEY]`, e.g. `1 sha1 SECRET`".into());
            continue;
        };
        let key = scan_word(rest).map_or("", |(k, _)| k);
        if !(0..MAX_AUTH).contains(&index) {
            c.error(
                line.number,
                col,
                format!("Invalid authnum [{index}] in {file}"),
            )
            .hint = Some("key indices run from 0 to 15".into());
            continue;
        }
        let mcol = line.col_of(method);
        let Some(m) = AuthMethod::from_name(method) else {
            c.error(line.number, mcol, format!("Invalid authtype [{method}]"))
                .hint = crate::suggest::did_you_mean(method, &["sha1", "md5", "crc"])
                .or_else(|| Some("one of sha1, md5, crc".into()));
            continue;
        };
        if !key.is_empty() && !m.needs_key() {
            c.error(
                line.number,
                line.col_of(key),
                format!("Auth method [{method}] doesn't use a key"),
            )
            .hint = Some(format!("write `{index} crc` with nothing after it"));
            continue;
        }
        if key.is_empty() && m.needs_key() {
            c.error(
                line.number,
                mcol,
                format!("Auth method [{method}] requires a key"),
            )
            .hint = Some(format!("write `{index} {method} SECRET`"));
            continue;
        }
        // Indices are 0..16 here, so the cast is exact.
        let idx = index as u8;
        out.keys.retain(|k| k.index != idx);
        out.keys.push(AuthKey {
            index: idx,
            method: m,
            key: key.to_string(),
        });
        if index == authnum {
            active = Some(idx);
        }
    }
    out.keys.sort_by_key(|k| k.index);
    match active {
        Some(a) => out.active = a,
        None if authnum < 0 => {
            c.error(0, 0, format!("Missing auth directive in keyfile [{file}]"))
                .hint = Some("start the file with `auth 1` and define `1 sha1 SECRET`".into());
        }
        None => {
            let (l, col) = auth_line.unwrap_or((0, 0));
            c.error(l, col, format!("Auth Key [{authnum}] not found in keyfile [{file}]"))
                .hint = Some(format!(
                    "define `{authnum} sha1 SECRET` after the `auth {authnum}` line (a key line above it does not count)"
                ));
        }
    }
    c.finish(out)
}

/// Reads `path`, refusing it (like the legacy) when group or others may
/// read it.
pub fn load(path: &Path) -> Result<Parsed<AuthKeys>, ConfigError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigError::single(
            Diagnostic::error(&name, 0, 0, format!("Cannot open keyfile [{name}].  Stop."))
                .with_hint(e.to_string()),
        )
    })?;
    check_mode(path, &name)?;
    parse(&String::from_utf8_lossy(&bytes), &name)
}

#[cfg(unix)]
fn check_mode(path: &Path, name: &str) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| {
            ConfigError::single(
                Diagnostic::error(name, 0, 0, format!("Cannot open keyfile [{name}].  Stop."))
                    .with_hint(e.to_string()),
            )
        })?
        .permissions()
        .mode();
    // Only read bits matter to the legacy: 0620 and 0602 pass.
    if mode & 0o044 != 0 {
        return Err(ConfigError::single(
            Diagnostic::error(
                name,
                0,
                0,
                format!("Bad permissions on keyfile [{name}], 600 recommended."),
            )
            .with_hint(format!("chmod 600 {name}")),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _name: &str) -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: &str) -> AuthKeys {
        match parse(t, "authkeys") {
            Ok(p) => p.value,
            Err(e) => panic!("rejected:\n{e}"),
        }
    }

    fn err(t: &str) -> String {
        match parse(t, "authkeys") {
            Ok(p) => panic!("accepted {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepted_forms() {
        let k = ok("auth 1\n1 sha1 SomeSharedSecret\n");
        assert_eq!(k.active, 1);
        assert_eq!(k.active_key().unwrap().key, "SomeSharedSecret");
        assert_eq!(
            ok("auth 2\n2 crc\n").active_key().unwrap().method,
            AuthMethod::Crc
        );
        assert_eq!(
            ok("auth 3\n3 md5 s\n").active_key().unwrap().method,
            AuthMethod::Md5
        );
        assert_eq!(ok("auth1\n1 sha1 a\n").active, 1);
        assert_eq!(ok("auth 1 2\n1 sha1 a\n").active, 1);
        assert_eq!(ok("auth\t1\r\n1sha1 a\r\n").active_key().unwrap().key, "a");
        assert_eq!(
            ok("auth 1\n1 sha1 my secret\n").active_key().unwrap().key,
            "my"
        );
        assert_eq!(
            ok("auth 1\n1 sha1 sec#ret # c\n").active_key().unwrap().key,
            "sec#ret"
        );
        assert_eq!(ok("  # c\nauth 01\n+1 sha1 a\n").active, 1);
        assert_eq!(
            ok("auth 1\n1 sha1 a\n1 md5 b\n")
                .active_key()
                .unwrap()
                .method,
            AuthMethod::Md5
        );
        assert_eq!(ok("auth 1\nauth 2\n1 sha1 a\n2 md5 b\n").active, 2);
        assert_eq!(ok("auth 15\n15 sha1 a\n").active, 15);
    }

    #[test]
    fn rejected_forms() {
        assert!(err("1 sha1 a\n")
            .contains("authkeys:0:0: Missing auth directive in keyfile [authkeys]"));
        assert!(err("").contains("Missing auth directive"));
        assert!(err("auth -1\n1 sha1 a\n").contains("Missing auth directive"));
        assert!(err("auth 2\n1 sha1 a\n")
            .contains("authkeys:1:1: Auth Key [2] not found in keyfile [authkeys]"));
        assert!(err("1 sha1 a\nauth 1\n").contains("Auth Key [1] not found"));
        assert!(err("auth 1\n1 sha1\n").contains("authkeys:2:3: Auth method [sha1] requires a key"));
        assert!(err("auth 1\n1 md5\n").contains("requires a key"));
        assert!(err("auth 2\n2 crc x\n").contains("Auth method [crc] doesn't use a key"));
        let e = err("auth 1\n1 sha256 a\n");
        assert!(e.contains("Invalid authtype [sha256]"), "{e}");
        assert!(err("auth 1\n1 SHA1 a\n").contains("Invalid authtype [SHA1]"));
        assert!(err("auth 1\n1 sha1 a\n16 sha1 b\n").contains("Invalid authnum [16] in authkeys"));
        assert!(err("auth 1\n1 sha1 a\n-1 sha1 b\n").contains("Invalid authnum [-1]"));
        assert!(err("authx\n1 sha1 a\n").contains("Invalid auth line [authx] in authkeys"));
        assert!(err("auth 1\nabc\n1 sha1 a\n").contains("Invalid auth line [abc]"));
        assert!(err("Auth 1\n1 sha1 a\n").contains("Auth line [Auth 1] is invalid."));
        assert!(err("auth 1\nfoo bar\n1 sha1 a\n")
            .contains("authkeys:2:1: Auth line [foo bar] is invalid."));
        assert!(err("auth 1\n1 sha256 a\n1 sha1 b\n").contains("Invalid authtype"));
    }

    #[test]
    fn secret_is_not_serialized() {
        let j = serde_json::to_string(&ok("auth 1\n1 sha1 topsecret\n")).unwrap();
        assert!(!j.contains("topsecret"), "{j}");
    }

    #[cfg(unix)]
    #[test]
    fn mode_check() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ha-config-authkeys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("authkeys");
        std::fs::write(&f, "auth 1\n1 sha1 s\n").unwrap();
        for (mode, good) in [
            (0o600, true),
            (0o400, true),
            (0o700, true),
            (0o620, true),
            (0o602, true),
            (0o640, false),
            (0o644, false),
            (0o604, false),
        ] {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            let r = load(&f);
            assert_eq!(r.is_ok(), good, "mode {mode:o}: {r:?}");
            if let Err(e) = r {
                let d = e.first_error().unwrap();
                assert!(d.message.contains("Bad permissions on keyfile"));
                assert_eq!(
                    d.hint.as_deref(),
                    Some(format!("chmod 600 {}", f.display()).as_str())
                );
            }
        }
        assert!(load(&dir.join("nope"))
            .unwrap_err()
            .to_string()
            .contains("Cannot open keyfile"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
