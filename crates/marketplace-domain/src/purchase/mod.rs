//! Purchases: what an org bought, one tool or one bundle each, with their recurring
//! periods (R-R*) and their end by cancellation, expiry or refund (R-E2).

mod grace;
mod period;

pub use crate::interval::{Interval, add_months};
pub use grace::{GracePeriod, GraceTooLong};
pub use period::Period;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entitlement::Entitlement;
use crate::ids::{EntitlementId, OrderId, OrgId, PlanId, PurchaseId, UserId};
use crate::item::ItemRef;
use crate::money::Money;
use crate::order::{Order, OrderLine};
use crate::paging::{Page, PageRequest};
use crate::payment::PaymentMethod;
use crate::ports::RepoError;
use crate::revenue::Posting;

/// A purchase's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PurchaseStatus {
    Active,
    /// Stopped by the buyer; for a recurring purchase access ran to the period's end.
    Cancelled,
    /// A recurring purchase whose period ended without renewal (R-R2).
    Expired,
    Refunded,
}
crate::labelled!(PurchaseStatus, "purchase status", {
    Active => "ACTIVE", Cancelled => "CANCELLED", Expired => "EXPIRED", Refunded => "REFUNDED",
});

/// How a purchase is paid over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Billing {
    OneTime,
    Recurring {
        interval: Interval,
        period: Period,
        auto_renew: bool,
    },
}

impl Billing {
    /// When access ends unless renewed; `None` for one-time purchases.
    #[must_use]
    pub const fn paid_until(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::OneTime => None,
            Self::Recurring { period, .. } => Some(period.end()),
        }
    }
}

/// Every field of a purchase, for adapters restoring one as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseParts {
    pub id: PurchaseId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub order_id: OrderId,
    pub item: ItemRef,
    /// What was paid for it (the order line's price at purchase).
    pub amount: Money,
    /// What has been refunded so far.
    pub refunded: Money,
    pub payment_method: PaymentMethod,
    pub status: PurchaseStatus,
    pub billing: Billing,
    /// The payment provider's subscription, for recurring card purchases.
    pub subscription_ref: Option<String>,
    /// The plan it was bought under (R-B1); `None` for a purchase made before plans at a
    /// price no plan carries, and for one whose order named no plan.
    pub plan: Option<PlanId>,
    /// When the trial it started with ends (R-B10); `None` when it was paid from the start.
    pub trial_ends: Option<DateTime<Utc>>,
    /// A cheaper plan it moves to at its next renewal (R-B9).
    pub scheduled_plan: Option<PlanId>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One tool or one bundle bought by an org (never both: [`ItemRef`]). It starts ACTIVE
/// from an order line ([`Purchase::bought`]) and then changes only through its methods:
/// refunds never exceed what was paid, and only an active purchase renews, expires or
/// ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purchase {
    parts: PurchaseParts,
}

/// Why a purchase cannot make a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PurchaseRuleError {
    #[error("the purchase is {0}, not ACTIVE")]
    NotActive(PurchaseStatus),
    #[error("a one-time purchase does not renew")]
    NotRecurring,
    #[error("the refund exceeds what remains refundable ({remaining})")]
    RefundTooLarge { remaining: Money },
    #[error("a refund must be above zero and in the purchase's currency")]
    InvalidRefund,
    #[error("the period has not ended yet")]
    PeriodNotOver,
}

/// Whether a refund ends the purchase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundExtent {
    Partial,
    Full,
}

impl Purchase {
    /// R-O4: the purchase a fulfilment makes of one line of `order`: ACTIVE, nothing
    /// refunded, billed as `billing` from `now`.
    #[must_use]
    pub fn bought(
        id: PurchaseId,
        order: &Order,
        line: &OrderLine,
        billing: Billing,
        now: DateTime<Utc>,
    ) -> Self {
        let amount = line.price_at_purchase;
        Self {
            parts: PurchaseParts {
                id,
                org_id: order.org_id(),
                user_id: order.user_id(),
                order_id: order.id(),
                item: line.item,
                amount,
                refunded: Money::zero(amount.currency()),
                payment_method: order.payment_method(),
                status: PurchaseStatus::Active,
                billing,
                subscription_ref: None,
                plan: line.plan.as_ref().map(|p| p.id),
                // R-B10: a line with a trial is billed from the trial's window.
                trial_ends: line
                    .plan
                    .as_ref()
                    .and_then(|p| p.trial)
                    .and(billing.paid_until()),
                scheduled_plan: None,
                created_at: now,
                ended_at: None,
            },
        }
    }

