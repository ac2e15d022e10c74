//! The rustls client configuration: ring provider, webpki roots plus extra PEM roots, ALPN.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use crate::config::ClientConfig;
use crate::error::ClientBuildError;

/// Builds the TLS configuration every upstream connection uses.
///
/// The ring provider is named explicitly rather than taken from the process default, so
/// the client works whether or not anything installed a default provider (and aws-lc-rs
/// stays out of the build). ALPN offers `h2` then `http/1.1`, or only `http/1.1`.
pub(crate) fn client_tls_config(
    config: &ClientConfig,
) -> Result<rustls::ClientConfig, ClientBuildError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for path in &config.extra_root_certs {
        for cert in read_pem_certs(path)? {
            roots
                .add(cert)
                .map_err(|source| ClientBuildError::InvalidCa {
                    path: path.clone(),
                    source,
                })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(ClientBuildError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = if config.http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(tls)
}

/// Reads every `CERTIFICATE` block of a PEM file; a file without one is an error, since a
/// configured CA that trusts nothing is surely a mistake.
fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ClientBuildError> {
    let unreadable = |source| ClientBuildError::ReadCa {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(unreadable)?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    if certs.is_empty() {
        return Err(ClientBuildError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}
