//! The facts of an application in words: states, products and plans, materials,
//! security products, payments, websites, goods, checks and the history. Layout (column
//! widths, colours) is each face's own; what the words are is decided here only.

use std::collections::BTreeSet;

use shenhe_domain::application::{
    ApplicantKind, MaterialKind, PaymentMethod, SecurityProduct, SiteKind,
};
use shenhe_domain::calendar::Urgency;
use shenhe_domain::checks::{self, CheckId, Detail, Outcome};
use shenhe_domain::policy::{GoodsStatus, Group, Policy};
use shenhe_domain::state::State;
use shenhe_review::AuditEntry;

use crate::Lang;
use crate::time::{china_seconds, china_short};

impl Lang {
    pub fn state(self, state: State) -> &'static str {
        match self {
            Lang::Zh => state.zh(),
            Lang::En => state.en(),
        }
    }

    /// For the queue's narrow column.
    pub fn state_short(self, state: State) -> &'static str {
        match (self, state) {
            (Lang::Zh, s) => s.zh(),
            (Lang::En, State::PendingReview) => "review",
            (Lang::En, State::PendingVerification) => "verify",
            (Lang::En, State::Returned) => "returned",
            (Lang::En, State::PendingIntegration) => "integr.",
            (Lang::En, State::Effective) => "effective",
            (Lang::En, State::Cancelled) => "cancelled",
            (Lang::En, State::PendingSecondApproval) => "2nd appr.",
        }
    }

    /// A product's name, or its code when the catalogue no longer has it.
    pub fn product<'p>(self, policy: &'p Policy, code: &'p str) -> &'p str {
        policy
            .product(code)
            .map(|p| self.pick(&p.zh, &p.en))
            .unwrap_or(code)
    }

    /// A product's short name, for a narrow column; its code when it is not in the catalogue.
    pub fn product_short<'p>(self, policy: &'p Policy, code: &'p str) -> &'p str {
        policy
            .product(code)
            .map(|p| self.pick(&p.short_zh, &p.short_en))
            .unwrap_or(code)
    }

    /// A fee plan's name, or its id when the catalogue no longer has it.
    pub fn plan<'p>(self, policy: &'p Policy, id: &'p str) -> &'p str {
        if id.is_empty() {
            return self.pick("无", "none");
        }
        policy
            .plan(id)
            .map(|p| self.pick(&p.zh, &p.en))
            .unwrap_or(id)
    }

    /// "阶梯" / "tier", or the package price.
    pub fn plan_short(self, plan: &str) -> String {
        if plan.is_empty() {
            return "-".to_string();
        }
        match plan.strip_prefix("package_") {
            Some(price) => price.to_string(),
            None => self.pick("阶梯", "tier").to_string(),
        }
    }

    pub fn applicant_kind(self, kind: ApplicantKind) -> &'static str {
        match kind {
            ApplicantKind::Enterprise => self.pick("企业", "enterprise"),
            ApplicantKind::Individual => self.pick("个人", "individual"),
        }
    }

    /// The security products an applicant holds, or "none".
    pub fn security(self, products: &[SecurityProduct]) -> String {
        if products.is_empty() {
            return self.pick("无", "none").to_string();
        }
        let names: Vec<&str> = products
            .iter()
            .map(|s| match s {
                SecurityProduct::DigitalCertificate => self.pick("数字证书", "digital certificate"),
                SecurityProduct::PaymentShield => self.pick("支付盾", "payment shield"),
                SecurityProduct::Token => self.pick("宝令", "token"),
            })
            .collect();
        names.join(self.pick("、", ", "))
    }

    pub fn material(self, kind: MaterialKind) -> &'static str {
        let (en, zh) = checks::material_name(kind);
        self.pick(zh, en)
    }

    pub fn payment_method(self, method: PaymentMethod) -> &'static str {
        match method {
            PaymentMethod::OnlineBanking => self.pick("网银", "online banking"),
            PaymentMethod::AlipayCard => self.pick("支付宝卡通", "Alipay card"),
            PaymentMethod::BankTransfer => self.pick("线下银行转账", "bank transfer"),
            PaymentMethod::PostalRemittance => self.pick("邮局汇款", "postal remittance"),
        }
    }

    pub fn site_kind(self, kind: SiteKind) -> &'static str {
        match kind {
            SiteKind::Shop => self.pick("商城", "shop"),
            SiteKind::Login => self.pick("需登录", "login"),
            SiteKind::Forum => self.pick("论坛", "forum"),
            SiteKind::Info => self.pick("资讯", "information"),
        }
    }

    /// A goods category and what policy says of it: "手机 (限售)" / "phones (restricted)".
    pub fn goods(self, policy: &Policy, id: &str) -> String {
        let Some(category) = policy.goods_category(id) else {
            return id.to_string();
        };
        let status = match category.status {
            GoodsStatus::Allowed => "",
            GoodsStatus::Restricted => self.pick("（限售）", " (restricted)"),
            GoodsStatus::Prohibited => self.pick("（禁售）", " (prohibited)"),
        };
        format!("{}{status}", self.pick(&category.zh, &category.en))
    }

    pub fn outcome(self, outcome: Outcome) -> &'static str {
        let ui = self.ui();
        match outcome {
            Outcome::Pass => ui.outcome_pass,
            Outcome::Fail => ui.outcome_fail,
            Outcome::Manual => ui.outcome_manual,
            Outcome::NotApplicable => ui.outcome_na,
        }
    }

    /// A check's name in the policy, or its id.
    pub fn check(self, policy: &Policy, id: CheckId) -> String {
        policy
            .check_rule(id)
            .map(|r| self.pick(&r.zh, &r.en).to_string())
            .unwrap_or_else(|| id.id().to_string())
    }

    /// A check's evidence, as the domain wrote it in both languages.
    pub fn evidence(self, detail: &Detail) -> &str {
        self.pick(&detail.zh, &detail.en)
    }

    pub fn group(self, group: &Group) -> &str {
        self.pick(&group.zh, &group.en)
    }

    /// A return reason's text, or its code when the policy no longer has it.
    pub fn reason<'p>(self, policy: &'p Policy, code: &'p str) -> &'p str {
        policy
            .reason(code)
            .map(|r| self.pick(&r.zh, &r.en))
            .unwrap_or(code)
    }

    /// Years a due time was computed in that the holiday data does not cover, as a warning.
    pub fn calendar_warning(self, uncovered: &BTreeSet<i32>) -> Option<String> {
        if uncovered.is_empty() {
            return None;
        }
        let years: Vec<String> = uncovered.iter().map(|y| y.to_string()).collect();
        Some(match self {
            Lang::En => format!(
                "no official holiday data for {}: business days there are counted on weekends alone",
                years.join(", ")
            ),
            Lang::Zh => format!("{}年无官方节假日数据，工作日仅按周末计算", years.join("、")),
        })
    }

    /// The compact check summary of the queue: "✗2 ?1", or "ok".
    pub fn check_summary(self, failed: u32, manual: u32) -> String {
        let mut parts = Vec::new();
        if failed > 0 {
            parts.push(format!("✗{failed}"));
        }
        if manual > 0 {
            parts.push(format!("?{manual}"));
        }
        if parts.is_empty() {
            self.pick("通过", "ok").to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// The one-character mark of an outcome, beside its word.
pub fn outcome_mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::Manual => "?",
        Outcome::NotApplicable => "-",
    }
}

