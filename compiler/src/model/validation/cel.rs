//! `validation/cel` (endpoint and backend level; krakend-components §14):
//! the namespace as written, and the lint-time analysis of each
//! `check_expr` (parse, bounds, identifiers, functions, types, and CE's
//! classification by substring).
//!
//! CE (krakend-cel over cel-go) parses and type-checks every expression at
//! start and silently drops what fails: a parse error drops the whole
//! layer, a type-check error drops the expression. gwc parses with cel-rust
//! (the gateway's interpreter) and, since cel-rust has no type checker,
//! checks identifiers, functions and the obvious type errors itself, so
//! every expression a gateway runs passed the same analysis
//! ([`analyse`]).

use std::collections::BTreeSet;
use std::fmt;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

use crate::model::modifier::martian::field;
use crate::model::{Spanned, spanned};
use crate::syntax::{Node, NodeKind, Span};

/// The namespace.
pub const NAMESPACE: &str = "validation/cel";

/// The longest expression gwc accepts, in bytes. KrakenD's documented
/// expressions are one line; the bound keeps parsing and evaluation cheap.
pub const MAX_LEN: usize = 2048;

/// The deepest expression tree gwc accepts (nodes from the root to a leaf).
/// The interpreter recurses once per level: the bound keeps its stack use
/// small on any worker thread.
pub const MAX_DEPTH: usize = 48;

/// Comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`) nested
/// in one another at most this deep: each level multiplies the work by the
/// size of a list the client or a backend controls.
pub const MAX_COMPREHENSION_NESTING: usize = 2;

/// The parser's own recursion bound (cel-rust's default, below cel-go's).
pub const PARSER_MAX_RECURSION: u16 = 96;

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Cel<'a> {
    /// The namespace's key.
    pub key_span: Span,
    /// Its value.
    pub node: &'a Node,
    /// The definitions, when the value is an array.
    pub checks: Vec<Check<'a>>,
}

/// One `{"check_expr": …}` definition.
#[derive(Clone, Debug)]
pub struct Check<'a> {
    /// Its position in the array.
    pub index: usize,
    /// The element.
    pub node: &'a Node,
    /// `check_expr` (Go's field matching) when it is a string.
    pub check_expr: Option<Spanned<String>>,
    /// The `check_expr` member, whatever its type.
    pub check_expr_node: Option<&'a Node>,
    /// The `mod_expr` member's key span (CE decodes it and never uses it).
    pub mod_expr: Option<Span>,
    /// The analysis of a non-empty `check_expr`.
    pub analysis: Option<Analysis>,
}

impl Check<'_> {
    /// The span of `range` of the expression's text.
    pub fn span_of(&self, range: &Range) -> Span {
        self.check_expr
            .as_ref()
            .map_or(self.node.span, |e| e.sub_span(range.clone()))
    }
}

impl<'a> Cel<'a> {
    /// Reads the namespace value.
    pub fn from_node(key_span: Span, node: &'a Node) -> Self {
        let checks = node
            .as_array()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, el)| {
                let expr = field(el, "check_expr");
                let text = expr
                    .and_then(|m| m.value.as_str())
                    .filter(|t| !t.is_empty());
                Check {
                    analysis: text.map(analyse),
                    index,
                    node: el,
                    check_expr: expr.and_then(|m| {
                        let s = m.value.as_str()?;
                        Some(spanned(m.key_span, &m.value, s.to_string()))
                    }),
                    check_expr_node: expr.map(|m| &m.value),
                    mod_expr: field(el, "mod_expr").map(|m| m.key_span),
                }
            })
            .collect();
        Cel {
            key_span,
            node,
            checks,
        }
    }

    /// Why CE's decoder refuses the value (then CE runs no expression of
    /// it): the span and what is wrong. `encoding/json` into
    /// `[]InterpretableDefinition`: an array of objects (or nulls) whose
    /// `check_expr` and `mod_expr` are strings (or null).
    pub fn shape_error(&self) -> Option<(Span, String)> {
        let Some(items) = self.node.as_array() else {
            if matches!(self.node.kind, NodeKind::Null) {
                return None;
            }
            return Some((
                self.node.span,
                format!("`{NAMESPACE}` is {}, not an array", self.node.type_name()),
            ));
        };
        for el in items {
            if matches!(el.kind, NodeKind::Null) {
                continue;
            }
            if el.as_object().is_none() {
                return Some((
                    el.span,
                    format!("a definition is {}, not an object", el.type_name()),
                ));
            }
            for name in ["check_expr", "mod_expr"] {
                if let Some(m) = field(el, name)
                    && !matches!(m.value.kind, NodeKind::String(_) | NodeKind::Null)
                {
                    return Some((
                        m.value.span,
                        format!("`{name}` is {}, not a string", m.value.type_name()),
                    ));
                }
            }
        }
        None
    }
}

