//! Usage on the wire: the batch a host reports and its answer, usage reports, the access
//! answer, the buyer's packs, and meter definitions. Quantities are decimal strings, so
//! `0.000001` and 13-digit totals travel exactly.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use garde::Validate;
use marketplace_metering::service::{
    IngestAnswer, MeterDefinition, MeterSeries, Pack, PackMeter, UsageReport,
};
use marketplace_metering::{
    AccessAnswer, Aggregation, Granularity, InvoiceLine, Meter, MeterKey, PropertyValue,
    ReportRange, UsageEventInput,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;

/// A decimal as the API writes it: canonical, without trailing zeros.
fn quantity(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A usage event's value: a JSON number or a decimal string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ValueDto {
    Number(serde_json::Number),
    Text(String),
}

/// One usage event (R-U2). Its `id` names one event for good: the same id is counted once
/// per org, however often and however late it is sent again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageEventBody {
    /// 1 to 128 printable ASCII characters, chosen by the host.
    #[schema(example = "evt_0001")]
    pub id: String,
    pub tool_id: Uuid,
    /// A meter the tool defines.
    #[schema(example = "api_calls")]
    pub meter: String,
    /// 0 up to 13 integer digits with 6 decimals, as a number or a string.
    #[schema(value_type = String, example = "1")]
    pub value: ValueDto,
    /// From 35 days back to 5 minutes ahead of the server's time.
    pub timestamp: DateTime<Utc>,
    /// Up to 16 properties: strings, numbers or booleans.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub properties: BTreeMap<String, PropertyValue>,
}

/// `POST /v1/usage/events`: 1 to 1000 events, each judged on its own.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBatchBody {
    #[garde(skip)]
    pub events: Vec<UsageEventBody>,
}

impl UsageBatchBody {
    /// The events as the usage rules take them.
    ///
    /// # Errors
    /// [`BadRequest`] naming an event whose value is not a decimal.
    pub fn into_inputs(self) -> Result<Vec<UsageEventInput>, BadRequest> {
        self.events
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let raw = match &e.value {
                    ValueDto::Number(n) => n.to_string(),
                    ValueDto::Text(s) => s.clone(),
                };
                let value = parse_decimal(&raw).ok_or_else(|| {
                    BadRequest::field(format!("events[{i}].value"), "expected a decimal number")
                })?;
                Ok(UsageEventInput {
                    id: e.id,
                    tool_id: marketplace_metering::ToolId::from_uuid(e.tool_id),
                    meter: e.meter,
                    value,
                    timestamp: e.timestamp,
                    properties: e.properties,
                })
            })
            .collect()
    }
}

/// A decimal in plain or scientific notation (JSON numbers may use either).
fn parse_decimal(raw: &str) -> Option<Decimal> {
    raw.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(raw).ok())
}

/// A refused event: its id as sent, a code and a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedEventDto {
    pub id: String,
    /// invalid_id, not_entitled, unknown_meter, timestamp_out_of_window,
    /// value_out_of_range, invalid_properties, missing_distinct_property, quota_exceeded.
    pub code: &'static str,
    pub message: String,
}

/// What became of a batch: events counted now, repeats of events already counted, and the
/// refused ones.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestDto {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: Vec<RejectedEventDto>,
}

impl From<&IngestAnswer> for IngestDto {
    fn from(answer: &IngestAnswer) -> Self {
        let report = answer.report();
        Self {
            accepted: report.accepted(),
            duplicates: report.duplicates(),
            rejected: report
                .rejected()
                .iter()
                .map(|r| RejectedEventDto {
                    id: r.id().to_owned(),
                    code: r.reason().code(),
                    message: r.reason().to_string(),
                })
                .collect(),
        }
    }
}

/// `day` or `month`.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GranularityDto {
    Day,
    Month,
}

/// `GET /v1/usage`: the org's usage per UTC day or month of the events' timestamps.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Only this tool's meters.
    pub tool_id: Option<Uuid>,
    /// Only this meter (needs `tool_id`).
    pub meter: Option<String>,
    /// Start, an RFC 3339 instant or a date (UTC midnight); default: 30 days before `to`
    /// (`day`) or the start of the month 11 months before `to` (`month`).
    pub from: Option<String>,
    /// End (exclusive), an RFC 3339 instant or a date; default: now.
    pub to: Option<String>,
    /// `day` (default) or `month`.
    #[param(inline)]
    pub granularity: Option<GranularityDto>,
}

/// What a usage report asks for, checked.
#[derive(Debug)]
pub struct UsageRequest {
    pub range: ReportRange,
    pub tool: Option<marketplace_metering::ToolId>,
    pub meter: Option<MeterKey>,
}

fn instant(field: &str, raw: &str) -> Result<DateTime<Utc>, BadRequest> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| BadRequest::field(field, "expected an RFC 3339 instant or a date"))
}

