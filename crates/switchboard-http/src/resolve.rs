//! Applying an [`AddressPolicy`] on every connect: [`GuardedResolver`] checks every address
//! a host name resolves to, [`RefuseLiterals`] checks IP-literal hosts (which hyper-util's
//! `HttpConnector` connects to without asking the resolver).
//!
//! Both run once per new connection, never per pooled request, and every new connection
//! resolves afresh: a name that answers with a public address first and a private one later
//! (DNS rebinding) is refused the second time.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use tower_service::Service;

use crate::guard::AddressPolicy;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// A resolver for `HttpConnector::new_with_resolver` that resolves with `R` (the system
/// resolver by default) and fails the whole resolution with a
/// [`RefusedAddress`](crate::RefusedAddress) if ANY address is refused: an answer that mixes
/// public and private addresses is a rebinding trick, not a reason to try the public one.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver<R = GaiResolver> {
    inner: R,
    policy: AddressPolicy,
}

impl GuardedResolver {
    /// The system resolver (`getaddrinfo` on a blocking thread), guarded.
    pub(crate) fn system(policy: AddressPolicy) -> Self {
        Self::new(GaiResolver::new(), policy)
    }
}

impl<R> GuardedResolver<R> {
    pub(crate) fn new(inner: R, policy: AddressPolicy) -> Self {
        Self { inner, policy }
    }
}

impl<R> Service<Name> for GuardedResolver<R>
where
    R: Service<Name>,
    R::Response: Iterator<Item = SocketAddr>,
    R::Error: Into<BoxError>,
    R::Future: Send + 'static,
{
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let resolving = self.inner.call(name);
        let policy = self.policy;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = resolving.await.map_err(Into::into)?.collect();
            for addr in &addrs {
                policy.check(addr.ip())?;
            }
            Ok(addrs.into_iter())
        })
    }
}

/// Wraps a connector so a URI whose host is an IP literal the policy refuses fails with a
/// [`RefusedAddress`](crate::RefusedAddress) before anything is connected; other URIs go to
/// the inner connector unchanged.
#[derive(Debug, Clone)]
pub(crate) struct RefuseLiterals<C> {
    inner: C,
    policy: AddressPolicy,
}

impl<C> RefuseLiterals<C> {
    pub(crate) fn new(inner: C, policy: AddressPolicy) -> Self {
        Self { inner, policy }
    }
}

impl<C> Service<Uri> for RefuseLiterals<C>
where
    C: Service<Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<C::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        if let Some(ip) = literal_host(&uri)
            && let Err(refused) = self.policy.check(ip)
        {
            return Box::pin(async move { Err(refused.into()) });
        }
        let connecting = self.inner.call(uri);
        Box::pin(async move { connecting.await.map_err(Into::into) })
    }
}

