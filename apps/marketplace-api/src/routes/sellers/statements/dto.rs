//! The shapes of statements and revenue reports, and the queries that ask for a month.

use marketplace_domain::ids::ToolId;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::revenue::{StatementLine, YearMonth};
use marketplace_domain::seller::{
    ReportBy, ReportKey, ReportRow, RevenueReport, Seller, SellerStatement,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::MoneyDto;

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

impl StatementLineDto {
    fn new(tool_id: Option<ToolId>, units: u32, [gross, fees, refunds, net]: [Money; 4]) -> Self {
        Self {
            tool_id: tool_id.map(|t| t.as_uuid()),
            units,
            gross: gross.into(),
            fees: fees.into(),
            refunds: refunds.into(),
            net: net.into(),
        }
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
            StatementLineDto::new(
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
            totals: StatementLineDto::new(None, t.units, [t.gross, t.fees, t.refunds, t.net]),
            opening_balance: s.opening.into(),
            payouts: s.payouts.into(),
            closing_balance: s.closing.into(),
        }
    }
}

/// The statement's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// YYYY-MM (UTC), required.
    #[param(required = true, value_type = String)]
    month: Option<String>,
}

impl TryFrom<StatementQuery> for YearMonth {
    type Error = BadRequest;

    fn try_from(q: StatementQuery) -> Result<Self, BadRequest> {
        month(q.month)
    }
}

/// `month=YYYY-MM`, required.
fn month(raw: Option<String>) -> Result<YearMonth, BadRequest> {
    let raw = raw.ok_or_else(|| BadRequest::field("month", "required, as YYYY-MM"))?;
    YearMonth::parse(&raw).map_err(|e| BadRequest::field("month", e.to_string()))
}

/// The report's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// YYYY-MM (UTC), required.
    #[param(required = true, value_type = String)]
    month: Option<String>,
    /// `seller` (the default) or `tool`.
    by: Option<String>,
    /// ISO 4217, default USD.
    currency: Option<String>,
}

/// What a revenue report is asked for.
#[derive(Debug)]
pub struct ReportRequest {
    pub month: YearMonth,
    pub currency: Currency,
    pub by: ReportBy,
}

impl TryFrom<ReportQuery> for ReportRequest {
    type Error = BadRequest;

    fn try_from(q: ReportQuery) -> Result<Self, BadRequest> {
        let month = month(q.month)?;
        let by = match q.by.as_deref() {
            None | Some("seller") => ReportBy::Seller,
            Some("tool") => ReportBy::Tool,
            Some(_) => return Err(BadRequest::field("by", "must be seller or tool")),
        };
        let currency = match q.currency {
            None => Currency::USD,
            Some(c) => {
                Currency::parse(&c).map_err(|e| BadRequest::field("currency", e.to_string()))?
            }
        };
        Ok(Self {
            month,
            currency,
            by,
        })
    }
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

impl RevenueReportDto {
    /// The report, its rows by seller named from `sellers`.
    #[must_use]
    pub fn new(r: &RevenueReport, sellers: &[Seller]) -> Self {
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
        Self {
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
}
