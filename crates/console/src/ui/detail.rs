//! The detail of one application: everything a reviewer needs to decide it, in one
//! scrollable page, with the decision keys at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Theme, footer};
use crate::app::{App, DetailLayout};
use shenhe_domain::application::MaterialKind;
use shenhe_domain::calendar::verification_days_left;
use shenhe_domain::checks::{self, Outcome};
use shenhe_domain::state::State;
use shenhe_domain::text::{display_safe, fit, mask, pad};
use shenhe_present::outcome_mark;
use shenhe_present::time::china_minutes;
use shenhe_review::ApplicationView;

thread_local! {
    /// The labels' column, by the language of the detail being drawn (set by `body`):
    /// English labels are the longer, and are shown whole ("legal representative").
    static LABEL: std::cell::Cell<usize> = const { std::cell::Cell::new(14) };
}

fn label_width(lang: shenhe_present::Lang) -> usize {
    match lang {
        shenhe_present::Lang::Zh => 14,
        shenhe_present::Lang::En => 20,
    }
}

/// How long the detail is at the terminal's width, told to the state before the frame
/// is drawn, so that scrolling stops at the end (and `G` stays there as it grows).
pub fn lay_out(app: &mut App, theme: Theme) {
    let Some(view) = app.detail.as_deref() else {
        return;
    };
    // Built again only when what it shows changed, not once more for every frame.
    let key = DetailLayout {
        id: view.id().to_string(),
        version: view.stored.version,
        history: view.history.len(),
        width: app.width,
        revealed: app.revealed.is_some(),
        now: app.now,
        draft: view.draft.is_some(),
    };
    if app.detail_layout.as_ref() != Some(&key) {
        let lines = body(app, theme, view, app.width as usize).len();
        app.detail_lines = u16::try_from(lines).unwrap_or(u16::MAX);
        app.detail_layout = Some(key);
    }
    app.set_detail_length(app.detail_lines);
}

pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    let footer_area = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    let Some(view) = app.detail.as_deref() else {
        frame.render_widget(Line::styled(app.ui.loading, theme.dim()), area);
        footer(frame, app, theme, footer_area, "");
        return;
    };
    let header = header(app, theme, view, area.width as usize);
    frame.render_widget(header, Rect { height: 1, ..area });

    let lines = body(app, theme, view, area.width as usize);
    let height = app.detail_height();
    let max_scroll = app.max_scroll();
    let body_area = Rect {
        y: area.y + 1,
        height,
        ..area
    };
    for (i, line) in lines
        .into_iter()
        .skip(app.scroll as usize)
        .take(height as usize)
        .enumerate()
    {
        frame.render_widget(
            line,
            Rect {
                y: body_area.y + i as u16,
                height: 1,
                ..body_area
            },
        );
    }
    let position = if max_scroll > 0 {
        format!(
            "{}%",
            (u32::from(app.scroll) * 100 / u32::from(max_scroll.max(1))).min(100)
        )
    } else {
        String::new()
    };
    footer(frame, app, theme, footer_area, &position);
}

/// Beside the queue on a wide terminal: the selected application's detail from its top,
/// following the cursor (read without claiming it).
pub fn pane(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let selected = app.queue.selected_row().map(|r| r.id.as_str());
    let view = app.detail.as_deref().filter(|v| Some(v.id()) == selected);
    let Some(view) = view else {
        let text = if selected.is_some() {
            app.ui.loading
        } else {
            ""
        };
        frame.render_widget(
            Line::styled(fit(text, area.width as usize), theme.dim()),
            Rect { height: 1, ..area },
        );
        return;
    };
    let width = area.width as usize;
    let mut lines = vec![header(app, theme, view, width)];
    lines.extend(body(app, theme, view, width));
    for (i, line) in lines.into_iter().take(area.height as usize).enumerate() {
        frame.render_widget(
            line,
            Rect {
                y: area.y + i as u16,
                height: 1,
                ..area
            },
        );
    }
}

