//! Where plans live: a global catalog table, like the tools and bundles they sell.

use async_trait::async_trait;

use crate::ids::PlanId;
use crate::item::ItemRef;
use crate::ports::RepoError;

use super::{ItemPlans, Plan, SaleRecord};

/// The plans half of the catalog's in-memory copy (R-B1), kept current with the store
/// exactly as the catalog's own copy (see [`crate::catalog::CatalogReadModel`]). Browsing
/// only: carts and checkout read live plans through [`PlanRepository`].
#[async_trait]
pub trait PlanReadModel: Send + Sync {
    /// The item's plans in display order, archived ones included, as the copy holds them;
    /// an empty lineup for an item without plans.
    ///
    /// # Errors
    /// `RepoError::Unavailable` when the copy cannot be brought up to date.
    async fn item_plans(&self, item: ItemRef) -> Result<ItemPlans, RepoError>;
}

/// The plans of every tool and bundle (R-B1). No org scoping: the catalog is global.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PlanRepository: Send + Sync {
    /// The item's plans in display order, archived ones included; an empty lineup for an
    /// item without plans (or an unknown item).
    ///
    /// # Errors
    /// `RepoError::Corrupt` when a stored plan breaks R-B1 or the lineup's rules.
    async fn item_plans(&self, item: ItemRef) -> Result<ItemPlans, RepoError>;

    /// The lineups of `items`, one per item asked, in the order asked.
    ///
    /// # Errors
    /// As [`PlanRepository::item_plans`].
    async fn plans_of(&self, items: &[ItemRef]) -> Result<Vec<ItemPlans>, RepoError>;

    /// Stores a new plan after the item's others in display order.
    ///
    /// # Errors
    /// `RepoError::Conflict(Conflict::PlanCode)` when the item already has a plan of that
    /// code; `RepoError::NotFound` for an unknown item.
    async fn insert_plan(&self, plan: &Plan) -> Result<(), RepoError>;

    /// Stores a new tool, its plans (in that display order) and its meters (as the
    /// metering context defines a tool's meter, R-U1), all or nothing: a failure stores
    /// neither the tool nor any plan or meter.
    ///
    /// # Errors
    /// As [`crate::catalog::CatalogRepository::insert_tool`] and
    /// [`PlanRepository::insert_plan`], and `RepoError::Conflict` for two meters of one
    /// key defined differently; nothing is stored then.
    async fn insert_tool_with_plans(
        &self,
        tool: &crate::catalog::Tool,
        plans: &[Plan],
        meters: &[super::ToolMeter],
    ) -> Result<(), RepoError>;

    /// Stores an edited tool (its row and tags), the plans an edit adds (after the
    /// item's others in display order) and the plans it changes (as
    /// [`PlanRepository::update_plan`]), all or nothing.
    ///
    /// # Errors
    /// As [`crate::catalog::CatalogRepository::update_tool`],
    /// [`PlanRepository::insert_plan`] and [`PlanRepository::update_plan`]; nothing is
    /// stored then.
    async fn update_tool_with_plans(
        &self,
        tool: &crate::catalog::Tool,
        added: &[Plan],
        changed: &[Plan],
    ) -> Result<(), RepoError>;

    /// The in-memory copy browsing should read, when this store keeps one; `None` (the
    /// default) browses the repository itself.
    fn read_model(&self) -> Option<std::sync::Arc<dyn PlanReadModel>> {
        None
    }

    /// Replaces a plan's editable fields (name, price, interval, trial, quotas, provider
    /// price, status); its item, code and position stay.
    ///
    /// # Errors
    /// `RepoError::NotFound` for an unknown plan.
    async fn update_plan(&self, plan: &Plan) -> Result<(), RepoError>;

    /// Whether any purchase, in any org and ended or not, was made under the plan.
    ///
    /// # Errors
    /// `RepoError::Unavailable` only.
    async fn sale_record(&self, plan: PlanId) -> Result<SaleRecord, RepoError>;
}
