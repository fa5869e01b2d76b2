//! Sellers: administration (create, edit, assign tools, revenue reports) and the seller's
//! own view (profile, monthly statements as JSON or CSV, payouts, Stripe Connect
//! onboarding). A seller's users are the members of the org that manages it; any other
//! caller gets 404, never a hint that the seller exists.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use garde::Validate;
use marketplace_domain::checkout::PaymentError;
use marketplace_domain::ids::{OrgId, SellerId, ToolId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::revenue::{SellerKind, StatementLine, YearMonth};
use marketplace_domain::seller::{
    NewSeller, Payout, ReportBy, ReportKey, ReportRow, RevenueReport, Seller, SellerError,
    SellerPatch, SellerStatement,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::MoneyDto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ValidJson, only_keys, query_value};
use crate::state::Services;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/sellers", web::post().to(create_seller))
        .route("/admin/sellers", web::get().to(list_sellers))
        .route("/admin/sellers/{id}", web::patch().to(update_seller))
        .route("/admin/tools/{id}/seller", web::put().to(assign_tool))
        .route("/admin/reports/revenue", web::get().to(revenue_report))
        .route("/sellers/me", web::get().to(my_seller))
        .route("/sellers/me/statements", web::get().to(my_statement))
        .route(
            "/sellers/me/statements.csv",
            web::get().to(my_statement_csv),
        )
        .route("/sellers/me/payouts", web::get().to(my_payouts))
        .route("/sellers/{id}/statements", web::get().to(seller_statement))
        .route("/sellers/me/connect", web::post().to(start_onboarding));
}

// --- errors ------------------------------------------------------------------------------

/// Every seller error in the API's shape.
fn seller_error(e: SellerError) -> ApiError {
    let message = e.to_string();
    let conflict = |reason: &'static str| ApiError::Conflict {
        reason,
        message: message.clone(),
        details: vec![],
    };
    match e {
        SellerError::Forbidden(f) => ApiError::Forbidden {
            reason: None,
            message: f.to_string(),
            details: vec![],
        },
        SellerError::NotFound => ApiError::NotFound,
        SellerError::Invalid(faults) => ApiError::unprocessable(
            "invalid_fields",
            "some fields are invalid",
            faults
                .iter()
                .map(|f| json!({"field": f.field, "message": f.message}))
                .collect(),
        ),
        SellerError::OrgTaken => conflict("org_manages_a_seller"),
        SellerError::AccountTaken => conflict("connect_account_taken"),
        SellerError::OrgAdminRequired => ApiError::Forbidden {
            reason: Some("org_admin_required"),
            message,
            details: vec![],
        },
        SellerError::PlatformSeller => conflict("platform_seller"),
        SellerError::ConnectNotConfigured => conflict("connect_not_configured"),
        SellerError::Payment(p) => p.into(),
        SellerError::Infrastructure(e) => ApiError::Internal(anyhow::Error::new(e)),
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    let message = message.into();
    ApiError::bad_request(
        format!("invalid {field}"),
        vec![json!({"field": field, "message": message})],
    )
}

fn money_field(field: &'static str, m: &MoneyDto) -> Result<Money, ApiError> {
    m.parse().map_err(|e| invalid(field, e))
}

fn rate_field(raw: &str) -> Result<Decimal, ApiError> {
    raw.trim()
        .parse::<Decimal>()
        .map_err(|_| invalid("fee_rate", "must be a decimal string such as \"0.05\""))
}

fn kind_field(raw: &str) -> Result<SellerKind, ApiError> {
    match raw {
        "PLATFORM" => Ok(SellerKind::Platform),
        "THIRD_PARTY" => Ok(SellerKind::ThirdParty),
        _ => Err(invalid("kind", "must be PLATFORM or THIRD_PARTY")),
    }
}

const fn kind_label(kind: SellerKind) -> &'static str {
    match kind {
        SellerKind::Platform => "PLATFORM",
        SellerKind::ThirdParty => "THIRD_PARTY",
    }
}

