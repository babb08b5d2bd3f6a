//! `auth/validator`'s key sets (krakend-components §4.1, §4.2 step 3): the
//! JWKs a token can name, where they come from, and the verified-token
//! cache that belongs to each set.
//!
//! - **Keys** ([`parse_key`]): RSA (`n`, `e`) for RS*/PS*, EC P-256/P-384
//!   (`x`, `y`) for ES256/ES384, OKP Ed25519 (`x`) for EdDSA, `oct` (`k`)
//!   for HS*; verified with ring. A key CE could not verify with (a JWK
//!   holding a private part, an unknown type) is left out of the set and
//!   logged, where CE fails the whole download; a P-521 key is kept, and
//!   never verifies (ring has no P-521).
//! - **Indexing** by `key_identify_strategy`: `kid`; `x5t` and `x5t#S256`
//!   as the key's own thumbprint member, re-encoded as unpadded base64url
//!   (a hex-encoded one decoded first, as go-jose does); `kid_x5t` both.
//!   Of two keys with one id the later wins, as in CE's maps.
//! - **A local set** (`jwk_local_path`) is read once when the gateway
//!   starts; a file that cannot be read or is not JSON stops the start-up.
//! - **A remote set** (`jwk_url`) is fetched by the gateway with its own
//!   client: one HTTP/1.1 connection per fetch through the runtime's pool
//!   type ([`crate::lb::h1::H1Pool`], keep-alive off), rustls with Mozilla's
//!   roots plus `jwk_local_ca`, TLS 1.2–1.3, `cipher_suites` applied to TLS
//!   1.2, `jwk_fingerprints` checked against the SubjectPublicKeyInfo of
//!   every certificate the server shows, `disable_jwk_security` turning
//!   certificate verification off; redirects followed as Go's client does;
//!   the answer's `Content-Type` must start with `application/json` or
//!   `application/jwk-set+json` and its `keys` must not be empty (as
//!   go-auth0 checks); at most [`MAX_JWKS_BYTES`], [`MAX_KEYS`] keys, and
//!   [`FETCH_TIMEOUT`] for the whole exchange.
//!
//! When a remote set is fetched (gwc's rules; CE downloads on every key
//! lookup without `cache`, and on every miss with it):
//! - once when the gateway starts, in the background (a JWKS server that is
//!   down then does not stop the gateway: tokens get 401 until a later
//!   fetch succeeds);
//! - when a lookup finds the set stale (older than `cache_duration` with
//!   `cache: true`, older than the refetch interval without it), or does
//!   not find the token's key id (a rotation is picked up by that one
//!   fetch);
//! - single-flight: concurrent lookups wait for the one fetch in progress
//!   and use its result;
//! - at most one fetch per refetch interval ([`REFETCH_INTERVAL`], or
//!   `cache_duration` when shorter), however many unknown key ids arrive;
//!   with `failed_jwk_key_cooldown`, an id that was not found is answered
//!   401 without any lookup for that long (at most [`MAX_MISSES`] ids
//!   remembered);
//! - a failed fetch keeps the set it had (stale keys keep working while the
//!   JWKS server is unreachable) and is logged.
//!
//! Two validators with the same source and options share one store (one
//! download, one token cache): CE keeps one per endpoint.

#[cfg(feature = "jwt")]
pub use with_feature::*;

