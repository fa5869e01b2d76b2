//! Where sellers, their ledger and their payouts live, and the payout provider.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ids::{OrgId, SellerId, ToolId};
use crate::money::Money;
use crate::payment::PaymentError;
use crate::ports::RepoError;
use crate::revenue::{Posting, YearMonth};
use crate::seller::{ConnectAccount, Payout, PayoutPlan, Seller};

/// Sellers (global records, not tenant-scoped: the service decides who sees which), the
/// ledger read per seller, and payout records.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SellerRepository: Send + Sync {
    /// `Ok(None)` for an unknown id.
    async fn get(&self, id: SellerId) -> Result<Option<Seller>, RepoError>;

    /// The seller `org`'s users manage; `Ok(None)` when the org manages none.
    async fn of_org(&self, org: OrgId) -> Result<Option<Seller>, RepoError>;

    /// The seller whose connected account is `account_id`; `Ok(None)` when none.
    async fn by_connect_account(&self, account_id: &str) -> Result<Option<Seller>, RepoError>;

    /// Every seller, by id.
    async fn list(&self) -> Result<Vec<Seller>, RepoError>;

    /// Inserts the seller or replaces every field of the stored one with the same id.
    ///
    /// # Errors
    /// `RepoError::Conflict(Conflict::SellerOrg)` when another seller
    /// is managed by the same org; `Conflict(ConnectAccount)`
    /// when another seller has the connected account; `RepoError::NotFound` when the org
    /// does not exist.
    async fn upsert(&self, seller: &Seller) -> Result<(), RepoError>;

    /// Records the seller's connected account (or its new state).
    ///
    /// # Errors
    /// `RepoError::NotFound` for an unknown seller; `Conflict(ConnectAccount)` when the
    /// account belongs to another seller.
    async fn set_connect_account(
        &self,
        id: SellerId,
        account: &ConnectAccount,
    ) -> Result<(), RepoError>;

    /// The ids of the tools the seller sells, in id order.
    async fn tools_of(&self, id: SellerId) -> Result<Vec<ToolId>, RepoError>;

    /// Makes `seller` the seller of `tool` (later sales split by its terms).
    ///
    /// # Errors
    /// `RepoError::NotFound` for an unknown tool or seller.
    async fn assign_tool(&self, tool: ToolId, seller: SellerId) -> Result<(), RepoError>;

    /// Every posting with an entry on one of `seller`'s accounts that occurred in
    /// `[from, to)` (an open end when `None`), oldest first, whole: with the entries of
    /// other accounts and other sellers too (statements need the gross and fees beside
    /// the payable).
    async fn postings_for(
        &self,
        seller: SellerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<Posting>, RepoError>;

    /// Every posting that occurred in `[from, to)`, oldest first (admin reports).
    async fn postings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Posting>, RepoError>;

    /// The payout of `seller`'s `month`; `Ok(None)` when none was recorded.
    async fn payout_for(
        &self,
        seller: SellerId,
        month: YearMonth,
    ) -> Result<Option<Payout>, RepoError>;

    /// The seller's payouts, newest month first.
    async fn payouts_of(&self, seller: SellerId) -> Result<Vec<Payout>, RepoError>;

    /// Inserts a `Pending` payout and its posting (`SellerPayable` → `PayoutsInTransit`)
    /// in one transaction.
    ///
    /// # Errors
    /// `RepoError::Conflict(Conflict::PayoutMonth)`, writing
    /// nothing, when the (seller, month) already has a payout.
    async fn record_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError>;

    /// Marks the payout `Paid` with its transfer and writes its posting
    /// (`PayoutsInTransit` → `PaidOut`), in one transaction, if it is still `Pending`.
    ///
    /// # Errors
    /// `RepoError::Stale`, writing nothing, when it is not `Pending` any more;
    /// `RepoError::NotFound` when there is no such payout.
    async fn complete_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError>;

    /// Marks the payout `Failed` and writes its reversal (`PayoutsInTransit` →
    /// `SellerPayable`), in one transaction, if it is still `Pending`.
    ///
    /// # Errors
    /// As [`SellerRepository::complete_payout`].
    async fn reverse_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError>;
}

/// A transfer the provider made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The provider's id (`tr_…`).
    pub id: String,
}

/// The payout provider (Stripe Connect): connected accounts for sellers and transfers to
/// them. Failures are the payment port's [`PaymentError`]s: `Declined`, `Invalid` and
/// `Configuration` are final (the transfer did not happen); `Unavailable` leaves it
/// unknown whether it happened.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PayoutGateway: Send + Sync {
    /// Sends `amount` to `account_id`. The same `idempotency_key` transfers once however
    /// often it is sent, and answers with the same transfer.
    async fn transfer(
        &self,
        account_id: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<Transfer, PaymentError>;

    /// Creates the connected account of a seller (Stripe: an Express account); the same
    /// `idempotency_key` creates one account.
    async fn create_account(
        &self,
        seller: SellerId,
        idempotency_key: &str,
    ) -> Result<ConnectAccount, PaymentError>;

    /// A one-time link where the seller completes onboarding; `refresh_url` is where an
    /// expired link sends them, `return_url` where a finished one does.
    async fn account_link(
        &self,
        account_id: &str,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<String, PaymentError>;
}
