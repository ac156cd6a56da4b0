//! `shenhe audit verify` and `shenhe audit head`: what the chain proves, and the head to
//! keep somewhere reviewers cannot write.

use std::io::Write;

use super::{CliError, json};
use crate::domain::text::display_safe;
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

pub fn verify(review: &Review, expect: Option<&str>, out: &mut impl Write) -> Result<(), CliError> {
    let kept = expect.map(parse_head).transpose()?;
    let report = review.verify_audit(kept.as_ref().map(|(s, h)| (*s, h.as_str())))?;
    if let Some(b) = report.broken {
        let (seq, what) = match b {
            ChainBreak::Content { seq } => (seq, "its content does not match its hash (edited)"),
            ChainBreak::Link { seq } => (
                seq,
                "it does not chain from the entry before it (an entry was removed or inserted)",
            ),
        };
        return Err(CliError::Usage(format!(
            "audit chain broken at entry {seq}: {what}; {} entries before it verified",
            report.checked
        )));
    }
    if !report.disagreements.is_empty() {
        return Err(CliError::Usage(disagreements(&report)));
    }
    match (&report.kept_head, &kept) {
        (Some(KeptHead::Gone { last }), Some((seq, _))) => {
            return Err(CliError::Usage(format!(
                "the audit chain no longer holds the kept head: it ends at entry {last}, before entry {seq} (entries were removed from its end)"
            )));
        }
        (Some(KeptHead::Rewritten), Some((seq, _))) => {
            return Err(CliError::Usage(format!(
                "the audit chain no longer holds the kept head: entry {seq} has another hash (the chain was rewritten at or before it)"
            )));
        }
        _ => {}
    }
    write!(
        out,
        "audit chain intact: {} entries verified, applications and events agree with it",
        report.checked
    )?;
    if let (Some(KeptHead::Held), Some((seq, _))) = (&report.kept_head, &kept) {
        write!(out, "; it still holds the kept head (entry {seq})")?;
    }
    writeln!(out)?;
    Ok(())
}

fn disagreements(report: &ChainReport) -> String {
    let mut lines = vec![format!(
        "the audit chain's {} entries are intact, but the data disagrees with them (changed beside the trail, or entries removed from its end):",
        report.checked
    )];
    for d in &report.disagreements {
        lines.push(match d {
            Disagreement::Application {
                id,
                field,
                stored,
                replayed,
            } => format!(
                "  {}: {field} is {}, its audit entries give {}",
                display_safe(id),
                display_safe(stored),
                display_safe(replayed)
            ),
            Disagreement::Missing { id } => format!(
                "  {}: has audit entries but is not in the database",
                display_safe(id)
            ),
            Disagreement::Event { event, seq } => {
                format!("  event {event}: its audit entry {seq} is missing or different")
            }
        });
    }
    lines.join("\n")
}

pub fn head(review: &Review, as_json: bool, out: &mut impl Write) -> Result<(), CliError> {
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
            return Err(CliError::Usage(
                "the audit trail is empty: no head to keep yet".into(),
            ));
        }
    }
    Ok(())
}
