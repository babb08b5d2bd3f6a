//! The client's IP address as KrakenD CE finds it: gin's `ClientIP()`
//! (v1.12 `context.go`, `gin.go`) with the `router` settings lura hands it
//! (`forwarded_by_client_ip`, `remote_ip_headers`, `trusted_proxies`).
//! Every stage that needs the client's address reads this one value: the
//! `X-Forwarded-For` the backends receive, the rate limit's `ip` key, the
//! access log.
//!
//! The rule, in gin's order:
//! 1. the peer is the connection's address (an IPv4-mapped IPv6 address
//!    as IPv4, as Go prints it);
//! 2. when `forwarded_by_client_ip` is on and the peer is a trusted proxy,
//!    each `remote_ip_headers` header in turn: its lines joined with `,`,
//!    read from the right, skipping trusted proxies; the first address
//!    that is not one (or the leftmost, when all are) is the client,
//!    written as the header has it, trimmed. An entry that is not an IP
//!    address gives up on that header, and the next one is tried;
//! 3. otherwise the peer.
//!
//! lura changes a gin default only when the config sets it, so without
//! `router` settings every peer is trusted and the headers are
//! `X-Forwarded-For` then `X-Real-IP`: any client chooses the address the
//! gateway believes (GW709, GW742 warn about it). `trusted_proxies` as gin
//! keeps it is a list of [`TrustedNet`]s, compared as Go's `IPNet.Contains`
//! compares: an IPv4 (or IPv4-mapped) address with the IPv4 networks, any
//! other with the IPv6 ones. The compiler reproduces gin's parsing of the
//! list (an invalid entry ends it, GW740).
//!
//! An address is checked with Rust's parser, which accepts what Go's
//! `net.ParseIP` accepts: dotted IPv4 without leading zeros, IPv6 with an
//! optional IPv4 tail, no zone (`table` tests below pin the edge cases).

use std::io::Write as _;
use std::net::IpAddr;

use hyper::HeaderMap;
use hyper::header::HeaderName;

use crate::spec::{ClientIpOptions, TrustedNet};

/// The longest text of an IP address Go's parser accepts
/// (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`).
const MAX_TEXT: usize = 45;

/// The client's address and its text as KrakenD writes it (the header's
/// own spelling when it came from one). Small and `Copy`: no allocation.
#[derive(Clone, Copy)]
pub struct ClientIp {
    addr: IpAddr,
    len: u8,
    text: [u8; MAX_TEXT],
}

impl std::fmt::Debug for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ClientIp {
    /// The peer's address, written as Go's `IP.String()` writes it.
    pub fn peer(ip: IpAddr) -> ClientIp {
        let addr = ip.to_canonical();
        let mut text = [0u8; MAX_TEXT];
        let len = match addr {
            IpAddr::V4(v4) => {
                // Every request's case: no formatting machinery.
                let mut n = 0;
                for (i, o) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        text[n] = b'.';
                        n += 1;
                    }
                    if o >= 100 {
                        text[n] = b'0' + o / 100;
                        n += 1;
                    }
                    if o >= 10 {
                        text[n] = b'0' + o / 10 % 10;
                        n += 1;
                    }
                    text[n] = b'0' + o % 10;
                    n += 1;
                }
                n
            }
            IpAddr::V6(v6) => {
                let mut w = &mut text[..];
                // At most 39 bytes (Rust writes no IPv4 tail but for
                // `::ffff:a.b.c.d`, which `to_canonical` made IPv4).
                let _ = write!(w, "{v6}");
                MAX_TEXT - w.len()
            }
        };
        ClientIp {
            addr,
            len: len as u8,
            text,
        }
    }

    /// An address read from a header, keeping its spelling.
    fn written(addr: IpAddr, written: &str) -> ClientIp {
        if written.len() > MAX_TEXT {
            // Not reached: no longer text parses as an address.
            return ClientIp::peer(addr);
        }
        let mut text = [0u8; MAX_TEXT];
        text[..written.len()].copy_from_slice(written.as_bytes());
        ClientIp {
            addr: addr.to_canonical(),
            len: written.len() as u8,
            text,
        }
    }

    /// The text KrakenD uses (`X-Forwarded-For`, rate-limit key, log).
    pub fn as_str(&self) -> &str {
        // Always ASCII: a formatted address, or header text that parsed as one.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
}