/// Where the namespace is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// An endpoint's `extra_config`: the proxy layer (t) and, with
    /// `auth/validator`, the JWT rejecter (k).
    Endpoint,
    /// A backend's `extra_config`: the backend layer (14).
    Backend,
}

/// The lists CE runs at `level` (the JWT rejecter only on an endpoint
/// with `auth/validator`).
pub fn lists_run(level: Level, has_validator: bool) -> &'static [List] {
    match (level, has_validator) {
        (Level::Endpoint, true) => &[List::Pre, List::Post, List::Jwt],
        _ => &[List::Pre, List::Post],
    }
}

impl Lists {
    /// The lists it is in, of `run`.
    pub fn among(self, run: &[List]) -> Vec<List> {
        run.iter()
            .copied()
            .filter(|l| match l {
                List::Pre => self.pre,
                List::Post => self.post,
                List::Jwt => self.jwt,
            })
            .collect()
    }
}

/// The lists CE puts an expression in, by substring of its text
/// (`krakend-cel` `internal/cel.go` `parseByKey`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lists {
    /// Contains `req`: evaluated before the backends, with the request.
    pub pre: bool,
    /// Contains `resp`: evaluated after, with the response.
    pub post: bool,
    /// Contains `JWT`: evaluated by the JWT rejecter, with the claims.
    pub jwt: bool,
}

impl Lists {
    /// CE's classification of `text`.
    pub fn of(text: &str) -> Lists {
        Lists {
            pre: text.contains("req"),
            post: text.contains("resp"),
            jwt: text.contains("JWT"),
        }
    }
}

/// One of CE's evaluation lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// `req`: before the backends.
    Pre,
    /// `resp`: after them.
    Post,
    /// `JWT`: the rejecter.
    Jwt,
}

impl List {
    /// The variables CE's activation for this list binds.
    pub fn binds(self, group: Group) -> bool {
        matches!(
            (self, group),
            (_, Group::Now)
                | (List::Pre, Group::Req)
                | (List::Post, Group::Resp)
                | (List::Jwt, Group::Jwt)
        )
    }

    /// The substring that puts an expression in this list.
    pub fn key(self) -> &'static str {
        match self {
            List::Pre => "req",
            List::Post => "resp",
            List::Jwt => "JWT",
        }
    }
}

/// Which activation binds a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// `req_*`.
    Req,
    /// `resp_*`.
    Resp,
    /// `JWT`.
    Jwt,
    /// `now`, bound in every list.
    Now,
}

/// A CEL type, as far as gwc's checker follows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// Unknown until run time.
    Dyn,
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `uint`.
    Uint,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `null_type`.
    Null,
    /// `list(T)`.
    List(Box<Ty>),
    /// `map(K, V)`.
    Map(Box<Ty>, Box<Ty>),
    /// `google.protobuf.Timestamp`.
    Timestamp,
    /// `google.protobuf.Duration`.
    Duration,
    /// `type`.
    Type,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Dyn => f.write_str("dyn"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Uint => f.write_str("uint"),
            Ty::Double => f.write_str("double"),
            Ty::String => f.write_str("string"),
            Ty::Bytes => f.write_str("bytes"),
            Ty::Null => f.write_str("null"),
            Ty::List(t) => write!(f, "list({t})"),
            Ty::Map(k, v) => write!(f, "map({k}, {v})"),
            Ty::Timestamp => f.write_str("timestamp"),
            Ty::Duration => f.write_str("duration"),
            Ty::Type => f.write_str("type"),
        }
    }
}

fn list(t: Ty) -> Ty {
    Ty::List(Box::new(t))
}

fn map(k: Ty, v: Ty) -> Ty {
    Ty::Map(Box::new(k), Box::new(v))
}

/// The variables KrakenD declares (`internal/cel.go`
/// `defaultDeclarations`), with their types and activation.
pub const VARIABLES: &[&str] = &[
    "req_method",
    "req_path",
    "req_params",
    "req_headers",
    "req_querystring",
    "resp_completed",
    "resp_metadata_status",
    "resp_metadata_headers",
    "resp_data",
    "JWT",
    "now",
];

/// A declared variable's type and activation.
pub fn variable(name: &str) -> Option<(Ty, Group)> {
    let headers = || map(Ty::String, list(Ty::String));
    Some(match name {
        "req_method" | "req_path" => (Ty::String, Group::Req),
        "req_params" => (map(Ty::String, Ty::String), Group::Req),
        "req_headers" | "req_querystring" => (headers(), Group::Req),
        "resp_completed" => (Ty::Bool, Group::Resp),
        "resp_metadata_status" => (Ty::Int, Group::Resp),
        "resp_metadata_headers" => (headers(), Group::Resp),
        "resp_data" => (map(Ty::String, Ty::Dyn), Group::Resp),
        "JWT" => (map(Ty::String, Ty::Dyn), Group::Jwt),
        "now" => (Ty::String, Group::Now),
        _ => return None,
    })
}

