//! The store contract (shenhe-store's contract.rs) on a throwaway PostgreSQL server, and
//! what only PostgreSQL has: TRUNCATE refused, schema versions, a foreign database.

use shenhe_store::contract::Harness;
use shenhe_store::{Store, StoreError};

use crate::testing::TestServer;
use crate::{PgStore, error_text};

pub struct PgHarness {
    server: &'static TestServer,
}

impl Harness for PgHarness {
    type S = PgStore;

    fn new_database(&self) -> String {
        self.server.new_database().expect("a new database")
    }

    fn open(&self, location: &str) -> PgStore {
        PgStore::open(location).expect("open")
    }

    fn execute(&self, store: &mut PgStore, sql: &str) -> Result<u64, String> {
        store.client().execute(sql, &[]).map_err(|e| error_text(&e))
    }
}

fn harness() -> Option<&'static PgHarness> {
    static HARNESS: std::sync::OnceLock<Option<PgHarness>> = std::sync::OnceLock::new();
    HARNESS
        .get_or_init(|| TestServer::shared().ok().map(|server| PgHarness { server }))
        .as_ref()
}

mod contract {
    shenhe_store::store_contract!(super::harness());
}

#[test]
fn truncate_of_the_audit_trail_and_the_events_is_refused() {
    let Some(h) = harness() else { return };
    let mut store = h.open(&h.new_database());
    for table in ["audit", "events"] {
        let err = h
            .execute(&mut store, &format!("TRUNCATE {table}"))
            .expect_err("refused");
        assert!(
            err.contains("append-only") && err.contains("TRUNCATE"),
            "{err}"
        );
    }
}

#[test]
fn a_database_from_a_newer_shenhe_or_another_program_is_refused() {
    let Some(h) = harness() else { return };
    let url = h.new_database();
    let mut store = h.open(&url);
    assert_eq!(
        store.meta("schema_version").expect("meta").as_deref(),
        Some(crate::SCHEMA_VERSION.to_string().as_str())
    );
    store
        .set_meta("schema_version", &(crate::SCHEMA_VERSION + 1).to_string())
        .expect("set");
    drop(store);
    match PgStore::open(&url) {
        Err(StoreError::Schema(m)) => assert!(m.contains("newer than this shenhe"), "{m}"),
        other => panic!("expected a schema error, got {:?}", other.err()),
    }

    let foreign = h.new_database();
    let mut client = postgres::Client::connect(
        &format!(
            "host={} port={} user=postgres dbname={}",
            h.server.socket_dir().display(),
            h.server.port(),
            foreign
                .split('/')
                .nth(3)
                .and_then(|p| p.split('?').next())
                .expect("name")
        ),
        postgres::NoTls,
    )
    .expect("connect");
    client
        .batch_execute("CREATE TABLE invoices (id int)")
        .expect("create");
    match PgStore::open(&foreign) {
        Err(StoreError::Schema(m)) => assert!(m.contains("not a shenhe schema"), "{m}"),
        other => panic!("expected a schema error, got {:?}", other.err()),
    }
    // An empty database is not made by a command that only reads.
    let empty = h.new_database();
    match PgStore::open_existing(&empty) {
        Err(StoreError::Schema(m)) => assert!(m.contains("shenhe init"), "{m}"),
        other => panic!("expected a schema error, got {:?}", other.err()),
    }
    PgStore::open(&empty).expect("made");
    PgStore::open_existing(&empty).expect("then found");
}

#[test]
fn a_connection_error_names_the_server_and_never_the_password() {
    let Some(h) = harness() else { return };
    let url = format!(
        "postgres://postgres:Sup3rSecret@/nope?host={}&port={}&sslmode=disable",
        h.server.socket_dir().display(),
        h.server.port()
    );
    let err = PgStore::open(&url)
        .err()
        .expect("no such database")
        .to_string();
    assert!(
        err.contains("nope") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!err.contains("Sup3rSecret"), "{err}");
}
