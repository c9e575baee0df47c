//! `heartbeatd export-pacemaker [-c DIR] -o OUTDIR`: the same service on
//! Corosync + Pacemaker, from heartbeat's ha.cf, haresources and authkeys.
//! Writes OUTDIR/corosync.conf, OUTDIR/authkey (when the secret allows) and
//! OUTDIR/cib.xml; names on stderr, as `file:line: message`, everything it
//! could not carry over.

mod cib;
mod corosync;
mod hacf_notes;
mod notes;
mod resources;

use ha_config::hacf::{AutoFailback, HaCf, Medium};
use ha_config::heartbeat_dir::HeartbeatConfig;
use notes::Notes;
use std::path::{Path, PathBuf};

pub const USAGE: &str = "usage: heartbeatd export-pacemaker [-c DIR] -o OUTDIR
  -c DIR      heartbeat configuration directory (default /etc/ha.d)
  -o OUTDIR   where corosync.conf, authkey and cib.xml are written";

const EXIT_USAGE: u8 = 2;
const EXIT_CONFIG_ERROR: u8 = 6;

struct Args {
    dir: PathBuf,
    out: PathBuf,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut dir = PathBuf::from("/etc/ha.d");
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" | "-o" => {
                let v = it.next().ok_or(format!("option {a} needs a value"))?;
                if a == "-c" {
                    dir = PathBuf::from(v);
                } else {
                    out = Some(PathBuf::from(v));
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    let out = out.ok_or("-o OUTDIR is required")?;
    Ok(Args { dir, out })
}

/// What the export writes, before it touches the disk.
pub struct Export {
    pub corosync_conf: String,
    pub authkey: Option<Vec<u8>>,
    pub cib_xml: String,
    pub notes: Vec<String>,
}

pub fn run(args: &[String]) -> u8 {
    let a = match parse_args(args) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("heartbeatd export-pacemaker: {msg}");
            }
            eprintln!("{USAGE}");
            return EXIT_USAGE;
        }
    };
    let parsed = match ha_config::heartbeat_dir::load(&a.dir) {
        Ok(p) => p,
        Err(err) => {
            eprintln!("{err}");
            eprintln!(
                "heartbeatd export-pacemaker: configuration in {} has errors; nothing written",
                a.dir.display()
            );
            return EXIT_CONFIG_ERROR;
        }
    };
    for w in &parsed.warnings {
        eprintln!("{w}");
    }
    let export = match build(&a.dir, &parsed.value) {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("{msg}");
            return EXIT_CONFIG_ERROR;
        }
    };
    for n in &export.notes {
        eprintln!("{n}");
    }
    match write(&a.out, &export) {
        Ok(()) => 0,
        Err(msg) => {
            eprintln!("heartbeatd export-pacemaker: {msg}");
            1
        }
    }
}

