//! R-B9: a buyer changes the plan of a subscription. The rule itself is the subscription
//! machine's ([`Subscription::change_plan`], with [`crate::subscription::Proration`]);
//! this use case reads the purchase as a subscription, asks the machine, and carries out
//! its answer: an upgrade moves the purchase to the new plan and charges the prorated
//! difference as a sale, a downgrade is scheduled for the next renewal.
//!
//! Upgrades are charged to platform credits here; an invoice payer's downgrade is
//! scheduled like any (its renewal invoice then bills the cheaper plan). A card
//! subscription's plan is not changed here at all, and an invoice payer's upgrade is
//! refused: the payment provider bills a card subscription at its own price and would
//! need to be told (and prorates by itself), and an invoice payer's prorated charge
//! belongs on an invoice of its own (ADR 0024).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::catalog::CatalogRepository;
use crate::ids::PurchaseId;
use crate::money::Money;
use crate::payment::PaymentMethod;
use crate::plan::{ItemPlans, Plan, PlanCode, PlanError, PlanRepository};
use crate::ports::{Clock, IdGenerator, IdGeneratorExt, RepoError};
use crate::purchase::{Billing, PlanSwitch, Purchase, PurchaseRepository, PurchaseStatus};
use crate::revenue::{RevenueError, sale_posting};
use crate::subscription::{
    CanceledFrom, Collection, EndReason, Origin, PlanChange, ProviderRef, SubscribedPlan,
    Subscription, SubscriptionError, SubscriptionParts, SubscriptionState, sale_lines,
};

/// Why a plan change was refused. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum PlanChangeError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such subscription in the org (or a one-time purchase).
    #[error("not found")]
    NotFound,
    /// The plan named is not one of the item's (or no longer sold).
    #[error(transparent)]
    Plan(PlanError),
    /// The subscription was bought before plans at a price no plan carries.
    #[error("the subscription names no plan: cancel it and subscribe to a plan")]
    NoPlan,
    /// The machine refused the move (same plan, another interval, ended, …).
    #[error(transparent)]
    Refused(SubscriptionError),
    /// This change cannot be collected for this payment method yet (ADR 0024).
    #[error("this plan change is not available to subscriptions paid by {method} yet")]
    NotCollectable { method: PaymentMethod },
    #[error("the org's platform credits do not cover {needed}")]
    InsufficientCredits { needed: Money },
    /// Another change or renewal of the subscription won the race: try again.
    #[error("the subscription changed meanwhile")]
    Conflict,
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for PlanChangeError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            RepoError::Stale(_) => Self::Conflict,
            other => Self::Infrastructure(other),
        }
    }
}

impl From<RevenueError> for PlanChangeError {
    fn from(e: RevenueError) -> Self {
        Self::Infrastructure(RepoError::unavailable(e))
    }
}

impl From<SubscriptionError> for PlanChangeError {
    fn from(e: SubscriptionError) -> Self {
        match e {
            SubscriptionError::PlanNotOnSale { code } => Self::Plan(PlanError::NotOnSale { code }),
            other => Self::Refused(other),
        }
    }
}

/// What a plan change did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanChanged {
    /// The purchase as it now stands.
    pub purchase: Purchase,
    /// The machine's answer: upgraded (with its proration), scheduled, switched during
    /// the trial, or a scheduled downgrade called off.
    pub change: PlanChange,
    /// What was charged now.
    pub charged: Option<Money>,
}

/// Changing a subscription's plan (R-B9).
#[derive(Clone)]
pub struct PlanChangeService {
    purchases: Arc<dyn PurchaseRepository>,
    plans: Arc<dyn PlanRepository>,
    catalog: Arc<dyn CatalogRepository>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for PlanChangeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanChangeService").finish_non_exhaustive()
    }
}

