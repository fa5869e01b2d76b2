//! Subscriptions (R-B5..R-B10): recurring purchases under a plan, renewed by the engine
//! whatever pays for them. Pure: the state machine and the decisions a use case or the
//! renewal job acts on; no clock is read here, every time is an argument.
//!
//! - [`Subscription`]: the states TRIALING, ACTIVE, PAST_DUE, CANCELED, EXPIRED (R-B5) and
//!   their moves, each returning what to do next ([`PaymentOutcome`], [`Ended`],
//!   [`ProviderAction`], ...).
//! - [`GracePeriod`]: how long access outlasts an unpaid period (3 days by default).
//! - [`Subscription::renewal_due`], [`CreditsDebit`], [`RenewalInvoice`] and
//!   [`Subscription::expiry_due`]: the renewal job's decisions per payment method (R-B6).
//! - [`sale_lines`] and [`sale_posting_for`]: a renewal or an upgrade as a ledger sale
//!   (R-B7).
//! - [`Subscription::end_now`]: ending early cancels at the provider (R-B8).
//! - [`Subscription::change_plan`] and [`Proration`]: upgrades now, downgrades at renewal
//!   (R-B9).
//! - [`Subscription::start_trial`]: trials, one per org and item (R-B10).
//! - [`SubscriptionSummary`]: a recurring purchase as the subscriptions API shows it.
//!
//! Times follow [`crate::purchase::Period`]: every end is exclusive. Access in a grace
//! that ends at `T` holds strictly before `T`; at `T` the subscription expires and a
//! payment is late.

mod collection;
mod machine;
mod outcome;
mod proration;
mod renewal;
mod sale;
mod state;
mod subscribed;
mod summary;

pub use crate::purchase::{GracePeriod, GraceTooLong};
pub use collection::{Collection, ProviderAction, ProviderRef};
pub use machine::{Subscription, SubscriptionParts};
pub use outcome::{
    Cancellation, EarlyEnd, Ended, Move, PaymentOutcome, PlanChange, RefundReason, Refusal, Renewal,
};
pub use proration::{Proration, ProrationError};
pub use renewal::{CreditsDebit, Expiry, InvoiceNumber, RenewalDue, RenewalInvoice};
pub use sale::{SaleParts, sale_lines, sale_posting_for};
pub use state::{CanceledFrom, EndReason, SubscriptionState, SubscriptionStatus};
pub use subscribed::{Origin, SubscribedPlan};
pub use summary::{RefusedRenewal, SubscriptionSummary};

use chrono::{DateTime, Utc};

use crate::ids::PlanId;
use crate::interval::Interval;
use crate::money::Currency;
use crate::plan::PlanCode;

/// Why a subscription move or value was refused. A refused move changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// The move is not legal from the subscription's status.
    #[error("cannot {attempted} a subscription that is {status}")]
    IllegalMove {
        attempted: Move,
        status: SubscriptionStatus,
    },
    #[error("plan {plan} is one-time: it is bought, not subscribed to")]
    NotRecurring { plan: PlanId },
    #[error("not due before {until}")]
    NotDueYet { until: DateTime<Utc> },
    #[error("access ended at {since}")]
    AccessOver { since: DateTime<Utc> },
    #[error("plan {plan} is of another item")]
    OtherItem { plan: PlanId },
    #[error("plan {code} is archived: no longer sold")]
    PlanNotOnSale { code: PlanCode },
    #[error("a plan change keeps the interval ({from:?} to {to:?}): cancel and subscribe anew")]
    IntervalChange { from: Interval, to: Interval },
    #[error("the subscription is in {expected}, the plan in {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("that is the current plan")]
    SamePlan,
    #[error("the period ended at {since}: its renewal is to be paid first")]
    RenewalPending { since: DateTime<Utc> },
    #[error("the subscription is not paid by invoice")]
    NotInvoiced,
    #[error("renewal invoice {number} is already open")]
    InvoiceAlreadyOpen { number: InvoiceNumber },
    #[error("invoice sequence numbers start at 1")]
    InvalidInvoiceSequence,
    #[error("the subscription is not paid by card")]
    NotCard,
    #[error("the subscription already has another provider id")]
    ProviderRefConflict,
    #[error("provider subscription id must be 1 to 255 printable characters without spaces")]
    InvalidProviderRef,
    #[error(transparent)]
    Proration(#[from] ProrationError),
    /// A stored subscription breaks an invariant the moves keep.
    #[error("inconsistent subscription: {0}")]
    Inconsistent(&'static str),
}
