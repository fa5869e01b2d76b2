//! The in-memory [`PurchaseRepository`]: purchases, their renewals, ends and refunds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{Page, PageRequest};
use marketplace_domain::entitlement::Entitlement;
use marketplace_domain::ids::{OrgId, PurchaseId};
use marketplace_domain::org::CreditGrant;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::{
    Billing, PlanSwitch, Purchase, PurchaseEnd, PurchaseFilter, PurchaseRepository, PurchaseStatus,
    RefundPlan,
};
use marketplace_domain::revenue::{Posting, PostingKind};

use super::store::{InMemoryStore, StoreData, newest_first};

impl StoreData {
    fn end_entitlements(&mut self, end: &PurchaseEnd, at: DateTime<Utc>) {
        for e in &mut self.entitlements {
            if end.end_entitlements.contains(&e.id) && e.ended_at.is_none() {
                e.ended_at = Some(at);
            }
        }
        self.entitlements
            .extend(end.successor_entitlements.iter().cloned());
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
        let d = self.lock();
        let of_renewals: Vec<_> = d.renewals.iter().flat_map(|(_, ids)| ids).collect();
        let mut v: Vec<Posting> = d
            .postings
            .iter()
            .filter(|p| p.purchase_id() == Some(id) && !of_renewals.contains(&&p.id()))
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

    async fn switch_plan(&self, switch: &PlanSwitch) -> Result<(), RepoError> {
        let mut d = self.lock();
        let p = &switch.purchase;
        let stored = d
            .purchases
            .iter()
            .find(|x| x.id() == p.id() && x.org_id() == p.org_id())
            .ok_or(RepoError::NotFound)?;
        if stored.status() != PurchaseStatus::Active
            || (stored.plan(), stored.scheduled_plan()) != switch.from
        {
            return Err(RepoError::Stale("the purchase changed meanwhile"));
        }
        let debited = match switch.credit_debit {
            Some(debit) => {
                let mut org = d
                    .orgs
                    .get(&p.org_id())
                    .cloned()
                    .ok_or(RepoError::NotFound)?;
                org.debit_credits(debit)
                    .map_err(|_| RepoError::InsufficientCredits)?;
                Some(org)
            }
            None => None,
        };
        if let Some(stored) = d.purchases.iter_mut().find(|x| x.id() == p.id()) {
            *stored = p.clone();
        }
        if let Some(posting) = &switch.posting {
            d.postings.push(posting.clone());
        }
        if let Some(org) = debited {
            d.orgs.insert(org.id(), org);
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
