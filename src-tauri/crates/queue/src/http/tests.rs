//! The HTTP edges without a socket: `router(state).oneshot(request)` for every kind of rejection
//! and for the role each endpoint needs. Each refusal must carry the app's error body.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use countersign_domain::{ApiErrorCode, ErrorBody, Role};
use tower::ServiceExt;

use super::{BODY_LIMIT, router};
use crate::{AppState, Db, Policy, SystemClock, auth};

struct App {
    state: AppState,
    _dir: tempfile::TempDir,
}

impl App {
    async fn new() -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("queue.db").display());
        let db = Db::open(&url).await.expect("database");
        App {
            state: AppState::new(db, Policy::builtin(), Arc::new(SystemClock)),
            _dir: dir,
        }
    }

    async fn token(&self, role: Role) -> String {
        let name = format!("user-{role}");
        auth::add_user(&self.state.db, &name, role, self.state.now())
            .await
            .expect("user")
    }

    /// Sends one request and returns its status and, for a refusal, the error code.
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Option<ApiErrorCode>) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");
        let response = router(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        if status.is_success() {
            return (status, None);
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let error: ErrorBody = serde_json::from_slice(&bytes).expect("the app's error body");
        assert!(!error.error.message.is_empty(), "a message for a person");
        (status, Some(error.error.code))
    }
}

#[tokio::test]
async fn body_rejections_carry_the_error_body() {
    let app = App::new().await;
    let producer = app.token(Role::Producer).await;
    let oversized = format!("{{\"title\": \"{}\"}}", "x".repeat(BODY_LIMIT));
    let cases: Vec<(&str, Vec<u8>, StatusCode, ApiErrorCode)> = vec![
        (
            "malformed",
            b"{\"external_id\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            ApiErrorCode::MalformedJson,
        ),
        (
            "wrong shape",
            b"{\"external_id\": 7}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiErrorCode::InvalidRequest,
        ),
        (
            "over the limit",
            oversized.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiErrorCode::PayloadTooLarge,
        ),
    ];
    for (name, body, status, code) in cases {
        let answer = app
            .send(Method::POST, "/v1/items", Some(&producer), Some(body))
            .await;
        assert_eq!(answer, (status, Some(code)), "{name}");
    }
}

