//! `modifier/martian` (backend level; krakend-components §7): the modifier
//! tree as KrakenD CE's parser reads it.
//!
//! CE hands the namespace to google/martian's `parse.FromJSON` (pinned
//! commit `25dcb96`) with two modifiers of krakend-martian's own,
//! `header.Id` and `static.Modifier`. How that parser reads a value, which
//! this model reproduces so the rules can say what CE would do:
//! - a modifier object holds exactly **one** key, the modifier's name
//!   (`parse.FromJSON` decodes it into a map and counts the keys): a second
//!   key, a comment beside the name included, or none, is an error;
//! - the name's value is decoded by Go's `encoding/json` into the
//!   modifier's struct: field names match case-insensitively, unknown
//!   fields are ignored, `null` leaves a field at its zero value, and a
//!   value of another JSON type is an error;
//! - `scope` lists the roles (`request`, `response`); absent or `null`, the
//!   modifier runs in every role it implements;
//! - filters and groups nest further one-key objects (`modifier`, `else`,
//!   `modifiers`), read the same way.
//!
//! Any error makes CE log it and run the backend **without any modifier**
//! (krakend-martian `martian.go` L50-58); the GW72x rules report each one.
//!
//! CE reads the config through koanf, which decodes numbers as float64 and
//! marshals the namespace again before martian sees it: an integer field
//! therefore accepts `200.0` (it becomes `200`), and of several keys that
//! name the same field in different case the one sorting last wins
//! (`json.Marshal` sorts map keys).

use crate::model::{Config, Endpoint};
use crate::syntax::{Member, Node, NodeKind, Span};

/// The namespace key.
pub const NAMESPACE: &str = "modifier/martian";
/// Its long legacy name, which CE still reads.
pub const LEGACY_NAMESPACE: &str = "github.com/devopsfaith/krakend-martian";

/// The roles a modifier runs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    /// On the request to the backend.
    pub request: bool,
    /// On the backend's response.
    pub response: bool,
}

impl Roles {
    /// Both roles.
    pub const BOTH: Roles = Roles {
        request: true,
        response: true,
    };
    /// The request only.
    pub const REQUEST: Roles = Roles {
        request: true,
        response: false,
    };
    /// The response only.
    pub const RESPONSE: Roles = Roles {
        request: false,
        response: true,
    };
    /// Neither.
    pub const NONE: Roles = Roles {
        request: false,
        response: false,
    };

    /// The roles in both sets.
    pub fn and(self, other: Roles) -> Roles {
        Roles {
            request: self.request && other.request,
            response: self.response && other.response,
        }
    }

    /// Whether no role is left.
    pub fn is_empty(self) -> bool {
        !self.request && !self.response
    }
}

/// The Go type a modifier field decodes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// `string`.
    String,
    /// `bool`.
    Bool,
    /// `int` / `int64` (after koanf's float64: an integral number).
    Int,
    /// `[]string`.
    Strings,
    /// `map[string]string`.
    StringMap,
    /// `time.Time` (an RFC 3339 string).
    Time,
    /// `[]byte` (a base64 string).
    Base64,
    /// `[]parse.ModifierType` (`scope`).
    Scope,
    /// `json.RawMessage` holding one modifier object.
    Modifier,
    /// `[]json.RawMessage` (`fifo.Group.modifiers`).
    Modifiers,
    /// `[]{priority int64, modifier json.RawMessage}` (`priority.Group.modifiers`).
    Priorities,
}

impl FieldType {
    /// What a value of this type is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::String => "a string",
            FieldType::Bool => "a boolean",
            FieldType::Int => "an integer",
            FieldType::Strings => "a list of strings",
            FieldType::StringMap => "an object of strings",
            FieldType::Time => "an RFC 3339 time string",
            FieldType::Base64 => "a base64 string",
            FieldType::Scope => "a list of `request`/`response`",
            FieldType::Modifier => "a modifier object",
            FieldType::Modifiers => "a list of modifier objects",
            FieldType::Priorities => "a list of `{\"priority\": N, \"modifier\": {…}}` objects",
        }
    }
}

