//! R-X3: a transaction between a buyer org and a provider, its states, its invoice, the
//! platform fee and payout (R-M3), and the ledger postings of its payment and refunds
//! (R-M5).
//!
//! ```text
//! PENDING_INVOICE --invoice--> INVOICED --pay / mark paid--> PAID --complete--> COMPLETED
//!        |                         |                          |                   |
//!        +--------cancel-----------+--> CANCELLED             +--refund--+--------+
//!                                                                        v
//!                                  PARTIALLY_REFUNDED --refund--> REFUNDED
//! ```
//!
//! A partially refunded transaction may still be completed and refunded again; REFUNDED
//! and CANCELLED are final. Every move is a method that either makes it or returns a typed
//! [`TransactionError`] and leaves the transaction as it was.

use chrono::{DateTime, Days, Utc};
use marketplace_domain::revenue::{
    Account, Entry, Posting, PostingKind, RevenueError, refund_posting_after, split,
};
use marketplace_kernel::ids::{OrgId, PostingId, SellerId};
use marketplace_kernel::money::{Currency, Money};
use marketplace_kernel::payment::PaymentMethod;

use crate::ids::{ServiceListingId, TransactionId};
use crate::listing::{ServiceListing, ServicePrice};
use crate::provider::Provider;
use crate::text::TransactionDescription;

/// Days between an invoice and its due date.
pub const INVOICE_TERMS_DAYS: u64 = 14;

/// Where a transaction stands (R-X3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionStatus {
    PendingInvoice,
    Invoiced,
    Paid,
    Completed,
    Cancelled,
    Refunded,
    PartiallyRefunded,
}
marketplace_kernel::labelled!(TransactionStatus, "transaction status", {
    PendingInvoice => "PENDING_INVOICE", Invoiced => "INVOICED", Paid => "PAID",
    Completed => "COMPLETED", Cancelled => "CANCELLED", Refunded => "REFUNDED",
    PartiallyRefunded => "PARTIALLY_REFUNDED",
});

/// A state move, named in refusals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Move {
    Invoice,
    Pay,
    MarkPaid,
    Complete,
    Cancel,
    Refund,
}
marketplace_kernel::labelled!(Move, "transaction move", {
    Invoice => "invoice", Pay => "pay", MarkPaid => "mark-paid", Complete => "complete",
    Cancel => "cancel", Refund => "refund",
});

/// An invoice's number, one sequence per provider: `INV-000001`, `INV-000002`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber(u32);

impl InvoiceNumber {
    /// The first number of every provider.
    pub const FIRST: Self = Self(1);

    /// The `sequence`-th invoice of a provider; `None` for 0.
    #[must_use]
    pub const fn new(sequence: u32) -> Option<Self> {
        if sequence == 0 {
            None
        } else {
            Some(Self(sequence))
        }
    }

    #[must_use]
    pub const fn sequence(&self) -> u32 {
        self.0
    }

    /// The number after this one; `None` past `u32::MAX`.
    #[must_use]
    pub const fn next(&self) -> Option<Self> {
        match self.0.checked_add(1) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }
}

impl std::fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "INV-{:06}", self.0)
    }
}

/// A transaction's invoice (R-X3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub number: InvoiceNumber,
    pub issued_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// A payment the buyer started that has not settled yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Awaiting {
    /// A card payment the gateway has not confirmed; its gateway reference.
    Card { reference: String },
    /// A bank transfer against the invoice, until a platform admin marks it paid.
    Transfer,
}

/// How and when a transaction was paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub method: PaymentMethod,
    /// The gateway's payment, for a card.
    pub reference: Option<String>,
    pub paid_at: DateTime<Utc>,
}

/// What a buyer asks for when starting a transaction: the listing's own terms, or a quote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub description: Option<TransactionDescription>,
    /// A custom amount: a quote, only where the listing allows quotes.
    pub amount: Option<Money>,
}

