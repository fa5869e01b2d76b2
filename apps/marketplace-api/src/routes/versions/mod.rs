//! Module versions (R-I1): listed for everyone, published and yanked by catalog admins
//! (sellers will publish through their listings); and the install success rate of each
//! tool (R-I7), for the platform and for the tool's seller.

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::ids::ToolId;
use marketplace_modules::NewRelease;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BadRequest, NoQuery, Query, ValidJson};
use crate::routes::installations::parse_version;
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};
use dto::{
    AttemptDto, InstallStatsDto, InstallStatsListDto, InstallStatsQuery, NotifiedDto, PublishBody,
    PublishedDto, VersionDto, VersionsDto,
};
use marketplace_modules::TARGET_PERCENT;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tools/{id}/versions", web::get().to(list_versions))
        .route(
            "/admin/tools/{id}/versions",
            web::post().to(publish_version),
        )
        .route(
            "/admin/tools/{id}/versions/{version}/yank",
            web::post().to(yank_version),
        )
        .route(
            "/admin/tools/{id}/versions/{version}/notify",
            web::post().to(notify_update),
        )
        .route(
            "/admin/install-stats",
            web::get().to(platform_install_stats),
        )
        .route(
            "/admin/tools/{id}/install-attempts",
            web::get().to(platform_install_attempts),
        )
        .route(
            "/sellers/me/install-stats",
            web::get().to(seller_install_stats),
        )
        .route(
            "/sellers/me/tools/{id}/install-attempts",
            web::get().to(seller_install_attempts),
        );
}

/// Every version of a tool, oldest first, with its platform requirement, dependencies and
/// status (R-I1).
#[utoipa::path(
    get, path = "/v1/tools/{id}/versions", tag = "modules", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The tool's versions, oldest first", body = VersionsDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_versions(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    _query: Query<NoQuery>,
) -> Result<web::Json<VersionsDto>, ApiError> {
    let versions = svc
        .installations
        .versions(&caller.0, ToolId::from_uuid(id.into_inner()))
        .await?;
    Ok(web::Json(VersionsDto {
        items: versions.into_iter().map(VersionDto::from).collect(),
    }))
}

