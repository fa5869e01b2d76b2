//! Review moderation: the queue and decisions (R-V3).

pub mod dto;

use actix_web::web;
use marketplace_domain::ids::ReviewId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Query, ValidJson};
use crate::state::Services;
use crate::wire::ListDto;
use dto::{ModerationBody, ModerationItemDto, ModerationQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/moderation/reviews", web::get().to(moderation_queue))
        .route("/moderation/reviews/{id}", web::post().to(moderate));
}

/// The moderation queue, oldest first.
#[utoipa::path(
    get, path = "/v1/moderation/reviews", tag = "moderation", params(ModerationQuery),
    responses(
        (status = 200, description = "Reviews to moderate", body = ListDto<ModerationItemDto>),
        (status = 400, description = "Unknown status or malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn moderation_queue(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<ModerationQuery>,
) -> Result<web::Json<ListDto<ModerationItemDto>>, ApiError> {
    let query = query.into_inner();
    let page = svc
        .reviews
        .queue(&caller.0, query.status, query.page()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, ModerationItemDto::from)))
}

/// Approves or rejects a review, keeping who decided, when and why (R-V3).
#[utoipa::path(
    post, path = "/v1/moderation/reviews/{id}", tag = "moderation", params(("id" = Uuid, Path)), request_body = ModerationBody,
    responses(
        (status = 200, description = "The moderated review", body = ModerationItemDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
        (status = 404, description = "No such review", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn moderate(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ModerationBody>,
) -> Result<web::Json<ModerationItemDto>, ApiError> {
    let b = body.into_inner();
    let review = svc
        .reviews
        .moderate(
            &caller.0,
            ReviewId::from_uuid(id.into_inner()),
            b.decision.0,
            b.notes,
        )
        .await?;
    Ok(web::Json(review.into()))
}
