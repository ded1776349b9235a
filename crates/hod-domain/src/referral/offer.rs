//! An offer: one referral pending with one agent, who must answer within the accept window.
//!
//! "A referral must be accepted or rejected within 15 minutes of the notification, or it is
//! reassigned to another agent" (MR-1); "a referral not answered in the window is a *missed*
//! referral for that agent" (MR-2). The window counts from when the server offered the referral,
//! not from when the phone buzzed: slow e-mail or text delivery eats into it (MR-5), which is why
//! the app notification is recommended (CP-2).
//!
//! **The deadline instant belongs to the expiry.** The window is the half-open interval
//! `[offered_at, deadline)`: an answer at `t < deadline` wins, and at `t >= deadline` the only
//! outcome is *Missed*. So when an accept and the expiry timer race at exactly the deadline,
//! [`Offer::resolve`] and [`Offer::expire`] agree on exactly one winner (the expiry).

use super::duration::saturating_add;
use super::policy::ProgramPolicy;
use crate::Rule;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The agent's answer to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferAction {
    Accept,
    /// No penalty (CE-3): the referral goes to the next agent in order of arrival.
    Reject,
}

/// How an offer ended for the agent it was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OfferOutcome {
    /// The agent accepted in time; the referral is theirs (RS-2).
    Accepted,
    /// The agent rejected in time; no penalty (CE-3).
    Rejected,
    /// No answer before the deadline (MR-2); counts towards the alert (MR-3) and suspension (AV-9).
    Missed,
    /// The server took the offer back before it was answered (e.g. the referral was closed).
    /// Not the agent's doing: neither an answer nor a miss.
    Withdrawn,
}

impl OfferOutcome {
    /// Whether the agent answered (accept or reject), which is what AV-9 asks of them.
    pub const fn is_answer(self) -> bool {
        matches!(self, Self::Accepted | Self::Rejected)
    }
}

/// An answer that came at or after the deadline: the referral was already missed (MR-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the accept window closed at {deadline}; the referral was missed and sent to the next available agent (MR-1, MR-2)")]
pub struct AcceptWindowClosed {
    pub deadline: DateTime<Utc>,
}

impl AcceptWindowClosed {
    pub const fn rule(&self) -> Rule {
        Rule::Mr2
    }
}

/// When a referral was offered to an agent and when the offer lapses.
///
/// The deadline is stored, not recomputed, so a policy change never moves the deadline of an
/// offer already made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Offer {
    /// When the referral was assigned (the *Referral Assigned* column, MR-4).
    pub offered_at: DateTime<Utc>,
    /// `offered_at + accept_window` (MR-1); the first instant at which the offer is missed.
    pub deadline: DateTime<Utc>,
}

impl Offer {
    /// An offer made at `offered_at`, lapsing after the policy's accept window (MR-1).
    pub fn new(offered_at: DateTime<Utc>, policy: &ProgramPolicy) -> Self {
        Self {
            offered_at,
            deadline: saturating_add(offered_at, policy.accept_window),
        }
    }

