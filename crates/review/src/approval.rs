//! Approving, by the lifecycle rules of the process: where an approval leads (a second
//! reviewer when the policy asks for one; effective at once when the account already has
//! this interface product effective), and what it needs (a note over failing checks; a
//! reviewer other than the first). Computed once per view, so that the console's dialog
//! and the decision apply the same rules.

use serde::Serialize;
use shenhe_domain::approval::{self, SecondApprovalReason};
use shenhe_domain::checks::{CheckId, CheckResult, Outcome};
use shenhe_domain::policy::{Policy, ProductKind};
use shenhe_domain::state::{self, Event, Facts, State};
use shenhe_store::{AuditEntry, Store, StoredApplication};

use crate::{ReviewError, ReviewResult};

/// What approving an application would do, and what it needs. `None` in a view whose
/// state allows no approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalPlan {
    /// Where the approval leads.
    pub to: State,
    /// Checks that fail: approving over them is an override, and needs a note.
    pub failed: Vec<CheckId>,
    /// Why the policy asks a second reviewer (a first approval only; empty otherwise).
    pub second_approval: Vec<SecondApprovalReason>,
    /// On a second approval: who gave the first. They cannot give this one.
    pub second_approval_of: Option<String>,
    /// An interface product the account already has effective: no integration again.
    pub product_effective: bool,
}

impl ApprovalPlan {
    /// Approving over failing checks: recorded as an override.
    pub fn is_override(&self) -> bool {
        !self.failed.is_empty()
    }

    /// Refuses the first approver as the second one.
    pub fn check_reviewer(&self, id: &str, actor: &str) -> ReviewResult<()> {
        match &self.second_approval_of {
            Some(first) if first == actor => Err(ReviewError::SameReviewer {
                id: id.to_string(),
                first: first.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Refuses an override without a written reason.
    pub fn check_note(&self, id: &str, note: Option<&str>) -> ReviewResult<()> {
        let written = note.is_some_and(|n| !n.trim().is_empty());
        if self.is_override() && !written {
            return Err(ReviewError::OverrideNeedsNote {
                id: id.to_string(),
                failed: self.failed.clone(),
            });
        }
        Ok(())
    }

    /// The facts the domain's transition table needs for this approval.
    pub(crate) fn facts(&self, kind: ProductKind, verified: bool) -> Facts {
        Facts {
            kind,
            verified,
            second_approval: !self.second_approval.is_empty(),
            product_effective: self.product_effective,
        }
    }
}

/// The plan for approving `stored` with these check results and history, or `None` when
/// its state allows no approval.
pub(crate) fn plan(
    policy: &Policy,
    store: &dyn Store,
    stored: &StoredApplication,
    checks: &[CheckResult],
    history: &[AuditEntry],
) -> ReviewResult<Option<ApprovalPlan>> {
    let Some(product) = policy.product(&stored.app.product) else {
        return Ok(None);
    };
    if state::transition(stored.state, Event::Approve, product.kind).is_err() {
        return Ok(None);
    }
    let failed: Vec<CheckId> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.id)
        .collect();
    let (second_approval, second_approval_of) = if stored.state == State::PendingSecondApproval {
        (Vec::new(), first_approver(stored, history))
    } else {
        (
            approval::second_approval_reasons(policy, &stored.app, &failed),
            None,
        )
    };
    let product_effective = product.kind == ProductKind::Interface
        && store.product_effective(
            &stored.app.applicant.account,
            &stored.app.product,
            &stored.app.id,
        )?;
    let mut plan = ApprovalPlan {
        to: stored.state,
        failed,
        second_approval,
        second_approval_of,
        product_effective,
    };
    plan.to = state::transition_with(
        stored.state,
        Event::Approve,
        plan.facts(product.kind, stored.app.applicant.verified),
    )?;
    Ok(Some(plan))
}

/// Who moved this revision to pending second approval: the last such entry names them.
fn first_approver(stored: &StoredApplication, history: &[AuditEntry]) -> Option<String> {
    history
        .iter()
        .rev()
        .find(|e| {
            e.entry.revision == stored.revision
                && e.entry.to_state.as_deref() == Some(State::PendingSecondApproval.id())
        })
        .map(|e| e.entry.actor.clone())
}
