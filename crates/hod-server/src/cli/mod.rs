//! The `hod-server` command line: `serve`, `migrate` and the operator commands.
//!
//! Every subcommand that touches data takes the same `--database URL` (or `HOD_DATABASE`,
//! or `database` in the `--config` file), and brings the schema up to date before it runs.

mod commands;

pub use commands::notification_table;

use crate::http::forwarded::TrustedProxy;
use crate::settings::{ApiKey, HumanDuration, Secret, Settings, SettingsLayer, SmtpTls};
use crate::store::DatabaseUrl;
use clap::{Args, Parser, Subcommand};
use hod_domain::availability::AgentTimeZone;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Help On Demand server and operator tools.
#[derive(Debug, Parser)]
#[command(name = "hod-server", version, about)]
pub struct Cli {
    /// TOML configuration file with the settings of `serve` (listen, database,
    /// accept_window, admin_api_keys, …: see the README); flags and HOD_ variables win over
    /// it.
    #[arg(long, global = true, env = "HOD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// sqlite://PATH or postgres://USER:PASSWORD@HOST/DB [default: a SQLite file in the OS
    /// data folder]
    #[arg(
        long,
        global = true,
        env = "HOD_DATABASE",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrates the database first).
    Serve(Box<ServeArgs>),
    /// Bring the database schema up to date.
    Migrate,
    /// Provision and manage agents.
    #[command(subcommand)]
    Agents(AgentsCommand),
    /// Import agents' state licenses.
    #[command(subcommand)]
    Licenses(LicensesCommand),
    /// Create (or restore) a few fictional demo agents with licenses in HealthCare.gov
    /// states, and print their logins. Safe to run again.
    SeedDemo,
    /// Operators' view of the notification outbox (e-mail, text, app reminders).
    #[command(subcommand)]
    Notifications(NotificationsCommand),
    /// Post realistic, fictional consumer referrals to a running server's intake API.
    /// Prints one line per referral (id, state, language; no personal data).
    Simulate(SimulateArgs),
    /// Load test (issue 7): seed bench agents into --database, open WebSockets, post
    /// referrals, answer them with a mix, and report throughput, latencies and expiry
    /// lateness. Refuses a database with other agents unless --force.
    Bench(Box<BenchArgs>),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure: load (routing, offer latency, answers) or expiry (many pending
    /// offers left to expire)
    #[arg(long, default_value = "load", value_name = "load|expiry")]
    pub scenario: crate::bench::Scenario,

    /// Base URL of a running server on the same --database (repeat, or comma-separate,
    /// for several instances)
    #[arg(long = "server", value_delimiter = ',', value_name = "URL")]
    pub servers: Vec<url::Url>,

    /// Start N `hod-server serve` processes on --database (127.0.0.1:0) instead, stopped
    /// at the end
    #[arg(long, value_name = "N")]
    pub spawn: Option<usize>,

    /// Accept window of the spawned servers (with --spawn)
    #[arg(long, default_value = "15m", value_name = "DURATION")]
    pub accept_window: HumanDuration,

    /// An intake API key the servers accept [default with --spawn: a generated one]
    #[arg(
        long,
        env = "HOD_BENCH_INTAKE_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub intake_key: Option<String>,

    /// Bench agents (bench-000001 …) in the database
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub agents: usize,

    /// WebSocket clients on /v1/events, spread over the servers (load: these agents are
    /// the available ones; expiry: a sample of the agents)
    #[arg(long, default_value_t = 1_000, value_name = "M")]
    pub sockets: usize,

    /// Referrals to submit [default: 10000 for load, --agents for expiry]
    #[arg(long, value_name = "R")]
    pub referrals: Option<usize>,

    /// Submission rate: max (as fast as --concurrency allows), or e.g. 500/s, 6000/min
    #[arg(long, default_value = "max", value_name = "RATE")]
    pub rate: crate::bench::BenchRate,

    /// Intake requests in flight at most
    #[arg(long, default_value_t = 64, value_name = "C")]
    pub concurrency: usize,

    /// Percentages of first offers accepted, rejected and left to expire (load scenario;
    /// a referral offered again is accepted)
    #[arg(long, default_value = "70,20,10", value_name = "A,R,E")]
    pub mix: crate::bench::Mix,

    /// How long an agent takes to answer an offer
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub think: HumanDuration,

    /// Licensed states per bench agent, rotating through the plan year's HealthCare.gov
    /// states; a number or all
    #[arg(long, default_value = "3", value_name = "K|all", value_parser = parse_states_per_agent)]
    pub states_per_agent: StatesPerAgent,

    /// Longest wait for the outcomes after the last submission (expiry: after the last
    /// deadline seen)
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    pub wait: HumanDuration,

    /// Seed of the consumers and of the accept/reject/expire decisions [default: random]
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Seed even though the database holds agents that are not bench agents
    #[arg(long)]
    pub force: bool,

    /// Also write the report as JSON to this file
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// `--states-per-agent`: a number, or every state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatesPerAgent(pub Option<usize>);

fn parse_states_per_agent(text: &str) -> Result<StatesPerAgent, String> {
    match text.trim() {
        "all" => Ok(StatesPerAgent(None)),
        n => match n.parse::<usize>() {
            Ok(k) if k > 0 => Ok(StatesPerAgent(Some(k))),
            _ => Err(format!("{n:?}: give a number of states (1 or more) or all")),
        },
    }
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Referrals per minute, hour or second: 2/min, 30/h, 1/s
    #[arg(long, default_value = "2/min", value_name = "N/min")]
    pub rate: crate::simulate::Rate,

    /// Base URL of the server
    #[arg(
        long,
        env = "HOD_SIMULATE_SERVER",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub server: url::Url,

    /// An intake API key the server accepts (one of its --intake-api-key)
    #[arg(
        long,
        env = "HOD_SIMULATE_INTAKE_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub intake_key: String,

    /// Stop after this many referrals [default: run until Ctrl-C]
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,

    /// Seed for the fictional consumers, to repeat a run [default: random]
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080]
    #[arg(long, env = "HOD_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Time an agent has to accept or reject an offer, e.g. 15m or 20s [default: 15m]
    #[arg(long, env = "HOD_ACCEPT_WINDOW", value_name = "DURATION")]
    pub accept_window: Option<HumanDuration>,

    /// Lifetime of a login session [default: 12h]
    #[arg(long, env = "HOD_SESSION_TTL", value_name = "DURATION")]
    pub session_ttl: Option<HumanDuration>,

    /// Failed logins allowed per account in one window [default: 5]
    #[arg(long, env = "HOD_LOGIN_FAILURES_PER_ACCOUNT", value_name = "N")]
    pub login_failures_per_account: Option<u32>,

    /// Failed logins allowed per client address in one window [default: 20]
    #[arg(long, env = "HOD_LOGIN_FAILURES_PER_ADDRESS", value_name = "N")]
    pub login_failures_per_address: Option<u32>,

    /// Length of the failed-login window [default: 15m]
    #[arg(long, env = "HOD_LOGIN_FAILURE_WINDOW", value_name = "DURATION")]
    pub login_failure_window: Option<HumanDuration>,

    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names
    /// the client for the per-address login limit [default: none]
    #[arg(
        long = "trusted-proxy",
        env = "HOD_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "ADDR"
    )]
    pub trusted_proxies: Vec<TrustedProxy>,

    /// Admin API keys, comma-separated (prefer the variable or the file: flags show in `ps`)
    #[arg(
        long = "admin-api-key",
        env = "HOD_ADMIN_API_KEYS",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "KEY"
    )]
    pub admin_api_keys: Vec<ApiKey>,

    /// Intake API keys, comma-separated
    #[arg(
        long = "intake-api-key",
        env = "HOD_INTAKE_API_KEYS",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "KEY"
    )]
    pub intake_api_keys: Vec<ApiKey>,

    /// Missed offers in a row that suspend an agent until an operator reinstates them
    /// (AV-9) [default: 3]
    #[arg(
        long,
        env = "HOD_CONSECUTIVE_MISSES_BEFORE_SUSPENSION",
        value_name = "N"
    )]
    pub consecutive_misses_before_suspension: Option<u32>,

    /// How long a referral waits for an agent before it closes as unassigned [default: 24h]
    #[arg(long, env = "HOD_REFERRAL_MAX_WAIT", value_name = "DURATION")]
    pub referral_max_wait: Option<HumanDuration>,

    /// IANA zone of the default hours (AV-1) for agents who never saved a schedule
    /// [default: America/New_York]
    #[arg(
        long,
        env = "HOD_DEFAULT_TIME_ZONE",
        value_name = "ZONE",
        value_parser = parse_time_zone
    )]
    pub default_time_zone: Option<AgentTimeZone>,

    /// Time between heartbeats on the /v1/events WebSocket [default: 10s]
    #[arg(long, env = "HOD_HEARTBEAT_INTERVAL", value_name = "DURATION")]
    pub heartbeat_interval: Option<HumanDuration>,

    /// A WebSocket that answers no ping for this long is closed [default: 30s]
    #[arg(long, env = "HOD_HEARTBEAT_TIMEOUT", value_name = "DURATION")]
    pub heartbeat_timeout: Option<HumanDuration>,

    /// Time between routing retries of a waiting referral, when no change of availability
    /// comes sooner [default: 60s]
    #[arg(long, env = "HOD_DISPATCH_RETRY_INTERVAL", value_name = "DURATION")]
    pub dispatch_retry_interval: Option<HumanDuration>,

    /// SMTP relay for e-mail notifications (CP-1, CP-3) [default: none: e-mail off]
    #[arg(long, env = "HOD_SMTP_HOST", value_name = "HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port [default: 25, 587 or 465 by --smtp-tls]
    #[arg(long, env = "HOD_SMTP_PORT", value_name = "PORT")]
    pub smtp_port: Option<u16>,

    /// How the SMTP connection is secured: none, starttls or tls [default: starttls]
    #[arg(long, env = "HOD_SMTP_TLS", value_name = "MODE")]
    pub smtp_tls: Option<SmtpTls>,

    /// SMTP user name (with --smtp-password)
    #[arg(long, env = "HOD_SMTP_USERNAME", value_name = "USER")]
    pub smtp_username: Option<String>,

    /// SMTP password (prefer the variable or the file: flags show in `ps`)
    #[arg(
        long,
        env = "HOD_SMTP_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub smtp_password: Option<Secret>,

    /// From address of the e-mails, e.g. "Help On Demand <hod@example.org>"
    #[arg(long, env = "HOD_MAIL_FROM", value_name = "ADDRESS")]
    pub mail_from: Option<String>,

    /// Base URL of the SMS provider's API (Twilio form), e.g.
    /// https://api.twilio.com/2010-04-01 [default: none: text off]
    #[arg(long, env = "HOD_SMS_API_URL", value_name = "URL")]
    pub sms_api_url: Option<url::Url>,

    /// SMS provider account (basic-auth user)
    #[arg(long, env = "HOD_SMS_ACCOUNT", value_name = "ACCOUNT")]
    pub sms_account: Option<String>,

    /// SMS provider token (basic-auth password; prefer the variable or the file)
    #[arg(
        long,
        env = "HOD_SMS_AUTH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub sms_auth_token: Option<Secret>,

    /// Sender number of the text messages, e.g. +15125550100
    #[arg(long, env = "HOD_SMS_FROM", value_name = "NUMBER")]
    pub sms_from: Option<String>,

    /// Remind agents of a pending offer on text and app: on or off [default: on]
    #[arg(long, env = "HOD_REMINDERS", value_name = "on|off", value_parser = parse_on_off)]
    pub reminders: Option<bool>,

    /// How long before an offer's deadline the reminder goes out [default: 5m]
    #[arg(long, env = "HOD_REMINDER_BEFORE", value_name = "DURATION")]
    pub reminder_before: Option<HumanDuration>,

    /// Longest one handover to the SMTP server or SMS provider may take [default: 10s]
    #[arg(long, env = "HOD_NOTIFICATION_TIMEOUT", value_name = "DURATION")]
    pub notification_timeout: Option<HumanDuration>,

    /// Attempts before a message is given up as a dead letter [default: 8]
    #[arg(long, env = "HOD_NOTIFICATION_MAX_ATTEMPTS", value_name = "N")]
    pub notification_max_attempts: Option<u32>,

    /// Delay before the first retry of a failed message, doubled each time [default: 5s]
    #[arg(long, env = "HOD_NOTIFICATION_RETRY_INITIAL", value_name = "DURATION")]
    pub notification_retry_initial: Option<HumanDuration>,

    /// Longest delay between retries [default: 2m]
    #[arg(long, env = "HOD_NOTIFICATION_RETRY_MAX", value_name = "DURATION")]
    pub notification_retry_max: Option<HumanDuration>,
}

