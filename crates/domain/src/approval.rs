//! Who must approve an order: the four-eyes policy (`data/approvals.toml`) and what in
//! an order calls for a second reviewer.

use serde::Serialize;

use crate::application::Application;
use crate::checks::CheckId;
use crate::policy::{GoodsStatus, Policy};

/// Which approvals need a second, different reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondApprovalPolicy {
    /// An approval while at least one check fails (an override).
    pub over_failed_checks: bool,
    /// An order that declares a restricted goods category.
    pub restricted_goods: bool,
}

/// Why an approval needs a second reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondApprovalReason {
    FailedChecks,
    RestrictedGoods,
}

impl SecondApprovalReason {
    pub fn id(self) -> &'static str {
        match self {
            SecondApprovalReason::FailedChecks => "failed_checks",
            SecondApprovalReason::RestrictedGoods => "restricted_goods",
        }
    }
}

/// The restricted goods categories `app` declares, in its order.
pub fn restricted_goods<'a>(policy: &Policy, app: &'a Application) -> Vec<&'a str> {
    app.goods
        .iter()
        .filter(|g| {
            policy
                .goods_category(g)
                .is_some_and(|c| c.status == GoodsStatus::Restricted)
        })
        .map(String::as_str)
        .collect()
}

/// Why a first approval of `app`, while the checks in `failed` fail, needs a second
/// reviewer under `policy`: empty when one reviewer decides.
pub fn second_approval_reasons(
    policy: &Policy,
    app: &Application,
    failed: &[CheckId],
) -> Vec<SecondApprovalReason> {
    let rule = policy.second_approval;
    let mut reasons = Vec::new();
    if rule.over_failed_checks && !failed.is_empty() {
        reasons.push(SecondApprovalReason::FailedChecks);
    }
    if rule.restricted_goods && !restricted_goods(policy, app).is_empty() {
        reasons.push(SecondApprovalReason::RestrictedGoods);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::Application;

    #[allow(dead_code)] // only `record` is used here
    mod fixtures {
        include!("../../../tests/shenhe/records.rs");
    }

    fn app(goods: &[&str]) -> Application {
        let mut value = fixtures::record("A1");
        value["goods"] = serde_json::json!(goods);
        serde_json::from_value(value).expect("an application")
    }

    #[test]
    fn by_default_failed_checks_and_restricted_goods_ask_for_a_second_reviewer() {
        let policy = Policy::builtin();
        assert_eq!(
            policy.second_approval,
            SecondApprovalPolicy {
                over_failed_checks: true,
                restricted_goods: true
            }
        );
        let restricted = policy
            .goods
            .iter()
            .find(|g| g.status == GoodsStatus::Restricted)
            .expect("a restricted category in data/goods.toml")
            .id
            .clone();
        let allowed = policy
            .goods
            .iter()
            .find(|g| g.status == GoodsStatus::Allowed)
            .expect("an allowed category")
            .id
            .clone();
        let clean = app(&[&allowed]);
        assert!(second_approval_reasons(&policy, &clean, &[]).is_empty());
        assert_eq!(
            second_approval_reasons(&policy, &clean, &[CheckId::IcpFiling]),
            vec![SecondApprovalReason::FailedChecks]
        );
        let goods = app(&[&allowed, &restricted]);
        assert_eq!(restricted_goods(&policy, &goods), vec![restricted.as_str()]);
        assert_eq!(
            second_approval_reasons(&policy, &goods, &[CheckId::IcpFiling]),
            vec![
                SecondApprovalReason::FailedChecks,
                SecondApprovalReason::RestrictedGoods
            ]
        );

        let mut lenient = policy.clone();
        lenient.second_approval = SecondApprovalPolicy {
            over_failed_checks: false,
            restricted_goods: false,
        };
        assert!(second_approval_reasons(&lenient, &goods, &[CheckId::IcpFiling]).is_empty());
    }
}
