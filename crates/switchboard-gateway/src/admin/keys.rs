//! `/admin/keys`: create, list, read, change and revoke virtual keys. The key's text is in
//! the create response only; every read shows its record and visible prefix.

use http::{Response, StatusCode};
use serde::Serialize;
use switchboard_core::GatewayError;
use switchboard_state::{KeyRecord, KeyStatus, StateError, UnixMillis, now_ms};

use super::{ACTOR, key_body, state_error};
use crate::Gateway;
use crate::body::ResponseBody;
use crate::respond;

/// A key as the admin API shows it: its record, its status now and, once, its text.
#[derive(Serialize)]
struct KeyView<'a> {
    object: &'static str,
    #[serde(flatten)]
    record: &'a KeyRecord,
    status: KeyStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
}

impl<'a> KeyView<'a> {
    fn new(record: &'a KeyRecord, now: UnixMillis) -> Self {
        Self {
            object: "virtual_key",
            record,
            status: record.status(now),
            key: None,
        }
    }
}

/// `POST /admin/keys`: 201 with the new key's record and its text (`sk-sb-…`), which is
/// not stored and cannot be shown again.
pub(super) async fn create(
    gateway: &Gateway,
    body: &[u8],
) -> Result<Response<ResponseBody>, GatewayError> {
    let now = now_ms();
    let new = key_body::new_key(body, now)?;
    let db = gateway.state().db().await?;
    let (record, plaintext) = db.keys().create(&new, ACTOR).await.map_err(state_error)?;
    let view = KeyView {
        key: Some(plaintext.expose()),
        ..KeyView::new(&record, now)
    };
    Ok(respond::json_value(StatusCode::CREATED, &view))
}

/// `GET /admin/keys`: every key, oldest first, revoked and expired ones too.
pub(super) async fn list(gateway: &Gateway) -> Result<Response<ResponseBody>, GatewayError> {
    let db = gateway.state().db().await?;
    let records = db.keys().list().await.map_err(state_error)?;
    let now = now_ms();
    let views: Vec<KeyView<'_>> = records.iter().map(|r| KeyView::new(r, now)).collect();
    Ok(super::list(&views))
}

/// `GET /admin/keys/{id}`: the key, or a 404.
pub(super) async fn get(
    gateway: &Gateway,
    id: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let db = gateway.state().db().await?;
    let record = db.keys().get(id).await.map_err(state_error)?;
    let record = record.ok_or_else(|| {
        state_error(StateError::NotFound {
            kind: "virtual key",
            id: id.to_owned(),
        })
    })?;
    Ok(one(&record))
}

/// `PATCH /admin/keys/{id}`: applies the body's fields (null clears one); the new record.
pub(super) async fn update(
    gateway: &Gateway,
    id: &str,
    body: &[u8],
) -> Result<Response<ResponseBody>, GatewayError> {
    let update = key_body::key_update(body, now_ms())?;
    let db = gateway.state().db().await?;
    let record = db
        .keys()
        .update(id, &update, ACTOR)
        .await
        .map_err(state_error)?;
    Ok(one(&record))
}

/// `DELETE /admin/keys/{id}`: revokes the key at once (it stays listed, as `revoked`);
/// the record. Revoking twice keeps the first time.
pub(super) async fn revoke(
    gateway: &Gateway,
    id: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let db = gateway.state().db().await?;
    let record = db.keys().revoke(id, ACTOR).await.map_err(state_error)?;
    Ok(one(&record))
}

/// A `200` with one key object.
fn one(record: &KeyRecord) -> Response<ResponseBody> {
    respond::json_value(StatusCode::OK, &KeyView::new(record, now_ms()))
}
