//! CSV files operators import: agents and NIPR-like licenses.
//!
//! A file is read whole and checked before anything is written; every bad row is reported
//! by line and field, and the store then writes all rows in one transaction (or none).

use crate::accounts::{AgentInput, LicenseInput};
use crate::store::{NewAgent, NewLicense, StoreError};
use crate::validation::FieldErrors;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;

/// Columns of an agents file, in any order.
pub const AGENT_COLUMNS: [&str; 6] = [
    "npn",
    "name",
    "username",
    "mlms_email",
    "mobile_phone",
    "languages",
];

/// Columns of a licenses file, in any order.
pub const LICENSE_COLUMNS: [&str; 6] = [
    "npn",
    "state",
    "line_of_authority",
    "status",
    "effective",
    "expires",
];

/// At most this many problems are listed; the count of the rest follows.
const MAX_REPORTED: usize = 50;

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {field}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Every problem found in a file; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CsvErrors(pub Vec<CsvError>);

impl fmt::Display for CsvErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().take(MAX_REPORTED).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.0.len() > MAX_REPORTED {
            write!(f, "\n… and {} more", self.0.len() - MAX_REPORTED)?;
        }
        Ok(())
    }
}

impl CsvErrors {
    fn one(line: u64, field: Option<&str>, message: impl Into<String>) -> Self {
        Self(vec![CsvError {
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        }])
    }
}

/// Checked rows and the line each came from.
#[derive(Debug, Clone)]
pub struct Rows<T> {
    pub rows: Vec<T>,
    pub lines: Vec<u64>,
}

impl<T> Rows<T> {
    /// Puts a store's refusal of one row back in the file's terms.
    pub fn locate(&self, error: StoreError) -> Result<CsvErrors, StoreError> {
        match error {
            StoreError::Row {
                index,
                field,
                message,
            } => Ok(CsvErrors::one(
                self.lines.get(index).copied().unwrap_or_default(),
                Some(field),
                message,
            )),
            other => Err(other),
        }
    }
}

/// One data row: its line and its values by column.
type Record = (u64, HashMap<String, String>);

/// Reads rows as maps from column to value, checking the header.
fn records(input: impl Read, columns: &[&str]) -> Result<Vec<Record>, CsvErrors> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| CsvErrors::one(1, None, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    let unknown: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !columns.contains(h))
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        return Err(CsvErrors::one(
            1,
            None,
            format!(
                "the header must name the columns {}{}{}",
                columns.join(","),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("; missing: {}", missing.join(","))
                },
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!("; unknown: {}", unknown.join(","))
                },
            ),
        ));
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                let values = header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect();
                rows.push((line, values));
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push(CsvError {
                    line,
                    field: None,
                    message: csv_error_message(&e),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(CsvErrors(errors))
    }
}

/// The csv crate's message without the record's content (it may hold personal data).
fn csv_error_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8".to_owned(),
        _ => "the line cannot be read as CSV".to_owned(),
    }
}

fn push_field_errors(errors: &mut Vec<CsvError>, line: u64, field_errors: FieldErrors) {
    errors.extend(field_errors.0.into_iter().map(|e| CsvError {
        line,
        field: Some(e.field),
        message: e.message,
    }));
}

/// Records the first line of each key; a repeat is an error naming both lines.
fn check_unique(
    seen: &mut HashMap<String, u64>,
    key: String,
    line: u64,
    field: &str,
    errors: &mut Vec<CsvError>,
) {
    if let Some(first) = seen.get(&key) {
        errors.push(CsvError {
            line,
            field: Some(field.to_owned()),
            message: format!("repeats line {first}"),
        });
    } else {
        seen.insert(key, line);
    }
}

fn value(values: &mut HashMap<String, String>, column: &str) -> String {
    values.remove(column).unwrap_or_default()
}

