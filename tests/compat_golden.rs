//! Golden tests over compat-configs/: every good config is accepted, every bad
//! one is rejected at its expected `file:line` with its expected message.

use linux_ha_rs_tests::{heartbeat_cases, installed_copy, ldirectord_cases};

#[test]
fn heartbeat_configs_match_their_expectations() {
    let cases = heartbeat_cases();
    assert!(cases.len() > 1, "no heartbeat compat configs found");
    let mut failures = Vec::new();
    for case in &cases {
        let copy = installed_copy(&case.dir);
        let got = ha_config::heartbeat_dir::load(copy.path());
        match (&case.expected, got) {
            (None, Ok(_)) => {}
            (None, Err(e)) => failures.push(format!("{}: rejected:\n{e}", case.name)),
            (Some(exp), Ok(_)) => failures.push(format!("{}: accepted, want {exp:?}", case.name)),
            (Some(exp), Err(e)) if exp.matches_any(&e) => {}
            (Some(exp), Err(e)) => failures.push(format!("{}: want {exp:?}, got:\n{e}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn ldirectord_configs_match_their_expectations() {
    let cases = ldirectord_cases();
    assert!(cases.len() > 1, "no ldirectord compat configs found");
    let mut failures = Vec::new();
    for case in &cases {
        let got = ha_config::ldirectord::load_resolved(
            &case.file,
            &ha_config::ldirectord::EtcFiles::system(),
        );
        match (&case.expected, got) {
            (None, Ok(_)) => {}
            (None, Err(e)) => failures.push(format!("{}: rejected:\n{e}", case.name)),
            (Some(exp), Ok(_)) => failures.push(format!("{}: accepted, want {exp:?}", case.name)),
            (Some(exp), Err(e)) if exp.matches_any(&e) => {}
            (Some(exp), Err(e)) => failures.push(format!("{}: want {exp:?}, got:\n{e}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn there_are_enough_compat_configs() {
    let good = heartbeat_cases()
        .iter()
        .filter(|c| c.expected.is_none())
        .count()
        + ldirectord_cases()
            .iter()
            .filter(|c| c.expected.is_none())
            .count();
    let bad = heartbeat_cases()
        .iter()
        .filter(|c| c.expected.is_some())
        .count()
        + ldirectord_cases()
            .iter()
            .filter(|c| c.expected.is_some())
            .count();
    assert!(good >= 30, "only {good} good compat configs");
    assert!(bad >= 10, "only {bad} bad compat configs");
}
