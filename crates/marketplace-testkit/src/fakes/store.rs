//! One in-memory store behind every repository port. Each port method takes the one lock
//! once, checks every constraint the database will enforce, and only then writes: an atomic
//! method applies all of its change or none of it.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::cart::{Cart, CartLine, CartRepository};
use marketplace_domain::catalog::{
    Bundle, BundleStatus, BundleTool, CatalogRepository, CategoryCount, ItemRef, Page, PageRequest,
    Tool, ToolCategory, ToolFilter,
};
use marketplace_domain::checkout::{
    FulfilmentPlan, IdempotencyKey, KeyedOrder, Order, OrderRepository, OrderStatus, PaymentMethod,
    PaymentRef, PlacedOrder,
};
use marketplace_domain::entitlement::{Entitlement, HeldPurchase, Holdings, HoldingsRepository};
use marketplace_domain::ids::{BundleId, OrderId, OrgId, PurchaseId, SellerId, ToolId, UserId};
use marketplace_domain::money::Money;
use marketplace_domain::org::{CreditGrant, OrgRepository, Organization};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::{
    Billing, Purchase, PurchaseEnd, PurchaseFilter, PurchaseRepository, PurchaseStatus, RefundPlan,
};
use marketplace_domain::revenue::{Posting, PostingKind, SellerTerms};
use marketplace_domain::tier::Tier;

/// An order as the store keeps it: with the idempotency key and fingerprint it was placed
/// under.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredOrder {
    pub order: Order,
    pub key: IdempotencyKey,
    pub fingerprint: String,
    /// Credits debited when it was placed.
    pub credit_debit: Option<Money>,
}

/// Every table of the store, as plain collections. Public so tests can inspect (and
/// compare snapshots of) what was stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreData {
    pub sellers: BTreeMap<SellerId, SellerTerms>,
    pub tools: BTreeMap<ToolId, Tool>,
    /// Bundles as stored; reads refresh their tools' live prices.
    pub bundles: BTreeMap<BundleId, Bundle>,
    pub carts: BTreeMap<(OrgId, UserId), Vec<CartLine>>,
    pub orgs: BTreeMap<OrgId, Organization>,
    pub orders: BTreeMap<OrderId, StoredOrder>,
    /// In insertion order.
    pub purchases: Vec<Purchase>,
    /// In insertion order.
    pub entitlements: Vec<Entitlement>,
    /// In insertion order.
    pub postings: Vec<Posting>,
    pub reviews: crate::fakes::reviews::ReviewTables,
    /// Sellers' full records and their payouts.
    pub seller_records: crate::fakes::sellers::SellerTables,
    /// Provider event ids processed, with their type.
    pub payment_events: BTreeMap<String, String>,
}

impl StoreData {
    /// A stored bundle with its tools' live names, prices and sellers.
    fn live_bundle(&self, bundle: &Bundle) -> Bundle {
        let mut parts = bundle.clone().into_parts();
        for t in &mut parts.tools {
            if let Some(tool) = self.tools.get(&t.tool_id) {
                *t = BundleTool::from(tool);
            }
        }
        Bundle::new(parts).unwrap_or_else(|_| bundle.clone())
    }

    fn has_active(&self, org: OrgId, item: ItemRef) -> bool {
        self.purchases
            .iter()
            .any(|p| p.org_id() == org && p.item() == item && p.status() == PurchaseStatus::Active)
    }

    /// Everything a fulfilment must satisfy before any of it is written.
    fn check_fulfilment(&self, plan: &FulfilmentPlan) -> Result<(), RepoError> {
        let mut items = HashSet::new();
        for p in &plan.purchases {
            if p.org_id() != plan.org_id {
                return Err(RepoError::Stale("purchase of another org in the plan"));
            }
            if !items.insert(p.item()) || self.has_active(p.org_id(), p.item()) {
                return Err(RepoError::Conflict(Conflict::ActivePurchase {
                    item: p.item(),
                }));
            }
            if self.purchases.iter().any(|q| q.id() == p.id()) {
                return Err(RepoError::Conflict(Conflict::Key { table: "purchases" }));
            }
        }
        if plan
            .entitlements
            .iter()
            .any(|e| self.entitlements.iter().any(|x| x.id == e.id))
        {
            return Err(RepoError::Conflict(Conflict::Key {
                table: "entitlements",
            }));
        }
        if plan
            .postings
            .iter()
            .any(|p| self.postings.iter().any(|x| x.id() == p.id()))
        {
            return Err(RepoError::Conflict(Conflict::Key {
                table: "ledger_postings",
            }));
        }
        Ok(())
    }