macro_rules! kinds {
    ($($kind:ident $name:literal $roles:ident [$($field:literal $ty:ident),*];)*) => {
        /// The modifiers KrakenD CE registers (krakend-components §7.2).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kind {
            $(#[doc = concat!("`", $name, "`")] $kind,)*
        }

        impl Kind {
            /// Every kind, in the order of krakend-components §7.2.
            pub const ALL: &[Kind] = &[$(Kind::$kind),*];

            /// The name as written in a config.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$kind => $name,)* }
            }

            /// The roles its Go type implements (`RequestModifier`,
            /// `ResponseModifier`).
            pub fn roles(self) -> Roles {
                match self { $(Kind::$kind => Roles::$roles,)* }
            }

            /// Its JSON fields besides `scope`, with their Go types.
            pub fn fields(self) -> &'static [(&'static str, FieldType)] {
                match self { $(Kind::$kind => &[$(($field, FieldType::$ty)),*],)* }
            }
        }
    };
}

kinds! {
    HeaderModifier "header.Modifier" BOTH ["name" String, "value" String];
    HeaderAppend "header.Append" BOTH ["name" String, "value" String];
    HeaderBlacklist "header.Blacklist" BOTH ["names" Strings];
    HeaderCopy "header.Copy" BOTH ["from" String, "to" String];
    HeaderFilter "header.Filter" BOTH ["name" String, "value" String, "modifier" Modifier, "else" Modifier];
    HeaderRegexFilter "header.RegexFilter" BOTH ["header" String, "regex" String, "modifier" Modifier];
    HeaderVerifier "header.Verifier" BOTH ["name" String, "value" String];
    HeaderId "header.Id" REQUEST ["header" String];
    QueryModifier "querystring.Modifier" REQUEST ["name" String, "value" String];
    QueryFilter "querystring.Filter" BOTH ["name" String, "value" String, "modifier" Modifier, "else" Modifier];
    QueryVerifier "querystring.Verifier" REQUEST ["name" String, "value" String];
    UrlModifier "url.Modifier" REQUEST ["scheme" String, "host" String, "path" String, "query" String];
    UrlFilter "url.Filter" BOTH ["scheme" String, "host" String, "path" String, "query" String, "modifier" Modifier, "else" Modifier];
    UrlRegexFilter "url.RegexFilter" BOTH ["regex" String, "modifier" Modifier, "else" Modifier];
    UrlVerifier "url.Verifier" REQUEST ["scheme" String, "host" String, "path" String, "query" String];
    BodyModifier "body.Modifier" BOTH ["contentType" String, "body" Base64];
    CookieModifier "cookie.Modifier" BOTH ["name" String, "value" String, "path" String, "domain" String, "expires" Time, "secure" Bool, "httpOnly" Bool, "maxAge" Int];
    CookieFilter "cookie.Filter" BOTH ["name" String, "value" String, "modifier" Modifier, "else" Modifier];
    PortModifier "port.Modifier" REQUEST ["port" Int, "defaultForScheme" Bool, "remove" Bool];
    PortFilter "port.Filter" BOTH ["port" Int, "modifier" Modifier];
    StashModifier "stash.Modifier" BOTH ["headerName" String];
    StatusModifier "status.Modifier" RESPONSE ["statusCode" Int];
    StatusVerifier "status.Verifier" RESPONSE ["statusCode" Int];
    FifoGroup "fifo.Group" BOTH ["modifiers" Modifiers, "aggregateErrors" Bool];
    PriorityGroup "priority.Group" BOTH ["modifiers" Priorities];
    StaticModifier "static.Modifier" BOTH ["rootPath" String, "explicitPaths" StringMap];
}

/// Modifier names of google/martian that CE does not compile in: its
/// `martian.go` does not import their packages, so they are unknown.
pub const NOT_IN_CE: [&str; 8] = [
    "skip.RoundTrip",
    "log.Logger",
    "method.Verifier",
    "pingback.Verifier",
    "failure.Verifier",
    "cors.Modifier",
    "header.Forwarded",
    "querystring.Parameters",
];

impl Kind {
    /// The kind registered under `name` (exact: Go's map lookup).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Whether it is a filter (runs `modifier` when its condition holds).
    pub fn is_filter(self) -> bool {
        self.fields().iter().any(|(f, _)| *f == "modifier")
    }

    /// Whether it records verification results only (`*.Verifier`).
    pub fn is_verifier(self) -> bool {
        matches!(
            self,
            Kind::HeaderVerifier | Kind::QueryVerifier | Kind::UrlVerifier | Kind::StatusVerifier
        )
    }
}

