//! Order states (订单状态) and the one table of allowed transitions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::policy::ProductKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待审核: in the review queue, due within three business days.
    PendingReview,
    /// 待认证: the account has not passed real-name verification; cancelled after 15 days.
    PendingVerification,
    /// 退回: did not pass review; the applicant may fix and resubmit.
    Returned,
    /// 待集成: an approved interface product, waiting for the merchant's integration.
    PendingIntegration,
    /// 生效: contract in force.
    Effective,
    /// 已取消: cancelled, e.g. the 15-day verification window lapsed.
    Cancelled,
    /// 待复核: approved by one reviewer; the policy (data/approvals.toml) asks a second,
    /// different reviewer to approve it again (four eyes) or return it.
    PendingSecondApproval,
}

impl State {
    pub const ALL: [State; 7] = [
        State::PendingReview,
        State::PendingVerification,
        State::PendingSecondApproval,
        State::Returned,
        State::PendingIntegration,
        State::Effective,
        State::Cancelled,
    ];

    pub fn id(self) -> &'static str {
        match self {
            State::PendingReview => "pending_review",
            State::PendingVerification => "pending_verification",
            State::Returned => "returned",
            State::PendingIntegration => "pending_integration",
            State::Effective => "effective",
            State::Cancelled => "cancelled",
            State::PendingSecondApproval => "pending_second_approval",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            State::PendingReview => "待审核",
            State::PendingVerification => "待认证",
            State::Returned => "退回",
            State::PendingIntegration => "待集成",
            State::Effective => "生效",
            State::Cancelled => "已取消",
            State::PendingSecondApproval => "待复核",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            State::PendingReview => "pending review",
            State::PendingVerification => "pending verification",
            State::Returned => "returned",
            State::PendingIntegration => "pending integration",
            State::Effective => "effective",
            State::Cancelled => "cancelled",
            State::PendingSecondApproval => "pending second approval",
        }
    }

    /// Still waiting on the payment company: the review queue.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::PendingReview | State::PendingVerification | State::PendingSecondApproval
        )
    }

    /// Reviewable and not yet decided: the three-business-day clock runs (overdue and
    /// due today are said of these states only).
    pub fn under_review(self) -> bool {
        matches!(self, State::PendingReview | State::PendingSecondApproval)
    }

    /// The states whose review clock runs, for queries.
    pub const UNDER_REVIEW: [State; 2] = [State::PendingReview, State::PendingSecondApproval];
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.id() == s)
            .ok_or_else(|| {
                let ids: Vec<&str> = State::ALL.iter().map(|s| s.id()).collect();
                format!("unknown state `{s}` (one of: {})", ids.join(", "))
            })
    }
}

/// Something that moves an application from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A reviewer approves the order.
    Approve,
    /// A reviewer returns the order with reasons.
    Return,
    /// The 15-day verification window lapsed (or a reviewer forced it, with a note).
    Expire,
    /// The merchant fixed a returned order and submitted it again.
    Resubmit,
    /// The account passed real-name verification while the order waited.
    Verified,
    /// The interface test passed after integration.
    IntegrationPassed,
    /// A lead reviewer reopens a decided order: back to the review queue, with a note.
    Reopen,
}

impl Event {
    pub fn id(self) -> &'static str {
        match self {
            Event::Approve => "approve",
            Event::Return => "return",
            Event::Expire => "expire",
            Event::Resubmit => "resubmit",
            Event::Verified => "verified",
            Event::IntegrationPassed => "integration_passed",
            Event::Reopen => "reopen",
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Where an event leads, when it is allowed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    To(State),
    /// Approval: interface products go to integration, settlement products take effect.
    /// Integration is needed only the first time an account buys an interface product: an
    /// account that already has this product effective takes effect at once.
    ByProductKind,
    /// A first approval: to a second reviewer when the policy asks for one, else as
    /// [`Target::ByProductKind`].
    SecondOrByProductKind,
    /// A resubmission: to review when the account is verified, else to verification.
    ByVerification,
}

/// What besides the state decides where an event leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: ProductKind,
    /// The account passed real-name verification.
    pub verified: bool,
    /// The approval policy asks a second reviewer to approve (four eyes).
    pub second_approval: bool,
    /// The account already has this same product effective: no integration again.
    pub product_effective: bool,
}

impl Facts {
    /// A verified account buying a product of `kind` for the first time, under a policy
    /// that asks for no second reviewer.
    pub fn of_kind(kind: ProductKind) -> Facts {
        Facts {
            kind,
            verified: true,
            second_approval: false,
            product_effective: false,
        }
    }
}

