//! `shenhe audit verify` and `shenhe audit head`: what the chain proves, and the head to
//! keep somewhere reviewers cannot write.

use std::io::Write;

use super::{CliError, json};
use crate::domain::text::display_safe;
use crate::present::Lang;
use crate::present::operators::Break;
use crate::review::{ChainReport, Disagreement, KeptHead, Review};
use crate::store::audit::ChainBreak;

/// A kept head as `audit head` prints it: `SEQ:HASH`.
pub fn parse_head(text: &str) -> Result<(i64, String), CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--expect `{}`: not a head as `shenhe audit head` prints it (SEQ:HASH, e.g. 4:9f2c…)",
            display_safe(text)
        ))
    };
    let (seq, hash) = text.trim().split_once(':').ok_or_else(bad)?;
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash.to_ascii_lowercase()))
}

pub fn verify(
    review: &Review,
    expect: Option<&str>,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let kept = expect.map(parse_head).transpose()?;
    let report = review.verify_audit(kept.as_ref().map(|(s, h)| (*s, h.as_str())))?;
    if let Some(b) = report.broken {
        let (seq, why) = match b {
            ChainBreak::Content { seq } => (seq, Break::Content),
            ChainBreak::Link { seq } => (seq, Break::Link),
        };
        return Err(CliError::Usage(lang.audit_broken(seq, why, report.checked)));
    }
    if !report.disagreements.is_empty() {
        return Err(CliError::Usage(disagreements(lang, &report)));
    }
    match (&report.kept_head, &kept) {
        (Some(KeptHead::Gone { last }), Some((seq, _))) => {
            return Err(CliError::Usage(lang.audit_kept_head_gone(*last, *seq)));
        }
        (Some(KeptHead::Rewritten), Some((seq, _))) => {
            return Err(CliError::Usage(lang.audit_kept_head_rewritten(*seq)));
        }
        _ => {}
    }
    write!(out, "{}", lang.audit_intact(report.checked))?;
    if let (Some(KeptHead::Held), Some((seq, _))) = (&report.kept_head, &kept) {
        write!(out, "{}", lang.audit_holds_kept_head(*seq))?;
    }
    writeln!(out)?;
    Ok(())
}

fn disagreements(lang: Lang, report: &ChainReport) -> String {
    let mut lines = vec![lang.audit_disagrees(report.checked)];
    for d in &report.disagreements {
        lines.push(match d {
            Disagreement::Application {
                id,
                field,
                stored,
                replayed,
            } => lang.audit_field_differs(
                &display_safe(id),
                field,
                &display_safe(stored),
                &display_safe(replayed),
            ),
            Disagreement::Missing { id } => lang.audit_application_missing(&display_safe(id)),
            Disagreement::Event { event, seq } => lang.audit_event_differs(*event, *seq),
        });
    }
    lines.join("\n")
}

pub fn head(
    review: &Review,
    as_json: bool,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let head = review.audit_head()?;
    if as_json {
        let value = match &head {
            Some((seq, hash)) => {
                serde_json::json!({"seq": seq, "hash": hash, "head": format!("{seq}:{hash}")})
            }
            None => serde_json::json!({"seq": 0, "hash": null, "head": null}),
        };
        json::print(out, &value)?;
        return Ok(());
    }
    match head {
        Some((seq, hash)) => writeln!(out, "{seq}:{hash}")?,
        None => {
            return Err(CliError::Usage(lang.audit_empty().into()));
        }
    }
    Ok(())
}
