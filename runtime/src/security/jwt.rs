//! `auth/validator` (krakend-components §4): the JWT check of an endpoint,
//! stage k of [`crate::handler::handle`].
//!
//! What a request goes through, as `krakend-jose`'s `gin/jose.go` and
//! `go-auth0` do it (§4.2):
//! 1. the token: the `auth_header_name` header (first value, an optional
//!    case-insensitive `Bearer ` prefix), or, only when that header is
//!    absent or empty, the `cookie_key` cookie. A header that is present but
//!    holds no valid JWS is a 401: it does not fall back to the cookie;
//! 2. the compact JWS: three base64url parts, the header a JSON object
//!    whose `alg` must be the configured one (`none` never is), `crit` only
//!    `b64`, no duplicate JSON keys anywhere (go-jose's JSON rejects them);
//! 3. the key, by `key_identify_strategy`, from the key set
//!    ([`super::jwks`]), then the signature (ring);
//! 4. the registered claims, typed as go-jose types them (`iss`, `sub`,
//!    `jti` strings; `aud` a string or a list of strings; `exp`, `nbf`,
//!    `iat` numbers), then `issuer` (exact), every `audience` entry, `nbf`,
//!    `exp` and `iat` with the leeway (at least 1 s);
//! 5. roles (any of them) → 403, scopes (any or all) → 403;
//! 6. `propagate_claims` into the request's headers, and `{JWT.claim}` in
//!    the backends' URLs (through [`crate::request::Inbound::jwt`]).
//!
//! Every failure answers as CE's `AbortWithStatus`: 401 or 403, an empty
//! body, no `Content-Type`, no `X-KrakenD` headers.
//!
//! gwc's cache of verified tokens (the issue's speed goal): a token whose
//! signature was checked is kept, with its decoded claims, keyed by the
//! whole token text, in a bounded cache per key set that is emptied when
//! the key set changes. Only the signature check and the decoding are
//! saved: every request still runs its endpoint's `alg`, `issuer`,
//! `audience`, time, roles and scopes checks, and an expired token leaves
//! the cache on its first failed check.
//!
//! The claim-value formatting (`Claims.Get`/`Claims.List`, §4.3), the role
//! and scope matching and the registered-claim checks are plain functions
//! over `serde_json` values, compiled whatever the features; the token
//! parsing, the signature check and the key sets need the `jwt` feature.

use serde_json::{Map, Value};

/// `auth/validator`, as the compiler resolved it (CE's defaults applied).
#[derive(Debug)]
pub struct JwtValidator {
    /// `alg`: the only algorithm a token may name.
    pub alg: JwtAlg,
    /// Where the keys come from.
    pub keys: JwkSource,
    /// `cache`: keep the key set for `cache_duration_s` (otherwise gwc
    /// still keeps it, for the refetch interval only).
    pub cache: bool,
    /// `cache_duration` in seconds (900 when 0), or the service level's
    /// `shared_cache_duration` when longer.
    pub cache_duration_s: u32,
    /// `failed_jwk_key_cooldown` in ms (0: off; CE ignores values below 1 s).
    pub failed_key_cooldown_ms: u64,
    /// `key_identify_strategy`.
    pub key_identify_strategy: KeyIdStrategy,
    /// `issuer` (`None`: not checked).
    pub issuer: Option<&'static str>,
    /// `audience`: the token's `aud` must hold every entry.
    pub audience: &'static [&'static str],
    /// `leeway` in ns (at least 1 s).
    pub leeway_ns: u64,
    /// `roles_key`, as a path: split on `.` only with `roles_key_is_nested`
    /// (and not for an `http…` key), as CE does.
    pub roles_key: &'static [&'static str],
    /// `roles` (empty: no role check).
    pub roles: &'static [&'static str],
    /// `scopes_key`, split on `.` (empty: no scope check).
    pub scopes_key: &'static [&'static str],
    /// `scopes` (empty: no scope check).
    pub scopes: &'static [&'static str],
    /// `scopes_matcher: all` (otherwise any).
    pub scopes_match_all: bool,
    /// `propagate_claims`: the valid pairs, in order.
    pub propagate_claims: &'static [ClaimHeader],
    /// `propagate_claims_preserve_array`.
    pub propagate_claims_preserve_array: bool,
    /// `auth_header_name`, canonical (`Authorization` by default).
    pub auth_header_name: &'static str,
    /// `cookie_key` (`access_token` by default).
    pub cookie_key: &'static str,
    /// `operation_debug`: log each rejection's reason.
    pub operation_debug: bool,
}

/// One `propagate_claims` pair.
#[derive(Debug)]
pub struct ClaimHeader {
    /// The claim, as a path (split on `.` unless it starts with `http`).
    pub claim: &'static [&'static str],
    /// The header it is written to, canonical.
    pub header: &'static str,
}

/// The `alg` values CE accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum JwtAlg {
    EdDSA,
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    ES256,
    ES384,
    /// Accepted by CE; ring has no P-521, so `gwc build` refuses it (GW902)
    /// and a gateway built anyway answers 401.
    ES512,
    PS256,
    PS384,
    PS512,
}

impl JwtAlg {
    /// Every algorithm, in CE's table order.
    pub const ALL: [JwtAlg; 13] = [
        JwtAlg::EdDSA,
        JwtAlg::HS256,
        JwtAlg::HS384,
        JwtAlg::HS512,
        JwtAlg::RS256,
        JwtAlg::RS384,
        JwtAlg::RS512,
        JwtAlg::ES256,
        JwtAlg::ES384,
        JwtAlg::ES512,
        JwtAlg::PS256,
        JwtAlg::PS384,
        JwtAlg::PS512,
    ];

    /// The name a token's header carries.
    pub fn name(self) -> &'static str {
        match self {
            JwtAlg::EdDSA => "EdDSA",
            JwtAlg::HS256 => "HS256",
            JwtAlg::HS384 => "HS384",
            JwtAlg::HS512 => "HS512",
            JwtAlg::RS256 => "RS256",
            JwtAlg::RS384 => "RS384",
            JwtAlg::RS512 => "RS512",
            JwtAlg::ES256 => "ES256",
            JwtAlg::ES384 => "ES384",
            JwtAlg::ES512 => "ES512",
            JwtAlg::PS256 => "PS256",
            JwtAlg::PS384 => "PS384",
            JwtAlg::PS512 => "PS512",
        }
    }

    /// The algorithm named `name` (exact, case-sensitive, as CE's map).
    pub fn from_name(name: &str) -> Option<JwtAlg> {
        JwtAlg::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// `key_identify_strategy`: how a token names its key and how the key
/// set's keys are indexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyIdStrategy {
    /// `kid` (also CE's answer to an unknown value).
    Kid,
    /// `x5t`: the SHA-1 certificate thumbprint (the token's `x5t`, else its `kid`).
    X5t,
    /// `x5t#S256`: the SHA-256 thumbprint (the token's `x5t#S256`, else its `kid`).
    X5tS256,
    /// `kid_x5t`: `kid` and `x5t` one after the other.
    KidX5t,
}

/// Where a validator's keys come from.
#[derive(Debug)]
pub enum JwkSource {
    /// `jwk_local_path`: a JWKS file read when the gateway starts (an
    /// unreadable file stops it, as CE exits).
    Local(&'static str),
    /// `jwk_url`: fetched by the gateway.
    Remote(JwkRemote),
}

/// A remote key set and how to reach it.
#[derive(Debug)]
pub struct JwkRemote {
    /// `jwk_url`.
    pub url: &'static str,
    /// `disable_jwk_security`: certificate verification off (an `http://`
    /// URL needs it).
    pub disable_jwk_security: bool,
    /// `jwk_fingerprints`, decoded: SHA-256 digests of a certificate's
    /// SubjectPublicKeyInfo, one of which the server's chain must hold.
    pub fingerprints: &'static [&'static [u8]],
    /// `jwk_local_ca`: a PEM file of extra roots, read at start-up.
    pub local_ca: Option<&'static str>,
    /// `cipher_suites` (TLS 1.2 ids; empty: rustls's AEAD suites, CE's
    /// default set). TLS 1.3 suites are never restricted, as in Go.
    pub cipher_suites: &'static [u16],
}

/// The claims of a token, as decoded from its payload.
pub type Claims = Map<String, Value>;

/// The claim at `path` (a one-element path is a top-level claim): CE's
/// `getNestedClaim` walk, where every step but the last must be an object.
pub fn claim<'c>(claims: &'c Claims, path: &[&str]) -> Option<&'c Value> {
    let (last, init) = path.split_last()?;
    let mut cur = claims;
    for k in init {
        cur = cur.get(*k)?.as_object()?;
    }
    cur.get(*last)
}

/// A claim's value as CE writes it into a header or a URL (`Claims.Get`,
/// krakend-jose `jose.go`): a string as is; a number within 1e-6 of an
/// integer as that integer, any other with six decimals; a list as its
/// items' Go `%v` texts joined with `,`; anything else as Go's
/// `json.Marshal` writes it (`true`, `{"a":1}`, `null`).
pub fn claim_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            let r = f.round();
            if (f - r).abs() <= 1e-6 {
                out.push_str(&go_int64(r).to_string());
            } else {
                out.push_str(&format!("{f:.6}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_v(item, out);
            }
        }
        _ => go_json(v, out),
    }
}

/// A claim's values as CE writes them with `propagate_claims_preserve_array`
/// (`Claims.List`): a missing claim is one empty value, a list one value
/// per item (none for an empty list), anything else one value as
/// [`claim_text`] writes it.
pub fn claim_values(v: Option<&Value>) -> Vec<String> {
    let mut one = String::new();
    match v {
        None => {}
        Some(Value::Array(items)) => {
            return items
                .iter()
                .map(|item| {
                    let mut s = String::new();
                    go_v(item, &mut s);
                    s
                })
                .collect();
        }
        Some(v) => claim_text(v, &mut one),
    }
    vec![one]
}

