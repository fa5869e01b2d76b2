//! An org's API keys (R-A1..R-A4): created (the key shown once), listed (a hint of each,
//! never the key) and revoked by the org's owners and admins, with a bearer token only: a
//! key never manages keys.

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_licensing::ids::ApiKeyId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{ApiKeyDto, CreateApiKeyBody, CreatedApiKeyDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-keys", web::post().to(create_api_key))
        .route("/api-keys", web::get().to(list_api_keys))
        .route("/api-keys/{id}", web::delete().to(revoke_api_key));
}

/// Creates an API key for the caller's org; the answer holds the key, the only time it is
/// shown (R-A1, R-A2).
#[utoipa::path(
    post, path = "/v1/api-keys", tag = "api-keys", request_body = CreateApiKeyBody,
    responses(
        (status = 201, description = "The key, shown this once, and its record", body = CreatedApiKeyDto),
        (status = 400, description = "Malformed body, blank or long label, no or unknown scope", body = ErrorBody),
        (status = 401, description = "Missing or bad token (an API key is refused here)", body = ErrorBody),
        (status = 403, description = "Not an org owner or admin", body = ErrorBody),
        (status = 422, description = "An expiry not in the future", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_api_key(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<CreateApiKeyBody>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner().try_into()?;
    let created = svc.api_keys.create(&caller.0, request).await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyDto::from(created)))
}

/// The org's API keys, revoked ones included, newest first (R-A4).
#[utoipa::path(
    get, path = "/v1/api-keys", tag = "api-keys", params(PageQuery),
    responses(
        (status = 200, description = "A page of the org's keys, each with a hint, never the key", body = ListDto<ApiKeyDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an org owner or admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_api_keys(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<ApiKeyDto>>, ApiError> {
    let page = svc
        .api_keys
        .list(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, ApiKeyDto::from)))
}

/// Revokes one of the org's keys now; revoking it again changes nothing (R-A4).
#[utoipa::path(
    delete, path = "/v1/api-keys/{id}", tag = "api-keys", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The key's record, revoked", body = ApiKeyDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an org owner or admin", body = ErrorBody),
        (status = 404, description = "No such key in the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_api_key(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApiKeyDto>, ApiError> {
    let key = svc
        .api_keys
        .revoke(&caller.0, ApiKeyId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(key.into()))
}
