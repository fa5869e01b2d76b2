//! Orders (R-O1, R-O3, R-O6): what a checkout bought, at which prices, and where its
//! payment stands.

use chrono::{DateTime, Utc};

use crate::ids::{OrderId, OrgId, UserId};
use crate::item::ItemRef;
use crate::money::Money;
use crate::payment::PaymentMethod;

/// An order's state (R-O6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Fulfilled,
    Failed,
    Cancelled,
    Refunded,
    PartiallyRefunded,
}
crate::labelled!(OrderStatus, "order status", {
    PendingPayment => "PENDING_PAYMENT", Paid => "PAID", Fulfilled => "FULFILLED",
    Failed => "FAILED", Cancelled => "CANCELLED", Refunded => "REFUNDED",
    PartiallyRefunded => "PARTIALLY_REFUNDED",
});

impl OrderStatus {
    /// R-O6: the only moves an order may make. A partially refunded order may be refunded
    /// again, partly or fully.
    #[must_use]
    pub const fn can_move_to(self, next: Self) -> bool {
        use OrderStatus as S;
        matches!(
            (self, next),
            (S::PendingPayment, S::Paid | S::Failed | S::Cancelled)
                | (S::Paid, S::Fulfilled)
                | (
                    S::Fulfilled | S::PartiallyRefunded,
                    S::Refunded | S::PartiallyRefunded
                )
        )
    }

    /// Whether payment may still arrive (fulfilment may run).
    #[must_use]
    pub const fn awaits_payment(self) -> bool {
        matches!(self, Self::PendingPayment | Self::Paid)
    }
}

/// A move R-O6 forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot move from {from} to {to}")]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

/// Why an order cannot be placed from these lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOrder {
    #[error("an order needs at least one line")]
    NoLines,
    #[error("an order's lines must share one currency")]
    MixedCurrencies,
}

/// Why an order cannot take a change other than a status move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderRuleError {
    /// A payment is attached only to an order that still awaits one.
    #[error("the order is {0}, no longer awaiting payment")]
    NotAwaitingPayment(OrderStatus),
    /// Refunds are in the order's currency and never exceed its total.
    #[error("the refund does not fit what the order took")]
    RefundExceedsTotal,
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
}

/// One bought item with its price snapshot (R-O1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    pub item: ItemRef,
    pub name: String,
    /// What the line charges at checkout: the plan's price, 0 during a trial (R-B3).
    pub price_at_purchase: Money,
    /// The plan it is bought under (R-B3); `None` for an order placed before plans, or
    /// for an item sold without one.
    pub plan: Option<LinePlan>,
}

/// The plan an order line names, as it stood at checkout: which plan, how often it is
/// paid, and the trial granted with it (R-B3, R-B10). A snapshot, so the purchase the
/// line becomes does not depend on later edits of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinePlan {
    pub id: crate::ids::PlanId,
    pub code: crate::plan::PlanCode,
    pub interval: crate::plan::BillingInterval,
    /// The trial this org got on the item with this line; `None`: paid from the start.
    pub trial: Option<crate::plan::GrantedTrial>,
}

/// What the client needs to pay a card order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRef {
    /// The gateway's payment (intent) id.
    pub reference: String,
    pub client_secret: Option<String>,
}

/// Every field of an order, for adapters restoring one as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderParts {
    pub id: OrderId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub lines: Vec<OrderLine>,
    pub total: Money,
    pub refunded: Money,
    pub payment: Option<PaymentRef>,
    /// Why the order failed, as a stable code (`already_owned`, `payment_failed`, …).
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A checkout's order. It is placed from priced lines ([`Order::place`]) and then only
/// moves as R-O6 allows, through its methods; its total is always its lines' sum and its
/// refunds never exceed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    parts: OrderParts,
}

impl Order {
    /// R-O1: a new order for `lines`, checked and priced by the caller against the live
    /// catalog, awaiting payment; its total is the lines' sum.
    ///
    /// # Errors
    /// [`InvalidOrder`] when there is no line or the lines mix currencies.
    pub fn place(
        id: OrderId,
        org_id: OrgId,
        user_id: UserId,
        payment_method: PaymentMethod,
        lines: Vec<OrderLine>,
        now: DateTime<Utc>,
    ) -> Result<Self, InvalidOrder> {
        let currency = lines
            .first()
            .ok_or(InvalidOrder::NoLines)?
            .price_at_purchase
            .currency();
        let total = Money::sum(currency, lines.iter().map(|l| l.price_at_purchase))
            .map_err(|_| InvalidOrder::MixedCurrencies)?;
        Ok(Self {
            parts: OrderParts {
                id,
                org_id,
                user_id,
                status: OrderStatus::PendingPayment,
                payment_method,
                lines,
                total,
                refunded: Money::zero(currency),
                payment: None,
                failure_reason: None,
                created_at: now,
                updated_at: now,
            },
        })
    }

