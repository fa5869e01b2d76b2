//! Events from the payment provider (its webhooks), applied exactly once and in any order.
//!
//! Every effect is a guarded state move that a repeat cannot apply twice: fulfilment only
//! from an order awaiting payment (R-O4), failure only of a pending order, renewal only up
//! to the provider's period end, refunds only for the part of the provider's cumulative
//! refunded amount not yet recorded, subscription changes only when they change something.
//! The event id is checked first and recorded after its effect, so a redelivery answers
//! at once and, even when it races the first delivery or follows a crash between effect
//! and record, changes nothing.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::checkout::{CheckoutError, CheckoutService, Confirmation, OrderRepository, Settlement};
use crate::ids::OrgId;
use crate::lifecycle::{PurchaseError, PurchaseService};
use crate::money::Money;
use crate::ports::{Clock, RepoError};
use crate::purchase::{PurchaseRepository, PurchaseStatus};
use crate::renewal::{RenewalError, RenewalService};

/// What the provider reports, as the domain needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentEvent {
    /// The payment `reference` succeeded.
    PaymentSucceeded { reference: String },
    /// An attempt to pay `reference` failed.
    PaymentFailed {
        reference: String,
        code: Option<String>,
    },
    /// The provider has refunded `total_refunded` of the payment so far (cumulative).
    Refunded {
        reference: String,
        total_refunded: Money,
    },
    /// A subscription's renewal was paid, up to `paid_until` when the provider says:
    /// `amount` (the purchase's price when the provider does not say) by its payment
    /// `payment`, which the provider's refunds of it will name.
    RenewalPaid {
        subscription: String,
        paid_until: Option<DateTime<Utc>>,
        amount: Option<Money>,
        payment: Option<String>,
    },
    /// A renewal payment failed: the subscription is PAST_DUE, with access through the
    /// grace after its period's end (R-B5).
    RenewalFailed { subscription: String },
    /// The subscription will (`false`) or will not (`true`) stop at its period's end.
    SubscriptionChanged {
        subscription: String,
        cancel_at_period_end: bool,
    },
    /// The subscription ended: the purchase expires now (R-E2).
    SubscriptionEnded { subscription: String },
    /// A type the marketplace does not act on.
    Ignored,
}

/// One delivery of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// The provider's event id: the unit of exactly-once.
    pub id: String,
    /// The provider's event type, for the log.
    pub kind: String,
    pub event: PaymentEvent,
}

/// What handling an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// The effect was applied (or found already applied) and the event recorded.
    Applied,
    /// The event id had been processed before: nothing was done.
    Duplicate,
    /// Nothing in the marketplace refers to it (another system's payment, an unknown type).
    Ignored,
}

/// Which provider events were processed.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentEventLog: Send + Sync {
    /// Whether the event id was recorded.
    async fn seen(&self, event_id: &str) -> Result<bool, RepoError>;

    /// Records the event id; recording it again is a no-op.
    async fn record(
        &self,
        event_id: &str,
        kind: &str,
        org: Option<OrgId>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
}

