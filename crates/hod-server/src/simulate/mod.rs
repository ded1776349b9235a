//! `simulate`: realistic consumer referrals, posted through the intake API over HTTP.
//!
//! Consumers come from the states on HealthCare.gov in the plan year shopped on the day
//! (`hod_domain::eligibility`, never a list written here), weighted towards the large
//! markets, about 35 % prefer Spanish, and everything personal is fictional: common names,
//! 555-01xx telephone numbers (reserved for fiction), example.org e-mail addresses. The
//! simulator prints one line per referral without any of it: id, state, language.
//!
//! The generator is deterministic for a given seed, so a run can be repeated.

mod places;

pub use places::{places, StatePlaces, PLACES};

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;
use hod_domain::eligibility::{HealthCareGovStates, PlanYear, StateCode};
use hod_domain::language::Language;
use hod_domain::wire::v1::{IntakeReceipt, IntakeReferral};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Share of consumers who prefer Spanish.
pub const SPANISH_SHARE: f64 = 0.35;

/// SplitMix64: small, fast and good enough to pick fictional names; no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        // The modulo bias is below 2^-40 for the sizes used here.
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ENGLISH_FIRST: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "Michael", "Linda", "David", "Jennifer", "Emily",
    "Joshua", "Ashley", "Tyler", "Brittany", "Kevin", "Megan", "Brian", "Olivia", "Noah", "Hannah",
    "Ethan", "Grace", "Dwayne", "Keisha", "Minh", "Priya",
];
const ENGLISH_LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Nguyen",
    "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
];
const SPANISH_FIRST: &[&str] = &[
    "María",
    "José",
    "Juan",
    "Guadalupe",
    "Carlos",
    "Ana",
    "Luis",
    "Rosa",
    "Miguel",
    "Carmen",
    "Jorge",
    "Sofía",
    "Alejandro",
    "Lucía",
    "Fernando",
    "Isabel",
    "Ricardo",
    "Elena",
    "Javier",
    "Gabriela",
];
const SPANISH_LAST: &[&str] = &[
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Reyes",
    "Morales",
    "Cruz",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
];
const ENGLISH_NOTES: &[&str] = &[
    "Lost job-based coverage last month.",
    "Wants to compare Silver plans with a lower deductible.",
    "Asked about help paying premiums.",
    "Prefers a call after 5 p.m.",
    "Needs coverage for a newborn.",
    "Moved to the state recently.",
];
const SPANISH_NOTES: &[&str] = &[
    "Perdió el seguro del trabajo.",
    "Quiere saber si califica para ayuda con la prima.",
    "Prefiere llamadas por la tarde.",
    "Necesita cobertura para toda la familia.",
    "Tiene preguntas sobre Medicaid para sus hijos.",
];

/// Makes consumers for the plan year shopped on one day.
#[derive(Debug, Clone)]
pub struct ReferralGenerator {
    rng: Rng,
    plan_year: PlanYear,
    states: Vec<&'static StatePlaces>,
    total_weight: u32,
}

