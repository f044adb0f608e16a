//! Gold items (docs/protocol.md, "Gold items"): an admin's items with a known answer, kept apart
//! from real work in `gold_items`; a copy made for one reviewer at a time among their real grants,
//! looking like the work of the producer it names; the scoring of a decision on a copy; and the
//! standing of a reviewer whose accuracy fell below their team's minimum.

use chrono::{DateTime, Utc};
use countersign_domain::{
    Action, AuditAction, GoldAlert, GoldAnswer, GoldExpected, GoldResult, Item, ItemId, ItemStatus,
    NewItem, RateEstimate, Role, Route,
};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::audience::Audience;
use crate::audit::{self, AuditEvent};
use crate::context::SyncContext;
use crate::db::{Tx, col, parse_wire, to_micros, wire_name};
use crate::error::StoreError;
use crate::events::Recipients;
use crate::items::{self, GoldCopy, Submitted};
use crate::kinds::{self, SchemaViolation};

/// Why a gold item was not stored.
#[derive(Debug, thiserror::Error)]
pub enum GoldError {
    /// It could never be served (422 `invalid_gold`): the message says why.
    #[error("{0}")]
    Invalid(String),
    /// It does not satisfy its registered kind's schemas (422 `schema_violation`).
    #[error("the item does not satisfy its kind's schema at {0}")]
    Schema(#[from] SchemaViolation),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores `new` (whose `gold` is set) as a gold item, or returns the one of the same external id.
/// The answer is the item as its copies will be served (id: the gold item's), never with `gold`.
pub async fn add(state: &AppState, admin: &str, new: &NewItem) -> Result<Submitted, GoldError> {
    let answer = new
        .gold
        .as_ref()
        .ok_or_else(|| GoldError::Invalid("the submission has no `gold`".into()))?;
    if answer.reason_code.is_some() && answer.expected != GoldExpected::Reject {
        return Err(GoldError::Invalid(
            "gold.reason_code goes with expected = \"reject\" only".into(),
        ));
    }
    let routing = state.policy.route(new);
    if routing.route == Route::AutoApproved {
        return Err(GoldError::Invalid(format!(
            "the policy auto-approves this item (rule {:?}): a gold item must reach a person",
            routing.rule
        )));
    }
    let Some(team) = routing.team.clone() else {
        return Err(GoldError::Invalid(format!(
            "the policy routes this item to no team (rule {:?}): gold is served per team, at its [teams.NAME] gold_rate",
            routing.rule
        )));
    };
    let audience = Audience::for_route(routing.route).unwrap_or(Audience::Reviewers);
    let team = &team;
    state
        .db
        .write(|mut tx| async move {
            let compiled = kinds::compiled_for(state, &mut tx, &[new.kind.as_str()]).await?;
            if let Err(violation) = kinds::check_item(&compiled, new) {
                return Ok((Err(GoldError::Schema(violation)), tx));
            }
            if let Some(found) = stored(state, &mut tx, "external_id", &new.external_id).await? {
                return Ok((
                    Ok(Submitted {
                        item: found,
                        created: false,
                    }),
                    tx,
                ));
            }
            let producer = match as_producer(&mut tx, answer, &new.kind).await? {
                Ok(producer) => producer,
                Err(message) => return Ok((Err(GoldError::Invalid(message)), tx)),
            };
            let id = ItemId::new_v7().to_string();
            let now = state.now();
            let mut template = new.clone();
            template.gold = None;
            sqlx::query(
                "INSERT INTO gold_items (id, external_id, kind, team, audience, as_producer, item, \
                 expected, reason_code, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&id)
            .bind(&new.external_id)
            .bind(&new.kind)
            .bind(team)
            .bind(audience.as_str())
            .bind(&producer)
            .bind(serde_json::to_string(&template)?)
            .bind(answer.expected.as_str())
            .bind(answer.reason_code.as_deref())
            .bind(admin)
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await?;
            let event = AuditEvent::new(
                admin,
                AuditAction::GoldAdded,
                None,
                json!({"gold_id": id, "external_id": new.external_id, "kind": new.kind,
                       "team": team, "as_producer": producer, "expected": answer.expected,
                       "reason_code": answer.reason_code}),
            );
            audit::append(&mut tx, state.db.backend, now, &[event]).await?;
            let item = stored(state, &mut tx, "id", &id)
                .await?
                .ok_or_else(|| StoreError::corrupt("a gold item vanished inside a transaction"))?;
            Ok((
                Ok(Submitted {
                    item,
                    created: true,
                }),
                tx,
            ))
        })
        .await?
}

/// The named producer, which must exist as a producer, or the one that submitted most real items
/// of `kind`; `Err` with the reason when there is none.
async fn as_producer(
    tx: &mut Tx,
    answer: &GoldAnswer,
    kind: &str,
) -> Result<Result<String, String>, StoreError> {
    if let Some(name) = &answer.as_producer {
        let role = sqlx::query("SELECT role FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut **tx)
            .await?;
        let role: Option<Role> = role
            .map(|row| parse_wire(&col::<String>(&row, "role")?))
            .transpose()?;
        return Ok(match role {
            Some(Role::Producer) => Ok(name.clone()),
            _ => Err(format!("gold.as_producer {name:?} is not a producer")),
        });
    }
    let most = sqlx::query(
        "SELECT producer, COUNT(*) AS n FROM items WHERE kind = $1 AND gold_id IS NULL \
         GROUP BY producer ORDER BY n DESC, producer LIMIT 1",
    )
    .bind(kind)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match most {
        Some(row) => Ok(col(&row, "producer")?),
        None => Err(format!(
            "no producer has submitted a {kind:?} item yet: name the one the gold item appears to come from in gold.as_producer"
        )),
    })
}

/// The gold item whose `column` (`id` or `external_id`) is `value`, as its copies are served.
async fn stored(
    state: &AppState,
    tx: &mut Tx,
    column: &str,
    value: &str,
) -> Result<Option<Item>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT id, as_producer, item, created_at FROM gold_items WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let new: NewItem = serde_json::from_str(&col::<String>(&row, "item")?)?;
    let routing = state.policy.route(&new);
    Ok(Some(Item {
        id: col::<String>(&row, "id")?
            .parse()
            .map_err(StoreError::corrupt)?,
        producer: col(&row, "as_producer")?,
        created_at: crate::db::from_micros(col(&row, "created_at")?),
        external_id: new.external_id,
        kind: new.kind,
        title: new.title,
        payload: new.payload,
        ai: new.ai,
        priority: new.priority,
        due_at: None,
        callback_url: new.callback_url,
        route: routing.route,
        routing_rule: routing.rule,
        approvals_required: routing.approvals_required,
        status: ItemStatus::Pending,
        outcome: None,
        decisions: Vec::new(),
        team: routing.team,
        warn_at: None,
        handoff: None,
        signature_required: routing.signature,
        blind: routing.blind,
    }))
}

/// Whether the `draw`-th real grant of `team` to `user` is followed by a gold item: SHA-256 of
/// `user`, `team` and `draw`, read as a number in [0, 1) ([`crate::draw::unit_draw`]), below `rate`. Reproducible, and spread
/// like independent draws at that rate.
pub fn draws_gold(user: &str, team: &str, draw: i64, rate: f64) -> bool {
    let digest = Sha256::digest(format!("countersign-gold\n{user}\n{team}\n{draw}"));
    crate::draw::unit_draw(&digest) < rate
}

/// After a grant of real work (`teams`: the team of each real item granted), makes the gold copies
/// the draws call for, for the caller, and returns them (`id`, `stage`) for the lease grant.
pub(crate) async fn serve(
    tx: &mut Tx,
    ctx: &mut SyncContext<'_>,
    teams: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    let (state, user) = (ctx.state, ctx.caller.name.clone());
    let mut counts: std::collections::BTreeMap<&str, i64> = Default::default();
    for team in teams {
        *counts.entry(team.as_str()).or_default() += 1;
    }
    let audiences: Vec<&str> = Audience::served_by(ctx.caller.role)
        .iter()
        .map(|audience| audience.as_str())
        .collect();
    let mut copies = Vec::new();
    for (team, granted) in counts {
        let Some(rate) = state.policy.team(team).and_then(|team| team.gold_rate) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO gold_draws (user_name, team, draws) VALUES ($1, $2, 0) \
             ON CONFLICT (user_name, team) DO NOTHING",
        )
        .bind(&user)
        .bind(team)
        .execute(&mut **tx)
        .await?;
        let row = sqlx::query(
            "UPDATE gold_draws SET draws = draws + $1 WHERE user_name = $2 AND team = $3 \
             RETURNING draws",
        )
        .bind(granted)
        .bind(&user)
        .bind(team)
        .fetch_one(&mut **tx)
        .await?;
        let last: i64 = col(&row, "draws")?;
        let due = (last - granted + 1..=last)
            .filter(|draw| draws_gold(&user, team, *draw, rate))
            .count();
        for _ in 0..due {
            match copy_one(tx, ctx, team, &audiences).await? {
                Some(copy) => copies.push(copy),
                // Every gold item of the team was served to this user already.
                None => break,
            }
        }
    }
    Ok(copies)
}

/// Makes one copy, for the caller, of the oldest gold item of `team` they were never served.
async fn copy_one(
    tx: &mut Tx,
    ctx: &mut SyncContext<'_>,
    team: &str,
    audiences: &[&str],
) -> Result<Option<(String, String)>, StoreError> {
    let (state, user, now) = (ctx.state, ctx.caller.name.as_str(), ctx.now);
    if audiences.is_empty() {
        return Ok(None);
    }
    let audience_list = audiences
        .iter()
        .map(|audience| format!("'{audience}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let row = sqlx::query(&format!(
        "SELECT id, as_producer, item FROM gold_items g WHERE team = $1 \
         AND audience IN ({audience_list}) AND NOT EXISTS ( \
         SELECT 1 FROM gold_serves s WHERE s.gold_id = g.id AND s.user_name = $2) \
         ORDER BY created_at, id LIMIT 1"
    ))
    .bind(team)
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let gold_id: String = col(&row, "id")?;
    let producer: String = col(&row, "as_producer")?;
    let mut new: NewItem = serde_json::from_str(&col::<String>(&row, "item")?)?;
    // Its producer's newest real item of the kind gives the shape of the external id and the
    // callback URL its copies show (docs/protocol.md, "Gold items").
    let sample = sqlx::query(
        "SELECT external_id, callback_url FROM items WHERE producer = $1 AND kind = $2 \
         AND gold_id IS NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&producer)
    .bind(&new.kind)
    .fetch_optional(&mut **tx)
    .await?;
    let shape = match &sample {
        Some(sample) => col::<String>(sample, "external_id")?,
        None => new.external_id.clone(),
    };
    if let Some(sample) = &sample
        && new.callback_url.is_none()
    {
        new.callback_url = col(sample, "callback_url")?;
    }
    new.external_id = like_shape(&shape, &mut rand::rng());
    new.due_at = None;
    let copy = GoldCopy {
        gold_id: &gold_id,
        reviewer: user,
    };
    let compiled = kinds::compiled_for(state, tx, &[new.kind.as_str()]).await?;
    let kind = compiled.get(&new.kind).map(AsRef::as_ref);
    let submitted = items::submit_in(state, tx, &producer, &new, kind, Some(&copy)).await?;
    let item = submitted.item;
    // The policy changed since the gold item was added: this copy reaches nobody; keep it unserved.
    let Some(stage) = (item.status == ItemStatus::Pending)
        .then(|| sqlx::query("SELECT stage FROM items WHERE id = $1").bind(item.id.to_string()))
    else {
        return Ok(None);
    };
    let stage: String = col(&stage.fetch_one(&mut **tx).await?, "stage")?;
    sqlx::query(
        "INSERT INTO gold_serves (gold_id, user_name, item_id, served_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&gold_id)
    .bind(user)
    .bind(item.id.to_string())
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    ctx.audit.push(AuditEvent::new(
        "policy",
        AuditAction::GoldServed,
        Some(item.id.to_string()),
        json!({"gold_id": gold_id, "for": user, "team": team}),
    ));
    Ok(Some((item.id.to_string(), stage)))
}

/// `shape` with each digit replaced by a random digit, and each letter a–f of a hexadecimal word
/// (letters and digits only, at least one digit) by a random one: `txn-48213` → `txn-90571`.
pub fn like_shape(shape: &str, rng: &mut impl Rng) -> String {
    let mut out = String::with_capacity(shape.len());
    for word in shape.split_inclusive(|c: char| !c.is_ascii_alphanumeric()) {
        let body = word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let hex =
            body.chars().any(|c| c.is_ascii_digit()) && body.chars().all(|c| c.is_ascii_hexdigit());
        for c in word.chars() {
            out.push(match c {
                '0'..='9' => char::from(b'0' + rng.random_range(0..10u8)),
                'a'..='f' if hex => char::from(b'a' + rng.random_range(0..6u8)),
                'A'..='F' if hex => char::from(b'A' + rng.random_range(0..6u8)),
                other => other,
            });
        }
    }
    out
}

/// A decision on a gold copy, to be scored.
pub(crate) struct Answer {
    pub item_id: String,
    pub gold_id: String,
    pub kind: String,
    pub action: Action,
    pub reason_code: Option<String>,
}

/// Scores each answer (stored, audited, counted), then updates the answerer's standing on its kind.
pub(crate) async fn score(
    tx: &mut Tx,
    ctx: &mut SyncContext<'_>,
    answers: &[Answer],
) -> Result<(), StoreError> {
    let (state, user, now) = (ctx.state, ctx.caller.name.clone(), ctx.now);
    for answer in answers {
        let row = sqlx::query("SELECT expected, team FROM gold_items WHERE id = $1")
            .bind(&answer.gold_id)
            .fetch_one(&mut **tx)
            .await?;
        let expected: GoldExpected = parse_wire(&col::<String>(&row, "expected")?)?;
        let team: String = col(&row, "team")?;
        let Some(result) = GoldResult::of(expected, answer.action) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO gold_answers (item_id, gold_id, user_name, kind, team, expected, action, \
             reason_code, result, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (item_id) DO NOTHING",
        )
        .bind(&answer.item_id)
        .bind(&answer.gold_id)
        .bind(&user)
        .bind(&answer.kind)
        .bind(&team)
        .bind(expected.as_str())
        .bind(wire_name(&answer.action))
        .bind(answer.reason_code.as_deref())
        .bind(result.as_str())
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        state.metrics.gold_answer(result);
        ctx.audit.push(AuditEvent::new(
            "policy",
            AuditAction::GoldScored,
            Some(answer.item_id.clone()),
            json!({"gold_id": answer.gold_id, "by": user, "expected": expected,
                   "action": answer.action, "result": result}),
        ));
        standing(tx, ctx, &answer.kind, &team, now).await?;
    }
    Ok(())
}

/// The caller's accuracy on `kind`: correct over correct and incorrect answers.
pub(crate) async fn accuracy(
    conn: &mut sqlx::AnyConnection,
    user: &str,
    kind: &str,
) -> Result<RateEstimate, StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN result = 'correct' THEN 1 ELSE 0 END), 0) AS correct, \
         COALESCE(SUM(CASE WHEN result = 'incorrect' THEN 1 ELSE 0 END), 0) AS incorrect \
         FROM gold_answers WHERE user_name = $1 AND kind = $2",
    )
    .bind(user)
    .bind(kind)
    .fetch_one(conn)
    .await?;
    let correct = col::<i64>(&row, "correct")?.max(0) as u64;
    let incorrect = col::<i64>(&row, "incorrect")?.max(0) as u64;
    Ok(RateEstimate::of(correct, correct + incorrect))
}

