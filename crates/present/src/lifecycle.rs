//! The words of the lifecycle rules: when an order became reviewable, and what approving
//! it would do and need (an override's note, a second reviewer, effective at once).

use shenhe_domain::approval::SecondApprovalReason;
use shenhe_review::ApprovalPlan;

use crate::Lang;

impl Lang {
    /// The label of when the review clock started.
    pub fn reviewable_label(self) -> &'static str {
        self.pick("可审核时间", "reviewable")
    }

    /// An order whose review clock has not started.
    pub fn not_reviewable_yet(self) -> &'static str {
        self.pick(
            "尚未开始：实名认证通过后开始计时",
            "not yet: the clock starts when verification passes",
        )
    }

    pub fn second_approval_reason(self, reason: SecondApprovalReason) -> &'static str {
        match reason {
            SecondApprovalReason::FailedChecks => self.pick("有检查不通过", "failing checks"),
            SecondApprovalReason::RestrictedGoods => self.pick("限售商品", "restricted goods"),
        }
    }

    /// The lines an approve dialog adds for `plan`, each one thing the reviewer must know
    /// before confirming: (text, a warning rather than information).
    pub fn approval_lines(self, plan: &ApprovalPlan) -> Vec<(String, bool)> {
        let mut lines = Vec::new();
        if plan.is_override() {
            lines.push((
                self.pick(
                    "有检查不通过仍予通过即为强制通过：须在备注中写明原因",
                    "Approving over failing checks is an override: write why in the note",
                )
                .to_string(),
                true,
            ));
        }
        if !plan.second_approval.is_empty() {
            let why: Vec<&str> = plan
                .second_approval
                .iter()
                .map(|r| self.second_approval_reason(*r))
                .collect();
            lines.push((
                match self {
                    Lang::Zh => format!("需另一位审核员复核（{}）", why.join("、")),
                    Lang::En => format!(
                        "Needs a second, different reviewer to approve it again ({})",
                        why.join(", ")
                    ),
                },
                true,
            ));
        }
        if let Some(first) = &plan.second_approval_of {
            lines.push((
                match self {
                    Lang::Zh => format!("复核：{first} 已第一次通过"),
                    Lang::En => format!("Second approval: first approved by {first}"),
                },
                false,
            ));
        }
        if plan.product_effective {
            lines.push((
                self.pick(
                    "该账户已有此产品生效：无需技术集成，通过即生效",
                    "The account already has this product effective: no integration, it takes effect at once",
                )
                .to_string(),
                false,
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shenhe_domain::checks::CheckId;
    use shenhe_domain::state::State;

    fn plan() -> ApprovalPlan {
        ApprovalPlan {
            to: State::Effective,
            failed: Vec::new(),
            second_approval: Vec::new(),
            second_approval_of: None,
            product_effective: false,
        }
    }

    #[test]
    fn an_approval_says_each_thing_the_reviewer_must_know_in_both_languages() {
        assert!(
            Lang::En.approval_lines(&plan()).is_empty(),
            "a plain approval"
        );
        let all = ApprovalPlan {
            failed: vec![CheckId::IcpFiling],
            second_approval: vec![
                SecondApprovalReason::FailedChecks,
                SecondApprovalReason::RestrictedGoods,
            ],
            second_approval_of: Some("lina".into()),
            product_effective: true,
            ..plan()
        };
        for (lang, expected) in [
            (
                Lang::En,
                [
                    ("write why in the note", true),
                    ("(failing checks, restricted goods)", true),
                    ("first approved by lina", false),
                    ("takes effect at once", false),
                ],
            ),
            (
                Lang::Zh,
                [
                    ("须在备注中写明原因", true),
                    ("（有检查不通过、限售商品）", true),
                    ("lina 已第一次通过", false),
                    ("通过即生效", false),
                ],
            ),
        ] {
            let lines = lang.approval_lines(&all);
            assert_eq!(lines.len(), expected.len(), "{lines:?}");
            for ((text, warning), (needle, warns)) in lines.iter().zip(expected) {
                assert!(text.contains(needle), "{text} should say {needle}");
                assert_eq!(*warning, warns, "{text}");
            }
        }
    }
}
