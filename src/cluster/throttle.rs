//! A 429's `Retry-After` header, carried into the Status kube decodes.
//!
//! The API server's own 429s (`--max-requests-inflight`, API Priority and Fairness) are plain
//! text ("Too many requests, please try again later.") with the wait in the `Retry-After`
//! header only; kube keeps a Status's `details.retryAfterSeconds` but drops the headers. This
//! layer rewrites such an answer into the Status the API server sends elsewhere (code 429,
//! reason `TooManyRequests`, its text as the message, `details.retryAfterSeconds` from the
//! header), so that [`super::Cluster::read`] waits what the server asked. A 429 that is a Status
//! keeps its own `retryAfterSeconds`, or gets the header's when it has none. Only the first
//! 64 KiB of a 429's body are read.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode, header::RETRY_AFTER};
use http_body_util::{BodyExt, Full, Limited, combinators::UnsyncBoxBody};
use tower::{BoxError, Layer, Service};

/// The most of a 429's body read.
const MAX_BODY: usize = 64 << 10;

/// See the module doc.
#[derive(Debug, Clone, Copy)]
pub struct RetryAfterLayer;

impl<S> Layer<S> for RetryAfterLayer {
    type Service = RetryAfter<S>;

    fn layer(&self, inner: S) -> RetryAfter<S> {
        RetryAfter { inner }
    }
}

/// The service of [`RetryAfterLayer`].
#[derive(Debug, Clone)]
pub struct RetryAfter<S> {
    inner: S,
}

type Boxed = UnsyncBoxBody<Bytes, BoxError>;

impl<S, ReqBody, B> Service<Request<ReqBody>> for RetryAfter<S>
where
    S: Service<Request<ReqBody>, Response = Response<B>>,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Boxed>;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<Response<Boxed>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            let seconds = (response.status() == StatusCode::TOO_MANY_REQUESTS)
                .then(|| response.headers().get(RETRY_AFTER))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok());
            let Some(seconds) = seconds else {
                return Ok(response.map(|body| body.map_err(Into::into).boxed_unsync()));
            };
            let (parts, body) = response.into_parts();
            let raw = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map(http_body_util::Collected::to_bytes)
                .unwrap_or_default();
            let status = status_with_wait(&raw, seconds);
            let body = Full::new(Bytes::from(status))
                .map_err(|never| match never {})
                .boxed_unsync();
            Ok(Response::from_parts(parts, body))
        })
    }
}

/// The Status a 429 whose body is `raw` and whose `Retry-After` is `seconds` stands for.
pub fn status_with_wait(raw: &[u8], seconds: u32) -> Vec<u8> {
    let parsed = serde_json::from_slice::<serde_json::Value>(raw)
        .ok()
        .filter(|v| v.get("kind").and_then(|k| k.as_str()) == Some("Status"));
    let status = match parsed {
        Some(mut status) => {
            let details = &mut status["details"];
            if !details.is_object() {
                *details = serde_json::json!({});
            }
            if details
                .get("retryAfterSeconds")
                .and_then(serde_json::Value::as_u64)
                .is_none_or(|s| s == 0)
            {
                details["retryAfterSeconds"] = seconds.into();
            }
            status
        }
        None => serde_json::json!({
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": String::from_utf8_lossy(raw).trim(),
            "reason": "TooManyRequests",
            "details": {"retryAfterSeconds": seconds},
            "code": 429,
        }),
    };
    serde_json::to_vec(&status).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_carries_its_retry_after_into_the_status() {
        let cases: [(&str, u32, u64, &str); 4] = [
            (
                "Too many requests, please try again later.\n",
                3,
                3,
                "Too many requests, please try again later.",
            ),
            (
                r#"{"kind":"Status","code":429,"message":"slow down","details":{"retryAfterSeconds":7}}"#,
                3,
                7,
                "slow down",
            ),
            (
                r#"{"kind":"Status","code":429,"message":"slow down"}"#,
                2,
                2,
                "slow down",
            ),
            ("", 5, 5, ""),
        ];
        for (raw, header, want, message) in cases {
            let status: kube::core::Status =
                serde_json::from_slice(&status_with_wait(raw.as_bytes(), header)).unwrap();
            assert_eq!(
                status.details.map(|d| u64::from(d.retry_after_seconds)),
                Some(want),
                "{raw}"
            );
            assert_eq!(status.message, message, "{raw}");
        }
    }
}
