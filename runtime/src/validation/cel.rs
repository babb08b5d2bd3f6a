//! `validation/cel` (krakend-components §14): CE's three lists of CEL
//! expressions, evaluated at CE's places ([`crate::handler::handle`]):
//! - endpoint proxy layer (t): the `req` list before the backends, the
//!   `resp` list after them (only when every backend succeeded); a false
//!   or failed expression answers 500 (`request aborted by evaluator #N`);
//! - backend layer (14): the same lists around one backend; a rejection
//!   fails that backend (a partial answer with several);
//! - `auth/validator`'s rejecter (k): the `JWT` list on the token's claims,
//!   after the registered claims and before roles and scopes; a rejection
//!   is a 401.
//!
//! N is the index inside its list, as CE counts. The expressions are the
//! ones `gwc lint` parsed and checked (bounded size and depth, declared
//! variables and functions only, no mixed lists): the compiler emits their
//! text, grouped, and the gateway compiles them once at start, with the
//! same cel-rust environment, on a thread with a large stack (cel-rust's
//! parser recurses deeply; evaluation recurses once per level of a tree
//! the linter bounded).
//!
//! Activations are built as CE's (`krakend-cel` `proxy.go`): `req_params`
//! keys with their first letter upper-cased (lura's `NewRequest`),
//! `req_headers` the headers the backends would get (after
//! `input_headers`, with `X-Forwarded-For`, `X-Forwarded-Host` and
//! `User-Agent`), `req_querystring` after `input_query_strings`; at backend
//! level `req_method` and `req_path` are the backend request's. JSON
//! numbers in `resp_data` and `JWT` are doubles, as Go's `encoding/json`
//! decodes them. `now` is RFC 3339 in UTC (CE: the host's zone).

/// `validation/cel` as the compiler resolved it: the expressions of each
/// of CE's lists, in list order.
#[derive(Debug)]
pub struct Cel {
    /// Expressions containing `req`: before the backends.
    pub pre: &'static [&'static str],
    /// Expressions containing `resp`: after them.
    pub post: &'static [&'static str],
    /// Expressions containing `JWT` (endpoint level, with
    /// `auth/validator`): the token rejecter.
    pub jwt: &'static [&'static str],
}

/// The text CE's error carries (and `return_error_msg` shows).
pub fn aborted(index: usize) -> String {
    format!("request aborted by evaluator #{index}")
}

/// A request as one layer sees it (endpoint or backend).
pub struct RequestView<'a> {
    /// `req_method`.
    pub method: &'a str,
    /// `req_path`.
    pub path: &'a str,
    /// The endpoint's parameter names, as declared (`id`).
    pub param_names: &'a [&'a str],
    /// Their values, in the same order.
    pub param_values: &'a [String],
    /// `req_headers` (built only when an expression reads them).
    pub headers: &'a dyn Fn() -> hyper::HeaderMap,
    /// `req_querystring`: the forwarded query pairs, decoded.
    pub query: &'a dyn Fn() -> Vec<(String, String)>,
}

/// A response as one layer sees it.
pub struct ResponseView<'a> {
    /// `resp_completed`.
    pub completed: bool,
    /// `resp_metadata_status` (0 unless no-op, as lura keeps it).
    pub status: i64,
    /// `resp_metadata_headers`.
    pub headers: Option<&'a hyper::HeaderMap>,
    /// `resp_data`.
    pub data: Option<&'a crate::value::Map>,
}

