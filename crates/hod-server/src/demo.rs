//! `seed-demo`: a few fictional agents with licenses and logins, so a person can watch the
//! system work (`hod-server serve` + `seed-demo` + `simulate`).
//!
//! Idempotent: agents are upserted by NPN, licenses by their natural key, and a password is
//! written only when the stored one is not the demo password already, so a re-run changes
//! nothing and prints the same logins.

use crate::accounts::{self, password, AgentInput, LicenseInput};
use crate::store::{DynStore, ImportSummary, NewAgent, NewLicense};
use anyhow::{anyhow, Context};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hod_domain::availability::{
    AgentTimeZone, AvailabilityEngine, AvailabilitySettings, Break, DaySchedule, WallTime,
    WeeklySchedule,
};
use hod_domain::eligibility::{HealthCareGovStates, StateCode};
use hod_domain::wire::v1::{Availability, ChangeEvent};

/// One demo agent. Everything here is fictional: NPNs in a range no real producer has
/// been given in this project's data, phone numbers in the 555-01xx block reserved for
/// fiction, e-mail addresses at example.com.
#[derive(Debug, Clone, Copy)]
pub struct DemoAgent {
    pub npn: &'static str,
    pub name: &'static str,
    pub username: &'static str,
    /// Meets the password policy (8–20 characters, digit, lower, upper, special).
    pub password: &'static str,
    pub mobile_phone: &'static str,
    pub languages: &'static [&'static str],
    /// IANA zone where the agent works (for the availability schedule).
    pub time_zone: &'static str,
    /// Standard Hours (AV-1): one agent takes referrals around the clock, so a demo works
    /// at any hour; the others show ordinary schedules.
    pub hours: DemoHours,
    /// States licensed for health; those not on HealthCare.gov in the plan year shopped
    /// today are skipped (ST-1) and reported.
    pub states: &'static [StateCode],
}

/// English-only and bilingual Spanish agents in three time zones, covering the large
/// HealthCare.gov markets (Florida, Texas) and a few more.
pub const DEMO_AGENTS: &[DemoAgent] = &[
    DemoAgent {
        npn: "99000001",
        name: "Ana Rivera",
        username: "ana",
        hours: DemoHours::AroundTheClock,
        password: "Ana#Demo2027",
        mobile_phone: "512-555-0101",
        languages: &["en", "es"],
        time_zone: "America/Chicago",
        states: &[StateCode::TX, StateCode::FL],
    },
    DemoAgent {
        npn: "99000002",
        name: "Ben Carter",
        username: "ben",
        hours: DemoHours::MondayToSaturdayWithLunch,
        password: "Ben#Demo2027",
        mobile_phone: "614-555-0102",
        languages: &["en"],
        time_zone: "America/New_York",
        states: &[
            StateCode::OH,
            StateCode::NC,
            StateCode::FL,
            StateCode::SC,
            StateCode::TN,
            StateCode::MI,
        ],
    },
    DemoAgent {
        npn: "99000003",
        name: "Carmen Ortiz",
        username: "carmen",
        hours: DemoHours::EveryDay7To22,
        password: "Carmen#Demo2027",
        mobile_phone: "305-555-0103",
        languages: &["es", "en"],
        time_zone: "America/New_York",
        states: &[StateCode::FL, StateCode::NC, StateCode::TX],
    },
    DemoAgent {
        npn: "99000004",
        name: "Dev Patel",
        username: "dev",
        hours: DemoHours::ProgramDefaults,
        password: "Dev#Demo2027",
        mobile_phone: "602-555-0104",
        languages: &["en"],
        time_zone: "America/Phoenix",
        // Oregon leaves HealthCare.gov from plan year 2027: shown as skipped then (ST-1).
        states: &[StateCode::AZ, StateCode::TX, StateCode::UT, StateCode::OR],
    },
];

/// Demo Standard Hours, in the agent's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoHours {
    /// Every day, 00:00–24:00.
    AroundTheClock,
    /// Every day, 07:00–22:00.
    EveryDay7To22,
    /// Monday to Saturday, 08:00–20:00, lunch 12:00–12:30 (AV-4).
    MondayToSaturdayWithLunch,
    /// The program's defaults: Monday to Friday, 8:00 a.m. to 5:00 p.m. (AV-1).
    ProgramDefaults,
}