/// `?month=YYYY-MM`, required.
fn month_param(req: &HttpRequest) -> Result<YearMonth, ApiError> {
    let raw = query_value(req, "month").ok_or_else(|| invalid("month", "required, as YYYY-MM"))?;
    YearMonth::parse(&raw).map_err(|e| invalid("month", e.to_string()))
}

// --- shapes ------------------------------------------------------------------------------

/// A seller's connected account (Stripe Connect).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectDto {
    #[schema(example = "acct_1NewSeller")]
    pub account_id: String,
    /// Whether Stripe lets the account receive payouts (onboarding complete).
    pub payouts_enabled: bool,
}

/// A seller.
#[derive(Debug, Serialize, ToSchema)]
pub struct SellerDto {
    pub id: Uuid,
    pub name: String,
    /// PLATFORM or THIRD_PARTY.
    pub kind: &'static str,
    /// The platform's share of each sale, 0..=1 (the platform keeps all of its own).
    #[schema(example = "0.05")]
    pub fee_rate: String,
    /// The org whose users manage the seller.
    pub org_id: Option<Uuid>,
    pub connect: Option<ConnectDto>,
    /// Below this a month's balance is carried to the next.
    pub payout_minimum: MoneyDto,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<&Seller> for SellerDto {
    fn from(s: &Seller) -> Self {
        Self {
            id: s.id().as_uuid(),
            name: s.name().to_owned(),
            kind: kind_label(s.kind()),
            fee_rate: s.fee_rate().value().normalize().to_string(),
            org_id: s.org_id().map(|o| o.as_uuid()),
            connect: s.connect().map(|c| ConnectDto {
                account_id: c.account_id.clone(),
                payouts_enabled: c.payouts_enabled,
            }),
            payout_minimum: s.payout().minimum().into(),
            created_at: s.created_at(),
        }
    }
}

/// The caller's seller with the tools it sells.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySellerDto {
    #[serde(flatten)]
    pub seller: SellerDto,
    pub tool_ids: Vec<Uuid>,
}

/// POST /v1/admin/sellers.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSellerBody {
    #[garde(length(chars, min = 1, max = 200))]
    pub name: String,
    /// PLATFORM or THIRD_PARTY (the default).
    #[garde(skip)]
    pub kind: Option<String>,
    /// 0..=1 as a decimal string; "0.05" when absent.
    #[garde(skip)]
    pub fee_rate: Option<String>,
    /// The org whose users manage the seller.
    #[garde(skip)]
    pub org_id: Option<Uuid>,
    /// 25.00 USD when absent.
    #[garde(skip)]
    pub payout_minimum: Option<MoneyDto>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// PATCH /v1/admin/sellers/{id}: absent fields are kept; `"org_id": null` detaches the
/// seller from its org.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerPatchBody {
    #[garde(inner(length(chars, min = 1, max = 200)))]
    pub name: Option<String>,
    #[garde(skip)]
    pub kind: Option<String>,
    #[garde(skip)]
    pub fee_rate: Option<String>,
    #[garde(skip)]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub org_id: Option<Option<Uuid>>,
    #[garde(skip)]
    pub payout_minimum: Option<MoneyDto>,
}

/// PUT /v1/admin/tools/{id}/seller.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignToolBody {
    #[garde(skip)]
    pub seller_id: Uuid,
}

/// A tool and its seller.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolSellerDto {
    pub tool_id: Uuid,
    pub seller_id: Uuid,
}

/// One tool on a statement: `gross − fees − refunds == net`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLineDto {
    pub tool_id: Option<Uuid>,
    /// Sales of the tool in the month.
    pub units: u32,
    pub gross: MoneyDto,
    /// What the platform kept, after giving back its share of refunds.
    pub fees: MoneyDto,
    /// What buyers got back.
    pub refunds: MoneyDto,
    /// The change in what the seller is owed.
    pub net: MoneyDto,
}

fn line_dto(
    tool_id: Option<ToolId>,
    units: u32,
    [gross, fees, refunds, net]: [Money; 4],
) -> StatementLineDto {
    StatementLineDto {
        tool_id: tool_id.map(|t| t.as_uuid()),
        units,
        gross: gross.into(),
        fees: fees.into(),
        refunds: refunds.into(),
        net: net.into(),
    }
}

