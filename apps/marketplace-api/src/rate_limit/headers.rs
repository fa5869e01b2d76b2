//! The `RateLimit-*` headers, written in one place for every answer that speaks of a limit:
//! the request rate limits (R-T7) and the usage quotas (R-U4) use the same names.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

/// `RateLimit-Limit`: how many calls (or units) the window allows.
pub const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
/// `RateLimit-Remaining`: how many are left now.
pub const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
/// `RateLimit-Reset`: seconds until the window is whole again.
pub const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// Where a caller stands against a limit, as the headers say it. Whole numbers: a caller
/// is never promised more than is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub limit: u64,
    pub remaining: u64,
    pub reset_seconds: u64,
    /// `Retry-After`, on a refusal only.
    pub retry_after_seconds: Option<u64>,
}

impl RateLimitHeaders {
    /// Writes (or overwrites) the headers into `headers`.
    pub fn write(&self, headers: &mut HeaderMap) {
        headers.insert(LIMIT, HeaderValue::from(self.limit));
        headers.insert(REMAINING, HeaderValue::from(self.remaining));
        headers.insert(RESET, HeaderValue::from(self.reset_seconds));
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headers_are_written_by_their_registered_names() {
        let mut headers = HeaderMap::new();
        RateLimitHeaders {
            limit: 60,
            remaining: 0,
            reset_seconds: 7,
            retry_after_seconds: Some(2),
        }
        .write(&mut headers);
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(get("RateLimit-Limit"), Some("60"));
        assert_eq!(get("RateLimit-Remaining"), Some("0"));
        assert_eq!(get("RateLimit-Reset"), Some("7"));
        assert_eq!(get("Retry-After"), Some("2"));

        let mut quiet = HeaderMap::new();
        RateLimitHeaders {
            limit: 60,
            remaining: 59,
            reset_seconds: 1,
            retry_after_seconds: None,
        }
        .write(&mut quiet);
        assert!(quiet.get("Retry-After").is_none());
    }
}
