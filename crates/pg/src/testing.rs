//! A throwaway PostgreSQL server for tests and benchmarks: the system's own binaries
//! (`initdb`, `pg_ctl`, from `/usr/lib/postgresql/*/bin` or `SHENHE_PG_BIN`) into a
//! temporary directory, listening on a Unix socket in it (port chosen free, no TCP), so
//! that nothing is shared between runs. PostgreSQL refuses to run as root: as root it is
//! run as the `postgres` account (`runuser`). A watchdog process stops it and removes the
//! directory when the process that started it is gone, however it ended.
//!
//! Where PostgreSQL is not installed, [`TestServer::start`] says why, and the tests that
//! need it print that they were skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct TestServer {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    run_as: Option<String>,
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("SHENHE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL's server binaries are not installed (/usr/lib/postgresql is missing; `apt-get install postgresql`, or SHENHE_PG_BIN=DIR)".to_string()
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "no initdb under /usr/lib/postgresql/*/bin (`apt-get install postgresql`)".into()
    })
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    // A port no one listens on at 127.0.0.1; the server only uses it to name its socket.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestServer {
    /// Starts a server of its own for tests (no fsync: a test never outlives its
    /// machine), or says why it cannot.
    pub fn start() -> Result<TestServer, String> {
        Self::start_with(false, None)
    }

    /// A server with PostgreSQL's default durability (every commit flushed), for
    /// benchmarks whose figures a real server would match.
    pub fn start_durable() -> Result<TestServer, String> {
        Self::start_with(true, None)
    }

    /// A server that also listens on 127.0.0.1 (its port) with TLS: `cert` and `key` are
    /// PEM files (copied into the server's directory, for its account to read).
    pub fn start_tls(cert: &Path, key: &Path) -> Result<TestServer, String> {
        Self::start_with(false, Some((cert, key)))
    }

    fn start_with(durable: bool, tls: Option<(&Path, &Path)>) -> Result<TestServer, String> {
        let bin = bin_dir()?;
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let run_as = root.then(|| "postgres".to_string());
        if root
            && Command::new("id")
                .arg("postgres")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| !s.success())
                .unwrap_or(true)
        {
            return Err(
                "running as root and there is no `postgres` account to run the server as".into(),
            );
        }
        // As root the server runs as `postgres`, which must reach its directory: /tmp,
        // not a TMPDIR that may sit in root's own home.
        let base = if root {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "shenhe-pg-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some(user) = &run_as {
            run(
                Command::new("chown").arg(format!("{user}:")).arg(&dir),
                "chown",
            )?;
        }
        let port = free_port()?;
        let server = TestServer {
            dir,
            port,
            bin,
            run_as,
        };
        server.watchdog()?;
        let data = server.dir.join("data");
        run(
            server.command("initdb").arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]),
            "initdb",
        )?;
        let speed = if durable {
            ""
        } else {
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        };
        let listen = match tls {
            None => " -h ''".to_string(),
            Some((cert, key)) => {
                for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
                    let to = server.dir.join(name);
                    std::fs::copy(from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
                    run(Command::new("chmod").arg("0600").arg(&to), "chmod")?;
                    if let Some(user) = &server.run_as {
                        run(
                            Command::new("chown").arg(format!("{user}:")).arg(&to),
                            "chown",
                        )?;
                    }
                }
                format!(
                    " -h 127.0.0.1 -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                    server.dir.join("server.crt").display(),
                    server.dir.join("server.key").display()
                )
            }
        };
        let options = format!(
            "-k {} -p {}{listen}{speed} -c max_connections=200",
            server.dir.display(),
            port
        );
        run(
            server
                .command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(server.dir.join("log"))
                .args(["-o", &options, "-w", "start"]),
            "pg_ctl start",
        )?;
        Ok(server)
    }

    /// One server for the whole test process, started at the first call; the reason it
    /// could not start, otherwise (said on standard error once).
    pub fn shared() -> Result<&'static TestServer, &'static str> {
        static SERVER: OnceLock<Result<TestServer, String>> = OnceLock::new();
        SERVER
            .get_or_init(|| {
                let started = TestServer::start();
                if let Err(why) = &started {
                    eprintln!("PostgreSQL tests skipped: {why}");
                }
                started
            })
            .as_ref()
            .map_err(String::as_str)
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    /// Stops the server and removes its directory once this process is gone.
    fn watchdog(&self) -> Result<(), String> {
        let stop = format!(
            "{} {} -D {} stop -m immediate >/dev/null 2>&1",
            self.run_as
                .as_ref()
                .map(|u| format!("runuser -u {u} --"))
                .unwrap_or_default(),
            self.bin.join("pg_ctl").display(),
            self.dir.join("data").display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| format!("watchdog: {e}"))
    }

    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` on this server (no password: the server trusts its
    /// socket).
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://postgres@/{name}?host={}&port={}&sslmode=disable",
            self.dir.display(),
            self.port
        )
    }

    /// A new, empty database of its own; its URL.
    pub fn new_database(&self) -> Result<String, String> {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(
            &format!(
                "host={} port={} user=postgres dbname=postgres",
                self.dir.display(),
                self.port
            ),
            postgres::NoTls,
        )
        .map_err(|e| format!("connect: {e}"))?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| format!("CREATE DATABASE: {e}"))?;
        Ok(self.url(&name))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["stop", "-m", "immediate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
