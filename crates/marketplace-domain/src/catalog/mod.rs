//! The global catalog (R-C*, R-T4): tools, bundles, the queries over them and the
//! platform admins' edits.

mod bundle;
mod edit;
mod filter;
mod ports;
pub mod search;
mod service;
mod snapshot;
mod tool;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod service_tests;

pub use crate::field::FieldError;
pub use crate::item::{ItemKind, ItemRef};
pub use crate::paging::{Page, PageRequest};
pub use bundle::{Bundle, BundleParts, BundleStatus, BundleTool};
pub use edit::{BundleDraft, BundlePatch, ToolDraft, ToolPatch};
pub use filter::{SortBy, SortOrder, ToolFacets, ToolFilter, ToolQuery};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockCatalogRepository;
pub use ports::{CatalogReadModel, CatalogRepository, CategoryCount, Holders, OfferGate, offers};
pub use service::CatalogService;
pub use snapshot::CatalogSnapshot;
pub use tool::{
    IntegrationType, ItemName, NotPurchasableReason, PriceModel, Pricing, Tag, Tool, ToolCategory,
    ToolLinks, ToolStats, ToolStatus, Version, WebUrl,
};

use crate::access::Forbidden;
use crate::ids::ToolId;
use crate::money::Money;
use crate::ports::RepoError;
use crate::tier::Tier;

/// A catalog item as it can be offered for sale now.
#[allow(clippy::large_enum_variant)] // short-lived values; boxing would only add allocations
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offer {
    Tool(Tool),
    Bundle(Bundle),
}

impl Offer {
    #[must_use]
    pub fn item(&self) -> ItemRef {
        match self {
            Self::Tool(t) => ItemRef::Tool(t.id),
            Self::Bundle(b) => ItemRef::Bundle(b.id()),
        }
    }

    #[must_use]
    pub fn name(&self) -> &ItemName {
        match self {
            Self::Tool(t) => &t.name,
            Self::Bundle(b) => b.name(),
        }
    }

    /// What it sells for now.
    #[must_use]
    pub fn price(&self) -> Money {
        match self {
            Self::Tool(t) => t.price(),
            Self::Bundle(b) => b.price(),
        }
    }

    /// What its parts would cost one by one (a tool: its price).
    #[must_use]
    pub fn list_price(&self) -> Money {
        match self {
            Self::Tool(t) => t.price(),
            Self::Bundle(b) => b.list_price(),
        }
    }

    #[must_use]
    pub fn required_tier(&self) -> Tier {
        match self {
            Self::Tool(t) => t.required_tier,
            Self::Bundle(b) => b.required_tier(),
        }
    }

    /// # Errors
    /// Why it cannot be bought now (R-C2, R-C3, R-C4).
    pub fn check_purchasable(&self) -> Result<(), NotPurchasableReason> {
        match self {
            Self::Tool(t) => t.check_purchasable(),
            Self::Bundle(b) => b.check_purchasable(),
        }
    }

    /// The tools this item grants.
    #[must_use]
    pub fn tool_ids(&self) -> Vec<ToolId> {
        match self {
            Self::Tool(t) => vec![t.id],
            Self::Bundle(b) => b.tools().iter().map(|t| t.tool_id).collect(),
        }
    }
}

/// What catalog queries and edits can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    InvalidFields(Vec<FieldError>),
    /// A bundle refers to a tool that does not exist.
    #[error("unknown tool {0}")]
    UnknownTool(ToolId),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl CatalogError {
    /// A single invalid field.
    #[must_use]
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidFields(vec![FieldError::new(field, message)])
    }
}

impl From<RepoError> for CatalogError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}