fn parse_on_off(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        other => Err(format!("{other:?}: use on or off")),
    }
}

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List the newest messages: id, channel, kind, state, attempts, offer, agent, times,
    /// last error. Never a consumer's details.
    List {
        /// Only messages given up (dead letters) or waiting to be retried after a failure
        #[arg(long)]
        failed: bool,
        /// How many to show
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: u32,
    },
}

fn parse_time_zone(text: &str) -> Result<AgentTimeZone, String> {
    AgentTimeZone::parse("default_time_zone", text.trim()).map_err(|e| e.message)
}

#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// Create or update agents from a CSV file (npn,name,username,mlms_email,mobile_phone,
    /// languages), all or nothing.
    Import {
        /// The CSV file
        csv: PathBuf,
    },
    /// Suspend an agent (AV-9): they can log in and see why, and get no referrals.
    Suspend {
        npn: String,
        /// Why, as the agent will read it
        #[arg(long)]
        reason: String,
    },
    /// Lift an agent's suspension.
    Reinstate { npn: String },
    /// Set an agent's password, read from standard input; ends their sessions.
    SetPassword { username: String },
}

#[derive(Debug, Subcommand)]
pub enum LicensesCommand {
    /// Create or update licenses from a NIPR-like CSV file (npn,state,line_of_authority,
    /// status,effective,expires), all or nothing.
    Import {
        /// The CSV file
        csv: PathBuf,
    },
}

