//! Kinds as data (docs/protocol.md, "Kinds"): registering a kind (`PUT /v1/kinds/{kind}`), listing
//! them, and the compiled form submissions and decisions are checked against. A kind's schemas are
//! compiled once per revision and kept in [`KindCache`]; every check reads the kind's current
//! revision in its own transaction, so a queue of several processes never checks against a stale one.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use countersign_domain::AuditAction;
use countersign_domain::NewItem;
use countersign_domain::kind::{DisplayHints, KindDefinition, KindSpec};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::{Backend, col, from_micros, placeholders, to_micros};
use crate::error::StoreError;
use crate::policy::Span;

/// At most this many characters in a kind's name (`[A-Za-z0-9._-]`).
const MAX_KIND_NAME: usize = 64;
/// At most this many characters in a reason code (the push's own limit, docs/protocol.md).
const MAX_REASON_CODE: usize = 200;

/// Why a kind spec was refused, or why a registration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KindError {
    /// The spec (or the kind's name) breaks a rule: 422 `invalid_kind`.
    #[error("{0}")]
    Invalid(String),
    /// The new schemas would make queued items invalid: 409 `kind_breaks_queued_items`.
    #[error(
        "{count} queued (undecided) item(s) of kind {kind:?} would not satisfy the new schemas (the first at {path}: {detail}); decide or cancel them, or register a schema they satisfy"
    )]
    BreaksQueuedItems {
        kind: String,
        count: usize,
        path: String,
        detail: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A submission or correction that does not satisfy its kind's schema: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {detail} (kind {kind:?}, revision {revision})")]
pub struct SchemaViolation {
    pub kind: String,
    pub revision: i64,
    /// A JSON Pointer from the item's root (`/payload/amount`, `/ai/output/reply`).
    pub path: String,
    pub detail: String,
}

/// A kind ready to check items against.
pub(crate) struct CompiledKind {
    pub kind: String,
    pub revision: i64,
    payload: jsonschema::Validator,
    output: jsonschema::Validator,
    reasons: Vec<String>,
    pub due_in: Option<chrono::Duration>,
}

impl std::fmt::Debug for CompiledKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledKind")
            .field("kind", &self.kind)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

impl CompiledKind {
    /// Checks every rule of a spec and compiles its schemas; the one place a spec is judged.
    pub(crate) fn compile(
        kind: &str,
        revision: i64,
        spec: &KindSpec,
    ) -> Result<CompiledKind, KindError> {
        check_name(kind)?;
        let invalid = |message: String| KindError::Invalid(message);
        if spec.label.trim().is_empty() || spec.plural.trim().is_empty() {
            return Err(invalid("label and plural must not be empty".into()));
        }
        let payload = compile_schema(&spec.payload_schema, "payload_schema")?;
        let output = compile_schema(&spec.output_schema, "output_schema")?;
        check_hints(&spec.hints)?;
        if spec.reason_codes.is_empty() {
            return Err(invalid(
                "reason_codes must list at least one code: a reviewer must be able to reject"
                    .into(),
            ));
        }
        let mut seen = HashSet::new();
        for reason in &spec.reason_codes {
            let code = reason.code.as_str();
            if code.trim().is_empty() || reason.label.trim().is_empty() {
                return Err(invalid(
                    "every reason code needs a non-empty code and label".into(),
                ));
            }
            if code.chars().count() > MAX_REASON_CODE {
                return Err(invalid(format!(
                    "reason code {code:?} is longer than {MAX_REASON_CODE} characters"
                )));
            }
            if !seen.insert(code) {
                return Err(invalid(format!("reason code {code:?} is listed twice")));
            }
        }
        let due_in = spec
            .defaults
            .due_in
            .as_deref()
            .map(|text| text.parse::<Span>().map(|span| span.0))
            .transpose()
            .map_err(|message| invalid(format!("defaults.due_in: {message}")))?;
        Ok(CompiledKind {
            kind: kind.to_owned(),
            revision,
            payload,
            output,
            reasons: spec.reason_codes.iter().map(|r| r.code.clone()).collect(),
            due_in,
        })
    }

    fn violation(&self, prefix: &str, error: &jsonschema::ValidationError<'_>) -> SchemaViolation {
        SchemaViolation {
            kind: self.kind.clone(),
            revision: self.revision,
            path: format!("{prefix}{}", error.instance_path()),
            detail: error.to_string(),
        }
    }

    /// The first way `payload` and `output` break the kind's schemas, if any.
    pub fn check(&self, payload: &Value, output: &Value) -> Result<(), SchemaViolation> {
        if let Err(error) = self.payload.validate(payload) {
            return Err(self.violation("/payload", &error));
        }
        self.check_output(output)
    }

    /// A correction, or the AI's output, against the output schema.
    pub fn check_output(&self, output: &Value) -> Result<(), SchemaViolation> {
        self.output
            .validate(output)
            .map_err(|error| self.violation("/ai/output", &error))
    }

    pub fn allows_reason(&self, code: &str) -> bool {
        self.reasons.iter().any(|reason| reason == code)
    }

    /// The codes a reject may carry, for messages.
    pub fn reason_list(&self) -> String {
        self.reasons.join(", ")
    }
}

fn check_name(kind: &str) -> Result<(), KindError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if kind.is_empty() || kind.chars().count() > MAX_KIND_NAME || !kind.chars().all(allowed) {
        return Err(KindError::Invalid(format!(
            "kind name {kind:?} must be 1 to {MAX_KIND_NAME} of A-Z, a-z, 0-9, '.', '_' and '-'"
        )));
    }
    Ok(())
}

