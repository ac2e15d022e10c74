//! TLS termination: a rustls server config (ring provider) from PEM files, ALPN h2 + http/1.1.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;

use crate::config::TlsConfig;

/// Builds the acceptor; the error names the file at fault.
pub fn acceptor(config: &TlsConfig) -> Result<TlsAcceptor, String> {
    let certs = rustls_pemfile::certs(&mut reader(&config.cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("server.tls.cert `{}`: {e}", config.cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "server.tls.cert `{}` holds no PEM certificate",
            config.cert.display()
        ));
    }
    let key = rustls_pemfile::private_key(&mut reader(&config.key)?)
        .map_err(|e| format!("server.tls.key `{}`: {e}", config.key.display()))?
        .ok_or_else(|| {
            format!(
                "server.tls.key `{}` holds no PEM private key",
                config.key.display()
            )
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("server.tls: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("server.tls: the key does not fit the certificate: {e}"))?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}

fn reader(path: &Path) -> Result<BufReader<File>, String> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}
