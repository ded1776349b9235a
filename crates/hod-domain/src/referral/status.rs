//! The six referral statuses (RS-1..RS-6) and the moves between them.
//!
//! The tip sheet lists the statuses an agent assigns "to report and follow up" (RS-7); it does not
//! draw the arrows, so this module decides them, in one table ([`ReferralStatus::allowed_next`]):
//!
//! | from            | to                                               |
//! |-----------------|--------------------------------------------------|
//! | Pending         | Accepted, Rejected                               |
//! | Accepted        | In Progress, Not a Good Referral, Referral Completed |
//! | In Progress     | Not a Good Referral, Referral Completed          |
//! | Not a Good Referral | In Progress                                  |
//! | Rejected        | — (terminal)                                     |
//! | Referral Completed | — (terminal)                                  |
//!
//! Why: *Pending* is only the offer waiting for an answer (RS-1); once answered nothing goes back
//! to it. A rejected referral has gone to the next agent in order of arrival (CE-3), so this agent
//! has nothing left to update. *Referral Completed* means the consumer was enrolled in a QHP or
//! referred to Medicaid/CHIP (RS-6): the work is done and reported. *Not a Good Referral* is not
//! final, because a consumer who did not answer three attempts (CE-4) may still call back; the
//! agent then picks the referral up again as *In Progress*. In Progress never goes back to
//! Accepted: once the agent has reached out, "accepted" would under-report the work (RS-7).
//!
//! Accept and reject are their own actions, answered inside the accept window (see
//! [`super::offer`]); the agent's "set status" menu offers only the statuses after acceptance
//! ([`ReferralStatus::AGENT_SETTABLE`]).

use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a referral stands, in the words of Manage Referrals.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// RS-1: ready to be accepted or rejected.
    Pending,
    /// RS-2: the agent accepted it.
    Accepted,
    /// RS-3: the agent rejected it (not available to help).
    Rejected,
    /// RS-4: the agent reached out and left a message, and is waiting to connect.
    InProgress,
    /// RS-5: the agent cannot help (wrong contact details, consumer working with another broker…).
    NotAGoodReferral,
    /// RS-6: the consumer was enrolled in a QHP or referred to the state Medicaid agency.
    Completed,
}

impl ReferralStatus {
    /// Every status, in the tip sheet's order.
    pub const ALL: [ReferralStatus; 6] = [
        Self::Pending,
        Self::Accepted,
        Self::Rejected,
        Self::InProgress,
        Self::NotAGoodReferral,
        Self::Completed,
    ];

    /// The statuses an agent sets with "set status" after accepting (RS-7).
    pub const AGENT_SETTABLE: [ReferralStatus; 3] =
        [Self::InProgress, Self::NotAGoodReferral, Self::Completed];

    /// The program's English label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::InProgress => "In Progress",
            Self::NotAGoodReferral => "Not a Good Referral",
            Self::Completed => "Referral Completed",
        }
    }

    /// The Spanish label used by the tip sheet.
    pub const fn label_es(self) -> &'static str {
        match self {
            Self::Pending => "Pendiente",
            Self::Accepted => "Aceptado",
            Self::Rejected => "Rechazado",
            Self::InProgress => "En progreso",
            Self::NotAGoodReferral => "No es un referido adecuado",
            Self::Completed => "Referido completado",
        }
    }

    /// The rule that defines this status (RS-1..RS-6).
    pub const fn rule(self) -> Rule {
        match self {
            Self::Pending => Rule::Rs1,
            Self::Accepted => Rule::Rs2,
            Self::Rejected => Rule::Rs3,
            Self::InProgress => Rule::Rs4,
            Self::NotAGoodReferral => Rule::Rs5,
            Self::Completed => Rule::Rs6,
        }
    }

    /// The transition table: the statuses this one may move to (see the module docs for why).
    pub const fn allowed_next(self) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match self {
            Pending => &[Accepted, Rejected],
            Accepted => &[InProgress, NotAGoodReferral, Completed],
            InProgress => &[NotAGoodReferral, Completed],
            NotAGoodReferral => &[InProgress],
            Rejected | Completed => &[],
        }
    }

    /// Whether the table allows moving from `self` to `to`. Staying put is not a move.
    pub fn can_move_to(self, to: ReferralStatus) -> bool {
        self.allowed_next().contains(&to)
    }

    /// Rejected and Referral Completed: nothing follows them.
    pub const fn is_terminal(self) -> bool {
        self.allowed_next().is_empty()
    }

    /// Whether the agent may pick this status from "set status" (RS-7).
    pub const fn is_agent_settable(self) -> bool {
        matches!(
            self,
            Self::InProgress | Self::NotAGoodReferral | Self::Completed
        )
    }

    /// Whether the referral was accepted by the agent at some point (and so is theirs to work).
    pub const fn is_after_acceptance(self) -> bool {
        !matches!(self, Self::Pending | Self::Rejected)
    }
}

impl fmt::Display for ReferralStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A move the transition table does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a referral cannot move from {from} to {to} ({rule})")]
pub struct TransitionError {
    pub from: ReferralStatus,
    pub to: ReferralStatus,
    /// The rule the move would break.
    pub rule: Rule,
}

/// Checks one move against the table: `Ok(to)` when allowed.
pub fn transition(
    from: ReferralStatus,
    to: ReferralStatus,
) -> Result<ReferralStatus, TransitionError> {
    if from.can_move_to(to) {
        Ok(to)
    } else {
        Err(TransitionError {
            from,
            to,
            rule: blocking_rule(from, to),
        })
    }
}

