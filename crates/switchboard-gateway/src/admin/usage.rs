//! `GET /admin/usage`: usage records summed by key, model, provider and/or UTC day, with
//! latency percentiles, as JSON or CSV.

use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use switchboard_core::GatewayError;
use switchboard_state::{GroupBy, UsageFilter};

use super::query::Query;
use super::{invalid, state_error};
use crate::Gateway;
use crate::body::ResponseBody;

/// The query parameters `/admin/usage` takes.
const PARAMS: &[&str] = &[
    "group_by", "from", "to", "key", "model", "provider", "format",
];

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `{"object":"list","data":[rows]}` (the default).
    Json,
    /// `text/csv`: a header line, then one line per row.
    Csv,
}

/// A parsed usage query.
#[derive(Debug, PartialEq)]
pub(super) struct UsageQuery {
    pub(super) filter: UsageFilter,
    pub(super) group_by: Vec<GroupBy>,
    pub(super) format: Format,
}

impl UsageQuery {
    /// Reads `group_by` (comma-separated `key`, `model`, `provider`, `day`), `from` and
    /// `to` (RFC 3339, a date, or Unix ms; `to` exclusive), `key`, `model`, `provider`
    /// and `format` (`json` or `csv`).
    pub(super) fn parse(query: &str) -> Result<Self, GatewayError> {
        let q = Query::parse(query, PARAMS)?;
        let mut group_by = Vec::new();
        for name in q.get("group_by").unwrap_or_default().split(',') {
            let g = match name.trim() {
                "" => continue,
                "key" | "key_id" => GroupBy::Key,
                "model" => GroupBy::Model,
                "provider" => GroupBy::Provider,
                "day" => GroupBy::Day,
                _ => {
                    return Err(invalid(
                        "group_by",
                        "takes a comma-separated list of key, model, provider and day",
                    ));
                }
            };
            if !group_by.contains(&g) {
                group_by.push(g);
            }
        }
        let format = match q.get("format") {
            None | Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some(_) => return Err(invalid("format", "must be json or csv")),
        };
        let filter = UsageFilter {
            from: q.time("from")?,
            to: q.time("to")?,
            key_id: q.get("key").map(str::to_owned),
            model: q.get("model").map(str::to_owned),
            provider: q.get("provider").map(str::to_owned),
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from >= to
        {
            return Err(invalid("to", "must be after `from`"));
        }
        Ok(Self {
            filter,
            group_by,
            format,
        })
    }
}

/// `GET /admin/usage`: the report the query asks for. No matching record is an empty
/// list (or a CSV of only its header line).
pub(super) async fn report(
    gateway: &Gateway,
    query: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let query = UsageQuery::parse(query)?;
    let db = gateway.state().db().await?;
    let rows = db
        .usage()
        .aggregate(&query.filter, &query.group_by)
        .await
        .map_err(state_error)?;
    Ok(match query.format {
        Format::Json => super::list(&rows),
        Format::Csv => {
            let csv = switchboard_state::to_csv(&rows, &query.group_by);
            let mut response = Response::new(ResponseBody::full(csv));
            *response.status_mut() = StatusCode::OK;
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            response
        }
    })
}
