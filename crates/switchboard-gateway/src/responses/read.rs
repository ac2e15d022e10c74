//! `GET` and `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`.

use http::{Response, StatusCode};
use serde_json::{Value, json};
use switchboard_core::{Fault, GatewayError};

use crate::body::ResponseBody;
use crate::store::unreadable;
use crate::{Gateway, respond};

/// Most items one `input_items` page holds.
const MAX_LIMIT: usize = 100;

fn not_found(id: &str) -> GatewayError {
    GatewayError::new(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        format!("Response with id '{id}' not found."),
        Fault::Client,
    )
    .with_param("response_id")
}

/// `GET /v1/responses/{id}`: the stored `Response`.
pub(crate) async fn get(
    gateway: &Gateway,
    id: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let record = gateway
        .store()
        .get(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(respond::json(
        StatusCode::OK,
        crate::json_text::shared_body(record.response.clone()),
    ))
}

/// `DELETE /v1/responses/{id}`.
pub(crate) async fn delete(
    gateway: &Gateway,
    id: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    if !gateway.store().delete(id).await? {
        return Err(not_found(id));
    }
    Ok(respond::json_value(
        StatusCode::OK,
        &json!({"id": id, "object": "response", "deleted": true}),
    ))
}

/// `GET /v1/responses/{id}/input_items?limit=&order=&after=`: the response's own input
/// items, newest first by default, as OpenAI pages them.
pub(crate) async fn input_items(
    gateway: &Gateway,
    id: &str,
    query: &str,
) -> Result<Response<ResponseBody>, GatewayError> {
    let page = Page::parse(query)?;
    let record = gateway
        .store()
        .get(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let all = record.input_items().map_err(|e| unreadable(&e))?;
    let mut items: Vec<&Value> = all.iter().collect();
    if page.descending {
        items.reverse();
    }
    if let Some(after) = &page.after {
        let at = items
            .iter()
            .position(|item| item.get("id").and_then(Value::as_str) == Some(after))
            .ok_or_else(|| {
                GatewayError::invalid_request(format!(
                    "No item with id '{after}' in this response."
                ))
                .with_param("after")
            })?;
        items.drain(..=at);
    }
    let has_more = items.len() > page.limit;
    items.truncate(page.limit);
    let id_of = |item: Option<&&Value>| {
        item.and_then(|i| i.get("id"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    Ok(respond::json_value(
        StatusCode::OK,
        &json!({
            "object": "list",
            "data": items,
            "first_id": id_of(items.first()),
            "last_id": id_of(items.last()),
            "has_more": has_more,
        }),
    ))
}

/// The paging query of `input_items`.
#[derive(Debug, PartialEq, Eq)]
struct Page {
    limit: usize,
    descending: bool,
    after: Option<String>,
}

impl Page {
    fn parse(query: &str) -> Result<Self, GatewayError> {
        let mut page = Page {
            limit: 20,
            descending: true,
            after: None,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            GatewayError::invalid_request(format!(
                                "`limit` must be an integer from 1 to {MAX_LIMIT}"
                            ))
                            .with_param("limit")
                        })?;
                }
                "order" => {
                    page.descending = match value {
                        "desc" => true,
                        "asc" => false,
                        _ => {
                            return Err(GatewayError::invalid_request(
                                "`order` must be `asc` or `desc`",
                            )
                            .with_param("order"));
                        }
                    };
                }
                "after" if !value.is_empty() => page.after = Some(value.to_owned()),
                _ => {} // `include` and others: nothing to do for stored inputs.
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_query() {
        assert_eq!(
            Page::parse("").unwrap(),
            Page {
                limit: 20,
                descending: true,
                after: None
            }
        );
        assert_eq!(
            Page::parse("limit=2&order=asc&after=msg_1&include[]=x").unwrap(),
            Page {
                limit: 2,
                descending: false,
                after: Some("msg_1".into())
            }
        );
        assert_eq!(Page::parse("limit=0").unwrap_err().param(), Some("limit"));
        assert_eq!(Page::parse("limit=101").unwrap_err().param(), Some("limit"));
        assert_eq!(Page::parse("order=up").unwrap_err().param(), Some("order"));
    }
}
