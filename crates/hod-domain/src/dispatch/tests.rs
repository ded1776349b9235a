use super::*;
use crate::availability::{AgentTimeZone, AvailabilitySettings, OutOfOffice, TodayOverride};
use crate::eligibility::PlanYear;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

/// Monday 7 December 2026, 10:00 in Chicago.
const NOW: &str = "2026-12-07T16:00:00Z";

fn engine(f: impl FnOnce(&mut AvailabilitySettings)) -> AvailabilityEngine {
    let zone = AgentTimeZone::parse("time_zone", "America/Chicago").expect("zone");
    let mut s = AvailabilitySettings::new(zone);
    f(&mut s);
    AvailabilityEngine::new(&s).expect("valid")
}

struct World {
    states: BTreeSet<StateCode>,
    english: Vec<Language>,
    bilingual: Vec<Language>,
    open: AvailabilityEngine,
    away: AvailabilityEngine,
    hc_gov: &'static HealthCareGovStates,
    spanish: Language,
}

fn world() -> World {
    World {
        states: [StateCode::TX, StateCode::FL].into_iter().collect(),
        english: vec![Language::english()],
        bilingual: vec![Language::english(), Language::spanish()],
        open: engine(|_| {}),
        away: engine(|s| {
            s.out_of_office
                .push(OutOfOffice::indefinite(at("2026-12-01T00:00:00Z")))
        }),
        hc_gov: HealthCareGovStates::for_plan_year(PlanYear::new(2027)).expect("2027 data"),
        spanish: Language::spanish(),
    }
}

fn candidate(w: &World, id: u32) -> Candidate<'_, u32> {
    Candidate {
        id,
        states: &w.states,
        languages: &w.english,
        availability: AvailableAt::of(&w.open, at(NOW)),
        suspended: false,
        holds_pending_offer: false,
        already_offered: false,
        last_offer_ended_at: None,
    }
}

fn referral(w: &World, state: StateCode) -> RoutingReferral<'_> {
    RoutingReferral {
        state,
        language: &w.spanish,
        healthcare_gov: w.hc_gov,
    }
}

#[test]
fn rule_st_1_a_state_off_healthcare_gov_goes_to_nobody() {
    let w = world();
    // Oregon leaves HealthCare.gov from plan year 2027.
    let mut or_agent_states = w.states.clone();
    or_agent_states.insert(StateCode::OR);
    let c = Candidate {
        states: &or_agent_states,
        ..candidate(&w, 1)
    };
    let r = referral(&w, StateCode::OR);
    assert_eq!(check(&c, &r), Err(Ineligible::NotAHealthCareGovState));
    assert_eq!(Ineligible::NotAHealthCareGovState.rule(), Rule::St1);
}

#[test]
fn rule_st_3_only_states_the_agent_kept_are_routed() {
    let w = world();
    let c = candidate(&w, 1);
    assert_eq!(
        check(&c, &referral(&w, StateCode::OH)),
        Err(Ineligible::StateNotSelected)
    );
    assert!(check(&c, &referral(&w, StateCode::TX)).is_ok());
}

#[test]
fn rule_av_8_only_agents_available_now_are_offered() {
    let w = world();
    let away = Candidate {
        availability: AvailableAt::of(&w.away, at(NOW)),
        ..candidate(&w, 1)
    };
    let r = referral(&w, StateCode::TX);
    assert_eq!(
        check(&away, &r),
        Err(Ineligible::Unavailable {
            why: AvailabilityReason::OutOfOffice
        })
    );
    let c = candidate(&w, 2);
    let night = at("2026-12-08T04:00:00Z");
    let at_night = Candidate {
        availability: AvailableAt::of(&w.open, night),
        ..candidate(&w, 2)
    };
    assert_eq!(
        check(&at_night, &r),
        Err(Ineligible::Unavailable {
            why: AvailabilityReason::AfterHours
        })
    );
    assert_eq!(choose_agent([away, c], &r), Some(2));
}

#[test]
fn rule_av_9_suspended_agents_get_nothing() {
    let w = world();
    let c = Candidate {
        suspended: true,
        ..candidate(&w, 1)
    };
    assert_eq!(
        check(&c, &referral(&w, StateCode::TX)),
        Err(Ineligible::Suspended)
    );
}

#[test]
fn rule_ce_3_a_rejected_or_missed_referral_moves_to_someone_else() {
    let w = world();
    let first = Candidate {
        already_offered: true,
        ..candidate(&w, 1)
    };
    let second = candidate(&w, 2);
    let r = referral(&w, StateCode::TX);
    assert_eq!(check(&first, &r), Err(Ineligible::AlreadyOffered));
    assert_eq!(choose_agent([first, second], &r), Some(2));
    assert_eq!(choose_agent([first], &r), None);
}

#[test]
fn rule_mr_1_an_agent_answers_one_offer_at_a_time() {
    let w = world();
    let busy = Candidate {
        holds_pending_offer: true,
        ..candidate(&w, 1)
    };
    assert_eq!(
        check(&busy, &referral(&w, StateCode::TX)),
        Err(Ineligible::HoldsPendingOffer)
    );
}

#[test]
fn agents_who_speak_the_consumers_language_come_first() {
    let w = world();
    let english = Candidate {
        last_offer_ended_at: None,
        ..candidate(&w, 1)
    };
    let bilingual = Candidate {
        languages: &w.bilingual,
        last_offer_ended_at: Some(at("2026-12-07T15:59:00Z")),
        ..candidate(&w, 2)
    };
    assert_eq!(
        choose_agent([english, bilingual], &referral(&w, StateCode::TX)),
        Some(2)
    );
}

#[test]
fn the_agent_waiting_longest_goes_first() {
    let w = world();
    let recent = Candidate {
        last_offer_ended_at: Some(at("2026-12-07T15:50:00Z")),
        ..candidate(&w, 1)
    };
    let long_ago = Candidate {
        last_offer_ended_at: Some(at("2026-12-07T14:30:00Z")),
        ..candidate(&w, 2)
    };
    let r = referral(&w, StateCode::TX);
    assert_eq!(choose_agent([recent, long_ago], &r), Some(2));
    // An offer that ended yesterday counts from when the agent became available today (8:00).
    let yesterday = Candidate {
        last_offer_ended_at: Some(at("2026-12-04T20:00:00Z")),
        ..candidate(&w, 3)
    };
    let p = check(&yesterday, &r).expect("eligible");
    assert_eq!(p.waiting_since, at("2026-12-07T14:00:00Z"));
    // Equal waits: the lower id, so routing is deterministic.
    assert_eq!(
        choose_agent([candidate(&w, 9), candidate(&w, 4)], &r),
        Some(4)
    );
}

#[test]
fn todays_availability_counts_as_becoming_available() {
    let w = world();
    let zone = AgentTimeZone::parse("time_zone", "America/Chicago").expect("zone");
    let mut s = AvailabilitySettings::new(zone);
    let switched = at("2026-12-08T02:00:00Z"); // Monday 20:00 in Chicago, after hours
    s.today = Some(TodayOverride::switch_on(&s, switched, None).expect("on"));
    let evening = AvailabilityEngine::new(&s).expect("valid");
    let later = at("2026-12-08T03:00:00Z");
    let c = Candidate {
        availability: AvailableAt::of(&evening, later),
        ..candidate(&w, 1)
    };
    let p = check(&c, &referral(&w, StateCode::TX)).expect("eligible");
    assert_eq!(p.waiting_since, switched);
}
