//! The lead's commands (issue 14): `shenhe stats`, `shenhe export decisions` and
//! `shenhe assign`. Figures and rules are the review layer's; here they are printed.

use std::io::Write;

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};

use super::{CliError, CliResult, json};
use crate::domain::text::{display_safe, pad, pad_left};
use crate::present::Lang;
use crate::review::Review;
use crate::review::stats::{ExportedDecision, Stats};

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every decision (approve, return, expire) of a period: reviewer, reasons, message,
    /// times and business hours taken
    Decisions {
        /// The first day (YYYY-MM-DD, China time)
        #[arg(long, value_name = "DATE")]
        since: String,
        /// The last day, included (YYYY-MM-DD) [default: today]
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// UTF-8 with a byte-order mark, for spreadsheet programs
    Csv,
    /// A JSON array (docs/json-output.md)
    Json,
}

/// A `--since`/`--until` value: a day, or a clear refusal naming the flag.
pub fn parse_day(flag: &str, text: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::Usage(format!(
            "{flag}: `{}` is not a date: write it YYYY-MM-DD (e.g. 2026-11-01)",
            display_safe(text)
        ))
    })
}

pub fn stats(
    review: &Review,
    lang: Lang,
    since: Option<&str>,
    as_json: bool,
    out: &mut impl Write,
) -> CliResult {
    let since = since.map(|s| parse_day("--since", s)).transpose()?;
    if let Some(day) = since
        && day > review.now().date_naive()
    {
        return Err(CliError::Usage(format!(
            "--since: {day} is after today: the period must have begun"
        )));
    }
    let stats = review.stats(since)?;
    if as_json {
        json::print(out, &stats)?;
    } else {
        print_stats(review, lang, &stats, out)?;
    }
    Ok(())
}

fn print_stats(
    review: &Review,
    lang: Lang,
    s: &Stats,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let w = lang.stats();
    let q = &s.queue;
    writeln!(out, "{}", lang.stats_title(&s.since.to_string()))?;
    writeln!(out, "\n{}", w.queue_now)?;
    for (label, n) in [
        (w.pending_review, q.pending_review),
        (w.overdue, q.overdue),
        (w.due_today, q.due_today),
        (w.due_tomorrow, q.due_tomorrow),
        (w.second_approval, q.awaiting_second_approval),
        (w.pending_verification, q.pending_verification),
        (w.in_window, q.verification_in_window),
        (w.lapsed, q.verification_lapsed),
    ] {
        writeln!(out, "  {} {n:>9}", pad(label, 24))?;
    }
    writeln!(out, "\n{}", w.daily)?;
    writeln!(
        out,
        "  {} {} {} {} {}",
        pad("", 10),
        pad_left(w.intake, 7),
        pad_left(w.approved, 9),
        pad_left(w.returned, 9),
        pad_left(w.expired, 8)
    )?;
    for d in &s.daily {
        writeln!(
            out,
            "  {} {:>7} {:>9} {:>9} {:>8}",
            d.date, d.intake, d.approved, d.returned, d.expired
        )?;
    }
    writeln!(
        out,
        "\n{}",
        lang.labelled(
            w.sla,
            &lang.in_time(s.sla.within_sla, s.sla.decided, s.sla.share)
        )
    )?;
    for wk in &s.sla.weeks {
        writeln!(
            out,
            "  {}",
            lang.week_in_time(
                &wk.week_start.to_string(),
                &lang.in_time(wk.within_sla, wk.decided, wk.share)
            )
        )?;
    }
    writeln!(out, "\n{}", w.waiting_age)?;
    if s.waiting_age.is_empty() {
        writeln!(out, "  {}", w.nothing)?;
    }
    for b in &s.waiting_age {
        writeln!(out, "  {:>3} {:>9}", b.business_days, b.count)?;
    }
    let t = &s.time_to_decision;
    writeln!(
        out,
        "\n{}",
        lang.time_to_decision(t.decided, t.median_business_hours, t.p90_business_hours)
    )?;
    writeln!(out, "\n{}", w.by_reviewer)?;
    writeln!(
        out,
        "  {} {} {} {} {}",
        pad(w.reviewer, 16),
        pad_left(w.today, 16),
        pad_left(w.this_week, 16),
        pad_left(w.period, 16),
        pad_left(w.return_rate, 10)
    )?;
    let triple = |a: u64, r: u64, e: u64| format!("{a}/{r}/{e}");
    for (name, f) in &s.decisions_by_reviewer {
        writeln!(
            out,
            "  {} {:>16} {:>16} {:>16} {:>10}",
            pad(&display_safe(name), 16),
            triple(f.today.approved, f.today.returned, f.today.expired),
            triple(
                f.this_week.approved,
                f.this_week.returned,
                f.this_week.expired
            ),
            triple(f.approved, f.returned, f.expired),
            lang.percent(f.return_rate)
        )?;
    }
    writeln!(out, "  ({} / {} / {})", w.approved, w.returned, w.expired)?;
    writeln!(out, "\n{}", w.return_reasons)?;
    if s.return_reasons.is_empty() {
        writeln!(out, "  {}", w.nothing)?;
    }
    for r in &s.return_reasons {
        writeln!(
            out,
            "  {:>6}  {} ({})",
            r.count,
            lang.reason_name(review.policy(), &r.code),
            display_safe(&r.code)
        )?;
    }
    Ok(())
}

