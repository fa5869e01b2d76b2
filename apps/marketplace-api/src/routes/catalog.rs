//! Browsing the catalog (R-C5, R-T4).

use actix_web::{HttpRequest, web};
use marketplace_domain::catalog::{
    BundleStatus, CatalogError, Page, PageRequest, SortBy, SortOrder, ToolCategory, ToolFilter,
    ToolQuery, ToolStatus,
};
use marketplace_domain::ids::{BundleId, ToolId};
use marketplace_domain::tier::Tier;
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{BundleDto, CategoryDto, ListDto, ToolDto};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{only_keys, parse_all, parse_query, query_value, query_values};
use crate::labels::{parse_label, parse_lower};
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tools", web::get().to(list_tools))
        .route("/tools/{id}", web::get().to(get_tool))
        .route("/categories", web::get().to(list_categories))
        .route("/bundles", web::get().to(list_bundles))
        .route("/bundles/{id}", web::get().to(get_bundle));
}

/// The query parameters of GET /v1/tools (the filters of R-C5).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ToolsQueryDoc {
    /// One or more categories (repeat the key or separate with commas), e.g. LEAD_GENERATION.
    category: Option<Vec<String>>,
    /// One or more required tiers: FREE, STARTER, GROWTH, ELITE, ENTERPRISE, CUSTOM.
    tier: Option<Vec<String>>,
    /// Case-insensitive text in the name or description (at most 200 characters).
    search: Option<String>,
    /// Tools that have any of these tags.
    tags: Option<Vec<String>>,
    /// Lowest price, inclusive.
    price_min: Option<String>,
    /// Highest price, inclusive.
    price_max: Option<String>,
    /// One or more statuses: ACTIVE, COMING_SOON, BETA, DEPRECATED, DISABLED.
    status: Option<Vec<String>>,
    /// 1 to 100, default 50.
    limit: Option<u32>,
    /// Default 0.
    offset: Option<u64>,
    /// name, price, purchase_count (default), rating, created_at. Ties break by id.
    sort_by: Option<String>,
    /// asc or desc (default desc; asc when sorting by name).
    sort_order: Option<String>,
}

/// Paging parameters.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageQueryDoc {
    /// 1 to 100, default 50.
    limit: Option<u32>,
    /// Default 0.
    offset: Option<u64>,
}

fn upper_label<T: marketplace_domain::labels::Labelled>(raw: &str) -> Result<T, String> {
    parse_label::<T>(&raw.to_uppercase())
}

fn decimal(raw: &str) -> Result<Decimal, String> {
    raw.parse::<Decimal>()
        .map_err(|_| format!("{raw:?} is not a decimal number"))
}

fn number<T: std::str::FromStr>(raw: &str) -> Result<T, String> {
    raw.parse::<T>()
        .map_err(|_| format!("{raw:?} is not a whole number"))
}

/// Reads `limit` and `offset`.
///
/// # Errors
/// 400 for malformed or out-of-range values.
pub fn page_request(req: &HttpRequest) -> Result<PageRequest, ApiError> {
    let limit = parse_query("limit", query_value(req, "limit"), number::<u32>)?;
    let offset = parse_query("offset", query_value(req, "offset"), number::<u64>)?;
    PageRequest::new(limit, offset).map_err(|f| {
        ApiError::bad_request(
            "invalid paging",
            vec![json!({"field": f.field, "message": f.message})],
        )
    })
}

fn tool_filter(req: &HttpRequest) -> Result<ToolFilter, ApiError> {
    only_keys(
        req,
        &[
            "category",
            "tier",
            "search",
            "tags",
            "price_min",
            "price_max",
            "status",
            "limit",
            "offset",
            "sort_by",
            "sort_order",
        ],
    )?;
    let query = ToolQuery {
        categories: parse_all(
            "category",
            query_values(req, "category"),
            upper_label::<ToolCategory>,
        )?,
        tiers: parse_all("tier", query_values(req, "tier"), upper_label::<Tier>)?,
        search: query_value(req, "search"),
        tags: query_values(req, "tags"),
        price_min: parse_query("price_min", query_value(req, "price_min"), decimal)?,
        price_max: parse_query("price_max", query_value(req, "price_max"), decimal)?,
        statuses: parse_all(
            "status",
            query_values(req, "status"),
            upper_label::<ToolStatus>,
        )?,
        limit: parse_query("limit", query_value(req, "limit"), number::<u32>)?,
        offset: parse_query("offset", query_value(req, "offset"), number::<u64>)?,
        sort_by: parse_query(
            "sort_by",
            query_value(req, "sort_by"),
            parse_lower::<SortBy>,
        )?,
        sort_order: parse_query(
            "sort_order",
            query_value(req, "sort_order"),
            parse_lower::<SortOrder>,
        )?,
    };
    ToolFilter::parse(query).map_err(|e| match e {
        CatalogError::InvalidFields(faults) => ApiError::bad_request(
            "invalid catalog query",
            faults
                .iter()
                .map(|f| json!({"field": f.field, "message": f.message}))
                .collect(),
        ),
        other => other.into(),
    })
}

/// A page of the catalog.
#[utoipa::path(
    get, path = "/v1/tools", tag = "catalog", params(ToolsQueryDoc),
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
    req: HttpRequest,
) -> Result<web::Json<ListDto<ToolDto>>, ApiError> {
    let filter = tool_filter(&req)?;
    let page = svc.catalog.search(&caller.0, &filter).await?;
    Ok(web::Json(ListDto::from_page(page, ToolDto::from)))
}

/// One tool, with its approved reviews' summary (`avg_rating`, `review_count`).
#[utoipa::path(
    get, path = "/v1/tools/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Tool id")),
    responses(
        (status = 200, description = "The tool", body = ToolDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_tool(
    svc: web::Data<Services>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<web::Json<ToolDto>, ApiError> {
    only_keys(&req, &[])?;
    let tool = svc
        .catalog
        .tool(&caller.0, ToolId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(tool.into()))
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
    req: HttpRequest,
) -> Result<web::Json<ListDto<CategoryDto>>, ApiError> {
    only_keys(&req, &[])?;
    let counts = svc.catalog.categories(&caller.0).await?;
    let all = PageRequest::new(Some(PageRequest::MAX_LIMIT), Some(0))
        .map_err(|f| ApiError::Internal(anyhow::anyhow!("{}", f.message)))?;
    Ok(web::Json(ListDto::from_page(
        Page::slice(counts, all),
        CategoryDto::from,
    )))
}

/// Bundles on sale, most purchased first.
#[utoipa::path(
    get, path = "/v1/bundles", tag = "catalog", params(PageQueryDoc),
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
    req: HttpRequest,
) -> Result<web::Json<ListDto<BundleDto>>, ApiError> {
    only_keys(&req, &["limit", "offset"])?;
    let page = svc
        .catalog
        .bundles(&caller.0, &[BundleStatus::Active], page_request(&req)?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, BundleDto::from)))
}

/// One bundle with its tools in display order.
#[utoipa::path(
    get, path = "/v1/bundles/{id}", tag = "catalog", params(("id" = Uuid, Path, description = "Bundle id")),
    responses(
        (status = 200, description = "The bundle", body = BundleDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such bundle", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_bundle(
    svc: web::Data<Services>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<web::Json<BundleDto>, ApiError> {
    only_keys(&req, &[])?;
    let bundle = svc
        .catalog
        .bundle(&caller.0, BundleId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(bundle.into()))
}
