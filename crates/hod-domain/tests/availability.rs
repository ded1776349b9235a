//! The availability engine against the program rules, one scenario per behaviour an agent
//! would notice. Times are written in the agent's zone for readability.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use hod_domain::availability::{
    local_to_instant, AgentTimeZone, AvailabilityEngine, AvailabilityReason as Why,
    AvailabilitySettings, AvailabilityWindow, Break, OutOfOffice, TodayOverride, WallTime,
};
use hod_domain::{Rule, ValidationCode};

const CHICAGO: &str = "America/Chicago";

fn settings(zone: &str) -> AvailabilitySettings {
    AvailabilitySettings::new(AgentTimeZone::parse("time_zone", zone).expect("zone"))
}

/// `2026-12-07 08:00` in `zone` (Monday 7 December 2026).
fn local(zone: &str, text: &str) -> DateTime<Utc> {
    let tz: Tz = zone.parse().expect("zone");
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("local time");
    tz.from_local_datetime(&naive)
        .earliest()
        .expect("time exists")
        .with_timezone(&Utc)
}

fn at(text: &str) -> DateTime<Utc> {
    local(CHICAGO, text)
}

fn t(h: u16, m: u16) -> WallTime {
    WallTime::new(h, m).expect("time")
}

fn engine(s: &AvailabilitySettings) -> AvailabilityEngine {
    AvailabilityEngine::new(s).expect("valid settings")
}

#[test]
fn rule_av_1_default_hours_are_weekdays_eight_to_five() {
    let e = engine(&settings(CHICAGO));
    let s = e.status_at(at("2026-12-07 10:00"));
    assert!(s.available);
    assert_eq!(s.reason, Why::StandardHours);
    assert_eq!(s.until, Some(at("2026-12-07 17:00")));
    assert!(e.is_available_at(at("2026-12-07 08:00")));
    assert!(!e.is_available_at(at("2026-12-07 07:59")));
    assert!(!e.is_available_at(at("2026-12-07 17:00")));
    let before = e.status_at(at("2026-12-07 06:00"));
    assert_eq!(
        (before.reason, before.until),
        (Why::BeforeHours, Some(at("2026-12-07 08:00")))
    );
    let after = e.status_at(at("2026-12-07 18:00"));
    assert_eq!(
        (after.reason, after.until),
        (Why::AfterHours, Some(at("2026-12-08 08:00")))
    );
}

#[test]
fn rule_av_2_hours_are_kept_in_the_agents_own_zone() {
    let chicago = engine(&settings(CHICAGO));
    let honolulu = engine(&settings("Pacific/Honolulu"));
    let instant = at("2026-12-07 12:00"); // 08:00 in Honolulu
    assert!(chicago.is_available_at(instant));
    assert_eq!(
        honolulu.status_at(instant).until,
        Some(local("Pacific/Honolulu", "2026-12-07 17:00"))
    );
    assert!(!honolulu.is_available_at(at("2026-12-07 11:59")));
}

#[test]
fn rule_av_3_weekend_days_are_off_until_switched_on() {
    let mut s = settings(CHICAGO);
    let e = engine(&s);
    let saturday = e.status_at(at("2026-12-12 10:00"));
    assert!(!saturday.available);
    assert_eq!(saturday.reason, Why::DayOff);
    assert_eq!(saturday.until, Some(at("2026-12-14 08:00")));
    assert_eq!(saturday.reason.rule(), Rule::Av3);

    s.weekly.saturday.enabled = true;
    s.weekly.saturday.start = t(9, 0);
    s.weekly.saturday.end = t(13, 0);
    let e = engine(&s);
    assert!(e.is_available_at(at("2026-12-12 10:00")));
    assert_eq!(
        e.status_at(at("2026-12-12 10:00")).until,
        Some(at("2026-12-12 13:00"))
    );
    assert_eq!(
        e.status_at(at("2026-12-12 14:00")).until,
        Some(at("2026-12-14 08:00"))
    );
}

