//! The baseline of the desktop footprint measurement (`scripts/footprint.py`,
//! `docs/benchmarks.md`, "Desktop footprint"): one Tauri window with a static page, built
//! with the app's own tauri dependency, features and release profile, and nothing else —
//! no plugins, tray, commands or client. What the app costs is measured above this.
//!
//! `cargo run --release -p hod-desktop --example empty_window`

// No console window on Windows release builds, as the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let result = tauri::Builder::default()
        // The footprint script times launch -> page loaded from this line, as it does for
        // the app's "window content loaded".
        .on_page_load(|_, payload| {
            if matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                eprintln!("empty_window: page loaded");
            }
        })
        .run(tauri::generate_context!(
            "examples/empty_window/tauri.conf.json"
        ));
    if let Err(error) = result {
        eprintln!("empty_window: {error}");
        std::process::exit(1);
    }
}
