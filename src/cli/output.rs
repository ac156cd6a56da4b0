//! Human output of the command line: aligned for CJK text (two columns a character),
//! and every applicant-supplied string made display-safe through `domain::text`.

use std::io::{self, Write};

use crate::domain::application::{ApplicantKind, MaterialKind};
use crate::domain::calendar::{china, verification_deadline};
use crate::domain::checks::{self, Outcome};
use crate::domain::policy::Policy;
use crate::domain::state::State;
use crate::domain::text::{display_safe, fit, mask, pad};
use crate::present::Lang;
use crate::review::{ApplicationView, Review, SweepItem, calendar_warning};
use crate::store::{AuditEntry, QueueRow};

const EN: Lang = Lang::En;

pub fn list(
    out: &mut impl Write,
    review: &Review,
    rows: &[QueueRow],
    _tty: bool,
) -> io::Result<()> {
    let policy = review.policy();
    let now = review.now();
    let today_end = review.count_bounds().end_of_today;
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
        let left = policy.calendar.time_left(now, r.due_at);
        let left_text = match r.state {
            State::PendingReview => EN.time_left(left),
            State::PendingVerification => {
                let deadline = verification_deadline(r.submitted_at);
                if now > deadline {
                    "window lapsed".to_string()
                } else {
                    format!("verify {} d left", (deadline - now).num_days())
                }
            }
            _ => "-".to_string(),
        };
        let marker = if r.state != State::PendingReview {
            ' '
        } else if left.is_overdue() {
            '!'
        } else if r.due_at <= today_end {
            '*'
        } else {
            ' '
        };
        let product = policy
            .product(&r.product)
            .map(|p| p.zh.as_str())
            .unwrap_or(&r.product);
        let plan = policy
            .plan(&r.plan)
            .map(|p| p.zh.as_str())
            .unwrap_or(&r.plan);
        writeln!(
            out,
            "{marker} {} {} {} {} {} {} {} {}",
            pad(&r.id, 18),
            pad(&r.merchant, 26),
            pad(product, 20),
            pad(plan, 10),
            pad(r.state.en(), 20),
            pad(
                &r.due_at
                    .with_timezone(&china())
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                16
            ),
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
        &app.submitted_at
            .with_timezone(&china())
            .format("%Y-%m-%d %H:%M:%S UTC+8")
            .to_string(),
    )?;
    field(
        out,
        "due",
        &view.due.at.format("%Y-%m-%d %H:%M:%S UTC+8").to_string(),
    )?;
    if s.state == State::PendingReview {
        field(out, "left", &EN.time_left(view.time_left))?;
    }
    if let Some(warning) = calendar_warning(&view.due.uncovered_years) {
        field(out, "warning", &warning)?;
    }
    if s.state == State::PendingVerification {
        field(
            out,
            "verification window",
            &format!(
                "until {}",
                view.verification_deadline
                    .with_timezone(&china())
                    .format("%Y-%m-%d %H:%M")
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
                claim.expires_at.format("%H:%M")
            ),
        )?;
    }

    writeln!(out, "\nApplicant")?;
    let a = &app.applicant;
    field(
        out,
        "kind",
        match a.kind {
            ApplicantKind::Enterprise => "enterprise 企业",
            ApplicantKind::Individual => "individual 个人",
        },
    )?;
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
    let security: Vec<&str> = a
        .security
        .iter()
        .map(|s| match s {
            crate::domain::application::SecurityProduct::DigitalCertificate => {
                "digital certificate 数字证书"
            }
            crate::domain::application::SecurityProduct::PaymentShield => "payment shield 支付盾",
            crate::domain::application::SecurityProduct::Token => "token 宝令",
        })
        .collect();
    field(
        out,
        "security",
        &if security.is_empty() {
            "none".to_string()
        } else {
            security.join(", ")
        },
    )?;

    writeln!(out, "\nMaterials")?;
    let required = checks::required_materials(app);
    for kind in MaterialKind::ALL {
        let present: Vec<_> = app.materials.iter().filter(|m| m.kind == kind).collect();
        let (en, zh) = checks::material_name(kind);
        let label = format!("{en} {zh}");
        if present.is_empty() {
            if required.contains(&kind) {
                field(out, &label, "MISSING")?;
            }
            continue;
        }
        for m in present {
            let mut value = m.reference.clone();
            if let Some(c) = &m.category {
                value.push_str(&format!(" (for {c})"));
            }
            field(out, &label, &value)?;
        }
    }

    writeln!(out, "\nProduct")?;
    field(
        out,
        "product",
        &product
            .map(|p| format!("{} {} ({})", p.code, p.zh, p.en))
            .unwrap_or_else(|| app.product.clone()),
    )?;
    if let Some(group) = product.and_then(|p| policy.group(&p.group)) {
        field(
            out,
            "group",
            &format!(
                "{} ({:?})",
                group.zh,
                product.map(|p| p.kind).expect("product")
            )
            .to_lowercase(),
        )?;
    }
    field(
        out,
        "plan",
        &policy
            .plan(&app.plan)
            .map(|p| format!("{} {}", p.id, p.zh))
            .unwrap_or_else(|| app.plan.clone()),
    )?;
    if let Some(p) = &app.payment {
        let method = serde_json::to_value(p.method)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
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
        field(out, "kind", &format!("{:?}", w.kind).to_lowercase())?;
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
    }
    if !app.goods.is_empty() {
        writeln!(out, "\nGoods")?;
        for g in &app.goods {
            let c = policy.goods_category(g);
            field(
                out,
                g,
                &c.map(|c| format!("{} ({:?})", c.zh, c.status).to_lowercase())
                    .unwrap_or_default(),
            )?;
        }
    }

    writeln!(out, "\nChecks")?;
    for c in &view.checks {
        let mark = match c.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::Manual => "manual",
            Outcome::NotApplicable => "n/a",
        };
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
            display_safe(&c.detail.en),
            reason
        )?;
    }
    if !view.suggested_reasons.is_empty() {
        field(out, "suggested reasons", &view.suggested_reasons.join(" "))?;
    }

    writeln!(out, "\nHistory")?;
    history(out, &view.history)
}

pub fn history(out: &mut impl Write, entries: &[AuditEntry]) -> io::Result<()> {
    for e in entries {
        let e = &e.entry;
        let transition = match (&e.from_state, &e.to_state) {
            (Some(f), Some(t)) => format!("{f} → {t}"),
            (None, Some(t)) => format!("→ {t}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}  {} {} {} {}",
            e.at.with_timezone(&china()).format("%Y-%m-%d %H:%M:%S"),
            pad(&e.actor, 12),
            pad(&e.action, 16),
            pad(&transition, 40),
            if e.revision > 1 {
                format!("rev {}", e.revision)
            } else {
                String::new()
            }
        )?;
        if !e.reasons.is_empty() {
            writeln!(
                out,
                "      reasons: {}",
                display_safe(&e.reasons.join(", "))
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
            i.submitted_at
                .with_timezone(&china())
                .format("%Y-%m-%d %H:%M"),
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
