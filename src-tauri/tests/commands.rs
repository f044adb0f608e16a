//! The commands through Tauri's IPC layer on the mock runtime, over the embedded demo queue: what the UI
//! gets back, and the error codes it branches on.

use countersign_desktop::Launch;
use countersign_desktop::embedded::DEMO_PIN;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::{InvokeRequest, WebviewWindow, WebviewWindowBuilder};

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_owned(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON"))
}

/// Builds the app on the mock runtime and runs its setup (which starts opening the embedded demo).
fn start(data_dir: &std::path::Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let launch = Launch {
        data_dir: Some(data_dir.to_owned()),
        tray: false,
    };
    let mut app = countersign_desktop::builder(mock_builder(), launch)
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    // One iteration runs the setup hook (where the session starts opening); the deprecation warns against
    // calling it in a loop, which this does not.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, window)
}

fn query(kind: Option<&str>, limit: u32) -> Value {
    json!({"query": {"kind": kind, "stage": null, "risk": null, "status": "open",
        "sort": "priority", "offset": 0, "limit": limit}})
}

#[test]
fn the_embedded_demo_answers_every_command_the_ui_uses() {
    let data = tempfile::tempdir().expect("temp dir");
    let (_app, window) = start(data.path());

    let status = invoke(&window, "app_status", json!({})).expect("status");
    assert_eq!(status["mode"], "embedded");
    assert_eq!(status["signed_in_as"]["role"], "senior");
    let status = invoke(&window, "sync_now", json!({})).expect("sync");
    assert_eq!(status["online"], true, "{status}");

    let page = invoke(&window, "list_assignments", query(None, 5)).expect("page");
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(5));
    let open: i64 = ["review", "escalation", "second_approval"]
        .iter()
        .map(|stage| page["counts"][stage].as_i64().expect("count"))
        .sum();
    assert_eq!(page["total"].as_i64(), Some(open), "{page}");
    // The demo routes each kind to its own team, and the app signs in as a senior of all three.
    for kind in ["transaction", "content_draft", "clinical_suggestion"] {
        let page = invoke(&window, "list_assignments", query(Some(kind), 1)).expect("page");
        assert!(page["total"].as_i64() > Some(0), "no {kind} held: {page}");
    }

    // A clinical suggestion must be signed: without the PIN, or with a wrong one, it is refused by code;
    // with the demo PIN this device registers its signing key and signs.
    let clinical = invoke(
        &window,
        "list_assignments",
        query(Some("clinical_suggestion"), 100),
    )
    .expect("clinical");
    let id = clinical["rows"][0]["item_id"]
        .as_str()
        .expect("a clinical item")
        .to_owned();
    let view = invoke(&window, "get_assignment", json!({"itemId": id})).expect("view");
    assert_eq!(view["item"]["payload"]["requires_attestation"], true);
    // The demo reads clinical suggestions blind first: the reviewer's own read comes before any
    // decision (docs/protocol.md, "Blind first read").
    assert_eq!(view["item"]["blind"], true);
    invoke(
        &window,
        "record_blind_read",
        json!({"itemId": id, "read": {"verdict": "approve", "confidence": 4}}),
    )
    .expect("the blind read is recorded");
    assert_eq!(view["item"]["signature_required"]["meaning"], "approval");
    let approve = |pin: Option<&str>| {
        json!({"itemId": id, "input": {"action": "approve", "correction": null, "reason_code": null,
            "note": null, "attestation": "I have reviewed this suggestion", "pin": pin}})
    };
    let unsigned = invoke(&window, "decide", approve(None)).expect_err("refused");
    assert_eq!(unsigned["code"], "pin_needed");
    let refused = invoke(&window, "decide", approve(Some("wrong-pin"))).expect_err("refused");
    assert_eq!(refused["code"], "wrong_pin");
    let decided = invoke(&window, "decide", approve(Some(DEMO_PIN))).expect("decided");
    assert_eq!(decided["item_id"], id.as_str());
    assert_eq!(decided["signature"]["meaning"], "approval");
    let again = invoke(&window, "decide", approve(Some(DEMO_PIN))).expect_err("never twice");
    assert_eq!(again["code"], "already_decided");

    let unheld = json!({"itemId": "0190a0a0-0000-7000-8000-000000000000"});
    let missing = invoke(&window, "get_assignment", unheld).expect_err("404");
    assert_eq!(missing["code"], "not_found");
    // Ids are typed: what is not an item id is refused before the command runs.
    invoke(&window, "get_assignment", json!({"itemId": "nope"})).expect_err("not an id");
    assert_eq!(
        invoke(&window, "list_conflicts", json!({})).expect("conflicts"),
        json!([])
    );
}

