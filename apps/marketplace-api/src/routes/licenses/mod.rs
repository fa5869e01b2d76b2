//! Licenses (R-L1..R-L6) at the HTTP edge: the org's licenses for its members (or a key
//! with `entitlements:read`), the public verification keys for anyone, and validation,
//! activation and deactivation for whoever holds a license key (an API key with
//! `licenses:validate` is accepted too, and checked when presented).

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_licensing::ids::LicenseId;
use marketplace_licensing::license::{ActivateLicense, DeactivateLicense, ValidateLicense};
use uuid::Uuid;

use crate::auth::{EntitlementsRead, LicensesValidate, MaybeUserOrKey, UserOrKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{
    ActivateBody, ActivationDto, DeactivateBody, DeactivationDto, LicenseDto, PublicKeysDto,
    ValidateBody, ValidationDto,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/licenses", web::get().to(list_licenses))
        .route("/licenses/keys", web::get().to(public_keys))
        .route("/licenses/validate", web::post().to(validate))
        .route("/licenses/activate", web::post().to(activate))
        .route("/licenses/deactivate", web::post().to(deactivate))
        .route("/licenses/{id}", web::get().to(get_license));
}

/// The org's licenses, one per entitlement to a tool, each with its signed key and
/// activation count (R-L1). Entitlements granted since the last issue get theirs first.
#[utoipa::path(
    get, path = "/v1/licenses", tag = "licenses", params(PageQuery),
    responses(
        (status = 200, description = "A page of the org's licenses, newest first", body = ListDto<LicenseDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `entitlements:read`", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = ["entitlements:read"]))
)]
pub async fn list_licenses(
    svc: web::Data<Services>,
    caller: UserOrKey<EntitlementsRead>,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<LicenseDto>>, ApiError> {
    let page = svc
        .licenses
        .list(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, LicenseDto::from)))
}

/// One of the org's licenses; another org's is not found.
#[utoipa::path(
    get, path = "/v1/licenses/{id}", tag = "licenses", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The license with its key", body = LicenseDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `entitlements:read`", body = ErrorBody),
        (status = 404, description = "No such license in the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = ["entitlements:read"]))
)]
pub async fn get_license(
    svc: web::Data<Services>,
    caller: UserOrKey<EntitlementsRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<LicenseDto>, ApiError> {
    let view = svc
        .licenses
        .get(&caller.0, LicenseId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(view.into()))
}

/// The public keys that verify license keys and signed answers, for products to ship
/// (R-L2). Several at once while keys rotate.
#[utoipa::path(
    get, path = "/v1/licenses/keys", tag = "licenses",
    responses((status = 200, description = "Every trusted public key, by kid", body = PublicKeysDto)),
    security(())
)]
pub async fn public_keys(svc: web::Data<Services>) -> web::Json<PublicKeysDto> {
    web::Json(svc.licenses.public_keys().into())
}

/// Whether a license key is good now (R-L4): 200 for every well-formed request, the code
/// by precedence, the answer signed and echoing the nonce. A key that does not parse, is
/// not signed by a trusted key or names no license answers `NOT_FOUND`, whichever it is.
#[utoipa::path(
    post, path = "/v1/licenses/validate", tag = "licenses", request_body = ValidateBody,
    responses(
        (status = 200, description = "The signed answer", body = ValidationDto),
        (status = 400, description = "Not JSON, no `key`, a body over 64 KiB, a key over 4 KiB, a fingerprint over 256 characters, a nonce outside 16..=128 characters", body = ErrorBody),
        (status = 401, description = "An Authorization header presented with a bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `licenses:validate`", body = ErrorBody),
    ),
    security((), ("api_key" = ["licenses:validate"]), ("bearer" = []))
)]
pub async fn validate(
    svc: web::Data<Services>,
    _caller: MaybeUserOrKey<LicensesValidate>,
    body: ValidJson<ValidateBody>,
) -> Result<web::Json<ValidationDto>, ApiError> {
    let request = ValidateLicense::try_from(body.into_inner())?;
    let validation = svc
        .licenses
        .validate(&request)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    if let Some(reason) = &validation.not_found {
        tracing::debug!(?reason, "license validation: not found");
    }
    Ok(web::Json(validation.into()))
}

/// Activates a machine on the key's license (R-L5): 201 for a new activation, 200 for one
/// already active, 409 `too_many_activations` when every slot is taken.
#[utoipa::path(
    post, path = "/v1/licenses/activate", tag = "licenses", request_body = ActivateBody,
    responses(
        (status = 201, description = "The machine is activated", body = ActivationDto),
        (status = 200, description = "The machine was already active", body = ActivationDto),
        (status = 400, description = "Malformed body or a field out of bounds", body = ErrorBody),
        (status = 401, description = "An Authorization header presented with a bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `licenses:validate`", body = ErrorBody),
        (status = 404, description = "The key names no license", body = ErrorBody),
        (status = 409, description = "`too_many_activations`, or `license_not_in_force` (revoked, expired or suspended)", body = ErrorBody),
    ),
    security((), ("api_key" = ["licenses:validate"]), ("bearer" = []))
)]
pub async fn activate(
    svc: web::Data<Services>,
    _caller: MaybeUserOrKey<LicensesValidate>,
    body: ValidJson<ActivateBody>,
) -> Result<HttpResponse, ApiError> {
    let request = ActivateLicense::try_from(body.into_inner())?;
    let activation = svc.licenses.activate(&request).await?;
    let dto = ActivationDto::new(&activation, request.fingerprint.as_str().to_owned());
    Ok(if activation.created {
        HttpResponse::Created().json(dto)
    } else {
        HttpResponse::Ok().json(dto)
    })
}

/// Lets a machine go, freeing its slot (R-L5), whatever the license's status.
#[utoipa::path(
    post, path = "/v1/licenses/deactivate", tag = "licenses", request_body = DeactivateBody,
    responses(
        (status = 200, description = "The machine is not active (any more)", body = DeactivationDto),
        (status = 400, description = "Malformed body or a field out of bounds", body = ErrorBody),
        (status = 401, description = "An Authorization header presented with a bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `licenses:validate`", body = ErrorBody),
        (status = 404, description = "The key names no license", body = ErrorBody),
    ),
    security((), ("api_key" = ["licenses:validate"]), ("bearer" = []))
)]
pub async fn deactivate(
    svc: web::Data<Services>,
    _caller: MaybeUserOrKey<LicensesValidate>,
    body: ValidJson<DeactivateBody>,
) -> Result<web::Json<DeactivationDto>, ApiError> {
    let request = DeactivateLicense::try_from(body.into_inner())?;
    let deactivation = svc.licenses.deactivate(&request).await?;
    Ok(web::Json(DeactivationDto::new(
        &deactivation,
        request.fingerprint.as_str().to_owned(),
    )))
}
