//! Request extraction that answers every malformed input in the API's error shape: JSON
//! bodies (content type, size, syntax, unknown fields and enum values, then garde rules),
//! path ids and query strings.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{FromRequest, HttpRequest, web};
use garde::Validate;
use serde::de::DeserializeOwned;
use serde_json::json;

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
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await.map_err(|e| json_error_from(&e))?.into_inner();
            if !value.is_object() {
                return Err(ApiError::bad_request(
                    "the request body must be a JSON object",
                    vec![json!({"field": "body", "message": "expected an object"})],
                ));
            }
            let body: T = serde_json::from_value(value).map_err(|e| {
                ApiError::bad_request(
                    "the request body is not valid JSON for this endpoint",
                    vec![json!({"field": "body", "message": e.to_string()})],
                )
            })?;
            body.validate().map_err(|report| {
                let details = report
                    .iter()
                    .map(|(path, error)| json!({"field": path.to_string(), "message": error.message()}))
                    .collect();
                ApiError::bad_request("the request body is invalid", details)
            })?;
            Ok(Self(body))
        })
    }
}

fn json_error_from(e: &actix_web::Error) -> ApiError {
    e.as_error::<JsonPayloadError>().map_or_else(
        || ApiError::bad_request(format!("the request body could not be read: {e}"), vec![]),
        json_error,
    )
}

/// Maps actix's JSON errors to 400s in the error shape.
#[must_use]
pub fn json_error(e: &JsonPayloadError) -> ApiError {
    match e {
        JsonPayloadError::ContentType => {
            ApiError::bad_request("expected Content-Type: application/json", vec![])
        }
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::bad_request(format!("the request body exceeds {limit} bytes"), vec![])
        }
        JsonPayloadError::Deserialize(d) => ApiError::bad_request(
            "the request body is not valid JSON for this endpoint",
            vec![json!({"field": "body", "message": d.to_string()})],
        ),
        other => ApiError::bad_request(
            format!("the request body could not be read: {other}"),
            vec![],
        ),
    }
}

/// Configures body, path and query extractors so their failures are 400s in the error
/// shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // No JSON error handler here: `ValidJson` maps actix's own error, details included.
    cfg.app_data(web::JsonConfig::default().limit(MAX_BODY_BYTES))
        .app_data(web::PathConfig::default().error_handler(|e, _| path_error(&e).into()))
        .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(&e).into()));
}

fn path_error(e: &PathError) -> ApiError {
    let PathError::Deserialize(d) = e else {
        return ApiError::bad_request("malformed path", vec![]);
    };
    ApiError::bad_request(
        "a path parameter is malformed",
        vec![json!({"field": "path", "message": d.to_string()})],
    )
}

fn query_error(e: &QueryPayloadError) -> ApiError {
    ApiError::bad_request(
        "a query parameter is malformed",
        vec![json!({"field": "query", "message": e.to_string()})],
    )
}

/// Repeated (`?tier=A&tier=B`) or comma-separated (`?tier=A,B`) query values of `key`.
pub fn query_values(req: &HttpRequest, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// The single value of `key`, if given.
pub fn query_value(req: &HttpRequest, key: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Refuses query keys the endpoint does not know, so a misspelt filter is not ignored.
///
/// # Errors
/// 400 naming the unknown key.
pub fn only_keys(req: &HttpRequest, known: &[&str]) -> Result<(), ApiError> {
    for (k, _) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if !known.contains(&k.as_ref()) {
            return Err(ApiError::bad_request(
                format!("unknown query parameter {k:?}"),
                vec![
                    json!({"field": k, "message": format!("expected one of {}", known.join(", "))}),
                ],
            ));
        }
    }
    Ok(())
}

/// Parses a query value, answering 400 on failure.
///
/// # Errors
/// 400 naming the field.
pub fn parse_query<T>(
    field: &'static str,
    raw: Option<String>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    raw.map(|v| {
        parse(&v).map_err(|m| {
            ApiError::bad_request(
                format!("invalid {field}"),
                vec![json!({"field": field, "message": m})],
            )
        })
    })
    .transpose()
}

/// Parses every value of a repeated query key.
///
/// # Errors
/// 400 naming the field.
pub fn parse_all<T>(
    field: &'static str,
    raw: Vec<String>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, ApiError> {
    raw.iter()
        .map(|v| {
            parse(v).map_err(|m| {
                ApiError::bad_request(
                    format!("invalid {field}"),
                    vec![json!({"field": field, "message": m})],
                )
            })
        })
        .collect()
}
