//! Checkout use cases: place an order (R-O1..R-O3), start its card payment, cancel, list.
//! What happens once the payment is settled lives in [`super::settlement`].

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Confirmation;
use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::cart::{AddRefusal, CartError, CartRepository, Purchasability, check_item};
use crate::catalog::{CatalogRepository, Offer, offers};
use crate::checkout::{
    FulfilmentPlan, IdempotencyKey, IllegalTransition, LinePlan, Order, OrderLine, OrderRepository,
    OrderStatus, PaymentGateway, PaymentRequest, PaymentState, PlacedOrder, PlanError,
    fingerprint_with_plans, plan_fulfilment, renews_every,
};
use crate::entitlement::HoldingsRepository;
use crate::ids::{OrderId, SellerId};
use crate::item::ItemRef;
use crate::money::Money;
use crate::org::OrgRepository;
use crate::paging::{Page, PageRequest};
use crate::payment::{PaymentError, PaymentMethod};
use crate::plan::{ItemPlans, PlanError as ChoiceError, PlanRepository, TrialHistory, line_plan};
use crate::ports::{Clock, Conflict, IdGenerator, IdGeneratorExt, RepoError};
use crate::revenue::SellerTerms;

/// What checkout and order actions can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("not found")]
    NotFound,
    #[error("the cart is empty")]
    EmptyCart,
    /// An R-K2 rule fails now for a line of the cart (re-checked at checkout, R-O1).
    #[error("a cart line cannot be bought: {reason}")]
    LineRefused { item: ItemRef, reason: CartError },
    /// A line's item is gone from the catalog.
    #[error("item {0:?} is no longer in the catalog")]
    ItemUnavailable(ItemRef),
    #[error("the idempotency key was used for a different checkout")]
    IdempotencyConflict,
    #[error("the org's platform credits do not cover {needed}")]
    InsufficientCredits { needed: Money },
    #[error("the org already holds {item:?}")]
    AlreadyOwned { item: ItemRef },
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("the payment was declined")]
    PaymentDeclined { code: Option<String> },
    #[error("this action needs a {expected} order")]
    WrongPaymentMethod { expected: PaymentMethod },
    #[error("payment gateway failure")]
    Payment(#[source] PaymentError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for CheckoutError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            RepoError::Conflict(Conflict::ActivePurchase { item }) => Self::AlreadyOwned { item },
            RepoError::Conflict(Conflict::IdempotencyKey) => Self::IdempotencyConflict,
            other => Self::Infrastructure(other),
        }
    }
}

impl From<PlanError> for CheckoutError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::MissingItem(item) => Self::ItemUnavailable(item),
            other => Self::Infrastructure(RepoError::unavailable(other)),
        }
    }
}

impl From<PaymentError> for CheckoutError {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::Declined { code, .. } => Self::PaymentDeclined { code },
            other => Self::Payment(other),
        }
    }
}

/// The stable failure code of an order whose payment failed, with the provider's decline
/// code when it gave one (`payment_failed:card_declined`).
pub(super) fn failure_reason(code: Option<&str>) -> String {
    code.map_or_else(
        || "payment_failed".to_owned(),
        |c| format!("payment_failed:{c}"),
    )
}

/// The checkout use cases.
#[derive(Clone)]
pub struct CheckoutService {
    pub(super) orders: Arc<dyn OrderRepository>,
    pub(super) carts: Arc<dyn CartRepository>,
    pub(super) catalog: Arc<dyn CatalogRepository>,
    pub(super) orgs: Arc<dyn OrgRepository>,
    pub(super) holdings: Arc<dyn HoldingsRepository>,
    pub(super) payments: Arc<dyn PaymentGateway>,
    pub(super) audit: Arc<dyn AuditLog>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) ids: Arc<dyn IdGenerator>,
    /// Where recurring card purchases record their provider subscription, when the
    /// gateway renews by itself.
    pub(super) subscriptions: Option<Arc<dyn crate::purchase::PurchaseRepository>>,
    /// Sellers' opt-in (R-G5); every item is offered without one.
    pub(super) gate: Option<Arc<dyn crate::catalog::OfferGate>>,
    /// The items' plans (R-B3); without them a line is bought at its item's price.
    pub(super) plans: Option<Arc<dyn PlanRepository>>,
    pub(super) policy: AccessPolicy,
}

impl std::fmt::Debug for CheckoutService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutService").finish_non_exhaustive()
    }
}

/// The ports a [`CheckoutService`] needs.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct CheckoutPorts {
    pub orders: Arc<dyn OrderRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub catalog: Arc<dyn CatalogRepository>,
    pub orgs: Arc<dyn OrgRepository>,
    pub holdings: Arc<dyn HoldingsRepository>,
    pub payments: Arc<dyn PaymentGateway>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

