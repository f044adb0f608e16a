//! `GET /v1/items/{id}/related` never shows work outside the caller's teams: every role and team
//! membership asks about every item, and each answer holds exactly the items sharing an identifying
//! value that the caller's teams admit (of no team, or of one of theirs; an admin: all). A reviewer
//! asks only about items they hold or held; anything else, and an unknown id, is the same 404.

use super::*;

on_both_backends!(related_items_stay_within_the_callers_teams,);

/// A kind whose `/payload/customer` is its `customer` identifier.
fn kind_spec(kind: &str) -> Value {
    let mut spec = serde_json::to_value(
        countersign_testkit::fixtures::kind_with_identifiers(
            kind,
            &[("/payload/customer", "customer")],
        )
        .spec,
    )
    .expect("JSON");
    spec["reason_codes"] = json!([{"code": "other", "label": "Other"}]);
    spec
}

fn item_of(external_id: &str, kind: &str, customer: &str) -> Value {
    let mut item = item(external_id, kind, 0.7, "medium");
    item["payload"]["customer"] = json!(customer);
    item
}

async fn related_items_stay_within_the_callers_teams(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start_demo_policy(&db).await;
    let admin = queue.user("root", Role::Admin).await;
    for kind in ["transaction", "content_draft", "other"] {
        let path = format!("/v1/kinds/{kind}");
        let put = queue
            .request(Method::PUT, &path, Some(&admin), Some(&kind_spec(kind)))
            .await;
        assert!(put.status == 201 || put.status == 200, "{put:?}");
    }
    let producer = queue.user("bot", Role::Producer).await;
    // Customer C-1 in every team's work and in work of no team; C-2 once.
    let mut team_of: HashMap<String, Option<&str>> = HashMap::new();
    let mut customer_of: HashMap<String, &str> = HashMap::new();
    for (n, (kind, customer)) in [
        ("transaction", "C-1"),
        ("transaction", "C-1"),
        ("transaction", "c-1"),
        ("transaction", "C-2"),
        ("content_draft", "C-1"),
        ("content_draft", "C-1"),
        ("other", "C-1"),
        ("other", "C-1"),
    ]
    .into_iter()
    .enumerate()
    {
        let submitted = queue
            .submit(&producer, &item_of(&format!("r-{n}"), kind, customer))
            .await;
        let id = submitted["id"].as_str().expect("an id").to_owned();
        team_of.insert(id.clone(), team_of_kind(kind));
        customer_of.insert(id, customer);
    }

    let people: Vec<(&str, Role, Vec<&str>)> = vec![
        ("fiona", Role::Reviewer, vec!["fraud"]),
        ("ed", Role::Reviewer, vec!["editorial"]),
        ("mo", Role::Reviewer, vec!["fraud", "editorial"]),
        ("nobody", Role::Reviewer, vec![]),
        ("sara", Role::Senior, vec!["fraud"]),
        ("sid", Role::Senior, vec!["editorial", "clinical"]),
    ];
    let mut callers: Vec<(String, Role, Vec<&str>, String)> = Vec::new();
    for (name, role, member_of) in &people {
        let token = member(&queue, name, *role, member_of).await;
        callers.push(((*name).to_owned(), *role, member_of.clone(), token));
    }
    callers.push(("root".to_owned(), Role::Admin, vec![], admin.clone()));

    // Everyone pulls (in turn, so the work spreads); fiona decides one of hers.
    let mut held: HashMap<String, Vec<String>> = HashMap::new();
    for (name, role, _, token) in &callers {
        if *role == Role::Admin {
            continue;
        }
        let pulled = queue.pull(token, Uuid::now_v7(), None).await;
        let ids: Vec<String> = assignments(&pulled)
            .iter()
            .filter_map(|a| a["item"]["id"].as_str().map(str::to_owned))
            .collect();
        if name == "fiona" {
            let first = assignments(&pulled)
                .into_iter()
                .find(|a| {
                    a["item"]["kind"] == "transaction" && a["item"]["payload"]["customer"] == "C-1"
                })
                .expect("fiona holds a transaction of C-1");
            let pushed = queue
                .push(token, Uuid::now_v7(), &[mutation(1, &first, "approve")])
                .await;
            assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
        }
        held.insert(name.clone(), ids);
    }
    assert!(
        held.values().any(|ids| !ids.is_empty()),
        "the pulls gave out work"
    );

    let unknown = Uuid::now_v7().to_string();
    let (mut answered, mut decided_shown) = (0, 0);
    for (name, role, member_of, token) in &callers {
        let admits = |team: Option<&str>| {
            *role == Role::Admin || team.is_none_or(|team| member_of.contains(&team))
        };
        for (anchor, anchor_team) in team_of.iter().map(|(id, team)| (id.as_str(), *team)) {
            let reply = queue
                .get(&format!("/v1/items/{anchor}/related"), token)
                .await;
            let may_ask = admits(anchor_team)
                && (*role != Role::Reviewer
                    || held
                        .get(name)
                        .is_some_and(|ids| ids.iter().any(|id| id == anchor)));
            if !may_ask {
                assert_eq!(
                    (reply.status, reply.code()),
                    (404, "not_found"),
                    "{name} asked about {anchor} ({anchor_team:?}): {reply:?}"
                );
                continue;
            }
            assert_eq!(reply.status, 200, "{name} about {anchor}: {reply:?}");
            answered += 1;
            let returned: Vec<&str> = reply.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| item["id"].as_str().expect("an id"))
                .collect();
            for id in &returned {
                assert!(
                    admits(team_of[*id]),
                    "{name} ({member_of:?}) was shown {id} of team {:?}",
                    team_of[*id]
                );
            }
            // Exactly the visible items of the same customer (ignoring case), the anchor aside.
            let mut expected: Vec<&str> = team_of
                .iter()
                .filter(|(id, team)| {
                    id.as_str() != anchor
                        && admits(**team)
                        && customer_of[id.as_str()].eq_ignore_ascii_case(customer_of[anchor])
                })
                .map(|(id, _)| id.as_str())
                .collect();
            let mut got = returned.clone();
            expected.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, expected, "{name} about {anchor}");
            for item in reply.body["items"].as_array().expect("items") {
                assert_eq!(
                    item["shared"],
                    json!([{"name": "customer", "value": customer_of[anchor]}])
                );
                let decided = item["status"] == "decided";
                assert_eq!(item["outcome"] == "approve", decided, "{item}");
                assert_eq!(item["decided_at"].is_string(), decided, "{item}");
                decided_shown += usize::from(decided);
            }
        }
        let reply = queue
            .get(&format!("/v1/items/{unknown}/related"), token)
            .await;
        assert_eq!((reply.status, reply.code()), (404, "not_found"), "{name}");
    }
    assert!(
        answered >= 8,
        "the matrix asked enough answerable questions: {answered}"
    );
    assert!(
        decided_shown > 0,
        "fiona's decided item is shown with its outcome"
    );
    let refused = queue
        .get(&format!("/v1/items/{unknown}/related"), &producer)
        .await;
    assert_eq!(refused.status, 403, "{refused:?}");
}