/// Reads an agents file (`npn,name,username,mlms_email,mobile_phone,languages`); languages
/// are separated by `;`, `|`, spaces or (quoted) commas.
pub fn read_agents(input: impl Read) -> Result<Rows<NewAgent>, CsvErrors> {
    let mut rows = Rows {
        rows: Vec::new(),
        lines: Vec::new(),
    };
    let mut errors = Vec::new();
    let (mut npns, mut usernames) = (HashMap::new(), HashMap::new());
    for (line, mut values) in records(input, &AGENT_COLUMNS)? {
        let input = AgentInput {
            npn: value(&mut values, "npn"),
            name: value(&mut values, "name"),
            username: value(&mut values, "username"),
            mlms_email: value(&mut values, "mlms_email"),
            mobile_phone: value(&mut values, "mobile_phone"),
            languages: value(&mut values, "languages")
                .split(|c: char| c == ';' || c == '|' || c == ',' || c.is_whitespace())
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        match input.validate() {
            Ok(agent) => {
                check_unique(&mut npns, agent.npn.clone(), line, "npn", &mut errors);
                check_unique(
                    &mut usernames,
                    agent.username.clone(),
                    line,
                    "username",
                    &mut errors,
                );
                rows.rows.push(agent);
                rows.lines.push(line);
            }
            Err(field_errors) => push_field_errors(&mut errors, line, field_errors),
        }
    }
    finish(rows, errors)
}

/// Reads a licenses file (`npn,state,line_of_authority,status,effective,expires`).
pub fn read_licenses(input: impl Read) -> Result<Rows<NewLicense>, CsvErrors> {
    let mut rows = Rows {
        rows: Vec::new(),
        lines: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut keys = HashMap::new();
    for (line, mut values) in records(input, &LICENSE_COLUMNS)? {
        let input = LicenseInput {
            npn: value(&mut values, "npn"),
            state: value(&mut values, "state"),
            line_of_authority: value(&mut values, "line_of_authority"),
            status: value(&mut values, "status"),
            effective: value(&mut values, "effective"),
            expires: value(&mut values, "expires"),
        };
        match input.validate() {
            Ok(license) => {
                let key = format!(
                    "{}|{}|{}",
                    license.npn, license.state, license.line_of_authority
                );
                check_unique(&mut keys, key, line, "line_of_authority", &mut errors);
                rows.rows.push(license);
                rows.lines.push(line);
            }
            Err(field_errors) => push_field_errors(&mut errors, line, field_errors),
        }
    }
    finish(rows, errors)
}

fn finish<T>(rows: Rows<T>, mut errors: Vec<CsvError>) -> Result<Rows<T>, CsvErrors> {
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(CsvErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENTS: &str = "\
npn,name,username,mlms_email,mobile_phone,languages
17439876,Ana Pérez,anap,ana@example.com,555-201-0123,en;es
\"20001234\",\"Lee, Sam\",slee,sam@example.com,(555) 201-0456,\"en,es\"
";

    #[test]
    fn a_good_agents_file_reads_with_its_line_numbers() {
        let rows = read_agents(AGENTS.as_bytes()).expect("valid");
        assert_eq!(rows.rows.len(), 2);
        assert_eq!(rows.lines, vec![2, 3]);
        assert_eq!(rows.rows[1].name, "Lee, Sam");
        assert_eq!(rows.rows[1].languages.len(), 2);
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_field() {
        let file = format!("{AGENTS}30001234,Kim,kim,not-an-email,555-201-0789,en\n");
        let errors = read_agents(file.as_bytes()).expect_err("bad e-mail");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, 4);
        assert_eq!(errors.0[0].field.as_deref(), Some("mlms_email"));
        assert!(
            errors.to_string().starts_with("line 4: mlms_email: "),
            "{errors}"
        );
    }

    #[test]
    fn repeated_keys_in_one_file_are_errors() {
        let file = format!("{AGENTS}17439876,Other,other,o@example.com,555-201-0999,en\n");
        let errors = read_agents(file.as_bytes()).expect_err("repeated npn");
        assert_eq!(errors.to_string(), "line 4: npn: repeats line 2");
    }

    #[test]
    fn a_wrong_header_is_an_error_on_line_1() {
        let errors = read_agents("npn,name\n1,x\n".as_bytes()).expect_err("header");
        assert_eq!(errors.0[0].line, 1);
        assert!(errors.to_string().contains("missing: username"), "{errors}");
    }

    #[test]
    fn ragged_rows_do_not_echo_their_content() {
        let file = format!("{AGENTS}1,secret-name\n");
        let errors = read_agents(file.as_bytes()).expect_err("ragged");
        assert_eq!(errors.to_string(), "line 4: expected 6 fields, found 2");
    }

    #[test]
    fn licenses_read_and_check_dates() {
        let file = "\
npn,state,line_of_authority,status,effective,expires
17439876,TX,Accident & Health,Active,2024-01-15,2027-01-31
17439876,FL,Health,active,01/01/2024,
17439876,OH,Health,active,2024-13-01,
";
        let errors = read_licenses(file.as_bytes()).expect_err("bad date");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, 4);
        assert_eq!(errors.0[0].field.as_deref(), Some("effective"));
        let good: String = file.lines().take(3).map(|l| format!("{l}\n")).collect();
        let rows = read_licenses(good.as_bytes()).expect("valid");
        assert_eq!(rows.rows[1].expires, None);
    }
}
