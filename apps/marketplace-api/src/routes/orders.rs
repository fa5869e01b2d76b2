//! Checkout and orders (R-O*).

use actix_web::{HttpRequest, HttpResponse, web};
use marketplace_domain::checkout::IdempotencyKey;
use marketplace_domain::ids::OrderId;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{CheckoutBody, ListDto, OrderDto};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ValidJson, only_keys};
use crate::routes::catalog::{PageQueryDoc, page_request};
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/checkout", web::post().to(checkout))
        .route("/orders", web::get().to(list_orders))
        .route("/orders/{id}", web::get().to(get_order))
        .route("/orders/{id}/cancel", web::post().to(cancel_order));
}

fn idempotency_key(req: &HttpRequest) -> Result<IdempotencyKey, ApiError> {
    let raw = req
        .headers()
        .get("Idempotency-Key")
        .ok_or_else(|| {
            ApiError::bad_request(
                "the Idempotency-Key header is required",
                vec![json!({"field": "Idempotency-Key", "message": "required"})],
            )
        })?
        .to_str()
        .unwrap_or_default();
    IdempotencyKey::parse(raw).map_err(|m| {
        ApiError::bad_request(
            "invalid Idempotency-Key",
            vec![json!({"field": "Idempotency-Key", "message": m})],
        )
    })
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
    req: HttpRequest,
    body: ValidJson<CheckoutBody>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let order = svc
        .checkout
        .checkout(&caller.0, key, body.into_inner().payment_method.0)
        .await?;
    Ok(HttpResponse::Created().json(OrderDto::from(order)))
}

/// The org's orders, newest first.
#[utoipa::path(
    get, path = "/v1/orders", tag = "orders", params(PageQueryDoc),
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
    req: HttpRequest,
) -> Result<web::Json<ListDto<OrderDto>>, ApiError> {
    only_keys(&req, &["limit", "offset"])?;
    let page = svc.checkout.orders(&caller.0, page_request(&req)?).await?;
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
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderDto>, ApiError> {
    only_keys(&req, &[])?;
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
