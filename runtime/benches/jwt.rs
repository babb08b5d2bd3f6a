//! `cargo bench -p gw-runtime --bench jwt`: the `auth/validator` stage
//! (stage k. of the handler) alone, on an RS256 key set read from a file.
//!
//! - `repeated token`: the same valid token on every call, so the verified
//!   token comes from the cache; the endpoint's own checks (`alg`, `iss`,
//!   `aud`, times, roles, scopes) still run. Goal (issue 12): < 2 µs.
//! - `first-seen token`: a token the cache has never held (each call takes
//!   the next of 512 pre-signed tokens and forgets it afterwards), so the
//!   call parses, looks the key up, verifies the signature, decodes the
//!   claims and caches them. Goal: the signature check plus < 2 µs.
//! - `signature alone`: ring's RS256 verification of one token, the part
//!   of a first-seen token that gwc cannot make cheaper; the goal above is
//!   `first-seen − signature alone < 2 µs`.
//! - `HS256 first-seen`: the same path with an HMAC key, whose signature
//!   costs well under a microsecond: close to the stage's own cost.
//! - `parse` and `claims decode`: the two largest parts of that cost (the
//!   compact JWS's base64 and header; the claims into `serde_json` values,
//!   which the roles, scopes, `propagate_claims` and `{JWT.x}` read).
//!
//! The future of [`Validator::check`] is polled once with a no-op waker: a
//! local key set never waits.

use std::future::Future as _;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gw_runtime::security::jwks::KeyStores;
use gw_runtime::security::jwt::{
    JwkSource, JwtAlg, JwtValidator, KeyIdStrategy, Rejection, Validator, Verified, parse,
    strict_object,
};
use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, HeaderValue};
use serde_json::json;

/// The end-to-end tests' signing kit (one place for test keys and tokens).
#[path = "../../cli/tests/support/jwt.rs"]
#[allow(clippy::unwrap_used)]
mod kit;

/// How many distinct tokens the first-seen cases cycle through.
const TOKENS: usize = 512;

/// A validator like the ones real configs carry: issuer, audience, a role
/// and a scope.
fn validator(alg: JwtAlg, jwks: &serde_json::Value) -> Validator {
    let path = std::env::temp_dir().join(format!(
        "gwc-bench-jwt-{}-{}.json",
        alg.name(),
        std::process::id()
    ));
    std::fs::write(&path, jwks.to_string()).expect("write the key set");
    let path: &'static str = Box::leak(path.to_string_lossy().into_owned().into_boxed_str());
    let spec: &'static JwtValidator = Box::leak(Box::new(JwtValidator {
        alg,
        keys: JwkSource::Local(path),
        cache: true,
        cache_duration_s: 900,
        failed_key_cooldown_ms: 0,
        key_identify_strategy: KeyIdStrategy::Kid,
        issuer: Some("https://idp.example.com/"),
        audience: &["orders-api"],
        leeway_ns: 1_000_000_000,
        roles_key: &["roles"],
        roles: &["reader"],
        scopes_key: &["scope"],
        scopes: &["orders:read"],
        scopes_match_all: false,
        propagate_claims: &[],
        propagate_claims_preserve_array: false,
        auth_header_name: "Authorization",
        cookie_key: "access_token",
        operation_debug: false,
    }));
    let v = Validator::new(spec, &mut KeyStores::default(), "bench").expect("a validator");
    let _ = std::fs::remove_file(path);
    v
}

/// A bearer header for the token.
fn bearer(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value"),
    );
    h.insert("accept", HeaderValue::from_static("application/json"));
    h
}

