//! Sends the director's e-mail alerts (crates/director's `alerts` decides
//! what and when): through the virtual's `smtp` server on port 25, or the
//! local sendmail when none is set, as the legacy's Net::SMTP and
//! Mail::Send do. Sending runs on its own task so a dead mail server never
//! holds up a check; a failure comes back as a log line.

use director::{Alert, AlertBook, AlertSettings, Email};
use lettre::address::Envelope;
use lettre::{AsyncSendmailTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub struct Mailer {
    book: AlertBook,
    /// Per planned virtual service.
    settings: Vec<AlertSettings>,
    host: String,
    user: String,
    failures: UnboundedSender<String>,
}

impl Mailer {
    pub fn new(settings: Vec<AlertSettings>, failures: UnboundedSender<String>) -> Mailer {
        Mailer {
            book: AlertBook::default(),
            settings,
            host: super::hostname().unwrap_or_else(|| "localhost".to_string()),
            user: username(),
            failures,
        }
    }

    /// A new configuration's settings; reminders start afresh.
    pub fn reconfigure(&mut self, settings: Vec<AlertSettings>) {
        self.settings = settings;
        self.book.clear();
    }

    /// The log line to write, if the alert is mailed.
    pub fn on_alert(&mut self, a: &Alert, now_secs: u64) -> Option<String> {
        let s = self.settings.get(a.virtual_index)?;
        let email = self.book.on_alert(a, s, now_secs)?;
        Some(self.send(email))
    }

    /// Reminders for reals still down; their log lines.
    pub fn tick(&mut self, now_secs: u64) -> Vec<String> {
        let settings = &self.settings;
        let due = self.book.due(now_secs, |v| settings.get(v).cloned());
        due.into_iter().map(|e| self.send(e)).collect()
    }

    fn send(&self, email: Email) -> String {
        let line = email.log_line.clone();
        let (host, user, failures) = (self.host.clone(), self.user.clone(), self.failures.clone());
        tokio::spawn(async move {
            let via_smtp = email.smtp.is_some();
            if let Err(e) = deliver(email, &host, &user).await {
                let how = if via_smtp { "SMTP email" } else { "email" };
                let _ = failures.send(format!("failed to send {how} message: {e}"));
            }
        });
        line
    }
}

async fn deliver(email: Email, host: &str, user: &str) -> Result<(), String> {
    let sender = format!("{user}@{host}");
    // The legacy keeps the value as written, quotes included, and its mail
    // library copes; an operator who quoted the address means the address.
    let from = email
        .from
        .as_deref()
        .map(|f| f.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| sender.clone());
    let mut builder = Message::builder()
        .from(
            from.parse()
                .map_err(|e| format!("emailalertfrom {from:?}: {e}"))?,
        )
        .subject(email.subject.clone());
    let mut rcpt = Vec::new();
    for to in &email.to {
        let mbox: lettre::message::Mailbox =
            to.parse().map_err(|e| format!("emailalert {to:?}: {e}"))?;
        rcpt.push(mbox.email.clone());
        builder = builder.to(mbox);
    }
    // The envelope sender is USER@HOST whatever the From header says, as
    // the legacy's `$smtp->mail("$myusername\@$hostname")`.
    let envelope = Envelope::new(Some(sender.parse().map_err(|e| format!("{e}"))?), rcpt)
        .map_err(|e| e.to_string())?;
    let message = builder
        .envelope(envelope)
        .body(format!("ldirectord host: {host}\n{}", email.body))
        .map_err(|e| e.to_string())?;
    match &email.smtp {
        Some(server) => {
            let transport =
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.as_str())
                    .port(25)
                    .hello_name(lettre::transport::smtp::extension::ClientId::Domain(
                        host.to_string(),
                    ))
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
            transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        None => AsyncSendmailTransport::<Tokio1Executor>::new()
            .send(message)
            .await
            .map_err(|e| e.to_string()),
    }
}

fn username() -> String {
    // SAFETY: getpwuid returns a pointer into static storage or null; the
    // name is copied out before any other call could overwrite it.
    unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return "root".to_string();
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}
