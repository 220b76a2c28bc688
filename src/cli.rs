//! The command line: clap definitions, dispatch to the service, and the mapping of every
//! failure to one clear stderr line and the contract's exit code. Rendering of text and JSON
//! output lives in `cli/output.rs`.

mod filter;
mod info;
mod list;
pub(crate) mod output;
mod reconcile;
mod settle;
mod shell;
mod table;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::{Decision, OpStatus, Outcome, SortKey};
use crate::present::{check_instant, parse_duration, TimeError};
use crate::sanitize::clean;
use crate::service::{self, Clock, Service, ServiceError};

/// Exit code: `reconcile` asked, verdict `not_reconciled`, nothing written.
pub const EXIT_NOT_RECONCILED: u8 = 6;

#[derive(Debug, Parser)]
#[command(
    name = "proofdesk",
    version,
    about = "Investigation console for restore.execute runs: proof, verdicts, reconciliation"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
#[expect(clippy::struct_excessive_bools, reason = "one field per on/off flag of the command line")]
pub struct Global {
    /// Database URL: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: the embedded demo database)
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub db: Option<String>,
    /// Operator handle to act as (default on the demo database: the demo on-call operator)
    #[arg(long = "as", env = "PROOFDESK_OPERATOR", global = true, value_name = "HANDLE")]
    pub operator: Option<String>,
    /// Hide and refuse every write, whatever the operator's role
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Theme name (default, light, high-contrast, mono) or path to a theme TOML file
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// How long without an update before a running operation counts as stale
    #[arg(long, global = true, default_value = "30m", value_parser = duration_arg, value_name = "DURATION")]
    pub stale_after: Duration,
    /// Assess as of this instant (RFC 3339, years 0001 to 9999), for reproducible investigations
    #[arg(long, global = true, value_parser = rfc3339_arg, value_name = "RFC3339")]
    pub now: Option<DateTime<Utc>>,
    /// More detail on errors and in the log file
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Show tenant refs and operator names as stable pseudonyms (demos on real data, screen sharing)
    #[arg(long, global = true)]
    pub redact: bool,
    /// Write diagnostics here (default: $XDG_STATE_HOME/proofdesk/proofdesk.log)
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<std::path::PathBuf>,
    /// Config file (default: $XDG_CONFIG_HOME/proofdesk/config.toml; read, never written)
    #[arg(long, env = "PROOFDESK_CONFIG", global = true, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Use this profile of the config file (database, operator, read-only, theme)
    #[arg(short = 'P', long, env = "PROOFDESK_PROFILE", global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Console: click selects a row, the wheel scrolls, a click focuses a pane
    #[arg(long, global = true)]
    pub mouse: bool,
    /// Console: start clean, without the last session's filter, sort and selection
    #[arg(long, global = true)]
    pub fresh: bool,
    /// What the config file and the profile add (set by `settle` after parsing).
    #[arg(skip)]
    pub settings: crate::config::Settings,
}

fn duration_arg(s: &str) -> Result<Duration, TimeError> {
    parse_duration(s)
}

fn rfc3339_arg(s: &str) -> Result<DateTime<Utc>, TimeError> {
    let at = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| TimeError::BadRfc3339(clean(s).into_owned(), e.to_string()))?;
    check_instant(at, &clean(s))
}

/// A clap parser for one closed vocabulary of the core: `--help` and the usage error list its
/// values (the core crate stays free of clap).
macro_rules! closed_values {
    ($vocab:ty) => {{
        use clap::builder::TypedValueParser as _;
        clap::builder::PossibleValuesParser::new(<$vocab>::ALL.iter().map(|v| v.as_str()))
            .try_map(|s: String| <$vocab>::parse(&s))
    }};
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List visible operation runs, newest first
    Runs(Box<RunsArgs>),
    /// One run: operation, proof bundle, items, evidence, audit trail
    Show {
        id: i64,
        /// markdown: a note to paste into a ticket (heading, verdict, checklist, items, evidence, audit, reconciliation)
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
        /// Add each item's provider payload (secrets masked)
        #[arg(long)]
        raw: bool,
    },
    /// The verdict now; writes nothing
    Assess {
        id: i64,
        /// text: for reading; json: the contract's object
        #[arg(long, value_enum, default_value_t = TextFormat::Text)]
        format: TextFormat,
    },
    /// Reconcile one run (or every stale one) through the service transition
    Reconcile(ReconcileArgs),
    /// Database commands (no operator needed)
    #[command(subcommand)]
    Db(DbCommand),
    /// A shell completion script on standard output, e.g. `proofdesk completions bash > ~/.local/share/bash-completion/completions/proofdesk`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on standard output, e.g. `proofdesk man | man -l -`
    Man,
    /// Version, commit, config file, profile, database (never a password), operator, schema, paths
    Info {
        #[arg(long, value_enum, default_value_t = TextFormat::Text)]
        format: TextFormat,
    },
}

