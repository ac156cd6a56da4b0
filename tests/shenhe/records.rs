// Applications as the import reads them, shared by the tests, the benches (through
// fixtures.rs) and crates/store's tests. Included, not a module: no inner attributes here.

use serde_json::{Value, json};

/// A clean enterprise application for platform instant-to-account: every check passes
/// but the manual ones.
pub fn record(id: &str) -> Value {
    json!({
        "id": id,
        "submitted_at": "2026-11-20T10:15:00+08:00",
        "applicant": {
            "kind": "enterprise",
            "name": "杭州云栖科技有限公司",
            "account": "finance@yunqi-tech.com",
            "verified": true,
            "legal_representative": "王建国",
            "contact": "王建国",
            "security": ["digital_certificate"]
        },
        "materials": [
            {"kind": "business_licence", "reference": "91330106MA2B3C4D5E"},
            {"kind": "id_card_front", "reference": "330106********1234"},
            {"kind": "id_card_back", "reference": "330106********1234"},
            {"kind": "bank_account", "reference": "6222 **** **** 8888"}
        ],
        "product": "platform_instant",
        "plan": "package_600",
        "payment": {"method": "online_banking", "paid": true, "amount_yuan": 600},
        "website": {
            "url": "https://www.yunqi-tech.com",
            "kind": "login",
            "built": true,
            "icp": "浙ICP备12345678号-1",
            "test_account": "review",
            "test_password": "s3cret-pw"
        },
        "goods": ["software"]
    })
}

/// `record(id)` with the fields at the JSON pointers replaced.
pub fn with(mut value: Value, changes: &[(&str, Value)]) -> Value {
    for (pointer, new) in changes {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer}")) = new.clone();
    }
    value
}