/// Go's `int64(f)` on amd64: truncation towards zero, and the "integer
/// indefinite" value `i64::MIN` for anything out of range (or NaN), where
/// Rust's `as` would saturate.
pub fn go_int64(f: f64) -> i64 {
    // 2^63 as f64; every finite f64 in (-2^63, 2^63) converts exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `fmt` `%v` of a decoded JSON value: strings raw, numbers as
/// `float64` with `%g`'s shortest form, `true`, `<nil>`, lists as `[a b]`,
/// objects as `map[k:v]` with sorted keys.
pub fn go_v(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Number(n) => go_float_g(n.as_f64().unwrap_or(0.0), out),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("<nil>"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_v(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                if let Some(v) = m.get(k) {
                    go_v(v, out);
                }
            }
            out.push(']');
        }
    }
}

/// The shortest decimal digits of `f` and its decimal exponent (the
/// position of the point after the first digit), from Rust's `{:e}`, which
/// prints the shortest round-trip digits as Go's `strconv` does.
fn shortest_digits(f: f64) -> (bool, String, i32) {
    let text = format!("{:e}", f.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (
        f.is_sign_negative(),
        digits,
        exp.parse::<i32>().unwrap_or(0),
    )
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (what `%v` prints): `%e`
/// when the exponent is below -4 or at least 6 (the shortest form decides
/// with precision 6), `%f` otherwise.
pub fn go_float_g(f: f64, out: &mut String) {
    let (neg, digits, exp) = shortest_digits(f);
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        push_exp_form(&digits, exp, out, true);
    } else {
        push_fixed_form(&digits, exp, out);
    }
}

/// `d.ddde±XX` (at least two exponent digits when `two_digits`).
fn push_exp_form(digits: &str, exp: i32, out: &mut String, two_digits: bool) {
    let (first, rest) = digits.split_at(1.min(digits.len()));
    out.push_str(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if two_digits && e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

/// The digits written without an exponent (`%f` with the shortest
/// precision).
fn push_fixed_form(digits: &str, exp: i32, out: &mut String) {
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..(-point) {
            out.push('0');
        }
        out.push_str(digits);
        return;
    }
    let point = point as usize;
    if digits.len() <= point {
        out.push_str(digits);
        for _ in digits.len()..point {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..point]);
        out.push('.');
        out.push_str(&digits[point..]);
    }
}

/// Go's `json.Marshal` of a decoded JSON value: object keys sorted,
/// strings HTML-escaped, numbers as `float64` (`%f`-like, exponent form
/// below 1e-6 or from 1e21 on).
pub fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => go_json_float(n.as_f64().unwrap_or(0.0), out),
        Value::String(s) => go_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                if let Some(v) = m.get(k) {
                    go_json(v, out);
                }
            }
            out.push('}');
        }
    }
}

/// A `float64` as Go's `json.Marshal` writes it: the shortest text that
/// reads back, `%f`-like, in exponent form below 1e-6 or from 1e21 on.
pub(crate) fn go_json_float(f: f64, out: &mut String) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (neg, digits, exp) = shortest_digits(f);
        if neg {
            out.push('-');
        }
        // Go writes `e+21` and `e-7` (it trims one leading zero of
        // a negative exponent).
        push_exp_form(&digits, exp, out, exp >= 0);
    } else {
        // Rust's `Display` is the shortest round-trip text without
        // an exponent, as Go's 'f' with precision -1.
        out.push_str(&f.to_string());
    }
}

/// A JSON string as Go's encoder writes it (`<`, `>`, `&`, U+2028 and
/// U+2029 escaped too).
pub(crate) fn go_json_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 || c == '<' || c == '>' || c == '&' => {
                let b = c as u32 as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether the token holds one of `required` roles at `key` (CE's
/// `CanAccess`/`CanAccessNested`): a list of strings, or a string of
/// space-separated roles. No required role: yes. A list item that is not
/// a string never matches (CE panics on it, which gin answers with 500).
pub fn has_any_role(claims: &Claims, key: &[&str], required: &[&str]) -> bool {
    if required.is_empty() {
        return true;
    }
    match claim(claims, key) {
        Some(Value::Array(roles)) => required
            .iter()
            .any(|want| roles.iter().any(|r| r.as_str() == Some(*want))),
        Some(Value::String(s)) => required.iter().any(|want| s.split(' ').any(|r| r == *want)),
        _ => false,
    }
}

/// Whether the token's scopes at `key` satisfy `required` (CE's
/// `ScopesAnyMatcher`/`ScopesAllMatcher`): a non-empty list of strings or
/// a space-separated string; `all` needs every required scope, otherwise
/// one is enough. An empty list never matches; a list item that is not a
/// string never matches (CE panics on it).
pub fn has_scopes(claims: &Claims, key: &[&str], required: &[&str], all: bool) -> bool {
    if required.is_empty() || key.is_empty() {
        return true;
    }
    let given: Vec<&str> = match claim(claims, key) {
        Some(Value::Array(items)) if !items.is_empty() => {
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(Value::String(s)) => s.split(' ').collect(),
        _ => return false,
    };
    if all {
        required.iter().all(|r| given.contains(r))
    } else {
        required.iter().any(|r| given.contains(r))
    }
}

/// The registered claims, typed as go-jose's `jwt.Claims` decodes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registered {
    /// `iss` (empty when absent or null).
    pub iss: String,
    /// `aud` (a string is a one-item list).
    pub aud: Vec<String>,
    /// `exp`, seconds (go-jose's `NumericDate`: the number truncated).
    pub exp: Option<i64>,
    /// `nbf`, seconds.
    pub nbf: Option<i64>,
    /// `iat`, seconds.
    pub iat: Option<i64>,
}

/// Why a token was refused (the text `operation_debug` logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// No token in the header or the cookie.
    NoToken,
    /// Longer than the gateway reads.
    TooLong,
    /// Not a compact JWS gwc accepts (what is wrong).
    Malformed(&'static str),
    /// The header's `alg` is not the configured one.
    Algorithm,
    /// No key in the key set has the token's key id.
    UnknownKey,
    /// The signature does not verify with the key.
    Signature,
    /// A registered claim of the wrong type (which one).
    ClaimType(&'static str),
    /// `iss` differs from `issuer`.
    Issuer,
    /// `aud` lacks an `audience` entry.
    Audience,
    /// `nbf` is in the future.
    NotValidYet,
    /// `exp` has passed.
    Expired,
    /// `iat` is in the future.
    IssuedInTheFuture,
    /// No required role (403).
    Roles,
    /// The scopes do not satisfy `scopes` (403).
    Scopes,
    /// A `validation/cel` `JWT` expression (its index in the list) is not
    /// `true` (401, CE's rejecter).
    Rejected(usize),
}

impl Reason {
    /// CE's answer: 403 for roles and scopes, 401 for everything else.
    pub fn status(self) -> hyper::StatusCode {
        match self {
            Reason::Roles | Reason::Scopes => hyper::StatusCode::FORBIDDEN,
            _ => hyper::StatusCode::UNAUTHORIZED,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // CE's log lines (`gin/jose.go`), with go-jose's error texts.
        match self {
            Reason::NoToken => f.write_str("Unable to validate the token: Token not found"),
            Reason::TooLong => f.write_str("Unable to validate the token: token too long"),
            Reason::Malformed(what) => write!(f, "Unable to validate the token: {what}"),
            Reason::Algorithm => f.write_str("Unable to validate the token: algorithm is invalid"),
            Reason::UnknownKey => {
                f.write_str("Unable to validate the token: no Keys have been found")
            }
            Reason::Signature => f.write_str(
                "Unable to validate the token: go-jose/go-jose: error in cryptographic primitive",
            ),
            Reason::ClaimType(claim) => {
                write!(f, "Unable to validate the token: invalid `{claim}` claim")
            }
            Reason::Issuer => f.write_str(
                "Unable to validate the token: go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)",
            ),
            Reason::Audience => f.write_str(
                "Unable to validate the token: go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)",
            ),
            Reason::NotValidYet => f.write_str(
                "Unable to validate the token: go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)",
            ),
            Reason::Expired => f.write_str(
                "Unable to validate the token: go-jose/go-jose/jwt: validation failed, token is expired (exp)",
            ),
            Reason::IssuedInTheFuture => f.write_str(
                "Unable to validate the token: go-jose/go-jose/jwt: validation failed, token issued in the future (iat)",
            ),
            Reason::Roles => f.write_str("Token sent by client does not have sufficient roles"),
            Reason::Scopes => {
                f.write_str("Token sent by client does not have the required scopes")
            }
            Reason::Rejected(i) => write!(f, "token rejected by evaluator #{i}"),
        }
    }
}

/// Reads the registered claims with go-jose's types: `iss`, `sub`, `jti`
/// strings (or null); `aud` a string or a list of strings (null is an
/// error, as go-jose's `Audience` decoder sees it); `exp`, `nbf`, `iat`
/// numbers (or null).
pub fn registered(claims: &Claims) -> Result<Registered, Reason> {
    let mut r = Registered::default();
    for name in ["iss", "sub", "jti"] {
        match claims.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                if name == "iss" {
                    r.iss.clone_from(s);
                }
            }
            Some(_) => return Err(Reason::ClaimType(name)),
        }
    }
    r.aud = match claims.get("aud") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or(Reason::ClaimType("aud"))?,
        Some(_) => return Err(Reason::ClaimType("aud")),
    };
    let date = |name: &'static str| match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(go_int64(n.as_f64().unwrap_or(0.0)))),
        Some(_) => Err(Reason::ClaimType(name)),
    };
    r.exp = date("exp")?;
    r.nbf = date("nbf")?;
    r.iat = date("iat")?;
    Ok(r)
}

