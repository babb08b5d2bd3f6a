//! `modifier/martian` in the pipeline (krakend-components §1.1 steps 17
//! and 19): request modifiers on each attempt's final request, after the
//! pool picked the host; the response side once, on the answer the pool
//! settled on, after redirects; a modifier's failure fails the backend.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use gw_runtime::spec::*;

fn host_policy(name: &'static str) -> HostPolicy {
    HostPolicy {
        name,
        weight: 1,
        backup: false,
        http: HttpOptions::DEFAULT,
        active: None,
    }
}

/// Two hosts, a retry on 5xx.
fn failover_pool(a: &'static str, b: &'static str) -> &'static PoolPolicy {
    leak(PoolPolicy {
        algorithm: Algorithm::RoundRobin,
        hosts: leak_slice(vec![host_policy(a), host_policy(b)]),
        schedule: &[],
        backup_schedule: &[],
        all_unhealthy: AllUnhealthy::FailOpen,
        passive: None,
        failover: Some(Failover::DEFAULT),
        debug_headers: false,
    })
}

fn noop_endpoint(path: &'static str, b: Backend) -> Endpoint {
    let mut ep = endpoint(
        Method::Get,
        path,
        leak_slice(vec![Segment::Static(&path[1..])]),
        &[],
        vec![b],
    );
    ep.output = OutputEncoding::NoOp;
    ep
}

#[tokio::test]
async fn request_modifiers_run_on_each_attempt_after_the_host_is_picked() {
    let (a, a_log) = upstream(|_| Reply::json(r#"{"host":"a"}"#).status(503)).await;
    let (b, b_log) = upstream(|_| Reply::json(r#"{"host":"b"}"#)).await;
    let b_authority = leak_str(b.trim_start_matches("http://").to_owned());
    let martian = leak(Martian {
        request: Some(leak(Modifier::Group {
            modifiers: leak_slice(vec![
                Modifier::SetHeader {
                    name: "X-Martian",
                    value: "1",
                },
                Modifier::Filter {
                    when: Condition::Url {
                        scheme: None,
                        host: Some(b_authority),
                        path: None,
                        query: None,
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-On-B",
                        value: "yes",
                    }),
                    otherwise: None,
                },
            ]),
            aggregate_errors: false,
        })),
        response: Some(&Modifier::AppendHeader {
            name: "X-Answered",
            value: "once",
        }),
        regexes: &[],
    });
    let mut bk = backend(a, &[UrlPiece::Literal("/x")]);
    bk.hosts = leak_slice(vec![a, b]);
    bk.lb = Some(failover_pool(a, b));
    bk.martian = Some(martian);
    let gw = start(gateway(vec![noop_endpoint("/x", bk)])).await;
    let r = get(gw.addr, "/x").await;
    assert_eq!((r.status, r.text()), (200, r#"{"host":"b"}"#));
    let answered: Vec<_> = r.headers.get_all("x-answered").iter().collect();
    assert_eq!(answered.len(), 1, "the response side runs once");
    let a_seen = a_log.lock().unwrap().clone();
    let b_seen = b_log.lock().unwrap().clone();
    assert_eq!((a_seen.len(), b_seen.len()), (1, 1));
    assert_eq!(a_seen[0].headers.get("x-martian").unwrap(), "1");
    assert!(a_seen[0].headers.get("x-on-b").is_none());
    assert_eq!(b_seen[0].headers.get("x-martian").unwrap(), "1");
    assert_eq!(b_seen[0].headers.get("x-on-b").unwrap(), "yes");
}

#[tokio::test]
async fn redirects_carry_the_modified_request_and_responses_see_the_final_url() {
    let (h, log) = upstream(|s| match s.uri.as_str() {
        "/start" => Reply::json("{}").status(302).header("location", "/final"),
        _ => Reply::json(r#"{"final":true}"#),
    })
    .await;
    let martian = leak(Martian {
        request: Some(&Modifier::RequestId {
            header: "X-Krakend-Id",
        }),
        response: Some(&Modifier::Filter {
            when: Condition::Url {
                scheme: None,
                host: None,
                path: Some("/final"),
                query: None,
            },
            then: Some(&Modifier::SetHeader {
                name: "X-Final",
                value: "yes",
            }),
            otherwise: None,
        }),
        regexes: &[],
    });
    let mut bk = backend(h, &[UrlPiece::Literal("/start")]);
    bk.martian = Some(martian);
    let gw = start(gateway(vec![noop_endpoint("/r", bk)])).await;
    let r = get(gw.addr, "/r").await;
    assert_eq!((r.status, r.text()), (200, r#"{"final":true}"#));
    assert_eq!(r.header("x-final"), Some("yes"));
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let id = |i: usize| seen[i].headers.get("x-krakend-id").unwrap().clone();
    assert_eq!(id(0), id(1), "the redirect resends the request as modified");
}

#[tokio::test]
async fn a_failing_modifier_fails_the_backend_and_nothing_is_sent() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let martian = leak(Martian {
        request: Some(&Modifier::SetHeader {
            name: "Content-Length",
            value: "ten",
        }),
        response: None,
        regexes: &[],
    });
    let mut bk = backend(h, &[UrlPiece::Literal("/x")]);
    bk.martian = Some(martian);
    let mut ep = noop_endpoint("/x", bk);
    ep.output = OutputEncoding::Json;
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/x").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert!(log.lock().unwrap().is_empty());
}
