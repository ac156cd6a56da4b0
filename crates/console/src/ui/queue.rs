//! The queue: counts and filter on top, one line per application, keys at the bottom.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Theme, footer};
use crate::app::App;
use shenhe_domain::calendar::{Urgency, verification_days_left};
use shenhe_domain::state::State;
use shenhe_domain::text::{display_safe, fit, pad, pad_left, width};
use shenhe_present::time::china_short;
use shenhe_present::urgency_mark;
use shenhe_review::QueueRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Marker,
    Id,
    Merchant,
    Product,
    Plan,
    State,
    Age,
    Due,
    Left,
    Checks,
    Reviewer,
}

/// Which columns fit, and how wide: the merchant takes what the others leave.
fn layout(total: u16) -> Vec<(Column, usize)> {
    let total = total as usize;
    let mut columns = vec![
        (Column::Marker, 1),
        (Column::Id, 17),
        (Column::Merchant, 0),
        (Column::Product, 12),
        (Column::Plan, 4),
        (Column::State, 8),
        (Column::Left, 11),
        (Column::Checks, 6),
    ];
    // Wider terminals show more, in this order.
    for (extra, w, at) in [
        (Column::Reviewer, 10, 8),
        (Column::Due, 11, 7),
        (Column::Age, 5, 6),
    ] {
        let used: usize = columns.iter().map(|c| c.1 + 1).sum();
        if total >= used + w + 1 + 24 {
            columns.insert(at.min(columns.len()), (extra, w));
        }
    }
    if total >= 140 {
        for c in columns.iter_mut() {
            if c.0 == Column::Product {
                c.1 = if total >= 160 { 30 } else { 20 };
            }
        }
    }
    let used: usize = columns.iter().map(|c| c.1 + 1).sum();
    let merchant = total.saturating_sub(used).max(8);
    for c in columns.iter_mut() {
        if c.0 == Column::Merchant {
            c.1 = merchant;
        }
    }
    columns
}

/// The screen rows of the table: below the header and the column titles, above the footer.
pub fn table_rows(app: &App) -> Range<u16> {
    2..2 + app.table_height() as u16
}

/// The queue in `area`: the whole frame, or its left part beside the detail.
pub fn draw(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let ui = app.ui;
    header(frame, app, theme, Rect { height: 1, ..area });

    let columns = layout(area.width);
    let titles: Vec<Span> = columns
        .iter()
        .map(|(c, w)| {
            let title = match c {
                Column::Marker => "",
                Column::Id => ui.col_id,
                Column::Merchant => ui.col_merchant,
                Column::Product => ui.col_product,
                Column::Plan => ui.col_plan,
                Column::State => ui.col_state,
                Column::Age => ui.col_age,
                Column::Due => ui.col_due,
                Column::Left => ui.col_left,
                Column::Checks => ui.col_checks,
                Column::Reviewer => ui.col_reviewer,
            };
            Span::styled(format!("{} ", pad(title, *w)), theme.title())
        })
        .collect();
    frame.render_widget(
        Line::from(titles),
        Rect {
            y: area.y + 1,
            height: 1,
            ..area
        },
    );

    let height = app.table_height();
    let rows = table_rows(app);
    let table = Rect {
        y: area.y + rows.start,
        height: rows.len() as u16,
        ..area
    };
    for i in 0..height {
        let index = app.queue.top + i;
        let y = table.y + i as u16;
        let line_area = Rect {
            y,
            height: 1,
            ..table
        };
        let selected = index == app.queue.selected;
        let line = match app.queue.row(index) {
            Some(row) => row_line(app, theme, &columns, row),
            None if app.queue.total.is_some_and(|t| index >= t) => {
                if index == 0 {
                    let text = match &app.elsewhere {
                        Some(row) => app.lang.found_elsewhere(&row.id, row.state),
                        None => ui.no_applications.to_string(),
                    };
                    Line::styled(fit(&text, area.width as usize), theme.dim())
                } else {
                    Line::raw("")
                }
            }
            None => Line::styled(fit(ui.loading, area.width as usize), theme.dim()),
        };
        let line = if selected && app.queue.total.is_some_and(|t| t > 0) {
            line.patch_style(theme.selected())
        } else {
            line
        };
        frame.render_widget(line, line_area);
    }

    let footer_area = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    if app.searching {
        let prompt = format!("/{}", app.search.value());
        frame.render_widget(Line::raw(fit(&prompt, area.width as usize)), footer_area);
        let cursor = 1 + app.search.visual_cursor();
        frame.set_cursor_position(Position::new(
            footer_area.x + (cursor as u16).min(area.width - 1),
            footer_area.y,
        ));
    } else {
        let position = match app.queue.total {
            Some(0) | None => String::new(),
            Some(total) => format!("{}/{}", app.queue.selected + 1, total),
        };
        footer(frame, app, theme, footer_area, &position);
    }
}

