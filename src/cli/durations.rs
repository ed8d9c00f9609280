//! The durations flags take, read as kubectl reads them: `--request-timeout`, `--since`,
//! `--timeout`.

use std::time::Duration;

/// The longest duration kubectl reads (Go's `time.Duration`: int64 nanoseconds).
pub const MAX_DURATION: Duration = Duration::from_nanos(i64::MAX.unsigned_abs());

/// Parse a kubectl-style duration: `30s`, `1m30s`, `500ms`, or a bare number of seconds
/// (`--request-timeout`, `--since`, `--timeout`). Pure; `Err` is the message clap shows.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err("must be more than zero: every request needs a timeout".into());
    }
    // kubectl's durations are int64 nanoseconds: anything longer is refused, not wrapped.
    if duration > MAX_DURATION {
        return Err("too long: a duration is at most 2562047h47m16s".into());
    }
    Ok(duration)
}

/// `--request-timeout`: [`parse_timeout`], except that 0 means no timeout, as kubectl reads it
/// ([`NO_TIMEOUT`]).
pub fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    Ok(if duration.is_zero() {
        NO_TIMEOUT
    } else {
        duration
    })
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
        Err(_) => humantime::parse_duration(text)
            .map_err(|e| format!("{e}: use a duration such as 30s, 1m or 500ms")),
    }
}

/// `--request-timeout 0`: no timeout, as kubectl reads it. A request still ends after this
/// long (a day), so that every wait stays bounded and no deadline overflows.
pub const NO_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_kubectl() {
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("7"), Ok(Duration::from_secs(7)));
        assert!(parse_timeout("0").is_err());
        for zero in ["0", "0s", "0ms"] {
            assert_eq!(parse_request_timeout(zero), Ok(NO_TIMEOUT), "{zero}");
        }
        assert_eq!(parse_request_timeout("5s"), Ok(Duration::from_secs(5)));
        assert!(parse_timeout("soon").is_err());
    }
}