    /// Writes a checked fulfilment: purchases, entitlements, postings, counters, cart.
    fn apply_fulfilment(&mut self, plan: &FulfilmentPlan) {
        self.purchases.extend(plan.purchases.iter().cloned());
        self.entitlements.extend(plan.entitlements.iter().cloned());
        self.postings.extend(plan.postings.iter().cloned());
        for p in &plan.purchases {
            match p.item() {
                ItemRef::Tool(id) => {
                    if let Some(tool) = self.tools.get_mut(&id) {
                        tool.stats.purchase_count += 1;
                    }
                }
                ItemRef::Bundle(id) => {
                    if let Some(bundle) = self.bundles.get_mut(&id) {
                        let mut parts = bundle.clone().into_parts();
                        parts.purchase_count += 1;
                        if let Ok(b) = Bundle::new(parts) {
                            *bundle = b;
                        }
                    }
                }
            }
        }
        if let Some(lines) = self.carts.get_mut(&(plan.org_id, plan.user_id)) {
            lines.retain(|l| !plan.cart_items.contains(&l.item));
            if lines.is_empty() {
                self.carts.remove(&(plan.org_id, plan.user_id));
            }
        }
    }

    fn end_entitlements(&mut self, end: &PurchaseEnd, at: DateTime<Utc>) {
        for e in &mut self.entitlements {
            if end.end_entitlements.contains(&e.id) && e.ended_at.is_none() {
                e.ended_at = Some(at);
            }
        }
        self.entitlements
            .extend(end.successor_entitlements.iter().cloned());
    }

    fn held(&self, org: OrgId) -> Vec<HeldPurchase> {
        self.purchases
            .iter()
            .filter(|p| p.org_id() == org && p.status() == PurchaseStatus::Active)
            .map(|p| {
                let (tools, price_model) = match p.item() {
                    ItemRef::Tool(t) => (vec![t], self.tools.get(&t).map(|t| t.pricing.model())),
                    ItemRef::Bundle(b) => {
                        let tools = self.bundles.get(&b).map_or_else(
                            || {
                                self.entitlements
                                    .iter()
                                    .filter(|e| e.purchase_id == p.id())
                                    .map(|e| e.tool_id)
                                    .collect()
                            },
                            |b| b.tools().iter().map(|t| t.tool_id).collect(),
                        );
                        (tools, None)
                    }
                };
                HeldPurchase {
                    purchase_id: p.id(),
                    item: p.item(),
                    tools,
                    price_model,
                }
            })
            .collect()
    }
}

/// The in-memory store: implements every repository port over one [`StoreData`] behind
/// one mutex.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    data: Mutex<StoreData>,
}

impl InMemoryStore {
    /// The one lock; a poisoned lock (a panicking test) still yields the data.
    pub(crate) fn lock(&self) -> MutexGuard<'_, StoreData> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of everything stored, to compare before and after an action.
    #[must_use]
    pub fn snapshot(&self) -> StoreData {
        self.lock().clone()
    }

    /// Runs `f` over the data under the lock (to inspect, or to arrange odd states).
    pub fn with<R>(&self, f: impl FnOnce(&mut StoreData) -> R) -> R {
        f(&mut self.lock())
    }

    /// Adds or replaces a seller's terms.
    pub fn put_seller(&self, terms: SellerTerms) {
        self.lock().sellers.insert(terms.seller_id, terms);
    }

    /// Adds or replaces an org.
    pub fn put_org(&self, org: Organization) {
        self.lock().orgs.insert(org.id(), org);
    }

    /// The stored org, if any.
    #[must_use]
    pub fn org(&self, id: OrgId) -> Option<Organization> {
        self.lock().orgs.get(&id).cloned()
    }

    /// The stored tool, counters included.
    #[must_use]
    pub fn tool(&self, id: ToolId) -> Option<Tool> {
        self.lock().tools.get(&id).cloned()
    }

    /// The stored bundle, with live tool prices.
    #[must_use]
    pub fn bundle(&self, id: BundleId) -> Option<Bundle> {
        let d = self.lock();
        d.bundles.get(&id).map(|b| d.live_bundle(b))
    }