/// The filters that are a bare flag (a bare word in the filter language).
#[derive(Debug, Args)]
pub struct FlagFilters {
    /// Only stale, non-terminal runs
    #[arg(long)]
    pub stale: bool,
    /// Only runs with a proof gap, or drift
    #[arg(long)]
    pub gap: bool,
    /// Only completed restore.execute runs whose recorded success the proof no longer supports
    #[arg(long)]
    pub drift: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Operation type (repeatable; `any` for every type; default restore.execute)
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// The run's status (repeatable)
    #[arg(long = "status", value_parser = closed_values!(OpStatus))]
    pub statuses: Vec<OpStatus>,
    /// The run's recorded outcome (repeatable)
    #[arg(long = "outcome", value_parser = closed_values!(Outcome))]
    pub outcomes: Vec<Outcome>,
    /// The verdict's decision (repeatable)
    #[arg(long = "decision", value_parser = closed_values!(Decision))]
    pub decisions: Vec<Decision>,
    /// Workspace id or name
    #[arg(long = "workspace")]
    pub workspaces: Vec<String>,
    /// Environment id or name
    #[arg(long = "environment")]
    pub environments: Vec<String>,
    #[command(flatten)]
    pub flags: FlagFilters,
    /// Filters in the console's filter-bar language, e.g. 'status:running env:"Contoso Prod" stale gap'
    /// (the flags above add to it)
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Print only the number of matching runs (every page, not --limit)
    #[arg(long, conflicts_with = "format")]
    pub count: bool,
    /// Created at or after: RFC 3339 (2026-11-20T12:00:00Z), a date (2026-11-20, midnight UTC),
    /// or a duration back from now (24h, 7d, -24h; units s m h d w, at most 36500d);
    /// `--since -24h` and `--since=-24h` both work
    #[arg(long, allow_hyphen_values = true, value_name = "TIME")]
    pub since: Option<String>,
    /// Created at or before: same syntax as --since
    #[arg(long, allow_hyphen_values = true, value_name = "TIME")]
    pub until: Option<String>,
    /// Policy names, run ids, tenant refs (repeatable; at most 32 values of 256 characters per filter)
    #[arg(long = "search", value_name = "TEXT")]
    pub search: Vec<String>,
    /// Print at most this many runs (1 to 100000); the table's last line says how many match
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
    /// table: for reading; json: one array; ndjson: one run per line, for pipes
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Every table column whole (default: fit the terminal, or 80 columns when not a terminal)
    #[arg(long)]
    pub wide: bool,
    /// Order by this column, then by id: times and ids newest (highest) first, words A to Z
    #[arg(long, value_name = "KEY", value_parser = sort_keys())]
    pub sort: Option<SortKey>,
    /// Reverse the order (oldest first, Z to A)
    #[arg(long)]
    pub reverse: bool,
}

