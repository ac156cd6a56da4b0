//! The PostgreSQL schema: one migration a version, recorded in `meta` under
//! `schema_version` (SQLite keeps it in `PRAGMA user_version`). Never edit a step that has
//! shipped: add one.

use postgres::Client;
use shenhe_store::{StoreError, StoreResult};

use crate::db_error;

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The key of the advisory lock that serialises migrations (two `shenhe init` at once).
const MIGRATION_LOCK: i64 = 0x5348_454e_4845_0001;

/// The tables of version 1 are those of SQLite's schema 2, with PostgreSQL's types
/// (ids, merchants, names and endpoints compare byte by byte, COLLATE "C", as SQLite's do):
/// instants stay RFC 3339 text (the audit hash is computed over that text), numbers are
/// BIGINT. The audit trail and the events refuse UPDATE, DELETE and TRUNCATE by trigger;
/// every write to what a console shows NOTIFYs `shenhe_changes` (live refresh).
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE applications (
        id TEXT COLLATE "C" PRIMARY KEY,
        revision BIGINT NOT NULL,
        version BIGINT NOT NULL,
        state TEXT NOT NULL,
        product TEXT NOT NULL,
        product_group TEXT NOT NULL,
        plan TEXT NOT NULL,
        merchant TEXT COLLATE "C" NOT NULL,
        account TEXT NOT NULL,
        url TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        submitted_ts BIGINT NOT NULL,
        due_ts BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        manual BIGINT NOT NULL,
        derived_version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        reviewable_at TEXT
    );
    CREATE INDEX applications_state_due ON applications (state, due_ts, id);
    CREATE INDEX applications_state_submitted ON applications (state, submitted_ts, id);
    CREATE INDEX applications_account_product ON applications (account, product);
    CREATE TABLE previous_revisions (
        application_id TEXT NOT NULL REFERENCES applications (id),
        revision BIGINT NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (application_id, revision)
    );
    CREATE TABLE audit (
        seq BIGINT PRIMARY KEY,
        application_id TEXT NOT NULL,
        revision BIGINT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        reasons TEXT NOT NULL,
        message TEXT,
        note TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_application ON audit (application_id, seq);
    CREATE TABLE judgements (
        application_id TEXT NOT NULL REFERENCES applications (id),
        revision BIGINT NOT NULL,
        check_id TEXT NOT NULL,
        passed BOOLEAN NOT NULL,
        note TEXT,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (application_id, revision, check_id)
    );
    CREATE TABLE claims (
        application_id TEXT PRIMARY KEY,
        reviewer TEXT NOT NULL,
        session TEXT NOT NULL,
        -- On the server's clock (see claims.rs).
        expires_ts BIGINT NOT NULL
    );
    CREATE TABLE events (
        id BIGINT PRIMARY KEY,
        type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        application_id TEXT NOT NULL,
        revision BIGINT NOT NULL,
        previous_state TEXT,
        state TEXT NOT NULL,
        actor TEXT NOT NULL,
        data TEXT NOT NULL,
        audit_seq BIGINT NOT NULL,
        audit_hash TEXT NOT NULL
    );
    CREATE TABLE reviewers (
        name TEXT COLLATE "C" PRIMARY KEY,
        lead BOOLEAN NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        endpoint TEXT COLLATE "C" PRIMARY KEY,
        position BIGINT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_at TEXT,
        failing_since TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE delivery_failures (
        endpoint TEXT NOT NULL,
        event_id BIGINT NOT NULL,
        status BIGINT,
        body TEXT,
        failed_at TEXT NOT NULL,
        PRIMARY KEY (endpoint, event_id)
    );
    CREATE TABLE probes (
        seq BIGSERIAL PRIMARY KEY,
        application_id TEXT NOT NULL,
        revision BIGINT NOT NULL,
        fetched_at TEXT NOT NULL,
        url TEXT NOT NULL,
        status BIGINT,
        final_url TEXT NOT NULL,
        tls_ok BOOLEAN,
        elapsed_ms BIGINT NOT NULL,
        title TEXT,
        footer_icp TEXT,
        error TEXT,
        findings TEXT NOT NULL
    );
    CREATE INDEX probes_application ON probes (application_id, revision, seq);

    CREATE FUNCTION shenhe_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%: % refused', TG_ARGV[0], TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION shenhe_append_only('the audit trail is append-only');
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_append_only('the audit trail is append-only');
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION shenhe_append_only('events are append-only');
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_append_only('events are append-only');

    CREATE FUNCTION shenhe_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('shenhe_changes', '');
        RETURN NULL;
    END $$;
    CREATE TRIGGER applications_notify AFTER INSERT OR UPDATE OR DELETE ON applications
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_notify();
    CREATE TRIGGER audit_notify AFTER INSERT ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_notify();
    CREATE TRIGGER claims_notify AFTER INSERT OR UPDATE OR DELETE ON claims
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_notify();
    CREATE TRIGGER reviewers_notify AFTER INSERT OR UPDATE OR DELETE ON reviewers
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_notify();
    CREATE TRIGGER judgements_notify AFTER INSERT OR UPDATE OR DELETE ON judgements
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_notify();
"#,
    // 2: (drafts, issue 15) a reviewer's unsent decision text, one a reviewer and
    // application, as JSON. Not a decision: no audit entry, no event, no NOTIFY.
    r#"
    CREATE TABLE drafts (
        reviewer TEXT NOT NULL,
        application_id TEXT COLLATE "C" NOT NULL,
        body TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (reviewer, application_id)
    );
"#,
    // 3: (issue 13) the queue by merchant in pinyin order: the key is computed in Rust
    // (`shenhe_domain::sortkey`) by the import, and for rows already there by
    // `fill_merchant_keys` right after this step.
    r#"
    ALTER TABLE applications ADD COLUMN merchant_key TEXT COLLATE "C" NOT NULL DEFAULT '';
    CREATE INDEX applications_state_merchant ON applications (state, merchant_key, id);
"#,
    // 4: (the lead's console, issue 14) as SQLite's schema 4: who an application is
    // assigned to (its history is in the audit trail, action `assign`); each reviewer's
    // saved views of the queue; the audit trail by action and time (byte order: China-time
    // RFC 3339 text sorts as time), for intake; and the decisions kept apart as they are
    // written, by a trigger on the trail, each with when its review clock started
    // (derived data: the trail stays the record), filled here from the trail there is.
    r#"
    CREATE TABLE assignments (
        application_id TEXT COLLATE "C" PRIMARY KEY,
        reviewer TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL
    );
    CREATE INDEX assignments_reviewer ON assignments (reviewer, application_id);
    CREATE TABLE saved_views (
        reviewer TEXT NOT NULL,
        name TEXT NOT NULL,
        position BIGINT NOT NULL,
        filter TEXT NOT NULL,
        PRIMARY KEY (reviewer, name)
    );
    CREATE INDEX audit_action_at ON audit (action, at COLLATE "C");
    CREATE TABLE decision_facts (
        at TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        application_id TEXT COLLATE "C" NOT NULL,
        revision BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        reasons TEXT NOT NULL,
        -- The application's reviewable_at, when it was at this revision.
        reviewable_at TEXT,
        -- The latest earlier entry that put it into pending review.
        entered_queue_at TEXT,
        PRIMARY KEY (at, seq)
    );
    CREATE UNIQUE INDEX decision_facts_seq ON decision_facts (seq);

    -- A fact always describes the entry now at its place in the trail (as SQLite's).
    CREATE FUNCTION shenhe_decision_fact() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM decision_facts WHERE seq = NEW.seq;
        INSERT INTO decision_facts (at, seq, application_id, revision, actor, action,
            from_state, to_state, reasons, reviewable_at, entered_queue_at)
        VALUES (NEW.at, NEW.seq, NEW.application_id, NEW.revision, NEW.actor, NEW.action,
            NEW.from_state, NEW.to_state, NEW.reasons,
            (SELECT a.reviewable_at FROM applications a
              WHERE a.id = NEW.application_id AND a.revision = NEW.revision),
            (SELECT b.at FROM audit b
              WHERE b.application_id = NEW.application_id AND b.seq < NEW.seq
                AND b.to_state = 'pending_review'
                AND b.action IN ('submit', 'resubmit', 'verified', 'reopen')
              ORDER BY b.seq DESC LIMIT 1));
        RETURN NULL;
    END $$;
    CREATE TRIGGER decision_facts_kept AFTER INSERT ON audit
        FOR EACH ROW WHEN (NEW.action IN ('approve', 'return', 'expire'))
        EXECUTE FUNCTION shenhe_decision_fact();

    INSERT INTO decision_facts (at, seq, application_id, revision, actor, action,
        from_state, to_state, reasons, reviewable_at, entered_queue_at)
    SELECT d.at, d.seq, d.application_id, d.revision, d.actor, d.action, d.from_state,
        d.to_state, d.reasons,
        (SELECT a.reviewable_at FROM applications a
          WHERE a.id = d.application_id AND a.revision = d.revision),
        (SELECT b.at FROM audit b
          WHERE b.application_id = d.application_id AND b.seq < d.seq
            AND b.to_state = 'pending_review'
            AND b.action IN ('submit', 'resubmit', 'verified', 'reopen')
          ORDER BY b.seq DESC LIMIT 1)
    FROM audit d WHERE d.action IN ('approve', 'return', 'expire');

    CREATE TRIGGER assignments_notify AFTER INSERT OR UPDATE OR DELETE ON assignments
        FOR EACH STATEMENT EXECUTE FUNCTION shenhe_notify();
"#,
    // 5: (issue 16) the queue's kept counters, per state and hour of the due time and of
    // the submission, as SQLite's schema 3 keeps them (see counters.rs).
    crate::counters::MIGRATION,
    // 6: (issue 16) the search through indexes, as SQLite's schema 3 finds (search.rs).
    crate::search::MIGRATION,
];

/// The pinyin sort key of every application (schema step 3, on a database that has rows).
fn fill_merchant_keys(tx: &mut postgres::Transaction<'_>) -> StoreResult<()> {
    let rows = tx
        .query("SELECT id, body FROM applications", &[])
        .map_err(db_error)?;
    for row in rows {
        let id: String = row.get(0);
        let body: String = row.get(1);
        let app: shenhe_domain::application::Application = serde_json::from_str(&body)
            .map_err(|e| StoreError::Schema(format!("{id}: the kept application: {e}")))?;
        tx.execute(
            "UPDATE applications SET merchant_key = $2 WHERE id = $1",
            &[
                &id,
                &shenhe_domain::sortkey::merchant_key(&app.applicant.name),
            ],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

/// What [`migrate`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The schema is this build's (perhaps just made or brought up to date).
    Ready,
    /// No shenhe tables yet, and `create` was false.
    Empty,
}

/// Brings the schema up to date (creating it when `create`), refusing another program's
/// tables and a schema newer than this build.
pub fn migrate(client: &mut Client, create: bool) -> StoreResult<Found> {
    // Another shenhe's init may be making the schema right now: its tables can show
    // before its version does. What looks foreign is looked at again once no migration
    // is under way (the migration lock is free).
    let current = match detect(client, create) {
        Err(StoreError::Schema(_)) => {
            let mut tx = client.transaction().map_err(db_error)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .map_err(db_error)?;
            tx.commit().map_err(db_error)?;
            detect(client, create)?
        }
        other => other?,
    };
    if current == Some(SCHEMA_VERSION) {
        return Ok(Found::Ready);
    }
    if let Some(v) = current
        && v > SCHEMA_VERSION
    {
        return Err(newer(v));
    }
    if current.is_none() && !create {
        return Ok(Found::Empty);
    }
    // A session lock, taken before the migration's transaction begins: waiting for an
    // advisory lock inside a transaction would leave that transaction's view of the
    // catalog as it was before the other migration committed (an advisory lock, unlike a
    // table's, does not refresh it), and the other's tables would look foreign.
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db_error)?;
    let result = migrate_locked(client);
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    let found = result?;
    unlocked.map_err(db_error)?;
    Ok(found)
}

/// The migration itself, holding the migration lock.
fn migrate_locked(client: &mut Client) -> StoreResult<Found> {
    let mut tx = client.transaction().map_err(db_error)?;
    // Again under the lock: another shenhe may have made it meanwhile.
    let version = {
        let exists: bool = tx
            .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
            .map_err(db_error)?
            .get(0);
        if exists {
            tx.query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
                .map_err(db_error)?
                .map(|r| r.get::<_, String>(0).parse::<i64>().unwrap_or(-1))
                .unwrap_or(0)
        } else {
            0
        }
    };
    if version > SCHEMA_VERSION {
        return Err(newer(version));
    }
    if version == 0 {
        let tables: i64 = tx
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                &[],
            )
            .map_err(db_error)?
            .get(0);
        if tables > 0 {
            return Err(not_ours());
        }
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.batch_execute(step).map_err(db_error)?;
        if i == 2 {
            fill_merchant_keys(&mut tx)?;
        }
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&SCHEMA_VERSION.to_string()],
    )
    .map_err(db_error)?;
    tx.commit().map_err(db_error)?;
    Ok(Found::Ready)
}

/// The schema version, and (for a command that would not create it) that a database
/// without one holds no other program's tables.
fn detect(client: &mut Client, create: bool) -> StoreResult<Option<i64>> {
    let current = version(client)?;
    if current.is_none() && !create {
        foreign_tables(client)?;
    }
    Ok(current)
}

/// The schema version in `meta`, or None where there is no `meta` table.
pub fn version(client: &mut impl postgres::GenericClient) -> StoreResult<Option<i64>> {
    let exists: bool = client
        .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
        .map_err(db_error)?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let value: Option<String> = client
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .map_err(db_error)?
        .map(|r| r.get(0));
    match value {
        None => Err(not_ours()),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Schema(format!("schema version `{v}` is not a number"))),
    }
}

fn foreign_tables(client: &mut impl postgres::GenericClient) -> StoreResult<()> {
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(db_error)?
        .get(0);
    if tables > 0 {
        return Err(not_ours());
    }
    Ok(())
}

fn newer(version: i64) -> StoreError {
    StoreError::Schema(format!(
        "schema version {version} is newer than this shenhe knows ({SCHEMA_VERSION}); upgrade shenhe"
    ))
}

fn not_ours() -> StoreError {
    StoreError::Schema(
        "the PostgreSQL database holds tables, but not a shenhe schema (use an empty database)"
            .into(),
    )
}