/// Seconds between Go's internal epoch (year 1) and the Unix epoch.
const UNIX_TO_INTERNAL: i64 = 62_135_596_800;

/// A point in time as Go's `time.Time` compares it: seconds since year 1
/// and nanoseconds. A token's date is `time.Unix(n, 0)`, whose seconds
/// wrap on overflow in Go: so do these (`exp` near `i64::MAX` is in the
/// past for CE, and for gwc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoTime {
    secs: i64,
    nanos: i64,
}

impl GoTime {
    /// `time.Unix(secs, 0)`.
    pub fn unix(secs: i64) -> GoTime {
        GoTime {
            secs: secs.wrapping_add(UNIX_TO_INTERNAL),
            nanos: 0,
        }
    }

    /// The current time.
    pub fn now() -> GoTime {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        GoTime {
            secs: i64::try_from(d.as_secs())
                .unwrap_or(i64::MAX)
                .saturating_add(UNIX_TO_INTERNAL),
            nanos: i64::from(d.subsec_nanos()),
        }
    }

    /// `t.Add(d)` for `d` in ns, positive or negative (Go saturates).
    pub fn add_ns(self, d: i64) -> GoTime {
        let mut secs = self.secs.saturating_add(d / 1_000_000_000);
        let mut nanos = self.nanos + d % 1_000_000_000;
        if nanos >= 1_000_000_000 {
            secs = secs.saturating_add(1);
            nanos -= 1_000_000_000;
        } else if nanos < 0 {
            secs = secs.saturating_sub(1);
            nanos += 1_000_000_000;
        }
        GoTime { secs, nanos }
    }
}

/// go-jose's `ValidateWithLeeway` for one endpoint: `issuer` (exact),
/// every `audience` entry, then `nbf`, `exp` and `iat` against `now` with
/// `leeway_ns` (each claim optional: a token without `exp` never expires).
pub fn check_registered(
    r: &Registered,
    issuer: Option<&str>,
    audience: &[&str],
    leeway_ns: u64,
    now: GoTime,
) -> Result<(), Reason> {
    if let Some(iss) = issuer
        && !iss.is_empty()
        && iss != r.iss
    {
        return Err(Reason::Issuer);
    }
    if audience.iter().any(|a| !r.aud.iter().any(|t| t == a)) {
        return Err(Reason::Audience);
    }
    let leeway = i64::try_from(leeway_ns).unwrap_or(i64::MAX);
    if let Some(nbf) = r.nbf
        && now.add_ns(leeway) < GoTime::unix(nbf)
    {
        return Err(Reason::NotValidYet);
    }
    if let Some(exp) = r.exp
        && now.add_ns(-leeway) > GoTime::unix(exp)
    {
        return Err(Reason::Expired);
    }
    if let Some(iat) = r.iat
        && now.add_ns(leeway) < GoTime::unix(iat)
    {
        return Err(Reason::IssuedInTheFuture);
    }
    Ok(())
}

/// The token a request carries: the `header` (first value; a leading
/// case-insensitive `Bearer ` is dropped, a bare token is fine), or, when
/// the header is absent or empty, the first `cookie` cookie (Go's
/// `Request.Cookie`). `None`: no token at all.
pub fn extract_token<'h>(
    headers: &'h hyper::HeaderMap,
    header: &hyper::header::HeaderName,
    cookie: &str,
) -> Option<&'h [u8]> {
    if let Some(v) = headers.get(header) {
        let raw = v.as_bytes();
        let raw = match raw.get(..7) {
            Some(p) if raw.len() > 7 && p.eq_ignore_ascii_case(b"bearer ") => &raw[7..],
            _ => raw,
        };
        if !raw.is_empty() {
            return Some(raw);
        }
    }
    cookie_value(headers, cookie)
}

/// The first cookie called `name` in the `Cookie` headers, parsed as Go's
/// `readCookies` does: `;`-separated pairs, spaces trimmed, names that are
/// not tokens and values with invalid bytes skipped, one pair of double
/// quotes around a value removed.
pub fn cookie_value<'h>(headers: &'h hyper::HeaderMap, name: &str) -> Option<&'h [u8]> {
    let trim = |s: &'h [u8]| s.trim_ascii();
    for line in headers.get_all(hyper::header::COOKIE) {
        for part in line.as_bytes().split(|b| *b == b';') {
            let part = trim(part);
            if part.is_empty() {
                continue;
            }
            let (k, v) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &part[part.len()..]),
            };
            let k = trim(k);
            if k.is_empty() || !k.iter().all(|b| is_token_byte(*b)) || k != name.as_bytes() {
                continue;
            }
            let v = match v {
                [b'"', inner @ .., b'"'] if v.len() > 1 => inner,
                v => v,
            };
            if v.iter()
                .all(|b| (0x20..0x7f).contains(b) && !matches!(b, b'"' | b';' | b'\\'))
            {
                return Some(v);
            }
        }
    }
    None
}

/// An RFC 7230 token byte.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(feature = "jwt")]
pub use with_feature::*;

#[cfg(feature = "jwt")]
mod with_feature {
    use std::borrow::Cow;
    use std::sync::Arc;

    use base64::Engine as _;
    use hyper::header::{HeaderMap, HeaderName, HeaderValue};
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    use super::{
        Claims, GoTime, JwtAlg, JwtValidator, KeyIdStrategy, Reason, Registered, check_registered,
        claim, claim_text, claim_values, extract_token, has_any_role, has_scopes, registered,
    };
    use crate::security::jwks::{KeyStore, KeyStores};

    /// The longest token the gateway reads (longer ones are a 401 without
    /// parsing): far above real tokens, bounded by what a client can make
    /// the gateway decode.
    pub const MAX_TOKEN_LEN: usize = 64 * 1024;

