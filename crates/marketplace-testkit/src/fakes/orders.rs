//! The in-memory [`OrderRepository`]: placing (with its key, debit and fulfilment) and
//! fulfilling check every constraint first and then write all of it.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{Bundle, ItemRef, Page, PageRequest};
use marketplace_domain::checkout::{
    FulfilmentPlan, IdempotencyKey, KeyedOrder, Order, OrderRepository, OrderStatus, PaymentMethod,
    PaymentRef, PlacedOrder,
};
use marketplace_domain::ids::{OrderId, OrgId};
use marketplace_domain::org::Organization;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::PurchaseStatus;

use super::store::{InMemoryStore, StoreData, StoredOrder, newest_first};

impl StoreData {
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
