//! [`ClientConfig`]: the knobs of the shared upstream client.

use std::path::PathBuf;
use std::time::Duration;

use crate::allowlist::HostAllowlist;
use crate::guard::AddressPolicy;

/// Settings of the shared client; the gateway fills it from its `[upstream]` config section.
///
/// `ClientConfig::default()` gives a 10 s connect timeout, idle connections kept for 90 s
/// (up to 512 per host), HTTP/2 offered to TLS upstreams, TCP keepalive every 60 s and only
/// the webpki (Mozilla) roots trusted, and no address policy.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// How long establishing a TCP connection may take before the request fails with a 504.
    /// With several addresses for one host the time is split between them.
    pub connect_timeout: Duration,
    /// How long an idle pooled connection is kept before it is closed.
    pub pool_idle_timeout: Duration,
    /// How many idle connections are kept per upstream host (scheme, host and port).
    pub pool_max_idle_per_host: usize,
    /// Whether `h2` is offered by ALPN to TLS upstreams. When `false` only `http/1.1` is
    /// offered. Plain-HTTP upstreams always get HTTP/1.1.
    pub http2: bool,
    /// PEM files whose certificates are trusted in addition to the webpki roots (a private
    /// CA, a test certificate). Read once, when the client is built.
    pub extra_root_certs: Vec<PathBuf>,
    /// The TCP keepalive interval of upstream sockets; `None` turns keepalive probes off.
    pub tcp_keepalive: Option<Duration>,
    /// Which addresses the client may connect to, checked on every new connection (each
    /// resolution and each IP-literal host); a refused address fails the request with a 502
    /// coded `upstream_address_refused`. `None`, the default, checks nothing: right for
    /// upstreams the operator wrote in the config file. The gateway sets it on the client of
    /// providers created at run time through the admin API.
    pub address_policy: Option<AddressPolicy>,
    /// The hosts requests may go to, checked on every request before anything is sent; a
    /// host off the list fails with a 502 coded `upstream_host_not_allowed`. `None`, the
    /// default, allows every host. The gateway sets it, with `address_policy`, on the
    /// client of providers created at run time, so a default base URL, a host built from a
    /// setting (a region, a resource name) or a list narrowed since a provider was stored
    /// is held to the operator's list too.
    pub allowed_hosts: Option<HostAllowlist>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 512,
            http2: true,
            extra_root_certs: Vec::new(),
            tcp_keepalive: Some(Duration::from_secs(60)),
            address_policy: None,
            allowed_hosts: None,
        }
    }
}
