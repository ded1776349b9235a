//! The README's server section stays true: its example configuration file loads, every
//! setting it shows is in its table, and every `HOD_` variable the command line reads is
//! documented.

use clap::CommandFactory;
use hod_server::cli::Cli;
use hod_server::settings::SettingsLayer;
use std::collections::BTreeSet;

const README: &str = include_str!("../../../../README.md");

fn toml_example() -> &'static str {
    let start = README.find("```toml\n").expect("a TOML example") + "```toml\n".len();
    let end = start + README[start..].find("```").expect("closed");
    &README[start..end]
}

#[test]
fn the_readme_configuration_example_loads() {
    let example = toml_example();
    let layer = SettingsLayer::from_toml(example).unwrap_or_else(|e| panic!("{e}\n{example}"));
    // Every setting is in the example (a new field must be added here, and so to it).
    let SettingsLayer {
        listen,
        database,
        accept_window,
        session_ttl,
        login_failures_per_account,
        login_failures_per_address,
        login_failure_window,
        trusted_proxies,
        admin_api_keys,
        intake_api_keys,
        consecutive_misses_before_suspension,
        referral_max_wait,
        default_time_zone,
        heartbeat_interval,
        heartbeat_timeout,
        dispatch_retry_interval,
        smtp_host,
        smtp_port,
        smtp_tls,
        smtp_username,
        smtp_password,
        mail_from,
        sms_api_url,
        sms_account,
        sms_auth_token,
        sms_from,
        reminders,
        reminder_before,
        notification_timeout,
        notification_max_attempts,
        notification_retry_initial,
        notification_retry_max,
    } = layer;
    let set = [
        listen.is_some(),
        database.is_some(),
        accept_window.is_some(),
        session_ttl.is_some(),
        login_failures_per_account.is_some(),
        login_failures_per_address.is_some(),
        login_failure_window.is_some(),
        trusted_proxies.is_some(),
        admin_api_keys.is_some(),
        intake_api_keys.is_some(),
        consecutive_misses_before_suspension.is_some(),
        referral_max_wait.is_some(),
        default_time_zone.is_some(),
        heartbeat_interval.is_some(),
        heartbeat_timeout.is_some(),
        dispatch_retry_interval.is_some(),
        smtp_host.is_some(),
        smtp_port.is_some(),
        smtp_tls.is_some(),
        smtp_username.is_some(),
        smtp_password.is_some(),
        mail_from.is_some(),
        sms_api_url.is_some(),
        sms_account.is_some(),
        sms_auth_token.is_some(),
        sms_from.is_some(),
        reminders.is_some(),
        reminder_before.is_some(),
        notification_timeout.is_some(),
        notification_max_attempts.is_some(),
        notification_retry_initial.is_some(),
        notification_retry_max.is_some(),
    ];
    assert!(set.iter().all(|s| *s), "a setting is missing: {set:?}");
    for line in example.lines().filter(|l| l.contains(" = ")) {
        let key = line.split(" = ").next().unwrap().trim();
        assert!(
            README.contains(&format!("| `{key}`")),
            "{key} is missing from the settings table"
        );
    }
}

#[test]
fn the_readme_names_every_subcommand() {
    let output = crate::cli::hod_command()
        .arg("--help")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let help = crate::cli::stdout(&output);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.contains(&"seed-demo"), "{help}");
    for command in commands {
        assert!(
            README.contains(&format!("`{command}")),
            "{command} is not in the README"
        );
    }
}

/// Every `HOD_` variable declared on the command line, from clap's own definition.
fn declared_variables() -> BTreeSet<String> {
    fn collect(command: &clap::Command, found: &mut BTreeSet<String>) {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                found.insert(env.to_string_lossy().into_owned());
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, found);
        }
    }
    let mut found = BTreeSet::new();
    collect(&Cli::command(), &mut found);
    found
}

#[test]
fn the_readme_documents_every_hod_variable() {
    let declared = declared_variables();
    assert!(declared.contains("HOD_LISTEN"), "{declared:?}");
    for variable in &declared {
        assert!(
            variable.starts_with("HOD_"),
            "{variable}: the server's variables start with HOD_"
        );
        assert!(
            README.contains(&format!("`{variable}`")),
            "{variable} is not documented in the README"
        );
    }
}

/// Every setting of the configuration file can also be given as a `HOD_` variable (and so a
/// flag): the file's keys are the README example's, which loads (above).
#[test]
fn every_setting_of_the_file_has_a_hod_variable() {
    let declared = declared_variables();
    for line in toml_example().lines().filter(|l| l.contains(" = ")) {
        let key = line.split(" = ").next().unwrap().trim();
        let variable = format!("HOD_{}", key.to_ascii_uppercase());
        assert!(
            declared.contains(&variable),
            "setting {key} has no {variable} on the command line"
        );
    }
}
