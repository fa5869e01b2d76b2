//! Purchase use cases: list and cancel (purchasers), refund (platform admins), renew and
//! expire (the payment gateway's events and the expiry job).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::checkout::{OrderRepository, PaymentGateway};
use crate::entitlement::{HeldPurchase, HoldingsRepository, successors};
use crate::ids::PurchaseId;
use crate::item::ItemRef;
use crate::money::Money;
use crate::paging::{Page, PageRequest};
use crate::payment::{PaymentError, PaymentMethod};
use crate::ports::{Clock, IdGenerator, IdGeneratorExt, RepoError};
use crate::purchase::GracePeriod;
use crate::purchase::{
    Billing, Purchase, PurchaseEnd, PurchaseFilter, PurchaseRepository, PurchaseRuleError,
    RefundExtent, RefundPlan,
};
use crate::revenue::{Posting, PostingKind, RevenueError, refund_posting_after};

/// What purchase actions can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PurchaseError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("not found")]
    NotFound,
    /// The purchase cannot make this move (not active, not recurring, refund too large…).
    #[error(transparent)]
    Rule(#[from] PurchaseRuleError),
    #[error("the purchase has no sale to reverse")]
    NothingToReverse,
    #[error("payment gateway failure")]
    Payment(#[source] PaymentError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for PurchaseError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}

impl From<RevenueError> for PurchaseError {
    fn from(e: RevenueError) -> Self {
        Self::Infrastructure(RepoError::unavailable(e))
    }
}

/// The purchase use cases.
#[derive(Clone)]
pub struct PurchaseService {
    purchases: Arc<dyn PurchaseRepository>,
    orders: Arc<dyn OrderRepository>,
    holdings: Arc<dyn HoldingsRepository>,
    payments: Arc<dyn PaymentGateway>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// How long after its period a purchase that renews by itself keeps access while its
    /// renewal may still arrive (R-B5).
    grace: GracePeriod,
    policy: AccessPolicy,
}

impl std::fmt::Debug for PurchaseService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PurchaseService").finish_non_exhaustive()
    }
}

