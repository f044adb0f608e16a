//! Durable webhook outbox: `item.decided` events signed per the Standard Webhooks spec and
//! delivered at least once, with backoff, across restarts, under one webhook-id per event.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use countersign_domain::AuditAction;
use countersign_domain::Item;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;
use sqlx::AnyConnection;

use crate::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::{Db, col, to_micros};
use crate::error::StoreError;

const SECRET_PREFIX: &str = "whsec_";
const SECRET_SETTING: &str = "webhook_secret";
/// How long one delivery attempt may hold a message before another worker may try it.
const ATTEMPT_LEASE: chrono::Duration = chrono::Duration::seconds(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const BATCH: i64 = 16;

/// The signing key: the decoded bytes of a `whsec_<base64>` secret.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Vec<u8>,
    text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "COUNTERSIGN_WEBHOOK_SECRET must look like whsec_<base64>, e.g. as printed by `countersign-queue webhook-secret`"
    )]
    Format,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WebhookSecret {
    pub fn parse(text: &str) -> Result<WebhookSecret, SecretError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Format)?;
        let key = BASE64.decode(encoded).map_err(|_| SecretError::Format)?;
        if key.is_empty() {
            return Err(SecretError::Format);
        }
        Ok(WebhookSecret {
            key,
            text: text.to_owned(),
        })
    }

    fn generate() -> WebhookSecret {
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let text = format!("{SECRET_PREFIX}{}", BASE64.encode(&key));
        WebhookSecret { key, text }
    }

    pub fn as_text(&self) -> &str {
        &self.text
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }

    /// The secret from the environment when given, else the one kept in the database (made and
    /// stored on first use).
    pub async fn resolve(db: &Db, from_env: Option<&str>) -> Result<WebhookSecret, SecretError> {
        if let Some(text) = from_env {
            return WebhookSecret::parse(text);
        }
        let stored = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(SECRET_SETTING)
            .fetch_optional(&db.pool)
            .await
            .map_err(StoreError::from)?;
        if let Some(row) = stored {
            return WebhookSecret::parse(&col::<String>(&row, "value")?);
        }
        let fresh = WebhookSecret::generate();
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(SECRET_SETTING)
        .bind(fresh.as_text())
        .execute(&db.pool)
        .await
        .map_err(StoreError::from)?;
        // Another process may have stored its own first: read back the winner.
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(SECRET_SETTING)
            .fetch_one(&db.pool)
            .await
            .map_err(StoreError::from)?;
        WebhookSecret::parse(&col::<String>(&row, "value")?)
    }
}

