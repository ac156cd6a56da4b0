//! Fixtures the tests and the benchmarks share (benches/support includes this file by
//! path, as benchmarks cannot import a test's modules).

#![allow(dead_code)] // each includer uses its own part of this

use ratatui::buffer::Buffer;
use serde_json::{Value, json};

/// Variables of the runner's own environment that must not reach a console started for a
/// test or a benchmark: they would choose its database, policy, reviewer, language or colours.
pub const CONSOLE_ENV_TO_CLEAR: [&str; 7] = [
    "SHENHE_DB",
    "SHENHE_DATA",
    "SHENHE_REVIEWER",
    "SHENHE_TEST_PAUSE",
    "NO_COLOR",
    "LC_ALL",
    "LC_MESSAGES",
];

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

/// A frame as text, one string a row, a wide character once (not followed by the blank
/// cell it covers).
pub fn buffer_rows(buffer: &Buffer) -> Vec<String> {
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| {
            let mut line = String::new();
            let mut skip = 0;
            for cell in row {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = cell.symbol();
                skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
                line.push_str(symbol);
            }
            line
        })
        .collect()
}
