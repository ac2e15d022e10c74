//! TLS upstreams: a private CA from `extra_root_certs`, h2 by ALPN, untrusted certificates.

use std::time::Duration;

use http::{Response, StatusCode, Version};
use switchboard_core::HttpTransport;
use switchboard_http::{ClientBuildError, ClientConfig, UpstreamClient};

use crate::support::{endless, full, next, read_all, serve_with, test_pki};
use crate::{client, get};

fn client_trusting(ca_file: &std::path::Path, http2: bool) -> UpstreamClient {
    UpstreamClient::new(&ClientConfig {
        extra_root_certs: vec![ca_file.to_path_buf()],
        http2,
        ..ClientConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn h2_is_negotiated_by_alpn_with_a_trusted_private_ca() {
    let pki = test_pki("h2");
    let mock = serve_with(Some(pki.acceptor.clone()), |_| async {
        Response::new(full("secure"))
    })
    .await;
    let client = client_trusting(&pki.ca_file, true);
    let url = format!("https://localhost:{}/v1/models", mock.addr.port());

    for _ in 0..2 {
        let mut response = client.send(get(&url)).await.unwrap();
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(read_all(&mut response.body).await, "secure");
    }

    let seen = mock.recorded.requests();
    assert_eq!(seen[0].version, Version::HTTP_2);
    assert_eq!(seen[0].path_and_query, "/v1/models");
    assert_eq!(
        mock.recorded.connections(),
        1,
        "the h2 connection is reused"
    );
}

#[tokio::test]
async fn http1_is_used_when_http2_is_off() {
    let pki = test_pki("h1");
    let mock = serve_with(Some(pki.acceptor.clone()), |_| async {
        Response::new(full("secure"))
    })
    .await;
    let client = client_trusting(&pki.ca_file, false);

    let mut response = client
        .send(get(&format!("https://localhost:{}/", mock.addr.port())))
        .await
        .unwrap();

    assert_eq!(read_all(&mut response.body).await, "secure");
    assert_eq!(mock.recorded.requests()[0].version, Version::HTTP_11);
}

#[tokio::test]
async fn an_ip_address_certificate_is_verified_too() {
    let pki = test_pki("ip");
    let mock = serve_with(Some(pki.acceptor.clone()), |_| async {
        Response::new(full("by ip"))
    })
    .await;
    let client = client_trusting(&pki.ca_file, true);

    let mut response = client
        .send(get(&format!("https://{}/", mock.addr)))
        .await
        .unwrap();

    assert_eq!(read_all(&mut response.body).await, "by ip");
}

#[tokio::test]
async fn dropping_an_h2_body_resets_the_stream() {
    let pki = test_pki("h2-drop");
    let (mock, closed) = endless(Some(pki.acceptor.clone())).await;
    let client = client_trusting(&pki.ca_file, true);

    let mut response = client
        .send(get(&format!("https://localhost:{}/", mock.addr.port())))
        .await
        .unwrap();
    assert!(next(&mut response.body).await.unwrap().is_ok());
    drop(response);

    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the upstream kept streaming after the body was dropped")
        .unwrap();
    assert_eq!(mock.recorded.requests()[0].version, Version::HTTP_2);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_502_naming_the_certificate_problem() {
    let pki = test_pki("untrusted");
    let mock = serve_with(Some(pki.acceptor.clone()), |_| async {
        Response::new(full("never"))
    })
    .await;
    let url = format!(
        "https://localhost:{}/v1/secret-path?key=sk-123",
        mock.addr.port()
    );

    let err = client().send(get(&url)).await.unwrap_err();

    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    let message = err.message();
    assert!(message.contains("certificate"), "{message}");
    assert!(
        message.contains(&format!("https://localhost:{}", mock.addr.port())),
        "{message}"
    );
    assert!(!message.contains("secret-path"), "{message}");
    assert!(!message.contains("sk-123"), "{message}");
    assert!(mock.recorded.requests().is_empty());
}

#[test]
fn a_missing_ca_file_is_named() {
    let path = std::env::temp_dir().join("switchboard-http-no-such-ca.pem");
    let err = UpstreamClient::new(&ClientConfig {
        extra_root_certs: vec![path.clone()],
        ..ClientConfig::default()
    })
    .unwrap_err();

    assert!(matches!(err, ClientBuildError::ReadCa { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_ca_file_without_certificates_is_refused() {
    let path = std::env::temp_dir().join(format!(
        "switchboard-http-empty-ca-{}.pem",
        std::process::id()
    ));
    std::fs::write(&path, "not a certificate\n").unwrap();
    let result = UpstreamClient::new(&ClientConfig {
        extra_root_certs: vec![path.clone()],
        ..ClientConfig::default()
    });
    std::fs::remove_file(&path).unwrap();

    let err = result.unwrap_err();
    assert!(
        matches!(err, ClientBuildError::NoCertificate { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("holds no PEM certificate"),
        "{err}"
    );
}
