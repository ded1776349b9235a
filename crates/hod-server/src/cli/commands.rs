//! What each subcommand does.

use super::{AgentsCommand, Cli, Command, LicensesCommand, NotificationsCommand};
use crate::accounts::{self, normalize_username, LoginError};
use crate::clock::{Clock, SystemClock};
use crate::http::{launch_with, Services};
use crate::import::{self, CsvErrors, Rows};
use crate::store::{self, DynStore, ImportSummary, StoreError};
use anyhow::{anyhow, bail, Context};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // The simulator talks to a server over HTTP: it opens no database.
    if let Command::Simulate(args) = cli.command {
        return simulate(args).await;
    }
    if matches!(cli.command, Command::Bench(_)) && cli.database.is_none() {
        bail!("bench needs --database URL: the database the servers use (it seeds bench agents there)");
    }
    let settings = cli.settings()?;
    let store = store::open(&settings.database)
        .await
        .with_context(|| format!("cannot open {}", settings.database))?;
    let applied = store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let now = SystemClock.now();
    match cli.command {
        Command::Serve(_) => {
            let listener = tokio::net::TcpListener::bind(settings.listen)
                .await
                .with_context(|| format!("cannot listen on {}", settings.listen))?;
            let address = listener.local_addr()?;
            println!("listening on http://{address}");
            std::io::stdout().flush()?;
            let services = Services {
                store,
                clock: Arc::new(SystemClock),
            };
            launch_with(services, settings, listener, shutdown_signal()).await?;
        }
        Command::Migrate => {
            if applied.is_empty() {
                println!("the database is up to date");
            }
            for m in applied {
                println!("applied {:04}_{}", m.version, m.name);
            }
        }
        Command::Agents(AgentsCommand::Import { csv }) => {
            let rows = read(&csv, import::read_agents)?;
            let summary = store.import_agents(&rows.rows, now).await;
            report("agents", summary_or_located(summary, &rows)?);
        }
        Command::Licenses(LicensesCommand::Import { csv }) => {
            let rows = read(&csv, import::read_licenses)?;
            let summary = store.import_licenses(&rows.rows, now).await;
            report("licenses", summary_or_located(summary, &rows)?);
        }
        Command::Agents(AgentsCommand::Suspend { npn, reason }) => {
            let reason = reason.trim();
            if reason.is_empty() {
                bail!("--reason must say why: the agent reads it");
            }
            let agent = store
                .suspend_agent(npn.trim(), reason, now)
                .await
                .map_err(|e| no_such_npn(e, &npn))?;
            println!("suspended the agent with NPN {}", agent.npn);
        }
        Command::Agents(AgentsCommand::Reinstate { npn }) => {
            let agent = store
                .reinstate_agent(npn.trim(), now)
                .await
                .map_err(|e| no_such_npn(e, &npn))?;
            println!("reinstated the agent with NPN {}", agent.npn);
        }
        Command::Agents(AgentsCommand::SetPassword { username }) => {
            set_password(&store, &username).await?;
        }
        Command::Notifications(NotificationsCommand::List { failed, limit }) => {
            let filter = if failed {
                crate::notify::NotificationFilter::Failed
            } else {
                crate::notify::NotificationFilter::All
            };
            let rows = store.notifications(filter, limit).await?;
            print!("{}", notification_table(&rows));
        }
        Command::SeedDemo => {
            let report = crate::demo::seed(&store, now).await?;
            print!("{}", crate::demo::render_report(&report));
        }
        Command::Bench(args) => {
            bench(*args, &settings.database, now).await?;
        }
        Command::Simulate(_) => unreachable!("handled before the database is opened"),
    }
    Ok(())
}

async fn simulate(args: super::SimulateArgs) -> anyhow::Result<()> {
    let seed = match args.seed {
        Some(seed) => seed,
        None => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random seed: {e}"))?;
            u64::from_le_bytes(bytes)
        }
    };
    let options = crate::simulate::SimulateOptions {
        server: args.server,
        intake_key: args.intake_key,
        rate: args.rate,
        count: args.count,
        seed,
        today: SystemClock.now().date_naive(),
    };
    let mut out = std::io::stdout();
    let summary = crate::simulate::run(options, &mut out, shutdown_signal()).await?;
    if summary.submitted == 0 && summary.failed > 0 {
        bail!("no referral was accepted by the server");
    }
    Ok(())
}

