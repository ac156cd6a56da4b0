//! `shenhe migrate --from PATH.db --to postgres://…`: the whole SQLite database copied into
//! an empty PostgreSQL one, verified on both sides before it says done.

use std::io::Write;
use std::path::Path;

use super::{CliError, location};
use crate::store::sqlite::SqliteStore;
use shenhe_pg::PgStore;

pub fn run(from: &Path, to: Option<&str>, out: &mut impl Write) -> Result<(), CliError> {
    let to = match to {
        Some(url) => {
            location::refuse_password_in_argv(Path::new(url))?;
            url.to_string()
        }
        None => std::env::var("SHENHE_DB")
            .ok()
            .filter(|v| shenhe_pg::is_postgres_url(v))
            .ok_or_else(|| {
                CliError::Usage(
                    "migrate needs --to postgres://… (or SHENHE_DB holding such a URL)".into(),
                )
            })?,
    };
    if !shenhe_pg::is_postgres_url(&to) {
        return Err(CliError::Usage(format!(
            "--to {}: not a postgres:// URL; migrate copies an SQLite database into PostgreSQL",
            shenhe_pg::redact(&to)
        )));
    }
    if location::is_postgres(from) || !from.is_file() {
        return Err(CliError::Usage(format!(
            "--from {}: no SQLite database there (give the path of the .db file to copy)",
            location::display(from)
        )));
    }
    let source = SqliteStore::open(from).map_err(CliError::context(format!(
        "cannot open the database {}",
        from.display()
    )))?;
    let mut target = PgStore::open(&to).map_err(CliError::context(format!(
        "cannot open the database {}",
        shenhe_pg::redact(&to)
    )))?;
    let report = shenhe_pg::migrate::from_sqlite(&source, &mut target, &mut |table, n| {
        let _ = writeln!(std::io::stderr(), "shenhe: copied {n} rows of {table}");
    })
    .map_err(CliError::context(format!(
        "cannot migrate {} to {}",
        from.display(),
        shenhe_pg::redact(&to)
    )))?;
    for (table, n) in &report.counts {
        writeln!(out, "{table}: {n} rows, the same on both sides")?;
    }
    match &report.head {
        Some((seq, hash)) => writeln!(
            out,
            "audit chain: {} entries verified on both sides, head {seq} {hash}",
            report.chain_entries
        )?,
        None => writeln!(out, "audit chain: empty on both sides")?,
    }
    writeln!(
        out,
        "done: {} copied to {}",
        from.display(),
        target.display()
    )?;
    Ok(())
}
