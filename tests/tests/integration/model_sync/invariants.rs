//! The invariants checked against the world: after every step, and once everything has converged.

use super::*;

impl World {
    /// The invariants that hold after every step, faults or not.
    pub(super) async fn check_always(&mut self) -> Check {
        // The audit log is read below as the service reads it: every change so far sealed.
        self.queue.seal_audit().await;
        let pool = self.queue.state().db.pool.clone();
        // 1. Each decision applied at most once.
        let doubled: Vec<(String, i64)> = sqlx::query_as(
            "SELECT decision_id, COUNT(*) FROM decisions GROUP BY decision_id HAVING COUNT(*) > 1",
        )
        .fetch_all(&pool)
        .await
        .expect("read decisions");
        check!(
            doubled.is_empty(),
            "decisions applied more than once: {doubled:?}"
        );

        // 1b. Every signature the clients made holds, and no approval that needs one went unsigned:
        // the queue never refused one, and every applied approval of such an item carries its manifest.
        let refused: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mutation_results \
             WHERE code IN ('signature_required', 'signature_invalid')",
        )
        .fetch_one(&pool)
        .await
        .expect("read mutation results");
        check!(refused == 0, "{refused} signatures were refused");
        let unsigned: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM decisions d JOIN items i ON i.id = d.item_id \
             WHERE i.signature_meaning IS NOT NULL \
             AND d.action IN ('approve', 'approve_with_edits') AND d.signature IS NULL",
        )
        .fetch_one(&pool)
        .await
        .expect("read signed decisions");
        check!(
            unsigned == 0,
            "{unsigned} approvals that need a signature have none"
        );

        // 2. At most one final outcome per item, and it never changes.
        let finals: Vec<(String, i64)> = sqlx::query_as(
            "SELECT item_id, COUNT(*) FROM decisions \
             WHERE action IN ('approve', 'approve_with_edits', 'reject') GROUP BY item_id",
        )
        .fetch_all(&pool)
        .await
        .expect("read final decisions");
        for (item_id, count) in &finals {
            check!(*count <= 1, "item {item_id} has {count} final decisions");
        }
        let decided: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, status, outcome FROM items WHERE status <> 'pending'")
                .fetch_all(&pool)
                .await
                .expect("read items");
        for (item_id, status, outcome) in decided {
            let outcome = outcome.unwrap_or_default();
            check!(
                status != "decided" || !outcome.is_empty(),
                "decided item {item_id} has no outcome"
            );
            if let Some(before) = self.outcomes.insert(item_id.clone(), outcome.clone()) {
                check!(
                    before == outcome,
                    "item {item_id} outcome changed {before} -> {outcome}"
                );
            }
        }

        // 3. An applied decision's epoch is the item's current one when it was applied.
        let audit: Vec<(i64, String, Option<String>, String)> =
            sqlx::query_as("SELECT seq, action, item_id, data FROM audit_log ORDER BY seq")
                .fetch_all(&pool)
                .await
                .expect("read the audit log");
        let mut epochs: HashMap<String, (i64, String)> = HashMap::new();
        for (seq, action, item_id, data) in &audit {
            let Some(item_id) = item_id else { continue };
            let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
            match action.as_str() {
                "assign" => {
                    epochs.insert(
                        item_id.clone(),
                        (
                            data["epoch"].as_i64().unwrap_or(-1),
                            data["lease_id"].as_str().unwrap_or("").to_owned(),
                        ),
                    );
                }
                "decide" | "escalate" | "release" => {
                    let used = (
                        data["lease_epoch"].as_i64().unwrap_or(-2),
                        data["lease_id"].as_str().unwrap_or("").to_owned(),
                    );
                    check!(
                        epochs.get(item_id) == Some(&used),
                        "audit #{seq}: {action} on {item_id} under lease {used:?}, current {:?}",
                        epochs.get(item_id)
                    );
                }
                _ => {}
            }
        }

        // 4. Each comment stored at most once.
        let comments: Vec<(Option<String>,)> =
            sqlx::query_as("SELECT data FROM audit_log WHERE action = 'comment'")
                .fetch_all(&pool)
                .await
                .expect("read comments");
        let mut seen: HashSet<String> = HashSet::new();
        for (data,) in &comments {
            let data: Value =
                serde_json::from_str(data.as_deref().unwrap_or("null")).unwrap_or(Value::Null);
            let id = data["decision_id"].as_str().unwrap_or_default().to_owned();
            check!(
                seen.insert(id.clone()),
                "comment {id} stored more than once"
            );
        }

        // 5. Per client: ids, results and counters.
        let server_decisions: HashMap<String, (String, Option<String>)> =
            sqlx::query_as("SELECT decision_id, action, correction FROM decisions")
                .fetch_all(&pool)
                .await
                .expect("read decisions")
                .into_iter()
                .map(|(d, a, c): (String, String, Option<String>)| (d, (a, c)))
                .collect();
        for c in 0..self.clients.len() {
            let client_id = self.client_id(c).await;
            // One statement, so one snapshot: a push whose sender was killed may still be committing.
            let rows: Vec<ClientResultRow> = sqlx::query_as(
                "SELECT c.last_mutation_id, r.mutation_id, r.decision_id, r.status FROM clients c \
                 LEFT JOIN mutation_results r ON r.client_id = c.id WHERE c.id = $1 \
                 ORDER BY r.mutation_id",
            )
            .bind(&client_id)
            .fetch_all(&pool)
            .await
            .expect("read the client's row and results");
            let server_last = rows.first().map_or(0, |r| r.0);
            let results: Vec<(i64, String, String)> = rows
                .into_iter()
                .filter_map(|(_, id, decision, status)| Some((id?, decision?, status?)))
                .collect();
            let client = &mut self.clients[c];
            let name = client.name;
            check!(
                server_last >= client.max_server_last,
                "{name}: server last_mutation_id went back {} -> {server_last}",
                client.max_server_last
            );
            client.max_server_last = server_last;
            let ids: Vec<i64> = results.iter().map(|r| r.0).collect();
            let expected: Vec<i64> = (1..=server_last).collect();
            check!(
                ids == expected,
                "{name}: results for ids {ids:?}, but last_mutation_id is {server_last}"
            );
            let state: (i64, i64) = sqlx::query_as(
                "SELECT next_mutation_id, last_acked_mutation_id FROM sync_state WHERE id = 1",
            )
            .fetch_one(&client.files)
            .await
            .expect("read sync state");
            check!(
                state.0 >= client.max_next && state.1 >= client.max_acked,
                "{name}: local counters went back: {state:?} after next {} acked {}",
                client.max_next,
                client.max_acked
            );
            (client.max_next, client.max_acked) = state;
            check!(
                server_last < state.0,
                "{name}: the server has seen id {server_last}, the client handed out < {}",
                state.0
            );
            check!(
                state.1 <= server_last,
                "{name}: acked {} > server's {server_last}",
                state.1
            );
            let outbox: Vec<(Option<i64>, String, String, Option<String>)> = sqlx::query_as(
                "SELECT mutation_id, decision_id, state, result_status FROM outbox ORDER BY seq",
            )
            .fetch_all(&client.files)
            .await
            .expect("read the outbox");
            let by_id: HashMap<i64, (String, String)> = results
                .iter()
                .map(|(id, d, s)| (*id, (d.clone(), s.clone())))
                .collect();
            let mut numbered = Vec::new();
            for (mutation_id, decision_id, row_state, result) in &outbox {
                check!(
                    !client.undone.contains(decision_id),
                    "{name}: undone decision {decision_id} is still in the outbox"
                );
                check!(
                    client.shown.contains_key(decision_id) || client.comments.contains(decision_id),
                    "{name}: outbox holds decision {decision_id} nobody made"
                );
                if let Some(id) = mutation_id {
                    numbered.push(*id);
                }
                if row_state == "done" {
                    let id = mutation_id.unwrap_or(-1);
                    let result = result.clone().unwrap_or_default();
                    check!(
                        by_id.get(&id) == Some(&(decision_id.clone(), result.clone())),
                        "{name}: mutation {id} ({decision_id}) recorded {result} locally, server has {:?}",
                        by_id.get(&id)
                    );
                    let pair = (decision_id.clone(), result);
                    if let Some(before) = client.results.insert(id, pair.clone()) {
                        check!(
                            before == pair,
                            "{name}: result of {id} changed {before:?} -> {pair:?}"
                        );
                    }
                }
            }
            numbered.sort_unstable();
            let contiguous: Vec<i64> = (1..state.0).collect();
            check!(
                numbered == contiguous,
                "{name}: mutation ids {numbered:?} are not 1..{}",
                state.0
            );
            // Nothing reaches the server that the client did not show, or took back; nothing altered.
            for (_, decision_id, _) in &results {
                check!(
                    !client.undone.contains(decision_id),
                    "{name}: undone decision {decision_id} reached the server"
                );
            }
            for (decision_id, shown) in &client.shown {
                if let Some((action, correction)) = server_decisions.get(decision_id) {
                    let correction: Option<Value> = correction
                        .as_deref()
                        .and_then(|c| serde_json::from_str(c).ok());
                    check!(
                        action == shown.action
                            && correction.filter(|c| !c.is_null()) == shown.correction,
                        "{name}: decision {decision_id} on {} was {} {:?} locally, {action} on the server",
                        shown.item_id,
                        shown.action,
                        shown.correction
                    );
                }
            }
            for decision_id in &client.undone {
                check!(
                    !server_decisions.contains_key(decision_id),
                    "{name}: undone decision {decision_id} was applied"
                );
            }
        }
        Ok(())
    }

    /// Everything online, the server up: sync until nothing moves, then compare every view.
    pub(super) async fn converge(&mut self) -> Check {
        for client in &self.clients {
            client.proxy.set_offline(false);
            client.proxy.lose_next_push_response(false);
        }
        let mut stable = false;
        let mut before = Vec::new();
        for _ in 0..8 {
            let mut moved = false;
            for c in 0..self.clients.len() {
                let report = self.clients[c].engine.sync_once().await;
                self.mark_claimed(c, Sent::Yes);
                let report = report.map_err(|e| {
                    TestCaseError::fail(format!(
                        "{}: sync failed online: {e}",
                        self.clients[c].name
                    ))
                })?;
                if std::env::var_os("MODEL_DEBUG").is_some() {
                    eprintln!("converge {}: {report:?}", self.clients[c].name);
                }
                // A pull answers every held assignment, so "pulled" alone is no movement.
                moved |= report.pushed > 0 || report.removed > 0;
            }
            let mut now = Vec::new();
            for client in &self.clients {
                let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
                    "SELECT item_id, lease_id, lease_epoch, status FROM assignments ORDER BY item_id",
                )
                .fetch_all(&client.files)
                .await
                .expect("read assignments");
                now.push(rows);
            }
            moved |= now != before;
            before = now;
            if !moved {
                stable = true;
                break;
            }
        }
        check!(stable, "the clients did not converge in 8 rounds");
        self.check_always().await?;
        let pool = self.queue.state().db.pool.clone();
        let server_decisions: HashSet<String> =
            sqlx::query_scalar("SELECT decision_id FROM decisions")
                .fetch_all(&pool)
                .await
                .expect("read decisions")
                .into_iter()
                .collect();
        let held: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, holder, lease_id, epoch, stage FROM items \
             WHERE status = 'pending' AND holder IS NOT NULL",
        )
        .fetch_all(&pool)
        .await
        .expect("read held items");
        for c in 0..self.clients.len() {
            let client = &self.clients[c];
            let name = client.name;
            let pending = client.store.pending_count().await.expect("pending count");
            check!(
                pending == 0,
                "{name}: {pending} decisions still unacknowledged"
            );
            // Every decision shown is on the server, or shown back as a conflict or a rejection.
            for (decision_id, shown) in &client.shown {
                let row: Option<(String, Option<String>)> =
                    sqlx::query_as("SELECT state, result_status FROM outbox WHERE decision_id = ?")
                        .bind(decision_id)
                        .fetch_optional(&client.files)
                        .await
                        .expect("read the outbox");
                let result = row.and_then(|r| r.1).unwrap_or_default();
                match result.as_str() {
                    "applied" => check!(
                        server_decisions.contains(decision_id),
                        "{name}: decision {decision_id} on {} acknowledged applied, missing on the server",
                        shown.item_id
                    ),
                    "conflict" => {
                        let kept: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM conflicts WHERE decision_id = ?",
                        )
                        .bind(decision_id)
                        .fetch_one(&client.files)
                        .await
                        .expect("read conflicts");
                        check!(kept == 1, "{name}: conflict on {decision_id} not shown");
                        check!(
                            !server_decisions.contains(decision_id),
                            "{name}: decision {decision_id} both conflicted and applied"
                        );
                    }
                    "rejected" => {
                        let kept: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM decisions_log WHERE decision_id = ? AND event = 'rejected'",
                        )
                        .bind(decision_id)
                        .fetch_one(&client.files)
                        .await
                        .expect("read the decision log");
                        check!(kept >= 1, "{name}: rejection of {decision_id} not shown");
                        check!(
                            !server_decisions.contains(decision_id),
                            "{name}: decision {decision_id} both rejected and applied"
                        );
                    }
                    other => check!(
                        false,
                        "{name}: decision {decision_id} on {} has result {other:?} after converging",
                        shown.item_id
                    ),
                }
            }
            // Every comment queued is on the server exactly once (check_always: at most once).
            let stored: HashSet<String> = sqlx::query_scalar::<_, String>(
                "SELECT data FROM audit_log WHERE action = 'comment'",
            )
            .fetch_all(&pool)
            .await
            .expect("read comments")
            .iter()
            .filter_map(|data| serde_json::from_str::<Value>(data).ok())
            .filter_map(|data| data["decision_id"].as_str().map(str::to_owned))
            .collect();
            for comment in &client.comments {
                check!(
                    stored.contains(comment),
                    "{name}: comment {comment} never reached the server"
                );
            }
            // The client's view equals the server's: what it may still act on is what it holds.
            let local: Vec<(String, String, i64, String, String)> = sqlx::query_as(
                "SELECT item_id, lease_id, lease_epoch, stage, status FROM assignments",
            )
            .fetch_all(&client.files)
            .await
            .expect("read assignments");
            let actionable: BTreeSet<(String, String, i64, String)> = local
                .iter()
                .filter(|r| r.4 == "open" || r.4 == "rejected")
                .map(|r| (r.0.clone(), r.1.clone(), r.2, r.3.clone()))
                .collect();
            let server: BTreeSet<(String, String, i64, String)> = held
                .iter()
                .filter(|r| r.1 == name)
                .map(|r| (r.0.clone(), r.2.clone(), r.3, r.4.clone()))
                .collect();
            check!(
                actionable == server,
                "{name}: client shows {actionable:?} as held, server has {server:?}"
            );
            for (item_id, _, _, _, status) in &local {
                check!(
                    status != "decided",
                    "{name}: {item_id} still shows a decision waiting to upload"
                );
            }
        }
        Ok(())
    }
}
