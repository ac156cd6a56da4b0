//! Every word a person reads, in Chinese and English: the one place text for people is
//! made, used by the command line and the console alike. The console takes its language
//! from `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`): Chinese for `zh*`,
//! English otherwise.

use shenhe_domain::calendar::TimeLeft;
use shenhe_domain::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    Zh,
    #[default]
    En,
}

impl Lang {
    /// `--lang` wins; else the first locale variable that is set and not empty.
    pub fn detect(flag: Option<&str>) -> Result<Lang, String> {
        if let Some(flag) = flag {
            return match flag.to_ascii_lowercase().as_str() {
                "zh" | "zh_cn" | "zh-cn" | "cn" => Ok(Lang::Zh),
                "en" => Ok(Lang::En),
                other => Err(format!(
                    "--lang: `{other}` is not a language shenhe speaks (zh or en)"
                )),
            };
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var)
                && !value.is_empty()
            {
                return Ok(if value.to_ascii_lowercase().starts_with("zh") {
                    Lang::Zh
                } else {
                    Lang::En
                });
            }
        }
        Ok(Lang::En)
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn state(self, state: State) -> &'static str {
        match self {
            Lang::Zh => state.zh(),
            Lang::En => state.en(),
        }
    }

    /// "2 bd 5 h left" / "剩2个工作日5小时", "overdue 3 h" / "超期3小时".
    pub fn time_left(self, left: TimeLeft) -> String {
        match (self, left) {
            (
                Lang::En,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("{hours} h left today"),
            (
                Lang::En,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => format!("{business_days} bd {hours} h left"),
            (
                Lang::En,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("overdue {hours} h"),
            (Lang::En, TimeLeft::Overdue { business_days, .. }) => {
                format!("overdue {business_days} bd")
            }
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("今日剩{hours}小时"),
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => format!("剩{business_days}个工作日{hours}小时"),
            (
                Lang::Zh,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("超期{hours}小时"),
            (Lang::Zh, TimeLeft::Overdue { business_days, .. }) => {
                format!("超期{business_days}个工作日")
            }
        }
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

/// The words of the console. A struct rather than a map: a string missing in one
/// language is a compile error, not a blank on a reviewer's screen.
pub struct Ui {
    pub app_title: &'static str,
    pub pending: &'static str,
    pub overdue: &'static str,
    pub due_today: &'static str,
    pub verification_lapsed: &'static str,
    pub filter: &'static str,
    pub search: &'static str,
    pub sort: &'static str,
    pub loading: &'static str,
    pub no_applications: &'static str,
    pub col_id: &'static str,
    pub col_merchant: &'static str,
    pub col_product: &'static str,
    pub col_plan: &'static str,
    pub col_state: &'static str,
    pub col_age: &'static str,
    pub col_due: &'static str,
    pub col_left: &'static str,
    pub col_checks: &'static str,
    pub col_reviewer: &'static str,
    pub sec_applicant: &'static str,
    pub sec_materials: &'static str,
    pub sec_product: &'static str,
    pub sec_website: &'static str,
    pub sec_goods: &'static str,
    pub sec_checks: &'static str,
    pub sec_history: &'static str,
    pub enterprise: &'static str,
    pub individual: &'static str,
    pub name: &'static str,
    pub account: &'static str,
    pub verified: &'static str,
    pub legal_rep: &'static str,
    pub applying_person: &'static str,
    pub security: &'static str,
    pub none: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub missing: &'static str,
    pub present: &'static str,
    pub product: &'static str,
    pub plan: &'static str,
    pub payment: &'static str,
    pub paid: &'static str,
    pub unpaid: &'static str,
    pub url: &'static str,
    pub site_kind: &'static str,
    pub built: &'static str,
    pub icp: &'static str,
    pub test_account: &'static str,
    pub test_password: &'static str,
    pub password_hidden: &'static str,
    pub submitted: &'static str,
    pub due: &'static str,
    pub left: &'static str,
    pub verify_by: &'static str,
    pub window_lapsed: &'static str,
    pub being_reviewed_by: &'static str,
    pub outcome_pass: &'static str,
    pub outcome_fail: &'static str,
    pub outcome_manual: &'static str,
    pub outcome_na: &'static str,
    pub approve_title: &'static str,
    pub return_title: &'static str,
    pub expire_title: &'static str,
    pub judge_title: &'static str,
    pub filter_title: &'static str,
    pub help_title: &'static str,
    pub warn_failing: &'static str,
    pub attests_manual: &'static str,
    pub claim_warning: &'static str,
    pub reasons_label: &'static str,
    pub message_label: &'static str,
    pub note_label: &'static str,
    pub confirm_hint: &'static str,
    pub return_hint: &'static str,
    pub judge_hint: &'static str,
    pub need_reason: &'static str,
    pub approved: &'static str,
    pub returned: &'static str,
    pub expired: &'static str,
    pub judged: &'static str,
    pub expire_refused_window: &'static str,
    pub expire_refused_state: &'static str,
    pub approve_refused_state: &'static str,
    pub no_manual_checks: &'static str,
    pub calendar_warning: &'static str,
    pub help_close: &'static str,
    pub verdict_pass: &'static str,
    pub verdict_fail: &'static str,
    pub filter_names: [&'static str; 12],
    pub sort_names: [&'static str; 4],
    pub key_help: KeyHelp,
}

/// What each key does, for the footer and the help screen.
pub struct KeyHelp {
    pub move_: &'static str,
    pub top_bottom: &'static str,
    pub page: &'static str,
    pub half_page: &'static str,
    pub open: &'static str,
    pub back: &'static str,
    pub next_prev: &'static str,
    pub search: &'static str,
    pub filter: &'static str,
    pub sort: &'static str,
    pub clear: &'static str,
    pub approve: &'static str,
    pub return_: &'static str,
    pub expire: &'static str,
    pub judge: &'static str,
    pub reveal: &'static str,
    pub scroll: &'static str,
    pub help: &'static str,
    pub quit: &'static str,
    pub force_quit: &'static str,
    pub repaint: &'static str,
    pub confirm: &'static str,
    pub cancel: &'static str,
    pub toggle: &'static str,
    pub next_field: &'static str,
    pub submit: &'static str,
    pub choose: &'static str,
    pub pass_fail: &'static str,
    pub accept_search: &'static str,
}

pub static UI_ZH: Ui = Ui {
    app_title: "审核",
    pending: "待审核",
    overdue: "超期",
    due_today: "今日到期",
    verification_lapsed: "待认证超15天",
    filter: "筛选",
    search: "搜索",
    sort: "排序",
    loading: "加载中…",
    no_applications: "没有符合条件的申请",
    col_id: "订单号",
    col_merchant: "商户",
    col_product: "产品",
    col_plan: "费率",
    col_state: "状态",
    col_age: "已提交",
    col_due: "截止",
    col_left: "剩余",
    col_checks: "检查",
    col_reviewer: "审核人",
    sec_applicant: "申请人",
    sec_materials: "材料",
    sec_product: "产品与付款",
    sec_website: "网站",
    sec_goods: "商品类目",
    sec_checks: "资格检查",
    sec_history: "审核记录",
    enterprise: "企业",
    individual: "个人",
    name: "名称",
    account: "账户",
    verified: "实名认证",
    legal_rep: "法定代表人",
    applying_person: "申请人",
    security: "安全产品",
    none: "无",
    yes: "是",
    no: "否",
    missing: "缺少",
    present: "已提交",
    product: "产品",
    plan: "费率",
    payment: "付款",
    paid: "已到账",
    unpaid: "未到账",
    url: "网址",
    site_kind: "类型",
    built: "已建成",
    icp: "备案号",
    test_account: "测试账号",
    test_password: "测试密码",
    password_hidden: "（按 v 显示，将记入审核记录）",
    submitted: "提交时间",
    due: "截止时间",
    left: "剩余",
    verify_by: "认证期限",
    window_lapsed: "认证期已过",
    being_reviewed_by: "正在审核：",
    outcome_pass: "通过",
    outcome_fail: "不通过",
    outcome_manual: "待人工",
    outcome_na: "不适用",
    approve_title: "审核通过",
    return_title: "退回申请",
    expire_title: "取消订单（认证超期）",
    judge_title: "人工检查",
    filter_title: "筛选",
    help_title: "按键说明",
    warn_failing: "⚠ 有检查不通过：",
    attests_manual: "通过即确认以下人工检查合格：",
    claim_warning: "⚠ 他人正在审核此申请，继续操作将记入审核记录：",
    reasons_label: "退回原因（空格选择）",
    message_label: "给申请人的说明",
    note_label: "内部备注",
    confirm_hint: "Enter 确认   Tab 备注   Esc 取消",
    return_hint: "空格 选择  Enter 下一步/提交  Tab 切换  Esc 取消",
    judge_hint: "j/k 选择  p 合格  f 不合格  Tab 备注  Enter 提交  Esc 取消",
    need_reason: "请至少选择一个退回原因",
    approved: "已通过",
    returned: "已退回",
    expired: "已取消",
    judged: "已记录人工检查",
    expire_refused_window: "仍在15天认证期内，截止：",
    expire_refused_state: "只有待认证的订单可以取消",
    approve_refused_state: "只有待审核的订单可以通过或退回",
    no_manual_checks: "此申请没有需要人工判断的检查",
    calendar_warning: "⚠ 该年度无官方节假日数据，仅按周末计算工作日",
    help_close: "按任意键关闭",
    verdict_pass: "合格",
    verdict_fail: "不合格",
    filter_names: [
        "全部待处理",
        "待审核",
        "待认证",
        "已退回",
        "待集成",
        "已生效",
        "已取消",
        "全部状态",
        "超期",
        "今日到期",
        "有不通过检查",
        "认证超15天",
    ],
    sort_names: [
        "按截止时间",
        "按截止时间（倒序）",
        "按提交时间",
        "按商户名称",
    ],
    key_help: KeyHelp {
        move_: "上下移动",
        top_bottom: "首/末",
        page: "翻页",
        half_page: "半页",
        open: "详情",
        back: "返回",
        next_prev: "下一个/上一个",
        search: "搜索",
        filter: "筛选",
        sort: "排序",
        clear: "清除筛选",
        approve: "通过",
        return_: "退回",
        expire: "取消",
        judge: "人工检查",
        reveal: "显示密码",
        scroll: "滚动",
        help: "帮助",
        quit: "退出",
        force_quit: "立即退出",
        repaint: "重绘屏幕",
        confirm: "确认",
        cancel: "取消",
        toggle: "选择",
        next_field: "下一栏",
        submit: "提交",
        choose: "选择",
        pass_fail: "合格/不合格",
        accept_search: "完成搜索",
    },
};

pub static UI_EN: Ui = Ui {
    app_title: "shenhe",
    pending: "pending",
    overdue: "overdue",
    due_today: "due today",
    verification_lapsed: "unverified >15d",
    filter: "filter",
    search: "search",
    sort: "sort",
    loading: "loading…",
    no_applications: "no applications match",
    col_id: "ID",
    col_merchant: "Merchant",
    col_product: "Product",
    col_plan: "Plan",
    col_state: "State",
    col_age: "Age",
    col_due: "Due",
    col_left: "Left",
    col_checks: "Checks",
    col_reviewer: "Reviewer",
    sec_applicant: "Applicant",
    sec_materials: "Materials",
    sec_product: "Product and payment",
    sec_website: "Website",
    sec_goods: "Goods",
    sec_checks: "Checks",
    sec_history: "History",
    enterprise: "enterprise",
    individual: "individual",
    name: "name",
    account: "account",
    verified: "real-name verified",
    legal_rep: "legal representative",
    applying_person: "applying person",
    security: "security",
    none: "none",
    yes: "yes",
    no: "no",
    missing: "MISSING",
    present: "present",
    product: "product",
    plan: "plan",
    payment: "payment",
    paid: "paid",
    unpaid: "NOT paid",
    url: "url",
    site_kind: "kind",
    built: "built",
    icp: "ICP",
    test_account: "test account",
    test_password: "test password",
    password_hidden: "(v reveals it; the reveal is recorded)",
    submitted: "submitted",
    due: "due",
    left: "left",
    verify_by: "verify by",
    window_lapsed: "window lapsed",
    being_reviewed_by: "being reviewed by ",
    outcome_pass: "pass",
    outcome_fail: "FAIL",
    outcome_manual: "manual",
    outcome_na: "n/a",
    approve_title: "Approve",
    return_title: "Return to the applicant",
    expire_title: "Expire (verification window lapsed)",
    judge_title: "Judge a manual check",
    filter_title: "Filter",
    help_title: "Keys",
    warn_failing: "⚠ failing checks: ",
    attests_manual: "Approving attests these manual checks pass: ",
    claim_warning: "⚠ another reviewer has this open; deciding anyway is recorded: ",
    reasons_label: "Reasons (space toggles)",
    message_label: "Message to the applicant",
    note_label: "Internal note",
    confirm_hint: "Enter confirm   Tab note   Esc cancel",
    return_hint: "Space toggle  Enter next/submit  Tab field  Esc cancel",
    judge_hint: "j/k choose  p pass  f fail  Tab note  Enter submit  Esc cancel",
    need_reason: "choose at least one reason",
    approved: "approved",
    returned: "returned",
    expired: "expired",
    judged: "judgement recorded",
    expire_refused_window: "still inside its 15-day verification window, until ",
    expire_refused_state: "only an order pending verification can be expired",
    approve_refused_state: "only an order pending review can be approved or returned",
    no_manual_checks: "no check of this application needs a person",
    calendar_warning: "⚠ no official holiday data for that year: weekends only",
    help_close: "any key closes",
    verdict_pass: "pass",
    verdict_fail: "fail",
    filter_names: [
        "all open",
        "pending review",
        "pending verification",
        "returned",
        "pending integration",
        "effective",
        "cancelled",
        "all states",
        "overdue",
        "due today",
        "failing checks",
        "unverified >15 days",
    ],
    sort_names: [
        "due time",
        "due time (latest first)",
        "submission time",
        "merchant name",
    ],
    key_help: KeyHelp {
        move_: "move",
        top_bottom: "top/bottom",
        page: "page",
        half_page: "half page",
        open: "open",
        back: "back",
        next_prev: "next/previous",
        search: "search",
        filter: "filter",
        sort: "sort",
        clear: "clear filter",
        approve: "approve",
        return_: "return",
        expire: "expire",
        judge: "judge check",
        reveal: "reveal password",
        scroll: "scroll",
        help: "help",
        quit: "quit",
        force_quit: "quit now",
        repaint: "redraw the screen",
        confirm: "confirm",
        cancel: "cancel",
        toggle: "toggle",
        next_field: "next field",
        submit: "submit",
        choose: "choose",
        pass_fail: "pass/fail",
        accept_search: "keep search",
    },
};

impl Lang {
    pub fn ui(self) -> &'static Ui {
        match self {
            Lang::Zh => &UI_ZH,
            Lang::En => &UI_EN,
        }
    }
}

impl Lang {
    /// For the queue's narrow column: "1bd13h" / "剩1天13时", "late 2bd" / "超期2天".
    pub fn time_left_short(self, left: TimeLeft) -> String {
        match (self, left) {
            (
                Lang::En,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("{hours}h"),
            (
                Lang::En,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => format!("{business_days}bd {hours}h"),
            (
                Lang::En,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("late {hours}h"),
            (Lang::En, TimeLeft::Overdue { business_days, .. }) => {
                format!("late {business_days}bd")
            }
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days: 0,
                    hours,
                },
            ) => format!("剩{hours}时"),
            (
                Lang::Zh,
                TimeLeft::Left {
                    business_days,
                    hours,
                },
            ) => format!("剩{business_days}天{hours}时"),
            (
                Lang::Zh,
                TimeLeft::Overdue {
                    business_days: 0,
                    hours,
                },
            ) => format!("超期{hours}时"),
            (Lang::Zh, TimeLeft::Overdue { business_days, .. }) => format!("超期{business_days}天"),
        }
    }

    /// The verification window in the queue's narrow column.
    pub fn verification_short(self, days_left: i64) -> String {
        match (self, days_left < 0) {
            (Lang::En, false) => format!("verify {days_left}d"),
            (Lang::En, true) => "lapsed".to_string(),
            (Lang::Zh, false) => format!("认证剩{days_left}天"),
            (Lang::Zh, true) => "认证超期".to_string(),
        }
    }

    /// Age of an application: "3d", "5h".
    pub fn age_short(self, hours: i64) -> String {
        match (self, hours >= 24) {
            (Lang::En, true) => format!("{}d", hours / 24),
            (Lang::En, false) => format!("{}h", hours.max(0)),
            (Lang::Zh, true) => format!("{}天", hours / 24),
            (Lang::Zh, false) => format!("{}时", hours.max(0)),
        }
    }

    pub fn state_short(self, state: State) -> &'static str {
        match (self, state) {
            (Lang::Zh, s) => s.zh(),
            (Lang::En, State::PendingReview) => "review",
            (Lang::En, State::PendingVerification) => "verify",
            (Lang::En, State::Returned) => "returned",
            (Lang::En, State::PendingIntegration) => "integr.",
            (Lang::En, State::Effective) => "effective",
            (Lang::En, State::Cancelled) => "cancelled",
        }
    }

    /// "阶梯" / "tier", or the package price.
    pub fn plan_short(self, plan: &str) -> String {
        match plan.strip_prefix("package_") {
            Some(price) => price.to_string(),
            None => self.pick("阶梯", "tier").to_string(),
        }
    }

    pub fn outcome(self, outcome: shenhe_domain::checks::Outcome) -> &'static str {
        use shenhe_domain::checks::Outcome;
        let ui = self.ui();
        match outcome {
            Outcome::Pass => ui.outcome_pass,
            Outcome::Fail => ui.outcome_fail,
            Outcome::Manual => ui.outcome_manual,
            Outcome::NotApplicable => ui.outcome_na,
        }
    }
}