impl UsageQuery {
    /// The report asked for at `now`.
    ///
    /// # Errors
    /// [`BadRequest`] for a malformed instant or meter, a meter without its tool, an empty
    /// range or one of more than 400 buckets.
    pub fn into_request(self, now: DateTime<Utc>) -> Result<UsageRequest, BadRequest> {
        let granularity = match self.granularity.unwrap_or(GranularityDto::Day) {
            GranularityDto::Day => Granularity::Day,
            GranularityDto::Month => Granularity::Month,
        };
        let to = self
            .to
            .as_deref()
            .map(|raw| instant("to", raw))
            .transpose()?
            .unwrap_or(now);
        let from = match self.from.as_deref() {
            Some(raw) => instant("from", raw)?,
            None => match granularity {
                Granularity::Day => to - chrono::TimeDelta::days(30),
                Granularity::Month => to - chrono::TimeDelta::days(334),
            },
        };
        let range = ReportRange::new(from, to, granularity)
            .map_err(|e| BadRequest::field("from", e.to_string()))?;
        let meter = self
            .meter
            .as_deref()
            .map(MeterKey::parse)
            .transpose()
            .map_err(|e| BadRequest::field("meter", e.to_string()))?;
        if meter.is_some() && self.tool_id.is_none() {
            return Err(BadRequest::field(
                "meter",
                "a meter is named with its tool_id",
            ));
        }
        Ok(UsageRequest {
            range,
            tool: self.tool_id.map(marketplace_metering::ToolId::from_uuid),
            meter,
        })
    }
}

/// One bucket of a meter's series.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsagePointDto {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The bucket's figure, by the meter's aggregation.
    #[schema(example = "1200")]
    pub usage: String,
    /// Events counted in it.
    pub events: u64,
}

/// A meter's usage over the report's buckets, zero where nothing was counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageSeriesDto {
    pub tool_id: Uuid,
    pub meter: String,
    pub points: Vec<UsagePointDto>,
}

/// `GET /v1/usage`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReportDto {
    /// `day` or `month`.
    pub granularity: &'static str,
    pub series: Vec<UsageSeriesDto>,
}

impl From<UsageReport> for UsageReportDto {
    fn from(report: UsageReport) -> Self {
        Self {
            granularity: match report.granularity {
                Granularity::Day => "day",
                Granularity::Month => "month",
            },
            series: report
                .series
                .into_iter()
                .map(
                    |MeterSeries {
                         tool,
                         meter,
                         points,
                     }| UsageSeriesDto {
                        tool_id: tool.as_uuid(),
                        meter: meter.to_string(),
                        points: points
                            .into_iter()
                            .map(|p| UsagePointDto {
                                start: p.bucket.start(),
                                end: p.bucket.end(),
                                usage: quantity(p.usage),
                                events: p.events,
                            })
                            .collect(),
                    },
                )
                .collect(),
        }
    }
}

/// `GET /v1/access`: the tool, and optionally one of its meters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    pub tool_id: Uuid,
    /// A meter of the tool: the answer then says how much of it is used and left.
    pub meter: Option<String>,
}

impl AccessQuery {
    /// # Errors
    /// [`BadRequest`] for a malformed meter key.
    pub fn meter(&self) -> Result<Option<MeterKey>, BadRequest> {
        self.meter
            .as_deref()
            .map(MeterKey::parse)
            .transpose()
            .map_err(|e| BadRequest::field("meter", e.to_string()))
    }
}

/// May the org use the tool, and how much of the meter is left this period (R-U6).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessDto {
    pub has_access: bool,
    /// The code of the org's recurring plan; null without one.
    pub plan: Option<String>,
    /// With a meter: this period's usage.
    pub usage: Option<String>,
    /// With a meter the plan limits: the quota.
    pub limit: Option<String>,
    /// With a meter: what is left (0 without access; null when unlimited).
    pub remaining: Option<String>,
    /// With a meter the plan limits: whether use beyond it is refused.
    pub hard: Option<bool>,
}

impl From<&AccessAnswer> for AccessDto {
    fn from(a: &AccessAnswer) -> Self {
        Self {
            has_access: a.has_access(),
            plan: a.plan().map(str::to_owned),
            usage: a.usage().map(quantity),
            limit: a.limit().map(quantity),
            remaining: a.remaining().map(quantity),
            hard: a.hard(),
        }
    }
}

/// A meter's standing in a pack: usage bar and quota.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackMeterDto {
    pub meter: String,
    /// count, sum, max, unique_count or latest.
    pub aggregation: &'static str,
    pub unit: String,
    pub usage: String,
    /// The plan's quota; null when the meter is unlimited.
    pub limit: Option<String>,
    pub hard: Option<bool>,
    pub remaining: Option<String>,
    /// What one unit beyond a soft quota costs, in the pack's currency.
    pub overage_unit_price: Option<String>,
}

