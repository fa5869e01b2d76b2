//! What each move of a subscription tells the use case to do next: post a sale, refund a
//! payment, tell the payment provider, void an invoice.

use chrono::{DateTime, Utc};

use crate::ids::PlanId;
use crate::money::Money;
use crate::purchase::Period;

use super::{
    EndReason, InvoiceNumber, Proration, ProviderAction, RenewalInvoice, SubscriptionStatus,
};

/// A renewal that was paid: the use case posts `amount` as a sale (R-B7) and extends the
/// entitlements to `period`'s end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renewal {
    /// The paid period, starting where the previous one (or the trial) ended.
    pub period: Period,
    pub amount: Money,
    /// The plan it renewed at (a scheduled downgrade takes effect here).
    pub plan: PlanId,
    /// The status it renewed from.
    pub from: SubscriptionStatus,
    /// The renewal invoice it settled, if any.
    pub invoice: Option<InvoiceNumber>,
}

/// Why a payment must be given back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundReason {
    /// The subscription has ended.
    Ended,
    /// The buyer stopped renewing: the payment is for a period they will not get.
    Canceled,
    /// The payment came after the grace ended.
    GraceElapsed,
}

/// What to do with a payment that arrived for a subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// It paid for the next period.
    Renewed(Renewal),
    /// Refund it in full, at once: money is never kept without access (R-B5). Nothing
    /// changed. Record it as a sale and its full refund, so the ledger's buyer payments
    /// still equal the money collected (R-B7).
    RefundAutomatically { reason: RefundReason },
}

/// What a refused renewal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// When access ends unless the renewal is paid first.
    pub grace_ends: DateTime<Utc>,
    /// False when it was already past due (a retry failed): its deadline did not move.
    pub newly_past_due: bool,
}

/// A subscription that has just ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    pub at: DateTime<Utc>,
    pub reason: EndReason,
    /// Always a cancellation when the provider holds the subscription (R-B8).
    pub provider: ProviderAction,
    /// An open renewal invoice that no longer has anything to pay for.
    pub void_invoice: Option<RenewalInvoice>,
}

/// What cancelling did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cancellation {
    /// Renewing stopped; access holds until `access_ends`, then it expires.
    AtPeriodEnd {
        access_ends: DateTime<Utc>,
        provider: ProviderAction,
        void_invoice: Option<RenewalInvoice>,
    },
    /// It was past due: nothing is paid for now, so it ends at once.
    EndedNow(Ended),
    /// It was already cancelled: nothing changed.
    AlreadyCanceled,
}

/// How a subscription ends early (R-B8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlyEnd {
    FullRefund,
    AdminCancellation,
}

/// What a change of plan did (R-B9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanChange {
    /// Applied now; `proration.due()` is charged now as a sale.
    Upgraded { from: PlanId, proration: Proration },
    /// Applied now during the trial: nothing was paid, nothing is charged; the trial's
    /// end charges the new plan.
    SwitchedDuringTrial { from: PlanId },
    /// Applies at the renewal at `effective_at`; nothing is charged or credited now.
    DowngradeScheduled { effective_at: DateTime<Utc> },
    /// Back to the current plan: the scheduled downgrade is called off.
    ScheduledChangeCancelled,
}

impl PlanChange {
    /// What to charge now, if anything.
    #[must_use]
    pub fn charge_now(&self) -> Option<Money> {
        match self {
            Self::Upgraded { proration, .. } if !proration.due().is_zero() => Some(proration.due()),
            _ => None,
        }
    }
}

/// A move that can be refused, for [`SubscriptionError::IllegalMove`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Move {
    RefuseRenewal,
    Cancel,
    Resume,
    Expire,
    EndEarly,
    ChangePlan,
    IssueInvoice,
}
crate::labelled!(Move, "subscription move", {
    RefuseRenewal => "REFUSE_RENEWAL", Cancel => "CANCEL", Resume => "RESUME",
    Expire => "EXPIRE", EndEarly => "END_EARLY", ChangePlan => "CHANGE_PLAN",
    IssueInvoice => "ISSUE_INVOICE",
});