fn header<'a>(app: &App, theme: Theme, view: &ApplicationView, width: usize) -> Line<'a> {
    let s = &view.stored;
    // The merchant's name is the one part that gives way: the state, the time left and
    // who has it open are what a reviewer must read (the name is in the body too).
    const NAME: usize = 2;
    let mut spans = vec![
        Span::styled(
            format!(" {} ", display_safe(&s.app.id)),
            theme.title().patch(theme.selected()),
        ),
        Span::raw(" "),
        Span::styled(String::new(), theme.title()),
        Span::raw(format!("  [{}]", app.lang.state(s.state))),
    ];
    if s.state.under_review() {
        let style = if view.time_left.is_overdue() {
            theme.overdue()
        } else {
            Style::new()
        };
        spans.push(Span::styled(
            format!("  {}", app.lang.time_left(view.time_left)),
            style,
        ));
    }
    if let Some(claim) = &view.claim {
        spans.push(Span::styled(
            format!(
                "  ⚑ {}{}",
                app.ui.being_reviewed_by,
                display_safe(&claim.reviewer)
            ),
            theme.warn(),
        ));
    }
    let others: usize = spans
        .iter()
        .map(|s| shenhe_domain::text::width(&s.content))
        .sum();
    let room = width.saturating_sub(others).min(30);
    if room >= 4 {
        spans[NAME].content = fit(&s.app.applicant.name, room).into();
    }
    let text_width = others + shenhe_domain::text::width(&spans[NAME].content);
    if text_width > width {
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        return Line::raw(fit(&text, width));
    }
    Line::from(spans)
}

fn section(title: &str, theme: Theme) -> Line<'static> {
    Line::styled(title.to_string(), theme.heading())
}

/// A label and a value; the value is applicant text, so it is made safe and cut to fit.
/// A label and a value. The value is applicant text: made safe, and wrapped rather than
/// cut, so that all of it can be read by scrolling.
fn field(label: &str, value: &str, width: usize) -> Vec<Line<'static>> {
    wrapped(label, value, width, Style::new())
}

fn styled_field(label: &str, value: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrapped(label, value, width, style)
}

/// A long value over as many lines as it takes, so that all of it can be read by scrolling.
fn wrapped(label: &str, value: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    let label_column = LABEL.get();
    let room = width.saturating_sub(label_column + 3).max(10);
    let safe = display_safe(value);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for c in safe.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            lines.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(c);
        used += w;
    }
    lines.push(current);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let label = if i == 0 {
                pad(label, label_column)
            } else {
                pad("", label_column)
            };
            Line::from(vec![
                Span::raw(format!("  {label} ")),
                Span::styled(text, style),
            ])
        })
        .collect()
}

/// What the site probe saw, under the website: when and what answered (or why nothing
/// did), the page's title and ICP number, and each finding on its check. All of it but
/// the labels is the applicant's site's text: `wrapped` makes it safe.
fn probe(
    lines: &mut Vec<Line<'static>>,
    app: &App,
    theme: Theme,
    view: &ApplicationView,
    width: usize,
) {
    let ui = app.ui;
    let lang = app.lang;
    let Some(p) = &view.probe else {
        lines.extend(field(ui.probed, ui.not_probed, width));
        return;
    };
    let at = china_minutes(p.fetched_at);
    match (&p.error, p.status) {
        (Some(e), _) => lines.extend(styled_field(
            ui.probed,
            &format!(
                "{at} {}{}{}",
                ui.probe_failed,
                lang.pick("：", ": "),
                lang.pick(&e.zh, &e.en)
            ),
            width,
            theme.warn(),
        )),
        (None, status) => {
            let status = status.map_or("-".to_string(), |s| s.to_string());
            lines.extend(field(
                ui.probed,
                &format!(
                    "{at} · HTTP {status} · {} ms · {}",
                    p.elapsed_ms, p.final_url
                ),
                width,
            ));
            if let Some(t) = &p.title {
                lines.extend(field(ui.page_title, t, width));
            }
            lines.extend(field(
                ui.page_icp,
                p.footer_icp.as_deref().unwrap_or(ui.none_found),
                width,
            ));
        }
    }
    for f in &p.findings {
        let check = app
            .policy
            .check_rule(f.check)
            .map_or(f.check.id(), |r| lang.pick(&r.zh, &r.en));
        lines.extend(styled_field(
            ui.probe_finding,
            &format!(
                "{check}{}{}",
                lang.pick("：", ": "),
                lang.pick(&f.detail.zh, &f.detail.en)
            ),
            width,
            theme.fail(),
        ));
    }
}

/// The key in force that opens the dialog a draft was typed in.
fn draft_key(app: &App, kind: shenhe_domain::drafts::DraftKind) -> String {
    use crate::action::Action;
    use shenhe_domain::drafts::DraftKind;
    let action = match kind {
        DraftKind::Approve => Action::Approve,
        DraftKind::Return => Action::Return,
        DraftKind::Expire => Action::Expire,
        DraftKind::Reopen => Action::Reopen,
    };
    app.keys
        .key_for(crate::keys::Mode::Detail, &action)
        .unwrap_or_default()
}