/// The `modifier/martian` namespace of one backend.
#[derive(Clone, Debug)]
pub struct Martian<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// The namespace's value: the root modifier.
    pub root: Slot<'a>,
}

/// A place that holds one modifier object.
#[derive(Clone, Debug)]
pub struct Slot<'a> {
    /// The object, or (for a missing one) the object that lacks it.
    pub span: Span,
    /// Where it sits.
    pub place: Place,
    /// The name of the filter or group it belongs to (`None` at the root).
    pub owner: Option<&'a str>,
    /// What it holds.
    pub content: Content<'a>,
}

/// Where a modifier object sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The namespace value itself.
    Namespace,
    /// A filter's `modifier`.
    Then,
    /// A filter's `else`.
    Else,
    /// Entry N of `fifo.Group.modifiers`.
    Group(usize),
    /// The `modifier` of entry N of `priority.Group.modifiers`.
    Priority(usize),
}

impl Slot<'_> {
    /// How the slot is named in messages (`` `header.Filter`'s `else` ``).
    pub fn describe(&self) -> String {
        let owner = self
            .owner
            .map_or("the filter".to_string(), |o| format!("`{o}`'s"));
        match self.place {
            Place::Namespace => "the `modifier/martian` value".into(),
            Place::Then => format!("{owner} `modifier`"),
            Place::Else => format!("{owner} `else`"),
            Place::Group(i) => format!("entry #{i} of `modifiers`"),
            Place::Priority(i) => format!("the `modifier` of entry #{i} of `modifiers`"),
        }
    }
}

/// What a slot holds.
#[derive(Clone, Debug)]
pub enum Content<'a> {
    /// Nothing: the key is absent (a filter without `modifier`, a priority
    /// entry without one).
    Missing,
    /// A value that is not an object.
    NotObject(&'a Node),
    /// An object with no key (`{}`, or `null`) or several distinct keys.
    Keys(Vec<&'a Member>),
    /// One modifier.
    One(Box<Modifier<'a>>),
}

/// One modifier: `{ "name": { fields } }`.
#[derive(Clone, Debug)]
pub struct Modifier<'a> {
    /// The name as written.
    pub name: &'a str,
    /// The name's span.
    pub name_span: Span,
    /// The kind, `None` for a name CE does not register.
    pub kind: Option<Kind>,
    /// The name's value (its fields).
    pub body: &'a Node,
    /// The roles it runs in: its scope (every role its kind implements when
    /// absent), within the roles of the filter or group it sits in.
    pub active: Roles,
    /// The modifier objects it holds (filters and groups), in order.
    pub children: Vec<Slot<'a>>,
}

impl<'a> Martian<'a> {
    /// Reads the namespace value (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &'a Node) -> Self {
        Martian {
            key_span,
            root: slot(Some(node), node.span, Place::Namespace, None, Roles::BOTH),
        }
    }

    /// Every slot, depth first (the root first).
    pub fn slots(&self) -> Vec<&Slot<'a>> {
        let mut out = Vec::new();
        let mut stack = vec![&self.root];
        while let Some(s) = stack.pop() {
            out.push(s);
            if let Content::One(m) = &s.content {
                stack.extend(m.children.iter().rev());
            }
        }
        out
    }

    /// Every modifier, depth first (the root first).
    pub fn modifiers(&self) -> Vec<&Modifier<'a>> {
        self.slots()
            .into_iter()
            .filter_map(|s| match &s.content {
                Content::One(m) => Some(&**m),
                _ => None,
            })
            .collect()
    }

    /// Whether CE parses it: every slot holds one known modifier. The
    /// rules report what else fails (types, scopes, regexes…).
    pub fn is_well_formed(&self) -> bool {
        self.slots()
            .iter()
            .all(|s| matches!(&s.content, Content::One(m) if m.kind.is_some()))
    }
}

/// Reads a slot: `node` is its value (`None`: absent), `at` where to
/// report a missing one, `parent` the roles of the enclosing modifier.
fn slot<'a>(
    node: Option<&'a Node>,
    at: Span,
    place: Place,
    owner: Option<&'a str>,
    parent: Roles,
) -> Slot<'a> {
    let Some(node) = node else {
        return Slot {
            span: at,
            place,
            owner,
            content: Content::Missing,
        };
    };
    let content = match &node.kind {
        NodeKind::Null => Content::Keys(Vec::new()),
        NodeKind::Object(members) => {
            let keys = distinct_keys(members);
            match keys.as_slice() {
                [one] => Content::One(Box::new(modifier(one, parent))),
                _ => Content::Keys(keys),
            }
        }
        _ => Content::NotObject(node),
    };
    Slot {
        span: node.span,
        place,
        owner,
        content,
    }
}