/// The functions of cel-go's standard library (KrakenD's environment adds
/// none), which cel-rust implements too. Operators are handled apart.
pub const FUNCTIONS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "dyn",
    "type",
    "timestamp",
    "duration",
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
];

/// A place in the expression text (byte offsets into it).
pub type Range = std::ops::Range<usize>;

/// What the analysis found wrong with one expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// Longer than [`MAX_LEN`] bytes.
    TooLong(usize),
    /// Does not parse: the parser's message, where.
    Parse(String, Range),
    /// Deeper than [`MAX_DEPTH`] or comprehensions nested deeper than
    /// [`MAX_COMPREHENSION_NESTING`]: what, where.
    TooComplex(String, Range),
    /// Syntax KrakenD's environment has no declaration for (a message
    /// literal): what, where.
    Unsupported(String, Range),
    /// An identifier KrakenD does not declare.
    UndeclaredIdentifier(String, Range),
    /// A function KrakenD's environment does not have.
    UnknownFunction(String, Range),
    /// A type error cel-go's checker reports: the message, where.
    Type(String, Range),
}

impl Finding {
    /// Whether cel-go could not even parse it (CE drops the whole layer).
    pub fn is_parse(&self) -> bool {
        matches!(self, Finding::Parse(..))
    }
}

/// The analysis of one `check_expr`.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// What is wrong, in order (empty: the expression is sound).
    pub findings: Vec<Finding>,
    /// The declared variables it reads, with where each is first read.
    pub variables: Vec<(&'static str, Range)>,
    /// The lists CE puts it in.
    pub lists: Lists,
    /// The type of the whole expression, when known.
    pub result: Option<Ty>,
}

impl Analysis {
    /// Whether the gateway may run it: no finding at all.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The groups of the variables it reads.
    pub fn groups(&self) -> BTreeSet<Group> {
        self.variables
            .iter()
            .filter_map(|(v, _)| variable(v).map(|(_, g)| g))
            .collect()
    }

    /// The variables it reads that `list`'s activation does not bind.
    pub fn unbound_in(&self, l: List) -> Vec<&(&'static str, Range)> {
        self.variables
            .iter()
            .filter(|(v, _)| variable(v).is_some_and(|(_, g)| !l.binds(g)))
            .collect()
    }
}

/// The environment gwc parses with, at lint time and in the gateway:
/// cel-go's standard library and macros, no optional syntax (cel-go's
/// default, which KrakenD keeps).
pub fn env() -> cel::Env {
    cel::Env::stdlib().with_optional_support(false)
}

/// The stack the parser runs on. cel-rust's ANTLR parser and its tree
/// visitor recurse once per nesting level and once per binary operator
/// (a left-deep tree), with frames of kilobytes in a debug build: at
/// [`MAX_LEN`] bytes the worst text needs tens of megabytes, so parsing
/// runs on a thread of its own with this much (reserved, not committed).
pub const PARSER_STACK: usize = 256 << 20;

/// Parses and checks one expression, on a thread with [`PARSER_STACK`]
/// (see there). Never panics on any text: the length is bounded before
/// the parser sees it, the parser's recursion by
/// [`PARSER_MAX_RECURSION`] and the stack.
pub fn analyse(text: &str) -> Analysis {
    let owned = text.to_string();
    let run = std::thread::Builder::new()
        .name("cel-parse".into())
        .stack_size(PARSER_STACK)
        .spawn(move || analyse_here(&owned));
    match run.map(std::thread::JoinHandle::join) {
        Ok(Ok(a)) => a,
        // No thread (resources) or a parser panic: refuse the expression.
        _ => Analysis {
            lists: Lists::of(text),
            findings: vec![Finding::TooComplex(
                "the parser could not finish".into(),
                0..text.len(),
            )],
            ..Analysis::default()
        },
    }
}

/// [`analyse`] on the current thread (its stack must be
/// [`PARSER_STACK`]).
fn analyse_here(text: &str) -> Analysis {
    let mut a = Analysis {
        lists: Lists::of(text),
        ..Analysis::default()
    };
    if text.len() > MAX_LEN {
        a.findings.push(Finding::TooLong(text.len()));
        return a;
    }
    let env = env();
    let parsed = env
        .parser()
        .max_recursion_depth(PARSER_MAX_RECURSION)
        .parse_with_source_info(text);
    let (expr, info) = match parsed {
        Ok(p) => p,
        Err(errors) => {
            let (msg, range) = errors
                .errors
                .first()
                .map(|e| (e.msg.clone(), line_col(text, e.pos)))
                .unwrap_or_else(|| ("syntax error".into(), 0..text.len()));
            a.findings.push(Finding::Parse(msg, range));
            return a;
        }
    };
    let offsets = Offsets::new(text, &info);
    // Bounds first, without recursion: the checker below recurses.
    if let Some(f) = bounds(&expr, &offsets) {
        a.findings.push(f);
        return a;
    }
    let mut cx = Checker {
        offsets: &offsets,
        root: &expr,
        findings: Vec::new(),
        variables: Vec::new(),
        scopes: Vec::new(),
    };
    let t = cx.infer(&expr);
    if t != Ty::Dyn && t != Ty::Bool && cx.findings.is_empty() {
        cx.findings.push(Finding::Type(
            format!("the expression is a `{t}`, not a `bool`: CE aborts on any result but `true`"),
            offsets.tree(&expr),
        ));
    }
    a.result = Some(t);
    a.findings = cx.findings;
    a.variables = cx.variables;
    a
}