    /// base64url without padding, canonical (go-jose trims `=` first; the
    /// signing input it checks is the canonical text, so a token whose
    /// parts are not canonical cannot carry a valid signature here).
    const B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );

    /// base64url-decodes one part, after go-jose's `TrimRight(s, "=")`.
    pub fn b64url(part: &str) -> Option<Vec<u8>> {
        B64.decode(part.trim_end_matches('=')).ok()
    }

    /// A JSON value decoded as go-jose's JSON package decodes: a duplicate
    /// key in any object is an error.
    pub struct Strict(pub Value);

    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
            d.deserialize_any(StrictVisitor).map(Strict)
        }
    }

    struct StrictVisitor;

    impl<'de> Visitor<'de> for StrictVisitor {
        type Value = Value;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            serde_json::Number::from_f64(v)
                .map(Value::Number)
                .ok_or_else(|| E::custom("number out of range"))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(Strict(v)) = seq.next_element()? {
                items.push(v);
            }
            Ok(Value::Array(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(k) = map.next_key::<String>()? {
                match out.entry(k) {
                    serde_json::map::Entry::Occupied(e) => {
                        return Err(de::Error::custom(format!(
                            "duplicate key '{}' in object",
                            e.key()
                        )));
                    }
                    serde_json::map::Entry::Vacant(e) => {
                        let Strict(v) = map.next_value()?;
                        e.insert(v);
                    }
                }
            }
            Ok(Value::Object(out))
        }
    }

    /// A JSON object decoded strictly ([`Strict`]); anything else is `None`.
    pub fn strict_object(bytes: &[u8]) -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Strict>(bytes) {
            Ok(Strict(Value::Object(m))) => Some(m),
            _ => None,
        }
    }

    /// A compact JWS, parsed and its header checked; the signature is not.
    #[derive(Debug)]
    pub struct Jws<'t> {
        /// The header's `alg` (empty when absent).
        pub alg: String,
        /// The header's `kid` (empty when absent).
        pub kid: String,
        /// The header's `x5t`, when a string.
        pub x5t: Option<String>,
        /// The header's `x5t#S256`, when a string.
        pub x5t_s256: Option<String>,
        /// What the signature covers.
        pub signing_input: Cow<'t, [u8]>,
        /// The signature.
        pub signature: Vec<u8>,
        /// The payload (the claims' JSON).
        pub payload: Vec<u8>,
    }

    impl Jws<'_> {
        /// The key id this token names under `strategy` (krakend-jose's
        /// `TokenIDGetterFactory`).
        pub fn key_id(&self, strategy: KeyIdStrategy) -> Cow<'_, str> {
            let x5t = || self.x5t.as_deref().unwrap_or(&self.kid);
            match strategy {
                KeyIdStrategy::Kid => Cow::Borrowed(&self.kid),
                KeyIdStrategy::X5t => Cow::Borrowed(x5t()),
                KeyIdStrategy::X5tS256 => {
                    Cow::Borrowed(self.x5t_s256.as_deref().unwrap_or(&self.kid))
                }
                KeyIdStrategy::KidX5t => Cow::Owned(format!("{}{}", self.kid, x5t())),
            }
        }
    }

    /// Parses a compact JWS as go-jose's `ParseSigned` does: every Unicode
    /// white space removed first, exactly two dots, three base64url parts
    /// (trailing `=` tolerated), a header that is a JSON object without
    /// duplicate keys whose `alg`, `kid` and `nonce` are strings, whose
    /// `crit` lists only `b64`, and whose `x5c` holds certificates. The
    /// JSON serialisation (a token starting with `{`) is not read.
    pub fn parse<'t>(token: &'t [u8]) -> Result<Jws<'t>, Reason> {
        let text = std::str::from_utf8(token).map_err(|_| Reason::Malformed("not UTF-8"))?;
        // White space is an ASCII byte up to ` ` or starts with a non-ASCII
        // one: a token of printable ASCII (every real one) skips the Unicode
        // scan. A fold without early exit, so that it vectorises.
        let maybe_space = text
            .bytes()
            .fold(false, |seen, b| seen | (b <= b' ') | (b >= 0x80));
        let text: Cow<'t, str> = if maybe_space && text.chars().any(char::is_whitespace) {
            Cow::Owned(text.chars().filter(|c| !c.is_whitespace()).collect())
        } else {
            Cow::Borrowed(text)
        };
        if text.bytes().filter(|b| *b == b'.').count() != 2 {
            return Err(Reason::Malformed(
                "go-jose/go-jose: compact JWS format must have three parts",
            ));
        }
        let mut parts = text.splitn(3, '.');
        let (h, p, s) = match (parts.next(), parts.next(), parts.next()) {
            (Some(h), Some(p), Some(s)) => (h, p, s),
            _ => return Err(Reason::Malformed("three parts")),
        };
        let bad = || Reason::Malformed("illegal base64 data");
        let header_bytes = b64url(h).ok_or_else(bad)?;
        let payload = b64url(p).ok_or_else(bad)?;
        let signature = b64url(s).ok_or_else(bad)?;
        let header = strict_object(&header_bytes)
            .ok_or(Reason::Malformed("the header is not a JSON object"))?;
        // One pass over the header's fields (each lookup would hash).
        let (mut alg, mut kid, mut x5t, mut x5t_s256) = (None, None, None, None);
        let mut b64 = true;
        for (k, v) in &header {
            let string = || match v {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.as_str())),
                _ => Err(Reason::Malformed("a header field is not a string")),
            };
            match k.as_str() {
                "alg" => alg = string()?,
                "kid" => kid = string()?,
                "nonce" => {
                    string()?;
                }
                "crit" => match v {
                    Value::Null => {}
                    Value::Array(items) if items.iter().all(|i| i.as_str() == Some("b64")) => {}
                    _ => return Err(Reason::Malformed("unsupported critical header")),
                },
                "x5c" if !v.is_null() => check_x5c(v)?,
                // go-jose accepts an embedded key only when it is a valid public one.
                "jwk" if !v.is_null() => {
                    let ok = v
                        .as_object()
                        .and_then(|o| crate::security::jwks::parse_key(o).ok())
                        .is_some_and(|k| k.is_public());
                    if !ok {
                        return Err(Reason::Malformed("invalid embedded jwk"));
                    }
                }
                "b64" => b64 = !matches!(v, Value::Bool(false)),
                "x5t" => x5t = v.as_str(),
                "x5t#S256" => x5t_s256 = v.as_str(),
                _ => {}
            }
        }
        let h_text = h.trim_end_matches('=');
        let p_text = p.trim_end_matches('=');
        let as_written: Option<&'t [u8]> = match &text {
            Cow::Borrowed(t) => Some((*t).as_bytes()),
            Cow::Owned(_) => None,
        };
        let signing_input: Cow<'t, [u8]> = match (as_written, b64) {
            // `header.payload` as written, when nothing was trimmed.
            (Some(t), true) if h_text.len() == h.len() => {
                Cow::Borrowed(&t[..h.len() + 1 + p_text.len()])
            }
            (_, true) => Cow::Owned(format!("{h_text}.{p_text}").into_bytes()),
            (_, false) => {
                let mut v = Vec::with_capacity(h_text.len() + 1 + payload.len());
                v.extend_from_slice(h_text.as_bytes());
                v.push(b'.');
                v.extend_from_slice(&payload);
                Cow::Owned(v)
            }
        };
        Ok(Jws {
            alg: alg.unwrap_or_default().to_string(),
            kid: kid.unwrap_or_default().to_string(),
            x5t: x5t.map(str::to_string),
            x5t_s256: x5t_s256.map(str::to_string),
            signing_input,
            signature,
            payload,
        })
    }

    /// go-jose's `x5c` header check: standard base64 DER certificates.
    fn check_x5c(x5c: &Value) -> Result<(), Reason> {
        let bad = Reason::Malformed("failed to unmarshal x5c header");
        let items = x5c.as_array().ok_or(bad)?;
        for item in items {
            let der = item
                .as_str()
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                .ok_or(bad)?;
            let der = rustls::pki_types::CertificateDer::from(der);
            rustls::server::ParsedCertificate::try_from(&der).map_err(|_| bad)?;
        }
        Ok(())
    }

    /// A token whose signature verified, with its decoded claims: what the
    /// verified-token cache keeps.
    #[derive(Debug)]
    pub struct Verified {
        /// The header's `alg` (a configured one: the token was checked
        /// under it).
        pub alg: JwtAlg,
        /// The registered claims, typed.
        pub registered: Registered,
        /// Every claim.
        pub claims: Claims,
        /// The cache weight: about the memory the entry holds.
        pub weight: u32,
    }

    /// Why a request was refused.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Rejection {
        /// 401 or 403.
        pub status: hyper::StatusCode,
        /// What failed.
        pub reason: Reason,
    }

    impl From<Reason> for Rejection {
        fn from(reason: Reason) -> Rejection {
            Rejection {
                status: reason.status(),
                reason,
            }
        }
    }

    /// A validator ready for requests (stage k).
    pub struct Validator {
        /// Its description.
        pub spec: &'static JwtValidator,
        /// The key set (shared by the validators with the same source).
        pub keys: Arc<KeyStore>,
        pub(super) auth_header: HeaderName,
        /// `propagate_claims`: (claim path, header) pairs whose header is a
        /// valid name.
        pub(super) propagate: Box<[(&'static [&'static str], HeaderName)]>,
        /// `validation/cel`'s `JWT` list (CE's rejecter), when the endpoint
        /// has one.
        pub(super) rejecter: Option<Arc<crate::validation::cel::Stage>>,
    }

    impl std::fmt::Debug for Validator {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Validator")
                .field("spec", &self.spec)
                .finish_non_exhaustive()
        }
    }

    impl Validator {
        /// Builds the validator; its key set comes from `stores` (one per
        /// distinct source). Fails on a local key set that cannot be read
        /// or a remote one whose client cannot be made.
        pub fn new(
            spec: &'static JwtValidator,
            stores: &mut KeyStores,
            user_agent: &'static str,
        ) -> Result<Validator, String> {
            let auth_header =
                HeaderName::from_bytes(spec.auth_header_name.as_bytes()).map_err(|_| {
                    format!(
                        "auth/validator: `auth_header_name` `{}` is not a header name",
                        spec.auth_header_name
                    )
                })?;
            let propagate = spec
                .propagate_claims
                .iter()
                .filter_map(|p| Some((p.claim, HeaderName::from_bytes(p.header.as_bytes()).ok()?)))
                .collect();
            Ok(Validator {
                spec,
                keys: stores.store(spec, user_agent)?,
                auth_header,
                propagate,
                rejecter: None,
            })
        }

        /// Sets `validation/cel`'s `JWT` list as the rejecter (none when
        /// the stage has no such list).
        pub fn set_rejecter(&mut self, stage: Arc<crate::validation::cel::Stage>) {
            self.rejecter = stage.has_jwt().then_some(stage);
        }

        /// Stage k: the token's signature and claims, then this endpoint's
        /// checks. `Ok` carries the verified token for the later steps.
        pub async fn check(&self, headers: &HeaderMap) -> Result<Arc<Verified>, Rejection> {
            let raw = extract_token(headers, &self.auth_header, self.spec.cookie_key)
                .ok_or(Reason::NoToken)?;
            if raw.len() > MAX_TOKEN_LEN {
                return Err(Reason::TooLong.into());
            }
            let verified = match self.keys.cached(raw) {
                Some(v) => v,
                None => self.verify(raw).await?,
            };
            // This endpoint's own checks, on a cached token too.
            if verified.alg != self.spec.alg {
                return Err(Reason::Algorithm.into());
            }
            if let Err(reason) = check_registered(
                &verified.registered,
                self.spec.issuer,
                self.spec.audience,
                self.spec.leeway_ns,
                GoTime::now(),
            ) {
                if reason == Reason::Expired {
                    self.keys.forget(raw);
                }
                return Err(reason.into());
            }
            // CE's rejecters (`auth/revoker`, `validation/cel`) run after
            // the claims check and before roles and scopes (`gin/jose.go`).
            if let Some(r) = &self.rejecter
                && let Err(i) = r.check_claims(&verified.claims)
            {
                return Err(Reason::Rejected(i).into());
            }
            if !has_any_role(&verified.claims, self.spec.roles_key, self.spec.roles) {
                return Err(Reason::Roles.into());
            }
            if !has_scopes(
                &verified.claims,
                self.spec.scopes_key,
                self.spec.scopes,
                self.spec.scopes_match_all,
            ) {
                return Err(Reason::Scopes.into());
            }
            Ok(verified)
        }

        /// Parses and verifies a token not in the cache, and caches it.
        async fn verify(&self, raw: &[u8]) -> Result<Arc<Verified>, Reason> {
            let jws = parse(raw)?;
            // The algorithm first: a token naming another one costs no key
            // lookup (and so no key set download).
            if jws.alg != self.spec.alg.name() {
                return Err(Reason::Algorithm);
            }
            let id = jws.key_id(self.spec.key_identify_strategy);
            let (key, generation) = self.keys.key(&id).await.ok_or(Reason::UnknownKey)?;
            if !key.verify(self.spec.alg, &jws.signing_input, &jws.signature) {
                return Err(Reason::Signature);
            }
            let claims = strict_object(&jws.payload).ok_or(Reason::Malformed(
                "the claims are not a JSON object without duplicate keys",
            ))?;
            let registered = registered(&claims)?;
            let weight = u32::try_from(raw.len() + 2 * jws.payload.len() + 256).unwrap_or(u32::MAX);
            let v = Arc::new(Verified {
                alg: self.spec.alg,
                registered,
                claims,
                weight,
            });
            self.keys.remember(raw, generation, &v);
            Ok(v)
        }

        /// Step 9: `propagate_claims` into the request's headers, each
        /// replacing what the client sent under that name. A missing claim
        /// still sets the header, empty (CE's code does not skip it). A
        /// value that cannot be a header value (a control character) sets
        /// nothing, and the client's header of that name is removed.
        pub fn propagate(&self, v: &Verified, headers: &mut HeaderMap) {
            for (path, name) in self.propagate.iter() {
                let value = claim(&v.claims, path);
                headers.remove(name);
                if self.spec.propagate_claims_preserve_array {
                    let values: Option<Vec<HeaderValue>> = claim_values(value)
                        .into_iter()
                        .map(|s| HeaderValue::try_from(s).ok())
                        .collect();
                    for hv in values.unwrap_or_default() {
                        headers.append(name.clone(), hv);
                    }
                } else {
                    let mut s = String::new();
                    if let Some(value) = value {
                        claim_text(value, &mut s);
                    }
                    if let Ok(hv) = HeaderValue::try_from(s) {
                        headers.insert(name.clone(), hv);
                    }
                }
            }
        }
    }
}

