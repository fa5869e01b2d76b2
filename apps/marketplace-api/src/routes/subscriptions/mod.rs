//! The org's subscriptions (R-B5): its recurring purchases with their plans and periods,
//! and stopping one from renewing.

pub mod dto;

use actix_web::web;
use marketplace_domain::ids::PurchaseId;
use marketplace_domain::plan::PlanCode;
use marketplace_domain::subscription::PlanChange;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BadRequest, NoQuery, Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{ChangePlanBody, PlanChangeDto, SubscriptionDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/subscriptions", web::get().to(list_subscriptions))
        .route("/subscriptions/{id}", web::get().to(get_subscription))
        .route(
            "/subscriptions/{id}/cancel",
            web::post().to(cancel_subscription),
        )
        .route(
            "/subscriptions/{id}/change-plan",
            web::post().to(change_plan),
        );
}

/// The org's subscriptions, newest first.
#[utoipa::path(
    get, path = "/v1/subscriptions", tag = "purchases", params(PageQuery),
    responses(
        (status = 200, description = "A page of subscriptions", body = ListDto<SubscriptionDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_subscriptions(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<SubscriptionDto>>, ApiError> {
    let page = svc
        .subscriptions
        .list(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, SubscriptionDto::from)))
}

/// One of the org's subscriptions.
#[utoipa::path(
    get, path = "/v1/subscriptions/{id}", tag = "purchases",
    params(("id" = Uuid, Path, description = "The subscription's (purchase's) id")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
        (status = 404, description = "No such subscription in the org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_subscription(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<SubscriptionDto>, ApiError> {
    let view = svc
        .subscriptions
        .get(&caller.0, PurchaseId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(view.into()))
}

/// Stops the subscription from renewing (at the payment provider too); access runs to
/// the end of the current period. Cancelling again changes nothing.
#[utoipa::path(
    post, path = "/v1/subscriptions/{id}/cancel", tag = "purchases",
    params(("id" = Uuid, Path, description = "The subscription's (purchase's) id")),
    responses(
        (status = 200, description = "The subscription, `canceled`", body = SubscriptionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
        (status = 404, description = "No such subscription in the org", body = ErrorBody),
        (status = 409, description = "The subscription has ended", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_subscription(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SubscriptionDto>, ApiError> {
    let view = svc
        .subscriptions
        .cancel(&caller.0, PurchaseId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(view.into()))
}

/// R-B9: moves the subscription to another plan of its item and interval. A plan at
/// least as dear applies now and charges the difference for the rest of the period,
/// prorated by the second and rounded to the cent (platform credits; not yet for card
/// subscriptions, nor invoice payers' upgrades, ADR 0024); a cheaper one is
/// scheduled for the next renewal (`pending_plan`), which then charges it; during a trial
/// any change applies now and charges nothing; naming the current plan calls off a
/// scheduled downgrade.
#[utoipa::path(
    post, path = "/v1/subscriptions/{id}/change-plan", tag = "purchases",
    request_body = ChangePlanBody,
    params(("id" = Uuid, Path, description = "The subscription's (purchase's) id")),
    responses(
        (status = 200, description = "Changed or scheduled", body = PlanChangeDto),
        (status = 400, description = "Malformed id, body or plan code", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 402, description = "insufficient_credits: the credits do not cover the upgrade", body = ErrorBody),
        (status = 403, description = "Not a purchaser of the org", body = ErrorBody),
        (status = 404, description = "No such subscription in the org", body = ErrorBody),
        (status = 409, description = "same_plan, subscription_not_changeable (cancelled, ended, or a renewal due first), no_plan, or a concurrent change", body = ErrorBody),
        (status = 422, description = "unknown_plan or plan_not_on_sale (field `plan`), interval_change, or plan_change_not_available (card payers; invoice payers' upgrades)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn change_plan(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ChangePlanBody>,
) -> Result<web::Json<PlanChangeDto>, ApiError> {
    let id = PurchaseId::from_uuid(id.into_inner());
    // A code outside the grammar names no plan.
    let code = PlanCode::parse(&body.into_inner().plan)
        .map_err(|e| BadRequest::field("plan", e.to_string()))?;
    let done = svc.plan_changes.change(&caller.0, id, &code).await?;
    let view = svc.subscriptions.get(&caller.0, id).await?;
    let change = match done.change {
        PlanChange::Upgraded { .. } => "upgraded",
        PlanChange::DowngradeScheduled { .. } => "downgrade_scheduled",
        PlanChange::SwitchedDuringTrial { .. } => "switched_during_trial",
        PlanChange::ScheduledChangeCancelled => "scheduled_change_cancelled",
    };
    Ok(web::Json(PlanChangeDto {
        change: change.to_owned(),
        charged: done.charged.map(Into::into),
        subscription: view.into(),
    }))
}
