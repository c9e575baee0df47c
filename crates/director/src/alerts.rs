//! ldirectord's e-mail alerts, without I/O: which changes are mailed, to
//! whom, with which text, and the reminders for a real that stays down.
//!
//! Every real/fallback change is mailed (its log line is the subject) when
//! the virtual has `emailalert` and the daemon's state is in
//! `emailalertstatus`. A real that went down or quiescent is remembered and,
//! with `emailalertfreq` > 0, mailed again as `Inaccessible real server:`
//! every that many seconds until it comes back — as the legacy does.

use crate::director::{Alert, DaemonStatus};
use ha_config::ldirectord::AlertStatus;
use std::collections::BTreeMap;

/// One virtual service's alert settings (its own, or the global ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    /// `emailalert`: one address or a comma-separated list; empty: none.
    pub to: String,
    /// `emailalertfreq`, seconds; 0: no reminders.
    pub freq_secs: u64,
    pub status: AlertStatus,
    /// `smtp`: the server to send through; none: the local sendmail.
    pub smtp: Option<String>,
    /// `emailalertfrom`; none: `USER@HOSTNAME`, as the legacy.
    pub from: Option<String>,
    pub servicename: Option<String>,
    pub comment: Option<String>,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: Vec<String>,
    pub from: Option<String>,
    pub smtp: Option<String>,
    pub subject: String,
    /// The body without the legacy's first line (`ldirectord host: H`),
    /// which the sender adds since it knows the host name.
    pub body: String,
    /// The log line the legacy writes when it sends (`emailalert: SUBJECT`).
    pub log_line: String,
}

#[derive(Debug, Default)]
pub struct AlertBook {
    /// id → (virtual index, when last mailed), for reals still down.
    down: BTreeMap<String, (usize, u64)>,
}

fn wanted(status: DaemonStatus, filter: &AlertStatus) -> bool {
    match status {
        DaemonStatus::Starting => filter.starting,
        DaemonStatus::Running => filter.running,
        DaemonStatus::Stopping => filter.stopping,
        DaemonStatus::Reloading => filter.reloading,
    }
}

fn email(subject: &str, status: DaemonStatus, s: &AlertSettings) -> Option<Email> {
    if !wanted(status, &s.status) || s.to.trim().is_empty() {
        return None;
    }
    let mut body = format!("Log-Message: {subject}\nDaemon-Status: {}\n", status.word());
    let mut details = String::new();
    if let Some(n) = &s.servicename {
        details.push_str(&format!("Service name: {n}\n"));
    }
    if let Some(c) = &s.comment {
        details.push_str(&format!("Comment: {c}\n"));
    }
    if !details.is_empty() {
        body.push_str(&format!("\n{details}\n"));
    }
    let shown = match &s.servicename {
        Some(n) => format!("[{n}] {subject}"),
        None => subject.to_string(),
    };
    Some(Email {
        to: s
            .to
            .split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        from: s.from.clone(),
        smtp: s.smtp.clone(),
        subject: shown,
        body,
        log_line: format!("emailalert: {subject}"),
    })
}

impl AlertBook {
    /// A change the director reported at `now` (seconds).
    pub fn on_alert(&mut self, a: &Alert, s: &AlertSettings, now: u64) -> Option<Email> {
        if a.recurring && s.freq_secs > 0 {
            self.down.insert(a.id.clone(), (a.virtual_index, now));
        } else {
            self.down.remove(&a.id);
        }
        email(&a.subject, a.status, s)
    }

    /// Reminders due at `now` for reals still down; `settings(v)` gives
    /// virtual v's settings (None: it is gone, and so is its reminder).
    pub fn due(
        &mut self,
        now: u64,
        settings: impl Fn(usize) -> Option<AlertSettings>,
    ) -> Vec<Email> {
        let mut out = Vec::new();
        self.down.retain(|id, (v, last)| {
            let Some(s) = settings(*v) else {
                return false;
            };
            if s.freq_secs == 0 {
                return false;
            }
            if now.saturating_sub(*last) >= s.freq_secs {
                *last = now;
                let subject = format!("Inaccessible real server: {id}");
                out.extend(email(&subject, DaemonStatus::Running, &s));
            }
            true
        });
        out
    }

    /// After a reload the virtual indexes change: reminders start afresh
    /// (the legacy forgets them too when its children restart).
    pub fn clear(&mut self) {
        self.down.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(freq: u64) -> AlertSettings {
        AlertSettings {
            to: "ops@example.org, oncall@example.org".into(),
            freq_secs: freq,
            status: AlertStatus::ALL,
            smtp: Some("127.0.0.1".into()),
            from: None,
            servicename: Some("web".into()),
            comment: None,
        }
    }

    fn alert(subject: &str, recurring: bool, status: DaemonStatus) -> Alert {
        Alert {
            virtual_index: 0,
            id: "10.9.0.2:80 (10.9.0.100:80)".into(),
            subject: subject.into(),
            recurring,
            status,
        }
    }

    #[test]
    fn a_down_real_is_mailed_then_reminded_until_it_comes_back() {
        let mut book = AlertBook::default();
        let s = settings(60);
        let down = alert(
            "Deleted real server: 10.9.0.2:80 (10.9.0.100:80)",
            true,
            DaemonStatus::Running,
        );
        let m = book.on_alert(&down, &s, 1000).expect("mailed");
        assert_eq!(m.to, ["ops@example.org", "oncall@example.org"]);
        assert_eq!(
            m.subject,
            "[web] Deleted real server: 10.9.0.2:80 (10.9.0.100:80)"
        );
        assert_eq!(
            m.body,
            "Log-Message: Deleted real server: 10.9.0.2:80 (10.9.0.100:80)\n\
             Daemon-Status: running\n\nService name: web\n\n"
        );
        assert_eq!(
            m.log_line,
            "emailalert: Deleted real server: 10.9.0.2:80 (10.9.0.100:80)"
        );
        assert!(book.due(1059, |_| Some(s.clone())).is_empty());
        let r = book.due(1060, |_| Some(s.clone()));
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].subject,
            "[web] Inaccessible real server: 10.9.0.2:80 (10.9.0.100:80)"
        );
        assert!(book.due(1100, |_| Some(s.clone())).is_empty());
        let back = alert(
            "Added real server: 10.9.0.2:80 (10.9.0.100:80) (Weight set to 1)",
            false,
            DaemonStatus::Running,
        );
        assert!(book.on_alert(&back, &s, 1110).is_some());
        assert!(book.due(2000, |_| Some(s.clone())).is_empty());
    }

    #[test]
    fn status_filter_and_empty_recipient_send_nothing() {
        let mut book = AlertBook::default();
        let mut s = settings(0);
        s.status = AlertStatus {
            starting: false,
            ..AlertStatus::ALL
        };
        let a = alert("Added real server: x", false, DaemonStatus::Starting);
        assert_eq!(book.on_alert(&a, &s, 0), None);
        let a = alert("Deleted real server: x", true, DaemonStatus::Running);
        assert!(book.on_alert(&a, &s, 0).is_some());
        assert!(
            book.due(10_000, |_| Some(s.clone())).is_empty(),
            "freq 0: no reminders"
        );
        s.to = String::new();
        assert_eq!(book.on_alert(&a, &s, 0), None);
    }
}
