//! The lead's statistics (issue 14): the queue now, the three-business-day promise and
//! the age of what waits on top; the last 30 days as a chart in the middle; who decided
//! what and why things are returned at the bottom. Drawn from `app.stats` only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Sparkline};

use super::{Theme, footer};
use crate::app::App;
use shenhe_domain::text::{display_safe, fit, pad, pad_left, width};
use shenhe_present::time::china_minutes;
use shenhe_review::stats::Stats;

/// Buckets of the waiting histogram: 0 to 5 business days, then "6+".
const AGE_BUCKETS: usize = 7;

pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    let w = app.lang.stats();
    let [header, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    footer(frame, app, theme, foot, "");
    let Some(stats) = app.stats.as_deref() else {
        frame.render_widget(
            Line::from(vec![
                Span::styled(format!("{} ", w.title), theme.title()),
                Span::styled(w.loading, theme.dim()),
            ]),
            header,
        );
        return;
    };
    let title = format!(
        "{} · {} {} · {}",
        w.title,
        w.since,
        stats.since.format("%Y-%m-%d"),
        china_minutes(stats.now)
    );
    frame.render_widget(
        Line::styled(fit(&title, header.width as usize), theme.title()),
        header,
    );
    // The bottom band: a line a reviewer (at most a third of the body), at least 4.
    let reviewers = stats.decisions_by_reviewer.len().max(1) as u16;
    let bottom = (reviewers + 3).clamp(6, (body.height / 3).max(6));
    let [top, middle, lower] = Layout::vertical([
        Constraint::Length(10),
        Constraint::Min(4),
        Constraint::Length(bottom),
    ])
    .areas(body);
    let [queue, promise, ages] = Layout::horizontal([
        Constraint::Length(28),
        Constraint::Min(24),
        Constraint::Length((body.width / 4).max(26)),
    ])
    .areas(top);
    queue_now(frame, app, theme, stats, queue);
    promise_panel(frame, app, theme, stats, promise);
    waiting(frame, app, theme, stats, ages);
    daily(frame, app, theme, stats, middle);
    let [people, reasons] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(lower);
    by_reviewer(frame, app, theme, stats, people);
    return_reasons(frame, app, theme, stats, reasons);
}

fn panel<'a>(title: &'a str, theme: Theme) -> Block<'a> {
    Block::bordered().title(Span::styled(title, theme.heading()))
}

/// `label` then `value` at the right edge of `columns`.
fn figure(label: &str, value: &str, columns: usize) -> String {
    let room = columns.saturating_sub(width(value) + 1);
    format!("{} {}", pad(&fit(label, room), room), value)
}

