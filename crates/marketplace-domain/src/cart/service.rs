//! Cart use cases for org OWNERs, ADMINs and MEMBERs (R-P1).

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::cart::{
    AddRefusal, Cart, CartChange, CartRepository, CartView, LineToPrice, MAX_LINES, Purchasability,
    check_item,
};
use crate::catalog::{CatalogRepository, NotPurchasableReason, Offer, OfferGate, offers};
use crate::entitlement::HoldingsRepository;
use crate::item::ItemRef;
use crate::money::{Currency, MoneyError};
use crate::org::OrgRepository;
use crate::plan::{ItemPlans, PlanCode, PlanError, PlanRepository, TrialHistory};
use crate::ports::{Clock, RepoError};
use crate::purchase::{PurchaseRepository, trialed_items};
use crate::tier::{Limit, Tier};

/// What cart actions can fail with; each variant is something the caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("no such item in the catalog")]
    NotFound,
    #[error("the item cannot be bought ({0:?})")]
    NotPurchasable(NotPurchasableReason),
    #[error("the org's tier is too low; {required} is required")]
    TierTooLow { required: Tier },
    #[error("the org already holds {item:?}")]
    AlreadyOwned { item: ItemRef },
    #[error("the cart is in {cart}, the item in {item}")]
    CurrencyMismatch { cart: Currency, item: Currency },
    #[error("a bundle in the cart already covers this tool")]
    CoveredByBundle { bundle: ItemRef },
    #[error("the org's tier allows no more of these ({limit:?})")]
    QuotaExceeded { limit: Limit },
    #[error("the cart is full ({MAX_LINES} lines)")]
    CartFull,
    /// The plan named is not one of the item's, or is no longer sold (R-B3).
    #[error(transparent)]
    Plan(PlanError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for CartError {
    fn from(e: RepoError) -> Self {
        Self::Infrastructure(e)
    }
}

impl From<MoneyError> for CartError {
    fn from(e: MoneyError) -> Self {
        Self::Infrastructure(RepoError::unavailable(e))
    }
}

impl From<AddRefusal> for CartError {
    fn from(r: AddRefusal) -> Self {
        match r {
            AddRefusal::NotPurchasable(reason) => Self::NotPurchasable(reason),
            AddRefusal::TierTooLow { required } => Self::TierTooLow { required },
            AddRefusal::AlreadyOwned { item } => Self::AlreadyOwned { item },
            AddRefusal::CurrencyMismatch { cart, item } => Self::CurrencyMismatch { cart, item },
            AddRefusal::CoveredByBundle { bundle } => Self::CoveredByBundle { bundle },
            AddRefusal::QuotaExceeded { limit } => Self::QuotaExceeded { limit },
        }
    }
}

/// The cart use cases.
#[derive(Clone)]
pub struct CartService {
    carts: Arc<dyn CartRepository>,
    catalog: Arc<dyn CatalogRepository>,
    orgs: Arc<dyn OrgRepository>,
    holdings: Arc<dyn HoldingsRepository>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
    /// Sellers' opt-in (R-G5); every item is offered without one.
    gate: Option<Arc<dyn OfferGate>>,
    /// The items' plans (R-B3); without them every line is priced at its item's price.
    plans: Option<Arc<dyn PlanRepository>>,
    /// The org's purchases, for the trials it already had (R-B10).
    purchases: Option<Arc<dyn PurchaseRepository>>,
}

impl std::fmt::Debug for CartService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CartService").finish_non_exhaustive()
    }
}

