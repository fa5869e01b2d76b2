//! Platform administration: catalog edits, orgs and credits, invoices, refunds.

use actix_web::{HttpResponse, web};
use marketplace_domain::catalog::{
    BundleDraft, BundlePatch, BundleStatus, ToolDraft, ToolPatch, ToolStatus,
};
use marketplace_domain::checkout::Confirmation;
use marketplace_domain::ids::{BundleId, OrderId, OrgId, PurchaseId, SellerId, ToolId};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{
    BundleDto, BundlePatchBody, CreditsBody, MoneyDto, NewBundleBody, NewToolBody, OrderDto,
    OrgBody, OrgDto, PurchaseDto, RefundBody, ToolDto, ToolPatchBody,
};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ValidJson;
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/tools", web::post().to(create_tool))
        .route("/admin/tools/{id}", web::patch().to(update_tool))
        .route("/admin/bundles", web::post().to(create_bundle))
        .route("/admin/bundles/{id}", web::patch().to(update_bundle))
        .route("/admin/orgs/{id}", web::put().to(put_org))
        .route("/admin/orgs/{id}/credits", web::post().to(grant_credits))
        .route("/admin/orders/{id}/mark-paid", web::post().to(mark_paid))
        .route("/admin/purchases/{id}/refund", web::post().to(refund));
}

fn money_field(
    field: &'static str,
    m: &MoneyDto,
) -> Result<marketplace_domain::money::Money, ApiError> {
    m.parse().map_err(|e| {
        ApiError::bad_request(
            format!("invalid {field}"),
            vec![json!({"field": field, "message": e})],
        )
    })
}

fn decimal_field(field: &'static str, raw: Option<&String>) -> Result<Option<Decimal>, ApiError> {
    raw.map(|r| {
        r.trim().parse::<Decimal>().map_err(|_| {
            ApiError::bad_request(
                format!("invalid {field}"),
                vec![json!({"field": field, "message": "must be a decimal string"})],
            )
        })
    })
    .transpose()
}

