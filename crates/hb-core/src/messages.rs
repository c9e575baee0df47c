//! The message types the core sends and understands, their field names,
//! and typed forms of the resource-protocol messages (§6, §8.1).

use hb_proto::Message;

use crate::rscset::RscSet;

/// `t=` values.
pub mod types {
    pub const STATUS: &str = "status";
    pub const REXMIT: &str = "NS_rexmit";
    pub const NAK_REXMIT: &str = "NS_nak_rexmit";
    pub const ACKMSG: &str = "NS_ackmsg";
    pub const REQNODES: &str = "reqnodes";
    pub const REPNODES: &str = "repnodes";
    pub const STARTING: &str = "starting";
    pub const RESOURCES: &str = "resource";
    pub const ASK_RESOURCES: &str = "ask_resources";
    pub const IP_REQUEST: &str = "ip-request";
    pub const IP_REQUEST_RESP: &str = "ip-request-resp";
    pub const HB_TAKEOVER: &str = "hb_takeover";
    pub const SHUTDONE: &str = "shutdone";
    pub const STONITH: &str = "stonith";
    /// Prefix of the unsequenced types.
    pub const NOSEQ_PREFIX: &str = "NS_";
}

/// Field names beyond hb_proto's control fields.
pub mod fields {
    pub const FIRSTSEQ: &str = "firstseq";
    pub const LASTSEQ: &str = "lastseq";
    pub const ACKSEQ: &str = "ackseq";
    pub const INFO: &str = "info";
    pub const NODELIST: &str = "nodelist";
    pub const DELNODELIST: &str = "delnodelist";
    pub const RSC_HOLD: &str = "rsc_hold";
    pub const RTYPE: &str = "rtype";
    pub const ISSTABLE: &str = "isstable";
    pub const IPADDR: &str = "ipaddr";
    pub const WEOWN: &str = "weown";
    pub const OK: &str = "ok";
    pub const NODE: &str = "node";
    pub const RESULT: &str = "result";
}

/// A message of type `t` with string fields in the given order.
pub(crate) fn build(t: &str, fields: &[(&str, &str)]) -> Message {
    let mut m = Message::new();
    m.push_str(hb_proto::names::TYPE, t);
    for (name, value) in fields {
        m.push_str(*name, *value);
    }
    m
}

/// `t=resource`: what we hold now (§6.4). `rtype=full` always, as
/// `hb_send_resources_held` does.
pub(crate) fn resource(hold: RscSet, stable: bool, info: Option<&str>) -> Message {
    let mut m = build(
        types::RESOURCES,
        &[
            (fields::RSC_HOLD, hold.word()),
            (fields::RTYPE, "full"),
            (fields::ISSTABLE, if stable { "1" } else { "0" }),
        ],
    );
    if let Some(info) = info {
        m.push_str(fields::INFO, info);
    }
    m
}

pub(crate) fn ask_resources(set: RscSet, step: StandbyStep) -> Message {
    build(
        types::ASK_RESOURCES,
        &[(fields::RSC_HOLD, set.word()), (fields::INFO, step.word())],
    )
}

pub(crate) fn ip_request_resp(dest: &str, key: &str, weown: bool) -> Message {
    build(
        types::IP_REQUEST_RESP,
        &[
            (hb_proto::names::DEST, dest),
            (fields::IPADDR, key),
            (fields::WEOWN, if weown { "yes" } else { "no" }),
            (fields::OK, "OK"),
        ],
    )
}

/// The three steps of the standby exchange (`info=` of `ask_resources`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandbyStep {
    /// "I want to go standby for this set."
    Me,
    /// "Go ahead, I can take it."
    Other,
    /// "My part is finished."
    Done,
}

impl StandbyStep {
    pub fn word(self) -> &'static str {
        match self {
            StandbyStep::Me => "me",
            StandbyStep::Other => "other",
            StandbyStep::Done => "done",
        }
    }

    fn from_word(w: &[u8]) -> Option<Self> {
        // The legacy compares with strcasecmp.
        match w.to_ascii_lowercase().as_slice() {
            b"me" => Some(StandbyStep::Me),
            b"other" => Some(StandbyStep::Other),
            b"done" => Some(StandbyStep::Done),
            _ => None,
        }
    }
}