/// The members of an object as Go's map keeps them: one per key, the last
/// of duplicates, in first-appearance order.
fn distinct_keys(members: &[Member]) -> Vec<&Member> {
    let mut out: Vec<&Member> = Vec::new();
    for m in members {
        match out.iter_mut().find(|o| o.key == m.key) {
            Some(o) => *o = m,
            None => out.push(m),
        }
    }
    out
}

fn modifier<'a>(member: &'a Member, parent: Roles) -> Modifier<'a> {
    let kind = Kind::from_name(&member.key);
    let body = &member.value;
    let active = match kind {
        Some(k) => own_roles(k, body).and(parent),
        None => Roles::NONE,
    };
    let mut m = Modifier {
        name: &member.key,
        name_span: member.key_span,
        kind,
        body,
        active,
        children: Vec::new(),
    };
    if let Some(k) = kind {
        m.children = children(&m, k, active);
    }
    m
}

/// The roles a modifier's `scope` asks for (valid names only), or every
/// role its kind implements when the scope is absent, `null` or not a list
/// (a list of another type is an error reported elsewhere).
fn own_roles(kind: Kind, body: &Node) -> Roles {
    let Some(scope) = field(body, "scope") else {
        return kind.roles();
    };
    let Some(items) = scope.value.as_array() else {
        return kind.roles();
    };
    let mut r = Roles::NONE;
    for i in items {
        match i.as_str() {
            Some("request") => r.request = true,
            Some("response") => r.response = true,
            _ => {}
        }
    }
    r.and(kind.roles())
}

fn children<'a>(m: &Modifier<'a>, kind: Kind, active: Roles) -> Vec<Slot<'a>> {
    let body = m.body;
    let owner = Some(m.name);
    let mut out = Vec::new();
    if body.as_object().is_none() {
        return out;
    }
    match kind {
        Kind::FifoGroup => {
            if let Some(items) = field(body, "modifiers").and_then(|f| f.value.as_array()) {
                for (i, item) in items.iter().enumerate() {
                    out.push(slot(Some(item), item.span, Place::Group(i), owner, active));
                }
            }
        }
        Kind::PriorityGroup => {
            if let Some(items) = field(body, "modifiers").and_then(|f| f.value.as_array()) {
                for (i, item) in items.iter().enumerate() {
                    match &item.kind {
                        NodeKind::Object(_) => {
                            let inner = field(item, "modifier").map(|f| &f.value);
                            out.push(slot(inner, item.span, Place::Priority(i), owner, active));
                        }
                        // A `null` entry is a zero struct: no modifier.
                        NodeKind::Null => {
                            out.push(slot(None, item.span, Place::Priority(i), owner, active));
                        }
                        // Another type is a decode error (GW724).
                        _ => {}
                    }
                }
            }
        }
        k if k.is_filter() => {
            let then = field(body, "modifier").map(|f| &f.value);
            out.push(slot(then, body.span, Place::Then, owner, active));
            let has_else = k.fields().iter().any(|(f, _)| *f == "else");
            if has_else && let Some(e) = field(body, "else") {
                out.push(slot(
                    Some(&e.value),
                    e.value.span,
                    Place::Else,
                    owner,
                    active,
                ));
            }
        }
        _ => {}
    }
    out
}

/// Go's `encoding/json` key matching for struct field `name`: the key
/// itself or one equal to it ignoring case; of several, the one sorting
/// last (koanf marshals the map again, sorted, and the last one decoded
/// wins). Duplicate keys: the last one written.
pub fn field<'a>(body: &'a Node, name: &str) -> Option<&'a Member> {
    let members = body.as_object()?;
    members
        .iter()
        .rev()
        .filter(|m| fold_eq(&m.key, name))
        .fold(None, |best: Option<&Member>, m| match best {
            Some(b) if b.key.as_str() >= m.key.as_str() => Some(b),
            _ => Some(m),
        })
}

