//! Catalog analytics (R-C7): views, purchases and conversion per tool and month, for
//! catalog admins (every tool) and for a seller's users (the seller's tools only).

pub mod dto;

use actix_web::web;
use marketplace_domain::analytics::MonthRange;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::state::Services;
use dto::{AnalyticsQuery, ToolAnalyticsDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/analytics/tools", web::get().to(tools_analytics))
        .route("/sellers/me/analytics", web::get().to(my_analytics));
}

/// Every tool's views, purchases and conversion per month (R-C7), for catalog admins.
#[utoipa::path(
    get, path = "/v1/admin/analytics/tools", tag = "analytics", params(AnalyticsQuery),
    responses(
        (status = 200, description = "The tools' months", body = ToolAnalyticsDto),
        (status = 400, description = "Missing or malformed from or to, to before from, more than 24 months", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn tools_analytics(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<AnalyticsQuery>,
) -> Result<web::Json<ToolAnalyticsDto>, ApiError> {
    let range = MonthRange::try_from(query.into_inner())?;
    let rows = svc.analytics.tools_report(&caller.0, range).await?;
    Ok(web::Json(ToolAnalyticsDto::new(range, &rows)))
}

/// The views, purchases and conversion per month of the tools of the seller the
/// caller's org manages (R-C7), and of no other tool.
#[utoipa::path(
    get, path = "/v1/sellers/me/analytics", tag = "analytics", params(AnalyticsQuery),
    responses(
        (status = 200, description = "The seller's tools' months", body = ToolAnalyticsDto),
        (status = 400, description = "Missing or malformed from or to, to before from, more than 24 months", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_analytics(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<AnalyticsQuery>,
) -> Result<web::Json<ToolAnalyticsDto>, ApiError> {
    let range = MonthRange::try_from(query.into_inner())?;
    let rows = svc.analytics.seller_report(&caller.0, range).await?;
    Ok(web::Json(ToolAnalyticsDto::new(range, &rows)))
}