fn queue_now(frame: &mut Frame, app: &App, theme: Theme, s: &Stats, area: Rect) {
    let w = app.lang.stats();
    let q = &s.queue;
    let block = panel(w.queue_now, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = inner.width as usize;
    let line =
        |label: &str, n: u64, style| Line::styled(figure(label, &n.to_string(), cols), style);
    let lines = vec![
        line(w.pending_review, q.pending_review, theme.title()),
        line(
            w.overdue,
            q.overdue,
            if q.overdue > 0 {
                theme.overdue()
            } else {
                theme.dim()
            },
        ),
        line(w.due_today, q.due_today, theme.due_today()),
        line(w.due_tomorrow, q.due_tomorrow, ratatui::style::Style::new()),
        line(
            w.second_approval,
            q.awaiting_second_approval,
            ratatui::style::Style::new(),
        ),
        line(
            w.pending_verification,
            q.pending_verification,
            theme.title(),
        ),
        line(
            w.in_window,
            q.verification_in_window,
            ratatui::style::Style::new(),
        ),
        line(
            w.lapsed,
            q.verification_lapsed,
            if q.verification_lapsed > 0 {
                theme.warn()
            } else {
                theme.dim()
            },
        ),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn promise_panel(frame: &mut Frame, app: &App, theme: Theme, s: &Stats, area: Rect) {
    let w = app.lang.stats();
    let lang = app.lang;
    let block = panel(w.sla, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = inner.width as usize;
    let share_style = |share: Option<f64>| match share {
        Some(x) if x < 0.8 => theme.overdue(),
        Some(x) if x < 0.95 => theme.due_today(),
        Some(_) => theme.ok(),
        None => theme.dim(),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{:>4} ", lang.percent(s.sla.share)),
            share_style(s.sla.share),
        ),
        Span::raw(fit(
            &format!("{}/{} {}", s.sla.within_sla, s.sla.decided, w.within_sla),
            cols.saturating_sub(5),
        )),
    ])];
    let weeks = inner.height.saturating_sub(4) as usize;
    let shown = s.sla.weeks.len().saturating_sub(weeks);
    for week in &s.sla.weeks[shown..] {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>4} ", lang.percent(week.share)),
                share_style(week.share),
            ),
            Span::raw(fit(
                &format!(
                    "{} {} {}/{}",
                    w.week_of,
                    week.week_start.format("%m-%d"),
                    week.within_sla,
                    week.decided
                ),
                cols.saturating_sub(5),
            )),
        ]));
    }
    while lines.len() < inner.height.saturating_sub(3) as usize {
        lines.push(Line::raw(""));
    }
    let t = &s.time_to_decision;
    lines.push(Line::styled(fit(w.time_to_decision, cols), theme.title()));
    lines.push(Line::raw(figure(
        w.median,
        &lang.business_hours(t.median_business_hours),
        cols,
    )));
    lines.push(Line::raw(figure(
        w.p90,
        &lang.business_hours(t.p90_business_hours),
        cols,
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn waiting(frame: &mut Frame, app: &App, theme: Theme, s: &Stats, area: Rect) {
    let w = app.lang.stats();
    let block = panel(w.waiting_age, theme);
    let mut buckets = [0u64; AGE_BUCKETS];
    for b in &s.waiting_age {
        buckets[(b.business_days as usize).min(AGE_BUCKETS - 1)] += b.count;
    }
    let bars: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(days, n)| {
            let label = if days == AGE_BUCKETS - 1 {
                format!("{days}+")
            } else {
                days.to_string()
            };
            // Past the three business days: overdue.
            let style = if days > 3 {
                theme.overdue()
            } else {
                theme.ok()
            };
            Bar::default()
                .value(*n)
                .label(Line::raw(label))
                .style(style)
                .value_style(theme.selected())
        })
        .collect();
    let bar_width = (area.width.saturating_sub(2) / AGE_BUCKETS as u16)
        .saturating_sub(1)
        .clamp(2, 8);
    let chart = BarChart::default()
        .block(block)
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(1);
    frame.render_widget(chart, area);
}

fn daily(frame: &mut Frame, app: &App, theme: Theme, s: &Stats, area: Rect) {
    let w = app.lang.stats();
    let total = |f: fn(&shenhe_review::stats::Day) -> u64| s.daily.iter().map(f).sum::<u64>();
    let title = format!(
        "{} · {} {} · {} {} · {} {} · {} {}",
        w.daily,
        w.intake,
        total(|d| d.intake),
        w.approved,
        total(|d| d.approved),
        w.returned,
        total(|d| d.returned),
        w.expired,
        total(|d| d.expired),
    );
    let block = Block::bordered().title(Span::styled(
        fit(&title, area.width.saturating_sub(2) as usize),
        theme.heading(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 {
        return;
    }
    // A caption column, then a column (or more) a day: intake as a sparkline on the
    // first line, decisions as bars below, approved / returned / expired side by side
    // when there is room for three columns a day.
    let caption = (width(w.intake).max(width(w.decided)) + 1).min(12) as u16;
    let days = s.daily.len().max(1) as u16;
    let per_day = (inner.width.saturating_sub(caption) / days).max(1);
    let graph_x = inner.x + caption;
    let graph_w = (per_day * days).min(inner.width.saturating_sub(caption));
    let spark_h = (inner.height / 3).max(1);
    frame.render_widget(
        Line::raw(fit(w.intake, caption as usize - 1)),
        Rect::new(inner.x, inner.y, caption, 1),
    );
    let intake: Vec<u64> = s
        .daily
        .iter()
        .flat_map(|d| std::iter::repeat_n(d.intake, per_day as usize))
        .collect();
    frame.render_widget(
        Sparkline::default().data(&intake).style(theme.due_today()),
        Rect::new(graph_x, inner.y, graph_w, spark_h),
    );
    let bars_area = Rect::new(graph_x, inner.y + spark_h, graph_w, inner.height - spark_h);
    frame.render_widget(
        Line::raw(fit(w.decided, caption as usize - 1)),
        Rect::new(inner.x, bars_area.y + bars_area.height - 1, caption, 1),
    );
    let mut chart = BarChart::default().group_gap(0);
    if per_day >= 4 {
        // Three bars a day: approved, returned, expired.
        for d in &s.daily {
            let bars = [
                Bar::default()
                    .value(d.approved)
                    .style(theme.ok())
                    .text_value(String::new()),
                Bar::default()
                    .value(d.returned)
                    .style(theme.warn())
                    .text_value(String::new()),
                Bar::default()
                    .value(d.expired)
                    .style(theme.dim())
                    .text_value(String::new()),
            ];
            chart = chart.data(BarGroup::default().bars(&bars));
        }
        chart = chart.bar_width(1).bar_gap(0).group_gap(per_day - 3);
    } else {
        let bars: Vec<Bar> = s
            .daily
            .iter()
            .map(|d| {
                Bar::default()
                    .value(d.approved + d.returned + d.expired)
                    .style(theme.ok())
                    .text_value(String::new())
            })
            .collect();
        chart = chart
            .data(BarGroup::default().bars(&bars))
            .bar_width(per_day.saturating_sub(1).max(1))
            .bar_gap(u16::from(per_day > 1));
    }
    frame.render_widget(chart, bars_area);
    if per_day >= 4 {
        // A legend of the three bars, on the title's line at its far end.
        let legend = format!("▌{} ▌{} ▌{}", w.approved, w.returned, w.expired);
        let x = area.x + area.width.saturating_sub(width(&legend) as u16 + 2);
        if x > area.x + width(&title) as u16 + 2 {
            frame.render_widget(
                Line::from(vec![
                    Span::styled(format!("▌{} ", w.approved), theme.ok()),
                    Span::styled(format!("▌{} ", w.returned), theme.warn()),
                    Span::styled(format!("▌{}", w.expired), theme.dim()),
                ]),
                Rect::new(x, area.y, width(&legend) as u16, 1),
            );
        }
    }
}

fn by_reviewer(frame: &mut Frame, app: &App, theme: Theme, s: &Stats, area: Rect) {
    let w = app.lang.stats();
    let lang = app.lang;
    let block = panel(w.by_reviewer, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = inner.width as usize;
    // name, today, this week, period (approved/returned/expired), return rate.
    let name_w = cols.saturating_sub(4 * 9).clamp(6, 20);
    let row = |name: &str, a: &str, b: &str, c: &str, d: &str| {
        fit(
            &format!(
                "{} {} {} {} {}",
                pad(&fit(name, name_w), name_w),
                pad_left(&fit(a, 8), 8),
                pad_left(&fit(b, 8), 8),
                pad_left(&fit(c, 8), 8),
                pad_left(&fit(d, 8), 8)
            ),
            cols,
        )
    };
    let mut lines = vec![Line::styled(
        row(w.reviewer, w.today, w.this_week, w.period, w.return_rate),
        theme.dim(),
    )];
    if s.decisions_by_reviewer.is_empty() {
        lines.push(Line::styled(w.nothing, theme.dim()));
    }
    let triple =
        |c: &shenhe_review::stats::Counts| format!("{}/{}/{}", c.approved, c.returned, c.expired);
    for (name, f) in &s.decisions_by_reviewer {
        let period = format!("{}/{}/{}", f.approved, f.returned, f.expired);
        lines.push(Line::raw(row(
            &display_safe(name),
            &triple(&f.today),
            &triple(&f.this_week),
            &period,
            &lang.percent(f.return_rate),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn return_reasons(frame: &mut Frame, app: &App, theme: Theme, s: &Stats, area: Rect) {
    let w = app.lang.stats();
    let block = panel(w.return_reasons, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = inner.width as usize;
    let mut lines = Vec::new();
    if s.return_reasons.is_empty() {
        lines.push(Line::styled(w.nothing, theme.dim()));
    }
    for r in s.return_reasons.iter().take(inner.height as usize) {
        let name = app.lang.reason_name(&app.policy, &r.code);
        lines.push(Line::from(vec![
            Span::styled(format!("{:>5} ", r.count), theme.title()),
            Span::raw(fit(&display_safe(name), cols.saturating_sub(6))),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