/// Compiles one schema offline (a `$ref` to a URL or file is refused, never fetched), with the
/// linear-time `regex` engine for `pattern`, so neither an admin's schema nor a producer's payload
/// can make the queue fetch, read or backtrack without end.
fn compile_schema(schema: &Value, field: &str) -> Result<jsonschema::Validator, KindError> {
    if !(schema.is_object() || schema.is_boolean()) {
        return Err(KindError::Invalid(format!(
            "{field} is not a JSON Schema: it must be an object (or true/false)"
        )));
    }
    jsonschema::options()
        .offline()
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
        .map_err(|error| {
            KindError::Invalid(format!(
                "{field} is not a valid JSON Schema: {error} (at {})",
                display_path(&error.instance_path().to_string())
            ))
        })
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "the root" } else { path }
}

/// Every pointer in the hints is a JSON Pointer (RFC 6901) from the item's root.
fn check_hints(hints: &DisplayHints) -> Result<(), KindError> {
    let fields = hints
        .headline
        .iter()
        .chain(&hints.sections)
        .chain(&hints.editable);
    let pointers = fields
        .flat_map(|field| {
            std::iter::once(("pointer", field.pointer.as_str())).chain(
                field
                    .currency_pointer
                    .as_deref()
                    .map(|p| ("currency_pointer", p)),
            )
        })
        .chain(
            hints
                .identifiers
                .iter()
                .map(|id| ("pointer", id.pointer.as_str())),
        );
    for (name, pointer) in pointers {
        if !is_json_pointer(pointer) {
            return Err(KindError::Invalid(format!(
                "hints: {name} {pointer:?} is not a JSON Pointer (RFC 6901) such as \"/payload/amount\""
            )));
        }
    }
    for field in &hints.editable {
        if !(field.pointer == "/ai/output" || field.pointer.starts_with("/ai/output/")) {
            return Err(KindError::Invalid(format!(
                "hints.editable: {:?} is not under /ai/output; only the AI's output is edited",
                field.pointer
            )));
        }
    }
    Ok(())
}

/// RFC 6901: empty, or `/`-separated tokens where `~` is only ever `~0` or `~1`. Hints point into
/// an item, so the empty pointer (the whole item) is refused too.
fn is_json_pointer(pointer: &str) -> bool {
    let Some(tokens) = pointer.strip_prefix('/') else {
        return false;
    };
    tokens.split('/').all(|token| {
        let mut chars = token.chars();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                return false;
            }
        }
        true
    })
}

/// Compiled kinds by name, each at the revision it was compiled for.
#[derive(Default)]
pub struct KindCache {
    compiled: Mutex<HashMap<String, Arc<CompiledKind>>>,
}

impl KindCache {
    fn get(&self, kind: &str, revision: i64) -> Option<Arc<CompiledKind>> {
        let compiled = self.compiled.lock().ok()?;
        compiled
            .get(kind)
            .filter(|found| found.revision == revision)
            .cloned()
    }

    fn put(&self, compiled: Arc<CompiledKind>) {
        if let Ok(mut cache) = self.compiled.lock() {
            let newer = cache
                .get(&compiled.kind)
                .is_some_and(|found| found.revision > compiled.revision);
            if !newer {
                cache.insert(compiled.kind.clone(), compiled);
            }
        }
    }
}