/// Go's case folding for field names (`encoding/json` folds with
/// `unicode.SimpleFold`): equal when lower-cased, with `ſ` as `s` and the
/// Kelvin sign as `k`.
pub fn fold_eq(a: &str, b: &str) -> bool {
    fn fold(c: char) -> impl Iterator<Item = char> {
        let c = match c {
            'ſ' => 's',
            '\u{212A}' => 'k',
            c => c,
        };
        c.to_lowercase()
    }
    a.chars().flat_map(fold).eq(b.chars().flat_map(fold))
}

impl<'a> Modifier<'a> {
    /// The member holding field `name` (Go's matching, see [`field`]).
    pub fn field(&self, name: &str) -> Option<&'a Member> {
        field(self.body, name)
    }

    /// Field `name` as a string, when it is one.
    pub fn str_field(&self, name: &str) -> Option<&'a str> {
        self.field(name)?.value.as_str()
    }

    /// The members that are no field of the kind (nor `scope`), except
    /// comment keys (`@…`, `$…`, `_…`, `#…`).
    pub fn unknown_fields(&self) -> Vec<&'a Member> {
        let Some(kind) = self.kind else {
            return Vec::new();
        };
        let Some(members) = self.body.as_object() else {
            return Vec::new();
        };
        members
            .iter()
            .filter(|m| !m.key.starts_with(['@', '$', '_', '#']))
            .filter(|m| {
                !fold_eq(&m.key, "scope") && !kind.fields().iter().any(|(f, _)| fold_eq(&m.key, f))
            })
            .collect()
    }

    /// Every value CE's decoder rejects: (the value, its key, what the
    /// field takes). A body that is not an object (nor `null`) is one
    /// finding on the body with an empty key.
    pub fn type_errors(&self) -> Vec<TypeError<'a>> {
        let Some(kind) = self.kind else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match &self.body.kind {
            NodeKind::Null => return out,
            NodeKind::Object(_) => {}
            _ => {
                out.push(TypeError {
                    node: self.body,
                    key: "",
                    key_span: self.name_span,
                    expected: "an object of fields",
                });
                return out;
            }
        }
        let fields = kind.fields().iter().chain([&("scope", FieldType::Scope)]);
        for &(name, ty) in fields {
            let Some(m) = self.field(name) else { continue };
            for (node, expected) in decode_errors(ty, &m.value) {
                out.push(TypeError {
                    node,
                    key: name,
                    key_span: m.key_span,
                    expected,
                });
            }
        }
        out
    }
}

/// What `parse.NewResult` rejects in a `scope`.
#[derive(Clone, Copy, Debug)]
pub enum ScopeProblem<'a> {
    /// An entry that is neither `request` nor `response` (`parse: invalid
    /// scope: x not in ["request", "response"]`).
    Unknown(&'a Node),
    /// A role the modifier does not implement (`parse: invalid scope
    /// "response" for modifier`).
    NotImplemented(&'a Node, &'static str),
    /// `stash.Modifier` with `response` but not `request` (it writes the
    /// response header from the request's): the scope's span.
    StashResponseOnly(Span),
}

impl<'a> Modifier<'a> {
    /// What CE's parser rejects in the modifier's `scope`.
    pub fn scope_problems(&self) -> Vec<ScopeProblem<'a>> {
        let mut out = Vec::new();
        let Some(kind) = self.kind else {
            return out;
        };
        let Some(scope) = self.field("scope") else {
            return out;
        };
        let Some(items) = scope.value.as_array() else {
            return out;
        };
        let roles = kind.roles();
        let (mut request, mut response) = (false, false);
        for item in items {
            match item.as_str() {
                Some("request") if roles.request => request = true,
                Some("response") if roles.response => response = true,
                Some("request") => out.push(ScopeProblem::NotImplemented(item, "request")),
                Some("response") => out.push(ScopeProblem::NotImplemented(item, "response")),
                // Another type is GW724's; a null entry is the empty name.
                Some(_) | None if !matches!(item.kind, NodeKind::String(_) | NodeKind::Null) => {}
                _ => out.push(ScopeProblem::Unknown(item)),
            }
        }
        if kind == Kind::StashModifier && response && !request {
            out.push(ScopeProblem::StashResponseOnly(scope.value.span));
        }
        out
    }
}

