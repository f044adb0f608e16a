//! The world a schedule runs in: the queue service, the clients (store, engine, proxy) and the
//! reference model, and how each step of a schedule acts on them.

use countersign_client::decision::{self, DecisionError};
use countersign_client::signing;
use countersign_domain::signature::encode_public_key;

use super::*;

/// Sets `name`'s signing PIN and registers a signing key for them, straight with the queue.
async fn enrolled_signer(queue: &Queue, token: &str, name: &str) -> DecisionSigner {
    let pin = format!("{name}-signing-pin");
    let set = queue
        .request(
            reqwest::Method::PUT,
            "/v1/me/signing-pin",
            Some(token),
            Some(&json!({ "pin": pin })),
        )
        .await;
    assert_eq!(set.status, 204, "{set:?}");
    let key = signing::new_key();
    let body = json!({"public_key": encode_public_key(&key.verifying_key()), "pin": pin});
    let registered = queue.post("/v1/me/signing-keys", token, &body).await;
    assert_eq!(registered.status, 201, "{registered:?}");
    DecisionSigner {
        key,
        signer_name: name.to_owned(),
    }
}

impl World {
    pub(super) async fn new(backend: Backend) -> World {
        let db = TestDb::new_in(backend, scratch_root().as_deref());
        let start = Utc
            .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .single()
            .expect("a valid start time");
        let clock = ManualClock::new(start);
        let queue = Queue::start(
            &db,
            QueueOptions {
                policy: policy(),
                clock: clock.clone(),
                webhook_secret: None,
            },
        )
        .await;
        let producer = queue.user("fraud-ai", Role::Producer).await;
        let mut clients = Vec::new();
        for (name, role) in USERS {
            let token = queue.user(name, role).await;
            let signer = enrolled_signer(&queue, &token, name).await;
            let dir = scratch_dir();
            let proxy = Proxy::start(Some(queue.addr())).await;
            let store = ClientStore::open(dir.path()).await.expect("open the store");
            let engine = engine_for(&store, &proxy.url(), &token, &clock);
            let files = open_client_files(dir.path()).await;
            clients.push(Client {
                name,
                token,
                dir,
                spare: scratch_dir(),
                proxy,
                store,
                engine,
                files,
                shown: BTreeMap::new(),
                sent: HashMap::new(),
                undone: HashSet::new(),
                comments: HashSet::new(),
                results: HashMap::new(),
                signer,
                max_server_last: 0,
                max_next: 1,
                max_acked: 0,
            });
        }
        let mut world = World {
            queue,
            _db: db,
            clock,
            producer,
            clients,
            submitted: 0,
            outcomes: HashMap::new(),
            log: Vec::new(),
        };
        for n in 0..INITIAL_ITEMS {
            world.submit(n % 3 == 2).await;
        }
        world
    }

    pub(super) async fn submit(&mut self, high_risk: bool) {
        if self.submitted >= MAX_ITEMS {
            return;
        }
        let n = self.submitted;
        self.submitted += 1;
        // Every fourth a clinical suggestion (the third initial item is high risk, so not that one).
        let kind = match n % 4 {
            0 | 2 => "transaction",
            1 => "content_draft",
            _ => "clinical_suggestion",
        };
        let risk = if high_risk { "high" } else { "medium" };
        self.queue
            .submit(&self.producer, &item(&format!("m-{n}"), kind, 0.7, risk))
            .await;
    }

    pub(super) fn note(&mut self, line: String) {
        self.log.push(line);
    }

    /// Reopens a client on its files (after a kill), with a fresh engine and HTTP client.
    pub(super) async fn reopen(&mut self, c: usize) {
        let clock = self.clock.clone();
        let client = &mut self.clients[c];
        client.files.close().await;
        // A killed process holds nothing: its connections (and any open transaction) go first.
        let placeholder = ClientStore::open(client.spare.path())
            .await
            .expect("open a placeholder store");
        client.engine = engine_for(&placeholder, &client.proxy.url(), &client.token, &clock);
        client.store = placeholder;
        tokio::task::yield_now().await;
        let store = ClientStore::open(client.dir.path())
            .await
            .expect("reopen the store on the same file");
        client.engine = engine_for(&store, &client.proxy.url(), &client.token, &clock);
        client.store = store;
        client.files = open_client_files(client.dir.path()).await;
    }

    /// After an engine round that claimed the outbox, nothing decided before it can be undone.
    pub(super) fn mark_claimed(&mut self, c: usize, sent: Sent) {
        for state in self.clients[c].sent.values_mut() {
            if *state != Sent::Yes {
                *state = sent;
            }
        }
    }

