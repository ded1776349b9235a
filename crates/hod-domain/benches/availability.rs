//! `status_at` and `next_change_after` on a busy schedule: seven days with three breaks each,
//! Today's Availability switched on, and ten Out of Office periods.
//!
//! Run: `cargo bench -p hod-domain --bench availability`. Targets: ≤ 200 ns and ≤ 1 µs.

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use hod_domain::availability::{
    AgentTimeZone, AvailabilityEngine, AvailabilitySettings, Break, OutOfOffice, TodayOverride,
    WallTime, WeeklySchedule,
};
use std::hint::black_box;

fn t(h: u16, m: u16) -> WallTime {
    WallTime::new(h, m).expect("time")
}

fn busy() -> (AvailabilityEngine, Vec<DateTime<Utc>>) {
    let zone = AgentTimeZone::parse("time_zone", "America/New_York").expect("zone");
    let mut s = AvailabilitySettings::new(zone);
    for weekday in WeeklySchedule::WEEKDAYS {
        let day = s.weekly.day_mut(weekday);
        day.enabled = true;
        day.start = t(7, 30);
        day.end = t(20, 0);
        day.breaks = vec![
            Break {
                start: t(10, 0),
                end: t(10, 15),
            },
            Break {
                start: t(12, 0),
                end: t(13, 0),
            },
            Break {
                start: t(15, 30),
                end: t(15, 45),
            },
        ];
    }
    let monday = Utc
        .with_ymd_and_hms(2026, 12, 7, 11, 0, 0)
        .single()
        .expect("instant");
    s.today = Some(TodayOverride::switch_on(&s, monday, None).expect("override"));
    s.out_of_office = (0..10)
        .map(|i| {
            let from = monday + Duration::days(3 * i + 1) + Duration::hours(2);
            OutOfOffice::period(from, from + Duration::hours(30))
        })
        .collect();
    let engine = AvailabilityEngine::new(&s).expect("valid");
    // Instants spread over a month, every 7 minutes and 13 seconds, so the queries see every
    // kind of moment: in hours, on break, out of office, overnight, in the override.
    let instants = (0..6000)
        .map(|i| monday + Duration::seconds(i * 433))
        .collect();
    (engine, instants)
}

fn bench(c: &mut Criterion) {
    let (engine, instants) = busy();
    let mut i = 0;
    c.bench_function("status_at (busy schedule)", |b| {
        b.iter(|| {
            i = (i + 1) % instants.len();
            black_box(engine.status_at(black_box(instants[i])))
        })
    });
    c.bench_function("next_change_after (busy schedule)", |b| {
        b.iter(|| {
            i = (i + 1) % instants.len();
            black_box(engine.next_change_after(black_box(instants[i])))
        })
    });
    c.bench_function("is_available_at (busy schedule)", |b| {
        b.iter(|| {
            i = (i + 1) % instants.len();
            black_box(engine.is_available_at(black_box(instants[i])))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
