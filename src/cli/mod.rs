//! The command line: parse, call the review operations, print text or JSON. A thin
//! layer: nothing here decides anything.

mod audit;
pub mod config;
mod deliver;
mod error;
mod events;
mod json;
mod lead;
mod location;
pub mod migrate;
mod output;
pub mod probe;
mod roles;
mod signals;
mod spool;

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::domain::checks::CheckId;
use crate::domain::policy::{self, Policy, PolicyError};
use crate::domain::state::State;
use crate::present::Lang;
use crate::review::queue::{Filter, Sort};
use crate::review::{Claim, Clock, Review, identity, test_pause};
use crate::store::QueueQuery;
use crate::store::sqlite::SqliteStore;
pub use error::CliError;

#[derive(Parser, Debug)]
#[command(
    name = "shenhe",
    version,
    about = "审核 — a terminal review console for merchant applications for payment products"
)]
pub struct Cli {
    /// The database: an SQLite file, or a PostgreSQL database as postgres://user@host/db
    /// (its password in ~/.pgpass or PGPASSWORD, never here) [default: $SHENHE_DB, else
    /// $XDG_DATA_HOME/shenhe/shenhe.db]
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// A policy directory (products.toml, checks.toml, reasons.toml, goods.toml,
    /// holidays.toml, approvals.toml) instead of the built-in copy of data/ [env: SHENHE_DATA]
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Language of the console, and of the command line's refusals: zh or en [default:
    /// the console from LC_ALL / LC_MESSAGES / LANG, the command line English]
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Import applications from a JSON array or NDJSON file (`-` for standard input); all or nothing
    Import { file: PathBuf },
    /// Print N realistic demo applications as NDJSON (deterministic for a seed)
    Generate {
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Create a fresh demo database and open the console on it
    Demo {
        #[arg(long, default_value_t = 2000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// List applications, ordered by due time
    List(ListArgs),
    /// Show one application: everything it holds, its checks, its clock and its history
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        /// Show the test account's password (recorded in the audit trail)
        #[arg(long)]
        reveal: bool,
    },
    /// Approve an application
    Approve {
        id: String,
        /// An internal note (the applicant never sees it)
        #[arg(long)]
        note: Option<String>,
    },
    /// Return an application to the applicant with one or more reasons
    Return {
        id: String,
        /// A reason code (see `shenhe reasons`); repeat for several
        #[arg(long = "reason", value_name = "CODE", required = true, num_args = 1..)]
        reasons: Vec<String>,
        /// The message to the applicant
        #[arg(long)]
        message: Option<String>,
        /// An internal note (the applicant never sees it)
        #[arg(long)]
        note: Option<String>,
    },
    /// Expire (cancel) an order past its 15-day verification window
    Expire {
        id: String,
        #[arg(long)]
        note: Option<String>,
        /// Expire inside the window; needs --note
        #[arg(long)]
        force: bool,
    },
    /// Expire every order past its 15-day verification window
    Sweep {
        /// Say what would be expired, change nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Judge a check that needs a person: pass or fail
    Judge {
        id: String,
        check: String,
        #[arg(value_parser = ["pass", "fail"])]
        verdict: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// The audit trail of one application
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The catalogue of return reasons
    Reasons {
        #[arg(long)]
        json: bool,
    },
    /// Print the published events as NDJSON, oldest first (docs/events.md)
    Events {
        /// Only events with an id after this one (the last id a consumer saw)
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many events
        #[arg(long)]
        limit: Option<u64>,
        /// Keep printing new events as they are committed, until interrupted
        #[arg(long)]
        follow: bool,
    },
    /// Push the published events to a webhook endpoint (Standard Webhooks), in order, at least once
    Deliver(deliver::DeliverArgs),
    /// Fetch an application's website (or every unprobed pending one) and keep what was seen
    Probe(probe::ProbeArgs),
    /// The audit trail as a whole
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Record that merchants' integration tests passed: pending_integration → effective
    Integrated {
        /// The application (or --file)
        id: Option<String>,
        /// NDJSON of {"id", "passed_at"} (`-` for standard input); all or nothing
        #[arg(long, value_name = "FILE", conflicts_with = "id")]
        file: Option<PathBuf>,
        /// An internal note (the applicant never sees it)
        #[arg(long)]
        note: Option<String>,
    },
    /// Reopen a decided application: back to pending_review, due three business days from now (leads only)
    Reopen {
        id: String,
        /// Why it is reopened (required)
        #[arg(long)]
        note: Option<String>,
    },
    /// The reviewers and leads of this database
    Reviewers {
        #[command(subcommand)]
        command: roles::ReviewersCommand,
    },
    /// Statistics for the team lead: the queue now, the last 30 days, the three-business-day promise, reviewers, return reasons
    Stats {
        /// The first day of the period (YYYY-MM-DD, China time) [default: 29 days ago]
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export for a spreadsheet: `export decisions --since DATE`
    Export {
        #[command(subcommand)]
        command: lead::ExportCommand,
    },
    /// Assign applications to a reviewer (leads only)
    Assign {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// The reviewer (see `shenhe reviewers list`)
        #[arg(long, value_name = "NAME")]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Copy a whole SQLite database (history and audit chain included) into an empty
    /// PostgreSQL database, verified on both sides
    Migrate {
        /// The SQLite database file to copy
        #[arg(long, value_name = "PATH")]
        from: PathBuf,
        /// The PostgreSQL database [default: $SHENHE_DB when it is a postgres:// URL]
        #[arg(long, value_name = "URL")]
        to: Option<String>,
    },
    /// Create an empty database (or check an existing one)
    Init {
        /// Let SHENHE_REVIEWER name the reviewer: for test and training databases only
        #[arg(long)]
        allow_reviewer_override: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain, name the first entry that does not match, and check that the
    /// applications and events agree with it
    Verify {
        /// A head printed earlier by `shenhe audit head` (SEQ:HASH): prove the chain still
        /// holds it
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
    /// Print the last entry as SEQ:HASH, to keep where reviewers cannot write
    Head {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// A state id, or `open` (pending_review, pending_second_approval and
    /// pending_verification: the default) or `all`
    #[arg(long, default_value = "open")]
    pub state: String,
    /// Only those under review (pending_review, pending_second_approval) past their due
    /// time: the console's overdue filter
    #[arg(long)]
    pub overdue: bool,
    /// A product code
    #[arg(long)]
    pub product: Option<String>,
    /// Text in the merchant name, url or account (one or two characters: the merchant
    /// name), or the start of an id; Latin letters in either case
    #[arg(long)]
    pub search: Option<String>,
    /// Only those assigned to this reviewer (`shenhe assign`)
    #[arg(long, value_name = "NAME", conflicts_with = "mine")]
    pub assigned: Option<String>,
    /// Only those assigned to me
    #[arg(long)]
    pub mine: bool,
    /// Those assigned to me first, then the others
    #[arg(long, conflicts_with = "mine")]
    pub mine_first: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long)]
    pub json: bool,
}

type CliResult = Result<(), CliError>;

pub fn main() -> ExitCode {
    // A closed pipe (`shenhe list | head`) ends the output quietly, as for any Unix tool.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // The reviewer's config file, checked whole before anything happens (the terminal
    // untouched): a bad one stops every command, naming its line.
    let config = match config::load() {
        Ok(config) => config,
        Err(e) => {
            let safe = crate::domain::text::display_safe(&e.to_string()).into_owned();
            let _ = writeln!(std::io::stderr(), "shenhe: error: {safe}");
            return ExitCode::FAILURE;
        }
    };
    // --lang, else the config file's, else the locale, as for the console: scripts read
    // --json, or set LC_ALL=C.
    if let Ok(lang) = cli_lang(cli.lang.as_deref(), config.lang) {
        error::set_lang(lang);
    }
    let result = run(cli);
    // For the stress benchmark, which counts how often processes waited on each other.
    if std::env::var_os("SHENHE_BUSY_STATS").is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "shenhe: busy retries: {}",
            crate::store::sqlite::busy_retries() + shenhe_pg::lock_waits()
        );
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Errors quote what they refuse (an unknown field name, a bad value): applicant
            // text, so it is made display-safe here like everything else that reaches the
            // terminal. Line by line, because a report of bad records is several lines.
            let safe: Vec<String> = error
                .lines()
                .iter()
                .map(|line| crate::domain::text::display_safe(line).into_owned())
                .collect();
            let _ = writeln!(std::io::stderr(), "shenhe: error: {}", safe.join("\n"));
            ExitCode::FAILURE
        }
    }
}

/// Where the database lives: --db, else SHENHE_DB, else the user's data directory.
pub fn database_path(flag: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(p) = flag {
        location::refuse_password_in_argv(p)?;
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("SHENHE_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = config::get().database {
        return Ok(p);
    }
    Ok(data_dir()?.join("shenhe.db"))
}

fn data_dir() -> Result<PathBuf, CliError> {
    // The XDG spec: a relative path is invalid and is ignored.
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|p| Path::new(p).is_absolute()) {
        return Ok(PathBuf::from(dir).join("shenhe"));
    }
    match std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/shenhe")),
        None => Err(CliError::Usage(
            "no database given: use --db PATH or set SHENHE_DB (HOME is not set)".into(),
        )),
    }
}

pub fn load_policy(flag: Option<&Path>) -> Result<Policy, CliError> {
    let dir = flag
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("SHENHE_DATA")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| config::get().data);
    match dir {
        Some(dir) => Ok(load_policy_dir(&dir)?),
        None => Ok(Policy::builtin()),
    }
}

/// The policy files of `dir` (`policy::FILES`), read and then parsed by the domain.
fn load_policy_dir(dir: &Path) -> Result<Policy, PolicyError> {
    let mut texts = Vec::new();
    for (name, _) in policy::FILES {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).map_err(|e| PolicyError {
            file: path.clone(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        texts.push((path, text));
    }
    Policy::from_texts(&texts)
}

/// Opens the database and a review session on it, the same way for every command. Only
/// `init`, `import` and `demo` create a database: a mistyped path is an error, not a new
/// empty database that lists "(no applications)".
pub fn open_review(db: &Path, policy: Arc<Policy>) -> Result<Review, CliError> {
    if location::is_postgres(db) {
        return open_store_review(db, policy, false, false);
    }
    if !db.exists() {
        return Err(CliError::Usage(format!(
            "no database at {}: `shenhe init` creates one, `shenhe import FILE` creates and fills one (is --db or SHENHE_DB mistyped?)",
            db.display()
        )));
    }
    open_or_create_review(db, policy)
}

/// [`open_review`], creating the database (and its directory) when it is not there.
pub fn open_or_create_review(db: &Path, policy: Arc<Policy>) -> Result<Review, CliError> {
    open_store_review(db, policy, false, true)
}

/// For a command that only reads (list, show, history, events, audit, status): the
/// database as every command opens it or, where it cannot be written here (a copy on
/// read-only storage, a file this account may only read), opened read-only.
pub fn open_review_for_reading(db: &Path, policy: Arc<Policy>) -> Result<Review, CliError> {
    if location::is_postgres(db) || !db.exists() {
        return open_review(db, policy);
    }
    open_store_review(db, policy, true, false)
}

/// The database this process opened: where a full disk is, when one is reported.
static DATABASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

fn open_store_review(
    db: &Path,
    policy: Arc<Policy>,
    reading: bool,
    create: bool,
) -> Result<Review, CliError> {
    if !location::is_postgres(db) {
        let _ = DATABASE.set(std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf()));
    }
    let clock = Clock::from_env().map_err(CliError::Usage)?;
    let context = || format!("cannot open the database {}", location::display(db));
    let (mut store, read_only) = match location::open(db, create) {
        Ok(store) => (store, false),
        Err(crate::store::StoreError::ReadOnly) if reading => (
            location::Opened::Sqlite(
                SqliteStore::open_read_only(db).map_err(CliError::context(context()))?,
            ),
            true,
        ),
        Err(e) => return Err(CliError::context(context())(e)),
    };
    let override_allowed = store.store().meta(identity::OVERRIDE_META_KEY)?.as_deref() == Some("1");
    if clock.is_fixed() && !override_allowed {
        return Err(CliError::Usage(format!(
            "{}: {} is honoured only on databases made for tests or training (shenhe init --allow-reviewer-override, shenhe demo); decisions on this one are kept at the system's time",
            location::display(db),
            crate::review::clock::NOW_VARIABLE
        )));
    }
    if let Some(point) = test_pause::from_env().map_err(CliError::Usage)? {
        if !override_allowed {
            return Err(CliError::Usage(format!(
                "{}: {} is honoured only on databases made for tests or training",
                location::display(db),
                test_pause::PAUSE_VARIABLE
            )));
        }
        store.set_pause(Some(test_pause::hook(point)));
    }
    let actor = identity::reviewer(override_allowed);
    if read_only {
        return Ok(Review::reader(store.boxed(), policy, actor, clock));
    }
    Ok(Review::new(store.boxed(), policy, actor, clock)?)
}

/// The language of both faces: --lang, else the config file's, else the locale.
fn cli_lang(flag: Option<&str>, configured: Option<Lang>) -> Result<Lang, String> {
    match (flag, configured) {
        (None, Some(lang)) => Ok(lang),
        (flag, _) => Lang::detect(flag),
    }
}

/// The console on `db`, opened the way every command opens it.
fn open_console(db: &Path, policy: Arc<Policy>, lang: Option<&str>) -> CliResult {
    let config = config::get();
    let lang = cli_lang(lang, config.lang).map_err(CliError::Usage)?;
    if !crate::console::has_terminal() {
        return Err(CliError::Usage(format!(
            "the console needs a terminal; for scripts use `shenhe --db {} list` and the other commands",
            location::display(db)
        )));
    }
    let prober = probe::console_prober(&policy.probe);
    let review = open_review(db, policy)?;
    let settings = crate::console::Settings {
        prober,
        keys: config.keys,
        theme: config
            .theme
            .unwrap_or_else(crate::console::ui::Theme::from_env),
        mouse: config.mouse,
        ..crate::console::Settings::new(lang)
    };
    Ok(crate::console::run_configured(review, settings)?)
}

fn run(cli: Cli) -> CliResult {
    let policy = Arc::new(load_policy(cli.data.as_deref())?);
    let Some(command) = cli.command else {
        let db = database_path(cli.db.as_deref())?;
        return open_console(&db, policy, cli.lang.as_deref());
    };
    let lang = cli_lang(cli.lang.as_deref(), config::get().lang).map_err(CliError::Usage)?;
    let mut out = std::io::stdout().lock();
    match command {
        Command::Import { file } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_or_create_review(&db, policy)?;
            let report = if file.as_os_str() == "-" {
                let input = spool::stdin_as_file()?;
                review.import(BufReader::with_capacity(1 << 20, input))?
            } else {
                let f = std::fs::File::open(&file)
                    .map_err(CliError::context(format!("cannot read {}", file.display())))?;
                review
                    .import(BufReader::with_capacity(1 << 20, f))
                    .map_err(CliError::context(format!(
                        "cannot import {}",
                        file.display()
                    )))?
            };
            writeln!(
                out,
                "{}",
                lang.imported(
                    report.inserted,
                    report.resubmitted,
                    report.verified,
                    report.unchanged
                )
            )?;
        }
        Command::Generate { count, seed } => {
            let clock = Clock::from_env().map_err(CliError::Usage)?;
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, out);
            match crate::generate::write_ndjson(&policy, seed, clock.now(), count, &mut writer)
                .and_then(|_| writer.flush())
            {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(e.into()),
            }
        }
        Command::Demo { count, seed } => {
            let db = match cli.db {
                Some(p) => p,
                None => data_dir()?.join("demo.db"),
            };
            if location::is_postgres(&db) {
                return Err(CliError::Usage(format!(
                    "--db {}: a demo is an SQLite file of its own (give --db PATH, or none); nothing was done",
                    location::display(&db)
                )));
            }
            crate::demo::create(&db, &policy, count, seed)?;
            return open_console(&db, policy, cli.lang.as_deref());
        }
        Command::List(args) => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review_for_reading(&db, policy)?;
            list(&review, &args, lang, &mut out)?;
        }
        Command::Show { id, json, reveal } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = if reveal {
                open_review(&db, policy)?
            } else {
                open_review_for_reading(&db, policy)?
            };
            let password = if reveal {
                review.reveal_password(&id)?
            } else {
                None
            };
            let view = review.show(&id)?;
            if json {
                json::print(&mut out, &json::show(&review, &view, password.as_deref()))?;
            } else {
                output::show(&mut out, lang, &review, &view, password.as_deref())?;
            }
        }
        Command::Approve { id, note } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            let (version, claim) = version_and_claim(&review, &id)?;
            let decided = review.approve(&id, version, note)?;
            record_claim_override(&mut review, &id, claim)?;
            writeln!(out, "{}", decided_line(lang, &decided))?;
        }
        Command::Return {
            id,
            reasons,
            message,
            note,
        } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            let (version, claim) = version_and_claim(&review, &id)?;
            let decided = review.return_application(&id, version, &reasons, message, note)?;
            record_claim_override(&mut review, &id, claim)?;
            writeln!(
                out,
                "{} ({})",
                decided_line(lang, &decided),
                decided.entry.entry.reasons.join(", ")
            )?;
        }
        Command::Expire { id, note, force } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            let (version, claim) = version_and_claim(&review, &id)?;
            let decided = review.expire(&id, version, note, force)?;
            record_claim_override(&mut review, &id, claim)?;
            writeln!(out, "{}", decided_line(lang, &decided))?;
        }
        Command::Sweep { dry_run, json } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            let items = review.sweep(dry_run)?;
            if json {
                json::print(
                    &mut out,
                    &serde_json::json!({ "dry_run": dry_run, "items": items }),
                )?;
            } else {
                output::sweep(&mut out, lang, &items, dry_run)?;
            }
            if items.iter().any(|i| i.error.is_some()) {
                return Err(CliError::Usage(
                    "some orders could not be expired (see above)".into(),
                ));
            }
        }
        Command::Judge {
            id,
            check,
            verdict,
            note,
        } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            let check: CheckId = check.parse().map_err(CliError::Usage)?;
            let version = review.current_version(&id)?;
            review.judge(&id, version, check, verdict == "pass", note)?;
            writeln!(
                out,
                "{}",
                lang.judged_line(&id, check.id(), verdict == "pass")
            )?;
        }
        Command::History { id, json } => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review_for_reading(&db, policy)?;
            let history = review.history(&id)?;
            if json {
                json::print(&mut out, &json::history(&history))?;
            } else {
                output::history(&mut out, lang, review.policy(), &history)?;
            }
        }
        Command::Events {
            after,
            limit,
            follow,
        } => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review_for_reading(&db, policy)?;
            events::run(&review, after, limit, follow, &mut out)?;
        }
        Command::Probe(args) => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            probe::run(&mut review, args, lang, &mut out)?;
        }
        Command::Deliver(args) => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review(&db, policy)?;
            deliver::run(review, args, lang, &mut out)?;
        }
        Command::Reasons { json } => {
            if json {
                json::print(&mut out, &json::reasons(&policy))?;
            } else {
                output::reasons(&mut out, &policy)?;
            }
        }
        Command::Audit { command } => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review_for_reading(&db, policy)?;
            match command {
                AuditCommand::Verify { expect } => {
                    audit::verify(&review, expect.as_deref(), lang, &mut out)?
                }
                AuditCommand::Head { json } => audit::head(&review, json, lang, &mut out)?,
            }
        }
        Command::Integrated { id, file, note } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            roles::integrated(&mut review, id, file, note, lang, &mut out)?;
        }
        Command::Reopen { id, note } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            roles::reopen(&mut review, &id, note, lang, &mut out)?;
        }
        Command::Reviewers { command } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            roles::reviewers(&mut review, &db, command, lang, &mut out)?;
        }
        Command::Stats { since, json } => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review_for_reading(&db, policy)?;
            lead::stats(&review, lang, since.as_deref(), json, &mut out)?;
        }
        Command::Export { command } => {
            let db = database_path(cli.db.as_deref())?;
            let review = open_review_for_reading(&db, policy)?;
            lead::export(&review, command, &mut out)?;
        }
        Command::Assign { ids, to, json } => {
            let db = database_path(cli.db.as_deref())?;
            let mut review = open_review(&db, policy)?;
            lead::assign(&mut review, lang, &ids, &to, json, &mut out)?;
        }
        Command::Migrate { from, to } => migrate::run(&from, to.as_deref(), &mut out)?,
        Command::Init {
            allow_reviewer_override,
        } => {
            let db = database_path(cli.db.as_deref())?;
            let existed = location::exists(&db)?;
            let mut opened = location::open(&db, true).map_err(CliError::context(format!(
                "cannot open the database {}",
                location::display(&db)
            )))?;
            let store = opened.store();
            let allowed = store.meta(identity::OVERRIDE_META_KEY)?.as_deref() == Some("1");
            if allow_reviewer_override && !allowed {
                // Switching it on later would let any reviewer of a real database act as
                // another: it is a property a database is born with, or never has.
                if existed {
                    return Err(CliError::Usage(format!(
                        "{}: --allow-reviewer-override is only for a new database (tests, training); this one exists already",
                        location::display(&db)
                    )));
                }
                store.set_meta(identity::OVERRIDE_META_KEY, "1")?;
            }
            drop(opened);
            // The account that creates the database is its first lead. On one from before
            // roles (no lead yet), only the file's owner becomes it.
            let mut review = open_review(&db, policy)?;
            match review.make_first_lead(!existed, roles::owns_database(&db)) {
                Ok(true) => writeln!(out, "{}", lang.first_lead(review.actor()))?,
                Ok(false) => {}
                Err(crate::review::ReviewError::NoLeadYet { .. }) => {
                    writeln!(out, "{}", lang.no_lead_yet_of(&location::display(&db)))?
                }
                Err(e) => return Err(e.into()),
            }
            writeln!(out, "{}", lang.database_ready(&location::display(&db)))?;
        }
    }
    Ok(())
}

