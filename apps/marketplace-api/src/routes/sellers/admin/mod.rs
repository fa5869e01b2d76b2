//! Platform admins' seller administration: create, edit, list, and assign tools to
//! sellers (R-M2, R-M3).

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::ids::{SellerId, ToolId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ValidJson;
use crate::routes::sellers::profile::dto::SellerDto;
use crate::state::Services;
use dto::{AssignToolBody, NewSellerBody, SellerPatchBody, ToolSellerDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/sellers", web::post().to(create_seller))
        .route("/admin/sellers", web::get().to(list_sellers))
        .route("/admin/sellers/{id}", web::patch().to(update_seller))
        .route("/admin/tools/{id}/seller", web::put().to(assign_tool));
}

/// Adds a seller (platform catalog admins).
#[utoipa::path(
    post, path = "/v1/admin/sellers", tag = "sellers", request_body = NewSellerBody,
    responses(
        (status = 201, description = "The seller", body = SellerDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 409, description = "The org already manages a seller (`org_manages_a_seller`)", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_seller(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<NewSellerBody>,
) -> Result<HttpResponse, ApiError> {
    let seller = svc
        .sellers
        .create(&caller.0, body.into_inner().try_into()?)
        .await?;
    Ok(HttpResponse::Created().json(SellerDto::from(&seller)))
}

/// Every seller (platform catalog admins).
#[utoipa::path(
    get, path = "/v1/admin/sellers", tag = "sellers",
    responses(
        (status = 200, description = "The sellers, by id", body = Vec<SellerDto>),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_sellers(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<Vec<SellerDto>>, ApiError> {
    let sellers = svc.sellers.list(&caller.0).await?;
    Ok(web::Json(sellers.iter().map(SellerDto::from).collect()))
}

/// Edits some of a seller's fields (platform catalog admins).
#[utoipa::path(
    patch, path = "/v1/admin/sellers/{id}", tag = "sellers", params(("id" = Uuid, Path)),
    request_body = SellerPatchBody,
    responses(
        (status = 200, description = "The seller", body = SellerDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such seller", body = ErrorBody),
        (status = 409, description = "The org already manages a seller", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_seller(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<SellerPatchBody>,
) -> Result<web::Json<SellerDto>, ApiError> {
    let patch = body.into_inner().try_into()?;
    let seller = svc
        .sellers
        .update(&caller.0, SellerId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(web::Json(SellerDto::from(&seller)))
}

/// Makes a seller the seller of a tool: later sales split by its terms (R-M2, R-M3).
#[utoipa::path(
    put, path = "/v1/admin/tools/{id}/seller", tag = "sellers", params(("id" = Uuid, Path)),
    request_body = AssignToolBody,
    responses(
        (status = 200, description = "The tool's seller", body = ToolSellerDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool or seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn assign_tool(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AssignToolBody>,
) -> Result<web::Json<ToolSellerDto>, ApiError> {
    let tool = ToolId::from_uuid(id.into_inner());
    let seller = SellerId::from_uuid(body.into_inner().seller_id);
    svc.sellers.assign_tool(&caller.0, tool, seller).await?;
    Ok(web::Json(ToolSellerDto {
        tool_id: tool.as_uuid(),
        seller_id: seller.as_uuid(),
    }))
}
