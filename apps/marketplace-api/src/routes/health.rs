//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::{ApiError, ErrorBody};
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "Alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The process can serve: its database answers.
#[utoipa::path(
    get, path = "/readyz", tag = "health",
    responses((status = 200, description = "Ready"), (status = 503, description = "Not ready", body = ErrorBody))
)]
pub async fn readyz(svc: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    svc.readiness.check().await.map_err(ApiError::NotReady)?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
