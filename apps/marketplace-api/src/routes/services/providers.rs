//! A seller's provider profile (R-X1): who it is, where, and how it is paid.

use actix_web::web;

use super::dto::{ProviderBody, ProviderDto};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query, ValidJson};
use crate::state::Services;

/// The caller's org's provider profile, with its rating.
#[utoipa::path(
    get, path = "/v1/sellers/me/provider", tag = "services",
    responses(
        (status = 200, description = "The provider profile", body = ProviderDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org is no provider", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_provider(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<ProviderDto>, ApiError> {
    let provider = svc.services.my_provider(&caller.0).await?;
    let score = svc.services.provider_score(provider.seller_id()).await?;
    Ok(web::Json(ProviderDto::new(&provider, score)))
}

/// Registers the caller's seller as a provider, or replaces its profile. MANUAL providers
/// take no card: buyers pay their invoices by transfer following the instructions.
#[utoipa::path(
    put, path = "/v1/sellers/me/provider", tag = "services", request_body = ProviderBody,
    responses(
        (status = 200, description = "The provider profile", body = ProviderDto),
        (status = 400, description = "Malformed body: a blank or too long field, an unknown payment mode, MANUAL without instructions", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the org's owner or admin", body = ErrorBody),
        (status = 409, description = "not_a_seller (POST /v1/sellers first) or platform_seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_provider(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<ProviderBody>,
) -> Result<web::Json<ProviderDto>, ApiError> {
    let profile = body.into_inner().try_into()?;
    let provider = svc.services.register_provider(&caller.0, profile).await?;
    let score = svc.services.provider_score(provider.seller_id()).await?;
    Ok(web::Json(ProviderDto::new(&provider, score)))
}