/// A stored kind row's spec; a row that no longer parses or compiles is corrupt data.
fn parse_spec(text: &str) -> Result<KindSpec, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::corrupt(format!("kind spec: {error}")))
}

/// The compiled current revision of each registered kind among `kinds` (unregistered ones are
/// absent), read inside the caller's transaction.
pub(crate) async fn compiled_for(
    state: &AppState,
    conn: &mut AnyConnection,
    kinds: &[&str],
) -> Result<HashMap<String, Arc<CompiledKind>>, StoreError> {
    let names: Vec<&str> = kinds
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut found = HashMap::new();
    if names.is_empty() {
        return Ok(found);
    }
    if state.db.backend == Backend::Postgres {
        // The lock every item write takes anyway, taken before the kind rows: a registration (which
        // takes SHARE on items first, then its kind row) then either waits for this transaction or
        // is seen by it, and the two never wait for each other in a cycle.
        sqlx::query("LOCK TABLE items IN ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let sql = format!(
        "SELECT kind, revision FROM kinds WHERE kind IN ({}) ORDER BY kind{}",
        placeholders(1, names.len()),
        // Submissions and pushes share the row; a registration (FOR UPDATE) waits for them, and they for it.
        state.db.backend.for_share()
    );
    let mut query = sqlx::query(&sql);
    for name in &names {
        query = query.bind(*name);
    }
    let mut missing = Vec::new();
    for row in query.fetch_all(&mut *conn).await? {
        let kind: String = col(&row, "kind")?;
        let revision: i64 = col(&row, "revision")?;
        match state.kinds.get(&kind, revision) {
            Some(compiled) => {
                found.insert(kind, compiled);
            }
            None => missing.push(kind),
        }
    }
    for kind in missing {
        let row = sqlx::query("SELECT spec, revision FROM kinds WHERE kind = $1")
            .bind(&kind)
            .fetch_one(&mut *conn)
            .await?;
        let spec = parse_spec(&col::<String>(&row, "spec")?)?;
        let revision: i64 = col(&row, "revision")?;
        let compiled = CompiledKind::compile(&kind, revision, &spec)
            .map_err(|error| StoreError::corrupt(format!("stored kind {kind:?}: {error}")))?;
        let compiled = Arc::new(compiled);
        state.kinds.put(compiled.clone());
        found.insert(kind, compiled);
    }
    Ok(found)
}

/// Checks a submission against its kind, when the kind is registered.
pub(crate) fn check_item(
    kinds: &HashMap<String, Arc<CompiledKind>>,
    item: &NewItem,
) -> Result<(), SchemaViolation> {
    match kinds.get(&item.kind) {
        Some(kind) => kind.check(&item.payload, &item.ai.output),
        None => Ok(()),
    }
}

/// The outcome of a registration.
pub struct Registered {
    pub definition: KindDefinition,
    /// The kind's first registration (201) rather than a new revision (200).
    pub created: bool,
}

/// Registers `spec` as the next revision of `kind`, refused when a queued item of the kind would
/// not satisfy it (docs/protocol.md, "Kinds"). Audited as `kind_registered`.
pub async fn register(
    state: &AppState,
    by: &str,
    kind: &str,
    spec: &KindSpec,
) -> Result<Registered, KindError> {
    // Judged once before the transaction, so a bad spec never takes a lock.
    CompiledKind::compile(kind, 0, spec)?;
    let db = &state.db;
    let spec_text = serde_json::to_string(spec).map_err(StoreError::from)?;
    let outcome = db
        .write(|mut tx| {
            let spec_text = spec_text.clone();
            async move {
                let now = state.now();
                if db.backend == Backend::Postgres {
                    // Waits for every item write in flight and holds new ones off until this commits,
                    // so the check below also sees submissions of a kind not yet registered (they
                    // find no kind row to lock). Taken before the kind row: see `compiled_for`.
                    // SQLite's single writer already serialises them.
                    sqlx::query("LOCK TABLE items IN SHARE MODE")
                        .execute(&mut *tx)
                        .await?;
                }
                let current = sqlx::query(&format!(
                    "SELECT revision FROM kinds WHERE kind = $1{}",
                    db.backend.for_update()
                ))
                .bind(kind)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| col::<i64>(&row, "revision"))
                .transpose()?;
                let revision = current.unwrap_or(0) + 1;
                let compiled = match CompiledKind::compile(kind, revision, spec) {
                    Ok(compiled) => compiled,
                    Err(error) => return Ok((Err(error), tx)),
                };
                if let Some(refusal) = queued_misfits(&mut tx, &compiled).await? {
                    return Ok((Err(refusal), tx));
                }
                sqlx::query(
                    "INSERT INTO kinds (kind, spec, revision, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (kind) DO UPDATE SET spec = excluded.spec, \
                     revision = excluded.revision, updated_at = excluded.updated_at, \
                     updated_by = excluded.updated_by",
                )
                .bind(kind)
                .bind(&spec_text)
                .bind(revision)
                .bind(to_micros(now))
                .bind(by)
                .execute(&mut *tx)
                .await?;
                audit::append(
                    &mut tx,
                    db.backend,
                    now,
                    &[AuditEvent::new(
                        by,
                        AuditAction::KindRegistered,
                        None,
                        json!({ "kind": kind, "revision": revision, "spec": spec }),
                    )],
                )
                .await?;
                let registered = Registered {
                    definition: KindDefinition {
                        kind: kind.to_owned(),
                        spec: spec.clone(),
                        revision,
                        updated_at: now,
                    },
                    created: current.is_none(),
                };
                Ok((Ok((registered, compiled)), tx))
            }
        })
        .await?;
    let (registered, compiled) = outcome?;
    state.kinds.put(Arc::new(compiled));
    Ok(registered)
}

