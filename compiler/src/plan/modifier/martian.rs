//! `modifier/martian`, planned (`gw_runtime::spec::Martian`): the modifier
//! tree split into what runs on the request and what runs on the response,
//! every scope resolved as martian's `parse.Result` resolves it, every
//! value CE computes when it parses the config computed here: canonical
//! header names, the decoded body, the cookie's two texts, the priority
//! group's order, the cleaned static root.

use crate::model::modifier::martian::{
    self as model, Content, Kind, Modifier as Node, Place, Slot, decode_base64, go_int,
    parse_rfc3339,
};
use crate::plan::canonical_header_key;

/// `modifier/martian` on one backend.
#[derive(Clone, Debug, PartialEq)]
pub struct Martian {
    /// What runs on the request.
    pub request: Option<Modifier>,
    /// What runs on the response.
    pub response: Option<Modifier>,
    /// The filters' patterns, indexed by their conditions.
    pub regexes: Vec<String>,
}

/// One modifier of a side (`gw_runtime::spec::Modifier`).
#[derive(Clone, Debug, PartialEq)]
pub enum Modifier {
    /// `header.Modifier`.
    SetHeader {
        /// Canonical name.
        name: String,
        /// Value.
        value: String,
    },
    /// `header.Append`.
    AppendHeader {
        /// Canonical name.
        name: String,
        /// Value.
        value: String,
    },
    /// `header.Blacklist`.
    RemoveHeaders(Vec<String>),
    /// `header.Copy`.
    CopyHeader {
        /// Read.
        from: String,
        /// Written.
        to: String,
    },
    /// `header.Id`.
    RequestId {
        /// The header (`X-Krakend-Id` by default).
        header: String,
    },
    /// `querystring.Modifier`.
    SetQuery {
        /// Parameter.
        name: String,
        /// Value.
        value: String,
    },
    /// `url.Modifier` (empty parts left out).
    SetUrl {
        /// Scheme.
        scheme: Option<String>,
        /// Host.
        host: Option<String>,
        /// Path.
        path: Option<String>,
        /// Raw query.
        query: Option<String>,
    },
    /// `body.Modifier`.
    Body {
        /// `Content-Type`.
        content_type: String,
        /// The decoded body.
        body: Vec<u8>,
    },
    /// `cookie.Modifier`.
    Cookie {
        /// `name=value` for requests.
        pair: String,
        /// `Set-Cookie` for responses.
        set_cookie: String,
    },
    /// `port.Modifier`.
    Port(PortChange),
    /// `stash.Modifier`.
    Stash {
        /// The header.
        header: String,
    },
    /// `status.Modifier`.
    Status(u16),
    /// `static.Modifier`.
    Static {
        /// `rootPath`, cleaned.
        root: String,
        /// `explicitPaths`, sorted.
        explicit: Vec<(String, String)>,
    },
    /// `fifo.Group` and `priority.Group` (sorted).
    Group {
        /// The modifiers of this side, in run order.
        modifiers: Vec<Modifier>,
        /// `aggregateErrors`.
        aggregate_errors: bool,
    },
    /// A filter.
    Filter {
        /// The condition.
        when: Condition,
        /// `modifier` on this side.
        then: Option<Box<Modifier>>,
        /// `else` on this side.
        otherwise: Option<Box<Modifier>>,
    },
}

/// `port.Modifier`'s option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortChange {
    /// `port`.
    Use(u16),
    /// `defaultForScheme`.
    DefaultForScheme,
    /// `remove`.
    Remove,
}

/// A filter's condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `header.Filter`.
    Header {
        /// Canonical name.
        name: String,
        /// Value.
        value: String,
    },
    /// `header.RegexFilter`.
    HeaderRegex {
        /// The header.
        header: String,
        /// Index in [`Martian::regexes`].
        regex: u16,
    },
    /// `querystring.Filter`.
    Query {
        /// Parameter.
        name: String,
        /// Value (empty: any).
        value: String,
    },
    /// `url.Filter` (empty parts left out).
    Url {
        /// Scheme.
        scheme: Option<String>,
        /// Host pattern.
        host: Option<String>,
        /// Path.
        path: Option<String>,
        /// Raw query.
        query: Option<String>,
    },
    /// `url.RegexFilter`.
    UrlRegex(u16),
    /// `cookie.Filter`.
    Cookie {
        /// Name.
        name: String,
        /// Value (empty: any).
        value: String,
    },
    /// `port.Filter`.
    Port(i64),
}

