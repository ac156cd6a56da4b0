//! The command line's own words (`list`, `show`, `history`, decisions, `import`, `sweep`),
//! a struct per language like the console's [`crate::words`]: the labels both faces
//! share (sections, names of fields) are the console's, taken from there; here are only
//! the command line's own (its table's headings, its hints naming commands and flags). The command
//! line speaks the language of `--lang`, else of the locale; `--json` has no language.

use crate::Lang;

/// The command line's fixed words.
pub struct CliWords {
    pub col_id: &'static str,
    pub col_merchant: &'static str,
    pub col_product: &'static str,
    pub col_plan: &'static str,
    pub col_state: &'static str,
    pub col_due: &'static str,
    pub col_left: &'static str,
    pub col_checks: &'static str,
    pub no_applications: &'static str,
    pub no_entries: &'static str,
    pub state: &'static str,
    pub revision: &'static str,
    pub reviewable: &'static str,
    pub not_reviewable_yet: &'static str,
    pub left: &'static str,
    pub approving: &'static str,
    pub warning: &'static str,
    pub verification_window: &'static str,
    pub being_reviewed_by: &'static str,
    pub sec_product: &'static str,
    pub kind: &'static str,
    pub group: &'static str,
    pub not_paid: &'static str,
    pub yuan: &'static str,
    pub reveal_hint: &'static str,
    pub not_probed: &'static str,
    pub suggested_reasons: &'static str,
    pub reason: &'static str,
    pub message: &'static str,
    pub note: &'static str,
}

pub const CLI_EN: CliWords = CliWords {
    col_id: "ID",
    col_merchant: "MERCHANT",
    col_product: "PRODUCT",
    col_plan: "PLAN",
    col_state: "STATE",
    col_due: "DUE (UTC+8)",
    col_left: "LEFT",
    col_checks: "CHECKS",
    no_applications: "(no applications)",
    no_entries: "(no entries)",
    state: "state",
    revision: "revision",
    reviewable: "reviewable",
    not_reviewable_yet: "not yet: the review clock starts when real-name verification passes",
    left: "left",
    approving: "approving",
    warning: "warning",
    verification_window: "verification window",
    being_reviewed_by: "being reviewed by",
    sec_product: "Product",
    kind: "kind",
    group: "group",
    not_paid: "NOT paid",
    yuan: "yuan",
    reveal_hint: "--reveal shows it; the reveal is recorded",
    not_probed: "not yet (shenhe probe ID)",
    suggested_reasons: "suggested reasons",
    reason: "reason",
    message: "message",
    note: "note",
};

pub const CLI_ZH: CliWords = CliWords {
    col_id: "订单号",
    col_merchant: "商户",
    col_product: "产品",
    col_plan: "费率",
    col_state: "状态",
    col_due: "截止（北京时间）",
    col_left: "剩余",
    col_checks: "检查",
    no_applications: "（没有符合条件的申请）",
    no_entries: "（没有记录）",
    state: "状态",
    revision: "版本",
    reviewable: "开始审核",
    not_reviewable_yet: "尚未开始：实名认证通过后开始计时",
    left: "剩余",
    approving: "通过后",
    warning: "注意",
    verification_window: "实名认证期限",
    being_reviewed_by: "正在审核",
    sec_product: "产品与付款",
    kind: "类型",
    group: "产品组",
    not_paid: "未付款",
    yuan: "元",
    reveal_hint: "--reveal 显示，查看会记入审计记录",
    not_probed: "尚未探测（shenhe probe 编号）",
    suggested_reasons: "建议的退回原因",
    reason: "原因",
    message: "给申请人的说明",
    note: "内部备注",
};

