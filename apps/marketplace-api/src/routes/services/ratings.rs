//! Provider ratings (R-X5): the buyer of a completed transaction rates the provider once;
//! moderators approve or reject it as they do reviews, and only approved ratings count in
//! the provider's rating.

use actix_web::{HttpResponse, web};
use marketplace_services::ids::{ProviderRatingId, TransactionId};
use uuid::Uuid;

use super::dto::{ProviderRatingDto, RatingBody, RatingDecisionBody};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};

/// The buyer rates the provider of a completed transaction, once; it counts once a
/// moderator approves it.
#[utoipa::path(
    post, path = "/v1/transactions/{id}/rating", tag = "services", params(("id" = Uuid, Path)), request_body = RatingBody,
    responses(
        (status = 201, description = "The rating, PENDING", body = ProviderRatingDto),
        (status = 400, description = "Malformed id or body (rating 1..=5, comment <= 2000)", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a reviewer, or not_the_buyer", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
        (status = 409, description = "not_completed or already_rated", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn rate(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<RatingBody>,
) -> Result<HttpResponse, ApiError> {
    let (rating, comment) = body.into_inner().parts()?;
    let rated = svc
        .services
        .rate(
            &caller.0,
            TransactionId::from_uuid(id.into_inner()),
            rating,
            comment,
        )
        .await?;
    Ok(HttpResponse::Created().json(ProviderRatingDto::from(rated)))
}

/// Provider ratings awaiting a moderator, oldest first.
#[utoipa::path(
    get, path = "/v1/moderation/ratings", tag = "moderation", params(PageQuery),
    responses(
        (status = 200, description = "Pending ratings", body = ListDto<ProviderRatingDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn rating_queue(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<ProviderRatingDto>>, ApiError> {
    let page = svc
        .services
        .pending_ratings(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, ProviderRatingDto::from)))
}

/// Approves or rejects a provider rating.
#[utoipa::path(
    post, path = "/v1/moderation/ratings/{id}", tag = "moderation", params(("id" = Uuid, Path)), request_body = RatingDecisionBody,
    responses(
        (status = 200, description = "The moderated rating", body = ProviderRatingDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
        (status = 404, description = "No such rating", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn moderate_rating(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<RatingDecisionBody>,
) -> Result<web::Json<ProviderRatingDto>, ApiError> {
    let rating = svc
        .services
        .moderate_rating(
            &caller.0,
            ProviderRatingId::from_uuid(id.into_inner()),
            body.into_inner().decision(),
        )
        .await?;
    Ok(web::Json(rating.into()))
}
