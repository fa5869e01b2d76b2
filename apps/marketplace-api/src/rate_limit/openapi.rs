//! The request rate limits in the OpenAPI document (R-T7): the limiter sits in front of
//! every `/v1` route, so every operation under `/v1` may answer 429 `rate_limited` with
//! the `RateLimit-*` headers and `Retry-After`. Written once here rather than on each
//! handler, so a new route is documented the day it is mounted.

use utoipa::Modify;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, Object, OpenApi, Ref, RefOr, Response, Type};

/// What a refusal by the limiter says, and what an operation that already documents a 429
/// of its own (usage ingest's `quota_exceeded`) is told besides.
const RATE_LIMITED: &str = "Over the caller's request rate limit (`rate_limited`, R-T7): \
    per API key, per user, or per client address for calls without a good credential";

/// Adds the limiter's 429 to every operation under `/v1`.
#[derive(Debug)]
pub struct RateLimitedResponses;

impl Modify for RateLimitedResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            if !path.starts_with("/v1/") {
                continue;
            }
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                document_429(operation);
            }
        }
    }
}

fn document_429(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut("429") {
        Some(RefOr::T(own)) => {
            // One status, two causes: the handler's own 429 keeps its description and
            // headers and is told about the limiter's.
            own.description = format!("{}; or: {RATE_LIMITED}", own.description);
            for (name, header) in headers() {
                own.headers.entry(name.to_owned()).or_insert(header.into());
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let mut response = Response::new(RATE_LIMITED);
            response.content.insert(
                "application/json".to_owned(),
                Content::new(Some(Ref::from_schema_name("ErrorBody"))).into(),
            );
            for (name, header) in headers() {
                response.headers.insert(name.to_owned(), header.into());
            }
            responses.insert("429".to_owned(), response.into());
        }
    }
}

/// The headers of a refusal, as `headers::RateLimitHeaders` writes them.
fn headers() -> [(&'static str, Header); 4] {
    let seconds = |description: &str| {
        let mut header = Header::new(Object::with_type(Type::Integer));
        header.description = Some(description.to_owned());
        header
    };
    [
        (
            "RateLimit-Limit",
            seconds("Calls the caller's window allows per minute"),
        ),
        ("RateLimit-Remaining", seconds("Calls left in it: 0")),
        (
            "RateLimit-Reset",
            seconds("Seconds until the window is whole again"),
        ),
        (
            "Retry-After",
            seconds("Seconds until a call is accepted again"),
        ),
    ]
}
