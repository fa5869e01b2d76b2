//! The sellers' records of the in-memory store (names, orgs, connected accounts, payout
//! settings) and payouts, and the [`SellerRepository`] over them and the store's ledger.
//! A seller stored only with its terms ([`InMemoryStore::put_seller`]) reads back with a
//! made-up name and the default payout settings.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, SellerId, ToolId};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::revenue::{Posting, SellerTerms, YearMonth};
use marketplace_domain::seller::{
    ConnectAccount, Payout, PayoutPlan, PayoutSettings, PayoutStatus, Seller, SellerName,
    SellerParts, SellerRepository,
};

use super::store::{InMemoryStore, StoreData};
use crate::builders::t0;

/// Sellers' full records and payouts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SellerTables {
    pub sellers: BTreeMap<SellerId, Seller>,
    pub payouts: BTreeMap<(SellerId, YearMonth), Payout>,
}

fn from_terms(terms: SellerTerms) -> Seller {
    let name = SellerName::parse(&format!("Seller {}", terms.seller_id))
        .unwrap_or_else(|_| unreachable!("a generated name is valid"));
    Seller::restore(SellerParts {
        id: terms.seller_id,
        name,
        kind: terms.kind,
        fee_rate: terms.fee_rate,
        org_id: None,
        connect: None,
        payout: PayoutSettings::default(),
        created_at: t0(),
    })
}

impl StoreData {
    fn seller_record(&self, id: SellerId) -> Option<Seller> {
        let terms = self.sellers.get(&id)?;
        Some(
            self.seller_records
                .sellers
                .get(&id)
                .cloned()
                .unwrap_or_else(|| from_terms(*terms)),
        )
    }

    fn all_sellers(&self) -> Vec<Seller> {
        self.sellers
            .keys()
            .filter_map(|id| self.seller_record(*id))
            .collect()
    }

    fn settle(&mut self, plan: &PayoutPlan, to: PayoutStatus) -> Result<(), RepoError> {
        let p = &plan.payout;
        if p.status != to {
            return Err(RepoError::Stale("the plan does not settle the payout"));
        }
        let stored = self
            .seller_records
            .payouts
            .get_mut(&(p.seller_id, p.month))
            .filter(|s| s.id == p.id)
            .ok_or(RepoError::NotFound)?;
        if stored.status != PayoutStatus::Pending {
            return Err(RepoError::Stale("the payout is no longer pending"));
        }
        if self.postings.iter().any(|x| x.id() == plan.posting.id()) {
            return Err(RepoError::Conflict(Conflict::Key {
                table: "ledger_postings",
            }));
        }
        *stored = p.clone();
        self.postings.push(plan.posting.clone());
        Ok(())
    }
}

fn touches(posting: &Posting, seller: SellerId) -> bool {
    posting
        .entries()
        .iter()
        .any(|e| e.account.seller() == Some(seller))
}

fn within(at: DateTime<Utc>, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
    from.is_none_or(|f| at >= f) && to.is_none_or(|t| at < t)
}

fn oldest_first(mut postings: Vec<Posting>) -> Vec<Posting> {
    // Stable: postings of one instant keep their insertion order.
    postings.sort_by_key(Posting::occurred_at);
    postings
}

#[async_trait]
impl SellerRepository for InMemoryStore {
    async fn get(&self, id: SellerId) -> Result<Option<Seller>, RepoError> {
        Ok(self.lock().seller_record(id))
    }

    async fn of_org(&self, org: OrgId) -> Result<Option<Seller>, RepoError> {
        Ok(self
            .lock()
            .all_sellers()
            .into_iter()
            .find(|s| s.org_id() == Some(org)))
    }

    async fn by_connect_account(&self, account_id: &str) -> Result<Option<Seller>, RepoError> {
        Ok(self
            .lock()
            .all_sellers()
            .into_iter()
            .find(|s| s.connect().is_some_and(|c| c.account_id == account_id)))
    }

    async fn list(&self) -> Result<Vec<Seller>, RepoError> {
        Ok(self.lock().all_sellers())
    }

