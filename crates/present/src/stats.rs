//! The words of the lead's statistics (issue 14), for `shenhe stats` and the console's
//! statistics screen alike.

use shenhe_domain::policy::Policy;

use crate::Lang;

/// Labels of the statistics, a struct per language.
pub struct StatsWords {
    pub title: &'static str,
    pub since: &'static str,
    pub queue_now: &'static str,
    pub pending_review: &'static str,
    pub overdue: &'static str,
    pub due_today: &'static str,
    pub due_tomorrow: &'static str,
    pub second_approval: &'static str,
    pub pending_verification: &'static str,
    pub in_window: &'static str,
    pub lapsed: &'static str,
    pub daily: &'static str,
    pub intake: &'static str,
    pub approved: &'static str,
    pub returned: &'static str,
    pub expired: &'static str,
    pub sla: &'static str,
    pub decided: &'static str,
    pub within_sla: &'static str,
    pub week_of: &'static str,
    pub waiting_age: &'static str,
    pub time_to_decision: &'static str,
    pub median: &'static str,
    pub p90: &'static str,
    pub by_reviewer: &'static str,
    pub reviewer: &'static str,
    pub today: &'static str,
    pub this_week: &'static str,
    pub period: &'static str,
    pub return_rate: &'static str,
    pub return_reasons: &'static str,
    pub nothing: &'static str,
    pub loading: &'static str,
    /// The footer of the screen.
    pub keys: &'static str,
}

pub const STATS_EN: StatsWords = StatsWords {
    title: "Statistics",
    since: "period from",
    queue_now: "Queue now",
    pending_review: "pending review",
    overdue: "overdue",
    due_today: "due today",
    due_tomorrow: "due tomorrow",
    second_approval: "awaiting 2nd approval",
    pending_verification: "pending verification",
    in_window: "inside 15 days",
    lapsed: "past 15 days",
    daily: "Last 30 days: intake and decisions",
    intake: "intake",
    approved: "approved",
    returned: "returned",
    expired: "expired",
    sla: "Within 3 business days",
    decided: "decided",
    within_sla: "in time",
    week_of: "week of",
    waiting_age: "Waiting (business days)",
    time_to_decision: "Time to decision",
    median: "median",
    p90: "90th pct",
    by_reviewer: "Decisions by reviewer",
    reviewer: "reviewer",
    today: "today",
    this_week: "this week",
    period: "period",
    return_rate: "return %",
    return_reasons: "Return reasons",
    nothing: "none",
    loading: "counting…",
    keys: "Esc/q back · r refresh",
};

pub const STATS_ZH: StatsWords = StatsWords {
    title: "统计",
    since: "统计起始",
    queue_now: "当前队列",
    pending_review: "待审核",
    overdue: "超期",
    due_today: "今日到期",
    due_tomorrow: "明日到期",
    second_approval: "待复核",
    pending_verification: "待认证",
    in_window: "15天内",
    lapsed: "超15天",
    daily: "近30天：进件与处理",
    intake: "进件",
    approved: "通过",
    returned: "退回",
    expired: "取消",
    sla: "三个工作日内处理",
    decided: "已处理",
    within_sla: "按时",
    week_of: "周",
    waiting_age: "等待时长（工作日）",
    time_to_decision: "处理用时",
    median: "中位数",
    p90: "第90百分位",
    by_reviewer: "审核员处理量",
    reviewer: "审核员",
    today: "今日",
    this_week: "本周",
    period: "期间",
    return_rate: "退回率",
    return_reasons: "退回原因",
    nothing: "无",
    loading: "统计中…",
    keys: "Esc/q 返回 · r 刷新",
};

