//! The HTTP API: thin handlers over the library, every error as `{"error": {code, message}}`.

mod admin;
mod blind;
mod extract;
mod fatigue;
mod gold;
mod kinds;
mod signing;
/// `GET /v1/stats/...`: the oversight reports.
mod stats;
#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use countersign_domain::{
    ApiErrorCode, ErrorBody, EscalationNotice, EventName, Item, ItemId, Me, NewItem, PullRequest,
    PullResponse, PushRequest, PushResponse, RelatedItems, Role,
};
use countersign_domain::{ItemHistory, MentionNotice};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};

use self::extract::{
    Admin, Body, Listener, Params, PathId, Producer, ProducerOrAdmin, Reviewer, ReviewerOrAdmin,
};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::{self, Caller};
use crate::error::{ApiError, StoreError};
use crate::events::Wake;
use crate::feedback::{self, FeedbackFormat};
use crate::history;
use crate::items::{self, CancelOutcome};
use crate::related;
use crate::sync::{self, SyncError};
use crate::teams;

/// Request bodies larger than this get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Runs `work` to the end even if the client goes away, so a committed change is never cut
/// off halfway by a dropped connection.
async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T, ApiError>> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::spawn(work).await.map_err(|error| {
        tracing::error!(%error, "request task failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiErrorCode::Internal,
            "the request failed inside the service",
        )
    })?
}

impl From<SyncError> for ApiError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::ForeignClient(_) => ApiError::forbidden(error.to_string()),
            SyncError::BadCursor => {
                ApiError::validation(ApiErrorCode::InvalidCursor, error.to_string())
            }
            SyncError::TooManyMutations => {
                ApiError::validation(ApiErrorCode::TooManyMutations, error.to_string())
            }
            SyncError::NoGrantsAllowed => {
                ApiError::validation(ApiErrorCode::InvalidRequest, error.to_string())
            }
            SyncError::Store(store) => store.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct Health {
    status: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "The service is up", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus (OpenMetrics) text format", body = String,
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
async fn metrics(State(state): State<AppState>) -> Response {
    // The queue gauges come from the same count as GET /v1/queue/health, the oversight counters
    // from the stored decisions; without the database the rest is still served, and those keep
    // their last values.
    match crate::stats::totals::totals(&state.db).await {
        Ok(totals) => state.metrics.set_oversight_totals(&totals),
        Err(error) => tracing::warn!(%error, "oversight counters not updated: the database failed"),
    }
    let text = match crate::health::of_queue(&state.db, state.now()).await {
        Ok(health) => state.metrics.render_with(&health),
        Err(error) => {
            tracing::warn!(%error, "queue gauges not updated: the database failed");
            state.metrics.render()
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "This document")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}

#[utoipa::path(get, path = "/v1/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let mut conn = state.db.pool.acquire().await.map_err(StoreError::from)?;
    let teams = teams::of_user(&mut conn, &caller.name).await?;
    let full_name = crate::signing::full_name(&mut conn, &caller.name).await?;
    Ok(Json(Me {
        name: caller.name,
        role: caller.role,
        teams,
        full_name: Some(full_name),
    }))
}

#[derive(Deserialize, ToSchema)]
struct NewUser {
    #[schema(pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    name: String,
    role: Role,
    /// Teams the user joins (each must exist).
    #[serde(default)]
    teams: Vec<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
struct CreatedUser {
    name: String,
    role: Role,
    /// Shown this once; only its hash is stored.
    token: String,
}

#[utoipa::path(post, path = "/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUser,
    responses((status = 201, body = CreatedUser), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    _: Admin,
    Body(new): Body<NewUser>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let spec = auth::UserSpec {
        name: &new.name,
        role: new.role,
        teams: &new.teams,
        token_expires_at: None,
    };
    let token = auth::add_user_with(&state.db, &spec, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            name: new.name,
            role: new.role,
            token,
        }),
    ))
}

