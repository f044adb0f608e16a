//! The queue service over HTTP: pull, push, who-am-I, the registered kinds, the events stream, and
//! the admin endpoints.
//! Transport types stop here.

use std::fmt;
use std::time::Duration;

use countersign_domain::GoldReport;
use countersign_domain::ItemHistory;
use countersign_domain::fatigue::FatigueReport;
use countersign_domain::kind::KindList;
use countersign_domain::{
    ApiErrorCode, BlindReport, ErrorBody, EventName, IssuedToken, ItemId, Me, Overview,
    PullRequest, PullResponse, PushRequest, PushResponse, QueueHealth, RelatedItems,
    SigningKeyRegistered, SigningKeyRequest, SigningPinRequest, ThresholdReport, TokenRequest,
    UserSummary,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::admin::UserChange;

/// Connecting must not take long: an unreachable server means offline, not a hang.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole request, body included; keeps a one-shot `sync` well under its 30 s promise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The events stream is long-lived; silence longer than this means the connection is dead.
pub const EVENTS_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// The largest answer read from the server. A pull holds at most the prefetch target (50 by default) of
/// items, each submitted in under 1 MiB (the queue's body limit) with at most a decision or two whose
/// corrections are bounded the same way: a legitimate answer stays under ~100 MiB, and typically a few
/// hundred KiB. Anything larger is a broken or hostile server, and reading it whole would let that
/// server exhaust the desktop's memory.
pub const MAX_RESPONSE_BYTES: usize = 128 * 1024 * 1024;

/// A bearer token. Its Debug output is redacted so it can never reach a log by accident.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{0:?} is not a valid server address ({1})")]
    BadUrl(String, String),
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    #[error("the server at {url} cannot be reached ({detail}); decisions are kept and sent later")]
    Unreachable { url: String, detail: String },
    #[error("the server rejected the token (401): sign in again")]
    Unauthorized,
    #[error("the server refused ({code}): {message}")]
    Forbidden { code: ApiErrorCode, message: String },
    #[error("the server answered {status} ({code}): {message}")]
    Server {
        status: u16,
        code: ApiErrorCode,
        message: String,
    },
    #[error("the server's answer could not be read ({0}); is it a Countersign queue?")]
    Decode(String),
    #[error(
        "the server's answer is larger than {limit} bytes and was not read; is it a Countersign queue?"
    )]
    TooLarge { limit: usize },
}

impl RemoteError {
    /// Worth trying again later: the network or the server may recover. A rejected token or a refused
    /// request will not fix itself.
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteError::Unreachable { .. }
            | RemoteError::Decode(_)
            | RemoteError::TooLarge { .. } => true,
            RemoteError::Server { status, .. } => {
                *status >= 500 || *status == 429 || *status == 408
            }
            RemoteError::BadUrl(..)
            | RemoteError::Setup(_)
            | RemoteError::Unauthorized
            | RemoteError::Forbidden { .. } => false,
        }
    }
}

/// HTTP client for one queue service and one token.
#[derive(Clone)]
pub struct QueueClient {
    http: reqwest::Client,
    events_http: reqwest::Client,
    base: reqwest::Url,
    token: Token,
}

