//! The words of drafts: a reviewer's unsent decision, offered back.

use crate::Lang;

impl Lang {
    /// The detail's notice of an unsent decision this reviewer left: which, when, the key.
    pub fn draft_notice(
        self,
        kind: shenhe_domain::drafts::DraftKind,
        at: &str,
        key: &str,
    ) -> String {
        use shenhe_domain::drafts::DraftKind;
        let what = match kind {
            DraftKind::Approve => self.pick("通过", "approval"),
            DraftKind::Return => self.pick("退回", "return"),
            DraftKind::Expire => self.pick("取消订单", "expiry"),
            DraftKind::Reopen => self.pick("重新打开", "reopening"),
        };
        match self {
            Lang::Zh => format!("有未发送的{what}草稿（{at} 保存）：按 {key} 继续"),
            Lang::En => format!("An unsent {what} draft (saved {at}): {key} takes it up"),
        }
    }

    /// The status line when a dialog opens with the draft back.
    pub fn draft_restored(self, at: &str) -> String {
        match self {
            Lang::Zh => format!("已恢复 {at} 保存的草稿（Esc 放弃）"),
            Lang::En => format!("Draft saved {at} restored (Esc discards it)"),
        }
    }
}