/// A resource-protocol message from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RscMsg {
    Starting,
    Resource {
        /// What the sender holds, relative to the sender.
        hold: RscSet,
        /// `rtype=full`: replaces our view instead of adding to it.
        full: bool,
        /// `isstable`, when present.
        stable: Option<bool>,
    },
    AskResources {
        set: RscSet,
        step: StandbyStep,
    },
    IpRequest {
        key: String,
    },
    IpRequestResp {
        key: String,
        ok: bool,
    },
    HbTakeover {
        set: RscSet,
    },
    Shutdone,
}

fn text(msg: &Message, name: &str) -> Option<String> {
    msg.get_bytes(name)
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

fn set_or_all(msg: &Message) -> Result<RscSet, String> {
    match msg.get_bytes(fields::RSC_HOLD) {
        None => Ok(RscSet::ALL),
        Some(w) => RscSet::from_word(w).ok_or_else(|| {
            format!(
                "encode_resources: bad resource type [{}]",
                String::from_utf8_lossy(w)
            )
        }),
    }
}

impl RscMsg {
    /// `Ok(None)` for types that are not part of the resource protocol;
    /// `Err` with a log line for malformed ones.
    pub fn parse(msg: &Message) -> Result<Option<RscMsg>, String> {
        let t = msg.get_bytes(hb_proto::names::TYPE).unwrap_or_default();
        // The legacy matches these types with strcasecmp.
        let t = String::from_utf8_lossy(t).to_ascii_lowercase();
        let parsed = match t.as_str() {
            types::STARTING => RscMsg::Starting,
            types::RESOURCES => {
                let word = msg
                    .get_bytes(fields::RSC_HOLD)
                    .ok_or("resource message without rsc_hold field.")?;
                let hold = RscSet::from_word(word).ok_or_else(|| {
                    format!(
                        "encode_resources: bad resource type [{}]",
                        String::from_utf8_lossy(word)
                    )
                })?;
                RscMsg::Resource {
                    hold,
                    full: msg.get_bytes(fields::RTYPE) == Some(b"full"),
                    stable: msg.get_bytes(fields::ISSTABLE).map(|s| s == b"1"),
                }
            }
            types::ASK_RESOURCES => {
                let info = msg
                    .get_bytes(fields::INFO)
                    .ok_or("Received standby message without info/from")?;
                let step = StandbyStep::from_word(info).ok_or_else(|| {
                    format!(
                        "Ignored standby message '{}'",
                        String::from_utf8_lossy(info)
                    )
                })?;
                RscMsg::AskResources {
                    set: set_or_all(msg)?,
                    step,
                }
            }
            types::IP_REQUEST => RscMsg::IpRequest {
                key: text(msg, fields::IPADDR).ok_or("ip-request without ipaddr field")?,
            },
            types::IP_REQUEST_RESP => RscMsg::IpRequestResp {
                key: text(msg, fields::IPADDR).ok_or("ip-request-resp without ipaddr field")?,
                ok: msg.get_bytes(fields::OK) == Some(b"OK"),
            },
            types::HB_TAKEOVER => RscMsg::HbTakeover {
                set: set_or_all(msg)?,
            },
            types::SHUTDONE => RscMsg::Shutdone,
            _ => return Ok(None),
        };
        Ok(Some(parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_message_fields_in_legacy_order() {
        let m = resource(RscSet::ALL, true, Some("req_our_resources()"));
        let names: Vec<_> = m.iter().map(|f| f.name.clone()).collect();
        assert_eq!(
            names,
            [&b"t"[..], b"rsc_hold", b"rtype", b"isstable", b"info"]
        );
        assert_eq!(
            RscMsg::parse(&m),
            Ok(Some(RscMsg::Resource {
                hold: RscSet::ALL,
                full: true,
                stable: Some(true)
            }))
        );
    }

    #[test]
    fn parses_standby_and_rejects_malformed() {
        let m = ask_resources(RscSet::FOREIGN, StandbyStep::Other);
        assert_eq!(
            RscMsg::parse(&m),
            Ok(Some(RscMsg::AskResources {
                set: RscSet::FOREIGN,
                step: StandbyStep::Other
            }))
        );
        let bad = build(types::RESOURCES, &[(fields::RSC_HOLD, "most")]);
        assert!(RscMsg::parse(&bad).is_err());
        let missing = build(types::RESOURCES, &[]);
        assert!(RscMsg::parse(&missing).is_err());
        assert_eq!(RscMsg::parse(&build("ccm", &[])), Ok(None));
        let no_set = build(types::HB_TAKEOVER, &[]);
        assert_eq!(
            RscMsg::parse(&no_set),
            Ok(Some(RscMsg::HbTakeover { set: RscSet::ALL }))
        );
    }
}
