//! `GET /admin/audit`: the audit log, newest first. Entries never hold a secret: a key's
//! entry holds its record (prefix, limits, budgets), never its text or hash.

use http::Response;
use switchboard_core::GatewayError;
use switchboard_state::AuditQuery;

use super::query::Query;
use super::{invalid, state_error};
use crate::Gateway;
use crate::body::ResponseBody;

/// The query parameters `/admin/audit` takes.
const PARAMS: &[&str] = &["limit", "target", "actor", "since"];

/// The most entries one read returns.
const MAX_LIMIT: u32 = 1000;

/// Reads `limit` (1 to 1000, default 100), `target` (a key id, a provider or model name),
/// `actor` and `since` (RFC 3339, a date, or Unix ms).
pub(super) fn parse(query: &str) -> Result<AuditQuery, GatewayError> {
    let q = Query::parse(query, PARAMS)?;
    let limit = q
        .get("limit")
        .map(|v| {
            v.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| invalid("limit", "must be an integer from 1 to 1000"))
        })
        .transpose()?;
    Ok(AuditQuery {
        since: q.time("since")?,
        actor: q.get("actor").map(str::to_owned),
        target: q.get("target").map(str::to_owned),
        limit,
    })
}

/// `GET /admin/audit`: `{"object":"list","data":[entries]}`, newest first.
pub(super) async fn list(
    gateway: &Gateway,
    query: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let query = parse(query)?;
    let db = gateway.state().db().await?;
    let entries = db.audit().list(&query).await.map_err(state_error)?;
    Ok(super::list(&entries))
}
