//! Bench agents written straight into the server's database, in one transaction.
//!
//! Provisioning 10,000 agents over the admin API would hash 10,000 passwords with argon2;
//! here every bench agent shares one precomputed hash, and the sessions the WebSocket
//! clients need are inserted directly (only the SHA-256 of each token is stored, as for a
//! login: decision 0102). Bench agents are `bench-000001`, `bench-000002`, … (NPN
//! `98000001…`, `@example.com`, 555-01xx numbers): a second run reuses and resets them.
//! Nothing is written to a database that holds other agents unless `force` is set.
//!
//! This is the only place outside `store` that writes SQL: it is a load tool's shortcut,
//! deliberately kept out of the `Store` traits the server uses.

use crate::accounts::token::BearerToken as Token;
use crate::accounts::{password, AgentInput};
use crate::store::{DatabaseUrl, SqliteLocation};
use anyhow::{anyhow, bail, Context};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hod_domain::availability::{
    AgentTimeZone, AvailabilitySettings, DaySchedule, WallTime, WeeklySchedule,
};
use hod_domain::eligibility::{HealthCareGovStates, StateCode};
use std::time::{Duration, Instant};

/// Every bench agent's username starts with this.
pub const PREFIX: &str = "bench-";
/// The password of every bench agent (one argon2 hash, computed once per run).
pub const BENCH_PASSWORD: &str = "Bench#Load2026";
/// Line of authority of the bench licenses (the NAIC uniform health line).
const LINE_OF_AUTHORITY: &str = "Accident and Health or Sickness";
/// Rows per multi-row statement on PostgreSQL.
const CHUNK: usize = 5_000;

/// What to write.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    /// Bench agents `bench-000001` … `bench-N`.
    pub agents: usize,
    /// The first this many take referrals around the clock (every day 00:00–24:00 UTC);
    /// the others, and bench agents left from a larger run, have every day switched off.
    pub available: usize,
    /// Indices (0-based) of the agents that get a session, for the WebSocket clients.
    pub logins: Vec<usize>,
    /// Licensed states per agent, rotating through the plan year's HealthCare.gov list so
    /// that the available agents cover it evenly; `None`: every state.
    pub states_per_agent: Option<usize>,
    /// Seed even though the database holds agents that are not bench agents.
    pub force: bool,
    /// The server's "now": plan year, license dates, session expiry.
    pub now: DateTime<Utc>,
}

/// A bench agent's login, for one WebSocket client.
#[derive(Debug, Clone)]
pub struct BenchLogin {
    pub index: usize,
    pub agent: i64,
    pub token: String,
    /// The agent's change-feed cursor when seeded: the socket starts after it.
    pub after: i64,
}

/// What seeding did.
#[derive(Debug, Clone)]
pub struct SeedOutcome {
    pub created: usize,
    pub reused: usize,
    pub licenses: usize,
    pub logins: Vec<BenchLogin>,
    pub plan_year: i32,
    /// The states referrals should come from (the plan year's HealthCare.gov list).
    pub states: Vec<StateCode>,
    pub elapsed: Duration,
}

pub fn username(index: usize) -> String {
    format!("{PREFIX}{:06}", index + 1)
}

/// One agent's rows, validated like an import would be.
struct AgentRow {
    npn: String,
    name: String,
    username: String,
    email: String,
    phone: String,
    languages: String,
}

fn agent_row(index: usize) -> anyhow::Result<AgentRow> {
    let n = index + 1;
    let input = AgentInput {
        npn: format!("98{n:08}"),
        name: format!("Bench Agent {n}"),
        username: username(index),
        mlms_email: format!("{}@example.com", username(index)),
        // 555-01xx: reserved for fiction.
        mobile_phone: format!("512-555-01{:02}", n % 100),
        // A third are bilingual, like the simulator's consumers (35 % Spanish).
        languages: if n.is_multiple_of(3) {
            vec!["en".into(), "es".into()]
        } else {
            vec!["en".into()]
        },
    }
    .validate()
    .map_err(|e| anyhow!("bench agent {n}: {e}"))?;
    Ok(AgentRow {
        languages: crate::store::languages_to_text(&input.languages),
        npn: input.npn,
        name: input.name,
        username: input.username,
        email: input.mlms_email,
        phone: input.mobile_phone,
    })
}

