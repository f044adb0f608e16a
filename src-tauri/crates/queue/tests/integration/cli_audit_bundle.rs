//! `countersign-queue audit export` and `audit verify --file`: a bundle verifies offline, and every
//! single-line alteration, removal, insertion or swap of it is detected, for a full, a per-item and
//! a time-range export, of a SQLite and a PostgreSQL queue.

use serde_json::Value;

use super::cli::{run, stderr, stdout};

/// A seeded SQLite queue (its audit log: kinds registered, items submitted and routed).
fn seeded() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/queue.db", dir.path().display());
    let seeded = run(&["seed-demo", "--count", "4", "--database", &database]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    (dir, database)
}

fn export(database: &str, filter: &[&str]) -> String {
    let mut args = vec!["audit", "export", "--database", database];
    args.extend_from_slice(filter);
    let exported = run(&args);
    assert!(exported.status.success(), "{}", stderr(&exported));
    stdout(&exported)
}

/// Writes `text` to a file and runs `audit verify --file` on it (no database named).
fn verify_file(dir: &tempfile::TempDir, text: &str) -> std::process::Output {
    let path = dir.path().join("bundle.jsonl");
    std::fs::write(&path, text).expect("write the bundle");
    run(&["audit", "verify", "--file", &path.display().to_string()])
}

fn join(lines: &[String]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Every variant of `value` with one leaf changed: a string gains a character, a number grows by
/// one, a boolean flips, a null becomes a string.
fn leaf_alterations(value: &Value) -> Vec<Value> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(key, inner)| {
                leaf_alterations(inner).into_iter().map(|altered| {
                    let mut copy = map.clone();
                    copy.insert(key.clone(), altered);
                    Value::Object(copy)
                })
            })
            .collect(),
        Value::Array(items) => (0..items.len())
            .flat_map(|index| {
                leaf_alterations(&items[index])
                    .into_iter()
                    .map(move |altered| {
                        let mut copy = items.clone();
                        copy[index] = altered;
                        Value::Array(copy)
                    })
            })
            .collect(),
        Value::String(text) => vec![Value::String(format!("{text}0"))],
        Value::Number(number) => vec![match number.as_i64() {
            Some(n) => Value::from(n + 1),
            None => Value::from(number.as_f64().unwrap_or_default() + 1.0),
        }],
        Value::Bool(flag) => vec![Value::Bool(!flag)],
        Value::Null => vec![Value::String("x".into())],
    }
}

/// Asserts that `bundle` verifies and that every single-line tamper of it does not, returning
/// how many tampered copies were checked.
fn assert_every_tamper_detected(bundle: &str, foreign: &str) -> usize {
    countersign_queue::audit_bundle::verify(bundle.as_bytes())
        .expect("the bundle as exported verifies");
    let lines: Vec<String> = bundle.lines().map(str::to_owned).collect();
    let foreign: Vec<String> = foreign.lines().map(str::to_owned).collect();
    let mut tampered: Vec<(String, String)> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let value: Value = serde_json::from_str(line).expect("each line is JSON");
        for altered in leaf_alterations(&value) {
            let mut copy = lines.clone();
            copy[index] = altered.to_string();
            tampered.push((
                format!("line {} altered to {}", index + 1, copy[index]),
                join(&copy),
            ));
        }
        let mut removed = lines.clone();
        removed.remove(index);
        tampered.push((format!("line {} removed", index + 1), join(&removed)));
        let mut doubled = lines.clone();
        doubled.insert(index, line.clone());
        tampered.push((format!("line {} doubled", index + 1), join(&doubled)));
        for (from, extra) in foreign.iter().enumerate() {
            if lines.contains(extra) {
                continue;
            }
            let mut inserted = lines.clone();
            inserted.insert(index, extra.clone());
            tampered.push((
                format!(
                    "foreign line {} inserted before line {}",
                    from + 1,
                    index + 1
                ),
                join(&inserted),
            ));
        }
        if index + 1 < lines.len() {
            let mut swapped = lines.clone();
            swapped.swap(index, index + 1);
            tampered.push((
                format!("lines {} and {} swapped", index + 1, index + 2),
                join(&swapped),
            ));
        }
    }
    let mut appended = lines.clone();
    appended.push(lines[1].clone());
    tampered.push(("a line appended after the end".into(), join(&appended)));
    for (what, text) in &tampered {
        assert!(
            countersign_queue::audit_bundle::verify(text.as_bytes()).is_err(),
            "not detected: {what}"
        );
    }
    tampered.len()
}

