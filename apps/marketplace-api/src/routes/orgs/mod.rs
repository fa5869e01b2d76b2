//! Orgs as the platform knows them (name, tier) and their platform credits (R-O3), for
//! platform admins.

pub mod dto;

use actix_web::web;
use marketplace_domain::ids::OrgId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ValidJson;
use crate::state::Services;
use dto::{CreditAmount, CreditsBody, OrgBody, OrgDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/orgs/{id}", web::put().to(put_org))
        .route("/admin/orgs/{id}/credits", web::post().to(grant_credits));
}

/// Creates or updates an org as the platform knows it (name and tier), and sets the
/// platform version it runs when `platform_version` is given (R-I2).
#[utoipa::path(
    put, path = "/v1/admin/orgs/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = OrgBody,
    responses(
        (status = 200, description = "The org", body = OrgDto),
        (status = 400, description = "Malformed id or body, or a platform version that is not semver", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_org(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<OrgBody>,
) -> Result<web::Json<OrgDto>, ApiError> {
    let b = body.into_inner();
    let platform = b.platform_version()?;
    let id = OrgId::from_uuid(id.into_inner());
    let org = svc.orgs.upsert(&caller.0, id, &b.name, b.tier.0).await?;
    if let Some(version) = platform {
        svc.installations
            .set_platform_version(&caller.0, id, &version)
            .await?;
    }
    Ok(web::Json(org.into()))
}

/// Grants platform credits to an org (R-O3).
#[utoipa::path(
    post, path = "/v1/admin/orgs/{id}/credits", tag = "admin", params(("id" = Uuid, Path)), request_body = CreditsBody,
    responses(
        (status = 200, description = "The org with its new balance", body = OrgDto),
        (status = 400, description = "Malformed id, body or amount", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such org", body = ErrorBody),
        (status = 422, description = "Amount not above zero, or another currency than the balance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn grant_credits(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreditsBody>,
) -> Result<web::Json<OrgDto>, ApiError> {
    let CreditAmount(amount) = body.into_inner().try_into()?;
    let org = svc
        .orgs
        .grant_credits(&caller.0, OrgId::from_uuid(id.into_inner()), amount)
        .await?;
    Ok(web::Json(org.into()))
}
