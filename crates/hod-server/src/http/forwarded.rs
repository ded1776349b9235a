//! The client's address behind reverse proxies the operator trusts (decision 0103): what
//! the per-address login limit counts.
//!
//! A request's peer is its client unless the peer is a trusted proxy. Then the client is
//! the rightmost address of `X-Forwarded-For` that is not a trusted proxy itself. Each proxy
//! appends the address it took the request from, so what lies right of that entry was
//! written by proxies the operator trusts, and what lies left of it came from the client,
//! who can write anything there.

use axum::http::HeaderMap;
use serde::Deserialize;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address or a network (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`) whose requests may name
/// their client in `X-Forwarded-For`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => same_prefix(
                u32::from(network).into(),
                u32::from(address).into(),
                32 - self.prefix,
            ),
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                same_prefix(network.into(), address.into(), 128 - self.prefix)
            }
            _ => false,
        }
    }
}

/// The two numbers agree once their last `host_bits` bits are dropped.
fn same_prefix(a: u128, b: u128, host_bits: u8) -> bool {
    let shift = u32::from(host_bits);
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

impl FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "trusted_proxies: {text:?} is not an IP address or network \
                 (e.g. 127.0.0.1, 10.0.0.0/8 or fd00::/8)"
            )
        };
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network = address
            .parse::<IpAddr>()
            .map_err(|_| invalid())?
            .to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(invalid)?,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The address a request came from: its peer, or, when the peer is a trusted proxy, the
/// rightmost untrusted address of `X-Forwarded-For`. An entry that is not an address ends
/// the walk at the last proxy trusted so far (it was written by the hop behind it).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[TrustedProxy]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|proxy| proxy.contains(address));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    // Several header lines are one list, in order.
    for line in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(line) = line.to_str() else {
            return client;
        };
        for entry in line.rsplit(',') {
            match forwarded_address(entry) {
                Some(address) if is_trusted(address) => client = address,
                Some(address) => return address,
                None => return client,
            }
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, and the forms with a port some proxies write
/// (`203.0.113.7:51234`, `[2001:db8::1]:51234`).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(list: &[&str]) -> Vec<TrustedProxy> {
        list.iter().map(|p| p.parse().expect("a proxy")).collect()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(line).expect("a header"),
            );
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn addresses_and_networks_parse_and_bad_ones_name_the_setting() {
        let proxy: TrustedProxy = "10.0.0.0/8".parse().expect("a network");
        assert!(proxy.contains(ip("10.200.3.4")));
        assert!(!proxy.contains(ip("11.0.0.1")));
        assert!(!proxy.contains(ip("::1")));
        let host: TrustedProxy = "127.0.0.1".parse().expect("an address");
        assert!(host.contains(ip("127.0.0.1")));
        assert!(host.contains(ip("::ffff:127.0.0.1")), "an IPv4-mapped peer");
        assert!(!host.contains(ip("127.0.0.2")));
        let v6: TrustedProxy = "fd00::/8".parse().expect("a v6 network");
        assert!(v6.contains(ip("fd12:3456::1")));
        assert!(!v6.contains(ip("fe80::1")));
        let everyone: TrustedProxy = "0.0.0.0/0".parse().expect("every v4 address");
        assert!(everyone.contains(ip("203.0.113.7")));
        assert_eq!(v6.to_string(), "fd00::/8");
        for bad in [
            "",
            "localhost",
            "10.0.0.0/33",
            "10.0.0.0/x",
            "::1/129",
            "10.0.0/8",
        ] {
            let error = bad.parse::<TrustedProxy>().expect_err(bad);
            assert!(error.starts_with("trusted_proxies: "), "{error}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let headers = forwarded(&["198.51.100.9"]);
        let client = client_address(ip("203.0.113.7"), &headers, &proxies(&["127.0.0.1"]));
        assert_eq!(client, ip("203.0.113.7"));
        let nobody_trusted = client_address(ip("127.0.0.1"), &headers, &[]);
        assert_eq!(nobody_trusted, ip("127.0.0.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_is_the_client() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let peer = ip("127.0.0.1");
        // What the client wrote itself stays left of what the proxies appended.
        let headers = forwarded(&["1.2.3.4, 203.0.113.7, 10.1.1.1"]);
        assert_eq!(client_address(peer, &headers, &trusted), ip("203.0.113.7"));
        // Several header lines read as one list.
        let headers = forwarded(&["1.2.3.4", "203.0.113.7:51234", "10.1.1.1"]);
        assert_eq!(client_address(peer, &headers, &trusted), ip("203.0.113.7"));
        let headers = forwarded(&["[2001:db8::7]:443"]);
        assert_eq!(client_address(peer, &headers, &trusted), ip("2001:db8::7"));
        // Only trusted hops: the one furthest out.
        let headers = forwarded(&["10.9.9.9, 10.1.1.1"]);
        assert_eq!(client_address(peer, &headers, &trusted), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(client_address(peer, &HeaderMap::new(), &trusted), peer);
        // Garbage ends the walk at the last trusted hop, which wrote it.
        let headers = forwarded(&["203.0.113.7, unknown, 10.1.1.1"]);
        assert_eq!(client_address(peer, &headers, &trusted), ip("10.1.1.1"));
    }
}
