//! Usage (R-U1..R-U6) at the HTTP edge: hosts report events with an API key, members and
//! keys read usage, the access answer and the org's packs, and catalog admins define
//! meters. Every rule is the metering crate's; handlers parse, call one use case and shape
//! the answer, rate-limit headers included.

pub mod dto;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, web};
use marketplace_domain::ids::ToolId;
use marketplace_metering::RateLimit;
use marketplace_metering::service::{MeterDefinition, ReportFilter};
use uuid::Uuid;

use crate::auth::{Caller, EntitlementsRead, UsageRead, UsageWrite, UserOrKey};
use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::extract::{NoQuery, Query, ValidJson};
use crate::state::Services;
use crate::usage::usage_caller;
use dto::{
    AccessDto, AccessQuery, IngestDto, MeterBody, MeterDto, PacksDto, UsageBatchBody, UsageQuery,
    UsageReportDto,
};

/// Largest batch body: 1,000 events with long ids and properties fit well below it.
pub const MAX_BATCH_BYTES: usize = 2 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/usage/events")
            .app_data(web::JsonConfig::default().limit(MAX_BATCH_BYTES))
            .route(web::post().to(report_events)),
    )
    .route("/usage", web::get().to(usage_report))
    .route("/usage/packs", web::get().to(my_packs))
    .route("/access", web::get().to(access))
    .route("/admin/tools/{id}/meters", web::post().to(define_meter));
}

/// Adds the rate-limit headers of the tightest quota the batch touched.
fn with_rate_limit(
    mut response: HttpResponseBuilder,
    limit: Option<RateLimit>,
) -> HttpResponseBuilder {
    for (name, value) in limit.iter().flat_map(RateLimit::headers) {
        response.insert_header((name, value));
    }
    response
}

/// Reports a batch of 1 to 1000 usage events (R-U2..R-U4). Each event counts once per
/// (org, id), whatever the retries; each is judged on its own, so a refused event never
/// fails the others. An id names one event for good.
#[utoipa::path(
    post, path = "/v1/usage/events", tag = "usage", request_body = UsageBatchBody,
    responses(
        (status = 202, description = "Counted, duplicates and refused events; `RateLimit-*` headers when a quota applies", body = IngestDto,
            headers(
                ("RateLimit-Limit" = u64, description = "The tightest quota the batch touched, per billing period"),
                ("RateLimit-Remaining" = u64, description = "What is left of it"),
                ("RateLimit-Reset" = u64, description = "Seconds until the billing period ends"),
            )),
        (status = 400, description = "Not a batch: malformed JSON, no events or more than 1000, a value that is not a decimal", body = ErrorBody),
        (status = 401, description = "Missing or bad API key", body = ErrorBody),
        (status = 403, description = "A key without `usage:write`, or a member's token", body = ErrorBody),
        (status = 429, description = "Every event is over a hard quota (`quota_exceeded`); the refused events in `details`", body = ErrorBody,
            headers(
                ("RateLimit-Limit" = u64, description = "The hard quota"),
                ("RateLimit-Remaining" = u64, description = "What is left of it"),
                ("RateLimit-Reset" = u64, description = "Seconds until the billing period ends"),
                ("Retry-After" = u64, description = "Seconds until the quota resets"),
            )),
    ),
    security(("api_key" = ["usage:write"]))
)]
pub async fn report_events(
    svc: web::Data<Services>,
    caller: UserOrKey<UsageWrite>,
    body: ValidJson<UsageBatchBody>,
) -> Result<HttpResponse, ApiError> {
    let inputs = body.into_inner().into_inputs()?;
    let answer = svc
        .usage
        .ingest
        .ingest(&usage_caller(&caller.0), &inputs, svc.clock.now())
        .await?;
    let dto = IngestDto::from(&answer);
    if answer.quota_exceeded() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: "quota_exceeded",
                message: "every event of the batch is over a hard quota".to_owned(),
                reason: None,
                details: dto
                    .rejected
                    .iter()
                    .map(|r| serde_json::json!({"id": r.id, "code": r.code, "message": r.message}))
                    .collect(),
            },
        };
        return Ok(with_rate_limit(
            HttpResponse::build(StatusCode::TOO_MANY_REQUESTS),
            answer.rate_limit(),
        )
        .json(body));
    }
    Ok(with_rate_limit(HttpResponse::Accepted(), answer.rate_limit()).json(dto))
}

