//! Catalog use cases: browsing (any authenticated actor, R-T4) and platform admins' edits.

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::catalog::{
    Bundle, BundleDraft, BundlePatch, BundleStatus, BundleTool, CatalogError, CatalogReadModel,
    CatalogRepository, CatalogSnapshot, CategoryCount, Holders, Tool, ToolCategory, ToolDraft,
    ToolFilter, ToolPatch,
};
use crate::ids::{BundleId, OrgId, ToolId};
use crate::item::ItemRef;
use crate::paging::{Page, PageRequest};
use crate::ports::{Clock, IdGenerator, IdGeneratorExt};

/// Browsing and editing the global catalog.
#[derive(Clone)]
pub struct CatalogService {
    catalog: Arc<dyn CatalogRepository>,
    /// Where browsing reads when set; otherwise the repository answers every read.
    read_model: Option<Arc<dyn CatalogReadModel>>,
    /// Who holds what: an item its seller withholds (R-G5) is still shown by id to the
    /// orgs that hold it.
    holders: Option<Arc<dyn Holders>>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for CatalogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogService").finish_non_exhaustive()
    }
}

impl CatalogService {
    pub fn new(
        catalog: Arc<dyn CatalogRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            catalog,
            read_model: None,
            holders: None,
            audit,
            clock,
            ids,
            policy: AccessPolicy,
        }
    }

    /// Browsing reads the in-memory `read_model`; edits invalidate it as they commit.
    #[must_use]
    pub fn with_read_model(mut self, read_model: Arc<dyn CatalogReadModel>) -> Self {
        self.read_model = Some(read_model);
        self
    }

    /// R-G5: an item withheld from new buyers is still shown by id to the orgs that hold
    /// it, read here.
    #[must_use]
    pub fn with_holders(mut self, holders: Arc<dyn Holders>) -> Self {
        self.holders = Some(holders);
        self
    }

    /// R-G5: whether `actor` may see `item`, which the copy withholds from new buyers
    /// (its seller's org is `seller_org`): the seller's own members, catalog admins and the
    /// orgs that hold the item (a tool they are entitled to now, directly or through a
    /// bundle; a bundle they hold an active purchase of) may; nobody else.
    async fn sees_withheld(
        &self,
        actor: &Actor,
        item: ItemRef,
        seller_org: OrgId,
    ) -> Result<bool, CatalogError> {
        if actor.org_id == seller_org || self.policy.allows(actor, Permission::ManageCatalog) {
            return Ok(true);
        }
        match &self.holders {
            Some(holders) => Ok(holders.holds(actor.org_id, item).await?),
            None => Ok(false),
        }
    }

    /// The in-memory copy, when browsing has one.
    async fn snapshot(&self) -> Result<Option<Arc<CatalogSnapshot>>, CatalogError> {
        match &self.read_model {
            Some(model) => Ok(Some(model.snapshot().await?)),
            None => Ok(None),
        }
    }

    /// A catalog write just committed: this replica's next read must see it.
    fn written(&self) {
        if let Some(model) = &self.read_model {
            model.invalidate();
        }
    }

    /// R-C5: one page of tools matching a validated filter.
    ///
    /// # Errors
    /// `Forbidden` (never for an authenticated actor), `Infrastructure`.
    pub async fn search(
        &self,
        actor: &Actor,
        filter: &ToolFilter,
    ) -> Result<Page<Tool>, CatalogError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        if let Some(snapshot) = self.snapshot().await? {
            return Ok(snapshot.search_tools(filter));
        }
        Ok(self.catalog.search_tools(filter).await?)
    }

    /// One tool; a tool its seller withholds (R-G5) only for those who may still see it.
    ///
    /// # Errors
    /// `NotFound` for an unknown id, or a withheld tool the actor may not see.
    pub async fn tool(&self, actor: &Actor, id: ToolId) -> Result<Tool, CatalogError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        if let Some(snapshot) = self.snapshot().await? {
            let tool = snapshot.tool(id).cloned().ok_or(CatalogError::NotFound)?;
            if let Some(org) = snapshot.withheld(ItemRef::Tool(id))
                && !self.sees_withheld(actor, ItemRef::Tool(id), org).await?
            {
                return Err(CatalogError::NotFound);
            }
            return Ok(tool);
        }
        self.catalog.tool(id).await?.ok_or(CatalogError::NotFound)
    }

    /// Every category with its count of purchasable tools, zero counts included, as one
    /// page.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn categories(&self, actor: &Actor) -> Result<Page<CategoryCount>, CatalogError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        let counts = match self.snapshot().await? {
            Some(snapshot) => snapshot.category_counts(),
            None => self.catalog.category_counts().await?,
        };
        let all: Vec<CategoryCount> = ToolCategory::ALL
            .iter()
            .map(|&category| CategoryCount {
                category,
                tools: counts
                    .iter()
                    .find(|c| c.category == category)
                    .map_or(0, |c| c.tools),
            })
            .collect();
        // The categories are a fixed list, well under a page: always the one whole page.
        Ok(Page {
            total: all.len() as u64,
            items: all,
            limit: PageRequest::MAX_LIMIT,
            offset: 0,
        })
    }

    /// Bundles on sale; catalog admins may also list drafts and archived ones.
    ///
    /// # Errors
    /// `Forbidden` when a non-admin asks for other statuses.
    pub async fn bundles(
        &self,
        actor: &Actor,
        statuses: &[BundleStatus],
        page: PageRequest,
    ) -> Result<Page<Bundle>, CatalogError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        let statuses: &[BundleStatus] = if statuses.is_empty() {
            &[BundleStatus::Active]
        } else {
            statuses
        };
        if statuses.iter().any(|s| *s != BundleStatus::Active) {
            self.policy.require(actor, Permission::ManageCatalog)?;
        }
        if let Some(snapshot) = self.snapshot().await? {
            return Ok(snapshot.list_bundles(statuses, page));
        }
        Ok(self.catalog.list_bundles(statuses, page).await?)
    }

    /// One bundle; a draft or archived one only for catalog admins (others: not found); a
    /// bundle its seller withholds (R-G5) only for those who may still see it.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn bundle(&self, actor: &Actor, id: BundleId) -> Result<Bundle, CatalogError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        let bundle = match self.snapshot().await? {
            Some(snapshot) => {
                let bundle = snapshot.bundle(id).cloned();
                if let Some(org) = snapshot.withheld(ItemRef::Bundle(id))
                    && !self.sees_withheld(actor, ItemRef::Bundle(id), org).await?
                {
                    return Err(CatalogError::NotFound);
                }
                bundle
            }
            None => self.catalog.bundle(id).await?,
        }
        .ok_or(CatalogError::NotFound)?;
        if bundle.status() != BundleStatus::Active
            && !self.policy.allows(actor, Permission::ManageCatalog)
        {
            return Err(CatalogError::NotFound);
        }
        Ok(bundle)
    }

    /// Adds a tool to the catalog.
    ///
    /// # Errors
    /// `Forbidden`, `InvalidFields`, `Infrastructure`.
    pub async fn create_tool(&self, actor: &Actor, draft: ToolDraft) -> Result<Tool, CatalogError> {
        self.policy.require(actor, Permission::ManageCatalog)?;
        let tool = self.new_tool(draft).await?;
        self.catalog.insert_tool(&tool).await?;
        self.tool_created(actor, &tool).await;
        Ok(tool)
    }

    /// The tool `draft` describes, checked (fields, seller) but not stored: the plans'
    /// publishing entry point stores it with its plans at once.
    pub(crate) async fn new_tool(&self, draft: ToolDraft) -> Result<Tool, CatalogError> {
        let tool = draft.into_tool(self.ids.new_id(), self.clock.now())?;
        self.ensure_seller(&tool).await?;
        Ok(tool)
    }

    /// After a tool was stored: the read model reloads and the audit trail records it.
    pub(crate) async fn tool_created(&self, actor: &Actor, tool: &Tool) {
        self.written();
        self.audit
            .record(AuditEvent::by(
                actor,
                "tool.created",
                "tool",
                tool.id.as_uuid(),
                self.clock.now(),
            ))
            .await;
    }

    /// Edits a tool.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `InvalidFields`, `Infrastructure`.
    pub async fn update_tool(
        &self,
        actor: &Actor,
        id: ToolId,
        patch: ToolPatch,
    ) -> Result<Tool, CatalogError> {
        self.edit_tool(actor, Permission::ManageCatalog, id, patch)
            .await
    }

    /// Applies an approved listing's edit of a seller's tool (R-G3): the same edit as
    /// [`Self::update_tool`], allowed to those who publish listings.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings`, `NotFound`, `InvalidFields`,
    /// `Infrastructure`.
    pub async fn publish_tool_edit(
        &self,
        actor: &Actor,
        id: ToolId,
        patch: ToolPatch,
    ) -> Result<Tool, CatalogError> {
        self.edit_tool(actor, Permission::PublishListings, id, patch)
            .await
    }

    async fn edit_tool(
        &self,
        actor: &Actor,
        permission: Permission,
        id: ToolId,
        patch: ToolPatch,
    ) -> Result<Tool, CatalogError> {
        self.policy.require(actor, permission)?;
        let (current, tool) = self.edited_tool(id, patch).await?;
        self.catalog.update_tool(&tool).await?;
        self.tool_updated(actor, &current, &tool).await;
        Ok(tool)
    }

    /// The tool `id` as stored and with `patch` applied, checked (fields, seller) but not
    /// stored: the plans' publishing entry point stores it with the plans an edit adds or
    /// changes.
    ///
    /// # Errors
    /// `NotFound`, `InvalidFields`, `Infrastructure`.
    pub(crate) async fn edited_tool(
        &self,
        id: ToolId,
        patch: ToolPatch,
    ) -> Result<(Tool, Tool), CatalogError> {
        let current = self.catalog.tool(id).await?.ok_or(CatalogError::NotFound)?;
        let tool = patch.apply(&current, self.clock.now())?;
        self.ensure_seller(&tool).await?;
        Ok((current, tool))
    }

    /// After a tool's edit from `current` to `tool` was stored: the read model reloads and
    /// the audit trail records what changed.
    pub(crate) async fn tool_updated(&self, actor: &Actor, current: &Tool, tool: &Tool) {
        self.written();
        self.audit
            .record(
                AuditEvent::by(
                    actor,
                    "tool.updated",
                    "tool",
                    tool.id.as_uuid(),
                    self.clock.now(),
                )
                .changed_from("name", &current.name.as_str(), &tool.name.as_str())
                .changed_from("description", &current.description, &tool.description)
                .changed_from("category", &current.category, &tool.category)
                .changed_from("price", &current.price(), &tool.price())
                .changed_from("required_tier", &current.required_tier, &tool.required_tier)
                .changed_from(
                    "integration_type",
                    &current.integration_type,
                    &tool.integration_type,
                )
                .changed_from("status", &current.status, &tool.status)
                .changed_from("seller_id", &current.seller_id, &tool.seller_id)
                .changed_from(
                    "is_featured",
                    &current.is_featured,
                    &tool.is_featured,
                ),
            )
            .await;
    }

    /// Adds a bundle over existing tools.
    ///
    /// # Errors
    /// `Forbidden`, `UnknownTool`, `InvalidFields`, `Infrastructure`.
    pub async fn create_bundle(
        &self,
        actor: &Actor,
        draft: BundleDraft,
    ) -> Result<Bundle, CatalogError> {
        self.add_bundle(actor, Permission::ManageCatalog, draft)
            .await
    }

    /// Adds a bundle as [`Self::create_bundle`] does, for whoever holds `permission`
    /// (`ManageCatalog`, or `PublishListings` for an approved listing).
    pub(crate) async fn add_bundle(
        &self,
        actor: &Actor,
        permission: Permission,
        draft: BundleDraft,
    ) -> Result<Bundle, CatalogError> {
        self.policy.require(actor, permission)?;
        let tools = self.bundle_tools(&draft.tool_ids).await?;
        let bundle = draft.into_bundle(self.ids.new_id(), tools, self.clock.now())?;
        self.catalog.insert_bundle(&bundle).await?;
        self.written();
        self.audit
            .record(AuditEvent::by(
                actor,
                "bundle.created",
                "bundle",
                bundle.id().as_uuid(),
                self.clock.now(),
            ))
            .await;
        Ok(bundle)
    }

    /// Edits a bundle.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `UnknownTool`, `InvalidFields`, `Infrastructure`.
    pub async fn update_bundle(
        &self,
        actor: &Actor,
        id: BundleId,
        patch: BundlePatch,
    ) -> Result<Bundle, CatalogError> {
        self.policy.require(actor, Permission::ManageCatalog)?;
        let current = self
            .catalog
            .bundle(id)
            .await?
            .ok_or(CatalogError::NotFound)?;
        let tools = match &patch.tool_ids {
            Some(ids) => Some(self.bundle_tools(ids).await?),
            None => None,
        };
        let bundle = patch.apply(&current, tools, self.clock.now())?;
        self.catalog.update_bundle(&bundle).await?;
        self.written();
        self.audit
            .record(
                AuditEvent::by(
                    actor,
                    "bundle.updated",
                    "bundle",
                    id.as_uuid(),
                    self.clock.now(),
                )
                .changed_from("name", &current.name().as_str(), &bundle.name().as_str())
                .changed_from("description", &current.description(), &bundle.description())
                .changed_from("price", &current.price(), &bundle.price())
                .changed_from(
                    "required_tier",
                    &current.required_tier(),
                    &bundle.required_tier(),
                )
                .changed_from("status", &current.status(), &bundle.status())
                .changed_from(
                    "is_featured",
                    &current.is_featured(),
                    &bundle.is_featured(),
                ),
            )
            .await;
        Ok(bundle)
    }

    async fn bundle_tools(&self, ids: &[ToolId]) -> Result<Vec<BundleTool>, CatalogError> {
        let found = self.catalog.tools(ids).await?;
        ids.iter()
            .map(|id| {
                found
                    .iter()
                    .find(|t| t.id == *id)
                    .map(BundleTool::from)
                    .ok_or(CatalogError::UnknownTool(*id))
            })
            .collect()
    }

    async fn ensure_seller(&self, tool: &Tool) -> Result<(), CatalogError> {
        if self
            .catalog
            .seller_terms(&[tool.seller_id])
            .await?
            .is_empty()
        {
            return Err(CatalogError::invalid("seller_id", "unknown seller"));
        }
        Ok(())
    }
}
