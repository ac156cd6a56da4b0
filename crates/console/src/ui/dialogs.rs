//! Dialogs drawn over the screen: help, the filter menu, and the decisions.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};
use tui_input::Input;

use super::Theme;
use crate::app::{App, Confirm, Decision, JudgeDialog, ReturnDialog, ReturnFocus};
use crate::keys;
use shenhe_domain::checks::Outcome;
use shenhe_domain::policy::ProductKind;
use shenhe_domain::state::State;
use shenhe_domain::text::{fit, pad, width};

/// A box of `w`×`h` centred in the frame, cleared, with a title; returns its inside.
fn popup(frame: &mut Frame, title: &str, w: u16, h: u16, theme: Theme) -> Rect {
    let area = frame.area();
    let w = w.min(area.width);
    let h = h.min(area.height);
    let rect = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", fit(title, w.saturating_sub(4) as usize)),
        theme.title(),
    ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn put(frame: &mut Frame, inner: Rect, row: u16, line: Line) {
    if row < inner.height {
        frame.render_widget(
            line,
            Rect {
                y: inner.y + row,
                height: 1,
                ..inner
            },
        );
    }
}

/// A one-line text field; the terminal cursor sits in it when it has the focus.
fn text_field(
    frame: &mut Frame,
    inner: Rect,
    row: u16,
    label: &str,
    input: &Input,
    focused: bool,
    theme: Theme,
) {
    if row >= inner.height {
        return;
    }
    let label = format!("{} ", pad(label, 18));
    let room = (inner.width as usize).saturating_sub(width(&label) + 1);
    // A new line shows as ↵ (the field keeps one row); the cursor is counted on what shows.
    let shown_chars: Vec<char> = input
        .value()
        .chars()
        .map(|c| if c == '\n' { '↵' } else { c })
        .collect();
    let char_width = |c: &char| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
    let cursor: usize = shown_chars
        .iter()
        .take(input.cursor())
        .map(char_width)
        .sum();
    // Keep the cursor on screen for long text: show the end of it.
    let scroll = cursor.saturating_sub(room.saturating_sub(1));
    let shown: String = {
        let mut skipped = 0;
        let mut out = String::new();
        for c in &shown_chars {
            if skipped < scroll {
                skipped += char_width(c);
                continue;
            }
            out.push(*c);
        }
        out
    };
    let style = if focused {
        theme.selected()
    } else {
        Style::new()
    };
    put(
        frame,
        inner,
        row,
        Line::from(vec![
            Span::styled(
                label.clone(),
                if focused { theme.key() } else { Style::new() },
            ),
            Span::styled(shenhe_domain::text::pad(&shown, room), style),
        ]),
    );
    if focused {
        let x = inner.x + width(&label) as u16 + (cursor - scroll).min(room) as u16;
        frame.set_cursor_position(Position::new(
            x.min(inner.x + inner.width - 1),
            inner.y + row,
        ));
    }
}

pub fn help(frame: &mut Frame, app: &App, theme: Theme) {
    let under = match app.screen {
        crate::app::Screen::Queue => keys::Mode::Queue,
        crate::app::Screen::Detail => keys::Mode::Detail,
        crate::app::Screen::Stats => keys::Mode::Stats,
    };
    let bindings = app.keys.bindings(under, &app.ui.key_help);
    let markers = app.ui.markers;
    let inner = popup(
        frame,
        app.ui.help_title,
        58,
        (bindings.len() + markers.len()) as u16 + 5,
        theme,
    );
    let mut rows: Vec<Line> = bindings
        .iter()
        .map(|line| {
            let keys = line.keys.join("/");
            Line::from(vec![
                Span::styled(
                    format!(" {} ", pad(&keys, width(&keys).max(24))),
                    theme.key(),
                ),
                Span::raw(line.what.to_string()),
            ])
        })
        .collect();
    // Short of rows (80×24 with every key of a lead): the last two lines (Ctrl-c and
    // Ctrl-l, which every mode has) share one, so that the markers still show.
    if rows.len() + markers.len() > inner.height as usize && bindings.len() >= 2 {
        let (a, b) = (&bindings[bindings.len() - 2], &bindings[bindings.len() - 1]);
        rows.truncate(rows.len() - 2);
        rows.push(Line::from(vec![
            Span::styled(format!(" {} ", a.keys.join("/")), theme.key()),
            Span::raw(format!("{}   ", a.what)),
            Span::styled(format!("{} ", b.keys.join("/")), theme.key()),
            Span::raw(b.what.to_string()),
        ]));
    }
    let count = rows.len();
    for (i, line) in rows.into_iter().enumerate() {
        put(frame, inner, i as u16, line);
    }
    // What the marks of the queue and the dialogs mean (after a blank line, when there
    // is room for one).
    let gap = usize::from(count + markers.len() < inner.height as usize);
    for (i, line) in markers.iter().enumerate() {
        put(
            frame,
            inner,
            (count + gap + i) as u16,
            Line::raw(format!(" {line}")),
        );
    }
    put(
        frame,
        inner,
        (count + markers.len() + gap + 1) as u16,
        Line::styled(format!(" {}", app.ui.help_close), theme.dim()),
    );
}

pub fn filter(frame: &mut Frame, app: &App, theme: Theme, cursor: usize) {
    let count = app.filters.len();
    let sorts = shenhe_review::queue::Sort::ALL;
    // The filters, then the sorts under their title: each with the letter that picks it.
    let inner = popup(
        frame,
        app.ui.filter_title,
        40,
        (count + sorts.len() + 2) as u16 + 2,
        theme,
    );
    let visible = inner.height as usize;
    let first = cursor.saturating_sub(visible.saturating_sub(1));
    // Each letter as the key that picks it now (the config file may have rebound it).
    let entry = |mark: &str, letter: Option<char>, name: &str| {
        let letter = letter
            .and_then(|l| {
                app.keys
                    .key_for(keys::Mode::Menu, &crate::action::Action::Pick(l))
            })
            .unwrap_or_else(|| " ".into());
        format!(
            " {mark} {letter} {}",
            pad(name, (inner.width as usize).saturating_sub(6))
        )
    };
    let mut row = 0u16;
    for i in (first..count).take(visible) {
        let filter = &app.filters[i];
        let mark = if app.toggled.contains(filter) {
            "+"
        } else if *filter == app.filter || app.also.contains(filter) {
            "●"
        } else {
            " "
        };
        let text = entry(mark, app.letter_of(filter), &app.filter_name(filter));
        let style = if i == cursor {
            theme.selected()
        } else {
            Style::new()
        };
        put(frame, inner, row, Line::styled(text, style));
        row += 1;
    }
    // The sorts' heading only when every line has room: the sorts come first.
    if count + sorts.len() < inner.height as usize {
        put(
            frame,
            inner,
            row,
            Line::styled(format!(" {}", app.ui.sort), theme.heading()),
        );
        row += 1;
    }
    for (sort, letter) in sorts.iter().zip(keys::SORT_LETTERS) {
        let mark = if *sort == app.sort { "●" } else { " " };
        let text = entry(mark, Some(letter), app.lang.sort(*sort));
        put(frame, inner, row, Line::raw(text));
        row += 1;
    }
    // Not a sort of its own: the reviewer's own first, then the others, each in the sort.
    let mark = if app.mine_first { "✓" } else { " " };
    let text = entry(mark, Some(keys::MINE_FIRST_LETTER), app.ui.mine_first);
    put(frame, inner, row, Line::raw(text));
}

pub fn confirm(frame: &mut Frame, app: &App, theme: Theme, confirm: &Confirm) {
    let Some(view) = app.detail.as_deref() else {
        return;
    };
    let ui = app.ui;
    let (title, to) = match confirm.decision {
        Decision::Approve => {
            // Where this approval leads, by the review layer's rules (a second reviewer,
            // effective at once); the product's kind only if it has none to say.
            let kind = app.policy.product(&view.stored.app.product).map(|p| p.kind);
            let to = match &view.approval {
                Some(plan) => plan.to,
                None if kind == Some(ProductKind::Settlement) => State::Effective,
                None => State::PendingIntegration,
            };
            (ui.approve_title, to)
        }
        Decision::Expire => (ui.expire_title, State::Cancelled),
        Decision::Reopen => (ui.reopen_title, State::PendingReview),
    };
    let w = 72u16;
    let text_width = w as usize - 4;
    let mut lines: Vec<Line> = vec![
        Line::raw(fit(
            &format!("{}  {}", view.id(), view.stored.app.applicant.name),
            text_width,
        )),
        Line::styled(format!("→ {}", app.lang.state(to)), theme.title()),
    ];
    if confirm.decision == Decision::Approve {
        let warnings = [
            (Outcome::Fail, ui.warn_failing, theme.fail()),
            (Outcome::Manual, ui.attests_manual, theme.manual()),
        ];
        for (outcome, label, style) in warnings {
            let names = check_names(app, view, outcome);
            if !names.is_empty() {
                lines.push(Line::styled(
                    fit(&format!("{label}{}", names.join(", ")), text_width),
                    style,
                ));
            }
        }
        if let Some(plan) = &view.approval {
            for (text, warning) in app.lang.approval_lines(plan) {
                let style = if warning { theme.warn() } else { theme.pass() };
                lines.push(Line::styled(fit(&text, text_width), style));
            }
        }
    }
    if let Some(claim) = &view.claim {
        lines.push(Line::styled(
            fit(
                &format!("{}{}", ui.claim_warning, claim.reviewer),
                text_width,
            ),
            theme.warn(),
        ));
    }
    let h = lines.len() as u16 + 6;
    let inner = popup(frame, title, w, h, theme);
    for (i, line) in lines.into_iter().enumerate() {
        put(frame, inner, i as u16, line);
    }
    let row = inner.height.saturating_sub(3);
    text_field(
        frame,
        inner,
        row,
        if confirm.decision == Decision::Reopen {
            ui.reopen_note_label
        } else {
            ui.note_label
        },
        &confirm.note,
        confirm.note_focused,
        theme,
    );
    put(
        frame,
        inner,
        inner.height.saturating_sub(1),
        Line::styled(ui.confirm_hint, theme.dim()),
    );
}

/// The names, in the reviewer's language, of the checks with this outcome.
fn check_names(app: &App, view: &shenhe_review::ApplicationView, outcome: Outcome) -> Vec<String> {
    view.checks
        .iter()
        .filter(|c| c.outcome == outcome)
        .map(|c| app.lang.check(&app.policy, c.id))
        .collect()
}

pub fn return_dialog(frame: &mut Frame, app: &App, theme: Theme, dialog: &ReturnDialog) {
    let Some(view) = app.detail.as_deref() else {
        return;
    };
    let ui = app.ui;
    let area = frame.area();
    let w = area.width.min(96);
    let h = (dialog.reasons.len() as u16 + 9).min(area.height);
    let inner = popup(frame, ui.return_title, w, h, theme);
    let text_width = inner.width as usize;
    put(
        frame,
        inner,
        0,
        Line::raw(fit(
            &format!("{}  {}", view.id(), view.stored.app.applicant.name),
            text_width,
        )),
    );
    put(
        frame,
        inner,
        1,
        Line::styled(
            ui.reasons_label,
            if dialog.focus == ReturnFocus::Reasons {
                theme.key()
            } else {
                theme.title()
            },
        ),
    );
    // The list scrolls when the terminal is short.
    let list_rows = inner.height.saturating_sub(7) as usize;
    let first = dialog.cursor.saturating_sub(list_rows.saturating_sub(1));
    for (row, (i, (code, chosen))) in dialog
        .reasons
        .iter()
        .enumerate()
        .skip(first)
        .take(list_rows)
        .enumerate()
    {
        let text = app.lang.reason(&app.policy, code);
        let suggested = view.suggested_reasons.contains(code);
        let line = format!(
            " [{}] {}{}",
            if *chosen { "x" } else { " " },
            text,
            if suggested { " ◂" } else { "" }
        );
        let style = if dialog.focus == ReturnFocus::Reasons && i == dialog.cursor {
            theme.selected()
        } else if *chosen {
            theme.title()
        } else {
            Style::new()
        };
        put(
            frame,
            inner,
            2 + row as u16,
            Line::styled(pad(&line, text_width), style),
        );
    }
    let base = 2 + list_rows as u16;
    text_field(
        frame,
        inner,
        base + 1,
        ui.message_label,
        &dialog.message,
        dialog.focus == ReturnFocus::Message,
        theme,
    );
    text_field(
        frame,
        inner,
        base + 2,
        ui.note_label,
        &dialog.note,
        dialog.focus == ReturnFocus::Note,
        theme,
    );
    put(
        frame,
        inner,
        inner.height.saturating_sub(1),
        Line::styled(fit(ui.return_hint, text_width), theme.dim()),
    );
}

pub fn judge(frame: &mut Frame, app: &App, theme: Theme, dialog: &JudgeDialog) {
    let Some(view) = app.detail.as_deref() else {
        return;
    };
    let ui = app.ui;
    let h = dialog.checks.len() as u16 + 8;
    let inner = popup(frame, ui.judge_title, 76, h, theme);
    let text_width = inner.width as usize;
    let name_width = dialog
        .checks
        .iter()
        .map(|c| width(&app.lang.check(&app.policy, *c)))
        .max()
        .unwrap_or(12)
        .clamp(12, 24);
    for (i, id) in dialog.checks.iter().enumerate() {
        let name = app.lang.check(&app.policy, *id);
        let current = view.checks.iter().find(|c| c.id == *id);
        let outcome = current
            .map(|c| app.lang.outcome(c.outcome))
            .unwrap_or_default();
        let detail = current
            .map(|c| app.lang.evidence(&c.detail).to_string())
            .unwrap_or_default();
        let verdict = match dialog.verdicts.get(i).copied().flatten() {
            Some(true) => format!(" → {}", ui.verdict_pass),
            Some(false) => format!(" → {}", ui.verdict_fail),
            None => String::new(),
        };
        let line = format!(
            " {} [{}]{verdict}  {}",
            pad(&name, name_width),
            outcome,
            detail
        );
        let style = if i == dialog.cursor && !dialog.note_focused {
            theme.selected()
        } else {
            Style::new()
        };
        put(
            frame,
            inner,
            i as u16,
            Line::styled(pad(&fit(&line, text_width), text_width), style),
        );
    }
    let row = dialog.checks.len() as u16 + 1;
    text_field(
        frame,
        inner,
        row,
        ui.note_label,
        &dialog.note,
        dialog.note_focused,
        theme,
    );
    put(
        frame,
        inner,
        inner.height.saturating_sub(1),
        Line::styled(fit(ui.judge_hint, text_width), theme.dim()),
    );
}

/// The "go to id" prompt: one field, the id typed so far.
pub fn go_to(frame: &mut Frame, app: &App, theme: Theme, input: &Input) {
    let inner = popup(frame, app.ui.go_to_title, 50, 4, theme);
    text_field(frame, inner, 0, app.ui.go_to_label, input, true, theme);
}

/// A bulk action's plan (issue 14): what it will do and what it skips, and for an
/// assignment the reviewers to choose from; Enter does it, Esc does nothing.
pub fn bulk(frame: &mut Frame, app: &App, theme: Theme, dialog: &crate::app::stats::BulkDialog) {
    use shenhe_review::bulk::BulkKind;
    let w = 64u16;
    let text_width = w as usize - 4;
    let mut lines: Vec<Line> = app
        .lang
        .bulk_plan(&dialog.plan, dialog.assignee())
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let style = if i == 0 { theme.title() } else { theme.warn() };
            Line::styled(fit(&text, text_width), style)
        })
        .collect();
    if dialog.plan.kind == BulkKind::Assign {
        lines.push(Line::raw(""));
        let room = (frame.area().height as usize)
            .saturating_sub(lines.len() + 6)
            .max(1);
        let first = dialog.cursor.saturating_sub(room - 1);
        for (i, name) in dialog.reviewers.iter().enumerate().skip(first).take(room) {
            let text = fit(
                &format!("  {}", shenhe_domain::text::display_safe(name)),
                text_width,
            );
            lines.push(if i == dialog.cursor {
                Line::styled(pad(&text, text_width), theme.selected())
            } else {
                Line::raw(text)
            });
        }
    }
    let h = lines.len() as u16 + 4;
    let inner = popup(frame, app.lang.bulk_title(dialog.plan.kind), w, h, theme);
    for (i, line) in lines.into_iter().enumerate() {
        put(frame, inner, i as u16, line);
    }
    put(
        frame,
        inner,
        inner.height.saturating_sub(1),
        Line::styled(app.lang.bulk_hint(dialog.plan.kind), theme.dim()),
    );
}

/// S: the name to save the current view under.
pub fn view_name(frame: &mut Frame, app: &App, theme: Theme, input: &Input) {
    let inner = popup(frame, app.lang.view_name_title(), 48, 6, theme);
    text_field(
        frame,
        inner,
        1,
        app.lang.view_name_label(),
        input,
        true,
        theme,
    );
    put(
        frame,
        inner,
        inner.height.saturating_sub(1),
        Line::styled(app.lang.view_name_hint(), theme.dim()),
    );
}
