//! The caller's cart (R-K*).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use marketplace_domain::catalog::{ItemKind, ItemRef};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{AddItemBody, CartDto};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ValidJson, only_keys};
use crate::labels::ItemType;
use crate::state::Services;

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
    req: HttpRequest,
) -> Result<web::Json<CartDto>, ApiError> {
    only_keys(&req, &[])?;
    Ok(web::Json(svc.cart.view(&caller.0).await?.into()))
}

/// Adds a tool or bundle (R-K2); a bundle replaces the tool lines it covers (R-K3). Adding
/// an item already in the cart changes nothing and answers 200.
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
        (status = 422, description = "not_purchasable, contact_sales, currency_mismatch or cart_full", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_item(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<AddItemBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let item = ItemRef::from_parts(body.item_type.0, body.item_id);
    let (change, view) = svc.cart.add(&caller.0, item).await?;
    let status = if change.added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(CartDto::with_change(view, change)))
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
    let (kind, id): (ItemType, Uuid) = path.into_inner();
    let kind: ItemKind = kind.0;
    let view = svc
        .cart
        .remove(&caller.0, ItemRef::from_parts(kind, id))
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