/// The values of `--sort`: the names of [`SortKey::ALL`].
fn sort_keys() -> impl clap::builder::TypedValueParser<Value = SortKey> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(SortKey::ALL.map(SortKey::name))
        .map(|s: String| SortKey::parse(&s).unwrap_or_default())
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The run to reconcile (or --stale for every stale run)
    #[arg(conflicts_with = "stale")]
    pub id: Option<i64>,
    /// Every stale, non-terminal, visible, reconcilable restore.execute run
    #[arg(long)]
    pub stale: bool,
    /// Report what would be written and write nothing (one run, or with --stale every stale one)
    #[arg(long)]
    pub dry_run: bool,
    /// Abort with proof_changed unless the verdict is this decision
    #[arg(long, value_parser = closed_values!(Decision), conflicts_with = "stale")]
    pub expect: Option<Decision>,
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
    /// A ticket or reason, stored in the audit metadata
    #[arg(long)]
    pub note: Option<String>,
    /// text: for reading; json: the contract's object
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply migrations
    Migrate,
    /// Load a fixture file (all or nothing)
    Load { file: std::path::PathBuf },
    /// The demo data set: every proof rule at least once, plus N synthetic runs
    SeedDemo {
        #[arg(long, default_value_t = 0)]
        runs: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Ndjson,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub detail: Option<String>,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self { code: 2, message: message.into(), detail: None }
    }

    /// A prompt that could not be shown or answered on the terminal: nothing was written.
    fn prompt(e: &std::io::Error) -> Self {
        Self { code: 1, message: format!("cannot ask for confirmation: {e}"), detail: None }
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        Self { code: e.exit_code(), message: e.to_string(), detail: Some(format!("{e:?}")) }
    }
}

/// Standard output closed by its reader (`proofdesk runs | head -1`) ends the command quietly
/// with exit 0, as other command-line tools do; any other I/O failure is exit 1.
impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Self { code: 0, message: String::new(), detail: None };
        }
        Self { code: 1, message: e.to_string(), detail: None }
    }
}

/// Writes one line to standard error, sanitized; a closed or failing stderr is ignored (there
/// is nowhere left to say anything), never a panic as `eprintln!` would.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", clean(line));
}

/// A command-line usage error: help and version go to stdout (exit 0), anything else is the
/// error, sanitized (it echoes what was typed), on stderr with exit 2. Write failures are
/// ignored, like every other line on a closed pipe.
fn clap_exit(e: &clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    let text = e.render().to_string();
    let mut err = std::io::stderr().lock();
    if matches!(e.kind(), clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue) {
        // A bad value is one line: what was wrong with it says it all.
        // A closed set's values follow on the same line.
        let first = text.lines().next().unwrap_or_default();
        let first = first.strip_prefix("error: ").unwrap_or(first);
        let valid = match e.get(clap::error::ContextKind::ValidValue) {
            Some(clap::error::ContextValue::Strings(v)) if !v.is_empty() => format!(" (one of {})", v.join(", ")),
            _ => String::new(),
        };
        let _ = writeln!(err, "proofdesk: {}{valid}", clean(first));
    } else {
        for line in text.trim_end().lines() {
            let _ = writeln!(err, "{}", clean(line));
        }
    }
    ExitCode::from(2)
}

/// Parses the command line, runs it, and turns any failure into one stderr line and its code.
#[must_use]
pub fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    if let Err(e) = settle::settle(&mut cli.global) {
        note(&format!("proofdesk: {e}"));
        return ExitCode::from(2);
    }
    let verbose = cli.global.verbose;
    crate::logging::init(cli.global.log_file.clone(), verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            note(&format!("proofdesk: cannot start the runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            if !f.message.is_empty() {
                note(&format!("proofdesk: {}", f.message));
                if let (true, Some(detail)) = (verbose, f.detail) {
                    note(&format!("  detail: {}", service::redact_passwords(&detail)));
                }
            }
            ExitCode::from(f.code)
        }
    }
}

fn clock(g: &Global) -> Clock {
    g.now.map_or_else(Clock::system, Clock::fixed)
}

async fn open(g: &Global) -> Result<Service, Failure> {
    let service = Service::open(settle::open_options(g)?).await?.with_replica(settle::read_url(g)?.as_deref()).await?;
    Ok(service.with_redaction(g.redact).with_profile(settle::profile_tag(g)))
}

