//! The token: in the token store (here the file fallback, 0600), never in the cache, gone
//! after logout, and revoked on the server.

use crate::support::*;
use hod_client::{AuthToken, ClientError, FileTokenStore, TokenAccount, TokenStore};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

#[test]
fn the_token_file_is_readable_by_its_user_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path().join("auth"));
    let account = TokenAccount::new("https://hod.example.gov/", "ana");
    assert_eq!(store.load(&account).unwrap(), None);
    store
        .save(&account, &AuthToken::new("opaque-token-1"))
        .unwrap();
    let path = store.path_for(&account);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "file mode {mode:o}");
    let dir_mode = std::fs::metadata(dir.path().join("auth"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700, "folder mode {dir_mode:o}");
    // Replaced, still 0600.
    store
        .save(&account, &AuthToken::new("opaque-token-2"))
        .unwrap();
    assert_eq!(
        store.load(&account).unwrap(),
        Some(AuthToken::new("opaque-token-2"))
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Another agent on the same server has a file of their own.
    let other = TokenAccount::new("https://hod.example.gov", "ben");
    assert_ne!(store.path_for(&other), path);
    store.delete(&account).unwrap();
    store.delete(&account).unwrap();
    assert_eq!(store.load(&account).unwrap(), None);
    assert!(!format!("{:?}", AuthToken::new("opaque-token-2")).contains("opaque"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_the_token_out_of_the_cache_and_logout_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock).await;
    server.agent("ana", "1000001", &["TX"]).await;
    let app = dir.path().join("app");
    let client = client_in(&app, &server.base(), None).await;
    assert!(!client.is_logged_in());
    assert!(matches!(
        client.accept(hod_domain::wire::v1::ReferralId(1)),
        Err(ClientError::NotLoggedIn)
    ));

    let wrong = client.login("ana", "Not-the-password1!").await;
    assert!(
        matches!(&wrong, Err(ClientError::Api(e)) if e.is_unauthorized()),
        "{wrong:?}"
    );

    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;
    assert_eq!(client.token_store_kind(), "file");
    let store = FileTokenStore::new(app.join("auth"));
    let account = TokenAccount::new(&server.base(), "ana");
    let token = store.load(&account).unwrap().expect("token saved");
    assert_eq!(
        std::fs::metadata(store.path_for(&account))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    // Not in any file of the cache (database, WAL).
    for entry in std::fs::read_dir(app.join("cache")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let needle = token.expose().as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the token is in the cache"
        );
    }
    let profile = server
        .http
        .get(server.url("/v1/profile"))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);

    client.logout().await.unwrap();
    assert!(!client.is_logged_in());
    assert_eq!(store.load(&account).unwrap(), None, "token deleted");
    let profile = server
        .http
        .get(server.url("/v1/profile"))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 401, "revoked on the server");
    client.shutdown().await;

    // A new start has no session to resume.
    let client = client_in(&app, &server.base(), None).await;
    assert!(!client.is_logged_in());
    client.shutdown().await;
    server.stop().await;
}
