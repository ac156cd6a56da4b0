//! `--json` output: stable, documented in `docs/json-output.md`. Fields are only ever
//! added, never renamed or removed. serde_json escapes every control character, so
//! hostile applicant text stays inert inside the strings.

use std::io::Write;

use serde_json::{Value, json};

use crate::domain::calendar::TimeLeft;
use crate::domain::policy::Policy;
use crate::review::{ApplicationView, Review, calendar_warning};
use crate::store::{AuditEntry, QueueRow};

pub fn print(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

pub fn time_left(left: TimeLeft) -> Value {
    match left {
        TimeLeft::Left {
            business_days,
            hours,
        } => json!({ "overdue": false, "business_days": business_days, "hours": hours }),
        TimeLeft::Overdue {
            business_days,
            hours,
        } => json!({ "overdue": true, "business_days": business_days, "hours": hours }),
    }
}

pub fn list(review: &Review, rows: &[QueueRow], total: u64, offset: u64) -> Value {
    let now = review.now();
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).expect("rows serialise");
            v["time_left"] = time_left(review.policy().calendar.time_left(now, r.due_at));
            v
        })
        .collect();
    json!({ "total": total, "offset": offset, "rows": rows })
}

pub fn show(review: &Review, view: &ApplicationView, password: Option<&str>) -> Value {
    let stored = &view.stored;
    let mut application = serde_json::to_value(&stored.app).expect("applications serialise");
    if let Some(site) = application
        .get_mut("website")
        .and_then(Value::as_object_mut)
    {
        if site.contains_key("test_password") {
            site.insert(
                "test_password".into(),
                match password {
                    Some(p) => Value::String(p.to_string()),
                    None => Value::String(crate::domain::text::mask("x")),
                },
            );
        }
    }
    let checks: Vec<Value> = view
        .checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id.id(),
                "outcome": c.outcome.id(),
                "detail": c.detail.en,
                "detail_zh": c.detail.zh,
                "reason": c.reason,
            })
        })
        .collect();
    json!({
        "id": stored.app.id,
        "state": stored.state.id(),
        "revision": stored.revision,
        "version": stored.version,
        "submitted_at": stored.app.submitted_at.to_rfc3339(),
        "due_at": view.due.at.to_rfc3339(),
        "time_left": time_left(view.time_left),
        "calendar_warning": calendar_warning(&view.due.uncovered_years),
        "verification_deadline": view.verification_deadline.to_rfc3339(),
        "checks": checks,
        "suggested_reasons": view.suggested_reasons,
        "judgements": view.judgements,
        "claimed_by": view.claim.as_ref().map(|c| c.reviewer.clone()),
        "password_revealed": password.is_some(),
        "application": application,
        "history": history(&view.history),
        "now": review.now().to_rfc3339(),
    })
}

pub fn history(entries: &[AuditEntry]) -> Value {
    serde_json::to_value(entries).expect("audit entries serialise")
}

pub fn reasons(policy: &Policy) -> Value {
    Value::Array(
        policy
            .reasons
            .iter()
            .map(|r| json!({ "code": r.code, "zh": r.zh, "en": r.en }))
            .collect(),
    )
}
