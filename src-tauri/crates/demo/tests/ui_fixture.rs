//! The UI's in-memory backend shows the same demo work as the embedded queue: its sample items are
//! `countersign_demo::fixture` and its kinds `countersign_demo::fixture_kinds` (as `GET /v1/kinds`
//! lists them), written to ui/src/lib/backend/demoFixture.json as `{"kinds": [...], "items": [...]}`.
//! This test fails when the committed file differs from what the generator makes now; run it once
//! with `COUNTERSIGN_UPDATE_FIXTURE=1` to rewrite the file, then review and commit it.

use std::path::{Path, PathBuf};

/// About twenty items: every kind several times, every default route at least once.
const COUNT: usize = 21;
const SEED: u64 = 7;

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/lib/backend/demoFixture.json")
}

fn expected_text() -> String {
    let fixture = serde_json::json!({
        "kinds": countersign_demo::fixture_kinds(),
        "items": countersign_demo::fixture(COUNT, SEED),
    });
    let mut text = serde_json::to_string_pretty(&fixture).expect("the fixture serializes");
    text.push('\n');
    text
}

#[test]
fn ui_fixture_is_up_to_date() {
    let expected = expected_text();
    let path = fixture_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == expected {
        return;
    }
    if std::env::var_os("COUNTERSIGN_UPDATE_FIXTURE").is_some() {
        std::fs::write(&path, &expected).expect("write the UI fixture");
        return;
    }
    panic!(
        "{} is stale or missing; regenerate it with \
         `COUNTERSIGN_UPDATE_FIXTURE=1 cargo test -p countersign-demo --test ui_fixture`, \
         then review and commit it",
        path.display()
    );
}

#[test]
fn ui_fixture_covers_every_kind() {
    let items = countersign_demo::fixture(COUNT, SEED);
    for kind in ["transaction", "content_draft", "clinical_suggestion"] {
        let count = items.iter().filter(|item| item.kind == kind).count();
        assert!(count >= 5, "{count} items of kind {kind}");
    }
    for kind in ["support_reply", "code_change"] {
        let count = items.iter().filter(|item| item.kind == kind).count();
        assert!(count >= 4, "{count} items of kind {kind}");
    }
    let kinds: Vec<String> = countersign_demo::fixture_kinds()
        .into_iter()
        .map(|definition| definition.kind)
        .collect();
    assert!(items.iter().all(|item| kinds.contains(&item.kind)));
}