#[utoipa::path(post, path = "/v1/items", tag = "items", security(("bearer" = [])),
    request_body = NewItem,
    responses((status = 201, description = "Created", body = Item),
        (status = 200, description = "Already submitted under this external_id", body = Item),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit_item(
    State(state): State<AppState>,
    ProducerOrAdmin(caller): ProducerOrAdmin,
    Body(new): Body<NewItem>,
) -> Result<(StatusCode, Json<Item>), ApiError> {
    // Producers submit real work, admins gold items only (docs/protocol.md, "Gold items").
    match (caller.role, new.gold.is_some()) {
        (Role::Admin, false) => {
            return Err(ApiError::forbidden(
                "admins submit gold items only (with `gold`); real work comes from producers",
            ));
        }
        (Role::Producer, true) => return Err(gold::needs_admin()),
        _ => {}
    }
    new.validate()
        .map_err(|error| ApiError::validation(ApiErrorCode::InvalidItem, error.to_string()))?;
    if let Some(url) = &new.callback_url
        && !state.callback_allow.allows(url)
    {
        return Err(ApiError::validation(
            ApiErrorCode::CallbackUrlNotAllowed,
            format!("callback_url {url:?} is outside this service's --callback-allow list"),
        ));
    }
    if caller.role == Role::Admin {
        return gold::submit(state, caller, new).await;
    }
    let submitted = detached({
        let state = state.clone();
        async move { Ok(items::submit(&state, &caller.name, &new).await?) }
    })
    .await?;
    let status = if submitted.created {
        state.metrics.items_submitted.inc();
        state.webhook_wake.notify_one();
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(submitted.item)))
}

#[utoipa::path(get, path = "/v1/items/{id}", tag = "items", security(("bearer" = [])),
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, body = Item), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_item(
    State(state): State<AppState>,
    ProducerOrAdmin(caller): ProducerOrAdmin,
    PathId(id): PathId<ItemId>,
) -> Result<Json<Item>, ApiError> {
    let producer = (caller.role == Role::Producer).then_some(caller.name.as_str());
    items::get(&state, id, producer)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no item {id} of yours")))
}

/// Items sharing an identifying value with item `id` (docs/protocol.md "Related items"). Unknown, or
/// not one the caller may ask about: 404 either way.
#[utoipa::path(get, path = "/v1/items/{id}/related", tag = "items", security(("bearer" = [])),
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, body = RelatedItems), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn related_items(
    State(state): State<AppState>,
    ReviewerOrAdmin(caller): ReviewerOrAdmin,
    PathId(id): PathId<ItemId>,
) -> Result<Json<RelatedItems>, ApiError> {
    related::related(&state.db, &caller, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no item {id} you hold or held")))
}

/// Every audit entry about item `id`, oldest first (docs/protocol.md "Item history"): for its
/// holders and former holders, seniors of its team and admins. Unknown, or not one the caller may
/// ask about: 404 either way.
#[utoipa::path(get, path = "/v1/items/{id}/history", tag = "items", security(("bearer" = [])),
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, body = ItemHistory), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn item_history(
    State(state): State<AppState>,
    ReviewerOrAdmin(caller): ReviewerOrAdmin,
    PathId(id): PathId<ItemId>,
) -> Result<Json<ItemHistory>, ApiError> {
    history::history(&state.db, &caller, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no item {id} you hold or held")))
}

#[utoipa::path(post, path = "/v1/items/{id}/cancel", tag = "items", security(("bearer" = [])),
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, body = Item), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_item(
    State(state): State<AppState>,
    Producer(caller): Producer,
    PathId(id): PathId<ItemId>,
) -> Result<Json<Item>, ApiError> {
    let outcome = detached({
        let state = state.clone();
        async move { Ok(items::cancel(&state, &caller.name, id).await?) }
    })
    .await?;
    match outcome {
        CancelOutcome::Cancelled(item) => Ok(Json(item)),
        CancelOutcome::NotFound => Err(ApiError::not_found(format!("no item {id} of yours"))),
        CancelOutcome::AlreadyFinal(item) => Err(ApiError::conflict(
            ApiErrorCode::NotPending,
            format!(
                "item {id} is already {}; only pending items can be cancelled",
                crate::db::wire_name(&item.status)
            ),
        )),
    }
}

