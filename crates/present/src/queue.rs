//! The names of the queue's filters and sorts.

use shenhe_domain::policy::Policy;
use shenhe_review::queue::{Filter, Sort};

use crate::Lang;

impl Lang {
    pub fn filter(self, policy: &Policy, filter: &Filter) -> String {
        let name = match filter {
            Filter::AllOpen => self.pick("全部待处理", "all open"),
            Filter::State(state) => {
                use shenhe_domain::state::State;
                match state {
                    State::PendingReview => self.pick("待审核", "pending review"),
                    State::PendingVerification => self.pick("待认证", "pending verification"),
                    State::PendingSecondApproval => self.pick("待复核", "pending second approval"),
                    State::Returned => self.pick("已退回", "returned"),
                    State::PendingIntegration => self.pick("待集成", "pending integration"),
                    State::Effective => self.pick("已生效", "effective"),
                    State::Cancelled => self.pick("已取消", "cancelled"),
                }
            }
            Filter::AllStates => self.pick("全部状态", "all states"),
            Filter::Overdue => self.pick("超期", "overdue"),
            Filter::DueToday => self.pick("今日到期", "due today"),
            Filter::Failing => self.pick("有不通过检查", "failing checks"),
            Filter::VerificationLapsed => self.pick("认证超15天", "unverified >15 days"),
            Filter::Assigned(name) => {
                return match self {
                    Lang::Zh => format!("分配给 {}", shenhe_domain::text::display_safe(name)),
                    Lang::En => format!("assigned to {}", shenhe_domain::text::display_safe(name)),
                };
            }
            Filter::Group(id) => {
                return policy
                    .group(id)
                    .map(|g| self.pick(&g.zh, &g.en))
                    .unwrap_or(id)
                    .to_string();
            }
        };
        name.to_string()
    }

    pub fn sort(self, sort: Sort) -> &'static str {
        match sort {
            Sort::Due => self.pick("按截止时间", "due time"),
            Sort::DueLatest => self.pick("按截止时间（倒序）", "due time (latest first)"),
            Sort::Submitted => self.pick("按提交时间", "submission time"),
            Sort::Merchant => self.pick("按商户（拼音）", "merchant (pinyin)"),
        }
    }

    /// The search found nothing under the filter, but `id` in `state`: where, and how to
    /// see it.
    pub fn found_elsewhere(self, id: &str, state: shenhe_domain::state::State) -> String {
        match self {
            Lang::Zh => format!(
                "{id} 不在此筛选中：当前为{}。按 Enter 打开，或 f A 显示全部状态",
                self.state(state)
            ),
            Lang::En => format!(
                "{id} is not under this filter: it is {}. Enter opens it; f A shows all states",
                self.state(state)
            ),
        }
    }
}
