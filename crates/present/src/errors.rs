//! Errors of the review layer in words, for both faces. English is the error's own
//! `Display` (beside each variant in `shenhe_review`, naming no flag); Chinese is here.

use shenhe_review::{ReviewError, StoreError};

use crate::Lang;
use crate::time::{china_minutes, china_seconds};

/// What a person is told when an operation did nothing.
pub fn error_message(lang: Lang, e: &ReviewError) -> String {
    if lang == Lang::En {
        return match e {
            // Who, when and into what first: the console's status line is one row, and a
            // reviewer who lost a race must read that before the line is cut.
            ReviewError::RefusedAfter {
                refused,
                by,
                at,
                id,
                ..
            } => decided_already_en(id, by, *at, refused.from),
            ReviewError::Conflict { id, state, by, at } => decided_already_en(id, by, *at, *state),
            _ => e.to_string(),
        };
    }
    match e {
        ReviewError::NotFound { id } => {
            format!("没有订单号为 `{}` 的申请", shenhe_domain::text::fit(id, 60))
        }
        ReviewError::Refused(refused) => format!(
            "{}状态的申请不能{}",
            refused.from.zh(),
            event_zh(refused.event)
        ),
        ReviewError::RefusedAfter {
            refused,
            by,
            at,
            id,
            ..
        } => format!(
            "{id} 已由 {by} 于 {} 处理（现为{}）；未做任何更改",
            china_seconds(*at),
            refused.from.zh()
        ),
        ReviewError::Conflict { id, state, by, at } => format!(
            "{id} 已由 {by} 于 {} 处理（现为{}）；未做任何更改",
            china_seconds(*at),
            state.zh()
        ),
        ReviewError::ProductGone { id, product } => {
            format!("{id}：产品 `{product}` 已不在产品目录中")
        }
        ReviewError::ReasonNeeded => "请至少选择一个退回原因".to_string(),
        ReviewError::UnknownReason { code, known } => format!(
            "未知的退回原因 `{}`（可选：{}）",
            shenhe_domain::text::fit(code, 40),
            known.join("、")
        ),
        ReviewError::OtherNeedsMessage => "退回原因“其他”需要给申请人写明问题".to_string(),
        ReviewError::WindowOpen { until, .. } => {
            format!("仍在15天认证期内，截止：{}", china_minutes(*until))
        }
        ReviewError::ForcedExpireNeedsNote => "在认证期内取消订单需要写明原因".to_string(),
        ReviewError::Closed { id, state } => {
            format!("{id} 已{}，不能再做人工检查", state.zh())
        }
        ReviewError::NotManual { id, check } => {
            format!("{id} 的检查 {check} 不需要人工判断")
        }
        ReviewError::OverrideNeedsNote { id, failed } => format!(
            "{id} 有未通过的检查（{}）：强制通过须在备注中写明原因，并记录为强制通过",
            failed.iter().map(|c| c.id()).collect::<Vec<_>>().join("、")
        ),
        ReviewError::SameReviewer { id, first } => {
            format!("{id} 的第一次通过由 {first} 做出：复核（通过或退回）须由另一位审核员完成")
        }
        ReviewError::NotPendingIntegration { id, state } => {
            format!(
                "{id} 当前为{}，不是待集成：只有已通过审核的接口类产品等待集成测试",
                state.zh()
            )
        }
        ReviewError::NotDecided { id, state } => {
            format!("{id} 当前为{}：只有已处理的申请可以重新打开", state.zh())
        }
        ReviewError::ReopenNeedsNote => "重新打开申请需要写明原因".to_string(),
        ReviewError::ControlCharacter { field, code, at } => format!(
            "{}第 {at} 个字符是不可见字符或控制字符（U+{code:04X}）；未做任何更改",
            match field {
                shenhe_review::Written::Note => "备注",
                shenhe_review::Written::Message => "给申请人的说明",
            }
        ),
        ReviewError::NotLead { actor } => {
            format!("只有审核组长可以执行此操作，{actor} 不是组长")
        }
        ReviewError::NoLeadYet { actor } => format!(
            "此数据库还没有审核组长：只有数据库文件的所有者可以指定第一位组长，{actor} 不是所有者"
        ),
        ReviewError::LastLead { name } => {
            format!("{name} 是最后一位审核组长：请先指定另一位组长；未做任何更改")
        }
        ReviewError::UnknownReviewer { name } => {
            format!("没有名为 `{}` 的审核员", shenhe_domain::text::fit(name, 40))
        }
        ReviewError::BadReviewerName { name } => format!(
            "`{}` 不是有效的审核员名称：1 到 32 个 ASCII 字母、数字、`.`、`_` 或 `-`",
            shenhe_domain::text::fit(name, 40)
        ),
        ReviewError::NotOpen { id, state } => {
            format!("{id} 当前为{}：只有未处理完的申请可以分配", state.zh())
        }
        ReviewError::BadViewName { name } => format!(
            "`{}` 不能作为视图名称：1 到 20 个字符，不含控制字符",
            shenhe_domain::text::fit(name, 40)
        ),
        // Failures of the file or the machine: said in the words of what failed.
        ReviewError::Import(e) => e.to_string(),
        ReviewError::Store(StoreError::DiskFull) => {
            "存放数据库的磁盘已满：未写入任何内容（请释放空间后重试）".into()
        }
        ReviewError::Store(StoreError::ReadOnly) => {
            "数据库在此处只读（只读存储，或没有写权限）：未写入任何内容".into()
        }
        ReviewError::Store(e) => e.to_string(),
    }
}

fn event_zh(event: shenhe_domain::state::Event) -> &'static str {
    use shenhe_domain::state::Event;
    match event {
        Event::Approve => "通过",
        Event::Return => "退回",
        Event::Expire => "取消",
        Event::Resubmit => "重新提交",
        Event::Verified => "完成认证",
        Event::IntegrationPassed => "通过集成测试",
        Event::Reopen => "重新打开",
    }
}

fn decided_already_en(
    id: &str,
    by: &str,
    at: chrono::DateTime<chrono::FixedOffset>,
    state: shenhe_domain::state::State,
) -> String {
    format!(
        "{id} was already decided by {by} at {}: it is now {}; nothing was written",
        china_seconds(at),
        state.en()
    )
}
