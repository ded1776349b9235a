use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 10, 9, 0, 0)
        .single()
        .expect("valid instant")
}

#[test]
fn rule_mr_3_alert_text_is_exactly_the_programs() {
    let alert = missed_alert([now() - Duration::hours(2)], now(), &ProgramPolicy::PROGRAM)
        .expect("one miss");
    assert_eq!(alert.count, 1);
    assert_eq!(
        alert.message_en(),
        "Alert! You have missed 1 referral in the last 7 days. As a reminder, you must accept a \
         referral within 15 minutes of receiving your notification. Missed referrals are sent to \
         the next available Help On Demand agent or broker."
    );
    assert_eq!(
        alert.message_es(),
        "¡Alerta! Ha perdido 1 referido en los últimos 7 días. Como recordatorio, debe aceptar un \
         referido en 15 minutos después de recibir su notificación. Los referidos perdidos se \
         envían al siguiente agente o corredor disponible de Help On Demand."
    );
}

#[test]
fn rule_mr_3_more_than_one_miss_reads_plural() {
    let misses = [now() - Duration::days(1), now() - Duration::days(2), now()];
    let alert = missed_alert(misses, now(), &ProgramPolicy::PROGRAM).expect("three misses");
    assert_eq!(
        alert.message_en(),
        "Alert! You have missed 3 referrals in the last 7 days. As a reminder, you must accept a \
         referral within 15 minutes of receiving your notification. Missed referrals are sent to \
         the next available Help On Demand agent or broker."
    );
    assert!(alert
        .message_es()
        .starts_with("¡Alerta! Ha perdido 3 referidos en los últimos 7 días."));
    assert_eq!(alert.message(&Language::spanish()), alert.message_es());
    assert_eq!(alert.message(&Language::english()), alert.message_en());
}

#[test]
fn rule_mr_3_minutes_and_days_come_from_the_policy() {
    let policy = ProgramPolicy {
        accept_window: Duration::seconds(20),
        missed_alert_lookback: Duration::days(3),
        ..ProgramPolicy::PROGRAM
    };
    let alert = missed_alert([now()], now(), &policy).expect("one miss");
    assert!(alert.message_en().contains("in the last 3 days."));
    assert!(alert
        .message_en()
        .contains("within 20 seconds of receiving"));
}

#[test]
fn rule_mr_3_counts_only_the_last_7_days() {
    let misses = [
        now() - Duration::days(7), // aged out: the start is excluded
        now() - Duration::days(7) + Duration::nanoseconds(1), // just inside
        now() - Duration::days(30),
        now(),                        // the end is included
        now() + Duration::seconds(1), // not yet
    ];
    let alert = missed_alert(misses, now(), &ProgramPolicy::PROGRAM).expect("two misses");
    assert_eq!(alert.count, 2);
    assert_eq!(alert.window_start, now() - Duration::days(7));
    assert_eq!(alert.window_end, now());
}

#[test]
fn rule_mr_3_no_alert_when_nothing_was_missed() {
    let none: [DateTime<Utc>; 0] = [];
    assert_eq!(missed_alert(none, now(), &ProgramPolicy::PROGRAM), None);
    let old = [now() - Duration::days(8)];
    assert_eq!(missed_alert(old, now(), &ProgramPolicy::PROGRAM), None);
}

#[test]
fn rule_mr_4_a_missed_referral_shows_assigned_time_and_no_contact_details() {
    let offered_at = now() - Duration::hours(1);
    let offer = Offer::new(offered_at, &ProgramPolicy::PROGRAM);
    let row = MissedReferralRow::from_offer(&offer);
    assert_eq!(row.referral_assigned_at, offered_at);
    assert_eq!(row.missed_at, offer.deadline);
    assert_eq!(row.name(&Language::english()), "Missed Referral");
    assert_eq!(row.name(&Language::spanish()), "Referido perdido");

    let json = serde_json::to_value(row).expect("serialize");
    assert_eq!(
        json,
        serde_json::json!({
            "referral_assigned_at": "2025-11-10T08:00:00Z",
            "missed_at": "2025-11-10T08:15:00Z",
        })
    );
    assert_eq!(
        serde_json::from_value::<MissedReferralRow>(json).expect("deserialize"),
        row
    );
}

#[test]
fn rule_mr_4_a_row_carrying_contact_details_is_refused() {
    let leaky = serde_json::json!({
        "referral_assigned_at": "2025-11-10T08:00:00Z",
        "missed_at": "2025-11-10T08:15:00Z",
        "consumer_phone": "555-0100",
    });
    assert!(serde_json::from_value::<MissedReferralRow>(leaky).is_err());
}

#[test]
fn missed_alert_serde_round_trips() {
    let alert = missed_alert([now()], now(), &ProgramPolicy::PROGRAM).expect("one miss");
    let json = serde_json::to_value(alert).expect("serialize");
    assert_eq!(json["lookback_seconds"], 604_800);
    assert_eq!(json["accept_window_seconds"], 900);
    assert_eq!(
        serde_json::from_value::<MissedAlert>(json).expect("deserialize"),
        alert
    );
}

proptest! {
    /// The count is exactly the misses in (now - 7 days, now], whatever their order.
    #[test]
    fn rule_mr_3_count_matches_the_window(offsets_s in prop::collection::vec(-800_000i64..10_000, 0..30)) {
        let misses: Vec<_> = offsets_s.iter().map(|s| now() + Duration::seconds(*s)).collect();
        let expected = offsets_s.iter().filter(|s| **s > -604_800 && **s <= 0).count();
        let alert = missed_alert(misses, now(), &ProgramPolicy::PROGRAM);
        prop_assert_eq!(alert.map_or(0, |a| a.count), expected);
    }
}
