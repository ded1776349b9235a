//! The v1 HTTP API, as the app uses it. Every exchange is timed and its server time fed to
//! the [`ServerClock`]; every error comes back as a typed [`ApiFailure`].
//!
//! Nothing here logs bodies: they hold consumer contact details after an accept (MR-4).

use crate::clock::ClockSample;
use crate::error::ApiFailure;
use crate::outbox::{Method, OutboxItem};
use crate::server_time::{server_time_from, ServerClock};
use crate::token_store::AuthToken;
use hod_domain::wire::v1::{
    ApiError, Availability, Change, ErrorCode, LoginRequest, LoginResponse, MissedAlertView,
    Profile, Referral, ReferralPage,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use url::Url;

/// The header that makes a retried command harmless (server decision 0204).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The largest page of `GET /v1/changes`.
pub const CHANGES_PAGE: u32 = 500;

/// The largest page of `GET /v1/referrals`.
const REFERRALS_PAGE: u32 = 200;

#[derive(Debug, Deserialize)]
struct ChangePage {
    changes: Vec<Change>,
    /// The feed's newest sequence number; servers before it was added send none.
    #[serde(default)]
    head: Option<i64>,
}

/// An HTTP client bound to one server, with the session token once logged in.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Url,
    clock: ServerClock,
    token: Arc<RwLock<Option<AuthToken>>>,
}

/// The server URL, checked: http or https, no query.
pub fn parse_server_url(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url.trim()).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("the URL must start with http:// or https://".into());
    }
    if parsed.host_str().is_none() {
        return Err("the URL has no host".into());
    }
    Ok(parsed)
}

/// Installs rustls' aws-lc-rs provider as the process default (once; a provider installed
/// earlier by the embedding app is kept), so the WebSocket's TLS never has to choose between
/// providers other crates may have compiled in.
pub fn install_tls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