/// The byte range of a parse error's line and column (1-based line,
/// 0-based column in characters, as ANTLR reports them).
fn line_col(text: &str, (line, col): (isize, isize)) -> Range {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if (i as isize) + 1 == line {
            let col = usize::try_from(col).unwrap_or(0);
            let at = l
                .char_indices()
                .nth(col)
                .map_or(start + l.len(), |(b, _)| start + b);
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            return at..end;
        }
        start += l.len();
    }
    text.len()..text.len()
}

/// Node ids to byte ranges of the text (the parser records character
/// offsets).
struct Offsets<'t> {
    text: &'t str,
    info: &'t cel::common::ast::SourceInfo,
    /// Byte offset of each character, and the text's length at the end.
    chars: Vec<usize>,
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str, info: &'t cel::common::ast::SourceInfo) -> Self {
        let mut chars: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        chars.push(text.len());
        Offsets { text, info, chars }
    }

    fn byte(&self, char_offset: u32) -> usize {
        usize::try_from(char_offset)
            .ok()
            .and_then(|c| self.chars.get(c).copied())
            .unwrap_or(self.text.len())
    }

    fn of(&self, id: u64) -> Range {
        match self.info.offset_for(id) {
            Some((start, stop)) => {
                let s = self.byte(start);
                // `stop` is the last character, inclusive.
                let e = self.byte(stop.saturating_add(1)).max(s);
                s..e
            }
            None => 0..self.text.len(),
        }
    }
}

impl Offsets<'_> {
    /// The range a whole subtree covers (an operator's own offset is its
    /// symbol: the union of its operands' reads better).
    fn tree(&self, e: &IdedExpr) -> Range {
        let mut r = self.own(e);
        let mut stack = children(e);
        while let Some(c) = stack.pop() {
            if self.info.offset_for(c.id).is_some() {
                let cr = self.own(c);
                r = r.start.min(cr.start)..r.end.max(cr.end);
            }
            stack.extend(children(c));
        }
        // A method call or index ends with a bracket the nodes do not cover.
        if let Expr::Call(c) = &e.expr
            && (c.target.is_some() || c.func_name == cel::common::ast::operators::INDEX)
        {
            r.end = self.close(r.end);
        }
        r
    }

    /// One node's range, with the text its offset leaves out.
    fn own(&self, e: &IdedExpr) -> Range {
        let mut r = self.of(e.id);
        match &e.expr {
            // A global call's node is its `(`: add the function's name
            // (and the closing bracket).
            Expr::Call(c) if c.target.is_none() => {
                if let Some(before) = self.text.get(..r.start)
                    && before.trim_end().ends_with(c.func_name.as_str())
                {
                    r.start = before.trim_end().len() - c.func_name.len();
                    r.end = self.close(r.end);
                }
            }
            // A selection's node is its dot: add the field's name.
            Expr::Select(sel)
                if self
                    .text
                    .get(r.end..)
                    .is_some_and(|rest| rest.starts_with(sel.field.as_str())) =>
            {
                r.end += sel.field.len();
            }
            _ => {}
        }
        r
    }

    /// `end` past a closing bracket that follows it (after blanks).
    fn close(&self, end: usize) -> usize {
        self.text
            .get(end..)
            .and_then(|rest| {
                let t = rest.trim_start();
                t.starts_with([')', ']'])
                    .then(|| end + (rest.len() - t.len()) + 1)
            })
            .unwrap_or(end)
    }
}

/// The children of a node.
fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(c) => c.target.iter().map(|t| &**t).chain(c.args.iter()).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(l) => l.elements.iter().collect(),
        Expr::Map(m) => m
            .entries
            .iter()
            .flat_map(|en| match &en.expr {
                EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                EntryExpr::StructField(sf) => vec![&sf.value],
            })
            .collect(),
        Expr::Select(s) => vec![&*s.operand],
        Expr::Struct(s) => s
            .entries
            .iter()
            .flat_map(|en| match &en.expr {
                EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                EntryExpr::StructField(sf) => vec![&sf.value],
            })
            .collect(),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// Depth, comprehension nesting and the constructs the interpreter must