impl CheckoutService {
    #[must_use]
    pub fn new(p: CheckoutPorts) -> Self {
        Self {
            orders: p.orders,
            carts: p.carts,
            catalog: p.catalog,
            orgs: p.orgs,
            holdings: p.holdings,
            payments: p.payments,
            audit: p.audit,
            clock: p.clock,
            ids: p.ids,
            subscriptions: None,
            gate: None,
            plans: None,
            policy: AccessPolicy,
        }
    }

    /// With plans: each line is bought under the plan its cart line names (the item's
    /// default otherwise), at that plan's price and interval (R-B3).
    #[must_use]
    pub fn with_plans(mut self, plans: Arc<dyn PlanRepository>) -> Self {
        self.plans = Some(plans);
        self
    }

    /// After fulfilment, recurring purchases paid by card start a provider subscription
    /// that renews them (R-R2), recorded on the purchase through `purchases`.
    #[must_use]
    pub fn with_subscriptions(
        mut self,
        purchases: Arc<dyn crate::purchase::PurchaseRepository>,
    ) -> Self {
        self.subscriptions = Some(purchases);
        self
    }

    /// With the sellers' opt-in: a line whose item its seller no longer offers is
    /// unavailable at checkout, as it would be when added (R-G5).
    #[must_use]
    pub fn with_offer_gate(mut self, gate: Arc<dyn crate::catalog::OfferGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// R-O1..R-O3: turns the actor's cart into one order. The same key with the same cart
    /// (or with the cart the order already emptied) returns the same order.
    ///
    /// # Errors
    /// `Forbidden`, `EmptyCart`, `LineRefused`, `ItemUnavailable`, `IdempotencyConflict`,
    /// `InsufficientCredits`, `AlreadyOwned`, `PaymentDeclined`, `Payment`,
    /// `Infrastructure`. Nothing is stored when the order is refused.
    pub async fn checkout(
        &self,
        actor: &Actor,
        key: IdempotencyKey,
        method: PaymentMethod,
    ) -> Result<Order, CheckoutError> {
        self.policy.require(actor, Permission::Purchase)?;
        let cart = self.carts.load(actor.org_id, actor.user_id).await?;
        let items = cart.items_sorted();
        let named: Vec<_> = cart.lines().iter().map(|l| (l.item, l.plan)).collect();
        let print = fingerprint_with_plans(&named, method);
        if let Some(replay) = self
            .replay(actor, &key, &print, items.is_empty(), method)
            .await?
        {
            return Ok(replay);
        }
        if cart.is_empty() {
            return Err(CheckoutError::EmptyCart);
        }
        let now = self.clock.now();
        let org = self.orgs.get_or_provision(actor.org_id).await?;
        let holdings = self.holdings.holdings(actor.org_id, now).await?;
        let live = offers(self.catalog.as_ref(), &items).await?;
        let lineups = match &self.plans {
            Some(plans) => plans.plans_of(&items).await?,
            None => Vec::new(),
        };
        let trialed = self.trialed_items(actor, &lineups).await?;
        let mut lines = Vec::with_capacity(cart.lines().len());
        for line in cart.lines() {
            let offer = live
                .iter()
                .find(|o| o.item() == line.item)
                .ok_or(CheckoutError::ItemUnavailable(line.item))?;
            if let Some(gate) = &self.gate
                && !gate.offered(line.item).await?
            {
                return Err(CheckoutError::ItemUnavailable(line.item));
            }
            let ctx = Purchasability {
                tier: org.tier(),
                holdings: &holdings,
                others: &live,
            };
            check_item(offer, &ctx).map_err(|r: AddRefusal| CheckoutError::LineRefused {
                item: line.item,
                reason: r.into(),
            })?;
            let lineup = lineups.iter().find(|l| l.item() == line.item);
            let history = if trialed.contains(&line.item) {
                TrialHistory::AlreadyTrialed
            } else {
                TrialHistory::NeverTrialed
            };
            let (plan, price) =
                bought_under(lineup, line.plan, offer.price(), history).map_err(|e| {
                    CheckoutError::LineRefused {
                        item: line.item,
                        reason: CartError::Plan(e),
                    }
                })?;
            lines.push(OrderLine {
                item: line.item,
                name: offer.name().to_string(),
                price_at_purchase: price,
                plan,
            });
        }
        let mut order = Order::place(
            self.ids.new_id(),
            actor.org_id,
            actor.user_id,
            method,
            lines,
            now,
        )
        .map_err(|e| CheckoutError::Infrastructure(RepoError::unavailable(e)))?;
        let total = order.total();
        let paid_at_once = total.is_zero() || method == PaymentMethod::PlatformCredits;
        let credit_debit =
            (method == PaymentMethod::PlatformCredits && !total.is_zero()).then_some(total);
        if let Some(debit) = credit_debit {
            // Refused here so nothing is stored; the store debits atomically with the order.
            org.clone()
                .debit_credits(debit)
                .map_err(|e| CheckoutError::InsufficientCredits { needed: e.needed })?;
        }
        let fulfilment = if paid_at_once {
            let plan = self.plan(&order, &live, &holdings, now).await?;
            order.fulfil(now)?;
            Some(plan)
        } else {
            None
        };
        let placed = PlacedOrder {
            order: order.clone(),
            key: key.clone(),
            fingerprint: print.clone(),
            credit_debit,
            fulfilment: fulfilment.clone(),
        };
        match self.orders.place(&placed).await {
            Ok(()) => {}
            // A concurrent request with the same key won the race: answer as a replay.
            Err(RepoError::Conflict(Conflict::IdempotencyKey)) => {
                return self
                    .replay(actor, &key, &print, false, method)
                    .await?
                    .ok_or(CheckoutError::IdempotencyConflict);
            }
            Err(RepoError::InsufficientCredits) => {
                return Err(CheckoutError::InsufficientCredits { needed: total });
            }
            Err(e) => return Err(e.into()),
        }
        self.audit
            .record(AuditEvent::by(
                actor,
                "order.placed",
                "order",
                order.id().as_uuid(),
                now,
            ))
            .await;
        if let (PaymentMethod::CreditCard, Some(fulfilled)) = (method, &fulfilment) {
            // Nothing to pay now (a trial, R-B10): the provider bills its first renewal.
            self.start_subscriptions(&order, fulfilled).await;
        }
        if method == PaymentMethod::CreditCard && !paid_at_once {
            // A recurring purchase renews by charging the card this checkout pays with.
            let save_for_renewals = order.lines().iter().any(|line| {
                live.iter()
                    .find(|o| o.item() == line.item)
                    .is_some_and(|o| renews_every(line, o).is_some())
            });
            return self.start_card_payment(order, save_for_renewals).await;
        }
        Ok(order)
    }

    /// Cancels an order still awaiting payment (and its card payment, if any).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (also for another org's order), `IllegalTransition`.
    pub async fn cancel(&self, actor: &Actor, id: OrderId) -> Result<Order, CheckoutError> {
        self.policy.require(actor, Permission::Purchase)?;
        let mut order = self
            .orders
            .get(actor.org_id, id)
            .await?
            .ok_or(CheckoutError::NotFound)?;
        let now = self.clock.now();
        let from = order.status();
        order.cancel(now)?;
        if let Some(payment) = order.payment() {
            self.payments.cancel(&payment.reference).await?;
        }
        self.orders
            .transition(id, from, OrderStatus::Cancelled, None, now)
            .await?;
        self.audit
            .record(AuditEvent::by(
                actor,
                "order.cancelled",
                "order",
                id.as_uuid(),
                now,
            ))
            .await;
        Ok(order)
    }

    /// The org's orders, newest first.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn orders(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Order>, CheckoutError> {
        self.policy.require(actor, Permission::Purchase)?;
        Ok(self.orders.list(actor.org_id, page).await?)
    }

