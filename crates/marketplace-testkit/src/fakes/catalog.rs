//! The in-memory [`CatalogRepository`]: the global catalog, bundles read with their tools'
//! live prices.

use std::collections::HashSet;

use async_trait::async_trait;
use marketplace_domain::catalog::{
    Bundle, BundleStatus, CatalogRepository, CategoryCount, Page, PageRequest, Tool, ToolCategory,
    ToolFilter,
};
use marketplace_domain::ids::{BundleId, SellerId, ToolId};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::revenue::SellerTerms;

use super::store::InMemoryStore;

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
