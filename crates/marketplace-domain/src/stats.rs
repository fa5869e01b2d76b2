//! The org's marketplace figures (the original marketplace's statistics, scoped to the org).

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::catalog::{BundleStatus, CatalogRepository};
use crate::entitlement::HoldingsRepository;
use crate::item::ItemRef;
use crate::paging::PageRequest;
use crate::ports::{Clock, RepoError};

/// What the catalog offers and what the org holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgStats {
    /// Purchasable tools in the catalog.
    pub catalog_tools: u64,
    /// Bundles on sale.
    pub catalog_bundles: u64,
    /// The org's active purchases of single tools.
    pub purchased_tools: u64,
    /// The org's active bundle purchases.
    pub purchased_bundles: u64,
    /// Distinct tools the org may use now, however held.
    pub entitled_tools: u64,
}

/// What reading the figures can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("infrastructure failure")]
    Infrastructure(#[from] RepoError),
}

/// The figures use case.
#[derive(Clone)]
pub struct StatsService {
    catalog: Arc<dyn CatalogRepository>,
    holdings: Arc<dyn HoldingsRepository>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for StatsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsService").finish_non_exhaustive()
    }
}

impl StatsService {
    pub fn new(
        catalog: Arc<dyn CatalogRepository>,
        holdings: Arc<dyn HoldingsRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            catalog,
            holdings,
            clock,
            policy: AccessPolicy,
        }
    }

    /// The actor's org's figures.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn for_org(&self, actor: &Actor) -> Result<OrgStats, StatsError> {
        self.policy.require(actor, Permission::ViewHoldings)?;
        let now = self.clock.now();
        let catalog_tools = self
            .catalog
            .category_counts()
            .await?
            .iter()
            .map(|c| c.tools)
            .sum();
        let bundle_page =
            PageRequest::new(Some(1), Some(0)).map_err(|_| RepoError::Stale("page"))?;
        let catalog_bundles = self
            .catalog
            .list_bundles(&[BundleStatus::Active], bundle_page)
            .await?
            .total;
        let holdings = self.holdings.holdings(actor.org_id, now).await?;
        let entitlements = self.holdings.entitlements(actor.org_id, now).await?;
        let mut tools: Vec<_> = entitlements.iter().map(|e| e.tool_id).collect();
        tools.sort_unstable();
        tools.dedup();
        let count = |f: fn(&ItemRef) -> bool| {
            holdings.purchases().iter().filter(|p| f(&p.item)).count() as u64
        };
        Ok(OrgStats {
            catalog_tools,
            catalog_bundles,
            purchased_tools: count(|i| matches!(i, ItemRef::Tool(_))),
            purchased_bundles: count(|i| matches!(i, ItemRef::Bundle(_))),
            entitled_tools: tools.len() as u64,
        })
    }
}