    /// Any org's order.
    #[must_use]
    pub fn order(&self, id: OrderId) -> Option<Order> {
        self.lock().orders.get(&id).map(|o| o.order.clone())
    }

    /// Every order of `org`, oldest first.
    #[must_use]
    pub fn orders_of(&self, org: OrgId) -> Vec<Order> {
        let mut v: Vec<Order> = self
            .lock()
            .orders
            .values()
            .filter(|o| o.order.org_id() == org)
            .map(|o| o.order.clone())
            .collect();
        v.sort_by_key(|o| (o.created_at(), o.id()));
        v
    }

    /// Every purchase of `org`, in the order they were stored.
    #[must_use]
    pub fn purchases_of(&self, org: OrgId) -> Vec<Purchase> {
        self.lock()
            .purchases
            .iter()
            .filter(|p| p.org_id() == org)
            .cloned()
            .collect()
    }

    /// Every entitlement of `org`, ended ones included, in the order they were stored.
    #[must_use]
    pub fn entitlements_of_org(&self, org: OrgId) -> Vec<Entitlement> {
        self.lock()
            .entitlements
            .iter()
            .filter(|e| e.org_id == org)
            .cloned()
            .collect()
    }

    /// Every posting, in the order they were stored.
    #[must_use]
    pub fn postings(&self) -> Vec<Posting> {
        self.lock().postings.clone()
    }

    /// The lines of a cart.
    #[must_use]
    pub fn cart_items(&self, org: OrgId, user: UserId) -> Vec<ItemRef> {
        self.lock()
            .carts
            .get(&(org, user))
            .map(|l| l.iter().map(|l| l.item).collect())
            .unwrap_or_default()
    }
}

fn newest_first<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    v.sort_by_key(|x| std::cmp::Reverse(key(x)));
}

#[async_trait]
impl CatalogRepository for InMemoryStore {
    async fn tool(&self, id: ToolId) -> Result<Option<Tool>, RepoError> {
        Ok(self.lock().tools.get(&id).cloned())
    }

    async fn tools(&self, ids: &[ToolId]) -> Result<Vec<Tool>, RepoError> {
        let d = self.lock();
        let mut seen = HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| d.tools.get(id).cloned())
            .collect())
    }

    async fn bundle(&self, id: BundleId) -> Result<Option<Bundle>, RepoError> {
        let d = self.lock();
        Ok(d.bundles.get(&id).map(|b| d.live_bundle(b)))
    }

    async fn bundles(&self, ids: &[BundleId]) -> Result<Vec<Bundle>, RepoError> {
        let d = self.lock();
        let mut seen = HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| d.bundles.get(id).map(|b| d.live_bundle(b)))
            .collect())
    }

    async fn search_tools(&self, filter: &ToolFilter) -> Result<Page<Tool>, RepoError> {
        let d = self.lock();
        let mut found: Vec<Tool> = d
            .tools
            .values()
            .filter(|t| filter.matches(t))
            .cloned()
            .collect();
        found.sort_by(|a, b| filter.compare(a, b));
        Ok(Page::slice(found, filter.page))
    }

    async fn list_bundles(
        &self,
        statuses: &[BundleStatus],
        page: PageRequest,
    ) -> Result<Page<Bundle>, RepoError> {
        let d = self.lock();
        let mut found: Vec<Bundle> = d
            .bundles
            .values()
            .filter(|b| statuses.is_empty() || statuses.contains(&b.status()))
            .map(|b| d.live_bundle(b))
            .collect();
        found.sort_by(|a, b| {
            b.purchase_count()
                .cmp(&a.purchase_count())
                .then_with(|| a.id().cmp(&b.id()))
        });
        Ok(Page::slice(found, page))
    }

    async fn category_counts(&self) -> Result<Vec<CategoryCount>, RepoError> {
        let d = self.lock();
        Ok(ToolCategory::ALL
            .iter()
            .map(|&category| CategoryCount {
                category,
                tools: d
                    .tools
                    .values()
                    .filter(|t| t.category == category && t.status.is_purchasable())
                    .count() as u64,
            })
            .filter(|c| c.tools > 0)
            .collect())
    }

    async fn seller_terms(&self, ids: &[SellerId]) -> Result<Vec<SellerTerms>, RepoError> {
        let d = self.lock();
        let mut seen = HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| d.sellers.get(id).copied())
            .collect())
    }

    async fn insert_tool(&self, tool: &Tool) -> Result<(), RepoError> {
        let mut d = self.lock();
        if d.tools.contains_key(&tool.id) {
            return Err(RepoError::Conflict(Conflict::Key { table: "tools" }));
        }
        if !d.sellers.contains_key(&tool.seller_id) {
            return Err(RepoError::NotFound);
        }
        d.tools.insert(tool.id, tool.clone());
        Ok(())
    }

    async fn update_tool(&self, tool: &Tool) -> Result<(), RepoError> {
        let mut d = self.lock();
        if !d.sellers.contains_key(&tool.seller_id) {
            return Err(RepoError::NotFound);
        }
        let stored = d.tools.get_mut(&tool.id).ok_or(RepoError::NotFound)?;
        let stats = stored.stats;
        let created_at = stored.created_at;
        *stored = tool.clone();
        stored.stats = stats;
        stored.created_at = created_at;
        Ok(())
    }

    async fn insert_bundle(&self, bundle: &Bundle) -> Result<(), RepoError> {
        let mut d = self.lock();
        if d.bundles.contains_key(&bundle.id()) {
            return Err(RepoError::Conflict(Conflict::Key { table: "bundles" }));
        }
        if bundle
            .tools()
            .iter()
            .any(|t| !d.tools.contains_key(&t.tool_id))
        {
            return Err(RepoError::NotFound);
        }
        d.bundles.insert(bundle.id(), bundle.clone());
        Ok(())
    }

    async fn update_bundle(&self, bundle: &Bundle) -> Result<(), RepoError> {
        let mut d = self.lock();
        if bundle
            .tools()
            .iter()
            .any(|t| !d.tools.contains_key(&t.tool_id))
        {
            return Err(RepoError::NotFound);
        }
        let stored = d.bundles.get(&bundle.id()).ok_or(RepoError::NotFound)?;
        let mut parts = bundle.clone().into_parts();
        parts.purchase_count = stored.purchase_count();
        parts.created_at = stored.created_at();
        let next = Bundle::new(parts).map_err(|_| RepoError::Stale("bundle no longer valid"))?;
        d.bundles.insert(next.id(), next);
        Ok(())
    }
}

