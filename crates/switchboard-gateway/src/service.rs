//! The request entry point: request id, routing by method and path, auth, the handler,
//! and the error rendering that every failure goes through.

use http::header::{ALLOW, HeaderValue};
use http::{HeaderMap, Method, Request, Response};
use switchboard_core::GatewayError;

use crate::access_log::RequestLog;
use crate::body::ResponseBody;
use crate::{Gateway, handlers, request_id, respond};

/// The endpoints, each with its method. Paths are also served without the `/v1` prefix,
/// because many clients are configured with a base URL that lacks it.
enum Endpoint<'a> {
    ChatCompletions,
    Models,
    Model(&'a str),
    Health,
    Ready,
}

impl Gateway {
    /// Answers one request. Never fails: errors become OpenAI-shaped error responses.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let id = request_id::take_or_make(request.headers());
        let mut log = RequestLog::start(id.clone(), request.method().clone(), request.uri().path());
        let mut response = match self.dispatch(request, &mut log).await {
            Ok(response) => response,
            Err(err) => {
                log.outcome = "error";
                log.error = Some(err.message().to_owned());
                respond::error(&err)
            }
        };
        log.status = response.status().as_u16();
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(request_id::HEADER, value);
        }
        response
    }

    async fn dispatch<B>(
        &self,
        request: Request<B>,
        log: &mut RequestLog,
    ) -> Result<Response<ResponseBody>, GatewayError>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let endpoint =
            endpoint(&path).ok_or_else(|| GatewayError::unknown_path(method.as_str(), &path))?;
        let allowed = match endpoint {
            Endpoint::ChatCompletions => Method::POST,
            _ => Method::GET,
        };
        // HEAD is GET without a body (hyper drops the body on the wire).
        if method != allowed && !(method == Method::HEAD && allowed == Method::GET) {
            let mut headers = HeaderMap::new();
            let allow = if allowed == Method::POST {
                "POST"
            } else {
                "GET"
            };
            headers.insert(ALLOW, HeaderValue::from_static(allow));
            return Err(
                GatewayError::method_not_allowed(method.as_str(), &path).with_headers(headers)
            );
        }
        match endpoint {
            Endpoint::Health => return Ok(handlers::health()),
            Endpoint::Ready => return Ok(handlers::ready(self)),
            _ => {}
        }
        self.inner.keys.check(request.headers())?;
        match endpoint {
            Endpoint::ChatCompletions => crate::chat::serve(self, request, log).await,
            Endpoint::Models => Ok(handlers::list_models(self, &log.request_id).await),
            Endpoint::Model(id) => handlers::get_model(self, &percent_decode(id)),
            Endpoint::Health | Endpoint::Ready => Err(GatewayError::internal("unreachable route")),
        }
    }
}

fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    match path {
        "/health" => return Some(Endpoint::Health),
        "/ready" => return Some(Endpoint::Ready),
        _ => {}
    }
    let rest = path.strip_prefix("/v1").unwrap_or(path);
    match rest {
        "/chat/completions" => Some(Endpoint::ChatCompletions),
        "/models" => Some(Endpoint::Models),
        _ => rest
            .strip_prefix("/models/")
            .filter(|id| !id.is_empty())
            .map(Endpoint::Model),
    }
}

/// Decodes `%XX` escapes (model ids may hold `/` or `:`); invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(percent_decode("Qwen%2FQwen3-8B"), "Qwen/Qwen3-8B");
        assert_eq!(percent_decode("a%3Ab"), "a:b");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn paths_with_and_without_v1() {
        assert!(matches!(
            endpoint("/v1/chat/completions"),
            Some(Endpoint::ChatCompletions)
        ));
        assert!(matches!(
            endpoint("/chat/completions"),
            Some(Endpoint::ChatCompletions)
        ));
        assert!(matches!(
            endpoint("/v1/models/a/b"),
            Some(Endpoint::Model("a/b"))
        ));
        assert!(endpoint("/v1/models/").is_none());
        assert!(endpoint("/v1/embeddings").is_none());
    }
}
