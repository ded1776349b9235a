//! Text messages through an SMS provider's HTTP API, in the common Twilio form: `POST
//! {base}/Accounts/{account}/Messages.json` with form fields `To`, `From` and `Body`, and
//! basic auth (account, token).

use super::SendError;
use crate::settings::{NotificationSettings, Secret};

/// The configured SMS provider.
#[derive(Clone)]
pub struct SmsSender {
    http: reqwest::Client,
    url: url::Url,
    account: String,
    token: Secret,
    from: String,
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSender")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl SmsSender {
    /// `None` when text is not configured.
    pub fn from_settings(settings: &NotificationSettings) -> anyhow::Result<Option<Self>> {
        let (Some(base), Some(account), Some(token), Some(from)) = (
            &settings.sms_api_url,
            &settings.sms_account,
            &settings.sms_auth_token,
            &settings.sms_from,
        ) else {
            return Ok(None);
        };
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| anyhow::anyhow!("sms_api_url cannot be a base URL"))?
            .pop_if_empty()
            .extend(["Accounts", account.as_str(), "Messages.json"]);
        let http = reqwest::Client::builder()
            .timeout(settings.send_timeout)
            .build()?;
        Ok(Some(Self {
            http,
            url,
            account: account.clone(),
            token: token.clone(),
            from: from.clone(),
        }))
    }

    /// Hands one text to the provider; any 2xx answer means it took it.
    pub async fn send(&self, to: &str, body: &str) -> Result<(), SendError> {
        let response = self
            .http
            .post(self.url.clone())
            .basic_auth(&self.account, Some(self.token.expose()))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    SendError::transient("sms provider timeout")
                } else {
                    SendError::transient("sms provider unreachable")
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The provider's body may echo the number: keep only the status.
        let error = format!("sms provider answered {}", status.as_u16());
        if status.as_u16() == 429 || status.is_server_error() || status.as_u16() == 408 {
            Err(SendError::transient(error))
        } else {
            Err(SendError::permanent(error))
        }
    }
}