impl DemoHours {
    pub fn weekly(self) -> WeeklySchedule {
        let at = |h: u16, m: u16| WallTime::new(h, m).unwrap_or(WallTime::MIDNIGHT);
        let day = |start, end, breaks: Vec<Break>| DaySchedule {
            enabled: true,
            start,
            end,
            breaks,
        };
        let every_day = |d: DaySchedule| WeeklySchedule {
            monday: d.clone(),
            tuesday: d.clone(),
            wednesday: d.clone(),
            thursday: d.clone(),
            friday: d.clone(),
            saturday: d.clone(),
            sunday: d,
        };
        match self {
            Self::AroundTheClock => {
                every_day(day(WallTime::MIDNIGHT, WallTime::END_OF_DAY, vec![]))
            }
            Self::EveryDay7To22 => every_day(day(at(7, 0), at(22, 0), vec![])),
            Self::MondayToSaturdayWithLunch => {
                let lunch = Break {
                    start: at(12, 0),
                    end: at(12, 30),
                };
                let mut week = every_day(day(at(8, 0), at(20, 0), vec![lunch]));
                week.sunday.enabled = false;
                week
            }
            Self::ProgramDefaults => WeeklySchedule::default(),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::AroundTheClock => "every day 00:00-24:00",
            Self::EveryDay7To22 => "every day 07:00-22:00",
            Self::MondayToSaturdayWithLunch => "Mon-Sat 08:00-20:00, lunch 12:00",
            Self::ProgramDefaults => "Mon-Fri 08:00-17:00",
        }
    }
}

impl DemoAgent {
    /// The availability settings seeded for this agent: its zone and Standard Hours,
    /// no Today's Availability, no Out of Office.
    pub fn availability(&self) -> anyhow::Result<AvailabilitySettings> {
        let zone = AgentTimeZone::parse("time_zone", self.time_zone)
            .map_err(|e| anyhow!("demo agent {}: {e}", self.username))?;
        let mut settings = AvailabilitySettings::new(zone);
        settings.weekly = self.hours.weekly();
        let problems = settings.validate();
        if !problems.is_empty() {
            return Err(anyhow!("demo agent {}: {problems:?}", self.username));
        }
        Ok(settings)
    }
}

/// The line of authority written on the demo licenses (the NAIC uniform health line).
pub const DEMO_LINE_OF_AUTHORITY: &str = "Accident and Health or Sickness";