#[tokio::test]
async fn a_path_id_that_is_not_an_id_names_nothing() {
    let app = App::new().await;
    let producer = app.token(Role::Producer).await;
    for path in ["/v1/items/not-a-uuid", "/v1/items/12345/cancel"] {
        let method = if path.ends_with("cancel") {
            Method::POST
        } else {
            Method::GET
        };
        let answer = app.send(method, path, Some(&producer), None).await;
        assert_eq!(
            answer,
            (StatusCode::NOT_FOUND, Some(ApiErrorCode::NotFound)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_bad_query_is_refused_with_the_error_body() {
    let app = App::new().await;
    let admin = app.token(Role::Admin).await;
    let answer = app
        .send(Method::GET, "/v1/audit?limit=many", Some(&admin), None)
        .await;
    assert_eq!(
        answer,
        (StatusCode::BAD_REQUEST, Some(ApiErrorCode::InvalidQuery))
    );
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let app = App::new().await;
    for token in [None, Some("cs_unknown")] {
        let answer = app.send(Method::GET, "/v1/me", token, None).await;
        assert_eq!(
            answer,
            (StatusCode::UNAUTHORIZED, Some(ApiErrorCode::Unauthorized)),
            "{token:?}"
        );
    }
}

const ALL_ROLES: [Role; 4] = [Role::Producer, Role::Reviewer, Role::Senior, Role::Admin];

/// A kind's spec as `PUT /v1/kinds/{kind}` takes it: the least a valid one has.
const KIND_SPEC: &[u8] =
    br#"{"label": "Memo", "plural": "Memos", "payload_schema": {"type": "object"},
    "output_schema": true, "reason_codes": [{"code": "other", "label": "Other"}]}"#;

#[tokio::test]
async fn the_kinds_endpoints_need_a_token() {
    let app = App::new().await;
    let cases: [(Method, &str, Option<&[u8]>); 3] = [
        (Method::PUT, "/v1/kinds/memo", Some(KIND_SPEC)),
        (Method::GET, "/v1/kinds", None),
        (Method::GET, "/v1/kinds/memo", None),
    ];
    for (method, path, body) in cases {
        let answer = app
            .send(method.clone(), path, None, body.map(<[u8]>::to_vec))
            .await;
        assert_eq!(
            answer,
            (StatusCode::UNAUTHORIZED, Some(ApiErrorCode::Unauthorized)),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn each_endpoint_admits_its_roles_only() {
    let app = App::new().await;
    let mut tokens = Vec::new();
    for role in [Role::Producer, Role::Reviewer, Role::Senior, Role::Admin] {
        tokens.push((role, app.token(role).await));
    }
    // Given new tokens by the table, so that the callers keep theirs.
    auth::add_user(&app.state.db, "spare", Role::Reviewer, app.state.now())
        .await
        .expect("user");
    // A client id belongs to the first user who syncs with it: one per role.
    let pull = br#"{"client_id": "0190e0a0-0000-7000-8000-00000000000R", "cursor": null}"#;
    let push = br#"{"client_id": "0190e0a0-0000-7000-8000-00000000000R", "mutations": []}"#;
    let missing = "/v1/items/0190e0a0-0000-7000-8000-0000000000ff";
    let missing_history = format!("{missing}/history");
    // (method, path, body, the roles admitted, the status an admitted role gets)
    type Case<'a> = (Method, &'a str, Option<&'a [u8]>, &'a [Role], StatusCode);
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/v1/sync/pull",
            Some(pull),
            &[Role::Reviewer, Role::Senior],
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/v1/sync/push",
            Some(push),
            &[Role::Reviewer, Role::Senior],
            StatusCode::OK,
        ),
        (
            Method::GET,
            missing,
            None,
            &[Role::Producer, Role::Admin],
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/v1/items",
            Some(b"{}"),
            // Admins submit gold items here (docs/protocol.md, "Gold items"); an admin's real
            // submission is refused after its body is read (tests/tests/integration/oversight/gold.rs).
            &[Role::Producer, Role::Admin],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::GET,
            "/v1/audit",
            None,
            &[Role::Admin],
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/v1/users",
            Some(br#"{"name": "new", "role": "reviewer"}"#),
            &[Role::Admin],
            StatusCode::CREATED,
        ),
        (
            Method::POST,
            "/v1/users/spare/token",
            Some(br#"{"expires_in": "90d"}"#),
            &[Role::Admin],
            StatusCode::CREATED,
        ),
        (
            Method::GET,
            "/v1/queue/health",
            None,
            &[Role::Admin],
            StatusCode::OK,
        ),
        (
            Method::PUT,
            "/v1/kinds/memo",
            Some(KIND_SPEC),
            &[Role::Admin],
            StatusCode::CREATED,
        ),
        (Method::GET, "/v1/kinds", None, &ALL_ROLES, StatusCode::OK),
        (
            Method::GET,
            &missing_history,
            None,
            &[Role::Reviewer, Role::Senior, Role::Admin],
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/kinds/unregistered",
            None,
            &ALL_ROLES,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/stats/overview",
            None,
            &[Role::Senior, Role::Admin],
            StatusCode::OK,
        ),
    ];
    for (method, path, body, admitted, status) in cases {
        for (n, (role, token)) in tokens.iter().enumerate() {
            let body = body.map(|body| {
                String::from_utf8_lossy(body)
                    .replace("0000R", &format!("0000{n}"))
                    .into_bytes()
            });
            let answer = app.send(method.clone(), path, Some(token), body).await;
            if admitted.contains(role) {
                assert_eq!(answer.0, status, "{role:?} {method} {path}");
            } else {
                assert_eq!(
                    answer,
                    (StatusCode::FORBIDDEN, Some(ApiErrorCode::Forbidden)),
                    "{role:?} {method} {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_openapi_document_names_the_typed_codes() {
    let app = App::new().await;
    let request = Request::builder()
        .uri("/openapi.json")
        .body(Body::empty())
        .expect("request");
    let response = router(app.state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let document: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let schemas = &document["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum schema"))
            .iter()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .collect()
    };
    assert!(values("ApiErrorCode").contains(&"payload_too_large".to_owned()));
    assert!(values("ResultCode").contains(&"mutation_id_reused".to_owned()));
    for code in [
        "invalid_kind",
        "kind_breaks_queued_items",
        "schema_violation",
    ] {
        assert!(values("ApiErrorCode").contains(&code.to_owned()), "{code}");
    }
    for code in [
        "unknown_reason_code",
        "invalid_correction",
        "comment_too_long",
    ] {
        assert!(values("ResultCode").contains(&code.to_owned()), "{code}");
    }
    let paths = &document["paths"];
    assert!(paths["/v1/kinds"]["get"].is_object());
    assert!(paths["/v1/kinds/{kind}"]["put"].is_object());
    assert!(paths["/v1/kinds/{kind}"]["get"].is_object());
    assert!(paths["/v1/items/{id}/history"]["get"].is_object());
    assert!(values("AuditAction").contains(&"comment".to_owned()));
    assert!(schemas["MentionNotice"].is_object() && schemas["ItemHistory"].is_object());
    assert!(schemas["KindSpec"].is_object() && schemas["KindList"].is_object());
    assert!(schemas["ErrorDetail"]["properties"]["path"].is_object());
    // A definition is one object: the spec's fields beside its own, none of them refused as unknown.
    let definition = &schemas["KindDefinition"];
    assert!(definition["allOf"].is_null(), "{definition}");
    assert_ne!(definition["additionalProperties"], false, "{definition}");
    for field in [
        "kind",
        "revision",
        "updated_at",
        "label",
        "payload_schema",
        "reason_codes",
    ] {
        assert!(
            definition["properties"][field].is_object(),
            "{field}: {definition}"
        );
    }
    assert!(
        schemas["DisplayHints"].is_object(),
        "the spec's parts are in the document"
    );
    assert_eq!(
        schemas["ErrorDetail"]["properties"]["code"]["$ref"],
        "#/components/schemas/ApiErrorCode"
    );
}
