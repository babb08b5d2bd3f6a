//! `auth/validator`'s remote key sets against a JWKS server on 127.0.0.1:0:
//! one fetch for many concurrent lookups, at most one per interval for a
//! flood of unknown key ids, a rotation picked up by one refetch, a server
//! down at start-up and back later, the verified-token cache emptied when
//! the keys change.
#![cfg(feature = "jwt")]
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Reply, leak, leak_str, upstream};
use gw_runtime::security::jwks::KeyStore;
use gw_runtime::spec::{JwkRemote, JwkSource, JwtAlg, JwtValidator, KeyIdStrategy};

fn spec(
    url: &'static str,
    cache: bool,
    cache_duration_s: u32,
    cooldown_ms: u64,
) -> &'static JwtValidator {
    leak(JwtValidator {
        alg: JwtAlg::HS256,
        keys: JwkSource::Remote(JwkRemote {
            url,
            disable_jwk_security: true,
            fingerprints: &[],
            local_ca: None,
            cipher_suites: &[],
        }),
        cache,
        cache_duration_s,
        failed_key_cooldown_ms: cooldown_ms,
        key_identify_strategy: KeyIdStrategy::Kid,
        issuer: None,
        audience: &[],
        leeway_ns: 1_000_000_000,
        roles_key: &["roles"],
        roles: &[],
        scopes_key: &[],
        scopes: &[],
        scopes_match_all: false,
        propagate_claims: &[],
        propagate_claims_preserve_array: false,
        auth_header_name: "Authorization",
        cookie_key: "access_token",
        operation_debug: false,
    })
}

