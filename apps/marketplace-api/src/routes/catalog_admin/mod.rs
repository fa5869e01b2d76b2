//! Platform admins' catalog edits: tools and bundles (R-C1..R-C4).

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::ids::{BundleId, ToolId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ValidJson;
use crate::routes::catalog::dto::{BundleDto, ToolDto};
use crate::state::Services;
use dto::{BundlePatchBody, NewBundleBody, NewToolBody, ToolPatchBody};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/tools", web::post().to(create_tool))
        .route("/admin/tools/{id}", web::patch().to(update_tool))
        .route("/admin/bundles", web::post().to(create_bundle))
        .route("/admin/bundles/{id}", web::patch().to(update_bundle));
}

/// Adds a tool to the catalog, sold through the plan its price model becomes (R-B2).
#[utoipa::path(
    post, path = "/v1/admin/tools", tag = "admin", request_body = NewToolBody,
    responses(
        (status = 201, description = "The tool", body = ToolDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 422, description = "A rule is broken (price vs price model, URL, version, seller)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_tool(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<NewToolBody>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner().try_into()?;
    let tool = svc.plans.create_tool(&caller.0, draft).await?;
    Ok(HttpResponse::Created().json(ToolDto::from(tool)))
}

/// Edits some of a tool's fields.
#[utoipa::path(
    patch, path = "/v1/admin/tools/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = ToolPatchBody,
    responses(
        (status = 200, description = "The tool", body = ToolDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
        (status = 422, description = "A rule is broken", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_tool(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ToolPatchBody>,
) -> Result<web::Json<ToolDto>, ApiError> {
    let patch = body.into_inner().try_into()?;
    let tool = svc
        .catalog
        .update_tool(&caller.0, ToolId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(web::Json(tool.into()))
}

/// Adds a bundle over existing tools (R-C4), sold once at its price through one plan
/// (R-B2).
#[utoipa::path(
    post, path = "/v1/admin/bundles", tag = "admin", request_body = NewBundleBody,
    responses(
        (status = 201, description = "The bundle", body = BundleDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 422, description = "A rule is broken (unknown tool, duplicate, currency)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_bundle(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<NewBundleBody>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner().try_into()?;
    let bundle = svc.plans.create_bundle(&caller.0, draft).await?;
    Ok(HttpResponse::Created().json(BundleDto::from(bundle)))
}

/// Edits some of a bundle's fields.
#[utoipa::path(
    patch, path = "/v1/admin/bundles/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = BundlePatchBody,
    responses(
        (status = 200, description = "The bundle", body = BundleDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such bundle", body = ErrorBody),
        (status = 422, description = "A rule is broken", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_bundle(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<BundlePatchBody>,
) -> Result<web::Json<BundleDto>, ApiError> {
    let patch = body.into_inner().try_into()?;
    let bundle = svc
        .catalog
        .update_bundle(&caller.0, BundleId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(web::Json(bundle.into()))
}
