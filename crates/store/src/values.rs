//! Values as every store keeps them: instants for sorting as whole seconds (read back in
//! China's time), instants shown as RFC 3339 text, states by id. One place, so the SQLite
//! and PostgreSQL stores read and write the same values (a migrated database reads the
//! same, the audit hashes agree).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use crate::{StoreError, StoreResult};
use shenhe_domain::calendar::china;
use shenhe_domain::state::State;

/// An instant as the seconds a store sorts and compares by.
pub fn ts(at: DateTime<FixedOffset>) -> i64 {
    at.timestamp()
}

/// Seconds kept by [`ts`], back as an instant in China's time.
pub fn from_ts(seconds: i64) -> DateTime<FixedOffset> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .unwrap_or_default()
        .with_timezone(&china())
}

/// An instant kept as RFC 3339 text; anything else is a damaged database.
pub fn parse_instant(text: &str) -> StoreResult<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|e| StoreError::Schema(format!("bad instant `{text}` in the database: {e}")))
}

/// A state kept by its id.
pub fn parse_state(text: &str) -> StoreResult<State> {
    text.parse().map_err(StoreError::Schema)
}