#[test]
fn rule_av_4_a_lunch_break_every_day() {
    let mut s = settings(CHICAGO);
    for weekday in hod_domain::availability::WeeklySchedule::WEEKDAYS {
        s.weekly.day_mut(weekday).breaks = vec![Break {
            start: t(12, 0),
            end: t(12, 45),
        }];
    }
    let e = engine(&s);
    for day in ["2026-12-07", "2026-12-09", "2026-12-11"] {
        let morning = e.status_at(at(&format!("{day} 09:00")));
        assert_eq!(morning.until, Some(at(&format!("{day} 12:00"))));
        let lunch = e.status_at(at(&format!("{day} 12:10")));
        assert_eq!((lunch.available, lunch.reason), (false, Why::OnBreak));
        assert_eq!(lunch.until, Some(at(&format!("{day} 12:45"))));
        assert!(e.is_available_at(at(&format!("{day} 12:45"))));
    }
}

#[test]
fn rule_av_5_settings_are_checked_as_a_whole_before_they_take_effect() {
    let mut s = settings(CHICAGO);
    s.weekly.monday.end = t(7, 0);
    s.weekly.friday.breaks = vec![Break {
        start: t(18, 0),
        end: t(19, 0),
    }];
    s.out_of_office = vec![OutOfOffice::period(
        at("2026-12-10 00:00"),
        at("2026-12-09 00:00"),
    )];
    let errors = AvailabilityEngine::new(&s).expect_err("invalid settings");
    let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
    assert_eq!(
        fields,
        vec![
            ("weekly.monday.end", Rule::Av1),
            ("weekly.friday.breaks[0]", Rule::Av4),
            ("out_of_office[0].to", Rule::Av7),
        ]
    );
}

