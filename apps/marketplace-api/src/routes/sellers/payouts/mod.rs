//! A seller's payouts, and Stripe Connect onboarding so that it can receive them.

pub mod dto;

use actix_web::web;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ValidJson;
use crate::state::Services;
use dto::{ConnectBody, OnboardingDto, PayoutDto, ReturnUrls};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sellers/me/payouts", web::get().to(my_payouts))
        .route("/sellers/me/connect", web::post().to(start_onboarding));
}

/// The caller's seller's payouts, newest month first.
#[utoipa::path(
    get, path = "/v1/sellers/me/payouts", tag = "sellers",
    responses(
        (status = 200, description = "The payouts", body = Vec<PayoutDto>),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_payouts(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<Vec<PayoutDto>>, ApiError> {
    let payouts = svc.sellers.payouts(&caller.0).await?;
    Ok(web::Json(payouts.iter().map(PayoutDto::from).collect()))
}

/// Starts or resumes Stripe Connect onboarding of the caller's seller (its org's owners
/// and admins): creates the Express account once and returns a fresh onboarding link.
/// Payouts start once Stripe reports the account may receive them (`account.updated`).
#[utoipa::path(
    post, path = "/v1/sellers/me/connect", tag = "sellers", request_body = ConnectBody,
    responses(
        (status = 200, description = "Continue onboarding at `url`", body = OnboardingDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the seller's org", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
        (status = 409, description = "Stripe Connect is not configured (`connect_not_configured`, offline/demo mode), or the platform seller", body = ErrorBody),
        (status = 503, description = "Stripe is unreachable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start_onboarding(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<ConnectBody>,
) -> Result<web::Json<OnboardingDto>, ApiError> {
    let urls: ReturnUrls = body.into_inner().try_into()?;
    let onboarding = svc
        .sellers
        .start_onboarding(&caller.0, &urls.refresh_url, &urls.return_url)
        .await?;
    Ok(web::Json(onboarding.into()))
}
