//! Every response the gateway writes is built here: JSON bodies, SSE headers, and the one
//! renderer of [`GatewayError`] as an HTTP response.

use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{Response, StatusCode};
use switchboard_core::GatewayError;

use crate::body::ResponseBody;

/// `content-type` of every JSON answer.
pub const JSON: HeaderValue = HeaderValue::from_static("application/json");
/// `content-type` of every stream.
pub const EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");

/// A JSON response with `status` and an already-encoded body.
pub fn json(status: StatusCode, body: impl Into<bytes::Bytes>) -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, JSON);
    response
}

/// A JSON response with `value` serialised.
pub fn json_value<T: serde::Serialize>(status: StatusCode, value: &T) -> Response<ResponseBody> {
    match serde_json::to_vec(value) {
        Ok(body) => json(status, body),
        Err(e) => error(&GatewayError::internal(format!(
            "could not encode the response: {e}"
        ))),
    }
}

/// The head of an SSE response; the body streams.
pub fn event_stream(body: ResponseBody) -> Response<ResponseBody> {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, EVENT_STREAM);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Renders an error: its status, its headers, `Retry-After` when known, OpenAI's JSON body.
pub fn error(err: &GatewayError) -> Response<ResponseBody> {
    let mut response = json(err.status(), err.body_json());
    let headers = response.headers_mut();
    for (name, value) in err.headers() {
        headers.append(name.clone(), value.clone());
    }
    if let Some(after) = err.retry_after()
        && !headers.contains_key(RETRY_AFTER)
    {
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// One SSE event carrying an error, as OpenAI sends it mid-stream: `data: {"error":...}`.
pub fn error_event(err: &GatewayError) -> bytes::Bytes {
    let mut out = bytes::BytesMut::new();
    switchboard_core::sse::write_data(&mut out, &err.body_json());
    out.freeze()
}
