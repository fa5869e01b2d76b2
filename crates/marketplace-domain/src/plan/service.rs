//! Plan use cases: reading an item's plans (anyone who browses the catalog) and the
//! catalog admins' edits (R-B1, R-B4).

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::catalog::{
    Bundle, BundleDraft, CatalogError, CatalogRepository, CatalogService, Tool, ToolDraft,
};
use crate::item::ItemRef;
use crate::ports::{Clock, Conflict, IdGenerator, IdGeneratorExt, RepoError};

use super::{
    BundlePlanError, BundlePlanPricing, ItemPlans, Plan, PlanCode, PlanDraft, PlanEdit, PlanError,
    PlanReadModel, PlanRepository, included_plans, plan_for_bundle_price, plan_for_price_model,
};

/// What the plan use cases can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PlanServiceError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The item, or its plan of that code, does not exist.
    #[error("not found")]
    NotFound,
    /// The plan or the edit breaks R-B1 (including repricing a sold plan).
    #[error(transparent)]
    Rejected(#[from] PlanError),
    /// A recurring bundle plan whose tools cannot be sold at its interval (R-B4).
    #[error(transparent)]
    Bundle(#[from] BundlePlanError),
    /// Creating the item itself was refused.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for PlanServiceError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}

/// Reading and editing the plans of the catalog's items.
#[derive(Clone)]
pub struct PlanService {
    items: CatalogService,
    plans: Arc<dyn PlanRepository>,
    /// The in-memory copy browsing reads, when the store keeps one.
    read_model: Option<Arc<dyn PlanReadModel>>,
    catalog: Arc<dyn CatalogRepository>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for PlanService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanService").finish_non_exhaustive()
    }
}

impl PlanService {
    pub fn new(
        items: CatalogService,
        plans: Arc<dyn PlanRepository>,
        catalog: Arc<dyn CatalogRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            items,
            plans,
            read_model: None,
            catalog,
            audit,
            clock,
            ids,
            policy: AccessPolicy,
        }
    }

    /// Browsing reads the item's plans from the in-memory `read_model`.
    #[must_use]
    pub fn with_read_model(mut self, read_model: Arc<dyn PlanReadModel>) -> Self {
        self.read_model = Some(read_model);
        self
    }

    /// Adds a tool to the catalog, sold through the plan its price model becomes (R-B2;
    /// none for CUSTOM: contact sales).
    ///
    /// # Errors
    /// `Catalog` (as [`CatalogService::create_tool`]), `Rejected`, `Infrastructure`.
    pub async fn create_tool(
        &self,
        actor: &Actor,
        draft: ToolDraft,
    ) -> Result<Tool, PlanServiceError> {
        let tool = self.items.create_tool(actor, draft).await?;
        if let Some(draft) = plan_for_price_model(&tool.pricing) {
            self.insert_first_plan(ItemRef::Tool(tool.id), draft)
                .await?;
        }
        Ok(tool)
    }

    /// Adds a bundle to the catalog, sold once at its price through one plan (R-B2).
    ///
    /// # Errors
    /// `Catalog` (as [`CatalogService::create_bundle`]), `Rejected`, `Infrastructure`.
    pub async fn create_bundle(
        &self,
        actor: &Actor,
        draft: BundleDraft,
    ) -> Result<Bundle, PlanServiceError> {
        let bundle = self.items.create_bundle(actor, draft).await?;
        let draft = plan_for_bundle_price(bundle.price());
        self.insert_first_plan(ItemRef::Bundle(bundle.id()), draft)
            .await?;
        Ok(bundle)
    }

    /// Publishes an approved tool listing (R-G3): the tool, every plan it lists and every
    /// meter it declares (R-U1), stored at once, so the catalog never shows the tool with
    /// fewer plans than the listing, nor plans whose quotas name a meter not yet defined.
    /// The plans are checked as [`Self::add`] checks them (R-B1) before anything is
    /// stored; the meters are stored as the metering context defines one. Allowed to those
    /// who publish listings, not only to catalog admins.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings`; `Catalog` (as
    /// [`CatalogService::create_tool`], `InvalidFields` on `plans` for none and on
    /// `meters` for a key declared twice differently); `Rejected` for an invalid plan or
    /// plans that do not form a lineup (duplicate code, mixed currencies);
    /// `Infrastructure`.
    pub async fn publish_tool(
        &self,
        actor: &Actor,
        draft: ToolDraft,
        plans: Vec<PlanDraft>,
        meters: Vec<super::ToolMeter>,
    ) -> Result<(Tool, ItemPlans), PlanServiceError> {
        self.policy.require(actor, Permission::PublishListings)?;
        if plans.is_empty() {
            return Err(CatalogError::invalid("plans", "at least one plan is required").into());
        }
        let mut defined: Vec<super::ToolMeter> = Vec::with_capacity(meters.len());
        for meter in meters {
            match defined.iter().find(|m| m.key() == meter.key()) {
                // The same definition twice is one meter, as defining it again is.
                Some(same) if *same == meter => {}
                Some(_) => {
                    return Err(CatalogError::invalid(
                        "meters",
                        format!("meter {} is declared twice, differently", meter.key()),
                    )
                    .into());
                }
                None => defined.push(meter),
            }
        }
        let tool = self.items.new_tool(draft).await?;
        let item = ItemRef::Tool(tool.id);
        let mut lineup = ItemPlans::new(item, Vec::new())?;
        for draft in plans {
            lineup.add(Plan::new(self.ids.new_id(), item, draft)?)?;
        }
        self.plans
            .insert_tool_with_plans(&tool, lineup.plans(), &defined)
            .await?;
        self.items.tool_created(actor, &tool).await;
        for plan in lineup.plans() {
            self.audit_plan(actor, "plan.created", plan).await;
        }
        Ok((tool, lineup))
    }

    /// Publishes an approved bundle listing (R-G3) as [`Self::create_bundle`] adds a
    /// bundle, allowed to those who publish listings.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings`; otherwise as [`Self::create_bundle`].
    pub async fn publish_bundle(
        &self,
        actor: &Actor,
        draft: BundleDraft,
    ) -> Result<Bundle, PlanServiceError> {
        let bundle = self
            .items
            .add_bundle(actor, Permission::PublishListings, draft)
            .await?;
        let draft = plan_for_bundle_price(bundle.price());
        self.insert_first_plan(ItemRef::Bundle(bundle.id()), draft)
            .await?;
        Ok(bundle)
    }

    /// Adds the plan an approved edit listing proposes for a seller's tool (R-G3), as
    /// [`Self::add`] does, allowed to those who publish listings.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings`; otherwise as [`Self::add`].
    pub async fn publish_plan(
        &self,
        actor: &Actor,
        item: ItemRef,
        draft: PlanDraft,
    ) -> Result<Plan, PlanServiceError> {
        self.add_plan(actor, Permission::PublishListings, item, draft)
            .await
    }

    /// Applies an approved edit of a seller's tool (R-G3) in one step: the tool's
    /// changes, each plan of a new code added and each plan of an existing code changed
    /// (as [`Self::edit`] changes it: renamed, given new quotas or trial days, and
    /// repriced only while nobody bought it, R-B1), stored at once or not at all. Allowed
    /// to those who publish listings.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings`; `NotFound` for an unknown tool; `Catalog`
    /// (as [`CatalogService::publish_tool_edit`]); `Rejected` for an invalid plan, a
    /// lineup it would break (duplicate code, mixed currencies) or a sold plan's price or
    /// interval changed; `Infrastructure`.
    pub async fn publish_tool_change(
        &self,
        actor: &Actor,
        id: crate::ids::ToolId,
        patch: crate::catalog::ToolPatch,
        plans: Vec<PlanDraft>,
    ) -> Result<(Tool, ItemPlans), PlanServiceError> {
        self.policy.require(actor, Permission::PublishListings)?;
        let (current, tool) = self.items.edited_tool(id, patch).await?;
        let item = ItemRef::Tool(id);
        let mut lineup = self.plans.item_plans(item).await?.plans().to_vec();
        let (mut added, mut changed) = (Vec::new(), Vec::new());
        for draft in plans {
            if let Some(at) = lineup.iter().position(|p| p.code() == &draft.code) {
                let current = &lineup[at];
                let record = self.plans.sale_record(current.id()).await?;
                let edit = PlanEdit {
                    name: Some(draft.name),
                    price: Some(draft.price),
                    interval: Some(draft.interval),
                    trial_days: Some(draft.trial_days),
                    quotas: Some(draft.quotas),
                    provider_price: None,
                    status: None,
                };
                let plan = current.edit(edit, record)?;
                if plan != *current {
                    lineup[at] = plan.clone();
                    changed.push(plan);
                }
            } else {
                let plan = Plan::new(self.ids.new_id(), item, draft)?;
                lineup.push(plan.clone());
                added.push(plan);
            }
        }
        // The lineup after the edit must still be one (codes unique, one currency).
        let lineup = ItemPlans::new(item, lineup)?;
        self.plans
            .update_tool_with_plans(&tool, &added, &changed)
            .await?;
        self.items.tool_updated(actor, &current, &tool).await;
        for plan in &added {
            self.audit_plan(actor, "plan.created", plan).await;
        }
        for plan in &changed {
            self.audit_plan(actor, "plan.updated", plan).await;
        }
        Ok((tool, lineup))
    }

    async fn insert_first_plan(
        &self,
        item: ItemRef,
        draft: PlanDraft,
    ) -> Result<(), PlanServiceError> {
        let plan = Plan::new(self.ids.new_id(), item, draft)?;
        Ok(self.plans.insert_plan(&plan).await?)
    }

    /// The item's plans in display order: those on sale, and for catalog admins the
    /// archived ones too (their holders keep them). The caller has already shown the item
    /// to this actor.
    ///
    /// # Errors
    /// `Forbidden` (never for an authenticated actor), `Infrastructure`.
    pub async fn plans(&self, actor: &Actor, item: ItemRef) -> Result<ItemPlans, PlanServiceError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        // Browsing reads the catalog's in-memory copy, which holds the plans too.
        let lineup = match &self.read_model {
            Some(model) => model.item_plans(item).await?,
            None => self.plans.item_plans(item).await?,
        };
        if self.policy.allows(actor, Permission::ManageCatalog) {
            return Ok(lineup);
        }
        Ok(lineup.only_on_sale())
    }

    /// The item's plan of `code`, on sale or archived, as catalog admins edit it.
    ///
    /// # Errors
    /// `Forbidden` (checked before any lookup), `NotFound` (item or code),
    /// `Infrastructure`.
    pub async fn plan(
        &self,
        actor: &Actor,
        item: ItemRef,
        code: &PlanCode,
    ) -> Result<Plan, PlanServiceError> {
        self.policy.require(actor, Permission::ManageCatalog)?;
        self.item_tools(item).await?;
        let lineup = self.plans.item_plans(item).await?;
        lineup.find(code).cloned().ok_or(PlanServiceError::NotFound)
    }

    /// Adds a plan to a tool or a bundle, after its others in display order (R-B1). A
    /// recurring bundle plan needs each of the bundle's tools on sale at its interval
    /// (R-B4).
    ///
    /// # Errors
    /// `Forbidden` (checked before any lookup), `NotFound` for an unknown item,
    /// `Rejected` (`DuplicateCode`, `CurrencyMismatch`, `MixedBundleIntervals`, …),
    /// `Bundle`, `Infrastructure`.
    pub async fn add(
        &self,
        actor: &Actor,
        item: ItemRef,
        draft: PlanDraft,
    ) -> Result<Plan, PlanServiceError> {
        self.add_plan(actor, Permission::ManageCatalog, item, draft)
            .await
    }

    async fn add_plan(
        &self,
        actor: &Actor,
        permission: Permission,
        item: ItemRef,
        draft: PlanDraft,
    ) -> Result<Plan, PlanServiceError> {
        self.policy.require(actor, permission)?;
        let tools = self.item_tools(item).await?;
        let code = draft.code.clone();
        let plan = Plan::new(self.ids.new_id(), item, draft)?;
        let mut lineup = self.plans.item_plans(item).await?;
        lineup.add(plan.clone())?;
        if matches!(item, ItemRef::Bundle(_)) && plan.interval().is_recurring() {
            let items: Vec<ItemRef> = tools.into_iter().map(ItemRef::Tool).collect();
            let lineups = self.plans.plans_of(&items).await?;
            let included = included_plans(plan.interval(), &lineups)?;
            BundlePlanPricing::new(&plan, &included)?;
        }
        self.plans.insert_plan(&plan).await.map_err(|e| match e {
            RepoError::Conflict(Conflict::PlanCode) => PlanError::DuplicateCode { code }.into(),
            other => PlanServiceError::from(other),
        })?;
        self.audit_plan(actor, "plan.created", &plan).await;
        Ok(plan)
    }

    /// Edits the item's plan of `code`: archives it, renames it, or, while nobody has
    /// bought it, reprices it (R-B1: a sold plan's price and interval are fixed).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (item or code), `Rejected` (`PriceFixedOnceSold`,
    /// `IntervalFixedOnceSold`, `ProviderPriceFixedOnceSold`, or an invalid value),
    /// `Infrastructure`.
    pub async fn edit(
        &self,
        actor: &Actor,
        item: ItemRef,
        code: &PlanCode,
        edit: PlanEdit,
    ) -> Result<Plan, PlanServiceError> {
        self.policy.require(actor, Permission::ManageCatalog)?;
        self.item_tools(item).await?;
        let lineup = self.plans.item_plans(item).await?;
        let current = lineup.find(code).ok_or(PlanServiceError::NotFound)?;
        let record = self.plans.sale_record(current.id()).await?;
        let plan = current.edit(edit, record)?;
        if plan != *current {
            self.plans.update_plan(&plan).await?;
            self.audit_plan(actor, "plan.updated", &plan).await;
        }
        Ok(plan)
    }

    /// The tools the item sells (a tool: itself); `NotFound` for an unknown item.
    async fn item_tools(&self, item: ItemRef) -> Result<Vec<crate::ids::ToolId>, PlanServiceError> {
        match item {
            ItemRef::Tool(id) => self
                .catalog
                .tool(id)
                .await?
                .map(|t| vec![t.id])
                .ok_or(PlanServiceError::NotFound),
            ItemRef::Bundle(id) => self
                .catalog
                .bundle(id)
                .await?
                .map(|b| b.tools().iter().map(|t| t.tool_id).collect())
                .ok_or(PlanServiceError::NotFound),
        }
    }

    async fn audit_plan(&self, actor: &Actor, action: &'static str, plan: &Plan) {
        self.audit
            .record(AuditEvent::by(
                actor,
                action,
                "plan",
                plan.id().as_uuid(),
                self.clock.now(),
            ))
            .await;
    }
}
