//! `ldirectord-rs -t`: exit status and output shape.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

fn seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../compat-configs/seed/ldirectord.cf")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ldirectord-rs"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn good_config_prints_one_ok_line() {
    let out = run(&["-t", seed().to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("OK"));
}

#[test]
fn print_config_fills_in_defaults() {
    let out = run(&["-t", "--print-config", seed().to_str().unwrap()]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    assert!(text.contains("192.168.72.9"), "{text}");
    assert!(text.contains("negotiate"), "{text}");
}

#[test]
fn typo_exits_2_with_the_legacy_wording_and_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let cf = tmp.path().join("ldirectord.cf");
    let text = fs::read_to_string(seed())
        .unwrap()
        .replace("checktimeout", "checktimout");
    fs::write(&cf, text).unwrap();
    let out = run(&["-t", cf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("ldirectord.cf:1:1: Unknown command checktimout=3"),
        "{stderr}"
    );
    assert!(stderr.contains("checktimeout"), "{stderr}");
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let out = run(&["-t", "/nonexistent/dir/x.cf"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_1() {
    assert_eq!(run(&["x.cf", "explode"]).status.code(), Some(1));
}
