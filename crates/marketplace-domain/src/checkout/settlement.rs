//! Settlement: what happens once the payment provider (or an admin, for an invoice) says
//! where an order's payment stands. A confirmed payment fulfils its order exactly once
//! (R-O4), a losing order is failed and refunded (R-O5), a failed payment fails a pending
//! order, and a payment that succeeds after its order failed is refunded.

use chrono::{DateTime, Utc};

use crate::access::{Actor, Permission};
use crate::audit::AuditEvent;
use crate::catalog::offers;
use crate::checkout::{FulfilmentPlan, IllegalTransition, Order, OrderStatus, PaymentState};
use crate::ids::OrderId;
use crate::item::ItemRef;
use crate::payment::PaymentMethod;
use crate::ports::{Conflict, RepoError};

use super::service::{CheckoutError, CheckoutService, failure_reason};

/// What confirming a payment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    Fulfilled(Order),
    /// It had been fulfilled before: nothing changed (R-O4).
    AlreadyFulfilled(Order),
    /// Another order bought the item first; this one failed and its payment was refunded
    /// (R-O5).
    FailedAlreadyOwned {
        order: Order,
        item: ItemRef,
    },
}

/// What settling a payment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    Confirmed(Confirmation),
    /// The order failed (or was already failed) with the payment.
    Failed(Order),
    /// The payment succeeded after its order had failed or been cancelled; it was refunded.
    RefundedLatePayment(Order),
    /// The gateway is still waiting for the buyer.
    Pending(Order),
}

impl CheckoutService {
    /// R-O4, R-O5: the gateway confirmed the payment `reference`: fulfil its order once.
    /// When another order bought an item first, this order fails and the payment is
    /// refunded.
    ///
    /// # Errors
    /// `NotFound` for an unknown payment; `Payment` when the refund of a losing order
    /// failed (the order is then FAILED and the refund is retried by reconciliation);
    /// `Infrastructure`.
    pub async fn confirm_payment(&self, reference: &str) -> Result<Confirmation, CheckoutError> {
        let order = self
            .orders
            .find_by_payment(reference)
            .await?
            .ok_or(CheckoutError::NotFound)?;
        self.fulfil(order).await
    }

    /// The gateway reported the payment `reference` failed: a pending order fails.
    /// Repeated reports change nothing.
    ///
    /// # Errors
    /// `NotFound`, `Infrastructure`.
    pub async fn payment_failed(
        &self,
        reference: &str,
        code: Option<String>,
    ) -> Result<Order, CheckoutError> {
        let mut order = self
            .orders
            .find_by_payment(reference)
            .await?
            .ok_or(CheckoutError::NotFound)?;
        if order.status() != OrderStatus::PendingPayment {
            return Ok(order);
        }
        let now = self.clock.now();
        let reason = failure_reason(code.as_deref());
        order.fail(reason.clone(), now)?;
        self.orders
            .transition(
                order.id(),
                OrderStatus::PendingPayment,
                OrderStatus::Failed,
                Some(reason),
                now,
            )
            .await?;
        self.audit
            .record(AuditEvent::system(
                Some(order.org_id()),
                "order.payment_failed",
                "order",
                order.id().as_uuid(),
                now,
            ))
            .await;
        Ok(order)
    }

    /// R-O3: a platform admin settles an INVOICE order, which is then fulfilled.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `WrongPaymentMethod`, `IllegalTransition`, `Infrastructure`.
    pub async fn mark_paid(
        &self,
        actor: &Actor,
        id: OrderId,
    ) -> Result<Confirmation, CheckoutError> {
        self.policy.require(actor, Permission::ManageBilling)?;
        let order = self.orders.find(id).await?.ok_or(CheckoutError::NotFound)?;
        if order.payment_method() != PaymentMethod::Invoice {
            return Err(CheckoutError::WrongPaymentMethod {
                expected: PaymentMethod::Invoice,
            });
        }
        if !order.status().awaits_payment() && order.status() != OrderStatus::Fulfilled {
            return Err(IllegalTransition {
                from: order.status(),
                to: OrderStatus::Paid,
            }
            .into());
        }
        let outcome = self.fulfil(order).await?;
        self.audit
            .record(AuditEvent::by(
                actor,
                "order.marked_paid",
                "order",
                id.as_uuid(),
                self.clock.now(),
            ))
            .await;
        Ok(outcome)
    }