/// The queue's mark of urgency: `!` overdue, `*` due today (the header counts the same).
pub fn urgency_mark(urgency: Option<Urgency>) -> Option<char> {
    match urgency {
        Some(Urgency::Overdue) => Some('!'),
        Some(Urgency::DueToday) => Some('*'),
        Some(Urgency::InTime) | None => None,
    }
}

/// One audit entry in words.
pub struct HistoryLine {
    /// When, exact ("2026-10-09 14:30:05"), and short ("10-09 14:30").
    pub at: String,
    pub at_short: String,
    pub actor: String,
    pub action: String,
    /// "pending_review → returned", or empty.
    pub transition: String,
    /// "rev 2" for a resubmission's entries, else empty.
    pub revision: String,
    /// The return reasons: (code, text).
    pub reasons: Vec<(String, String)>,
    pub message: Option<String>,
    pub note: Option<String>,
    pub detail: Option<String>,
    /// A submission or verification, whose detail repeats what the application shows.
    pub routine: bool,
}

impl Lang {
    /// An audit entry as both faces show it. Every field is recorded text: the faces
    /// make it display-safe as they lay it out.
    pub fn history_line(self, policy: &Policy, entry: &AuditEntry) -> HistoryLine {
        let e = &entry.entry;
        // English keeps the recorded ids (the command line's words); Chinese says them.
        let state = |id: &str| match (self, id.parse::<State>()) {
            (Lang::Zh, Ok(s)) => s.zh().to_string(),
            _ => id.to_string(),
        };
        let transition = match (&e.from_state, &e.to_state) {
            (Some(f), Some(t)) => format!("{} → {}", state(f), state(t)),
            (None, Some(t)) => format!("→ {}", state(t)),
            _ => String::new(),
        };
        let (action, detail) = match self {
            Lang::En => (e.action.clone(), e.detail.clone()),
            Lang::Zh => (
                action_zh(&e.action).unwrap_or(&e.action).to_string(),
                e.detail.as_deref().map(|d| self.detail_zh(policy, d)),
            ),
        };
        HistoryLine {
            at: china_seconds(e.at),
            at_short: china_short(e.at),
            actor: e.actor.clone(),
            action,
            transition,
            revision: if e.revision > 1 {
                format!("rev {}", e.revision)
            } else {
                String::new()
            },
            reasons: e
                .reasons
                .iter()
                .map(|code| (code.clone(), self.reason(policy, code).to_string()))
                .collect(),
            message: e.message.clone(),
            note: e.note.clone(),
            detail,
            routine: matches!(e.action.as_str(), "submit" | "resubmit" | "verified"),
        }
    }
}