async fn bench(
    args: super::BenchArgs,
    database: &crate::store::DatabaseUrl,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let command = crate::bench::BenchCommand {
        scenario: args.scenario,
        servers: args.servers,
        spawn: args.spawn,
        accept_window: args.accept_window.0,
        intake_key: args.intake_key,
        agents: args.agents,
        sockets: args.sockets,
        referrals: args.referrals,
        rate: args.rate,
        concurrency: args.concurrency,
        mix: args.mix,
        think: args.think.0,
        states_per_agent: args.states_per_agent.0,
        wait: args.wait.0,
        seed: args.seed,
        force: args.force,
        json: args.json,
    };
    let mut out = std::io::stdout();
    crate::bench::run_command(command, database, now, &mut out).await?;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn read<T>(
    path: &Path,
    parse: impl FnOnce(std::fs::File) -> Result<Rows<T>, CsvErrors>,
) -> anyhow::Result<Rows<T>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    parse(file).map_err(|errors| {
        anyhow!(
            "{} was not imported (nothing was written):\n{errors}",
            path.display()
        )
    })
}

fn summary_or_located<T>(
    summary: Result<ImportSummary, StoreError>,
    rows: &Rows<T>,
) -> anyhow::Result<ImportSummary> {
    summary.map_err(|error| match rows.locate(error) {
        Ok(errors) => anyhow!("nothing was imported:\n{errors}"),
        Err(other) => other.into(),
    })
}

fn report(what: &str, summary: ImportSummary) {
    println!(
        "{what}: {} created, {} updated, {} unchanged",
        summary.created, summary.updated, summary.unchanged
    );
}

fn no_such_npn(error: StoreError, npn: &str) -> anyhow::Error {
    match error {
        StoreError::NotFound { .. } => anyhow!("no agent has NPN {}", npn.trim()),
        other => other.into(),
    }
}

async fn set_password(store: &DynStore, username: &str) -> anyhow::Result<()> {
    let username = normalize_username(username);
    let agent = store
        .agent_by_username(&username)
        .await?
        .ok_or_else(|| anyhow!("no agent has the username {username:?}"))?;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("new password for {username} (shown as typed; pipe it in to hide it): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    match accounts::set_password(store.as_ref(), agent.id, password, SystemClock.now()).await {
        Ok(()) => {
            println!("password set for {username}; their sessions were ended");
            Ok(())
        }
        Err(LoginError::Invalid(errors)) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            bail!("the password was not set:\n{}", lines.join("\n"))
        }
        Err(other) => Err(other.into()),
    }
}

/// The operator's table of outbox rows: ids, channel, kind, state, attempts, times and the
/// last error (the sender's own words). No address, number or consumer detail is stored in
/// a row, so none can be printed.
pub fn notification_table(rows: &[crate::notify::NotificationRow]) -> String {
    use crate::store::records::to_text;
    use std::fmt::Write as _;
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no messages\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:>6}  {:<7}  {:<8}  {:<9}  {:>8}  {:>8}  {:>8}  {:>6}  {:<24}  {:<24}  LAST ERROR",
        "ID",
        "CHANNEL",
        "KIND",
        "STATE",
        "ATTEMPTS",
        "OFFER",
        "REFERRAL",
        "AGENT",
        "CREATED",
        "NEXT / HANDED OVER"
    );
    let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    for row in rows {
        let when = row
            .handed_over_at
            .map_or_else(|| time(row.next_attempt_at), time);
        let _ = writeln!(
            out,
            "{:>6}  {:<7}  {:<8}  {:<9}  {:>8}  {:>8}  {:>8}  {:>6}  {:<24}  {:<24}  {}",
            row.id,
            to_text(&row.channel),
            to_text(&row.kind),
            to_text(&row.state),
            row.attempts,
            row.offer_id,
            row.referral.0,
            row.agent.0,
            time(row.created_at),
            when,
            row.last_error.as_deref().unwrap_or("-"),
        );
    }
    out
}
