//! The words of the operators' commands: `shenhe reviewers`, `integrated`, `audit`,
//! `deliver` and `probe`. Like the rest of the command line they speak the language of
//! `--lang`, the config file or the locale; `--json` has none. Every value handed in is
//! already display-safe: these only put words around it.

use crate::Lang;

/// A reviewer's role.
pub fn role(lang: Lang, lead: bool) -> &'static str {
    match (lang, lead) {
        (Lang::Zh, true) => "组长",
        (Lang::Zh, false) => "审核员",
        (Lang::En, true) => "lead",
        (Lang::En, false) => "reviewer",
    }
}

/// `n` and the English noun for it, in the singular for one.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why an audit chain is broken at an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Its content does not match its hash.
    Content,
    /// It does not chain from the entry before it.
    Link,
}

impl Lang {
    // ---- reviewers and integration ----

    /// `reviewers list`'s headings: name, role, added, added by.
    pub fn reviewer_headings(self) -> [&'static str; 4] {
        match self {
            Lang::Zh => ["账号", "角色", "加入时间（北京时间）", "加入人"],
            Lang::En => ["NAME", "ROLE", "ADDED (UTC+8)", "ADDED BY"],
        }
    }

    pub fn no_lead_yet(self) -> &'static str {
        self.pick(
            "还没有组长：数据库文件的所有者用 `shenhe reviewers add NAME --lead` 指定第一位",
            "no lead yet: the owner of the database file makes the first one with `shenhe reviewers add NAME --lead`",
        )
    }

    /// `init`: the account that made the database is its first lead.
    pub fn first_lead(self, name: &str) -> String {
        match self {
            Lang::Zh => format!("{name}：第一位组长"),
            Lang::En => format!("{name}: first lead"),
        }
    }

    /// `init` on a database from before roles, run by another than its file's owner.
    pub fn no_lead_yet_of(self, db: &str) -> String {
        match self {
            Lang::Zh => {
                format!("还没有组长：{db} 的所有者用 `shenhe reviewers add NAME --lead` 指定第一位")
            }
            Lang::En => format!(
                "no lead yet: the owner of {db} makes the first one with `shenhe reviewers add NAME --lead`"
            ),
        }
    }

    pub fn database_ready(self, db: &str) -> String {
        match self {
            Lang::Zh => format!("数据库已就绪：{db}"),
            Lang::En => format!("database ready: {db}"),
        }
    }

    pub fn reviewer_is(self, name: &str, lead: bool) -> String {
        match self {
            Lang::Zh => format!("{name}：{}", role(self, lead)),
            Lang::En => format!("{name}: {}", role(self, lead)),
        }
    }

    pub fn reviewer_removed(self, name: &str) -> String {
        match self {
            Lang::Zh => format!("{name}：已移除"),
            Lang::En => format!("{name}: removed"),
        }
    }

    pub fn integrated_count(self, n: u64) -> String {
        match self {
            Lang::Zh => format!("{n} 个申请已生效（集成测试通过）"),
            Lang::En if n == 1 => "1 application effective (integration test passed)".into(),
            Lang::En => format!("{n} applications effective (integration test passed)"),
        }
    }

    // ---- audit ----

    pub fn audit_intact(self, checked: u64) -> String {
        match self {
            Lang::Zh => format!("审计链完整：已验证 {checked} 条记录，申请与事件均与之一致"),
            Lang::En => format!(
                "audit chain intact: {} verified, applications and events agree with it",
                plural(checked, "entry", "entries")
            ),
        }
    }

    pub fn audit_holds_kept_head(self, seq: i64) -> String {
        match self {
            Lang::Zh => format!("；仍包含保存的链头（第 {seq} 条）"),
            Lang::En => format!("; it still holds the kept head (entry {seq})"),
        }
    }

    pub fn audit_broken(self, seq: i64, why: Break, checked: u64) -> String {
        match (self, why) {
            (Lang::Zh, Break::Content) => format!(
                "审计链在第 {seq} 条断开：内容与其哈希不符（被修改过）；此前 {checked} 条已验证"
            ),
            (Lang::Zh, Break::Link) => format!(
                "审计链在第 {seq} 条断开：未接续前一条（有记录被删除或插入）；此前 {checked} 条已验证"
            ),
            (Lang::En, Break::Content) => format!(
                "audit chain broken at entry {seq}: its content does not match its hash (edited); {checked} entries before it verified"
            ),
            (Lang::En, Break::Link) => format!(
                "audit chain broken at entry {seq}: it does not chain from the entry before it (an entry was removed or inserted); {checked} entries before it verified"
            ),
        }
    }

    pub fn audit_kept_head_gone(self, last: i64, seq: i64) -> String {
        match self {
            Lang::Zh => format!(
                "审计链已不包含保存的链头：链止于第 {last} 条，在第 {seq} 条之前（末尾的记录被删除）"
            ),
            Lang::En => format!(
                "the audit chain no longer holds the kept head: it ends at entry {last}, before entry {seq} (entries were removed from its end)"
            ),
        }
    }

    pub fn audit_kept_head_rewritten(self, seq: i64) -> String {
        match self {
            Lang::Zh => {
                format!("审计链已不包含保存的链头：第 {seq} 条的哈希不同（链在此处或之前被改写）")
            }
            Lang::En => format!(
                "the audit chain no longer holds the kept head: entry {seq} has another hash (the chain was rewritten at or before it)"
            ),
        }
    }

    pub fn audit_disagrees(self, checked: u64) -> String {
        match self {
            Lang::Zh => format!(
                "审计链的 {checked} 条记录完整，但数据与之不符（在审计之外被改动，或末尾的记录被删除）："
            ),
            Lang::En => format!(
                "the audit chain's {checked} entries are intact, but the data disagrees with them (changed beside the trail, or entries removed from its end):"
            ),
        }
    }

    pub fn audit_field_differs(
        self,
        id: &str,
        field: &str,
        stored: &str,
        replayed: &str,
    ) -> String {
        match self {
            Lang::Zh => format!("  {id}：{field} 为 {stored}，审计记录得出 {replayed}"),
            Lang::En => format!("  {id}: {field} is {stored}, its audit entries give {replayed}"),
        }
    }

    pub fn audit_application_missing(self, id: &str) -> String {
        match self {
            Lang::Zh => format!("  {id}：有审计记录，但数据库中没有此申请"),
            Lang::En => format!("  {id}: has audit entries but is not in the database"),
        }
    }

    pub fn audit_event_differs(self, event: i64, seq: i64) -> String {
        match self {
            Lang::Zh => format!("  事件 {event}：其审计记录 {seq} 缺失或不同"),
            Lang::En => format!("  event {event}: its audit entry {seq} is missing or different"),
        }
    }

    pub fn audit_empty(self) -> &'static str {
        self.pick(
            "审计记录为空：还没有可保存的链头",
            "the audit trail is empty: no head to keep yet",
        )
    }

    // ---- deliver ----

    pub fn deliver_cleared(self, n: u64, endpoint: &str) -> String {
        match self {
            Lang::Zh => format!("已清除 {endpoint} 拒收的 {n} 个事件"),
            Lang::En => format!(
                "cleared {} of {endpoint}",
                plural(n, "refused event", "refused events")
            ),
        }
    }

    pub fn deliver_retrying(self, event: i64, error: &str, attempt: u32, seconds: f64) -> String {
        match self {
            Lang::Zh => format!(
                "shenhe deliver: 事件 {event}：{error}；{seconds:.1} 秒后第 {attempt} 次重试"
            ),
            Lang::En => {
                format!("shenhe deliver: event {event}: {error}; retry {attempt} in {seconds:.1} s")
            }
        }
    }

    pub fn deliver_refused(self, event: i64, status: u16, body: &str) -> String {
        match self {
            Lang::Zh => {
                format!("shenhe deliver: 事件 {event} 被拒收（HTTP {status}），记为失败：{body}")
            }
            Lang::En => format!(
                "shenhe deliver: event {event} refused with HTTP {status}, recorded as failed: {body}"
            ),
        }
    }

    pub fn deliver_summary(
        self,
        accepted: u64,
        url: &str,
        refused: u64,
        retries: u64,
        position: i64,
    ) -> String {
        match self {
            Lang::Zh => format!(
                "已向 {url} 投递 {accepted} 个事件（拒收 {refused}，重试 {retries}）；位置 {position}"
            ),
            Lang::En => format!(
                "delivered {} to {url} ({refused} refused, {}); position {position}",
                plural(accepted, "event", "events"),
                plural(retries, "retry", "retries")
            ),
        }
    }

    pub fn deliver_gave_up(self, url: &str, attempts: u32, event: i64, error: &str) -> String {
        match self {
            Lang::Zh => format!(
                "{url} 在事件 {event} 处尝试 {attempts} 次仍失败（{error}）；下次运行会再次发送"
            ),
            Lang::En => format!(
                "{url} still failing after {attempts} attempts at event {event} ({error}); it is sent again on the next run"
            ),
        }
    }

    pub fn deliver_some_refused(self, n: u64, url: &str) -> String {
        match self {
            Lang::Zh => format!(
                "{url} 拒收了 {n} 个事件；`shenhe deliver --status` 列出它们，`--clear-failures` 清除"
            ),
            Lang::En if n == 1 => format!(
                "1 event was refused by {url}; `shenhe deliver --status` shows it, `--clear-failures` forgets it"
            ),
            Lang::En => format!(
                "{n} events were refused by {url}; `shenhe deliver --status` shows them, `--clear-failures` forgets them"
            ),
        }
    }

    pub fn deliver_none_yet(self) -> &'static str {
        self.pick("还没有投递过任何地址", "no endpoint delivered to yet")
    }

    /// `deliver --status`'s labels, each padded to the same width on screen: endpoint,
    /// position, state, failed.
    pub fn deliver_labels(self) -> [&'static str; 4] {
        match self {
            Lang::Zh => ["地址    ", "位置    ", "状态    ", "失败    "],
            Lang::En => ["endpoint  ", "position  ", "state     ", "failed    "],
        }
    }

    pub fn deliver_position(self, position: i64, pending: u64) -> String {
        match self {
            Lang::Zh => format!("{position}（已处理到的最后一个事件），待投递 {pending}"),
            Lang::En => format!("{position} (last event done with), {pending} pending"),
        }
    }

    pub fn deliver_failing(self, since: &str, attempts: u32, error: &str) -> String {
        match self {
            Lang::Zh => {
                format!("失败中，自 {since}（北京时间）起：已尝试 {attempts} 次，最近错误：{error}")
            }
            Lang::En => {
                format!("FAILING since {since} (UTC+8): {attempts} attempts, last error: {error}")
            }
        }
    }

    pub fn deliver_some_were_refused(self) -> &'static str {
        self.pick(
            "投递中；有事件被拒收",
            "delivering; some events were refused",
        )
    }

    pub fn deliver_healthy(self) -> &'static str {
        self.pick("正常", "healthy")
    }

    pub fn deliver_failed_heading(self, failed: u64, shown: Option<usize>) -> String {
        match (self, shown) {
            (Lang::Zh, Some(k)) => format!("{failed} 个事件被拒收（最新在前，显示 {k} 个）："),
            (Lang::Zh, None) => format!("{failed} 个事件被拒收（最新在前）："),
            (Lang::En, Some(k)) => format!(
                "{} refused (newest first, {k} shown):",
                plural(failed, "event", "events")
            ),
            (Lang::En, None) => format!(
                "{} refused (newest first):",
                plural(failed, "event", "events")
            ),
        }
    }

    pub fn deliver_failure(self, event: i64, status: Option<u16>, at: &str, body: &str) -> String {
        let status = match (self, status) {
            (_, Some(code)) => format!("HTTP {code}"),
            (Lang::Zh, None) => "无状态码".into(),
            (Lang::En, None) => "no status".into(),
        };
        match self {
            Lang::Zh => format!("  事件 {event}  {status}  {at}  {body}"),
            Lang::En => format!("  event {event}  {status}  {at}  {body}"),
        }
    }

    // ---- probe ----

    pub fn probe_failed(self, id: &str, why: &str) -> String {
        match self {
            Lang::Zh => format!("{id}：探测失败：{why}"),
            Lang::En => format!("{id}: probe failed: {why}"),
        }
    }

    /// One probe in a line: `answered` is `HTTP 200 https://… "title", ICP …`.
    pub fn probe_line(self, id: &str, answered: &str, ms: u64, findings: usize) -> String {
        match self {
            Lang::Zh => format!("{id}：{answered}（{ms} 毫秒），{findings} 项发现"),
            Lang::En => format!("{id}: {answered} ({ms} ms), {findings} finding(s)"),
        }
    }

    pub fn probed(self, n: u64, stopped: bool) -> String {
        match (self, stopped) {
            (Lang::Zh, false) => format!("已探测 {n} 个"),
            (Lang::Zh, true) => format!("已探测 {n} 个；已停止"),
            (Lang::En, false) => format!("{n} probed"),
            (Lang::En, true) => format!("{n} probed; stopped"),
        }
    }

    pub fn probe_no_website(self, id: &str) -> String {
        match self {
            Lang::Zh => format!("{id}：申请未填写网站，无可探测"),
            Lang::En => format!("{id}: the application declares no website: nothing to probe"),
        }
    }
}
