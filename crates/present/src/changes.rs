//! The words of what changed since a return: the section's title, each field's name (the
//! labels the detail already uses), and values that are absent or hidden.

use shenhe_domain::changes::FieldChange;

use crate::Lang;

impl Lang {
    /// The section that opens a resubmission's detail.
    pub fn since_return_title(self, at: &str, by: &str) -> String {
        match self {
            Lang::Zh => format!("自 {at} {by} 退回以来"),
            Lang::En => format!("Since {by} returned it on {at}"),
        }
    }

    /// The label of each reason the return gave.
    pub fn returned_for(self) -> &'static str {
        self.pick("退回原因", "returned for")
    }

    /// When the merchant sent it back unchanged.
    pub fn nothing_changed(self) -> &'static str {
        self.pick("申请内容没有任何修改", "nothing in the application changed")
    }

    /// A field of the record by the name the detail gives it; its path when it has none.
    pub fn field_label(self, field: &str) -> String {
        let ui = self.ui();
        let label = match field {
            "applicant.kind" => self.pick("申请人类型", "applicant kind"),
            "applicant.name" => ui.name,
            "applicant.account" => ui.account,
            "applicant.verified" => ui.verified,
            "applicant.legal_representative" => ui.legal_rep,
            "applicant.contact" => ui.applying_person,
            "applicant.security" => ui.security,
            "materials" => ui.sec_materials,
            "product" => ui.product,
            "plan" => ui.plan,
            "payment.method" => self.pick("付款方式", "payment method"),
            "payment.paid" => ui.paid,
            "payment.amount_yuan" => self.pick("金额（元）", "amount (yuan)"),
            "website.url" => ui.url,
            "website.kind" => self.pick("网站类型", "site kind"),
            "website.built" => ui.built,
            "website.icp" => ui.icp,
            "website.test_account" => ui.test_account,
            "website.test_password" => ui.test_password,
            "goods" => ui.sec_goods,
            other => return other.to_string(),
        };
        label.to_string()
    }

    /// One change as a line's value: old → new; a hidden one says only that it changed.
    /// The values are applicant text: the faces make them display-safe.
    pub fn change_text(self, change: &FieldChange) -> String {
        if change.secret {
            return self
                .pick("已修改（不显示）", "changed (not shown)")
                .to_string();
        }
        let value = |v: &str| {
            if v.is_empty() {
                self.pick("（无）", "(none)").to_string()
            } else {
                v.to_string()
            }
        };
        format!("{} → {}", value(&change.before), value(&change.after))
    }
}