/// A seller's month (R-M6): per tool, with totals equal to the ledger's, framed by the
/// balance carried in and out (negative after a refund that followed a payout).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    pub seller_id: Uuid,
    #[schema(example = "2025-03")]
    pub month: String,
    pub currency: String,
    /// Sorted by tool id; empty for a month without activity.
    pub lines: Vec<StatementLineDto>,
    /// The sums of the lines (`tool_id` is null).
    pub totals: StatementLineDto,
    /// Owed at the start of the month.
    pub opening_balance: MoneyDto,
    /// Moved to the seller's Stripe account during the month (net of reversals).
    pub payouts: MoneyDto,
    /// Owed at the end of the month; carried to the next.
    pub closing_balance: MoneyDto,
}

impl From<&SellerStatement> for StatementDto {
    fn from(s: &SellerStatement) -> Self {
        let st = &s.statement;
        let line = |l: &StatementLine| {
            line_dto(
                Some(l.tool_id),
                l.units,
                [l.gross, l.fees, l.refunds, l.net],
            )
        };
        let t = &st.totals;
        Self {
            seller_id: st.seller_id.as_uuid(),
            month: st.month.to_string(),
            currency: st.currency.code().to_owned(),
            lines: st.lines.iter().map(line).collect(),
            totals: line_dto(None, t.units, [t.gross, t.fees, t.refunds, t.net]),
            opening_balance: s.opening.into(),
            payouts: s.payouts.into(),
            closing_balance: s.closing.into(),
        }
    }
}

/// The CSV rendering of a statement: a header, one row per tool, a `TOTAL` row, then the
/// balances; amounts in the currency's minor unit, as in JSON.
#[must_use]
pub fn statement_csv(s: &SellerStatement) -> String {
    let st = &s.statement;
    let amount = |m: Money| MoneyDto::from(m).amount;
    let mut out = String::from("tool_id,units,gross,fees,refunds,net,currency\n");
    let currency = st.currency.code();
    for l in &st.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{currency}\n",
            l.tool_id,
            l.units,
            amount(l.gross),
            amount(l.fees),
            amount(l.refunds),
            amount(l.net),
        ));
    }
    let t = &st.totals;
    out.push_str(&format!(
        "TOTAL,{},{},{},{},{},{currency}\n",
        t.units,
        amount(t.gross),
        amount(t.fees),
        amount(t.refunds),
        amount(t.net),
    ));
    for (name, m) in [
        ("OPENING_BALANCE", s.opening),
        ("PAYOUTS", s.payouts),
        ("CLOSING_BALANCE", s.closing),
    ] {
        out.push_str(&format!("{name},,,,,{},{currency}\n", amount(m)));
    }
    out
}

/// A payout of one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutDto {
    pub id: Uuid,
    #[schema(example = "2025-03")]
    pub month: String,
    pub amount: MoneyDto,
    /// PENDING, PAID or FAILED.
    pub status: &'static str,
    pub transfer_id: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&Payout> for PayoutDto {
    fn from(p: &Payout) -> Self {
        Self {
            id: p.id.as_uuid(),
            month: p.month.to_string(),
            amount: p.amount.into(),
            status: p.status.as_str(),
            transfer_id: p.transfer_id.clone(),
            failure_reason: p.failure_reason.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// POST /v1/sellers/me/connect.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectBody {
    /// Where Stripe sends the seller when the link has expired (an http(s) URL).
    #[garde(length(chars, min = 1, max = 2000))]
    pub refresh_url: String,
    /// Where Stripe sends the seller when onboarding is done (an http(s) URL).
    #[garde(length(chars, min = 1, max = 2000))]
    pub return_url: String,
}

/// Where onboarding continues.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardingDto {
    pub account_id: String,
    /// A one-time Stripe link; ask again when it expires.
    pub url: String,
}

/// One row of a revenue report: `gross − refunds == platform_revenue + seller_net`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRowDto {
    /// by=seller: the seller (null: the platform's own tools).
    pub seller_id: Option<Uuid>,
    /// by=seller: the seller's name, or "Platform (own tools)".
    pub seller_name: Option<String>,
    /// by=tool: the tool.
    pub tool_id: Option<Uuid>,
    pub units: u32,
    pub gross: MoneyDto,
    pub refunds: MoneyDto,
    /// Fees and the platform's own tools, net of their share of refunds.
    pub platform_revenue: MoneyDto,
    /// The change in what sellers are owed.
    pub seller_net: MoneyDto,
}