fn availability_json(available: bool) -> anyhow::Result<String> {
    let zone = AgentTimeZone::parse("time_zone", "UTC").map_err(|e| anyhow!("{e}"))?;
    let mut settings = AvailabilitySettings::new(zone);
    let day = DaySchedule {
        enabled: available,
        start: WallTime::MIDNIGHT,
        end: WallTime::END_OF_DAY,
        breaks: vec![],
    };
    settings.weekly = WeeklySchedule {
        monday: day.clone(),
        tuesday: day.clone(),
        wednesday: day.clone(),
        thursday: day.clone(),
        friday: day.clone(),
        saturday: day.clone(),
        sunday: day,
    };
    let problems = settings.validate();
    if !problems.is_empty() {
        bail!("bench availability does not validate: {problems:?}");
    }
    Ok(serde_json::to_string(&settings)?)
}

/// Everything computed before touching the database.
struct Prepared {
    rows: Vec<AgentRow>,
    /// `(agent index, state)`.
    licenses: Vec<(usize, &'static str)>,
    effective: NaiveDate,
    expires: NaiveDate,
    phc: String,
    available_json: String,
    unavailable_json: String,
    tokens: Vec<(usize, Token)>,
}

fn prepare(plan: &SeedPlan) -> anyhow::Result<(Prepared, i32, Vec<StateCode>)> {
    let today = plan.now.date_naive();
    let on_platform = HealthCareGovStates::shopped_on(today)?;
    let plan_year = on_platform.plan_year.year();
    let states = on_platform.states.to_vec();
    if states.is_empty() {
        bail!("no HealthCare.gov states on record for plan year {plan_year}");
    }
    let per_agent = plan
        .states_per_agent
        .unwrap_or(states.len())
        .clamp(1, states.len());
    let rows = (0..plan.agents)
        .map(agent_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut licenses = Vec::with_capacity(plan.agents * per_agent);
    for index in 0..plan.agents {
        for j in 0..per_agent {
            let state = states[(index * per_agent + j) % states.len()];
            licenses.push((index, state.code()));
        }
    }
    let effective = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1)
        .ok_or_else(|| anyhow!("no January 1 before {today}"))?;
    let expires = NaiveDate::from_ymd_opt(plan_year + 1, 12, 31)
        .ok_or_else(|| anyhow!("no December 31 after {plan_year}"))?;
    let phc = password::hash(BENCH_PASSWORD).map_err(|e| anyhow!("{e}"))?;
    let tokens = plan
        .logins
        .iter()
        .map(|&i| Ok((i, Token::generate().map_err(|e| anyhow!("{e}"))?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((
        Prepared {
            rows,
            licenses,
            effective,
            expires,
            phc,
            available_json: availability_json(true)?,
            unavailable_json: availability_json(false)?,
            tokens,
        },
        plan_year,
        states,
    ))
}

/// Index of a bench username (`bench-000001` → 0), if it is one.
fn index_of(username: &str) -> Option<usize> {
    username
        .strip_prefix(PREFIX)?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

fn refuse_foreign(others: i64, force: bool) -> anyhow::Result<()> {
    if others > 0 && !force {
        bail!(
            "the database holds {others} agent(s) that are not bench agents ({PREFIX}…): \
             refusing to seed it (use a database of its own, or --force)"
        );
    }
    Ok(())
}

/// Writes (or resets) the bench agents, their licenses, schedules, one shared password
/// hash and the sessions of `plan.logins`; deletes referrals left by earlier bench runs.
pub async fn seed(database: &DatabaseUrl, plan: &SeedPlan) -> anyhow::Result<SeedOutcome> {
    let started = Instant::now();
    let plan = plan.clone();
    let (prepared, plan_year, states) = tokio::task::spawn_blocking({
        let plan = plan.clone();
        move || prepare(&plan)
    })
    .await??;
    let licenses = prepared.licenses.len();
    let (created, reused, logins) = match database {
        DatabaseUrl::Sqlite(SqliteLocation::Memory) => {
            bail!("--database sqlite://:memory: cannot be shared with a server: use a file")
        }
        DatabaseUrl::Sqlite(SqliteLocation::File(path)) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite::seed(&path, &plan, &prepared)).await??
        }
        DatabaseUrl::Postgres(_) => postgres::seed(database, &plan, &prepared).await?,
    };
    Ok(SeedOutcome {
        created,
        reused,
        licenses,
        logins,
        plan_year,
        states,
        elapsed: started.elapsed(),
    })
}

/// One offer of a referral a bench run submitted, as stored: instants in milliseconds since
/// the epoch.
#[derive(Debug, Clone, Copy)]
pub struct StoredOffer {
    pub offered_ms: f64,
    pub deadline_ms: f64,
    pub resolved_ms: Option<f64>,
    pub missed: bool,
}

/// The first offer of every referral whose intake key starts with `key_prefix`.
pub async fn first_offers(
    database: &DatabaseUrl,
    key_prefix: &str,
) -> anyhow::Result<Vec<StoredOffer>> {
    let pattern = format!("{key_prefix}%");
    match database {
        DatabaseUrl::Sqlite(SqliteLocation::File(path)) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite::first_offers(&path, &pattern)).await?
        }
        DatabaseUrl::Sqlite(SqliteLocation::Memory) => Ok(Vec::new()),
        DatabaseUrl::Postgres(_) => postgres::first_offers(database, &pattern).await,
    }
}

mod sqlite {
    use super::*;
    use rusqlite::{params, Connection, TransactionBehavior};
    use std::collections::HashMap;
    use std::path::Path;

