//! Window lifecycle: closing the window hides it to the tray, so offers keep arriving;
//! Quit is in the tray menu.

use tauri::{Runtime, Window, WindowEvent};

pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == "main" {
            api.prevent_close();
            let _ = window.hide();
        }
    }
}