fn header(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let ui = app.ui;
    let mut spans = vec![Span::styled(
        format!(" {} ", ui.app_title),
        theme.title().patch(theme.selected()),
    )];
    match &app.counts {
        Some(c) => {
            spans.push(Span::raw(format!(
                " {} {} · ",
                ui.pending, c.pending_review
            )));
            spans.push(Span::styled(
                format!("!{} {}", ui.overdue, c.overdue),
                if c.overdue > 0 {
                    theme.overdue()
                } else {
                    Style::new()
                },
            ));
            spans.push(Span::raw(" · "));
            spans.push(Span::styled(
                format!("*{} {}", ui.due_today, c.due_today),
                if c.due_today > 0 {
                    theme.due_today()
                } else {
                    Style::new()
                },
            ));
            spans.push(Span::raw(format!(
                " · {} {}",
                ui.verification_lapsed, c.verification_lapsed
            )));
        }
        None => spans.push(Span::styled(format!(" {}", ui.loading), theme.dim())),
    }
    // Marks first after the title: the counts may be cut on a narrow terminal, the
    // number of applications a bulk action would take must not.
    if !app.marks.is_empty() {
        spans.insert(
            1,
            Span::styled(
                format!(" ✓{} ·", app.lang.marked(app.marks.len())),
                theme.warn(),
            ),
        );
    }
    if app.delivery.failing() {
        spans.push(Span::styled(
            format!("  {}", ui.delivery_failing),
            theme.overdue(),
        ));
    }
    // The active filter and sort: what the rows below are is part of reading them. The
    // narrower the terminal, the fewer words around them (the default sort is left out
    // first, then the labels); the counts are cut only when even that does not fit.
    // Combined filters (Space in the menu) by their names, joined: every one holds.
    let mut filter = app.filter_name(&app.filter);
    for also in &app.also {
        filter.push_str(" + ");
        filter.push_str(&app.filter_name(also));
    }
    if app.mine_first {
        filter.push_str(" · ");
        filter.push_str(app.ui.mine_first);
    }
    let sort = app.lang.sort(app.sort);
    let search = if app.search.value().is_empty() {
        String::new()
    } else {
        // Typed or pasted by the reviewer: made safe like applicant text.
        format!(" · /{}", display_safe(app.search.value()))
    };
    let default_sort = app.sort == shenhe_review::queue::Sort::default();
    let candidates = [
        format!("  {}: {filter} · {}: {sort}{search}", ui.filter, ui.sort),
        if default_sort {
            format!("  {}: {filter}{search}", ui.filter)
        } else {
            format!("  {filter} · {sort}{search}")
        },
        if default_sort {
            format!("  {filter}{search}")
        } else {
            format!("  {filter} · {sort}{search}")
        },
    ];
    // Saved views (issue 14): tabs, like gh-dash's sections; the one shown in brackets.
    // Where no tab is what the queue shows, the filter follows them.
    let candidates = if app.views.is_empty() {
        candidates.to_vec()
    } else {
        let active = app.active_tab();
        let tabs: String = app
            .views
            .iter()
            .take(9)
            .enumerate()
            .map(|(i, v)| {
                let name = fit(&display_safe(&v.name), 12);
                if Some(i) == active {
                    format!(" [{} {name}]", i + 1)
                } else {
                    format!("  {} {name} ", i + 1)
                }
            })
            .collect();
        let short: String = app
            .views
            .iter()
            .take(9)
            .enumerate()
            .map(|(i, _)| {
                if Some(i) == active {
                    format!("[{}]", i + 1)
                } else {
                    format!(" {} ", i + 1)
                }
            })
            .collect();
        match active {
            Some(_) => vec![format!(" {tabs}"), format!("  {short}")],
            None => candidates
                .iter()
                .map(|c| format!(" {tabs} ·{c}"))
                .chain([format!("  {short} ·{}", candidates[2])])
                .collect(),
        }
    };
    let counts: usize = spans.iter().map(|s| width(&s.content)).sum();
    let total = area.width as usize;
    let line = match candidates.iter().find(|r| counts + width(r) <= total) {
        Some(right) => {
            spans.push(Span::styled(right.clone(), theme.heading()));
            Line::from(spans)
        }
        None => {
            let right = fit(
                candidates.last().expect("candidates"),
                total.saturating_sub(12).max(total / 2),
            );
            let left: String = spans.iter().map(|s| s.content.as_ref()).collect();
            let room = total.saturating_sub(width(&right));
            Line::from(vec![
                Span::raw(pad(&left, room)),
                Span::styled(right, theme.heading()),
            ])
        }
    };
    frame.render_widget(line, area);
}

