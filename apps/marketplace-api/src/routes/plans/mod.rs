//! Catalog admins' plan edits (R-B1, R-B4): add a plan to a tool or a bundle, edit or
//! archive one. Buyers see the plans in GET /v1/tools/{id} and GET /v1/bundles/{id}.

pub mod dto;

use actix_web::{HttpResponse, web};
use marketplace_domain::access::Actor;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ids::{BundleId, ToolId};
use marketplace_domain::plan::PlanCode;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{BadRequest, ValidJson};
use crate::state::Services;
use dto::{NewPlanBody, PlanDto, PlanPatchBody};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/tools/{id}/plans", web::post().to(add_tool_plan))
        .route(
            "/admin/tools/{id}/plans/{code}",
            web::patch().to(edit_tool_plan),
        )
        .route("/admin/bundles/{id}/plans", web::post().to(add_bundle_plan))
        .route(
            "/admin/bundles/{id}/plans/{code}",
            web::patch().to(edit_bundle_plan),
        );
}

async fn add(
    svc: &Services,
    actor: &Actor,
    item: ItemRef,
    body: NewPlanBody,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_draft()?;
    let plan = svc.plans.add(actor, item, draft).await?;
    let lineup = svc.plans.plans(actor, item).await?;
    let is_default = lineup.default_plan().is_some_and(|d| d.id() == plan.id());
    Ok(HttpResponse::Created().json(PlanDto::new(&plan, is_default)))
}

async fn edit(
    svc: &Services,
    actor: &Actor,
    item: ItemRef,
    code: &str,
    body: PlanPatchBody,
) -> Result<web::Json<PlanDto>, ApiError> {
    // A code outside the grammar names no plan.
    let code = PlanCode::parse(code).map_err(|e| BadRequest::field("code", e.to_string()))?;
    let current = svc.plans.plan(actor, item, &code).await?;
    let edit = body.into_edit(current.currency())?;
    let plan = svc.plans.edit(actor, item, &code, edit).await?;
    let lineup = svc.plans.plans(actor, item).await?;
    let is_default = lineup.default_plan().is_some_and(|d| d.id() == plan.id());
    Ok(web::Json(PlanDto::new(&plan, is_default)))
}

/// Adds a plan to a tool, after its others (R-B1).
#[utoipa::path(
    post, path = "/v1/admin/tools/{id}/plans", tag = "admin",
    params(("id" = Uuid, Path, description = "Tool id")), request_body = NewPlanBody,
    responses(
        (status = 201, description = "The plan", body = PlanDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
        (status = 409, description = "The tool already has a plan of that code (`duplicate_plan`)", body = ErrorBody),
        (status = 422, description = "The plan breaks R-B1 (code, trial, quotas, overage, currency)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_tool_plan(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<NewPlanBody>,
) -> Result<HttpResponse, ApiError> {
    let item = ItemRef::Tool(ToolId::from_uuid(id.into_inner()));
    add(&svc, &caller.0, item, body.into_inner()).await
}

/// Edits or archives a tool's plan; a sold plan's price and interval are fixed (R-B1).
#[utoipa::path(
    patch, path = "/v1/admin/tools/{id}/plans/{code}", tag = "admin",
    params(("id" = Uuid, Path, description = "Tool id"), ("code" = String, Path, description = "Plan code")),
    request_body = PlanPatchBody,
    responses(
        (status = 200, description = "The plan", body = PlanDto),
        (status = 400, description = "Malformed id, code or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool or plan", body = ErrorBody),
        (status = 409, description = "The plan has been sold: its price and interval are fixed (`plan_sold`)", body = ErrorBody),
        (status = 422, description = "The edit breaks R-B1", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn edit_tool_plan(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
    body: ValidJson<PlanPatchBody>,
) -> Result<web::Json<PlanDto>, ApiError> {
    let (id, code) = path.into_inner();
    let item = ItemRef::Tool(ToolId::from_uuid(id));
    edit(&svc, &caller.0, item, &code, body.into_inner()).await
}

/// Adds a plan to a bundle (R-B4: one interval per bundle; a recurring bundle needs each
/// of its tools on sale at that interval).
#[utoipa::path(
    post, path = "/v1/admin/bundles/{id}/plans", tag = "admin",
    params(("id" = Uuid, Path, description = "Bundle id")), request_body = NewPlanBody,
    responses(
        (status = 201, description = "The plan", body = PlanDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such bundle", body = ErrorBody),
        (status = 409, description = "The bundle already has a plan of that code (`duplicate_plan`)", body = ErrorBody),
        (status = 422, description = "The plan breaks R-B1 or R-B4 (`mixed_intervals`, `bundle_plan`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_bundle_plan(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<NewPlanBody>,
) -> Result<HttpResponse, ApiError> {
    let item = ItemRef::Bundle(BundleId::from_uuid(id.into_inner()));
    add(&svc, &caller.0, item, body.into_inner()).await
}

/// Edits or archives a bundle's plan; a sold plan's price and interval are fixed (R-B1).
#[utoipa::path(
    patch, path = "/v1/admin/bundles/{id}/plans/{code}", tag = "admin",
    params(("id" = Uuid, Path, description = "Bundle id"), ("code" = String, Path, description = "Plan code")),
    request_body = PlanPatchBody,
    responses(
        (status = 200, description = "The plan", body = PlanDto),
        (status = 400, description = "Malformed id, code or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such bundle or plan", body = ErrorBody),
        (status = 409, description = "The plan has been sold: its price and interval are fixed (`plan_sold`)", body = ErrorBody),
        (status = 422, description = "The edit breaks R-B1 or R-B4", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn edit_bundle_plan(
    svc: web::Data<Services>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
    body: ValidJson<PlanPatchBody>,
) -> Result<web::Json<PlanDto>, ApiError> {
    let (id, code) = path.into_inner();
    let item = ItemRef::Bundle(BundleId::from_uuid(id));
    edit(&svc, &caller.0, item, &code, body.into_inner()).await
}