/// never see, with an explicit stack (no recursion on an unchecked tree).
fn bounds(root: &IdedExpr, offsets: &Offsets<'_>) -> Option<Finding> {
    let mut stack = vec![(root, 1usize, 0usize)];
    while let Some((e, depth, nesting)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Some(Finding::TooComplex(
                format!("nested deeper than {MAX_DEPTH} levels"),
                offsets.of(e.id),
            ));
        }
        let nesting = match &e.expr {
            Expr::Comprehension(_) => nesting + 1,
            _ => nesting,
        };
        if nesting > MAX_COMPREHENSION_NESTING {
            return Some(Finding::TooComplex(
                format!("more than {MAX_COMPREHENSION_NESTING} comprehensions nested"),
                offsets.of(e.id),
            ));
        }
        match &e.expr {
            Expr::Unspecified => {
                return Some(Finding::Unsupported(
                    "an incomplete expression".into(),
                    offsets.of(e.id),
                ));
            }
            Expr::Struct(s) => {
                return Some(Finding::Unsupported(
                    format!(
                        "message `{}`: KrakenD declares no message types",
                        s.type_name
                    ),
                    offsets.of(e.id),
                ));
            }
            Expr::Map(m)
                if m.entries
                    .iter()
                    .any(|en| matches!(en.expr, EntryExpr::StructField(_))) =>
            {
                return Some(Finding::Unsupported(
                    "a field in a map literal".into(),
                    offsets.of(e.id),
                ));
            }
            _ => {}
        }
        for c in children(e) {
            stack.push((c, depth + 1, nesting));
        }
    }
    None
}

/// The identifier and type checker (on a tree [`bounds`] accepted, so its
/// recursion is bounded by [`MAX_DEPTH`]).
struct Checker<'o, 't> {
    offsets: &'o Offsets<'t>,
    /// The whole tree.
    root: &'o IdedExpr,
    findings: Vec<Finding>,
    variables: Vec<(&'static str, Range)>,
    /// Comprehension variables in scope, innermost last, with their types.
    scopes: Vec<(String, Ty)>,
}

/// Numeric types.
fn numeric(t: &Ty) -> bool {
    matches!(t, Ty::Int | Ty::Uint | Ty::Double)
}

/// Whether `a` and `b` can be equal under cel-go's checker (`_==_` is
/// `(A, A) -> bool`): the same type, one of them `dyn` (also inside
/// lists and maps), or `null` against anything that is not a primitive.
fn comparable(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Dyn, _) | (_, Ty::Dyn) => true,
        (Ty::List(x), Ty::List(y)) => comparable(x, y),
        (Ty::Map(k1, v1), Ty::Map(k2, v2)) => comparable(k1, k2) && comparable(v1, v2),
        (Ty::Null, t) | (t, Ty::Null) => !matches!(
            t,
            Ty::Bool | Ty::Int | Ty::Uint | Ty::Double | Ty::String | Ty::Bytes
        ),
        _ => a == b,
    }
}

/// Whether `a < b` has an overload: numbers with numbers (cel-go has the
/// cross-type ones), otherwise the same orderable type.
fn orderable(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Dyn, _) | (_, Ty::Dyn) => true,
        (x, y) if numeric(x) && numeric(y) => true,
        (x, y) => {
            x == y
                && matches!(
                    x,
                    Ty::Bool | Ty::String | Ty::Bytes | Ty::Timestamp | Ty::Duration
                )
        }
    }
}

impl Checker<'_, '_> {
    /// A type error on node `id` (its whole subtree).
    fn error(&mut self, msg: String, id: u64) {
        let range = self
            .node(id)
            .map_or_else(|| self.offsets.of(id), |e| self.offsets.tree(e));
        self.findings.push(Finding::Type(msg, range));
    }

    /// The node with `id` (a search from the root: errors are rare).
    fn node(&self, id: u64) -> Option<&IdedExpr> {
        let mut stack = vec![self.root];
        while let Some(e) = stack.pop() {
            if e.id == id {
                return Some(e);
            }
            stack.extend(children(e));
        }
        None
    }