/// Why a transaction or a move was refused; nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The move is not allowed from the transaction's status.
    #[error("a {from} transaction cannot {action}")]
    IllegalMove {
        from: TransactionStatus,
        action: Move,
    },
    /// The listing is not published.
    #[error("the service listing is not offered")]
    ListingNotOffered,
    /// A provider's own org cannot buy its services.
    #[error("an org cannot buy its own services")]
    OwnService,
    /// A custom amount on a listing that takes no quotes.
    #[error("this service listing takes no quotes")]
    QuotesNotAllowed,
    /// A quote that is not a positive amount in whole cents of the listing's currency.
    #[error("a quote must be a positive amount in whole cents of {expected}")]
    InvalidQuote { expected: Currency },
    /// A card payment to a provider without a connected payout account (R-X1, MANUAL).
    #[error("this provider is paid manually: pay by invoice")]
    CardsNotAccepted,
    /// A payment method this move does not take.
    #[error("payment by {0} is not taken here")]
    UnsupportedMethod(PaymentMethod),
    /// A refund of zero or less, or above what is left to refund.
    #[error("refund of {requested} outside what is refundable ({refundable})")]
    InvalidRefund { requested: Money, refundable: Money },
    /// The ledger refused a posting.
    #[error(transparent)]
    Revenue(#[from] RevenueError),
}

/// A transaction (R-X3). Fields are private: `fee + payout == amount` always, and the
/// status agrees with the invoice, settlement and refunded amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    id: TransactionId,
    listing_id: Option<ServiceListingId>,
    buyer_org: OrgId,
    provider: SellerId,
    provider_org: OrgId,
    description: TransactionDescription,
    amount: Money,
    fee: Money,
    payout: Money,
    status: TransactionStatus,
    invoice: Option<Invoice>,
    awaiting: Option<Awaiting>,
    settlement: Option<Settlement>,
    completed_at: Option<DateTime<Utc>>,
    refunded: Money,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A transaction's fields as stored, for adapters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionParts {
    pub id: TransactionId,
    pub listing_id: Option<ServiceListingId>,
    pub buyer_org: OrgId,
    pub provider: SellerId,
    pub provider_org: OrgId,
    pub description: TransactionDescription,
    pub amount: Money,
    pub fee: Money,
    pub payout: Money,
    pub status: TransactionStatus,
    pub invoice: Option<Invoice>,
    pub awaiting: Option<Awaiting>,
    pub settlement: Option<Settlement>,
    pub completed_at: Option<DateTime<Utc>>,
    pub refunded: Money,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored transaction that breaks an invariant; names which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent transaction: {0}")]
