//! Browsing the catalog (R-C5, R-T4).

pub mod dto;

use actix_web::web;
use marketplace_domain::catalog::{BundleStatus, ItemRef, ToolFilter};
use marketplace_domain::ids::{BundleId, ToolId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{BundleDto, CategoryDto, ToolDto, ToolsQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tools", web::get().to(list_tools))
        .route("/tools/{id}", web::get().to(get_tool))
        .route("/categories", web::get().to(list_categories))
        .route("/bundles", web::get().to(list_bundles))
        .route("/bundles/{id}", web::get().to(get_bundle));
}

/// A page of the catalog; items their sellers no longer offer are left out (R-G5).
#[utoipa::path(
    get, path = "/v1/tools", tag = "catalog", params(ToolsQuery),
    responses(
        (status = 200, description = "A page of tools", body = ListDto<ToolDto>),
        (status = 400, description = "Malformed or unknown filter", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_tools(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<ToolsQuery>,
) -> Result<web::Json<ListDto<ToolDto>>, ApiError> {
    let filter = ToolFilter::try_from(query.into_inner())?;
    let page = svc.catalog.search(&caller.0, &filter).await?;
    Ok(web::Json(ListDto::from_page(page, ToolDto::from)))
}

/// One tool, with its approved reviews' summary (`avg_rating`, `review_count`) and its
/// plans (R-B1).
#[utoipa::path(
    get, path = "/v1/tools/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Tool id")),
    responses(
        (status = 200, description = "The tool", body = ToolDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such tool, or one its seller no longer offers and the caller's org does not hold (R-G5)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_tool(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ToolDto>, ApiError> {
    let tool = svc
        .catalog
        .tool(&caller.0, ToolId::from_uuid(id.into_inner()))
        .await?;
    // R-C6: a view of the tool's page, counted in memory (no write here).
    svc.analytics.viewed(tool.id);
    let plans = svc.plans.plans(&caller.0, ItemRef::Tool(tool.id)).await?;
    Ok(web::Json(ToolDto::with_plans(tool, &plans)))
}

/// Every category with its count of purchasable tools.
#[utoipa::path(
    get, path = "/v1/categories", tag = "catalog",
    responses(
        (status = 200, description = "All 14 categories (one page)", body = ListDto<CategoryDto>),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_categories(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<ListDto<CategoryDto>>, ApiError> {
    let page = svc.catalog.categories(&caller.0).await?;
    Ok(web::Json(ListDto::from_page(page, CategoryDto::from)))
}

/// Bundles on sale, most purchased first; bundles their sellers no longer offer are left
/// out (R-G5).
#[utoipa::path(
    get, path = "/v1/bundles", tag = "catalog", params(PageQuery),
    responses(
        (status = 200, description = "A page of bundles", body = ListDto<BundleDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_bundles(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<BundleDto>>, ApiError> {
    let page = svc
        .catalog
        .bundles(
            &caller.0,
            &[BundleStatus::Active],
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(ListDto::from_page(page, BundleDto::from)))
}

/// One bundle with its tools in display order and its plans (R-B1, R-B4).
#[utoipa::path(
    get, path = "/v1/bundles/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Bundle id")),
    responses(
        (status = 200, description = "The bundle", body = BundleDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such bundle, or one its seller no longer offers and the caller's org does not hold (R-G5)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_bundle(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<BundleDto>, ApiError> {
    let bundle = svc
        .catalog
        .bundle(&caller.0, BundleId::from_uuid(id.into_inner()))
        .await?;
    let plans = svc
        .plans
        .plans(&caller.0, ItemRef::Bundle(bundle.id()))
        .await?;
    Ok(web::Json(BundleDto::with_plans(bundle, &plans)))
}
