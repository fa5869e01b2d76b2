//! Revenue share (R-M2..R-M6): how the money a buyer pays is divided between the platform
//! and the tool's seller, recorded as a double-entry ledger, and reported back to sellers.
//!
//! Pure computation: the functions here build values ([`Posting`]s, [`Statement`]s) that a
//! use case hands to a port. Nothing here reads a clock, a database or the network.
//!
//! - [`split`] divides one gross amount into the platform's fee and the seller's payout (R-M3).
//! - [`allocate`] divides a bundle's price among its tools by largest remainder (R-M4).
//! - [`sale_posting`], [`refund_posting`] and [`refund_posting_after`] build balanced
//!   ledger postings (R-M5); [`balance`] derives an account's balance from entries, never
//!   from a stored counter.
//! - [`statement`] summarises one seller's month per tool (R-M6).
//!
//! # Ledger sign convention
//! An [`Entry`]'s amount is signed: **positive is a debit, negative is a credit**, and the
//! entries of a [`Posting`] sum to zero per currency. `BuyerPayments` is debit-normal (it
//! holds what buyers paid); every other account is credit-normal, so its balance is zero or
//! negative and its negation is what it holds.
//!
//! - Sale: debit `BuyerPayments` the gross; credit `PlatformRevenue` the fee and
//!   `SellerPayable(seller)` the payout (a platform tool: all of it to `PlatformRevenue`).
//! - Refund: debit `PlatformRevenue` and `SellerPayable` their shares of the refund; credit
//!   `Refunds` the refund.
//! - Payout sent: debit `SellerPayable`, credit `PayoutsInTransit`; arrived: debit
//!   `PayoutsInTransit`, credit `PaidOut`. Reversal: debit `PayoutsInTransit`, credit
//!   `SellerPayable`.
//!
//! Refunds leave `BuyerPayments` alone (it keeps the gross ever paid), so the ledger always
//! satisfies, with each credit-normal balance negated:
//!
//! ```text
//! buyer_payments == platform_revenue + Σ seller_payable + refunds
//!                   + Σ payouts_in_transit + Σ paid_out
//! ```
//!
//! Payouts only move money between one seller's own accounts: a seller's earnings are the
//! negated sum of its `SellerPayable`, `PayoutsInTransit` and `PaidOut` balances.
//!
//! On a [`Statement`], `gross − fees − refunds == net` per tool: `refunds` is what buyers
//! got back, `fees` what the platform kept after returning its share of those refunds, and
//! `net` the change in the seller's payable from sales and refunds.

mod allocation;
mod fee;
mod ledger;
mod statement;

pub use allocation::allocate;
pub use fee::{FeeRate, SellerKind, SellerTerms, Split, split};
pub use ledger::{
    Account, Entry, Posting, PostingKind, SaleLine, balance, bundle_sale_lines, refund_posting,
    refund_posting_after, sale_posting,
};
pub use statement::{Statement, StatementLine, StatementTotals, YearMonth, statement};

use rust_decimal::Decimal;

use crate::ids::{PostingId, SellerId, ToolId};
use crate::money::{Currency, Money, MoneyError};

/// Why a revenue computation was refused. Each variant names what the caller must fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevenueError {
    /// A fee rate outside `0..=1`.
    #[error("fee rate must be between 0 and 1, got {0}")]
    InvalidFeeRate(Decimal),
    /// An amount that must not be negative (a bundle price, a list price, a sale's gross).
    #[error("amount must not be negative, got {0}")]
    NegativeAmount(Money),
    /// Amounts that must share a currency do not.
    #[error("expected an amount in {expected}, got {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    /// Nothing to allocate a bundle price to.
    #[error("a bundle price cannot be allocated to no tools")]
    NothingToAllocate,
    /// A posting without entries.
    #[error("a posting must have at least one entry")]
    EmptyPosting,
    /// A posting whose entries do not sum to zero in `currency`.
    #[error("posting does not balance in {currency}: entries sum to {sum}")]
    Unbalanced { currency: Currency, sum: Decimal },
    /// An account code and seller that name no account (from storage).
    #[error("no account {code:?} with seller {seller:?}")]
    InvalidAccount {
        code: String,
        seller: Option<SellerId>,
    },
    /// One tool sold by two different sellers in one sale.
    #[error("tool {tool_id} appears with two different sellers")]
    ConflictingSeller { tool_id: ToolId },
    /// Only a sale can be refunded.
    #[error("posting {0} is not a sale")]
    NotASale(PostingId),
    /// A posting given as an earlier refund of a sale does not refund that sale.
    #[error("posting {refund} is not a refund of sale {sale}")]
    NotARefundOf { refund: PostingId, sale: PostingId },
    /// A refund of zero or less.
    #[error("a refund must be positive, got {0}")]
    RefundNotPositive(Money),
    /// A refund larger than what is left of the sale's gross.
    #[error("refund of {requested} exceeds the {refundable} still refundable")]
    RefundExceedsRefundable { requested: Money, refundable: Money },
    /// A month that is not `YYYY-MM`.
    #[error("month must be YYYY-MM, got {0:?}")]
    InvalidMonth(String),
    /// An amount finer than its currency's minor unit, or too large.
    #[error(transparent)]
    Money(#[from] MoneyError),
}