fn row_line<'a>(
    app: &App,
    theme: Theme,
    columns: &[(Column, usize)],
    row: &'a QueueRow,
) -> Line<'a> {
    let lang = app.lang;
    let policy = &app.policy;
    let urgency = policy.calendar.urgency(row.state, app.now, row.due_at);
    let urgent_style = match urgency {
        Some(Urgency::Overdue) => theme.overdue(),
        Some(Urgency::DueToday) => theme.due_today(),
        _ => Style::new(),
    };
    let claimed = row.claimed_by.as_deref().filter(|who| *who != app.actor);
    // Too narrow for the reviewer column: who has it open leads the merchant's cell, so
    // that an overdue row (whose marker is `!`) still says it.
    let reviewer_shown = columns.iter().any(|(c, _)| *c == Column::Reviewer);
    let mut spans = Vec::with_capacity(columns.len());
    for (column, w) in columns {
        let (text, style) = match column {
            Column::Marker => {
                let (mark, style) = match (urgency_mark(urgency), claimed) {
                    (Some(mark), _) => (mark, urgent_style),
                    (None, Some(_)) => ('@', theme.dim()),
                    (None, None) => (' ', Style::new()),
                };
                (mark.to_string(), style)
            }
            Column::Id => (pad(&row.id, *w), Style::new()),
            Column::Merchant => match claimed.filter(|_| !reviewer_shown) {
                Some(who) => {
                    let who = format!("@{} ", fit(who, (*w / 2).max(4)));
                    spans.push(Span::styled(who.clone(), theme.warn()));
                    let rest = w.saturating_sub(width(&who));
                    (pad(&row.merchant, rest), Style::new())
                }
                None => (pad(&row.merchant, *w), Style::new()),
            },
            Column::Product => {
                // Too narrow for the name: the catalogue's short name, not an ellipsis.
                let name = lang.product(policy, &row.product);
                let name = if width(name) > *w {
                    lang.product_short(policy, &row.product)
                } else {
                    name
                };
                (pad(name, *w), Style::new())
            }
            Column::Plan => (pad(&lang.plan_short(&row.plan), *w), Style::new()),
            Column::State => (pad(lang.state_short(row.state), *w), Style::new()),
            Column::Age => (
                pad_left(
                    &lang.age_short((app.now - row.submitted_at).num_hours()),
                    *w,
                ),
                theme.dim(),
            ),
            Column::Due => (pad(&china_short(row.due_at), *w), Style::new()),
            Column::Left => {
                let text = match row.state {
                    State::PendingReview | State::PendingSecondApproval => {
                        lang.time_left_short(policy.calendar.time_left(app.now, row.due_at))
                    }
                    State::PendingVerification => {
                        lang.verification_short(verification_days_left(row.submitted_at, app.now))
                    }
                    _ => "-".to_string(),
                };
                (pad(&text, *w), urgent_style)
            }
            Column::Checks => {
                let style = if row.failed > 0 {
                    theme.fail()
                } else if row.manual > 0 {
                    theme.manual()
                } else {
                    theme.pass()
                };
                (pad(&lang.check_summary(row.failed, row.manual), *w), style)
            }
            Column::Reviewer => (pad(claimed.unwrap_or(""), *w), theme.dim()),
        };
        spans.push(Span::styled(text, style));
        // A marked row (Space, V) says so between its marker and its id.
        if *column == Column::Marker && app.marks.contains(&row.id) {
            spans.push(Span::styled("✓", theme.warn()));
        } else {
            spans.push(Span::raw(" "));
        }
    }
    Line::from(spans)
}