impl From<PackMeter> for PackMeterDto {
    fn from(m: PackMeter) -> Self {
        Self {
            meter: m.meter.to_string(),
            aggregation: m.aggregation.as_str(),
            unit: m.unit.as_str().to_owned(),
            usage: quantity(m.usage),
            limit: m.quota.map(|q| quantity(q.limit())),
            hard: m.quota.map(|q| q.is_hard()),
            remaining: m.remaining.map(quantity),
            overage_unit_price: m.quota.and_then(|q| q.overage_unit_price()).map(quantity),
        }
    }
}

/// An overage line: use beyond a soft quota and what it costs, rounded to the cent.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverageLineDto {
    pub meter: String,
    pub included: String,
    pub used: String,
    pub overage: String,
    pub unit_price: String,
    /// `overage × unit_price`, rounded to the currency's minor unit.
    pub amount: String,
}

impl From<InvoiceLine> for OverageLineDto {
    fn from(l: InvoiceLine) -> Self {
        Self {
            meter: l.meter.to_string(),
            included: quantity(l.included),
            used: quantity(l.used),
            overage: quantity(l.overage),
            unit_price: quantity(l.unit_price),
            amount: l.amount.to_string(),
        }
    }
}

/// One subscription of the org, with its plan, this period's usage and quotas, and the
/// overage so far (charged with the renewal at the period's end).
#[derive(Debug, Serialize, ToSchema)]
pub struct PackDto {
    pub tool_id: Uuid,
    pub plan: String,
    pub current_period_start: DateTime<Utc>,
    pub current_period_end: DateTime<Utc>,
    pub currency: String,
    pub meters: Vec<PackMeterDto>,
    pub overage_so_far: Vec<OverageLineDto>,
}

impl From<Pack> for PackDto {
    fn from(p: Pack) -> Self {
        Self {
            tool_id: p.tool.as_uuid(),
            plan: p.plan.to_string(),
            current_period_start: p.period.start(),
            current_period_end: p.period.end(),
            currency: p.currency.code().to_owned(),
            meters: p.meters.into_iter().map(Into::into).collect(),
            overage_so_far: p.overage_so_far.into_iter().map(Into::into).collect(),
        }
    }
}

/// `GET /v1/usage/packs`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PacksDto {
    pub packs: Vec<PackDto>,
}

/// `count`, `sum`, `max`, `unique_count` or `latest`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AggregationDto {
    Count,
    Sum,
    Max,
    UniqueCount,
    Latest,
}

impl From<Aggregation> for AggregationDto {
    fn from(a: Aggregation) -> Self {
        match a {
            Aggregation::Count => Self::Count,
            Aggregation::Sum => Self::Sum,
            Aggregation::Max => Self::Max,
            Aggregation::UniqueCount => Self::UniqueCount,
            Aggregation::Latest => Self::Latest,
        }
    }
}

impl From<AggregationDto> for Aggregation {
    fn from(a: AggregationDto) -> Self {
        match a {
            AggregationDto::Count => Self::Count,
            AggregationDto::Sum => Self::Sum,
            AggregationDto::Max => Self::Max,
            AggregationDto::UniqueCount => Self::UniqueCount,
            AggregationDto::Latest => Self::Latest,
        }
    }
}

/// `POST /v1/admin/tools/{id}/meters` (R-U1).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeterBody {
    /// 1 to 64 lower-case letters, digits or underscores, starting with a letter.
    #[garde(skip)]
    #[schema(example = "api_calls")]
    pub key: String,
    #[garde(skip)]
    pub aggregation: AggregationDto,
    /// What one unit is, for people (`call`, `row`, `GB`).
    #[garde(skip)]
    #[schema(example = "call")]
    pub unit: String,
    /// For `unique_count`: the event property whose distinct values are counted (`user_id`);
    /// without it, distinct event values are counted.
    #[garde(skip)]
    pub distinct_by: Option<String>,
}

impl TryFrom<MeterBody> for Meter {
    type Error = BadRequest;

    fn try_from(b: MeterBody) -> Result<Self, BadRequest> {
        Self::from_input(
            &b.key,
            b.aggregation.into(),
            &b.unit,
            b.distinct_by.as_deref(),
        )
        .map_err(|(field, message)| BadRequest::field(field, message))
    }
}

/// A tool's meter.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeterDto {
    pub tool_id: Uuid,
    pub key: String,
    pub aggregation: &'static str,
    pub unit: String,
    pub distinct_by: Option<String>,
}

impl MeterDto {
    #[must_use]
    pub fn new(tool_id: Uuid, definition: &MeterDefinition) -> Self {
        let (MeterDefinition::Created(m) | MeterDefinition::Unchanged(m)) = definition;
        Self {
            tool_id,
            key: m.key().to_string(),
            aggregation: m.aggregation().as_str(),
            unit: m.unit().as_str().to_owned(),
            distinct_by: m.distinct_by().map(|p| p.as_str().to_owned()),
        }
    }
}
