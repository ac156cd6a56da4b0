//! The crate graph is the architecture (docs/architecture.md): what each layer may not
//! reach, read from cargo's own resolution of the workspace.

use std::collections::BTreeSet;
use std::process::Command;

/// The packages `package` depends on (normal dependencies, not dev or build ones), to
/// `depth` (None: all the way down).
fn dependencies(package: &str, depth: Option<u32>) -> BTreeSet<String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(depth) = depth {
        command.args(["--depth", &depth.to_string()]);
    }
    let out = command.output().expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != package)
        .map(str::to_string)
        .collect()
}

fn assert_none(package: &str, found: &BTreeSet<String>, forbidden: &[&str]) {
    let reached: Vec<&&str> = forbidden.iter().filter(|f| found.contains(**f)).collect();
    assert!(reached.is_empty(), "{package} reaches {reached:?}");
}

#[test]
fn each_layer_reaches_only_the_layers_below_it() {
    const TERMINAL: [&str; 3] = ["ratatui", "crossterm", "tui-input"];
    const FACES: [&str; 3] = ["shenhe", "shenhe-console", "clap"];

    let domain = dependencies("shenhe-domain", None);
    assert_none("shenhe-domain", &domain, &TERMINAL);
    assert_none(
        "shenhe-domain",
        &domain,
        &["rusqlite", "shenhe-store", "shenhe-review"],
    );

    let store = dependencies("shenhe-store", None);
    assert!(store.contains("shenhe-domain") && store.contains("rusqlite"));
    assert_none("shenhe-store", &store, &TERMINAL);
    assert_none("shenhe-store", &store, &["shenhe-review", "shenhe-present"]);

    for layer in ["shenhe-review", "shenhe-present"] {
        let found = dependencies(layer, None);
        assert_none(layer, &found, &TERMINAL);
        assert_none(layer, &found, &FACES);
    }
    assert_none(
        "shenhe-review",
        &dependencies("shenhe-review", None),
        &["shenhe-present"],
    );

    // Only the deliverer and the site probe speak HTTP, and only the probe parses HTML:
    // no layer below them, and no face but the command line that starts them, reaches
    // the client or the parser.
    const HTTP: [&str; 6] = [
        "ureq",
        "rustls",
        "shenhe-deliver",
        "shenhe-probe",
        "scraper",
        "html5ever",
    ];
    for layer in [
        "shenhe-domain",
        "shenhe-store",
        "shenhe-review",
        "shenhe-present",
        "shenhe-console",
    ] {
        assert_none(layer, &dependencies(layer, None), &HTTP);
    }
    let deliver = dependencies("shenhe-deliver", None);
    assert!(deliver.contains("ureq") && deliver.contains("shenhe-review"));
    assert_none("shenhe-deliver", &deliver, &TERMINAL);
    assert_none("shenhe-deliver", &deliver, &FACES);
    assert_none("shenhe-deliver", &deliver, &["shenhe-present"]);
    assert_none(
        "shenhe-deliver",
        &deliver,
        &["scraper", "html5ever", "shenhe-probe"],
    );
    // The probe fetches and reads; it keeps nothing itself and draws nothing.
    let probe = dependencies("shenhe-probe", None);
    assert!(probe.contains("ureq") && probe.contains("scraper") && probe.contains("shenhe-domain"));
    assert_none("shenhe-probe", &probe, &TERMINAL);
    assert_none("shenhe-probe", &probe, &FACES);
    assert_none(
        "shenhe-probe",
        &probe,
        &[
            "shenhe-store",
            "rusqlite",
            "shenhe-review",
            "shenhe-present",
            "shenhe-deliver",
        ],
    );
    // Positions and failures are written through the review layer's operations.
    let direct = dependencies("shenhe-deliver", Some(1));
    assert_none("shenhe-deliver", &direct, &["shenhe-store", "rusqlite"]);

    // The console sees the review layer's vocabulary, not the store's, and never the
    // command line.
    let console = dependencies("shenhe-console", None);
    assert_none("shenhe-console", &console, &FACES);
    assert_none("shenhe-console", &console, &["shenhe-generate"]);
    let direct = dependencies("shenhe-console", Some(1));
    assert!(direct.contains("shenhe-review") && direct.contains("shenhe-present"));
    assert_none("shenhe-console", &direct, &["shenhe-store", "rusqlite"]);

    // The PostgreSQL store (issue 16) stands beside the layers, reached by the binary
    // only: it implements the store's trait and knows nothing above it; no layer reaches
    // it, its client or its TLS.
    let pg = dependencies("shenhe-pg", None);
    assert!(pg.contains("shenhe-store") && pg.contains("postgres") && pg.contains("rustls"));
    assert_none("shenhe-pg", &pg, &TERMINAL);
    assert_none("shenhe-pg", &pg, &FACES);
    assert_none(
        "shenhe-pg",
        &pg,
        &["shenhe-review", "shenhe-present", "ureq"],
    );
    for layer in [
        "shenhe-domain",
        "shenhe-store",
        "shenhe-review",
        "shenhe-present",
        "shenhe-console",
    ] {
        assert_none(
            layer,
            &dependencies(layer, None),
            &["shenhe-pg", "postgres", "tokio-postgres"],
        );
    }
}
