//! `--spawn N`: start N `hod-server serve` processes (this binary) on the bench database,
//! each on 127.0.0.1:0, and stop them when the bench ends.

use anyhow::{anyhow, bail, Context};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Settings of the spawned servers.
#[derive(Debug, Clone)]
pub struct SpawnOptions {
    pub count: usize,
    /// The `--database` URL, with its password (passed in the environment, not argv).
    pub database: String,
    pub intake_key: String,
    pub accept_window: Duration,
    /// Where each server's log goes (`hod-bench-server-<i>.log`).
    pub log_dir: PathBuf,
}

/// The running servers; killed when dropped.
#[derive(Debug)]
pub struct Spawned {
    children: Vec<Child>,
    pub urls: Vec<url::Url>,
    pub logs: Vec<PathBuf>,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the servers one after the other (the first migrates) and waits for each to print
/// its address.
pub async fn spawn(options: SpawnOptions) -> anyhow::Result<Spawned> {
    tokio::task::spawn_blocking(move || spawn_blocking(&options)).await?
}

fn spawn_blocking(options: &SpawnOptions) -> anyhow::Result<Spawned> {
    let exe = std::env::current_exe().context("cannot find this program to spawn servers")?;
    let mut spawned = Spawned {
        children: Vec::new(),
        urls: Vec::new(),
        logs: Vec::new(),
    };
    let window = humantime::format_duration(options.accept_window).to_string();
    for i in 0..options.count {
        let log = options
            .log_dir
            .join(format!("hod-bench-server-{}.log", i + 1));
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut child = Command::new(&exe)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--accept-window", &window])
            // A bench agent may miss many offers in a row: never suspend them (AV-9).
            .args(["--consecutive-misses-before-suspension", "1000000"])
            .args(["--reminders", "off"])
            .env("HOD_DATABASE", &options.database)
            .env("HOD_INTAKE_API_KEYS", &options.intake_key)
            .env_remove("HOD_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .context("cannot start hod-server serve")?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout from the spawned server"))?;
        spawned.children.push(child);
        spawned.logs.push(log.clone());
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        reader.read_line(&mut line)?;
        // Keep the pipe open (and drained) for the server's lifetime.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let Some(address) = line.trim().strip_prefix("listening on ") else {
            bail!(
                "spawned server {} did not start (see {}): {:?}",
                i + 1,
                log.display(),
                line.trim()
            );
        };
        spawned
            .urls
            .push(address.parse().context("the spawned server's address")?);
    }
    Ok(spawned)
}
