//! The subscription state machine (R-B5, R-B6, R-B8, R-B9, R-B10). Every legal move is a
//! method; any other is refused with [`SubscriptionError::IllegalMove`] and changes
//! nothing. Each move returns what the use case must do next: post a sale, refund a
//! payment, tell the payment provider, void an invoice.

use chrono::{DateTime, Utc};

use crate::ids::{OrderId, OrgId, PurchaseId};
use crate::item::ItemRef;
use crate::money::Money;
use crate::plan::{GrantedTrial, Plan};
use crate::purchase::Period;

use super::{
    CanceledFrom, Cancellation, Collection, EarlyEnd, EndReason, Ended, Expiry, GracePeriod,
    InvoiceNumber, Move, Origin, PaymentOutcome, PlanChange, Proration, ProviderAction,
    ProviderRef, RefundReason, Refusal, Renewal, RenewalDue, RenewalInvoice, SubscribedPlan,
    SubscriptionError, SubscriptionState, SubscriptionStatus,
};

/// A subscription's stored parts, for adapters; [`Subscription::restore`] checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionParts {
    pub origin: Origin,
    pub plan: SubscribedPlan,
    /// A downgrade waiting for the next renewal (R-B9).
    pub scheduled_plan: Option<SubscribedPlan>,
    pub collection: Collection,
    pub state: SubscriptionState,
    /// The renewal invoice awaiting payment, for an invoice-paid subscription.
    pub open_invoice: Option<RenewalInvoice>,
}

/// A recurring purchase of one item under one plan. Fields are private: it changes only
/// through its moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    origin: Origin,
    plan: SubscribedPlan,
    scheduled_plan: Option<SubscribedPlan>,
    collection: Collection,
    state: SubscriptionState,
    open_invoice: Option<RenewalInvoice>,
}

impl Subscription {
    /// A subscription whose first period was paid at `at` (the checkout's payment).
    #[must_use]
    pub fn start_paid(
        origin: Origin,
        plan: SubscribedPlan,
        collection: Collection,
        at: DateTime<Utc>,
    ) -> Self {
        let period = Period::starting(at, plan.interval());
        Self::fresh(
            origin,
            plan,
            collection,
            SubscriptionState::Active { period },
        )
    }

    /// R-B10: a subscription in its trial from `at`, with nothing charged. Only
    /// [`crate::plan::TrialDays::grant`] makes a [`GrantedTrial`], so one trial per org
    /// and item holds by construction.
    #[must_use]
    pub fn start_trial(
        origin: Origin,
        plan: SubscribedPlan,
        collection: Collection,
        trial: GrantedTrial,
        at: DateTime<Utc>,
    ) -> Self {
        let end = at
            .checked_add_signed(trial.duration())
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        // A granted trial lasts at least a day, so the window is never empty; the
        // fallback only guards the end of time.
        let trial = Period::restore(at, end).unwrap_or(Period::starting(at, plan.interval()));
        Self::fresh(
            origin,
            plan,
            collection,
            SubscriptionState::Trialing { trial },
        )
    }

    fn fresh(
        origin: Origin,
        plan: SubscribedPlan,
        collection: Collection,
        state: SubscriptionState,
    ) -> Self {
        Self {
            origin,
            plan,
            scheduled_plan: None,
            collection,
            state,
            open_invoice: None,
        }
    }

    /// Rebuilds a stored subscription, checking what the moves keep true.
    ///
    /// # Errors
    /// [`SubscriptionError::Inconsistent`] naming what does not hold.
    pub fn restore(parts: SubscriptionParts) -> Result<Self, SubscriptionError> {
        let inconsistent = |what| Err(SubscriptionError::Inconsistent(what));
        if let Some(next) = &parts.scheduled_plan {
            let same_terms = next.item() == parts.plan.item()
                && next.interval() == parts.plan.interval()
                && next.price().currency() == parts.plan.price().currency();
            if !same_terms {
                return inconsistent("a scheduled plan must be of the same item and interval");
            }
            if !matches!(
                parts.state,
                SubscriptionState::Active { .. } | SubscriptionState::PastDue { .. }
            ) {
                return inconsistent("only an active or past-due subscription has a plan change");
            }
        }
        if let SubscriptionState::PastDue { lapsed, grace_ends } = parts.state
            && grace_ends < lapsed.end()
        {
            return inconsistent("grace cannot end before the lapsed period");
        }
        if let Some(invoice) = &parts.open_invoice {
            let Some(current) = parts.state.current_period() else {
                return inconsistent("an expired subscription has no open invoice");
            };
            if parts.collection != Collection::Invoice
                || matches!(parts.state, SubscriptionState::Canceled { .. })
                || invoice.period.start() != current.end()
            {
                return inconsistent("an open invoice pays for the period after the current one");
            }
        }
        Ok(Self {
            origin: parts.origin,
            plan: parts.plan,
            scheduled_plan: parts.scheduled_plan,
            collection: parts.collection,
            state: parts.state,
            open_invoice: parts.open_invoice,
        })
    }

