//! Bounds on what the cluster may send, and how requests name the tool.
//!
//! - Every response body is cut off at [`MAX_RESPONSE_BYTES`] (a list page of 500 pods is a few
//!   megabytes; the cap is far above the largest legitimate one), except the streams that are
//!   meant to go on (`watch=true`, a followed log), which are bounded in time instead.
//! - Every request carries `User-Agent: kubectl-initdoctor/<version> (<os>/<arch>)`, so audit logs
//!   attribute it.

use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response};
use http_body_util::Limited;
use tower::{Layer, Service};

/// The largest response body read (256 MiB).
pub const MAX_RESPONSE_BYTES: usize = 256 << 20;

/// The text the body limit fails with, recognised when errors are mapped.
pub const LIMIT_ERROR: &str = "length limit exceeded";

/// `kubectl-initdoctor/0.1.0 (linux/x86_64)`, as kubectl's `kubectl/v1.33.0 (linux/amd64) …`.
pub fn user_agent() -> HeaderValue {
    let text = format!(
        "kubectl-initdoctor/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("kubectl-initdoctor"))
}

/// True for a request whose answer is a stream meant to last (a watch, a followed log), or a
/// log (bounded by its own `limitBytes` when read as evidence; `logs` streams it through).
fn is_stream(uri: &http::Uri) -> bool {
    uri.path().ends_with("/log")
        || uri.query().is_some_and(|q| {
            q.split('&')
                .any(|pair| pair == "watch=true" || pair == "watch=1" || pair == "follow=true")
        })
}

/// The most of a log read for evidence (`limitBytes`).
pub const LOG_LIMIT_BYTES: i64 = 64 * 1024;

/// The longest log line kept as evidence, in characters; longer ones are cut with `…`.
pub const LOG_LINE_CHARS: usize = 500;

/// The last `tail` lines of a log, each cut to [`LOG_LINE_CHARS`], invalid UTF-8 shown as `\xNN`.
pub fn log_lines(raw: &[u8], tail: i64) -> Vec<String> {
    let mut lines: Vec<String> = raw
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .map(|line| {
            let text = crate::sanitize::lossless_utf8(line);
            if text.chars().count() > LOG_LINE_CHARS {
                let mut cut: String = text.chars().take(LOG_LINE_CHARS).collect();
                cut.push('…');
                cut
            } else {
                text
            }
        })
        .collect();
    if raw.ends_with(b"\n") || raw.is_empty() {
        lines.pop();
    }
    let skip = lines
        .len()
        .saturating_sub(usize::try_from(tail.max(0)).unwrap_or(0));
    lines.split_off(skip)
}

/// Wraps every response body of a non-stream request in [`Limited`].
#[derive(Debug, Clone, Copy)]
pub struct BodyLimitLayer {
    pub limit: usize,
}

impl<S> Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BodyLimit {
            inner,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BodyLimit<S> {
    inner: S,
    limit: usize,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BodyLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<Limited<ResBody>>;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let limit = if is_stream(request.uri()) {
            usize::MAX
        } else {
            self.limit
        };
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            Ok(response.map(|body| Limited::new(body, limit)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn log_lines_are_the_tail_cut_and_kept_when_not_utf8() {
        let long = "x".repeat(LOG_LINE_CHARS + 10);
        let cut = format!("{}…", "x".repeat(LOG_LINE_CHARS));
        let cases: Vec<(Vec<u8>, i64, Vec<String>)> = vec![
            (b"a\nb\nc\n".to_vec(), 2, vec!["b".into(), "c".into()]),
            (b"a\r\nb".to_vec(), 5, vec!["a".into(), "b".into()]),
            (b"".to_vec(), 5, vec![]),
            (
                b"ok\n\xff\xfebad\n".to_vec(),
                5,
                vec!["ok".into(), "\\xff\\xfebad".into()],
            ),
            (format!("{long}\n").into_bytes(), 1, vec![cut]),
        ];
        for (raw, tail, want) in cases {
            assert_eq!(log_lines(&raw, tail), want, "{raw:?}");
        }
    }

    #[test]
    fn streams_are_recognised() {
        let cases = [
            ("/api/v1/pods?limit=500", false),
            ("/api/v1/pods?watch=true&timeoutSeconds=60", true),
            (
                "/api/v1/namespaces/a/pods/p/log?follow=true&container=c",
                true,
            ),
            ("/api/v1/namespaces/a/pods/p/log?tailLines=20", true),
            ("/api/v1/namespaces/a/pods/p", false),
            ("/api/v1/namespaces/a/pods/follow=true", false),
        ];
        for (uri, want) in cases {
            assert_eq!(is_stream(&uri.parse().unwrap()), want, "{uri}");
        }
    }

    #[test]
    fn the_user_agent_names_the_tool_and_version() {
        let ua = user_agent();
        let text = ua.to_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "kubectl-initdoctor/{} (",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
    }
}
