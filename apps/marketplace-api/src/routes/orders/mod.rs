//! Checkout and orders (R-O*), and the settling of invoice orders by platform admins.

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::ids::OrderId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{CheckoutBody, IdempotencyKeyHeader, OrderDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/checkout", web::post().to(checkout))
        .route("/orders", web::get().to(list_orders))
        .route("/orders/{id}", web::get().to(get_order))
        .route("/orders/{id}/cancel", web::post().to(cancel_order))
        .route("/admin/orders/{id}/mark-paid", web::post().to(mark_paid));
}

/// Turns the caller's cart into one order (R-O1). The same `Idempotency-Key` with the same
/// cart returns the same order (R-O2). Credits and zero totals are fulfilled at once; a
/// card order carries what the client needs to pay; an invoice order waits for an admin.
#[utoipa::path(
    post, path = "/v1/checkout", tag = "orders", request_body = CheckoutBody,
    params(("Idempotency-Key" = String, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "The order", body = OrderDto),
        (status = 400, description = "Missing key or malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 402, description = "insufficient_credits or card_declined", body = ErrorBody),
        (status = 403, description = "Not a purchaser, tier_too_low or quota_exceeded", body = ErrorBody),
        (status = 409, description = "already_owned, covered_by_bundle or idempotency_conflict", body = ErrorBody),
        (status = 422, description = "empty_cart, item_unavailable, not_purchasable, currency_mismatch", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn checkout(
    svc: web::Data<Services>,
    caller: Caller,
    key: IdempotencyKeyHeader,
    body: ValidJson<CheckoutBody>,
) -> Result<HttpResponse, ApiError> {
    let order = svc
        .checkout
        .checkout(&caller.0, key.0, body.into_inner().payment_method.0)
        .await?;
    Ok(HttpResponse::Created().json(OrderDto::from(order)))
}

/// The org's orders, newest first.
#[utoipa::path(
    get, path = "/v1/orders", tag = "orders", params(PageQuery),
    responses(
        (status = 200, description = "A page of orders", body = ListDto<OrderDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_orders(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<OrderDto>>, ApiError> {
    let page = svc
        .checkout
        .orders(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, OrderDto::from)))
}

/// One of the org's orders; another org's is not found.
#[utoipa::path(
    get, path = "/v1/orders/{id}", tag = "orders", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The order", body = OrderDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser", body = ErrorBody),
        (status = 404, description = "No such order in the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_order(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let order = svc
        .checkout
        .order(&caller.0, OrderId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(order.into()))
}

/// Cancels an order still awaiting payment (R-O6).
#[utoipa::path(
    post, path = "/v1/orders/{id}/cancel", tag = "orders", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The cancelled order", body = OrderDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser", body = ErrorBody),
        (status = 404, description = "No such order in the caller's org", body = ErrorBody),
        (status = 409, description = "illegal_state: the order no longer awaits payment", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_order(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let order = svc
        .checkout
        .cancel(&caller.0, OrderId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(order.into()))
}

/// Settles an INVOICE order, which is then fulfilled (R-O3, R-O4).
#[utoipa::path(
    post, path = "/v1/admin/orders/{id}/mark-paid", tag = "admin", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The order (FULFILLED, or FAILED with already_owned)", body = OrderDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "wrong_payment_method or illegal_state", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_paid(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let confirmation = svc
        .checkout
        .mark_paid(&caller.0, OrderId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(confirmation.into()))
}
