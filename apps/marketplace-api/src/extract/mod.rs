//! Request extraction that answers every malformed input as a [`BadRequest`]: JSON bodies,
//! path segments and typed query strings.

mod bad_request;
mod json;
mod query;
mod query_de;

use actix_web::error::PathError;
use actix_web::web;

use crate::error::ApiError;

pub use bad_request::{BadRequest, Fault};
pub use json::{MAX_BODY_BYTES, OptionalJson, ValidJson};
pub use query::{NoQuery, Query, parse as parse_query};

/// Configures body and path extractors so their failures are 400s in the error shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // No JSON error handler here: `ValidJson` maps actix's own error, details included.
    cfg.app_data(web::JsonConfig::default().limit(MAX_BODY_BYTES))
        .app_data(
            web::PathConfig::default().error_handler(|e, _| ApiError::from(path_error(&e)).into()),
        );
}

fn path_error(e: &PathError) -> BadRequest {
    let PathError::Deserialize(d) = e else {
        return BadRequest::new("malformed path");
    };
    BadRequest::new("a path parameter is malformed").with("path", d.to_string())
}