    /// An order as stored.
    #[must_use]
    pub const fn restore(parts: OrderParts) -> Self {
        Self { parts }
    }

    #[must_use]
    pub fn into_parts(self) -> OrderParts {
        self.parts
    }

    #[must_use]
    pub const fn id(&self) -> OrderId {
        self.parts.id
    }

    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.parts.org_id
    }

    #[must_use]
    pub const fn user_id(&self) -> UserId {
        self.parts.user_id
    }

    #[must_use]
    pub const fn status(&self) -> OrderStatus {
        self.parts.status
    }

    #[must_use]
    pub const fn payment_method(&self) -> PaymentMethod {
        self.parts.payment_method
    }

    #[must_use]
    pub fn lines(&self) -> &[OrderLine] {
        &self.parts.lines
    }

    /// The sum of the lines' prices at purchase.
    #[must_use]
    pub const fn total(&self) -> Money {
        self.parts.total
    }

    /// What has been refunded so far.
    #[must_use]
    pub const fn refunded(&self) -> Money {
        self.parts.refunded
    }

    #[must_use]
    pub const fn payment(&self) -> Option<&PaymentRef> {
        self.parts.payment.as_ref()
    }

    /// Why the order failed, as a stable code (`already_owned`, `payment_failed`, …).
    #[must_use]
    pub fn failure_reason(&self) -> Option<&str> {
        self.parts.failure_reason.as_deref()
    }

    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.parts.created_at
    }

    #[must_use]
    pub const fn updated_at(&self) -> DateTime<Utc> {
        self.parts.updated_at
    }

    /// Records the gateway's payment of an order that awaits one.
    ///
    /// # Errors
    /// [`OrderRuleError::NotAwaitingPayment`].
    pub fn attach_payment(&mut self, payment: PaymentRef) -> Result<(), OrderRuleError> {
        if !self.parts.status.awaits_payment() {
            return Err(OrderRuleError::NotAwaitingPayment(self.parts.status));
        }
        self.parts.payment = Some(payment);
        Ok(())
    }

    /// R-O4, R-O6: payment confirmed, the order is FULFILLED (through PAID when it was
    /// still PENDING_PAYMENT).
    ///
    /// # Errors
    /// [`IllegalTransition`] to FULFILLED when the order no longer awaits payment.
    pub fn fulfil(&mut self, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        if !self.parts.status.awaits_payment() {
            return Err(IllegalTransition {
                from: self.parts.status,
                to: OrderStatus::Fulfilled,
            });
        }
        if self.parts.status == OrderStatus::PendingPayment {
            self.move_to(OrderStatus::Paid, now)?;
        }
        self.move_to(OrderStatus::Fulfilled, now)
    }

    /// R-O6: the payment failed (or the order lost the race for an item, R-O5); `reason`
    /// is the stable failure code.
    ///
    /// # Errors
    /// [`IllegalTransition`] unless the order is PENDING_PAYMENT.
    pub fn fail(
        &mut self,
        reason: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        self.move_to(OrderStatus::Failed, now)?;
        self.parts.failure_reason = Some(reason.into());
        Ok(())
    }

    /// R-O6: the buyer gave up on an order still awaiting payment.
    ///
    /// # Errors
    /// [`IllegalTransition`] unless the order is PENDING_PAYMENT.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        self.move_to(OrderStatus::Cancelled, now)
    }

    /// R-O6, R-M5: `amount` of a fulfilled order was refunded: REFUNDED once refunds reach
    /// the total, PARTIALLY_REFUNDED before.
    ///
    /// # Errors
    /// [`OrderRuleError::RefundExceedsTotal`] for a refund in another currency or beyond
    /// the total; [`OrderRuleError::IllegalTransition`] for an order that was not
    /// fulfilled or is refunded already. The order is unchanged on error.
    pub fn record_refund(
        &mut self,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<(), OrderRuleError> {
        let refunded = self
            .parts
            .refunded
            .checked_add(amount)
            .map_err(|_| OrderRuleError::RefundExceedsTotal)?;
        if amount.is_negative() || refunded.amount() > self.parts.total.amount() {
            return Err(OrderRuleError::RefundExceedsTotal);
        }
        let next = if refunded == self.parts.total {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        };
        self.move_to(next, now)?;
        self.parts.refunded = refunded;
        Ok(())
    }

    /// R-O6: moves to `next` or refuses; the one place the status changes.
    fn move_to(&mut self, next: OrderStatus, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        if !self.parts.status.can_move_to(next) {
            return Err(IllegalTransition {
                from: self.parts.status,
                to: next,
            });
        }
        self.parts.status = next;
        self.parts.updated_at = now;
        Ok(())
    }
}