/// The platform's revenue in a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueReportDto {
    #[schema(example = "2025-03")]
    pub month: String,
    pub currency: String,
    /// seller or tool.
    pub by: &'static str,
    pub rows: Vec<ReportRowDto>,
    /// The month's totals; `platform_revenue` is the platform's revenue for the month.
    pub totals: ReportRowDto,
}

fn report_dto(r: &RevenueReport, sellers: &[Seller]) -> RevenueReportDto {
    let row = |row: &ReportRow| {
        let (seller_id, seller_name, tool_id) = match row.key {
            ReportKey::Seller(Some(s)) => (
                Some(s.as_uuid()),
                sellers
                    .iter()
                    .find(|x| x.id() == s)
                    .map(|x| x.name().to_owned()),
                None,
            ),
            ReportKey::Seller(None) => (None, Some("Platform (own tools)".to_owned()), None),
            ReportKey::Tool(t) => (None, None, Some(t.as_uuid())),
        };
        ReportRowDto {
            seller_id,
            seller_name,
            tool_id,
            units: row.units,
            gross: row.gross.into(),
            refunds: row.refunds.into(),
            platform_revenue: row.platform_revenue.into(),
            seller_net: row.seller_net.into(),
        }
    };
    let t = &r.totals;
    RevenueReportDto {
        month: r.month.to_string(),
        currency: r.currency.code().to_owned(),
        by: match r.by {
            ReportBy::Seller => "seller",
            ReportBy::Tool => "tool",
        },
        rows: r.rows.iter().map(row).collect(),
        totals: ReportRowDto {
            seller_id: None,
            seller_name: None,
            tool_id: None,
            units: t.units,
            gross: t.gross.into(),
            refunds: t.refunds.into(),
            platform_revenue: t.platform_revenue.into(),
            seller_net: t.seller_net.into(),
        },
    }
}

// --- administration ----------------------------------------------------------------------