/// Publishes a new version of a tool (R-I1); orgs that could move to it are told (R-I6).
#[utoipa::path(
    post, path = "/v1/admin/tools/{id}/versions", tag = "modules", params(("id" = Uuid, Path)),
    request_body = PublishBody,
    responses(
        (status = 201, description = "Published", body = PublishedDto),
        (status = 400, description = "Malformed id, body, version or requirement", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
        (status = 409, description = "`version_exists`: a published version never changes", body = ErrorBody),
        (status = 422, description = "`invalid_fields`: build metadata, a dependency on the tool itself, twice on one tool or on a tool not in the catalog", body = ErrorBody),
        (status = 503, description = "Published, but the update notices were not sent: POST .../notify sends them", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn publish_version(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<PublishBody>,
) -> Result<HttpResponse, ApiError> {
    let release = NewRelease::try_from(body.into_inner())?;
    let published = svc
        .installations
        .publish_version(&caller.0, ToolId::from_uuid(id.into_inner()), release)
        .await?;
    Ok(HttpResponse::Created().json(PublishedDto::from(published)))
}

/// Withdraws a version from new installs (R-I1); orgs that have it keep it. Yanking a
/// yanked version changes nothing.
#[utoipa::path(
    post, path = "/v1/admin/tools/{id}/versions/{version}/yank", tag = "modules",
    params(("id" = Uuid, Path), ("version" = String, Path)),
    responses(
        (status = 204, description = "Yanked"),
        (status = 400, description = "Malformed id or version", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn yank_version(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tool, version) = path.into_inner();
    let version = parse_version(&version)?;
    svc.installations
        .yank_version(&caller.0, ToolId::from_uuid(tool), &version)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a version's update notices again (after a 503 on publishing); orgs told before
/// are not told twice (R-I6).
#[utoipa::path(
    post, path = "/v1/admin/tools/{id}/versions/{version}/notify", tag = "modules",
    params(("id" = Uuid, Path), ("version" = String, Path)),
    responses(
        (status = 200, description = "How many orgs could take the version", body = NotifiedDto),
        (status = 400, description = "Malformed id or version", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn notify_update(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> Result<web::Json<NotifiedDto>, ApiError> {
    let (tool, version) = path.into_inner();
    let version = parse_version(&version)?;
    let notified = svc
        .installations
        .notify_update(&caller.0, ToolId::from_uuid(tool), &version)
        .await?;
    Ok(web::Json(NotifiedDto { notified }))
}

/// Install success rates of the tools asked for, over every org (R-I7); tools without
/// attempts are left out.
#[utoipa::path(
    get, path = "/v1/admin/install-stats", tag = "modules", params(InstallStatsQuery),
    responses(
        (status = 200, description = "One rate per tool with attempts", body = InstallStatsListDto),
        (status = 400, description = "No tool id, more than 100, or a malformed one", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a platform admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn platform_install_stats(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<InstallStatsQuery>,
) -> Result<web::Json<InstallStatsListDto>, ApiError> {
    let tools: Vec<ToolId> = query
        .into_inner()
        .tool_id
        .into_iter()
        .map(ToolId::from_uuid)
        .collect();
    if tools.is_empty() || tools.len() > 100 {
        return Err(BadRequest::field("tool_id", "name 1 to 100 tools").into());
    }
    let rates = svc.installations.success_rates(&caller.0, &tools).await?;
    Ok(web::Json(InstallStatsListDto {
        target_percent: TARGET_PERCENT,
        items: rates
            .into_iter()
            .map(|(tool, rate)| InstallStatsDto::new(tool, rate))
            .collect(),
    }))
}

/// Install success rates of every tool the caller's seller publishes (R-I7).
#[utoipa::path(
    get, path = "/v1/sellers/me/install-stats", tag = "sellers",
    responses(
        (status = 200, description = "One rate per tool of the seller's with attempts", body = InstallStatsListDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn seller_install_stats(
    svc: web::Data<Services>,
    caller: Caller,
    _query: Query<NoQuery>,
) -> Result<web::Json<InstallStatsListDto>, ApiError> {
    svc.sellers.me(&caller.0).await?;
    let rates = svc.installations.seller_success_rates(&caller.0).await?;
    Ok(web::Json(InstallStatsListDto {
        target_percent: TARGET_PERCENT,
        items: rates
            .into_iter()
            .map(|(tool, rate)| InstallStatsDto::new(tool, rate))
            .collect(),
    }))
}

/// A tool's install, update and rollback attempts over every org, newest first (R-I7).
#[utoipa::path(
    get, path = "/v1/admin/tools/{id}/install-attempts", tag = "modules",
    params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, description = "A page of attempts, newest first", body = ListDto<AttemptDto>),
        (status = 400, description = "Malformed id or paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a platform admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn platform_install_attempts(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<AttemptDto>>, ApiError> {
    let page = svc
        .installations
        .attempts(
            &caller.0,
            ToolId::from_uuid(id.into_inner()),
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(ListDto::from_page(page, AttemptDto::from)))
}

/// The attempts on one of the caller's seller's tools, newest first (R-I7).
#[utoipa::path(
    get, path = "/v1/sellers/me/tools/{id}/install-attempts", tag = "sellers",
    params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, description = "A page of attempts, newest first", body = ListDto<AttemptDto>),
        (status = 400, description = "Malformed id or paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's seller does not publish this tool (or the org manages no seller)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn seller_install_attempts(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<AttemptDto>>, ApiError> {
    let page = svc
        .installations
        .seller_attempts(
            &caller.0,
            ToolId::from_uuid(id.into_inner()),
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(ListDto::from_page(page, AttemptDto::from)))
}