impl ReferralGenerator {
    /// Fails when no HealthCare.gov list is on record for the plan year shopped on `today`,
    /// or a listed state has no places in the table.
    pub fn new(today: NaiveDate, seed: u64) -> anyhow::Result<Self> {
        let on_platform = HealthCareGovStates::shopped_on(today)?;
        let states = on_platform
            .states
            .iter()
            .map(|state| {
                places(*state).ok_or_else(|| {
                    anyhow!("no cities on record for {state}: add it to simulate/places.rs")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let total_weight = states.iter().map(|p| p.weight).sum();
        Ok(Self {
            rng: Rng::new(seed),
            plan_year: on_platform.plan_year,
            states,
            total_weight,
        })
    }

    pub fn plan_year(&self) -> PlanYear {
        self.plan_year
    }

    /// The states consumers come from.
    pub fn states(&self) -> impl Iterator<Item = StateCode> + '_ {
        self.states.iter().map(|p| p.state)
    }

    fn pick_state(&mut self) -> &'static StatePlaces {
        let mut ticket = self.rng.below(self.total_weight as usize) as u32;
        for places in &self.states {
            if ticket < places.weight {
                return places;
            }
            ticket -= places.weight;
        }
        self.states[self.states.len() - 1]
    }

    /// The next consumer's request.
    pub fn next_referral(&mut self) -> IntakeReferral {
        let places = self.pick_state();
        let (city, zip) = *self.rng.pick(places.cities);
        let spanish = self.rng.unit() < SPANISH_SHARE;
        // Spanish speakers mostly, not always, have Spanish names, and the other way round.
        let spanish_name = if spanish {
            self.rng.unit() < 0.9
        } else {
            self.rng.unit() < 0.12
        };
        let (first, last) = if spanish_name {
            (*self.rng.pick(SPANISH_FIRST), *self.rng.pick(SPANISH_LAST))
        } else {
            (*self.rng.pick(ENGLISH_FIRST), *self.rng.pick(ENGLISH_LAST))
        };
        let phone = format!("({}) 555-01{:02}", places.area_code, self.rng.below(100));
        let email = (self.rng.unit() < 0.8).then(|| {
            format!(
                "{}.{}{}@example.org",
                ascii_lower(first),
                ascii_lower(last),
                self.rng.below(100)
            )
        });
        let notes = (self.rng.unit() < 0.4).then(|| {
            let pool = if spanish {
                SPANISH_NOTES
            } else {
                ENGLISH_NOTES
            };
            (*self.rng.pick(pool)).to_owned()
        });
        IntakeReferral {
            consumer_name: format!("{first} {last}"),
            phone,
            email,
            state: places.state,
            city: city.to_owned(),
            zip: zip.to_owned(),
            preferred_language: if spanish {
                Language::spanish()
            } else {
                Language::english()
            },
            notes,
        }
    }

    /// A fresh idempotency key for one submission (retries reuse it).
    pub fn idempotency_key(&mut self) -> String {
        format!(
            "sim-{:016x}{:016x}",
            self.rng.next_u64(),
            self.rng.next_u64()
        )
    }
}

/// `maría` → `maria`: e-mail local parts in plain ASCII.
fn ascii_lower(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'Ú' | 'ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            other => other.to_ascii_lowercase(),
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// A rate such as `2/min`, `30/h` or `1/s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
}

impl Rate {
    /// The time between two referrals.
    pub fn interval(self) -> Duration {
        Duration::from_secs_f64(1.0 / self.per_second)
    }
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a rate such as 2/min, 30/h or 1/s");
        let (count, unit) = s.trim().split_once('/').ok_or_else(bad)?;
        let count: f64 = count.trim().parse().map_err(|_| bad())?;
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            _ => return Err(bad()),
        };
        let per_second = count / seconds;
        // At most 100 a second: this is a demo feeder, not a load generator.
        if !(per_second.is_finite() && per_second > 0.0 && per_second <= 100.0) {
            return Err(format!("{s:?}: the rate must be above 0 and at most 100/s"));
        }
        Ok(Self { per_second })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/min", self.per_second * 60.0)
    }
}

