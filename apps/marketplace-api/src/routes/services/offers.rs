//! Published services, browsed and searched like tools (R-X2), each with its provider and
//! the provider's rating (R-X5).

use actix_web::web;
use marketplace_services::ids::ServiceListingId;
use marketplace_services::ports::ServiceSearch;
use uuid::Uuid;

use super::dto::{ServiceDto, ServicesQuery};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query};
use crate::state::Services;
use crate::wire::ListDto;

/// Published services, newest first, filtered by words and category.
#[utoipa::path(
    get, path = "/v1/services", tag = "services", params(ServicesQuery),
    responses(
        (status = 200, description = "Published services with their providers", body = ListDto<ServiceDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_services(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<ServicesQuery>,
) -> Result<web::Json<ListDto<ServiceDto>>, ApiError> {
    let query = query.into_inner();
    let search = ServiceSearch {
        words: query.search.as_deref(),
        category: query.category.as_deref(),
    };
    let page = svc
        .services
        .search(&caller.0, search, query.page()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, ServiceDto::from)))
}

/// One published service; a draft or archived one is its provider's alone.
#[utoipa::path(
    get, path = "/v1/services/{id}", tag = "services", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The service with its provider", body = ServiceDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such published service", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_service(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ServiceDto>, ApiError> {
    let offer = svc
        .services
        .offer_of(&caller.0, ServiceListingId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(offer.into()))
}