/// The version to decide at, and another reviewer's live claim on it (they have it open in
/// their console), if any.
fn version_and_claim(review: &Review, id: &str) -> Result<(i64, Option<Claim>), CliError> {
    Ok((review.current_version(id)?, review.claim_of_another(id)?))
}

/// A decision's line: the id and the change of state, in the command line's language.
pub(crate) fn decided_line(lang: Lang, decided: &crate::review::Decided) -> String {
    format!(
        "{}: {} → {}",
        decided.id,
        lang.state_word(decided.from),
        lang.state_word(decided.to)
    )
}

/// A decision made while another reviewer had the application open: said on standard
/// error, and kept in the audit trail as the console keeps it.
fn record_claim_override(review: &mut Review, id: &str, claim: Option<Claim>) -> CliResult {
    let Some(claim) = claim else {
        return Ok(());
    };
    review.record_claim_override(id, &claim)?;
    let _ = writeln!(
        std::io::stderr(),
        "shenhe: warning: {} had {} open in their console (until {}); your decision was made anyway, and recorded as overriding their claim",
        crate::domain::text::display_safe(&claim.reviewer),
        crate::domain::text::display_safe(id),
        crate::present::time::china_clock(claim.expires_at),
    );
    Ok(())
}

fn list(review: &Review, args: &ListArgs, lang: Lang, out: &mut impl Write) -> CliResult {
    // The console's filters, so that both faces mean the same by each.
    let filter = match args.state.as_str() {
        "open" => Filter::AllOpen,
        "all" => Filter::AllStates,
        other => Filter::State(
            other
                .parse::<State>()
                .map_err(|e| CliError::Usage(format!("--state: {e}; or `open`, `all`")))?,
        ),
    };
    if let Some(product) = &args.product
        && review.policy().product(product).is_none()
    {
        let codes: Vec<&str> = review
            .policy()
            .products
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        return Err(CliError::Usage(format!(
            "--product: unknown product `{product}` (one of: {})",
            codes.join(", ")
        )));
    }
    let search = args.search.as_deref().unwrap_or("");
    let mut query = if args.overdue {
        let overdue = Filter::Overdue.query(review.now(), Sort::Due, search);
        // --state narrows --overdue to those of its states that can be overdue.
        let states: Vec<State> = match &filter {
            Filter::State(state) if !overdue.states.contains(state) => {
                return Err(CliError::Usage(format!(
                    "--overdue lists orders under review ({}); a {state} order is never overdue",
                    State::UNDER_REVIEW.map(State::id).join(", ")
                )));
            }
            Filter::State(state) => vec![*state],
            _ => overdue.states.clone(),
        };
        QueueQuery { states, ..overdue }
    } else {
        filter.query(review.now(), Sort::Due, search)
    };
    query.product = args.product.clone();
    query.assigned_to = if args.mine {
        Some(review.actor().to_string())
    } else {
        args.assigned.clone()
    };
    let rows = if args.mine_first {
        review.page_mine_first(&query, args.offset, args.limit)?
    } else {
        review.page(&query, args.offset, args.limit)?
    };
    if args.json {
        let total = review.count(&query)?;
        json::print(out, &json::list(review, &rows, total, args.offset))?;
    } else {
        output::list(out, lang, review, &rows)?;
    }
    Ok(())
}