/// What handling can fail with; the provider will redeliver, so every failure is safe to
/// retry.
#[derive(Debug, thiserror::Error)]
pub enum PaymentEventError {
    #[error(transparent)]
    Checkout(#[from] CheckoutError),
    #[error(transparent)]
    Purchase(#[from] PurchaseError),
    #[error(transparent)]
    Renewal(#[from] RenewalError),
    /// The event refers to something not in place yet (a refund of an order whose payment
    /// confirmation has not arrived): the provider's redelivery will apply it.
    #[error("not ready: {0}")]
    NotReady(&'static str),
    #[error("infrastructure failure")]
    Infrastructure(#[from] RepoError),
}

/// Applies provider events.
#[derive(Clone)]
pub struct PaymentEventService {
    checkout: CheckoutService,
    purchases: PurchaseService,
    renewals: RenewalService,
    purchase_repo: Arc<dyn PurchaseRepository>,
    orders: Arc<dyn OrderRepository>,
    log: Arc<dyn PaymentEventLog>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PaymentEventService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentEventService")
            .finish_non_exhaustive()
    }
}

impl PaymentEventService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        checkout: CheckoutService,
        purchases: PurchaseService,
        renewals: RenewalService,
        purchase_repo: Arc<dyn PurchaseRepository>,
        orders: Arc<dyn OrderRepository>,
        log: Arc<dyn PaymentEventLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            checkout,
            purchases,
            renewals,
            purchase_repo,
            orders,
            log,
            clock,
        }
    }

    /// Applies one delivery.
    ///
    /// # Errors
    /// [`PaymentEventError`] when the effect could not be applied now (the provider
    /// redelivers); nothing is recorded then.
    pub async fn handle(&self, received: ReceivedEvent) -> Result<Handled, PaymentEventError> {
        if self.log.seen(&received.id).await? {
            return Ok(Handled::Duplicate);
        }
        let org = match self.apply(&received.event).await? {
            Some(org) => org,
            None => return Ok(Handled::Ignored),
        };
        self.log
            .record(&received.id, &received.kind, org, self.clock.now())
            .await?;
        Ok(Handled::Applied)
    }

    /// The effect; `None` when nothing refers to the event, else the org it touched.
    async fn apply(
        &self,
        event: &PaymentEvent,
    ) -> Result<Option<Option<OrgId>>, PaymentEventError> {
        match event {
            PaymentEvent::PaymentSucceeded { reference }
            | PaymentEvent::PaymentFailed { reference, .. } => {
                match self.checkout.settle(reference).await {
                    Ok(
                        Settlement::Confirmed(
                            Confirmation::Fulfilled(o) | Confirmation::AlreadyFulfilled(o),
                        )
                        | Settlement::Confirmed(Confirmation::FailedAlreadyOwned {
                            order: o, ..
                        })
                        | Settlement::Failed(o)
                        | Settlement::RefundedLatePayment(o)
                        | Settlement::Pending(o),
                    ) => Ok(Some(Some(o.org_id()))),
                    // The order may not know its payment yet (the event raced the checkout).
                    Err(CheckoutError::NotFound) => Err(PaymentEventError::NotReady(
                        "no order holds this payment yet",
                    )),
                    Err(e) => Err(e.into()),
                }
            }
            PaymentEvent::Refunded {
                reference,
                total_refunded,
            } => self.refunded(reference, *total_refunded).await,
            PaymentEvent::RenewalPaid {
                subscription,
                paid_until,
                amount,
                payment,
            } => {
                let Some(purchase) = self
                    .purchase_repo
                    .find_by_subscription(subscription)
                    .await?
                else {
                    return Err(PaymentEventError::NotReady(
                        "no purchase holds this subscription yet",
                    ));
                };
                let org = purchase.org_id();
                // Collected once and posted as a sale (R-B7), or refunded at once when the
                // purchase has ended (R-B5).
                self.renewals
                    .card_renewal_paid(purchase, *paid_until, *amount, payment.clone())
                    .await?;
                Ok(Some(Some(org)))
            }
            PaymentEvent::RenewalFailed { subscription } => {
                let Some(purchase) = self
                    .purchase_repo
                    .find_by_subscription(subscription)
                    .await?
                else {
                    return Err(PaymentEventError::NotReady(
                        "no purchase holds this subscription yet",
                    ));
                };
                // PAST_DUE through the grace after the period's end, then the expiry job
                // ends it unless the provider's retry is paid first (R-B5).
                self.renewals.card_renewal_failed(&purchase).await?;
                Ok(Some(Some(purchase.org_id())))
            }
            PaymentEvent::SubscriptionChanged {
                subscription,
                cancel_at_period_end,
            } => {
                let Some(purchase) = self
                    .purchase_repo
                    .find_by_subscription(subscription)
                    .await?
                else {
                    return Err(PaymentEventError::NotReady(
                        "no purchase holds this subscription yet",
                    ));
                };
                if purchase.status() == PurchaseStatus::Active {
                    self.purchases
                        .set_auto_renew(purchase.id(), !cancel_at_period_end)
                        .await?;
                }
                Ok(Some(Some(purchase.org_id())))
            }
            PaymentEvent::SubscriptionEnded { subscription } => {
                let Some(purchase) = self
                    .purchase_repo
                    .find_by_subscription(subscription)
                    .await?
                else {
                    return Err(PaymentEventError::NotReady(
                        "no purchase holds this subscription yet",
                    ));
                };
                self.purchases.end_now(purchase.id()).await?;
                Ok(Some(Some(purchase.org_id())))
            }
            PaymentEvent::Ignored => Ok(None),
        }
    }

    /// Records the part of the provider's cumulative refund not yet booked, spread over
    /// the order's purchases in line order.
    async fn refunded(
        &self,
        reference: &str,
        total_refunded: Money,
    ) -> Result<Option<Option<OrgId>>, PaymentEventError> {
        let Some(order) = self.orders.find_by_payment(reference).await? else {
            // Not an order's payment: a renewal's refund reverses that renewal (R-B7). A
            // payment nothing here holds is irrelevant: a checkout's payment is attached
            // to its order before the buyer can pay it, and a renewal's is recorded when
            // its invoice is paid, before any refund of it can be made. So no retry would
            // change the answer.
            return match self
                .renewals
                .renewal_refunded(reference, total_refunded)
                .await?
            {
                Some(renewal) => Ok(Some(Some(renewal.org_id))),
                None => Ok(None),
            };
        };
        if order.status().awaits_payment() {
            return Err(PaymentEventError::NotReady(
                "the payment's order is not fulfilled yet",
            ));
        }
        let Ok(mut outstanding) = total_refunded.checked_sub(order.refunded()) else {
            return Ok(Some(Some(order.org_id())));
        };
        if outstanding.is_negative() || outstanding.is_zero() {
            return Ok(Some(Some(order.org_id())));
        }
        let purchases = self.purchase_repo.list(order.org_id(), None).await?;
        // In the order's line order, so the split does not depend on how purchases list.
        for line in order.lines() {
            let Some(purchase) = purchases
                .iter()
                .find(|p| p.order_id() == order.id() && p.item() == line.item)
            else {
                continue;
            };
            if outstanding.is_zero() {
                break;
            }
            let refundable = purchase.refundable();
            if refundable.is_zero() {
                continue;
            }
            let part = if refundable.amount() < outstanding.amount() {
                refundable
            } else {
                outstanding
            };
            self.purchases
                .record_external_refund(purchase.id(), part)
                .await?;
            outstanding = outstanding
                .checked_sub(part)
                .map_err(RepoError::unavailable)?;
        }
        Ok(Some(Some(order.org_id())))
    }
}
