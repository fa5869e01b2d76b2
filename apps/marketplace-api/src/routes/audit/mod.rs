//! The audit trail (R-T8): every org's for platform admins, an org's own for its owners.

pub mod dto;

use actix_web::web;
use marketplace_domain::audit::AuditFilter;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::state::Services;
use crate::wire::{ListDto, page_request};
use dto::{AdminAuditQuery, AuditEntryDto, OrgAuditQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/audit", web::get().to(platform_audit))
        .route("/orgs/me/audit", web::get().to(org_audit));
}

/// Every org's audit entries, newest first, filtered and paged (R-T8), for platform
/// admins.
#[utoipa::path(
    get, path = "/v1/admin/audit", tag = "admin", params(AdminAuditQuery),
    responses(
        (status = 200, description = "A page of entries, newest first", body = ListDto<AuditEntryDto>),
        (status = 400, description = "Unknown or malformed filter, `from` not before `to`, or bad paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a platform admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn platform_audit(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<AdminAuditQuery>,
) -> Result<web::Json<ListDto<AuditEntryDto>>, ApiError> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.offset)?;
    let filter = AuditFilter::try_from(q)?;
    let entries = svc.audit.platform_entries(&caller.0, filter, page).await?;
    Ok(web::Json(ListDto::from_page(entries, AuditEntryDto::from)))
}

/// The caller's own org's audit entries, newest first, filtered and paged (R-T8), for the
/// org's owners; never another org's.
#[utoipa::path(
    get, path = "/v1/orgs/me/audit", tag = "admin", params(OrgAuditQuery),
    responses(
        (status = 200, description = "A page of the org's entries, newest first", body = ListDto<AuditEntryDto>),
        (status = 400, description = "Unknown or malformed filter, `from` not before `to`, or bad paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner of the org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn org_audit(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<OrgAuditQuery>,
) -> Result<web::Json<ListDto<AuditEntryDto>>, ApiError> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.offset)?;
    let filter = AuditFilter::try_from(q)?;
    let entries = svc.audit.org_entries(&caller.0, filter, page).await?;
    Ok(web::Json(ListDto::from_page(entries, AuditEntryDto::from)))
}