#[cfg(not(feature = "jwt"))]
pub use without_feature::*;

#[cfg(not(feature = "jwt"))]
mod without_feature {
    use super::{Claims, JwtValidator, Reason};
    use crate::security::jwks::KeyStores;

    /// Without the feature a gateway cannot check tokens: building a
    /// validator fails, so the gateway refuses to start instead of letting
    /// every request through. (The compiler turns the feature on whenever
    /// a config has a validator.)
    #[derive(Debug)]
    pub struct Validator;

    /// Never made without the feature.
    #[derive(Debug)]
    pub struct Verified {
        /// Every claim.
        pub claims: Claims,
    }

    /// Never made without the feature.
    #[derive(Clone, Copy, Debug)]
    pub struct Rejection {
        /// 401 or 403.
        pub status: hyper::StatusCode,
        /// What failed.
        pub reason: Reason,
    }

    impl Validator {
        /// Always fails: see the type's doc.
        pub fn new(
            _spec: &'static JwtValidator,
            _stores: &mut KeyStores,
            _user_agent: &'static str,
        ) -> Result<Validator, String> {
            Err("auth/validator: this gateway was built without the `jwt` feature".into())
        }

        /// Never reached: no `Validator` exists without the feature.
        pub async fn check(
            &self,
            _headers: &hyper::HeaderMap,
        ) -> Result<std::sync::Arc<Verified>, Rejection> {
            Err(Rejection {
                status: hyper::StatusCode::UNAUTHORIZED,
                reason: Reason::NoToken,
            })
        }

        /// Never reached.
        pub fn propagate(&self, _v: &Verified, _headers: &mut hyper::HeaderMap) {}

        /// Never reached.
        pub fn set_rejecter(&mut self, _stage: std::sync::Arc<crate::validation::cel::Stage>) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: Value) -> String {
        let mut s = String::new();
        claim_text(&v, &mut s);
        s
    }

    /// §4.3's formatting table, as CE's `Claims.Get` writes each value.
    #[test]
    fn claim_text_is_ces_get() {
        let table: Vec<(Value, &str)> = vec![
            (json!("abc"), "abc"),
            (json!(""), ""),
            (json!(42), "42"),
            (json!(1735689600), "1735689600"),
            (json!(-7), "-7"),
            (json!(42.0), "42"),
            (json!(1.5), "1.500000"),
            (json!(0.1), "0.100000"),
            (json!(2.0000001), "2"),
            (json!(0.0078125), "0.007812"),
            (json!(1e300), "-9223372036854775808"),
            (json!(["role_a", "role_b"]), "role_a,role_b"),
            (json!([]), ""),
            (
                json!([1, 1.5, 1000000, true, null]),
                "1,1.5,1e+06,true,<nil>",
            ),
            (
                json!([["a", "b"], {"b": 1, "a": "x"}]),
                "[a b],map[a:x b:1]",
            ),
            (json!(true), "true"),
            (json!(false), "false"),
            (json!(null), "null"),
            (json!({"a": 1}), "{\"a\":1}"),
            (
                json!({"b": [1, 2.5], "a": "<&>"}),
                "{\"a\":\"\\u003c\\u0026\\u003e\",\"b\":[1,2.5]}",
            ),
            (
                json!({"big": 1e21, "small": 1e-7, "n": 123456789}),
                "{\"big\":1e+21,\"n\":123456789,\"small\":1e-7}",
            ),
        ];
        for (v, want) in table {
            assert_eq!(text(v.clone()), want, "{v}");
        }
    }