/// [`ClientIpOptions`], ready: the header names parsed once.
#[derive(Debug)]
pub struct Resolver {
    /// Whether the headers are read at all (`forwarded_by_client_ip` and at
    /// least one header).
    forwarded: bool,
    headers: Box<[HeaderName]>,
    trusted: &'static [TrustedNet],
}

impl Resolver {
    /// Builds it; a header name that is not one is skipped (the compiler
    /// reports it: no request can carry it).
    pub fn new(o: &ClientIpOptions) -> Resolver {
        let headers: Box<[HeaderName]> = o
            .remote_ip_headers
            .iter()
            .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
            .collect();
        Resolver {
            forwarded: o.forwarded_by_client_ip && !headers.is_empty(),
            headers,
            trusted: o.trusted_proxies,
        }
    }

    /// The client of a request from `peer` with `headers`.
    pub fn resolve(&self, headers: &HeaderMap, peer: IpAddr) -> ClientIp {
        let peer = ClientIp::peer(peer);
        if !self.forwarded || !is_trusted(self.trusted, peer.addr) {
            return peer;
        }
        self.headers
            .iter()
            .find_map(|name| from_header(self.trusted, headers, name))
            .unwrap_or(peer)
    }
}

/// gin's `validateHeader` on the lines of one header, joined with `,`
/// (an absent header, like an empty one, is no answer).
fn from_header(trusted: &[TrustedNet], headers: &HeaderMap, name: &HeaderName) -> Option<ClientIp> {
    // The entries from the right: the last line's last entry first.
    let mut entries = headers
        .get_all(name)
        .iter()
        .rev()
        .flat_map(|line| line.as_bytes().rsplit(|&b| b == b','));
    let mut next = entries.next();
    while let Some(raw) = next {
        next = entries.next();
        let text = std::str::from_utf8(raw).ok()?.trim();
        let ip: IpAddr = text.parse().ok()?;
        if next.is_none() || !is_trusted(trusted, ip) {
            return Some(ClientIp::written(ip, text));
        }
    }
    None
}