/// Queues `item.decided` for an item that reached its final outcome, when it has a callback.
pub(crate) async fn enqueue_if_wanted(
    conn: &mut AnyConnection,
    item: &Item,
    now: DateTime<Utc>,
) -> Result<Option<AuditEvent>, StoreError> {
    let Some(url) = &item.callback_url else {
        return Ok(None);
    };
    let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    let body = serde_json::to_string(&json!({"type": "item.decided", "item": item}))?;
    sqlx::query(
        "INSERT INTO webhook_outbox (id, item_id, url, body, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(&id)
    .bind(item.id.to_string())
    .bind(url)
    .bind(&body)
    .bind(to_micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(Some(AuditEvent::new(
        "webhook",
        AuditAction::WebhookQueued,
        Some(item.id.to_string()),
        json!({"webhook_id": id, "url": url}),
    )))
}

/// Delay before retry number `attempts` (1-based): 2 s, 4 s, 8 s … capped at one hour.
pub(crate) fn backoff(attempts: i64) -> chrono::Duration {
    let exponent = attempts.clamp(1, 12) - 1;
    chrono::Duration::seconds((2i64 << exponent).min(3600))
}

struct Due {
    id: String,
    item_id: String,
    url: String,
    body: String,
    attempts: i64,
}

/// Delivers due messages until `shutdown` fires; `wake` cuts the wait short.
pub(crate) async fn run_worker(
    state: AppState,
    secret: WebhookSecret,
    wake: std::sync::Arc<tokio::sync::Notify>,
) {
    let client = match reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhook delivery disabled: no HTTP client");
            return;
        }
    };
    loop {
        match deliver_due(&state, &secret, &client).await {
            Ok(0) | Err(_) => {
                tokio::select! {
                    () = state.shutdown.cancelled() => return,
                    () = wake.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
            Ok(_) => {
                if state.shutdown.is_cancelled() {
                    return;
                }
            }
        }
    }
}

/// One round: claims due messages, posts them, records the results. Returns how many it tried.
async fn deliver_due(
    state: &AppState,
    secret: &WebhookSecret,
    client: &reqwest::Client,
) -> Result<usize, StoreError> {
    let db = &state.db;
    let now = state.now();
    // Claim by pushing next_attempt_at forward, so a crash mid-send only delays a retry.
    let due = db
        .write(|mut tx| async move {
            let rows = sqlx::query(&format!(
                "SELECT id, item_id, url, body, attempts FROM webhook_outbox \
                 WHERE delivered_at IS NULL AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at LIMIT $2{}",
                db.backend.skip_locked()
            ))
            .bind(to_micros(now))
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let mut due = Vec::with_capacity(rows.len());
            for row in rows {
                let message = Due {
                    id: col(&row, "id")?,
                    item_id: col(&row, "item_id")?,
                    url: col(&row, "url")?,
                    body: col(&row, "body")?,
                    attempts: col(&row, "attempts")?,
                };
                sqlx::query("UPDATE webhook_outbox SET next_attempt_at = $1 WHERE id = $2")
                    .bind(to_micros(now + ATTEMPT_LEASE))
                    .bind(&message.id)
                    .execute(&mut *tx)
                    .await?;
                due.push(message);
            }
            Ok((due, tx))
        })
        .await?;
    let tried = due.len();
    for message in due {
        let outcome = post(client, secret, &message, state.now()).await;
        let attempts = message.attempts + 1;
        let finished = state.now();
        let result = db
            .write(|mut tx| {
                let outcome = outcome.clone();
                let message = &message;
                async move {
                    let event = match &outcome {
                        Ok(status) => {
                            sqlx::query(
                                "UPDATE webhook_outbox SET delivered_at = $1, attempts = $2, \
                                 last_error = NULL WHERE id = $3",
                            )
                            .bind(to_micros(finished))
                            .bind(attempts)
                            .bind(&message.id)
                            .execute(&mut *tx)
                            .await?;
                            AuditEvent::new(
                                "webhook",
                                AuditAction::WebhookDelivered,
                                Some(message.item_id.clone()),
                                json!({"webhook_id": message.id, "attempt": attempts, "status": status}),
                            )
                        }
                        Err(error) => {
                            sqlx::query(
                                "UPDATE webhook_outbox SET next_attempt_at = $1, attempts = $2, \
                                 last_error = $3 WHERE id = $4",
                            )
                            .bind(to_micros(finished + backoff(attempts)))
                            .bind(attempts)
                            .bind(error)
                            .bind(&message.id)
                            .execute(&mut *tx)
                            .await?;
                            AuditEvent::new(
                                "webhook",
                                AuditAction::WebhookFailed,
                                Some(message.item_id.clone()),
                                json!({"webhook_id": message.id, "attempt": attempts, "error": error}),
                            )
                        }
                    };
                    audit::append(&mut tx, db.backend, finished, &[event]).await?;
                    Ok(((), tx))
                }
            })
            .await;
        if let Err(error) = result {
            tracing::error!(%error, webhook_id = %message.id, "could not record a webhook attempt");
        }
        match &outcome {
            Ok(_) => {
                state.metrics.webhooks_delivered.inc();
            }
            Err(error) => {
                state.metrics.webhooks_failed.inc();
                tracing::warn!(webhook_id = %message.id, attempt = attempts, %error, "webhook delivery failed");
            }
        }
    }
    Ok(tried)
}

async fn post(
    client: &reqwest::Client,
    secret: &WebhookSecret,
    message: &Due,
    now: DateTime<Utc>,
) -> Result<u16, String> {
    let timestamp = now.timestamp();
    let response = client
        .post(&message.url)
        .header("content-type", "application/json")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            secret.sign(&message.id, timestamp, &message.body),
        )
        .body(message.body.clone())
        .send()
        .await
        .map_err(|error| format!("request failed: {error}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err(format!("receiver answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example from the Standard Webhooks specification.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for text in ["", "whsec_", "secret", "whsec_!!!"] {
            assert!(WebhookSecret::parse(text).is_err(), "{text}");
        }
        let generated = WebhookSecret::generate();
        assert!(WebhookSecret::parse(generated.as_text()).is_ok());
    }

    #[test]
    fn backoff_starts_within_ten_seconds_and_is_capped() {
        assert!(backoff(1) <= chrono::Duration::seconds(10));
        assert!(backoff(2) > backoff(1));
        assert_eq!(backoff(40), chrono::Duration::seconds(3600));
    }
}
