//! Request rate limits (R-T7): each call to `/v1` counts against its caller's bucket, an
//! API key's, a user's, or for a call without a good credential its client address's.
//! Limits are per minute and configurable per kind of caller ([`Limits`]); a caller over
//! theirs is answered 429 `rate_limited` with `Retry-After`, and every answer carries the
//! `RateLimit-*` headers ([`headers`]). The buckets live in the process (GCRA, `governor`,
//! ADR 0018): behind a load balancer each replica counts its own share; the shared design
//! is in the ADR.

pub mod headers;
pub mod openapi;

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{NotUntil, Quota};
use marketplace_domain::ids::UserId;
use marketplace_licensing::api_key::KeyHolder;
use marketplace_licensing::ids::ApiKeyId;

use crate::auth::{Credential, TokenKeys, credential};
use crate::error::ApiError;
use crate::state::Services;
pub use headers::RateLimitHeaders;

/// Requests per minute for each kind of caller; `None` leaves that kind unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub api_key: Option<NonZeroU32>,
    pub user: Option<NonZeroU32>,
    /// Calls without a good credential, per client address.
    pub ip: Option<NonZeroU32>,
    /// Take the client address from `Forwarded` / `X-Forwarded-For` (set only behind a
    /// proxy that writes them); otherwise the peer address.
    pub trust_forwarded: bool,
}

impl Limits {
    /// 6,000 calls a minute per API key, 3,000 per user, 1,200 per client address: well
    /// above what a person or an integration does, low enough to blunt a runaway client.
    pub const DEFAULT: Self = Self {
        api_key: NonZeroU32::new(6_000),
        user: NonZeroU32::new(3_000),
        ip: NonZeroU32::new(1_200),
        trust_forwarded: false,
    };

    /// No limit at all (benchmarks).
    pub const OFF: Self = Self {
        api_key: None,
        user: None,
        ip: None,
        trust_forwarded: false,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Whose bucket a call counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    ApiKey(ApiKeyId),
    User(UserId),
    /// A call without a good credential, by client address (`None` when unknown: all
    /// such calls share one bucket).
    Ip(Option<IpAddr>),
}

impl Subject {
    /// How a refusal names the bucket.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::ApiKey(_) => "api_key",
            Self::User(_) => "user",
            Self::Ip(_) => "ip",
        }
    }
}

/// A call over its caller's limit: 429 `rate_limited`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many requests for this {kind} bucket; retry in {} s", .headers.retry_after_seconds.unwrap_or(1))]
pub struct RateLimited {
    pub kind: &'static str,
    pub headers: RateLimitHeaders,
}

type Keyed<K, C> = governor::RateLimiter<K, DashMapStateStore<K>, C, StateInformationMiddleware>;

