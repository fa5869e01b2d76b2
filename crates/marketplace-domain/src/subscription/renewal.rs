//! R-B6: the engine renews every subscription, whatever pays for it. These are the pure
//! decisions the renewal job acts on: what a subscription needs now ([`RenewalDue`]),
//! whether credits cover a renewal ([`CreditsDebit`]), the renewal invoice, and when a
//! subscription must expire ([`Expiry`]).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::money::{Money, MoneyError};
use crate::purchase::Period;

use super::{EndReason, SubscriptionError};

/// What a subscription needs from the renewal job now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenewalDue {
    /// Its period (or trial) runs until `at`: nothing to do before.
    NotYet { at: DateTime<Utc> },
    /// It does not renew (cancelled or expired).
    Nothing,
    /// Its grace is over without payment: expire it instead ([`Expiry`]).
    Lapsed,
    /// A card subscription: the payment provider charges and its events move the state.
    /// The engine never charges a card itself; it waits until `grace_ends`.
    AwaitProvider { grace_ends: DateTime<Utc> },
    /// Debit `amount` from the org's credits now ([`CreditsDebit::decide`]); not enough
    /// makes it past due. Asked again on every run while past due, so credits topped up
    /// during the grace pay the renewal.
    DebitCredits { amount: Money },
    /// Issue a renewal invoice for `amount` covering `period`, due at `due` (the period
    /// end plus grace), numbered by the org's next sequence number.
    IssueInvoice {
        amount: Money,
        period: Period,
        due: DateTime<Utc>,
    },
    /// The renewal invoice is out; an admin marks it paid.
    AwaitInvoice { invoice: RenewalInvoice },
}

/// Whether the org's credits cover a renewal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditsDebit {
    /// Debit it; the balance after.
    Debit { balance_after: Money },
    /// Not enough: the renewal is refused, `short` is what is missing.
    Insufficient { short: Money },
}

impl CreditsDebit {
    /// R-B6: a renewal paid by credits is debited in full or not at all.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when balance and amount differ in currency.
    pub fn decide(balance: Money, amount: Money) -> Result<Self, MoneyError> {
        let after = balance.checked_sub(amount)?;
        if after.is_negative() {
            Ok(Self::Insufficient {
                short: after.negated(),
            })
        } else {
            Ok(Self::Debit {
                balance_after: after,
            })
        }
    }
}

/// A renewal invoice's number: the org's own sequence (the caller keeps it), shown as
/// `REN-000042`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber(u32);

impl InvoiceNumber {
    /// # Errors
    /// [`SubscriptionError::InvalidInvoiceSequence`] for 0: sequences start at 1.
    pub fn new(sequence: u32) -> Result<Self, SubscriptionError> {
        if sequence == 0 {
            return Err(SubscriptionError::InvalidInvoiceSequence);
        }
        Ok(Self(sequence))
    }

    #[must_use]
    pub const fn sequence(self) -> u32 {
        self.0
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "REN-{:06}", self.0)
    }
}

/// An invoice for one renewal of an invoice-paid subscription (R-B6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewalInvoice {
    pub number: InvoiceNumber,
    pub amount: Money,
    /// The period it pays for.
    pub period: Period,
    pub issued_at: DateTime<Utc>,
    /// The period end plus grace: paid before it, the subscription renews.
    pub due: DateTime<Utc>,
}

/// Whether a subscription must expire now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Access holds until `until` (exclusive); ask again then.
    NotDue { until: DateTime<Utc> },
    /// Expire it now, for `reason`.
    Due { reason: EndReason },
    /// It has already expired.
    Ended,
}
