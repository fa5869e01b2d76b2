//! The org's subscriptions (R-B5): its recurring purchases with their plans and periods,
//! and stopping one from renewing.

pub mod dto;

use actix_web::web;
use marketplace_domain::ids::PurchaseId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::SubscriptionDto;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/subscriptions", web::get().to(list_subscriptions))
        .route("/subscriptions/{id}", web::get().to(get_subscription))
        .route(
            "/subscriptions/{id}/cancel",
            web::post().to(cancel_subscription),
        );
}

/// The org's subscriptions, newest first.
#[utoipa::path(
    get, path = "/v1/subscriptions", tag = "purchases", params(PageQuery),
    responses(
        (status = 200, description = "A page of subscriptions", body = ListDto<SubscriptionDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_subscriptions(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<SubscriptionDto>>, ApiError> {
    let page = svc
        .subscriptions
        .list(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, SubscriptionDto::from)))
}

/// One of the org's subscriptions.
#[utoipa::path(
    get, path = "/v1/subscriptions/{id}", tag = "purchases",
    params(("id" = Uuid, Path, description = "The subscription's (purchase's) id")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
        (status = 404, description = "No such subscription in the org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_subscription(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<SubscriptionDto>, ApiError> {
    let view = svc
        .subscriptions
        .get(&caller.0, PurchaseId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(view.into()))
}

/// Stops the subscription from renewing (at the payment provider too); access runs to
/// the end of the current period. Cancelling again changes nothing.
#[utoipa::path(
    post, path = "/v1/subscriptions/{id}/cancel", tag = "purchases",
    params(("id" = Uuid, Path, description = "The subscription's (purchase's) id")),
    responses(
        (status = 200, description = "The subscription, `canceled`", body = SubscriptionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
        (status = 404, description = "No such subscription in the org", body = ErrorBody),
        (status = 409, description = "The subscription has ended", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_subscription(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SubscriptionDto>, ApiError> {
    let view = svc
        .subscriptions
        .cancel(&caller.0, PurchaseId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(view.into()))
}