    fn infer(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Bytes,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::Uint,
            },
            Expr::Ident(name) => self.ident(name, e.id),
            Expr::Select(s) => {
                let t = self.infer(&s.operand);
                let v = self.field(&t, &s.field, e.id);
                if s.test { Ty::Bool } else { v }
            }
            Expr::List(l) => {
                let ts: Vec<Ty> = l.elements.iter().map(|x| self.infer(x)).collect();
                match ts.split_first() {
                    Some((first, rest)) if rest.iter().all(|t| t == first) => list(first.clone()),
                    _ => list(Ty::Dyn),
                }
            }
            Expr::Map(m) => {
                for en in &m.entries {
                    if let EntryExpr::MapEntry(me) = &en.expr {
                        let k = self.infer(&me.key);
                        if !matches!(k, Ty::Dyn | Ty::String | Ty::Int | Ty::Uint | Ty::Bool) {
                            self.error(format!("a map key cannot be a `{k}`"), me.key.id);
                        }
                        self.infer(&me.value);
                    }
                }
                map(Ty::Dyn, Ty::Dyn)
            }
            Expr::Comprehension(c) => {
                let range = self.infer(&c.iter_range);
                let (first, second) = match &range {
                    Ty::List(t) => (Ty::Int, (**t).clone()),
                    Ty::Map(k, v) => ((**k).clone(), (**v).clone()),
                    Ty::Dyn => (Ty::Dyn, Ty::Dyn),
                    t => {
                        self.error(
                            format!("a comprehension ranges over a list or a map, not a `{t}`"),
                            c.iter_range.id,
                        );
                        (Ty::Dyn, Ty::Dyn)
                    }
                };
                // One variable: a list's elements or a map's keys; two:
                // index (key) and element (value).
                let first_var = match (&c.iter_var2, &range) {
                    (None, Ty::List(t)) => (**t).clone(),
                    (None, _) => first.clone(),
                    (Some(_), _) => first,
                };
                self.infer(&c.accu_init);
                let base = self.scopes.len();
                self.scopes.push((c.accu_var.clone(), Ty::Dyn));
                self.scopes.push((c.iter_var.clone(), first_var));
                if let Some(v2) = &c.iter_var2 {
                    self.scopes.push((v2.clone(), second));
                }
                self.infer(&c.loop_cond);
                self.infer(&c.loop_step);
                self.scopes.truncate(base);
                self.scopes.push((c.accu_var.clone(), Ty::Dyn));
                self.infer(&c.result);
                self.scopes.truncate(base);
                Ty::Dyn
            }
            Expr::Call(call) => self.call(call, e.id),
            // Refused by `bounds`.
            Expr::Struct(_) | Expr::Unspecified => Ty::Dyn,
        }
    }

    fn ident(&mut self, name: &str, id: u64) -> Ty {
        if let Some((_, t)) = self.scopes.iter().rev().find(|(n, _)| n == name) {
            return t.clone();
        }
        if let Some(decl) = VARIABLES.iter().find(|v| **v == name) {
            let range = self.offsets.of(id);
            if !self.variables.iter().any(|(v, _)| v == decl) {
                self.variables.push((decl, range));
            }
            return variable(name).map_or(Ty::Dyn, |(t, _)| t);
        }
        // Type names are identifiers too (`type(x) == string`).
        if matches!(
            name,
            "bool"
                | "int"
                | "uint"
                | "double"
                | "string"
                | "bytes"
                | "list"
                | "map"
                | "null_type"
                | "type"
        ) {
            return Ty::Type;
        }
        let range = self.offsets.of(id);
        self.findings
            .push(Finding::UndeclaredIdentifier(name.to_string(), range));
        Ty::Dyn
    }

    /// `t.name` (a map's key, or a presence test).
    fn field(&mut self, t: &Ty, name: &str, id: u64) -> Ty {
        match t {
            Ty::Dyn => Ty::Dyn,
            Ty::Map(k, v) if matches!(**k, Ty::String | Ty::Dyn) => (**v).clone(),
            t => {
                self.error(
                    format!("`.{name}` selects a field, but this is a `{t}`"),
                    id,
                );
                Ty::Dyn
            }
        }
    }

    fn call(&mut self, call: &cel::common::ast::CallExpr, id: u64) -> Ty {
        use cel::common::ast::operators as op;
        let target = call.target.as_ref().map(|t| self.infer(t));
        let args: Vec<Ty> = call.args.iter().map(|a| self.infer(a)).collect();
        let name = call.func_name.as_str();
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Ty::Dyn);
        let arg_id = |i: usize| call.args.get(i).map_or(id, |a| a.id);
        match name {
            op::LOGICAL_AND | op::LOGICAL_OR | op::LOGICAL_NOT | op::NOT_STRICTLY_FALSE => {
                for (i, t) in args.iter().enumerate() {
                    if !matches!(t, Ty::Bool | Ty::Dyn) {
                        let sym = match name {
                            op::LOGICAL_AND => "&&",
                            op::LOGICAL_OR => "||",
                            _ => "!",
                        };
                        self.error(format!("`{sym}` needs a `bool`, not a `{t}`"), arg_id(i));
                        break;
                    }
                }
                Ty::Bool
            }
            op::CONDITIONAL => {
                let c = arg(0);
                if !matches!(c, Ty::Bool | Ty::Dyn) {
                    self.error(
                        format!("a condition must be a `bool`, not a `{c}`"),
                        arg_id(0),
                    );
                }
                if arg(1) == arg(2) { arg(1) } else { Ty::Dyn }
            }
            op::EQUALS | op::NOT_EQUALS => {
                let (a, b) = (arg(0), arg(1));
                if !comparable(&a, &b) {
                    let sym = if name == op::EQUALS { "==" } else { "!=" };
                    self.error(
                        format!("`{a} {sym} {b}`: cel-go compares values of one type only"),
                        id,
                    );
                }
                Ty::Bool
            }
            op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS => {
                let (a, b) = (arg(0), arg(1));
                if !orderable(&a, &b) {
                    self.error(format!("a `{a}` and a `{b}` cannot be ordered"), id);
                }
                Ty::Bool
            }
            op::ADD => {
                let (a, b) = (arg(0), arg(1));
                match (&a, &b) {
                    (Ty::Dyn, t) | (t, Ty::Dyn) => {
                        if matches!(t, Ty::Bool | Ty::Null | Ty::Map(..) | Ty::Type) {
                            self.error(format!("`+` does not apply to a `{t}`"), id);
                        }
                        Ty::Dyn
                    }
                    (Ty::Timestamp, Ty::Duration) | (Ty::Duration, Ty::Timestamp) => Ty::Timestamp,
                    (Ty::List(_), Ty::List(_)) => list(Ty::Dyn),
                    (x, y)
                        if x == y
                            && matches!(
                                x,
                                Ty::Int
                                    | Ty::Uint
                                    | Ty::Double
                                    | Ty::String
                                    | Ty::Bytes
                                    | Ty::Duration
                            ) =>
                    {
                        a.clone()
                    }
                    _ => {
                        self.error(format!("no `+` for a `{a}` and a `{b}`"), id);
                        Ty::Dyn
                    }
                }
            }
            op::SUBSTRACT | op::MULTIPLY | op::DIVIDE | op::MODULO => {
                let (a, b) = (arg(0), arg(1));
                let sym = match name {
                    op::SUBSTRACT => "-",
                    op::MULTIPLY => "*",
                    op::DIVIDE => "/",
                    _ => "%",
                };
                match (&a, &b) {
                    (Ty::Dyn, t) | (t, Ty::Dyn) => {
                        let ok = numeric(t)
                            || *t == Ty::Dyn
                            || (sym == "-" && matches!(t, Ty::Timestamp | Ty::Duration));
                        if !ok {
                            self.error(format!("`{sym}` does not apply to a `{t}`"), id);
                        }
                        Ty::Dyn
                    }
                    (x, y) if x == y && numeric(x) && !(sym == "%" && *x == Ty::Double) => {
                        a.clone()
                    }
                    (Ty::Timestamp, Ty::Timestamp) if sym == "-" => Ty::Duration,
                    (Ty::Timestamp, Ty::Duration) if sym == "-" => Ty::Timestamp,
                    (Ty::Duration, Ty::Duration) if sym == "-" => Ty::Duration,
                    _ => {
                        self.error(format!("no `{sym}` for a `{a}` and a `{b}`"), id);
                        Ty::Dyn
                    }
                }
            }
            op::NEGATE => {
                let a = arg(0);
                if !(numeric(&a) || matches!(a, Ty::Dyn | Ty::Duration)) {
                    self.error(format!("`-` does not apply to a `{a}`"), id);
                }
                a
            }
            op::INDEX => {
                let (c, i) = (arg(0), arg(1));
                match &c {
                    Ty::Dyn => Ty::Dyn,
                    Ty::List(t) => {
                        if !matches!(i, Ty::Int | Ty::Uint | Ty::Dyn) {
                            self.error(format!("a list index is an `int`, not a `{i}`"), arg_id(1));
                        }
                        (**t).clone()
                    }
                    Ty::Map(k, v) => {
                        if !comparable(k, &i) {
                            self.error(format!("this map's keys are `{k}`, not `{i}`"), arg_id(1));
                        }
                        (**v).clone()
                    }
                    t => {
                        self.error(format!("a `{t}` cannot be indexed"), id);
                        Ty::Dyn
                    }
                }
            }
            op::IN => {
                let (x, c) = (arg(0), arg(1));
                match &c {
                    Ty::Dyn => {}
                    Ty::List(t) | Ty::Map(t, _) => {
                        if !comparable(&x, t) {
                            self.error(format!("a `{x}` is never in a `{c}`"), id);
                        }
                    }
                    t => self.error(
                        format!("`in` needs a list or a map, not a `{t}`"),
                        arg_id(1),
                    ),
                }
                Ty::Bool
            }
            _ => self.function(name, target, &args, call, id),
        }
    }

    fn function(
        &mut self,
        name: &str,
        target: Option<Ty>,
        args: &[Ty],
        call: &cel::common::ast::CallExpr,
        id: u64,
    ) -> Ty {
        if !FUNCTIONS.contains(&name) {
            let range = self.offsets.of(id);
            let range = function_name_range(self.offsets.text, range, name);
            self.findings
                .push(Finding::UnknownFunction(name.to_string(), range));
            return Ty::Dyn;
        }
        // The receiver and arguments as one list (`x.f(y)` is `f(x, y)`
        // for the checks below), and whether the call was a method.
        let all: Vec<Ty> = target.iter().cloned().chain(args.iter().cloned()).collect();
        let method = target.is_some();
        let n = all.len();
        let t0 = all.first().cloned().unwrap_or(Ty::Dyn);
        let t1 = all.get(1).cloned().unwrap_or(Ty::Dyn);
        let first_id = call
            .target
            .as_ref()
            .map(|t| t.id)
            .or_else(|| call.args.first().map(|a| a.id))
            .unwrap_or(id);
        let bad_arity = |cx: &mut Self, want: &str| {
            cx.error(format!("`{name}` takes {want}"), id);
            Ty::Dyn
        };
        let want = |cx: &mut Self, t: &Ty, ok: &[Ty], what: &str| {
            if *t != Ty::Dyn && !ok.contains(t) {
                cx.error(format!("`{name}` {what}, not a `{t}`"), first_id);
            }
        };
        match name {
            "size" => {
                if n != 1 {
                    return bad_arity(self, "one argument");
                }
                if !matches!(
                    t0,
                    Ty::Dyn | Ty::String | Ty::Bytes | Ty::List(_) | Ty::Map(..)
                ) {
                    self.error(format!("`size` of a `{t0}`"), first_id);
                }
                Ty::Int
            }
            "contains" | "startsWith" | "endsWith" | "matches" => {
                if n != 2 || (!method && name != "matches") {
                    return bad_arity(self, "a string receiver and one string argument");
                }
                want(self, &t0, &[Ty::String], "applies to a `string`");
                if t1 != Ty::Dyn && t1 != Ty::String {
                    self.error(
                        format!("`{name}` takes a `string` argument, not a `{t1}`"),
                        id,
                    );
                }
                Ty::Bool
            }
            "int" | "uint" | "double" | "string" | "bytes" | "bool" | "dyn" | "type"
            | "timestamp" | "duration" => {
                if n != 1 || method {
                    return bad_arity(self, "one argument");
                }
                let (ok, out): (&[Ty], Ty) = match name {
                    "int" => (
                        &[Ty::Int, Ty::Uint, Ty::Double, Ty::String, Ty::Timestamp],
                        Ty::Int,
                    ),
                    "uint" => (&[Ty::Int, Ty::Uint, Ty::Double, Ty::String], Ty::Uint),
                    "double" => (&[Ty::Int, Ty::Uint, Ty::Double, Ty::String], Ty::Double),
                    "string" => (
                        &[
                            Ty::Int,
                            Ty::Uint,
                            Ty::Double,
                            Ty::String,
                            Ty::Bytes,
                            Ty::Bool,
                            Ty::Timestamp,
                            Ty::Duration,
                        ],
                        Ty::String,
                    ),
                    "bytes" => (&[Ty::String, Ty::Bytes], Ty::Bytes),
                    "bool" => (&[Ty::String, Ty::Bool], Ty::Bool),
                    "timestamp" => (&[Ty::String, Ty::Timestamp, Ty::Int], Ty::Timestamp),
                    "duration" => (&[Ty::String, Ty::Duration], Ty::Duration),
                    "type" => return Ty::Type,
                    _ => return Ty::Dyn,
                };
                want(self, &t0, ok, "does not convert it");
                out
            }
            _ => {
                // The timestamp and duration accessors: a method with an
                // optional time zone.
                if !method || n > 2 {
                    return bad_arity(self, "a timestamp receiver and an optional time zone");
                }
                let ok: &[Ty] = match name {
                    "getHours" | "getMinutes" | "getSeconds" | "getMilliseconds" => {
                        &[Ty::Timestamp, Ty::Duration]
                    }
                    _ => &[Ty::Timestamp],
                };
                want(self, &t0, ok, "applies to a timestamp");
                if n == 2 && t1 != Ty::Dyn && t1 != Ty::String {
                    self.error(
                        format!("`{name}`'s time zone is a `string`, not a `{t1}`"),
                        id,
                    );
                }
                Ty::Int
            }
        }
    }
}

/// The name of a called function inside its call's range, when found.
/// A method call's range starts at its `(`, after the name.
fn function_name_range(text: &str, call: Range, name: &str) -> Range {
    if text
        .get(..call.start)
        .is_some_and(|before| before.trim_end().ends_with(name))
    {
        let end = text[..call.start].trim_end().len();
        return end - name.len()..end;
    }
    text.get(call.clone())
        .and_then(|s| s.find(name))
        .map_or(call.clone(), |i| {
            call.start + i..call.start + i + name.len()
        })
}

impl<'a> crate::model::Config<'a> {
    /// Every `validation/cel` with where it is: the endpoint, and the
    /// backend for a backend-level one.
    pub fn cels(
        &self,
    ) -> impl Iterator<
        Item = (
            &crate::model::Endpoint<'a>,
            Option<&crate::model::Backend<'a>>,
            &Cel<'a>,
        ),
    > {
        self.endpoints.iter().flat_map(|e| {
            e.extra
                .cel
                .as_ref()
                .map(|c| (e, None, c))
                .into_iter()
                .chain(
                    e.backends
                        .iter()
                        .filter_map(move |b| Some((e, Some(b), b.extra.cel.as_ref()?))),
                )
        })
    }
}

#[cfg(test)]
mod tests;
