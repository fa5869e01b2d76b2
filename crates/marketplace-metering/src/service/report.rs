//! Reading usage (R-U3): an org's totals per UTC day or month over a range, for
//! `GET /v1/usage`, with every bucket of the range listed so a chart has no gaps.

use std::collections::BTreeMap;
use std::sync::Arc;

use marketplace_kernel::ids::ToolId;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::meter::MeterKey;
use crate::total::PeriodTotal;
use crate::window::{Bucket, Granularity, ReportRange};

use super::caller::{UsageCaller, UsagePermission};
use super::error::UsageError;
use super::ports::UsageStore;

/// Which of the org's meters a report covers. A meter is named within its tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportFilter {
    /// Every meter of every tool.
    All,
    /// Every meter of one tool.
    Tool(ToolId),
    /// One meter of one tool.
    Meter(ToolId, MeterKey),
}

impl ReportFilter {
    /// Whether the filter keeps `meter` of `tool`.
    #[must_use]
    pub fn keeps(&self, tool: ToolId, meter: &MeterKey) -> bool {
        match self {
            Self::All => true,
            Self::Tool(only) => *only == tool,
            Self::Meter(only, key) => *only == tool && key == meter,
        }
    }
}

/// One stored day or month total, as the store answers a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketTotal {
    pub tool: ToolId,
    pub meter: MeterKey,
    pub bucket: Bucket,
    pub total: PeriodTotal,
}

/// One bucket of a meter's series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct UsagePoint {
    pub bucket: Bucket,
    /// The bucket's figure (count, sum, maximum, distinct keys or latest value).
    pub usage: Decimal,
    /// Events counted in the bucket.
    pub events: u64,
}

/// One meter's usage over every bucket of the range, in order; buckets without usage show
/// zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeterSeries {
    pub tool: ToolId,
    pub meter: MeterKey,
    pub points: Vec<UsagePoint>,
}

/// The answer to `GET /v1/usage`: one series per meter with usage in the range, ordered
/// by (tool, meter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageReport {
    pub granularity: Granularity,
    pub series: Vec<MeterSeries>,
}

impl UsageReport {
    /// Lays the stored totals on the range's buckets. Rows outside the range or the
    /// filter are not the store's to answer and are left out.
    #[must_use]
    pub fn from_totals(range: &ReportRange, filter: &ReportFilter, rows: Vec<BucketTotal>) -> Self {
        let buckets = range.buckets();
        let mut by_meter: BTreeMap<(ToolId, MeterKey), Vec<UsagePoint>> = BTreeMap::new();
        for row in rows {
            let Ok(at) = buckets.binary_search(&row.bucket) else {
                continue;
            };
            if !filter.keeps(row.tool, &row.meter) {
                continue;
            }
            let points = by_meter.entry((row.tool, row.meter)).or_insert_with(|| {
                buckets
                    .iter()
                    .map(|&bucket| UsagePoint {
                        bucket,
                        usage: Decimal::ZERO,
                        events: 0,
                    })
                    .collect()
            });
            if let Some(point) = points.get_mut(at) {
                point.usage = row.total.usage();
                point.events = row.total.events();
            }
        }
        Self {
            granularity: range.granularity(),
            series: by_meter
                .into_iter()
                .map(|((tool, meter), points)| MeterSeries {
                    tool,
                    meter,
                    points,
                })
                .collect(),
        }
    }
}

/// `GET /v1/usage`.
#[derive(Clone)]
pub struct UsageService {
    store: Arc<dyn UsageStore>,
}

impl std::fmt::Debug for UsageService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageService").finish_non_exhaustive()
    }
}

impl UsageService {
    pub fn new(store: Arc<dyn UsageStore>) -> Self {
        Self { store }
    }

    /// The caller's org's usage per bucket of `range` (per UTC day or month, by the
    /// events' own timestamps), narrowed by `filter`.
    ///
    /// # Errors
    /// [`UsageError::Forbidden`] without [`UsagePermission::ReadUsage`] (no port is
    /// touched), [`UsageError::Infrastructure`].
    pub async fn report(
        &self,
        caller: &UsageCaller,
        range: &ReportRange,
        filter: &ReportFilter,
    ) -> Result<UsageReport, UsageError> {
        let org = caller.require(UsagePermission::ReadUsage)?;
        let rows = self.store.usage_report(org, range, filter).await?;
        Ok(UsageReport::from_totals(range, filter, rows))
    }
}