impl fmt::Debug for QueueClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// Checks and normalises a server URL (no trailing slash), so one server always has one spelling.
pub fn normalise_server_url(url: &str) -> Result<String, RemoteError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| RemoteError::BadUrl(url.to_owned(), e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(RemoteError::BadUrl(
            url.to_owned(),
            "expected an http or https URL with a host".to_owned(),
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

impl QueueClient {
    pub fn new(server_url: &str, token: Token) -> Result<Self, RemoteError> {
        let normalised = normalise_server_url(server_url)?;
        let base = reqwest::Url::parse(&format!("{normalised}/"))
            .map_err(|e| RemoteError::BadUrl(server_url.to_owned(), e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| RemoteError::Setup(e.to_string()))?;
        let events_http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(EVENTS_IDLE_TIMEOUT)
            .build()
            .map_err(|e| RemoteError::Setup(e.to_string()))?;
        Ok(Self {
            http,
            events_http,
            base,
            token,
        })
    }

    pub fn server_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, RemoteError> {
        self.base
            .join(path)
            .map_err(|e| RemoteError::BadUrl(path.to_owned(), e.to_string()))
    }

    /// `v1/users/{name}` and the like, with each segment percent-encoded: a name is data, never a path.
    fn segments_url(&self, segments: &[&str]) -> Result<reqwest::Url, RemoteError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| RemoteError::BadUrl(self.server_url().to_owned(), "no path".to_owned()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn unreachable(&self, error: &reqwest::Error) -> RemoteError {
        // reqwest's Display never includes headers, so the token cannot leak through here.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        RemoteError::Unreachable {
            url: self.server_url().to_owned(),
            detail,
        }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        url: reqwest::Url,
        body: Option<&B>,
    ) -> Result<T, RemoteError> {
        let bytes = self.send(method, url, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| RemoteError::Decode(e.to_string()))
    }

    /// The body of a successful answer; an error answer becomes its [`RemoteError`].
    async fn send<B: Serialize>(
        &self,
        method: Method,
        url: reqwest::Url,
        body: Option<&B>,
    ) -> Result<Vec<u8>, RemoteError> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        // Read the whole body before judging: a connection cut mid-body is a transport failure.
        let bytes = self.read_body(response, MAX_RESPONSE_BYTES).await?;
        if status.is_success() {
            return Ok(bytes);
        }
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => (
                ApiErrorCode::Unknown,
                String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            ),
        };
        Err(match status {
            StatusCode::UNAUTHORIZED => RemoteError::Unauthorized,
            StatusCode::FORBIDDEN => RemoteError::Forbidden { code, message },
            _ => RemoteError::Server {
                status: status.as_u16(),
                code,
                message,
            },
        })
    }

    /// The body, refusing one over `limit` bytes before it is buffered (by its Content-Length when
    /// given, else as it streams in).
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        limit: usize,
    ) -> Result<Vec<u8>, RemoteError> {
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(RemoteError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(&e))? {
            if body.len() + chunk.len() > limit {
                return Err(RemoteError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    pub async fn me(&self) -> Result<Me, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/me")?, None)
            .await
    }

    /// `GET /v1/kinds`: the registered kinds.
    pub async fn kinds(&self) -> Result<KindList, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/kinds")?, None)
            .await
    }

    /// `GET /v1/items/{id}/related`: the items sharing an identifying value with `id` that this user
    /// may see (docs/protocol.md "Related items").
    pub async fn related(&self, id: ItemId) -> Result<RelatedItems, RemoteError> {
        self.call::<(), _>(
            Method::GET,
            self.url(&format!("v1/items/{id}/related"))?,
            None,
        )
        .await
    }

    /// `GET /v1/items/{id}/history`: the item's story (docs/protocol.md, "Item history").
    pub async fn history(&self, id: ItemId) -> Result<ItemHistory, RemoteError> {
        self.call::<(), _>(
            Method::GET,
            self.url(&format!("v1/items/{id}/history"))?,
            None,
        )
        .await
    }

    /// Liveness only: no token needed, answers fast.
    pub async fn healthy(&self, timeout: Duration) -> bool {
        let Ok(url) = self.url("healthz") else {
            return false;
        };
        matches!(
            self.http.get(url).timeout(timeout).send().await,
            Ok(response) if response.status().is_success()
        )
    }

    pub async fn pull(&self, request: &PullRequest) -> Result<PullResponse, RemoteError> {
        self.call(Method::POST, self.url("v1/sync/pull")?, Some(request))
            .await
    }

    pub async fn push(&self, request: &PushRequest) -> Result<PushResponse, RemoteError> {
        self.call(Method::POST, self.url("v1/sync/push")?, Some(request))
            .await
    }

    // The admin endpoints (admin tokens only; docs/protocol.md, "Endpoints" and "Teams, deadlines and
    // hand-off"). `crate::admin` gives their refusals types of their own.

    /// `GET /v1/users`.
    pub async fn users(&self) -> Result<Vec<UserSummary>, RemoteError> {
        #[derive(Deserialize)]
        struct UserList {
            users: Vec<UserSummary>,
        }
        let list: UserList = self
            .call::<(), _>(Method::GET, self.url("v1/users")?, None)
            .await?;
        Ok(list.users)
    }

    /// `PATCH /v1/users/{name}`: the user as changed.
    pub async fn change_user(
        &self,
        name: &str,
        change: &UserChange,
    ) -> Result<UserSummary, RemoteError> {
        let url = self.segments_url(&["v1", "users", name])?;
        self.call(Method::PATCH, url, Some(change)).await
    }

    /// `GET /v1/teams`.
    pub async fn teams(&self) -> Result<Vec<String>, RemoteError> {
        #[derive(Deserialize)]
        struct TeamList {
            teams: Vec<String>,
        }
        let list: TeamList = self
            .call::<(), _>(Method::GET, self.url("v1/teams")?, None)
            .await?;
        Ok(list.teams)
    }

    /// `POST /v1/users/{name}/token`: a new token for `name`; their older tokens stop working.
    pub async fn rotate_token(
        &self,
        name: &str,
        request: &TokenRequest,
    ) -> Result<IssuedToken, RemoteError> {
        let url = self.segments_url(&["v1", "users", name, "token"])?;
        self.call(Method::POST, url, Some(request)).await
    }

    /// `PUT /v1/me/signing-pin`: sets the caller's signing PIN (`current`: the one set before).
    pub async fn set_signing_pin(
        &self,
        pin: &str,
        current: Option<&str>,
    ) -> Result<(), RemoteError> {
        let request = SigningPinRequest {
            pin: pin.to_owned(),
            current_pin: current.map(str::to_owned),
        };
        self.send(Method::PUT, self.url("v1/me/signing-pin")?, Some(&request))
            .await?;
        Ok(())
    }

    /// `POST /v1/me/signing-keys`: registers this device's public key (base64) under the PIN.
    pub async fn register_signing_key(
        &self,
        public_key: &str,
        pin: &str,
    ) -> Result<SigningKeyRegistered, RemoteError> {
        let request = SigningKeyRequest {
            public_key: public_key.to_owned(),
            pin: pin.to_owned(),
        };
        self.call(
            Method::POST,
            self.url("v1/me/signing-keys")?,
            Some(&request),
        )
        .await
    }

    /// `GET /v1/queue/health`.
    pub async fn queue_health(&self) -> Result<QueueHealth, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/queue/health")?, None)
            .await
    }

    /// `GET /v1/stats/thresholds` (seniors and admins; docs/protocol.md, "Audited auto-approvals and
    /// thresholds").
    pub async fn thresholds_report(&self) -> Result<ThresholdReport, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/stats/thresholds")?, None)
            .await
    }

    /// `GET /v1/stats/gold`: gold accuracy per reviewer and kind (docs/protocol.md, "Gold items");
    /// seniors get their teams', admins everyone's.
    pub async fn gold_stats(&self) -> Result<GoldReport, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/stats/gold")?, None)
            .await
    }

    /// `GET /v1/stats/overview` over the queue's default window.
    pub async fn stats_overview(&self) -> Result<Overview, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/stats/overview")?, None)
            .await
    }

    /// `GET /v1/stats/blind` (docs/protocol.md, "Blind first read").
    pub async fn blind_report(&self) -> Result<BlindReport, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/stats/blind")?, None)
            .await
    }

    /// `GET /v1/stats/fatigue` (seniors: their teams' people; admins: everyone).
    pub async fn fatigue_report(&self) -> Result<FatigueReport, RemoteError> {
        self.call::<(), _>(Method::GET, self.url("v1/stats/fatigue")?, None)
            .await
    }

    /// Opens `GET /v1/events`. Each `next()` on the result waits for the next event's name.
    pub async fn events(&self) -> Result<EventStream, RemoteError> {
        let response = self
            .events_http
            .get(self.url("v1/events")?)
            .bearer_auth(self.token.expose())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        match response.status() {
            status if status.is_success() => Ok(EventStream {
                response,
                parser: SseParser::default(),
                url: self.server_url().to_owned(),
            }),
            StatusCode::UNAUTHORIZED => Err(RemoteError::Unauthorized),
            status => Err(RemoteError::Server {
                status: status.as_u16(),
                code: ApiErrorCode::Unknown,
                message: "the events stream was refused".to_owned(),
            }),
        }
    }
}