    pub(super) async fn sync(&mut self, c: usize) -> Result<(), String> {
        let result = self.clients[c].engine.sync_once().await;
        self.mark_claimed(c, Sent::Yes);
        self.judge_sync(c, result)
    }

    /// Transient failures are expected under faults; anything else is a finding.
    pub(super) fn judge_sync(
        &mut self,
        c: usize,
        result: Result<countersign_client::sync::SyncReport, SyncError>,
    ) -> Result<(), String> {
        match result {
            Ok(_) => Ok(()),
            Err(error) if error.is_transient() => {
                let line = format!("{} sync: transient: {error}", self.clients[c].name);
                self.note(line);
                Ok(())
            }
            Err(error) => Err(format!(
                "{} sync failed with a non-transient error: {error}",
                self.clients[c].name
            )),
        }
    }

    pub(super) async fn inbox(&self, c: usize) -> Vec<String> {
        self.clients[c]
            .store
            .list_all(&ListQuery::default())
            .await
            .expect("list the inbox")
            .into_iter()
            .map(|row| row.item_id.to_string())
            .collect()
    }

    pub(super) async fn local_status(&self, c: usize, item_id: &str) -> Option<String> {
        sqlx::query_scalar("SELECT status FROM assignments WHERE item_id = ?")
            .bind(item_id)
            .fetch_optional(&self.clients[c].files)
            .await
            .expect("read a local status")
    }