/// Adds a tool to the catalog.
#[utoipa::path(
    post, path = "/v1/admin/tools", tag = "admin", request_body = NewToolBody,
    responses(
        (status = 201, description = "The tool", body = ToolDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 422, description = "A rule is broken (price vs price model, URL, version, seller)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_tool(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<NewToolBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let price = money_field("price", &b.price)?;
    let draft = ToolDraft {
        name: b.name,
        description: b.description,
        long_description: b.long_description,
        category: b.category.0,
        tags: b.tags,
        price_model: b.price_model.0,
        price: price.amount(),
        currency: price.currency().code().to_owned(),
        required_tier: b.required_tier.0,
        integration_type: b.integration_type.0,
        status: b.status.map_or(ToolStatus::Active, |s| s.0),
        seller_id: SellerId::from_uuid(b.seller_id),
        documentation_url: b.documentation_url,
        demo_url: b.demo_url,
        support_url: b.support_url,
        icon_url: b.icon_url,
        version: b.version,
        is_featured: b.is_featured,
    };
    let tool = svc.catalog.create_tool(&caller.0, draft).await?;
    Ok(HttpResponse::Created().json(ToolDto::from(tool)))
}

/// Edits some of a tool's fields.
#[utoipa::path(
    patch, path = "/v1/admin/tools/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = ToolPatchBody,
    responses(
        (status = 200, description = "The tool", body = ToolDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
        (status = 422, description = "A rule is broken", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_tool(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ToolPatchBody>,
) -> Result<web::Json<ToolDto>, ApiError> {
    let b = body.into_inner();
    let patch = ToolPatch {
        price: decimal_field("price", b.price.as_ref())?,
        name: b.name,
        description: b.description,
        category: b.category.map(|c| c.0),
        tags: b.tags,
        price_model: b.price_model.map(|p| p.0),
        required_tier: b.required_tier.map(|t| t.0),
        integration_type: b.integration_type.map(|i| i.0),
        status: b.status.map(|s| s.0),
        seller_id: b.seller_id.map(SellerId::from_uuid),
        version: b.version,
        is_featured: b.is_featured,
    };
    let tool = svc
        .catalog
        .update_tool(&caller.0, ToolId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(web::Json(tool.into()))
}

/// Adds a bundle over existing tools (R-C4).
#[utoipa::path(
    post, path = "/v1/admin/bundles", tag = "admin", request_body = NewBundleBody,
    responses(
        (status = 201, description = "The bundle", body = BundleDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 422, description = "A rule is broken (unknown tool, duplicate, currency)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_bundle(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<NewBundleBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let price = money_field("price", &b.price)?;
    let draft = BundleDraft {
        name: b.name,
        description: b.description,
        price: price.amount(),
        currency: price.currency().code().to_owned(),
        required_tier: b.required_tier.0,
        status: b.status.map_or(BundleStatus::Active, |s| s.0),
        tool_ids: b.tool_ids.into_iter().map(ToolId::from_uuid).collect(),
        is_featured: b.is_featured,
    };
    let bundle = svc.catalog.create_bundle(&caller.0, draft).await?;
    Ok(HttpResponse::Created().json(BundleDto::from(bundle)))
}

/// Edits some of a bundle's fields.
#[utoipa::path(
    patch, path = "/v1/admin/bundles/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = BundlePatchBody,
    responses(
        (status = 200, description = "The bundle", body = BundleDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such bundle", body = ErrorBody),
        (status = 422, description = "A rule is broken", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_bundle(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<BundlePatchBody>,
) -> Result<web::Json<BundleDto>, ApiError> {
    let b = body.into_inner();
    let patch = BundlePatch {
        price: decimal_field("price", b.price.as_ref())?,
        name: b.name,
        description: b.description,
        required_tier: b.required_tier.map(|t| t.0),
        status: b.status.map(|s| s.0),
        tool_ids: b
            .tool_ids
            .map(|ids| ids.into_iter().map(ToolId::from_uuid).collect()),
        is_featured: b.is_featured,
    };
    let bundle = svc
        .catalog
        .update_bundle(&caller.0, BundleId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(web::Json(bundle.into()))
}

/// Creates or updates an org as the platform knows it (name and tier).
#[utoipa::path(
    put, path = "/v1/admin/orgs/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = OrgBody,
    responses(
        (status = 200, description = "The org", body = OrgDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_org(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<OrgBody>,
) -> Result<web::Json<OrgDto>, ApiError> {
    let b = body.into_inner();
    let org = svc
        .orgs
        .upsert(
            &caller.0,
            OrgId::from_uuid(id.into_inner()),
            &b.name,
            b.tier.0,
        )
        .await?;
    Ok(web::Json(org.into()))
}

/// Grants platform credits to an org (R-O3).
#[utoipa::path(
    post, path = "/v1/admin/orgs/{id}/credits", tag = "admin", params(("id" = Uuid, Path)), request_body = CreditsBody,
    responses(
        (status = 200, description = "The org with its new balance", body = OrgDto),
        (status = 400, description = "Malformed id, body or amount", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such org", body = ErrorBody),
        (status = 422, description = "Amount not above zero, or another currency than the balance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn grant_credits(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreditsBody>,
) -> Result<web::Json<OrgDto>, ApiError> {
    let amount = money_field("amount", &body.into_inner().amount)?;
    let org = svc
        .orgs
        .grant_credits(&caller.0, OrgId::from_uuid(id.into_inner()), amount)
        .await?;
    Ok(web::Json(org.into()))
}

/// Settles an INVOICE order, which is then fulfilled (R-O3, R-O4).
#[utoipa::path(
    post, path = "/v1/admin/orders/{id}/mark-paid", tag = "admin", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The order (FULFILLED, or FAILED with already_owned)", body = OrderDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "wrong_payment_method or illegal_state", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_paid(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let order = match svc
        .checkout
        .mark_paid(&caller.0, OrderId::from_uuid(id.into_inner()))
        .await?
    {
        Confirmation::Fulfilled(o) | Confirmation::AlreadyFulfilled(o) => o,
        Confirmation::FailedAlreadyOwned { order, .. } => order,
    };
    Ok(web::Json(order.into()))
}

/// Refunds a purchase in full (no amount) or in part; a full refund ends its entitlements
/// (R-E2) and the ledger gets the reverse posting (R-M5).
#[utoipa::path(
    post, path = "/v1/admin/purchases/{id}/refund", tag = "admin", params(("id" = Uuid, Path)), request_body = RefundBody,
    responses(
        (status = 200, description = "The purchase", body = PurchaseDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such purchase", body = ErrorBody),
        (status = 409, description = "illegal_state", body = ErrorBody),
        (status = 422, description = "refund_too_large or invalid_refund", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn refund(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<RefundBody>,
) -> Result<web::Json<PurchaseDto>, ApiError> {
    let amount = body
        .into_inner()
        .amount
        .as_ref()
        .map(|m| money_field("amount", m))
        .transpose()?;
    let purchase = svc
        .purchases
        .refund(&caller.0, PurchaseId::from_uuid(id.into_inner()), amount)
        .await?;
    Ok(web::Json(purchase.into()))
}