/// One kind of caller's buckets.
struct Buckets<K: Hash + Eq + Clone, C: Clock> {
    limit: NonZeroU32,
    limiter: Keyed<K, C>,
    clock: C,
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> Buckets<K, C> {
    fn new(per_minute: NonZeroU32, clock: C) -> Self {
        Self {
            limit: per_minute,
            limiter: governor::RateLimiter::dashmap_with_clock(
                Quota::per_minute(per_minute),
                clock.clone(),
            )
            .with_middleware::<StateInformationMiddleware>(),
            clock,
        }
    }

    fn check(&self, key: &K) -> Result<RateLimitHeaders, RateLimitHeaders> {
        let limit = u64::from(self.limit.get());
        let interval = Quota::per_minute(self.limit).replenish_interval();
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Ok(RateLimitHeaders {
                    limit,
                    remaining: u64::from(remaining),
                    reset_seconds: ceil_seconds(interval * (self.limit.get() - remaining)),
                    retry_after_seconds: None,
                })
            }
            Err(not_until) => {
                let wait = wait(&not_until, self.clock.now());
                let retry = ceil_seconds(wait).max(1);
                Err(RateLimitHeaders {
                    limit,
                    remaining: 0,
                    reset_seconds: ceil_seconds(wait + interval * (self.limit.get() - 1)).max(1),
                    retry_after_seconds: Some(retry),
                })
            }
        }
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

fn wait<P: Reference>(not_until: &NotUntil<P>, now: P) -> Duration {
    not_until.wait_time_from(now)
}

fn ceil_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// How many checks between two sweeps of buckets that are full again (a bucket left
/// alone long enough is the same as no bucket).
const SWEEP_EVERY: u32 = 10_000;

/// The buckets of every kind of caller, in this process.
pub struct RateLimiter<C: Clock + Clone = DefaultClock> {
    api_key: Option<Buckets<ApiKeyId, C>>,
    user: Option<Buckets<UserId, C>>,
    ip: Option<Buckets<Option<IpAddr>, C>>,
    trust_forwarded: bool,
    checks: AtomicU32,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("api_key", &self.api_key.as_ref().map(|b| b.limit))
            .field("user", &self.user.as_ref().map(|b| b.limit))
            .field("ip", &self.ip.as_ref().map(|b| b.limit))
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// Buckets for `limits` on the monotonic clock.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self::with_clock(limits, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// Buckets for `limits` on `clock` (tests move a fake one).
    #[must_use]
    pub fn with_clock(limits: Limits, clock: C) -> Self {
        Self {
            api_key: limits.api_key.map(|n| Buckets::new(n, clock.clone())),
            user: limits.user.map(|n| Buckets::new(n, clock.clone())),
            ip: limits.ip.map(|n| Buckets::new(n, clock)),
            trust_forwarded: limits.trust_forwarded,
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one call against `subject`'s bucket: the headers to answer with, or the
    /// refusal. `None` when that kind of caller is not limited.
    ///
    /// # Errors
    /// [`RateLimited`] when the bucket is empty; the call is not counted.
    pub fn check(&self, subject: Subject) -> Result<Option<RateLimitHeaders>, RateLimited> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        let outcome = match subject {
            Subject::ApiKey(id) => self.api_key.as_ref().map(|b| b.check(&id)),
            Subject::User(id) => self.user.as_ref().map(|b| b.check(&id)),
            Subject::Ip(addr) => self.ip.as_ref().map(|b| b.check(&addr)),
        };
        outcome.transpose().map_err(|headers| RateLimited {
            kind: subject.kind(),
            headers,
        })
    }

    fn sweep(&self) {
        if let Some(b) = &self.api_key {
            b.forget_idle();
        }
        if let Some(b) = &self.user {
            b.forget_idle();
        }
        if let Some(b) = &self.ip {
            b.forget_idle();
        }
    }
}

/// An API key the limiter already authenticated, for the extractors to reuse (one lookup
/// per call).
#[derive(Clone, Debug)]
pub(crate) struct AuthenticatedKey(pub KeyHolder);

/// An API key the limiter could not authenticate (unknown, revoked, or the store failed):
/// the extractor answers with it instead of looking the key up a second time.
#[derive(Debug)]
pub(crate) struct KeyRefused(pub crate::auth::AuthError);

/// The middleware over `/v1`: resolves the caller, counts the call, and answers 429
/// without running the handler when the caller is over their limit. An application
/// mounted without a [`RateLimiter`] (an embedding of its own) is not limited.
///
/// # Errors
/// Only the handler's own.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(limiter) = req.app_data::<web::Data<RateLimiter>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let subject = subject(&req, limiter.trust_forwarded).await;
    match limiter.check(subject) {
        Ok(figures) => {
            let mut res = next.call(req).await?;
            // A handler that answered with figures of its own (a usage quota, R-U4) keeps
            // them: they are the more specific limit.
            if let Some(figures) = figures
                && !res.headers().contains_key(headers::LIMIT)
            {
                figures.write(res.headers_mut());
            }
            Ok(res.map_into_boxed_body())
        }
        Err(refused) => {
            tracing::info!(kind = refused.kind, "rate limited");
            let (req, _) = req.into_parts();
            let res = actix_web::ResponseError::error_response(&ApiError::RateLimited(refused));
            Ok(ServiceResponse::new(req, res))
        }
    }
}

/// Whose bucket the call counts against: its good credential's, else its address's. A
/// bad credential counts against the address (and gets its 401 from the handler).
async fn subject(req: &ServiceRequest, trust_forwarded: bool) -> Subject {
    let by_address = || {
        let info = req.connection_info();
        let addr = if trust_forwarded {
            info.realip_remote_addr()
        } else {
            info.peer_addr()
        };
        Subject::Ip(addr.and_then(parse_addr))
    };
    match credential(req.request()) {
        Ok(Some(Credential::Bearer(token))) => req
            .app_data::<web::Data<TokenKeys>>()
            .and_then(|keys| keys.verify(token).ok())
            .map_or_else(by_address, |actor| Subject::User(actor.user_id)),
        Ok(Some(Credential::ApiKey(key))) => {
            let Some(services) = req.app_data::<web::Data<Services>>() else {
                return by_address();
            };
            match crate::auth::authenticate_key(&services.api_keys, key).await {
                Ok(holder) => {
                    let id = holder.key_id();
                    req.extensions_mut().insert(AuthenticatedKey(holder));
                    Subject::ApiKey(id)
                }
                Err(refused) => {
                    req.extensions_mut().insert(KeyRefused(refused));
                    by_address()
                }
            }
        }
        Ok(Some(Credential::Other) | None) | Err(_) => by_address(),
    }
}

/// An address as `connection_info` gives it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`.
fn parse_addr(raw: &str) -> Option<IpAddr> {
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            raw.trim_start_matches('[')
                .split(']')
                .next()
                .and_then(|s| s.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use uuid::Uuid;

    fn limits(per_minute: u32) -> Limits {
        let n = NonZeroU32::new(per_minute);
        Limits {
            api_key: n,
            user: n,
            ip: n,
            trust_forwarded: false,
        }
    }

    #[test]
    fn r_t7_a_caller_over_their_limit_is_refused_until_the_bucket_refills() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(limits(2), clock.clone());
        let alice = Subject::User(UserId::from_uuid(Uuid::from_u128(1)));
        let first = limiter.check(alice).unwrap().unwrap();
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert_eq!(first.reset_seconds, 30);
        let second = limiter.check(alice).unwrap().unwrap();
        assert_eq!(second.remaining, 0);
        let refused = limiter.check(alice).unwrap_err();
        assert_eq!(refused.kind, "user");
        assert_eq!(refused.headers.retry_after_seconds, Some(30));
        assert_eq!(refused.headers.remaining, 0);
        assert_eq!(refused.headers.reset_seconds, 60);

        // Another caller has a bucket of their own.
        let bob = Subject::User(UserId::from_uuid(Uuid::from_u128(2)));
        assert!(limiter.check(bob).is_ok());

        // Half a minute later one call is allowed again, and only one.
        clock.advance(Duration::from_secs(30));
        assert!(limiter.check(alice).is_ok());
        assert!(limiter.check(alice).is_err());
    }

    #[test]
    fn r_t7_keys_users_and_addresses_have_separate_limits() {
        let limiter = RateLimiter::with_clock(
            Limits {
                api_key: NonZeroU32::new(1),
                user: None,
                ip: NonZeroU32::new(3),
                trust_forwarded: false,
            },
            FakeRelativeClock::default(),
        );
        let key = Subject::ApiKey(ApiKeyId::from_uuid(Uuid::from_u128(1)));
        assert!(limiter.check(key).is_ok());
        assert_eq!(limiter.check(key).unwrap_err().kind, "api_key");
        let user = Subject::User(UserId::from_uuid(Uuid::from_u128(1)));
        for _ in 0..100 {
            assert_eq!(limiter.check(user), Ok(None), "users are not limited here");
        }
        let addr = Subject::Ip(Some(IpAddr::from([10, 0, 0, 1])));
        for _ in 0..3 {
            assert!(limiter.check(addr).is_ok());
        }
        assert_eq!(limiter.check(addr).unwrap_err().kind, "ip");
        assert!(
            limiter
                .check(Subject::Ip(Some(IpAddr::from([10, 0, 0, 2]))))
                .is_ok()
        );
    }

    #[test]
    fn client_addresses_parse_with_or_without_a_port() {
        let v4 = Some(IpAddr::from([1, 2, 3, 4]));
        assert_eq!(parse_addr("1.2.3.4"), v4);
        assert_eq!(parse_addr("1.2.3.4:5678"), v4);
        let v6 = Some(IpAddr::from(std::net::Ipv6Addr::LOCALHOST));
        assert_eq!(parse_addr("[::1]:80"), v6);
        assert_eq!(parse_addr("::1"), v6);
        assert_eq!(parse_addr("[::1]"), v6);
        assert_eq!(parse_addr("not an address"), None);
    }
}
