//! Where the database is: a file (SQLite) or a `postgres://` URL (PostgreSQL). The ONE
//! place that picks the store by the location's scheme; every command and the console
//! open theirs through [`open`].

use std::path::Path;

use super::CliError;
use crate::store::sqlite::SqliteStore;
use crate::store::{PauseHook, Store, StoreResult};
use shenhe_pg::PgStore;

/// Whether `db` (as given to --db or SHENHE_DB) names a PostgreSQL database.
pub fn is_postgres(db: &Path) -> bool {
    db.to_str().is_some_and(shenhe_pg::is_postgres_url)
}

/// `db` for messages: a path as it is, a URL without its password.
pub fn display(db: &Path) -> String {
    match db.to_str() {
        Some(url) if shenhe_pg::is_postgres_url(url) => shenhe_pg::redact(url),
        _ => db.display().to_string(),
    }
}

/// Refuses a URL given on the command line with a password in it: argv is what `ps`
/// shows every user of the machine, and what a shell keeps in its history.
pub fn refuse_password_in_argv(db: &Path) -> Result<(), CliError> {
    if let Some(url) = db.to_str()
        && shenhe_pg::is_postgres_url(url)
        && shenhe_pg::url_has_password(url)
    {
        return Err(CliError::Usage(format!(
            "--db {}: a password on the command line is visible to every user (ps) and kept in shell history; nothing was done. Put it in ~/.pgpass (mode 0600), PGPASSFILE or PGPASSWORD, or give the URL in SHENHE_DB",
            shenhe_pg::redact(url)
        )));
    }
    Ok(())
}

/// Whether the database is there already: the file exists, or the PostgreSQL database
/// holds shenhe's schema.
pub fn exists(db: &Path) -> Result<bool, CliError> {
    match db.to_str() {
        Some(url) if shenhe_pg::is_postgres_url(url) => match PgStore::open_existing(url) {
            Ok(_) => Ok(true),
            Err(crate::store::StoreError::Schema(m)) if m.contains("shenhe init") => Ok(false),
            Err(e) => Err(CliError::context(format!(
                "cannot open the database {}",
                display(db)
            ))(e)),
        },
        _ => Ok(db.exists()),
    }
}

/// A store of either kind, before it is handed to the review layer.
pub enum Opened {
    Sqlite(SqliteStore),
    Postgres(Box<PgStore>),
}

impl Opened {
    pub fn store(&mut self) -> &mut dyn Store {
        match self {
            Opened::Sqlite(s) => s,
            Opened::Postgres(s) => s.as_mut(),
        }
    }

    pub fn set_pause(&mut self, hook: Option<PauseHook>) {
        match self {
            Opened::Sqlite(s) => s.set_pause(hook),
            Opened::Postgres(s) => s.set_pause(hook),
        }
    }

    pub fn boxed(self) -> Box<dyn Store + Send> {
        match self {
            Opened::Sqlite(s) => Box::new(s),
            Opened::Postgres(s) => s,
        }
    }
}

/// Opens the store `db` names. A file is created when missing (as `SqliteStore::open`
/// does; callers refuse a missing one first where they must); a PostgreSQL database gets
/// its schema only when `create`.
pub fn open(db: &Path, create: bool) -> StoreResult<Opened> {
    match db.to_str() {
        Some(url) if shenhe_pg::is_postgres_url(url) => Ok(Opened::Postgres(Box::new(if create {
            PgStore::open(url)?
        } else {
            PgStore::open_existing(url)?
        }))),
        _ => Ok(Opened::Sqlite(SqliteStore::open(db)?)),
    }
}