#[utoipa::path(post, path = "/v1/sync/pull", tag = "sync", security(("bearer" = [])),
    request_body = PullRequest,
    responses((status = 200, body = PullResponse), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pull(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Body(request): Body<PullRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let response =
        detached(async move { Ok(sync::pull(&state, &caller, &request).await?) }).await?;
    timed_json("pull", started, &response)
}

/// `value` as a JSON answer with the server's share of a sync in a `Server-Timing` header, for
/// clients and benchmarks (docs/protocol.md, "Push" and "Pull"): `phase` took from `started` until
/// now, then writing the JSON (`encode`).
fn timed_json<T: serde::Serialize>(
    phase: &str,
    started: Instant,
    value: &T,
) -> Result<Response, ApiError> {
    let done = started.elapsed();
    let body = serde_json::to_vec(value).map_err(StoreError::from)?;
    let encoded = started.elapsed() - done;
    let timing = format!(
        "{phase};dur={:.1}, encode;dur={:.1}",
        done.as_secs_f64() * 1000.0,
        encoded.as_secs_f64() * 1000.0
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::HeaderName::from_static("server-timing"), timing),
        ],
        body,
    )
        .into_response())
}

#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", security(("bearer" = [])),
    request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Body(request): Body<PushRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let wake = state.webhook_wake.clone();
    let response = detached(async move {
        Ok(sync::push(&state, &caller, request.client_id, &request.mutations).await?)
    })
    .await?;
    wake.notify_one();
    timed_json("push", started, &response)
}

/// One server-sent event as it appears on the stream.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the stream's shape in /openapi.json; events are written by axum
struct ServerSentEvent {
    /// `assignments` (pull now), `items` (a producer's item may be decided), `escalation`,
    /// `mention` or `gold_alert` (a senior's team member fell below the gold minimum).
    event: String,
    /// `{}`; for `escalation`, an `EscalationNotice`.
    data: String,
}