    /// A purchase as stored.
    #[must_use]
    pub const fn restore(parts: PurchaseParts) -> Self {
        Self { parts }
    }

    #[must_use]
    pub fn into_parts(self) -> PurchaseParts {
        self.parts
    }

    #[must_use]
    pub const fn id(&self) -> PurchaseId {
        self.parts.id
    }

    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.parts.org_id
    }

    #[must_use]
    pub const fn user_id(&self) -> UserId {
        self.parts.user_id
    }

    #[must_use]
    pub const fn order_id(&self) -> OrderId {
        self.parts.order_id
    }

    #[must_use]
    pub const fn item(&self) -> ItemRef {
        self.parts.item
    }

    /// What was paid for it (the order line's price at purchase).
    #[must_use]
    pub const fn amount(&self) -> Money {
        self.parts.amount
    }

    /// What has been refunded so far.
    #[must_use]
    pub const fn refunded(&self) -> Money {
        self.parts.refunded
    }

    #[must_use]
    pub const fn payment_method(&self) -> PaymentMethod {
        self.parts.payment_method
    }

    #[must_use]
    pub const fn status(&self) -> PurchaseStatus {
        self.parts.status
    }

    #[must_use]
    pub const fn billing(&self) -> &Billing {
        &self.parts.billing
    }

    /// The plan it was bought under, if known (R-B1).
    #[must_use]
    pub const fn plan(&self) -> Option<PlanId> {
        self.parts.plan
    }

    /// When the trial it started with ends (R-B10); `None` when paid from the start.
    #[must_use]
    pub const fn trial_ends(&self) -> Option<DateTime<Utc>> {
        self.parts.trial_ends
    }

    /// The cheaper plan it moves to at its next renewal (R-B9).
    #[must_use]
    pub const fn scheduled_plan(&self) -> Option<PlanId> {
        self.parts.scheduled_plan
    }

    /// R-B10: whether its current period is the trial it started with (nothing paid yet).
    #[must_use]
    pub fn in_trial(&self) -> bool {
        matches!(
            (self.parts.trial_ends, self.parts.billing),
            (Some(ends), Billing::Recurring { period, .. }) if period.end() == ends
        )
    }

    /// The plan its next renewal charges (R-B9): a scheduled downgrade's, else its own.
    #[must_use]
    pub fn renewal_plan(&self) -> Option<PlanId> {
        self.parts.scheduled_plan.or(self.parts.plan)
    }

    /// R-B9: moves it to `plan` now (an upgrade, or any change during a trial); a
    /// scheduled downgrade is dropped.
    pub fn switch_plan(&mut self, plan: PlanId) {
        self.parts.plan = Some(plan);
        self.parts.scheduled_plan = None;
    }

    /// R-B9: moves it to `plan` at its next renewal (a downgrade), or calls that off
    /// with `None`.
    pub fn schedule_plan(&mut self, plan: Option<PlanId>) {
        self.parts.scheduled_plan = plan;
    }

    /// The payment provider's subscription, for recurring card purchases.
    #[must_use]
    pub fn subscription_ref(&self) -> Option<&str> {
        self.parts.subscription_ref.as_deref()
    }

    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.parts.created_at
    }

    /// When it stopped (expiry, end, full refund); `None` while it runs.
    #[must_use]
    pub const fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.parts.ended_at
    }

    /// What can still be refunded.
    #[must_use]
    pub fn refundable(&self) -> Money {
        self.parts
            .amount
            .checked_sub(self.parts.refunded)
            .unwrap_or(Money::zero(self.parts.amount.currency()))
    }

    /// R-R2: the provider's subscription that renews this purchase.
    pub fn attach_subscription(&mut self, subscription_ref: impl Into<String>) {
        self.parts.subscription_ref = Some(subscription_ref.into());
    }

    /// R-R2: stop auto-renew; access stays until the period ends. Cancelling twice is a
    /// no-op. A scheduled downgrade is dropped: there is no renewal for it to apply at.
    ///
    /// # Errors
    /// `NotActive`, `NotRecurring`.
    pub fn cancel_auto_renew(&mut self) -> Result<(), PurchaseRuleError> {
        self.require_active()?;
        match &mut self.parts.billing {
            Billing::OneTime => Err(PurchaseRuleError::NotRecurring),
            Billing::Recurring { auto_renew, .. } => {
                *auto_renew = false;
                self.parts.scheduled_plan = None;
                Ok(())
            }
        }
    }

    /// R-R2: a renewal payment succeeded: the next period follows the current one. The
    /// new period end is returned for the entitlements.
    ///
    /// # Errors
    /// `NotActive`, `NotRecurring`.
    pub fn renew(&mut self) -> Result<Period, PurchaseRuleError> {
        self.require_active()?;
        match &mut self.parts.billing {
            Billing::OneTime => Err(PurchaseRuleError::NotRecurring),
            Billing::Recurring {
                interval, period, ..
            } => {
                *period = period.next(*interval);
                // R-B9: a scheduled downgrade takes effect with the renewal.
                if let Some(next) = self.parts.scheduled_plan.take() {
                    self.parts.plan = Some(next);
                }
                Ok(*period)
            }
        }
    }

    /// R-R2: a renewal paid up to `paid_until` (the provider's period end): periods are
    /// added until the current one reaches it. Idempotent: a redelivered renewal for a
    /// period already covered changes nothing and returns `false`.
    ///
    /// # Errors
    /// `NotActive`, `NotRecurring`.
    pub fn renew_until(&mut self, paid_until: DateTime<Utc>) -> Result<bool, PurchaseRuleError> {
        self.require_active()?;
        match &mut self.parts.billing {
            Billing::OneTime => Err(PurchaseRuleError::NotRecurring),
            Billing::Recurring {
                interval, period, ..
            } => {
                let before = *period;
                // Bounded: a provider's period end is never centuries ahead.
                for _ in 0..1200 {
                    if period.end() >= paid_until {
                        break;
                    }
                    *period = period.next(*interval);
                }
                let moved = *period != before;
                if moved && let Some(next) = self.parts.scheduled_plan.take() {
                    self.parts.plan = Some(next);
                }
                Ok(moved)
            }
        }
    }

    /// R-R2: the provider will not renew (auto-renew off) or will again (`true`).
    ///
    /// # Errors
    /// `NotActive`, `NotRecurring`.
    pub fn set_auto_renew(&mut self, on: bool) -> Result<bool, PurchaseRuleError> {
        self.require_active()?;
        match &mut self.parts.billing {
            Billing::OneTime => Err(PurchaseRuleError::NotRecurring),
            Billing::Recurring { auto_renew, .. } => {
                let changed = *auto_renew != on;
                *auto_renew = on;
                Ok(changed)
            }
        }
    }

    /// R-B5: when access ends (exclusive) unless a renewal is paid first; `None` for a
    /// one-time purchase. A purchase that renews by itself keeps access through the
    /// `grace` after its period, while the renewal may still arrive (the provider charges
    /// after the period's end, credits may be topped up, an invoice paid); one whose
    /// auto-renew is off ends with its period, since nothing will renew it.
    #[must_use]
    pub fn access_ends(&self, grace: GracePeriod) -> Option<DateTime<Utc>> {
        match self.parts.billing {
            Billing::OneTime => None,
            Billing::Recurring {
                period,
                auto_renew: true,
                ..
            } => Some(grace.ends(period.end())),
            Billing::Recurring { period, .. } => Some(period.end()),
        }
    }

    /// Whether an active recurring purchase must expire at `now` ([`Purchase::access_ends`]).
    #[must_use]
    pub fn expiry_due(&self, now: DateTime<Utc>, grace: GracePeriod) -> bool {
        self.parts.status == PurchaseStatus::Active
            && self.access_ends(grace).is_some_and(|end| now >= end)
    }

    /// R-R2, R-B5: a recurring purchase whose access is over expires: auto-renew off at
    /// its period's end, otherwise once the grace after it is over without renewal.
    ///
    /// # Errors
    /// `NotActive`, `NotRecurring`, `PeriodNotOver` while access holds.
    pub fn expire(
        &mut self,
        now: DateTime<Utc>,
        grace: GracePeriod,
    ) -> Result<(), PurchaseRuleError> {
        self.require_active()?;
        match self.access_ends(grace) {
            None => Err(PurchaseRuleError::NotRecurring),
            Some(end) if now < end => Err(PurchaseRuleError::PeriodNotOver),
            Some(_) => {
                self.parts.status = PurchaseStatus::Expired;
                self.parts.ended_at = Some(now);
                Ok(())
            }
        }
    }

    /// Records a refund of `amount`; refunding all that remains marks the purchase
    /// REFUNDED. An expired or cancelled purchase may still be refunded (its last period);
    /// a refunded one may not.
    ///
    /// # Errors
    /// `NotActive` for a refunded purchase, `InvalidRefund`, `RefundTooLarge`.
    pub fn refund(
        &mut self,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<RefundExtent, PurchaseRuleError> {
        if self.parts.status == PurchaseStatus::Refunded {
            return Err(PurchaseRuleError::NotActive(self.parts.status));
        }
        if amount.currency() != self.parts.amount.currency()
            || amount.is_negative()
            || amount.is_zero()
        {
            return Err(PurchaseRuleError::InvalidRefund);
        }
        let remaining = self.refundable();
        if amount.amount() > remaining.amount() {
            return Err(PurchaseRuleError::RefundTooLarge { remaining });
        }
        self.parts.refunded = self
            .parts
            .refunded
            .checked_add(amount)
            .map_err(|_| PurchaseRuleError::InvalidRefund)?;
        if amount == remaining {
            self.parts.status = PurchaseStatus::Refunded;
            self.parts.ended_at = self.parts.ended_at.or(Some(now));
            Ok(RefundExtent::Full)
        } else {
            Ok(RefundExtent::Partial)
        }
    }

    /// R-E2: ends an active purchase now, whatever its period (the provider deleted its
    /// subscription): EXPIRED from `now`.
    ///
    /// # Errors
    /// `NotActive`.
    pub fn end_now(&mut self, now: DateTime<Utc>) -> Result<(), PurchaseRuleError> {
        self.require_active()?;
        self.parts.status = PurchaseStatus::Expired;
        self.parts.ended_at = Some(now);
        Ok(())
    }

    fn require_active(&self) -> Result<(), PurchaseRuleError> {
        if self.parts.status == PurchaseStatus::Active {
            Ok(())
        } else {
            Err(PurchaseRuleError::NotActive(self.parts.status))
        }
    }
}