#[test]
fn a_comment_is_queued_and_reaches_the_items_timeline() {
    let data = tempfile::tempdir().expect("temp dir");
    let (_app, window) = start(data.path());
    invoke(&window, "sync_now", json!({})).expect("sync");
    let page = invoke(&window, "list_assignments", query(Some("transaction"), 1)).expect("page");
    let id = page["rows"][0]["item_id"].as_str().expect("a transaction");
    let story = invoke(&window, "item_history", json!({"itemId": id})).expect("story");
    assert_eq!(story["source"], "server", "{story}");
    let actions: Vec<&str> = story["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert_eq!(actions[..2], ["submit", "route"], "{story}");

    let empty = invoke(&window, "comment", json!({"itemId": id, "text": " "})).expect_err("empty");
    assert_eq!(empty["code"], "invalid_input");
    let text = "Same card as yesterday's dispute.";
    let queued = invoke(&window, "comment", json!({"itemId": id, "text": text})).expect("comment");
    assert_eq!(queued["state"], "pending");
    let waiting = invoke(&window, "item_history", json!({"itemId": id})).expect("story");
    assert_eq!(waiting["local_comments"][0]["text"], text, "{waiting}");
    invoke(&window, "sync_now", json!({})).expect("upload");
    let told = invoke(&window, "item_history", json!({"itemId": id})).expect("story");
    let comments: Vec<&Value> = told["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "comment")
        .collect();
    assert_eq!(comments.len(), 1, "{told}");
    assert_eq!(comments[0]["data"]["note"], text);
    assert_eq!(told["local_comments"], json!([]));
}

/// The session opens in the background while the window loads: a session that cannot open answers
/// every command with the reason (the window shows it), and the next command tries again.
#[test]
fn a_session_that_cannot_open_says_why_and_opens_when_asked_again() {
    let data = tempfile::tempdir().expect("temp dir");
    // The embedded queue's directory is taken by a file: nothing can open.
    let blocker = data.path().join("embedded");
    std::fs::write(&blocker, "not a directory").expect("blocker");
    let (_app, window) = start(data.path());

    let refused = invoke(&window, "app_status", json!({})).expect_err("cannot open");
    assert_eq!(refused["code"], "internal", "{refused}");
    let refused = invoke(&window, "list_assignments", query(None, 5)).expect_err("cannot open");
    assert_eq!(refused["code"], "internal", "{refused}");

    std::fs::remove_file(&blocker).expect("unblock");
    let status = invoke(&window, "app_status", json!({})).expect("opens now");
    assert_eq!(status["mode"], "embedded");
}

#[test]
fn a_draft_comes_back_as_the_text_saved() {
    let data = tempfile::tempdir().expect("temp dir");
    let (_app, window) = start(data.path());
    invoke(&window, "sync_now", json!({})).expect("sync");
    let page = invoke(&window, "list_assignments", query(Some("content_draft"), 1)).expect("page");
    let id = page["rows"][0]["item_id"].as_str().expect("a draft item");
    invoke(
        &window,
        "save_draft",
        json!({"itemId": id, "text": "half a thought"}),
    )
    .expect("save");
    let view = invoke(&window, "get_assignment", json!({"itemId": id})).expect("view");
    assert_eq!(view["draft"], "half a thought");
}

#[test]
fn a_shift_ends_through_the_commands_and_admin_calls_are_refused_to_a_senior() {
    let data = tempfile::tempdir().expect("temp dir");
    let (_app, window) = start(data.path());
    invoke(&window, "sync_now", json!({})).expect("sync");
    let held = invoke(&window, "shift_items", json!({})).expect("count");
    assert!(
        held.as_u64() > Some(0),
        "the demo senior holds work: {held}"
    );

    let empty = invoke(&window, "end_shift", json!({"note": "  "})).expect_err("no note");
    assert_eq!(empty["code"], "invalid_input");
    let end = invoke(&window, "end_shift", json!({"note": "back at 9"})).expect("ended");
    // The embedded producer keeps submitting: a sync between the two calls may have pulled more.
    assert!(end["released"].as_u64() >= held.as_u64(), "{end}");
    assert!(
        end["uploaded"].as_u64() >= end["released"].as_u64(),
        "{end}"
    );
    assert_eq!(end["pending"], 0, "{end}");
    assert_eq!(end["upload_error"], Value::Null, "{end}");

    for (command, args) in [
        ("admin_directory", json!({})),
        ("queue_health", json!({})),
        (
            "rotate_token",
            json!({"name": "demo-senior", "request": {}}),
        ),
        (
            "change_user",
            json!({"name": "demo-senior", "change": {"disabled": true}}),
        ),
    ] {
        let refused = invoke(&window, command, args).expect_err(command);
        assert_eq!(refused["code"], "not_allowed", "{command}: {refused}");
    }
}

/// A structured correction goes in whole, as the UI sends it, and is recorded with the patch that
/// makes it from the AI's output, its rationale and its tags (docs/protocol.md, "Corrections").
#[test]
fn a_correction_is_recorded_with_its_patch_rationale_and_tags() {
    let data = tempfile::tempdir().expect("temp dir");
    let (_app, window) = start(data.path());
    invoke(&window, "sync_now", json!({})).expect("sync");
    let page = invoke(&window, "list_assignments", query(Some("transaction"), 1)).expect("page");
    let id = page["rows"][0]["item_id"]
        .as_str()
        .expect("a transaction")
        .to_owned();
    let view = invoke(&window, "get_assignment", json!({"itemId": id})).expect("view");
    let mut correction = view["item"]["ai"]["output"].clone();
    let verdict = if correction["verdict"] == "allow" {
        "block"
    } else {
        "allow"
    };
    correction["verdict"] = json!(verdict);
    let decided = invoke(
        &window,
        "decide",
        json!({"itemId": id, "input": {"action": "approve_with_edits", "correction": correction,
            "reason_code": null, "note": null, "attestation": null, "credential": null,
            "rationale": "the cardholder confirmed it", "tags": ["confirmed"]}}),
    )
    .expect("decided");
    assert_eq!(
        decided["patch"],
        json!([{"op": "replace", "path": "/verdict", "value": verdict}])
    );
    assert_eq!(decided["rationale"], "the cardholder confirmed it");
    assert_eq!(decided["tags"], json!(["confirmed"]));
}
