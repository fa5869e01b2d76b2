//! One in-memory store behind every repository port. Each port method takes the one lock
//! once, checks every constraint the database will enforce, and only then writes: an atomic
//! method applies all of its change or none of it.
//!
//! The repository ports are implemented beside, one module per aggregate (`catalog`,
//! `carts`, `orgs`, `orders`, `purchases`, `holdings`, `payment_events`, `reviews`,
//! `sellers`), over the [`StoreData`] held here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use marketplace_domain::cart::CartLine;
use marketplace_domain::catalog::{Bundle, BundleTool, ItemRef, Tool};
use marketplace_domain::checkout::{IdempotencyKey, Order};
use marketplace_domain::entitlement::Entitlement;
use marketplace_domain::ids::{BundleId, OrderId, OrgId, PlanId, SellerId, ToolId, UserId};
use marketplace_domain::money::Money;
use marketplace_domain::org::Organization;
use marketplace_domain::plan::Plan;
use marketplace_domain::purchase::Purchase;
use marketplace_domain::revenue::{Posting, SellerTerms};

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
    /// Renewals of recurring purchases, in insertion order, each with its postings' ids.
    pub renewals: Vec<(
        marketplace_domain::renewal::RenewalCharge,
        Vec<marketplace_domain::ids::PostingId>,
    )>,
    pub reviews: crate::fakes::reviews::ReviewTables,
    /// Sellers' full records and their payouts.
    pub seller_records: crate::fakes::sellers::SellerTables,
    /// Provider event ids processed, with their type.
    pub payment_events: BTreeMap<String, String>,
    /// Every item's plans, each item's in display order.
    pub plans: Vec<Plan>,
    /// The plans something was bought under (R-B1: their price is fixed).
    pub plan_sales: BTreeSet<PlanId>,
}

impl StoreData {
    /// A stored bundle with its tools' live names, prices and sellers.
    pub(super) fn live_bundle(&self, bundle: &Bundle) -> Bundle {
        let mut parts = bundle.clone().into_parts();
        for t in &mut parts.tools {
            if let Some(tool) = self.tools.get(&t.tool_id) {
                *t = BundleTool::from(tool);
            }
        }
        Bundle::new(parts).unwrap_or_else(|_| bundle.clone())
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

pub(super) fn newest_first<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    v.sort_by_key(|x| std::cmp::Reverse(key(x)));
}
