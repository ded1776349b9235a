//! Small helpers for the durations of the program policy: whole seconds on the wire, overflow-free
//! arithmetic on instants, and the phrases ("15 minutes", "7 días") the alerts are written with.

use chrono::{DateTime, Duration, Utc};

/// `at + d`, clamped to the representable range instead of panicking.
pub(super) fn saturating_add(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    at.checked_add_signed(d).unwrap_or(if d < Duration::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// `at - d`, clamped to the representable range instead of panicking.
pub(super) fn saturating_sub(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    at.checked_sub_signed(d).unwrap_or(if d < Duration::zero() {
        DateTime::<Utc>::MAX_UTC
    } else {
        DateTime::<Utc>::MIN_UTC
    })
}

/// Serde for a [`Duration`] as a whole number of seconds (`900` for 15 minutes).
///
/// Sub-second parts are dropped when writing; [`super::ProgramPolicy::validate`] rejects them,
/// so a validated policy round-trips exactly.
pub(super) mod seconds {
    use chrono::Duration;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub(in crate::referral) fn serialize<S: Serializer>(
        d: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(d.num_seconds())
    }

    pub(in crate::referral) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        let secs = i64::deserialize(deserializer)?;
        Duration::try_seconds(secs)
            .ok_or_else(|| D::Error::custom(format!("{secs} seconds is out of range")))
    }
}

/// The largest whole unit that measures `d` exactly: (amount, unit index 0=day … 3=second).
fn whole_units(d: Duration) -> (i64, usize) {
    let secs = d.num_seconds();
    const UNITS: [i64; 4] = [86_400, 3_600, 60, 1];
    for (i, unit) in UNITS.iter().enumerate() {
        if secs != 0 && secs % unit == 0 {
            return (secs / unit, i);
        }
    }
    (secs, 3)
}

/// "15 minutes", "1 minute", "7 days", "20 seconds".
pub(super) fn phrase_en(d: Duration) -> String {
    const NAMES: [(&str, &str); 4] = [
        ("day", "days"),
        ("hour", "hours"),
        ("minute", "minutes"),
        ("second", "seconds"),
    ];
    let (n, unit) = whole_units(d);
    let (one, many) = NAMES[unit];
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "15 minutos", "1 minuto", "7 días", "20 segundos".
pub(super) fn phrase_es(d: Duration) -> String {
    const NAMES: [(&str, &str); 4] = [
        ("día", "días"),
        ("hora", "horas"),
        ("minuto", "minutos"),
        ("segundo", "segundos"),
    ];
    let (n, unit) = whole_units(d);
    let (one, many) = NAMES[unit];
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_use_the_largest_exact_unit() {
        assert_eq!(phrase_en(Duration::minutes(15)), "15 minutes");
        assert_eq!(phrase_en(Duration::days(7)), "7 days");
        assert_eq!(phrase_en(Duration::seconds(20)), "20 seconds");
        assert_eq!(phrase_en(Duration::seconds(90)), "90 seconds");
        assert_eq!(phrase_en(Duration::minutes(1)), "1 minute");
        assert_eq!(phrase_es(Duration::days(7)), "7 días");
        assert_eq!(phrase_es(Duration::minutes(15)), "15 minutos");
        assert_eq!(phrase_es(Duration::hours(1)), "1 hora");
    }

    #[test]
    fn instant_arithmetic_saturates() {
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(saturating_add(max, Duration::days(1)), max);
        let min = DateTime::<Utc>::MIN_UTC;
        assert_eq!(saturating_sub(min, Duration::days(1)), min);
    }
}