#[test]
fn full_and_per_item_bundles_verify_offline_and_every_single_line_tamper_is_detected() {
    let (dir, database) = seeded();
    let full = export(&database, &[]);
    let verified = verify_file(&dir, &full);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        stdout(&verified).starts_with("audit bundle intact: "),
        "{}",
        stdout(&verified)
    );

    let first_item = full
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|entry| entry["action"] == "submit")
        .and_then(|entry| entry["item_id"].as_str().map(str::to_owned))
        .expect("a submitted item");
    let per_item = export(&database, &["--item", &first_item]);
    let lines: Vec<Value> = per_item
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    let whole: Vec<&Value> = lines
        .iter()
        .filter(|line| line.get("seq").is_some())
        .collect();
    assert!(
        whole.len() >= 2
            && whole
                .iter()
                .all(|entry| entry["item_id"] == first_item.as_str()),
        "only the item's entries are whole: {per_item}"
    );
    assert!(
        lines.iter().any(|line| line.get("skipped").is_some()),
        "the other entries are skipped runs: {per_item}"
    );
    assert!(verify_file(&dir, &per_item).status.success());

    let checked = assert_every_tamper_detected(&full, &per_item)
        + assert_every_tamper_detected(&per_item, &full);
    assert!(checked > 100, "only {checked} tampered copies");

    // Through the binary: exit 1 and the line at fault.
    let mut altered: Vec<String> = full.lines().map(str::to_owned).collect();
    altered[3] = altered[3].replacen("\"actor\":\"", "\"actor\":\"mallory", 1);
    let broken = verify_file(&dir, &join(&altered));
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).starts_with("audit bundle broken: line 4"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn a_time_range_bundle_carries_only_its_range_and_an_empty_log_exports() {
    let (dir, database) = seeded();
    let full = export(&database, &[]);
    let times: Vec<String> = full
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|entry| entry["at"].as_str().map(str::to_owned))
        .collect();
    let (first, last) = (
        times.first().expect("entries"),
        times.last().expect("entries"),
    );
    assert_ne!(first, last, "the seeding spans more than one transaction");
    let ranged = export(&database, &["--from", first, "--to", last]);
    let summary = countersign_queue::audit_bundle::verify(ranged.as_bytes()).expect("verifies");
    assert_eq!(
        summary.entries,
        times.iter().filter(|at| *at != last).count(),
        "the range is [from, to)"
    );
    assert_every_tamper_detected(&ranged, &full);

    let bad = run(&[
        "audit",
        "export",
        "--from",
        "yesterday",
        "--database",
        &database,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("RFC 3339"), "{}", stderr(&bad));

    let empty_database = format!("sqlite://{}/empty.db", dir.path().display());
    let empty = export(&empty_database, &[]);
    assert_eq!(empty.lines().count(), 2, "a header and the end: {empty}");
    assert!(verify_file(&dir, &empty).status.success());
    let not_a_bundle = verify_file(&dir, "{\"seq\": 1}\n");
    assert_eq!(not_a_bundle.status.code(), Some(1));
    assert!(
        stderr(&not_a_bundle).contains("line 1"),
        "{}",
        stderr(&not_a_bundle)
    );
}

#[test]
fn a_bundle_of_a_postgres_queue_verifies_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = countersign_testkit::postgres::fresh_database_url();
    let seeded = run(&["seed-demo", "--count", "3", "--database", &database]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let full = export(&database, &[]);
    let verified = verify_file(&dir, &full);
    assert!(verified.status.success(), "{}", stderr(&verified));
    let first_item = full
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|entry| entry["item_id"].as_str().map(str::to_owned))
        .expect("an entry about an item");
    let per_item = export(&database, &["--item", &first_item]);
    assert!(verify_file(&dir, &per_item).status.success());
    assert_every_tamper_detected(&per_item, &full);
}
