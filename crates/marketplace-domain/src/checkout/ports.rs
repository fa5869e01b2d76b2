//! Where orders live and how card payments are taken.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::checkout::{FulfilmentPlan, IdempotencyKey, Order, OrderStatus, PaymentRef};
use crate::ids::{OrderId, OrgId};
use crate::money::Money;
use crate::paging::{Page, PageRequest};
use crate::payment::PaymentError;
use crate::ports::RepoError;

/// A new order as one atomic change (R-O1): the order and its lines, its idempotency key
/// and, when it is paid at once (credits, zero total), the debit and the fulfilment.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedOrder {
    pub order: Order,
    pub key: IdempotencyKey,
    pub fingerprint: String,
    /// Platform credits debited in the same transaction (R-O3).
    pub credit_debit: Option<Money>,
    /// Fulfilment in the same transaction, for orders paid at once.
    pub fulfilment: Option<FulfilmentPlan>,
}

/// An order found under an idempotency key, with the fingerprint it was placed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedOrder {
    pub order: Order,
    pub fingerprint: String,
}

/// Where orders live. Tenant methods take the org (R-T3); `find*` methods are platform
/// scope, for webhooks, jobs and admins.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// The order placed under `key` in `org`, if any.
    async fn find_by_key(
        &self,
        org: OrgId,
        key: &IdempotencyKey,
    ) -> Result<Option<KeyedOrder>, RepoError>;

    /// Stores a new order atomically.
    ///
    /// # Errors
    /// `Conflict(IdempotencyKey)` when the key was taken meanwhile; `InsufficientCredits`
    /// when the debit would make the balance negative; `Conflict(ActivePurchase)` when the
    /// fulfilment would give the org a second active purchase of an item (R-O5). Nothing is
    /// stored on any error.
    async fn place(&self, placed: &PlacedOrder) -> Result<(), RepoError>;

    /// `Ok(None)` when the order does not exist in `org`.
    async fn get(&self, org: OrgId, id: OrderId) -> Result<Option<Order>, RepoError>;

    /// Platform scope: any org's order.
    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError>;

    /// Platform scope: the order paid through the gateway's `reference`.
    async fn find_by_payment(&self, reference: &str) -> Result<Option<Order>, RepoError>;

    /// The org's orders, newest first.
    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Order>, RepoError>;

    /// Records the gateway's payment for a pending order.
    async fn attach_payment(&self, id: OrderId, payment: &PaymentRef) -> Result<(), RepoError>;

    /// R-O4: runs a fulfilment atomically: order to FULFILLED, purchases, entitlements,
    /// purchase counters (one per purchase), ledger postings and the bought cart lines.
    ///
    /// # Errors
    /// `Stale` when the order no longer awaits payment (already fulfilled or failed: the
    /// caller treats a fulfilled one as done); `Conflict(ActivePurchase)` (R-O5). Nothing
    /// is stored on any error.
    async fn fulfil(&self, plan: &FulfilmentPlan) -> Result<(), RepoError>;

    /// Moves an order from `from` to `to` (R-O6 checked by the caller).
    ///
    /// # Errors
    /// `Stale` when the order is no longer in `from`.
    async fn transition(
        &self,
        id: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Platform scope: card orders still PENDING_PAYMENT that were created before `before`.
    async fn pending_card_orders(&self, before: DateTime<Utc>) -> Result<Vec<Order>, RepoError>;
}

/// A payment to take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    pub order_id: OrderId,
    pub org_id: OrgId,
    pub amount: Money,
    /// Derived from the order, so a retry never creates a second payment.
    pub idempotency_key: String,
    pub description: String,
    /// The order holds a recurring item: keep the card for its renewals (off-session
    /// charges by the provider's subscription).
    pub save_for_renewals: bool,
}

/// Where a payment stands at the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentState {
    /// Waiting for the buyer (or the bank).
    Pending,
    Succeeded,
    Failed {
        code: Option<String>,
    },
    Cancelled,
}

/// A payment created at the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub payment: PaymentRef,
    pub state: PaymentState,
}

/// A recurring purchase to bill from the end of its first period (the checkout paid the
/// first period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRequest {
    pub purchase_id: crate::ids::PurchaseId,
    pub org_id: OrgId,
    /// What each renewal costs.
    pub amount: Money,
    pub interval: crate::interval::Interval,
    /// When the first renewal is due: the end of the paid period.
    pub first_renewal_at: DateTime<Utc>,
    /// Derived from the purchase, so a retry never creates a second subscription.
    pub idempotency_key: String,
    pub description: String,
    /// The checkout's payment (its order's `PaymentRef::reference`), whose saved card the
    /// renewals charge; `None` when there is none.
    pub payment_reference: Option<String>,
}

/// Takes, checks, refunds and cancels card payments.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Creates a payment for an order; the same idempotency key returns the same payment.
    async fn create_payment(&self, request: &PaymentRequest) -> Result<Payment, PaymentError>;

    /// Where the payment `reference` stands now.
    async fn payment_state(&self, reference: &str) -> Result<PaymentState, PaymentError>;

    /// Refunds `amount` of the payment; the same idempotency key refunds once.
    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError>;

    /// Cancels a payment that has not succeeded.
    async fn cancel(&self, reference: &str) -> Result<(), PaymentError>;

    /// Starts renewing a recurring purchase; returns the provider's subscription id, or
    /// `None` when the gateway does not renew by itself (the purchase then expires at its
    /// period's end unless renewed otherwise).
    async fn subscribe(
        &self,
        _request: &SubscriptionRequest,
    ) -> Result<Option<String>, PaymentError> {
        Ok(None)
    }

    /// Cancels a subscription at once, so it never charges again (R-B8: the purchase was
    /// refunded in full or has ended). Cancelling one already cancelled succeeds.
    async fn cancel_subscription(&self, _subscription: &str) -> Result<(), PaymentError> {
        Ok(())
    }

    /// Stops a subscription at the end of its current period (R-R2: access runs to it).
    async fn cancel_subscription_at_period_end(
        &self,
        _subscription: &str,
    ) -> Result<(), PaymentError> {
        Ok(())
    }
}