/// What `seed-demo` did, for the report.
#[derive(Debug, Clone)]
pub struct SeedReport {
    pub plan_year: i32,
    pub agents: ImportSummary,
    pub licenses: ImportSummary,
    pub passwords_set: usize,
    pub schedules_set: usize,
    /// `(username, state)` pairs left out because the state is not on HealthCare.gov.
    pub skipped: Vec<(&'static str, StateCode)>,
}

/// The demo data for one day, validated.
#[derive(Debug, Clone)]
pub struct DemoRows {
    pub agents: Vec<NewAgent>,
    pub licenses: Vec<NewLicense>,
    /// `(username, state)` left out: not on HealthCare.gov in the plan year.
    pub skipped: Vec<(&'static str, StateCode)>,
    pub plan_year: i32,
}

/// Validated agents and licenses for `today`.
pub fn demo_rows(today: NaiveDate) -> anyhow::Result<DemoRows> {
    let on_platform = HealthCareGovStates::shopped_on(today)?;
    let plan_year = on_platform.plan_year.year();
    // Licensed since January of last year, through the end of the plan year shopped today.
    let effective = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1)
        .ok_or_else(|| anyhow!("no January 1 in {}", today.year() - 1))?;
    let expires = NaiveDate::from_ymd_opt(plan_year, 12, 31)
        .ok_or_else(|| anyhow!("no December 31 in {plan_year}"))?;
    let mut agents = Vec::new();
    let mut licenses = Vec::new();
    let mut skipped = Vec::new();
    for demo in DEMO_AGENTS {
        let agent = AgentInput {
            npn: demo.npn.to_owned(),
            name: demo.name.to_owned(),
            username: demo.username.to_owned(),
            mlms_email: format!("{}.demo@example.com", demo.username),
            mobile_phone: demo.mobile_phone.to_owned(),
            languages: demo.languages.iter().map(|l| (*l).to_owned()).collect(),
        }
        .validate()
        .map_err(|e| anyhow!("demo agent {}: {e}", demo.username))?;
        agents.push(agent);
        for state in demo.states {
            if !on_platform.contains(*state) {
                skipped.push((demo.username, *state));
                continue;
            }
            let license = LicenseInput {
                npn: demo.npn.to_owned(),
                state: state.code().to_owned(),
                line_of_authority: DEMO_LINE_OF_AUTHORITY.to_owned(),
                status: "Active".to_owned(),
                effective: effective.to_string(),
                expires: expires.to_string(),
            }
            .validate()
            .map_err(|e| anyhow!("demo license {} {state}: {e}", demo.username))?;
            licenses.push(license);
        }
    }
    Ok(DemoRows {
        agents,
        licenses,
        skipped,
        plan_year,
    })
}

/// Writes the demo agents, their licenses and passwords.
pub async fn seed(store: &DynStore, now: DateTime<Utc>) -> anyhow::Result<SeedReport> {
    let DemoRows {
        agents,
        licenses,
        skipped,
        plan_year,
    } = demo_rows(now.date_naive())?;
    let agents_summary = store
        .import_agents(&agents, now)
        .await
        .context("cannot write the demo agents (is an NPN or username taken?)")?;
    let licenses_summary = store
        .import_licenses(&licenses, now)
        .await
        .context("cannot write the demo licenses")?;
    let mut passwords_set = 0;
    let mut schedules_set = 0;
    for demo in DEMO_AGENTS {
        let agent = store
            .agent_by_npn(demo.npn)
            .await?
            .ok_or_else(|| anyhow!("demo agent {} vanished", demo.username))?;
        let current = store.password_hash(agent.id).await?;
        let demo_password = demo.password;
        let already = match current {
            Some(phc) => {
                tokio::task::spawn_blocking(move || password::verify(demo_password, &phc)).await?
            }
            None => false,
        };
        if !already {
            accounts::set_password(store.as_ref(), agent.id, demo.password, now)
                .await
                .map_err(|e| anyhow!("demo password for {}: {e}", demo.username))?;
            passwords_set += 1;
        }
        let settings = demo.availability()?;
        if store.availability(agent.id).await?.as_ref() != Some(&settings) {
            let engine = AvailabilityEngine::new(&settings)
                .map_err(|e| anyhow!("demo availability for {}: {e:?}", demo.username))?;
            let availability = Availability {
                status: engine.status_at(now),
                settings: settings.clone(),
            };
            let event = ChangeEvent::AvailabilityChanged { availability };
            store
                .save_availability(agent.id, &settings, &event, now)
                .await
                .with_context(|| format!("cannot save {}'s availability", demo.username))?;
            schedules_set += 1;
        }
    }
    Ok(SeedReport {
        plan_year,
        agents: agents_summary,
        licenses: licenses_summary,
        passwords_set,
        schedules_set,
        skipped,
    })
}

/// The report `seed-demo` prints: the logins, and what was written.
pub fn render_report(report: &SeedReport) -> String {
    let mut out = format!(
        "demo agents for plan year {} (agents: {} created, {} updated, {} unchanged; \
         licenses: {} created, {} updated, {} unchanged; {} passwords set; {} schedules set)\n",
        report.plan_year,
        report.agents.created,
        report.agents.updated,
        report.agents.unchanged,
        report.licenses.created,
        report.licenses.updated,
        report.licenses.unchanged,
        report.passwords_set,
        report.schedules_set,
    );
    out.push_str(&format!(
        "  {:<8} {:<16} {:<10} {:<17} {:<33} {}\n",
        "username", "password", "languages", "time zone", "standard hours", "licensed in"
    ));
    for demo in DEMO_AGENTS {
        let states: Vec<&str> = demo
            .states
            .iter()
            .filter(|s| !report.skipped.contains(&(demo.username, **s)))
            .map(|s| s.code())
            .collect();
        out.push_str(&format!(
            "  {:<8} {:<16} {:<10} {:<17} {:<33} {}\n",
            demo.username,
            demo.password,
            demo.languages.join(","),
            demo.time_zone,
            demo.hours.describe(),
            states.join(", ")
        ));
    }
    for (username, state) in &report.skipped {
        out.push_str(&format!(
            "  note: {username}'s {state} license is left out: {state} is not on \
             HealthCare.gov in plan year {}\n",
            report.plan_year
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn demo_agents_are_valid_and_passwords_meet_the_policy() {
        for demo in DEMO_AGENTS {
            password::check_policy(demo.password).expect(demo.username);
            demo.availability().expect(demo.username);
        }
        let DemoRows {
            agents,
            licenses,
            plan_year,
            ..
        } = demo_rows(date(2026, 11, 28)).expect("rows");
        assert_eq!(plan_year, 2027);
        assert_eq!(agents.len(), DEMO_AGENTS.len());
        assert!(agents.iter().any(|a| a.languages.len() == 2));
        assert!(agents.iter().any(|a| a.languages.len() == 1));
        assert!(licenses
            .iter()
            .all(|l| l.expires == Some(date(2027, 12, 31))));
    }

    #[test]
    fn rule_st_1_licenses_only_in_healthcare_gov_states_of_the_plan_year() {
        for today in [date(2025, 6, 1), date(2026, 11, 28)] {
            let on_platform = HealthCareGovStates::shopped_on(today).expect("on record");
            let DemoRows {
                licenses, skipped, ..
            } = demo_rows(today).expect("rows");
            assert!(!licenses.is_empty());
            for license in &licenses {
                let state: StateCode = license.state.parse().expect("state");
                assert!(on_platform.contains(state), "{state} in {today}");
            }
            for (_, state) in skipped {
                assert!(!on_platform.contains(state));
            }
        }
    }
}