/// The client query pairs the backends would get (after the endpoint's
/// `input_query_strings` and, for a backend, its own list), decoded as
/// Go's `url.ParseQuery` does.
pub fn forwarded_query(
    ep: crate::spec::Forward,
    backend: Option<&[&str]>,
    query: Option<&str>,
) -> Vec<(String, String)> {
    let mut kept = String::new();
    crate::request::append_query(&mut kept, false, ep, backend, query);
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    kept.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[cfg(feature = "cel")]
pub use with_feature::*;

#[cfg(feature = "cel")]
mod with_feature {
    use std::collections::HashMap;
    use std::sync::Arc;

    use cel::{Context, Env, IdedExpr, Program, Value};
    use hyper::HeaderMap;

    use super::{Cel, RequestView, ResponseView};

    /// The stack expressions are compiled on (see the module doc).
    const COMPILE_STACK: usize = 64 << 20;

    /// The activation's variables one list reads, so only those are built.
    #[derive(Clone, Copy, Debug, Default)]
    struct Reads {
        method: bool,
        path: bool,
        params: bool,
        headers: bool,
        query: bool,
        completed: bool,
        status: bool,
        resp_headers: bool,
        data: bool,
        jwt: bool,
        now: bool,
    }

    /// The header names a list reads (Go's canonical form), when every
    /// read is a literal key (`req_headers['X-Id']`, `'X-Id' in
    /// req_headers`, `req_headers.X` and `has(…)`): then only those headers
    /// are bound, the others could never be seen. `None`: the whole map.
    #[derive(Clone, Debug, Default)]
    struct Keys(Option<Vec<String>>);

    impl Keys {
        /// Whether header `canonical` is bound.
        fn wants(&self, canonical: &str) -> bool {
            self.0
                .as_ref()
                .is_none_or(|k| k.iter().any(|n| n == canonical))
        }
    }

    /// The literal keys `p` reads variable `name` with, or `None` when it
    /// reads the map any other way (iterates it, takes its size, passes
    /// it on, or a comprehension variable shadows the name).
    fn literal_keys(p: &Program, name: &str) -> Option<Vec<String>> {
        use cel::common::ast::{Expr, LiteralValue, operators};
        let is_var = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == name);
        let literal = |e: &IdedExpr| match &e.expr {
            Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_string()),
            _ => None,
        };
        let mut keys = Vec::new();
        let (mut reads, mut keyed) = (0usize, 0usize);
        let mut stack = vec![p.expression()];
        while let Some(e) = stack.pop() {
            match &e.expr {
                Expr::Ident(n) if n == name => reads += 1,
                Expr::Call(c) => {
                    let key = match (c.func_name.as_str(), c.args.as_slice()) {
                        (operators::INDEX, [m, k]) if is_var(m) => literal(k),
                        (operators::IN, [k, m]) if is_var(m) => literal(k),
                        _ => None,
                    };
                    if let Some(k) = key {
                        keyed += 1;
                        keys.push(k);
                    }
                    stack.extend(c.target.iter().map(|t| &**t));
                    stack.extend(c.args.iter());
                }
                Expr::Select(s) => {
                    if is_var(&s.operand) {
                        keyed += 1;
                        keys.push(s.field.clone());
                    }
                    stack.push(&s.operand);
                }
                Expr::Comprehension(c) => {
                    if [&c.iter_var, &c.accu_var].iter().any(|v| *v == name)
                        || c.iter_var2.as_deref() == Some(name)
                    {
                        return None;
                    }
                    stack.extend([
                        &c.iter_range,
                        &c.accu_init,
                        &c.loop_cond,
                        &c.loop_step,
                        &c.result,
                    ]);
                }
                Expr::List(l) => stack.extend(l.elements.iter()),
                Expr::Map(m) => {
                    for en in &m.entries {
                        match &en.expr {
                            cel::common::ast::EntryExpr::MapEntry(me) => {
                                stack.push(&me.key);
                                stack.push(&me.value);
                            }
                            cel::common::ast::EntryExpr::StructField(sf) => stack.push(&sf.value),
                        }
                    }
                }
                Expr::Struct(st) => {
                    for en in &st.entries {
                        if let cel::common::ast::EntryExpr::StructField(sf) = &en.expr {
                            stack.push(&sf.value);
                        }
                    }
                }
                Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
            }
        }
        (reads == keyed).then_some(keys)
    }

    /// Merges a program's header keys into a list's.
    fn merge_keys(into: &mut Keys, first: bool, p: &Program, name: &str) {
        match (first, literal_keys(p, name)) {
            (_, None) => into.0 = None,
            (true, Some(k)) => into.0 = Some(k),
            (false, Some(k)) => {
                if let Some(have) = into.0.as_mut() {
                    have.extend(k);
                }
            }
        }
    }

    impl Reads {
        fn add(&mut self, p: &Program) {
            let r = p.references();
            let has = |v: &str| r.has_variable(v);
            self.method |= has("req_method");
            self.path |= has("req_path");
            self.params |= has("req_params");
            self.headers |= has("req_headers");
            self.query |= has("req_querystring");
            self.completed |= has("resp_completed");
            self.status |= has("resp_metadata_status");
            self.resp_headers |= has("resp_metadata_headers");
            self.data |= has("resp_data");
            self.jwt |= has("JWT");
            self.now |= has("now");
        }
    }

    /// One compiled list.
    struct Compiled {
        programs: Vec<Program>,
        reads: Reads,
        /// The `req_headers` keys the list reads.
        req_headers: Keys,
        /// The `resp_metadata_headers` keys the list reads.
        resp_headers: Keys,
    }

    impl Compiled {
        fn new(env: &Env, texts: &[&str]) -> Result<Compiled, String> {
            let mut programs = Vec::with_capacity(texts.len());
            let mut reads = Reads::default();
            let mut req_headers = Keys::default();
            let mut resp_headers = Keys::default();
            for (i, t) in texts.iter().enumerate() {
                let p = env
                    .compile(t)
                    .map_err(|e| format!("validation/cel: `{t}` does not parse: {e}"))?;
                reads.add(&p);
                merge_keys(&mut req_headers, i == 0, &p, "req_headers");
                merge_keys(&mut resp_headers, i == 0, &p, "resp_metadata_headers");
                programs.push(p);
            }
            Ok(Compiled {
                programs,
                reads,
                req_headers,
                resp_headers,
            })
        }
    }

    /// `validation/cel`, compiled.
    pub struct Stage {
        /// Its description (`None` when compiled from text).
        pub spec: Option<&'static Cel>,
        env: Arc<Env>,
        pre: Compiled,
        post: Compiled,
        jwt: Compiled,
    }

    impl std::fmt::Debug for Stage {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Stage")
                .field("spec", &self.spec)
                .finish_non_exhaustive()
        }
    }

    impl Stage {
        /// Compiles the lists (on a thread with a large stack).
        pub fn new(spec: &'static Cel) -> Result<Stage, String> {
            let mut stage = Stage::compile(spec.pre, spec.post, spec.jwt)?;
            stage.spec = Some(spec);
            Ok(stage)
        }

        /// Compiles lists given as text (tests, benchmarks, fuzzing).
        pub fn compile(pre: &[&str], post: &[&str], jwt: &[&str]) -> Result<Stage, String> {
            let own = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let (pre, post, jwt) = (own(pre), own(post), own(jwt));
            std::thread::Builder::new()
                .name("cel-compile".into())
                .stack_size(COMPILE_STACK)
                .spawn(move || {
                    let env = Env::stdlib().with_optional_support(false);
                    fn refs(l: &[String]) -> Vec<&str> {
                        l.iter().map(String::as_str).collect()
                    }
                    let pre = Compiled::new(&env, &refs(&pre))?;
                    let post = Compiled::new(&env, &refs(&post))?;
                    let jwt = Compiled::new(&env, &refs(&jwt))?;
                    Ok(Stage {
                        spec: None,
                        env: Arc::new(env),
                        pre,
                        post,
                        jwt,
                    })
                })
                .map_err(|e| format!("validation/cel: no thread to compile on: {e}"))?
                .join()
                .map_err(|_| "validation/cel: the compiler failed".to_string())?
        }

        /// Whether there is a `req` list.
        pub fn has_pre(&self) -> bool {
            !self.pre.programs.is_empty()
        }

        /// Whether there is a `resp` list.
        pub fn has_post(&self) -> bool {
            !self.post.programs.is_empty()
        }

        /// Whether there is a `JWT` list.
        pub fn has_jwt(&self) -> bool {
            !self.jwt.programs.is_empty()
        }

        /// The `req` list on `r`: `Err(N)` for the first expression that is
        /// not `true`.
        pub fn check_request(&self, r: &RequestView<'_>) -> Result<(), usize> {
            let list = &self.pre;
            if list.programs.is_empty() {
                return Ok(());
            }
            let mut cx = Context::with_env(Arc::clone(&self.env));
            let reads = list.reads;
            if reads.method {
                cx.add_variable_from_value("req_method", r.method);
            }
            if reads.path {
                cx.add_variable_from_value("req_path", r.path);
            }
            if reads.params {
                let params: HashMap<String, Value> = r
                    .param_names
                    .iter()
                    .zip(r.param_values)
                    .map(|(k, v)| (title(k), Value::from(v.as_str())))
                    .collect();
                cx.add_variable_from_value("req_params", params);
            }
            if reads.headers {
                cx.add_variable_from_value(
                    "req_headers",
                    header_map(&(r.headers)(), &list.req_headers),
                );
            }
            if reads.query {
                let mut q: HashMap<String, Vec<Value>> = HashMap::new();
                for (k, v) in (r.query)() {
                    q.entry(k).or_default().push(Value::from(v));
                }
                cx.add_variable_from_value("req_querystring", q);
            }
            run(list, &mut cx)
        }

        /// The `resp` list on `r`.
        pub fn check_response(&self, r: &ResponseView<'_>) -> Result<(), usize> {
            let list = &self.post;
            if list.programs.is_empty() {
                return Ok(());
            }
            let mut cx = Context::with_env(Arc::clone(&self.env));
            let reads = list.reads;
            if reads.completed {
                cx.add_variable_from_value("resp_completed", r.completed);
            }
            if reads.status {
                cx.add_variable_from_value("resp_metadata_status", r.status);
            }
            if reads.resp_headers {
                let h = r
                    .headers
                    .map(|h| header_map(h, &list.resp_headers))
                    .unwrap_or_default();
                cx.add_variable_from_value("resp_metadata_headers", h);
            }
            if reads.data {
                cx.add_variable_from_value("resp_data", data_object(r.data));
            }
            run(list, &mut cx)
        }

        /// The `JWT` list on a token's claims (CE's `Rejecter.Reject`):
        /// `Err(N)` rejects the token.
        pub fn check_claims(
            &self,
            claims: &serde_json::Map<String, serde_json::Value>,
        ) -> Result<(), usize> {
            let list = &self.jwt;
            if list.programs.is_empty() {
                return Ok(());
            }
            let mut cx = Context::with_env(Arc::clone(&self.env));
            if list.reads.jwt {
                cx.add_variable_from_value("JWT", object(Some(claims)));
            }
            run(list, &mut cx)
        }
    }

    /// Evaluates a list in order (`now` bound when read).
    fn run(list: &Compiled, cx: &mut Context<'_, '_>) -> Result<(), usize> {
        if list.reads.now {
            cx.add_variable_from_value("now", now());
        }
        for (i, p) in list.programs.iter().enumerate() {
            match p.execute(cx) {
                Ok(Value::Bool(true)) => {}
                _ => return Err(i),
            }
        }
        Ok(())
    }

    /// `time.Now().Format(time.RFC3339)`, in UTC.
    fn now() -> String {
        let t = crate::metrics::rfc3339(std::time::SystemTime::now());
        // `…T12:00:00.123Z` → `…T12:00:00Z`.
        match t.find('.') {
            Some(dot) => format!("{}Z", &t[..dot]),
            None => t,
        }
    }

    /// lura's parameter names: the first letter upper-cased.
    fn title(name: &str) -> String {
        let mut c = name.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => String::new(),
        }
    }

    /// Go's `http.Header`: canonical names to their values (only the
    /// names `keys` wants).
    fn header_map(h: &HeaderMap, keys: &Keys) -> HashMap<String, Vec<Value>> {
        let mut out: HashMap<String, Vec<Value>> = HashMap::new();
        for (k, v) in h {
            let name = canonical(k.as_str());
            if !keys.wants(&name) {
                continue;
            }
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            out.entry(name).or_default().push(Value::from(value));
        }
        out
    }

    /// Go's `CanonicalMIMEHeaderKey`: each dash-separated word capitalised.
    pub(crate) fn canonical(name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut upper = true;
        for c in name.chars() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            upper = c == '-';
        }
        out
    }

    /// A JSON object as CEL sees Go's decoded `map[string]interface{}`.
    fn object(m: Option<&serde_json::Map<String, serde_json::Value>>) -> Value {
        let map: HashMap<String, Value> = m
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), json(v)))
            .collect();
        Value::from(map)
    }

    /// A backend's decoded object, as [`object`] (numbers as `float64`,
    /// read from the backend's text).
    fn data_object(m: Option<&crate::value::Map>) -> Value {
        let map: HashMap<String, Value> = m
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), data_json(v)))
            .collect();
        Value::from(map)
    }

    /// A backend value as [`json`] converts it. Recursion is bounded by
    /// the decoder's nesting limit (127).
    fn data_json(v: &crate::value::Value) -> Value {
        use crate::value::Value as V;
        match v {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Number(n) => Value::Float(n.as_f64()),
            V::String(s) => Value::from(s.as_str()),
            V::Array(a) => Value::List(Arc::new(a.iter().map(data_json).collect())),
            V::Object(o) => data_object(Some(o)),
        }
    }

    /// A JSON value as Go decodes it: numbers are `float64`. Recursion is
    /// bounded by serde_json's nesting limit (128) on decoded data.
    fn json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(json).collect())),
            serde_json::Value::Object(o) => object(Some(o)),
        }
    }
}

