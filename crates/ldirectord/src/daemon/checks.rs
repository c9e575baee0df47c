//! A planned check (target + the virtual service's parameters) as an
//! `lvs_check::CheckSpec`.

use director::CheckPlan;
use ha_config::ldirectord::{CheckType, HttpMethod, VirtualService};
use lvs_check::{CheckKind, CheckSpec};
use std::time::Duration;

/// The spec, or why this check cannot run as configured (it then runs as
/// a connect check, and the reason is logged once at start).
pub fn spec(plan: &CheckPlan, v: &VirtualService) -> (CheckSpec, Option<String>) {
    let request = plan.request.clone().unwrap_or_else(|| v.request.clone());
    let receive = plan.receive.clone().unwrap_or_else(|| v.receive.clone());
    let mut note = None;
    let kind = match v.checktype {
        CheckType::On => CheckKind::On,
        CheckType::Off => CheckKind::Off,
        CheckType::Connect => CheckKind::Connect,
        CheckType::Negotiate => match v.service.as_deref().unwrap_or("none") {
            "http" => match regex::Regex::new(&receive) {
                Ok(re) => CheckKind::Http {
                    path: request,
                    virtualhost: v.virtualhost.clone(),
                    method: match v.httpmethod {
                        HttpMethod::Get => lvs_check::HttpMethod::Get,
                        HttpMethod::Head => lvs_check::HttpMethod::Head,
                    },
                    receive: (!receive.is_empty()).then_some(re),
                },
                Err(e) => {
                    note = Some(format!(
                        "receive={receive:?} is not a valid regular expression ({e})"
                    ));
                    CheckKind::Connect
                }
            },
            "simpletcp" => match regex::Regex::new(&receive) {
                Ok(re) => CheckKind::SimpleTcp {
                    request,
                    receive: re,
                },
                Err(e) => {
                    note = Some(format!(
                        "receive={receive:?} is not a valid regular expression ({e})"
                    ));
                    CheckKind::Connect
                }
            },
            other => {
                note = Some(format!(
                    "negotiate checks for service={other} are not available yet; checking by connect"
                ));
                CheckKind::Connect
            }
        },
        other => {
            note = Some(format!(
                "checktype={other:?} is not available yet; checking by connect"
            ));
            CheckKind::Connect
        }
    };
    let spec = CheckSpec {
        target: plan.target,
        kind,
        check_timeout: Duration::from_secs(v.checktimeout.max(1)),
        negotiate_timeout: Duration::from_secs(v.negotiatetimeout.max(1)),
    };
    (spec, note)
}
