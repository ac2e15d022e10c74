//! One request in, one canned answer out.

use std::convert::Infallible;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::Deserialize;

use crate::body::ReplyBody;
use crate::canned;
use crate::options::Options;

/// The fields of a chat request the upstream reads; the rest is skipped unparsed.
#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    model: String,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    stream_options: Option<StreamOptions>,
}

/// `stream_options`.
#[derive(Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

/// Answers `POST .../chat/completions` (the body read whole, as a real server does) with
/// the canned completion or stream; anything else with a 404 or 400 in OpenAI's error shape.
pub async fn handle(
    request: Request<Incoming>,
    defaults: Options,
) -> Result<Response<ReplyBody>, Infallible> {
    if request.method() != Method::POST || !request.uri().path().ends_with("/chat/completions") {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "only POST /v1/chat/completions is served",
        ));
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "the request body did not arrive",
        ));
    };
    let Ok(peek) = serde_json::from_slice::<Peek>(&body) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "the request body is not a chat request",
        ));
    };
    let options = defaults.for_request(&peek.model, &parts.headers);
    let response = if peek.stream {
        let include_usage = peek.stream_options.is_some_and(|o| o.include_usage);
        let frames = canned::stream(&peek.model, options.chunks, include_usage);
        Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-cache")
            .body(ReplyBody::paced(frames, options.delay))
    } else {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(ReplyBody::Whole(Some(canned::completion(
                &peek.model,
                options.chunks,
            ))))
    };
    Ok(response.unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "bad response")))
}

/// An OpenAI-shaped error answer.
fn error(status: StatusCode, message: &str) -> Response<ReplyBody> {
    let body = format!(
        "{{\"error\":{{\"message\":\"{message}\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}}}"
    );
    let mut response = Response::new(ReplyBody::Whole(Some(Bytes::from(body))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
