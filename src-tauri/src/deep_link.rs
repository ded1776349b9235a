//! `hod://referral/<id>` links (the server's e-mails carry them) open the app on that
//! referral. The link arrives as the launch argument of a new process (the operating system
//! runs the registered handler); when the app is already running, the single-instance
//! plugin passes it to the running app instead. What a link means is `hod_client::deep_link`.

use crate::payloads::ReferralRef;
use crate::shell::Shell;
use hod_client::deep_link::{parse, DeepLink};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

/// Follows links from now on, and the one the app was launched with.
pub fn install(app: &AppHandle) {
    // The installed bundles register the scheme (the .deb's desktop entry, the Windows
    // installers, the macOS Info.plist); a development build registers itself so links work
    // with `make run` too.
    #[cfg(all(debug_assertions, any(target_os = "linux", windows)))]
    if let Err(error) = app.deep_link().register_all() {
        tracing::warn!(%error, "the hod:// scheme could not be registered");
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            open(&handle, url.as_str(), true);
        }
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            open(app, url.as_str(), false);
        }
    }
}

/// Opens the app on what `link` points to. At launch the window is not listening yet, so the
/// referral waits in the shell until the window asks for the session (`session_state`).
fn open(app: &AppHandle, link: &str, window_listening: bool) {
    let Some(DeepLink::Referral(referral_id)) = parse(link) else {
        tracing::warn!("ignored a link that is not one of the app's");
        return;
    };
    crate::tray::show_main(app);
    if window_listening {
        let _ = app.emit("open_referral", ReferralRef { referral_id });
    } else if let Some(shell) = app.try_state::<Shell>() {
        shell.set_pending_open(referral_id);
    }
}
