//! Claims, whose leases run on the server's clock. The review layer passes `now` from its
//! clock (the system's, or a test's fixed one) and the lease's end from it; the store
//! keeps both on the server's timeline: each instant is moved by the difference between
//! the server's clock and this host's, measured when the connection opened. On one host
//! that difference is nothing and a test's fixed clock keeps working; across hosts whose
//! clocks disagree, every reviewer's lease is measured by the one clock they share.

use chrono::{DateTime, FixedOffset};

use crate::rows::{from_ts, ts};
use crate::{PgStore, db_error};
use shenhe_store::{Claim, StoreResult};

impl PgStore {
    /// `at` (this host's timeline) on the server's.
    pub(crate) fn on_server(&self, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        at + chrono::Duration::seconds(self.skew)
    }
}

pub(crate) fn claim(
    store: &mut PgStore,
    claim: &Claim,
    now: DateTime<FixedOffset>,
) -> StoreResult<Option<Claim>> {
    let expires = ts(store.on_server(claim.expires_at));
    let now_ts = ts(store.on_server(now));
    for _ in 0..3 {
        // Taken only if free, expired, this session's own (renewed), or the same
        // reviewer's from another session (a console whose link dropped: theirs): one
        // statement, so two reviewers claiming at once cannot both get it.
        let taken = store.conn()?
            .execute(
                "INSERT INTO claims (application_id, reviewer, session, expires_ts) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (application_id) DO UPDATE
                    SET reviewer = excluded.reviewer, session = excluded.session, expires_ts = excluded.expires_ts
                    WHERE claims.session = excluded.session OR claims.reviewer = excluded.reviewer
                       OR claims.expires_ts <= $5",
                &[&claim.application_id, &claim.reviewer, &claim.session, &expires, &now_ts],
            )
            .map_err(db_error)?;
        if taken == 1 {
            return Ok(None);
        }
        if let Some(other) = claim_of(store, &claim.application_id, now)? {
            return Ok(Some(other));
        }
        // Released between the two statements: try again.
    }
    claim_of(store, &claim.application_id, now)
}

pub(crate) fn claim_of(
    store: &PgStore,
    id: &str,
    now: DateTime<FixedOffset>,
) -> StoreResult<Option<Claim>> {
    let row = store.conn()?
        .query_opt(
            "SELECT reviewer, session, expires_ts FROM claims WHERE application_id = $1 AND expires_ts > $2",
            &[&id, &ts(store.on_server(now))],
        )
        .map_err(db_error)?;
    Ok(row.map(|r| Claim {
        application_id: id.to_string(),
        reviewer: r.get(0),
        session: r.get(1),
        expires_at: from_ts(r.get::<_, i64>(2) - store.skew),
    }))
}
