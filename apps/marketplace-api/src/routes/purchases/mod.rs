//! The org's purchases (R-R*), refunds by platform admins (R-E2, R-M5), and renewal
//! invoices they mark paid (R-B6).

pub mod dto;

use actix_web::web;
use marketplace_domain::ids::PurchaseId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Query, ValidJson};
use crate::state::Services;
use crate::wire::ListDto;
use dto::{PurchaseDto, PurchasesQuery, RefundAmount, RefundBody, RenewalDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/purchases", web::get().to(list_purchases))
        .route("/purchases/{id}/cancel", web::post().to(cancel_purchase))
        .route("/admin/purchases/{id}/refund", web::post().to(refund))
        .route(
            "/admin/purchases/{id}/renewal-invoices/{number}/mark-paid",
            web::post().to(mark_renewal_invoice_paid),
        );
}

/// The org's purchases, newest first.
#[utoipa::path(
    get, path = "/v1/purchases", tag = "purchases", params(PurchasesQuery),
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
    query: Query<PurchasesQuery>,
) -> Result<web::Json<ListDto<PurchaseDto>>, ApiError> {
    let query = query.into_inner();
    let page = svc
        .purchases
        .list(&caller.0, query.status, query.page()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, PurchaseDto::from)))
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

/// Refunds a purchase in full (no amount) or in part; a full refund ends its entitlements
/// (R-E2) and the ledger gets the reverse posting (R-M5).
#[utoipa::path(
    post, path = "/v1/admin/purchases/{id}/refund", tag = "admin", params(("id" = Uuid, Path)), request_body = RefundBody,
    responses(
        (status = 200, description = "The purchase", body = PurchaseDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such purchase", body = ErrorBody),
        (status = 409, description = "illegal_state", body = ErrorBody),
        (status = 422, description = "refund_too_large or invalid_refund", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn refund(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<RefundBody>,
) -> Result<web::Json<PurchaseDto>, ApiError> {
    let RefundAmount(amount) = body.into_inner().try_into()?;
    let purchase = svc
        .purchases
        .refund(&caller.0, PurchaseId::from_uuid(id.into_inner()), amount)
        .await?;
    Ok(web::Json(purchase.into()))
}

/// Settles renewal invoice `number` (the sequence of `REN-000042`) of a purchase paid by
/// invoice: the next period is paid and its sale posted (R-B6, R-B7). Marking it paid
/// again changes nothing.
#[utoipa::path(
    post, path = "/v1/admin/purchases/{id}/renewal-invoices/{number}/mark-paid", tag = "admin",
    params(("id" = Uuid, Path), ("number" = u32, Path, description = "The invoice's sequence number")),
    responses(
        (status = 200, description = "The renewal, collected", body = RenewalDto),
        (status = 400, description = "Malformed id or number", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a billing admin", body = ErrorBody),
        (status = 404, description = "No such renewal invoice", body = ErrorBody),
        (status = 409, description = "illegal_state: the purchase's access ended first", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_renewal_invoice_paid(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(Uuid, u32)>,
) -> Result<web::Json<RenewalDto>, ApiError> {
    let (id, number) = path.into_inner();
    let renewal = svc
        .renewals
        .invoice_paid(&caller.0, PurchaseId::from_uuid(id), number)
        .await?;
    Ok(web::Json(renewal.into()))
}
