//! The Help On Demand desktop app: a thin Tauri 2 shell over `hod-client`.
//!
//! - [`commands`]: what the UI calls, by area (session, referrals, availability, profile,
//!   settings);
//! - [`bridge`]: client events to window events, the tray's presence, offer notifications and
//!   reminders;
//! - [`tray`]: the tray icon per presence state and its menu (Today's Availability toggle);
//! - [`notifications`]: offer notifications with Accept / Reject;
//! - [`lifecycle`]: closing hides to the tray;
//! - [`webview`]: the window's web view settings (WebKitGTK's hardware acceleration);
//! - [`deep_link`]: `hod://referral/<id>` links open the app on that referral;
//! - [`shell`], [`settings`]: the session and the device settings;
//! - [`payloads`], [`bindings`]: the window's event payloads, and the TypeScript generated
//!   from every type that crosses to the window.
//!
//! Everything that is not windows, tray icons and notifications lives in `hod-client`.

pub mod bindings;
pub mod bridge;
pub mod commands;
pub mod deep_link;
pub mod lifecycle;
pub mod notifications;
pub mod payloads;
pub mod settings;
pub mod shell;
pub mod tray;
pub mod webview;

use hod_client::presence::Texts;
use shell::Shell;
use std::path::PathBuf;
use tauri::Manager;

/// The app-data folder; `HOD_DATA_DIR` overrides it (tests, several profiles side by side).
fn data_dir(app: &tauri::App) -> tauri::Result<PathBuf> {
    match std::env::var_os("HOD_DATA_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => app.path().app_data_dir(),
    }
}

/// Starts the app.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let result = tauri::Builder::default()
        // First: a second launch focuses the running app instead of starting another, and
        // hands its `hod://` link (an e-mail's "open in the app") to the deep-link plugin.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                webview::tune(&window);
            }
            let shell = Shell::new(data_dir(app)?);
            let texts = Texts::of(shell.settings().language);
            let launch_server = shell.launch_server();
            app.manage(shell);
            let handle = app.handle().clone();
            let tray = tray::Tray::create(&handle, &texts, bridge::on_tray_action)?;
            app.manage(tray);
            let answers = handle.clone();
            let notifier = notifications::Notifier::install(&handle, &texts, move |answer| {
                bridge::on_offer_answer(&answers, answer);
            })?;
            app.manage(notifier);
            deep_link::install(&handle);
            // macOS asks the user once; elsewhere this answers "granted" at once. On Windows
            // the installers register the app's identifier as its AppUserModelID, which is
            // what lets its toasts show.
            {
                use tauri_plugin_notification::NotificationExt;
                if let Err(error) = handle.notification().request_permission() {
                    tracing::warn!(%error, "notification permission could not be asked for");
                }
            }
            if let Some(server_url) = launch_server {
                let handle = handle.clone();
                tauri::async_runtime::spawn(async move {
                    match handle.state::<Shell>().open(&server_url).await {
                        Ok((client, _)) => bridge::attach(&handle, &client),
                        Err(error) => {
                            tracing::warn!(code = %error.code, %server_url, "the last server could not be opened")
                        }
                    }
                });
            }
            Ok(())
        })
        .on_window_event(lifecycle::on_window_event)
        // One line per page load; `scripts/footprint.py` times launch -> content by it.
        .on_page_load(|webview, payload| {
            if matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                tracing::info!(window = webview.label(), "window content loaded");
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::session_state,
            commands::session::login,
            commands::session::logout,
            commands::session::connection_state,
            commands::session::server_time_offset,
            commands::referrals::list_referrals,
            commands::referrals::get_referral,
            commands::referrals::pending_offers,
            commands::referrals::accept_offer,
            commands::referrals::reject_offer,
            commands::referrals::set_referral_status,
            commands::referrals::log_contact_attempt,
            commands::availability::get_availability,
            commands::availability::availability_summary,
            commands::availability::week_preview,
            commands::availability::save_schedule,
            commands::availability::set_today,
            commands::availability::set_out_of_office,
            commands::availability::clear_out_of_office,
            commands::profile::get_profile,
            commands::profile::save_preferences,
            commands::settings::get_settings,
            commands::settings::save_settings,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped");
        std::process::exit(1);
    }
}