pub fn build(dir: &Path, cfg: &HeartbeatConfig) -> Result<Export, String> {
    let hacf_file = dir.join("ha.cf").display().to_string();
    let hares_file = dir.join("haresources").display().to_string();
    let keys_file = dir.join("authkeys").display().to_string();
    let h = &cfg.hacf;
    if h.nodes.is_empty() {
        return Err(format!(
            "{hacf_file}: no `node` lines: corosync needs every member in its nodelist; nothing written"
        ));
    }
    let mut notes = Notes::default();
    let outline = std::fs::read(dir.join("ha.cf"))
        .map(|b| ha_config::hacf::outline::outline(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    hacf_notes::add(&outline, &hacf_file, &mut notes);
    let failback_line = outline
        .iter()
        .rev()
        .find(|d| matches!(d.name.as_str(), "auto_failback" | "nice_failback"))
        .map_or(0, |d| d.line);
    let stickiness = match h.auto_failback {
        AutoFailback::On => 0,
        AutoFailback::Off => cib::STICKY,
        AutoFailback::Legacy => {
            notes.at(
                &hacf_file,
                failback_line,
                "auto_failback legacy (heartbeat's default): groups always go home as with `on`; resource-stickiness 0",
            );
            0
        }
    };

    let source = dir.display().to_string();
    let authkey = corosync::authkey(&cfg.authkeys);
    key_notes(cfg, authkey.is_some(), &keys_file, &mut notes);
    let corosync_conf = corosync::render(h, authkey.is_some(), &source);

    let mut mapper = resources::Mapper {
        dir,
        haresources: hares_file.clone(),
        ids: resources::Ids::default(),
    };
    let mut groups = Vec::new();
    match &cfg.haresources {
        Some(hr) => {
            if hr.groups.is_empty() {
                notes.at(
                    &hares_file,
                    0,
                    "no resource groups: the CIB has no resources",
                );
            }
            for (i, g) in hr.groups.iter().enumerate() {
                let group = mapper.group(i, g, &mut notes);
                if !h.nodes.contains(&group.home) {
                    notes.at(
                        &hares_file,
                        g.line,
                        format!(
                            "{}: not a cluster node (a ping node?): no home preference written",
                            g.node
                        ),
                    );
                }
                if group.members.is_empty() {
                    notes.at(
                        &hares_file,
                        g.line,
                        "no convertible resources: group left out",
                    );
                    continue;
                }
                groups.push(group);
            }
        }
        None => notes.at(
            &hares_file,
            0,
            "not read (crm/pacemaker on in ha.cf): the CIB has no resources",
        ),
    }
    let ping_hosts = ping_hosts(h);
    let cib_xml = cib::Cib {
        nodes: &h.nodes,
        groups: &groups,
        stickiness,
        ping_hosts: &ping_hosts,
    }
    .render(&source);
    notes.at(
        "cib.xml",
        0,
        "warning: stonith-enabled=false: heartbeat pairs had no fencing; configure a stonith device before trusting the cluster with shared data",
    );
    Ok(Export {
        corosync_conf,
        authkey,
        cib_xml,
        notes: notes.lines().to_vec(),
    })
}

fn key_notes(cfg: &HeartbeatConfig, written: bool, file: &str, notes: &mut Notes) {
    let active = cfg.authkeys.active;
    if written {
        notes.at(
            file,
            0,
            format!("key {active}: written as authkey, 256 bytes derived from its secret (no stronger than it): install it as /etc/corosync/authkey, mode 0400, on every node"),
        );
    } else {
        notes.at(
            file,
            0,
            format!("key {active}: crc has no secret: corosync.conf has crypto off; run corosync-keygen and set crypto_cipher/crypto_hash to encrypt the cluster"),
        );
    }
    for k in cfg.authkeys.keys.iter().filter(|k| k.index != active) {
        notes.at(
            file,
            0,
            format!(
                "key {}: not the active key; corosync has one key: not converted",
                k.index
            ),
        );
    }
}

fn ping_hosts(h: &HaCf) -> Vec<String> {
    let mut out = Vec::new();
    for m in &h.media {
        match m {
            Medium::Ping { host } => out.push(host.clone()),
            Medium::PingGroup { hosts, .. } => out.extend(hosts.iter().cloned()),
            _ => {}
        }
    }
    out
}

fn write(out: &Path, e: &Export) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let err = |p: &Path, x: std::io::Error| format!("cannot write {}: {x}", p.display());
    std::fs::create_dir_all(out).map_err(|x| err(out, x))?;
    let conf = out.join("corosync.conf");
    std::fs::write(&conf, &e.corosync_conf).map_err(|x| err(&conf, x))?;
    let key = out.join("authkey");
    match &e.authkey {
        Some(bytes) => {
            // Replaced rather than written over: an old 0400 file would
            // refuse the write.
            let _ = std::fs::remove_file(&key);
            std::fs::write(&key, bytes).map_err(|x| err(&key, x))?;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o400))
                .map_err(|x| err(&key, x))?;
        }
        None => {
            let _ = std::fs::remove_file(&key);
        }
    }
    let cib = out.join("cib.xml");
    std::fs::write(&cib, &e.cib_xml).map_err(|x| err(&cib, x))?;
    Ok(())
}
