//! E-mail over SMTP (lettre on tokio, rustls): sent only to the agent's MLMS address (CP-3).

use super::message::EmailContent;
use super::SendError;
use crate::settings::{NotificationSettings, SmtpTls};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The configured SMTP relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: print nothing of it.
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// `None` when e-mail is not configured.
    pub fn from_settings(settings: &NotificationSettings) -> anyhow::Result<Option<Self>> {
        let (Some(host), Some(from)) = (&settings.smtp_host, &settings.mail_from) else {
            return Ok(None);
        };
        let from: Mailbox = from
            .parse()
            .map_err(|_| anyhow::anyhow!("mail_from is not an e-mail address"))?;
        let port = settings
            .smtp_port
            .unwrap_or_else(|| settings.smtp_tls.default_port());
        let tls = match settings.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(TlsParameters::new(host.clone())?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(host.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
            .port(port)
            .tls(tls)
            .timeout(Some(settings.send_timeout));
        if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Some(Self {
            transport: builder.build(),
            from,
        }))
    }

    /// Hands one e-mail to the relay.
    pub async fn send(&self, to: &str, content: &EmailContent) -> Result<(), SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::permanent("the agent's MLMS e-mail address is not valid"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(content.subject.clone())
            .header(ContentLanguage(content.language.code()))
            .multipart(MultiPart::alternative_plain_html(
                content.text.clone(),
                content.html.clone(),
            ))
            .map_err(|e| SendError::permanent(format!("cannot build the e-mail: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(describe)
    }
}

/// A short description of an SMTP failure: its class and reply code, never the server's
/// text (which may quote the address).
fn describe(e: lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| format!(" {c}")).unwrap_or_default();
    if e.is_permanent() {
        SendError::permanent(format!("smtp permanent error{code}"))
    } else if e.is_transient() {
        SendError::transient(format!("smtp transient error{code}"))
    } else if e.is_timeout() {
        SendError::transient("smtp timeout")
    } else if e.is_tls() {
        SendError::transient("smtp tls error")
    } else {
        SendError::transient("smtp connection error")
    }
}

/// `Content-Language: en|es`.
#[derive(Debug, Clone)]
struct ContentLanguage(&'static str);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s.trim() {
            "en" => Ok(Self("en")),
            "es" => Ok(Self("es")),
            _ => Err("unsupported language".into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.to_owned())
    }
}