/// Runs one parsed command line; returns the exit code.
///
/// # Errors
/// A [`Failure`] carrying the contract's exit code.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    let g = &cli.global;
    match cli.command {
        None => {
            // Refuse early, before the database is touched, with the usage exit code.
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            crate::tui::Theme::resolve(g.theme.as_deref(), no_color).map_err(|e| Failure::usage(e.to_string()))?;
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                return Err(Failure::usage(
                    "the console needs a terminal; use `proofdesk runs`, `show`, `assess` or `reconcile` instead",
                ));
            }
            if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
                return Err(Failure::usage(
                    "TERM=dumb cannot draw the console; use `proofdesk runs`, `show`, `assess` or `reconcile` instead",
                ));
            }
            // The console draws its first frame while the session opens.
            let connecting = crate::tui::Connecting { label: settle::label(g), profile: settle::profile_tag(g) };
            match crate::tui::run(open(g), connecting, g.theme.as_deref(), (g.mouse, g.fresh)).await {
                Ok(Ok(code)) => Ok(code),
                Ok(Err(failure)) => Err(failure),
                Err(e) => Err(Failure { code: 1, message: e.to_string(), detail: Some(format!("{e:?}")) }),
            }
        }
        Some(Command::Db(cmd)) => db(g, cmd).await,
        Some(Command::Completions { shell }) => shell::completions(shell),
        Some(Command::Man) => shell::man(),
        Some(Command::Info { format }) => info::info(g, format).await,
        Some(Command::Runs(args)) => session(g, async |service| list::runs(service, &args).await).await,
        Some(Command::Show { id, format, raw }) => {
            session(g, async |service| {
                let detail = service.detail(id, raw).await?;
                let now = service.now();
                let mut out = std::io::stdout().lock();
                match format {
                    ShowFormat::Json => output::print_json(&mut out, &output::detail_json(&detail, raw))?,
                    ShowFormat::Text => output::detail_text(&mut out, &detail, now, raw)?,
                    ShowFormat::Markdown => crate::present::markdown::detail_markdown(&mut out, &detail, now)?,
                }
                Ok(0)
            })
            .await
        }
        Some(Command::Assess { id, format }) => {
            session(g, async |service| {
                let view = service.assess(id).await?;
                let mut out = std::io::stdout().lock();
                match format {
                    TextFormat::Json => output::print_json(&mut out, &output::assessment_json(&view))?,
                    TextFormat::Text => output::assessment_text(&mut out, &view)?,
                }
                Ok(0)
            })
            .await
        }
        Some(Command::Reconcile(args)) => {
            session(g, async |service| {
                if args.stale {
                    reconcile::stale(service, &args).await
                } else {
                    let id = args.id.ok_or_else(|| Failure::usage(NO_RUN_ID))?;
                    reconcile::one(service, id, &args).await
                }
            })
            .await
        }
    }
}

/// `reconcile` with neither a run id nor `--stale`.
const NO_RUN_ID: &str = "reconcile needs a run id (e.g. `proofdesk reconcile 1066`), or --stale for every stale run";

/// Opens the operator's session, runs `command` with it and closes it before returning the
/// command's result, whatever it is: PostgreSQL's connections then end with a goodbye instead
/// of a reset the server logs for each command, and SQLite's file is left whole.
async fn session(g: &Global, command: impl AsyncFnOnce(&Service) -> Result<u8, Failure>) -> Result<u8, Failure> {
    let service = open(g).await?;
    let result = command(&service).await;
    service.close().await;
    result
}

async fn db(g: &Global, cmd: DbCommand) -> Result<u8, Failure> {
    if g.read_only {
        // Every `db` command writes (a schema, rows); --read-only writes nothing by any path.
        return Err(ServiceError::Forbidden(crate::domain::Denied::ReadOnlySession).into());
    }
    let admin = service::Admin::open(settle::connect_url(g)?.as_deref(), clock(g)).await?;
    let result = match cmd {
        DbCommand::Migrate => writeln!(std::io::stdout().lock(), "migrations applied: {}", clean(admin.label()))
            .map(|()| 0)
            .map_err(Failure::from),
        DbCommand::Load { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            match admin.load_fixture(&text).await {
                Ok(rows) => {
                    let path = file.display().to_string();
                    writeln!(std::io::stdout().lock(), "loaded {rows} rows from {}", clean(&path))
                        .map(|()| 0)
                        .map_err(Failure::from)
                }
                Err(ServiceError::Usage(m)) => Err(Failure::usage(format!("{}: {m}", file.display()))),
                Err(e) => Err(e.into()),
            }
        }
        DbCommand::SeedDemo { runs } => match admin.seed_demo(clock(g).now(), runs).await {
            Ok(r) => writeln!(
                std::io::stdout().lock(),
                "seeded {}: {} scenario rows, {} synthetic runs",
                clean(admin.label()),
                r.scenario_rows,
                r.synthetic_runs
            )
            .map(|()| 0)
            .map_err(Failure::from),
            Err(e) => Err(e.into()),
        },
    };
    admin.close().await;
    result
}
