//! Human output of the command line, in the language of `--lang` or the locale (the
//! words are crates/present's): aligned for CJK text (two columns a character), and every
//! applicant-supplied string made display-safe through `domain::text`.

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

pub fn list(
    out: &mut impl Write,
    lang: Lang,
    review: &Review,
    rows: &[QueueRow],
) -> io::Result<()> {
    let policy = review.policy();
    let now = review.now();
    let w = lang.cli();
    // Chinese says time left in more cells ("剩1个工作日22小时").
    let left_width = match lang {
        Lang::Zh => 20,
        Lang::En => 16,
    };
    writeln!(
        out,
        "  {} {} {} {} {} {} {} {}",
        pad(w.col_id, 18),
        pad(w.col_merchant, 26),
        pad(w.col_product, 20),
        pad(w.col_plan, 10),
        pad(w.col_state, 20),
        pad(w.col_due, 16),
        pad(w.col_left, left_width),
        w.col_checks,
    )?;
    for r in rows {
        let left_text = match r.state {
            State::PendingReview | State::PendingSecondApproval => {
                lang.time_left(policy.calendar.time_left(now, r.due_at))
            }
            State::PendingVerification => {
                lang.verification_left(verification_days_left(r.submitted_at, now))
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
            pad(lang.state_word(r.state), 20),
            pad(&china_minutes(r.due_at), 16),
            pad(&left_text, left_width),
            lang.check_summary(r.failed, r.manual)
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "  {}", w.no_applications)?;
    }
    Ok(())
}

fn field(out: &mut impl Write, label: &str, value: &str) -> io::Result<()> {
    writeln!(out, "  {} {}", pad(label, 34), display_safe(value))
}

pub fn show(
    out: &mut impl Write,
    lang: Lang,
    review: &Review,
    view: &ApplicationView,
    password: Option<&str>,
) -> io::Result<()> {
    let policy: &Policy = review.policy();
    let s = &view.stored;
    let app = &s.app;
    let product = policy.product(&app.product);
    let (w, u) = (lang.cli(), lang.ui());
    writeln!(
        out,
        "{}  {}  [{}]",
        display_safe(&app.id),
        fit(&app.applicant.name, 60),
        lang.state_word(s.state)
    )?;
    if let Some(since) = &view.since_return {
        since_return(out, lang, policy, since)?;
    }
    let state = match lang {
        Lang::En => format!("{} ({})", s.state.en(), s.state.zh()),
        Lang::Zh => s.state.zh().to_string(),
    };
    field(out, w.state, &state)?;
    field(out, w.revision, &lang.revision_line(s.revision, s.version))?;
    field(
        out,
        u.submitted,
        &format!("{} UTC+8", china_seconds(app.submitted_at)),
    )?;
    match s.reviewable_at {
        Some(at) => field(
            out,
            lang.reviewable_label(),
            &format!("{} UTC+8", china_seconds(at)),
        )?,
        None => field(out, lang.reviewable_label(), lang.not_reviewable_yet())?,
    }
    field(out, u.due, &format!("{} UTC+8", china_seconds(view.due.at)))?;
    if s.state.under_review() {
        field(out, w.left, &lang.time_left(view.time_left))?;
    }
    if let Some(plan) = &view.approval {
        field(out, w.approving, &approving(lang, plan))?;
    }
    if let Some(warning) = lang.calendar_warning(&view.due.uncovered_years) {
        field(out, w.warning, &warning)?;
    }
    if s.state == State::PendingVerification {
        field(
            out,
            w.verification_window,
            &lang.verification_until(
                &china_minutes(view.verification_deadline),
                &lang.verification_left(verification_days_left(app.submitted_at, review.now())),
            ),
        )?;
    }
    if let Some(claim) = &view.claim {
        field(
            out,
            w.being_reviewed_by,
            &lang.claimed_until(&claim.reviewer, &china_clock(claim.expires_at)),
        )?;
    }

    writeln!(out, "\n{}", u.sec_applicant)?;
    let a = &app.applicant;
    field(out, w.kind, lang.applicant_kind(a.kind))?;
    field(out, u.name, &a.name)?;
    field(out, u.account, &a.account)?;
    field(out, u.verified, if a.verified { u.yes } else { u.no })?;
    if let Some(rep) = &a.legal_representative {
        field(out, u.legal_rep, rep)?;
    }
    field(out, u.applying_person, &a.contact)?;
    field(out, u.security, &lang.security(&a.security))?;

    writeln!(out, "\n{}", u.sec_materials)?;
    let required = checks::required_materials(app);
    for kind in MaterialKind::ALL {
        let present: Vec<_> = app.materials.iter().filter(|m| m.kind == kind).collect();
        let label = lang.material(kind);
        if present.is_empty() {
            if required.contains(&kind) {
                field(out, label, u.missing)?;
            }
            continue;
        }
        for m in present {
            let mut value = m.reference.clone();
            if let Some(c) = &m.category {
                value.push_str(&lang.material_for(&lang.goods(policy, c)));
            }
            field(out, label, &value)?;
        }
    }

    writeln!(out, "\n{}", w.sec_product)?;
    let names = match lang {
        Lang::En => format!(
            "{} ({})",
            Lang::Zh.product(policy, &app.product),
            Lang::En.product(policy, &app.product)
        ),
        Lang::Zh => Lang::Zh.product(policy, &app.product).to_string(),
    };
    field(out, u.product, &format!("{} {names}", app.product))?;
    if let Some(group) = product.and_then(|p| policy.group(&p.group)) {
        let names = match lang {
            Lang::En => format!("{} ({})", Lang::Zh.group(group), Lang::En.group(group)),
            Lang::Zh => Lang::Zh.group(group).to_string(),
        };
        field(out, w.group, &names)?;
    }
    if app.plan.is_empty() {
        field(out, u.plan, u.none)?;
    } else {
        field(
            out,
            u.plan,
            &format!("{} {}", app.plan, Lang::Zh.plan(policy, &app.plan)),
        )?;
    }
    if let Some(p) = &app.payment {
        let method = lang.payment_method(p.method);
        field(
            out,
            u.payment,
            &format!(
                "{method}, {} {}, {}",
                p.amount_yuan,
                w.yuan,
                if p.paid { u.paid } else { w.not_paid }
            ),
        )?;
    }

    if let Some(site) = &app.website {
        writeln!(out, "\n{}", u.sec_website)?;
        field(out, u.url, &fit(&site.url, 200))?;
        field(out, w.kind, lang.site_kind(site.kind))?;
        field(out, u.built, if site.built { u.yes } else { u.no })?;
        field(out, u.icp, site.icp.as_deref().unwrap_or(u.none))?;
        if let Some(acc) = &site.test_account {
            field(out, u.test_account, acc)?;
        }
        if let Some(pw) = &site.test_password {
            match password {
                Some(p) => field(out, u.test_password, p)?,
                None => field(
                    out,
                    u.test_password,
                    &format!("{} ({})", mask(pw), w.reveal_hint),
                )?,
            }
        }
        match &view.probe {
            None => field(out, u.probed, w.not_probed)?,
            Some(p) => {
                let at = crate::present::time::china_minutes(p.fetched_at);
                let error = p.error.as_ref().map(|e| fit(lang.evidence(e), 200));
                let seen = lang.probe_seen(
                    error.as_deref(),
                    p.status,
                    &fit(&p.final_url, 120),
                    p.elapsed_ms,
                );
                field(out, u.probed, &format!("{at}: {seen}"))?;
                if let Some(t) = &p.title {
                    field(out, u.page_title, &fit(t, 120))?;
                }
                field(
                    out,
                    u.page_icp,
                    p.footer_icp.as_deref().unwrap_or(u.none_found),
                )?;
                for f in &p.findings {
                    field(
                        out,
                        &format!("! {}", f.check.id()),
                        &fit(lang.evidence(&f.detail), 200),
                    )?;
                }
            }
        }
    }
    if !app.goods.is_empty() {
        writeln!(out, "\n{}", u.sec_goods)?;
        for g in &app.goods {
            field(out, g, &lang.goods(policy, g))?;
        }
    }

    writeln!(out, "\n{}", u.sec_checks)?;
    for c in &view.checks {
        let mark = lang.outcome(c.outcome);
        let reason = c
            .reason
            .as_deref()
            .map(|r| lang.check_reason(r))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {} {}{}",
            pad(mark, 7),
            pad(c.id.id(), 20),
            display_safe(lang.evidence(&c.detail)),
            reason
        )?;
    }
    if !view.suggested_reasons.is_empty() {
        field(out, w.suggested_reasons, &view.suggested_reasons.join(" "))?;
    }

    writeln!(out, "\n{}", u.sec_history)?;
    history(out, lang, policy, &view.history)
}