/// Server-sent events from the queue: their names say "pull now"; an `escalation` event's data names
/// the escalated item (docs/protocol.md, "Events").
pub struct EventStream {
    response: reqwest::Response,
    parser: SseParser,
    url: String,
}

/// One event off the stream: its name (`message` when it came without one) and its data lines,
/// joined by newlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    pub name: String,
    pub data: String,
}

impl ServerEvent {
    /// The event's name when it is one of the protocol's.
    pub fn known_name(&self) -> Option<EventName> {
        self.name.parse().ok()
    }
}

impl EventStream {
    /// The next event; `Ok(None)` when the server closed the stream.
    pub async fn next(&mut self) -> Result<Option<ServerEvent>, RemoteError> {
        loop {
            if let Some(event) = self.parser.next_event() {
                return Ok(Some(event));
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => self.parser.feed(&bytes),
                Ok(None) => return Ok(None),
                Err(error) => {
                    return Err(RemoteError::Unreachable {
                        url: self.url.clone(),
                        detail: error.to_string(),
                    });
                }
            }
        }
    }
}

/// A minimal text/event-stream reader: collects `event:` names and `data:` lines per
/// blank-line-terminated block.
#[derive(Default)]
struct SseParser {
    buffer: Vec<u8>,
    current: Option<String>,
    data: Option<String>,
    ready: std::collections::VecDeque<ServerEvent>,
}