/// How a simulation is run.
#[derive(Debug, Clone)]
pub struct SimulateOptions {
    /// Base URL of the server, e.g. `http://127.0.0.1:8080`.
    pub server: url::Url,
    pub intake_key: String,
    pub rate: Rate,
    /// Stop after this many referrals were accepted by the server; `None`: until stopped.
    pub count: Option<u64>,
    pub seed: u64,
    pub today: NaiveDate,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimulateSummary {
    pub submitted: u64,
    pub failed: u64,
}

/// Posts referrals at the given rate until `count` were submitted or `stop` completes.
/// Writes one line per referral to `out`: never personal data.
pub async fn run(
    options: SimulateOptions,
    out: &mut (dyn std::io::Write + Send),
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<SimulateSummary> {
    let mut generator = ReferralGenerator::new(options.today, options.seed)?;
    let endpoint = options
        .server
        .join("/v1/intake/referrals")
        .context("the server URL cannot take a path")?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    writeln!(
        out,
        "simulating consumers from the {} HealthCare.gov states of {} at {} (seed {}) → {endpoint}",
        generator.states().count(),
        generator.plan_year(),
        options.rate,
        options.seed
    )?;
    let mut ticks = tokio::time::interval(options.rate.interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut summary = SimulateSummary::default();
    tokio::pin!(stop);
    loop {
        if options
            .count
            .is_some_and(|count| summary.submitted >= count)
        {
            break;
        }
        tokio::select! {
            () = &mut stop => break,
            _ = ticks.tick() => {}
        }
        let referral = generator.next_referral();
        let key = generator.idempotency_key();
        match submit(&http, &endpoint, &options.intake_key, &key, &referral).await {
            Ok(receipt) => {
                summary.submitted += 1;
                let state = serde_json::to_value(receipt.state)?;
                writeln!(
                    out,
                    "referral {} {} {} {}",
                    receipt.id,
                    referral.state,
                    referral.preferred_language,
                    state.as_str().unwrap_or("?")
                )?;
            }
            Err(e) => {
                summary.failed += 1;
                writeln!(
                    out,
                    "failed {} {}: {e}",
                    referral.state, referral.preferred_language
                )?;
                if summary.submitted == 0 && summary.failed >= 3 {
                    bail!("the first {} submissions failed; stopping", summary.failed);
                }
            }
        }
        out.flush()?;
    }
    writeln!(
        out,
        "done: {} submitted, {} failed",
        summary.submitted, summary.failed
    )?;
    Ok(summary)
}

/// One submission, retried once on a network error with the same idempotency key (the
/// server answers the retry with the first result, so nothing is created twice).
async fn submit(
    http: &reqwest::Client,
    endpoint: &url::Url,
    intake_key: &str,
    idempotency_key: &str,
    referral: &IntakeReferral,
) -> anyhow::Result<IntakeReceipt> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sent = http
            .post(endpoint.clone())
            .header("x-api-key", intake_key)
            .header("idempotency-key", idempotency_key)
            .json(referral)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) if attempt < 2 && (e.is_connect() || e.is_timeout()) => continue,
            // reqwest's message names the URL only, never the body.
            Err(e) => return Err(anyhow!("cannot reach the server: {e}")),
        };
        let status = response.status();
        if status.is_success() {
            return response
                .json::<IntakeReceipt>()
                .await
                .context("the server's receipt is not an IntakeReceipt");
        }
        // The error body's code only: its message may repeat what was sent.
        let code = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|body| body["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        bail!("HTTP {status} {code}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hod_domain::eligibility::HEALTHCARE_GOV_STATES;
    use std::collections::BTreeSet;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn every_healthcare_gov_state_of_every_plan_year_has_places() {
        for entry in HEALTHCARE_GOV_STATES {
            for state in entry.states {
                let p = places(*state).unwrap_or_else(|| panic!("{state} has no places"));
                assert!(!p.cities.is_empty() && p.weight > 0);
                assert_eq!(p.area_code.len(), 3);
                for (city, zip) in p.cities {
                    assert!(!city.is_empty());
                    assert!(zip.len() == 5 && zip.bytes().all(|b| b.is_ascii_digit()));
                }
            }
        }
    }

    #[test]
    fn rule_st_1_consumers_come_only_from_the_plan_years_healthcare_gov_states() {
        // 2026-11-28 shops plan year 2027: Oregon has left HealthCare.gov.
        for (today, year) in [(date(2026, 11, 28), 2027), (date(2026, 3, 1), 2026)] {
            let on_platform =
                HealthCareGovStates::for_plan_year(PlanYear::new(year)).expect("on record");
            let mut generator = ReferralGenerator::new(today, 7).expect("generator");
            assert_eq!(generator.plan_year(), PlanYear::new(year));
            let mut seen = BTreeSet::new();
            for _ in 0..3000 {
                let referral = generator.next_referral();
                assert!(on_platform.contains(referral.state), "{}", referral.state);
                seen.insert(referral.state);
            }
            assert!(seen.contains(&StateCode::TX) && seen.contains(&StateCode::FL));
            assert!(seen.len() > 15, "states spread out: {seen:?}");
            if year == 2027 {
                assert!(!seen.contains(&StateCode::OR));
            }
        }
        assert!(ReferralGenerator::new(date(2030, 1, 1), 1).is_err());
    }

    #[test]
    fn about_35_percent_prefer_spanish() {
        let mut generator = ReferralGenerator::new(date(2026, 11, 28), 42).expect("generator");
        let n = 5000;
        let spanish = (0..n)
            .filter(|_| generator.next_referral().preferred_language == Language::spanish())
            .count();
        let share = spanish as f64 / n as f64;
        assert!((0.32..0.38).contains(&share), "{share}");
    }

    #[test]
    fn every_referral_passes_intake_validation_and_is_fictional() {
        let mut generator = ReferralGenerator::new(date(2026, 11, 28), 9).expect("generator");
        for _ in 0..2000 {
            let referral = generator.next_referral();
            let errors = referral.validate();
            assert!(errors.is_empty(), "{errors:?}");
            let digits = referral.phone_digits();
            assert_eq!(&digits[3..8], "55501", "fictional 555-01xx: {digits}");
            if let Some(email) = &referral.email {
                assert!(email.ends_with("@example.org"), "{email}");
                assert!(email.is_ascii());
            }
            let places = places(referral.state).expect("places");
            assert!(places
                .cities
                .contains(&(referral.city.as_str(), referral.zip.as_str())));
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_consumers() {
        let make = |seed| {
            let mut generator =
                ReferralGenerator::new(date(2026, 11, 28), seed).expect("generator");
            (0..20)
                .map(|_| generator.next_referral())
                .collect::<Vec<_>>()
        };
        assert_eq!(make(5), make(5));
        assert_ne!(make(5), make(6));
    }

    #[test]
    fn rates_parse_per_second_minute_and_hour() {
        assert_eq!(
            "2/min".parse::<Rate>().expect("rate").interval(),
            Duration::from_secs(30)
        );
        assert_eq!(
            "30/h".parse::<Rate>().expect("rate").interval(),
            Duration::from_secs(120)
        );
        assert_eq!(
            "4/s".parse::<Rate>().expect("rate").interval(),
            Duration::from_millis(250)
        );
        for bad in ["2", "0/min", "-1/min", "2/day", "x/min", "1000/s"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }
}