/// The one table of allowed transitions. Anything not listed is refused.
pub const TRANSITIONS: &[(State, Event, Target)] = &[
    (
        State::PendingReview,
        Event::Approve,
        Target::SecondOrByProductKind,
    ),
    (
        State::PendingReview,
        Event::Return,
        Target::To(State::Returned),
    ),
    (
        State::PendingSecondApproval,
        Event::Approve,
        Target::ByProductKind,
    ),
    (
        State::PendingSecondApproval,
        Event::Return,
        Target::To(State::Returned),
    ),
    (
        State::PendingVerification,
        Event::Expire,
        Target::To(State::Cancelled),
    ),
    (
        State::PendingVerification,
        Event::Verified,
        Target::To(State::PendingReview),
    ),
    (State::Returned, Event::Resubmit, Target::ByVerification),
    (
        State::PendingIntegration,
        Event::IntegrationPassed,
        Target::To(State::Effective),
    ),
    // A lead reopens a decided order (`shenhe reopen`): it is reviewed again.
    (
        State::Returned,
        Event::Reopen,
        Target::To(State::PendingReview),
    ),
    (
        State::PendingIntegration,
        Event::Reopen,
        Target::To(State::PendingReview),
    ),
    (
        State::Effective,
        Event::Reopen,
        Target::To(State::PendingReview),
    ),
    (
        State::Cancelled,
        Event::Reopen,
        Target::To(State::PendingReview),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: State,
    pub event: Event,
}

impl fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed: Vec<&str> = TRANSITIONS
            .iter()
            .filter(|(from, _, _)| *from == self.from)
            .map(|(_, event, _)| event.id())
            .collect();
        write!(
            f,
            "cannot {} an application in state {}",
            self.event, self.from
        )?;
        if allowed.is_empty() {
            write!(f, " (a final state)")
        } else {
            write!(f, " (allowed there: {})", allowed.join(", "))
        }
    }
}

impl std::error::Error for TransitionRefused {}

/// The state an event leads to from `from`, for a product of `kind` bought by a verified
/// account for the first time, with no second reviewer asked for.
pub fn transition(
    from: State,
    event: Event,
    kind: ProductKind,
) -> Result<State, TransitionRefused> {
    transition_with(from, event, Facts::of_kind(kind))
}

/// The state an event leads to from `from`, given the facts that decide it.
pub fn transition_with(
    from: State,
    event: Event,
    facts: Facts,
) -> Result<State, TransitionRefused> {
    let by_kind = || match facts.kind {
        ProductKind::Interface if facts.product_effective => State::Effective,
        ProductKind::Interface => State::PendingIntegration,
        ProductKind::Settlement => State::Effective,
    };
    TRANSITIONS
        .iter()
        .find(|(f, e, _)| *f == from && *e == event)
        .map(|(_, _, target)| match target {
            Target::To(state) => *state,
            Target::ByProductKind => by_kind(),
            Target::SecondOrByProductKind if facts.second_approval => State::PendingSecondApproval,
            Target::SecondOrByProductKind => by_kind(),
            Target::ByVerification => initial_state(facts.verified),
        })
        .ok_or(TransitionRefused { from, event })
}

