//! The one state machine of a record (a market check, later an audit): who may move it where.
//!
//! ```text
//!  draft ──submit──▶ submitted ──approve──▶ approved ──correct──▶ approved (a new version)
//!                     │    ▲                   
//!              return │    │ submit (resubmit)
//!                     ▼    │
//!                    returned
//! ```
//!
//! The inspector who owns the record saves and submits it (while it is a draft or returned); a
//! supervisor approves it, returns it with comments, or corrects its outcome with a reason (a
//! submitted or an approved record: an approved one gets a new version, the earlier one stays).
//! Nobody changes an approved record's findings in place. The server refuses every move this
//! function refuses: a role that may never make the move gets [`Refusal::Forbidden`] (403); a move
//! the record's state does not allow gets [`Refusal::Conflict`] with that state (409).

use super::market::InspectionStatus;
use super::role::Role;
use serde::{Deserialize, Serialize};

/// What someone asks to do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Change the findings (the draft contract).
    Save,
    Submit,
    Approve,
    /// Back to the inspector, with comments.
    Return,
    /// A supervisor's correction of the outcome, with a reason.
    Correct,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Save,
        Action::Submit,
        Action::Approve,
        Action::Return,
        Action::Correct,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Save => "save",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Correct => "correct",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether this is a supervisor's decision (rather than the inspector's own work).
    pub fn is_review(self) -> bool {
        matches!(self, Action::Approve | Action::Return | Action::Correct)
    }
}

/// Who is asking, as the record sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    /// The inspector who made the record.
    pub owner: bool,
    /// For a supervisor: the record is in their district (or they have none: the whole city).
    pub in_scope: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This person may never do this to this record.
    Forbidden,
    /// Not in the state the record is in.
    Conflict(InspectionStatus),
}

/// The state after `action`, or why not.
pub fn transition(
    status: InspectionStatus,
    action: Action,
    who: Actor,
) -> Result<InspectionStatus, Refusal> {
    use InspectionStatus::*;
    let allowed_person = match action {
        Action::Save | Action::Submit => who.role == Role::Inspector && who.owner,
        Action::Approve | Action::Return | Action::Correct => {
            who.role == Role::Supervisor && who.in_scope
        }
    };
    if !allowed_person {
        return Err(Refusal::Forbidden);
    }
    match (status, action) {
        (Draft | Returned, Action::Save) => Ok(status),
        (Draft | Returned, Action::Submit) => Ok(Submitted),
        (Submitted, Action::Approve) => Ok(Approved),
        (Submitted, Action::Return) => Ok(Returned),
        (Submitted | Approved, Action::Correct) => Ok(Approved),
        (s, _) => Err(Refusal::Conflict(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InspectionStatus::*;

    const OWNER: Actor = Actor {
        role: Role::Inspector,
        owner: true,
        in_scope: true,
    };
    const OTHER_INSPECTOR: Actor = Actor {
        role: Role::Inspector,
        owner: false,
        in_scope: true,
    };
    const SUPERVISOR: Actor = Actor {
        role: Role::Supervisor,
        owner: false,
        in_scope: true,
    };
    const OTHER_DISTRICT: Actor = Actor {
        role: Role::Supervisor,
        owner: false,
        in_scope: false,
    };
    const ADMIN: Actor = Actor {
        role: Role::Admin,
        owner: false,
        in_scope: true,
    };
    const STATES: [InspectionStatus; 4] = [Draft, Submitted, Returned, Approved];

    #[test]
    fn every_allowed_transition() {
        assert_eq!(transition(Draft, Action::Save, OWNER), Ok(Draft));
        assert_eq!(transition(Draft, Action::Submit, OWNER), Ok(Submitted));
        assert_eq!(
            transition(Submitted, Action::Approve, SUPERVISOR),
            Ok(Approved)
        );
        assert_eq!(
            transition(Submitted, Action::Return, SUPERVISOR),
            Ok(Returned)
        );
        assert_eq!(transition(Returned, Action::Save, OWNER), Ok(Returned));
        assert_eq!(transition(Returned, Action::Submit, OWNER), Ok(Submitted));
        assert_eq!(
            transition(Submitted, Action::Correct, SUPERVISOR),
            Ok(Approved)
        );
        assert_eq!(
            transition(Approved, Action::Correct, SUPERVISOR),
            Ok(Approved)
        );
    }

    #[test]
    fn an_inspector_never_decides_and_a_supervisor_never_edits_findings() {
        for s in STATES {
            for a in [Action::Approve, Action::Return, Action::Correct] {
                assert_eq!(
                    transition(s, a, OWNER),
                    Err(Refusal::Forbidden),
                    "{s:?} {a:?}"
                );
                assert_eq!(
                    transition(s, a, ADMIN),
                    Err(Refusal::Forbidden),
                    "{s:?} {a:?}"
                );
                assert_eq!(transition(s, a, OTHER_DISTRICT), Err(Refusal::Forbidden));
            }
            for a in [Action::Save, Action::Submit] {
                assert_eq!(
                    transition(s, a, SUPERVISOR),
                    Err(Refusal::Forbidden),
                    "{s:?} {a:?}"
                );
                assert_eq!(transition(s, a, OTHER_INSPECTOR), Err(Refusal::Forbidden));
                assert_eq!(transition(s, a, ADMIN), Err(Refusal::Forbidden));
            }
        }
    }

    #[test]
    fn nothing_changes_in_place_after_submit_or_approval_and_nothing_is_decided_twice() {
        // Findings are fixed once submitted, and after approval.
        for s in [Submitted, Approved] {
            assert_eq!(
                transition(s, Action::Save, OWNER),
                Err(Refusal::Conflict(s))
            );
            assert_eq!(
                transition(s, Action::Submit, OWNER),
                Err(Refusal::Conflict(s))
            );
        }
        // Approving twice, returning an approved record, deciding a draft or a returned record.
        for s in [Draft, Returned, Approved] {
            assert_eq!(
                transition(s, Action::Approve, SUPERVISOR),
                Err(Refusal::Conflict(s))
            );
            assert_eq!(
                transition(s, Action::Return, SUPERVISOR),
                Err(Refusal::Conflict(s))
            );
        }
        for s in [Draft, Returned] {
            assert_eq!(
                transition(s, Action::Correct, SUPERVISOR),
                Err(Refusal::Conflict(s))
            );
        }
    }

    #[test]
    fn actions_have_stable_names() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("delete"), None);
        assert!(Action::Correct.is_review() && !Action::Submit.is_review());
    }
}
