//! Which file `ldirectord NAME start` reads.

use std::path::{Path, PathBuf};

/// The legacy's lookup: `/etc/ha.d/NAME`, then `/etc/ha.d/conf/NAME`, else
/// NAME as given (relative to the working directory).
pub fn resolve_config_name(name: &str) -> PathBuf {
    resolve_in(name, &[Path::new("/etc/ha.d"), Path::new("/etc/ha.d/conf")])
}

/// The lookup with the base directories as a parameter. Like the legacy it
/// joins by string, so an absolute NAME is also tried under each base first
/// (`/etc/ha.d//abs/path`), which only matters if such a file exists.
pub fn resolve_in(name: &str, bases: &[&Path]) -> PathBuf {
    for base in bases {
        let candidate = PathBuf::from(format!("{}/{}", base.display(), name));
        if candidate.is_file() {
            return candidate;
        }
    }
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_in_each_base_then_as_given() {
        let tmp = std::env::temp_dir().join(format!("ld-resolve-{}", std::process::id()));
        let a = tmp.join("a");
        let b = tmp.join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("x.cf"), "").unwrap();
        let bases = [a.as_path(), b.as_path()];
        assert_eq!(
            resolve_in("x.cf", &bases),
            PathBuf::from(format!("{}/x.cf", b.display()))
        );
        std::fs::write(a.join("x.cf"), "").unwrap();
        assert_eq!(
            resolve_in("x.cf", &bases),
            PathBuf::from(format!("{}/x.cf", a.display()))
        );
        assert_eq!(
            resolve_in("missing.cf", &bases),
            PathBuf::from("missing.cf")
        );
        // a directory of that name does not count
        std::fs::create_dir_all(a.join("d.cf")).unwrap();
        assert_eq!(resolve_in("d.cf", &bases), PathBuf::from("d.cf"));
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