    pub(super) async fn apply(&mut self, step: &Step) -> Check {
        match *step {
            Step::Comment { client, pick } => {
                let inbox = self.inbox(client).await;
                if inbox.is_empty() {
                    return Ok(());
                }
                let item_id: ItemId = inbox[pick % inbox.len()].parse().expect("item id");
                let text = format!("model comment by {}", self.clients[client].name);
                let now = self.clock.now();
                let comment = self.clients[client]
                    .store
                    .comment(item_id, &text, now)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("comment on a held item: {e}")))?;
                self.clients[client]
                    .comments
                    .insert(comment.comment_id.to_string());
                tally(&TALLY.comments, 1);
            }
            Step::Decide { client, pick, act } => {
                let inbox = self.inbox(client).await;
                if inbox.is_empty() {
                    return Ok(());
                }
                let item_id = inbox[pick % inbox.len()].clone();
                let before = self.local_status(client, &item_id).await;
                let detail = self.clients[client]
                    .store
                    .get(item_id.parse().expect("item id"))
                    .await
                    .expect("read the assignment")
                    .expect("listed, so held");
                let (action, mut input) = match act {
                    Act::Approve => ("approve", DecisionInput::new(Action::Approve)),
                    Act::Escalate => ("escalate", DecisionInput::new(Action::Escalate)),
                    Act::Reject => {
                        let mut input = DecisionInput::new(Action::Reject);
                        input.reason_code = Some("suspected_fraud".into());
                        (("reject"), input)
                    }
                    Act::Correct => (
                        "approve_with_edits",
                        DecisionInput::new(Action::ApproveWithEdits),
                    ),
                    Act::Patch => {
                        let mut input = DecisionInput::new(Action::ApproveWithEdits);
                        let (path, value) = if detail.item.ai.output.is_string() {
                            ("", json!("Draft text patched by a person."))
                        } else {
                            ("/verdict", json!("allow"))
                        };
                        input.patch = Some(
                            serde_json::from_value(
                                json!([{"op": "replace", "path": path, "value": value}]),
                            )
                            .expect("a patch"),
                        );
                        input.rationale = Some("model step".into());
                        input.tags = vec!["model".into()];
                        ("approve_with_edits", input)
                    }
                };
                if matches!(act, Act::Correct) {
                    input.correction = Some(if detail.item.ai.output.is_string() {
                        json!("Draft text corrected by a person.")
                    } else {
                        json!({"verdict": "allow", "score": 0.1})
                    });
                }
                input.note = Some(format!("model step by {}", self.clients[client].name));
                let now = self.clock.now();
                let signs = decision::needs_sign_off(&detail.item, input.action);
                let result = self.clients[client]
                    .store
                    .decide_signed(
                        item_id.parse().expect("item id"),
                        &input,
                        signs.then_some(&self.clients[client].signer),
                        now,
                    )
                    .await;
                let may = matches!(before.as_deref(), Some("open") | Some("rejected"));
                let stage = detail.summary.stage;
                let refused_at_stage = stage.refusal(input.action).is_some();
                match result {
                    Ok(recorded) => {
                        check!(may, "decide on a {before:?} assignment was accepted");
                        check!(
                            !refused_at_stage,
                            "{action} at stage {stage:?} was recorded, though the queue refuses it"
                        );
                        let id = recorded.decision_id.to_string();
                        self.clients[client].shown.insert(
                            id.clone(),
                            Shown {
                                item_id,
                                action,
                                // The corrected output the store made (from a patch, too).
                                correction: recorded.correction.clone(),
                            },
                        );
                        self.clients[client].sent.insert(id, Sent::No);
                        tally(&TALLY.decided, 1);
                        tally(&TALLY.signed, u64::from(signs));
                    }
                    Err(StoreError::AlreadyDecided(..)) => {
                        check!(!may, "decide on an {before:?} assignment was refused");
                    }
                    Err(StoreError::InvalidDecision(DecisionError::NotInStage(_))) => {
                        check!(
                            refused_at_stage,
                            "{action} at stage {stage:?} was refused, though the queue allows it"
                        );
                    }
                    Err(error) => check!(false, "decide failed: {error}"),
                }
            }
            Step::Undo { client, pick } => {
                let inbox = self.inbox(client).await;
                if inbox.is_empty() {
                    return Ok(());
                }
                let item_id = inbox[pick % inbox.len()].clone();
                let latest: Option<(String, String)> = sqlx::query_as(
                    "SELECT decision_id, state FROM outbox WHERE item_id = ? AND action <> 'comment' \
                     ORDER BY seq DESC LIMIT 1",
                )
                .bind(&item_id)
                .fetch_optional(&self.clients[client].files)
                .await
                .expect("read the outbox");
                let now = self.clock.now();
                let result = self.clients[client]
                    .store
                    .undo(item_id.parse().expect("item id"), now)
                    .await;
                let model = latest
                    .as_ref()
                    .and_then(|(id, _)| self.clients[client].sent.get(id).copied());
                match result {
                    Ok(()) => {
                        let Some((id, _)) = latest else {
                            return Err(TestCaseError::fail("undo succeeded with nothing decided"));
                        };
                        check!(
                            model != Some(Sent::Yes),
                            "undo of decision {id} succeeded after it was claimed for sending"
                        );
                        let client = &mut self.clients[client];
                        check!(
                            client.shown.remove(&id).is_some(),
                            "undo removed decision {id} the model never saw shown"
                        );
                        client.undone.insert(id);
                        tally(&TALLY.undone, 1);
                    }
                    Err(StoreError::AlreadySent(_)) => {
                        tally(&TALLY.undo_refused, 1);
                        check!(
                            model != Some(Sent::No),
                            "undo refused as already sent, but no sync ran since the decision"
                        );
                    }
                    Err(StoreError::NothingToUndo(_)) => {
                        let undoable = latest.as_ref().is_some_and(|(id, state)| {
                            state == "pending" && self.clients[client].shown.contains_key(id)
                        });
                        check!(
                            !undoable,
                            "undo found nothing though a pending decision exists"
                        );
                    }
                    Err(error) => check!(false, "undo failed: {error}"),
                }
            }
            Step::Offline { client } => self.clients[client].proxy.set_offline(true),
            Step::Online { client } => self.clients[client].proxy.set_offline(false),
            Step::Sync { client } => self.sync(client).await.map_err(TestCaseError::fail)?,
            Step::LoseResponse { client } => {
                self.clients[client].proxy.lose_next_push_response(true);
                let outcome = self.sync(client).await;
                self.clients[client].proxy.lose_next_push_response(false);
                outcome.map_err(TestCaseError::fail)?;
            }
            Step::LosePullResponse { client, page } => {
                let proxy = &self.clients[client].proxy;
                proxy.fault_pull(page, PullFault::Lose);
                let outcome = self.sync(client).await;
                let proxy = &self.clients[client].proxy;
                if !proxy.pull_fault_pending() {
                    tally(&TALLY.lost_pulls, 1);
                }
                // A round of fewer pages (or none, offline) leaves the fault unused: it must not
                // hit a later step.
                proxy.clear_faults();
                // The next round comes a moment later, so its leases run to another time than the
                // lost pull's grants.
                self.clock.advance(chrono::Duration::seconds(1));
                outcome.map_err(TestCaseError::fail)?;
            }
            Step::Replay { client, back } => self.replay(client, back).await?,
            Step::TwoProcesses { client } => {
                let other = ClientStore::open(self.clients[client].dir.path())
                    .await
                    .expect("a second process opens the same directory");
                let second = engine_for(
                    &other,
                    &self.clients[client].proxy.url(),
                    &self.clients[client].token,
                    &self.clock,
                );
                let (a, b) =
                    tokio::join!(self.clients[client].engine.sync_once(), second.sync_once());
                self.mark_claimed(client, Sent::Yes);
                self.judge_sync(client, a).map_err(TestCaseError::fail)?;
                self.judge_sync(client, b)
                    .map_err(|e| TestCaseError::fail(format!("second process: {e}")))?;
            }
            Step::KillMidSync { client, after_ms } => {
                let engine = self.clients[client].engine.clone();
                let task = tokio::spawn(async move { engine.sync_once().await });
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                task.abort();
                let finished = task.await;
                self.mark_claimed(client, Sent::Maybe);
                if let Ok(result) = finished {
                    self.judge_sync(client, result)
                        .map_err(TestCaseError::fail)?;
                }
                tally(&TALLY.kills, 1);
                self.reopen(client).await;
            }
            Step::CancelSync { client, after_ms } => {
                let engine = self.clients[client].engine.clone();
                let task = tokio::spawn(async move { engine.sync_once().await });
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                task.abort();
                let finished = task.await;
                self.mark_claimed(client, Sent::Maybe);
                if let Ok(result) = finished {
                    self.judge_sync(client, result)
                        .map_err(TestCaseError::fail)?;
                }
            }
            Step::Reopen { client } => self.reopen(client).await,
            Step::ExpireLeases => self
                .clock
                .advance(chrono::Duration::seconds(LEASE_SECONDS + 1)),
            Step::Reassign { to } => {
                self.clock
                    .advance(chrono::Duration::seconds(LEASE_SECONDS + 1));
                let reclaimed = countersign_queue::leases::sweep_expired(self.queue.state())
                    .await
                    .expect("sweep expired leases");
                self.note(format!("sweep reclaimed {reclaimed}"));
                tally(&TALLY.reclaimed, reclaimed as u64);
                self.sync(to).await.map_err(TestCaseError::fail)?;
            }
            Step::RestartServer => {
                tally(&TALLY.restarts, 1);
                self.queue.restart().await;
                let addr = self.queue.addr();
                for client in &self.clients {
                    client.proxy.set_upstream(Some(addr));
                }
            }
            Step::Submit { high_risk } => self.submit(high_risk).await,
        }
        Ok(())
    }

    /// Someone sends one of the client's pushes again, verbatim: the server must answer from its
    /// stored results and change nothing it had not been asked for already.
    pub(super) async fn replay(&mut self, c: usize, back: usize) -> Check {
        let pushes = self.clients[c].proxy.pushes();
        let Some(push) = pushes.iter().rev().nth(back % pushes.len().max(1)) else {
            return Ok(());
        };
        let response = self
            .queue
            .http()
            .post(format!("{}/v1/sync/push", self.queue.url))
            .header("authorization", &push.authorization)
            .header("content-type", "application/json")
            .body(push.body.clone())
            .send()
            .await
            .expect("the replayed push reaches the server");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        check!(status == 200, "replayed push answered {status}: {body}");
        tally(&TALLY.replays, 1);
        let client_id = self.client_id(c).await;
        let last = body["last_mutation_id"].as_i64().unwrap_or(-1);
        check!(
            last >= self.clients[c].max_server_last,
            "a replay moved last_mutation_id back to {last}"
        );
        for result in body["results"].as_array().into_iter().flatten() {
            let id = result["id"].as_i64().unwrap_or(-1);
            let stored: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT status, code FROM mutation_results WHERE client_id = $1 AND mutation_id = $2",
            )
            .bind(&client_id)
            .bind(id)
            .fetch_optional(&self.queue.state().db.pool)
            .await
            .expect("read mutation results");
            let answered = (
                result["status"].as_str().unwrap_or("").to_owned(),
                result["code"].as_str().map(str::to_owned),
            );
            check!(
                stored.as_ref() == Some(&answered),
                "replayed mutation {id} answered {answered:?} but the server stored {stored:?}"
            );
        }
        Ok(())
    }

    pub(super) async fn client_id(&self, c: usize) -> String {
        sqlx::query_scalar("SELECT client_id FROM sync_state WHERE id = 1")
            .fetch_one(&self.clients[c].files)
            .await
            .expect("read the client id")
    }
}