    /// One of the org's orders; another org's is not found (R-T3).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn order(&self, actor: &Actor, id: OrderId) -> Result<Order, CheckoutError> {
        self.policy.require(actor, Permission::Purchase)?;
        self.orders
            .get(actor.org_id, id)
            .await?
            .ok_or(CheckoutError::NotFound)
    }

    /// R-B10: the items of `lineups` with a trial on offer that the org has already had
    /// a trial of (one per org and item, ended purchases included). Read only when a
    /// plan in the cart offers a trial.
    async fn trialed_items(
        &self,
        actor: &Actor,
        lineups: &[ItemPlans],
    ) -> Result<Vec<ItemRef>, CheckoutError> {
        let offers_trial = lineups
            .iter()
            .flat_map(ItemPlans::plans)
            .any(|p| !p.trial_days().is_none());
        let Some(purchases) = self.subscriptions.as_ref().filter(|_| offers_trial) else {
            return Ok(Vec::new());
        };
        Ok(crate::purchase::trialed_items(purchases.as_ref(), actor.org_id).await?)
    }

    async fn replay(
        &self,
        actor: &Actor,
        key: &IdempotencyKey,
        print: &str,
        cart_empty: bool,
        method: PaymentMethod,
    ) -> Result<Option<Order>, CheckoutError> {
        let Some(keyed) = self.orders.find_by_key(actor.org_id, key).await? else {
            return Ok(None);
        };
        let same_request =
            keyed.fingerprint == print || (cart_empty && keyed.order.payment_method() == method);
        if same_request {
            Ok(Some(keyed.order))
        } else {
            Err(CheckoutError::IdempotencyConflict)
        }
    }

    async fn start_card_payment(
        &self,
        order: Order,
        save_for_renewals: bool,
    ) -> Result<Order, CheckoutError> {
        let request = PaymentRequest {
            order_id: order.id(),
            org_id: order.org_id(),
            amount: order.total(),
            idempotency_key: format!("order-{}", order.id()),
            description: format!("Marketplace order {}", order.id()),
            save_for_renewals,
        };
        let mut order = order;
        let payment = match self.payments.create_payment(&request).await {
            Ok(p) => p,
            Err(PaymentError::Declined { code, .. }) => {
                let now = self.clock.now();
                let reason = failure_reason(code.as_deref());
                order.fail(reason.clone(), now)?;
                self.orders
                    .transition(
                        order.id(),
                        OrderStatus::PendingPayment,
                        OrderStatus::Failed,
                        Some(reason),
                        now,
                    )
                    .await?;
                return Err(CheckoutError::PaymentDeclined { code });
            }
            Err(e) => return Err(e.into()),
        };
        self.orders
            .attach_payment(order.id(), &payment.payment)
            .await?;
        let reference = payment.payment.reference.clone();
        order
            .attach_payment(payment.payment)
            .map_err(|e| CheckoutError::Infrastructure(RepoError::unavailable(e)))?;
        match payment.state {
            PaymentState::Succeeded => match self.confirm_payment(&reference).await? {
                Confirmation::Fulfilled(o) | Confirmation::AlreadyFulfilled(o) => Ok(o),
                Confirmation::FailedAlreadyOwned { item, .. } => {
                    Err(CheckoutError::AlreadyOwned { item })
                }
            },
            PaymentState::Failed { code } => {
                self.payment_failed(&reference, code.clone()).await?;
                Err(CheckoutError::PaymentDeclined { code })
            }
            PaymentState::Pending | PaymentState::Cancelled => Ok(order),
        }
    }

    pub(super) async fn plan(
        &self,
        order: &Order,
        live: &[Offer],
        holdings: &crate::entitlement::Holdings,
        now: DateTime<Utc>,
    ) -> Result<FulfilmentPlan, CheckoutError> {
        let mut sellers: Vec<SellerId> = live
            .iter()
            .flat_map(|o| match o {
                Offer::Tool(t) => vec![t.seller_id],
                Offer::Bundle(b) => b.tools().iter().map(|t| t.seller_id).collect(),
            })
            .collect();
        sellers.sort_unstable();
        sellers.dedup();
        let terms: Vec<SellerTerms> = self.catalog.seller_terms(&sellers).await?;
        Ok(plan_fulfilment(
            order,
            live,
            &terms,
            holdings,
            self.ids.as_ref(),
            now,
        )?)
    }
}

