//! What gin makes of the `router` client-IP settings
//! (research/krakend-components.md §6.2): `trusted_proxies` read as gin v1.12
//! reads it (`prepareTrustedCIDRs`, Go's `net.ParseCIDR`), each network
//! kept the way Go's `IPNet.Contains` compares it, and which
//! `remote_ip_headers` entries can ever name a request header.
//!
//! gin stops at the first entry it cannot parse and keeps the networks
//! before it (lura ignores the error): the entries after it are dropped,
//! and when the first one is bad no proxy is trusted at all (GW740).

use std::net::IpAddr;

/// One trusted network as Go compares it: an IPv4 (or IPv4-mapped)
/// address against the IPv4 networks, any other against the IPv6 ones.
/// `net` is already masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustedNet {
    /// IPv4: `addr & mask == net`.
    V4 {
        /// The network number.
        net: u32,
        /// The mask.
        mask: u32,
    },
    /// IPv6: `addr & mask == net`.
    V6 {
        /// The network number.
        net: u128,
        /// The mask.
        mask: u128,
    },
}

impl TrustedNet {
    /// gin's default when no list is given: every IPv4 and IPv6 address.
    pub const EVERYONE: [TrustedNet; 2] = [
        TrustedNet::V4 { net: 0, mask: 0 },
        TrustedNet::V6 { net: 0, mask: 0 },
    ];

    /// Whether the network holds every address of its family (`0.0.0.0/0`,
    /// `::/0`, `::ffff:0:0/96`).
    pub fn is_everyone(self) -> bool {
        matches!(
            self,
            TrustedNet::V4 { mask: 0, .. } | TrustedNet::V6 { mask: 0, .. }
        )
    }
}

/// gin's list: the networks of the entries before the first one it cannot
/// parse, and that entry's index.
pub fn gin_trusted_proxies<'a>(
    entries: impl IntoIterator<Item = &'a str>,
) -> (Vec<TrustedNet>, Option<usize>) {
    let mut nets = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        match trusted_net(e) {
            Some(n) => nets.push(n),
            None => return (nets, Some(i)),
        }
    }
    (nets, None)
}