impl Api {
    pub fn new(base: Url, clock: ServerClock, request_timeout: Duration) -> Result<Self, String> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("hod-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base,
            clock,
            token: Arc::new(RwLock::new(None)),
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn clock(&self) -> &ServerClock {
        &self.clock
    }

    pub fn set_token(&self, token: Option<AuthToken>) {
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = token;
    }

    pub fn token(&self) -> Option<AuthToken> {
        self.token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `path` (with its query) under the server URL.
    pub fn url(&self, path: &str) -> Result<Url, ApiFailure> {
        let base = self.base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).map_err(|e| ApiFailure::BadResponse(e.to_string()))
    }

    /// One timed exchange: status and body. Transport failures are `Unreachable`.
    async fn exchange(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
        idempotency_key: Option<&str>,
    ) -> Result<(u16, Vec<u8>), ApiFailure> {
        let mut request = self.http.request(method, self.url(path)?);
        if let Some(token) = self.token() {
            request = request.bearer_auth(token.expose());
        }
        if let Some(key) = idempotency_key {
            request = request.header(IDEMPOTENCY_KEY_HEADER, key);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let sent = self.clock.local_now();
        let response = request
            .send()
            .await
            .map_err(|e| ApiFailure::Unreachable(describe(&e)))?;
        let received = self.clock.local_now();
        if let Some(server_time) = server_time_from(response.headers()) {
            self.clock.record(ClockSample {
                sent,
                server_time,
                received,
            });
        }
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ApiFailure::Unreachable(describe(&e)))?;
        if (200..300).contains(&status) {
            Ok((status, bytes.to_vec()))
        } else {
            Err(ApiFailure::Status {
                status,
                error: error_body(status, &bytes),
            })
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiFailure> {
        let (_, body) = self
            .exchange(reqwest::Method::GET, path, None, None)
            .await?;
        read_json(&body)
    }

    /// `POST /v1/auth/login`; the token is kept for the following requests.
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResponse, ApiFailure> {
        let body = serde_json::to_vec(&LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        })
        .map_err(|e| ApiFailure::BadResponse(e.to_string()))?;
        self.set_token(None);
        let (_, answer) = self
            .exchange(reqwest::Method::POST, "/v1/auth/login", Some(body), None)
            .await?;
        let response: LoginResponse = read_json(&answer)?;
        self.set_token(Some(AuthToken::new(response.token.clone())));
        Ok(response)
    }

    /// `POST /v1/auth/logout`: the server revokes the session.
    pub async fn logout(&self) -> Result<(), ApiFailure> {
        self.exchange(reqwest::Method::POST, "/v1/auth/logout", None, None)
            .await?;
        Ok(())
    }

    pub async fn profile(&self) -> Result<Profile, ApiFailure> {
        self.get_json("/v1/profile").await
    }

    pub async fn availability(&self) -> Result<Availability, ApiFailure> {
        self.get_json("/v1/availability").await
    }

    /// Every referral of the agent, all pages.
    pub async fn all_referrals(&self) -> Result<Vec<Referral>, ApiFailure> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                None => format!("/v1/referrals?limit={REFERRALS_PAGE}"),
                Some(next) => format!("/v1/referrals?limit={REFERRALS_PAGE}&after={next}"),
            };
            let page: ReferralPage = self.get_json(&path).await?;
            all.extend(page.referrals);
            match page.next {
                Some(next) if Some(&next) != after.as_ref() => after = Some(next),
                _ => return Ok(all),
            }
        }
    }

    /// The missed-referral alert (MR-3); `None` when nothing was missed (204).
    pub async fn missed_alert(&self) -> Result<Option<MissedAlertView>, ApiFailure> {
        let (status, body) = self
            .exchange(reqwest::Method::GET, "/v1/missed-alert", None, None)
            .await?;
        if status == 204 || body.is_empty() {
            Ok(None)
        } else {
            read_json(&body).map(Some)
        }
    }

    /// Changes after `after`, at most `limit`, in sequence order.
    pub async fn changes(&self, after: i64, limit: u32) -> Result<Vec<Change>, ApiFailure> {
        Ok(self.change_page(after, limit).await?.changes)
    }

    /// The feed's newest sequence number as the server reports it with a one-change page
    /// (`None` from a server that does not report it).
    pub async fn change_head(&self, after: i64) -> Result<Option<i64>, ApiFailure> {
        Ok(self.change_page(after, 1).await?.head)
    }

    async fn change_page(&self, after: i64, limit: u32) -> Result<ChangePage, ApiFailure> {
        self.get_json(&format!("/v1/changes?after={after}&limit={limit}"))
            .await
    }

    /// Sends an outbox item with its idempotency key; the server's JSON answer on success.
    pub async fn send(&self, item: &OutboxItem) -> Result<serde_json::Value, ApiFailure> {
        let (method, path) = item.action.endpoint();
        let method = match method {
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let body = item
            .action
            .body()
            .map_err(|e| ApiFailure::BadResponse(e.to_string()))?
            .map(|b| serde_json::to_vec(&b))
            .transpose()
            .map_err(|e| ApiFailure::BadResponse(e.to_string()))?;
        let (_, answer) = self
            .exchange(method, &path, body, Some(&item.idempotency_key))
            .await?;
        if answer.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        read_json(&answer)
    }
}

fn read_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(body).map_err(|e| ApiFailure::BadResponse(json_error(&e)))
}

/// A JSON error without the text it quotes: a serde message can repeat the offending value,
/// and an answer may hold a consumer's contact details (MR-4), so only where and what kind.
pub fn json_error(error: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {}, column {}",
        error.classify(),
        error.line(),
        error.column()
    )
}

/// The server's error body, or one made up from the status when there is none (a proxy).
fn error_body(status: u16, body: &[u8]) -> ApiError {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        let code = match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, format!("the server answered HTTP {status}"))
    })
}

/// A transport error without its URL's query (it has none of ours with personal data, but
/// the error text stays short and stable).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    match std::error::Error::source(error) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_owned(),
    }
}
