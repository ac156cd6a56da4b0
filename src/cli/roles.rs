//! Integration coming in, reviewers and leads, and reopening: `shenhe integrated`,
//! `shenhe reviewers list|add|remove`, `shenhe reopen`, and the first lead of `init`.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{CliError, json};
use crate::domain::text::{display_safe, pad};
use crate::present::time::china_minutes;
use crate::present::{Lang, operators};
use crate::review::Review;

#[derive(Subcommand, Debug)]
pub enum ReviewersCommand {
    /// Every reviewer the database knows, and who is a lead
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a reviewer, or make one a lead with --lead (leads only)
    Add {
        name: String,
        /// A lead: may reopen decided applications and add and remove reviewers
        #[arg(long)]
        lead: bool,
    },
    /// Remove a reviewer (leads only; never the last lead)
    Remove { name: String },
}

/// Whether the account running shenhe owns the database file: on a database without any
/// lead (one created before roles), only its owner may make the first lead.
#[cfg(unix)]
pub fn owns_database(db: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    // A PostgreSQL database has no file: its first lead is made by `shenhe init`.
    if super::location::is_postgres(db) {
        return false;
    }
    std::fs::metadata(db).is_ok_and(|m| m.uid() == uid)
}

#[cfg(not(unix))]
pub fn owns_database(_: &Path) -> bool {
    false
}

pub fn integrated(
    review: &mut Review,
    id: Option<String>,
    file: Option<PathBuf>,
    note: Option<String>,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match (id, file) {
        (Some(id), None) => {
            let version = review.current_version(&id)?;
            let decided = review.integrated(&id, version, note)?;
            writeln!(out, "{}", super::decided_line(lang, &decided))?;
        }
        (None, Some(file)) => {
            let effective = if file.as_os_str() == "-" {
                review.integrated_file(BufReader::new(std::io::stdin()), note)?
            } else {
                let f = std::fs::File::open(&file)
                    .map_err(CliError::context(format!("cannot read {}", file.display())))?;
                review
                    .integrated_file(BufReader::new(f), note)
                    .map_err(CliError::context(format!(
                        "cannot record the integrations of {}",
                        file.display()
                    )))?
            };
            writeln!(out, "{}", lang.integrated_count(effective))?;
        }
        _ => {
            return Err(CliError::Usage(
                "integrated: give an application id or --file FILE (not both)".into(),
            ));
        }
    }
    Ok(())
}

pub fn reopen(
    review: &mut Review,
    id: &str,
    note: Option<String>,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let version = review.current_version(id)?;
    let decided = review.reopen(id, version, note)?;
    writeln!(out, "{}", super::decided_line(lang, &decided))?;
    Ok(())
}

pub fn reviewers(
    review: &mut Review,
    db: &Path,
    command: ReviewersCommand,
    lang: Lang,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match command {
        ReviewersCommand::List { json } => {
            let reviewers = review.reviewers()?;
            if json {
                json::print(out, &serde_json::json!({ "reviewers": reviewers }))?;
            } else {
                let [name, role, added, added_by] = lang.reviewer_headings();
                writeln!(
                    out,
                    "{} {} {} {added_by}",
                    pad(name, 32),
                    pad(role, 8),
                    pad(added, 20)
                )?;
                for r in &reviewers {
                    writeln!(
                        out,
                        "{} {} {} {}",
                        pad(&display_safe(&r.name), 32),
                        pad(operators::role(lang, r.lead), 8),
                        pad(&china_minutes(r.added_at), 20),
                        display_safe(&r.added_by)
                    )?;
                }
                if !reviewers.iter().any(|r| r.lead) {
                    writeln!(out, "{}", lang.no_lead_yet())?;
                }
            }
        }
        ReviewersCommand::Add { name, lead } => {
            let reviewer = review.add_reviewer(&name, lead, owns_database(db))?;
            writeln!(
                out,
                "{}",
                lang.reviewer_is(&display_safe(&reviewer.name), reviewer.lead)
            )?;
        }
        ReviewersCommand::Remove { name } => {
            review.remove_reviewer(&name)?;
            writeln!(out, "{}", lang.reviewer_removed(&display_safe(&name)))?;
        }
    }
    Ok(())
}
