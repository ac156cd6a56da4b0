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
        store
            .conn()
            .map_err(|e| e.to_string())?
            .execute(sql, &[])
            .map_err(|e| error_text(&e))
    }
}

pub(crate) fn harness() -> Option<&'static PgHarness> {
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

/// Certificates made with the openssl command for a TLS test: a CA, a server certificate
/// for `localhost` signed by it, and another CA that signed nothing. None (said) where
/// openssl is missing.
fn certificates(dir: &std::path::Path) -> Option<()> {
    let openssl = |args: &[&str]| -> bool {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let made = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=shenhe test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]) && openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other.key",
        "-out",
        "other.pem",
        "-days",
        "2",
        "-subj",
        "/CN=another CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]) && openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]) && {
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .is_ok()
    } && openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    if !made {
        eprintln!("TLS test skipped: the openssl command is missing or failed");
    }
    made.then_some(())
}

#[test]
fn tls_require_encrypts_and_verify_full_checks_the_certificate_and_the_name() {
    if harness().is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("shenhe-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    if certificates(&dir).is_none() {
        return;
    }
    let server = TestServer::start_tls(&dir.join("server.crt"), &dir.join("server.key"))
        .expect("a TLS server");
    let name = server
        .new_database()
        .expect("database")
        .split('/')
        .nth(3)
        .and_then(|p| p.split('?').next())
        .expect("name")
        .to_string();
    let url = |host: &str, params: &str| {
        format!(
            "postgres://postgres@{host}:{}/{name}?{params}",
            server.port()
        )
    };
    let ca = dir.join("ca.pem");
    let other = dir.join("other.pem");
    let encrypted = |store: &mut PgStore| -> bool {
        store
            .conn()
            .expect("a connection")
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .expect("pg_stat_ssl")
            .get(0)
    };
    // require: encrypted, whatever signed the certificate.
    let mut store = PgStore::open(&url("localhost", "sslmode=require")).expect("require");
    assert!(encrypted(&mut store));
    // verify-full: the chain to the given root, and the name.
    let mut store = PgStore::open(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .expect("verify-full");
    assert!(encrypted(&mut store));
    let err = PgStore::open(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", other.display()),
    ))
    .err()
    .expect("another CA is refused")
    .to_string();
    assert!(
        err.contains("cannot connect") && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    // The certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca
    // (the chain only) accepts.
    let err = PgStore::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .err()
    .expect("the wrong name is refused")
    .to_string();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    PgStore::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={}", ca.display()),
    ))
    .expect("verify-ca");
    // sslmode=disable: in the clear, where a server allows it (this one trusts loopback).
    let mut plain = PgStore::open(&url("localhost", "sslmode=disable")).expect("disable");
    assert!(!encrypted(&mut plain));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
