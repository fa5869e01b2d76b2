//! The in-memory [`RenewalRepository`]: one renewal per (purchase, period start), collected
//! with the purchase's period, its entitlements, its sale and the credits in one step.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, PostingId, PurchaseId};
use marketplace_domain::org::CreditGrant;
use marketplace_domain::payment::PaymentMethod;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::{Billing, Purchase, PurchaseStatus};
use marketplace_domain::renewal::{
    CollectedRenewal, OpenRenewal, RenewalCharge, RenewalId, RenewalRefund, RenewalRepository,
    RenewalState,
};
use marketplace_domain::revenue::{Posting, PostingKind};
use marketplace_domain::subscription::InvoiceNumber;

use super::store::{InMemoryStore, StoreData};

impl StoreData {
    fn renewal_at(&self, purchase: PurchaseId, start: DateTime<Utc>) -> Option<usize> {
        self.renewals
            .iter()
            .position(|(r, _)| r.purchase_id == purchase && r.period.start() == start)
    }
}

#[async_trait]
impl RenewalRepository for InMemoryStore {
    async fn due_for_renewal(&self, now: DateTime<Utc>) -> Result<Vec<Purchase>, RepoError> {
        Ok(self
            .lock()
            .purchases
            .iter()
            .filter(|p| {
                p.status() == PurchaseStatus::Active
                    && matches!(
                        p.payment_method(),
                        PaymentMethod::PlatformCredits | PaymentMethod::Invoice
                    )
                    && matches!(p.billing(), Billing::Recurring { period, auto_renew: true, .. } if period.end() <= now)
            })
            .cloned()
            .collect())
    }

    async fn renewal_for(
        &self,
        purchase: PurchaseId,
        start: DateTime<Utc>,
    ) -> Result<Option<RenewalCharge>, RepoError> {
        let d = self.lock();
        Ok(d.renewal_at(purchase, start)
            .map(|i| d.renewals[i].0.clone()))
    }

    async fn past_due(&self, org: OrgId) -> Result<Vec<RenewalCharge>, RepoError> {
        let mut due: Vec<RenewalCharge> = self
            .lock()
            .renewals
            .iter()
            .map(|(r, _)| r)
            .filter(|r| r.org_id == org && matches!(r.state, RenewalState::PastDue { .. }))
            .cloned()
            .collect();
        due.sort_by_key(|r| r.period.start());
        Ok(due)
    }

    async fn open(&self, open: &OpenRenewal) -> Result<RenewalCharge, RepoError> {
        let mut d = self.lock();
        let r = &open.renewal;
        if d.renewal_at(r.purchase_id, r.period.start()).is_some() {
            return Err(RepoError::Stale("the period's renewal is already recorded"));
        }
        let mut stored = r.clone();
        if let RenewalState::Invoiced { due, .. } = r.state {
            let last = d
                .renewals
                .iter()
                .filter(|(x, _)| x.org_id == r.org_id)
                .filter_map(|(x, _)| x.invoice())
                .map(InvoiceNumber::sequence)
                .max()
                .unwrap_or(0);
            stored.state = RenewalState::Invoiced {
                number: InvoiceNumber::new(last + 1).map_err(RepoError::unavailable)?,
                due,
            };
        }
        d.renewals.push((stored.clone(), Vec::new()));
        Ok(stored)
    }