#[cfg(feature = "jwt")]
mod with_feature {
    use std::collections::{HashMap, VecDeque};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, RwLock};
    use std::time::{Duration, Instant};

    use base64::Engine as _;
    use bytes::Bytes;
    use http_body_util::BodyExt;
    use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION, USER_AGENT};
    use hyper::{Method, Request, Uri};
    use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
    use serde_json::{Map, Value};

    use crate::body::GwBody;
    use crate::handler::error_line;
    use crate::lb::h1::H1Pool;
    use crate::security::jwt::{
        JwkRemote, JwkSource, JwtAlg, JwtValidator, KeyIdStrategy, Verified,
    };

    /// The largest key set document read.
    pub const MAX_JWKS_BYTES: usize = 1024 * 1024;
    /// The most keys a set may hold.
    pub const MAX_KEYS: usize = 1000;
    /// How long a fetch may take, connection, redirects and body included.
    pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
    /// The shortest time between two fetches of one set (shorter when
    /// `cache_duration` is).
    pub const REFETCH_INTERVAL: Duration = Duration::from_secs(10);
    /// The most unknown key ids `failed_jwk_key_cooldown` remembers.
    pub const MAX_MISSES: usize = 10_000;
    /// The longest token the verified-token cache keeps.
    pub const MAX_CACHED_TOKEN: usize = 8 * 1024;
    /// The verified-token cache's bound, in bytes (about), per key set.
    pub const TOKEN_CACHE_BYTES: u64 = 16 * 1024 * 1024;

    /// base64url as go-jose reads JWK members: `=` trimmed, non-canonical
    /// trailing bits accepted (Go's decoder is not strict).
    const B64_LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );

    pub(crate) fn member_bytes(
        o: &Map<String, Value>,
        name: &str,
    ) -> Result<Option<Vec<u8>>, String> {
        match o.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => B64_LENIENT
                .decode(s.trim_end_matches('='))
                .map(Some)
                .map_err(|_| format!("`{name}` is not base64url")),
            Some(_) => Err(format!("`{name}` is not a string")),
        }
    }

    pub(crate) fn required(o: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
        member_bytes(o, name)?.ok_or_else(|| format!("no `{name}`"))
    }

    /// An elliptic curve.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Curve {
        /// P-256 (ES256).
        P256,
        /// P-384 (ES384).
        P384,
        /// P-521 (ES512): parsed, never verified (ring lacks it).
        P521,
    }

    /// A verification key.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Key {
        /// RSA: modulus and exponent, big-endian without leading zeros.
        Rsa {
            /// `n`.
            n: Vec<u8>,
            /// `e`.
            e: Vec<u8>,
        },
        /// An EC public point, uncompressed (`04 || x || y`).
        Ec {
            /// Its curve.
            curve: Curve,
            /// The point.
            point: Vec<u8>,
        },
        /// An Ed25519 public key.
        Ed25519(Vec<u8>),
        /// A symmetric key.
        Oct(Vec<u8>),
    }

    impl Key {
        /// Whether this is a public key (go-jose's `IsPublic`).
        pub fn is_public(&self) -> bool {
            !matches!(self, Key::Oct(_))
        }

        /// Whether `sig` is this key's signature of `msg` under `alg`; a key
        /// of the wrong type for `alg` never verifies.
        pub fn verify(&self, alg: JwtAlg, msg: &[u8], sig: &[u8]) -> bool {
            use JwtAlg::*;
            match self {
                Key::Rsa { n, e } => {
                    let params: &signature::RsaParameters = match alg {
                        RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                        RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                        RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                        PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                        PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                        PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                        _ => return false,
                    };
                    RsaPublicKeyComponents { n, e }
                        .verify(params, msg, sig)
                        .is_ok()
                }
                Key::Ec { curve, point } => {
                    let algorithm: &dyn signature::VerificationAlgorithm = match (alg, curve) {
                        (ES256, Curve::P256) => &signature::ECDSA_P256_SHA256_FIXED,
                        (ES384, Curve::P384) => &signature::ECDSA_P384_SHA384_FIXED,
                        _ => return false,
                    };
                    UnparsedPublicKey::new(algorithm, point)
                        .verify(msg, sig)
                        .is_ok()
                }
                Key::Ed25519(x) => {
                    alg == EdDSA
                        && UnparsedPublicKey::new(&signature::ED25519, x)
                            .verify(msg, sig)
                            .is_ok()
                }
                Key::Oct(k) => {
                    let algorithm = match alg {
                        HS256 => ring::hmac::HMAC_SHA256,
                        HS384 => ring::hmac::HMAC_SHA384,
                        HS512 => ring::hmac::HMAC_SHA512,
                        _ => return false,
                    };
                    // Constant time; a MAC of another length never matches.
                    ring::hmac::verify(&ring::hmac::Key::new(algorithm, k), msg, sig).is_ok()
                }
            }
        }

        /// The key material, for the set's digest.
        fn material(&self) -> (&'static str, &[u8], &[u8]) {
            match self {
                Key::Rsa { n, e } => ("RSA", n, e),
                Key::Ec { curve, point } => (
                    match curve {
                        Curve::P256 => "P-256",
                        Curve::P384 => "P-384",
                        Curve::P521 => "P-521",
                    },
                    point,
                    &[],
                ),
                Key::Ed25519(x) => ("Ed25519", x, &[]),
                Key::Oct(k) => ("oct", k, &[]),
            }
        }
    }

    fn strip_zeros(mut b: Vec<u8>) -> Vec<u8> {
        let zeros = b.iter().take_while(|x| **x == 0).count();
        b.drain(..zeros.min(b.len().saturating_sub(1)));
        b
    }

    /// Reads one JWK (go-jose's `JSONWebKey.UnmarshalJSON`, public keys and
    /// `oct` only: a key with a private part cannot verify in CE either).
    pub fn parse_key(o: &Map<String, Value>) -> Result<Key, String> {
        let kty = o.get("kty").and_then(Value::as_str).unwrap_or_default();
        if kty != "oct" && o.get("d").is_some_and(|d| !d.is_null()) {
            return Err("a private key: CE cannot verify with it".into());
        }
        match kty {
            "RSA" => Ok(Key::Rsa {
                n: strip_zeros(required(o, "n")?),
                e: strip_zeros(required(o, "e")?),
            }),
            "EC" => {
                let (curve, size) = match o.get("crv").and_then(Value::as_str) {
                    Some("P-256") => (Curve::P256, 32),
                    Some("P-384") => (Curve::P384, 48),
                    Some("P-521") => (Curve::P521, 66),
                    other => return Err(format!("unsupported elliptic curve {other:?}")),
                };
                let (x, y) = (required(o, "x")?, required(o, "y")?);
                if x.len() != size || y.len() != size {
                    return Err("wrong length for x or y".into());
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Ok(Key::Ec { curve, point })
            }
            "OKP" if o.get("crv").and_then(Value::as_str) == Some("Ed25519") => {
                let x = required(o, "x")?;
                if x.len() != 32 {
                    return Err("an Ed25519 key is 32 bytes".into());
                }
                Ok(Key::Ed25519(x))
            }
            "OKP" => Err("unsupported OKP curve".into()),
            "oct" => Ok(Key::Oct(member_bytes(o, "k")?.ok_or("no `k`")?)),
            other => Err(format!("unknown key type `{other}`")),
        }
    }

    /// A thumbprint member (`x5t`, `x5t#S256`) as go-jose reads it
    /// (base64url; a hex text of twice the size is decoded), of `size`
    /// bytes, re-encoded unpadded: the key's id under that strategy.
    fn thumbprint(o: &Map<String, Value>, name: &str, size: usize) -> Result<String, String> {
        let Some(mut b) = member_bytes(o, name)? else {
            return Ok(String::new());
        };
        if b.len() == 2 * size {
            b = hex(&b).ok_or_else(|| format!("`{name}` is not hex"))?;
        }
        if b.len() != size {
            return Err(format!("`{name}` is of incorrect size"));
        }
        Ok(B64_LENIENT.encode(b))
    }

    fn hex(text: &[u8]) -> Option<Vec<u8>> {
        let digit = |c: u8| char::from(c).to_digit(16);
        text.chunks(2)
            .map(|p| Some((digit(p[0])? * 16 + digit(*p.get(1)?)?) as u8))
            .collect()
    }

    /// The id a key is indexed under (krakend-jose's `KeyIDGetterFactory`).
    fn key_id(o: &Map<String, Value>, strategy: KeyIdStrategy) -> Result<String, String> {
        let kid = match o.get("kid") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err("`kid` is not a string".into()),
        };
        let x5t = || thumbprint(o, "x5t", 20);
        Ok(match strategy {
            KeyIdStrategy::Kid => kid,
            KeyIdStrategy::X5t => x5t()?,
            KeyIdStrategy::X5tS256 => thumbprint(o, "x5t#S256", 32)?,
            KeyIdStrategy::KidX5t => kid + &x5t()?,
        })
    }

    /// A key set, indexed by id.
    #[derive(Debug, Default)]
    pub struct KeySet {
        keys: HashMap<String, Arc<Key>>,
        digest: Vec<u8>,
        /// Which set of its store this is (0 before the first fetch): a
        /// verified token is cached with the generation whose key checked
        /// it, and only that generation reads it back.
        generation: u64,
    }

    impl KeySet {
        /// The key with this id.
        pub fn get(&self, id: &str) -> Option<Arc<Key>> {
            self.keys.get(id).cloned()
        }

        /// How many keys it holds.
        pub fn len(&self) -> usize {
            self.keys.len()
        }

        /// Whether it holds no key.
        pub fn is_empty(&self) -> bool {
            self.keys.is_empty()
        }
    }

    /// Reads a JWKS document: `{"keys": [...]}`. Keys that cannot verify
    /// are skipped, each with its reason in the second list. `remote`: an
    /// empty `keys` is an error (go-auth0's download check).
    pub fn parse_jwks(
        bytes: &[u8],
        strategy: KeyIdStrategy,
        remote: bool,
    ) -> Result<(KeySet, Vec<String>), String> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("the key set is not JSON: {e}"))?;
        let keys = match doc.get("keys") {
            Some(Value::Array(keys)) => keys.as_slice(),
            None | Some(Value::Null) => &[],
            Some(_) => return Err("`keys` is not a list".into()),
        };
        if remote && keys.is_empty() {
            return Err("no Keys have been found".into());
        }
        if keys.len() > MAX_KEYS {
            return Err(format!("{} keys: more than {MAX_KEYS}", keys.len()));
        }
        let mut set = KeySet::default();
        let mut skipped = Vec::new();
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        for (i, k) in keys.iter().enumerate() {
            let parsed = k
                .as_object()
                .ok_or_else(|| "not an object".to_string())
                .and_then(|o| Ok((key_id(o, strategy)?, parse_key(o)?)));
            match parsed {
                Ok((id, key)) => {
                    let (kind, a, b) = key.material();
                    for part in [id.as_bytes(), kind.as_bytes(), a, b] {
                        digest.update(&(part.len() as u64).to_be_bytes());
                        digest.update(part);
                    }
                    set.keys.insert(id, Arc::new(key));
                }
                Err(e) => skipped.push(format!("key #{i}: {e}")),
            }
        }
        set.digest = digest.finish().as_ref().to_vec();
        Ok((set, skipped))
    }

    /// Where a store's keys come from.
    enum Source {
        Local,
        Remote(Remote),
    }

    pub(crate) struct Remote {
        url: Uri,
        pool: Arc<H1Pool>,
        user_agent: HeaderValue,
    }

    #[derive(Default)]
    struct Timing {
        /// The last successful fetch.
        fetched_at: Option<Instant>,
        /// The last fetch started.
        last_attempt: Option<Instant>,
    }

    /// `failed_jwk_key_cooldown`: the ids recently not found.
    struct Misses {
        ttl: Duration,
        seen: Mutex<MissList>,
    }

    /// The remembered ids, and the same in the order they were added.
    type MissList = (HashMap<Box<str>, Instant>, VecDeque<(Box<str>, Instant)>);

    impl Misses {
        fn contains(&self, id: &str, now: Instant) -> bool {
            let Ok(mut g) = self.seen.lock() else {
                return false;
            };
            let (map, order) = &mut *g;
            while let Some((old, at)) = order.front() {
                if now.duration_since(*at) < self.ttl {
                    break;
                }
                if map.get(old) == Some(at) {
                    map.remove(old);
                }
                order.pop_front();
            }
            map.contains_key(id)
        }

        fn add(&self, id: &str, now: Instant) {
            let Ok(mut g) = self.seen.lock() else {
                return;
            };
            let (map, order) = &mut *g;
            while order.len() >= MAX_MISSES {
                if let Some((old, at)) = order.pop_front()
                    && map.get(&old) == Some(&at)
                {
                    map.remove(&old);
                }
            }
            let id: Box<str> = id.into();
            map.insert(id.clone(), now);
            order.push_back((id, now));
        }
    }

    /// The verified-token cache's weigher: about the bytes an entry holds.
    #[derive(Clone)]
    struct TokenWeight;

    impl quick_cache::Weighter<Box<[u8]>, (u64, Arc<Verified>)> for TokenWeight {
        fn weight(&self, _token: &Box<[u8]>, v: &(u64, Arc<Verified>)) -> u64 {
            u64::from(v.1.weight)
        }
    }

    /// One key set and its verified-token cache.
    pub struct KeyStore {
        source: Source,
        strategy: KeyIdStrategy,
        set: RwLock<Arc<KeySet>>,
        timing: Mutex<Timing>,
        /// Fetches finished (a waiter that sees it move uses that result).
        attempts: AtomicU64,
        /// Fetches started (tests and logs).
        fetches: AtomicU64,
        gate: tokio::sync::Mutex<()>,
        ttl: Duration,
        interval: Duration,
        misses: Option<Misses>,
        verified: quick_cache::sync::Cache<Box<[u8]>, (u64, Arc<Verified>), TokenWeight>,
    }

    impl std::fmt::Debug for KeyStore {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("KeyStore")
                .field("keys", &self.set().len())
                .field("ttl", &self.ttl)
                .field("interval", &self.interval)
                .finish_non_exhaustive()
        }
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    impl KeyStore {
        /// The store for a validator's source: a local set is read now.
        pub fn new(spec: &JwtValidator, user_agent: &'static str) -> Result<KeyStore, String> {
            let cache_ttl = Duration::from_secs(u64::from(spec.cache_duration_s.max(1)));
            let interval = REFETCH_INTERVAL.min(cache_ttl);
            let (source, set) = match &spec.keys {
                JwkSource::Local(path) => {
                    let bytes = std::fs::read(path).map_err(|e| {
                        format!("auth/validator: cannot read `jwk_local_path` `{path}`: {e}")
                    })?;
                    let (set, skipped) = parse_jwks(&bytes, spec.key_identify_strategy, false)
                        .map_err(|e| format!("auth/validator: `jwk_local_path` `{path}`: {e}"))?;
                    for s in skipped {
                        error_line(&format!("[SERVICE: JOSE] {path}: {s}: skipped"));
                    }
                    (Source::Local, set)
                }
                JwkSource::Remote(r) => (Source::Remote(remote(r, user_agent)?), KeySet::default()),
            };
            Ok(KeyStore {
                source,
                strategy: spec.key_identify_strategy,
                set: RwLock::new(Arc::new(set)),
                timing: Mutex::new(Timing::default()),
                attempts: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
                gate: tokio::sync::Mutex::new(()),
                ttl: if spec.cache { cache_ttl } else { interval },
                interval,
                misses: (spec.failed_key_cooldown_ms >= 1000).then(|| Misses {
                    ttl: Duration::from_millis(spec.failed_key_cooldown_ms),
                    seen: Mutex::new((HashMap::new(), VecDeque::new())),
                }),
                verified: quick_cache::sync::Cache::with_weighter(
                    16_384,
                    TOKEN_CACHE_BYTES,
                    TokenWeight,
                ),
            })
        }

        /// The current set.
        pub fn set(&self) -> Arc<KeySet> {
            Arc::clone(
                &self
                    .set
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            )
        }

        /// How many fetches this store started.
        pub fn fetches(&self) -> u64 {
            self.fetches.load(Ordering::Relaxed)
        }

        /// Whether the keys come from a JWKS server.
        pub fn is_remote(&self) -> bool {
            matches!(self.source, Source::Remote(_))
        }

        /// The key with this id, fetching the set first when it is stale or
        /// lacks the id (within the rules of the module's doc), and the
        /// generation of the set it came from.
        pub async fn key(&self, id: &str) -> Option<(Arc<Key>, u64)> {
            let lookup = || {
                let set = self.set();
                set.get(id).map(|k| (k, set.generation))
            };
            if !self.is_remote() {
                return lookup();
            }
            // CE asks the cooldown list first: an id that was just missing
            // is refused without looking.
            if self
                .misses
                .as_ref()
                .is_some_and(|m| m.contains(id, Instant::now()))
            {
                return None;
            }
            if self.is_fresh() {
                if let Some(k) = lookup() {
                    return Some(k);
                }
            } else {
                self.refresh().await;
                if let Some(k) = lookup() {
                    return Some(k);
                }
            }
            // An unknown id: a rotation, or a made-up id. One fetch per
            // interval at most either way.
            self.refresh().await;
            let found = lookup();
            if found.is_none()
                && let Some(m) = &self.misses
            {
                m.add(id, Instant::now());
            }
            found
        }

        fn is_fresh(&self) -> bool {
            lock(&self.timing)
                .fetched_at
                .is_some_and(|t| t.elapsed() < self.ttl)
        }

        /// Fetches the set unless a fetch finished while this one waited,
        /// or the last one started less than the interval ago.
        pub async fn refresh(&self) {
            let Source::Remote(remote) = &self.source else {
                return;
            };
            let seen = self.attempts.load(Ordering::Acquire);
            let _gate = self.gate.lock().await;
            if self.attempts.load(Ordering::Acquire) != seen {
                return;
            }
            {
                let mut t = lock(&self.timing);
                let now = Instant::now();
                if t.last_attempt
                    .is_some_and(|last| now.duration_since(last) < self.interval)
                {
                    return;
                }
                t.last_attempt = Some(now);
            }
            self.fetches.fetch_add(1, Ordering::Relaxed);
            let result = match tokio::time::timeout(FETCH_TIMEOUT, download(remote)).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer within {} s", FETCH_TIMEOUT.as_secs())),
            }
            .and_then(|bytes| parse_jwks(&bytes, self.strategy, true));
            match result {
                Ok((set, skipped)) => {
                    for s in skipped {
                        error_line(&format!("[SERVICE: JOSE] {}: {s}: skipped", remote.url));
                    }
                    self.install(set);
                    lock(&self.timing).fetched_at = Some(Instant::now());
                }
                Err(e) => error_line(&format!(
                    "[SERVICE: JOSE] cannot fetch the key set {}: {}",
                    remote.url,
                    e.replace('"', "'")
                )),
            }
            self.attempts.fetch_add(1, Ordering::Release);
        }

        /// Replaces the set when its keys changed, and then empties the
        /// verified-token cache.
        fn install(&self, mut set: KeySet) {
            let mut cur = self
                .set
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cur.digest != set.digest {
                set.generation = cur.generation + 1;
                *cur = Arc::new(set);
                self.verified.clear();
            }
        }

        /// A verified token from the cache, when the key set that checked
        /// it is still the current one.
        pub fn cached(&self, token: &[u8]) -> Option<Arc<Verified>> {
            let (generation, v) = self.verified.get(token)?;
            (generation == self.set().generation).then_some(v)
        }

        /// Caches a verified token (short enough ones), checked by a key of
        /// the set of this `generation`.
        pub fn remember(&self, token: &[u8], generation: u64, v: &Arc<Verified>) {
            if token.len() <= MAX_CACHED_TOKEN && generation == self.set().generation {
                self.verified
                    .insert(token.into(), (generation, Arc::clone(v)));
            }
        }

        /// Drops a token from the cache (it expired).
        pub fn forget(&self, token: &[u8]) {
            self.verified.remove(token);
        }

        /// How many verified tokens are cached.
        pub fn cached_tokens(&self) -> usize {
            self.verified.len()
        }
    }

    /// The remote side of a store: its URL, its client and the
    /// `User-Agent` it sends (the gateway's, as CE sends KrakenD's).
    pub(crate) fn remote(r: &JwkRemote, user_agent: &'static str) -> Result<Remote, String> {
        let url: Uri = r
            .url
            .parse()
            .map_err(|e| format!("auth/validator: `jwk_url` `{}`: {e}", r.url))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) || url.authority().is_none() {
            return Err(format!(
                "auth/validator: `jwk_url` `{}` is not an http(s) URL",
                r.url
            ));
        }
        let tls = tls_config(r)?;
        let mut conn = hyper_util::client::legacy::connect::HttpConnector::new();
        conn.set_nodelay(true);
        conn.enforce_http(false);
        conn.set_connect_timeout(Some(FETCH_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(conn);
        Ok(Remote {
            url,
            // Keep-alive off: one connection per fetch, on the fetching
            // worker (fetches are rare).
            pool: H1Pool::new(https, 0, Duration::from_secs(1)),
            user_agent: HeaderValue::from_static(user_agent),
        })
    }

    /// GETs the set, following redirects as Go's client does.
    pub(crate) async fn download(remote: &Remote) -> Result<Vec<u8>, String> {
        let mut uri = remote.url.clone();
        for _ in 0..=crate::redirect::MAX_REDIRECTS {
            let mut req = Request::new(GwBody::full(Bytes::new()));
            *req.uri_mut() = uri.clone();
            req.headers_mut()
                .insert(USER_AGENT, remote.user_agent.clone());
            let resp = remote.pool.request(req).await.map_err(|e| {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text.push_str(": ");
                    text.push_str(&s.to_string());
                    source = s.source();
                }
                text
            })?;
            let status = resp.status();
            if crate::redirect::is_redirect(status) {
                match crate::redirect::next_hop(
                    &Method::GET,
                    status,
                    resp.headers().get(LOCATION),
                    &uri,
                    false,
                ) {
                    Ok(Some(hop)) => {
                        uri = hop.uri;
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => return Err(e.0),
                }
            }
            let ct = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            if !(ct.starts_with("application/json") || ct.starts_with("application/jwk-set+json")) {
                return Err(format!(
                    "should have a JSON content type for JWKS endpoint (status {}, `Content-Type: {ct}`)",
                    status.as_u16()
                ));
            }
            let body = http_body_util::Limited::new(resp.into_body(), MAX_JWKS_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the key set: {e}"))?;
            return Ok(body.to_bytes().to_vec());
        }
        Err(format!(
            "stopped after {} redirects",
            crate::redirect::MAX_REDIRECTS
        ))
    }

    /// The TLS 1.2 cipher suites CE's JWKS client may use, by Go's ids,
    /// that rustls (ring) implements: the ECDHE AEAD suites, which are also
    /// CE's default list. (TLS 1.3 suites are never restricted, as in Go.)
    pub const RUSTLS_TLS12_SUITES: [u16; 6] = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca8, 0xcca9];

    /// The JWKS client's TLS: TLS 1.2–1.3; Mozilla's roots and
    /// `jwk_local_ca` (read now: unreadable stops the start-up, as CE
    /// exits), or no verification with `disable_jwk_security`;
    /// `cipher_suites` for TLS 1.2; `jwk_fingerprints` on top.
    fn tls_config(r: &JwkRemote) -> Result<ClientConfig, String> {
        let mut provider = rustls::crypto::ring::default_provider();
        if !r.cipher_suites.is_empty() {
            provider.cipher_suites.retain(|s| {
                matches!(s, rustls::SupportedCipherSuite::Tls13(_))
                    || r.cipher_suites.contains(&u16::from(s.suite()))
            });
        }
        let provider = Arc::new(provider);
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
            .map_err(|e| format!("auth/validator: tls: {e}"))?;
        let verifier: Arc<dyn ServerCertVerifier> = if r.disable_jwk_security {
            Arc::new(crate::lb::client::AcceptAnyServerCert(Arc::clone(
                &provider,
            )))
        } else {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            if let Some(ca) = r.local_ca {
                let certs = CertificateDer::pem_file_iter(ca).map_err(|e| {
                    format!("auth/validator: cannot read `jwk_local_ca` `{ca}`: {e}")
                })?;
                // Go's AppendCertsFromPEM skips what it cannot parse.
                for cert in certs.flatten() {
                    let _ = roots.add(cert);
                }
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                .build()
                .map_err(|e| format!("auth/validator: tls: {e}"))?
        };
        let verifier: Arc<dyn ServerCertVerifier> = if r.fingerprints.is_empty() {
            verifier
        } else {
            Arc::new(Pinned {
                inner: verifier,
                pins: r.fingerprints,
            })
        };
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth())
    }

    /// `jwk_fingerprints`: after the usual verification, one of the
    /// certificates the server shows must have a SubjectPublicKeyInfo whose
    /// SHA-256 is listed (krakend-jose's `DialTLSContext`).
    #[derive(Debug)]
    struct Pinned {
        inner: Arc<dyn ServerCertVerifier>,
        pins: &'static [&'static [u8]],
    }

    impl Pinned {
        fn pinned(&self, cert: &CertificateDer<'_>) -> bool {
            rustls::server::ParsedCertificate::try_from(cert).is_ok_and(|c| {
                let spki = c.subject_public_key_info();
                let d = ring::digest::digest(&ring::digest::SHA256, spki.as_ref());
                self.pins.iter().any(|p| *p == d.as_ref())
            })
        }
    }

    impl ServerCertVerifier for Pinned {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            let ok = self.inner.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )?;
            if std::iter::once(end_entity)
                .chain(intermediates)
                .any(|c| self.pinned(c))
            {
                Ok(ok)
            } else {
                Err(rustls::Error::General(
                    "JWK client did not find a pinned key".into(),
                ))
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.inner.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.inner.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.inner.supported_verify_schemes()
        }
    }

    /// The stores of a gateway, one per distinct source and options.
    #[derive(Default)]
    pub struct KeyStores {
        stores: Vec<(String, Arc<KeyStore>)>,
    }

    impl std::fmt::Debug for KeyStores {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("KeyStores")
                .field("stores", &self.stores.len())
                .finish()
        }
    }

    impl KeyStores {
        /// The store for `spec`, shared with any validator of the same
        /// source and options.
        pub fn store(
            &mut self,
            spec: &'static JwtValidator,
            user_agent: &'static str,
        ) -> Result<Arc<KeyStore>, String> {
            let identity = format!(
                "{:?}|{}|{}|{}|{:?}",
                spec.keys,
                spec.cache,
                spec.cache_duration_s,
                spec.failed_key_cooldown_ms,
                spec.key_identify_strategy
            );
            if let Some((_, s)) = self.stores.iter().find(|(id, _)| *id == identity) {
                return Ok(Arc::clone(s));
            }
            let store = Arc::new(KeyStore::new(spec, user_agent)?);
            self.stores.push((identity, Arc::clone(&store)));
            Ok(store)
        }

        /// Starts the first fetch of every remote set, in the background.
        pub fn prefetch(&self) -> Vec<tokio::task::JoinHandle<()>> {
            self.stores
                .iter()
                .filter(|(_, s)| s.is_remote())
                .map(|(_, s)| {
                    let s = Arc::clone(s);
                    tokio::spawn(async move { s.refresh().await })
                })
                .collect()
        }

        /// The stores.
        pub fn iter(&self) -> impl Iterator<Item = &Arc<KeyStore>> {
            self.stores.iter().map(|(_, s)| s)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        fn obj(v: Value) -> Map<String, Value> {
            match v {
                Value::Object(m) => m,
                _ => Map::new(),
            }
        }

        #[test]
        fn key_parsing_table() {
            let b = |bytes: &[u8]| B64_LENIENT.encode(bytes);
            let p256 = [7u8; 32];
            let table: Vec<(Value, Result<&str, &str>)> = vec![
                (
                    json!({"kty": "RSA", "n": b(&[0, 1, 2]), "e": "AQAB"}),
                    Ok("RSA"),
                ),
                (
                    json!({"kty": "RSA", "n": b(&[1]), "e": "AQAB", "d": "AA"}),
                    Err("a private key: CE cannot verify with it"),
                ),
                (json!({"kty": "RSA", "e": "AQAB"}), Err("no `n`")),
                (
                    json!({"kty": "EC", "crv": "P-256", "x": b(&p256), "y": b(&p256)}),
                    Ok("P-256"),
                ),
                (
                    json!({"kty": "EC", "crv": "P-256", "x": b(&p256[..31]), "y": b(&p256)}),
                    Err("wrong length for x or y"),
                ),
                (
                    json!({"kty": "EC", "crv": "P-521", "x": b(&[1; 66]), "y": b(&[1; 66])}),
                    Ok("P-521"),
                ),
                (
                    json!({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}),
                    Err("unsupported elliptic curve Some(\"secp256k1\")"),
                ),
                (
                    json!({"kty": "OKP", "crv": "Ed25519", "x": b(&[9; 32])}),
                    Ok("Ed25519"),
                ),
                (
                    json!({"kty": "OKP", "crv": "X25519", "x": b(&[9; 32])}),
                    Err("unsupported OKP curve"),
                ),
                (json!({"kty": "oct", "k": "c2VjcmV0"}), Ok("oct")),
                (json!({"kty": "oct", "k": ""}), Ok("oct")),
                (json!({"kty": "oct", "k": "c2VjcmV0=="}), Ok("oct")),
                (
                    json!({"kty": "oct", "k": "!!"}),
                    Err("`k` is not base64url"),
                ),
                (json!({"kty": "oct"}), Err("no `k`")),
                (json!({"kty": "XYZ"}), Err("unknown key type `XYZ`")),
            ];
            for (v, want) in table {
                let got = parse_key(&obj(v.clone())).map(|k| k.material().0);
                assert_eq!(got, want.map_err(str::to_string), "{v}");
            }
            // Leading zeros are dropped from RSA numbers.
            let k = parse_key(&obj(
                json!({"kty": "RSA", "n": b(&[0, 0, 5]), "e": b(&[0, 1])}),
            ));
            assert_eq!(
                k,
                Ok(Key::Rsa {
                    n: vec![5],
                    e: vec![1]
                })
            );
        }

        #[test]
        fn key_ids_by_strategy() {
            let sha1 = [0xabu8; 20];
            let hex_text: String = sha1.iter().map(|b| format!("{b:02x}")).collect();
            let doc = json!({"keys": [
                {"kty": "oct", "k": "YQ", "kid": "one", "x5t": B64_LENIENT.encode(sha1)},
                {"kty": "oct", "k": "Yg", "kid": "two", "x5t": B64_LENIENT.encode(hex_text.as_bytes())},
                {"kty": "oct", "k": "Yw", "kid": "two"},
                {"kty": "oct", "k": "ZA"}
            ]});
            let bytes = serde_json::to_vec(&doc).unwrap_or_default();
            let (kid, skipped) = parse_jwks(&bytes, KeyIdStrategy::Kid, true).expect("set");
            assert!(skipped.is_empty());
            // The later of two keys with one id wins; no kid is the id "".
            assert_eq!(kid.get("two").as_deref(), Some(&Key::Oct(b"c".to_vec())));
            assert_eq!(kid.get("").as_deref(), Some(&Key::Oct(b"d".to_vec())));
            let (x5t, _) = parse_jwks(&bytes, KeyIdStrategy::X5t, true).expect("set");
            // The hex form is decoded to the same thumbprint: the later key wins.
            assert_eq!(
                x5t.get(&B64_LENIENT.encode(sha1)).as_deref(),
                Some(&Key::Oct(b"b".to_vec()))
            );
            let (both, _) = parse_jwks(&bytes, KeyIdStrategy::KidX5t, true).expect("set");
            assert!(
                both.get(&format!("one{}", B64_LENIENT.encode(sha1)))
                    .is_some()
            );
            assert!(both.get("two").is_some());
        }

        #[test]
        fn key_set_documents() {
            let s = KeyIdStrategy::Kid;
            assert!(parse_jwks(b"{\"keys\": []}", s, true).is_err());
            assert!(parse_jwks(b"{\"keys\": []}", s, false).is_ok());
            assert!(parse_jwks(b"{}", s, true).is_err());
            assert!(parse_jwks(b"{\"keys\": {}}", s, false).is_err());
            assert!(parse_jwks(b"not json", s, false).is_err());
            let many = format!(
                "{{\"keys\": [{}]}}",
                vec!["{\"kty\":\"oct\",\"k\":\"YQ\"}"; MAX_KEYS + 1].join(",")
            );
            assert!(parse_jwks(many.as_bytes(), s, true).is_err());
            let (set, skipped) = parse_jwks(
                b"{\"keys\": [{\"kty\":\"oct\",\"k\":\"YQ\",\"kid\":\"a\"}, 5, {\"kty\":\"RSA\"}]}",
                s,
                true,
            )
            .expect("set");
            assert_eq!(set.len(), 1);
            assert_eq!(skipped.len(), 2);
            // The digest follows the keys, not the text.
            let (a, _) = parse_jwks(
                b"{\"keys\":[{\"kty\":\"oct\",\"k\":\"YQ\",\"kid\":\"a\"}]}",
                s,
                true,
            )
            .expect("a");
            let (b, _) = parse_jwks(
                b"{ \"keys\" : [ {\"kid\":\"a\",\"k\":\"YQ\",\"kty\":\"oct\",\"use\":\"sig\"} ] }",
                s,
                true,
            )
            .expect("b");
            let (c, _) = parse_jwks(
                b"{\"keys\":[{\"kty\":\"oct\",\"k\":\"Yg\",\"kid\":\"a\"}]}",
                s,
                true,
            )
            .expect("c");
            assert_eq!(a.digest, b.digest);
            assert_ne!(a.digest, c.digest);
        }

        #[test]
        fn misses_expire_and_stay_bounded() {
            let m = Misses {
                ttl: Duration::from_secs(5),
                seen: Mutex::new((HashMap::new(), VecDeque::new())),
            };
            let t0 = Instant::now();
            m.add("a", t0);
            assert!(m.contains("a", t0));
            assert!(!m.contains("b", t0));
            assert!(!m.contains("a", t0 + Duration::from_secs(6)));
            for i in 0..(MAX_MISSES + 10) {
                m.add(&i.to_string(), t0);
            }
            let g = lock(&m.seen);
            assert!(g.0.len() <= MAX_MISSES && g.1.len() <= MAX_MISSES);
        }
    }
}

#[cfg(not(feature = "jwt"))]
pub use without_feature::*;

#[cfg(not(feature = "jwt"))]
mod without_feature {
    /// Without the `jwt` feature there are no key sets.
    #[derive(Debug, Default)]
    pub struct KeyStores {
        _none: (),
    }

    impl KeyStores {
        /// Nothing to fetch.
        pub fn prefetch(&self) -> Vec<tokio::task::JoinHandle<()>> {
            Vec::new()
        }
    }
}