fn jwks(kids: &[&str]) -> String {
    let keys: Vec<String> = kids
        .iter()
        .map(|k| format!(r#"{{"kty":"oct","kid":"{k}","k":"c2VjcmV0"}}"#))
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// A JWKS server whose document can change, slow to answer when asked.
async fn jwks_server(
    kids: &[&str],
    delay: Duration,
) -> (
    &'static str,
    common::Log,
    Arc<Mutex<String>>,
    Arc<AtomicBool>,
) {
    let doc = Arc::new(Mutex::new(jwks(kids)));
    let up = Arc::new(AtomicBool::new(true));
    let (d, u) = (doc.clone(), up.clone());
    let (host, log) = upstream(move |_| {
        if !u.load(Ordering::SeqCst) {
            return Reply::json("")
                .status(503)
                .header("content-type", "text/plain");
        }
        Reply::json(&d.lock().unwrap()).delay(delay)
    })
    .await;
    (leak_str(format!("{host}/jwks")), log, doc, up)
}

#[tokio::test]
async fn concurrent_lookups_share_one_fetch() {
    let (url, log, _, _) = jwks_server(&["a"], Duration::from_millis(200)).await;
    let store = Arc::new(KeyStore::new(spec(url, false, 900, 0), "gwc-test").unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let s = store.clone();
        // Half ask for the real key, half for made-up ones.
        let id = if i % 2 == 0 {
            "a".to_string()
        } else {
            format!("random-{i}")
        };
        tasks.spawn(async move { s.key(&id).await.is_some() });
    }
    let mut found = 0;
    while let Some(r) = tasks.join_next().await {
        found += usize::from(r.unwrap());
    }
    assert_eq!(found, 10);
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "one fetch for 20 concurrent lookups"
    );
    let ua = log.lock().unwrap()[0].headers.get("user-agent").cloned();
    assert_eq!(ua.as_ref().and_then(|v| v.to_str().ok()), Some("gwc-test"));
}

#[tokio::test]
async fn a_flood_of_unknown_kids_fetches_at_most_once_per_interval() {
    let (url, log, _, _) = jwks_server(&["a"], Duration::ZERO).await;
    // cache_duration 1 s: the refetch interval is 1 s.
    let store = KeyStore::new(spec(url, true, 1, 0), "t").unwrap();
    let start = std::time::Instant::now();
    let mut n = 0;
    while start.elapsed() < Duration::from_millis(2500) {
        assert!(store.key(&format!("kid-{n}")).await.is_none());
        n += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fetches = log.lock().unwrap().len();
    assert!(n > 100, "{n} lookups");
    // 2.5 s at one fetch per second at most: 3 (the first, then one a second).
    assert!(
        (1..=3).contains(&fetches),
        "{fetches} fetches for {n} unknown kids"
    );
    assert_eq!(store.fetches(), fetches as u64);
}

#[tokio::test]
async fn failed_key_cooldown_answers_without_a_lookup() {
    let (url, log, _, _) = jwks_server(&["a"], Duration::ZERO).await;
    let store = KeyStore::new(spec(url, true, 1, 60_000), "t").unwrap();
    assert!(store.key("nope").await.is_none());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Past the interval, but the id is cooling down: no fetch.
    assert!(store.key("nope").await.is_none());
    assert_eq!(log.lock().unwrap().len(), 1);
    // Another id still looks.
    assert!(store.key("other").await.is_none());
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_rotation_is_picked_up_with_one_refetch() {
    let (url, log, doc, _) = jwks_server(&["old"], Duration::ZERO).await;
    let store = KeyStore::new(spec(url, true, 900, 0), "t").unwrap();
    // cache_duration 900 s: the set stays fresh; the interval is 10 s.
    assert!(store.key("old").await.is_some());
    assert_eq!(log.lock().unwrap().len(), 1);
    *doc.lock().unwrap() = jwks(&["new"]);
    // Within the interval a new kid is not fetched for…
    assert!(store.key("new").await.is_none());
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(store.key("old").await.is_some());
    // …so a second store with a 1 s interval shows the rotation.
    let (url, log, doc, _) = jwks_server(&["old"], Duration::ZERO).await;
    let store = KeyStore::new(spec(url, true, 1, 0), "t").unwrap();
    assert!(store.key("old").await.is_some());
    *doc.lock().unwrap() = jwks(&["new"]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(store.key("new").await.is_some());
    assert_eq!(log.lock().unwrap().len(), 2, "one refetch");
    // The old key left with the old set.
    assert!(store.key("old").await.is_none());
}

#[tokio::test]
async fn a_jwks_server_down_at_start_recovers() {
    let (url, log, _, up) = jwks_server(&["a"], Duration::ZERO).await;
    up.store(false, Ordering::SeqCst);
    let store = KeyStore::new(spec(url, true, 1, 0), "t").unwrap();
    store.refresh().await;
    assert!(store.key("a").await.is_none());
    let failed = log.lock().unwrap().len();
    assert_eq!(failed, 1, "no second try within the interval");
    up.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(store.key("a").await.is_some());
    // A later failure keeps the keys it had.
    up.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(
        store.key("a").await.is_some(),
        "stale keys kept while the server is down"
    );
}

#[tokio::test]
async fn an_unreachable_or_wrong_server_is_an_empty_set() {
    // Not JSON by Content-Type.
    let (host, _) = upstream(|_| Reply {
        status: 200,
        headers: vec![("content-type", "text/html".into())],
        body: jwks(&["a"]).into_bytes(),
        delay: Duration::ZERO,
    })
    .await;
    let bad_type = KeyStore::new(spec(leak_str(format!("{host}/x")), false, 900, 0), "t").unwrap();
    // Nothing listens there.
    let closed = KeyStore::new(spec("http://127.0.0.1:9/jwks", false, 900, 0), "t").unwrap();
    // An empty set is refused, as go-auth0 does.
    let (host, _) = upstream(|_| Reply::json(r#"{"keys":[]}"#)).await;
    let empty = KeyStore::new(spec(leak_str(format!("{host}/x")), false, 900, 0), "t").unwrap();
    for s in [&bad_type, &closed, &empty] {
        assert!(s.key("a").await.is_none());
        assert_eq!(s.fetches(), 1);
    }
    // A redirect is followed.
    let (target, _, _, _) = jwks_server(&["a"], Duration::ZERO).await;
    let (host, _) = upstream(move |_| Reply::json("").status(302).header("location", target)).await;
    let redirected =
        KeyStore::new(spec(leak_str(format!("{host}/old")), false, 900, 0), "t").unwrap();
    assert!(redirected.key("a").await.is_some());
}

#[tokio::test]
async fn verified_tokens_are_forgotten_when_the_keys_change() {
    use gw_runtime::security::jwt::{Registered, Verified};
    let (url, _, doc, _) = jwks_server(&["a"], Duration::ZERO).await;
    let store = KeyStore::new(spec(url, true, 1, 0), "t").unwrap();
    let (_, generation) = store.key("a").await.unwrap();
    let v = Arc::new(Verified {
        alg: JwtAlg::HS256,
        registered: Registered::default(),
        claims: Default::default(),
        weight: 100,
    });
    store.remember(b"token", generation, &v);
    assert!(store.cached(b"token").is_some());
    // A token checked by an older set is not kept.
    store.remember(b"stale", generation.wrapping_sub(1), &v);
    assert!(store.cached(b"stale").is_none());
    // Same kid, another secret: the verified token is dropped.
    *doc.lock().unwrap() = r#"{"keys":[{"kty":"oct","kid":"a","k":"b3RoZXI"}]}"#.into();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, next) = store.key("a").await.unwrap();
    assert_ne!(next, generation);
    assert!(store.cached(b"token").is_none());
    assert_eq!(store.cached_tokens(), 0);
}