    async fn collect(&self, c: &CollectedRenewal) -> Result<(), RepoError> {
        let mut d = self.lock();
        let r = &c.renewal;
        let at = d.renewal_at(r.purchase_id, r.period.start());
        match (at, c.from) {
            (None, None) => {}
            (Some(i), Some(from)) if d.renewals[i].0.state.status() == from => {}
            _ => return Err(RepoError::Stale("the renewal was collected meanwhile")),
        }
        let stored = d
            .purchases
            .iter()
            .find(|p| p.id() == r.purchase_id)
            .ok_or(RepoError::NotFound)?;
        let just_before = matches!(stored.billing(), Billing::Recurring { period, .. } if period.end() == r.period.start());
        if stored.status() != PurchaseStatus::Active || !just_before {
            return Err(RepoError::Stale("the purchase moved meanwhile"));
        }
        let debited = match c.credit_debit {
            Some(amount) => {
                let mut org = d.orgs.get(&r.org_id).cloned().ok_or(RepoError::NotFound)?;
                org.debit_credits(amount)
                    .map_err(|_| RepoError::InsufficientCredits)?;
                Some(org)
            }
            None => None,
        };
        if let Some(p) = &c.posting
            && d.postings.iter().any(|x| x.id() == p.id())
        {
            return Err(RepoError::Conflict(Conflict::Key {
                table: "ledger_postings",
            }));
        }
        // Checked: write it all.
        if let Some(org) = debited {
            d.orgs.insert(org.id(), org);
        }
        if let Some(stored) = d.purchases.iter_mut().find(|p| p.id() == r.purchase_id) {
            *stored = c.purchase.clone();
        }
        let until = c.purchase.billing().paid_until();
        for e in &mut d.entitlements {
            if e.purchase_id == r.purchase_id && e.ended_at.is_none() {
                e.until = until;
            }
        }
        let links: Vec<PostingId> = c.posting.iter().map(Posting::id).collect();
        if let Some(p) = &c.posting {
            d.postings.push(p.clone());
        }
        match at {
            Some(i) => d.renewals[i] = (r.clone(), links),
            None => d.renewals.push((r.clone(), links)),
        }
        Ok(())
    }

    async fn find_by_payment(&self, reference: &str) -> Result<Option<RenewalCharge>, RepoError> {
        Ok(self
            .lock()
            .renewals
            .iter()
            .map(|(r, _)| r)
            .find(|r| {
                matches!(&r.state, RenewalState::Collected { payment: Some(p), .. } if p == reference)
            })
            .cloned())
    }

    async fn find_by_invoice(
        &self,
        purchase: PurchaseId,
        number: u32,
    ) -> Result<Option<RenewalCharge>, RepoError> {
        Ok(self
            .lock()
            .renewals
            .iter()
            .map(|(r, _)| r)
            .find(|r| {
                r.purchase_id == purchase && r.invoice().is_some_and(|n| n.sequence() == number)
            })
            .cloned())
    }

    async fn postings(&self, id: RenewalId) -> Result<Vec<Posting>, RepoError> {
        let d = self.lock();
        let Some((_, ids)) = d.renewals.iter().find(|(r, _)| r.id == id) else {
            return Ok(Vec::new());
        };
        let mut v: Vec<Posting> = d
            .postings
            .iter()
            .filter(|p| ids.contains(&p.id()))
            .cloned()
            .collect();
        v.sort_by_key(|p| (p.occurred_at(), p.kind() != PostingKind::Sale));
        Ok(v)
    }

    async fn refund(&self, refund: &RenewalRefund) -> Result<(), RepoError> {
        let mut d = self.lock();
        let r = &refund.renewal;
        let i = d
            .renewals
            .iter()
            .position(|(x, _)| x.id == r.id)
            .ok_or(RepoError::NotFound)?;
        let before = r
            .refunded
            .checked_sub(refund.amount)
            .map_err(|_| RepoError::Stale("refund currency"))?;
        if d.renewals[i].0.refunded != before {
            return Err(RepoError::Stale("the renewal was refunded meanwhile"));
        }
        let credited = match refund.credit_back {
            Some(back) => {
                let mut org = d.orgs.get(&r.org_id).cloned().ok_or(RepoError::NotFound)?;
                let grant = CreditGrant::new(back).map_err(RepoError::unavailable)?;
                org.grant_credits(grant)
                    .map_err(|_| RepoError::Conflict(Conflict::CreditCurrency))?;
                Some(org)
            }
            None => None,
        };
        if let Some(org) = credited {
            d.orgs.insert(org.id(), org);
        }
        d.postings.push(refund.posting.clone());
        d.renewals[i].0 = r.clone();
        d.renewals[i].1.push(refund.posting.id());
        Ok(())
    }
}
