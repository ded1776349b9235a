//! The shell's state: the `hod-client` session (one server at a time), the device settings,
//! the login pre-fill, and the tray and notifier it keeps up to date.

use crate::settings::{self, AppSettings};
use hod_client::engine::{Client, ClientConfig};
use hod_client::error_body::ErrorBody;
use hod_domain::wire::v1::ReferralId;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

/// Values the login screen starts with (`make run` passes a demo login).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LoginPrefill {
    pub server_url: String,
    pub username: String,
    pub password: Option<String>,
}

impl LoginPrefill {
    /// From `HOD_SERVER_URL`, `HOD_USERNAME` and `HOD_PASSWORD`, when the server URL is set.
    pub fn from_env() -> Option<Self> {
        let server_url = std::env::var("HOD_SERVER_URL").ok()?;
        Some(Self {
            server_url,
            username: std::env::var("HOD_USERNAME").unwrap_or_default(),
            password: std::env::var("HOD_PASSWORD").ok(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct LastServer {
    server_url: String,
}

#[derive(Debug)]
pub struct Shell {
    pub data_dir: PathBuf,
    client: tokio::sync::Mutex<Option<Client>>,
    settings: Mutex<AppSettings>,
    pub prefill: Option<LoginPrefill>,
    /// A referral a launch link asked for, until the signed-in window takes it.
    pending_open: Mutex<Option<ReferralId>>,
}

impl Shell {
    pub fn new(data_dir: PathBuf) -> Self {
        let settings = settings::load(&data_dir);
        Self {
            data_dir,
            client: tokio::sync::Mutex::new(None),
            settings: Mutex::new(settings),
            prefill: LoginPrefill::from_env(),
            pending_open: Mutex::new(None),
        }
    }

    /// Keeps the referral a launch link points to until the window asks for it.
    pub fn set_pending_open(&self, id: ReferralId) {
        if let Ok(mut pending) = self.pending_open.lock() {
            *pending = Some(id);
        }
    }

    /// The referral a launch link pointed to, once.
    pub fn take_pending_open(&self) -> Option<ReferralId> {
        self.pending_open.lock().ok().and_then(|mut p| p.take())
    }

    /// The server to open at launch: the pre-fill's, else the last one signed in to.
    pub fn launch_server(&self) -> Option<String> {
        if let Some(prefill) = &self.prefill {
            return Some(prefill.server_url.clone());
        }
        let bytes = std::fs::read(self.data_dir.join("last-server.json")).ok()?;
        serde_json::from_slice::<LastServer>(&bytes)
            .ok()
            .map(|l| l.server_url)
    }

    fn remember_server(&self, server_url: &str) {
        let body = LastServer {
            server_url: server_url.to_owned(),
        };
        if let Ok(json) = serde_json::to_vec(&body) {
            let _ = std::fs::write(self.data_dir.join("last-server.json"), json);
        }
    }

    /// The running client, if any.
    pub async fn client(&self) -> Option<Client> {
        self.client.lock().await.clone()
    }

    /// The running client, or `not_signed_in`.
    pub async fn signed_in(&self) -> Result<Client, ErrorBody> {
        match self.client().await {
            Some(client) if client.is_logged_in() => Ok(client),
            _ => Err(ErrorBody::new("not_signed_in", "not signed in")),
        }
    }

    /// Opens (or re-uses) the client for `server_url`; a client of another server is shut
    /// down first. Returns the client and whether it is new.
    pub async fn open(&self, server_url: &str) -> Result<(Client, bool), ErrorBody> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            if same_server(client.server_url(), server_url) {
                return Ok((client.clone(), false));
            }
            client.shutdown().await;
        }
        let client = Client::start(ClientConfig::new(server_url, self.data_dir.clone()))
            .await
            .map_err(ErrorBody::from)?;
        *slot = Some(client.clone());
        self.remember_server(client.server_url());
        Ok((client, true))
    }

    pub fn settings(&self) -> AppSettings {
        self.settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn save_settings(&self, new: AppSettings) -> Result<AppSettings, ErrorBody> {
        settings::save(&self.data_dir, &new).map_err(|e| {
            ErrorBody::new("cache", format!("the settings could not be saved: {e}"))
        })?;
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner) = new.clone();
        Ok(new)
    }
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim().trim_end_matches('/')
}
