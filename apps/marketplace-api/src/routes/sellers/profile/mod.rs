//! The seller the caller's org manages, with the tools it sells.

pub mod dto;

use actix_web::web;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::Services;
use dto::{MySellerDto, SellerDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sellers/me", web::get().to(my_seller));
}

/// The seller the caller's org manages, with its tools.
#[utoipa::path(
    get, path = "/v1/sellers/me", tag = "sellers",
    responses(
        (status = 200, description = "The caller's seller", body = MySellerDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_seller(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<MySellerDto>, ApiError> {
    let seller = svc.sellers.me(&caller.0).await?;
    let tools = svc.sellers.tools(&caller.0, seller.id()).await?;
    Ok(web::Json(MySellerDto {
        seller: SellerDto::from(&seller),
        tool_ids: tools.into_iter().map(|t| t.as_uuid()).collect(),
    }))
}
