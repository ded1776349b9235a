//! The README's server section stays true: its example configuration file loads, and every
//! setting it shows is in its table.

use hod_server::settings::SettingsLayer;

const README: &str = include_str!("../../../../README.md");

fn toml_example() -> &'static str {
    let start = README.find("```toml\n").expect("a TOML example") + "```toml\n".len();
    let end = start + README[start..].find("```").expect("closed");
    &README[start..end]
}

#[test]
fn the_readme_configuration_example_loads() {
    let example = toml_example();
    SettingsLayer::from_toml(example).unwrap_or_else(|e| panic!("{e}\n{example}"));
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