#[async_trait]
impl CartRepository for InMemoryStore {
    async fn load(&self, org: OrgId, user: UserId) -> Result<Cart, RepoError> {
        let d = self.lock();
        Ok(d.carts.get(&(org, user)).map_or_else(
            || Cart::empty(org, user),
            |l| Cart::restore(org, user, l.clone()),
        ))
    }

    async fn save(&self, cart: &Cart) -> Result<(), RepoError> {
        let mut d = self.lock();
        let key = (cart.org_id(), cart.user_id());
        if cart.is_empty() {
            d.carts.remove(&key);
        } else {
            d.carts.insert(key, cart.lines().to_vec());
        }
        Ok(())
    }
}

#[async_trait]
impl OrgRepository for InMemoryStore {
    async fn get(&self, id: OrgId) -> Result<Option<Organization>, RepoError> {
        Ok(self.lock().orgs.get(&id).cloned())
    }

    async fn get_or_provision(&self, id: OrgId) -> Result<Organization, RepoError> {
        Ok(self
            .lock()
            .orgs
            .entry(id)
            .or_insert_with(|| Organization::provisioned(id))
            .clone())
    }

    async fn upsert(&self, id: OrgId, name: &str, tier: Tier) -> Result<Organization, RepoError> {
        let mut d = self.lock();
        let org = d
            .orgs
            .entry(id)
            .or_insert_with(|| Organization::provisioned(id));
        *org = Organization::restore(id, name.to_owned(), tier, org.credits());
        Ok(org.clone())
    }

    async fn grant_credits(&self, id: OrgId, amount: Money) -> Result<Organization, RepoError> {
        let mut d = self.lock();
        let org = d.orgs.get_mut(&id).ok_or(RepoError::NotFound)?;
        let grant = CreditGrant::new(amount).map_err(RepoError::unavailable)?;
        org.grant_credits(grant)
            .map_err(|_| RepoError::Conflict(Conflict::CreditCurrency))?;
        Ok(org.clone())
    }
}

#[async_trait]
impl OrderRepository for InMemoryStore {
    async fn find_by_key(
        &self,
        org: OrgId,
        key: &IdempotencyKey,
    ) -> Result<Option<KeyedOrder>, RepoError> {
        Ok(self
            .lock()
            .orders
            .values()
            .find(|o| o.order.org_id() == org && o.key == *key)
            .map(|o| KeyedOrder {
                order: o.order.clone(),
                fingerprint: o.fingerprint.clone(),
            }))
    }