/// The URI's host if it is an IP literal (IPv6 in brackets, as in a URI), the same test
/// `HttpConnector` uses to skip the resolver.
fn literal_host(uri: &Uri) -> Option<IpAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io;
    use std::sync::Arc;

    use super::*;
    use crate::guard::{RefusalReason, RefusedAddress};

    /// A resolver over a fixed map of names to addresses; an unknown name fails like an
    /// NXDOMAIN.
    #[derive(Clone)]
    struct FixedResolver(Arc<HashMap<&'static str, Vec<IpAddr>>>);

    impl Service<Name> for FixedResolver {
        type Response = std::vec::IntoIter<SocketAddr>;
        type Error = io::Error;
        type Future = std::future::Ready<Result<Self::Response, io::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, name: Name) -> Self::Future {
            std::future::ready(match self.0.get(name.as_str()) {
                Some(ips) => Ok(ips
                    .iter()
                    .map(|ip| SocketAddr::new(*ip, 0))
                    .collect::<Vec<_>>()
                    .into_iter()),
                None => Err(io::Error::new(io::ErrorKind::NotFound, "no such host")),
            })
        }
    }

    fn resolver(allow_private: bool) -> GuardedResolver<FixedResolver> {
        let table: HashMap<&'static str, Vec<IpAddr>> = [
            ("public.test", vec!["8.8.8.8", "2606:4700::1111"]),
            ("metadata.test", vec!["169.254.169.254"]),
            ("lan.test", vec!["192.168.1.20"]),
            ("mixed.test", vec!["8.8.8.8", "10.0.0.1"]),
            ("mapped.test", vec!["::ffff:127.0.0.1"]),
        ]
        .into_iter()
        .map(|(name, ips)| (name, ips.iter().map(|ip| ip.parse().unwrap()).collect()))
        .collect();
        GuardedResolver::new(
            FixedResolver(Arc::new(table)),
            AddressPolicy { allow_private },
        )
    }

    async fn resolve(allow_private: bool, name: &str) -> Result<Vec<IpAddr>, BoxError> {
        let addrs = resolver(allow_private).call(name.parse().unwrap()).await?;
        Ok(addrs.map(|a| a.ip()).collect())
    }

    fn refusal(err: BoxError) -> RefusedAddress {
        *err.downcast::<RefusedAddress>().unwrap()
    }

    #[tokio::test]
    async fn a_public_name_resolves_to_all_its_addresses() {
        let ips = resolve(false, "public.test").await.unwrap();
        assert_eq!(
            ips,
            [
                "8.8.8.8".parse::<IpAddr>().unwrap(),
                "2606:4700::1111".parse().unwrap()
            ]
        );
    }

    #[tokio::test]
    async fn a_metadata_address_is_refused_even_with_allow_private() {
        for allow_private in [false, true] {
            let err = refusal(resolve(allow_private, "metadata.test").await.unwrap_err());
            assert_eq!(err.reason, RefusalReason::CloudMetadata);
        }
    }

    #[tokio::test]
    async fn a_private_address_is_refused_unless_allowed() {
        let err = refusal(resolve(false, "lan.test").await.unwrap_err());
        assert_eq!(err.reason, RefusalReason::Private);
        assert_eq!(resolve(true, "lan.test").await.unwrap().len(), 1);
        let err = refusal(resolve(false, "mapped.test").await.unwrap_err());
        assert_eq!(err.reason, RefusalReason::Loopback);
    }

    #[tokio::test]
    async fn one_refused_address_refuses_the_whole_answer() {
        let err = refusal(resolve(false, "mixed.test").await.unwrap_err());
        assert_eq!(err.address, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(resolve(true, "mixed.test").await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_resolver_failure_passes_through() {
        let err = resolve(false, "nowhere.test").await.unwrap_err();
        assert!(err.downcast_ref::<RefusedAddress>().is_none());
        assert_eq!(err.to_string(), "no such host");
    }

    #[test]
    fn literal_hosts_are_found_in_uris() {
        let host = |uri: &str| literal_host(&uri.parse().unwrap());
        assert_eq!(host("http://127.0.0.1:8080/x"), Some([127, 0, 0, 1].into()));
        assert_eq!(host("https://[::1]/"), Some("::1".parse().unwrap()));
        assert_eq!(
            host("https://[fd00:ec2::254]:80/"),
            Some("fd00:ec2::254".parse().unwrap())
        );
        assert_eq!(host("https://api.example.com/"), None);
        assert_eq!(host("http://2130706433/"), None);
    }

    /// An inner connector that records whether it was called.
    #[derive(Clone, Default)]
    struct Recording(Arc<std::sync::atomic::AtomicUsize>);

    impl Service<Uri> for Recording {
        type Response = ();
        type Error = io::Error;
        type Future = std::future::Ready<Result<(), io::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Uri) -> Self::Future {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::future::ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_refused_literal_never_reaches_the_inner_connector() {
        let inner = Recording::default();
        let mut guard = RefuseLiterals::new(inner.clone(), AddressPolicy::default());
        let calls = || inner.0.load(std::sync::atomic::Ordering::SeqCst);

        let err = guard
            .call("http://[::ffff:169.254.169.254]/".parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(refusal(err).reason, RefusalReason::CloudMetadata);
        let err = guard
            .call("http://10.1.2.3:80/".parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(refusal(err).reason, RefusalReason::Private);
        assert_eq!(calls(), 0);

        guard
            .call("http://8.8.8.8/".parse().unwrap())
            .await
            .unwrap();
        guard
            .call("http://localhost/".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(calls(), 2, "public literals and names go through");
    }
}