/// Which rule an illegal move breaks, so the message can cite it.
fn blocking_rule(from: ReferralStatus, to: ReferralStatus) -> Rule {
    use ReferralStatus::*;
    match (from, to) {
        // Rejected (RS-3) and Referral Completed (RS-6) are final.
        (Rejected | Completed, _) => from.rule(),
        // Pending (RS-1) is only the unanswered offer.
        (_, Pending) => Rule::Rs1,
        // A referral is worked only once accepted (RS-2).
        (Pending, _) => Rule::Rs2,
        // After accepting, the agent keeps the status current among the later statuses (RS-7).
        _ => Rule::Rs7,
    }
}

/// RS-6: how a completed referral ended. RS-8 asks agents to point consumers to QHPs, Medicaid and
/// CHIP where they fit; completion records which one it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CompletionOutcome {
    /// Enrolled in a Marketplace Qualified Health Plan (QHP).
    EnrolledInQhp,
    /// Referred to the state Medicaid agency (Medicaid or CHIP).
    ReferredToMedicaidChip,
}

impl CompletionOutcome {
    pub const ALL: [CompletionOutcome; 2] = [Self::EnrolledInQhp, Self::ReferredToMedicaidChip];

    pub const fn label(self) -> &'static str {
        match self {
            Self::EnrolledInQhp => "Enrolled in a Qualified Health Plan (QHP)",
            Self::ReferredToMedicaidChip => "Referred to the state Medicaid/CHIP agency",
        }
    }
}

/// RS-5: why the agent cannot help. Optional; the tip sheet's examples plus CE-4's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NotAGoodReferralReason {
    /// The consumer gave wrong contact details.
    WrongContactDetails,
    /// The consumer is working with another broker.
    WorkingWithAnotherBroker,
    /// Three attempts went unanswered (CE-4).
    NoResponseAfterThreeAttempts,
    /// Neither Marketplace coverage nor Medicaid/CHIP fits (when Medicaid/CHIP fits, the referral
    /// is completed with [`CompletionOutcome::ReferredToMedicaidChip`], RS-8).
    NotEligible,
    /// Anything else.
    Other,
}

/// The agent's "set status" request: the new status and what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StatusChange {
    pub to: ReferralStatus,
    /// Required with Referral Completed, refused with any other status (RS-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_outcome: Option<CompletionOutcome>,
    /// Allowed only with Not a Good Referral (RS-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_a_good_referral_reason: Option<NotAGoodReferralReason>,
}

impl StatusChange {
    /// A change to `to` with no details.
    pub const fn to(to: ReferralStatus) -> Self {
        Self {
            to,
            completion_outcome: None,
            not_a_good_referral_reason: None,
        }
    }

    /// Referral Completed with its outcome.
    pub const fn completed(outcome: CompletionOutcome) -> Self {
        Self {
            completion_outcome: Some(outcome),
            ..Self::to(ReferralStatus::Completed)
        }
    }

    /// Not a Good Referral, with or without a reason.
    pub const fn not_a_good_referral(reason: Option<NotAGoodReferralReason>) -> Self {
        Self {
            not_a_good_referral_reason: reason,
            ..Self::to(ReferralStatus::NotAGoodReferral)
        }
    }

    /// The details fit the status: an outcome exactly when completing (RS-6), a reason only with
    /// Not a Good Referral (RS-5).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let completing = self.to == ReferralStatus::Completed;
        match (completing, self.completion_outcome) {
            (true, None) => errors.push(ValidationError::new(
                "completion_outcome",
                Rule::Rs6,
                ValidationCode::Missing,
                "say how the referral was completed: enrolled in a QHP or referred to \
                 Medicaid/CHIP",
            )),
            (false, Some(_)) => errors.push(ValidationError::new(
                "completion_outcome",
                Rule::Rs6,
                ValidationCode::NotAllowed,
                format!(
                    "a completion outcome is only given with Referral Completed, not {}",
                    self.to
                ),
            )),
            _ => {}
        }
        if self.to != ReferralStatus::NotAGoodReferral && self.not_a_good_referral_reason.is_some()
        {
            errors.push(ValidationError::new(
                "not_a_good_referral_reason",
                Rule::Rs5,
                ValidationCode::NotAllowed,
                format!(
                    "a reason is only given with Not a Good Referral, not {}",
                    self.to
                ),
            ));
        }
        errors.finish(())
    }
}

/// Why an agent's "set status" was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetStatusError {
    /// Pending, Accepted and Rejected are not in the "set status" menu: accepting and rejecting
    /// are answers to the offer, inside the accept window (RS-7, MR-1).
    #[error("{to} is not set by the agent; accept and reject answer the offer ({rule})")]
    NotAgentSettable { to: ReferralStatus, rule: Rule },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

impl ReferralStatus {
    /// The agent's "set status" from `self`: the status must be one the agent sets (RS-7), the
    /// move must be in the table, and the details must fit (RS-5, RS-6). Returns the new status.
    pub fn set_by_agent(self, change: &StatusChange) -> Result<ReferralStatus, SetStatusError> {
        if !change.to.is_agent_settable() {
            return Err(SetStatusError::NotAgentSettable {
                to: change.to,
                rule: Rule::Rs7,
            });
        }
        let to = transition(self, change.to)?;
        change.validate()?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests;
