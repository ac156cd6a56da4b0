//! Human output of the command line: aligned for CJK text (two columns a character),
//! and every applicant-supplied string made display-safe through `domain::text`.

use std::io::{self, Write};

use crate::domain::application::MaterialKind;
use crate::domain::calendar::verification_days_left;
use crate::domain::checks;
use crate::domain::policy::Policy;
use crate::domain::state::State;
use crate::domain::text::{display_safe, fit, mask, pad};
use crate::present::time::{china_clock, china_minutes, china_seconds};
use crate::present::{Lang, urgency_mark};
use crate::review::{ApplicationView, AuditEntry, QueueRow, Review, SweepItem};

const EN: Lang = Lang::En;

pub fn list(
    out: &mut impl Write,
    review: &Review,
    rows: &[QueueRow],
    _tty: bool,
) -> io::Result<()> {
    let policy = review.policy();
    let now = review.now();
    writeln!(
        out,
        "  {} {} {} {} {} {} {} CHECKS",
        pad("ID", 18),
        pad("MERCHANT", 26),
        pad("PRODUCT", 20),
        pad("PLAN", 10),
        pad("STATE", 20),
        pad("DUE (UTC+8)", 16),
        pad("LEFT", 16),
    )?;
    for r in rows {
        let left_text = match r.state {
            State::PendingReview | State::PendingSecondApproval => {
                EN.time_left(policy.calendar.time_left(now, r.due_at))
            }
            State::PendingVerification => {
                EN.verification_left(verification_days_left(r.submitted_at, now))
            }
            _ => "-".to_string(),
        };
        let marker = urgency_mark(policy.calendar.urgency(r.state, now, r.due_at)).unwrap_or(' ');
        let product = Lang::Zh.product(policy, &r.product);
        let plan = Lang::Zh.plan(policy, &r.plan);
        writeln!(
            out,
            "{marker} {} {} {} {} {} {} {} {}",
            pad(&r.id, 18),
            pad(&r.merchant, 26),
            pad(product, 20),
            pad(plan, 10),
            pad(r.state.en(), 20),
            pad(&china_minutes(r.due_at), 16),
            pad(&left_text, 16),
            EN.check_summary(r.failed, r.manual)
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "  (no applications)")?;
    }
    Ok(())
}

fn field(out: &mut impl Write, label: &str, value: &str) -> io::Result<()> {
    writeln!(out, "  {} {}", pad(label, 34), display_safe(value))
}