impl CartService {
    pub fn new(
        carts: Arc<dyn CartRepository>,
        catalog: Arc<dyn CatalogRepository>,
        orgs: Arc<dyn OrgRepository>,
        holdings: Arc<dyn HoldingsRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            carts,
            catalog,
            orgs,
            holdings,
            clock,
            policy: AccessPolicy,
            gate: None,
            plans: None,
            purchases: None,
        }
    }

    /// With the org's purchases: a line whose plan offers a trial the org has not had
    /// shows it, and is due nothing now (R-B3, R-B10).
    #[must_use]
    pub fn with_trials(mut self, purchases: Arc<dyn PurchaseRepository>) -> Self {
        self.purchases = Some(purchases);
        self
    }

    /// With plans: a line names the plan it is bought under and is priced at it (R-B3).
    #[must_use]
    pub fn with_plans(mut self, plans: Arc<dyn PlanRepository>) -> Self {
        self.plans = Some(plans);
        self
    }

    /// With the sellers' opt-in: an item its seller opted out is not found when added
    /// (R-G5); lines already in a cart and what an org holds are untouched.
    #[must_use]
    pub fn with_offer_gate(mut self, gate: Arc<dyn OfferGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// R-K4: the cart priced from live catalog prices.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn view(&self, actor: &Actor) -> Result<CartView, CartError> {
        self.policy.require(actor, Permission::UseCart)?;
        let cart = self.carts.load(actor.org_id, actor.user_id).await?;
        self.price(&cart).await
    }

    /// R-K2, R-K3: adds an item under its default plan, replacing the tool lines a
    /// bundle covers.
    ///
    /// # Errors
    /// As [`CartService::add_with_plan`].
    pub async fn add(
        &self,
        actor: &Actor,
        item: ItemRef,
    ) -> Result<(CartChange, CartView), CartError> {
        self.add_with_plan(actor, item, None).await
    }

    /// R-K2, R-K3, R-B3: adds an item under plan `plan` (its default plan when `None`),
    /// replacing the tool lines a bundle covers. An item already in the cart under
    /// another plan now names `plan` instead; without a plan it stays as it is.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Plan` for a plan the item does not have or no longer
    /// sells; one of the R-K2 refusals; `CartFull`; `Infrastructure`. Nothing is saved
    /// on any error.
    pub async fn add_with_plan(
        &self,
        actor: &Actor,
        item: ItemRef,
        plan: Option<&PlanCode>,
    ) -> Result<(CartChange, CartView), CartError> {
        self.policy.require(actor, Permission::UseCart)?;
        let offer = offers(self.catalog.as_ref(), &[item])
            .await?
            .pop()
            .ok_or(CartError::NotFound)?;
        // A draft or archived bundle is not shown to buyers, so it is not found here either.
        if let Offer::Bundle(b) = &offer
            && b.status() != crate::catalog::BundleStatus::Active
            && !self.policy.allows(actor, Permission::ManageCatalog)
        {
            return Err(CartError::NotFound);
        }
        if let Some(gate) = &self.gate
            && !gate.offered(item).await?
        {
            return Err(CartError::NotFound);
        }
        let chosen = self.choose_plan(item, plan).await?;
        let now = self.clock.now();
        let org = self.orgs.get_or_provision(actor.org_id).await?;
        let holdings = self.holdings.holdings(actor.org_id, now).await?;
        let mut cart = self.carts.load(actor.org_id, actor.user_id).await?;
        if cart.contains(item) {
            let requested = if plan.is_some() { chosen } else { None };
            let change = cart.push(item, requested, &[], now);
            if change.plan_replaced {
                self.carts.save(&cart).await?;
            }
            let view = self.price(&cart).await?;
            return Ok((change, view));
        }
        let items: Vec<ItemRef> = cart.items();
        let others: Vec<Offer> = offers(self.catalog.as_ref(), &items).await?;
        let covered = check_item(
            &offer,
            &Purchasability {
                tier: org.tier(),
                holdings: &holdings,
                others: &others,
            },
        )?;
        if cart.lines().len() - covered.len() >= MAX_LINES {
            return Err(CartError::CartFull);
        }
        let change = cart.push(item, chosen, &covered, now);
        self.carts.save(&cart).await?;
        let mut all = others;
        all.retain(|o| !covered.contains(&o.item()));
        all.push(offer);
        let lineups = self.lineups(&cart.items()).await?;
        let trialed = self.trialed(actor.org_id, &lineups).await?;
        Ok((change, priced(&cart, &all, &lineups, &trialed)))
    }

    /// R-B10: the items of `lineups` the org has had a trial of, read only when one of
    /// their plans offers a trial.
    async fn trialed(
        &self,
        org: crate::ids::OrgId,
        lineups: &[ItemPlans],
    ) -> Result<Vec<ItemRef>, CartError> {
        let offers_trial = lineups
            .iter()
            .flat_map(ItemPlans::plans)
            .any(|p| !p.trial_days().is_none());
        match self.purchases.as_ref().filter(|_| offers_trial) {
            Some(purchases) => Ok(trialed_items(purchases.as_ref(), org).await?),
            None => Ok(Vec::new()),
        }
    }

    /// R-B3: the plan a new line names: `code`, else the item's default; `None` for an
    /// item sold without plans (or without a plans repository), which the R-K2 rules
    /// then judge as before.
    async fn choose_plan(
        &self,
        item: ItemRef,
        code: Option<&PlanCode>,
    ) -> Result<Option<crate::ids::PlanId>, CartError> {
        let Some(plans) = &self.plans else {
            return match code {
                Some(code) => Err(CartError::Plan(PlanError::UnknownPlan {
                    code: code.clone(),
                })),
                None => Ok(None),
            };
        };
        let lineup = plans.item_plans(item).await?;
        if lineup.plans().is_empty() && code.is_none() {
            return Ok(None);
        }
        let plan = lineup.choose(code).map_err(CartError::Plan)?;
        Ok(Some(plan.id()))
    }

    async fn lineups(&self, items: &[ItemRef]) -> Result<Vec<ItemPlans>, CartError> {
        match &self.plans {
            Some(plans) => Ok(plans.plans_of(items).await?),
            None => Ok(Vec::new()),
        }
    }

    /// R-K5: removes a line; removing one that is not there succeeds and saves nothing.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn remove(&self, actor: &Actor, item: ItemRef) -> Result<CartView, CartError> {
        self.policy.require(actor, Permission::UseCart)?;
        let mut cart = self.carts.load(actor.org_id, actor.user_id).await?;
        if cart.remove(item) {
            self.carts.save(&cart).await?;
        }
        self.price(&cart).await
    }

    /// R-K5: empties the cart; an empty cart stays as it is.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn clear(&self, actor: &Actor) -> Result<(), CartError> {
        self.policy.require(actor, Permission::UseCart)?;
        let mut cart = self.carts.load(actor.org_id, actor.user_id).await?;
        if !cart.is_empty() {
            cart.clear();
            self.carts.save(&cart).await?;
        }
        Ok(())
    }

    async fn price(&self, cart: &Cart) -> Result<CartView, CartError> {
        let items = cart.items();
        let offers = offers(self.catalog.as_ref(), &items).await?;
        let lineups = self.lineups(&items).await?;
        let trialed = self.trialed(cart.org_id(), &lineups).await?;
        Ok(priced(cart, &offers, &lineups, &trialed))
    }
}

/// The cart priced under its lines' plans (R-B3, R-K4), with the trials the org gets
/// (R-B10: none on an item in `trialed`).
fn priced(cart: &Cart, offers: &[Offer], lineups: &[ItemPlans], trialed: &[ItemRef]) -> CartView {
    let lines: Vec<LineToPrice<'_>> = cart
        .lines()
        .iter()
        .map(|line| {
            let lineup = lineups.iter().find(|l| l.item() == line.item);
            let plan = lineup.and_then(|l| crate::plan::line_plan(l, line.plan));
            let history = if trialed.contains(&line.item) {
                TrialHistory::AlreadyTrialed
            } else {
                TrialHistory::NeverTrialed
            };
            LineToPrice {
                item: line.item,
                plan,
                is_default: lineup
                    .and_then(ItemPlans::default_plan)
                    .is_some_and(|d| plan.is_some_and(|p| p.id() == d.id())),
                trial: plan.and_then(|p| p.trial_days().grant(history)),
            }
        })
        .collect();
    CartView::price_lines(&lines, offers, Currency::USD)
}