pub struct Inconsistent(pub &'static str);

impl Transaction {
    /// R-X3: a buyer org's new transaction on `listing` of `provider`, at the listing's
    /// price or at a quoted amount, split by the provider's rate (R-M3).
    ///
    /// # Errors
    /// [`TransactionError::ListingNotOffered`], [`TransactionError::OwnService`],
    /// [`TransactionError::QuotesNotAllowed`], [`TransactionError::InvalidQuote`].
    pub fn open(
        id: TransactionId,
        listing: &ServiceListing,
        provider: &Provider,
        buyer_org: OrgId,
        request: Request,
        now: DateTime<Utc>,
    ) -> Result<Self, TransactionError> {
        if !listing.is_offered() || listing.provider() != provider.seller_id() {
            return Err(TransactionError::ListingNotOffered);
        }
        if buyer_org == provider.org_id() {
            return Err(TransactionError::OwnService);
        }
        let content = listing.content();
        let price = content.price.money();
        let amount = match request.amount {
            None => price,
            Some(_) if !content.allow_quotes => return Err(TransactionError::QuotesNotAllowed),
            Some(quote) => ServicePrice::new(quote)
                .ok()
                .filter(|q| q.money().currency() == price.currency())
                .ok_or(TransactionError::InvalidQuote {
                    expected: price.currency(),
                })?
                .money(),
        };
        let description = request
            .description
            .unwrap_or_else(|| TransactionDescription::from(&content.title));
        let parts = split(amount, provider.terms().effective_rate());
        Ok(Self {
            id,
            listing_id: Some(listing.id()),
            buyer_org,
            provider: provider.seller_id(),
            provider_org: provider.org_id(),
            description,
            amount,
            fee: parts.fee,
            payout: parts.payout,
            status: TransactionStatus::PendingInvoice,
            invoice: None,
            awaiting: None,
            settlement: None,
            completed_at: None,
            refunded: Money::zero(amount.currency()),
            created_at: now,
            updated_at: now,
        })
    }

    /// Rebuilds a stored transaction, checking its invariants: storage is not trusted.
    ///
    /// # Errors
    /// [`Inconsistent`] naming the broken invariant.
    pub fn restore(p: TransactionParts) -> Result<Self, Inconsistent> {
        use TransactionStatus as S;
        let currency = p.amount.currency();
        let same_currency = [p.fee, p.payout, p.refunded]
            .iter()
            .all(|m| m.currency() == currency);
        if !same_currency {
            return Err(Inconsistent("amounts in different currencies"));
        }
        if p.fee.checked_add(p.payout).ok() != Some(p.amount)
            || p.fee.is_negative()
            || p.payout.is_negative()
            || p.amount.is_negative()
        {
            return Err(Inconsistent("fee + payout must equal the amount"));
        }
        if p.refunded.is_negative() || p.refunded.amount() > p.amount.amount() {
            return Err(Inconsistent("refunded outside 0..=amount"));
        }
        let refunded_none = p.refunded.is_zero();
        let refunded_all = p.refunded == p.amount;
        let paid = p.settlement.is_some();
        let ok = match p.status {
            S::PendingInvoice => p.invoice.is_none() && !paid && p.awaiting.is_none(),
            S::Invoiced => p.invoice.is_some() && !paid,
            S::Cancelled => !paid && p.awaiting.is_none(),
            S::Paid => p.invoice.is_some() && paid && refunded_none,
            S::Completed => paid && p.completed_at.is_some() && !refunded_all,
            S::PartiallyRefunded => paid && !refunded_none && !refunded_all,
            S::Refunded => paid && refunded_all,
        };
        let awaiting_ok = p.awaiting.is_none() || p.status == S::Invoiced;
        let completed_ok = p.completed_at.is_none() || paid;
        if !(ok && awaiting_ok && completed_ok) {
            return Err(Inconsistent(
                "status disagrees with invoice, payment or refunds",
            ));
        }
        Ok(Self {
            id: p.id,
            listing_id: p.listing_id,
            buyer_org: p.buyer_org,
            provider: p.provider,
            provider_org: p.provider_org,
            description: p.description,
            amount: p.amount,
            fee: p.fee,
            payout: p.payout,
            status: p.status,
            invoice: p.invoice,
            awaiting: p.awaiting,
            settlement: p.settlement,
            completed_at: p.completed_at,
            refunded: p.refunded,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }

    #[must_use]
    pub fn into_parts(self) -> TransactionParts {
        TransactionParts {
            id: self.id,
            listing_id: self.listing_id,
            buyer_org: self.buyer_org,
            provider: self.provider,
            provider_org: self.provider_org,
            description: self.description,
            amount: self.amount,
            fee: self.fee,
            payout: self.payout,
            status: self.status,
            invoice: self.invoice,
            awaiting: self.awaiting,
            settlement: self.settlement,
            completed_at: self.completed_at,
            refunded: self.refunded,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// Whether the status allows `action` at all (the move itself may check more: a
    /// payment method, a refund's amount).
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] when it does not.
    pub fn check(&self, action: Move) -> Result<(), TransactionError> {
        use TransactionStatus as S;
        let allowed = match action {
            Move::Invoice => self.status == S::PendingInvoice,
            Move::Pay | Move::MarkPaid => self.status == S::Invoiced,
            Move::Complete => matches!(self.status, S::Paid | S::PartiallyRefunded),
            Move::Cancel => matches!(self.status, S::PendingInvoice | S::Invoiced),
            Move::Refund => matches!(self.status, S::Paid | S::Completed | S::PartiallyRefunded),
        };
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(action))
        }
    }

    fn refuse(&self, action: Move) -> TransactionError {
        TransactionError::IllegalMove {
            from: self.status,
            action,
        }
    }

    /// The provider invoices: PENDING_INVOICE → INVOICED, with `number` (the provider's
    /// next) and a due date [`INVOICE_TERMS_DAYS`] later.
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] from any other status.
    pub fn issue_invoice(
        &mut self,
        number: InvoiceNumber,
        now: DateTime<Utc>,
    ) -> Result<Invoice, TransactionError> {
        self.check(Move::Invoice)?;
        let due_at = now
            .checked_add_days(Days::new(INVOICE_TERMS_DAYS))
            .unwrap_or(now);
        let invoice = Invoice {
            number,
            issued_at: now,
            due_at,
        };
        self.invoice = Some(invoice);
        self.status = TransactionStatus::Invoiced;
        self.updated_at = now;
        Ok(invoice)
    }

    /// Checks that the buyer may pay an invoiced transaction by `method`, to a provider who
    /// does or does not take cards, before any money moves.
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] unless INVOICED with no card payment under way,
    /// [`TransactionError::CardsNotAccepted`] for a card to a MANUAL provider.
    pub fn check_payment(
        &self,
        method: PaymentMethod,
        provider_takes_cards: bool,
    ) -> Result<(), TransactionError> {
        let card_under_way = matches!(self.awaiting, Some(Awaiting::Card { .. }));
        if self.status != TransactionStatus::Invoiced || card_under_way {
            return Err(self.refuse(Move::Pay));
        }
        if method == PaymentMethod::CreditCard && !provider_takes_cards {
            return Err(TransactionError::CardsNotAccepted);
        }
        Ok(())
    }

    /// Records a payment started but not settled: a card the gateway has not confirmed, or
    /// a bank transfer against the invoice. The status stays INVOICED.
    ///
    /// # Errors
    /// As [`Transaction::check_payment`].
    pub fn await_payment(
        &mut self,
        awaiting: Awaiting,
        provider_takes_cards: bool,
        now: DateTime<Utc>,
    ) -> Result<(), TransactionError> {
        let method = match awaiting {
            Awaiting::Card { .. } => PaymentMethod::CreditCard,
            Awaiting::Transfer => PaymentMethod::Invoice,
        };
        self.check_payment(method, provider_takes_cards)?;
        self.awaiting = Some(awaiting);
        self.updated_at = now;
        Ok(())
    }

    /// The payment settled: INVOICED → PAID, returning the sale posting (R-M5) that the
    /// same store write must record: the buyer's payment, the platform's fee and the
    /// provider's payable payout (R-M3).
    ///
    /// `PLATFORM_CREDITS` settle at once; a card settles when the gateway confirms the
    /// payment under way (`reference`); `INVOICE` settles when a platform admin marks it
    /// paid ([`Move::MarkPaid`]).
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] unless INVOICED, or a card other than the one under
    /// way; [`TransactionError::Revenue`] when the posting cannot be built.
    pub fn settle(
        &mut self,
        method: PaymentMethod,
        posting_id: PostingId,
        now: DateTime<Utc>,
    ) -> Result<Posting, TransactionError> {
        let action = if method == PaymentMethod::Invoice {
            Move::MarkPaid
        } else {
            Move::Pay
        };
        if self.status != TransactionStatus::Invoiced {
            return Err(self.refuse(action));
        }
        let reference = match (method, &self.awaiting) {
            (PaymentMethod::CreditCard, Some(Awaiting::Card { reference })) => {
                Some(reference.clone())
            }
            (PaymentMethod::CreditCard, _) => return Err(self.refuse(action)),
            (PaymentMethod::PlatformCredits, Some(Awaiting::Card { .. })) => {
                return Err(self.refuse(action));
            }
            _ => None,
        };
        let posting = self.sale_posting(posting_id, now)?;
        self.awaiting = None;
        self.settlement = Some(Settlement {
            method,
            reference,
            paid_at: now,
        });
        self.status = TransactionStatus::Paid;
        self.updated_at = now;
        Ok(posting)
    }

    /// R-M5 for a service: debit `BuyerPayments` the amount, credit `PlatformRevenue` the
    /// fee and `SellerPayable(provider)` the payout (even of zero, so the provider's
    /// statement attributes it). Entries name no tool: a service is not a catalog tool.
    fn sale_posting(&self, id: PostingId, at: DateTime<Utc>) -> Result<Posting, RevenueError> {
        Posting::new(
            id,
            PostingKind::Sale,
            None,
            None,
            Some(self.buyer_org),
            at,
            vec![
                Entry::debit(Account::BuyerPayments, self.amount, None),
                Entry::credit(Account::PlatformRevenue, self.fee, None),
                Entry::credit(Account::SellerPayable(self.provider), self.payout, None),
            ],
        )
    }

    /// The provider completes the work: PAID or PARTIALLY_REFUNDED → COMPLETED.
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] from any other status.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Result<(), TransactionError> {
        self.check(Move::Complete)?;
        self.status = TransactionStatus::Completed;
        self.completed_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Either party calls it off before payment: PENDING_INVOICE or INVOICED → CANCELLED.
    /// A card payment under way is the caller's to cancel at the gateway first.
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] once paid, cancelled or refunded.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), TransactionError> {
        self.check(Move::Cancel)?;
        self.status = TransactionStatus::Cancelled;
        self.awaiting = None;
        self.updated_at = now;
        Ok(())
    }

    /// What is left to refund.
    #[must_use]
    pub fn refundable(&self) -> Money {
        Money::unrounded(
            self.amount.amount() - self.refunded.amount(),
            self.amount.currency(),
        )
    }

    /// A platform admin refunds `amount` (all that is left when `None`) of a paid
    /// transaction: → PARTIALLY_REFUNDED, or REFUNDED once nothing is left. Returns the
    /// refund posting (R-M5), the reverse of `sale` in proportion after the `earlier`
    /// refunds of this transaction, so fee and payout are given back cent-exact.
    ///
    /// # Errors
    /// [`TransactionError::IllegalMove`] unless PAID, COMPLETED or PARTIALLY_REFUNDED;
    /// [`TransactionError::InvalidRefund`] for an amount not in `(0, refundable]` or in
    /// another currency; [`TransactionError::Revenue`] when `sale` and `earlier` are not
    /// this transaction's postings.
    pub fn refund(
        &mut self,
        amount: Option<Money>,
        posting_id: PostingId,
        sale: &Posting,
        earlier: &[Posting],
        now: DateTime<Utc>,
    ) -> Result<Posting, TransactionError> {
        self.check(Move::Refund)?;
        let refundable = self.refundable();
        let requested = amount.unwrap_or(refundable);
        let valid = requested.currency() == refundable.currency()
            && !requested.is_zero()
            && !requested.is_negative()
            && requested.amount() <= refundable.amount()
            && requested.to_minor().is_ok();
        if !valid {
            return Err(TransactionError::InvalidRefund {
                requested,
                refundable,
            });
        }
        if sale.org_id() != Some(self.buyer_org)
            || !sale
                .entries()
                .iter()
                .any(|e| e.account == Account::SellerPayable(self.provider))
        {
            return Err(RevenueError::NotASale(sale.id()).into());
        }
        let posting = refund_posting_after(posting_id, sale, earlier, requested, now)?;
        self.refunded = self
            .refunded
            .checked_add(requested)
            .map_err(RevenueError::from)?;
        self.status = if self.refunded == self.amount {
            TransactionStatus::Refunded
        } else {
            TransactionStatus::PartiallyRefunded
        };
        self.updated_at = now;
        Ok(posting)
    }

    /// Whether `org` is the buyer or the provider: the only orgs that see it (R-X4, R-T3).
    #[must_use]
    pub fn is_party(&self, org: OrgId) -> bool {
        org == self.buyer_org || org == self.provider_org
    }

    /// Whether the work was ever completed (a later refund does not undo it).
    #[must_use]
    pub const fn was_completed(&self) -> bool {
        self.completed_at.is_some()
    }

    #[must_use]
    pub const fn id(&self) -> TransactionId {
        self.id
    }
    #[must_use]
    pub const fn listing_id(&self) -> Option<ServiceListingId> {
        self.listing_id
    }
    #[must_use]
    pub const fn buyer_org(&self) -> OrgId {
        self.buyer_org
    }
    #[must_use]
    pub const fn provider(&self) -> SellerId {
        self.provider
    }
    #[must_use]
    pub const fn provider_org(&self) -> OrgId {
        self.provider_org
    }
    #[must_use]
    pub const fn description(&self) -> &TransactionDescription {
        &self.description
    }
    #[must_use]
    pub const fn amount(&self) -> Money {
        self.amount
    }
    #[must_use]
    pub const fn platform_fee(&self) -> Money {
        self.fee
    }
    #[must_use]
    pub const fn provider_payout(&self) -> Money {
        self.payout
    }
    #[must_use]
    pub const fn status(&self) -> TransactionStatus {
        self.status
    }
    #[must_use]
    pub const fn invoice(&self) -> Option<&Invoice> {
        self.invoice.as_ref()
    }
    #[must_use]
    pub const fn awaiting(&self) -> Option<&Awaiting> {
        self.awaiting.as_ref()
    }
    #[must_use]
    pub const fn settlement(&self) -> Option<&Settlement> {
        self.settlement.as_ref()
    }
    #[must_use]
    pub const fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.completed_at
    }
    #[must_use]
    pub const fn refunded(&self) -> Money {
        self.refunded
    }
    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    #[must_use]
    pub const fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

#[cfg(test)]
#[path = "transaction_tests.rs"]
mod tests;
