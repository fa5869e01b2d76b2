//! The shapes of the analytics reports and the query that asks for their months.

use marketplace_domain::analytics::{MonthRange, ToolMonthStats};
use marketplace_domain::revenue::YearMonth;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;

/// The months of a report: `from` to `to`, both included, at most 24.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// The first month, YYYY-MM (UTC), required.
    #[param(required = true, value_type = String, example = "2026-01")]
    from: Option<String>,
    /// The last month, YYYY-MM (UTC), required; not before `from`.
    #[param(required = true, value_type = String, example = "2026-03")]
    to: Option<String>,
}

fn month(name: &'static str, raw: Option<String>) -> Result<YearMonth, BadRequest> {
    let raw = raw.ok_or_else(|| BadRequest::field(name, "required, as YYYY-MM"))?;
    YearMonth::parse(&raw).map_err(|e| BadRequest::field(name, e.to_string()))
}

impl TryFrom<AnalyticsQuery> for MonthRange {
    type Error = BadRequest;

    fn try_from(q: AnalyticsQuery) -> Result<Self, BadRequest> {
        let from = month("from", q.from)?;
        let to = month("to", q.to)?;
        MonthRange::new(from, to).map_err(|e| BadRequest::field("to", e.to_string()))
    }
}

/// One tool's month (R-C7).
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolMonthDto {
    pub tool_id: Uuid,
    #[schema(example = "2026-03")]
    pub month: String,
    /// Views of the tool's page (`GET /v1/tools/{id}`), stored every ten seconds.
    pub views: u64,
    /// Purchases of the tool itself made in the month, whatever became of them.
    pub purchases: u64,
    /// Purchases per view, to four decimal places (a decimal string); null without views.
    #[schema(value_type = Option<String>, example = "0.0125")]
    pub conversion: Option<Decimal>,
}

impl From<&ToolMonthStats> for ToolMonthDto {
    fn from(s: &ToolMonthStats) -> Self {
        Self {
            tool_id: s.tool_id.as_uuid(),
            month: s.month.to_string(),
            views: s.views,
            purchases: s.purchases,
            conversion: s.conversion,
        }
    }
}

/// Views, purchases and conversion per tool and month, by month then tool; a tool's
/// month without views or purchases is left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolAnalyticsDto {
    #[schema(example = "2026-01")]
    pub from: String,
    #[schema(example = "2026-03")]
    pub to: String,
    pub items: Vec<ToolMonthDto>,
}

impl ToolAnalyticsDto {
    #[must_use]
    pub fn new(range: MonthRange, rows: &[ToolMonthStats]) -> Self {
        Self {
            from: range.from().to_string(),
            to: range.to().to_string(),
            items: rows.iter().map(ToolMonthDto::from).collect(),
        }
    }
}
