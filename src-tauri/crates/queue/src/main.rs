//! `countersign-queue`: serve the queue, manage users, seed demo work, verify the audit chain,
//! export feedback.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use countersign_domain::{NewItem, Role};
use countersign_queue::callbacks::CallbackAllow;
use countersign_queue::feedback::FeedbackFormat;
use countersign_queue::policy::Span;
use countersign_queue::stats::{Scope, thresholds};
use countersign_queue::{
    Clock, Db, Policy, ServeOptions, SystemClock, audit, audit_bundle, auth, feedback, gold, teams,
    users, webhook,
};
use strum::VariantArray;

const DEFAULT_DATABASE: &str = "sqlite://countersign-queue.db";
/// The actor the audit log names for changes made with this command.
const CLI_ACTOR: &str = "cli";

#[derive(Parser)]
#[command(
    name = "countersign-queue",
    version,
    about = "The Countersign review queue service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct DatabaseArg {
    /// sqlite://PATH (the default, created when missing) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "COUNTERSIGN_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API until SIGTERM or SIGINT.
    Serve {
        #[command(flatten)]
        database: DatabaseArg,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, env = "COUNTERSIGN_LISTEN", default_value = "127.0.0.1:8470")]
        listen: String,
        /// Routing policy (TOML); see default-policy.toml for the format.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Webhook signing secret, whsec_<base64>; made and kept in the database when unset.
        #[arg(long, env = "COUNTERSIGN_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: Option<String>,
        /// Allow only these callback_url hosts (repeatable): a host name, *.domain, an IP
        /// address or a CIDR range. Unset: any callback_url.
        #[arg(long = "callback-allow", value_name = "PATTERN")]
        callback_allow: Vec<String>,
    },
    /// Manage teams.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Submit realistic demo items of the three built-in kinds.
    #[cfg(feature = "demo")]
    SeedDemo {
        #[arg(long, default_value_t = 60)]
        count: usize,
        /// Seed for the generator: the same seed gives the same items.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Route by the demo policy: each kind to its team (fraud, editorial, clinical, created
        /// when missing), with deadlines. Without it, the built-in policy (no teams).
        #[arg(long)]
        teams: bool,
        /// First, on a fresh database, about two weeks of past work decided by simulated
        /// reviewers (docs/cli.md, "seed-demo --history").
        #[arg(long, requires = "teams")]
        history: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Check the audit log's hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Export human feedback as JSON Lines on stdout.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Print the webhook signing secret (whsec_…) receivers verify signatures with.
    WebhookSecret {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Print the OpenAPI document the service serves at /openapi.json (for client generators).
    Openapi,
    /// Oversight reports (docs/cli.md): what the audits of auto-approvals and the shadow rules show.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Gold items: items with a known answer that measure the reviewers (docs/protocol.md).
    Gold {
        #[command(subcommand)]
        command: GoldCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The AI's error rate on audited auto-approvals and the recommended threshold per kind and model.
    Thresholds {
        #[command(flatten)]
        report: ReportArgs,
    },
    /// How often each shadow rule agreed with the live route and with the people who judged.
    Shadow {
        #[command(flatten)]
        report: ReportArgs,
    },
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Print the report as JSON (the body of GET /v1/stats/thresholds) instead of a table.
    #[arg(long)]
    json: bool,
    /// The routing policy the queue serves with (its target_error and shadow rules); default: built-in.
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Subcommand)]
enum GoldCommand {
    /// Add the gold items in FILE: one submission with `gold`, or a JSON array of them.
    Add {
        file: PathBuf,
        /// The routing policy the queue serves with (its rules and [teams.NAME] gold rates);
        /// unset: the built-in policy.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Create a team.
    Add {
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print its token (the only time it is shown) as the only line on stdout.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A team the user joins (repeatable; the team must exist).
        #[arg(long = "team", value_name = "TEAM")]
        teams: Vec<String>,
        /// The token stops working after this long: 45s, 30m, 12h, 90d. Unset: never.
        #[arg(long, value_parser = parse_span)]
        expires_in: Option<Span>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Give a user a new token and print it as the only line on stdout; every older one stops
    /// working at once.
    #[command(visible_alias = "rotate-token")]
    Token {
        name: String,
        /// The new token stops working after this long. Unset: never.
        #[arg(long, value_parser = parse_span)]
        expires_in: Option<Span>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Refuse the user's token at once and return their leases to the queue.
    Disable {
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Let a disabled user's token work again.
    Enable {
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Set the full name the user's electronic signatures print.
    FullName {
        name: String,
        full_name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Let a user sign again after too many wrong signing PINs locked it.
    UnlockSigning {
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn parse_span(text: &str) -> Result<Span, String> {
    text.parse()
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Exit 0 when the chain is intact; otherwise name the first entry that does not verify.
    /// With --file, check an audit bundle instead, without any database.
    Verify {
        /// An audit bundle made by `audit export` (JSON Lines); the database is not opened.
        #[arg(long)]
        file: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Write an audit bundle (JSON Lines) on stdout that `audit verify --file` checks offline:
    /// the whole chain, with the selected entries whole (docs/protocol.md, "Audit bundle").
    Export {
        /// Only the entries about this item are carried whole.
        #[arg(long = "item", value_name = "ID")]
        item_id: Option<String>,
        /// Only entries appended at or after this time (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        from: Option<DateTime<Utc>>,
        /// Only entries appended before this time (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        to: Option<DateTime<Utc>>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| format!("not an RFC 3339 time ({error}), e.g. 2026-11-25T12:00:00Z"))
}

#[derive(Subcommand)]
enum ExportCommand {
    Feedback {
        #[arg(long, value_parser = FeedbackFormat::parse)]
        format: FeedbackFormat,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse().map_err(|_| {
        let names: Vec<&str> = Role::VARIANTS.iter().map(|role| role.as_str()).collect();
        format!(
            "unknown role {text:?}: expected one of {}",
            names.join(", ")
        )
    })
}

async fn open(database: &DatabaseArg) -> Result<Db> {
    Ok(Db::open(&database.database).await?)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve {
            database,
            listen,
            policy,
            webhook_secret,
            callback_allow,
        } => {
            let policy = match policy {
                Some(path) => Policy::load(&path)?,
                None => Policy::builtin(),
            };
            let server = countersign_queue::start(ServeOptions {
                database_url: database.database,
                listen,
                policy,
                webhook_secret,
                clock: Arc::new(SystemClock),
                callback_allow: CallbackAllow::parse(&callback_allow)?,
            })
            .await?;
            tracing::info!(database = %server.state.db.display_url, "queue service started");
            // Scripts and tests wait for this line to know the port.
            println!("listening on {}", server.url());
            std::io::stdout().flush().context("writing to stdout")?;
            server.run_until(shutdown_signal()).await;
            tracing::info!("stopped");
        }
        Command::Team {
            command: TeamCommand::Add { name, database },
        } => {
            let db = open(&database).await?;
            teams::add(&db, &name, SystemClock.now()).await?;
            eprintln!("team {name} created");
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    teams,
                    expires_in,
                    database,
                },
        } => {
            let db = open(&database).await?;
            let now = SystemClock.now();
            let spec = auth::UserSpec {
                name: &name,
                role,
                teams: &teams,
                token_expires_at: expires_in.map(|span| now + span.0),
            };
            println!("{}", auth::add_user_with(&db, &spec, now).await?);
        }
        Command::User {
            command:
                UserCommand::Token {
                    name,
                    expires_in,
                    database,
                },
        } => {
            let db = open(&database).await?;
            let now = SystemClock.now();
            let expires_at = expires_in.map(|span| now + span.0);
            let issued = auth::issue_token(&db, CLI_ACTOR, &name, expires_at, now).await?;
            println!("{}", issued.token);
            if let Some(at) = issued.expires_at {
                eprintln!("the token expires at {}", at.to_rfc3339());
            }
        }
        Command::User {
            command: UserCommand::Disable { name, database },
        } => set_disabled(open(&database).await?, &name, true).await?,
        Command::User {
            command: UserCommand::Enable { name, database },
        } => set_disabled(open(&database).await?, &name, false).await?,
        Command::User {
            command:
                UserCommand::FullName {
                    name,
                    full_name,
                    database,
                },
        } => {
            let state = cli_state(open(&database).await?);
            let change = users::UserChange {
                full_name: Some(full_name),
                ..Default::default()
            };
            users::update(&state, CLI_ACTOR, &name, &change).await?;
            eprintln!("user {name}'s full name is set");
        }
        Command::User {
            command: UserCommand::UnlockSigning { name, database },
        } => {
            let state = cli_state(open(&database).await?);
            countersign_queue::signing::unlock(&state, CLI_ACTOR, &name).await?;
            eprintln!("user {name} may sign again");
        }
        #[cfg(feature = "demo")]
        Command::SeedDemo {
            count,
            seed,
            teams,
            history,
            database,
        } => {
            let db = open(&database).await?;
            if history {
                let seeded = countersign_queue::demo_history::seed(&db, SystemClock.now()).await?;
                eprintln!("{}", history_line(seeded));
            }
            let (created, fixed) = seed_demo(db, count, seed, teams).await?;
            eprintln!(
                "seeded {created} new demo items ({count} requested, plus {fixed} support replies and code changes; existing ones are kept)"
            );
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    file: Some(file),
                    database: _,
                },
        } => {
            let bundle = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            return Ok(
                match audit_bundle::verify(std::io::BufReader::new(bundle)) {
                    Ok(summary) => {
                        println!(
                            "audit bundle intact: {} lines, {} entries whole, chain to entry {} ({})",
                            summary.lines, summary.entries, summary.head.seq, summary.head.hash
                        );
                        ExitCode::SUCCESS
                    }
                    Err(broken) => {
                        eprintln!("audit bundle broken: {broken}");
                        ExitCode::FAILURE
                    }
                },
            );
        }
        Command::Audit {
            command:
                AuditCommand::Export {
                    item_id,
                    from,
                    to,
                    database,
                },
        } => {
            let db = open(&database).await?;
            let filter = audit_bundle::BundleFilter { item_id, from, to };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let carried = audit_bundle::export(&db, &filter, &mut out).await?;
            eprintln!("exported {carried} audit entries whole");
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    file: None,
                    database,
                },
        } => {
            let db = open(&database).await?;
            return Ok(match audit::verify(&db).await? {
                Ok(count) => {
                    println!("audit chain intact: {count} entries verified");
                    ExitCode::SUCCESS
                }
                Err(broken) => {
                    eprintln!("audit chain broken: {broken}");
                    ExitCode::FAILURE
                }
            });
        }
        Command::Export {
            command: ExportCommand::Feedback { format, database },
        } => {
            let db = open(&database).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut after = String::new();
            loop {
                let (lines, next) = feedback::page(&db, format, &after).await?;
                for line in lines {
                    writeln!(out, "{line}").context("writing the export to stdout")?;
                }
                match next {
                    Some(next) => after = next,
                    None => break,
                }
            }
            out.flush().context("writing the export to stdout")?;
        }
        Command::WebhookSecret { database } => {
            let db = open(&database).await?;
            let secret = webhook::WebhookSecret::resolve(&db, None).await?;
            println!("{}", secret.as_text());
        }
        Command::Report { command } => {
            let (report, shadow_only) = match command {
                ReportCommand::Thresholds { report } => (report, false),
                ReportCommand::Shadow { report } => (report, true),
            };
            let policy = match &report.policy {
                Some(path) => Policy::load(path)?,
                None => Policy::builtin(),
            };
            let db = open(&report.database).await?;
            let found = thresholds::thresholds(&db, &policy, &Scope::Everything).await?;
            if report.json {
                let json = if shadow_only {
                    serde_json::to_string_pretty(&found.shadow)
                } else {
                    serde_json::to_string_pretty(&found)
                };
                println!("{}", json.context("serialising the report")?);
            } else if shadow_only {
                print!("{}", thresholds::shadow_table(&found));
            } else {
                print!("{}", thresholds::table(&found));
            }
        }
        Command::Gold {
            command:
                GoldCommand::Add {
                    file,
                    policy,
                    database,
                },
        } => add_gold(&file, policy.as_deref(), open(&database).await?).await?,
        Command::Openapi => {
            let document = countersign_queue::openapi_document()
                .to_pretty_json()
                .context("serialising the OpenAPI document")?;
            println!("{document}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Disables or enables a user from the command line (the actor in the audit log is `cli`).
/// The state a one-off CLI command acts through.
fn cli_state(db: Db) -> countersign_queue::AppState {
    countersign_queue::AppState::new(db, Policy::builtin(), Arc::new(SystemClock))
}

async fn set_disabled(db: Db, name: &str, disabled: bool) -> Result<()> {
    let state = cli_state(db);
    let change = users::UserChange {
        disabled: Some(disabled),
        ..Default::default()
    };
    users::update(&state, CLI_ACTOR, name, &change).await?;
    eprintln!(
        "user {name} {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

/// Adds the gold items of `file` by the rule `POST /v1/items` applies to an admin's (the actor in
/// the audit log is `cli`): all are read and checked first; then each is added in turn.
async fn add_gold(file: &std::path::Path, policy: Option<&std::path::Path>, db: Db) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let shape = || {
        format!(
            "{} holds no gold submission, nor an array of them",
            file.display()
        )
    };
    let items: Vec<NewItem> = match serde_json::from_str(&text).with_context(shape)? {
        serde_json::Value::Array(items) => serde_json::from_value(serde_json::Value::Array(items)),
        item => serde_json::from_value(item).map(|item| vec![item]),
    }
    .with_context(shape)?;
    for new in &items {
        new.validate()
            .with_context(|| format!("gold item {:?}", new.external_id))?;
        if new.gold.is_none() {
            anyhow::bail!(
                "{:?} has no `gold`: real work comes from producers",
                new.external_id
            );
        }
    }
    let policy = match policy {
        Some(path) => Policy::load(path)?,
        None => Policy::builtin(),
    };
    policy.check_teams(&db).await?;
    let state = countersign_queue::AppState::new(db, policy, Arc::new(SystemClock));
    for new in &items {
        let added = gold::add(&state, CLI_ACTOR, new)
            .await
            .with_context(|| format!("gold item {:?}", new.external_id))?;
        let done = if added.created {
            "added"
        } else {
            "already added"
        };
        eprintln!("gold item {} ({}) {done}", new.external_id, added.item.id);
    }
    Ok(())
}

/// What `seed-demo --history` says it did.
#[cfg(feature = "demo")]
fn history_line(seeded: countersign_queue::demo_history::Seeded) -> String {
    use countersign_queue::demo_history::Seeded;
    match seeded {
        Seeded::Added { items, decisions } => format!(
            "seeded the demo history: {items} items, {decisions} decisions by simulated reviewers"
        ),
        Seeded::AlreadyThere => "the demo history is already there".into(),
        Seeded::NotFresh => "the database already holds work: the demo history is left out".into(),
    }
}

/// Registers the demo kinds and submits demo items as the demo producer (created when missing):
/// `count` generated ones and the fixed support replies and code changes; with `teams`, routed by
/// the demo policy to the demo teams (created when missing). Returns how many were new, and how
/// many fixed items there are.
#[cfg(feature = "demo")]
async fn seed_demo(db: Db, count: usize, seed: u64, with_teams: bool) -> Result<(usize, usize)> {
    let clock = Arc::new(SystemClock);
    let policy = if with_teams {
        teams::ensure(&db, &teams::DEMO_TEAMS, clock.now()).await?;
        Policy::demo()
    } else {
        Policy::builtin()
    };
    let state = countersign_queue::AppState::new(db, policy, clock.clone());
    let now = clock.now();
    let mut batch = countersign_demo::demo_items(count, seed, now);
    let fixed = countersign_demo::assistant_items(now);
    let fixed_count = fixed.len();
    batch.extend(fixed);
    let producer = countersign_demo::DEMO_PRODUCER;
    let kinds = countersign_demo::demo_kinds();
    let created =
        countersign_queue::items::submit_as_producer(&state, producer, &kinds, &batch).await?;
    Ok((created, fixed_count))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the service");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
