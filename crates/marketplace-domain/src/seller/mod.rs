//! Sellers and what the revenue ledger owes them (R-M2, R-M5, R-M6): the [`Seller`]
//! entity, its monthly [`SellerStatement`], admin [`RevenueReport`]s, and the monthly
//! payout run through the [`PayoutGateway`] (Stripe Connect).
//!
//! Who sees what ([`SellerService`]):
//! - platform admins (`ManageSellers`) create and edit sellers, assign tools to them and
//!   read the revenue reports;
//! - a seller's users, the members of the org that manages it (`ViewSellerAccount`), see
//!   that seller's data only; another org's seller is `NotFound`, and an org that manages
//!   no seller has none (`NotFound`), so nothing tells a caller whether a seller exists;
//! - onboarding (a connected account) is for the managing org's owners and admins
//!   (`ManageSellerAccount`), refused before the seller is even looked up.
//!
//! The roles are the permission matrix's ([`crate::access`]); whether the actor's org is a
//! seller is a lookup that answers `NotFound`.
//!
//! Payouts ([`PayoutService::run`]): from the 5th of the following month, each onboarded
//! third-party seller is paid what it is owed for the month (see [`payable_for_month`])
//! when at least its minimum; otherwise the balance is carried. Each (seller, month) has
//! at most one [`Payout`], written with its first posting, and every transfer attempt of
//! it carries the key `payout-{seller}-{YYYY-MM}`, so a rerun, or a run after a crash at
//! any point, never pays twice.

mod payout;
mod payout_run;
mod ports;
mod report;
#[allow(clippy::module_inception)]
mod seller;
mod service;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod service_tests;

pub use payout::{
    PAYOUT_DAY, Payout, PayoutDecision, PayoutPlan, PayoutStateError, PayoutStatus,
    SellerStatement, idempotency_key, month_end, month_start, payable_for_month, payable_now,
    payout_due, plan_payout,
};
pub use payout_run::{PayoutOutcome, PayoutReport, PayoutResult, PayoutRunError, PayoutService};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockPayoutGateway, MockSellerRepository};
pub use ports::{PayoutGateway, SellerRepository, Transfer};
pub use report::{ReportBy, ReportKey, ReportRow, ReportTotals, RevenueReport, revenue_report};
pub use seller::{
    ConnectAccount, NewSeller, PayoutSettings, Seller, SellerName, SellerParts, SellerPatch,
};
pub use service::{Onboarding, SellerService};

use crate::access::Forbidden;
use crate::field::FieldError;
use crate::payment::PaymentError;
use crate::ports::{Conflict, RepoError};

/// What seller use cases can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SellerError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such seller, or one the caller may not see; also: the caller's org manages no
    /// seller.
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Another seller is already managed by this org.
    #[error("the organization already manages another seller")]
    OrgTaken,
    /// The connected account belongs to another seller.
    #[error("the connected account belongs to another seller")]
    AccountTaken,
    /// The platform is not paid out, so it has no connected account (R-M2).
    #[error("the platform seller is not paid out")]
    PlatformSeller,
    /// No payout provider is configured (offline/demo mode).
    #[error("Stripe Connect is not configured on this service")]
    ConnectNotConfigured,
    #[error("payout provider failure")]
    Payment(#[source] PaymentError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for SellerError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            RepoError::Conflict(Conflict::SellerOrg) => Self::OrgTaken,
            RepoError::Conflict(Conflict::ConnectAccount) => Self::AccountTaken,
            other => Self::Infrastructure(other),
        }
    }
}