/// The refusal when a pending item of the kind does not satisfy `compiled`: how many, and the first.
async fn queued_misfits(
    conn: &mut AnyConnection,
    compiled: &CompiledKind,
) -> Result<Option<KindError>, StoreError> {
    let rows = sqlx::query(
        "SELECT payload, ai FROM items WHERE kind = $1 AND status = 'pending' ORDER BY id",
    )
    .bind(&compiled.kind)
    .fetch_all(&mut *conn)
    .await?;
    let mut count = 0;
    let mut first = None;
    for row in rows {
        let payload: Value = serde_json::from_str(&col::<String>(&row, "payload")?)?;
        let ai: Value = serde_json::from_str(&col::<String>(&row, "ai")?)?;
        let output = ai.get("output").unwrap_or(&Value::Null);
        if let Err(violation) = compiled.check(&payload, output) {
            count += 1;
            first.get_or_insert(violation);
        }
    }
    Ok(first.map(|violation| KindError::BreaksQueuedItems {
        kind: compiled.kind.clone(),
        count,
        path: violation.path,
        detail: violation.detail,
    }))
}

/// Registers each of `kinds` whose stored spec differs (or that is missing), as `by`: the seeding
/// paths' step before they submit. Returns how many were registered.
pub async fn ensure(
    state: &AppState,
    by: &str,
    kinds: &[(&str, KindSpec)],
) -> Result<usize, KindError> {
    let mut registered = 0;
    for (kind, spec) in kinds {
        if get(&state.db, kind)
            .await?
            .is_some_and(|found| found.spec == *spec)
        {
            continue;
        }
        register(state, by, kind, spec).await?;
        registered += 1;
    }
    Ok(registered)
}

fn definition(row: &sqlx::any::AnyRow) -> Result<KindDefinition, StoreError> {
    Ok(KindDefinition {
        kind: col(row, "kind")?,
        spec: parse_spec(&col::<String>(row, "spec")?)?,
        revision: col(row, "revision")?,
        updated_at: from_micros(col(row, "updated_at")?),
    })
}

/// Every registered kind, by name.
pub async fn list(db: &crate::Db) -> Result<Vec<KindDefinition>, StoreError> {
    sqlx::query("SELECT kind, spec, revision, updated_at FROM kinds ORDER BY kind")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(definition)
        .collect()
}

