//! A recurring purchase as the subscriptions API shows it (R-B5): its status, its plan and
//! its current period. Read from the purchase and its refused renewal, as stored: an
//! active purchase that renews is ACTIVE; one whose renewal was refused (a card declined,
//! credits short) is PAST_DUE from its period's end until the grace ends; one whose
//! auto-renew was stopped is CANCELED, with access until its period ends; an expired,
//! refunded or ended one is EXPIRED. One in the trial it started with is TRIALING until
//! the trial ends (R-B10).

use chrono::{DateTime, Utc};

use crate::ids::{PlanId, PurchaseId};
use crate::item::ItemRef;
use crate::payment::PaymentMethod;
use crate::purchase::{Billing, Period, Purchase, PurchaseStatus};

use super::SubscriptionStatus;

/// A renewal that was refused and is not paid yet (R-B5): the period starting at `starts`
/// is unpaid, and access holds strictly before `grace_ends`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefusedRenewal {
    pub starts: DateTime<Utc>,
    pub grace_ends: DateTime<Utc>,
}

impl RefusedRenewal {
    /// R-B5, R-L6: whether this refused renewal holds `purchase` back: it is the renewal
    /// of the period right after the purchase's own (not paid yet), and the purchase is
    /// active and renewing. A refused renewal is recorded at or after that period's end,
    /// and the expiry job ends the purchase when the grace is over.
    #[must_use]
    pub fn holds_back(&self, purchase: &Purchase) -> bool {
        matches!(
            *purchase.billing(),
            Billing::Recurring { period, auto_renew: true, .. } if period.end() == self.starts
        ) && purchase.status() == PurchaseStatus::Active
    }
}

/// One subscription of an org, as its buyers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub id: PurchaseId,
    pub item: ItemRef,
    pub status: SubscriptionStatus,
    /// The plan it was bought under; `None` for a purchase made before plans at a price
    /// no plan carries.
    pub plan: Option<PlanId>,
    /// A cheaper plan it moves to at its next renewal (R-B9).
    pub scheduled_plan: Option<PlanId>,
    pub period: Period,
    /// Auto-renew is off: access ends with the period.
    pub cancel_at_period_end: bool,
    pub payment_method: PaymentMethod,
}

