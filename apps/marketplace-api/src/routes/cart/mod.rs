//! The caller's cart (R-K*).

pub mod dto;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use marketplace_domain::item::ItemRef;
use marketplace_domain::plan::PlanCode;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BadRequest, NoQuery, Query, ValidJson};
use crate::state::Services;
use crate::wire::labels::ItemType;
use dto::{AddItemBody, CartDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/cart", web::get().to(get_cart))
        .route("/cart", web::delete().to(clear_cart))
        .route("/cart/items", web::post().to(add_item))
        .route(
            "/cart/items/{item_type}/{item_id}",
            web::delete().to(remove_item),
        );
}

/// The caller's cart, priced from live catalog prices.
#[utoipa::path(
    get, path = "/v1/cart", tag = "cart",
    responses(
        (status = 200, description = "The cart", body = CartDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "The caller may not use a cart (VIEWER)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_cart(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<CartDto>, ApiError> {
    Ok(web::Json(svc.cart.view(&caller.0).await?.into()))
}

/// Adds a tool or bundle (R-K2) under a plan (R-B3, the item's default when `plan` is
/// absent); a bundle replaces the tool lines it covers (R-K3). Adding an item already in
/// the cart answers 200: under another plan its line names that plan, otherwise nothing
/// changes.
#[utoipa::path(
    post, path = "/v1/cart/items", tag = "cart", request_body = AddItemBody,
    responses(
        (status = 201, description = "Added; `removed` lists replaced lines", body = CartDto),
        (status = 200, description = "Already in the cart; nothing changed", body = CartDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a cart user, tier too low (reason tier_too_low) or quota_exceeded", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "already_owned or covered_by_bundle", body = ErrorBody),
        (status = 422, description = "not_purchasable, contact_sales, currency_mismatch, cart_full, or unknown_plan / plan_not_on_sale (field `plan`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_item(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<AddItemBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    // A code outside the grammar names no plan.
    let plan = body
        .plan
        .as_deref()
        .map(PlanCode::parse)
        .transpose()
        .map_err(|e| BadRequest::field("plan", e.to_string()))?;
    let (change, view) = svc
        .cart
        .add_with_plan(&caller.0, body.item(), plan.as_ref())
        .await?;
    let status = if change.added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(CartDto::from((change, view))))
}

/// Removes a line; removing one that is not there succeeds (R-K5).
#[utoipa::path(
    delete, path = "/v1/cart/items/{item_type}/{item_id}", tag = "cart",
    params(("item_type" = ItemType, Path, description = "tool or bundle"), ("item_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The cart", body = CartDto),
        (status = 400, description = "Malformed path", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a cart user", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove_item(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(ItemType, Uuid)>,
) -> Result<web::Json<CartDto>, ApiError> {
    let (kind, id) = path.into_inner();
    let view = svc
        .cart
        .remove(&caller.0, ItemRef::from_parts(kind.0, id))
        .await?;
    Ok(web::Json(view.into()))
}

/// Empties the cart (an empty cart stays empty).
#[utoipa::path(
    delete, path = "/v1/cart", tag = "cart",
    responses(
        (status = 204, description = "Emptied"),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a cart user", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn clear_cart(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    svc.cart.clear(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