/// An audit action in Chinese; None for one this version does not know.
fn action_zh(action: &str) -> Option<&'static str> {
    Some(match action {
        "submit" => "提交",
        "resubmit" => "重新提交",
        "approve" => "通过",
        "return" => "退回",
        "expire" => "取消订单",
        "judge" => "人工检查",
        "reveal_password" => "查看测试密码",
        "claim_override" => "越过他人审核",
        "verified" => "完成认证",
        "integrated" => "集成测试通过",
        "reopen" => "重新打开",
        "assign" => "分配",
        _ => return None,
    })
}

impl Lang {
    /// The detail the review layer records (English, for the log) in Chinese, for the
    /// forms it writes; anything else as recorded.
    fn detail_zh(self, policy: &Policy, detail: &str) -> String {
        let check = |id: &str| {
            id.trim()
                .parse::<CheckId>()
                .map(|c| self.check(policy, c))
                .unwrap_or_else(|_| id.trim().to_string())
        };
        let checks = |list: &str| list.split(',').map(check).collect::<Vec<_>>().join("、");
        detail
            .split("; ")
            .map(|part| {
                if let Some(list) = part.strip_prefix("attested manual checks: ") {
                    format!("确认人工检查：{}", checks(list))
                } else if let Some(list) =
                    part.strip_prefix("override: approved despite failed checks: ")
                {
                    format!("强制通过，未通过的检查：{}", checks(list))
                } else if let Some((id, verdict)) = part.rsplit_once(": ")
                    && let Ok(c) = id.parse::<CheckId>()
                    && matches!(verdict, "pass" | "fail")
                {
                    let word = if verdict == "pass" {
                        self.ui().outcome_pass
                    } else {
                        self.ui().outcome_fail
                    };
                    format!("{}：{word}", self.check(policy, c))
                } else if let Some(rest) = part.strip_prefix("to ") {
                    // An assignment: "to NAME" or "to NAME (was OTHER)".
                    match rest.split_once(" (was ") {
                        Some((to, was)) => {
                            format!("分配给 {to}（原为 {}）", was.trim_end_matches(')'))
                        }
                        None => format!("分配给 {rest}"),
                    }
                } else if let Some(rest) = part.strip_prefix("claimed by ") {
                    match rest.split_once(" until ") {
                        Some((who, _)) => format!("当时 {who} 正在审核"),
                        None => part.to_string(),
                    }
                } else {
                    part.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("；")
    }
}