    async fn place(&self, placed: &PlacedOrder) -> Result<(), RepoError> {
        let mut d = self.lock();
        let order = &placed.order;
        if d.orders
            .values()
            .any(|o| o.order.org_id() == order.org_id() && o.key == placed.key)
        {
            return Err(RepoError::Conflict(Conflict::IdempotencyKey));
        }
        if d.orders.contains_key(&order.id()) {
            return Err(RepoError::Conflict(Conflict::Key { table: "orders" }));
        }
        let debited = match placed.credit_debit {
            Some(debit) => {
                let mut org = d
                    .orgs
                    .get(&order.org_id())
                    .cloned()
                    .unwrap_or_else(|| Organization::provisioned(order.org_id()));
                org.debit_credits(debit)
                    .map_err(|_| RepoError::InsufficientCredits)?;
                Some(org)
            }
            None => None,
        };
        if let Some(plan) = &placed.fulfilment {
            if plan.order_id != order.id() || plan.org_id != order.org_id() {
                return Err(RepoError::Stale("fulfilment of another order"));
            }
            d.check_fulfilment(plan)?;
        }
        // Every check passed: write it all.
        if let Some(org) = debited {
            d.orgs.insert(org.id(), org);
        }
        d.orders.insert(
            order.id(),
            StoredOrder {
                order: order.clone(),
                key: placed.key.clone(),
                fingerprint: placed.fingerprint.clone(),
                credit_debit: placed.credit_debit,
            },
        );
        if let Some(plan) = &placed.fulfilment {
            d.apply_fulfilment(plan);
        }
        Ok(())
    }

    async fn get(&self, org: OrgId, id: OrderId) -> Result<Option<Order>, RepoError> {
        Ok(self
            .lock()
            .orders
            .get(&id)
            .filter(|o| o.order.org_id() == org)
            .map(|o| o.order.clone()))
    }

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError> {
        Ok(self.lock().orders.get(&id).map(|o| o.order.clone()))
    }

    async fn find_by_payment(&self, reference: &str) -> Result<Option<Order>, RepoError> {
        Ok(self
            .lock()
            .orders
            .values()
            .find(|o| o.order.payment().is_some_and(|p| p.reference == reference))
            .map(|o| o.order.clone()))
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Order>, RepoError> {
        let mut v: Vec<Order> = self
            .lock()
            .orders
            .values()
            .filter(|o| o.order.org_id() == org)
            .map(|o| o.order.clone())
            .collect();
        newest_first(&mut v, |o| (o.created_at(), o.id()));
        Ok(Page::slice(v, page))
    }

    async fn attach_payment(&self, id: OrderId, payment: &PaymentRef) -> Result<(), RepoError> {
        let mut d = self.lock();
        let stored = d.orders.get_mut(&id).ok_or(RepoError::NotFound)?;
        stored
            .order
            .attach_payment(payment.clone())
            .map_err(|_| RepoError::Stale("order no longer awaits payment"))
    }

    async fn fulfil(&self, plan: &FulfilmentPlan) -> Result<(), RepoError> {
        let mut d = self.lock();
        let stored = d.orders.get(&plan.order_id).ok_or(RepoError::NotFound)?;
        if stored.order.org_id() != plan.org_id {
            return Err(RepoError::NotFound);
        }
        let mut fulfilled = stored.order.clone();
        fulfilled
            .fulfil(plan.at)
            .map_err(|_| RepoError::Stale("order no longer awaits payment"))?;
        d.check_fulfilment(plan)?;
        if let Some(stored) = d.orders.get_mut(&plan.order_id) {
            stored.order = fulfilled;
        }
        d.apply_fulfilment(plan);
        Ok(())
    }

    async fn transition(
        &self,
        id: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let mut d = self.lock();
        let stored = d.orders.get_mut(&id).ok_or(RepoError::NotFound)?;
        if stored.order.status() != from {
            return Err(RepoError::Stale("order is no longer in the expected state"));
        }
        // The moves the use cases make, through the order's own rules (R-O6).
        let moved = match (to, reason) {
            (OrderStatus::Failed, Some(reason)) => stored.order.fail(reason, at),
            (OrderStatus::Cancelled, None) => stored.order.cancel(at),
            _ => return Err(RepoError::Stale("not a move an order makes by transition")),
        };
        moved.map_err(|_| RepoError::Stale("R-O6 forbids this move"))
    }

    async fn pending_card_orders(&self, before: DateTime<Utc>) -> Result<Vec<Order>, RepoError> {
        let mut v: Vec<Order> = self
            .lock()
            .orders
            .values()
            .filter(|o| {
                o.order.status() == OrderStatus::PendingPayment
                    && o.order.payment_method() == PaymentMethod::CreditCard
                    && o.order.created_at() < before
            })
            .map(|o| o.order.clone())
            .collect();
        v.sort_by_key(|o| (o.created_at(), o.id()));
        Ok(v)
    }
}

#[async_trait]
impl PurchaseRepository for InMemoryStore {
    async fn list(&self, org: OrgId, status: PurchaseFilter) -> Result<Vec<Purchase>, RepoError> {
        let mut v: Vec<Purchase> = self
            .lock()
            .purchases
            .iter()
            .filter(|p| p.org_id() == org && status.is_none_or(|s| p.status() == s))
            .cloned()
            .collect();
        newest_first(&mut v, |p| (p.created_at(), p.id()));
        Ok(v)
    }

