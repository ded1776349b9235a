//! Prints what the availability engine says about an agent with the program's default
//! Standard Hours, now and for the coming week.
//!
//! `cargo run -p hod-domain --example availability_today -- [IANA zone]`

use chrono::Utc;
use hod_domain::availability::{AgentTimeZone, AvailabilityEngine, AvailabilitySettings};

fn main() {
    let zone_name = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TZ").ok())
        .unwrap_or_else(|| "America/Chicago".to_owned());
    let zone = match AgentTimeZone::parse("zone", &zone_name) {
        Ok(zone) => zone,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let settings = AvailabilitySettings::new(zone);
    let engine = match AvailabilityEngine::new(&settings) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let tz = zone.tz();
    let now = Utc::now();
    let status = engine.status_at(now);
    let until = status
        .until
        .map(|u| {
            u.with_timezone(&tz)
                .format(" until %a %-I:%M %p")
                .to_string()
        })
        .unwrap_or_default();
    let word = if status.available {
        "Available"
    } else {
        "Unavailable"
    };
    println!(
        "{zone}: {word}{until} ({:?}, rule {})",
        status.reason,
        status.reason.rule()
    );
    println!("Windows for the next 7 days:");
    for w in engine.windows_between(now, now + chrono::Duration::days(7)) {
        let (a, b) = (w.start.with_timezone(&tz), w.end.with_timezone(&tz));
        println!(
            "  {} – {}",
            a.format("%a %b %-d %-I:%M %p"),
            b.format("%-I:%M %p")
        );
    }
}
