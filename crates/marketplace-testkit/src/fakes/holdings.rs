//! The in-memory [`HoldingsRepository`]: what an org holds now, as facts for the domain.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{ItemRef, Page, PageRequest};
use marketplace_domain::entitlement::{Entitlement, HeldPurchase, Holdings, HoldingsRepository};
use marketplace_domain::ids::OrgId;
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::PurchaseStatus;

use super::store::{InMemoryStore, StoreData};

impl StoreData {
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
