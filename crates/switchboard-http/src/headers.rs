//! Hop-by-hop headers: they describe one connection and must not cross a proxy.

use http::HeaderMap;
use http::header::{
    CONNECTION, HeaderName, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION, TE, TRAILER,
    TRANSFER_ENCODING, UPGRADE,
};

/// `keep-alive` has no constant in `http`.
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");

/// The hop-by-hop headers of RFC 9110 §7.6.1.
const HOP_BY_HOP: [HeaderName; 8] = [
    CONNECTION,
    KEEP_ALIVE,
    PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION,
    TE,
    TRAILER,
    TRANSFER_ENCODING,
    UPGRADE,
];

/// Removes the hop-by-hop headers of RFC 9110 §7.6.1 (`connection`, `keep-alive`,
/// `proxy-authenticate`, `proxy-authorization`, `te`, `trailer`, `transfer-encoding`,
/// `upgrade`) and every header the `Connection` header names.
///
/// Called on each request before it goes upstream and on each response before it is handed
/// to an adapter. Names in `Connection` that are not valid header names are ignored.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most maps hold none of them (and so no `Connection` naming others): one look at
    // each name is cheaper than eight removals that find nothing.
    if !headers.keys().any(|name| HOP_BY_HOP.contains(name)) {
        return;
    }
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, http::HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn the_fixed_list_and_the_named_ones_go_the_rest_stays() {
        let mut headers = map(&[
            ("connection", "X-Foo, keep-alive,, bad name"),
            ("connection", "x-bar"),
            ("x-foo", "1"),
            ("x-bar", "2"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("proxy-authorization", "Basic eA=="),
            ("authorization", "Bearer kept"),
            ("content-type", "application/json"),
        ]);
        strip_hop_by_hop(&mut headers);
        let left: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(left, ["authorization", "content-type"]);
    }

    #[test]
    fn a_map_without_hop_by_hop_headers_is_untouched() {
        let mut headers = map(&[("content-type", "text/event-stream")]);
        strip_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
    }

    #[test]
    fn each_hop_by_hop_header_alone_is_found_and_removed() {
        for name in [
            "connection",
            "keep-alive",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
        ] {
            let mut headers = map(&[(name, "x"), ("content-type", "application/json")]);
            strip_hop_by_hop(&mut headers);
            let left: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
            assert_eq!(left, ["content-type"], "{name}");
        }
        let mut headers = map(&[("x-foo", "1"), ("connection", "x-foo")]);
        strip_hop_by_hop(&mut headers);
        assert!(headers.is_empty());
    }
}
