//! A user's personal data (R-T9): their export, their own erasure, and a platform
//! admin's erasure of any user.

pub mod dto;

use actix_web::web;
use marketplace_domain::ids::UserId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query};
use crate::state::Services;
use dto::{ErasureDto, PersonalDataDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/export", web::get().to(export))
        .route("/me", web::delete().to(erase_me))
        .route("/admin/users/{id}", web::delete().to(erase_user));
}

/// Everything the marketplace keeps about the caller: reviews, helpful votes, cart lines,
/// services messages, the API keys they created (never a key) and the audit entries about
/// them (R-T9).
#[utoipa::path(
    get, path = "/v1/me/export", tag = "me",
    responses(
        (status = 200, description = "The caller's personal data", body = PersonalDataDto),
        (status = 400, description = "A query parameter (none is taken)", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn export(
    svc: web::Data<Services>,
    caller: Caller,
    _query: Query<NoQuery>,
) -> Result<web::Json<PersonalDataDto>, ApiError> {
    let data = svc.personal_data.export(&caller.0).await?;
    Ok(web::Json(PersonalDataDto::new(
        caller.0.user_id.as_uuid(),
        data,
    )))
}

/// Erases the caller's personal data: reviews anonymised, votes and cart lines removed,
/// audit entries kept with their ids only; orders, purchases and the ledger untouched.
/// Recorded in the audit trail (R-T9).
#[utoipa::path(
    delete, path = "/v1/me", tag = "me",
    responses(
        (status = 200, description = "What the erasure did", body = ErasureDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn erase_me(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<ErasureDto>, ApiError> {
    let done = svc.personal_data.erase_self(&caller.0).await?;
    Ok(web::Json(ErasureDto::new(caller.0.user_id.as_uuid(), done)))
}

/// Erases a user's personal data, as `DELETE /v1/me` does, for platform admins (R-T9).
/// A user with nothing stored is erased all the same (every count 0) and recorded.
#[utoipa::path(
    delete, path = "/v1/admin/users/{id}", tag = "admin", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "What the erasure did", body = ErasureDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a platform admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn erase_user(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ErasureDto>, ApiError> {
    let user = id.into_inner();
    let done = svc
        .personal_data
        .erase_user(&caller.0, UserId::from_uuid(user))
        .await?;
    Ok(web::Json(ErasureDto::new(user, done)))
}
