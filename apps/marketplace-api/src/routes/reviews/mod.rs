//! Reviews, helpful votes and flags (R-V1, R-V2, R-V4, R-V5).

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::ids::{ReviewId, ToolId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{OptionalJson, Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{FlagBody, FlagDto, ReviewBodyDto, ReviewDto};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tools/{id}/reviews", web::get().to(list_reviews))
        .route("/tools/{id}/reviews/mine", web::put().to(put_my_review))
        .route(
            "/tools/{id}/reviews/mine",
            web::delete().to(delete_my_review),
        )
        .route("/reviews/{id}/helpful", web::post().to(mark_helpful))
        .route("/reviews/{id}/flag", web::post().to(flag_review));
}

/// A tool's approved reviews, newest first (R-V4).
#[utoipa::path(
    get, path = "/v1/tools/{id}/reviews", tag = "reviews", params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, description = "Approved reviews", body = ListDto<ReviewDto>),
        (status = 400, description = "Malformed id or paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_reviews(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<ReviewDto>>, ApiError> {
    let page = svc
        .reviews
        .public_reviews(
            &caller.0,
            ToolId::from_uuid(id.into_inner()),
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(ListDto::from_page(page, ReviewDto::from)))
}

/// Writes or rewrites the caller's review; it goes (back) to PENDING (R-V1). Only members
/// of an org entitled to the tool may review it (R-V2).
#[utoipa::path(
    put, path = "/v1/tools/{id}/reviews/mine", tag = "reviews", params(("id" = Uuid, Path)), request_body = ReviewBodyDto,
    responses(
        (status = 200, description = "The review", body = ReviewDto),
        (status = 400, description = "Malformed body (rating 1..=5, title <= 200, body <= 2000)", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a reviewer, or not_entitled", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_my_review(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ReviewBodyDto>,
) -> Result<web::Json<ReviewDto>, ApiError> {
    let review = svc
        .reviews
        .write(
            &caller.0,
            ToolId::from_uuid(id.into_inner()),
            body.into_inner().into(),
        )
        .await?;
    Ok(web::Json(review.into()))
}

/// Deletes the caller's review of the tool.
#[utoipa::path(
    delete, path = "/v1/tools/{id}/reviews/mine", tag = "reviews", params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a reviewer", body = ErrorBody),
        (status = 404, description = "The caller has no review of this tool", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_my_review(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    svc.reviews
        .delete_mine(&caller.0, ToolId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One helpful vote per user, never on one's own review (R-V5).
#[utoipa::path(
    post, path = "/v1/reviews/{id}/helpful", tag = "reviews", params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Counted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a reviewer, not_entitled or own_review", body = ErrorBody),
        (status = 404, description = "No such review visible to the caller", body = ErrorBody),
        (status = 409, description = "already_voted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_helpful(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    svc.reviews
        .mark_helpful(&caller.0, ReviewId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One flag per user; three distinct flags hide the review until a moderator decides
/// (R-V3, R-V5). The body is optional.
#[utoipa::path(
    post, path = "/v1/reviews/{id}/flag", tag = "reviews", params(("id" = Uuid, Path)), request_body = Option<FlagBody>,
    responses(
        (status = 200, description = "Flagged; `hidden` says whether this flag hid the review", body = FlagDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a reviewer, not_entitled or own_review", body = ErrorBody),
        (status = 404, description = "No such review visible to the caller", body = ErrorBody),
        (status = 409, description = "already_flagged", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn flag_review(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: OptionalJson<FlagBody>,
) -> Result<web::Json<FlagDto>, ApiError> {
    let reason = body.into_inner().and_then(|b| b.reason);
    let hidden = svc
        .reviews
        .flag(&caller.0, ReviewId::from_uuid(id.into_inner()), reason)
        .await?;
    Ok(web::Json(FlagDto { hidden }))
}
