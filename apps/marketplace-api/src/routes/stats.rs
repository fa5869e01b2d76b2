//! The caller's org's marketplace figures.

use actix_web::web;
use marketplace_domain::stats::OrgStats;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query};
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stats", web::get().to(stats));
}

/// The org's marketplace figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    pub catalog_tools: u64,
    pub catalog_bundles: u64,
    pub purchased_tools: u64,
    pub purchased_bundles: u64,
    pub entitled_tools: u64,
}

impl From<OrgStats> for StatsDto {
    fn from(s: OrgStats) -> Self {
        Self {
            catalog_tools: s.catalog_tools,
            catalog_bundles: s.catalog_bundles,
            purchased_tools: s.purchased_tools,
            purchased_bundles: s.purchased_bundles,
            entitled_tools: s.entitled_tools,
        }
    }
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
    _: Query<NoQuery>,
) -> Result<web::Json<StatsDto>, ApiError> {
    Ok(web::Json(svc.stats.for_org(&caller.0).await?.into()))
}