    async fn page(
        &self,
        org: OrgId,
        status: PurchaseFilter,
        page: PageRequest,
    ) -> Result<Page<Purchase>, RepoError> {
        let all = PurchaseRepository::list(self, org, status).await?;
        Ok(Page::slice(all, page))
    }

    async fn get(&self, org: OrgId, id: PurchaseId) -> Result<Option<Purchase>, RepoError> {
        Ok(self
            .lock()
            .purchases
            .iter()
            .find(|p| p.id() == id && p.org_id() == org)
            .cloned())
    }

    async fn find(&self, id: PurchaseId) -> Result<Option<Purchase>, RepoError> {
        Ok(self.lock().purchases.iter().find(|p| p.id() == id).cloned())
    }

    async fn find_by_subscription(
        &self,
        subscription_ref: &str,
    ) -> Result<Option<Purchase>, RepoError> {
        Ok(self
            .lock()
            .purchases
            .iter()
            .find(|p| p.subscription_ref() == Some(subscription_ref))
            .cloned())
    }

    async fn entitlements_of(&self, id: PurchaseId) -> Result<Vec<Entitlement>, RepoError> {
        Ok(self
            .lock()
            .entitlements
            .iter()
            .filter(|e| e.purchase_id == id && e.ended_at.is_none())
            .cloned()
            .collect())
    }

    async fn postings(&self, id: PurchaseId) -> Result<Vec<Posting>, RepoError> {
        let mut v: Vec<Posting> = self
            .lock()
            .postings
            .iter()
            .filter(|p| p.purchase_id() == Some(id))
            .cloned()
            .collect();
        // Oldest first; the sale before its refunds when they share a time.
        v.sort_by_key(|p| (p.occurred_at(), p.kind() != PostingKind::Sale));
        Ok(v)
    }

    async fn save(&self, purchase: &Purchase) -> Result<(), RepoError> {
        let mut d = self.lock();
        let stored = d
            .purchases
            .iter_mut()
            .find(|p| p.id() == purchase.id() && p.org_id() == purchase.org_id())
            .ok_or(RepoError::NotFound)?;
        *stored = purchase.clone();
        Ok(())
    }

    async fn renew(&self, purchase: &Purchase) -> Result<(), RepoError> {
        let mut d = self.lock();
        let stored = d
            .purchases
            .iter_mut()
            .find(|p| p.id() == purchase.id() && p.org_id() == purchase.org_id())
            .ok_or(RepoError::NotFound)?;
        if stored.status() != PurchaseStatus::Active {
            return Err(RepoError::Stale("purchase is no longer active"));
        }
        *stored = purchase.clone();
        let until = purchase.billing().paid_until();
        for e in &mut d.entitlements {
            if e.purchase_id == purchase.id() && e.ended_at.is_none() {
                e.until = until;
            }
        }
        Ok(())
    }

    async fn end(&self, end: &PurchaseEnd) -> Result<(), RepoError> {
        let mut d = self.lock();
        let p = &end.purchase;
        let stored = d
            .purchases
            .iter_mut()
            .find(|x| x.id() == p.id() && x.org_id() == p.org_id())
            .ok_or(RepoError::NotFound)?;
        if stored.status() != PurchaseStatus::Active {
            return Err(RepoError::Stale("purchase is no longer active"));
        }
        *stored = p.clone();
        let at = end.at;
        d.end_entitlements(end, at);
        Ok(())
    }