    /// Reconciliation: asks the gateway about card orders left pending since before
    /// `before` and fulfils or fails them, so a lost confirmation loses nothing. Returns
    /// how many orders changed.
    ///
    /// # Errors
    /// `Infrastructure` when the orders cannot be read; gateway failures for one order are
    /// logged and that order is left for the next run.
    pub async fn reconcile(&self, before: DateTime<Utc>) -> Result<usize, CheckoutError> {
        let mut changed = 0;
        for order in self.orders.pending_card_orders(before).await? {
            let order_id = order.id();
            let Some(payment) = order.payment() else {
                continue;
            };
            match self.settle(&payment.reference).await {
                Ok(Settlement::Pending(_)) => {}
                Ok(_) => changed += 1,
                Err(e) => {
                    tracing::warn!(%order_id, payment = %payment.reference, error = %e, "reconciliation left an order for the next run");
                }
            }
        }
        Ok(changed)
    }

    /// Brings the order of payment `reference` in line with where the gateway says the
    /// payment stands now. The provider's current state, not the order its events arrive
    /// in, is the truth, so settling twice or out of order ends the same way. A payment
    /// that succeeded for an order already failed or cancelled is refunded: no charge
    /// without a sale.
    ///
    /// # Errors
    /// `NotFound` for an unknown payment; `Payment` when the gateway cannot answer;
    /// `Infrastructure`.
    pub async fn settle(&self, reference: &str) -> Result<Settlement, CheckoutError> {
        let order = self
            .orders
            .find_by_payment(reference)
            .await?
            .ok_or(CheckoutError::NotFound)?;
        match self.payments.payment_state(reference).await? {
            PaymentState::Succeeded => match order.status() {
                OrderStatus::Failed | OrderStatus::Cancelled => {
                    let key = format!("order-{}-late-payment", order.id());
                    self.payments.refund(reference, order.total(), &key).await?;
                    Ok(Settlement::RefundedLatePayment(order))
                }
                _ => Ok(Settlement::Confirmed(self.fulfil(order).await?)),
            },
            PaymentState::Failed { code } => Ok(Settlement::Failed(
                self.payment_failed(reference, code).await?,
            )),
            PaymentState::Cancelled => Ok(Settlement::Failed(
                self.payment_failed(reference, Some("cancelled".into()))
                    .await?,
            )),
            PaymentState::Pending => Ok(Settlement::Pending(order)),
        }
    }