/// Which side is planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

/// Plans a backend's `modifier/martian`. `None` when nothing runs on
/// either side; `Err` on a tree CE would not parse (the linter reports
/// those first, GW720-GW726).
pub fn plan(m: &model::Martian<'_>) -> Result<Option<Martian>, String> {
    if !m.is_well_formed() {
        return Err("a modifier object CE cannot parse (see GW720, GW721)".into());
    }
    let mut regexes = Vec::new();
    let request = slot(&m.root, Side::Request, &mut regexes)?;
    let response = slot(&m.root, Side::Response, &mut regexes)?;
    if request.is_none() && response.is_none() {
        return Ok(None);
    }
    Ok(Some(Martian {
        request,
        response,
        regexes,
    }))
}

fn slot(s: &Slot<'_>, side: Side, regexes: &mut Vec<String>) -> Result<Option<Modifier>, String> {
    match &s.content {
        Content::One(m) => modifier(m, side, regexes),
        _ => Err(format!("{} holds no modifier", s.describe())),
    }
}

fn child(
    m: &Node<'_>,
    place: Place,
    side: Side,
    regexes: &mut Vec<String>,
) -> Result<Option<Box<Modifier>>, String> {
    match m.children.iter().find(|c| c.place == place) {
        Some(s) => Ok(slot(s, side, regexes)?.map(Box::new)),
        None => Ok(None),
    }
}

fn string(m: &Node<'_>, key: &str) -> String {
    m.str_field(key).unwrap_or_default().to_string()
}

