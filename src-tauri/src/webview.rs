//! The window's web view settings that are not in `tauri.conf.json`.
//!
//! On Linux the window is WebKitGTK. Its default hardware-acceleration policy keeps the page
//! in compositing mode, which paints into layer backing stores on top of the window's own;
//! under software rendering (no GPU, a virtual display, many VMs) those are plain process
//! memory. The app's screens are forms and a table with no animations or 3-D transforms, so
//! compositing buys nothing here: the policy is "never", and the web process holds about
//! 100 MiB less (`docs/benchmarks.md`, "Desktop footprint"; decision 0505).
//! `HOD_WEBVIEW_ACCELERATION=on-demand` restores WebKit's default (to compare, or where a
//! driver needs it).

use tauri::{Runtime, WebviewWindow};

/// The environment variable that keeps WebKit's own hardware-acceleration policy.
pub const ACCELERATION_VARIABLE: &str = "HOD_WEBVIEW_ACCELERATION";

/// Whether the window keeps WebKit's default policy instead of "never".
pub fn keeps_default_acceleration(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("on-demand" | "default"))
}

/// Applies the settings to `window`'s web view, before its page is first painted: Tauri
/// creates the configured windows before the app's `setup` runs, and the closure runs on the
/// main thread as soon as its event loop turns.
pub fn tune<R: Runtime>(window: &WebviewWindow<R>) {
    let keep = keeps_default_acceleration(std::env::var(ACCELERATION_VARIABLE).ok().as_deref());
    if keep {
        tracing::info!("web view: WebKit's default hardware-acceleration policy kept");
        return;
    }
    #[cfg(target_os = "linux")]
    if let Err(error) = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        match WebViewExt::settings(&webview.inner()) {
            Some(settings) => {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                tracing::info!("web view: hardware acceleration off (no compositing layers)");
            }
            None => tracing::warn!("web view: no settings to tune"),
        }
    }) {
        tracing::warn!(%error, "web view: settings not applied");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::keeps_default_acceleration;

    #[test]
    fn only_an_explicit_on_demand_keeps_webkits_default_policy() {
        assert!(keeps_default_acceleration(Some("on-demand")));
        assert!(keeps_default_acceleration(Some(" default ")));
        assert!(!keeps_default_acceleration(None));
        assert!(!keeps_default_acceleration(Some("")));
        assert!(!keeps_default_acceleration(Some("never")));
        assert!(!keeps_default_acceleration(Some("1")));
    }
}