#[test]
fn rule_av_6_switched_on_before_hours_runs_to_the_end_of_todays_hours() {
    let mut s = settings(CHICAGO);
    s.weekly.monday.breaks = vec![Break {
        start: t(12, 0),
        end: t(13, 0),
    }];
    let now = at("2026-12-07 06:30");
    let on = TodayOverride::switch_on(&s, now, None).expect("switch on");
    assert_eq!(on.date, NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"));
    s.today = Some(on);
    let e = engine(&s);
    assert!(
        !e.is_available_at(at("2026-12-07 06:29")),
        "before the switch, hours apply"
    );
    let status = e.status_at(now);
    assert_eq!((status.available, status.reason), (true, Why::TodayOn));
    assert_eq!(
        status.until,
        Some(at("2026-12-07 17:00")),
        "the override covers the lunch break"
    );
    let stopped = e.status_at(at("2026-12-07 17:00"));
    assert_eq!(stopped.reason, Why::ReferralsStopped);
    assert_eq!(stopped.until, Some(at("2026-12-08 08:00")));
}

#[test]
fn rule_av_6_switched_on_after_hours_defaults_to_midnight_and_expires_there() {
    let mut s = settings(CHICAGO);
    let now = at("2026-12-07 19:15");
    s.today = Some(TodayOverride::switch_on(&s, now, None).expect("switch on"));
    let e = engine(&s);
    let status = e.status_at(now);
    assert_eq!((status.available, status.reason), (true, Why::TodayOn));
    assert_eq!(
        status.until,
        Some(at("2026-12-08 00:00")),
        "referrals stop at midnight"
    );
    assert_eq!(e.status_at(at("2026-12-08 00:00")).reason, Why::BeforeHours);
    assert_eq!(
        s.today.map(|o| o.expires_at(&s)),
        Some(at("2026-12-08 00:00"))
    );
}

#[test]
fn rule_av_6_a_chosen_stop_referrals_time() {
    let mut s = settings(CHICAGO);
    let now = at("2026-12-12 09:00"); // Saturday, a day off
    let stop = TodayOverride::stop_time_today(&s, now, t(11, 30));
    s.today = Some(TodayOverride::switch_on(&s, now, Some(stop)).expect("switch on"));
    let e = engine(&s);
    assert_eq!(e.status_at(now).until, Some(at("2026-12-12 11:30")));
    assert_eq!(
        e.status_at(at("2026-12-12 11:30")).reason,
        Why::ReferralsStopped
    );

    let late = TodayOverride::switch_on(&s, now, Some(at("2026-12-13 00:01"))).expect_err("late");
    let err = late.for_field("today.stop_referrals_at").expect("field");
    assert_eq!(
        (err.rule, err.code),
        (Rule::Av6, ValidationCode::OutOfRange)
    );
    let past = TodayOverride::switch_on(&s, now, Some(at("2026-12-12 08:00"))).expect_err("past");
    let err = past.for_field("today.stop_referrals_at").expect("field");
    assert_eq!(err.code, ValidationCode::EndNotAfterStart);
}

#[test]
fn rule_av_6_switched_off_stops_referrals_for_the_rest_of_today() {
    let mut s = settings(CHICAGO);
    let now = at("2026-12-08 10:20");
    s.today = Some(TodayOverride::switch_off(&s, now));
    let e = engine(&s);
    assert!(e.is_available_at(at("2026-12-08 10:19")));
    let off = e.status_at(now);
    assert_eq!((off.available, off.reason), (false, Why::TodayOff));
    assert_eq!(off.until, Some(at("2026-12-09 08:00")));
    assert_eq!(off.reason.rule(), Rule::Av6);
}

#[test]
fn rule_av_7_out_of_office_beats_everything_and_no_end_date_never_ends() {
    let mut s = settings(CHICAGO);
    let now = at("2026-12-07 07:00");
    s.today = Some(TodayOverride::switch_on(&s, now, None).expect("on"));
    s.out_of_office = vec![OutOfOffice::period(
        at("2026-12-07 09:00"),
        at("2026-12-09 13:00"),
    )];
    let e = engine(&s);
    assert_eq!(e.status_at(now).until, Some(at("2026-12-07 09:00")));
    let away = e.status_at(at("2026-12-08 10:00"));
    assert_eq!((away.available, away.reason), (false, Why::OutOfOffice));
    assert_eq!(away.until, Some(at("2026-12-09 13:00")));

    s.out_of_office
        .push(OutOfOffice::indefinite(at("2026-12-10 12:00")));
    let e = engine(&s);
    let leave = e.status_at(at("2026-12-10 12:00"));
    assert_eq!((leave.reason, leave.until), (Why::OutOfOffice, None));
    assert_eq!(e.next_change_after(at("2027-06-01 10:00")), None);
}

#[test]
fn rule_av_8_week_view_shows_exactly_when_referrals_can_arrive() {
    let mut s = settings(CHICAGO);
    s.weekly.wednesday.breaks = vec![Break {
        start: t(12, 0),
        end: t(13, 0),
    }];
    s.out_of_office = vec![OutOfOffice::period(
        at("2026-12-10 15:00"),
        at("2026-12-11 09:00"),
    )];
    let e = engine(&s);
    let windows = e.windows_between(at("2026-12-07 00:00"), at("2026-12-14 00:00"));
    let w = |a: &str, b: &str| AvailabilityWindow {
        start: at(a),
        end: at(b),
    };
    assert_eq!(
        windows,
        vec![
            w("2026-12-07 08:00", "2026-12-07 17:00"),
            w("2026-12-08 08:00", "2026-12-08 17:00"),
            w("2026-12-09 08:00", "2026-12-09 12:00"),
            w("2026-12-09 13:00", "2026-12-09 17:00"),
            w("2026-12-10 08:00", "2026-12-10 15:00"),
            w("2026-12-11 09:00", "2026-12-11 17:00"),
        ]
    );
    let segments = e.segments_between(at("2026-12-12 00:00"), at("2026-12-14 09:00"));
    let reasons: Vec<_> = segments.iter().map(|s| (s.start, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (at("2026-12-12 00:00"), Why::DayOff),
            (at("2026-12-14 00:00"), Why::BeforeHours),
            (at("2026-12-14 08:00"), Why::StandardHours),
        ]
    );
}

#[test]
fn no_day_taken_in_means_never_available_and_no_change() {
    let mut s = settings(CHICAGO);
    for weekday in hod_domain::availability::WeeklySchedule::WEEKDAYS {
        s.weekly.day_mut(weekday).enabled = false;
    }
    let e = engine(&s);
    let status = e.status_at(at("2026-12-07 10:00"));
    assert_eq!((status.available, status.until), (false, None));
}

#[test]
fn hours_to_midnight_every_day_run_on_without_a_break_at_midnight() {
    let mut s = settings(CHICAGO);
    for weekday in hod_domain::availability::WeeklySchedule::WEEKDAYS {
        let day = s.weekly.day_mut(weekday);
        day.enabled = true;
        day.start = WallTime::MIDNIGHT;
        day.end = WallTime::END_OF_DAY;
    }
    let e = engine(&s);
    let status = e.status_at(at("2026-12-07 23:59"));
    assert_eq!((status.available, status.until), (true, None));
}

// DST: the written rules of `docs/decisions/0002-dst-gaps-and-overlaps.md`.

fn night_shift(zone: &str, start: WallTime, end: WallTime) -> AvailabilityEngine {
    let mut s = settings(zone);
    for weekday in hod_domain::availability::WeeklySchedule::WEEKDAYS {
        let day = s.weekly.day_mut(weekday);
        day.enabled = true;
        day.start = start;
        day.end = end;
    }
    engine(&s)
}

#[test]
fn dst_spring_forward_a_start_in_the_gap_means_the_jump() {
    // Chicago 2026-03-08: 02:00 CST jumps to 03:00 CDT (08:00 UTC).
    let e = night_shift(CHICAGO, t(2, 30), t(6, 0));
    let jump: DateTime<Utc> = "2026-03-08T08:00:00Z".parse().expect("instant");
    assert_eq!(e.next_change_after(at("2026-03-08 01:00")), Some(jump));
    assert_eq!(e.status_at(jump).until, Some(at("2026-03-08 06:00")));
}

#[test]
fn dst_spring_forward_a_break_inside_the_gap_vanishes() {
    let mut s = settings(CHICAGO);
    let day = &mut s.weekly.sunday;
    day.enabled = true;
    day.start = t(1, 0);
    day.end = t(5, 0);
    day.breaks = vec![Break {
        start: t(2, 10),
        end: t(2, 50),
    }];
    let e = engine(&s);
    let windows = e.windows_between(at("2026-03-08 00:00"), at("2026-03-09 00:00"));
    assert_eq!(
        windows,
        vec![AvailabilityWindow {
            start: at("2026-03-08 01:00"),
            end: at("2026-03-08 05:00")
        }]
    );
    assert_eq!(
        windows[0].end - windows[0].start,
        chrono::Duration::hours(3)
    );
}

#[test]
fn dst_fall_back_a_start_is_the_first_and_an_end_the_last_occurrence() {
    // Chicago 2026-11-01: 02:00 CDT falls back to 01:00 CST (07:00 UTC); 01:30 happens twice.
    let e = night_shift(CHICAGO, t(1, 30), t(1, 45));
    let first_0130: DateTime<Utc> = "2026-11-01T06:30:00Z".parse().expect("instant");
    let last_0145: DateTime<Utc> = "2026-11-01T07:45:00Z".parse().expect("instant");
    let windows = e.windows_between(at("2026-11-01 00:00"), at("2026-11-02 00:00"));
    assert_eq!(
        windows,
        vec![AvailabilityWindow {
            start: first_0130,
            end: last_0145
        }]
    );
}

#[test]
fn dst_fall_back_a_break_in_the_repeated_hour_covers_both_passes() {
    let mut s = settings(CHICAGO);
    let day = &mut s.weekly.sunday;
    day.enabled = true;
    day.start = t(0, 0);
    day.end = t(3, 0);
    day.breaks = vec![Break {
        start: t(1, 15),
        end: t(1, 30),
    }];
    let e = engine(&s);
    let status = e.status_at("2026-11-01T06:20:00Z".parse().expect("instant")); // first 01:20
    assert_eq!(status.reason, Why::OnBreak);
    assert_eq!(
        status.until,
        Some("2026-11-01T07:30:00Z".parse().expect("instant"))
    );
}

#[test]
fn out_of_office_dates_picked_on_screen_follow_the_same_rules() {
    let zone = AgentTimeZone::parse("tz", CHICAGO).expect("zone");
    let date = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    let from = local_to_instant(zone, date, t(1, 30), false);
    let to = local_to_instant(zone, date, t(1, 30), true);
    assert_eq!(to - from, chrono::Duration::hours(1));
    let gap = local_to_instant(
        zone,
        NaiveDate::from_ymd_opt(2026, 3, 8).expect("date"),
        t(2, 30),
        false,
    );
    assert_eq!(
        gap,
        "2026-03-08T08:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("instant")
    );
}