    /// Whether an answer at `now` is still in time: `now < deadline`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.deadline
    }

    /// Time left to answer, zero once the window has closed (for the countdown).
    pub fn time_left(&self, now: DateTime<Utc>) -> Duration {
        (self.deadline - now).max(Duration::zero())
    }

    /// Decides the agent's answer given at `at`: accepted or rejected before the deadline,
    /// [`AcceptWindowClosed`] at or after it (the offer is then [`OfferOutcome::Missed`]).
    pub fn resolve(
        &self,
        action: OfferAction,
        at: DateTime<Utc>,
    ) -> Result<OfferOutcome, AcceptWindowClosed> {
        if !self.is_open(at) {
            return Err(AcceptWindowClosed {
                deadline: self.deadline,
            });
        }
        Ok(match action {
            OfferAction::Accept => OfferOutcome::Accepted,
            OfferAction::Reject => OfferOutcome::Rejected,
        })
    }

    /// What the expiry timer decides at `now`: `Some(Missed)` from the deadline on, `None` while
    /// the agent can still answer.
    pub fn expire(&self, now: DateTime<Utc>) -> Option<OfferOutcome> {
        (!self.is_open(now)).then_some(OfferOutcome::Missed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 3, 14, 0, 0)
            .single()
            .expect("valid instant")
    }

    #[test]
    fn rule_mr_1_deadline_is_offered_at_plus_the_accept_window() {
        let offer = Offer::new(t0(), &ProgramPolicy::PROGRAM);
        assert_eq!(offer.deadline, t0() + Duration::minutes(15));
        assert_eq!(offer.time_left(t0()), Duration::minutes(15));
        assert_eq!(
            offer.time_left(t0() + Duration::minutes(10)),
            Duration::minutes(5)
        );
    }

    #[test]
    fn rule_mr_1_short_accept_windows_for_tests_and_demos() {
        let policy = ProgramPolicy {
            accept_window: Duration::seconds(20),
            ..ProgramPolicy::PROGRAM
        };
        let offer = Offer::new(t0(), &policy);
        assert_eq!(offer.deadline, t0() + Duration::seconds(20));
        let at = t0() + Duration::seconds(19);
        assert_eq!(
            offer.resolve(OfferAction::Accept, at),
            Ok(OfferOutcome::Accepted)
        );
    }

    #[test]
    fn rule_mr_1_answers_inside_the_window_succeed() {
        let offer = Offer::new(t0(), &ProgramPolicy::PROGRAM);
        let last_moment = offer.deadline - Duration::nanoseconds(1);
        assert_eq!(
            offer.resolve(OfferAction::Accept, t0()),
            Ok(OfferOutcome::Accepted)
        );
        assert_eq!(
            offer.resolve(OfferAction::Reject, last_moment),
            Ok(OfferOutcome::Rejected)
        );
        assert_eq!(offer.expire(last_moment), None);
    }

    #[test]
    fn rule_mr_2_at_or_after_the_deadline_the_only_outcome_is_missed() {
        let offer = Offer::new(t0(), &ProgramPolicy::PROGRAM);
        for late in [offer.deadline, offer.deadline + Duration::minutes(3)] {
            for action in [OfferAction::Accept, OfferAction::Reject] {
                let err = offer.resolve(action, late).expect_err("window closed");
                assert_eq!(
                    err,
                    AcceptWindowClosed {
                        deadline: offer.deadline
                    }
                );
                assert_eq!(err.rule(), Rule::Mr2);
            }
            assert_eq!(offer.expire(late), Some(OfferOutcome::Missed));
            assert_eq!(offer.time_left(late), Duration::zero());
        }
    }

    #[test]
    fn rule_mr_2_accept_and_expiry_racing_at_the_deadline_have_one_winner() {
        let offer = Offer::new(t0(), &ProgramPolicy::PROGRAM);
        let at = offer.deadline;
        let accepted = offer.resolve(OfferAction::Accept, at).is_ok();
        let expired = offer.expire(at).is_some();
        assert!(
            !accepted && expired,
            "the deadline instant belongs to the expiry"
        );
    }

    #[test]
    fn withdrawn_is_neither_an_answer_nor_a_miss() {
        assert!(!OfferOutcome::Withdrawn.is_answer());
        assert_ne!(OfferOutcome::Withdrawn, OfferOutcome::Missed);
        assert!(OfferOutcome::Accepted.is_answer() && OfferOutcome::Rejected.is_answer());
    }

    #[test]
    fn offer_serde_round_trips() {
        let offer = Offer::new(t0(), &ProgramPolicy::PROGRAM);
        let json = serde_json::to_value(offer).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({
                "offered_at": "2025-11-03T14:00:00Z",
                "deadline": "2025-11-03T14:15:00Z",
            })
        );
        assert_eq!(
            serde_json::from_value::<Offer>(json).expect("deserialize"),
            offer
        );
        let outcome = serde_json::to_string(&OfferOutcome::Withdrawn).expect("serialize");
        assert_eq!(outcome, "\"withdrawn\"");
    }

    proptest! {
        /// At every instant exactly one of "an answer succeeds" and "the timer expires it" holds.
        #[test]
        fn rule_mr_2_answer_and_expiry_never_both_win(
            window_s in 1i64..3_600,
            offset_ms in -10_000i64..4_000_000,
            accept in any::<bool>(),
        ) {
            let policy = ProgramPolicy { accept_window: Duration::seconds(window_s), ..ProgramPolicy::PROGRAM };
            let offer = Offer::new(t0(), &policy);
            let at = t0() + Duration::milliseconds(offset_ms);
            let action = if accept { OfferAction::Accept } else { OfferAction::Reject };
            let answered = offer.resolve(action, at).is_ok();
            let expired = offer.expire(at).is_some();
            prop_assert!(answered != expired);
            prop_assert_eq!(expired, at >= offer.deadline);
            prop_assert!(offer.time_left(at) >= Duration::zero());
        }
    }
}
