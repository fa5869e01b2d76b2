//! A recurring purchase as the subscriptions API shows it (R-B5): its status, its plan and
//! its current period. Read from the purchase as stored today: an active purchase that
//! renews is ACTIVE; one whose auto-renew was stopped is CANCELED, with access until its
//! period ends; an expired, refunded or ended one is EXPIRED. (TRIALING and PAST_DUE come
//! with stored subscription states.)

use chrono::{DateTime, Utc};

use crate::ids::{PlanId, PurchaseId};
use crate::item::ItemRef;
use crate::payment::PaymentMethod;
use crate::purchase::{Billing, Period, Purchase, PurchaseStatus};

use super::SubscriptionStatus;

/// One subscription of an org, as its buyers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub id: PurchaseId,
    pub item: ItemRef,
    pub status: SubscriptionStatus,
    /// The plan it was bought under; `None` for a purchase made before plans at a price
    /// no plan carries.
    pub plan: Option<PlanId>,
    pub period: Period,
    /// Auto-renew is off: access ends with the period.
    pub cancel_at_period_end: bool,
    pub payment_method: PaymentMethod,
}

impl SubscriptionSummary {
    /// R-B5: the subscription a purchase is at `now`; `None` for a one-time purchase.
    #[must_use]
    pub fn of(purchase: &Purchase, now: DateTime<Utc>) -> Option<Self> {
        let Billing::Recurring {
            period, auto_renew, ..
        } = *purchase.billing()
        else {
            return None;
        };
        let status = match purchase.status() {
            PurchaseStatus::Active if auto_renew => SubscriptionStatus::Active,
            PurchaseStatus::Active | PurchaseStatus::Cancelled if now < period.end() => {
                SubscriptionStatus::Canceled
            }
            PurchaseStatus::Active
            | PurchaseStatus::Cancelled
            | PurchaseStatus::Expired
            | PurchaseStatus::Refunded => SubscriptionStatus::Expired,
        };
        Some(Self {
            id: purchase.id(),
            item: purchase.item(),
            status,
            plan: purchase.plan(),
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
            SubscriptionSummary::of(p, now).map(|s| (s.status, s.cancel_at_period_end))
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
            SubscriptionSummary::of(&purchase(PurchaseStatus::Active, monthly(false)), after)
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
            SubscriptionSummary::of(&purchase(PurchaseStatus::Active, monthly(true)), now).unwrap();
        assert_eq!(s.plan, Some(PlanId::from_uuid(Uuid::from_u128(6))));
        assert_eq!(
            (s.period.start(), s.period.end()),
            (at(1), at(1) + Duration::days(31))
        );
    }
}
