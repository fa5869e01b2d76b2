//! The tools the caller's org may use now (R-E1..R-E3).

use actix_web::web;
use chrono::{DateTime, Utc};
use marketplace_domain::entitlement::Entitlement;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::state::Services;
use crate::wire::labels::SourceLabel;
use crate::wire::{ListDto, PageQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/entitlements", web::get().to(list_entitlements));
}

/// A tool the org may use, with where the right comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntitlementDto {
    pub tool_id: Uuid,
    pub source: SourceLabel,
    pub purchase_id: Uuid,
    pub since: DateTime<Utc>,
    /// The end of a recurring purchase's paid period; null for a lasting one.
    pub until: Option<DateTime<Utc>>,
}

impl From<Entitlement> for EntitlementDto {
    fn from(e: Entitlement) -> Self {
        Self {
            tool_id: e.tool_id.as_uuid(),
            source: e.source.into(),
            purchase_id: e.purchase_id.as_uuid(),
            since: e.granted_at,
            until: e.until,
        }
    }
}

/// Tools the org may use now, each with its source (R-E1..R-E3).
#[utoipa::path(
    get, path = "/v1/entitlements", tag = "purchases", params(PageQuery),
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
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<EntitlementDto>>, ApiError> {
    let page = svc
        .entitlements
        .list(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, EntitlementDto::from)))
}
