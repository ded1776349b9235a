//! Failed-login throttling, per account and per client address.
//!
//! Each subject has a fixed window: the first failure starts it, and once `limit` failures
//! fall inside it, logins for that subject are refused (429, `Retry-After`) until it ends,
//! even with the right password — otherwise the lock would still let a guesser learn when
//! a guess is right. A successful login clears the account's counter but not the address's,
//! so one good account cannot be used to keep guessing others from the same address.
//!
//! Counters live in the store, so every server instance on one database shares them.

use crate::store::{FailureWindow, Store, StoreResult};
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::time::Duration;

/// How many failures are allowed in one window, per account and per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            per_account: 5,
            // Higher than per account: an office of agents may share one address.
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The counter key for an account (a normalised username, existing or not).
pub fn account_subject(username: &str) -> String {
    format!("account:{username}")
}

/// The counter key for a client address (IPv4-mapped IPv6 counted as IPv4).
pub fn address_subject(address: IpAddr) -> String {
    format!("address:{}", address.to_canonical())
}

/// How long a subject with this window must wait at `now`, if it is blocked.
pub fn wait(
    window: &FailureWindow,
    limit: u32,
    length: Duration,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if window.failures < limit {
        return None;
    }
    let ends = window.started_at + chrono::Duration::from_std(length).ok()?;
    (ends - now).to_std().ok().filter(|d| !d.is_zero())
}

fn subjects(policy: &ThrottlePolicy, username: &str, address: IpAddr) -> [(String, u32); 2] {
    [
        (account_subject(username), policy.per_account),
        (address_subject(address), policy.per_address),
    ]
}

/// The longest wait imposed on this login attempt, if any.
pub async fn blocked_for(
    store: &dyn Store,
    policy: &ThrottlePolicy,
    username: &str,
    address: IpAddr,
    now: DateTime<Utc>,
) -> StoreResult<Option<Duration>> {
    let mut longest: Option<Duration> = None;
    for (subject, limit) in subjects(policy, username, address) {
        if let Some(window) = store.login_failures(&subject).await? {
            longest = longest.max(wait(&window, limit, policy.window, now));
        }
    }
    Ok(longest)
}

/// Counts one failed login against the account and the address.
pub async fn record_failure(
    store: &dyn Store,
    policy: &ThrottlePolicy,
    username: &str,
    address: IpAddr,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for (subject, _) in subjects(policy, username, address) {
        store
            .record_login_failure(&subject, now, policy.window)
            .await?;
    }
    Ok(())
}

/// Forgets the account's failures after a successful login.
pub async fn record_success(store: &dyn Store, username: &str) -> StoreResult<()> {
    store.clear_login_failures(&account_subject(username)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_full_window_blocks_until_it_ends() {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
            .single()
            .expect("valid");
        let window = FailureWindow {
            failures: 5,
            started_at: start,
        };
        let length = Duration::from_secs(900);
        let later = start + chrono::Duration::minutes(5);
        assert_eq!(
            wait(&window, 5, length, later),
            Some(Duration::from_secs(600))
        );
        assert_eq!(wait(&window, 6, length, later), None);
        assert_eq!(
            wait(&window, 5, length, start + chrono::Duration::minutes(15)),
            None
        );
    }

    #[test]
    fn mapped_ipv6_addresses_count_as_ipv4() {
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().expect("ip");
        assert_eq!(address_subject(mapped), "address:10.1.2.3");
    }
}