impl PurchaseService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        purchases: Arc<dyn PurchaseRepository>,
        orders: Arc<dyn OrderRepository>,
        holdings: Arc<dyn HoldingsRepository>,
        payments: Arc<dyn PaymentGateway>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            purchases,
            orders,
            holdings,
            payments,
            audit,
            clock,
            ids,
            grace: GracePeriod::default(),
            policy: AccessPolicy,
        }
    }

    /// Configures the grace (3 days unless set).
    #[must_use]
    pub const fn with_grace(mut self, grace: GracePeriod) -> Self {
        self.grace = grace;
        self
    }

    /// A page of the org's purchases, optionally of one status, newest first.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn list(
        &self,
        actor: &Actor,
        status: PurchaseFilter,
        page: PageRequest,
    ) -> Result<Page<Purchase>, PurchaseError> {
        self.policy.require(actor, Permission::Purchase)?;
        Ok(self.purchases.page(actor.org_id, status, page).await?)
    }

    /// R-R2: stops auto-renew; access runs to the period's end.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (also another org's), `Rule`.
    pub async fn cancel(&self, actor: &Actor, id: PurchaseId) -> Result<Purchase, PurchaseError> {
        self.policy.require(actor, Permission::Purchase)?;
        let mut purchase = self
            .purchases
            .get(actor.org_id, id)
            .await?
            .ok_or(PurchaseError::NotFound)?;
        let renewed_before = matches!(
            purchase.billing(),
            Billing::Recurring {
                auto_renew: true,
                ..
            }
        );
        purchase.cancel_auto_renew()?;
        if let Some(subscription) = purchase.subscription_ref() {
            self.payments
                .cancel_subscription_at_period_end(subscription)
                .await
                .map_err(PurchaseError::Payment)?;
        }
        self.purchases.save(&purchase).await?;
        self.audit
            .record(
                AuditEvent::by(
                    actor,
                    "purchase.auto_renew_cancelled",
                    "purchase",
                    id.as_uuid(),
                    self.clock.now(),
                )
                .changed_from("auto_renew", &renewed_before, &false),
            )
            .await;
        Ok(purchase)
    }

    /// Refunds a purchase in full (`amount` = `None`) or in part, through the gateway for
    /// card payments, back to credits for credit payments. A full refund ends the
    /// purchase and its entitlements (R-E2); the ledger gets the reverse posting in
    /// proportion (R-M5).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Rule`, `NothingToReverse`, `Payment`, `Infrastructure`.
    pub async fn refund(
        &self,
        actor: &Actor,
        id: PurchaseId,
        amount: Option<Money>,
    ) -> Result<Purchase, PurchaseError> {
        self.policy.require(actor, Permission::ManageBilling)?;
        let purchase = self
            .purchases
            .find(id)
            .await?
            .ok_or(PurchaseError::NotFound)?;
        let amount = amount.unwrap_or_else(|| purchase.refundable());
        let (status_before, refunded_before) = (purchase.status(), purchase.refunded());
        let plan = self.plan_refund(purchase, amount).await?;
        self.stop_provider_after(&plan).await?;
        if plan.purchase.payment_method() == PaymentMethod::CreditCard {
            let order = self
                .orders
                .find(plan.purchase.order_id())
                .await?
                .ok_or(PurchaseError::NotFound)?;
            if let Some(payment) = order.payment() {
                let key = format!("refund-{}-{}", id, plan.purchase.refunded().amount());
                self.payments
                    .refund(&payment.reference, amount, &key)
                    .await
                    .map_err(PurchaseError::Payment)?;
            }
        }
        self.purchases.refund(&plan).await?;
        self.audit
            .record(
                AuditEvent::by(
                    actor,
                    "purchase.refunded",
                    "purchase",
                    id.as_uuid(),
                    self.clock.now(),
                )
                .changed_from("status", &status_before, &plan.purchase.status())
                .changed_from(
                    "refunded",
                    &refunded_before,
                    &plan.purchase.refunded(),
                ),
            )
            .await;
        Ok(plan.purchase)
    }

    /// Records a refund the payment provider already made (its own dashboard): the same
    /// bookkeeping as [`PurchaseService::refund`] without calling the gateway.
    ///
    /// # Errors
    /// As `refund`, less `Forbidden` and `Payment`.
    pub async fn record_external_refund(
        &self,
        id: PurchaseId,
        amount: Money,
    ) -> Result<Purchase, PurchaseError> {
        let purchase = self
            .purchases
            .find(id)
            .await?
            .ok_or(PurchaseError::NotFound)?;
        let plan = self.plan_refund(purchase, amount).await?;
        self.stop_provider_after(&plan).await?;
        self.purchases.refund(&plan).await?;
        self.audit
            .record(AuditEvent::system(
                Some(plan.purchase.org_id()),
                "purchase.refunded",
                "purchase",
                id.as_uuid(),
                self.clock.now(),
            ))
            .await;
        Ok(plan.purchase)
    }

    /// R-R2: the renewal of a recurring purchase was paid: extend its period.
    ///
    /// # Errors
    /// `NotFound`, `Rule`, `Infrastructure`.
    pub async fn renew(&self, id: PurchaseId) -> Result<Purchase, PurchaseError> {
        let mut purchase = self.find(id).await?;
        purchase.renew()?;
        self.purchases.renew(&purchase).await?;
        self.record(&purchase, "purchase.renewed").await;
        Ok(purchase)
    }

    /// R-R2: the provider says the subscription is paid up to `paid_until`: extend the
    /// period to cover it. A redelivery for a period already covered changes nothing.
    ///
    /// # Errors
    /// `NotFound`, `Rule`, `Infrastructure`.
    pub async fn renew_until(
        &self,
        id: PurchaseId,
        paid_until: DateTime<Utc>,
    ) -> Result<Purchase, PurchaseError> {
        let mut purchase = self.find(id).await?;
        if purchase.renew_until(paid_until)? {
            self.purchases.renew(&purchase).await?;
            self.record(&purchase, "purchase.renewed").await;
        }
        Ok(purchase)
    }

    /// R-R2: the provider turned auto-renew on or off (cancel at period end). Repeating it
    /// changes nothing.
    ///
    /// # Errors
    /// `NotFound`, `Rule`, `Infrastructure`.
    pub async fn set_auto_renew(
        &self,
        id: PurchaseId,
        on: bool,
    ) -> Result<Purchase, PurchaseError> {
        let mut purchase = self.find(id).await?;
        if purchase.set_auto_renew(on)? {
            self.purchases.save(&purchase).await?;
            let action = if on {
                "purchase.auto_renew_on"
            } else {
                "purchase.auto_renew_cancelled"
            };
            self.record(&purchase, action).await;
        }
        Ok(purchase)
    }

    /// R-R2, R-B5, R-E2: expires every recurring purchase whose access is over (its
    /// period, or the grace after it for one that renews by itself), ending the
    /// entitlements that came only from it and its provider subscription (R-B8). Returns
    /// how many expired.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn expire_due(&self) -> Result<usize, PurchaseError> {
        let now = self.clock.now();
        let mut expired = 0;
        for mut purchase in self.purchases.due_to_expire(now).await? {
            if purchase.expire(now, self.grace).is_err() {
                continue;
            }
            let end = self.plan_end(purchase, now).await?;
            self.purchases.end(&end).await?;
            if let Some(subscription) = end.purchase.subscription_ref()
                && let Err(e) = self.payments.cancel_subscription(subscription).await
            {
                // The purchase has ended: a later charge is refunded when it arrives.
                tracing::warn!(purchase_id = %end.purchase.id(), error = %e, "provider subscription not cancelled");
            }
            self.audit
                .record(AuditEvent::system(
                    Some(end.purchase.org_id()),
                    "purchase.expired",
                    "purchase",
                    end.purchase.id().as_uuid(),
                    now,
                ))
                .await;
            expired += 1;
        }
        Ok(expired)
    }

    /// Ends a purchase now whatever its period (the provider deleted the subscription).
    ///
    /// # Errors
    /// `NotFound`, `Rule`, `Infrastructure`.
    pub async fn end_now(&self, id: PurchaseId) -> Result<Purchase, PurchaseError> {
        let mut purchase = self.find(id).await?;
        if purchase.status() != crate::purchase::PurchaseStatus::Active {
            return Ok(purchase);
        }
        let now = self.clock.now();
        purchase.end_now(now)?;
        let end = self.plan_end(purchase, now).await?;
        self.purchases.end(&end).await?;
        self.audit
            .record(AuditEvent::system(
                Some(end.purchase.org_id()),
                "purchase.ended",
                "purchase",
                id.as_uuid(),
                now,
            ))
            .await;
        Ok(end.purchase)
    }

    /// R-B8: a full refund ends the purchase, so its provider subscription is cancelled
    /// first: if that fails nothing is refunded, and the refund can be retried.
    async fn stop_provider_after(&self, plan: &RefundPlan) -> Result<(), PurchaseError> {
        if plan.extent != RefundExtent::Full {
            return Ok(());
        }
        match plan.purchase.subscription_ref() {
            Some(subscription) => self
                .payments
                .cancel_subscription(subscription)
                .await
                .map_err(PurchaseError::Payment),
            None => Ok(()),
        }
    }

    async fn find(&self, id: PurchaseId) -> Result<Purchase, PurchaseError> {
        self.purchases
            .find(id)
            .await?
            .ok_or(PurchaseError::NotFound)
    }

    /// Audits a change the provider or a job made (no acting user).
    async fn record(&self, purchase: &Purchase, action: &'static str) {
        let event = AuditEvent::system(
            Some(purchase.org_id()),
            action,
            "purchase",
            purchase.id().as_uuid(),
            self.clock.now(),
        );
        self.audit.record(event).await;
    }

    async fn plan_refund(
        &self,
        mut purchase: Purchase,
        amount: Money,
    ) -> Result<RefundPlan, PurchaseError> {
        let now = self.clock.now();
        let postings = self.purchases.postings(purchase.id()).await?;
        let (sales, earlier): (Vec<Posting>, Vec<Posting>) = postings
            .into_iter()
            .partition(|p| p.kind() == PostingKind::Sale);
        let sale = sales
            .into_iter()
            .next()
            .ok_or(PurchaseError::NothingToReverse)?;
        let was_active = purchase.status() == crate::purchase::PurchaseStatus::Active;
        let extent = purchase.refund(amount, now)?;
        let posting = refund_posting_after(self.ids.new_id(), &sale, &earlier, amount, now)?;
        let mut order = self
            .orders
            .find(purchase.order_id())
            .await?
            .ok_or(PurchaseError::NotFound)?;
        // The order's own rule says where the refund leaves it (R-O6); an order that
        // cannot take it is out of step with its purchase, and nothing is refunded.
        order
            .record_refund(amount, now)
            .map_err(|e| PurchaseError::Infrastructure(RepoError::unavailable(e)))?;
        let order_status = order.status();
        let credit_back =
            (purchase.payment_method() == PaymentMethod::PlatformCredits).then_some(amount);
        // An expired purchase's entitlements already ended: nothing more to end.
        let end = match extent {
            RefundExtent::Full if was_active => Some(self.plan_end(purchase.clone(), now).await?),
            RefundExtent::Full | RefundExtent::Partial => None,
        };
        Ok(RefundPlan {
            purchase,
            amount,
            extent,
            posting,
            end,
            credit_back,
            order_status,
        })
    }

    async fn plan_end(
        &self,
        purchase: Purchase,
        now: DateTime<Utc>,
    ) -> Result<PurchaseEnd, PurchaseError> {
        let granted = self.purchases.entitlements_of(purchase.id()).await?;
        let holdings = self.holdings.holdings(purchase.org_id(), now).await?;
        let tools = match purchase.item() {
            ItemRef::Tool(t) => vec![t],
            ItemRef::Bundle(_) => granted.iter().map(|e| e.tool_id).collect(),
        };
        let ending = HeldPurchase {
            purchase_id: purchase.id(),
            item: purchase.item(),
            tools,
            price_model: None,
        };
        let successor_entitlements = successors(
            purchase.org_id(),
            &ending,
            &holdings,
            self.ids.as_ref(),
            now,
        );
        Ok(PurchaseEnd {
            at: now,
            end_entitlements: granted.iter().map(|e| e.id).collect(),
            successor_entitlements,
            purchase,
        })
    }
}