impl SseParser {
    fn feed(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                // End of an event: "message" is the SSE default name when data came without one.
                let data = self.data.take();
                match (self.current.take(), data) {
                    (Some(name), data) => self.ready.push_back(ServerEvent {
                        name,
                        data: data.unwrap_or_default(),
                    }),
                    (None, Some(data)) => self.ready.push_back(ServerEvent {
                        name: "message".to_owned(),
                        data,
                    }),
                    (None, None) => {}
                }
            } else if let Some(name) = line.strip_prefix("event:") {
                self.current = Some(name.trim().to_owned());
            } else if let Some(value) = line.strip_prefix("data:") {
                // One optional space after the colon belongs to the syntax (WHATWG HTML, SSE).
                let value = value.strip_prefix(' ').unwrap_or(value);
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                }
            }
            // Comments (":keep-alive"), id: and retry: lines need no action here.
        }
    }

    fn next_event(&mut self) -> Option<ServerEvent> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_parser_table() {
        // (chunks as they arrive, (name, data) of the events expected)
        type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
        let cases: Vec<Case> = vec![
            (
                vec!["event: assignments\ndata: {}\n\n"],
                vec![("assignments", "{}")],
            ),
            (
                vec!["event: assign", "ments\r\ndata: x\r\n", "\r\n"],
                vec![("assignments", "x")],
            ),
            (vec![": keep-alive\n\n"], vec![]),
            (vec!["data: hello\n\n"], vec![("message", "hello")]),
            (
                vec!["event: assignments\ndata: 1\n\nevent: assignments\ndata: 2\n\n"],
                vec![("assignments", "1"), ("assignments", "2")],
            ),
            (vec!["event: assignments\ndata: 1\n"], vec![]),
            (
                vec!["event: escalation\ndata: {\"a\":\n", "data:1}\n\n"],
                vec![("escalation", "{\"a\":\n1}")],
            ),
            (vec!["event: items\n\n"], vec![("items", "")]),
        ];
        for (chunks, expected) in cases {
            let mut parser = SseParser::default();
            for chunk in &chunks {
                parser.feed(chunk.as_bytes());
            }
            let mut got = Vec::new();
            while let Some(event) = parser.next_event() {
                got.push((event.name, event.data));
            }
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(name, data)| (name.to_owned(), data.to_owned()))
                .collect();
            assert_eq!(got, expected, "{chunks:?}");
        }
        let escalation = ServerEvent {
            name: "escalation".to_owned(),
            data: String::new(),
        };
        assert_eq!(escalation.known_name(), Some(EventName::Escalation));
        let other = ServerEvent {
            name: "message".to_owned(),
            data: String::new(),
        };
        assert_eq!(other.known_name(), None);
    }

    /// A one-shot HTTP server on a thread answering every connection with `response`.
    fn serve_raw(response: Vec<u8>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(&response);
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn oversized_answers_are_refused_before_they_are_buffered() {
        let body = vec![b' '; 64 * 1024];
        let mut with_length = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        with_length.extend_from_slice(&body);
        let mut chunked =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
        for _ in 0..16 {
            chunked.extend_from_slice(format!("{:x}\r\n", 4096).as_bytes());
            chunked.extend_from_slice(&[b' '; 4096]);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        for (name, raw) in [("content-length", with_length), ("chunked", chunked)] {
            let client = QueueClient::new(&serve_raw(raw), Token::new("t")).expect("client");
            let response = client
                .http
                .get(client.url("v1/me").expect("url"))
                .send()
                .await
                .expect("send");
            let error = client.read_body(response, 16 * 1024).await.expect_err(name);
            assert!(
                matches!(error, RemoteError::TooLarge { limit: 16384 }),
                "{name}: {error}"
            );
            assert!(error.is_transient(), "{name}");
            // Under the limit the same answer is read whole.
            let response = client
                .http
                .get(client.url("v1/me").expect("url"))
                .send()
                .await
                .expect("send");
            let read = client.read_body(response, 1024 * 1024).await.expect(name);
            assert_eq!(read.len(), 64 * 1024, "{name}");
        }
    }

    #[test]
    fn token_debug_is_redacted() {
        let token = Token::new("very-secret");
        assert!(!format!("{token:?}").contains("very-secret"));
    }

    #[test]
    fn server_url_table() {
        let cases = [
            ("http://127.0.0.1:8470", Some("http://127.0.0.1:8470")),
            ("http://127.0.0.1:8470/", Some("http://127.0.0.1:8470")),
            (
                "https://queue.example/base/",
                Some("https://queue.example/base"),
            ),
            ("ftp://x", None),
            ("not a url", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalise_server_url(input).ok().as_deref(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn transient_errors_table() {
        let server = |status| RemoteError::Server {
            status,
            code: ApiErrorCode::Internal,
            message: "y".into(),
        };
        let cases = [
            (
                RemoteError::Unreachable {
                    url: "u".into(),
                    detail: "d".into(),
                },
                true,
            ),
            (server(503), true),
            (server(429), true),
            (server(422), false),
            (RemoteError::Unauthorized, false),
        ];
        for (error, transient) in cases {
            assert_eq!(error.is_transient(), transient, "{error}");
        }
    }
}
