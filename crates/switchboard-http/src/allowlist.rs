//! [`HostAllowlist`]: the host patterns a `base_url` given through the admin API must match
//! (`server.allowed_upstream_hosts`). Pure; the admin API calls it.

use std::net::{IpAddr, Ipv6Addr};

/// Host patterns a `base_url` given through the admin API must match; built from the
/// operator's configuration.
///
/// Each pattern is a host name or an IP literal, compared case-insensitively with any
/// trailing dot ignored. `*.example.com` matches every subdomain at any depth
/// (`a.example.com`, `a.b.example.com`) but not `example.com` itself; a lone `*` matches
/// every host. IP literals compare as addresses (`::1` matches `[0:0::1]`). The default is
/// empty and allows nothing; what an empty list means to the admin API is its caller's call
/// (see [`HostAllowlist::is_empty`]).
#[derive(Debug, Clone, Default)]
pub struct HostAllowlist {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `*`.
    Any,
    /// A host name, lower case, no trailing dot.
    Exact(String),
    /// `*.example.com`, stored as `.example.com`.
    Suffix(String),
    /// An IP literal.
    Ip(IpAddr),
}

/// A host pattern [`HostAllowlist::new`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the upstream host pattern {pattern:?} is invalid: {reason}")]
pub struct InvalidPattern {
    /// The pattern as configured.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl HostAllowlist {
    /// Parses the configured patterns; called once when the configuration is loaded. The
    /// first invalid pattern is reported: empty, with a scheme, path or port, or with a `*`
    /// anywhere but a leading `*.` label.
    pub fn new(patterns: &[String]) -> Result<Self, InvalidPattern> {
        let patterns = patterns
            .iter()
            .map(|p| {
                parse_pattern(p).map_err(|reason| InvalidPattern {
                    pattern: p.clone(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    /// Whether `host` (a URL's host: a name, an IPv4 literal or an IPv6 literal with or
    /// without brackets, no port) matches any pattern. Always `false` when the list is empty.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self
                .patterns
                .iter()
                .any(|p| matches!(p, Pattern::Any) || *p == Pattern::Ip(ip));
        }
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if host.is_empty() {
            return false;
        }
        self.patterns.iter().any(|p| match p {
            Pattern::Any => true,
            Pattern::Exact(name) => *name == host,
            Pattern::Suffix(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
            Pattern::Ip(_) => false,
        })
    }

    /// Whether no pattern was configured.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// One pattern, or why it is invalid.
fn parse_pattern(pattern: &str) -> Result<Pattern, &'static str> {
    let p = pattern.trim();
    if p.is_empty() {
        return Err("it is empty");
    }
    if p.contains("://") {
        return Err("write a host name without a scheme (no `https://`)");
    }
    if p.contains(['/', '?', '#']) {
        return Err("write a host name without a path");
    }
    if p.contains('@') {
        return Err("write a host name without user information");
    }
    if p == "*" {
        return Ok(Pattern::Any);
    }
    if let Some(inner) = p.strip_prefix('[') {
        return match inner.strip_suffix(']').map(str::parse::<Ipv6Addr>) {
            Some(Ok(ip)) => Ok(Pattern::Ip(IpAddr::V6(ip))),
            _ if inner.contains("]:") => Err("write a host without a port"),
            _ => Err("it is not a valid bracketed IPv6 address"),
        };
    }
    if let Ok(ip) = p.parse::<IpAddr>() {
        return Ok(Pattern::Ip(ip));
    }
    if p.contains(':') {
        return Err("write a host without a port");
    }
    let p = p.strip_suffix('.').unwrap_or(p).to_ascii_lowercase();
    let (wildcard, name) = match p.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, p.as_str()),
    };
    if name.contains('*') {
        return Err("`*` is only allowed as a whole leading label (`*.example.com`) or alone");
    }
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err("it has an empty label");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(
            "a host name may hold only letters, digits, `-`, `_` and `.` (write an \
             internationalised name in its xn-- form)",
        );
    }
    Ok(if wildcard {
        Pattern::Suffix(format!(".{name}"))
    } else {
        Pattern::Exact(name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowlist(patterns: &[&str]) -> HostAllowlist {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        HostAllowlist::new(&patterns).unwrap()
    }

    #[test]
    fn an_exact_pattern_matches_only_that_host() {
        let list = allowlist(&["api.example.com"]);
        assert!(list.allows("api.example.com"));
        assert!(!list.allows("example.com"));
        assert!(!list.allows("x.api.example.com"));
        assert!(!list.allows("api.example.com.evil.test"));
        assert!(!list.allows("badapi.example.com"));
        assert!(!list.allows(""));
    }

    #[test]
    fn a_wildcard_matches_subdomains_at_any_depth_but_not_the_apex() {
        let list = allowlist(&["*.example.com"]);
        assert!(list.allows("a.example.com"));
        assert!(list.allows("a.b.c.example.com"));
        assert!(!list.allows("example.com"));
        assert!(!list.allows("badexample.com"));
        assert!(!list.allows(".example.com"));
        assert!(!list.allows("example.com.evil.test"));
    }

    #[test]
    fn case_and_a_trailing_dot_do_not_matter() {
        let list = allowlist(&["API.Example.COM.", "*.Models.Test"]);
        assert!(list.allows("api.example.com"));
        assert!(list.allows("Api.Example.Com."));
        assert!(list.allows("GPU1.models.test."));
        assert!(!list.allows("models.test"));
    }

    #[test]
    fn ip_literals_compare_as_addresses() {
        let list = allowlist(&["10.0.0.5", "::1", "[fd00::7]"]);
        assert!(list.allows("10.0.0.5"));
        assert!(!list.allows("10.0.0.6"));
        assert!(list.allows("[::1]"));
        assert!(list.allows("0:0::1"));
        assert!(list.allows("[FD00:0::7]"));
        assert!(!list.allows("[::2]"));
    }

    #[test]
    fn a_lone_star_matches_every_host_and_an_empty_list_none() {
        let list = allowlist(&["*"]);
        assert!(!list.is_empty());
        for host in ["example.com", "localhost", "10.0.0.1", "[::1]"] {
            assert!(list.allows(host), "{host}");
        }
        let empty = allowlist(&[]);
        assert!(empty.is_empty());
        assert!(!empty.allows("example.com"));
    }

    #[test]
    fn invalid_patterns_are_refused_with_a_reason() {
        for (pattern, says) in [
            ("", "empty"),
            ("   ", "empty"),
            ("https://api.example.com", "scheme"),
            ("api.example.com/v1", "path"),
            ("api.example.com:8443", "port"),
            ("10.0.0.1:80", "port"),
            ("[::1]:8080", "port"),
            ("[::1", "IPv6"),
            ("user@example.com", "user"),
            ("*example.com", "`*`"),
            ("api.*.example.com", "`*`"),
            ("*.*.example.com", "`*`"),
            ("api*", "`*`"),
            ("**", "`*`"),
            ("*.", "`*`"),
            ("a..example.com", "empty label"),
            (".example.com", "empty label"),
            ("bücher.example", "xn--"),
            ("exa mple.com", "letters"),
        ] {
            let err = HostAllowlist::new(&[pattern.to_string()]).unwrap_err();
            assert_eq!(err.pattern, pattern);
            assert!(err.to_string().contains(says), "{pattern:?}: {err}");
        }
    }
}