/// Tokens valid for an hour, each with its own `jti`.
fn tokens(keys: &kit::Keys, alg: &str, kid: &str, n: usize) -> Vec<String> {
    let now = kit::now();
    (0..n)
        .map(|i| {
            keys.sign(
                alg,
                kid,
                &json!({
                    "iss": "https://idp.example.com/",
                    "sub": format!("user-{i}"),
                    "aud": ["orders-api", "billing-api"],
                    "iat": now,
                    "nbf": now - 10,
                    "exp": now + 3600,
                    "jti": format!("token-{i:06}"),
                    "roles": ["reader", "writer"],
                    "scope": "orders:read orders:write",
                    "email": format!("user{i}@example.com"),
                }),
            )
        })
        .collect()
}

/// One stage call, polled once.
fn check(v: &Validator, h: &HeaderMap) -> Result<std::sync::Arc<Verified>, Rejection> {
    let mut fut = pin!(v.check(h));
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("a local key set never waits"),
    }
}

fn stage(c: &mut Criterion) {
    let keys = kit::Keys::new();
    let mut g = c.benchmark_group("auth/validator");
    g.throughput(Throughput::Elements(1));

    let rs = validator(JwtAlg::RS256, &json!({"keys": [keys.rsa_jwk("rsa")]}));
    let rs_tokens = tokens(&keys, "RS256", "rsa", TOKENS);
    let rs_headers: Vec<HeaderMap> = rs_tokens.iter().map(|t| bearer(t)).collect();
    for h in &rs_headers {
        assert!(check(&rs, h).is_ok(), "the bench tokens are valid");
        rs.keys.forget(token_of(h));
    }

    let repeated = &rs_headers[0];
    check(&rs, repeated).expect("valid");
    g.bench_function("RS256 repeated token (cache hit)", |b| {
        b.iter(|| check(&rs, black_box(repeated)).is_ok())
    });

    let mut i = 0;
    g.bench_function("RS256 first-seen token", |b| {
        b.iter(|| {
            i = (i + 1) % TOKENS;
            let h = &rs_headers[i];
            let ok = check(&rs, black_box(h)).is_ok();
            rs.keys.forget(token_of(h));
            ok
        })
    });

    let key = rs.keys.set().get("rsa").expect("the rsa key");
    let (input, sig) = signing_parts(&rs_tokens[0]);
    g.bench_function("RS256 signature alone (ring)", |b| {
        b.iter(|| key.verify(JwtAlg::RS256, black_box(&input), black_box(&sig)))
    });

    // The first-seen path's two largest parts, for the breakdown.
    let token = rs_tokens[1].as_bytes();
    g.bench_function("parse (base64, header JSON)", |b| {
        b.iter(|| parse(black_box(token)).is_ok())
    });
    let payload = parse(token).expect("a valid token").payload;
    g.bench_function("claims decode (strict JSON)", |b| {
        b.iter(|| strict_object(black_box(&payload)).is_some())
    });

    let hs = validator(JwtAlg::HS256, &json!({"keys": [keys.hs_jwk("hs")]}));
    let hs_headers: Vec<HeaderMap> = tokens(&keys, "HS256", "hs", TOKENS)
        .iter()
        .map(|t| bearer(t))
        .collect();
    assert!(
        check(&hs, &hs_headers[0]).is_ok(),
        "the HS256 tokens are valid"
    );
    let mut i = 0;
    g.bench_function("HS256 first-seen token", |b| {
        b.iter(|| {
            i = (i + 1) % TOKENS;
            let h = &hs_headers[i];
            let ok = check(&hs, black_box(h)).is_ok();
            hs.keys.forget(token_of(h));
            ok
        })
    });
    g.finish();
}

/// The token of a bearer header.
fn token_of(h: &HeaderMap) -> &[u8] {
    let v = h.get(AUTHORIZATION).expect("a bearer header").as_bytes();
    &v["Bearer ".len()..]
}

/// The signing input and the decoded signature of a compact JWS.
fn signing_parts(token: &str) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine as _;
    let (input, sig) = token.rsplit_once('.').expect("a compact JWS");
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .expect("base64url");
    (input.as_bytes().to_vec(), sig)
}

criterion_group!(benches, stage);
criterion_main!(benches);