/// The org's usage per UTC day or month of the events' timestamps, every bucket of the
/// range listed for each meter with usage (zero where nothing was counted).
#[utoipa::path(
    get, path = "/v1/usage", tag = "usage", params(UsageQuery),
    responses(
        (status = 200, description = "One series per meter", body = UsageReportDto),
        (status = 400, description = "Malformed or empty range, over 400 buckets, a meter without its tool", body = ErrorBody),
        (status = 401, description = "Missing or bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `usage:read`", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = ["usage:read"]))
)]
pub async fn usage_report(
    svc: web::Data<Services>,
    caller: UserOrKey<UsageRead>,
    query: Query<UsageQuery>,
) -> Result<web::Json<UsageReportDto>, ApiError> {
    let request = query.into_inner().into_request(svc.clock.now())?;
    let filter = match (request.tool, request.meter) {
        (None, _) => ReportFilter::All,
        (Some(tool), None) => ReportFilter::Tool(tool),
        (Some(tool), Some(meter)) => ReportFilter::Meter(tool, meter),
    };
    let report = svc
        .usage
        .reports
        .report(&usage_caller(&caller.0), &request.range, &filter)
        .await?;
    Ok(web::Json(report.into()))
}

/// May the org use the tool, and how much of the meter is left this period (R-U6): one
/// entitlement read and one total row, for a host to ask before serving.
#[utoipa::path(
    get, path = "/v1/access", tag = "usage", params(AccessQuery),
    responses(
        (status = 200, description = "The answer; `has_access` false for a tool the org does not hold", body = AccessDto),
        (status = 400, description = "Malformed tool id or meter key", body = ErrorBody),
        (status = 401, description = "Missing or bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `entitlements:read`", body = ErrorBody),
        (status = 422, description = "The tool defines no such meter (`unknown_meter`)", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = ["entitlements:read"]))
)]
pub async fn access(
    svc: web::Data<Services>,
    caller: UserOrKey<EntitlementsRead>,
    query: Query<AccessQuery>,
) -> Result<web::Json<AccessDto>, ApiError> {
    let query = query.into_inner();
    let meter = query.meter()?;
    let answer = svc
        .usage
        .access
        .access(
            &usage_caller(&caller.0),
            ToolId::from_uuid(query.tool_id),
            meter.as_ref(),
            svc.clock.now(),
        )
        .await?;
    Ok(web::Json(AccessDto::from(&answer)))
}

/// The org's packs: each subscription with its plan, this period's usage and quota per
/// meter, and the overage so far.
#[utoipa::path(
    get, path = "/v1/usage/packs", tag = "usage",
    responses(
        (status = 200, description = "One pack per subscribed tool", body = PacksDto),
        (status = 401, description = "Missing or bad token or API key", body = ErrorBody),
        (status = 403, description = "An API key without `usage:read`", body = ErrorBody),
    ),
    security(("bearer" = []), ("api_key" = ["usage:read"]))
)]
pub async fn my_packs(
    svc: web::Data<Services>,
    caller: UserOrKey<UsageRead>,
    _query: Query<NoQuery>,
) -> Result<web::Json<PacksDto>, ApiError> {
    let packs = svc
        .usage
        .packs
        .packs(&usage_caller(&caller.0), svc.clock.now())
        .await?;
    Ok(web::Json(PacksDto {
        packs: packs.into_iter().map(Into::into).collect(),
    }))
}

/// Defines a meter of a tool (R-U1); plans' quotas and usage events name it by key. The
/// same definition again changes nothing (200).
#[utoipa::path(
    post, path = "/v1/admin/tools/{id}/meters", tag = "admin",
    params(("id" = Uuid, Path, description = "Tool id")), request_body = MeterBody,
    responses(
        (status = 201, description = "The meter, defined", body = MeterDto),
        (status = 200, description = "The meter was already defined so", body = MeterDto),
        (status = 400, description = "Malformed id or body (key, unit, distinct_by)", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool", body = ErrorBody),
        (status = 409, description = "The tool defines this key differently (`meter_taken`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn define_meter(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<MeterBody>,
) -> Result<HttpResponse, ApiError> {
    let tool = id.into_inner();
    let meter = body.into_inner().try_into()?;
    let defined = svc
        .usage
        .meters
        .define(&caller.0, ToolId::from_uuid(tool), meter)
        .await?;
    let dto = MeterDto::new(tool, &defined);
    Ok(match defined {
        MeterDefinition::Created(_) => HttpResponse::Created().json(dto),
        MeterDefinition::Unchanged(_) => HttpResponse::Ok().json(dto),
    })
}