/// A value Go's decoder rejects.
#[derive(Clone, Debug)]
pub struct TypeError<'a> {
    /// The value.
    pub node: &'a Node,
    /// The field it is for (empty: the modifier's whole value).
    pub key: &'static str,
    /// The field key's span.
    pub key_span: Span,
    /// What the field takes.
    pub expected: &'static str,
}

/// The values of a field of type `ty` that Go's decoder rejects (with
/// what it expects); `null` is always accepted.
fn decode_errors(ty: FieldType, node: &Node) -> Vec<(&Node, &'static str)> {
    if matches!(node.kind, NodeKind::Null) {
        return Vec::new();
    }
    let bad = |n| vec![(n, ty.describe())];
    match ty {
        FieldType::String => match node.kind {
            NodeKind::String(_) => Vec::new(),
            _ => bad(node),
        },
        FieldType::Bool => match node.kind {
            NodeKind::Bool(_) => Vec::new(),
            _ => bad(node),
        },
        FieldType::Int => match &node.kind {
            NodeKind::Number(n) if go_int(n.as_f64()).is_some() => Vec::new(),
            _ => bad(node),
        },
        FieldType::Strings => match &node.kind {
            NodeKind::Array(items) => items
                .iter()
                .filter(|i| !matches!(i.kind, NodeKind::String(_) | NodeKind::Null))
                .map(|i| (i, "a string"))
                .collect(),
            _ => bad(node),
        },
        FieldType::Scope => match &node.kind {
            NodeKind::Array(items) => items
                .iter()
                .filter(|i| !matches!(i.kind, NodeKind::String(_) | NodeKind::Null))
                .map(|i| (i, "`request` or `response`"))
                .collect(),
            _ => bad(node),
        },
        FieldType::StringMap => match &node.kind {
            NodeKind::Object(members) => members
                .iter()
                .filter(|m| !matches!(m.value.kind, NodeKind::String(_) | NodeKind::Null))
                .map(|m| (&m.value, "a string"))
                .collect(),
            _ => bad(node),
        },
        FieldType::Time => match &node.kind {
            NodeKind::String(s) if parse_rfc3339(s).is_some() => Vec::new(),
            _ => bad(node),
        },
        // Base64 content is GW723's; only the JSON type is checked here.
        FieldType::Base64 => match node.kind {
            NodeKind::String(_) => Vec::new(),
            _ => bad(node),
        },
        // Any JSON value is a `json.RawMessage`; what it holds is a slot.
        FieldType::Modifier => Vec::new(),
        FieldType::Modifiers => match node.kind {
            NodeKind::Array(_) => Vec::new(),
            _ => bad(node),
        },
        FieldType::Priorities => match &node.kind {
            NodeKind::Array(items) => {
                let mut out = Vec::new();
                for i in items {
                    match &i.kind {
                        NodeKind::Null => {}
                        NodeKind::Object(_) => {
                            if let Some(p) = field(i, "priority") {
                                out.extend(decode_errors(FieldType::Int, &p.value));
                            }
                        }
                        _ => out.push((i, "a `{\"priority\": N, \"modifier\": {…}}` object")),
                    }
                }
                out
            }
            _ => bad(node),
        },
    }
}

/// Go's `base64.StdEncoding` (padded, not strict), as `encoding/json`
/// decodes a `[]byte` field.
const GO_STD_B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// A `[]byte` field's string as Go decodes it: standard base64 with its
/// padding; `\r` and `\n` are skipped (Go's decoder ignores them).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let clean: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    GO_STD_B64.decode(clean).ok()
}

