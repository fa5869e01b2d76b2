//! Reviews, votes, flags and moderation (R-V*).

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use marketplace_domain::ids::{ReviewId, ToolId};
use marketplace_domain::review::{ReviewInput, ReviewStatus};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{FlagBody, ListDto, ModerationBody, ModerationItemDto, ReviewBodyDto, ReviewDto};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{MAX_BODY_BYTES, ValidJson, only_keys, parse_query, query_value};
use crate::labels::parse_label;
use crate::routes::catalog::{PageQueryDoc, page_request};
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tools/{id}/reviews", web::get().to(list_reviews))
        .route("/tools/{id}/reviews/mine", web::put().to(put_my_review))
        .route(
            "/tools/{id}/reviews/mine",
            web::delete().to(delete_my_review),
        )
        .route("/reviews/{id}/helpful", web::post().to(mark_helpful))
        .route("/reviews/{id}/flag", web::post().to(flag_review))
        .route("/moderation/reviews", web::get().to(moderation_queue))
        .route("/moderation/reviews/{id}", web::post().to(moderate));
}

/// A tool's approved reviews, newest first (R-V4).
#[utoipa::path(
    get, path = "/v1/tools/{id}/reviews", tag = "reviews", params(("id" = Uuid, Path), PageQueryDoc),
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
    req: HttpRequest,
) -> Result<web::Json<ListDto<ReviewDto>>, ApiError> {
    only_keys(&req, &["limit", "offset"])?;
    let page = svc
        .reviews
        .public_reviews(
            &caller.0,
            ToolId::from_uuid(id.into_inner()),
            page_request(&req)?,
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
    let b = body.into_inner();
    let input = ReviewInput {
        rating: b.rating,
        title: b.title,
        body: b.body,
    };
    let review = svc
        .reviews
        .write(&caller.0, ToolId::from_uuid(id.into_inner()), input)
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
        (status = 200, description = "Flagged; `hidden` says whether this flag hid the review"),
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
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::bad_request(
                format!("the request body exceeds {MAX_BODY_BYTES} bytes"),
                vec![],
            ));
        }
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
            m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON)
        });
        if !is_json {
            return Err(ApiError::bad_request(
                "expected Content-Type: application/json",
                vec![],
            ));
        }
        let flag: FlagBody = serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(
                "the request body is not valid JSON",
                vec![json!({"field": "body", "message": e.to_string()})],
            )
        })?;
        garde::Validate::validate(&flag).map_err(|r| {
            ApiError::bad_request(
                "the request body is invalid",
                vec![json!({"field": "reason", "message": r.to_string()})],
            )
        })?;
        flag.reason
    };
    let hidden = svc
        .reviews
        .flag(&caller.0, ReviewId::from_uuid(id.into_inner()), reason)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"hidden": hidden})))
}

/// The moderation filter.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ModerationQueryDoc {
    /// PENDING (default view of moderators), APPROVED, REJECTED or FLAGGED; all when absent.
    status: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

/// The moderation queue, oldest first.
#[utoipa::path(
    get, path = "/v1/moderation/reviews", tag = "moderation", params(ModerationQueryDoc),
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
    req: HttpRequest,
) -> Result<web::Json<ListDto<ModerationItemDto>>, ApiError> {
    only_keys(&req, &["status", "limit", "offset"])?;
    let status = parse_query("status", query_value(&req, "status"), |s| {
        parse_label::<ReviewStatus>(&s.to_uppercase())
    })?;
    let page = svc
        .reviews
        .queue(&caller.0, status, page_request(&req)?)
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