/// Go's `IPNet.Contains` over the list (gin's `isTrustedProxy`).
pub fn is_trusted(trusted: &[TrustedNet], ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let a = u32::from(v4);
            trusted
                .iter()
                .any(|n| matches!(n, TrustedNet::V4 { net, mask } if a & mask == *net))
        }
        IpAddr::V6(v6) => {
            let a = u128::from(v6);
            trusted
                .iter()
                .any(|n| matches!(n, TrustedNet::V6 { net, mask } if a & mask == *net))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap_or(HeaderName::from_static("x")),
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    const TEN: TrustedNet = TrustedNet::V4 {
        net: 0x0a00_0000,
        mask: 0xff00_0000,
    };
    const LOOPBACK: TrustedNet = TrustedNet::V4 {
        net: 0x7f00_0001,
        mask: u32::MAX,
    };
    const DOC6: TrustedNet = TrustedNet::V6 {
        net: 0x2001_0db8 << 96,
        mask: u128::MAX << 96,
    };

    /// gin's `ClientIP()` (v1.12), row by row: (forwarded, headers, trusted,
    /// request headers, peer) → the client's text.
    #[test]
    fn gin_client_ip_table() {
        let default = ClientIpOptions::DEFAULT;
        let ours: &[TrustedNet] = &[TEN, LOOPBACK, DOC6];
        let xff: &[&str] = &["x-forwarded-for", "x-real-ip"];
        let custom: &[&str] = &["x-client-ip"];
        type Row<'a> = (
            bool,
            &'a [&'a str],
            &'a [TrustedNet],
            &'a [(&'a str, &'a str)],
            &'a str,
            &'a str,
        );
        let table: &[Row] = &[
            // lura's defaults: every peer trusted, the leftmost entry wins.
            (
                true,
                xff,
                default.trusted_proxies,
                &[],
                "192.0.2.1",
                "192.0.2.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "203.0.113.9")],
                "192.0.2.1",
                "203.0.113.9",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "198.51.100.1, 10.0.0.1")],
                "192.0.2.1",
                "198.51.100.1",
            ),
            // One bad entry spoils the header: X-Real-IP is next.
            (
                true,
                xff,
                default.trusted_proxies,
                &[
                    ("x-forwarded-for", "nope, 10.0.0.1"),
                    ("x-real-ip", "192.0.2.44"),
                ],
                "192.0.2.1",
                "192.0.2.44",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "1.2.3.4, 10.0.0.1, x")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-real-ip", "  2001:DB8::7 ")],
                "192.0.2.1",
                "2001:DB8::7",
            ),
            // Empty lines and several lines: joined with `,` first.
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[
                    ("x-forwarded-for", "1.1.1.1"),
                    ("x-forwarded-for", "2.2.2.2"),
                ],
                "192.0.2.1",
                "1.1.1.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "1.1.1.1"), ("x-forwarded-for", "")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            // Go's parser: no leading zeros, no zone, no port.
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "01.2.3.4")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "fe80::1%eth0")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "1.2.3.4:80")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            (
                true,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "::ffff:1.2.3.4")],
                "192.0.2.1",
                "::ffff:1.2.3.4",
            ),
            // trusted_proxies: an untrusted peer's headers are not read.
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "203.0.113.9")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            // A trusted peer: the rightmost untrusted entry.
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "198.51.100.7, 203.0.113.9, 10.1.2.3")],
                "10.0.0.5",
                "203.0.113.9",
            ),
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "203.0.113.9, 10.1.2.3")],
                "127.0.0.1",
                "203.0.113.9",
            ),
            // All trusted: the leftmost.
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "10.9.9.9, 10.1.2.3")],
                "10.0.0.5",
                "10.9.9.9",
            ),
            // IPv4-mapped peers and entries match IPv4 networks.
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "203.0.113.9, ::ffff:10.1.2.3")],
                "::ffff:10.0.0.5",
                "203.0.113.9",
            ),
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "203.0.113.9, 2001:db8::5")],
                "2001:db8::1",
                "203.0.113.9",
            ),
            (
                true,
                xff,
                ours,
                &[("x-forwarded-for", "203.0.113.9")],
                "2001:db9::1",
                "2001:db9::1",
            ),
            // remote_ip_headers replaces the defaults.
            (
                true,
                custom,
                ours,
                &[
                    ("x-forwarded-for", "203.0.113.9"),
                    ("x-client-ip", "198.51.100.3"),
                ],
                "10.0.0.5",
                "198.51.100.3",
            ),
            (
                true,
                custom,
                ours,
                &[("x-forwarded-for", "203.0.113.9")],
                "10.0.0.5",
                "10.0.0.5",
            ),
            // forwarded_by_client_ip: false → the peer.
            (
                false,
                xff,
                default.trusted_proxies,
                &[("x-forwarded-for", "203.0.113.9")],
                "192.0.2.1",
                "192.0.2.1",
            ),
            // A peer written as IPv4-mapped is IPv4.
            (
                false,
                xff,
                default.trusted_proxies,
                &[],
                "::ffff:192.0.2.1",
                "192.0.2.1",
            ),
            // No trusted network at all (gin's list after a bad first entry).
            (
                true,
                xff,
                &[],
                &[("x-forwarded-for", "203.0.113.9")],
                "192.0.2.1",
                "192.0.2.1",
            ),
        ];
        for (forwarded, names, trusted, sent, peer, want) in table {
            let r = Resolver::new(&ClientIpOptions {
                forwarded_by_client_ip: *forwarded,
                remote_ip_headers: names,
                trusted_proxies: trusted,
            });
            let got = r.resolve(&headers(sent), ip(peer));
            assert_eq!(got.as_str(), *want, "{sent:?} from {peer}");
            assert_eq!(got.addr(), ip(want).to_canonical(), "{sent:?} from {peer}");
        }
    }

    #[test]
    fn peer_text_is_go_text() {
        for (addr, want) in [
            ("1.2.3.4", "1.2.3.4"),
            ("0.0.0.0", "0.0.0.0"),
            ("10.20.30.40", "10.20.30.40"),
            ("100.9.99.255", "100.9.99.255"),
            ("2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334"),
            ("255.255.255.255", "255.255.255.255"),
            ("::ffff:1.2.3.4", "1.2.3.4"),
            ("2001:db8::1", "2001:db8::1"),
            ("::1", "::1"),
            (
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
        ] {
            assert_eq!(ClientIp::peer(ip(addr)).as_str(), want);
        }
    }

    #[test]
    fn the_longest_address_fits() {
        let long = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
        assert_eq!(long.len(), MAX_TEXT);
        let h = headers(&[("x-forwarded-for", long)]);
        let r = Resolver::new(&ClientIpOptions::DEFAULT);
        assert_eq!(r.resolve(&h, ip("10.0.0.1")).as_str(), long);
    }
}