    async fn upsert(&self, seller: &Seller) -> Result<(), RepoError> {
        let mut d = self.lock();
        let others = d.all_sellers();
        let others = others.iter().filter(|s| s.id() != seller.id());
        for other in others {
            if seller.org_id().is_some() && other.org_id() == seller.org_id() {
                return Err(RepoError::Conflict(Conflict::SellerOrg));
            }
            if let (Some(a), Some(b)) = (seller.connect(), other.connect())
                && a.account_id == b.account_id
            {
                return Err(RepoError::Conflict(Conflict::ConnectAccount));
            }
        }
        if let Some(org) = seller.org_id()
            && !d.orgs.contains_key(&org)
        {
            return Err(RepoError::NotFound);
        }
        d.sellers.insert(seller.id(), seller.terms());
        d.seller_records.sellers.insert(seller.id(), seller.clone());
        Ok(())
    }

    async fn set_connect_account(
        &self,
        id: SellerId,
        account: &ConnectAccount,
    ) -> Result<(), RepoError> {
        let mut d = self.lock();
        let mut seller = d.seller_record(id).ok_or(RepoError::NotFound)?;
        let taken = d.all_sellers().iter().any(|s| {
            s.id() != id
                && s.connect()
                    .is_some_and(|c| c.account_id == account.account_id)
        });
        if taken {
            return Err(RepoError::Conflict(Conflict::ConnectAccount));
        }
        seller.set_connect(account.clone());
        d.seller_records.sellers.insert(id, seller);
        Ok(())
    }

    async fn tools_of(&self, id: SellerId) -> Result<Vec<ToolId>, RepoError> {
        Ok(self
            .lock()
            .tools
            .values()
            .filter(|t| t.seller_id == id)
            .map(|t| t.id)
            .collect())
    }

    async fn assign_tool(&self, tool: ToolId, seller: SellerId) -> Result<(), RepoError> {
        let mut d = self.lock();
        if !d.sellers.contains_key(&seller) {
            return Err(RepoError::NotFound);
        }
        let tool = d.tools.get_mut(&tool).ok_or(RepoError::NotFound)?;
        tool.seller_id = seller;
        Ok(())
    }

    async fn postings_for(
        &self,
        seller: SellerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<Posting>, RepoError> {
        let d = self.lock();
        Ok(oldest_first(
            d.postings
                .iter()
                .filter(|p| touches(p, seller) && within(p.occurred_at(), from, to))
                .cloned()
                .collect(),
        ))
    }

    async fn postings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Posting>, RepoError> {
        let d = self.lock();
        Ok(oldest_first(
            d.postings
                .iter()
                .filter(|p| within(p.occurred_at(), Some(from), Some(to)))
                .cloned()
                .collect(),
        ))
    }

    async fn payout_for(
        &self,
        seller: SellerId,
        month: YearMonth,
    ) -> Result<Option<Payout>, RepoError> {
        Ok(self
            .lock()
            .seller_records
            .payouts
            .get(&(seller, month))
            .cloned())
    }

    async fn payouts_of(&self, seller: SellerId) -> Result<Vec<Payout>, RepoError> {
        Ok(self
            .lock()
            .seller_records
            .payouts
            .values()
            .rev()
            .filter(|p| p.seller_id == seller)
            .cloned()
            .collect())
    }

    async fn record_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        let mut d = self.lock();
        let p = &plan.payout;
        if p.status != PayoutStatus::Pending {
            return Err(RepoError::Stale("a payout is recorded as PENDING"));
        }
        if !d.sellers.contains_key(&p.seller_id) {
            return Err(RepoError::NotFound);
        }
        if d.seller_records
            .payouts
            .contains_key(&(p.seller_id, p.month))
        {
            return Err(RepoError::Conflict(Conflict::PayoutMonth));
        }
        if d.postings.iter().any(|x| x.id() == plan.posting.id()) {
            return Err(RepoError::Conflict(Conflict::Key {
                table: "ledger_postings",
            }));
        }
        d.seller_records
            .payouts
            .insert((p.seller_id, p.month), p.clone());
        d.postings.push(plan.posting.clone());
        Ok(())
    }

    async fn complete_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        self.lock().settle(plan, PayoutStatus::Paid)
    }

    async fn reverse_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        self.lock().settle(plan, PayoutStatus::Failed)
    }
}