/// A number as CE's Go `int` field reads it after koanf's float64: the
/// integer, when the float is integral and fits (`json.Marshal` writes
/// floats of 1e21 and more with an exponent, which `ParseInt` rejects).
pub fn go_int(f: Option<f64>) -> Option<i64> {
    let f = f?;
    (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
}

/// An RFC 3339 time as Go's `time.Time` JSON decoder reads it:
/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`. Returns the seconds since the
/// Unix epoch (UTC) and the year.
pub fn parse_rfc3339(s: &str) -> Option<(i64, i64)> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 59
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i..)? {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let h = i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0');
            let m = i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0');
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 3600 + m * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + min * 60 + sec - offset, year))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl<'a> Config<'a> {
    /// Every backend with a `modifier/martian` namespace, with its endpoint.
    pub fn martians(
        &self,
    ) -> impl Iterator<Item = (&Endpoint<'a>, &crate::model::Backend<'a>, &Martian<'a>)> {
        self.endpoints.iter().flat_map(|e| {
            e.backends
                .iter()
                .filter_map(move |b| Some((e, b, b.extra.martian.as_ref()?)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> crate::syntax::Node {
        crate::syntax::parse(text, crate::syntax::Format::Json)
            .root
            .expect("json")
    }

    #[test]
    fn field_matching_is_gos() {
        let n = parse(r#"{"Name": "a", "name": "b", "VALUE": "v"}"#);
        assert_eq!(field(&n, "name").and_then(|m| m.value.as_str()), Some("b"));
        assert_eq!(field(&n, "value").and_then(|m| m.value.as_str()), Some("v"));
        let n = parse(r#"{"name": "b", "NAME": "a"}"#);
        assert_eq!(field(&n, "name").and_then(|m| m.value.as_str()), Some("b"));
        assert!(field(&n, "nam").is_none());
    }

    #[test]
    fn roles_follow_scope_and_parent() {
        let n = parse(
            r#"{"fifo.Group": {"scope": ["request"], "modifiers": [
                {"header.Modifier": {"name": "a", "value": "b"}},
                {"status.Modifier": {"statusCode": 200}}
            ]}}"#,
        );
        let m = Martian::from_node(n.span, &n);
        let mods = m.modifiers();
        let roles: Vec<(&str, Roles)> = mods.iter().map(|m| (m.name, m.active)).collect();
        assert_eq!(
            roles,
            [
                ("fifo.Group", Roles::REQUEST),
                ("header.Modifier", Roles::REQUEST),
                ("status.Modifier", Roles::NONE),
            ]
        );
    }

    #[test]
    fn slots_count_distinct_keys() {
        let n = parse(r#"{"header.Modifier": {}, "@comment": "x"}"#);
        let m = Martian::from_node(n.span, &n);
        assert!(matches!(&m.root.content, Content::Keys(k) if k.len() == 2));
        let n = parse(r#"{"url.Filter": {"host": "h"}}"#);
        let m = Martian::from_node(n.span, &n);
        assert!(!m.is_well_formed());
        assert!(matches!(m.slots()[1].content, Content::Missing));
    }

    #[test]
    fn types_as_go_decodes_them() {
        let cases: &[(FieldType, &str, bool)] = &[
            (FieldType::Int, "200", true),
            (FieldType::Int, "200.0", true),
            (FieldType::Int, "2e2", true),
            (FieldType::Int, "1.5", false),
            (FieldType::Int, "1e21", false),
            (FieldType::Int, "\"200\"", false),
            (FieldType::Int, "null", true),
            (FieldType::String, "1", false),
            (FieldType::Bool, "\"true\"", false),
            (FieldType::Strings, "[\"a\", null]", true),
            (FieldType::Strings, "[\"a\", 1]", false),
            (FieldType::Scope, "\"request\"", false),
            (FieldType::Time, "\"2025-04-12T23:20:50.52Z\"", true),
            (FieldType::Time, "\"2025-04-12 23:20:50Z\"", false),
            (FieldType::Time, "\"2025-02-30T00:00:00Z\"", false),
            (FieldType::Time, "\"2025-04-12T23:20:50+02:00\"", true),
        ];
        for (ty, text, ok) in cases {
            let n = parse(text);
            assert_eq!(decode_errors(*ty, &n).is_empty(), *ok, "{ty:?} {text}");
        }
    }

    #[test]
    fn base64_as_go() {
        assert_eq!(
            decode_base64("eyJtc2ciOiJ5b3Ugcm9jayEifQ==").as_deref(),
            Some(&br#"{"msg":"you rock!"}"#[..])
        );
        assert_eq!(decode_base64("YQ==\n").as_deref(), Some(&b"a"[..]));
        assert_eq!(decode_base64("YR==").as_deref(), Some(&b"a"[..]));
        assert!(decode_base64("YQ").is_none());
        assert!(decode_base64("{\"msg\": 1}").is_none());
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn rfc3339_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 1970)));
        assert_eq!(
            parse_rfc3339("2025-04-12T23:20:50.52Z"),
            Some((1_744_500_050, 2025))
        );
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some((0, 1970)));
    }
}