/// A purchase that stops (refund, expiry), as one atomic change (R-E2).
#[derive(Clone, Debug, PartialEq)]
pub struct PurchaseEnd {
    pub purchase: Purchase,
    /// When the purchase and its entitlements end.
    pub at: DateTime<Utc>,
    /// Entitlements granted by this purchase, ended now.
    pub end_entitlements: Vec<EntitlementId>,
    /// Bundle entitlements that take over tools this purchase had covered (R-E1/R-E2).
    pub successor_entitlements: Vec<Entitlement>,
}

/// A refund, full or partial, as one atomic change.
#[derive(Clone, Debug, PartialEq)]
pub struct RefundPlan {
    pub purchase: Purchase,
    pub amount: Money,
    pub extent: RefundExtent,
    /// The reverse ledger posting, in proportion (R-M5).
    pub posting: Posting,
    /// Set when the refund is full.
    pub end: Option<PurchaseEnd>,
    /// Platform credits given back when the purchase was paid with them.
    pub credit_back: Option<Money>,
    /// The order's status after the refund (REFUNDED or PARTIALLY_REFUNDED).
    pub order_status: crate::order::OrderStatus,
}

/// R-B9: a plan change as one atomic change: the purchase under its new plan (or with
/// its downgrade scheduled), and for an upgrade its prorated charge: the sale posting and
/// the platform credits it debits.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSwitch {
    pub purchase: Purchase,
    /// The plans the stored purchase must still have (current, scheduled), so two
    /// changes at once cannot both apply.
    pub from: (Option<PlanId>, Option<PlanId>),
    /// The upgrade's charge as a sale (R-B7); `None` when nothing is charged now.
    pub posting: Option<Posting>,
    /// Platform credits debited for it, in the same transaction.
    pub credit_debit: Option<Money>,
}

