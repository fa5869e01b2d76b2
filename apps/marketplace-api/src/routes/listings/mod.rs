//! Sellers publish (R-G1..R-G5): registration, listings as drafts, the automated checks,
//! submission, the listings moderation queue and decisions, notices, opt-in and the
//! seller's dashboard. A seller's listings are its org's: another org's is 404.

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::review::Decision;
use marketplace_listings::content::ListingContent;
use marketplace_listings::{ListingId, Verdict};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, Query, ValidJson};
use crate::routes::moderation::dto::ModerationBody;
use crate::state::Services;
use crate::wire::ListDto;
use dto::{
    ChecksDto, DashboardDto, ListingBody, ListingDto, ListingQueueQuery, ListingsDto, NoticesDto,
    OptInDto, QueuedListingDto, RegisterBody, SellerProfileDto, SubmittedDto,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sellers", web::post().to(register))
        .route("/sellers/me/profile", web::get().to(my_profile))
        .route("/sellers/me/listings", web::post().to(create_listing))
        .route("/sellers/me/listings", web::get().to(list_listings))
        .route("/sellers/me/listings/{id}", web::get().to(get_listing))
        .route("/sellers/me/listings/{id}", web::patch().to(revise_listing))
        .route(
            "/sellers/me/listings/{id}/checks",
            web::post().to(check_listing),
        )
        .route(
            "/sellers/me/listings/{id}/submit",
            web::post().to(submit_listing),
        )
        .route("/sellers/me/notices", web::get().to(list_notices))
        .route("/sellers/me/dashboard", web::get().to(dashboard))
        .route("/sellers/me/opt-in", web::get().to(get_opt_in))
        .route("/sellers/me/opt-in", web::put().to(put_opt_in))
        .route("/moderation/listings", web::get().to(listing_queue))
        .route(
            "/moderation/listings/{id}",
            web::post().to(moderate_listing),
        );
}

