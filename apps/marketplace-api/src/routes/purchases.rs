//! Purchases, entitlements and the org's figures.

use actix_web::{HttpRequest, web};
use marketplace_domain::ids::PurchaseId;
use marketplace_domain::purchase::PurchaseStatus;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{EntitlementDto, ListDto, PurchaseDto, StatsDto};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{only_keys, parse_query, query_value};
use crate::labels::parse_label;
use crate::routes::catalog::{PageQueryDoc, page_request};
use crate::state::Services;
use marketplace_domain::catalog::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/purchases", web::get().to(list_purchases))
        .route("/purchases/{id}/cancel", web::post().to(cancel_purchase))
        .route("/entitlements", web::get().to(list_entitlements))
        .route("/stats", web::get().to(stats));
}

/// The purchases filter.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PurchasesQueryDoc {
    /// ACTIVE, CANCELLED, EXPIRED or REFUNDED.
    status: Option<String>,
    /// 1 to 100, default 50.
    limit: Option<u32>,
    /// Default 0.
    offset: Option<u64>,
}

/// The org's purchases, newest first.
#[utoipa::path(
    get, path = "/v1/purchases", tag = "purchases", params(PurchasesQueryDoc),
    responses(
        (status = 200, description = "A page of purchases", body = ListDto<PurchaseDto>),
        (status = 400, description = "Unknown status", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_purchases(
    svc: web::Data<Services>,
    caller: Caller,
    req: HttpRequest,
) -> Result<web::Json<ListDto<PurchaseDto>>, ApiError> {
    only_keys(&req, &["status", "limit", "offset"])?;
    let page = page_request(&req)?;
    let status = parse_query("status", query_value(&req, "status"), |s| {
        parse_label::<PurchaseStatus>(&s.to_uppercase())
    })?;
    let purchases = svc.purchases.list(&caller.0, status).await?;
    Ok(web::Json(ListDto::from_page(
        Page::slice(purchases, page),
        PurchaseDto::from,
    )))
}

/// Stops a recurring purchase's auto-renew; access runs to the end of the paid period
/// (R-R2).
#[utoipa::path(
    post, path = "/v1/purchases/{id}/cancel", tag = "purchases", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The purchase", body = PurchaseDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser", body = ErrorBody),
        (status = 404, description = "No such purchase in the caller's org", body = ErrorBody),
        (status = 409, description = "illegal_state: not active or not recurring", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_purchase(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PurchaseDto>, ApiError> {
    let purchase = svc
        .purchases
        .cancel(&caller.0, PurchaseId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(purchase.into()))
}

/// Tools the org may use now, each with its source (R-E1..R-E3).
#[utoipa::path(
    get, path = "/v1/entitlements", tag = "purchases", params(PageQueryDoc),
    responses(
        (status = 200, description = "A page of the entitlements in force", body = ListDto<EntitlementDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_entitlements(
    svc: web::Data<Services>,
    caller: Caller,
    req: HttpRequest,
) -> Result<web::Json<ListDto<EntitlementDto>>, ApiError> {
    only_keys(&req, &["limit", "offset"])?;
    let page = page_request(&req)?;
    let entitlements = svc.entitlements.list(&caller.0).await?;
    Ok(web::Json(ListDto::from_page(
        Page::slice(entitlements, page),
        EntitlementDto::from,
    )))
}

/// The org's marketplace figures.
#[utoipa::path(
    get, path = "/v1/stats", tag = "purchases",
    responses(
        (status = 200, description = "Figures", body = StatsDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn stats(
    svc: web::Data<Services>,
    caller: Caller,
    req: HttpRequest,
) -> Result<web::Json<StatsDto>, ApiError> {
    only_keys(&req, &[])?;
    Ok(web::Json(svc.stats.for_org(&caller.0).await?.into()))
}
