//! Where the catalog lives.

use std::sync::Arc;

use async_trait::async_trait;

use crate::catalog::{Bundle, BundleStatus, CatalogSnapshot, Tool, ToolCategory, ToolFilter};
use crate::ids::{BundleId, SellerId, ToolId};
use crate::paging::{Page, PageRequest};
use crate::ports::RepoError;
use crate::revenue::SellerTerms;

/// How many purchasable (ACTIVE or BETA) tools a category holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: ToolCategory,
    pub tools: u64,
}

/// Whether a seller offers an item to new buyers (R-G5, decided by the listings context):
/// an item its seller opted out is hidden from anyone who does not hold it yet.
#[async_trait]
pub trait OfferGate: Send + Sync {
    /// `Ok(true)` for an item no seller opted out, the platform's own included.
    ///
    /// # Errors
    /// `RepoError::Unavailable` only.
    async fn offered(&self, item: crate::item::ItemRef) -> Result<bool, RepoError>;
}

/// Who holds what (R-G5): an item its seller withholds from new buyers is still shown by
/// id to the orgs that hold it. Answered by the holdings (`EntitlementService`).
#[async_trait]
pub trait Holders: Send + Sync {
    /// Whether `org` holds `item` now: a tool it is entitled to (bought alone or in a
    /// bundle), a bundle it holds an active purchase of.
    ///
    /// # Errors
    /// `RepoError::Unavailable` only.
    async fn holds(
        &self,
        org: crate::ids::OrgId,
        item: crate::item::ItemRef,
    ) -> Result<bool, RepoError>;
}

/// The global catalog (R-T4): no org scoping.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CatalogRepository: Send + Sync {
    /// `Ok(None)` for an unknown id.
    async fn tool(&self, id: ToolId) -> Result<Option<Tool>, RepoError>;

    /// The tools that exist among `ids`, in any order.
    async fn tools(&self, ids: &[ToolId]) -> Result<Vec<Tool>, RepoError>;

    /// `Ok(None)` for an unknown id. The bundle's tools carry their live prices.
    async fn bundle(&self, id: BundleId) -> Result<Option<Bundle>, RepoError>;

    /// The bundles that exist among `ids`, in any order.
    async fn bundles(&self, ids: &[BundleId]) -> Result<Vec<Bundle>, RepoError>;

    /// R-C5 in the store: every filter, the sort with its id tie-break, and the total.
    /// Implementations must agree with [`ToolFilter::matches`] and [`ToolFilter::compare`].
    async fn search_tools(&self, filter: &ToolFilter) -> Result<Page<Tool>, RepoError>;

    /// Bundles in the given statuses (all when empty), most purchased first, then by id.
    async fn list_bundles(
        &self,
        statuses: &[BundleStatus],
        page: PageRequest,
    ) -> Result<Page<Bundle>, RepoError>;

    /// Purchasable tools per category; categories without any may be left out.
    async fn category_counts(&self) -> Result<Vec<CategoryCount>, RepoError>;

    /// The revenue terms of the given sellers (R-M2). Unknown ids are left out.
    async fn seller_terms(&self, ids: &[SellerId]) -> Result<Vec<SellerTerms>, RepoError>;

    /// # Errors
    /// `RepoError::Conflict` when the id is taken; `RepoError::NotFound` for an unknown seller.
    async fn insert_tool(&self, tool: &Tool) -> Result<(), RepoError>;

    /// Replaces every editable field, keeping the counters as stored.
    ///
    /// # Errors
    /// `RepoError::NotFound` for an unknown tool.
    async fn update_tool(&self, tool: &Tool) -> Result<(), RepoError>;

    /// Stores the bundle with its items in display order.
    async fn insert_bundle(&self, bundle: &Bundle) -> Result<(), RepoError>;

    /// Replaces the bundle's fields and items in one transaction.
    ///
    /// # Errors
    /// `RepoError::NotFound` for an unknown bundle.
    async fn update_bundle(&self, bundle: &Bundle) -> Result<(), RepoError>;

    /// The in-memory copy browsing should read, when this store keeps one; `None` (the
    /// default) browses the repository itself.
    fn read_model(&self) -> Option<Arc<dyn CatalogReadModel>> {
        None
    }
}

/// The catalog as browsing reads it: an in-memory copy kept current with the store.
/// Browsing only: carts, checkout and entitlements read live rows through
/// [`CatalogRepository`].
#[async_trait]
pub trait CatalogReadModel: Send + Sync {
    /// A copy holding every catalog write this replica committed before the call, and every
    /// other replica's within the model's propagation bound (never a time-to-live).
    async fn snapshot(&self) -> Result<Arc<CatalogSnapshot>, RepoError>;

    /// This replica committed a catalog write: the next [`Self::snapshot`] must hold it.
    fn invalidate(&self);
}

/// The live offers for `items` (two queries at most); missing items are left out.
///
/// # Errors
/// As the repository's.
pub async fn offers(
    catalog: &dyn CatalogRepository,
    items: &[crate::item::ItemRef],
) -> Result<Vec<crate::catalog::Offer>, RepoError> {
    use crate::catalog::Offer;
    use crate::item::ItemRef;
    let tool_ids: Vec<ToolId> = items
        .iter()
        .filter_map(|i| {
            if let ItemRef::Tool(t) = i {
                Some(*t)
            } else {
                None
            }
        })
        .collect();
    let bundle_ids: Vec<BundleId> = items
        .iter()
        .filter_map(|i| {
            if let ItemRef::Bundle(b) = i {
                Some(*b)
            } else {
                None
            }
        })
        .collect();
    let mut out = Vec::with_capacity(items.len());
    if !tool_ids.is_empty() {
        out.extend(catalog.tools(&tool_ids).await?.into_iter().map(Offer::Tool));
    }
    if !bundle_ids.is_empty() {
        out.extend(
            catalog
                .bundles(&bundle_ids)
                .await?
                .into_iter()
                .map(Offer::Bundle),
        );
    }
    Ok(out)
}