impl Lang {
    pub fn stats(self) -> &'static StatsWords {
        match self {
            Lang::Zh => &STATS_ZH,
            Lang::En => &STATS_EN,
        }
    }

    /// A share as a whole percentage, or a dash with nothing to share.
    pub fn percent(self, share: Option<f64>) -> String {
        share.map_or_else(|| "—".to_string(), |s| format!("{:.0}%", s * 100.0))
    }

    /// Business hours, to a tenth.
    pub fn business_hours(self, hours: Option<f64>) -> String {
        match hours {
            None => "—".to_string(),
            Some(h) => match self {
                Lang::Zh => format!("{h:.1} 工作小时"),
                Lang::En => format!("{h:.1} business h"),
            },
        }
    }

    /// How many of the decided were decided in time, and the share.
    pub fn in_time(self, within: u64, decided: u64, share: Option<f64>) -> String {
        match self {
            Lang::Zh => format!("{decided} 件中 {within} 件（{}）", self.percent(share)),
            Lang::En => format!("{within} of {decided} ({})", self.percent(share)),
        }
    }

    /// `shenhe stats`' first line: the title and the period's first day.
    pub fn stats_title(self, since: &str) -> String {
        let w = self.stats();
        match self {
            Lang::Zh => format!("{}（{} {since}）", w.title, w.since),
            Lang::En => format!("{} ({} {since})", w.title, w.since),
        }
    }

    /// A heading and what follows it on its line.
    pub fn labelled(self, label: &str, value: &str) -> String {
        match self {
            Lang::Zh => format!("{label}：{value}"),
            Lang::En => format!("{label}: {value}"),
        }
    }

    /// One week's line of the promise kept: the week's Monday, then how many in time.
    pub fn week_in_time(self, monday: &str, in_time: &str) -> String {
        match self {
            Lang::Zh => format!("{monday} 当周：{in_time}"),
            Lang::En => format!("week of {monday}: {in_time}"),
        }
    }

    /// The time to decision: of how many, the median and the 90th percentile.
    pub fn time_to_decision(self, decided: u64, median: Option<f64>, p90: Option<f64>) -> String {
        let w = self.stats();
        let (median, p90) = (self.business_hours(median), self.business_hours(p90));
        match self {
            Lang::Zh => format!(
                "{}（已处理 {decided} 件）：{} {median}，{} {p90}",
                w.time_to_decision, w.median, w.p90
            ),
            Lang::En => format!(
                "{} ({decided} {}): {} {median}, {} {p90}",
                w.time_to_decision, w.decided, w.median, w.p90
            ),
        }
    }

    /// `shenhe assign`'s line for one application (`previous`: whom it was assigned to).
    pub fn assigned(self, id: &str, to: &str, previous: Option<&str>) -> String {
        match (self, previous) {
            (Lang::Zh, Some(p)) => format!("{id}：已分配给 {to}（原为 {p}）"),
            (Lang::Zh, None) => format!("{id}：已分配给 {to}"),
            (Lang::En, Some(p)) => format!("{id}: assigned to {to} (was {p})"),
            (Lang::En, None) => format!("{id}: assigned to {to}"),
        }
    }

    /// A return reason's name in this language (its code when the catalogue lost it).
    pub fn reason_name<'a>(self, policy: &'a Policy, code: &'a str) -> &'a str {
        policy
            .reason(code)
            .map(|r| self.pick(&r.zh, &r.en))
            .unwrap_or(code)
    }
}

impl Lang {
    /// The queue header: how many applications are marked.
    pub fn marked(self, n: usize) -> String {
        match self {
            Lang::Zh => format!("已标记 {n}"),
            Lang::En => format!("{n} marked"),
        }
    }

    /// `V` pressed once: where the range starts.
    pub fn range_from(self, id: &str) -> String {
        match self {
            Lang::Zh => format!("从 {id} 开始标记：移动到终点后再按 V"),
            Lang::En => format!("marking from {id}: move to the other end and press V again"),
        }
    }