impl SubscriptionSummary {
    /// R-B5: the subscription a purchase is at `now`, given its refused renewal if it has
    /// one; `None` for a one-time purchase. A refused renewal counts only for the period
    /// right after the purchase's own (the one not paid yet) and from that period's end:
    /// PAST_DUE until its grace ends, EXPIRED after (the expiry job ends the purchase).
    #[must_use]
    pub fn of(
        purchase: &Purchase,
        refused: Option<RefusedRenewal>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let Billing::Recurring {
            period, auto_renew, ..
        } = *purchase.billing()
        else {
            return None;
        };
        let lapsed = refused.filter(|r| r.holds_back(purchase) && now >= period.end());
        let status = match (purchase.status(), lapsed) {
            (PurchaseStatus::Active, Some(r)) if now < r.grace_ends => SubscriptionStatus::PastDue,
            (PurchaseStatus::Active, Some(_)) => SubscriptionStatus::Expired,
            (PurchaseStatus::Active, None) if auto_renew && purchase.in_trial() => {
                SubscriptionStatus::Trialing
            }
            (PurchaseStatus::Active, None) if auto_renew => SubscriptionStatus::Active,
            (PurchaseStatus::Active | PurchaseStatus::Cancelled, _) if now < period.end() => {
                SubscriptionStatus::Canceled
            }
            (
                PurchaseStatus::Active
                | PurchaseStatus::Cancelled
                | PurchaseStatus::Expired
                | PurchaseStatus::Refunded,
                _,
            ) => SubscriptionStatus::Expired,
        };
        Some(Self {
            id: purchase.id(),
            item: purchase.item(),
            status,
            plan: purchase.plan(),
            scheduled_plan: purchase.scheduled_plan(),
            period,
            cancel_at_period_end: status == SubscriptionStatus::Canceled,
            payment_method: purchase.payment_method(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OrderId, OrgId, ToolId, UserId};
    use crate::interval::Interval;
    use crate::money::{Currency, Money};
    use crate::purchase::PurchaseParts;
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    fn purchase(status: PurchaseStatus, billing: Billing) -> Purchase {
        Purchase::restore(PurchaseParts {
            id: PurchaseId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            user_id: UserId::from_uuid(Uuid::from_u128(3)),
            order_id: OrderId::from_uuid(Uuid::from_u128(4)),
            item: ItemRef::Tool(ToolId::from_uuid(Uuid::from_u128(5))),
            amount: Money::from_minor(4900, Currency::USD),
            refunded: Money::zero(Currency::USD),
            payment_method: PaymentMethod::PlatformCredits,
            status,
            billing,
            subscription_ref: None,
            plan: Some(PlanId::from_uuid(Uuid::from_u128(6))),
            trial_ends: None,
            scheduled_plan: None,
            created_at: at(1),
            ended_at: None,
        })
    }

    fn monthly(auto_renew: bool) -> Billing {
        Billing::Recurring {
            interval: Interval::Monthly,
            period: Period::restore(at(1), at(1) + Duration::days(31)).unwrap(),
            auto_renew,
        }
    }

    #[test]
    fn r_b5_a_recurring_purchase_is_active_canceled_or_expired() {
        let now = at(10);
        let status = |p: &Purchase| {
            SubscriptionSummary::of(p, None, now).map(|s| (s.status, s.cancel_at_period_end))
        };
        use SubscriptionStatus::{Active, Canceled, Expired};
        assert_eq!(
            status(&purchase(PurchaseStatus::Active, monthly(true))),
            Some((Active, false))
        );
        assert_eq!(
            status(&purchase(PurchaseStatus::Active, monthly(false))),
            Some((Canceled, true))
        );
        assert_eq!(
            status(&purchase(PurchaseStatus::Cancelled, monthly(false))),
            Some((Canceled, true))
        );
        assert_eq!(
            status(&purchase(PurchaseStatus::Expired, monthly(false))),
            Some((Expired, false))
        );
        assert_eq!(
            status(&purchase(PurchaseStatus::Refunded, monthly(true))),
            Some((Expired, false))
        );
        let after = at(1) + Duration::days(31);
        assert_eq!(
            SubscriptionSummary::of(
                &purchase(PurchaseStatus::Active, monthly(false)),
                None,
                after
            )
            .map(|s| s.status),
            Some(Expired),
            "a stopped subscription ends with its period"
        );
        assert_eq!(
            status(&purchase(PurchaseStatus::Active, Billing::OneTime)),
            None,
            "one-time: not a subscription"
        );
        let s =
            SubscriptionSummary::of(&purchase(PurchaseStatus::Active, monthly(true)), None, now)
                .unwrap();
        assert_eq!(s.plan, Some(PlanId::from_uuid(Uuid::from_u128(6))));
        assert_eq!(
            (s.period.start(), s.period.end()),
            (at(1), at(1) + Duration::days(31))
        );
    }

    #[test]
    fn r_b5_a_refused_renewal_is_past_due_from_the_period_end_until_the_grace_ends() {
        let end = at(1) + Duration::days(31);
        let grace_ends = end + Duration::days(3);
        let refused = Some(RefusedRenewal {
            starts: end,
            grace_ends,
        });
        let renewing = purchase(PurchaseStatus::Active, monthly(true));
        let status = |p: &Purchase, r: Option<RefusedRenewal>, now| {
            SubscriptionSummary::of(p, r, now).map(|s| s.status)
        };
        use SubscriptionStatus::{Active, Canceled, Expired, PastDue};
        assert_eq!(status(&renewing, refused, end), Some(PastDue));
        let s = SubscriptionSummary::of(&renewing, refused, end).unwrap();
        assert!(!s.cancel_at_period_end);
        assert_eq!(s.period.end(), end, "the lapsed period is the one shown");
        assert_eq!(
            status(&renewing, refused, grace_ends - Duration::seconds(1)),
            Some(PastDue)
        );
        assert_eq!(
            status(&renewing, refused, grace_ends),
            Some(Expired),
            "the grace's end is exclusive"
        );
        assert_eq!(
            status(&renewing, refused, end - Duration::seconds(1)),
            Some(Active),
            "before the period's end nothing is late yet"
        );
        let older = Some(RefusedRenewal {
            starts: at(1),
            grace_ends: at(4),
        });
        assert_eq!(
            status(&renewing, older, at(10)),
            Some(Active),
            "a refused renewal of an earlier period, since paid, does not count"
        );
        assert_eq!(
            status(
                &purchase(PurchaseStatus::Active, monthly(false)),
                refused,
                at(10)
            ),
            Some(Canceled),
            "a cancelled subscription is not past due"
        );
        assert_eq!(
            status(
                &purchase(PurchaseStatus::Expired, monthly(true)),
                refused,
                end
            ),
            Some(Expired)
        );
    }
}
