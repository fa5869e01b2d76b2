//! Seller statements (R-M6), as JSON or CSV, for the seller's own users and platform
//! admins; and the platform's monthly revenue report, per seller or per tool.

pub mod csv;
pub mod dto;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use marketplace_domain::ids::SellerId;
use marketplace_domain::seller::SellerStatement;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::state::Services;
use csv::statement_csv;
use dto::{ReportQuery, ReportRequest, RevenueReportDto, StatementDto, StatementQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The caller's own routes come first: `/sellers/{id}` would also match `me`.
    cfg.route("/admin/reports/revenue", web::get().to(revenue_report))
        .route("/sellers/me/statements", web::get().to(my_statement))
        .route(
            "/sellers/me/statements.csv",
            web::get().to(my_statement_csv),
        )
        .route("/sellers/{id}/statements", web::get().to(seller_statement));
}

/// The platform's revenue in a month, per seller or per tool, from the ledger.
#[utoipa::path(
    get, path = "/v1/admin/reports/revenue", tag = "sellers", params(ReportQuery),
    responses(
        (status = 200, description = "The month's revenue", body = RevenueReportDto),
        (status = 400, description = "Missing or malformed month, by or currency", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revenue_report(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<ReportQuery>,
) -> Result<web::Json<RevenueReportDto>, ApiError> {
    let ReportRequest {
        month,
        currency,
        by,
    } = query.into_inner().try_into()?;
    let report = svc
        .sellers
        .revenue_report(&caller.0, month, currency, by)
        .await?;
    let sellers = svc.sellers.list(&caller.0).await?;
    Ok(web::Json(RevenueReportDto::new(&report, &sellers)))
}

fn csv_response(s: &SellerStatement) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"statement-{}.csv\"",
                s.statement.month
            ),
        ))
        .body(statement_csv(s))
}

/// JSON, or CSV when the caller accepts `text/csv`.
fn negotiated(req: &HttpRequest, s: &SellerStatement) -> HttpResponse {
    let wants_csv = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    if wants_csv {
        csv_response(s)
    } else {
        HttpResponse::Ok().json(StatementDto::from(s))
    }
}

/// The caller's seller's statement for a month (R-M6): JSON, or CSV with
/// `Accept: text/csv`. A month without activity is an empty statement.
#[utoipa::path(
    get, path = "/v1/sellers/me/statements", tag = "sellers", params(StatementQuery),
    responses(
        (status = 200, description = "The statement (text/csv too, with Accept: text/csv)", body = StatementDto),
        (status = 400, description = "Missing or malformed month", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_statement(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<StatementQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let statement = svc
        .sellers
        .statement(&caller.0, query.into_inner().try_into()?)
        .await?;
    Ok(negotiated(&req, &statement))
}

/// The caller's seller's statement for a month as CSV (R-M6).
#[utoipa::path(
    get, path = "/v1/sellers/me/statements.csv", tag = "sellers", params(StatementQuery),
    responses(
        (status = 200, description = "The statement as CSV: tool rows, TOTAL, balances", body = String, content_type = "text/csv"),
        (status = 400, description = "Missing or malformed month", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_statement_csv(
    svc: web::Data<Services>,
    caller: Caller,
    query: Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let statement = svc
        .sellers
        .statement(&caller.0, query.into_inner().try_into()?)
        .await?;
    Ok(csv_response(&statement))
}

/// A seller's statement for a month, for platform catalog admins and the seller's own
/// users: JSON, or CSV with `Accept: text/csv`. Any other caller gets 404.
#[utoipa::path(
    get, path = "/v1/sellers/{id}/statements", tag = "sellers",
    params(("id" = Uuid, Path), StatementQuery),
    responses(
        (status = 200, description = "The statement (text/csv too, with Accept: text/csv)", body = StatementDto),
        (status = 400, description = "Malformed id, missing or malformed month", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such seller, or not the caller's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn seller_statement(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: Query<StatementQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let statement = svc
        .sellers
        .statement_of(
            &caller.0,
            SellerId::from_uuid(id.into_inner()),
            query.into_inner().try_into()?,
        )
        .await?;
    Ok(negotiated(&req, &statement))
}
