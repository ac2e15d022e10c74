//! The admin key check: `Authorization: Bearer <server.admin_key>`, compared in constant
//! time. Only the admin key opens the admin API; a gateway key (or a virtual key) is a 401
//! like any other wrong key.

use http::HeaderMap;
use http::header::AUTHORIZATION;
use subtle::ConstantTimeEq as _;
use switchboard_core::{GatewayError, Secret};

/// Admits the request when it presents `admin_key`; else a 401 that says what is missing
/// (never which part of a wrong key was right).
pub(super) fn check(admin_key: &Secret, headers: &HeaderMap) -> Result<(), GatewayError> {
    let Some(presented) = bearer(headers) else {
        return Err(GatewayError::unauthorized(
            "The admin API needs the admin key: send it as `Authorization: Bearer KEY`.",
        ));
    };
    let expected = admin_key.expose().as_bytes();
    // `ct_eq` on slices of different lengths is false at once: the length of the admin key
    // is not a secret worth hiding, its bytes are.
    let matches = !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected));
    if matches {
        Ok(())
    } else {
        Err(GatewayError::unauthorized("Incorrect admin key provided."))
    }
}

/// The token of `Authorization: Bearer TOKEN`, if the header is there, is Bearer and is
/// not empty.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