/// Adds a seller (platform catalog admins).
#[utoipa::path(
    post, path = "/v1/admin/sellers", tag = "sellers", request_body = NewSellerBody,
    responses(
        (status = 201, description = "The seller", body = SellerDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 409, description = "The org already manages a seller (`org_manages_a_seller`)", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_seller(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<NewSellerBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = NewSeller {
        name: b.name,
        kind: b
            .kind
            .as_deref()
            .map_or(Ok(SellerKind::ThirdParty), kind_field)?,
        fee_rate: b.fee_rate.as_deref().map(rate_field).transpose()?,
        org_id: b.org_id.map(OrgId::from_uuid),
        payout_minimum: b
            .payout_minimum
            .as_ref()
            .map(|m| money_field("payout_minimum", m))
            .transpose()?,
    };
    let seller = svc
        .sellers
        .create(&caller.0, new)
        .await
        .map_err(seller_error)?;
    Ok(HttpResponse::Created().json(SellerDto::from(&seller)))
}

/// Every seller (platform catalog admins).
#[utoipa::path(
    get, path = "/v1/admin/sellers", tag = "sellers",
    responses(
        (status = 200, description = "The sellers, by id", body = Vec<SellerDto>),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_sellers(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<Vec<SellerDto>>, ApiError> {
    let sellers = svc.sellers.list(&caller.0).await.map_err(seller_error)?;
    Ok(web::Json(sellers.iter().map(SellerDto::from).collect()))
}

/// Edits some of a seller's fields (platform catalog admins).
#[utoipa::path(
    patch, path = "/v1/admin/sellers/{id}", tag = "sellers", params(("id" = Uuid, Path)),
    request_body = SellerPatchBody,
    responses(
        (status = 200, description = "The seller", body = SellerDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such seller", body = ErrorBody),
        (status = 409, description = "The org already manages a seller", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_seller(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<SellerPatchBody>,
) -> Result<web::Json<SellerDto>, ApiError> {
    let b = body.into_inner();
    let patch = SellerPatch {
        name: b.name,
        kind: b.kind.as_deref().map(kind_field).transpose()?,
        fee_rate: b.fee_rate.as_deref().map(rate_field).transpose()?,
        org_id: b.org_id.map(|o| o.map(OrgId::from_uuid)),
        payout_minimum: b
            .payout_minimum
            .as_ref()
            .map(|m| money_field("payout_minimum", m))
            .transpose()?,
    };
    let seller = svc
        .sellers
        .update(&caller.0, SellerId::from_uuid(id.into_inner()), patch)
        .await
        .map_err(seller_error)?;
    Ok(web::Json(SellerDto::from(&seller)))
}

/// Makes a seller the seller of a tool: later sales split by its terms (R-M2, R-M3).
#[utoipa::path(
    put, path = "/v1/admin/tools/{id}/seller", tag = "sellers", params(("id" = Uuid, Path)),
    request_body = AssignToolBody,
    responses(
        (status = 200, description = "The tool's seller", body = ToolSellerDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a catalog admin", body = ErrorBody),
        (status = 404, description = "No such tool or seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn assign_tool(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AssignToolBody>,
) -> Result<web::Json<ToolSellerDto>, ApiError> {
    let tool = ToolId::from_uuid(id.into_inner());
    let seller = SellerId::from_uuid(body.into_inner().seller_id);
    svc.sellers
        .assign_tool(&caller.0, tool, seller)
        .await
        .map_err(seller_error)?;
    Ok(web::Json(ToolSellerDto {
        tool_id: tool.as_uuid(),
        seller_id: seller.as_uuid(),
    }))
}

/// The report's query.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReportQueryDoc {
    /// YYYY-MM (UTC), required.
    month: String,
    /// `seller` (the default) or `tool`.
    by: Option<String>,
    /// ISO 4217, default USD.
    currency: Option<String>,
}

/// The platform's revenue in a month, per seller or per tool, from the ledger.
#[utoipa::path(
    get, path = "/v1/admin/reports/revenue", tag = "sellers", params(ReportQueryDoc),
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
    req: HttpRequest,
) -> Result<web::Json<RevenueReportDto>, ApiError> {
    only_keys(&req, &["month", "by", "currency"])?;
    let month = month_param(&req)?;
    let by = match query_value(&req, "by").as_deref() {
        None | Some("seller") => ReportBy::Seller,
        Some("tool") => ReportBy::Tool,
        Some(_) => return Err(invalid("by", "must be seller or tool")),
    };
    let currency = match query_value(&req, "currency") {
        None => Currency::USD,
        Some(c) => Currency::parse(&c).map_err(|e| invalid("currency", e.to_string()))?,
    };
    let report = svc
        .sellers
        .revenue_report(&caller.0, month, currency, by)
        .await
        .map_err(seller_error)?;
    let sellers = svc.sellers.list(&caller.0).await.map_err(seller_error)?;
    Ok(web::Json(report_dto(&report, &sellers)))
}

// --- the seller's own view -----------------------------------------------------------------

/// The seller the caller's org manages, with its tools.
#[utoipa::path(
    get, path = "/v1/sellers/me", tag = "sellers",
    responses(
        (status = 200, description = "The caller's seller", body = MySellerDto),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_seller(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<MySellerDto>, ApiError> {
    let seller = svc.sellers.me(&caller.0).await.map_err(seller_error)?;
    let tools = svc
        .sellers
        .tools(&caller.0, seller.id())
        .await
        .map_err(seller_error)?;
    Ok(web::Json(MySellerDto {
        seller: SellerDto::from(&seller),
        tool_ids: tools.into_iter().map(|t| t.as_uuid()).collect(),
    }))
}

/// The statement's query.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StatementQueryDoc {
    /// YYYY-MM (UTC), required.
    month: String,
}

async fn statement_of(
    svc: &Services,
    caller: &Caller,
    req: &HttpRequest,
) -> Result<SellerStatement, ApiError> {
    only_keys(req, &["month"])?;
    let month = month_param(req)?;
    svc.sellers
        .statement(&caller.0, month)
        .await
        .map_err(seller_error)
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

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"))
}

/// The caller's seller's statement for a month (R-M6): JSON, or CSV with
/// `Accept: text/csv`. A month without activity is an empty statement.
#[utoipa::path(
    get, path = "/v1/sellers/me/statements", tag = "sellers", params(StatementQueryDoc),
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
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let statement = statement_of(&svc, &caller, &req).await?;
    Ok(if wants_csv(&req) {
        csv_response(&statement)
    } else {
        HttpResponse::Ok().json(StatementDto::from(&statement))
    })
}

/// The caller's seller's statement for a month as CSV (R-M6).
#[utoipa::path(
    get, path = "/v1/sellers/me/statements.csv", tag = "sellers", params(StatementQueryDoc),
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
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let statement = statement_of(&svc, &caller, &req).await?;
    Ok(csv_response(&statement))
}

/// A seller's statement for a month, for platform catalog admins and the seller's own
/// users: JSON, or CSV with `Accept: text/csv`. Any other caller gets 404.
#[utoipa::path(
    get, path = "/v1/sellers/{id}/statements", tag = "sellers",
    params(("id" = Uuid, Path), StatementQueryDoc),
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
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only_keys(&req, &["month"])?;
    let month = month_param(&req)?;
    let statement = svc
        .sellers
        .statement_of(&caller.0, SellerId::from_uuid(id.into_inner()), month)
        .await
        .map_err(seller_error)?;
    Ok(if wants_csv(&req) {
        csv_response(&statement)
    } else {
        HttpResponse::Ok().json(StatementDto::from(&statement))
    })
}

/// The caller's seller's payouts, newest month first.
#[utoipa::path(
    get, path = "/v1/sellers/me/payouts", tag = "sellers",
    responses(
        (status = 200, description = "The payouts", body = Vec<PayoutDto>),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_payouts(
    svc: web::Data<Services>,
    caller: Caller,
) -> Result<web::Json<Vec<PayoutDto>>, ApiError> {
    let payouts = svc.sellers.payouts(&caller.0).await.map_err(seller_error)?;
    Ok(web::Json(payouts.iter().map(PayoutDto::from).collect()))
}

/// Starts or resumes Stripe Connect onboarding of the caller's seller (its org's owners
/// and admins): creates the Express account once and returns a fresh onboarding link.
/// Payouts start once Stripe reports the account may receive them (`account.updated`).
#[utoipa::path(
    post, path = "/v1/sellers/me/connect", tag = "sellers", request_body = ConnectBody,
    responses(
        (status = 200, description = "Continue onboarding at `url`", body = OnboardingDto),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the seller's org", body = ErrorBody),
        (status = 404, description = "The caller's org manages no seller", body = ErrorBody),
        (status = 409, description = "Stripe Connect is not configured (`connect_not_configured`, offline/demo mode), or the platform seller", body = ErrorBody),
        (status = 503, description = "Stripe is unreachable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start_onboarding(
    svc: web::Data<Services>,
    caller: Caller,
    body: ValidJson<ConnectBody>,
) -> Result<web::Json<OnboardingDto>, ApiError> {
    let b = body.into_inner();
    for (field, raw) in [
        ("refresh_url", &b.refresh_url),
        ("return_url", &b.return_url),
    ] {
        let ok = url::Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(invalid(field, "must be an http(s) URL"));
        }
    }
    let onboarding = svc
        .sellers
        .start_onboarding(&caller.0, &b.refresh_url, &b.return_url)
        .await
        .map_err(|e| match e {
            SellerError::Payment(PaymentError::Configuration(m)) => {
                ApiError::Unavailable(anyhow::anyhow!("Stripe Connect misconfigured: {m}"))
            }
            other => seller_error(other),
        })?;
    Ok(web::Json(OnboardingDto {
        account_id: onboarding.account_id,
        url: onboarding.url,
    }))
}