/// The one rule of low gold accuracy: with enough answers for an interval, its upper bound is below
/// the team's `min_gold_accuracy`. Fewer answers never count as low.
pub fn is_below(accuracy: &RateEstimate, min_accuracy: f64) -> bool {
    accuracy.upper().is_some_and(|upper| upper < min_accuracy)
}

/// Records whether the caller is below their team's minimum on `kind`; on falling below, tells the
/// team's seniors (`gold_alert`); on recovering, lifts the high-risk restriction.
async fn standing(
    tx: &mut Tx,
    ctx: &mut SyncContext<'_>,
    kind: &str,
    team: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let state = ctx.state;
    let user = ctx.caller.name.clone();
    let Some(min_accuracy) = state
        .policy
        .team(team)
        .and_then(|team| team.min_gold_accuracy)
    else {
        return Ok(());
    };
    let accuracy = accuracy(tx, &user, kind).await?;
    let below = is_below(&accuracy, min_accuracy);
    let was = sqlx::query("SELECT since FROM gold_low_accuracy WHERE user_name = $1 AND kind = $2")
        .bind(&user)
        .bind(kind)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if below == was {
        return Ok(());
    }
    if below {
        sqlx::query(
            "INSERT INTO gold_low_accuracy (user_name, kind, team, since) VALUES ($1, $2, $3, $4)",
        )
        .bind(&user)
        .bind(kind)
        .bind(team)
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        let alert = GoldAlert {
            reviewer: user.clone(),
            kind: kind.to_owned(),
            team: team.to_owned(),
            accuracy,
            min_accuracy,
        };
        ctx.recipients.insert(Recipients::GoldAlert {
            team: team.to_owned(),
            notice: serde_json::to_string(&alert)?,
        });
    } else {
        sqlx::query("DELETE FROM gold_low_accuracy WHERE user_name = $1 AND kind = $2")
            .bind(&user)
            .bind(kind)
            .execute(&mut **tx)
            .await?;
    }
    ctx.audit.push(AuditEvent::new(
        "policy",
        AuditAction::GoldStanding,
        None,
        json!({"reviewer": user, "kind": kind, "team": team, "below": below,
               "accuracy": accuracy, "min_gold_accuracy": min_accuracy}),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn external_ids_keep_their_shape() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for shape in [
            "txn-48213",
            "3f2a9c1e-0b4d-4e7a-9f10-2c3d4e5f6a7b",
            "order_12/ab",
            "x",
        ] {
            let made = like_shape(shape, &mut rng);
            assert_eq!(made.len(), shape.len(), "{shape} → {made}");
            for (a, b) in shape.chars().zip(made.chars()) {
                if a.is_ascii_digit() {
                    assert!(b.is_ascii_digit(), "{shape} → {made}");
                } else if !a.is_ascii_hexdigit() {
                    assert_eq!(a, b, "{shape} → {made}");
                }
            }
        }
        assert!(
            like_shape("order_12/ab", &mut rng).ends_with("/ab"),
            "a word without digits stays"
        );
    }

    #[test]
    fn draws_are_reproducible_and_near_the_rate() {
        let hits = (1..=10_000)
            .filter(|draw| draws_gold("rita", "fraud", *draw, 0.02))
            .count();
        // Binomial(10,000, 0.02): mean 200, sd 14; 99.9% bounds about ±46.
        assert!((154..=246).contains(&hits), "{hits}");
        assert_eq!(
            draws_gold("rita", "fraud", 17, 0.5),
            draws_gold("rita", "fraud", 17, 0.5)
        );
        assert!(!draws_gold("rita", "fraud", 1, 0.0));
        assert!(draws_gold("rita", "fraud", 1, 1.0));
    }

    #[test]
    fn low_accuracy_needs_enough_answers() {
        assert!(
            !is_below(&RateEstimate::of(0, 10), 0.9),
            "ten misses are not enough data"
        );
        assert!(is_below(&RateEstimate::of(20, 30), 0.9));
        assert!(
            !is_below(&RateEstimate::of(26, 30), 0.9),
            "upper bound above the minimum"
        );
    }
}