fn part(m: &Node<'_>, key: &str) -> Option<String> {
    m.str_field(key)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn int(m: &Node<'_>, key: &str) -> Option<i64> {
    go_int(m.field(key)?.value.as_number()?.as_f64())
}

fn flag(m: &Node<'_>, key: &str) -> bool {
    m.field(key)
        .and_then(|f| f.value.as_bool())
        .unwrap_or(false)
}

fn regex(m: &Node<'_>, regexes: &mut Vec<String>) -> Result<u16, String> {
    let r = string(m, "regex");
    let i = match regexes.iter().position(|x| *x == r) {
        Some(i) => i,
        None => {
            regexes.push(r);
            regexes.len() - 1
        }
    };
    u16::try_from(i).map_err(|_| "too many regex filters".to_string())
}

fn modifier(
    m: &Node<'_>,
    side: Side,
    regexes: &mut Vec<String>,
) -> Result<Option<Modifier>, String> {
    let on = match side {
        Side::Request => m.active.request,
        Side::Response => m.active.response,
    };
    if !on {
        return Ok(None);
    }
    let Some(kind) = m.kind else {
        return Err(format!("unknown modifier `{}`", m.name));
    };
    let filter =
        |when: Condition, regexes: &mut Vec<String>, with_else: bool| -> Result<Modifier, String> {
            Ok(Modifier::Filter {
                when,
                then: child(m, Place::Then, side, regexes)?,
                otherwise: if with_else {
                    child(m, Place::Else, side, regexes)?
                } else {
                    None
                },
            })
        };
    Ok(Some(match kind {
        Kind::HeaderModifier => Modifier::SetHeader {
            name: canonical_header_key(&string(m, "name")),
            value: string(m, "value"),
        },
        Kind::HeaderAppend => Modifier::AppendHeader {
            name: canonical_header_key(&string(m, "name")),
            value: string(m, "value"),
        },
        Kind::HeaderBlacklist => Modifier::RemoveHeaders(
            m.field("names")
                .and_then(|f| f.value.as_array())
                .map(|a| {
                    a.iter()
                        .map(|n| n.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Kind::HeaderCopy => Modifier::CopyHeader {
            from: string(m, "from"),
            to: string(m, "to"),
        },
        Kind::HeaderId => Modifier::RequestId {
            header: part(m, "header").unwrap_or_else(|| "X-Krakend-Id".into()),
        },
        Kind::QueryModifier => Modifier::SetQuery {
            name: string(m, "name"),
            value: string(m, "value"),
        },
        Kind::UrlModifier => Modifier::SetUrl {
            scheme: part(m, "scheme"),
            host: part(m, "host"),
            path: part(m, "path"),
            query: part(m, "query"),
        },
        Kind::BodyModifier => Modifier::Body {
            content_type: string(m, "contentType"),
            body: decode_base64(&string(m, "body"))
                .ok_or_else(|| "`body.Modifier`'s body is not base64 (GW723)".to_string())?,
        },
        Kind::CookieModifier => cookie(m)?,
        Kind::PortModifier => {
            let port = int(m, "port").unwrap_or(0);
            Modifier::Port(if port != 0 {
                PortChange::Use(u16::try_from(port).map_err(|_| format!("port {port} (GW733)"))?)
            } else if flag(m, "defaultForScheme") {
                PortChange::DefaultForScheme
            } else if flag(m, "remove") {
                PortChange::Remove
            } else {
                return Err("`port.Modifier` without an option (GW726)".into());
            })
        }
        Kind::StashModifier => Modifier::Stash {
            header: string(m, "headerName"),
        },
        Kind::StatusModifier => {
            let code = int(m, "statusCode").unwrap_or(0);
            match u16::try_from(code) {
                Ok(c) if (200..=999).contains(&c) => Modifier::Status(c),
                _ => return Err(format!("status {code} (GW734)")),
            }
        }
        Kind::StaticModifier => {
            let mut explicit: Vec<(String, String)> = m
                .field("explicitPaths")
                .and_then(|f| f.value.as_object())
                .map(|o| {
                    o.iter()
                        .map(|e| {
                            (
                                e.key.clone(),
                                e.value.as_str().unwrap_or_default().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            explicit.sort();
            explicit.dedup_by(|a, b| a.0 == b.0);
            Modifier::Static {
                root: clean_path(&string(m, "rootPath")),
                explicit,
            }
        }
        // Verifiers only record findings for martian's own proxy.
        Kind::HeaderVerifier | Kind::QueryVerifier | Kind::UrlVerifier | Kind::StatusVerifier => {
            return Ok(None);
        }
        Kind::FifoGroup => {
            let mut modifiers = Vec::new();
            for c in &m.children {
                modifiers.extend(slot(c, side, regexes)?);
            }
            Modifier::Group {
                modifiers,
                aggregate_errors: flag(m, "aggregateErrors"),
            }
        }
        Kind::PriorityGroup => {
            let priorities: Vec<i64> = m
                .field("modifiers")
                .and_then(|f| f.value.as_array())
                .map(|items| {
                    items
                        .iter()
                        .map(|i| {
                            model::field(i, "priority")
                                .and_then(|p| go_int(p.value.as_number()?.as_f64()))
                                .unwrap_or(0)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut ordered = Vec::new();
            for c in &m.children {
                let Place::Priority(i) = c.place else {
                    continue;
                };
                if let Some(planned) = slot(c, side, regexes)? {
                    ordered.push((priorities.get(i).copied().unwrap_or(0), i, planned));
                }
            }
            // martian inserts each one before the first of lower or equal
            // priority: highest first, and of equal ones the later first.
            ordered.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
            Modifier::Group {
                modifiers: ordered.into_iter().map(|(_, _, m)| m).collect(),
                aggregate_errors: false,
            }
        }
        Kind::HeaderFilter => filter(
            Condition::Header {
                name: canonical_header_key(&string(m, "name")),
                value: string(m, "value"),
            },
            regexes,
            true,
        )?,
        Kind::HeaderRegexFilter => {
            let i = regex(m, regexes)?;
            filter(
                Condition::HeaderRegex {
                    header: string(m, "header"),
                    regex: i,
                },
                regexes,
                false,
            )?
        }
        Kind::QueryFilter => filter(
            Condition::Query {
                name: string(m, "name"),
                value: string(m, "value"),
            },
            regexes,
            true,
        )?,
        Kind::UrlFilter => filter(
            Condition::Url {
                scheme: part(m, "scheme"),
                host: part(m, "host"),
                path: part(m, "path"),
                query: part(m, "query"),
            },
            regexes,
            true,
        )?,
        Kind::UrlRegexFilter => {
            let i = regex(m, regexes)?;
            filter(Condition::UrlRegex(i), regexes, true)?
        }
        Kind::CookieFilter => filter(
            Condition::Cookie {
                name: string(m, "name"),
                value: string(m, "value"),
            },
            regexes,
            true,
        )?,
        Kind::PortFilter => filter(Condition::Port(int(m, "port").unwrap_or(0)), regexes, false)?,
    }))
}

/// `cookie.Modifier`: the texts Go's `net/http` (1.25) makes of the
/// cookie, `Request.AddCookie`'s `name=value` and `Cookie.String()`.
fn cookie(m: &Node<'_>) -> Result<Modifier, String> {
    let name = string(m, "name");
    let value = sanitize_cookie_value(&string(m, "value"));
    let pair = format!("{}={value}", name.replace(['\n', '\r'], "-"));
    let mut set = format!("{name}={value}");
    let path: String = string(m, "path")
        .bytes()
        .filter(|b| (0x20..0x7f).contains(b) && *b != b';')
        .map(char::from)
        .collect();
    if !path.is_empty() {
        set.push_str("; Path=");
        set.push_str(&path);
    }
    let domain = string(m, "domain");
    if !domain.is_empty() && valid_cookie_domain(&domain) {
        set.push_str("; Domain=");
        set.push_str(domain.strip_prefix('.').unwrap_or(&domain));
    }
    if let Some(expires) = m.str_field("expires") {
        let (secs, year) = parse_rfc3339(expires)
            .ok_or_else(|| format!("`expires` {expires:?} is not an RFC 3339 time (GW724)"))?;
        if year >= 1601 {
            set.push_str("; Expires=");
            set.push_str(&http_date(secs));
        }
    }
    let max_age = int(m, "maxAge").unwrap_or(0);
    if max_age > 0 {
        set.push_str(&format!("; Max-Age={max_age}"));
    } else if max_age < 0 {
        set.push_str("; Max-Age=0");
    }
    if flag(m, "httpOnly") {
        set.push_str("; HttpOnly");
    }
    if flag(m, "secure") {
        set.push_str("; Secure");
    }
    Ok(Modifier::Cookie {
        pair,
        set_cookie: set,
    })
}

/// `sanitizeCookieValue(v, false)`: invalid bytes dropped, quoted when it
/// holds a space or a comma.
fn sanitize_cookie_value(v: &str) -> String {
    let kept: String = v
        .bytes()
        .filter(|b| (0x20..0x7f).contains(b) && !b"\";\\".contains(b))
        .map(char::from)
        .collect();
    if !kept.is_empty() && kept.contains([' ', ',']) {
        format!("\"{kept}\"")
    } else {
        kept
    }
}

/// `validCookieDomain`: a domain name (letters, digits, `-`, dots, with a
/// letter) or an IPv4 address; a leading dot is allowed.
fn valid_cookie_domain(v: &str) -> bool {
    if v.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    if v.is_empty() || v.len() > 255 {
        return false;
    }
    let s = v.strip_prefix('.').unwrap_or(v);
    let (mut last, mut letter, mut part) = (b'.', false, 0usize);
    for &c in s.as_bytes() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {
                letter = true;
                part += 1;
            }
            b'0'..=b'9' => part += 1,
            b'-' if last != b'.' => part += 1,
            b'.' if last != b'.' && last != b'-' && (1..=63).contains(&part) => part = 0,
            _ => return false,
        }
        last = c;
    }
    last != b'-' && part <= 63 && letter
}

/// Go's `http.TimeFormat` of a Unix time: `Mon, 02 Jan 2006 15:04:05 GMT`.
fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0)];
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} GMT")
}

/// Go's `path.Clean`.
fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(json: &str) -> Option<Martian> {
        let root = crate::syntax::parse(json, crate::syntax::Format::Json)
            .root
            .expect("json");
        let m = model::Martian::from_node(root.span, &root);
        plan(&m).expect("plans")
    }

    #[test]
    fn scopes_split_the_tree() {
        let p = planned(
            r#"{"fifo.Group": {"modifiers": [
                {"header.Modifier": {"scope": ["request"], "name": "x-a", "value": "1"}},
                {"status.Modifier": {"statusCode": 200}},
                {"header.Verifier": {"name": "X-B"}},
                {"header.Filter": {"scope": ["response"], "name": "x-c", "value": "v",
                   "modifier": {"header.Modifier": {"name": "X-D", "value": "1"}}}}
            ]}}"#,
        )
        .expect("some");
        assert_eq!(
            p.request,
            Some(Modifier::Group {
                modifiers: vec![Modifier::SetHeader {
                    name: "X-A".into(),
                    value: "1".into()
                }],
                aggregate_errors: false,
            })
        );
        let Some(Modifier::Group { modifiers, .. }) = p.response else {
            panic!("response group");
        };
        assert_eq!(modifiers.len(), 2);
        assert_eq!(modifiers[0], Modifier::Status(200));
        assert!(
            matches!(&modifiers[1], Modifier::Filter { when: Condition::Header { name, .. }, then: Some(_), otherwise: None } if name == "X-C")
        );
    }

    #[test]
    fn priority_order_is_martians() {
        let p = planned(
            r#"{"priority.Group": {"scope": ["request"], "modifiers": [
                {"priority": 0, "modifier": {"querystring.Modifier": {"name": "a", "value": "0"}}},
                {"priority": 100, "modifier": {"querystring.Modifier": {"name": "b", "value": "100"}}},
                {"priority": 0, "modifier": {"querystring.Modifier": {"name": "c", "value": "0"}}}
            ]}}"#,
        )
        .expect("some");
        let Some(Modifier::Group { modifiers, .. }) = p.request else {
            panic!("group");
        };
        let names: Vec<&str> = modifiers
            .iter()
            .map(|m| match m {
                Modifier::SetQuery { name, .. } => name.as_str(),
                _ => "?",
            })
            .collect();
        assert_eq!(names, ["b", "c", "a"]);
    }

    #[test]
    fn cookies_as_go_writes_them() {
        let p = planned(
            r#"{"cookie.Modifier": {"name": "AcceptCookies", "value": "yes please", "path": "/some/path",
                "domain": ".example.com", "expires": "2025-04-12T23:20:50.52Z", "secure": true,
                "httpOnly": true, "maxAge": 86400}}"#,
        )
        .expect("some");
        assert_eq!(
            p.response,
            Some(Modifier::Cookie {
                pair: "AcceptCookies=\"yes please\"".into(),
                set_cookie: "AcceptCookies=\"yes please\"; Path=/some/path; Domain=example.com; \
                             Expires=Sat, 12 Apr 2025 23:20:50 GMT; Max-Age=86400; HttpOnly; Secure"
                    .into(),
            })
        );
    }

    #[test]
    fn nothing_to_run_is_none() {
        assert_eq!(planned(r#"{"fifo.Group": {"scope": []}}"#), None);
        assert_eq!(
            planned(r#"{"header.Id": {}}"#).and_then(|p| p.request),
            Some(Modifier::RequestId {
                header: "X-Krakend-Id".into()
            })
        );
    }

    #[test]
    fn regex_filters_alone_need_the_runtime_feature() {
        let features = |ns: &str| {
            let text = format!(
                r#"{{"version": 3, "host": ["http://h"], "endpoints": [{{"endpoint": "/a",
                    "backend": [{{"url_pattern": "/a", "extra_config": {{"modifier/martian": {ns}}}}}]}}]}}"#
            );
            let parsed = crate::syntax::parse(&text, crate::syntax::Format::Json);
            let root = parsed.root.expect("parses");
            let config = crate::model::Config::from_tree(&root);
            crate::plan::plan(&config, &crate::plan::PlanOptions::default())
                .expect("plans")
                .runtime_features()
        };
        let regex = r#"{"url.RegexFilter": {"regex": "x", "modifier": {"header.Modifier": {"name": "A", "value": "1"}}}}"#;
        assert_eq!(features(regex), ["martian"]);
        assert!(features(r#"{"header.Modifier": {"name": "A", "value": "1"}}"#).is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