/// A resubmission opens with the return it answers (reasons, message) and every field
/// changed since the revision that was returned, old → new.
fn since_return(
    lines: &mut Vec<Line<'static>>,
    app: &App,
    theme: Theme,
    view: &ApplicationView,
    width: usize,
) {
    let Some(since) = &view.since_return else {
        return;
    };
    let (ui, lang) = (app.ui, app.lang);
    let e = &since.returned.entry;
    let title = lang.since_return_title(&china_minutes(e.at), &display_safe(&e.actor));
    lines.push(section(&fit(&title, width), theme));
    for code in &e.reasons {
        lines.extend(styled_field(
            lang.returned_for(),
            lang.reason(&app.policy, code),
            width,
            theme.warn(),
        ));
    }
    if let Some(message) = &e.message {
        lines.extend(field(ui.message_label, message, width));
    }
    if since.changes.is_empty() {
        lines.extend(field("", lang.nothing_changed(), width));
    }
    for change in &since.changes {
        lines.extend(styled_field(
            &lang.field_label(&change.field),
            &lang.change_text(change),
            width,
            theme.warn(),
        ));
    }
    lines.push(Line::raw(""));
}

fn body(app: &App, theme: Theme, view: &ApplicationView, width: usize) -> Vec<Line<'static>> {
    let ui = app.ui;
    let lang = app.lang;
    LABEL.set(label_width(lang));
    let policy = &app.policy;
    let s = &view.stored;
    let a = &s.app;
    let mut lines = Vec::new();

    if let Some(draft) = &view.draft {
        let key = draft_key(app, draft.kind);
        let notice = lang.draft_notice(draft.kind, &china_minutes(draft.saved_at), &key);
        lines.push(Line::styled(fit(&notice, width), theme.warn()));
    }
    since_return(&mut lines, app, theme, view, width);
    lines.extend(field(ui.submitted, &china_minutes(a.submitted_at), width));
    // The review clock starts when the order became reviewable, not at its submission.
    let reviewable = match s.reviewable_at {
        Some(at) => china_minutes(at),
        None => lang.not_reviewable_yet().to_string(),
    };
    lines.extend(field(lang.reviewable_label(), &reviewable, width));
    lines.extend(field(ui.due, &china_minutes(view.due.at), width));
    if let Some(warning) = lang.calendar_warning(&view.due.uncovered_years) {
        lines.extend(wrapped("⚠", &warning, width, theme.warn()));
    }
    if s.state == State::PendingVerification {
        let left = verification_days_left(a.submitted_at, app.now);
        let lapsed = left.is_none();
        let deadline = china_minutes(view.verification_deadline);
        let text = match left {
            Some(_) => deadline,
            None => format!("{deadline} ({})", lang.verification_left(left)),
        };
        lines.extend(styled_field(
            ui.verify_by,
            &text,
            width,
            if lapsed {
                theme.overdue()
            } else {
                Style::new()
            },
        ));
    }

    lines.push(Line::raw(""));
    lines.push(section(ui.sec_applicant, theme));
    lines.extend(field(
        ui.name,
        &format!(
            "{} ({})",
            a.applicant.name,
            lang.applicant_kind(a.applicant.kind)
        ),
        width,
    ));
    lines.extend(field(ui.account, &a.applicant.account, width));
    lines.extend(styled_field(
        ui.verified,
        if a.applicant.verified { ui.yes } else { ui.no },
        width,
        if a.applicant.verified {
            theme.pass()
        } else {
            theme.fail()
        },
    ));
    if let Some(rep) = &a.applicant.legal_representative {
        lines.extend(field(ui.legal_rep, rep, width));
    }
    lines.extend(field(ui.applying_person, &a.applicant.contact, width));
    lines.extend(field(
        ui.security,
        &lang.security(&a.applicant.security),
        width,
    ));

    lines.push(Line::raw(""));
    lines.push(section(ui.sec_materials, theme));
    let required = checks::required_materials(a);
    for kind in MaterialKind::ALL {
        let label = lang.material(kind);
        let present: Vec<_> = a.materials.iter().filter(|m| m.kind == kind).collect();
        if present.is_empty() {
            if required.contains(&kind) {
                lines.extend(styled_field(
                    label,
                    &format!("✗ {}", ui.missing),
                    width,
                    theme.fail(),
                ));
            }
            continue;
        }
        for m in present {
            let mut value = format!("✓ {}", m.reference);
            if let Some(c) = &m.category {
                value.push_str(&format!(" ({})", lang.goods(policy, c)));
            }
            lines.extend(field(label, &value, width));
        }
    }

    lines.push(Line::raw(""));
    lines.push(section(ui.sec_product, theme));
    let product = policy.product(&a.product);
    let product_name = format!("{} ({})", lang.product(policy, &a.product), a.product);
    lines.extend(field(ui.product, &product_name, width));
    if let Some(group) = product.and_then(|p| policy.group(&p.group)) {
        lines.extend(field("", lang.group(group), width));
    }
    lines.extend(field(ui.plan, lang.plan(policy, &a.plan), width));
    if let Some(p) = &a.payment {
        let method = lang.payment_method(p.method);
        let paid = if p.paid { ui.paid } else { ui.unpaid };
        let style = if p.paid { Style::new() } else { theme.fail() };
        lines.extend(styled_field(
            ui.payment,
            &format!("{method} · {} · {paid}", p.amount_yuan),
            width,
            style,
        ));
    }

    if let Some(w) = &a.website {
        lines.push(Line::raw(""));
        lines.push(section(ui.sec_website, theme));
        lines.extend(wrapped(ui.url, &w.url, width, Style::new()));
        let kind = lang.site_kind(w.kind);
        lines.extend(field(ui.site_kind, kind, width));
        lines.extend(field(ui.built, if w.built { ui.yes } else { ui.no }, width));
        lines.extend(field(ui.icp, w.icp.as_deref().unwrap_or(ui.none), width));
        if let Some(acc) = &w.test_account {
            lines.extend(field(ui.test_account, acc, width));
        }
        if let Some(pw) = &w.test_password {
            match &app.revealed {
                Some((id, shown)) if id == &a.id => {
                    lines.extend(styled_field(ui.test_password, shown, width, theme.warn()))
                }
                _ => lines.extend(field(
                    ui.test_password,
                    &format!("{} {}", mask(pw), ui.password_hidden),
                    width,
                )),
            }
        }
        probe(&mut lines, app, theme, view, width);
    }

    if !a.goods.is_empty() {
        lines.push(Line::raw(""));
        lines.push(section(ui.sec_goods, theme));
        for g in &a.goods {
            lines.push(Line::raw(format!(
                "  · {}",
                fit(&lang.goods(policy, g), width.saturating_sub(4))
            )));
        }
    }

    lines.push(Line::raw(""));
    lines.push(section(ui.sec_checks, theme));
    // Every check's name whole, in either language (English ones are the longer).
    let name_width = view
        .checks
        .iter()
        .map(|c| shenhe_domain::text::width(&lang.check(policy, c.id)))
        .max()
        .unwrap_or(12)
        .clamp(12, 24);
    for c in &view.checks {
        let style = match c.outcome {
            Outcome::Pass => theme.pass(),
            Outcome::Fail => theme.fail(),
            Outcome::Manual => theme.manual(),
            Outcome::NotApplicable => theme.dim(),
        };
        let mark = outcome_mark(c.outcome);
        let name = lang.check(policy, c.id);
        let detail = lang.evidence(&c.detail);
        let head = format!(
            "  {mark} {} {} ",
            pad(lang.outcome(c.outcome), 7),
            pad(&name, name_width)
        );
        let room = width.saturating_sub(shenhe_domain::text::width(&head));
        if shenhe_domain::text::width(&display_safe(detail)) <= room {
            lines.push(Line::from(vec![
                Span::styled(head, style),
                Span::raw(display_safe(detail).into_owned()),
            ]));
        } else {
            // Evidence quotes the applicant's text: all of it stays readable, on the lines below.
            lines.push(Line::styled(head, style));
            lines.extend(wrapped("", detail, width, Style::new()));
        }
    }

    lines.push(Line::raw(""));
    lines.push(section(ui.sec_history, theme));
    for entry in &view.history {
        let e = lang.history_line(policy, entry);
        lines.push(Line::raw(fit(
            &format!(
                "  {} {} {} {}",
                e.at_short,
                pad(&e.actor, 10),
                pad(&e.action, 15),
                e.transition
            ),
            width,
        )));
        for (_, text) in &e.reasons {
            lines.extend(wrapped("", &format!("· {text}"), width, theme.dim()));
        }
        for (label, text) in [(ui.message_label, &e.message), (ui.note_label, &e.note)] {
            if let Some(text) = text {
                lines.extend(wrapped(label, text, width, Style::new()));
            }
        }
        if let Some(d) = &e.detail
            && !e.routine
        {
            lines.extend(wrapped("", d, width, theme.dim()));
        }
    }
    lines
}