/// The key a client sends so a retried checkout returns the same order (R-O2): 1..=255
/// visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// # Errors
    /// A message when the key is empty, too long or has other characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > 255 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be 1 to 255 visible ASCII characters");
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stable digest of what a checkout was asked to buy and how, to tell a retry (same
/// key, same request) from a different request under a reused key (R-O2).
#[must_use]
pub fn fingerprint(items: &[ItemRef], method: PaymentMethod) -> String {
    let lines: Vec<_> = items.iter().map(|i| (*i, None)).collect();
    fingerprint_with_plans(&lines, method)
}

/// As [`fingerprint`], with the plan each line names (R-B3): the same items under
/// another plan are another checkout. Lines naming no plan print as [`fingerprint`]
/// prints them.
#[must_use]
pub fn fingerprint_with_plans(
    lines: &[(ItemRef, Option<crate::ids::PlanId>)],
    method: PaymentMethod,
) -> String {
    let mut sorted = lines.to_vec();
    sorted.sort_unstable_by_key(|(item, _)| *item);
    let canonical = sorted
        .iter()
        .fold(method.as_str().to_owned(), |mut s, (i, plan)| {
            s.push('|');
            s.push_str(i.kind().as_str());
            s.push(':');
            s.push_str(&i.uuid().to_string());
            if let Some(plan) = plan {
                s.push('@');
                s.push_str(&plan.to_string());
            }
            s
        });
    // Two FNV-1a passes with different offsets: 128 bits, enough to tell requests apart
    // (this is not a security boundary; the key is already scoped to the org).
    let fnv = |offset: u64| {
        canonical.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BundleId, ToolId};
    use crate::money::Currency;
    use rust_decimal::dec;
    use uuid::Uuid;

    #[test]
    fn r_o6_only_the_allowed_moves() {
        use OrderStatus as S;
        let allowed = [
            (S::PendingPayment, S::Paid),
            (S::PendingPayment, S::Failed),
            (S::PendingPayment, S::Cancelled),
            (S::Paid, S::Fulfilled),
            (S::Fulfilled, S::Refunded),
            (S::Fulfilled, S::PartiallyRefunded),
            (S::PartiallyRefunded, S::PartiallyRefunded),
            (S::PartiallyRefunded, S::Refunded),
        ];
        for from in S::ALL {
            for to in S::ALL {
                assert_eq!(
                    from.can_move_to(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    fn at(minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2025, 1, 1, 0, minute, 0).unwrap()
    }

    fn line(n: u128, amount: rust_decimal::Decimal, currency: Currency) -> OrderLine {
        OrderLine {
            item: ItemRef::Tool(ToolId::from_uuid(Uuid::from_u128(n))),
            name: format!("Tool {n}"),
            price_at_purchase: Money::new(amount, currency).unwrap(),
            plan: None,
        }
    }

    fn usd(amount: rust_decimal::Decimal) -> Money {
        Money::new(amount, Currency::USD).unwrap()
    }

    /// A pending order of two lines, 30.00 USD in all.
    fn pending() -> Order {
        Order::place(
            OrderId::from_uuid(Uuid::from_u128(9)),
            OrgId::from_uuid(Uuid::from_u128(8)),
            UserId::from_uuid(Uuid::from_u128(7)),
            PaymentMethod::CreditCard,
            vec![
                line(1, dec!(10.00), Currency::USD),
                line(2, dec!(20.00), Currency::USD),
            ],
            at(0),
        )
        .unwrap()
    }

    #[test]
    fn r_o1_an_order_is_placed_pending_at_the_sum_of_its_lines() {
        let order = pending();
        assert_eq!(order.status(), OrderStatus::PendingPayment);
        assert_eq!(order.total(), usd(dec!(30.00)));
        assert_eq!(order.refunded(), usd(dec!(0)));
        assert_eq!(order.lines().len(), 2);
        assert_eq!((order.payment(), order.failure_reason()), (None, None));
        assert_eq!((order.created_at(), order.updated_at()), (at(0), at(0)));
    }

    #[test]
    fn r_o1_an_order_needs_lines_in_one_currency() {
        let place = |lines| {
            Order::place(
                OrderId::from_uuid(Uuid::from_u128(9)),
                OrgId::from_uuid(Uuid::from_u128(8)),
                UserId::from_uuid(Uuid::from_u128(7)),
                PaymentMethod::Invoice,
                lines,
                at(0),
            )
        };
        assert_eq!(place(vec![]), Err(InvalidOrder::NoLines));
        assert_eq!(
            place(vec![
                line(1, dec!(10.00), Currency::USD),
                line(2, dec!(10.00), Currency::EUR)
            ]),
            Err(InvalidOrder::MixedCurrencies)
        );
    }

    #[test]
    fn r_o6_a_pending_order_is_fulfilled_through_paid_and_only_once() {
        let mut order = pending();
        order.fulfil(at(1)).unwrap();
        assert_eq!(order.status(), OrderStatus::Fulfilled);
        assert_eq!(order.updated_at(), at(1));
        assert_eq!(
            order.fulfil(at(2)),
            Err(IllegalTransition {
                from: OrderStatus::Fulfilled,
                to: OrderStatus::Fulfilled
            })
        );
        let mut paid = Order::restore(OrderParts {
            status: OrderStatus::Paid,
            ..pending().into_parts()
        });
        paid.fulfil(at(3)).unwrap();
        assert_eq!(paid.status(), OrderStatus::Fulfilled);
    }

    #[test]
    fn r_o6_only_a_pending_order_fails_or_is_cancelled() {
        let mut failed = pending();
        failed.fail("payment_failed:card_declined", at(1)).unwrap();
        assert_eq!(failed.status(), OrderStatus::Failed);
        assert_eq!(
            failed.failure_reason(),
            Some("payment_failed:card_declined")
        );
        let mut cancelled = pending();
        cancelled.cancel(at(1)).unwrap();
        assert_eq!(cancelled.status(), OrderStatus::Cancelled);
        for mut done in [failed, cancelled] {
            let from = done.status();
            assert_eq!(
                done.fulfil(at(2)),
                Err(IllegalTransition {
                    from,
                    to: OrderStatus::Fulfilled
                })
            );
            assert!(done.cancel(at(2)).is_err());
            assert!(done.fail("again", at(2)).is_err());
            assert_eq!(done.status(), from, "a refused move changes nothing");
        }
        let mut fulfilled = pending();
        fulfilled.fulfil(at(1)).unwrap();
        assert_eq!(
            fulfilled.cancel(at(2)),
            Err(IllegalTransition {
                from: OrderStatus::Fulfilled,
                to: OrderStatus::Cancelled
            })
        );
    }

    #[test]
    fn r_o6_refunds_move_a_fulfilled_order_to_partially_then_fully_refunded() {
        let mut order = pending();
        assert_eq!(
            order.record_refund(usd(dec!(5.00)), at(1)),
            Err(OrderRuleError::IllegalTransition(IllegalTransition {
                from: OrderStatus::PendingPayment,
                to: OrderStatus::PartiallyRefunded
            })),
            "an order not yet fulfilled takes no refund"
        );
        order.fulfil(at(1)).unwrap();
        order.record_refund(usd(dec!(10.00)), at(2)).unwrap();
        assert_eq!(
            (order.status(), order.refunded()),
            (OrderStatus::PartiallyRefunded, usd(dec!(10.00)))
        );
        assert_eq!(
            order.record_refund(usd(dec!(20.01)), at(3)),
            Err(OrderRuleError::RefundExceedsTotal)
        );
        assert_eq!(
            order.record_refund(Money::new(dec!(1), Currency::EUR).unwrap(), at(3)),
            Err(OrderRuleError::RefundExceedsTotal)
        );
        assert_eq!(order.refunded(), usd(dec!(10.00)), "unchanged on error");
        order.record_refund(usd(dec!(20.00)), at(3)).unwrap();
        assert_eq!(
            (order.status(), order.refunded()),
            (OrderStatus::Refunded, usd(dec!(30.00)))
        );
        assert!(order.record_refund(usd(dec!(0.01)), at(4)).is_err());
    }

    #[test]
    fn a_payment_attaches_only_while_the_order_awaits_one() {
        let payment = PaymentRef {
            reference: "pi_1".into(),
            client_secret: None,
        };
        let mut order = pending();
        order.attach_payment(payment.clone()).unwrap();
        assert_eq!(order.payment(), Some(&payment));
        order.cancel(at(1)).unwrap();
        assert_eq!(
            order.attach_payment(payment),
            Err(OrderRuleError::NotAwaitingPayment(OrderStatus::Cancelled))
        );
    }

    #[test]
    fn r_o2_fingerprint_ignores_line_order_but_not_content_or_method() {
        let a = ItemRef::Tool(ToolId::from_uuid(Uuid::from_u128(1)));
        let b = ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(2)));
        let f = fingerprint(&[a, b], PaymentMethod::Invoice);
        assert_eq!(f, fingerprint(&[b, a], PaymentMethod::Invoice));
        assert_ne!(f, fingerprint(&[a], PaymentMethod::Invoice));
        assert_ne!(f, fingerprint(&[a, b], PaymentMethod::CreditCard));
        assert_eq!(f.len(), 32);
    }

    #[test]
    fn r_o2_idempotency_keys_are_1_to_255_visible_chars() {
        assert!(IdempotencyKey::parse("order-2025-01-01-abc").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        for bad in ["", "has space", "tab\t", &"k".repeat(256)] {
            assert!(IdempotencyKey::parse(bad).is_err());
        }
    }
}