/// Registers the caller's org as a seller (R-G1); onboarding for payouts follows
/// (`POST /v1/sellers/me/onboarding`).
#[utoipa::path(
    post, path = "/v1/sellers", tag = "listings", request_body = RegisterBody,
    responses(
        (status = 201, description = "The seller's profile", body = SellerProfileDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the org", body = ErrorBody),
        (status = 409, description = "The org is already a seller", body = ErrorBody),
        (status = 422, description = "A field breaks a rule (an http website, a bad e-mail)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn register(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let profile = svc
        .listings
        .register(&caller.0, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Created().json(SellerProfileDto::from(profile)))
}

/// The profile of the caller's seller.
#[utoipa::path(
    get, path = "/v1/sellers/me/profile", tag = "listings",
    responses(
        (status = 200, description = "The seller's profile", body = SellerProfileDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org is not a registered seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_profile(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<SellerProfileDto>, ApiError> {
    Ok(web::Json(svc.listings.profile(&caller.0).await?.into()))
}

/// A new draft listing (R-G2): `{"kind": ..., ...}` with the fields of its kind. A draft
/// may be incomplete; the checks run at submission (or on demand).
#[utoipa::path(
    post, path = "/v1/sellers/me/listings", tag = "listings", request_body = ListingBody,
    responses(
        (status = 201, description = "The draft", body = ListingDto),
        (status = 400, description = "Malformed body, unknown kind or enum value", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the org", body = ErrorBody),
        (status = 404, description = "The org is not a seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_listing(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<ListingBody>,
) -> Result<HttpResponse, ApiError> {
    let content = ListingContent::try_from(body.into_inner())?;
    let listing = svc.listings.create(&caller.0, content).await?;
    Ok(HttpResponse::Created().json(ListingDto::from(listing)))
}

/// The seller's listings and their states, newest first (R-G4).
#[utoipa::path(
    get, path = "/v1/sellers/me/listings", tag = "listings",
    responses(
        (status = 200, description = "The listings", body = ListingsDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org is not a seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_listings(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<ListingsDto>, ApiError> {
    let items: Vec<ListingDto> = svc
        .listings
        .list(&caller.0)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(web::Json(ListingsDto {
        total: items.len() as u64,
        items,
    }))
}

/// One of the seller's listings.
#[utoipa::path(
    get, path = "/v1/sellers/me/listings/{id}", tag = "listings", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The listing", body = ListingDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such listing of the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_listing(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ListingDto>, ApiError> {
    let listing = svc
        .listings
        .get(&caller.0, ListingId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(listing.into()))
}

/// Replaces a draft's content (a rejected listing becomes a draft again); the kind stays.
#[utoipa::path(
    patch, path = "/v1/sellers/me/listings/{id}", tag = "listings", params(("id" = Uuid, Path)),
    request_body = ListingBody,
    responses(
        (status = 200, description = "The draft", body = ListingDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the org", body = ErrorBody),
        (status = 404, description = "No such listing of the caller's org", body = ErrorBody),
        (status = 409, description = "Submitted or published (`illegal_state`), or another kind (`kind_fixed`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revise_listing(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ListingBody>,
) -> Result<web::Json<ListingDto>, ApiError> {
    let content = ListingContent::try_from(body.into_inner())?;
    let listing = svc
        .listings
        .revise(&caller.0, ListingId::from_uuid(id.into_inner()), content)
        .await?;
    Ok(web::Json(listing.into()))
}

/// Runs the automated checks on a listing without submitting it (R-G2).
#[utoipa::path(
    post, path = "/v1/sellers/me/listings/{id}/checks", tag = "listings", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Every failed check, one per field", body = ChecksDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such listing of the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn check_listing(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ChecksDto>, ApiError> {
    let failures = svc
        .listings
        .check(&caller.0, ListingId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(ChecksDto {
        passed: failures.is_empty(),
        failures: failures.into_iter().map(Into::into).collect(),
    }))
}

/// Submits a draft (R-G2, R-G3): the checks run; on success it waits for a moderator, or,
/// for an edit that changes nothing that matters for review, is published at once.
#[utoipa::path(
    post, path = "/v1/sellers/me/listings/{id}/submit", tag = "listings", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Submitted, or published at once", body = SubmittedDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the org", body = ErrorBody),
        (status = 404, description = "No such listing of the caller's org", body = ErrorBody),
        (status = 409, description = "Not a draft (`illegal_state`)", body = ErrorBody),
        (status = 422, description = "`checks_failed`: one detail per failed check (`field`, `message`, `check`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn submit_listing(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SubmittedDto>, ApiError> {
    let submitted = svc
        .listings
        .submit(&caller.0, ListingId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(SubmittedDto::new(
        submitted.listing,
        &submitted.diff,
    )))
}

/// What the seller was told of each decision on its listings, newest first (R-G3).
#[utoipa::path(
    get, path = "/v1/sellers/me/notices", tag = "listings",
    responses(
        (status = 200, description = "The notices", body = NoticesDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org is not a seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_notices(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<NoticesDto>, ApiError> {
    let items = svc
        .listings
        .notices(&caller.0)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(web::Json(NoticesDto { items }))
}

/// The seller's dashboard (R-G4): listings by state, twelve months of sales and revenue
/// from the ledger, and per tool its ratings, purchases, views, conversion and install
/// success rate.
#[utoipa::path(
    get, path = "/v1/sellers/me/dashboard", tag = "listings",
    responses(
        (status = 200, description = "The dashboard", body = DashboardDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org is not a seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn dashboard(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<DashboardDto>, ApiError> {
    Ok(web::Json(svc.listings.dashboard(&caller.0).await?.into()))
}

/// The seller's opt-in choices (R-G5).
#[utoipa::path(
    get, path = "/v1/sellers/me/opt-in", tag = "listings",
    responses(
        (status = 200, description = "The choices", body = OptInDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the org", body = ErrorBody),
        (status = 404, description = "The org is not a seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_opt_in(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
) -> Result<web::Json<OptInDto>, ApiError> {
    Ok(web::Json(svc.listings.opt_in(&caller.0).await?.into()))
}

/// Replaces the seller's opt-in choices (R-G5): an item opted out is hidden from new
/// buyers; those who hold it keep it.
#[utoipa::path(
    put, path = "/v1/sellers/me/opt-in", tag = "listings", request_body = OptInDto,
    responses(
        (status = 200, description = "The choices", body = OptInDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the org", body = ErrorBody),
        (status = 404, description = "The org is not a seller", body = ErrorBody),
        (status = 422, description = "A product that is not the seller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_opt_in(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<OptInDto>,
) -> Result<web::Json<OptInDto>, ApiError> {
    let choice = svc
        .listings
        .set_opt_in(&caller.0, body.into_inner().into())
        .await?;
    Ok(web::Json(choice.into()))
}

/// The listings moderation queue, oldest submission first (R-G3).
#[utoipa::path(
    get, path = "/v1/moderation/listings", tag = "moderation", params(ListingQueueQuery),
    responses(
        (status = 200, description = "Listings in the state asked for (submitted by default)", body = ListDto<QueuedListingDto>),
        (status = 400, description = "Unknown status or malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn listing_queue(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<ListingQueueQuery>,
) -> Result<web::Json<ListDto<QueuedListingDto>>, ApiError> {
    let query = query.into_inner();
    let page = svc
        .listings
        .queue(&caller.0, query.status, query.page()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, QueuedListingDto::from)))
}

/// Approves (the listing is published) or rejects it with notes (nothing public changes);
/// the seller is told and the decision is audited (R-G3).
#[utoipa::path(
    post, path = "/v1/moderation/listings/{id}", tag = "moderation", params(("id" = Uuid, Path)),
    request_body = ModerationBody,
    responses(
        (status = 200, description = "The decided listing", body = QueuedListingDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
        (status = 404, description = "No such listing", body = ErrorBody),
        (status = 409, description = "Not submitted (`illegal_state`)", body = ErrorBody),
        (status = 422, description = "A rejection without notes (`notes_required`), or the catalog refused the approved listing (`publish_refused`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn moderate_listing(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ModerationBody>,
) -> Result<web::Json<QueuedListingDto>, ApiError> {
    let b = body.into_inner();
    let verdict = match b.decision.0 {
        Decision::Approve => Verdict::Approve,
        Decision::Reject => Verdict::Reject,
    };
    let listing = svc
        .listings
        .moderate(
            &caller.0,
            ListingId::from_uuid(id.into_inner()),
            verdict,
            b.notes.as_deref(),
        )
        .await?;
    Ok(web::Json(listing.into()))
}
