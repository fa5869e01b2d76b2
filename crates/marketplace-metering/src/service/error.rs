//! What the usage use cases fail with, in variants a caller can act on: the HTTP layer
//! answers 403, 400, 404 or 500 from them, and only the store's failures are ours.

use marketplace_kernel::ids::ToolId;
use marketplace_kernel::money::MoneyError;
use marketplace_kernel::store::RepoError;

use crate::batch::BatchError;
use crate::meter::MeterKey;
use crate::overage::OverageError;
use crate::quota::DecisionError;
use crate::window::{BillingPeriod, WindowError};

use super::caller::UsagePermission;
use super::ports::RecordError;

/// What reporting, reading and checking an org's usage can fail with.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("forbidden: the caller lacks the {0:?} permission")]
    Forbidden(UsagePermission),
    /// The batch as a whole is refused (no event or too many); single events are never
    /// refused this way.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The tool defines no such meter.
    #[error("tool {tool} has no meter {meter}")]
    UnknownMeter { tool: ToolId, meter: MeterKey },
    /// `now` is at the very end of the representable calendar.
    #[error(transparent)]
    Calendar(#[from] WindowError),
    /// A stored total could not count the batch; nothing of it was counted.
    #[error("the usage total could not count the batch")]
    Total(#[source] DecisionError),
    /// An overage charge beyond a decimal's range.
    #[error(transparent)]
    Overage(#[from] OverageError),
    /// The store answered outside its contract (a verdict missing for a meter of the
    /// batch, or for another one).
    #[error("the usage store answered amiss: {0}")]
    StoreContract(&'static str),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<UsagePermission> for UsageError {
    fn from(permission: UsagePermission) -> Self {
        Self::Forbidden(permission)
    }
}

impl From<RepoError> for UsageError {
    fn from(error: RepoError) -> Self {
        Self::Infrastructure(error)
    }
}

impl From<RecordError> for UsageError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::Decision(error) => Self::Total(error),
            RecordError::Store(error) => Self::Infrastructure(error),
        }
    }
}

/// What computing a period's overage for the renewal can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// The org had no subscription to the tool with this period: the renewal asked about
    /// a period that was never billed.
    #[error("no plan of tool {tool} covers the period {} .. {}", period.start(), period.end())]
    NoPlan { tool: ToolId, period: BillingPeriod },
    #[error(transparent)]
    Overage(#[from] OverageError),
    /// The lines' sum does not fit the currency.
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for BillingError {
    fn from(error: RepoError) -> Self {
        Self::Infrastructure(error)
    }
}
