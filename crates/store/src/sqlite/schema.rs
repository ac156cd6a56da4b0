//! The schema: one migration a version, and the secondary indexes that a bulk import
//! drops and builds again.

use super::SqliteStore;
use crate::{StoreError, StoreResult};

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema, one step per version. Never edit a step that has shipped: add one.
const MIGRATIONS: &[&str] = &[
    // 1: applications, the audit trail, judgements of manual checks, claims.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE applications (
        id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        product TEXT NOT NULL,
        product_group TEXT NOT NULL,
        plan TEXT NOT NULL,
        merchant TEXT NOT NULL,
        account TEXT NOT NULL,
        url TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        submitted_ts INTEGER NOT NULL,
        due_ts INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        manual INTEGER NOT NULL,
        derived_version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL
    );
    CREATE TABLE previous_revisions (
        application_id TEXT NOT NULL REFERENCES applications(id),
        revision INTEGER NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (application_id, revision)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        application_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
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
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END;
    CREATE TABLE judgements (
        application_id TEXT NOT NULL REFERENCES applications(id),
        revision INTEGER NOT NULL,
        check_id TEXT NOT NULL,
        passed INTEGER NOT NULL,
        note TEXT,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (application_id, revision, check_id)
    ) WITHOUT ROWID;
    CREATE TABLE claims (
        application_id TEXT PRIMARY KEY,
        reviewer TEXT NOT NULL,
        session TEXT NOT NULL,
        expires_ts INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 2: events (published to other systems), reviewers and their roles, webhook
    // delivery positions and failures, and when an application became reviewable.
    r#"
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        application_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        previous_state TEXT,
        state TEXT NOT NULL,
        actor TEXT NOT NULL,
        data TEXT NOT NULL,
        audit_seq INTEGER NOT NULL,
        audit_hash TEXT NOT NULL
    );
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
    CREATE TABLE reviewers (
        name TEXT PRIMARY KEY,
        lead INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE deliveries (
        endpoint TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_at TEXT,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE delivery_failures (
        endpoint TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        status INTEGER,
        body TEXT,
        failed_at TEXT NOT NULL,
        PRIMARY KEY (endpoint, event_id)
    ) WITHOUT ROWID;
    ALTER TABLE applications ADD COLUMN reviewable_at TEXT;
    -- INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers
    -- (unless a connection asks for recursive triggers, which the sqlite3 shell does not).
    CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
        WHEN EXISTS (SELECT 1 FROM audit WHERE seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: an entry cannot be replaced'); END;
    CREATE TRIGGER events_no_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'events are append-only: an event cannot be replaced'); END;
    -- (lifecycle rules) When an application already in the queue became reviewable: the
    -- verification recorded for its revision, else its submission; its due time then
    -- follows from it, so every row's derived columns are computed again at the next start.
    UPDATE applications SET reviewable_at = COALESCE(
        (SELECT max(at) FROM audit
          WHERE audit.application_id = applications.id
            AND audit.revision = applications.revision
            AND audit.action = 'verified'),
        submitted_at)
      WHERE state <> 'pending_verification';
    -- (derived_policy_version: the review layer's mark that every row is up to date.)
    UPDATE applications SET derived_version = '';
    DELETE FROM meta WHERE key = 'derived_policy_version';
    -- An account's effective products: approving an interface product it already has
    -- effective needs no integration again.
    -- (Also in SECONDARY_INDEXES, so a bulk import builds it once at the end; a new
    -- database has it from step 1 already.)
    CREATE INDEX IF NOT EXISTS applications_account_product ON applications(account, product);
    -- shenhe deliver: when an endpoint began failing (its first retried attempt since
    -- its last accepted event), for "failing since …".
    ALTER TABLE deliveries ADD COLUMN failing_since TEXT;
    -- (site probe, issue 17) What the probe saw at an application's declared website, one
    -- row a probe, the newest last; error and findings are JSON ({en, zh} and
    -- [{check, finding, detail}]). Evidence only: nothing here changes a state.
    CREATE TABLE probes (
        seq INTEGER PRIMARY KEY,
        application_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        url TEXT NOT NULL,
        status INTEGER,
        final_url TEXT NOT NULL,
        tls_ok INTEGER,
        elapsed_ms INTEGER NOT NULL,
        title TEXT,
        footer_icp TEXT,
        error TEXT,
        findings TEXT NOT NULL
    );
    CREATE INDEX probes_application ON probes(application_id, revision, seq);
    "#,
    // 3 (issue 13): the search index, counters of the queue's head, the merchant's
    // pinyin sort key. Kept by the triggers of `super::derived` in the same transaction
    // as every write to applications; filled here for a database that has rows already
    // (`super::derived::rebuild`, after this step, with the pinyin keys from Rust).
    // (issue 15) drafts: a reviewer's unsent decision text, saved as it is typed so a
    // dropped SSH link loses nothing: one a reviewer and application, deleted when the
    // decision is made or the dialog cancelled. Not a decision: no audit entry.
    r#"
    ALTER TABLE applications ADD COLUMN merchant_key TEXT NOT NULL DEFAULT '';
    CREATE VIRTUAL TABLE search_text USING fts5(
        merchant, url, account,
        content = 'applications', content_rowid = 'rowid',
        tokenize = 'trigram case_sensitive 0'
    );
    CREATE TABLE search_grams (
        gram TEXT NOT NULL,
        app INTEGER NOT NULL,
        PRIMARY KEY (gram, app)
    ) WITHOUT ROWID;
    CREATE TABLE search_positions (n INTEGER PRIMARY KEY);
    CREATE TABLE count_due (
        state TEXT NOT NULL,
        hour INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (state, hour)
    ) WITHOUT ROWID;
    CREATE TABLE count_submitted (
        state TEXT NOT NULL,
        hour INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (state, hour)
    ) WITHOUT ROWID;
    CREATE TABLE drafts (
        reviewer TEXT NOT NULL,
        application_id TEXT NOT NULL,
        body TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (reviewer, application_id)
    ) WITHOUT ROWID;
    "#,
    // 4 (the lead's console, issue 14): who an application is assigned to (its history is
    // in the audit trail, action `assign`); each reviewer's saved views of the queue; and
    // the audit trail by action and time, for statistics and exports of decisions.
    r#"
    CREATE TABLE assignments (
        application_id TEXT PRIMARY KEY,
        reviewer TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX assignments_reviewer ON assignments(reviewer, application_id);
    CREATE TABLE saved_views (
        reviewer TEXT NOT NULL,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        filter TEXT NOT NULL,
        PRIMARY KEY (reviewer, name)
    ) WITHOUT ROWID;
    -- (Also in SECONDARY_INDEXES; a new database has it from step 1 already.)
    CREATE INDEX IF NOT EXISTS audit_action_at ON audit(action, at);
    -- Decisions kept apart as they are written (a trigger on the trail), each with when
    -- its review clock started: statistics read a period of them in time order, with no
    -- join and no search per decision. Derived data: the trail stays the record.
    CREATE TABLE decision_facts (
        at TEXT NOT NULL,
        seq INTEGER NOT NULL,
        application_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
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
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX decision_facts_seq ON decision_facts(seq);
    -- A fact always describes the entry now at its place in the trail: one left by an
    -- entry that is gone (the trail cut and written again) is replaced.
    CREATE TRIGGER decision_facts_kept AFTER INSERT ON audit
        WHEN NEW.action IN ('approve', 'return', 'expire')
        BEGIN
            DELETE FROM decision_facts WHERE seq = NEW.seq;
            INSERT INTO decision_facts (at, seq, application_id, revision, actor, action,
                from_state, to_state, reasons, reviewable_at, entered_queue_at)
            VALUES (NEW.at, NEW.seq, NEW.application_id, NEW.revision, NEW.actor, NEW.action,
                NEW.from_state, NEW.to_state, NEW.reasons,
                (SELECT reviewable_at FROM applications
                  WHERE id = NEW.application_id AND revision = NEW.revision),
                (SELECT b.at FROM audit b
                  WHERE b.application_id = NEW.application_id AND b.seq < NEW.seq
                    AND b.to_state = 'pending_review'
                    AND b.action IN ('submit', 'resubmit', 'verified', 'reopen')
                  ORDER BY b.seq DESC LIMIT 1));
        END;
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
    "#,
];

/// The secondary indexes (of schema version 1, and the account's products of version 2):
/// (name, definition). An import into an
/// empty database drops them and builds them once at the end, inside its transaction,
/// which is several times faster than maintaining them row by row.
pub(super) const SECONDARY_INDEXES: &[(&str, &str)] = &[
    // The id's uniqueness is an index of its own (not the table's primary key) so that a
    // bulk load can build it once at the end like the others.
    (
        "applications_id",
        "CREATE UNIQUE INDEX applications_id ON applications(id)",
    ),
    (
        "applications_state_due",
        "CREATE INDEX applications_state_due ON applications(state, due_ts, id)",
    ),
    (
        "applications_state_submitted",
        "CREATE INDEX applications_state_submitted ON applications(state, submitted_ts, id)",
    ),
    (
        "applications_account_product",
        "CREATE INDEX applications_account_product ON applications(account, product)",
    ),
    (
        "audit_application",
        "CREATE INDEX audit_application ON audit(application_id, seq)",
    ),
    // Schema 3 (issue 13): the queue by merchant (pinyin), and ids by prefix whatever
    // their letters' case.
    (
        "applications_state_merchant",
        "CREATE INDEX applications_state_merchant ON applications(state, merchant_key, id)",
    ),
    (
        "applications_id_nocase",
        "CREATE INDEX applications_id_nocase ON applications(id COLLATE NOCASE)",
    ),
    // (issue 14) Decisions by action and time: statistics and exports read a period.
    (
        "audit_action_at",
        "CREATE INDEX audit_action_at ON audit(action, at)",
    ),
];

/// The secondary indexes that schema 3 added (made by its step, not step 1's).
const DERIVED_INDEXES: &[&str] = &["applications_state_merchant", "applications_id_nocase"];

impl SqliteStore {
    pub(super) fn migrate(&mut self) -> StoreResult<()> {
        // Opening must not need the write lock: a long import holds it.
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        // Another shenhe may be upgrading the file: schema 3 builds its search index and
        // counters, tens of seconds on a million applications. Wait for it, as for a
        // first bulk load, rather than fail after the usual busy timeout.
        let started = std::time::Instant::now();
        let tx = loop {
            match self.immediate() {
                Ok(tx) => break tx,
                Err(e) if !super::busy::is_busy_error(&e) => return Err(e),
                Err(e) => {
                    let now: i64 = self
                        .conn
                        .query_row("PRAGMA user_version", [], |r| r.get(0))?;
                    if now == MIGRATIONS.len() as i64 {
                        return Ok(());
                    }
                    if started.elapsed() >= super::BULK_LOAD_WAIT {
                        return Err(e);
                    }
                }
            }
        };
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::Schema(format!(
                "schema version {version} is newer than this shenhe knows ({known}); upgrade shenhe"
            )));
        }
        if version == 0 {
            let tables: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(StoreError::Schema(
                    "the file is an SQLite database, but not a shenhe one".into(),
                ));
            }
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(step)?;
            if i == 0 {
                for (name, ddl) in SECONDARY_INDEXES {
                    if !DERIVED_INDEXES.contains(name) {
                        tx.execute_batch(ddl)?;
                    }
                }
            }
            if i == 2 {
                // Schema 3: its indexes, pinyin keys, search index, counters, triggers.
                for (name, ddl) in SECONDARY_INDEXES {
                    if DERIVED_INDEXES.contains(name) {
                        tx.execute_batch(ddl)?;
                    }
                }
                super::derived::fill_merchant_keys(&tx)?;
                super::derived::rebuild(&tx)?;
                super::derived::create_triggers(&tx)?;
            }
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit().map_err(StoreError::from)
    }
}
