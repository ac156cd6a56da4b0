//! `--json` output: stable, documented in `docs/json-output.md`. Fields are only ever
//! added, never renamed or removed. Every control, bidirectional and invisible character
//! is escaped (see [`SafeFormatter`]), so hostile applicant text stays inert inside the
//! strings even when the JSON is read on a terminal.

use std::io::Write;

use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use serde_json::{Value, json};

use crate::domain::text::needs_placeholder;

use crate::domain::calendar::TimeLeft;
use crate::domain::policy::Policy;
use crate::present::Lang;
use crate::review::{ApplicationView, ApprovalPlan, Review};
use crate::store::{AuditEntry, QueueRow};

pub fn print(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    let formatter = SafeFormatter(PrettyFormatter::new());
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
    value.serialize(&mut serializer)?;
    writeln!(out)
}

/// One value on one line (NDJSON), escaped like [`print`]'s.
pub fn print_line(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut *out, SafeFormatter(CompactFormatter));
    value.serialize(&mut serializer)?;
    writeln!(out)
}

/// Pretty JSON in which every character a terminal could interpret or hide is escaped as
/// `\uXXXX`, not only the C0 controls JSON requires: DEL, C1 controls (0x9B is a CSI on
/// some terminals), bidirectional overrides and zero-width characters. `shenhe show --json`
/// is often read on a terminal; any JSON parser still reads back the original text.
struct SafeFormatter<F>(F);

impl<F: Formatter> Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !needs_placeholder(c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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

/// The return a resubmission answers, and what changed since (a hidden field's values
/// are null, `hidden` true).
fn since_return(since: &crate::review::SinceReturn) -> Value {
    let e = &since.returned.entry;
    json!({
        "returned_at": e.at.to_rfc3339(),
        "returned_by": e.actor,
        "revision": e.revision,
        "reasons": e.reasons,
        "message": e.message,
        "changes": since.changes.iter().map(|c| json!({
            "field": c.field,
            "before": (!c.secret).then_some(&c.before),
            "after": (!c.secret).then_some(&c.after),
            "hidden": c.secret,
        })).collect::<Vec<_>>(),
    })
}

pub fn show(review: &Review, view: &ApplicationView, password: Option<&str>) -> Value {
    let stored = &view.stored;
    let mut application = serde_json::to_value(&stored.app).expect("applications serialise");
    if let Some(site) = application
        .get_mut("website")
        .and_then(Value::as_object_mut)
        && site.contains_key("test_password")
    {
        site.insert(
            "test_password".into(),
            match password {
                Some(p) => Value::String(p.to_string()),
                None => Value::String(crate::domain::text::mask("x")),
            },
        );
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
        "reviewable_at": stored.reviewable_at.map(|at| at.to_rfc3339()),
        "due_at": view.due.at.to_rfc3339(),
        "time_left": time_left(view.time_left),
        "calendar_warning": Lang::En.calendar_warning(&view.due.uncovered_years),
        "verification_deadline": view.verification_deadline.to_rfc3339(),
        "checks": checks,
        "suggested_reasons": view.suggested_reasons,
        "judgements": view.judgements,
        "claimed_by": view.claim.as_ref().map(|c| c.reviewer.clone()),
        "approval": view.approval.as_ref().map(approval),
        "probe": view.probe.as_ref().map(probe),
        "since_return": view.since_return.as_ref().map(since_return),
        "password_revealed": password.is_some(),
        "application": application,
        "history": history(&view.history),
        "now": review.now().to_rfc3339(),
    })
}

/// What approving would do and need (`ApprovalPlan`).
/// What the site probe saw (`show --json`'s `probe`, `probe --json`).
pub fn probe(r: &crate::domain::probe::ProbeRecord) -> Value {
    json!({
        "fetched_at": r.fetched_at.to_rfc3339(),
        "revision": r.revision,
        "url": r.url,
        "status": r.status,
        "final_url": r.final_url,
        "tls_ok": r.tls_ok,
        "elapsed_ms": r.elapsed_ms,
        "title": r.title,
        "footer_icp": r.footer_icp,
        "error": r.error.as_ref().map(|e| e.en.clone()),
        "error_zh": r.error.as_ref().map(|e| e.zh.clone()),
        "findings": r.findings.iter().map(|f| json!({
            "check": f.check.id(),
            "finding": f.finding,
            "detail": f.detail.en,
            "detail_zh": f.detail.zh,
        })).collect::<Vec<_>>(),
    })
}

fn approval(plan: &ApprovalPlan) -> Value {
    json!({
        "to": plan.to.id(),
        "override": plan.is_override(),
        "note_needed": plan.is_override(),
        "failed_checks": plan.failed.iter().map(|c| c.id()).collect::<Vec<_>>(),
        "second_approval_needed": !plan.second_approval.is_empty(),
        "second_approval_reasons": plan.second_approval.iter().map(|r| r.id()).collect::<Vec<_>>(),
        "second_approval_of": plan.second_approval_of,
        "product_already_effective": plan.product_effective,
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