/// R-B10: the items `org` has already had a trial of, through any of its purchases,
/// ended or not (one trial per org and item).
///
/// # Errors
/// As [`PurchaseRepository::list`].
pub async fn trialed_items(
    purchases: &dyn PurchaseRepository,
    org: OrgId,
) -> Result<Vec<ItemRef>, RepoError> {
    Ok(purchases
        .list(org, None)
        .await?
        .iter()
        .filter(|p| p.trial_ends().is_some())
        .map(Purchase::item)
        .collect())
}

/// Status filter for listing purchases.
pub type PurchaseFilter = Option<PurchaseStatus>;

/// Where purchases live. Tenant methods take the org and see only its rows (R-T3).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PurchaseRepository: Send + Sync {
    /// The org's purchases, newest first.
    async fn list(&self, org: OrgId, status: PurchaseFilter) -> Result<Vec<Purchase>, RepoError>;

    /// One page of the org's purchases, newest first (ties by id, descending), and the
    /// count of all that match.
    async fn page(
        &self,
        org: OrgId,
        status: PurchaseFilter,
        page: PageRequest,
    ) -> Result<Page<Purchase>, RepoError>;

    /// `Ok(None)` when the purchase does not exist in `org`.
    async fn get(&self, org: OrgId, id: PurchaseId) -> Result<Option<Purchase>, RepoError>;

    /// Platform scope (admins, jobs): any org's purchase.
    async fn find(&self, id: PurchaseId) -> Result<Option<Purchase>, RepoError>;

    /// The purchase that holds the provider's subscription (platform scope).
    async fn find_by_subscription(
        &self,
        subscription_ref: &str,
    ) -> Result<Option<Purchase>, RepoError>;

    /// The entitlements this purchase granted that have not been ended (`ended_at` is
    /// unset), whatever their `until`.
    async fn entitlements_of(&self, id: PurchaseId) -> Result<Vec<Entitlement>, RepoError>;

    /// The ledger postings of this purchase's first sale, oldest first: its sale posting
    /// and the refunds made of it since (for proportional, bounded refunds, R-M5). A
    /// renewal's sale and refunds are listed with the renewal (the renewal repository's
    /// `postings`), not here.
    async fn postings(&self, id: PurchaseId) -> Result<Vec<Posting>, RepoError>;

    /// Saves a changed purchase (auto-renew off).
    ///
    /// # Errors
    /// `RepoError::NotFound` when it is not in `purchase.org_id`.
    async fn save(&self, purchase: &Purchase) -> Result<(), RepoError>;

    /// R-R2: a renewed period, moving the purchase's entitlements' `until` with it, in one
    /// transaction.
    async fn renew(&self, purchase: &Purchase) -> Result<(), RepoError>;

    /// R-E2: ends a purchase and the entitlements that came only from it, and grants the
    /// successors, in one transaction.
    async fn end(&self, end: &PurchaseEnd) -> Result<(), RepoError>;

    /// A refund: purchase, ledger posting, entitlements, credits and order status in one
    /// transaction.
    ///
    /// # Errors
    /// `RepoError::Stale` when the stored purchase is not the one the plan started from
    /// (its refunded amount differs from `plan.purchase.refunded - plan.amount`, or it is
    /// already REFUNDED): a concurrent refund won, and nothing is stored.
    async fn refund(&self, plan: &RefundPlan) -> Result<(), RepoError>;

    /// R-B9: a plan change: the purchase's plan (and scheduled plan), the upgrade's sale
    /// posting and its credit debit in one transaction.
    ///
    /// # Errors
    /// `RepoError::Stale` when the stored purchase is no longer ACTIVE under
    /// `switch.from`; `RepoError::InsufficientCredits` when the debit would make the
    /// balance negative. Nothing is stored on any error.
    async fn switch_plan(&self, switch: &PlanSwitch) -> Result<(), RepoError>;

    /// ACTIVE recurring purchases whose period ended at or before `now` without renewal
    /// (the use case then applies the grace, [`Purchase::expiry_due`]).
    async fn due_to_expire(&self, now: DateTime<Utc>) -> Result<Vec<Purchase>, RepoError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use chrono::TimeZone;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn purchase(billing: Billing) -> Purchase {
        Purchase::restore(PurchaseParts {
            id: PurchaseId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            user_id: UserId::from_uuid(Uuid::from_u128(3)),
            order_id: OrderId::from_uuid(Uuid::from_u128(4)),
            item: ItemRef::Tool(crate::ids::ToolId::from_uuid(Uuid::from_u128(5))),
            amount: Money::new(dec!(30.00), Currency::USD).unwrap(),
            refunded: Money::zero(Currency::USD),
            payment_method: PaymentMethod::CreditCard,
            status: PurchaseStatus::Active,
            billing,
            subscription_ref: None,
            plan: None,
            trial_ends: None,
            scheduled_plan: None,
            created_at: Utc::now(),
            ended_at: None,
        })
    }

    fn monthly_from(y: i32, m: u32, d: u32) -> Billing {
        let start = Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single().unwrap();
        Billing::Recurring {
            interval: Interval::Monthly,
            period: Period::starting(start, Interval::Monthly),
            auto_renew: true,
        }
    }

    #[test]
    fn r_r2_renewal_extends_the_period_from_its_end() {
        let mut p = purchase(monthly_from(2025, 1, 31));
        let first_end = p.billing().paid_until().unwrap();
        let next = p.renew().unwrap();
        assert_eq!(next.start(), first_end);
        assert_eq!(
            next.end(),
            Utc.with_ymd_and_hms(2025, 3, 28, 0, 0, 0).single().unwrap()
        );
    }

    #[test]
    fn r_r2_cancel_keeps_access_until_the_period_ends_then_expires() {
        let mut p = purchase(monthly_from(2025, 1, 1));
        p.cancel_auto_renew().unwrap();
        assert_eq!(p.status(), PurchaseStatus::Active);
        assert!(matches!(
            p.billing(),
            Billing::Recurring {
                auto_renew: false,
                ..
            }
        ));
        let before_end = Utc
            .with_ymd_and_hms(2025, 1, 31, 23, 0, 0)
            .single()
            .unwrap();
        let grace = GracePeriod::default();
        assert_eq!(
            p.expire(before_end, grace),
            Err(PurchaseRuleError::PeriodNotOver)
        );
        let end = p.billing().paid_until().unwrap();
        p.expire(end, grace).unwrap();
        assert_eq!(p.status(), PurchaseStatus::Expired);
        assert_eq!(
            p.renew(),
            Err(PurchaseRuleError::NotActive(PurchaseStatus::Expired))
        );
    }

    #[test]
    fn r_r2_renewal_up_to_a_provider_period_end_is_idempotent() {
        let mut p = purchase(monthly_from(2025, 1, 31));
        let target = Utc.with_ymd_and_hms(2025, 3, 28, 0, 0, 0).single().unwrap();
        assert_eq!(p.renew_until(target), Ok(true));
        assert_eq!(p.billing().paid_until(), Some(target));
        assert_eq!(
            p.renew_until(target),
            Ok(false),
            "a redelivered renewal changes nothing"
        );
        let earlier = Utc.with_ymd_and_hms(2025, 2, 1, 0, 0, 0).single().unwrap();
        assert_eq!(p.renew_until(earlier), Ok(false));
        assert_eq!(p.billing().paid_until(), Some(target));
    }

    #[test]
    fn r_r2_one_time_purchases_do_not_renew_or_cancel() {
        let mut p = purchase(Billing::OneTime);
        assert_eq!(p.cancel_auto_renew(), Err(PurchaseRuleError::NotRecurring));
        assert_eq!(p.renew(), Err(PurchaseRuleError::NotRecurring));
    }

    #[test]
    fn r_e2_ending_now_expires_an_active_purchase_whatever_its_period() {
        let mut p = purchase(monthly_from(2025, 1, 1));
        let mid_period = Utc.with_ymd_and_hms(2025, 1, 10, 0, 0, 0).single().unwrap();
        p.end_now(mid_period).unwrap();
        assert_eq!(
            (p.status(), p.ended_at()),
            (PurchaseStatus::Expired, Some(mid_period))
        );
        assert_eq!(
            p.end_now(mid_period),
            Err(PurchaseRuleError::NotActive(PurchaseStatus::Expired)),
            "an ended purchase does not end again"
        );
        assert_eq!(p.ended_at(), Some(mid_period), "unchanged");
    }

    #[test]
    fn r_o4_a_bought_purchase_starts_active_from_its_order_line() {
        let line = OrderLine {
            item: ItemRef::Tool(crate::ids::ToolId::from_uuid(Uuid::from_u128(5))),
            name: "Tool 5".into(),
            price_at_purchase: Money::new(dec!(12.50), Currency::USD).unwrap(),
            plan: None,
        };
        let order = Order::place(
            OrderId::from_uuid(Uuid::from_u128(4)),
            OrgId::from_uuid(Uuid::from_u128(2)),
            UserId::from_uuid(Uuid::from_u128(3)),
            PaymentMethod::PlatformCredits,
            vec![line.clone()],
            Utc::now(),
        )
        .unwrap();
        let now = Utc::now();
        let mut p = Purchase::bought(
            PurchaseId::from_uuid(Uuid::from_u128(1)),
            &order,
            &line,
            Billing::OneTime,
            now,
        );
        assert_eq!(p.status(), PurchaseStatus::Active);
        assert_eq!((p.order_id(), p.org_id()), (order.id(), order.org_id()));
        assert_eq!((p.item(), p.amount()), (line.item, line.price_at_purchase));
        assert_eq!(p.refunded(), Money::zero(Currency::USD));
        assert_eq!(p.payment_method(), PaymentMethod::PlatformCredits);
        assert_eq!((p.created_at(), p.ended_at()), (now, None));
        assert_eq!(p.subscription_ref(), None);
        p.attach_subscription("sub_1");
        assert_eq!(p.subscription_ref(), Some("sub_1"));
    }

    #[test]
    fn refunds_are_bounded_and_the_last_one_ends_the_purchase() {
        let mut p = purchase(Billing::OneTime);
        let usd = |a| Money::new(a, Currency::USD).unwrap();
        assert_eq!(
            p.refund(usd(dec!(10.00)), Utc::now()),
            Ok(RefundExtent::Partial)
        );
        assert!(matches!(
            p.refund(usd(dec!(20.01)), Utc::now()),
            Err(PurchaseRuleError::RefundTooLarge { .. })
        ));
        assert_eq!(
            p.refund(usd(dec!(20.00)), Utc::now()),
            Ok(RefundExtent::Full)
        );
        assert_eq!(p.status(), PurchaseStatus::Refunded);
        assert_eq!(
            p.refund(usd(dec!(0.01)), Utc::now()),
            Err(PurchaseRuleError::NotActive(PurchaseStatus::Refunded))
        );
        let mut q = purchase(Billing::OneTime);
        assert_eq!(
            q.refund(Money::zero(Currency::USD), Utc::now()),
            Err(PurchaseRuleError::InvalidRefund)
        );
    }
}