    async fn refund(&self, plan: &RefundPlan) -> Result<(), RepoError> {
        let mut d = self.lock();
        let p = &plan.purchase;
        let stored = d
            .purchases
            .iter()
            .find(|x| x.id() == p.id() && x.org_id() == p.org_id())
            .ok_or(RepoError::NotFound)?;
        let expected_before = p
            .refunded()
            .checked_sub(plan.amount)
            .map_err(|_| RepoError::Stale("refund currency"))?;
        if stored.refunded() != expected_before {
            return Err(RepoError::Stale("purchase was refunded meanwhile"));
        }
        let mut order = d
            .orders
            .get(&p.order_id())
            .ok_or(RepoError::NotFound)?
            .order
            .clone();
        order
            .record_refund(plan.amount, plan.posting.occurred_at())
            .map_err(|_| RepoError::Stale("order cannot take this refund"))?;
        if order.status() != plan.order_status {
            return Err(RepoError::Stale(
                "the plan's order status is not the order's",
            ));
        }
        let credited = match plan.credit_back {
            Some(back) => {
                let mut org = d
                    .orgs
                    .get(&p.org_id())
                    .cloned()
                    .ok_or(RepoError::NotFound)?;
                let grant = CreditGrant::new(back).map_err(RepoError::unavailable)?;
                org.grant_credits(grant)
                    .map_err(|_| RepoError::Conflict(Conflict::CreditCurrency))?;
                Some(org)
            }
            None => None,
        };
        if d.postings.iter().any(|x| x.id() == plan.posting.id()) {
            return Err(RepoError::Conflict(Conflict::Key {
                table: "ledger_postings",
            }));
        }
        // Checked: write it all.
        if let Some(stored) = d.purchases.iter_mut().find(|x| x.id() == p.id()) {
            *stored = p.clone();
        }
        d.postings.push(plan.posting.clone());
        if let Some(end) = &plan.end {
            let at = end.at;
            d.end_entitlements(end, at);
        }
        if let Some(org) = credited {
            d.orgs.insert(org.id(), org);
        }
        if let Some(stored) = d.orders.get_mut(&p.order_id()) {
            stored.order = order;
        }
        Ok(())
    }

    async fn due_to_expire(&self, now: DateTime<Utc>) -> Result<Vec<Purchase>, RepoError> {
        Ok(self
            .lock()
            .purchases
            .iter()
            .filter(|p| {
                p.status() == PurchaseStatus::Active
                    && matches!(p.billing(), Billing::Recurring { period, .. } if period.end() <= now)
            })
            .cloned()
            .collect())
    }
}

#[async_trait]
impl HoldingsRepository for InMemoryStore {
    async fn holdings(&self, org: OrgId, now: DateTime<Utc>) -> Result<Holdings, RepoError> {
        let d = self.lock();
        let ents: Vec<Entitlement> = d
            .entitlements
            .iter()
            .filter(|e| e.org_id == org)
            .cloned()
            .collect();
        Ok(Holdings::new(d.held(org), &ents, now))
    }

    async fn entitlements(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Entitlement>, RepoError> {
        let mut v: Vec<Entitlement> = self
            .lock()
            .entitlements
            .iter()
            .filter(|e| e.org_id == org && e.is_active(now))
            .cloned()
            .collect();
        v.sort_by_key(|e| (e.granted_at, e.id));
        Ok(v)
    }

    async fn entitlement_page(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
        page: PageRequest,
    ) -> Result<Page<Entitlement>, RepoError> {
        let all = HoldingsRepository::entitlements(self, org, now).await?;
        Ok(Page::slice(all, page))
    }
}

#[async_trait::async_trait]
impl marketplace_domain::payment_events::PaymentEventLog for InMemoryStore {
    async fn seen(&self, event_id: &str) -> Result<bool, RepoError> {
        Ok(self.lock().payment_events.contains_key(event_id))
    }

    async fn record(
        &self,
        event_id: &str,
        kind: &str,
        _org: Option<OrgId>,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), RepoError> {
        self.lock()
            .payment_events
            .entry(event_id.to_owned())
            .or_insert_with(|| kind.to_owned());
        Ok(())
    }
}