    fn open(path: &Path) -> anyhow::Result<Connection> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the SQLite file {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        Ok(conn)
    }

    pub(super) fn seed(
        path: &Path,
        plan: &SeedPlan,
        p: &Prepared,
    ) -> anyhow::Result<(usize, usize, Vec<BenchLogin>)> {
        let mut conn = open(path)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = plan.now.timestamp_millis();
        let others: i64 = tx.query_row(
            "SELECT count(*) FROM agents WHERE username NOT LIKE 'bench-%'",
            [],
            |r| r.get(0),
        )?;
        refuse_foreign(others, plan.force)?;
        let before: i64 = tx.query_row(
            "SELECT count(*) FROM agents WHERE username LIKE 'bench-%'",
            [],
            |r| r.get(0),
        )?;
        // Referrals of earlier runs (offers, notifications and attempts go with them).
        tx.execute("DELETE FROM referrals WHERE intake_key LIKE 'bench-%'", [])?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO agents (npn, name, username, mlms_email, mobile_phone, languages,
                                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (username) DO UPDATE SET suspended_at = NULL,
                     suspension_reason = NULL, updated_at = excluded.updated_at",
            )?;
            for r in &p.rows {
                insert.execute(params![
                    r.npn,
                    r.name,
                    r.username,
                    r.email,
                    r.phone,
                    r.languages,
                    now
                ])?;
            }
        }
        let mut ids: HashMap<usize, i64> = HashMap::new();
        {
            let mut select =
                tx.prepare("SELECT id, username FROM agents WHERE username LIKE 'bench-%'")?;
            let rows =
                select.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, name) = row?;
                if let Some(index) = index_of(&name) {
                    ids.insert(index, id);
                }
            }
        }
        let bench = "(SELECT id FROM agents WHERE username LIKE 'bench-%')";
        tx.execute(
            &format!("DELETE FROM licenses WHERE agent_id IN {bench}"),
            [],
        )?;
        tx.execute(
            &format!("DELETE FROM sessions WHERE agent_id IN {bench}"),
            [],
        )?;
        tx.execute(
            &format!("DELETE FROM changes WHERE agent_id IN {bench}"),
            [],
        )?;
        tx.execute(
            &format!("DELETE FROM idempotency_keys WHERE agent_id IN {bench}"),
            [],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO licenses (agent_id, state, line_of_authority, status, effective_on,
                                       expires_on, imported_at)
                 VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6)",
            )?;
            let effective = p.effective.to_string();
            let expires = p.expires.to_string();
            for (index, state) in &p.licenses {
                let id = ids[index];
                insert.execute(params![
                    id,
                    state,
                    LINE_OF_AUTHORITY,
                    effective,
                    expires,
                    now
                ])?;
            }
        }
        {
            let mut password = tx.prepare(
                "INSERT INTO agent_passwords (agent_id, phc, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (agent_id) DO UPDATE SET phc = excluded.phc",
            )?;
            let mut state = tx.prepare(
                "INSERT INTO agent_state (agent_id, availability, misses_counted_from)
                 VALUES (?1, ?2, ?3)
                 ON CONFLICT (agent_id) DO UPDATE SET availability = excluded.availability,
                     state_preferences = NULL, last_offer_ended_at = NULL,
                     misses_counted_from = excluded.misses_counted_from",
            )?;
            for (&index, &id) in &ids {
                if index < plan.agents {
                    password.execute(params![id, p.phc, now])?;
                }
                let json = if index < plan.available && index < plan.agents {
                    &p.available_json
                } else {
                    &p.unavailable_json
                };
                state.execute(params![id, json, now])?;
            }
        }
        let mut logins = Vec::with_capacity(p.tokens.len());
        {
            let expires = (plan.now + chrono::Duration::days(2)).timestamp_millis();
            let mut insert = tx.prepare(
                "INSERT INTO sessions (agent_id, token_sha256, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut seq = tx.prepare("SELECT change_seq FROM agent_state WHERE agent_id = ?1")?;
            for (index, token) in &p.tokens {
                let id = ids[index];
                insert.execute(params![id, token.hash().0.as_slice(), now, expires])?;
                let after: i64 = seq.query_row([id], |r| r.get(0))?;
                logins.push(BenchLogin {
                    index: *index,
                    agent: id,
                    token: token.expose().to_owned(),
                    after,
                });
            }
        }
        tx.commit()?;
        let before = usize::try_from(before).unwrap_or(0);
        let reused = before.min(plan.agents);
        Ok((plan.agents - reused, reused, logins))
    }

    pub(super) fn first_offers(path: &Path, pattern: &str) -> anyhow::Result<Vec<StoredOffer>> {
        let conn = open(path)?;
        let mut select = conn.prepare(
            "SELECT o.offered_at, o.deadline, o.resolved_at, o.outcome = 'missed'
             FROM offers o JOIN referrals r ON r.id = o.referral_id
             WHERE r.intake_key LIKE ?1
               AND o.id = (SELECT min(f.id) FROM offers f WHERE f.referral_id = r.id)",
        )?;
        let rows = select.query_map([pattern], |r| {
            Ok(StoredOffer {
                offered_ms: r.get::<_, i64>(0)? as f64,
                deadline_ms: r.get::<_, i64>(1)? as f64,
                resolved_ms: r.get::<_, Option<i64>>(2)?.map(|v| v as f64),
                missed: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

mod postgres {
    use super::*;
    use std::collections::HashMap;
    use tokio_postgres::{Client, NoTls};

    async fn connect(database: &DatabaseUrl) -> anyhow::Result<Client> {
        let (client, connection) = tokio_postgres::connect(database.expose_secret(), NoTls)
            .await
            .with_context(|| format!("cannot connect to {database}"))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "bench database connection ended");
            }
        });
        Ok(client)
    }

    pub(super) async fn seed(
        database: &DatabaseUrl,
        plan: &SeedPlan,
        p: &Prepared,
    ) -> anyhow::Result<(usize, usize, Vec<BenchLogin>)> {
        let mut client = connect(database).await?;
        let tx = client.transaction().await?;
        let now = plan.now;
        let others: i64 = tx
            .query_one(
                "SELECT count(*) FROM agents WHERE username NOT LIKE 'bench-%'",
                &[],
            )
            .await?
            .get(0);
        refuse_foreign(others, plan.force)?;
        let before: i64 = tx
            .query_one(
                "SELECT count(*) FROM agents WHERE username LIKE 'bench-%'",
                &[],
            )
            .await?
            .get(0);
        tx.execute("DELETE FROM referrals WHERE intake_key LIKE 'bench-%'", &[])
            .await?;
        for chunk in p.rows.chunks(CHUNK) {
            let col = |f: fn(&AgentRow) -> &String| -> Vec<&str> {
                chunk.iter().map(|r| f(r).as_str()).collect()
            };
            let (npn, name, user, email, phone, langs) = (
                col(|r| &r.npn),
                col(|r| &r.name),
                col(|r| &r.username),
                col(|r| &r.email),
                col(|r| &r.phone),
                col(|r| &r.languages),
            );
            tx.execute(
                "INSERT INTO agents (npn, name, username, mlms_email, mobile_phone, languages,
                                     created_at, updated_at)
                 SELECT n, nm, u, e, p, l, $7, $7
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::text[]) AS t (n, nm, u, e, p, l)
                 ON CONFLICT (username) DO UPDATE SET suspended_at = NULL,
                     suspension_reason = NULL, updated_at = EXCLUDED.updated_at",
                &[&npn, &name, &user, &email, &phone, &langs, &now],
            )
            .await?;
        }
        let mut ids: HashMap<usize, i64> = HashMap::new();
        for row in tx
            .query(
                "SELECT id, username FROM agents WHERE username LIKE 'bench-%'",
                &[],
            )
            .await?
        {
            let name: String = row.get(1);
            if let Some(index) = index_of(&name) {
                ids.insert(index, row.get(0));
            }
        }
        let bench = "(SELECT id FROM agents WHERE username LIKE 'bench-%')";
        for table in ["licenses", "sessions", "changes", "idempotency_keys"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE agent_id IN {bench}"),
                &[],
            )
            .await?;
        }
        for chunk in p.licenses.chunks(CHUNK) {
            let agents: Vec<i64> = chunk.iter().map(|(i, _)| ids[i]).collect();
            let states: Vec<&str> = chunk.iter().map(|(_, s)| *s).collect();
            tx.execute(
                "INSERT INTO licenses (agent_id, state, line_of_authority, status, effective_on,
                                       expires_on, imported_at)
                 SELECT a, s, $3, 'active', $4, $5, $6
                 FROM UNNEST($1::bigint[], $2::text[]) AS t (a, s)",
                &[
                    &agents,
                    &states,
                    &LINE_OF_AUTHORITY,
                    &p.effective,
                    &p.expires,
                    &now,
                ],
            )
            .await?;
        }
        let all: Vec<(usize, i64)> = ids.iter().map(|(i, id)| (*i, *id)).collect();
        for chunk in all.chunks(CHUNK) {
            let seeded: Vec<i64> = chunk
                .iter()
                .filter(|(i, _)| *i < plan.agents)
                .map(|(_, id)| *id)
                .collect();
            tx.execute(
                "INSERT INTO agent_passwords (agent_id, phc, updated_at)
                 SELECT a, $2, $3 FROM UNNEST($1::bigint[]) AS t (a)
                 ON CONFLICT (agent_id) DO UPDATE SET phc = EXCLUDED.phc",
                &[&seeded, &p.phc, &now],
            )
            .await?;
            let agents: Vec<i64> = chunk.iter().map(|(_, id)| *id).collect();
            let json: Vec<&str> = chunk
                .iter()
                .map(|(i, _)| {
                    if *i < plan.available && *i < plan.agents {
                        p.available_json.as_str()
                    } else {
                        p.unavailable_json.as_str()
                    }
                })
                .collect();
            tx.execute(
                "INSERT INTO agent_state (agent_id, availability, misses_counted_from)
                 SELECT a, j, $3 FROM UNNEST($1::bigint[], $2::text[]) AS t (a, j)
                 ON CONFLICT (agent_id) DO UPDATE SET availability = EXCLUDED.availability,
                     state_preferences = NULL, last_offer_ended_at = NULL,
                     misses_counted_from = EXCLUDED.misses_counted_from",
                &[&agents, &json, &now],
            )
            .await?;
        }
        let expires = now + chrono::Duration::days(2);
        let insert = tx
            .prepare(
                "INSERT INTO sessions (agent_id, token_sha256, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .await?;
        let seq = tx
            .prepare("SELECT change_seq FROM agent_state WHERE agent_id = $1")
            .await?;
        let mut logins = Vec::with_capacity(p.tokens.len());
        for (index, token) in &p.tokens {
            let id = ids[index];
            let hash = token.hash().0.to_vec();
            tx.execute(&insert, &[&id, &hash, &now, &expires]).await?;
            let after: i64 = tx.query_one(&seq, &[&id]).await?.get(0);
            logins.push(BenchLogin {
                index: *index,
                agent: id,
                token: token.expose().to_owned(),
                after,
            });
        }
        tx.commit().await?;
        let before = usize::try_from(before).unwrap_or(0);
        let reused = before.min(plan.agents);
        Ok((plan.agents - reused, reused, logins))
    }

    pub(super) async fn first_offers(
        database: &DatabaseUrl,
        pattern: &str,
    ) -> anyhow::Result<Vec<StoredOffer>> {
        let client = connect(database).await?;
        let ms = |column: &str| format!("(EXTRACT(EPOCH FROM {column}) * 1000)::float8");
        let rows = client
            .query(
                &format!(
                    "SELECT {}, {}, {}, o.outcome = 'missed'
                     FROM offers o JOIN referrals r ON r.id = o.referral_id
                     WHERE r.intake_key LIKE $1
                       AND o.id = (SELECT min(f.id) FROM offers f WHERE f.referral_id = r.id)",
                    ms("o.offered_at"),
                    ms("o.deadline"),
                    ms("o.resolved_at"),
                ),
                &[&pattern],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| StoredOffer {
                offered_ms: r.get(0),
                deadline_ms: r.get(1),
                resolved_ms: r.get(2),
                missed: r.get::<_, Option<bool>>(3).unwrap_or(false),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_agents_validate_and_are_recognised_by_name() {
        for i in [0, 1, 2, 99, 99_999] {
            let row = agent_row(i).expect("valid");
            assert_eq!(index_of(&row.username), Some(i));
            assert!(row.email.ends_with("@example.com"));
        }
        assert_eq!(index_of("ana"), None);
        assert_eq!(index_of("bench-000000"), None);
        availability_json(true).expect("available");
        availability_json(false).expect("unavailable");
    }
}
