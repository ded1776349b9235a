//! Manage Referrals and the referral detail: list, one, pending offers, accept, reject,
//! status changes, contact attempts.

use super::{not_synced, CommandResult};
use crate::shell::Shell;
use chrono::{DateTime, Utc};
use hod_client::error_body::ErrorBody;
use hod_client::{ReferralListPage, ReferralQuery};
use hod_domain::referral::{
    CompletionOutcome, ContactChannel, ContactOutcome, NotAGoodReferralReason, ReferralStatus,
    StatusChange,
};
use hod_domain::wire::v1::{ContactAttemptRequest, Referral, ReferralId, RejectRequest};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_referrals(
    shell: State<'_, Shell>,
    query: ReferralQuery,
) -> CommandResult<ReferralListPage> {
    let client = shell.signed_in().await?;
    client.referrals(&query).map_err(ErrorBody::from)
}

fn one(client: &hod_client::Client, id: ReferralId) -> CommandResult<Referral> {
    client
        .referral(id)
        .map_err(ErrorBody::from)?
        .ok_or_else(|| ErrorBody::new("not_found", format!("referral {} is not here", id.0)))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_referral(shell: State<'_, Shell>, id: ReferralId) -> CommandResult<Referral> {
    one(&shell.signed_in().await?, id)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn pending_offers(shell: State<'_, Shell>) -> CommandResult<Vec<Referral>> {
    let client = shell.signed_in().await?;
    client.pending_offers().map_err(ErrorBody::from)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn accept_offer(shell: State<'_, Shell>, id: ReferralId) -> CommandResult<Referral> {
    let client = shell.signed_in().await?;
    client.accept(id).map_err(ErrorBody::from)?;
    one(&client, id)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reject_offer(
    shell: State<'_, Shell>,
    id: ReferralId,
    reason: Option<String>,
) -> CommandResult<()> {
    let client = shell.signed_in().await?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    client
        .reject(id, RejectRequest { reason })
        .map_err(ErrorBody::from)?;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_referral_status(
    shell: State<'_, Shell>,
    id: ReferralId,
    status: ReferralStatus,
    completion_outcome: Option<CompletionOutcome>,
    not_a_good_referral_reason: Option<NotAGoodReferralReason>,
) -> CommandResult<Referral> {
    let client = shell.signed_in().await?;
    let change = StatusChange {
        to: status,
        completion_outcome,
        not_a_good_referral_reason,
    };
    client.set_status(id, change).map_err(ErrorBody::from)?;
    one(&client, id)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn log_contact_attempt(
    shell: State<'_, Shell>,
    id: ReferralId,
    channel: ContactChannel,
    outcome: ContactOutcome,
    at: Option<DateTime<Utc>>,
) -> CommandResult<Referral> {
    let client = shell.signed_in().await?;
    client
        .log_contact_attempt(
            id,
            ContactAttemptRequest {
                channel,
                outcome,
                at,
            },
        )
        .map_err(ErrorBody::from)?;
    one(&client, id)
}

/// The referral the window should show for a notification or deep link.
pub async fn find(shell: &Shell, id: ReferralId) -> CommandResult<Referral> {
    let client = shell.signed_in().await?;
    client
        .referral(id)
        .map_err(ErrorBody::from)
        .and_then(not_synced("referral"))
}
