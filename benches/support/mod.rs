//! What the benchmarks share: the `shenhe` binary, a fixed clock, a database built the
//! way a reviewer would build it (`generate`, then `import`), and small statistics.

#![allow(dead_code)] // each benchmark uses its own part of this

#[path = "../../tests/shenhe/fixtures.rs"]
pub mod fixtures;

pub mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The clock every benchmark runs at, so that figures are reproducible.
pub const NOW: &str = "2026-11-24T10:00:00+08:00";

/// The release binary, built by `cargo bench` with the benchmark.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_shenhe")
}

/// `shenhe` with the fixed clock and no colour preferences inherited.
pub fn shenhe() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("SHENHE_NOW", NOW)
        .env_remove("SHENHE_DB")
        .env_remove("SHENHE_DATA")
        .stdin(Stdio::null());
    cmd
}

/// What building a database cost.
pub struct Built {
    pub generate: Duration,
    pub import: Duration,
    pub ndjson_bytes: u64,
}

/// `shenhe generate --count N --seed 1 > file`, then `shenhe --db DB import file`, each
/// timed from process start to exit. `db` must not exist yet (an import into an empty
/// database is the bulk path). The NDJSON file is written next to it and removed.
pub fn build(db: &Path, count: u64) -> Built {
    assert!(
        !db.exists(),
        "{} exists already: give a new path (or reuse it with the console benchmark's --db)",
        db.display()
    );
    let ndjson = db.with_extension("ndjson");
    let file = std::fs::File::create(&ndjson).expect("create the NDJSON file");
    let started = Instant::now();
    let status = shenhe()
        .args(["generate", "--count", &count.to_string(), "--seed", "1"])
        .stdout(file)
        .status()
        .expect("run shenhe generate");
    let generate = started.elapsed();
    assert!(status.success(), "shenhe generate failed");
    let ndjson_bytes = size(&ndjson);
    // A database made for benchmarks, like one for tests: its clock is fixed at NOW.
    let status = shenhe()
        .arg("--db")
        .arg(db)
        .args(["init", "--allow-reviewer-override"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run shenhe init");
    assert!(status.success(), "shenhe init failed");

    let started = Instant::now();
    let out = shenhe()
        .arg("--db")
        .arg(db)
        .arg("import")
        .arg(&ndjson)
        .output()
        .expect("run shenhe import");
    let import = started.elapsed();
    assert!(
        out.status.success(),
        "shenhe import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&ndjson);
    Built {
        generate,
        import,
        ndjson_bytes,
    }
}

/// A place for a database: `--db PATH` if given, else a fresh temporary directory (kept
/// alive by the returned guard unless `keep`).
pub fn place(db: Option<PathBuf>, keep: bool) -> (PathBuf, Option<tempfile::TempDir>) {
    match db {
        Some(p) => (p, None),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("shenhe-bench-")
                .tempdir()
                .expect("temp dir");
            let db = dir.path().join("bench.db");
            if keep {
                let kept = dir.keep();
                (kept.join("bench.db"), None)
            } else {
                (db, Some(dir))
            }
        }
    }
}

/// Removes a database this benchmark made, with its WAL and shared-memory files.
pub fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The database and its WAL, as it sits on disk.
pub fn db_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    size(db) + size(Path::new(&wal))
}

pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// min / median / mean / p99 / max of some durations, in milliseconds.
pub struct Stats {
    pub n: usize,
    pub min: f64,
    pub median: f64,
    pub mean: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn stats(samples: &[Duration]) -> Stats {
    let mut v: Vec<f64> = samples.iter().map(|d| ms(*d)).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return Stats {
            n,
            min: 0.0,
            median: 0.0,
            mean: 0.0,
            p99: 0.0,
            max: 0.0,
        };
    }
    let at = |q: f64| v[((n as f64 - 1.0) * q).round() as usize];
    Stats {
        n,
        min: v[0],
        median: at(0.5),
        mean: v.iter().sum::<f64>() / n as f64,
        p99: at(0.99),
        max: v[n - 1],
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "min {:.3} / median {:.3} / mean {:.3} / p99 {:.3} / max {:.3} ms (n = {})",
            self.min, self.median, self.mean, self.p99, self.max, self.n
        )
    }
}

/// The database's files: itself, its WAL and its shared-memory index.
pub fn db_files(db: &Path) -> [PathBuf; 3] {
    ["", "-wal", "-shm"].map(|suffix| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    })
}

/// Drops a file's pages from the page cache, so that the next read comes from the disk:
/// `fdatasync` (only clean pages can be dropped), then `posix_fadvise(POSIX_FADV_DONTNEED)`.
/// Needs no privilege (unlike /proc/sys/vm/drop_caches, which a container may not allow);
/// it leaves other files (the binary, the libraries) cached. A missing file is fine.
pub fn drop_from_page_cache(path: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let fd = file.as_raw_fd();
    // SAFETY: plain system calls on a descriptor that `file` keeps open.
    if unsafe { libc::fdatasync(fd) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above; offset 0 and length 0 mean the whole file.
    let rc = unsafe { libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED) };
    if rc != 0 {
        return Err(std::io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

/// The share of a file's pages in the page cache (`mincore` on a mapping of it), to show
/// that dropping them worked; None if it cannot be told.
pub fn resident(path: &Path) -> Option<f64> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len() as usize;
    if len == 0 {
        return Some(0.0);
    }
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // SAFETY: a read-only shared mapping of a file we hold open, unmapped below; its
    // contents are never read (mincore only asks the kernel which pages are cached).
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if map == libc::MAP_FAILED {
        return None;
    }
    let pages = len.div_ceil(page);
    let mut v = vec![0u8; pages];
    // SAFETY: `map` is a mapping of `len` bytes; `v` has one byte per page of it.
    let rc = unsafe { libc::mincore(map, len, v.as_mut_ptr()) };
    // SAFETY: unmapping what was mapped above.
    unsafe { libc::munmap(map, len) };
    (rc == 0).then(|| v.iter().filter(|b| **b & 1 == 1).count() as f64 / pages as f64)
}

/// The machine's load averages (1, 5, 15 min), for the record: figures taken while other
/// work runs are not figures of an idle machine.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .map_or_else(|| "unknown".to_string(), |l| format!("load average {l}"))
}
