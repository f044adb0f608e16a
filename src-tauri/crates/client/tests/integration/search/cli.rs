//! `countersign-cli search` over a data directory's store, with no server: the kinds' filters as last
//! synced, JSON and text output, and a malformed query refused with its reason.

use countersign_domain::kind::KindList;
use tokio::process::Command;

use super::*;
use crate::support::cli_bin;

async fn cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(cli_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("COUNTERSIGN_TOKEN")
        .env_remove("COUNTERSIGN_SERVER")
        .output()
        .await
        .expect("run countersign-cli")
}

#[tokio::test]
async fn the_cli_searches_offline_with_the_synced_kinds_filters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let kinds = KindList {
        kinds: vec![kind(
            "transaction",
            &[("/payload/merchant/name", "merchant")],
        )],
    };
    store
        .replace_kinds(&kinds, &[], now())
        .await
        .expect("kinds");
    let items = transactions();
    let card = items[0].item.id.to_string();
    apply(&store, items, true).await;

    let output = cli(dir.path(), &["search", "merchant:\"acme corp\"", "--json"]).await;
    assert!(output.status.success(), "{output:?}");
    let hits: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");
    assert_eq!(hits[0]["summary"]["item_id"], json!(card));
    // The filter's value is matched as a phrase, so the title's lone "Acme" is not marked.
    assert_eq!(
        hits[0]["title"],
        json!([{"text": "Card declined at Acme", "matched": false}])
    );
    assert!(
        hits[0]["excerpt"].as_array().is_some_and(
            |segments| segments.contains(&json!({"text": "Acme Corp", "matched": true}))
        ),
        "{hits}"
    );

    let output = cli(dir.path(), &["search", "declined", "--kind", "transaction"]).await;
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with(&card) && text.contains("Card [declined] at Acme"),
        "{text}"
    );

    let output = cli(dir.path(), &["search", "\"card declined"]).await;
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("a quote is not closed"), "{error}");
    let output = cli(dir.path(), &["search", "brand:acme"]).await;
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("no brand: filter") && error.contains("run `sync`"),
        "{error}"
    );
}
