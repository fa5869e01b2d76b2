//! The org's modules (R-I2..R-I6): plan and apply changes, roll back, read the installed
//! set, its history, updates and update notices. Always the caller's own org.

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::ids::ToolId;
use marketplace_modules::Version;
use marketplace_modules::installation::ChangeRequest;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BadRequest, NoQuery, Query, ValidJson};
use crate::state::Services;
use crate::wire::list::page_request;
use crate::wire::{ListDto, PageQuery};
use dto::{
    ChangeBody, GenerationDto, InstallationsDto, NoticeDto, NoticesQuery, PlanDto, UpdateDto,
    UpdatesDto,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/installations", web::get().to(list_installations))
        .route("/installations/plan", web::post().to(plan))
        .route("/installations/apply", web::post().to(apply))
        .route("/installations/rollback", web::post().to(rollback))
        .route("/installations/updates", web::get().to(updates))
        .route("/installations/history", web::get().to(history))
        .route("/installations/notices", web::get().to(notices))
        .route(
            "/installations/notices/{tool_id}/{version}/read",
            web::post().to(mark_notice_read),
        );
}

/// The dry run (R-I4): what the change would install, upgrade, downgrade or remove, with
/// every dependency resolved against the org's platform and entitlements (R-I2).
#[utoipa::path(
    post, path = "/v1/installations/plan", tag = "installations", request_body = ChangeBody,
    responses(
        (status = 200, description = "The changes the request would make", body = PlanDto),
        (status = 400, description = "Malformed body or version requirement, or nothing asked", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the org's owner or admin; or `not_entitled`: a paid tool the org does not hold", body = ErrorBody),
        (status = 409, description = "`required_by`: installed tools need one to uninstall (ask for the cascade); `no_platform_version`", body = ErrorBody),
        (status = 422, description = "`unsatisfiable`: no set of versions works, the message says why in plain words (R-I3); `unknown_tool`, `not_installed`, `too_complex`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn plan(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<ChangeBody>,
) -> Result<web::Json<PlanDto>, ApiError> {
    let request = ChangeRequest::try_from(body.into_inner())?;
    let plan = svc.installations.plan(&caller.0, &request).await?;
    Ok(web::Json(PlanDto::new(plan.base().get(), plan.steps())))
}

/// Applies the change as the org's next generation, atomically and one change at a time
/// per org (R-I4); every install and update attempt is recorded (R-I7).
#[utoipa::path(
    post, path = "/v1/installations/apply", tag = "installations", request_body = ChangeBody,
    responses(
        (status = 201, description = "The new generation and its changes", body = GenerationDto),
        (status = 400, description = "Malformed body or version requirement, or nothing asked", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the org's owner or admin; or `not_entitled`", body = ErrorBody),
        (status = 409, description = "`required_by`, `stale_generation` (other changes won twice), `no_platform_version`", body = ErrorBody),
        (status = 422, description = "`unsatisfiable` with the explanation (R-I3); `unknown_tool`, `not_installed`, `too_complex`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn apply(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<ChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let request = ChangeRequest::try_from(body.into_inner())?;
    let record = svc.installations.apply(&caller.0, &request).await?;
    Ok(HttpResponse::Created().json(GenerationDto::from(record)))
}

/// Restores the previous generation whole, as a new generation (R-I4), once the restored
/// set still resolves on the org's platform.
#[utoipa::path(
    post, path = "/v1/installations/rollback", tag = "installations",
    responses(
        (status = 201, description = "The new generation, restoring the previous one", body = GenerationDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the org's owner or admin; or `not_entitled`: it would bring back a paid tool the org no longer holds", body = ErrorBody),
        (status = 409, description = "`no_previous_generation`, `stale_generation`, `no_platform_version`", body = ErrorBody),
        (status = 422, description = "`unsatisfiable`: the restored set no longer fits the platform (R-I3)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn rollback(
    svc: web::Data<Services>,
    caller: Caller,
    _query: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    let record = svc.installations.rollback(&caller.0).await?;
    Ok(HttpResponse::Created().json(GenerationDto::from(record)))
}

/// The org's installed tools with their versions, each enabled or not (R-I6).
#[utoipa::path(
    get, path = "/v1/installations", tag = "installations",
    responses(
        (status = 200, description = "Platform version, current generation and installed tools", body = InstallationsDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 409, description = "`no_platform_version`: the platform has not set the org's platform version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_installations(
    svc: web::Data<Services>,
    caller: Caller,
    _query: Query<NoQuery>,
) -> Result<web::Json<InstallationsDto>, ApiError> {
    let installed = svc.installations.installed(&caller.0).await?;
    Ok(web::Json(installed.into()))
}

/// Newer compatible versions of the org's enabled tools (R-I6).
#[utoipa::path(
    get, path = "/v1/installations/updates", tag = "installations",
    responses(
        (status = 200, description = "One update per tool that has one", body = UpdatesDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 409, description = "`no_platform_version`", body = ErrorBody),
        (status = 422, description = "`too_complex`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn updates(
    svc: web::Data<Services>,
    caller: Caller,
    _query: Query<NoQuery>,
) -> Result<web::Json<UpdatesDto>, ApiError> {
    let updates = svc.installations.updates(&caller.0).await?;
    Ok(web::Json(UpdatesDto {
        items: updates.into_iter().map(UpdateDto::from).collect(),
    }))
}

/// The org's applied generations, newest first, each with what changed (R-I4).
#[utoipa::path(
    get, path = "/v1/installations/history", tag = "installations", params(PageQuery),
    responses(
        (status = 200, description = "A page of generations, newest first", body = ListDto<GenerationDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn history(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<GenerationDto>>, ApiError> {
    let page = svc
        .installations
        .history(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, GenerationDto::from)))
}

/// The org's update notices, newest first (R-I6): written when a new version of an
/// installed tool is published that the org could move to.
#[utoipa::path(
    get, path = "/v1/installations/notices", tag = "installations", params(NoticesQuery),
    responses(
        (status = 200, description = "A page of notices, newest first", body = ListDto<NoticeDto>),
        (status = 400, description = "Malformed paging or filter", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn notices(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<NoticesQuery>,
) -> Result<web::Json<ListDto<NoticeDto>>, ApiError> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.offset)?;
    let page = svc
        .installations
        .notices(&caller.0, q.unread.unwrap_or(false), page)
        .await?;
    Ok(web::Json(ListDto::from_page(page, NoticeDto::from)))
}

/// Marks the org's notice of a tool's version read.
#[utoipa::path(
    post, path = "/v1/installations/notices/{tool_id}/{version}/read", tag = "installations",
    params(("tool_id" = Uuid, Path), ("version" = String, Path, description = "The notice's version, e.g. 2.1.0")),
    responses(
        (status = 204, description = "Marked read (a read notice keeps its first reading time)"),
        (status = 400, description = "Malformed id or version", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org has no such notice", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_notice_read(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tool, version) = path.into_inner();
    let version = parse_version(&version)?;
    svc.installations
        .mark_notice_read(&caller.0, ToolId::from_uuid(tool), &version)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A version in a path, or a 400 naming it.
///
/// # Errors
/// [`BadRequest`] when the text is not a semver version.
pub fn parse_version(text: &str) -> Result<Version, BadRequest> {
    Version::parse(text).map_err(|e| BadRequest::field("version", e.to_string()))
}