/// The state a newly submitted application starts in.
pub fn initial_state(verified: bool) -> State {
    if verified {
        State::PendingReview
    } else {
        State::PendingVerification
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_carry_the_names_of_the_process_and_three_are_open() {
        // The order states of 支付宝接口合作流程, as reviewers and applicants know them.
        let names = [
            (State::PendingReview, "待审核", "pending review", true),
            (
                State::PendingVerification,
                "待认证",
                "pending verification",
                true,
            ),
            (
                State::PendingSecondApproval,
                "待复核",
                "pending second approval",
                true,
            ),
            (State::Returned, "退回", "returned", false),
            (
                State::PendingIntegration,
                "待集成",
                "pending integration",
                false,
            ),
            (State::Effective, "生效", "effective", false),
            (State::Cancelled, "已取消", "cancelled", false),
        ];
        assert_eq!(names.len(), State::ALL.len());
        for (state, zh, en, open) in names {
            assert_eq!(
                (state.zh(), state.en(), state.is_open()),
                (zh, en, open),
                "{state}"
            );
        }
    }

    const EVENTS: [Event; 7] = [
        Event::Approve,
        Event::Return,
        Event::Expire,
        Event::Resubmit,
        Event::Verified,
        Event::IntegrationPassed,
        Event::Reopen,
    ];

    /// Every (state, event) pair, written out: what it leads to for an interface and a
    /// settlement product (bought for the first time, by a verified account, no second
    /// reviewer asked for), or None when refused.
    fn expected(from: State, event: Event) -> Option<(State, State)> {
        use Event::*;
        use State::*;
        match (from, event) {
            (PendingReview, Approve) => Some((PendingIntegration, Effective)),
            (PendingReview, Return) => Some((Returned, Returned)),
            (PendingSecondApproval, Approve) => Some((PendingIntegration, Effective)),
            (PendingSecondApproval, Return) => Some((Returned, Returned)),
            (PendingVerification, Expire) => Some((Cancelled, Cancelled)),
            (PendingVerification, Verified) => Some((PendingReview, PendingReview)),
            (Returned, Resubmit) => Some((PendingReview, PendingReview)),
            (PendingIntegration, IntegrationPassed) => Some((Effective, Effective)),
            (Returned | PendingIntegration | Effective | Cancelled, Reopen) => {
                Some((PendingReview, PendingReview))
            }
            _ => None,
        }
    }

    #[test]
    fn every_transition_is_allowed_or_refused_as_the_table_says() {
        let mut allowed = 0;
        for from in State::ALL {
            for event in EVENTS {
                let interface = transition(from, event, ProductKind::Interface);
                let settlement = transition(from, event, ProductKind::Settlement);
                match expected(from, event) {
                    Some((i, s)) => {
                        allowed += 1;
                        assert_eq!(interface, Ok(i), "{from} + {event} (interface)");
                        assert_eq!(settlement, Ok(s), "{from} + {event} (settlement)");
                    }
                    None => {
                        let refused = TransitionRefused { from, event };
                        assert_eq!(interface, Err(refused.clone()), "{from} + {event}");
                        assert_eq!(settlement, Err(refused), "{from} + {event}");
                    }
                }
            }
        }
        assert_eq!(allowed, TRANSITIONS.len());
    }

    fn facts(kind: ProductKind) -> Facts {
        Facts::of_kind(kind)
    }

    #[test]
    fn a_first_approval_goes_to_a_second_reviewer_when_the_policy_asks() {
        for kind in [ProductKind::Interface, ProductKind::Settlement] {
            let four_eyes = Facts {
                second_approval: true,
                ..facts(kind)
            };
            assert_eq!(
                transition_with(State::PendingReview, Event::Approve, four_eyes),
                Ok(State::PendingSecondApproval)
            );
            // The second approval is not asked for again: it decides.
            let decided = transition_with(State::PendingSecondApproval, Event::Approve, four_eyes);
            assert_eq!(
                decided,
                transition(State::PendingSecondApproval, Event::Approve, kind)
            );
            assert_ne!(decided, Ok(State::PendingSecondApproval));
            assert_eq!(
                transition_with(State::PendingSecondApproval, Event::Return, four_eyes),
                Ok(State::Returned)
            );
        }
        let err = transition(
            State::PendingSecondApproval,
            Event::Expire,
            ProductKind::Interface,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot expire an application in state pending_second_approval (allowed there: approve, return)"
        );
    }

    #[test]
    fn integration_is_needed_only_the_first_time_an_account_buys_an_interface_product() {
        let again = Facts {
            product_effective: true,
            ..facts(ProductKind::Interface)
        };
        for from in [State::PendingReview, State::PendingSecondApproval] {
            assert_eq!(
                transition_with(from, Event::Approve, again),
                Ok(State::Effective),
                "{from}"
            );
            assert_eq!(
                transition_with(from, Event::Approve, facts(ProductKind::Interface)),
                Ok(State::PendingIntegration),
                "{from}"
            );
        }
        // With four eyes asked for, the first approval still waits for the second.
        let both = Facts {
            second_approval: true,
            ..again
        };
        assert_eq!(
            transition_with(State::PendingReview, Event::Approve, both),
            Ok(State::PendingSecondApproval)
        );
        // Nothing else is changed by it.
        assert_eq!(
            transition_with(State::PendingIntegration, Event::IntegrationPassed, again),
            Ok(State::Effective)
        );
        assert_eq!(
            transition_with(State::PendingReview, Event::Return, again),
            Ok(State::Returned)
        );
    }

    #[test]
    fn an_unverified_resubmission_waits_for_verification() {
        let unverified = Facts {
            verified: false,
            ..facts(ProductKind::Interface)
        };
        assert_eq!(
            transition_with(State::Returned, Event::Resubmit, unverified),
            Ok(State::PendingVerification)
        );
        assert_eq!(
            transition_with(
                State::Returned,
                Event::Resubmit,
                facts(ProductKind::Settlement)
            ),
            Ok(State::PendingReview)
        );
    }

    #[test]
    fn the_review_clock_runs_in_the_two_review_states_only() {
        for state in State::ALL {
            assert_eq!(
                state.under_review(),
                State::UNDER_REVIEW.contains(&state),
                "{state}"
            );
            assert!(!state.under_review() || state.is_open(), "{state}");
        }
        assert!(!State::PendingVerification.under_review());
    }

    #[test]
    fn a_refusal_names_the_state_and_the_action() {
        let err = transition(State::Effective, Event::Approve, ProductKind::Interface).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot approve an application in state effective (allowed there: reopen)"
        );
        let err =
            transition(State::PendingReview, Event::Reopen, ProductKind::Interface).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot reopen an application in state pending_review (allowed there: approve, return)"
        );
        let err = transition(
            State::PendingVerification,
            Event::Approve,
            ProductKind::Interface,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot approve an application in state pending_verification (allowed there: expire, verified)"
        );
    }

    #[test]
    fn new_applications_start_by_verification() {
        assert_eq!(initial_state(true), State::PendingReview);
        assert_eq!(initial_state(false), State::PendingVerification);
    }

    #[test]
    fn state_ids_round_trip() {
        for s in State::ALL {
            assert_eq!(s.id().parse::<State>(), Ok(s));
        }
        assert!(
            "approved"
                .parse::<State>()
                .unwrap_err()
                .contains("pending_review")
        );
    }
}