    /// Back to its parts, for storage.
    #[must_use]
    pub fn into_parts(self) -> SubscriptionParts {
        SubscriptionParts {
            origin: self.origin,
            plan: self.plan,
            scheduled_plan: self.scheduled_plan,
            collection: self.collection,
            state: self.state,
            open_invoice: self.open_invoice,
        }
    }

    #[must_use]
    pub const fn id(&self) -> PurchaseId {
        self.origin.id
    }

    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.origin.org_id
    }

    /// The checkout that started it.
    #[must_use]
    pub const fn order_id(&self) -> OrderId {
        self.origin.order_id
    }

    #[must_use]
    pub const fn item(&self) -> ItemRef {
        self.plan.item()
    }

    #[must_use]
    pub const fn plan(&self) -> &SubscribedPlan {
        &self.plan
    }

    #[must_use]
    pub const fn scheduled_plan(&self) -> Option<&SubscribedPlan> {
        self.scheduled_plan.as_ref()
    }

    #[must_use]
    pub const fn collection(&self) -> &Collection {
        &self.collection
    }

    #[must_use]
    pub const fn state(&self) -> &SubscriptionState {
        &self.state
    }

    #[must_use]
    pub const fn status(&self) -> SubscriptionStatus {
        self.state.status()
    }

    #[must_use]
    pub const fn open_invoice(&self) -> Option<&RenewalInvoice> {
        self.open_invoice.as_ref()
    }

    /// What the next renewal charges: a scheduled downgrade's price, else the plan's.
    #[must_use]
    pub fn renewal_price(&self) -> Money {
        self.scheduled_plan.as_ref().unwrap_or(&self.plan).price()
    }

    /// When access ends (exclusive) unless a renewal is paid first; `None` once expired.
    /// A trial or a paid period holds for the grace after it ends, while its renewal may
    /// still arrive; a cancelled one only to its end, since nothing will renew it.
    #[must_use]
    pub fn access_ends(&self, grace: GracePeriod) -> Option<DateTime<Utc>> {
        match self.state {
            SubscriptionState::Trialing { trial: period }
            | SubscriptionState::Active { period } => Some(grace.ends(period.end())),
            SubscriptionState::PastDue { grace_ends, .. } => Some(grace_ends),
            SubscriptionState::Canceled { period, .. } => Some(period.end()),
            SubscriptionState::Expired { .. } => None,
        }
    }

    /// Whether the org may use the item at `now`.
    #[must_use]
    pub fn has_access(&self, now: DateTime<Utc>, grace: GracePeriod) -> bool {
        self.access_ends(grace).is_some_and(|end| now < end)
    }

    /// R-B5: a renewal payment arrived at `at`. From a trial, an active or a past-due
    /// subscription whose access still holds, it pays the next period, which starts where
    /// the previous one (or the trial) ended, not when the money came: a late payment
    /// does not shift the billing dates, and the days of grace were days of access. A
    /// scheduled downgrade takes effect with it. For a subscription that has ended, was
    /// cancelled, or whose grace is over, the payment is to be refunded automatically.
    pub fn renewal_paid(&mut self, at: DateTime<Utc>, grace: GracePeriod) -> PaymentOutcome {
        let refund = |reason| PaymentOutcome::RefundAutomatically { reason };
        let lapsed = match self.state {
            SubscriptionState::Expired { .. } => return refund(RefundReason::Ended),
            SubscriptionState::Canceled { .. } => return refund(RefundReason::Canceled),
            SubscriptionState::Trialing { trial: period }
            | SubscriptionState::Active { period }
            | SubscriptionState::PastDue { lapsed: period, .. } => period,
        };
        if !self.has_access(at, grace) {
            return refund(RefundReason::GraceElapsed);
        }
        let from = self.status();
        if let Some(next) = self.scheduled_plan.take() {
            self.plan = next;
        }
        let invoice = self.open_invoice.take();
        let period = lapsed.next(self.plan.interval());
        self.state = SubscriptionState::Active { period };
        PaymentOutcome::Renewed(Renewal {
            period,
            amount: invoice.map_or(self.plan.price(), |i| i.amount),
            plan: self.plan.plan_id(),
            from,
            invoice: invoice.map(|i| i.number),
        })
    }

    /// R-B5: a renewal payment was refused. The subscription is past due; access holds
    /// for the grace after the period (or trial) ended, counted from that end, never from
    /// the refusal. A refusal while already past due (a failed retry) keeps the deadline.
    ///
    /// # Errors
    /// [`SubscriptionError::IllegalMove`] when cancelled or expired: nothing renews them.
    pub fn renewal_refused(&mut self, grace: GracePeriod) -> Result<Refusal, SubscriptionError> {
        match self.state {
            SubscriptionState::Trialing { trial: lapsed }
            | SubscriptionState::Active { period: lapsed } => {
                let grace_ends = grace.ends(lapsed.end());
                self.state = SubscriptionState::PastDue { lapsed, grace_ends };
                Ok(Refusal {
                    grace_ends,
                    newly_past_due: true,
                })
            }
            SubscriptionState::PastDue { grace_ends, .. } => Ok(Refusal {
                grace_ends,
                newly_past_due: false,
            }),
            SubscriptionState::Canceled { .. } | SubscriptionState::Expired { .. } => {
                Err(self.illegal(Move::RefuseRenewal))
            }
        }
    }

    /// R-B5: the buyer stops renewing. A trial or a paid period keeps access until it
    /// ends, then expires; a past-due subscription has no paid period left, so it ends at
    /// `at`. Cancelling twice changes nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::IllegalMove`] when expired.
    pub fn cancel(&mut self, at: DateTime<Utc>) -> Result<Cancellation, SubscriptionError> {
        let (period, from) = match self.state {
            SubscriptionState::Trialing { trial } => (trial, CanceledFrom::Trial),
            SubscriptionState::Active { period } => (period, CanceledFrom::Paid),
            SubscriptionState::PastDue { .. } => {
                return Ok(Cancellation::EndedNow(self.end(at, EndReason::Canceled)));
            }
            SubscriptionState::Canceled { .. } => return Ok(Cancellation::AlreadyCanceled),
            SubscriptionState::Expired { .. } => return Err(self.illegal(Move::Cancel)),
        };
        self.state = SubscriptionState::Canceled { period, from };
        self.scheduled_plan = None;
        Ok(Cancellation::AtPeriodEnd {
            access_ends: period.end(),
            provider: self.collection.stop_renewing(),
            void_invoice: self.open_invoice.take(),
        })
    }

    /// The buyer renews again before access ends: back to the trial or the paid period it
    /// was cancelled from.
    ///
    /// # Errors
    /// [`SubscriptionError::IllegalMove`] unless cancelled, [`SubscriptionError::AccessOver`]
    /// once its period has ended.
    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<ProviderAction, SubscriptionError> {
        let SubscriptionState::Canceled { period, from } = self.state else {
            return Err(self.illegal(Move::Resume));
        };
        if at >= period.end() {
            return Err(SubscriptionError::AccessOver {
                since: period.end(),
            });
        }
        self.state = match from {
            CanceledFrom::Trial => SubscriptionState::Trialing { trial: period },
            CanceledFrom::Paid => SubscriptionState::Active { period },
        };
        Ok(self.collection.resume_renewing())
    }

    /// Whether the subscription must expire at `now`. A trial or an active period whose
    /// renewal has not arrived holds through the grace: the payment provider renews after
    /// the period's end, so expiring at the end itself would end subscriptions that are
    /// being paid.
    #[must_use]
    pub fn expiry_due(&self, now: DateTime<Utc>, grace: GracePeriod) -> Expiry {
        let reason = match self.state {
            SubscriptionState::Expired { .. } => return Expiry::Ended,
            SubscriptionState::Trialing { .. } | SubscriptionState::Active { .. } => {
                EndReason::RenewalNotPaid
            }
            SubscriptionState::PastDue { .. } => EndReason::GraceElapsed,
            SubscriptionState::Canceled { .. } => EndReason::Canceled,
        };
        match self.access_ends(grace) {
            Some(until) if now < until => Expiry::NotDue { until },
            _ => Expiry::Due { reason },
        }
    }

    /// Expires the subscription when [`Subscription::expiry_due`] says so (R-B5), and
    /// cancels it at the provider (R-B8).
    ///
    /// # Errors
    /// [`SubscriptionError::NotDueYet`] while access holds,
    /// [`SubscriptionError::IllegalMove`] when already expired.
    pub fn expire(
        &mut self,
        now: DateTime<Utc>,
        grace: GracePeriod,
    ) -> Result<Ended, SubscriptionError> {
        match self.expiry_due(now, grace) {
            Expiry::Due { reason } => Ok(self.end(now, reason)),
            Expiry::NotDue { until } => Err(SubscriptionError::NotDueYet { until }),
            Expiry::Ended => Err(self.illegal(Move::Expire)),
        }
    }

    /// R-B8: ends the subscription at once, after a full refund or by an admin, and
    /// cancels it at the provider so nothing is charged again.
    ///
    /// # Errors
    /// [`SubscriptionError::IllegalMove`] when already expired.
    pub fn end_now(
        &mut self,
        why: EarlyEnd,
        at: DateTime<Utc>,
    ) -> Result<Ended, SubscriptionError> {
        if let SubscriptionState::Expired { .. } = self.state {
            return Err(self.illegal(Move::EndEarly));
        }
        let reason = match why {
            EarlyEnd::FullRefund => EndReason::FullRefund,
            EarlyEnd::AdminCancellation => EndReason::AdminCancellation,
        };
        Ok(self.end(at, reason))
    }

    fn end(&mut self, at: DateTime<Utc>, reason: EndReason) -> Ended {
        self.state = SubscriptionState::Expired { at, reason };
        self.scheduled_plan = None;
        Ended {
            at,
            reason,
            provider: self.collection.cancel_now(),
            void_invoice: self.open_invoice.take(),
        }
    }

    /// R-B9: changes to plan `to` of the same item and interval at `at`. A plan costing at
    /// least as much applies at once, charging the prorated difference; a cheaper one
    /// waits for the next renewal. During a trial any change applies at once, free.
    /// Choosing the current plan again calls off a scheduled downgrade.
    ///
    /// # Errors
    /// [`SubscriptionError::NotRecurring`], [`SubscriptionError::OtherItem`],
    /// [`SubscriptionError::PlanNotOnSale`], [`SubscriptionError::IntervalChange`],
    /// [`SubscriptionError::CurrencyMismatch`], [`SubscriptionError::SamePlan`],
    /// [`SubscriptionError::RenewalPending`] once the period has ended (pay its renewal
    /// first), [`SubscriptionError::Proration`] for a time before the period, and
    /// [`SubscriptionError::IllegalMove`] unless trialing or active.
    pub fn change_plan(
        &mut self,
        to: &Plan,
        at: DateTime<Utc>,
    ) -> Result<PlanChange, SubscriptionError> {
        let target = SubscribedPlan::of(to)?;
        if target.item() != self.plan.item() {
            return Err(SubscriptionError::OtherItem { plan: to.id() });
        }
        if !to.is_on_sale() {
            return Err(SubscriptionError::PlanNotOnSale {
                code: to.code().clone(),
            });
        }
        if target.interval() != self.plan.interval() {
            return Err(SubscriptionError::IntervalChange {
                from: self.plan.interval(),
                to: target.interval(),
            });
        }
        if target.price().currency() != self.plan.price().currency() {
            return Err(SubscriptionError::CurrencyMismatch {
                expected: self.plan.price().currency(),
                found: target.price().currency(),
            });
        }
        let (period, trialing) = match self.state {
            SubscriptionState::Trialing { trial } => (trial, true),
            SubscriptionState::Active { period } => (period, false),
            _ => return Err(self.illegal(Move::ChangePlan)),
        };
        if at >= period.end() {
            return Err(SubscriptionError::RenewalPending {
                since: period.end(),
            });
        }
        let from = self.plan.plan_id();
        if target.plan_id() == from {
            return match self.scheduled_plan.take() {
                Some(_) => Ok(PlanChange::ScheduledChangeCancelled),
                None => Err(SubscriptionError::SamePlan),
            };
        }
        if trialing {
            self.plan = target;
            return Ok(PlanChange::SwitchedDuringTrial { from });
        }
        if target.price().amount() < self.plan.price().amount() {
            self.scheduled_plan = Some(target);
            return Ok(PlanChange::DowngradeScheduled {
                effective_at: period.end(),
            });
        }
        let proration = Proration::upgrade(self.plan.price(), target.price(), period, at)?;
        self.plan = target;
        self.scheduled_plan = None;
        Ok(PlanChange::Upgraded { from, proration })
    }

    /// R-B6: what the renewal job must do for this subscription at `now`.
    #[must_use]
    pub fn renewal_due(&self, now: DateTime<Utc>, grace: GracePeriod) -> RenewalDue {
        let current = match self.state {
            SubscriptionState::Canceled { .. } | SubscriptionState::Expired { .. } => {
                return RenewalDue::Nothing;
            }
            SubscriptionState::Trialing { trial: period }
            | SubscriptionState::Active { period }
            | SubscriptionState::PastDue { lapsed: period, .. } => period,
        };
        if now < current.end() {
            return RenewalDue::NotYet { at: current.end() };
        }
        let Some(grace_ends) = self.access_ends(grace).filter(|end| now < *end) else {
            return RenewalDue::Lapsed;
        };
        match &self.collection {
            Collection::Card { .. } => RenewalDue::AwaitProvider { grace_ends },
            Collection::PlatformCredits => RenewalDue::DebitCredits {
                amount: self.renewal_price(),
            },
            Collection::Invoice => match self.open_invoice {
                Some(invoice) => RenewalDue::AwaitInvoice { invoice },
                None => {
                    let interval = self
                        .scheduled_plan
                        .as_ref()
                        .unwrap_or(&self.plan)
                        .interval();
                    RenewalDue::IssueInvoice {
                        amount: self.renewal_price(),
                        period: current.next(interval),
                        due: grace_ends,
                    }
                }
            },
        }
    }

    /// R-B6: issues the renewal invoice [`Subscription::renewal_due`] asks for, numbered
    /// `number` (the org's next in sequence), and keeps it open until paid.
    ///
    /// # Errors
    /// [`SubscriptionError::NotInvoiced`] for another collection,
    /// [`SubscriptionError::NotDueYet`] before the period ends,
    /// [`SubscriptionError::InvoiceAlreadyOpen`], [`SubscriptionError::AccessOver`] after
    /// the grace, [`SubscriptionError::IllegalMove`] when cancelled or expired.
    pub fn issue_renewal_invoice(
        &mut self,
        number: InvoiceNumber,
        now: DateTime<Utc>,
        grace: GracePeriod,
    ) -> Result<RenewalInvoice, SubscriptionError> {
        if self.collection != Collection::Invoice {
            return Err(SubscriptionError::NotInvoiced);
        }
        match self.renewal_due(now, grace) {
            RenewalDue::IssueInvoice {
                amount,
                period,
                due,
            } => {
                let invoice = RenewalInvoice {
                    number,
                    amount,
                    period,
                    issued_at: now,
                    due,
                };
                self.open_invoice = Some(invoice);
                Ok(invoice)
            }
            RenewalDue::AwaitInvoice { invoice } => Err(SubscriptionError::InvoiceAlreadyOpen {
                number: invoice.number,
            }),
            RenewalDue::NotYet { at } => Err(SubscriptionError::NotDueYet { until: at }),
            RenewalDue::Lapsed => Err(SubscriptionError::AccessOver {
                since: self.access_ends(grace).unwrap_or(now),
            }),
            RenewalDue::Nothing
            | RenewalDue::AwaitProvider { .. }
            | RenewalDue::DebitCredits { .. } => Err(self.illegal(Move::IssueInvoice)),
        }
    }

    /// Records the provider's id of a card subscription once the provider has created
    /// it. Recording the same id again changes nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::NotCard`] for credits or invoices,
    /// [`SubscriptionError::ProviderRefConflict`] when another id is already recorded.
    pub fn attach_provider_ref(&mut self, id: ProviderRef) -> Result<(), SubscriptionError> {
        match &mut self.collection {
            Collection::Card { subscription } => match subscription {
                Some(existing) if *existing == id => Ok(()),
                Some(_) => Err(SubscriptionError::ProviderRefConflict),
                None => {
                    *subscription = Some(id);
                    Ok(())
                }
            },
            Collection::PlatformCredits | Collection::Invoice => Err(SubscriptionError::NotCard),
        }
    }

    fn illegal(&self, attempted: Move) -> SubscriptionError {
        SubscriptionError::IllegalMove {
            attempted,
            status: self.status(),
        }
    }
}