pub fn export(review: &Review, command: ExportCommand, out: &mut impl Write) -> CliResult {
    let ExportCommand::Decisions {
        since,
        until,
        format,
    } = command;
    let since = parse_day("--since", &since)?;
    let until = until.map(|u| parse_day("--until", &u)).transpose()?;
    if let Some(until) = until
        && until < since
    {
        return Err(CliError::Usage(format!(
            "--until {until} is before --since {since}: nothing could be in between"
        )));
    }
    let mut failure: Option<std::io::Error> = None;
    match format {
        Format::Csv => {
            // The byte-order mark: spreadsheet programs then read the Chinese as UTF-8.
            out.write_all("\u{feff}".as_bytes())?;
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer
                .write_record(CSV_HEADER)
                .map_err(|e| CliError::Usage(format!("cannot write the export: {e}")))?;
            review.export_decisions(since, until, &mut |d| match writer
                .write_record(csv_record(&d))
            {
                Ok(()) => true,
                Err(e) => {
                    failure = Some(e.into());
                    false
                }
            })?;
            if failure.is_none() {
                writer.flush()?;
            }
        }
        Format::Json => {
            out.write_all(b"[")?;
            let mut first = true;
            review.export_decisions(since, until, &mut |d| {
                let written = (if first { Ok(()) } else { out.write_all(b",") })
                    .and_then(|_| json::print_line(out, &d));
                first = false;
                match written {
                    Ok(()) => true,
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                }
            })?;
            if failure.is_none() {
                out.write_all(b"]\n")?;
            }
        }
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The columns of the CSV export (docs/json-output.md describes them with the JSON).
pub const CSV_HEADER: [&str; 15] = [
    "seq",
    "application_id",
    "revision",
    "merchant",
    "product",
    "reviewer",
    "action",
    "from_state",
    "to_state",
    "reasons",
    "message",
    "reviewable_at",
    "decided_at",
    "business_hours",
    "within_sla",
];

/// A cell of applicant or reviewer text: display-safe (no terminal controls), and never
/// read by a spreadsheet as a formula (a leading `=`, `+`, `-` or `@` gets a `'`).
fn cell(text: &str) -> String {
    // Line by line: a line break is the message's own, and CSV quotes it.
    let safe = text
        .split('\n')
        .map(|line| display_safe(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    if safe.starts_with(['=', '+', '-', '@']) {
        format!("'{safe}")
    } else {
        safe
    }
}

fn csv_record(d: &ExportedDecision) -> Vec<String> {
    let opt = |s: &Option<String>| s.as_deref().map(cell).unwrap_or_default();
    let instant = |at: &chrono::DateTime<chrono::FixedOffset>| {
        at.with_timezone(&crate::domain::calendar::china())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    vec![
        d.seq.to_string(),
        cell(&d.application_id),
        d.revision.to_string(),
        opt(&d.merchant),
        opt(&d.product),
        cell(&d.reviewer),
        d.action.clone(),
        opt(&d.from_state),
        opt(&d.to_state),
        cell(&d.reasons.join(";")),
        opt(&d.message),
        d.reviewable_at.as_ref().map(instant).unwrap_or_default(),
        instant(&d.decided_at),
        d.business_hours
            .map(|h| format!("{h:.1}"))
            .unwrap_or_default(),
        d.within_sla.map(|b| b.to_string()).unwrap_or_default(),
    ]
}

pub fn assign(
    review: &mut Review,
    lang: Lang,
    ids: &[String],
    to: &str,
    as_json: bool,
    out: &mut impl Write,
) -> CliResult {
    let assigned = review.assign(ids, to)?;
    if as_json {
        json::print(out, &assigned)?;
        return Ok(());
    }
    for a in &assigned {
        let previous = a
            .previous
            .as_deref()
            .filter(|p| *p != a.assignee)
            .map(display_safe);
        writeln!(
            out,
            "{}",
            lang.assigned(
                &display_safe(&a.id),
                &display_safe(&a.assignee),
                previous.as_deref()
            )
        )?;
    }
    Ok(())
}