pub fn show(
    out: &mut impl Write,
    review: &Review,
    view: &ApplicationView,
    password: Option<&str>,
) -> io::Result<()> {
    let policy: &Policy = review.policy();
    let s = &view.stored;
    let app = &s.app;
    let product = policy.product(&app.product);
    writeln!(
        out,
        "{}  {}  [{}]",
        display_safe(&app.id),
        fit(&app.applicant.name, 60),
        s.state.id()
    )?;
    field(
        out,
        "state",
        &format!("{} ({})", s.state.en(), s.state.zh()),
    )?;
    field(
        out,
        "revision",
        &format!("{} (version {})", s.revision, s.version),
    )?;
    field(
        out,
        "submitted",
        &format!("{} UTC+8", china_seconds(app.submitted_at)),
    )?;
    match s.reviewable_at {
        Some(at) => field(out, "reviewable", &format!("{} UTC+8", china_seconds(at)))?,
        None => field(
            out,
            "reviewable",
            "not yet: the review clock starts when real-name verification passes",
        )?,
    }
    field(out, "due", &format!("{} UTC+8", china_seconds(view.due.at)))?;
    if s.state.under_review() {
        field(out, "left", &EN.time_left(view.time_left))?;
    }
    if let Some(plan) = &view.approval {
        field(out, "approving", &approving(plan))?;
    }
    if let Some(warning) = EN.calendar_warning(&view.due.uncovered_years) {
        field(out, "warning", &warning)?;
    }
    if s.state == State::PendingVerification {
        field(
            out,
            "verification window",
            &format!(
                "until {} ({})",
                china_minutes(view.verification_deadline),
                EN.verification_left(verification_days_left(app.submitted_at, review.now()))
            ),
        )?;
    }
    if let Some(claim) = &view.claim {
        field(
            out,
            "being reviewed by",
            &format!(
                "{} (until {})",
                claim.reviewer,
                china_clock(claim.expires_at)
            ),
        )?;
    }

    writeln!(out, "\nApplicant")?;
    let a = &app.applicant;
    field(out, "kind", EN.applicant_kind(a.kind))?;
    field(out, "name", &a.name)?;
    field(out, "account", &a.account)?;
    field(
        out,
        "real-name verified",
        if a.verified { "yes" } else { "no" },
    )?;
    if let Some(rep) = &a.legal_representative {
        field(out, "legal representative", rep)?;
    }
    field(out, "applying person", &a.contact)?;
    field(out, "security", &EN.security(&a.security))?;

    writeln!(out, "\nMaterials")?;
    let required = checks::required_materials(app);
    for kind in MaterialKind::ALL {
        let present: Vec<_> = app.materials.iter().filter(|m| m.kind == kind).collect();
        let label = EN.material(kind);
        if present.is_empty() {
            if required.contains(&kind) {
                field(out, label, "MISSING")?;
            }
            continue;
        }
        for m in present {
            let mut value = m.reference.clone();
            if let Some(c) = &m.category {
                value.push_str(&format!(" (for {})", EN.goods(policy, c)));
            }
            field(out, label, &value)?;
        }
    }

    writeln!(out, "\nProduct")?;
    field(
        out,
        "product",
        &format!(
            "{} {} ({})",
            app.product,
            Lang::Zh.product(policy, &app.product),
            EN.product(policy, &app.product)
        ),
    )?;
    if let Some(group) = product.and_then(|p| policy.group(&p.group)) {
        field(
            out,
            "group",
            &format!("{} ({})", Lang::Zh.group(group), EN.group(group)),
        )?;
    }
    if app.plan.is_empty() {
        field(out, "plan", "none")?;
    } else {
        field(
            out,
            "plan",
            &format!("{} {}", app.plan, Lang::Zh.plan(policy, &app.plan)),
        )?;
    }
    if let Some(p) = &app.payment {
        let method = EN.payment_method(p.method);
        field(
            out,
            "payment",
            &format!(
                "{method}, {} yuan, {}",
                p.amount_yuan,
                if p.paid { "paid" } else { "NOT paid" }
            ),
        )?;
    }

    if let Some(w) = &app.website {
        writeln!(out, "\nWebsite")?;
        field(out, "url", &fit(&w.url, 200))?;
        field(out, "kind", EN.site_kind(w.kind))?;
        field(out, "built", if w.built { "yes" } else { "no" })?;
        field(out, "ICP", w.icp.as_deref().unwrap_or("none"))?;
        if let Some(acc) = &w.test_account {
            field(out, "test account", acc)?;
        }
        if let Some(pw) = &w.test_password {
            match password {
                Some(p) => field(out, "test password", p)?,
                None => field(
                    out,
                    "test password",
                    &format!("{} (--reveal shows it; the reveal is recorded)", mask(pw)),
                )?,
            }
        }
        match &view.probe {
            None => field(out, "probed", "not yet (shenhe probe ID)")?,
            Some(p) => {
                let at = crate::present::time::china_minutes(p.fetched_at);
                let seen = match (&p.error, p.status) {
                    (Some(e), _) => format!("failed: {}", fit(&e.en, 200)),
                    (None, Some(s)) => format!(
                        "HTTP {s} at {} ({} ms)",
                        fit(&p.final_url, 120),
                        p.elapsed_ms
                    ),
                    (None, None) => format!("stopped at {}", fit(&p.final_url, 120)),
                };
                field(out, "probed", &format!("{at}: {seen}"))?;
                if let Some(t) = &p.title {
                    field(out, "page title", &fit(t, 120))?;
                }
                field(
                    out,
                    "page ICP",
                    p.footer_icp.as_deref().unwrap_or("none found"),
                )?;
                for f in &p.findings {
                    field(out, &format!("! {}", f.check.id()), &fit(&f.detail.en, 200))?;
                }
            }
        }
    }
    if !app.goods.is_empty() {
        writeln!(out, "\nGoods")?;
        for g in &app.goods {
            field(out, g, &EN.goods(policy, g))?;
        }
    }

    writeln!(out, "\nChecks")?;
    for c in &view.checks {
        let mark = EN.outcome(c.outcome);
        let reason = c
            .reason
            .as_deref()
            .map(|r| format!("  → reason {r}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {} {}{}",
            pad(mark, 7),
            pad(c.id.id(), 20),
            display_safe(EN.evidence(&c.detail)),
            reason
        )?;
    }
    if !view.suggested_reasons.is_empty() {
        field(out, "suggested reasons", &view.suggested_reasons.join(" "))?;
    }

    writeln!(out, "\nHistory")?;
    history(out, policy, &view.history)
}

pub fn history(out: &mut impl Write, policy: &Policy, entries: &[AuditEntry]) -> io::Result<()> {
    for entry in entries {
        let e = EN.history_line(policy, entry);
        writeln!(
            out,
            "  {}  {} {} {} {}",
            e.at,
            pad(&e.actor, 12),
            pad(&e.action, 16),
            pad(&e.transition, 40),
            e.revision
        )?;
        for (code, text) in &e.reasons {
            writeln!(
                out,
                "      reason {}: {}",
                display_safe(code),
                display_safe(text)
            )?;
        }
        if let Some(m) = &e.message {
            writeln!(out, "      message: {}", display_safe(m))?;
        }
        if let Some(n) = &e.note {
            writeln!(out, "      note: {}", display_safe(n))?;
        }
        if let Some(d) = &e.detail {
            writeln!(out, "      {}", display_safe(d))?;
        }
    }
    if entries.is_empty() {
        writeln!(out, "  (no entries)")?;
    }
    Ok(())
}

pub fn reasons(out: &mut impl Write, policy: &Policy) -> io::Result<()> {
    for r in &policy.reasons {
        writeln!(out, "{} {}", pad(&r.code, 28), r.zh)?;
        writeln!(out, "{} {}", pad("", 28), r.en)?;
    }
    Ok(())
}

pub fn sweep(out: &mut impl Write, items: &[SweepItem], dry_run: bool) -> io::Result<()> {
    for i in items {
        let what = match (&i.error, dry_run) {
            (Some(e), _) => format!("not expired: {}", display_safe(e)),
            (None, true) => "would expire".to_string(),
            (None, false) => "expired".to_string(),
        };
        writeln!(
            out,
            "{} submitted {}  {}",
            pad(&i.id, 20),
            china_minutes(i.submitted_at),
            what
        )?;
    }
    let done = items.iter().filter(|i| i.expired).count();
    if dry_run {
        writeln!(
            out,
            "{} order(s) past the 15-day verification window; nothing changed (dry run)",
            items.len()
        )
    } else {
        writeln!(out, "{done} order(s) expired")
    }
}

/// What `approve` would do and need, in one line.
fn approving(plan: &crate::review::ApprovalPlan) -> String {
    let mut text = format!("leads to {}", plan.to.id());
    if !plan.second_approval.is_empty() {
        let why: Vec<&str> = plan.second_approval.iter().map(|r| r.id()).collect();
        text.push_str(&format!(
            "; a second reviewer must approve again ({})",
            why.join(", ")
        ));
    }
    if let Some(first) = &plan.second_approval_of {
        text.push_str(&format!(
            "; second approval of {first}'s, by another reviewer"
        ));
    }
    if plan.product_effective {
        text.push_str("; the account already has this product effective: no integration");
    }
    if plan.is_override() {
        let failed: Vec<&str> = plan.failed.iter().map(|c| c.id()).collect();
        text.push_str(&format!(
            "; over failing checks ({}): an override, needs --note",
            failed.join(", ")
        ));
    }
    text
}