/// R-B3: the plan a cart line is bought under, with what it charges now: nothing during
/// the trial the org gets (R-B10); `None` for an item sold without plans. A plan other than the item's default charges its own price.
/// The default plan charges the catalog's price, the one the buyer was shown (R-B2:
/// they are the same), and the line names that plan only while the two agree: a tool
/// repriced through the catalog alone is bought at its new price under no plan, as
/// ADR 0012 links purchases to a plan only at the plan's own terms.
///
/// # Errors
/// [`ChoiceError::NotOnSale`] once the plan is archived, [`ChoiceError::NothingOnSale`]
/// when the item sells no plan any more.
fn bought_under(
    lineup: Option<&ItemPlans>,
    named: Option<crate::ids::PlanId>,
    catalog_price: Money,
    history: TrialHistory,
) -> Result<(Option<LinePlan>, Money), ChoiceError> {
    let Some(lineup) = lineup.filter(|l| !l.plans().is_empty()) else {
        return Ok((None, catalog_price));
    };
    let plan = line_plan(lineup, named).ok_or(ChoiceError::NothingOnSale)?;
    if !plan.is_on_sale() {
        return Err(ChoiceError::NotOnSale {
            code: plan.code().clone(),
        });
    }
    let is_default = lineup.default_plan().is_some_and(|d| d.id() == plan.id());
    if is_default && plan.price() != catalog_price {
        return Ok((None, catalog_price));
    }
    // R-B10: the trial this org gets: nothing is charged now.
    let trial = plan.trial_days().grant(history);
    let price = match trial {
        Some(_) => Money::zero(plan.currency()),
        None => plan.price(),
    };
    let line = LinePlan {
        id: plan.id(),
        code: plan.code().clone(),
        interval: plan.interval(),
        trial,
    };
    Ok((Some(line), price))
}
