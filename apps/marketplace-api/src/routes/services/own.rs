//! A provider's own services (R-X2): every status, and withdrawing one from sale.

use actix_web::web;
use marketplace_services::ids::ServiceListingId;
use uuid::Uuid;

use super::dto::ServiceDto;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};

/// The caller's provider's services, every status (published, archived), newest first.
#[utoipa::path(
    get, path = "/v1/sellers/me/services", tag = "services", params(PageQuery),
    responses(
        (status = 200, description = "The provider's services", body = ListDto<ServiceDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org is no provider", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_services(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<ServiceDto>>, ApiError> {
    let page = svc
        .services
        .my_offers(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, ServiceDto::from)))
}

/// Withdraws one of the caller's published services from sale (ARCHIVED): it leaves the
/// listing and search at once; its transactions and threads go on.
#[utoipa::path(
    post, path = "/v1/sellers/me/services/{id}/archive", tag = "services",
    params(("id" = Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The archived service", body = ServiceDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the seller's owner or admin", body = ErrorBody),
        (status = 404, description = "No such service of the caller's provider", body = ErrorBody),
        (status = 409, description = "Already archived", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn archive_service(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ServiceDto>, ApiError> {
    let id = ServiceListingId::from_uuid(id.into_inner());
    svc.services.archive_listing(&caller.0, id).await?;
    let offer = svc.services.offer_of(&caller.0, id).await?;
    Ok(web::Json(offer.into()))
}