    async fn fulfil(&self, mut order: Order) -> Result<Confirmation, CheckoutError> {
        if order.status() == OrderStatus::Fulfilled {
            return Ok(Confirmation::AlreadyFulfilled(order));
        }
        if !order.status().awaits_payment() {
            return Err(IllegalTransition {
                from: order.status(),
                to: OrderStatus::Fulfilled,
            }
            .into());
        }
        let now = self.clock.now();
        let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
        let live = offers(self.catalog.as_ref(), &items).await?;
        let holdings = self.holdings.holdings(order.org_id(), now).await?;
        let plan = self.plan(&order, &live, &holdings, now).await?;
        match self.orders.fulfil(&plan).await {
            Ok(()) => {
                order.fulfil(now)?;
                self.start_subscriptions(&order, &plan).await;
                self.audit
                    .record(AuditEvent::system(
                        Some(order.org_id()),
                        "order.fulfilled",
                        "order",
                        order.id().as_uuid(),
                        now,
                    ))
                    .await;
                Ok(Confirmation::Fulfilled(order))
            }
            Err(RepoError::Stale(_)) => {
                let current = self
                    .orders
                    .find(order.id())
                    .await?
                    .ok_or(CheckoutError::NotFound)?;
                if current.status() == OrderStatus::Fulfilled {
                    Ok(Confirmation::AlreadyFulfilled(current))
                } else {
                    Err(IllegalTransition {
                        from: current.status(),
                        to: OrderStatus::Fulfilled,
                    }
                    .into())
                }
            }
            Err(RepoError::Conflict(Conflict::ActivePurchase { item })) => {
                self.lose_race(order, item, now).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Starts a provider subscription for each recurring purchase the card order bought,
    /// billing its plan's price from the end of its first period (or trial, R-B10).
    /// A failure is logged and leaves the purchase to expire at its period's end: the sale
    /// itself stands.
    pub(super) async fn start_subscriptions(&self, order: &Order, plan: &FulfilmentPlan) {
        let Some(purchases) = &self.subscriptions else {
            return;
        };
        if order.payment_method() != PaymentMethod::CreditCard {
            return;
        }
        for purchase in &plan.purchases {
            let crate::purchase::Billing::Recurring {
                interval, period, ..
            } = *purchase.billing()
            else {
                continue;
            };
            let amount = match self.plan_price(purchase).await {
                Ok(amount) => amount,
                Err(e) => {
                    tracing::warn!(purchase_id = %purchase.id(), error = %e, "subscription not started");
                    continue;
                }
            };
            let request = crate::checkout::SubscriptionRequest {
                purchase_id: purchase.id(),
                org_id: purchase.org_id(),
                amount,
                interval,
                first_renewal_at: period.end(),
                idempotency_key: format!("purchase-{}-subscription", purchase.id()),
                description: format!("Marketplace purchase {}", purchase.id()),
                payment_reference: order.payment().map(|p| p.reference.clone()),
            };
            match self.payments.subscribe(&request).await {
                Ok(Some(subscription)) => {
                    let mut with_ref = purchase.clone();
                    with_ref.attach_subscription(subscription);
                    if let Err(e) = purchases.save(&with_ref).await {
                        tracing::warn!(purchase_id = %purchase.id(), error = %e, "subscription not recorded");
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(purchase_id = %purchase.id(), error = %e, "subscription not started")
                }
            }
        }
    }

    /// What each renewal of `purchase` costs: its plan's price (R-B3), what was paid for
    /// it when it names no plan.
    async fn plan_price(
        &self,
        purchase: &crate::purchase::Purchase,
    ) -> Result<crate::money::Money, RepoError> {
        let (Some(plans), Some(plan)) = (&self.plans, purchase.plan()) else {
            return Ok(purchase.amount());
        };
        let lineup = plans.item_plans(purchase.item()).await?;
        Ok(lineup
            .plans()
            .iter()
            .find(|p| p.id() == plan)
            .map_or(purchase.amount(), crate::plan::Plan::price))
    }

    /// R-O5: the order lost the race for `item`: it fails and any payment taken is
    /// refunded, so nobody pays twice.
    async fn lose_race(
        &self,
        mut order: Order,
        item: ItemRef,
        now: DateTime<Utc>,
    ) -> Result<Confirmation, CheckoutError> {
        let from = order.status();
        order.fail("already_owned", now)?;
        // Refund first: if the refund fails the order still awaits payment, so
        // reconciliation meets the same conflict again and retries the (idempotent) refund.
        if let (PaymentMethod::CreditCard, Some(payment)) =
            (order.payment_method(), order.payment())
        {
            let key = format!("order-{}-lost-race", order.id());
            self.payments
                .refund(&payment.reference, order.total(), &key)
                .await?;
        }
        self.orders
            .transition(
                order.id(),
                from,
                OrderStatus::Failed,
                order.failure_reason().map(str::to_owned),
                now,
            )
            .await?;
        self.audit
            .record(AuditEvent::system(
                Some(order.org_id()),
                "order.failed_already_owned",
                "order",
                order.id().as_uuid(),
                now,
            ))
            .await;
        Ok(Confirmation::FailedAlreadyOwned { order, item })
    }
}