    #[test]
    fn go_v_floats_table() {
        let table: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
        ];
        for (f, want) in table {
            let mut s = String::new();
            go_float_g(*f, &mut s);
            assert_eq!(s, *want, "{f}");
        }
    }

    #[test]
    fn claim_values_preserve_arrays() {
        assert_eq!(claim_values(None), vec![String::new()]);
        assert_eq!(claim_values(Some(&json!(["a", 2]))), vec!["a", "2"]);
        assert_eq!(claim_values(Some(&json!([]))), Vec::<String>::new());
        assert_eq!(claim_values(Some(&json!(7))), vec!["7"]);
        assert_eq!(claim_values(Some(&json!({"x": 1}))), vec!["{\"x\":1}"]);
    }

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => m,
            _ => Claims::new(),
        }
    }

    #[test]
    fn roles_table() {
        let c = claims(json!({
            "roles": ["role_a", "role_b"],
            "spaced": "role_a role_b",
            "mixed": [1, "role_c"],
            "realm_access": {"roles": ["admin"]},
            "realm_access.roles": ["literal"],
            "num": 3
        }));
        let table: &[(&[&str], &[&str], bool)] = &[
            (&["roles"], &[], true),
            (&["roles"], &["role_b"], true),
            (&["roles"], &["role_c", "role_a"], true),
            (&["roles"], &["role_c"], false),
            (&["roles"], &["ROLE_A"], false),
            (&["spaced"], &["role_b"], true),
            (&["spaced"], &["role"], false),
            (&["mixed"], &["role_c"], true),
            (&["mixed"], &["1"], false),
            (&["realm_access", "roles"], &["admin"], true),
            (&["realm_access.roles"], &["literal"], true),
            (&["realm_access", "roles"], &["literal"], false),
            (&["missing"], &["a"], false),
            (&["num"], &["3"], false),
            (&["roles", "x"], &["role_a"], false),
        ];
        for (key, required, want) in table {
            assert_eq!(
                has_any_role(&c, key, required),
                *want,
                "{key:?} {required:?}"
            );
        }
    }

    #[test]
    fn scopes_table() {
        let c = claims(json!({
            "scope": "read write",
            "list": ["read", "write"],
            "empty": [],
            "nested": {"scp": ["read"]}
        }));
        let table: &[(&[&str], &[&str], bool, bool)] = &[
            (&["scope"], &["read"], false, true),
            (&["scope"], &["read", "admin"], false, true),
            (&["scope"], &["read", "admin"], true, false),
            (&["scope"], &["write", "read"], true, true),
            (&["list"], &["write"], false, true),
            (&["list"], &["admin"], false, false),
            (&["empty"], &["read"], false, false),
            (&["nested", "scp"], &["read"], true, true),
            (&["missing"], &["read"], false, false),
            // No scopes_key or no scopes: no check (CE's default matcher).
            (&[], &["read"], false, true),
            (&["scope"], &[], true, true),
        ];
        for (key, required, all, want) in table {
            assert_eq!(
                has_scopes(&c, key, required, *all),
                *want,
                "{key:?} {required:?} {all}"
            );
        }
    }

    #[test]
    fn registered_claims_are_typed_as_go_jose() {
        let ok = registered(&claims(json!({
            "iss": "https://idp", "aud": "api", "exp": 10.9, "nbf": null, "sub": null
        })));
        assert_eq!(
            ok,
            Ok(Registered {
                iss: "https://idp".into(),
                aud: vec!["api".into()],
                exp: Some(10),
                nbf: None,
                iat: None
            })
        );
        let table: Vec<(Value, Reason)> = vec![
            (json!({"iss": 1}), Reason::ClaimType("iss")),
            (json!({"sub": ["x"]}), Reason::ClaimType("sub")),
            (json!({"jti": true}), Reason::ClaimType("jti")),
            (json!({"aud": null}), Reason::ClaimType("aud")),
            (json!({"aud": ["a", 1]}), Reason::ClaimType("aud")),
            (json!({"aud": 5}), Reason::ClaimType("aud")),
            (json!({"exp": "123"}), Reason::ClaimType("exp")),
            (json!({"iat": {}}), Reason::ClaimType("iat")),
        ];
        for (v, want) in table {
            assert_eq!(registered(&claims(v.clone())), Err(want), "{v}");
        }
    }

    /// go-jose's checks with leeway: `exp`, `nbf` and `iat` against now,
    /// the audience all-of, the exact issuer.
    #[test]
    fn leeway_audience_issuer_table() {
        let now = GoTime::unix(1_000_000);
        let second = 1_000_000_000u64;
        let reg =
            |iss: &str, aud: &[&str], exp: Option<i64>, nbf: Option<i64>, iat: Option<i64>| {
                Registered {
                    iss: iss.into(),
                    aud: aud.iter().map(|s| s.to_string()).collect(),
                    exp,
                    nbf,
                    iat,
                }
            };
        type Row = (
            Registered,
            Option<&'static str>,
            &'static [&'static str],
            u64,
            Result<(), Reason>,
        );
        let table: Vec<Row> = vec![
            (reg("", &[], None, None, None), None, &[], second, Ok(())),
            // exp: valid up to exp + leeway (inclusive), then expired.
            (
                reg("", &[], Some(1_000_000), None, None),
                None,
                &[],
                second,
                Ok(()),
            ),
            (
                reg("", &[], Some(999_999), None, None),
                None,
                &[],
                second,
                Ok(()),
            ),
            (
                reg("", &[], Some(999_998), None, None),
                None,
                &[],
                second,
                Err(Reason::Expired),
            ),
            (
                reg("", &[], Some(999_990), None, None),
                None,
                &[],
                10 * second,
                Ok(()),
            ),
            // nbf / iat: the leeway lets a token from 1 s ahead through.
            (
                reg("", &[], None, Some(1_000_001), None),
                None,
                &[],
                second,
                Ok(()),
            ),
            (
                reg("", &[], None, Some(1_000_002), None),
                None,
                &[],
                second,
                Err(Reason::NotValidYet),
            ),
            (
                reg("", &[], None, None, Some(1_000_002)),
                None,
                &[],
                second,
                Err(Reason::IssuedInTheFuture),
            ),
            (
                reg("", &[], None, None, Some(1_000_001)),
                None,
                &[],
                second,
                Ok(()),
            ),
            // An `exp` so large that Go's seconds wrap is in the past.
            (
                reg("", &[], Some(i64::MAX), None, None),
                None,
                &[],
                second,
                Err(Reason::Expired),
            ),
            (
                reg("", &[], Some(i64::MIN), None, None),
                None,
                &[],
                second,
                Err(Reason::Expired),
            ),
            // Issuer: exact and case-sensitive; empty means unchecked.
            (
                reg("https://idp", &[], None, None, None),
                Some("https://idp"),
                &[],
                second,
                Ok(()),
            ),
            (
                reg("https://IDP", &[], None, None, None),
                Some("https://idp"),
                &[],
                second,
                Err(Reason::Issuer),
            ),
            (
                reg("", &[], None, None, None),
                Some("https://idp"),
                &[],
                second,
                Err(Reason::Issuer),
            ),
            (
                reg("x", &[], None, None, None),
                Some(""),
                &[],
                second,
                Ok(()),
            ),
            // Audience: every configured entry must be in the token.
            (
                reg("", &["a", "b"], None, None, None),
                None,
                &["b", "a"],
                second,
                Ok(()),
            ),
            (
                reg("", &["a"], None, None, None),
                None,
                &["a", "b"],
                second,
                Err(Reason::Audience),
            ),
            (
                reg("", &["a", "c"], None, None, None),
                None,
                &["a"],
                second,
                Ok(()),
            ),
            (
                reg("", &[], None, None, None),
                None,
                &["a"],
                second,
                Err(Reason::Audience),
            ),
        ];
        for (r, issuer, audience, leeway, want) in table {
            assert_eq!(
                check_registered(&r, issuer, audience, leeway, now),
                want,
                "{r:?} {issuer:?} {audience:?} {leeway}"
            );
        }
    }

    #[test]
    fn extraction_table() {
        use hyper::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue};
        let custom = HeaderName::from_static("x-token");
        let headers = |pairs: &[(&HeaderName, &str)]| {
            let mut h = hyper::HeaderMap::new();
            for (k, v) in pairs {
                h.append((*k).clone(), HeaderValue::from_str(v).expect("value"));
            }
            h
        };
        type Row<'a> = (hyper::HeaderMap, &'a HeaderName, Option<&'a str>);
        let table: Vec<Row> = vec![
            (
                headers(&[(&AUTHORIZATION, "Bearer a.b.c")]),
                &AUTHORIZATION,
                Some("a.b.c"),
            ),
            (
                headers(&[(&AUTHORIZATION, "bEaReR a.b.c")]),
                &AUTHORIZATION,
                Some("a.b.c"),
            ),
            // The prefix is optional: a bare token is read as is.
            (
                headers(&[(&AUTHORIZATION, "a.b.c")]),
                &AUTHORIZATION,
                Some("a.b.c"),
            ),
            // `Bearer ` alone is not stripped (CE needs more than 7 bytes).
            (
                headers(&[(&AUTHORIZATION, "Bearer ")]),
                &AUTHORIZATION,
                Some("Bearer "),
            ),
            (
                headers(&[(&AUTHORIZATION, "Basic xyz")]),
                &AUTHORIZATION,
                Some("Basic xyz"),
            ),
            // The first value only.
            (
                headers(&[
                    (&AUTHORIZATION, "Bearer one"),
                    (&AUTHORIZATION, "Bearer two"),
                ]),
                &AUTHORIZATION,
                Some("one"),
            ),
            // A header present but bad does not fall back to the cookie.
            (
                headers(&[
                    (&AUTHORIZATION, "Bearer bad"),
                    (&COOKIE, "access_token=c.o.o"),
                ]),
                &AUTHORIZATION,
                Some("bad"),
            ),
            // Absent or empty: the cookie.
            (
                headers(&[(&COOKIE, "access_token=c.o.o")]),
                &AUTHORIZATION,
                Some("c.o.o"),
            ),
            (
                headers(&[
                    (&AUTHORIZATION, ""),
                    (&COOKIE, "a=1; access_token=\"c.o.o\""),
                ]),
                &AUTHORIZATION,
                Some("c.o.o"),
            ),
            // Go trims the pair and the name, not the value (the JWS
            // parser drops its white space later).
            (
                headers(&[(&COOKIE, "x=1"), (&COOKIE, " access_token = t.o.k ;y=2")]),
                &AUTHORIZATION,
                Some(" t.o.k"),
            ),
            (
                headers(&[(&COOKIE, "access_token=a\\b")]),
                &AUTHORIZATION,
                None,
            ),
            (
                headers(&[(&COOKIE, "Access_Token=x")]),
                &AUTHORIZATION,
                None,
            ),
            (headers(&[]), &AUTHORIZATION, None),
            // Another header name.
            (
                headers(&[(&custom, "Bearer x.y.z")]),
                &custom,
                Some("x.y.z"),
            ),
            (headers(&[(&AUTHORIZATION, "Bearer x.y.z")]), &custom, None),
        ];
        for (h, name, want) in &table {
            let got = extract_token(h, name, "access_token")
                .map(|b| String::from_utf8_lossy(b).into_owned());
            assert_eq!(got.as_deref(), *want, "{h:?}");
        }
    }
}

/// Tokens signed here with ring, checked end to end by a validator over a
/// local key set.
#[cfg(test)]
#[cfg(feature = "jwt")]
mod token_tests {
    use std::sync::Arc;

    use base64::Engine as _;
    use hyper::header::{AUTHORIZATION, HeaderValue};
    use ring::rand::SystemRandom;
    use ring::signature::{self, KeyPair as _};
    use serde_json::{Value, json};

    use super::*;
    use crate::security::jwks::KeyStores;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// The test keys: every signing algorithm the acceptance tests name.
    struct Keys {
        rsa: signature::RsaKeyPair,
        ec: signature::EcdsaKeyPair,
        ed: signature::Ed25519KeyPair,
        secret: Vec<u8>,
    }

