//! JSON bodies: content type, size, syntax, an object at the top, unknown fields and enum
//! values, then the body type's garde rules. Every failure is a [`BadRequest`].

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use garde::Validate;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::BadRequest;
use crate::error::ApiError;

/// Bodies larger than this (64 KiB) are refused.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON body that parsed and passed its garde rules.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
    T::Context: Default,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Parsed as a JSON value first: only an object is a body (serde would also take a
        // positional array for a struct).
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await.map_err(|e| unreadable(&e))?.into_inner();
            Ok(Self(decode(value)?))
        })
    }
}

/// A JSON body that may be left out: an empty (or blank) body is `None`; any other body
/// must be valid as for [`ValidJson`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T> FromRequest for OptionalJson<T>
where
    T: DeserializeOwned + Validate + 'static,
    T::Context: Default,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
            m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON)
        });
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = bytes
                .await
                .map_err(|e| BadRequest::new(format!("the request body could not be read: {e}")))?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self(None));
            }
            if body.len() > MAX_BODY_BYTES {
                return Err(too_large(MAX_BODY_BYTES).into());
            }
            if !is_json {
                return Err(wrong_content_type().into());
            }
            let value: Value = serde_json::from_slice(&body).map_err(|e| not_for_endpoint(&e))?;
            Ok(Self(Some(decode(value)?)))
        })
    }
}

/// A parsed JSON value as the body type, checked by its garde rules.
fn decode<T>(value: Value) -> Result<T, BadRequest>
where
    T: DeserializeOwned + Validate,
    T::Context: Default,
{
    if !value.is_object() {
        return Err(BadRequest::new("the request body must be a JSON object")
            .with("body", "expected an object"));
    }
    let body: T = serde_json::from_value(value).map_err(|e| not_for_endpoint(&e))?;
    body.validate().map_err(|report| {
        report.iter().fold(
            BadRequest::new("the request body is invalid"),
            |out, (path, error)| out.with(path.to_string(), error.message()),
        )
    })?;
    Ok(body)
}

fn not_for_endpoint(e: &serde_json::Error) -> BadRequest {
    BadRequest::new("the request body is not valid JSON for this endpoint")
        .with("body", e.to_string())
}

fn wrong_content_type() -> BadRequest {
    BadRequest::new("expected Content-Type: application/json")
}

fn too_large(limit: usize) -> BadRequest {
    BadRequest::new(format!("the request body exceeds {limit} bytes"))
}

fn unreadable(e: &actix_web::Error) -> BadRequest {
    e.as_error::<JsonPayloadError>().map_or_else(
        || BadRequest::new(format!("the request body could not be read: {e}")),
        json_error,
    )
}

/// What each of actix's JSON errors means to the caller.
fn json_error(e: &JsonPayloadError) -> BadRequest {
    match e {
        JsonPayloadError::ContentType => wrong_content_type(),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => too_large(*limit),
        JsonPayloadError::Deserialize(d) => not_for_endpoint(d),
        other => BadRequest::new(format!("the request body could not be read: {other}")),
    }
}