#[utoipa::path(get, path = "/v1/events", tag = "sync", security(("bearer" = [])),
    responses((status = 200, description = "Server-sent events: for a reviewer, `assignments` when the caller's assignments change, and for a senior `escalation` (data: an EscalationNotice) followed by `assignments` when an item is escalated to them; for a producer, `items` when one of its items was decided; `assignments` or `items` also once on connect", content_type = "text/event-stream", body = ServerSentEvent),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn events(
    State(state): State<AppState>,
    Listener(caller): Listener,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let pull = if caller.role == Role::Producer {
        EventName::Items
    } else {
        EventName::Assignments
    };
    let pull_event = move || Event::default().event(pull.as_str()).data("{}");
    let updates = state
        .events
        .subscribe_for(&state.db, caller)
        .await?
        .flat_map(move |wake| {
            let events = match wake {
                Wake::Pull => vec![pull_event()],
                Wake::Escalated(notice) => {
                    let named = Event::default().event(EventName::Escalation.as_str());
                    match named.json_data(&notice) {
                        Ok(escalation) => vec![escalation, pull_event()],
                        // Not expected for a plain struct; the pull still brings the item.
                        Err(_) => vec![pull_event()],
                    }
                }
                Wake::GoldAlert(notice) => vec![
                    Event::default()
                        .event(EventName::GoldAlert.as_str())
                        .data(notice),
                ],
                Wake::Mentioned(notice) => {
                    let named = Event::default().event(EventName::Mention.as_str());
                    // Not expected to fail for a plain struct; the comment stays in the history.
                    named
                        .json_data(&notice)
                        .map(|event| vec![event])
                        .unwrap_or_default()
                }
            };
            futures::stream::iter(events.into_iter().map(Ok))
        });
    let stream = futures::stream::once(futures::future::ready(Ok(pull_event())))
        .chain(updates)
        .take_until(state.shutdown.clone().cancelled_owned());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

const MAX_AUDIT_PAGE: i64 = 10_000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Only entries about this item.
    item_id: Option<String>,
    /// Entries after this sequence number (paging).
    #[serde(default)]
    #[param(minimum = 0)]
    after_seq: i64,
    /// At most this many entries (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct AuditPage {
    entries: Vec<AuditEntry>,
}

#[utoipa::path(get, path = "/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    _: Admin,
    Params(params): Params<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = params.limit.unwrap_or(1000);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) || params.after_seq < 0 {
        return Err(ApiError::validation(
            ApiErrorCode::InvalidQuery,
            format!("limit must be between 1 and {MAX_AUDIT_PAGE} and after_seq at least 0"),
        ));
    }
    audit::seal(&state.db).await?;
    let entries = audit::entries(
        &state.db,
        params.item_id.as_deref(),
        params.after_seq,
        limit,
    )
    .await?;
    Ok(Json(AuditPage { entries }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedbackQuery {
    /// `sft` or `preference`.
    #[param(pattern = "^(sft|preference|negative)$")]
    format: String,
}

#[utoipa::path(get, path = "/v1/export/feedback", tag = "audit", security(("bearer" = [])),
    params(FeedbackQuery),
    responses((status = 200, description = "JSON Lines", content_type = "application/x-ndjson", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_feedback(
    State(state): State<AppState>,
    _: Admin,
    Params(params): Params<FeedbackQuery>,
) -> Result<Response, ApiError> {
    let format = FeedbackFormat::parse(&params.format)
        .map_err(|message| ApiError::validation(ApiErrorCode::InvalidFormat, message))?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    // Streamed a page at a time, so a large export never sits in memory whole.
    tokio::spawn(async move {
        let mut after = String::new();
        loop {
            match feedback::page(&state.db, format, &after).await {
                Ok((lines, next)) => {
                    let chunk: String = lines.into_iter().map(|line| line + "\n").collect();
                    if !chunk.is_empty() && sender.send(Ok(chunk)).await.is_err() {
                        return; // the client went away
                    }
                    match next {
                        Some(next) => after = next,
                        None => return,
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "feedback export failed midway");
                    let _ = sender
                        .send(Err(std::io::Error::other("export failed midway")))
                        .await;
                    return;
                }
            }
        }
    });
    let body = axum::body::Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiErrorCode::MethodNotAllowed,
        "this endpoint does not take that method; see /openapi.json",
    )
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Countersign queue", description = "The review queue that AI systems feed and reviewers sync from (protocol v1)."),
    paths(healthz, metrics, openapi_json, me, create_user, admin::list_users, admin::patch_user,
        admin::issue_token, admin::list_teams, admin::create_team, admin::queue_health,
        kinds::put_kind, kinds::list_kinds, kinds::get_kind, submit_item, get_item, cancel_item, related_items,
        pull, push, events, audit_log, export_feedback, item_history,
        signing::set_signing_pin, signing::register_signing_key, signing::unlock_signing,
        stats::overview,
        stats::thresholds,
        gold::gold_stats,
        blind::blind_report,
        fatigue::fatigue_report),
    // The `escalation`, `mention` and `gold_alert` events' data: not request or response bodies, so named here.
    components(schemas(EscalationNotice, MentionNotice, countersign_domain::GoldAlert)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The OpenAPI document of every route (served at /openapi.json, printed by `countersign-queue openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The service's routes over `state`; no I/O happens until it is served.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .route("/v1/me", get(me))
        .route("/v1/users", post(create_user).get(admin::list_users))
        .route("/v1/users/{name}", patch(admin::patch_user))
        .route("/v1/users/{name}/token", post(admin::issue_token))
        .route("/v1/queue/health", get(admin::queue_health))
        .route("/v1/teams", get(admin::list_teams).post(admin::create_team))
        .route("/v1/kinds", get(kinds::list_kinds))
        .route(
            "/v1/kinds/{kind}",
            put(kinds::put_kind).get(kinds::get_kind),
        )
        .route("/v1/items", post(submit_item))
        .route("/v1/items/{id}", get(get_item))
        .route("/v1/items/{id}/cancel", post(cancel_item))
        .route("/v1/items/{id}/related", get(related_items))
        .route("/v1/items/{id}/history", get(item_history))
        .route("/v1/sync/pull", post(pull))
        .route("/v1/sync/push", post(push))
        .route("/v1/events", get(events))
        .route("/v1/audit", get(audit_log))
        .route("/v1/export/feedback", get(export_feedback))
        .route("/v1/me/signing-pin", put(signing::set_signing_pin))
        .route("/v1/me/signing-keys", post(signing::register_signing_key))
        .route(
            "/v1/users/{name}/signing-unlock",
            post(signing::unlock_signing),
        )
        .route("/v1/stats/overview", get(stats::overview))
        .route("/v1/stats/thresholds", get(stats::thresholds))
        .route("/v1/stats/gold", get(gold::gold_stats))
        .route("/v1/stats/blind", get(blind::blind_report))
        .route("/v1/stats/fatigue", get(fatigue::fatigue_report))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