/// A resubmission's return and what changed since, before everything else.
fn since_return(
    out: &mut impl Write,
    lang: Lang,
    policy: &Policy,
    since: &crate::review::SinceReturn,
) -> io::Result<()> {
    let e = &since.returned.entry;
    writeln!(
        out,
        "{}",
        display_safe(&lang.since_return_title(&china_minutes(e.at), &e.actor))
    )?;
    for code in &e.reasons {
        field(out, lang.returned_for(), lang.reason(policy, code))?;
    }
    if let Some(m) = &e.message {
        field(out, lang.ui().message_label, m)?;
    }
    if since.changes.is_empty() {
        field(out, "", lang.nothing_changed())?;
    }
    for change in &since.changes {
        field(
            out,
            &lang.field_label(&change.field),
            &lang.change_text(change),
        )?;
    }
    writeln!(out)
}

pub fn history(
    out: &mut impl Write,
    lang: Lang,
    policy: &Policy,
    entries: &[AuditEntry],
) -> io::Result<()> {
    let w = lang.cli();
    for entry in entries {
        let e = lang.history_line(policy, entry);
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
                "      {} {}: {}",
                w.reason,
                display_safe(code),
                display_safe(text)
            )?;
        }
        if let Some(m) = &e.message {
            writeln!(out, "      {}: {}", w.message, display_safe(m))?;
        }
        if let Some(n) = &e.note {
            writeln!(out, "      {}: {}", w.note, display_safe(n))?;
        }
        if let Some(d) = &e.detail {
            writeln!(out, "      {}", display_safe(d))?;
        }
    }
    if entries.is_empty() {
        writeln!(out, "  {}", w.no_entries)?;
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

pub fn sweep(
    out: &mut impl Write,
    lang: Lang,
    items: &[SweepItem],
    dry_run: bool,
) -> io::Result<()> {
    for i in items {
        let error = i.error.as_deref().map(display_safe);
        writeln!(
            out,
            "{} {} {}  {}",
            pad(&i.id, 20),
            lang.sweep_submitted(),
            china_minutes(i.submitted_at),
            lang.sweep_outcome(error.as_deref(), dry_run)
        )?;
    }
    let done = items.iter().filter(|i| i.expired).count();
    writeln!(out, "{}", lang.sweep_total(items.len(), done, dry_run))
}

/// What `approve` would do and need, in one line: where it leads, then the approve
/// dialog's own lines.
fn approving(lang: Lang, plan: &crate::review::ApprovalPlan) -> String {
    let mut parts = vec![lang.approval_leads_to(plan.to)];
    parts.extend(lang.approval_lines(plan).into_iter().map(|(line, _)| line));
    parts.join(lang.pick("；", "; "))
}
