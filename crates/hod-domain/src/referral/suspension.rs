//! AV-9: "continued failure to respond to referrals (neither accepting nor rejecting) can get the
//! HOD account suspended."
//!
//! "Continued" is read as a run of consecutive missed offers, the latest ones: any answer breaks
//! the run, including a reject, since rejecting carries no penalty (CE-3). A withdrawn offer (taken
//! back by the server) neither breaks nor extends it — the agent was not given the full window.

use super::offer::OfferOutcome;
use super::policy::ProgramPolicy;

/// The number of misses at the end of `outcomes`, given **oldest first** (reverse a newest-first
/// query with `.rev()`). Withdrawn offers are skipped.
pub fn consecutive_misses(outcomes: impl IntoIterator<Item = OfferOutcome>) -> u32 {
    outcomes.into_iter().fold(0, |run, outcome| match outcome {
        OfferOutcome::Missed => run.saturating_add(1),
        OfferOutcome::Accepted | OfferOutcome::Rejected => 0,
        OfferOutcome::Withdrawn => run,
    })
}

/// Whether the latest outcomes (oldest first) call for suspension under `policy` (AV-9).
pub fn suspension_due(
    outcomes: impl IntoIterator<Item = OfferOutcome>,
    policy: &ProgramPolicy,
) -> bool {
    consecutive_misses(outcomes) >= policy.consecutive_misses_before_suspension
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferOutcome::*;

    #[test]
    fn rule_av_9_counts_the_latest_run_of_misses() {
        assert_eq!(consecutive_misses([]), 0);
        assert_eq!(consecutive_misses([Missed, Missed, Accepted, Missed]), 1);
        assert_eq!(consecutive_misses([Accepted, Missed, Missed]), 2);
        assert_eq!(consecutive_misses([Missed, Withdrawn, Missed]), 2);
    }

    #[test]
    fn rule_av_9_three_consecutive_misses_suspend_by_default() {
        let policy = ProgramPolicy::PROGRAM;
        assert!(!suspension_due([Missed, Missed], &policy));
        assert!(suspension_due([Missed, Missed, Missed], &policy));
        assert!(suspension_due(
            [Accepted, Missed, Withdrawn, Missed, Missed],
            &policy
        ));
        let strict = ProgramPolicy {
            consecutive_misses_before_suspension: 1,
            ..policy
        };
        assert!(suspension_due([Missed], &strict));
    }

    #[test]
    fn rule_ce_3_rejecting_carries_no_penalty() {
        let policy = ProgramPolicy::PROGRAM;
        assert_eq!(
            consecutive_misses([Rejected, Rejected, Rejected, Rejected]),
            0
        );
        assert!(!suspension_due([Missed, Missed, Rejected], &policy));
    }
}