impl Cli {
    /// The settings for this invocation: defaults, file, then environment and flags.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut overrides = SettingsLayer {
            database: self
                .database
                .as_deref()
                .map(str::parse::<DatabaseUrl>)
                .transpose()?,
            ..SettingsLayer::default()
        };
        if let Command::Serve(serve) = &self.command {
            overrides.listen = serve.listen;
            overrides.accept_window = serve.accept_window;
            overrides.session_ttl = serve.session_ttl;
            overrides.login_failures_per_account = serve.login_failures_per_account;
            overrides.login_failures_per_address = serve.login_failures_per_address;
            overrides.login_failure_window = serve.login_failure_window;
            overrides.trusted_proxies =
                (!serve.trusted_proxies.is_empty()).then(|| serve.trusted_proxies.clone());
            overrides.admin_api_keys =
                (!serve.admin_api_keys.is_empty()).then(|| serve.admin_api_keys.clone());
            overrides.intake_api_keys =
                (!serve.intake_api_keys.is_empty()).then(|| serve.intake_api_keys.clone());
            overrides.consecutive_misses_before_suspension =
                serve.consecutive_misses_before_suspension;
            overrides.referral_max_wait = serve.referral_max_wait;
            overrides.default_time_zone = serve.default_time_zone;
            overrides.heartbeat_interval = serve.heartbeat_interval;
            overrides.heartbeat_timeout = serve.heartbeat_timeout;
            overrides.dispatch_retry_interval = serve.dispatch_retry_interval;
            overrides.smtp_host = serve.smtp_host.clone();
            overrides.smtp_port = serve.smtp_port;
            overrides.smtp_tls = serve.smtp_tls;
            overrides.smtp_username = serve.smtp_username.clone();
            overrides.smtp_password = serve.smtp_password.clone();
            overrides.mail_from = serve.mail_from.clone();
            overrides.sms_api_url = serve.sms_api_url.clone();
            overrides.sms_account = serve.sms_account.clone();
            overrides.sms_auth_token = serve.sms_auth_token.clone();
            overrides.sms_from = serve.sms_from.clone();
            overrides.reminders = serve.reminders;
            overrides.reminder_before = serve.reminder_before;
            overrides.notification_timeout = serve.notification_timeout;
            overrides.notification_max_attempts = serve.notification_max_attempts;
            overrides.notification_retry_initial = serve.notification_retry_initial;
            overrides.notification_retry_max = serve.notification_retry_max;
        }
        Ok(Settings::load(self.config.as_deref(), overrides)?)
    }
}

/// Runs the command line; the binary's `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = !matches!(cli.command, Command::Serve(_));
    crate::telemetry::init(if quiet { "warn" } else { "info" });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
