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

/// One bought item with its price snapshot (R-O1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    pub item: ItemRef,
    pub name: String,
    pub price_at_purchase: Money,
}

/// What the client needs to pay a card order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRef {
    /// The gateway's payment (intent) id.
    pub reference: String,
    pub client_secret: Option<String>,
}

/// A checkout's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
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

impl Order {
    /// R-O6: moves to `next` or refuses.
    ///
    /// # Errors
    /// [`IllegalTransition`].
    pub fn move_to(
        &mut self,
        next: OrderStatus,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        if !self.status.can_move_to(next) {
            return Err(IllegalTransition {
                from: self.status,
                to: next,
            });
        }
        self.status = next;
        self.updated_at = now;
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
    let mut sorted = items.to_vec();
    sorted.sort_unstable();
    let canonical = sorted.iter().fold(method.as_str().to_owned(), |mut s, i| {
        s.push('|');
        s.push_str(i.kind().as_str());
        s.push(':');
        s.push_str(&i.uuid().to_string());
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