impl Lang {
    pub fn cli(self) -> &'static CliWords {
        match self {
            Lang::Zh => &CLI_ZH,
            Lang::En => &CLI_EN,
        }
    }

    /// What `import` did.
    pub fn imported(self, new: u64, resubmitted: u64, verified: u64, unchanged: u64) -> String {
        match self {
            Lang::En => format!(
                "imported {new} new, {resubmitted} resubmitted, {verified} verified, {unchanged} unchanged"
            ),
            Lang::Zh => format!(
                "已导入：新申请 {new} 个，重新提交 {resubmitted} 个，完成认证 {verified} 个，未变 {unchanged} 个"
            ),
        }
    }

    /// A state on the command line: its id in English (scripts grep it), its name in
    /// Chinese.
    pub fn state_word(self, state: shenhe_domain::state::State) -> &'static str {
        match self {
            Lang::Zh => state.zh(),
            Lang::En => state.id(),
        }
    }

    /// A manual check judged from the command line.
    pub fn judged_line(self, id: &str, check: &str, pass: bool) -> String {
        match self {
            Lang::En => format!(
                "{id}: {check} judged {}",
                if pass { "pass" } else { "fail" }
            ),
            Lang::Zh => format!(
                "{id}：{check} 判定为{}",
                if pass { "通过" } else { "不通过" }
            ),
        }
    }

    /// One line of `sweep`: what happened to an order past its verification window.
    pub fn sweep_outcome(self, error: Option<&str>, dry_run: bool) -> String {
        match (self, error, dry_run) {
            (Lang::En, Some(e), _) => format!("not expired: {e}"),
            (Lang::En, None, true) => "would expire".into(),
            (Lang::En, None, false) => "expired".into(),
            (Lang::Zh, Some(e), _) => format!("未取消：{e}"),
            (Lang::Zh, None, true) => "将取消".into(),
            (Lang::Zh, None, false) => "已取消".into(),
        }
    }

    pub fn sweep_submitted(self) -> &'static str {
        self.pick("提交于", "submitted")
    }

    /// The last line of `sweep`.
    pub fn sweep_total(self, found: usize, expired: usize, dry_run: bool) -> String {
        match (self, dry_run) {
            (Lang::En, true) => format!(
                "{found} order(s) past the 15-day verification window; nothing changed (dry run)"
            ),
            (Lang::En, false) => format!("{expired} order(s) expired"),
            (Lang::Zh, true) => {
                format!("{found} 个订单已过 15 天实名认证期限；未做任何更改（试运行）")
            }
            (Lang::Zh, false) => format!("已取消 {expired} 个订单"),
        }
    }

    /// `show`'s verification window: until when, and how long is left.
    pub fn verification_until(self, until: &str, left: &str) -> String {
        match self {
            Lang::En => format!("until {until} ({left})"),
            Lang::Zh => format!("{until} 前（{left}）"),
        }
    }

    /// `show`'s claim: who, until when.
    pub fn claimed_until(self, reviewer: &str, until: &str) -> String {
        match self {
            Lang::En => format!("{reviewer} (until {until})"),
            Lang::Zh => format!("{reviewer}（至 {until}）"),
        }
    }

    /// A material given for a goods category.
    pub fn material_for(self, goods: &str) -> String {
        match self {
            Lang::En => format!(" (for {goods})"),
            Lang::Zh => format!("（用于{goods}）"),
        }
    }

    /// `show`'s revision line.
    pub fn revision_line(self, revision: u32, version: i64) -> String {
        match self {
            Lang::En => format!("{revision} (version {version})"),
            Lang::Zh => format!("第 {revision} 版（数据版本 {version}）"),
        }
    }

    /// A probe: what answered.
    pub fn probe_seen(
        self,
        error: Option<&str>,
        status: Option<u16>,
        url: &str,
        ms: u64,
    ) -> String {
        match (self, error, status) {
            (Lang::En, Some(e), _) => format!("failed: {e}"),
            (Lang::En, None, Some(s)) => format!("HTTP {s} at {url} ({ms} ms)"),
            (Lang::En, None, None) => format!("stopped at {url}"),
            (Lang::Zh, Some(e), _) => format!("失败：{e}"),
            (Lang::Zh, None, Some(s)) => format!("HTTP {s}，{url}（{ms} 毫秒）"),
            (Lang::Zh, None, None) => format!("停在 {url}"),
        }
    }

    /// The check's suggested return reason, after its evidence.
    pub fn check_reason(self, code: &str) -> String {
        match self {
            Lang::En => format!("  → reason {code}"),
            Lang::Zh => format!("  → 退回原因 {code}"),
        }
    }
}

impl Lang {
    /// Where an approval leads, for `show`.
    pub fn approval_leads_to(self, to: shenhe_domain::state::State) -> String {
        match self {
            Lang::En => format!("leads to {}", to.id()),
            Lang::Zh => format!("进入{}", to.zh()),
        }
    }
}
