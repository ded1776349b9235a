//! Sign in, sign out, the session and connection state.

use super::CommandResult;
use crate::shell::{LoginPrefill, Shell};
use hod_client::error_body::ErrorBody;
use hod_client::ConnectionState;
use hod_domain::wire::v1::{MissedAlertView, ReferralId};
use serde::Serialize;
use tauri::{AppHandle, State};

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SessionState {
    pub signed_in: bool,
    pub server_url: Option<String>,
    pub username: Option<String>,
    pub prefill: Option<LoginPrefill>,
    pub missed_alert: Option<MissedAlertView>,
    /// A referral to open at once: the app was launched by its `hod://referral/<id>` link.
    /// Given to the first signed-in answer only.
    pub open_referral: Option<ReferralId>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConnectionInfo {
    pub state: ConnectionState,
    /// Actions in the outbox the server has not answered yet.
    pub queued: usize,
}

pub async fn session_state_of(shell: &Shell) -> SessionState {
    let client = shell.client().await;
    let signed_in = client.as_ref().is_some_and(|c| c.is_logged_in());
    SessionState {
        signed_in,
        server_url: client.as_ref().map(|c| c.server_url().to_owned()),
        username: client.as_ref().and_then(|c| c.username()),
        prefill: shell.prefill.clone(),
        missed_alert: client
            .as_ref()
            .filter(|_| signed_in)
            .and_then(|c| c.missed_alert().ok().flatten())
            .filter(|alert| alert.count > 0),
        open_referral: if signed_in {
            shell.take_pending_open()
        } else {
            None
        },
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn session_state(shell: State<'_, Shell>) -> CommandResult<SessionState> {
    Ok(session_state_of(&shell).await)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn login(
    app: AppHandle,
    shell: State<'_, Shell>,
    server_url: String,
    username: String,
    password: String,
) -> CommandResult<SessionState> {
    let (client, new) = shell.open(&server_url).await?;
    if new {
        crate::bridge::attach(&app, &client);
    }
    client
        .login(username.trim(), &password)
        .await
        .map_err(ErrorBody::from)?;
    Ok(session_state_of(&shell).await)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn logout(shell: State<'_, Shell>) -> CommandResult<()> {
    if let Some(client) = shell.client().await {
        client.logout().await.map_err(ErrorBody::from)?;
    }
    Ok(())
}

pub fn connection_of(client: &hod_client::Client) -> ConnectionInfo {
    ConnectionInfo {
        state: client.connection_state(),
        queued: client
            .pending_outbox()
            .map(|items| items.len())
            .unwrap_or(0),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn connection_state(shell: State<'_, Shell>) -> CommandResult<ConnectionInfo> {
    Ok(match shell.client().await {
        Some(client) if client.is_logged_in() => connection_of(&client),
        _ => ConnectionInfo {
            state: ConnectionState::Offline,
            queued: 0,
        },
    })
}

/// Server clock minus local clock, in milliseconds: countdowns run on the server's clock.
#[tauri::command(rename_all = "snake_case")]
pub async fn server_time_offset(shell: State<'_, Shell>) -> CommandResult<i64> {
    Ok(shell
        .client()
        .await
        .map_or(0, |c| c.clock_offset().num_milliseconds()))
}