#[cfg(all(test, feature = "cel"))]
mod tests;

#[cfg(not(feature = "cel"))]
pub use without_feature::*;

#[cfg(not(feature = "cel"))]
mod without_feature {
    use super::{Cel, RequestView, ResponseView};

    /// Without the feature a gateway cannot evaluate expressions: building
    /// the stage fails, so the gateway refuses to start instead of letting
    /// every request through. (The compiler turns the feature on whenever
    /// a config has `validation/cel`.)
    #[derive(Debug)]
    pub struct Stage;

    impl Stage {
        /// Always fails: see the type's doc.
        pub fn new(_spec: &'static Cel) -> Result<Stage, String> {
            Err("validation/cel: this gateway was built without the `cel` feature".into())
        }

        /// Never reached: no `Stage` exists without the feature.
        pub fn has_pre(&self) -> bool {
            false
        }

        /// Never reached.
        pub fn has_post(&self) -> bool {
            false
        }

        /// Never reached.
        pub fn has_jwt(&self) -> bool {
            false
        }

        /// Never reached.
        pub fn check_request(&self, _r: &RequestView<'_>) -> Result<(), usize> {
            Err(0)
        }

        /// Never reached.
        pub fn check_response(&self, _r: &ResponseView<'_>) -> Result<(), usize> {
            Err(0)
        }

        /// Never reached.
        pub fn check_claims(
            &self,
            _claims: &serde_json::Map<String, serde_json::Value>,
        ) -> Result<(), usize> {
            Err(0)
        }
    }
}
