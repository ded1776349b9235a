use super::*;
use StateCode::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn license(state: StateCode, line: &str, status: LicenseStatus) -> License {
    License {
        state,
        line_of_authority: line.to_owned(),
        status,
        effective: date(2024, 1, 1),
        expires: None,
    }
}

fn active(state: StateCode, line: &str) -> License {
    license(state, line, LicenseStatus::Active)
}

fn eligible_on(licenses: &[License], on: NaiveDate) -> BTreeSet<StateCode> {
    eligible_states(licenses, &HealthLineMatcher::default(), on).expect("plan year on record")
}

#[test]
fn rule_st_1_only_active_health_licenses_in_healthcare_gov_states_are_eligible() {
    let licenses = [
        active(TX, "General Life, Accident and Health"),
        active(FL, "Health"),
        active(OH, "Life"),                            // not a health line
        active(CA, "Accident & Health"),               // own exchange
        active(GA, "Accident and Health or Sickness"), // own exchange since 2025
        license(UT, "Accident & Health", LicenseStatus::Suspended),
        license(WY, "Accident & Health", LicenseStatus::Expired),
        active(NC, "Property & Casualty"),
    ];
    assert_eq!(eligible_on(&licenses, date(2026, 3, 1)), [FL, TX].into());
}

#[test]
fn rule_st_1_a_state_needs_one_qualifying_line_among_several() {
    let licenses = [
        active(OH, "Life"),
        license(OH, "Accident & Health", LicenseStatus::Inactive),
        active(MI, "Life"),
        active(MI, "Accident & Health"),
    ];
    assert_eq!(eligible_on(&licenses, date(2026, 3, 1)), [MI].into());
}

#[test]
fn rule_st_1_oregon_eligible_in_2026_not_from_2027_open_enrollment() {
    let licenses = [
        active(OR, "Accident & Health"),
        active(OK, "Accident & Health"),
    ];
    assert_eq!(eligible_on(&licenses, date(2026, 10, 31)), [OK, OR].into());
    assert_eq!(eligible_on(&licenses, date(2026, 11, 1)), [OK].into());
    assert_eq!(eligible_on(&licenses, date(2027, 6, 1)), [OK].into());
}

#[test]
fn rule_st_1_illinois_eligible_only_while_shopping_2025() {
    let licenses = [
        active(IL, "Accident & Health"),
        active(IN, "Accident & Health"),
    ];
    assert_eq!(eligible_on(&licenses, date(2024, 11, 1)), [IL, IN].into());
    assert_eq!(eligible_on(&licenses, date(2025, 10, 31)), [IL, IN].into());
    assert_eq!(eligible_on(&licenses, date(2025, 11, 1)), [IN].into());
    assert_eq!(eligible_on(&licenses, date(2025, 12, 31)), [IN].into());
    assert_eq!(eligible_on(&licenses, date(2026, 1, 1)), [IN].into());
}

#[test]
fn rule_st_1_georgia_is_never_eligible() {
    let licenses = [active(GA, "Accident & Health")];
    for on in [
        date(2024, 11, 1),
        date(2025, 6, 1),
        date(2026, 6, 1),
        date(2027, 6, 1),
    ] {
        assert!(eligible_on(&licenses, on).is_empty(), "{on}");
    }
}

#[test]
fn rule_st_1_license_dates_bound_eligibility() {
    let mut l = active(TX, "Accident & Health");
    l.effective = date(2026, 2, 1);
    l.expires = Some(date(2026, 8, 31));
    let licenses = [l];
    assert!(eligible_on(&licenses, date(2026, 1, 31)).is_empty());
    assert_eq!(eligible_on(&licenses, date(2026, 2, 1)), [TX].into());
    assert_eq!(eligible_on(&licenses, date(2026, 8, 31)), [TX].into());
    assert!(eligible_on(&licenses, date(2026, 9, 1)).is_empty());
}

#[test]
fn rule_st_1_matcher_decides_what_counts_as_health() {
    let licenses = [active(TX, "Disability Income")];
    let on = date(2026, 3, 1);
    assert!(eligible_on(&licenses, on).is_empty());
    let matcher = HealthLineMatcher::default().with_additional_labels(["Disability Income"]);
    assert_eq!(
        eligible_states(&licenses, &matcher, on).expect("on record"),
        [TX].into()
    );
}

#[test]
fn rule_st_1_unknown_plan_year_is_reported_not_guessed() {
    let licenses = [active(TX, "Accident & Health")];
    let err = eligible_states(&licenses, &HealthLineMatcher::default(), date(2027, 11, 1))
        .expect_err("no list for plan year 2028");
    assert_eq!(err.plan_year, PlanYear::new(2028));
    let err = eligible_states(&[], &HealthLineMatcher::default(), date(2024, 6, 1))
        .expect_err("no list for plan year 2024");
    assert_eq!(err.plan_year, PlanYear::new(2024));
}