/// One registered kind.
pub async fn get(db: &crate::Db, kind: &str) -> Result<Option<KindDefinition>, StoreError> {
    sqlx::query("SELECT kind, spec, revision, updated_at FROM kinds WHERE kind = $1")
        .bind(kind)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(definition)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_domain::kind::{FieldHint, KindDefaults, ReasonCode};

    fn spec() -> KindSpec {
        KindSpec {
            label: "Support reply".into(),
            plural: "Support replies".into(),
            payload_schema: json!({"type": "object", "required": ["customer"],
                "properties": {"customer": {"type": "string", "pattern": "^c_"}}}),
            output_schema: json!({"type": "object", "required": ["reply"],
                "properties": {"reply": {"type": "string", "maxLength": 10}}}),
            hints: DisplayHints {
                editable: vec![FieldHint {
                    pointer: "/ai/output/reply".into(),
                    label: "Reply".into(),
                    format: Default::default(),
                    currency_pointer: None,
                }],
                ..Default::default()
            },
            reason_codes: vec![
                ReasonCode {
                    code: "wrong_answer".into(),
                    label: "Wrong answer".into(),
                },
                ReasonCode {
                    code: "other".into(),
                    label: "Other".into(),
                },
            ],
            defaults: KindDefaults {
                due_in: Some("4h".into()),
            },
        }
    }

    fn refusal(kind: &str, spec: &KindSpec) -> String {
        match CompiledKind::compile(kind, 1, spec) {
            Err(KindError::Invalid(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_spec_compiles_and_checks_items() {
        let kind = CompiledKind::compile("support_reply", 3, &spec()).expect("valid");
        assert_eq!(kind.due_in, Some(chrono::Duration::hours(4)));
        assert!(kind.allows_reason("other") && !kind.allows_reason("suspected_fraud"));
        assert_eq!(kind.reason_list(), "wrong_answer, other");
        assert_eq!(
            kind.check(&json!({"customer": "c_1"}), &json!({"reply": "Hi"})),
            Ok(())
        );
        let bad = kind
            .check(&json!({"customer": "x"}), &json!({"reply": "Hi"}))
            .expect_err("pattern");
        assert_eq!((bad.path.as_str(), bad.revision), ("/payload/customer", 3));
        let long = kind
            .check_output(&json!({"reply": "far too long a reply"}))
            .expect_err("maxLength");
        assert_eq!(long.path, "/ai/output/reply");
        let missing = kind
            .check(&json!({}), &json!({"reply": "Hi"}))
            .expect_err("required");
        assert_eq!(missing.path, "/payload");
    }

    #[test]
    fn every_rule_of_a_spec_is_checked() {
        let with = |change: &dyn Fn(&mut KindSpec)| {
            let mut spec = spec();
            change(&mut spec);
            spec
        };
        let cases: Vec<(&str, KindSpec, &str)> = vec![
            ("bad name", spec(), "kind name"),
            (
                "k",
                with(&|s| s.payload_schema = json!({"type": "nonsense"})),
                "payload_schema is not a valid JSON Schema",
            ),
            (
                "k",
                with(&|s| s.output_schema = json!([1])),
                "output_schema is not a JSON Schema",
            ),
            (
                "k",
                with(&|s| s.payload_schema = json!({"$ref": "https://example.com/s.json"})),
                "payload_schema is not a valid JSON Schema",
            ),
            (
                "k",
                with(&|s| s.hints.editable[0].pointer = "ai/output".into()),
                "not a JSON Pointer",
            ),
            (
                "k",
                with(&|s| s.hints.editable[0].pointer = "/ai/output/a~2b".into()),
                "not a JSON Pointer",
            ),
            (
                "k",
                with(&|s| s.hints.editable[0].pointer = "/payload/customer".into()),
                "not under /ai/output",
            ),
            ("k", with(&|s| s.reason_codes.clear()), "at least one code"),
            (
                "k",
                with(&|s| s.reason_codes[1].code = "wrong_answer".into()),
                "listed twice",
            ),
            (
                "k",
                with(&|s| s.reason_codes[0].code = " ".into()),
                "non-empty code",
            ),
            (
                "k",
                with(&|s| s.defaults.due_in = Some("soon".into())),
                "defaults.due_in",
            ),
            ("k", with(&|s| s.label = String::new()), "label and plural"),
        ];
        for (kind, spec, expected) in cases {
            let message = refusal(kind, &spec);
            assert!(
                message.contains(expected),
                "{expected:?} not in {message:?}"
            );
        }
    }

    #[test]
    fn json_pointers() {
        for good in [
            "/payload",
            "/ai/output/reply",
            "/a~0b/c~1d",
            "/payload/0",
            "/",
        ] {
            assert!(is_json_pointer(good), "{good}");
        }
        for bad in ["", "payload", "/a~", "/a~2", "#/payload"] {
            assert!(!is_json_pointer(bad), "{bad}");
        }
    }
}
