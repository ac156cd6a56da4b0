//! What changed between two revisions of an application: the fields a returned
//! application's merchant changed before sending it back, old and new side by side. The
//! reviewer reads them first, next to the reasons it was returned for.

use serde_json::Value;

use crate::application::Application;

/// One field whose value differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Where it is in the record, dotted: `website.url`, `applicant.name`, `materials`.
    pub field: String,
    /// The values as text; empty for a field absent from that revision. Both empty
    /// when the field is [`FieldChange::secret`].
    pub before: String,
    pub after: String,
    /// A value that is never shown (the test password): only that it changed.
    pub secret: bool,
}

/// Fields whose values are never shown, only that they changed.
const SECRET: &[&str] = &["website.test_password"];
/// Fields that change with every resubmission, or never: not news.
const IGNORED: &[&str] = &["id", "submitted_at"];

/// The fields that differ from `before` to `after`, by field name.
pub fn changes(before: &Application, after: &Application) -> Vec<FieldChange> {
    let mut old = Vec::new();
    let mut new = Vec::new();
    flatten(
        "",
        &serde_json::to_value(before).unwrap_or(Value::Null),
        &mut old,
    );
    flatten(
        "",
        &serde_json::to_value(after).unwrap_or(Value::Null),
        &mut new,
    );
    let mut fields: Vec<&str> = Vec::new();
    for (f, _) in new.iter().chain(old.iter()) {
        if !fields.contains(&f.as_str()) {
            fields.push(f);
        }
    }
    fields.sort_unstable();
    let value = |list: &[(String, String)], field: &str| {
        list.iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    fields
        .into_iter()
        .filter(|f| !IGNORED.contains(f))
        .filter_map(|field| {
            let (b, a) = (value(&old, field), value(&new, field));
            if b == a {
                return None;
            }
            let secret = SECRET.contains(&field);
            Some(FieldChange {
                field: field.to_string(),
                before: if secret { String::new() } else { b },
                after: if secret { String::new() } else { a },
                secret,
            })
        })
        .collect()
}

/// Objects by their fields (`a.b`); a list is one field, its items written out in order.
fn flatten(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        other => out.push((path.to_string(), text(other))),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join("; "),
        Value::Object(map) => map
            .values()
            .map(text)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Application {
        serde_json::from_value(serde_json::json!({
            "id": "SQ1",
            "submitted_at": "2026-11-20T10:00:00+08:00",
            "applicant": {"kind": "enterprise", "name": "杭州云栖科技有限公司", "account": "a@b.cn",
                          "verified": true, "legal_representative": "王伟", "contact": "李娜",
                          "security": ["digital_certificate"]},
            "materials": [{"kind": "business_licence", "reference": "91330100MA27XXXX1X"}],
            "product": "platform_instant",
            "plan": "p600",
            "payment": {"method": "online_banking", "paid": true, "amount_yuan": 600},
            "website": {"url": "https://a.example", "kind": "shop", "built": true,
                        "icp": "浙ICP备12345678号", "test_account": "t", "test_password": "old-secret"},
            "goods": ["electronics"]
        }))
        .expect("a valid application")
    }

    #[test]
    fn only_what_changed_is_listed_old_and_new() {
        let before = app();
        let mut after = app();
        after.submitted_at += chrono::Duration::days(3);
        after.website.as_mut().unwrap().url = "https://b.example".into();
        after.website.as_mut().unwrap().icp = None;
        after.goods.push("food".into());
        let c = changes(&before, &after);
        let fields: Vec<_> = c.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["goods", "website.icp", "website.url"], "{c:?}");
        assert_eq!(c[0].after, "electronics; food");
        assert_eq!(
            (c[1].before.as_str(), c[1].after.as_str()),
            ("浙ICP备12345678号", "")
        );
        assert_eq!(
            (c[2].before.as_str(), c[2].after.as_str()),
            ("https://a.example", "https://b.example")
        );
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn a_list_of_records_is_one_field_its_absent_values_left_out() {
        let before = app();
        let mut after = app();
        after.materials[0].reference = "91330100MA27YYYY2Y".into();
        let c = changes(&before, &after);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].field, "materials");
        // The material's category is absent: no double space where it would be.
        assert_eq!(c[0].before, "business_licence 91330100MA27XXXX1X");
        assert_eq!(c[0].after, "business_licence 91330100MA27YYYY2Y");
    }

    #[test]
    fn a_changed_password_is_said_never_shown() {
        let before = app();
        let mut after = app();
        after.website.as_mut().unwrap().test_password = Some("new-secret".into());
        let c = changes(&before, &after);
        assert_eq!(c.len(), 1);
        assert!(
            c[0].secret && c[0].before.is_empty() && c[0].after.is_empty(),
            "{c:?}"
        );
    }
}