    /// The bulk dialog's title.
    pub fn bulk_title(self, kind: shenhe_review::bulk::BulkKind) -> &'static str {
        use shenhe_review::bulk::BulkKind;
        match kind {
            BulkKind::Assign => self.pick("批量分配", "Assign the marked"),
            BulkKind::Expire => self.pick("批量取消订单", "Expire the marked"),
        }
    }

    /// What a bulk action will do, a line each: what it acts on, then each reason for
    /// skipping with how many.
    pub fn bulk_plan(self, plan: &shenhe_review::bulk::BulkPlan, to: Option<&str>) -> Vec<String> {
        use shenhe_review::bulk::BulkKind;
        let n = plan.act.len();
        let mut lines = vec![match (self, plan.kind) {
            (Lang::Zh, BulkKind::Assign) => {
                format!("将 {n} 个申请分配给 {}", to.unwrap_or("…"))
            }
            (Lang::En, BulkKind::Assign) => {
                format!("assign {n} to {}", to.unwrap_or("…"))
            }
            (Lang::Zh, BulkKind::Expire) => {
                format!("取消 {n} 个超过15天认证期的订单（每个一条审计记录）")
            }
            (Lang::En, BulkKind::Expire) => {
                format!("expire {n} past their 15-day window (one audit entry each)")
            }
        }];
        let [not_open, not_waiting, inside, gone] = plan.skip_counts();
        let reasons = [
            (not_open, self.pick("已处理", "already decided")),
            (
                not_waiting,
                self.pick("不是待认证", "not pending verification"),
            ),
            (
                inside,
                self.pick("仍在15天认证期内", "still inside the 15-day window"),
            ),
            (gone, self.pick("已不存在", "no longer there")),
        ];
        for (count, why) in reasons {
            if count > 0 {
                lines.push(match self {
                    Lang::Zh => format!("跳过 {count} 个：{why}"),
                    Lang::En => format!("skip {count}: {why}"),
                });
            }
        }
        lines
    }

    /// The keys of the bulk dialog.
    pub fn bulk_hint(self, kind: shenhe_review::bulk::BulkKind) -> &'static str {
        use shenhe_review::bulk::BulkKind;
        match kind {
            BulkKind::Assign => self.pick(
                "Enter 确认   j/k 选择审核员   Esc 取消",
                "Enter do it   j/k choose the reviewer   Esc cancel",
            ),
            BulkKind::Expire => self.pick("Enter 确认   Esc 取消", "Enter do it   Esc cancel"),
        }
    }

    /// What a bulk action did.
    pub fn bulk_done(self, done: &shenhe_review::bulk::BulkDone) -> String {
        use shenhe_review::bulk::BulkKind;
        let what = match (self, done.kind) {
            (Lang::Zh, BulkKind::Assign) => format!("已分配 {} 个", done.done),
            (Lang::En, BulkKind::Assign) => format!("assigned {}", done.done),
            (Lang::Zh, BulkKind::Expire) => format!("已取消 {} 个", done.done),
            (Lang::En, BulkKind::Expire) => format!("expired {}", done.done),
        };
        let mut text = match self {
            Lang::Zh => format!("{what}，跳过 {} 个", done.skipped),
            Lang::En => format!("{what}, skipped {}", done.skipped),
        };
        if let Some((id, e)) = done.failed.first() {
            text.push_str(&match self {
                Lang::Zh => format!(
                    "，失败 {} 个（{id}：{}）",
                    done.failed.len(),
                    crate::error_message(self, e)
                ),
                Lang::En => format!(
                    ", failed {} ({id}: {})",
                    done.failed.len(),
                    crate::error_message(self, e)
                ),
            });
        }
        text
    }
}

impl Lang {
    pub fn view_name_title(self) -> &'static str {
        self.pick("保存视图", "Save this view")
    }

    pub fn view_name_label(self) -> &'static str {
        self.pick("名称：", "Name: ")
    }

    pub fn view_name_hint(self) -> &'static str {
        self.pick(
            "Enter 保存（1–9 切换）   Esc 取消",
            "Enter save (1–9 switch)   Esc cancel",
        )
    }

    pub fn view_saved(self, name: &str) -> String {
        let name = shenhe_domain::text::display_safe(name);
        match self {
            Lang::Zh => format!("视图“{name}”已保存"),
            Lang::En => format!("view “{name}” saved"),
        }
    }
}
