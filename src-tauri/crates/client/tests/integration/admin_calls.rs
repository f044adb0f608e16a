//! The admin view's calls (`countersign_client::admin`) against the real queue service in this
//! process: users and teams listed, a user disabled and enabled, the last admin's refusal typed, a
//! rotated token that replaces the old one, queue health per team and stage; and an admin's session,
//! which holds no sync (the queue refuses an admin a pull).

use countersign_client::admin::{self, AdminError, UserChange};
use countersign_client::remote::{QueueClient, RemoteError, Token};
use countersign_client::session::Session;
use countersign_domain::{Role, Stage, TokenRequest};
use countersign_queue::{Clock, Db, Policy, SystemClock, teams};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

on_both_backends!(an_admin_lists_changes_and_rotates_and_reads_the_queue_health);

async fn an_admin_lists_changes_and_rotates_and_reads_the_queue_health(backend: Backend) {
    let db = TestDb::new(backend);
    // The demo policy names the demo teams: they exist before the service loads it.
    let store = Db::open(&db.url).await.expect("database opens");
    teams::ensure(&store, &teams::DEMO_TEAMS, SystemClock.now())
        .await
        .expect("teams created");
    store.pool.close().await;
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: Policy::demo(),
            ..Default::default()
        },
    )
    .await;
    let root = queue.user("root", Role::Admin).await;
    countersign_queue::users::ensure_demo_senior(&queue.state().db, "senior", SystemClock.now())
        .await
        .expect("the demo teams and their senior");
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let remote = QueueClient::new(&queue.url, Token::new(root.clone())).expect("client");

    let directory = admin::directory(&remote).await.expect("directory");
    let names: Vec<&str> = directory.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["ana", "bot", "root", "senior"]);
    assert_eq!(directory.teams, ["clinical", "editorial", "fraud"]);

    // Disable and enable: the token is refused, then works again.
    let disable = UserChange {
        disabled: Some(true),
        ..UserChange::default()
    };
    let changed = admin::change_user(&remote, "ana", &disable)
        .await
        .expect("disable");
    assert!(changed.disabled);
    let ana_remote = QueueClient::new(&queue.url, Token::new(ana.clone())).expect("client");
    assert!(matches!(
        ana_remote.me().await,
        Err(RemoteError::Unauthorized)
    ));
    let enable = UserChange {
        disabled: Some(false),
        teams: Some(vec!["fraud".to_owned()]),
        ..UserChange::default()
    };
    let changed = admin::change_user(&remote, "ana", &enable)
        .await
        .expect("enable");
    assert!(!changed.disabled);
    assert_eq!(changed.teams, ["fraud"]);
    assert_eq!(ana_remote.me().await.expect("ana again").name, "ana");

    // Refusals, each typed, each changing nothing.
    let last_admin = admin::change_user(&remote, "root", &disable).await;
    assert!(
        matches!(last_admin, Err(AdminError::LastAdmin(_))),
        "{last_admin:?}"
    );
    let unknown_team = UserChange {
        teams: Some(vec!["nope".to_owned()]),
        ..UserChange::default()
    };
    let refused = admin::change_user(&remote, "ana", &unknown_team).await;
    assert!(
        matches!(refused, Err(AdminError::BadInput(_))),
        "{refused:?}"
    );
    let refused = admin::change_user(&remote, "nobody", &disable).await;
    assert!(
        matches!(refused, Err(AdminError::UnknownUser(_))),
        "{refused:?}"
    );
    let bad_expiry = TokenRequest {
        expires_in: Some("soon".to_owned()),
    };
    let refused = admin::rotate_token(&remote, "ana", &bad_expiry).await;
    assert!(
        matches!(refused, Err(AdminError::BadInput(_))),
        "{refused:?}"
    );
    let as_reviewer = admin::directory(&ana_remote).await;
    assert!(
        matches!(as_reviewer, Err(AdminError::NotAdmin(_))),
        "{as_reviewer:?}"
    );
    let still = admin::directory(&remote).await.expect("directory");
    let ana_now = still.users.iter().find(|u| u.name == "ana").expect("ana");
    assert_eq!(
        (ana_now.disabled, ana_now.teams.as_slice()),
        (false, ["fraud".to_owned()].as_slice())
    );

    // A rotated token replaces the old one at once.
    let issued = admin::rotate_token(
        &remote,
        "ana",
        &TokenRequest {
            expires_in: Some("90d".to_owned()),
        },
    )
    .await
    .expect("rotate");
    assert_eq!(issued.name, "ana");
    assert!(issued.expires_at.is_some());
    assert!(matches!(
        ana_remote.me().await,
        Err(RemoteError::Unauthorized)
    ));
    let rotated = QueueClient::new(&queue.url, Token::new(issued.token)).expect("client");
    assert_eq!(rotated.me().await.expect("the new token").name, "ana");

    let health = admin::queue_health(&remote).await.expect("health");
    let fraud = health
        .rows
        .iter()
        .find(|row| row.team.as_deref() == Some("fraud") && row.stage == Stage::Review)
        .expect("a fraud review row");
    assert_eq!((fraud.depth, fraud.held, fraud.past_due), (1, 0, 0));
    assert!(fraud.oldest_created_at.is_some());

    // The app signed in as the admin: no sync task, the admin calls at hand.
    let dir = tempfile::tempdir().expect("temp dir");
    let (changes, _received) = tokio::sync::mpsc::unbounded_channel();
    let session = Session::open(dir.path(), &queue.url, Token::new(root), &changes)
        .await
        .expect("an admin's session");
    assert_eq!(session.me.as_ref().map(|me| me.role), Some(Role::Admin));
    assert!(session.engine.is_none());
    assert!(session.remote.is_some());
}
