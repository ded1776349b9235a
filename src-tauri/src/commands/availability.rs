//! Availability Settings, Today's Availability and Out of Office (AV-1..AV-7).

use super::{not_synced, CommandResult};
use crate::shell::Shell;
use chrono::{DateTime, Utc};
use hod_client::error_body::ErrorBody;
use hod_domain::availability::{
    AgentTimeZone, AvailabilityEngine, AvailabilitySegment, AvailabilityStatus, WeeklySchedule,
};
use hod_domain::wire::v1::{Availability, OutOfOfficeRequest, TodayRequest};
use serde::Deserialize;
use tauri::State;

/// Standard Hours as the Availability Settings screen saves them (AV-5).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct Schedule {
    pub time_zone: AgentTimeZone,
    pub weekly: WeeklySchedule,
}

/// The longest week preview asked for at once.
const MAX_PREVIEW_DAYS: i64 = 31;

async fn current(client: &hod_client::Client) -> CommandResult<Availability> {
    client
        .availability()
        .map_err(ErrorBody::from)
        .and_then(not_synced("availability"))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_availability(shell: State<'_, Shell>) -> CommandResult<Availability> {
    current(&shell.signed_in().await?).await
}

/// Available now? Why, until when? From the cached settings, so it is right offline too.
#[tauri::command(rename_all = "snake_case")]
pub async fn availability_summary(shell: State<'_, Shell>) -> CommandResult<AvailabilityStatus> {
    let client = shell.signed_in().await?;
    let now = client.server_now();
    client
        .read(|cache| cache.availability_summary(now))
        .map_err(ErrorBody::from)
}

/// When the agent will receive referrals between `from` and `to`; with `schedule`, for
/// those unsaved Standard Hours (the live preview of the settings screen).
#[tauri::command(rename_all = "snake_case")]
pub async fn week_preview(
    shell: State<'_, Shell>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    schedule: Option<Schedule>,
) -> CommandResult<Vec<AvailabilitySegment>> {
    if to <= from || (to - from).num_days() > MAX_PREVIEW_DAYS {
        return Err(ErrorBody::new(
            "validation",
            format!("to: must be after from and at most {MAX_PREVIEW_DAYS} days later"),
        ));
    }
    let client = shell.signed_in().await?;
    let mut settings = current(&client).await?.settings;
    if let Some(schedule) = schedule {
        settings.time_zone = schedule.time_zone;
        settings.weekly = schedule.weekly;
    }
    let engine = AvailabilityEngine::new(&settings)
        .map_err(|errors| ErrorBody::from(&hod_client::ClientError::Cache(errors.into())))?;
    Ok(engine.segments_between(from, to))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_schedule(
    shell: State<'_, Shell>,
    schedule: Schedule,
) -> CommandResult<Availability> {
    let client = shell.signed_in().await?;
    client
        .save_schedule(schedule.time_zone, schedule.weekly)
        .map_err(ErrorBody::from)?;
    current(&client).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_today(
    shell: State<'_, Shell>,
    on: bool,
    stop_at: Option<DateTime<Utc>>,
) -> CommandResult<Availability> {
    let client = shell.signed_in().await?;
    toggle_today(&client, on, stop_at)?;
    current(&client).await
}

pub fn toggle_today(
    client: &hod_client::Client,
    on: bool,
    stop_at: Option<DateTime<Utc>>,
) -> CommandResult<()> {
    client
        .set_today(TodayRequest {
            on,
            stop_referrals_at: stop_at,
        })
        .map(|_| ())
        .map_err(ErrorBody::from)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_out_of_office(
    shell: State<'_, Shell>,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> CommandResult<Availability> {
    let client = shell.signed_in().await?;
    client
        .set_out_of_office(OutOfOfficeRequest { from, to })
        .map_err(ErrorBody::from)?;
    current(&client).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clear_out_of_office(shell: State<'_, Shell>) -> CommandResult<Availability> {
    let client = shell.signed_in().await?;
    client.clear_out_of_office().map_err(ErrorBody::from)?;
    current(&client).await
}
