//! The tray icon and its menu (design card: availability toggle in the tray).
//!
//! The menu: a status line ("Available until 5:00 PM"), Today's Availability as a check item,
//! the pending-offer line with its time left (opens the offer), Open, Out of Office…, Quit.
//! The tray title shows the state too: Linux ignores tooltips.

pub mod icon;

use hod_client::presence::{Presence, PresenceKind, Texts};
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "help-on-demand";

/// What a click in the tray menu asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    ToggleToday,
    OpenOffer,
    Open,
    OutOfOffice,
    Quit,
}

impl TrayAction {
    fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "today" => Self::ToggleToday,
            "offer" => Self::OpenOffer,
            "open" => Self::Open,
            "out_of_office" => Self::OutOfOffice,
            "quit" => Self::Quit,
            _ => return None,
        })
    }
}

/// The tray and the menu items that change with the presence.
pub struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    status: MenuItem<R>,
    today: CheckMenuItem<R>,
    offer: MenuItem<R>,
    open: MenuItem<R>,
    out_of_office: MenuItem<R>,
    quit: MenuItem<R>,
    icons: HashMap<PresenceKind, icon::Rgba>,
    shown: Mutex<Option<Presence>>,
}

impl<R: Runtime> std::fmt::Debug for Tray<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tray").finish_non_exhaustive()
    }
}

impl<R: Runtime> Tray<R> {
    /// Builds the tray; `on_action` runs for every menu click.
    pub fn create(
        app: &AppHandle<R>,
        texts: &Texts,
        on_action: impl Fn(&AppHandle<R>, TrayAction) + Send + Sync + 'static,
    ) -> tauri::Result<Self> {
        let status = MenuItem::with_id(app, "status", texts.syncing, false, None::<&str>)?;
        let today = CheckMenuItem::with_id(
            app,
            "today",
            texts.todays_availability,
            true,
            false,
            None::<&str>,
        )?;
        let offer = MenuItem::with_id(app, "offer", "—", false, None::<&str>)?;
        let open = MenuItem::with_id(app, "open", texts.open, true, None::<&str>)?;
        let out_of_office = MenuItem::with_id(
            app,
            "out_of_office",
            texts.out_of_office_menu,
            true,
            None::<&str>,
        )?;
        let quit = MenuItem::with_id(app, "quit", texts.quit, true, None::<&str>)?;
        let menu = Menu::with_items(
            app,
            &[
                &status,
                &PredefinedMenuItem::separator(app)?,
                &today,
                &offer,
                &PredefinedMenuItem::separator(app)?,
                &open,
                &out_of_office,
                &PredefinedMenuItem::separator(app)?,
                &quit,
            ],
        )?;
        let base = icon::base()?;
        let icons: HashMap<PresenceKind, icon::Rgba> = PresenceKind::ALL
            .iter()
            .map(|k| (*k, icon::with_badge(&base, *k)))
            .collect();
        let first = &icons[&PresenceKind::Offline];
        let tray = TrayIconBuilder::with_id(TRAY_ID)
            .icon(Image::new_owned(
                first.pixels.clone(),
                first.width,
                first.height,
            ))
            .title(texts.syncing)
            .menu(&menu)
            .show_menu_on_left_click(true)
            .on_menu_event(move |app, event| {
                if let Some(action) = TrayAction::from_id(event.id().as_ref()) {
                    on_action(app, action);
                }
            })
            .build(app)?;
        Ok(Self {
            icon: tray,
            status,
            today,
            offer,
            open,
            out_of_office,
            quit,
            icons,
            shown: Mutex::new(None),
        })
    }

    /// Shows `presence`; does nothing when it is what the tray already shows.
    pub fn show(&self, presence: &Presence) -> tauri::Result<()> {
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_ref() == Some(presence) {
            return Ok(());
        }
        if shown.as_ref().map(|p| p.kind) != Some(presence.kind) {
            let rgba = &self.icons[&presence.kind];
            self.icon.set_icon(Some(Image::new_owned(
                rgba.pixels.clone(),
                rgba.width,
                rgba.height,
            )))?;
        }
        self.icon.set_title(Some(&presence.title))?;
        self.status.set_text(&presence.status_line)?;
        self.today.set_checked(presence.today_on)?;
        let suspended = presence.kind == PresenceKind::Suspended;
        self.today.set_enabled(!suspended)?;
        match &presence.offer_line {
            Some(line) => {
                self.offer.set_text(line)?;
                self.offer.set_enabled(true)?;
            }
            None => {
                self.offer.set_text("—")?;
                self.offer.set_enabled(false)?;
            }
        }
        *shown = Some(presence.clone());
        Ok(())
    }

    /// Re-labels the fixed items after a language change.
    pub fn relabel(&self, texts: &Texts) -> tauri::Result<()> {
        self.today.set_text(texts.todays_availability)?;
        self.open.set_text(texts.open)?;
        self.out_of_office.set_text(texts.out_of_office_menu)?;
        self.quit.set_text(texts.quit)?;
        *self.shown.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }
}

/// Shows and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
