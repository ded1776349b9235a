//! Tray icons: one per presence state, painted at start-up from the one app icon
//! (`icons/64x64.png`, itself generated from `icons/icon.svg`) with a status badge in the
//! lower-right corner. A state is told by the badge's colour and shape, not colour alone:
//! a filled disc (available), a ring (unavailable), a bar (out of office), a ring with a dot
//! (offer pending), a hollow grey square (offline), a cross (suspended).

use hod_client::presence::PresenceKind;

const BASE_PNG: &[u8] = include_bytes!("../../../icons/64x64.png");

/// An RGBA image, row-major, 4 bytes a pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

pub fn base() -> tauri::Result<Rgba> {
    let image = tauri::image::Image::from_bytes(BASE_PNG)?;
    Ok(Rgba {
        width: image.width(),
        height: image.height(),
        pixels: image.rgba().to_vec(),
    })
}

fn colour(kind: PresenceKind) -> [u8; 4] {
    match kind {
        PresenceKind::Available => [0x1e, 0x9e, 0x4a, 0xff],
        PresenceKind::Unavailable => [0x6b, 0x72, 0x80, 0xff],
        PresenceKind::OutOfOffice => [0x8b, 0x5c, 0xf6, 0xff],
        PresenceKind::OfferPending => [0xe8, 0x6a, 0x10, 0xff],
        PresenceKind::Offline => [0x9c, 0xa3, 0xaf, 0xff],
        PresenceKind::Suspended => [0xc6, 0x28, 0x28, 0xff],
    }
}

/// Whether the badge of `kind` covers the point (dx, dy), measured from the badge centre in
/// units of its radius.
fn covers(kind: PresenceKind, dx: f32, dy: f32) -> bool {
    let r = (dx * dx + dy * dy).sqrt();
    match kind {
        PresenceKind::Available => r <= 1.0,
        PresenceKind::Unavailable => (0.55..=1.0).contains(&r),
        PresenceKind::OutOfOffice => r <= 1.0 && dy.abs() <= 0.3,
        PresenceKind::OfferPending => (0.6..=1.0).contains(&r) || r <= 0.35,
        PresenceKind::Offline => {
            let m = dx.abs().max(dy.abs());
            (0.6..=0.95).contains(&m)
        }
        PresenceKind::Suspended => r <= 1.0 && ((dx - dy).abs() <= 0.35 || (dx + dy).abs() <= 0.35),
    }
}

/// The tray icon for `kind`: the base icon with a white-rimmed badge painted on it.
pub fn with_badge(base: &Rgba, kind: PresenceKind) -> Rgba {
    let mut out = base.clone();
    let size = base.width.min(base.height) as f32;
    let radius = size * 0.22;
    let rim = size * 0.05;
    let centre = size - radius - rim;
    let fill = colour(kind);
    for y in 0..base.height {
        for x in 0..base.width {
            let dx = (x as f32 + 0.5 - centre) / radius;
            let dy = (y as f32 + 0.5 - centre) / radius;
            let r = (dx * dx + dy * dy).sqrt();
            let pixel = if covers(kind, dx, dy) {
                Some(fill)
            } else if r <= 1.0 + rim / radius {
                Some([0xff, 0xff, 0xff, 0xff])
            } else {
                None
            };
            if let Some(p) = pixel {
                let i = ((y * base.width + x) * 4) as usize;
                out.pixels[i..i + 4].copy_from_slice(&p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pixel(image: &Rgba, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * image.width + x) * 4) as usize;
        image.pixels[i..i + 4].try_into().unwrap()
    }

    #[test]
    fn every_state_has_its_own_icon() {
        let base = base().unwrap();
        let icons: Vec<Rgba> = PresenceKind::ALL
            .iter()
            .map(|k| with_badge(&base, *k))
            .collect();
        for (i, a) in icons.iter().enumerate() {
            assert_ne!(
                a,
                &base,
                "{:?} looks like the plain icon",
                PresenceKind::ALL[i]
            );
            for b in &icons[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn the_badge_sits_in_the_lower_right_and_leaves_the_rest_alone() {
        let base = base().unwrap();
        let available = with_badge(&base, PresenceKind::Available);
        let size = base.width as f32;
        let c = (size - size * 0.22 - size * 0.05) as u32;
        assert_eq!(pixel(&available, c, c), colour(PresenceKind::Available));
        assert_eq!(pixel(&available, 4, 4), pixel(&base, 4, 4));
        assert_eq!(
            pixel(&available, base.width / 2, 8),
            pixel(&base, base.width / 2, 8)
        );
    }
}