/// One entry as gin reads it: a bare address becomes `/32` (IPv4 and
/// IPv4-mapped) or `/128`, then Go's `ParseCIDR`. `None` when gin fails.
pub fn trusted_net(entry: &str) -> Option<TrustedNet> {
    if entry.contains('/') {
        return parse_cidr(entry);
    }
    let ip: IpAddr = entry.parse().ok()?;
    let bits = match ip.to_canonical() {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    parse_cidr(&format!("{entry}/{bits}"))
}

/// Go's `net.ParseCIDR` (the `netip` one: no zone, no leading zeros in an
/// IPv4 part), then `networkNumberAndMask`: an IPv6 network whose masked
/// address is IPv4-mapped compares as IPv4, with the mask's last 32 bits.
fn parse_cidr(s: &str) -> Option<TrustedNet> {
    let (addr, bits) = s.split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    // Go's `dtoi`: decimal digits only, leading zeros allowed.
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = bits.parse().ok()?;
    match ip {
        IpAddr::V4(v4) => {
            let mask = prefix_mask32(n)?;
            Some(TrustedNet::V4 {
                net: u32::from(v4) & mask,
                mask,
            })
        }
        IpAddr::V6(v6) => {
            let mask = prefix_mask128(n)?;
            let net = u128::from(v6) & mask;
            if net >> 32 == 0xffff {
                // `::ffff:a.b.c.d`: Go's `To4` sees an IPv4 network.
                return Some(TrustedNet::V4 {
                    net: net as u32,
                    mask: mask as u32,
                });
            }
            Some(TrustedNet::V6 { net, mask })
        }
    }
}

fn prefix_mask32(n: u32) -> Option<u32> {
    match n {
        0 => Some(0),
        1..=32 => Some(u32::MAX << (32 - n)),
        _ => None,
    }
}

fn prefix_mask128(n: u32) -> Option<u128> {
    match n {
        0 => Some(0),
        1..=128 => Some(u128::MAX << (128 - n)),
        _ => None,
    }
}

/// Whether a `remote_ip_headers` entry can name a request header: an HTTP
/// token (gin looks the header up under that name; Go's server refuses
/// any other name, so an entry that is not one never matches).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn v4(net: u32, mask: u32) -> Option<TrustedNet> {
        Some(TrustedNet::V4 { net, mask })
    }

    /// gin v1.12 + Go's `ParseCIDR`, entry by entry (worked out from the
    /// Go sources: `prepareTrustedCIDRs`, `ParseCIDR`, `IP.Mask`,
    /// `networkNumberAndMask`).
    #[test]
    fn gin_entries_table() {
        let doc6 = 0x2001_0db8_u128 << 96;
        let table: &[(&str, Option<TrustedNet>)] = &[
            ("10.0.0.0/8", v4(0x0a00_0000, 0xff00_0000)),
            // Host bits are masked off.
            ("10.1.2.3/8", v4(0x0a00_0000, 0xff00_0000)),
            ("10.0.0.0/08", v4(0x0a00_0000, 0xff00_0000)),
            ("127.0.0.1", v4(0x7f00_0001, u32::MAX)),
            ("0.0.0.0/0", v4(0, 0)),
            ("192.168.1.1/32", v4(0xc0a8_0101, u32::MAX)),
            (
                "2001:db8::/32",
                Some(TrustedNet::V6 {
                    net: doc6,
                    mask: u128::MAX << 96,
                }),
            ),
            (
                "::1",
                Some(TrustedNet::V6 {
                    net: 1,
                    mask: u128::MAX,
                }),
            ),
            ("::/0", Some(TrustedNet::V6 { net: 0, mask: 0 })),
            // IPv4-mapped networks compare as IPv4.
            ("::ffff:10.0.0.0/104", v4(0x0a00_0000, 0xff00_0000)),
            ("::ffff:0:0/96", v4(0, 0)),
            // A bare IPv4-mapped address gets `/32` of 128 bits: `::/32`.
            (
                "::ffff:1.2.3.4",
                Some(TrustedNet::V6 {
                    net: 0,
                    mask: u128::MAX << 96,
                }),
            ),
            // What gin refuses.
            ("10.0.0.0/33", None),
            ("10.0.0.0/", None),
            ("10.0.0.0/+8", None),
            ("10.0.0.0/8 ", None),
            (" 10.0.0.1", None),
            ("010.0.0.1", None),
            ("10.0.0", None),
            ("fe80::1%eth0", None),
            ("fe80::1%eth0/64", None),
            ("2001:db8::/129", None),
            ("localhost", None),
            ("", None),
        ];
        for (entry, want) in table {
            assert_eq!(trusted_net(entry), *want, "{entry:?}");
        }
    }

    #[test]
    fn gin_stops_at_the_first_bad_entry() {
        let (nets, bad) = gin_trusted_proxies(["10.0.0.0/8", "nope", "127.0.0.1"]);
        assert_eq!((nets.len(), bad), (1, Some(1)));
        let (nets, bad) = gin_trusted_proxies(["nope", "127.0.0.1"]);
        assert_eq!((nets.len(), bad), (0, Some(0)));
        let (nets, bad) = gin_trusted_proxies(["10.0.0.0/8", "::1"]);
        assert_eq!((nets.len(), bad), (2, None));
    }

    #[test]
    fn header_names() {
        for (name, ok) in [
            ("X-Forwarded-For", true),
            ("cf-connecting-ip", true),
            ("X_Real_IP", true),
            ("", false),
            ("X Real IP", false),
            ("X-Real-IP:", false),
            ("Clíent", false),
        ] {
            assert_eq!(is_header_name(name), ok, "{name}");
        }
    }
}