    fn keys() -> Keys {
        let rng = SystemRandom::new();
        let rsa_der = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/keys/rsa-2048.pk8"
        ))
        .expect("testdata/keys/rsa-2048.pk8");
        let ec_pk8 = signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .expect("ec key");
        let ed_pk8 = signature::Ed25519KeyPair::generate_pkcs8(&rng).expect("ed key");
        Keys {
            rsa: signature::RsaKeyPair::from_pkcs8(&rsa_der).expect("rsa key"),
            ec: signature::EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                ec_pk8.as_ref(),
                &rng,
            )
            .expect("ec key"),
            ed: signature::Ed25519KeyPair::from_pkcs8(ed_pk8.as_ref()).expect("ed key"),
            secret: b"a shared secret of some length!!".to_vec(),
        }
    }

    /// n and e of an RSA public key (DER `RSAPublicKey`: two INTEGERs in a SEQUENCE).
    fn rsa_n_e(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
        fn item(d: &[u8]) -> (&[u8], &[u8]) {
            let (len, at) = match d[1] {
                l if l < 0x80 => (usize::from(l), 2),
                l => {
                    let n = usize::from(l & 0x7f);
                    (
                        d[2..2 + n]
                            .iter()
                            .fold(0usize, |a, b| a * 256 + usize::from(*b)),
                        2 + n,
                    )
                }
            };
            (&d[at..at + len], &d[at + len..])
        }
        let (seq, _) = item(der);
        let (n, rest) = item(seq);
        let (e, _) = item(rest);
        (n.to_vec(), e.to_vec())
    }

    fn jwks(k: &Keys) -> Value {
        let (n, e) = rsa_n_e(k.rsa.public().as_ref());
        let point = k.ec.public_key().as_ref();
        json!({"keys": [
            {"kty": "RSA", "kid": "rsa", "n": B64.encode(n), "e": B64.encode(e)},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..])},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": B64.encode(k.ed.public_key().as_ref())},
            {"kty": "oct", "kid": "hs", "k": B64.encode(&k.secret)}
        ]})
    }

    fn sign(k: &Keys, alg: &str, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            B64.encode(serde_json::to_vec(header).unwrap_or_default()),
            B64.encode(serde_json::to_vec(claims).unwrap_or_default())
        );
        let rng = SystemRandom::new();
        let sig = match alg {
            "RS256" | "PS256" => {
                let mut sig = vec![0; k.rsa.public().modulus_len()];
                let padding: &dyn signature::RsaEncoding = if alg == "RS256" {
                    &signature::RSA_PKCS1_SHA256
                } else {
                    &signature::RSA_PSS_SHA256
                };
                k.rsa
                    .sign(padding, &rng, input.as_bytes(), &mut sig)
                    .expect("rsa sign");
                sig
            }
            "ES256" => {
                k.ec.sign(&rng, input.as_bytes())
                    .expect("ec sign")
                    .as_ref()
                    .to_vec()
            }
            "EdDSA" => k.ed.sign(input.as_bytes()).as_ref().to_vec(),
            "HS256" => ring::hmac::sign(
                &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &k.secret),
                input.as_bytes(),
            )
            .as_ref()
            .to_vec(),
            _ => Vec::new(),
        };
        format!("{input}.{}", B64.encode(sig))
    }

    fn validator(alg: JwtAlg, path: &'static str, roles: &'static [&'static str]) -> Validator {
        validator_with(alg, path, roles, Some("https://idp"), &["api"], &["read"])
    }

    fn validator_with(
        alg: JwtAlg,
        path: &'static str,
        roles: &'static [&'static str],
        issuer: Option<&'static str>,
        audience: &'static [&'static str],
        scopes: &'static [&'static str],
    ) -> Validator {
        let spec: &'static JwtValidator = Box::leak(Box::new(JwtValidator {
            alg,
            keys: JwkSource::Local(path),
            cache: false,
            cache_duration_s: 900,
            failed_key_cooldown_ms: 0,
            key_identify_strategy: KeyIdStrategy::Kid,
            issuer,
            audience,
            leeway_ns: 1_000_000_000,
            roles_key: &["realm", "roles"],
            roles,
            scopes_key: &["scope"],
            scopes,
            scopes_match_all: false,
            propagate_claims: &[],
            propagate_claims_preserve_array: false,
            auth_header_name: "Authorization",
            cookie_key: "access_token",
            operation_debug: false,
        }));
        Validator::new(spec, &mut KeyStores::default(), "test").expect("validator")
    }

    fn bearer(token: &str) -> hyper::HeaderMap {
        let mut h = hyper::HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        h
    }

    #[tokio::test]
    async fn signed_tokens_table() {
        let k = keys();
        let dir = std::env::temp_dir().join(format!("gwc-jwt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("jwks.json");
        std::fs::write(&file, serde_json::to_vec(&jwks(&k)).unwrap_or_default())
            .expect("jwks file");
        let path: &'static str = Box::leak(file.to_string_lossy().into_owned().into_boxed_str());
        let now = GoTime::now().secs - 62_135_596_800;
        let good = json!({
            "iss": "https://idp", "aud": ["api", "other"], "exp": now + 60, "nbf": now - 5, "iat": now,
            "realm": {"roles": ["admin"]}, "scope": "read write", "sub": "user-1"
        });
        let with = |patch: Value| {
            let mut c = good.clone();
            if let (Some(c), Value::Object(p)) = (c.as_object_mut(), patch) {
                for (key, v) in p {
                    c.insert(key, v);
                }
            }
            c
        };
        let rs = validator(JwtAlg::RS256, path, &["admin"]);
        let ps = validator(JwtAlg::PS256, path, &["admin"]);
        let es = validator(JwtAlg::ES256, path, &["admin"]);
        let ed = validator(JwtAlg::EdDSA, path, &["admin"]);
        let hs = validator(JwtAlg::HS256, path, &["admin"]);
        let hs_role = validator(JwtAlg::HS256, path, &["root"]);
        let h = |alg: &str, kid: &str| json!({"alg": alg, "kid": kid, "typ": "JWT"});
        let tampered = {
            let t = sign(&k, "RS256", &h("RS256", "rsa"), &good);
            let (rest, sig) = t.rsplit_once('.').unwrap_or_default();
            let mut sig = B64.decode(sig).unwrap_or_default();
            sig[10] ^= 1;
            format!("{rest}.{}", B64.encode(sig))
        };
        let unsigned = format!(
            "{}.{}.",
            B64.encode(br#"{"alg":"none","kid":"rsa"}"#),
            B64.encode(serde_json::to_vec(&good).unwrap_or_default())
        );
        let dup_claims = {
            let input = format!(
                "{}.{}",
                B64.encode(br#"{"alg":"HS256","kid":"hs"}"#),
                B64.encode(br#"{"sub":"a","sub":"b"}"#)
            );
            let sig = ring::hmac::sign(
                &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &k.secret),
                input.as_bytes(),
            );
            format!("{input}.{}", B64.encode(sig.as_ref()))
        };
        let table: Vec<(&str, &Validator, String, Result<(), Reason>)> = vec![
            (
                "RS256",
                &rs,
                sign(&k, "RS256", &h("RS256", "rsa"), &good),
                Ok(()),
            ),
            (
                "PS256",
                &ps,
                sign(&k, "PS256", &h("PS256", "rsa"), &good),
                Ok(()),
            ),
            (
                "ES256",
                &es,
                sign(&k, "ES256", &h("ES256", "ec"), &good),
                Ok(()),
            ),
            (
                "EdDSA",
                &ed,
                sign(&k, "EdDSA", &h("EdDSA", "ed"), &good),
                Ok(()),
            ),
            (
                "HS256",
                &hs,
                sign(&k, "HS256", &h("HS256", "hs"), &good),
                Ok(()),
            ),
            (
                "other alg",
                &rs,
                sign(&k, "ES256", &h("ES256", "ec"), &good),
                Err(Reason::Algorithm),
            ),
            ("alg none", &rs, unsigned, Err(Reason::Algorithm)),
            ("bad signature", &rs, tampered, Err(Reason::Signature)),
            (
                "wrong key type",
                &hs,
                sign(&k, "HS256", &h("HS256", "rsa"), &good),
                Err(Reason::Signature),
            ),
            (
                "unknown kid",
                &rs,
                sign(&k, "RS256", &h("RS256", "nope"), &good),
                Err(Reason::UnknownKey),
            ),
            (
                "expired",
                &es,
                sign(
                    &k,
                    "ES256",
                    &h("ES256", "ec"),
                    &with(json!({"exp": now - 5})),
                ),
                Err(Reason::Expired),
            ),
            (
                "not yet valid",
                &es,
                sign(
                    &k,
                    "ES256",
                    &h("ES256", "ec"),
                    &with(json!({"nbf": now + 30})),
                ),
                Err(Reason::NotValidYet),
            ),
            (
                "issued in the future",
                &es,
                sign(
                    &k,
                    "ES256",
                    &h("ES256", "ec"),
                    &with(json!({"iat": now + 30})),
                ),
                Err(Reason::IssuedInTheFuture),
            ),
            (
                "wrong iss",
                &ed,
                sign(
                    &k,
                    "EdDSA",
                    &h("EdDSA", "ed"),
                    &with(json!({"iss": "https://evil"})),
                ),
                Err(Reason::Issuer),
            ),
            (
                "wrong aud",
                &ed,
                sign(
                    &k,
                    "EdDSA",
                    &h("EdDSA", "ed"),
                    &with(json!({"aud": "other"})),
                ),
                Err(Reason::Audience),
            ),
            (
                "aud as string",
                &ed,
                sign(&k, "EdDSA", &h("EdDSA", "ed"), &with(json!({"aud": "api"}))),
                Ok(()),
            ),
            (
                "no role",
                &hs_role,
                sign(&k, "HS256", &h("HS256", "hs"), &good),
                Err(Reason::Roles),
            ),
            (
                "no scope",
                &hs,
                sign(
                    &k,
                    "HS256",
                    &h("HS256", "hs"),
                    &with(json!({"scope": "write"})),
                ),
                Err(Reason::Scopes),
            ),
            (
                "typed claims",
                &hs,
                sign(&k, "HS256", &h("HS256", "hs"), &with(json!({"sub": 5}))),
                Err(Reason::ClaimType("sub")),
            ),
            (
                "duplicate claim",
                &hs,
                dup_claims,
                Err(Reason::Malformed(
                    "the claims are not a JSON object without duplicate keys",
                )),
            ),
            (
                "crit",
                &hs,
                sign(
                    &k,
                    "HS256",
                    &json!({"alg": "HS256", "kid": "hs", "crit": ["exp"]}),
                    &good,
                ),
                Err(Reason::Malformed("unsupported critical header")),
            ),
            (
                "two parts",
                &hs,
                "a.b".into(),
                Err(Reason::Malformed(
                    "go-jose/go-jose: compact JWS format must have three parts",
                )),
            ),
            (
                "CE's bad token",
                &hs,
                "a.bad.token".into(),
                Err(Reason::Malformed("illegal base64 data")),
            ),
        ];
        for (name, v, token, want) in &table {
            // Twice: the second answer may come from the verified-token cache.
            for round in 0..2 {
                let got = v
                    .check(&bearer(token))
                    .await
                    .map(|_| ())
                    .map_err(|r| r.reason);
                assert_eq!(got, *want, "{name} (round {round})");
            }
        }
        // The JWS JSON serialisation, which go-jose's ParseSigned also
        // reads, is refused (README: run-time differences).
        let json_form = format!(
            r#"{{"payload":"{}","protected":"{}","signature":"AA"}}"#,
            B64.encode(b"{}"),
            B64.encode(br#"{"alg":"HS256","kid":"hs"}"#)
        );
        assert_eq!(
            hs.check(&bearer(&json_form))
                .await
                .map(|_| ())
                .map_err(|r| r.reason),
            Err(Reason::Malformed(
                "go-jose/go-jose: compact JWS format must have three parts"
            ))
        );
        // White space inside the token is dropped, as go-jose does.
        let t = sign(&k, "HS256", &h("HS256", "hs"), &good);
        let spaced = format!("{} {}", &t[..10], &t[10..]);
        assert!(hs.check(&bearer(&spaced)).await.is_ok());
        // A verified token is cached once; its claims come back.
        let v = hs.check(&bearer(&t)).await.expect("valid");
        assert_eq!(v.claims.get("sub"), Some(&json!("user-1")));
        assert!(hs.keys.cached_tokens() >= 1);
        // An expired cached entry leaves the cache on its first failure.
        let short = sign(
            &k,
            "HS256",
            &h("HS256", "hs"),
            &with(json!({"exp": now - 1})),
        );
        let _ = hs.check(&bearer(&short)).await;
        let before = hs.keys.cached_tokens();
        let _ = hs.check(&bearer(&short)).await;
        assert!(hs.keys.cached_tokens() <= before);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// ring verifies RSA keys of 2048 bits and more: a valid RS256 token
    /// under a 1024-bit key (which Go accepts) is refused (README:
    /// run-time differences).
    #[tokio::test]
    async fn rsa_keys_under_2048_bits_never_verify() {
        let fixture: Value = serde_json::from_slice(
            &std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../testdata/keys/rsa-1024-token.json"
            ))
            .expect("testdata/keys/rsa-1024-token.json"),
        )
        .expect("json");
        let dir = std::env::temp_dir().join(format!("gwc-jwt-1024-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("jwks.json");
        std::fs::write(&file, fixture["jwks"].to_string()).expect("jwks file");
        let path: &'static str = Box::leak(file.to_string_lossy().into_owned().into_boxed_str());
        let v = validator_with(JwtAlg::RS256, path, &[], None, &[], &[]);
        let token = fixture["token"].as_str().unwrap_or_default();
        let got = v
            .check(&bearer(token))
            .await
            .map(|_| ())
            .map_err(|r| r.reason);
        assert_eq!(got, Err(Reason::Signature));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// PS256 signatures need a salt as long as the hash (RFC 7518), which
    /// ring checks; Go also finds other lengths (README: run-time
    /// differences).
    #[tokio::test]
    async fn pss_salts_must_be_as_long_as_the_hash() {
        let fixture: Value = serde_json::from_slice(
            &std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../testdata/keys/pss-salt-tokens.json"
            ))
            .expect("testdata/keys/pss-salt-tokens.json"),
        )
        .expect("json");
        let dir = std::env::temp_dir().join(format!("gwc-jwt-pss-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("jwks.json");
        std::fs::write(&file, fixture["jwks"].to_string()).expect("jwks file");
        let path: &'static str = Box::leak(file.to_string_lossy().into_owned().into_boxed_str());
        let v = validator_with(JwtAlg::PS256, path, &[], None, &[], &[]);
        let check = |t: &Value| {
            let token = t.as_str().unwrap_or_default().to_string();
            let v = &v;
            async move {
                v.check(&bearer(&token))
                    .await
                    .map(|_| ())
                    .map_err(|r| r.reason)
            }
        };
        assert_eq!(check(&fixture["token_salt_32"]).await, Ok(()));
        assert_eq!(
            check(&fixture["token_salt_20"]).await,
            Err(Reason::Signature)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Mangled tokens and key sets (bytes flipped, cut, repeated) never
    /// panic the parsers or the checks (the fuzz target `jwt` does this
    /// at length).
    #[test]
    fn mangled_input_never_panics() {
        let k = keys();
        let header = json!({"alg": "HS256", "kid": "hs", "crit": ["b64"], "b64": true});
        let claims =
            json!({"sub": "u", "aud": ["a"], "exp": 1e300, "n": [1, {"a": null}], "roles": "x y"});
        let seeds = [
            sign(&k, "HS256", &header, &claims).into_bytes(),
            sign(&k, "ES256", &json!({"alg": "ES256", "kid": "ec"}), &claims).into_bytes(),
            serde_json::to_vec(&jwks(&k)).unwrap_or_default(),
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let oct = crate::security::jwks::Key::Oct(k.secret.clone());
        for round in 0..3000 {
            let mut input = seeds[round % seeds.len()].clone();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % input.len().max(1);
                match next() % 4 {
                    0 if !input.is_empty() => input[at] ^= 1 << (next() % 8),
                    1 => input.truncate(at),
                    2 => input.insert(at.min(input.len()), b"{}.\\"[(next() % 4) as usize]),
                    _ => {
                        let copy = input[at..].to_vec();
                        input.extend_from_slice(&copy);
                    }
                }
            }
            if let Ok(jws) = parse(&input) {
                let _ = jws.key_id(KeyIdStrategy::KidX5t);
                let _ = oct.verify(JwtAlg::HS256, &jws.signing_input, &jws.signature);
                if let Some(c) = strict_object(&jws.payload) {
                    let _ = registered(&c);
                    let mut out = String::new();
                    for v in c.values() {
                        claim_text(v, &mut out);
                        let _ = claim_values(Some(v));
                    }
                    let _ = has_any_role(&c, &["roles"], &["x"]);
                    let _ = has_scopes(&c, &["n", "a"], &["x"], false);
                }
            }
            for strategy in [KeyIdStrategy::Kid, KeyIdStrategy::X5t] {
                let _ = crate::security::jwks::parse_jwks(&input, strategy, true);
            }
        }
    }

    /// go-jose removes every Unicode white space before splitting: ASCII
    /// ones (vertical tab included) and non-ASCII ones (NBSP, U+2028) in a
    /// token leave the same signing input and signature as the clean token.
    #[test]
    fn white_space_anywhere_in_a_token_is_removed() {
        let k = keys();
        let header = json!({"alg": "HS256", "kid": "hs"});
        let clean = sign(&k, "HS256", &header, &json!({"sub": "u"}));
        let want = parse(clean.as_bytes()).expect("the clean token parses");
        let (a, b) = clean.split_at(10);
        for space in [
            " ", "\t", "\n", "\u{0b}", "\u{0c}", "\r", "\u{a0}", "\u{2028}", "\u{3000}",
        ] {
            let spaced = format!("{space}{a}{space}{b}{space}");
            let got = parse(spaced.as_bytes()).unwrap_or_else(|e| panic!("{space:?}: {e:?}"));
            assert_eq!(got.signing_input, want.signing_input, "{space:?}");
            assert_eq!(got.signature, want.signature, "{space:?}");
        }
        // A control byte that is not white space stays, and breaks base64.
        let spaced = format!("{a}\u{1}{b}");
        assert!(parse(spaced.as_bytes()).is_err());
    }

    #[test]
    fn an_unreadable_local_key_set_fails_the_start() {
        static SPEC: JwtValidator = JwtValidator {
            alg: JwtAlg::RS256,
            keys: JwkSource::Local("/nonexistent/jwks.json"),
            cache: false,
            cache_duration_s: 900,
            failed_key_cooldown_ms: 0,
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
        };
        let e = Validator::new(&SPEC, &mut KeyStores::default(), "t").map(|_| ());
        assert!(
            matches!(&e, Err(m) if m.contains("cannot read `jwk_local_path`")),
            "{e:?}"
        );
    }

    #[test]
    fn claims_propagate_into_headers() {
        static PROPAGATE: [ClaimHeader; 5] = [
            ClaimHeader {
                claim: &["sub"],
                header: "X-User",
            },
            ClaimHeader {
                claim: &["realm", "roles"],
                header: "X-Roles",
            },
            ClaimHeader {
                claim: &["missing"],
                header: "X-Missing",
            },
            ClaimHeader {
                claim: &["n"],
                header: "X-N",
            },
            ClaimHeader {
                claim: &["bad"],
                header: "X-Bad",
            },
        ];
        let mk = |preserve: bool| JwtValidator {
            alg: JwtAlg::HS256,
            keys: JwkSource::Local("unused"),
            cache: false,
            cache_duration_s: 900,
            failed_key_cooldown_ms: 0,
            key_identify_strategy: KeyIdStrategy::Kid,
            issuer: None,
            audience: &[],
            leeway_ns: 1_000_000_000,
            roles_key: &["roles"],
            roles: &[],
            scopes_key: &[],
            scopes: &[],
            scopes_match_all: false,
            propagate_claims: &PROPAGATE,
            propagate_claims_preserve_array: preserve,
            auth_header_name: "Authorization",
            cookie_key: "access_token",
            operation_debug: false,
        };
        let store = Arc::new(
            crate::security::jwks::KeyStore::new(
                &JwtValidator {
                    keys: JwkSource::Remote(JwkRemote {
                        url: "http://127.0.0.1:9/",
                        disable_jwk_security: true,
                        fingerprints: &[],
                        local_ca: None,
                        cipher_suites: &[],
                    }),
                    ..mk(false)
                },
                "t",
            )
            .expect("store"),
        );
        let claims = match json!({"sub": "u1", "realm": {"roles": ["a", "b"]}, "n": 42, "bad": "a\nb"})
        {
            Value::Object(m) => m,
            _ => Claims::new(),
        };
        let verified = Verified {
            alg: JwtAlg::HS256,
            registered: Registered::default(),
            claims,
            weight: 1,
        };
        for (preserve, roles, missing) in [
            (false, vec!["a,b"], vec![""]),
            (true, vec!["a", "b"], vec![""]),
        ] {
            let spec: &'static JwtValidator = Box::leak(Box::new(mk(preserve)));
            let v = Validator {
                spec,
                rejecter: None,
                keys: Arc::clone(&store),
                auth_header: AUTHORIZATION,
                propagate: PROPAGATE
                    .iter()
                    .map(|p| {
                        (
                            p.claim,
                            hyper::header::HeaderName::from_static(Box::leak(
                                p.header.to_ascii_lowercase().into_boxed_str(),
                            )),
                        )
                    })
                    .collect(),
            };
            let mut h = hyper::HeaderMap::new();
            h.insert("x-user", HeaderValue::from_static("spoofed"));
            h.insert("x-missing", HeaderValue::from_static("spoofed"));
            h.insert("x-bad", HeaderValue::from_static("spoofed"));
            v.propagate(&verified, &mut h);
            let all = |name: &str| {
                h.get_all(name)
                    .iter()
                    .map(|v| v.to_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
            };
            assert_eq!(all("x-user"), vec!["u1"], "preserve {preserve}");
            assert_eq!(all("x-roles"), roles, "preserve {preserve}");
            assert_eq!(all("x-missing"), missing, "preserve {preserve}");
            // A value no header can hold (a newline) sets nothing and
            // removes the client's header of that name.
            assert_eq!(all("x-bad"), Vec::<String>::new(), "preserve {preserve}");
            assert_eq!(all("x-n"), vec!["42"], "preserve {preserve}");
        }
    }
}
