//! `countersign-cli`: the headless front end over the desktop core (see docs/cli.md). The core's errors
//! say what went wrong; the hints that name this CLI's flags and commands are added here (`hint`).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use countersign_client::model::{
    AssignmentStatus, DecisionInput, ListQuery, NotificationStatus, SortOrder,
};
use countersign_client::notify::DesktopNotifier;
use countersign_client::remote::{QueueClient, Token, normalise_server_url};
use countersign_client::search::IdentifierFields;
use countersign_client::secrets::OsKeyring;
use countersign_client::session;
use countersign_client::shift;
use countersign_client::status::status_report;
use countersign_client::store::{Store, StoreError};
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Action, ItemId, Stage};

#[path = "countersign-cli/blind.rs"]
mod blind;
#[path = "countersign-cli/hints.rs"]
mod hints;
#[path = "countersign-cli/output.rs"]
mod output;
#[path = "countersign-cli/signing.rs"]
mod signing;
use hints::{hint, is_broken_pipe};
use output::{pretty, print_fatigue, print_hits, print_json, print_table};
use serde_json::{Value, json};
use signing::{PIN_ENV, SigningCommand};

/// Used when neither --server nor the data directory names a server.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8470";
/// A one-shot sync gives up before this, so that it exits well within the promised 30 s.
const ONE_SHOT_DEADLINE: Duration = Duration::from_secs(25);
/// `status` never waits long for the server or the notification daemon.
const STATUS_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Parser)]
#[command(
    name = "countersign-cli",
    version,
    about = "Review AI proposals from the command line"
)]
struct Cli {
    /// Holds the local store, the client id and the mutation counter; created if missing.
    #[arg(long, global = true, env = session::DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The queue service; defaults to the one this data directory already syncs with.
    #[arg(long, global = true, env = session::SERVER_ENV, value_name = "URL")]
    server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send decisions and fetch assignments: one round, or continuously with --watch.
    Sync {
        /// Keep syncing (server events, retries with backoff) until stopped.
        #[arg(long)]
        watch: bool,
    },
    /// The assignments held here.
    List {
        #[arg(long)]
        json: bool,
        #[arg(long, value_parser = assignment_status())]
        status: Option<AssignmentStatus>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_enum)]
        stage: Option<StageArg>,
        #[arg(long, value_enum, default_value = "priority")]
        sort: SortArg,
        /// One page of this many rows (all rows when omitted).
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Search the assignments held here (offline): words, "phrases", prefix*, -excluded, a OR b, and
    /// the kinds' field filters such as merchant:acme (docs/cli.md). Best matches first.
    Search {
        query: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One assignment with its whole item. Counts as opening it: the next sync reports that, so
    /// its lease keeps renewing (docs/protocol.md, "Pull").
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Record your own verdict on an item read blind first, before its AI proposal is shown; the
    /// next decision on it takes the verdict with it.
    Blind(blind::BlindRead),
    /// Record a decision locally; it is uploaded by the next sync.
    Decide {
        id: String,
        #[arg(value_enum)]
        action: ActionArg,
        /// The reason code (required for reject).
        #[arg(long = "reason")]
        reason: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// The human version of the AI output: JSON when the AI output is JSON, text when it is a string.
        #[arg(long, value_name = "FILE")]
        correction_file: Option<PathBuf>,
        /// A sign-off statement, for items that ask for one (stored as {"statement": TEXT}).
        #[arg(long, value_name = "TEXT", conflicts_with = "attestation_file")]
        attest: Option<String>,
        /// A JSON sign-off, for items that ask for one.
        #[arg(long, value_name = "FILE")]
        attestation_file: Option<PathBuf>,
        /// The correction as an RFC 6902 JSON Patch against the AI output (instead of, or with,
        /// --correction-file).
        #[arg(long, value_name = "FILE")]
        patch_file: Option<PathBuf>,
        /// Why you decided so, kept with the decision and exported.
        #[arg(long, value_name = "TEXT")]
        rationale: Option<String>,
        /// A label for the decision; repeat for more.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Sign the decision electronically with your signing PIN (read from COUNTERSIGN_PIN, else
        /// asked for); items whose policy requires a signature are refused without it.
        #[arg(long)]
        sign: bool,
    },
    /// Take back a decision that has not been uploaded yet.
    Undo { id: String },
    /// Online state, pending uploads, conflicts, last sync, notifications.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Decisions the server kept only as late opinions, with both versions.
    Conflicts {
        #[arg(long)]
        json: bool,
        /// Mark this conflict as seen.
        #[arg(long, value_name = "ID")]
        resolve: Option<i64>,
    },
    /// Store a token in the OS keyring (read from standard input).
    Login,
    /// The reviewer's shift.
    Shift {
        #[command(subcommand)]
        command: ShiftCommand,
    },
    /// Electronic signatures (docs/protocol.md, "Signatures").
    Signing {
        #[command(subcommand)]
        command: SigningCommand,
    },
    /// Your own fatigue signals, from the decisions made here (docs/protocol.md, "Reviewer fatigue").
    Fatigue {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ShiftCommand {
    /// Upload the decisions made (without waiting), then give back every held item not decided, with
    /// a note the next holder sees.
    End {
        /// What the next reviewer should know (shown with each item given back).
        #[arg(long, value_name = "TEXT")]
        note: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ActionArg {
    Approve,
    ApproveWithEdits,
    Reject,
    Escalate,
    Release,
}

impl From<ActionArg> for Action {
    fn from(value: ActionArg) -> Self {
        match value {
            ActionArg::Approve => Action::Approve,
            ActionArg::ApproveWithEdits => Action::ApproveWithEdits,
            ActionArg::Reject => Action::Reject,
            ActionArg::Escalate => Action::Escalate,
            ActionArg::Release => Action::Release,
        }
    }
}

/// `--status`, spelled as the core spells the statuses.
fn assignment_status() -> impl TypedValueParser<Value = AssignmentStatus> {
    PossibleValuesParser::new(AssignmentStatus::ALL.iter().map(|s| s.as_str()))
        .try_map(|name| name.parse::<AssignmentStatus>())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StageArg {
    Review,
    Escalation,
    SecondApproval,
    /// Audits of auto-approved items.
    Audit,
}

impl From<StageArg> for Stage {
    fn from(value: StageArg) -> Self {
        match value {
            StageArg::Review => Stage::Review,
            StageArg::Escalation => Stage::Escalation,
            StageArg::SecondApproval => Stage::SecondApproval,
            StageArg::Audit => Stage::Audit,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    Priority,
    Due,
    Risk,
}

impl From<SortArg> for SortOrder {
    fn from(value: SortArg) -> Self {
        match value {
            SortArg::Priority => SortOrder::Priority,
            SortArg::Due => SortOrder::Due,
            SortArg::Risk => SortOrder::Risk,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // `countersign-cli list | head`: the reader has all it wanted.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            match hint(&error) {
                Some(hint) => eprintln!("countersign-cli: {error:#}; {hint}"),
                None => eprintln!("countersign-cli: {error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("countersign")
}

fn parse_item_id(text: &str) -> anyhow::Result<ItemId> {
    ItemId::from_str(text.trim())
        .with_context(|| format!("{text:?} is not an item id (a UUID, as `list` prints it)"))
}

/// The server to talk to: --server, else the one the data directory is bound to, else the default.
async fn server_url(cli_server: Option<&str>, store: &Store) -> anyhow::Result<String> {
    let url = match cli_server {
        Some(url) => url.to_owned(),
        None => store
            .sync_state()
            .await?
            .server_url
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned()),
    };
    Ok(normalise_server_url(&url)?)
}

fn token_for(server: &str) -> anyhow::Result<Token> {
    Ok(session::token_for(&OsKeyring, server)?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let store = Store::open(&data_dir).await?;
    let clock = SystemClock;
    let server = cli.server.as_deref();
    match cli.command {
        Command::Sync { watch } => {
            let server = server_url(server, &store).await?;
            let remote = QueueClient::new(&server, token_for(&server)?)?;
            let engine = SyncEngine::new(
                store,
                remote,
                Arc::new(DesktopNotifier::default()),
                Arc::new(SystemClock),
            );
            if watch {
                tokio::select! {
                    () = engine.watch() => {}
                    signal = tokio::signal::ctrl_c() => { signal.context("waiting for Ctrl-C")?; }
                }
                return Ok(());
            }
            let report = tokio::time::timeout(ONE_SHOT_DEADLINE, engine.sync_once())
                .await
                .map_err(|_| {
                    anyhow::anyhow!(
                        "sync did not finish within {} s; nothing was lost, run sync again",
                        ONE_SHOT_DEADLINE.as_secs()
                    )
                })??;
            println!(
                "synced: {} sent ({} applied, {} conflicts, {} rejected), {} assignments pulled, {} removed",
                report.pushed,
                report.applied,
                report.conflicts,
                report.rejected,
                report.pulled,
                report.removed
            );
            if let Some(status) = report
                .notifications
                .filter(|s| *s != NotificationStatus::Working)
            {
                eprintln!("notifications {status}");
            }
        }
        Command::List {
            json,
            status,
            kind,
            stage,
            sort,
            limit,
            offset,
        } => {
            let query = ListQuery {
                status,
                kind,
                stage: stage.map(Into::into),
                risk: None,
                sort: sort.into(),
                limit: limit.unwrap_or(0),
                offset,
                ..ListQuery::default()
            };
            let rows = match limit {
                Some(_) => store.list(&query).await?,
                None => store.list_all(&query).await?,
            };
            if json {
                print_json(&rows)?;
            } else {
                print_table(&rows)?;
            }
        }
        Command::Search {
            query,
            kind,
            limit,
            json,
        } => {
            let fields = IdentifierFields::from_kinds(&store.kinds().await?.kinds);
            let filters = ListQuery {
                kind,
                limit,
                ..ListQuery::default()
            };
            let hits = store.search(&query, &fields, &filters).await?.hits;
            if json {
                print_json(&hits)?;
            } else {
                print_hits(&hits)?;
            }
        }
        Command::Show { id, json } => {
            let item_id = parse_item_id(&id)?;
            let Some(detail) = store.open_assignment(item_id).await? else {
                return Err(StoreError::NotHeld(item_id).into());
            };
            // A `decide` after this `show` reports the time between them as the time on item.
            store.record_opening(item_id, SystemClock.now()).await?;
            if json {
                let history = store.history(item_id).await?;
                let mut value = serde_json::to_value(&detail)?;
                value["history"] = serde_json::to_value(history)?;
                print_json(&value)?;
            } else {
                let s = &detail.summary;
                println!("{}  [{}]  {}", s.item_id, s.status, s.title);
                let judged = match s.blind_pending {
                    true => format!("the AI's risk and confidence {}", blind::WITHHELD),
                    false => format!("risk {:?}  confidence {:.2}", s.risk, s.confidence),
                };
                let (kind, stage) = (&s.kind, s.stage.as_str());
                println!(
                    "kind {kind}  stage {stage}  priority {}  {judged}",
                    s.priority
                );
                if let Some(message) = &s.status_message {
                    println!("server: {message}");
                }
                if let Some(read) = &detail.blind_read {
                    println!(
                        "your read: {}, confidence {}",
                        read.verdict.as_str(),
                        read.confidence
                    );
                }
                println!("AI output:\n{}", pretty(&detail.item.ai.output));
                if let Some(reasoning) = &detail.item.ai.reasoning {
                    println!("AI reasoning:\n{reasoning}");
                }
                println!("payload:\n{}", pretty(&detail.item.payload));
                for line in signing::describe(&detail.item) {
                    println!("{line}");
                }
            }
        }
        Command::Blind(read) => {
            let item_id = parse_item_id(&read.id)?;
            read.run(&store, item_id, clock.now()).await?;
        }
        Command::Decide {
            id,
            action,
            reason,
            note,
            correction_file,
            attest,
            attestation_file,
            patch_file,
            rationale,
            tags,
            sign,
        } => {
            let item_id = parse_item_id(&id)?;
            let mut input = DecisionInput::new(action.into());
            input.reason_code = reason;
            input.note = note;
            input.rationale = rationale;
            input.tags = tags;
            if let Some(path) = patch_file {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the patch file {}", path.display()))?;
                input.patch = Some(serde_json::from_str(&text).with_context(|| {
                    format!("{} must hold an RFC 6902 JSON Patch", path.display())
                })?);
            }
            if let Some(path) = correction_file {
                let Some(detail) = store.get(item_id).await? else {
                    return Err(StoreError::NotHeld(item_id).into());
                };
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("cannot read the correction file {}", path.display())
                })?;
                input.correction = Some(if detail.item.ai.output.is_string() {
                    Value::String(text)
                } else {
                    serde_json::from_str(&text).with_context(|| {
                        format!(
                            "the AI output of this item is JSON, so {} must hold JSON",
                            path.display()
                        )
                    })?
                });
            }
            if let Some(statement) = attest {
                input.attestation = Some(json!({ "statement": statement }));
            }
            if let Some(path) = attestation_file {
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("cannot read the attestation file {}", path.display())
                })?;
                input.attestation = Some(
                    serde_json::from_str(&text)
                        .with_context(|| format!("{} must hold JSON", path.display()))?,
                );
            }
            let signer = if sign {
                let server = server_url(server, &store).await?;
                let remote = QueueClient::new(&server, token_for(&server)?)?;
                Some(signing::signer(&remote).await?)
            } else {
                None
            };
            let decision = store
                .decide_signed(item_id, &input, signer.as_ref(), clock.now())
                .await?;
            println!(
                "recorded {:?} on {item_id} (decision {}); it will be uploaded by the next sync",
                decision.action, decision.decision_id
            );
        }
        Command::Undo { id } => {
            let item_id = parse_item_id(&id)?;
            store.undo(item_id, clock.now()).await?;
            println!("undone: {item_id} is open again");
        }
        Command::Fatigue { json } => {
            let signals = store.own_fatigue(SystemClock.now()).await?;
            if json {
                print_json(&signals)?;
            } else {
                print_fatigue(&signals)?;
            }
        }
        Command::Status { json } => {
            let server = server_url(server, &store).await?;
            let report = status_report(
                &store,
                &server,
                Arc::new(DesktopNotifier::default()),
                STATUS_PROBE_TIMEOUT,
            )
            .await?;
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["data_dir"] = json!(data_dir);
                print_json(&value)?;
            } else {
                println!(
                    "{} {}\npending uploads: {}\nconflicts: {}\nlast sync: {}\nnotifications: {}",
                    if report.online { "online" } else { "offline" },
                    report.server,
                    report.pending,
                    report.conflicts,
                    report
                        .last_sync
                        .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339()),
                    report.notifications
                );
            }
        }
        Command::Conflicts { json, resolve } => {
            if let Some(id) = resolve {
                store.resolve_conflict(id, clock.now()).await?;
            }
            let conflicts = store.conflicts(false).await?;
            if json {
                print_json(&conflicts)?;
            } else {
                for c in &conflicts {
                    println!("#{}  {}  {}: {}", c.id, c.item_id, c.code, c.message);
                }
            }
        }
        Command::Login => {
            let server = server_url(server, &store).await?;
            eprintln!("paste the token for {server} and press Enter:");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the token from standard input")?;
            if line.trim().is_empty() {
                bail!("no token given");
            }
            let signed_in = session::sign_in(&OsKeyring, &server, &line).await?;
            println!(
                "logged in to {} as {} ({})",
                signed_in.server,
                signed_in.me.name,
                signed_in.me.role.as_str()
            );
        }
        Command::Shift {
            command: ShiftCommand::End { note },
        } => {
            let server = server_url(server, &store).await?;
            let remote = QueueClient::new(&server, token_for(&server)?)?;
            let engine = SyncEngine::new(
                store.clone(),
                remote,
                Arc::new(DesktopNotifier::default()),
                Arc::new(SystemClock),
            );
            let end = tokio::time::timeout(
                ONE_SHOT_DEADLINE,
                shift::end_shift(&store, &engine, &note, clock.now()),
            )
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "ending the shift did not finish within {} s; what was queued stays queued, run `shift end` again",
                    ONE_SHOT_DEADLINE.as_secs()
                )
            })??;
            println!(
                "shift ended: {} items released with your note, {} uploaded, {} still pending",
                end.released, end.uploaded, end.pending
            );
            if let Some(error) = &end.upload_error {
                eprintln!("not uploaded yet ({error}); run `sync` when the server is back");
            }
        }
        Command::Signing { command } => {
            let server = server_url(server, &store).await?;
            let remote = QueueClient::new(&server, token_for(&server)?)?;
            signing::run(&remote, command).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_table() {
        let cases: Vec<(&str, bool)> = vec![
            ("countersign-cli --data-dir d sync", true),
            (
                "countersign-cli sync --watch --server http://127.0.0.1:1",
                true,
            ),
            ("countersign-cli list --json --status open --sort due", true),
            (
                "countersign-cli show 0190a0a0-0000-7000-8000-000000000000 --json",
                true,
            ),
            (
                "countersign-cli decide X approve-with-edits --correction-file f",
                true,
            ),
            (
                "countersign-cli decide X reject --reason dup --note n",
                true,
            ),
            ("countersign-cli decide X escalate", true),
            ("countersign-cli decide X release", true),
            ("countersign-cli decide X approve --attest reviewed", true),
            (
                "countersign-cli decide X approve --attest a --attestation-file f",
                false,
            ),
            ("countersign-cli decide X maybe", false),
            ("countersign-cli status --json", true),
            (
                "countersign-cli search merchant:acme --kind transaction --limit 5 --json",
                true,
            ),
            ("countersign-cli search", false),
            ("countersign-cli login", true),
            ("countersign-cli shift end --note back-at-9", true),
            ("countersign-cli shift end", false),
            ("countersign-cli shift", false),
            ("countersign-cli list --status lost", false),
            ("countersign-cli", false),
        ];
        for (line, ok) in cases {
            let parsed = Cli::try_parse_from(line.split_whitespace());
            assert_eq!(parsed.is_ok(), ok, "{line}: {parsed:?}");
        }
    }

    #[test]
    fn clap_configuration_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