impl PlanChangeService {
    pub fn new(
        purchases: Arc<dyn PurchaseRepository>,
        plans: Arc<dyn PlanRepository>,
        catalog: Arc<dyn CatalogRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            purchases,
            plans,
            catalog,
            audit,
            clock,
            ids,
            policy: AccessPolicy,
        }
    }

    /// R-B9: moves subscription `id` to plan `code` of its item. An upgrade (a plan at
    /// least as dear) applies now and charges the prorated difference for the rest of the
    /// period as a sale; a cheaper plan waits for the next renewal; during a trial any
    /// change applies now, free; naming the current plan calls off a scheduled downgrade.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` (another org's, or a one-time purchase); `Plan` for a code
    /// the item does not have or no longer sells; `NoPlan`; `Refused` (the same plan,
    /// another interval, a cancelled or ended subscription, a period whose renewal is
    /// pending); `NotCollectable` (card payers, invoice payers' upgrades);
    /// `InsufficientCredits`; `Conflict`;
    /// `Infrastructure`.
    pub async fn change(
        &self,
        actor: &Actor,
        id: PurchaseId,
        code: &PlanCode,
    ) -> Result<PlanChanged, PlanChangeError> {
        self.policy.require(actor, Permission::Purchase)?;
        let purchase = self
            .purchases
            .get(actor.org_id, id)
            .await?
            .ok_or(PlanChangeError::NotFound)?;
        if matches!(purchase.billing(), Billing::OneTime) {
            return Err(PlanChangeError::NotFound);
        }
        let lineup = self.plans.item_plans(purchase.item()).await?;
        let target = lineup
            .find(code)
            .ok_or_else(|| PlanChangeError::Plan(PlanError::UnknownPlan { code: code.clone() }))?;
        let now = self.clock.now();
        let mut subscription = as_subscription(&purchase, &lineup, now)?;
        let change = subscription.change_plan(target, now)?;
        let method = purchase.payment_method();
        let charges_now = change.charge_now().is_some();
        if method == PaymentMethod::CreditCard || (method == PaymentMethod::Invoice && charges_now)
        {
            return Err(PlanChangeError::NotCollectable { method });
        }
        let from = (purchase.plan(), purchase.scheduled_plan());
        let mut changed = purchase;
        let (posting, charged) = match &change {
            PlanChange::Upgraded { proration, .. } => {
                changed.switch_plan(target.id());
                let due = proration.due();
                if due.is_zero() {
                    (None, None)
                } else {
                    (Some(self.sale(&changed, due, now).await?), Some(due))
                }
            }
            PlanChange::SwitchedDuringTrial { .. } => {
                changed.switch_plan(target.id());
                (None, None)
            }
            PlanChange::DowngradeScheduled { .. } => {
                changed.schedule_plan(Some(target.id()));
                (None, None)
            }
            PlanChange::ScheduledChangeCancelled => {
                changed.schedule_plan(None);
                (None, None)
            }
        };
        let switch = PlanSwitch {
            purchase: changed,
            from,
            posting,
            credit_debit: charged,
        };
        match self.purchases.switch_plan(&switch).await {
            Ok(()) => {}
            Err(RepoError::InsufficientCredits) => {
                return Err(PlanChangeError::InsufficientCredits {
                    needed: charged.unwrap_or(Money::zero(target.currency())),
                });
            }
            Err(e) => return Err(e.into()),
        }
        self.audit
            .record(AuditEvent::by(
                actor,
                "subscription.plan_changed",
                "purchase",
                id.as_uuid(),
                now,
            ))
            .await;
        Ok(PlanChanged {
            purchase: switch.purchase,
            change,
            charged,
        })
    }

    /// The upgrade's charge as a sale of the purchase's item, split like a first sale
    /// (R-B7, R-M3, R-M4).
    async fn sale(
        &self,
        purchase: &Purchase,
        due: Money,
        now: DateTime<Utc>,
    ) -> Result<crate::revenue::Posting, PlanChangeError> {
        let parts = crate::renewal::sale_parts(self.catalog.as_ref(), purchase.item()).await?;
        let lines = sale_lines(due, &parts)?;
        Ok(sale_posting(
            self.ids.new_id(),
            purchase.order_id(),
            Some(purchase.id()),
            purchase.org_id(),
            now,
            &lines,
        )?)
    }
}

/// The purchase as the subscription machine sees it (R-B5): TRIALING in the trial it
/// started with, ACTIVE while it renews, CANCELED once auto-renew is off, EXPIRED once
/// ended. A period whose renewal has not been paid yet stays the current one: the machine
/// then asks for that renewal first.
fn as_subscription(
    purchase: &Purchase,
    lineup: &ItemPlans,
    now: DateTime<Utc>,
) -> Result<Subscription, PlanChangeError> {
    let find = |id| lineup.plans().iter().find(|p: &&Plan| p.id() == id);
    let current = purchase
        .plan()
        .and_then(find)
        .ok_or(PlanChangeError::NoPlan)?;
    let Billing::Recurring {
        period, auto_renew, ..
    } = *purchase.billing()
    else {
        return Err(PlanChangeError::NotFound);
    };
    let state = match purchase.status() {
        PurchaseStatus::Active if auto_renew && purchase.in_trial() => {
            SubscriptionState::Trialing { trial: period }
        }
        PurchaseStatus::Active if auto_renew => SubscriptionState::Active { period },
        PurchaseStatus::Active => SubscriptionState::Canceled {
            period,
            from: if purchase.in_trial() {
                CanceledFrom::Trial
            } else {
                CanceledFrom::Paid
            },
        },
        PurchaseStatus::Cancelled | PurchaseStatus::Expired | PurchaseStatus::Refunded => {
            SubscriptionState::Expired {
                at: purchase.ended_at().unwrap_or(now),
                reason: EndReason::Canceled,
            }
        }
    };
    let scheduled = match state {
        SubscriptionState::Active { .. } => purchase.scheduled_plan().and_then(find),
        _ => None,
    };
    let collection = match purchase.payment_method() {
        PaymentMethod::CreditCard => Collection::Card {
            subscription: purchase
                .subscription_ref()
                .and_then(|s| ProviderRef::parse(s).ok()),
        },
        PaymentMethod::PlatformCredits => Collection::PlatformCredits,
        PaymentMethod::Invoice => Collection::Invoice,
    };
    Ok(Subscription::restore(SubscriptionParts {
        origin: Origin {
            id: purchase.id(),
            org_id: purchase.org_id(),
            order_id: purchase.order_id(),
        },
        plan: SubscribedPlan::of(current)?,
        scheduled_plan: scheduled.map(SubscribedPlan::of).transpose()?,
        collection,
        state,
        open_invoice: None,
    })?)
}
