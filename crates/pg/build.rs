//! Says at build time, where `cargo test` shows it (a test's own output is hidden when it
//! passes), that the PostgreSQL tests will be skipped because the server's binaries are
//! not installed here. Builds nothing.

fn main() {
    println!("cargo:rerun-if-env-changed=SHENHE_PG_BIN");
    println!("cargo:rerun-if-changed=/usr/lib/postgresql");
    if let Some(dir) = std::env::var_os("SHENHE_PG_BIN") {
        if !std::path::Path::new(&dir).join("initdb").exists() {
            println!(
                "cargo:warning=SHENHE_PG_BIN has no initdb: the PostgreSQL tests will be skipped"
            );
        }
        return;
    }
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions
                .filter_map(Result::ok)
                .any(|v| v.path().join("bin/initdb").exists())
        })
        .unwrap_or(false);
    if !installed {
        println!(
            "cargo:warning=PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/initdb): the PostgreSQL tests will be skipped (apt-get install postgresql)"
        );
    }
}
