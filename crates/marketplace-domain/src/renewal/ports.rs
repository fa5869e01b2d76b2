//! Where renewals live.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ids::{OrgId, PurchaseId};
use crate::money::Money;
use crate::ports::RepoError;
use crate::purchase::{Period, Purchase};
use crate::revenue::Posting;

use super::{RenewalCharge, RenewalId, RenewalStatus};

/// A renewal to record before it is paid: PAST_DUE (credits short) or INVOICED. For an
/// invoice the store gives the number: the org's next renewal invoice sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRenewal {
    /// In a state other than collected; an invoiced one's number is replaced by the
    /// store's.
    pub renewal: RenewalCharge,
}

/// A renewal paid, as one atomic change: the renewal collected, the purchase's period
/// (and its entitlements) moved to the renewal's, the sale posted, the credits debited.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectedRenewal {
    /// In the collected state.
    pub renewal: RenewalCharge,
    /// The status the stored renewal must be in; `None` when none is stored yet (a card
    /// renewal, or credits that covered it at the first try).
    pub from: Option<RenewalStatus>,
    /// Renewed to `renewal.period`.
    pub purchase: Purchase,
    /// The sale (R-B7); `None` for a free renewal.
    pub posting: Option<Posting>,
    /// Platform credits to debit, for a renewal paid with them.
    pub credit_debit: Option<Money>,
}

/// A refund of a collected renewal: the reverse of its sale in proportion (R-M5).
#[derive(Clone, Debug, PartialEq)]
pub struct RenewalRefund {
    /// With `refunded` raised by `amount`.
    pub renewal: RenewalCharge,
    pub amount: Money,
    pub posting: Posting,
    /// Credits given back, for a renewal paid with them.
    pub credit_back: Option<Money>,
}

/// Where renewals live. Writes are guarded so that a repeat, or a racing job, changes
/// nothing twice: one renewal per (purchase, period start).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RenewalRepository: Send + Sync {
    /// Platform scope: ACTIVE recurring purchases with auto-renew on, paid by platform
    /// credits or invoice, whose period ended at or before `now`.
    async fn due_for_renewal(&self, now: DateTime<Utc>) -> Result<Vec<Purchase>, RepoError>;

    /// The renewal of `purchase` for the period starting at `start`, if recorded.
    async fn renewal_for(
        &self,
        purchase: PurchaseId,
        start: DateTime<Utc>,
    ) -> Result<Option<RenewalCharge>, RepoError>;

    /// The org's renewals that are PAST_DUE (refused, not paid yet), oldest period first.
    async fn past_due(&self, org: OrgId) -> Result<Vec<RenewalCharge>, RepoError>;

    /// Records an unpaid renewal and returns it as stored (an invoice numbered).
    ///
    /// # Errors
    /// `RepoError::Stale` when the purchase's renewal for that period is already recorded:
    /// another run got there first, and nothing is written.
    async fn open(&self, open: &OpenRenewal) -> Result<RenewalCharge, RepoError>;

    /// Collects a renewal in one transaction.
    ///
    /// # Errors
    /// `RepoError::Stale` when the stored renewal is not in `from` (already collected), or
    /// the purchase is no longer ACTIVE at the period before the renewal's: nothing is
    /// written, nothing debited. `RepoError::InsufficientCredits` when the credits do not
    /// cover the debit.
    async fn collect(&self, collected: &CollectedRenewal) -> Result<(), RepoError>;

    /// The collected renewal paid by the provider's payment `reference` (platform scope).
    async fn find_by_payment(&self, reference: &str) -> Result<Option<RenewalCharge>, RepoError>;

    /// A renewal by the number of its invoice, in the org of `purchase`'s.
    async fn find_by_invoice(
        &self,
        purchase: PurchaseId,
        number: u32,
    ) -> Result<Option<RenewalCharge>, RepoError>;

    /// The renewal's postings, oldest first: its sale, then its refunds.
    async fn postings(&self, id: RenewalId) -> Result<Vec<Posting>, RepoError>;

    /// Records a refund of a renewal in one transaction.
    ///
    /// # Errors
    /// `RepoError::Stale` when the stored refunded amount is not the one the refund
    /// started from (a concurrent refund won): nothing is written.
    async fn refund(&self, refund: &RenewalRefund) -> Result<(), RepoError>;
}

/// One overage line of a renewal (R-U5): use beyond a soft quota in the period that ended,
/// at the plan's unit price, rounded to the currency's minor unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverageCharge {
    /// The meter's key.
    pub meter: String,
    /// The units beyond the quota.
    pub quantity: rust_decimal::Decimal,
    /// The plan's price of one unit (may be finer than a cent).
    pub unit_price: rust_decimal::Decimal,
    /// `quantity × unit_price`, rounded: what the line charges.
    pub amount: Money,
}

/// The usage a renewal charges for (R-U5), from the usage context.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UsageCharges: Send + Sync {
    /// The overage lines of `purchase` for `period`, which has ended; empty when it has
    /// none (an unmetered plan, or use within every quota). Asking again answers the same
    /// lines: usage received after the period's end counts in the next one.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the figures cannot be read, or a line is not in
    /// the purchase's currency.
    async fn overage(
        &self,
        purchase: &Purchase,
        period: Period,
    ) -> Result<Vec<OverageCharge>, RepoError>;
}
