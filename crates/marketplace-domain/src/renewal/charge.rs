//! One period's renewal of a recurring purchase, and where it stands.

use chrono::{DateTime, Utc};

use crate::ids::{OrgId, PostingId, PurchaseId};
use crate::money::Money;
use crate::payment::PaymentMethod;
use crate::purchase::Period;
use crate::subscription::{InvoiceNumber, RefusedRenewal};

marketplace_kernel::id_type!(
    /// One period's renewal of a recurring purchase.
    RenewalId,
);

/// A renewal's status, as storage names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RenewalStatus {
    PastDue,
    Invoiced,
    Collected,
}
crate::labelled!(RenewalStatus, "renewal status", {
    PastDue => "PAST_DUE", Invoiced => "INVOICED", Collected => "COLLECTED",
});

/// Where a renewal stands; each state holds what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenewalState {
    /// The org's credits did not cover it: retried on every run until `grace_ends`, when
    /// the purchase expires unpaid.
    PastDue { grace_ends: DateTime<Utc> },
    /// A renewal invoice is out, payable until `due` (the period's start plus the grace).
    Invoiced {
        number: InvoiceNumber,
        due: DateTime<Utc>,
    },
    /// Paid at `at`; its sale is `sale` in the ledger (none for a free renewal).
    Collected {
        at: DateTime<Utc>,
        /// The provider's payment, for a card renewal: what its refunds name.
        payment: Option<String>,
        /// The invoice it settled, for an invoice payer.
        invoice: Option<InvoiceNumber>,
        sale: Option<PostingId>,
    },
}

impl RenewalState {
    #[must_use]
    pub const fn status(&self) -> RenewalStatus {
        match self {
            Self::PastDue { .. } => RenewalStatus::PastDue,
            Self::Invoiced { .. } => RenewalStatus::Invoiced,
            Self::Collected { .. } => RenewalStatus::Collected,
        }
    }
}

/// The renewal of `purchase_id` for `period`, charged `amount` by `method`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalCharge {
    pub id: RenewalId,
    pub purchase_id: PurchaseId,
    pub org_id: OrgId,
    /// The period it pays for: it starts where the previous one ended.
    pub period: Period,
    pub amount: Money,
    pub method: PaymentMethod,
    pub state: RenewalState,
    /// What has been refunded of it so far (never more than `amount`).
    pub refunded: Money,
    pub opened_at: DateTime<Utc>,
}

impl RenewalCharge {
    /// Whether it has been paid.
    #[must_use]
    pub const fn is_collected(&self) -> bool {
        matches!(self.state, RenewalState::Collected { .. })
    }

    /// What can still be refunded of it: nothing before it is collected.
    #[must_use]
    pub fn refundable(&self) -> Money {
        if !self.is_collected() {
            return Money::zero(self.amount.currency());
        }
        self.amount
            .checked_sub(self.refunded)
            .unwrap_or(Money::zero(self.amount.currency()))
    }

    /// R-B5: the renewal as a refused one, while it is PAST_DUE (a card declined, credits
    /// short); `None` once paid, and for an invoice still payable.
    #[must_use]
    pub const fn refused(&self) -> Option<RefusedRenewal> {
        match self.state {
            RenewalState::PastDue { grace_ends } => Some(RefusedRenewal {
                starts: self.period.start(),
                grace_ends,
            }),
            RenewalState::Invoiced { .. } | RenewalState::Collected { .. } => None,
        }
    }

    /// The invoice number of an invoiced or invoice-collected renewal.
    #[must_use]
    pub const fn invoice(&self) -> Option<InvoiceNumber> {
        match self.state {
            RenewalState::Invoiced { number, .. } => Some(number),
            RenewalState::Collected { invoice, .. } => invoice,
            RenewalState::PastDue { .. } => None,
        }
    }
}
