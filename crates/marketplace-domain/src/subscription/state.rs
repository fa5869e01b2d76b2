//! The states of a subscription (R-B5), each holding exactly what it needs: a trial its
//! window, an active subscription its paid period, a past-due one the period that lapsed
//! and when its grace ends, a cancelled one the period access runs to, an expired one when
//! and why it ended.

use chrono::{DateTime, Utc};

use crate::purchase::Period;

/// A subscription's status, as the API and storage name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    Trialing,
    Active,
    PastDue,
    Canceled,
    Expired,
}
crate::labelled!(SubscriptionStatus, "subscription status", {
    Trialing => "TRIALING", Active => "ACTIVE", PastDue => "PAST_DUE",
    Canceled => "CANCELED", Expired => "EXPIRED",
});

/// Why a subscription ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// Cancelled by the buyer; access ran to the end of the period.
    Canceled,
    /// No renewal was paid by the end of the grace after the period (or trial) ended.
    RenewalNotPaid,
    /// A refused renewal was not paid before its grace ended.
    GraceElapsed,
    /// Everything paid was refunded (R-B8).
    FullRefund,
    /// A platform admin ended it (R-B8).
    AdminCancellation,
}
crate::labelled!(EndReason, "end reason", {
    Canceled => "CANCELED", RenewalNotPaid => "RENEWAL_NOT_PAID",
    GraceElapsed => "GRACE_ELAPSED", FullRefund => "FULL_REFUND",
    AdminCancellation => "ADMIN_CANCELLATION",
});

/// What a cancelled subscription was before it stopped renewing: what it goes back to if
/// the buyer changes their mind before access ends. (A past-due subscription is not
/// cancelled but ended: it has no paid period to run to.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CanceledFrom {
    /// A trial: nothing was paid.
    Trial,
    /// A paid period.
    Paid,
}
crate::labelled!(CanceledFrom, "canceled from", { Trial => "TRIAL", Paid => "PAID" });

/// Where a subscription stands. Every time here is an exclusive end, like a [`Period`]'s:
/// access holds strictly before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionState {
    /// In its free trial: nothing has been charged.
    Trialing { trial: Period },
    /// `period` is paid.
    Active { period: Period },
    /// The renewal after `lapsed` was refused; access holds until `grace_ends`.
    PastDue {
        lapsed: Period,
        grace_ends: DateTime<Utc>,
    },
    /// Auto-renew is off; access holds until `period` ends.
    Canceled { period: Period, from: CanceledFrom },
    /// Over: no access, no renewal.
    Expired {
        at: DateTime<Utc>,
        reason: EndReason,
    },
}

impl SubscriptionState {
    #[must_use]
    pub const fn status(&self) -> SubscriptionStatus {
        match self {
            Self::Trialing { .. } => SubscriptionStatus::Trialing,
            Self::Active { .. } => SubscriptionStatus::Active,
            Self::PastDue { .. } => SubscriptionStatus::PastDue,
            Self::Canceled { .. } => SubscriptionStatus::Canceled,
            Self::Expired { .. } => SubscriptionStatus::Expired,
        }
    }

    /// The period (or trial) the subscription is in or has just left: what the API shows
    /// as `current_period_start` and `current_period_end`. `None` once expired.
    #[must_use]
    pub const fn current_period(&self) -> Option<Period> {
        match self {
            Self::Trialing { trial: period }
            | Self::Active { period }
            | Self::PastDue { lapsed: period, .. }
            | Self::Canceled { period, .. } => Some(*period),
            Self::Expired { .. } => None,
        }
    }
}
