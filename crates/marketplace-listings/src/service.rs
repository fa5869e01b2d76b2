//! The listings use cases: registration, drafts, checks, submission, moderation, notices,
//! opt-in and the seller's dashboard. Each checks access first (R-P1), then reads the
//! actor's own org only (R-T3): another seller's listing is `NotFound`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Months, Utc};
use marketplace_domain::access::{AccessPolicy, Actor, Permission};
use marketplace_domain::audit::{AuditEvent, AuditLog};
use marketplace_domain::catalog::{CatalogRepository, Tool};
use marketplace_domain::ids::{SellerId, ToolId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::{Clock, Conflict, IdGenerator, IdGeneratorExt, RepoError};
use marketplace_domain::revenue::{SellerKind, Statement, YearMonth, statement};
use marketplace_domain::seller::{NewSeller, Seller, SellerRepository};
use marketplace_modules::SuccessRate;
use marketplace_modules::installation::ports::{InstallLog, ModuleCatalog};

use crate::checks::{self, CheckContext, CheckFailure};
use crate::content::{DependencyProposal, LinkProposal, ListingContent, Published};
use crate::error::ListingsError;
use crate::listing::{Listing, ListingId, ListingStatus, Notes, Outcome, Submission};
use crate::opt_in::OptIn;
use crate::ports::{
    Approval, Authority, CatalogPublisher, ListingRepository, Notice, ServicePublisher,
};
use crate::review::{CurrentTool, Diff, diff};
use crate::seller::{Registration, SellerProfile};

/// A moderator's decision on a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

/// A submission's result: the listing as it now stands, and what it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub listing: Listing,
    pub diff: Diff,
}

/// One month of a seller's sales, from the ledger (R-M6's statement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthFigures {
    pub statement: Statement,
}

/// One of the seller's tools, with the figures the catalog and the install log keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolFigures {
    pub tool: Tool,
    /// Install, update and rollback attempts over every org (R-I7); `None` without any.
    pub install_success: Option<SuccessRate>,
}

/// What a seller sees of itself (R-G4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    pub seller_id: SellerId,
    /// How many listings stand in each state.
    pub listings: BTreeMap<&'static str, u64>,
    /// The last twelve months, oldest first, in the seller's payout currency.
    pub months: Vec<MonthFigures>,
    pub tools: Vec<ToolFigures>,
}

/// The ports the listings use cases need.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct ListingPorts {
    pub listings: Arc<dyn ListingRepository>,
    pub sellers: Arc<dyn SellerRepository>,
    pub catalog: Arc<dyn CatalogRepository>,
    pub modules: Arc<dyn ModuleCatalog>,
    pub install_log: Arc<dyn InstallLog>,
    pub publisher: Arc<dyn CatalogPublisher>,
    pub services: Arc<dyn ServicePublisher>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

/// The listings use cases.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct ListingService {
    p: ListingPorts,
    policy: AccessPolicy,
}

impl ListingService {
    #[must_use]
    pub const fn new(ports: ListingPorts) -> Self {
        Self {
            p: ports,
            policy: AccessPolicy,
        }
    }

    /// R-G1: registers the actor's org as a third-party seller with its profile, at the
    /// default fee; onboarding for payouts follows (Stripe Connect). Completing a
    /// registration interrupted after the seller was stored is allowed.
    ///
    /// # Errors
    /// `Forbidden` (not the org's owner or admin), `Invalid`, `AlreadyRegistered`,
    /// `Infrastructure`.
    #[tracing::instrument(skip_all)]
    pub async fn register(
        &self,
        actor: &Actor,
        registration: Registration,
    ) -> Result<SellerProfile, ListingsError> {
        self.policy.require(actor, Permission::ManageListings)?;
        let existing = self.p.sellers.of_org(actor.org_id).await?;
        if existing.is_some() && self.p.listings.profile(actor.org_id).await?.is_some() {
            return Err(ListingsError::AlreadyRegistered);
        }
        let seller = match existing {
            Some(seller) => seller,
            None => {
                let seller = NewSeller {
                    name: registration.display_name.clone(),
                    kind: SellerKind::ThirdParty,
                    fee_rate: None,
                    org_id: Some(actor.org_id),
                    payout_minimum: None,
                }
                .into_seller(self.p.ids.new_id(), self.p.clock.now())
                .map_err(|faults| {
                    ListingsError::Invalid(
                        faults
                            .into_iter()
                            .map(|mut f| {
                                if f.field == "name" {
                                    f.field = "display_name";
                                }
                                f
                            })
                            .collect(),
                    )
                })?;
                // Validate the profile before storing anything.
                registration
                    .clone()
                    .into_profile(seller.id(), actor.org_id)
                    .map_err(ListingsError::Invalid)?;
                self.p.sellers.upsert(&seller).await.map_err(|e| match e {
                    RepoError::Conflict(Conflict::SellerOrg) => ListingsError::AlreadyRegistered,
                    other => other.into(),
                })?;
                seller
            }
        };
        let profile = registration
            .into_profile(seller.id(), actor.org_id)
            .map_err(ListingsError::Invalid)?;
        self.p.listings.save_profile(&profile).await?;
        self.audit(actor, "seller.registered", "seller", seller.id().as_uuid())
            .await;
        Ok(profile)
    }

    /// The profile of the actor's seller.
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Infrastructure`.
    pub async fn profile(&self, actor: &Actor) -> Result<SellerProfile, ListingsError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        self.p
            .listings
            .profile(actor.org_id)
            .await?
            .ok_or(ListingsError::NotASeller)
    }

    /// R-G2: a new draft of the actor's seller.
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Infrastructure`.
    #[tracing::instrument(skip_all)]
    pub async fn create(
        &self,
        actor: &Actor,
        content: ListingContent,
    ) -> Result<Listing, ListingsError> {
        self.policy.require(actor, Permission::ManageListings)?;
        let seller = self.my_seller(actor).await?;
        let listing = Listing::draft(
            self.p.ids.new_id(),
            seller.id(),
            actor.org_id,
            content,
            self.p.clock.now(),
        );
        self.p.listings.insert(&listing).await?;
        self.audit(actor, "listing.drafted", "listing", listing.id().as_uuid())
            .await;
        Ok(listing)
    }

    /// Replaces a draft's content (a rejected listing becomes a draft again).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (also another org's), `State` (`IllegalMove`, `KindFixed`),
    /// `Infrastructure`.
    #[tracing::instrument(skip_all, fields(listing = %id))]
    pub async fn revise(
        &self,
        actor: &Actor,
        id: ListingId,
        content: ListingContent,
    ) -> Result<Listing, ListingsError> {
        self.policy.require(actor, Permission::ManageListings)?;
        let mut listing = self.mine(actor, id).await?;
        let was = listing.status();
        listing.revise(content, self.p.clock.now())?;
        self.p.listings.save(&listing, was).await?;
        self.audit(actor, "listing.revised", "listing", id.as_uuid())
            .await;
        Ok(listing)
    }

    /// The actor's seller's listings, newest first.
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Infrastructure`.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Listing>, ListingsError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        self.my_seller(actor).await?;
        Ok(self.p.listings.of_org(actor.org_id).await?)
    }

    /// One of the actor's seller's listings.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (also another org's), `Infrastructure`.
    pub async fn get(&self, actor: &Actor, id: ListingId) -> Result<Listing, ListingsError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        self.mine(actor, id).await
    }

    /// Runs the automated checks on a listing without submitting it (R-G2).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Infrastructure`.
    pub async fn check(
        &self,
        actor: &Actor,
        id: ListingId,
    ) -> Result<Vec<CheckFailure>, ListingsError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        let listing = self.mine(actor, id).await?;
        let ctx = self.context(&listing).await?;
        Ok(checks::run(listing.content(), &ctx))
    }

    /// R-G2, R-G3: runs the checks and, when they pass, queues the listing for moderation,
    /// or publishes at once an edit whose changes do not matter for review.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `State` (`ChecksFailed` with every failure, nothing
    /// changed; `IllegalMove`), `PublishRefused`, `Infrastructure`.
    #[tracing::instrument(skip_all, fields(listing = %id))]
    pub async fn submit(&self, actor: &Actor, id: ListingId) -> Result<Submitted, ListingsError> {
        self.policy.require(actor, Permission::ManageListings)?;
        let mut listing = self.mine(actor, id).await?;
        let ctx = self.context(&listing).await?;
        let failures = checks::run(listing.content(), &ctx);
        let current = self.current_tool(listing.content()).await?;
        let diff = diff(listing.content(), &current);
        let now = self.p.clock.now();
        let was = listing.status();
        match listing.submit(failures, diff.needs_review(), now)? {
            Submission::Queued => {
                self.p.listings.save(&listing, was).await?;
                self.record(actor, "listing.submitted", &listing, &diff)
                    .await;
            }
            Submission::PublishNow => {
                let published = self
                    .publish(&listing, actor, Authority::NoReviewNeeded)
                    .await?;
                listing.published_at_once(published, now)?;
                self.p.listings.save(&listing, was).await?;
                self.tell(&listing).await?;
                self.record(actor, "listing.published_at_once", &listing, &diff)
                    .await;
            }
        }
        Ok(Submitted { listing, diff })
    }

    /// The moderation queue: listings in `status` (SUBMITTED by default), oldest first.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn queue(
        &self,
        actor: &Actor,
        status: Option<ListingStatus>,
        page: PageRequest,
    ) -> Result<Page<Listing>, ListingsError> {
        self.policy.require(actor, Permission::ModerateListings)?;
        Ok(self
            .p
            .listings
            .queue(status.unwrap_or(ListingStatus::Submitted), page)
            .await?)
    }

    /// R-G3: a moderator approves (the listing is published through the catalog's, the
    /// modules' or the services' own use cases) or rejects with notes (nothing public
    /// changes). The seller is told; the decision and the diff go to the audit trail.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `State` (`IllegalMove` when not submitted,
    /// `NotesRequired`, `NotesTooLong`), `PublishRefused` (the listing stays submitted),
    /// `Infrastructure`.
    #[tracing::instrument(skip_all, fields(listing = %id))]
    pub async fn moderate(
        &self,
        actor: &Actor,
        id: ListingId,
        verdict: Verdict,
        notes: Option<&str>,
    ) -> Result<Listing, ListingsError> {
        self.policy.require(actor, Permission::ModerateListings)?;
        let notes = Notes::parse(notes)?;
        let mut listing = self
            .p
            .listings
            .find(id)
            .await?
            .ok_or(ListingsError::NotFound)?;
        listing.ensure_awaiting()?;
        let diff = diff(
            listing.content(),
            &self.current_tool(listing.content()).await?,
        );
        let now = self.p.clock.now();
        match verdict {
            Verdict::Approve => {
                let published = self.publish(&listing, actor, Authority::Moderator).await?;
                listing.approve(actor.user_id, notes, published, now)?;
            }
            Verdict::Reject => listing.reject(actor.user_id, notes, now)?,
        }
        self.p
            .listings
            .save(&listing, ListingStatus::Submitted)
            .await?;
        self.tell(&listing).await?;
        let action = match verdict {
            Verdict::Approve => "listing.approved",
            Verdict::Reject => "listing.rejected",
        };
        self.record(actor, action, &listing, &diff).await;
        Ok(listing)
    }

    /// The notices of the actor's seller, newest first.
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Infrastructure`.
    pub async fn notices(&self, actor: &Actor) -> Result<Vec<Notice>, ListingsError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        self.my_seller(actor).await?;
        Ok(self.p.listings.notices(actor.org_id).await?)
    }

    /// R-G5: the seller's opt-in choices (opted in when it never chose).
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Infrastructure`.
    pub async fn opt_in(&self, actor: &Actor) -> Result<OptIn, ListingsError> {
        self.policy.require(actor, Permission::ManageListings)?;
        self.my_seller(actor).await?;
        Ok(self
            .p
            .listings
            .opt_in(actor.org_id)
            .await?
            .unwrap_or_default())
    }

    /// R-G5: replaces the seller's opt-in choices; each product named must be the
    /// seller's own.
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Invalid` (a product not the seller's), `Infrastructure`.
    pub async fn set_opt_in(&self, actor: &Actor, choice: OptIn) -> Result<OptIn, ListingsError> {
        self.policy.require(actor, Permission::ManageListings)?;
        let seller = self.my_seller(actor).await?;
        let own = self.own_products(&seller).await?;
        if let Some((item, _)) = choice.products().find(|(item, _)| !own.contains(item)) {
            let id = match item {
                ItemRef::Tool(t) => t.as_uuid(),
                ItemRef::Bundle(b) => b.as_uuid(),
            };
            return Err(ListingsError::Invalid(vec![
                marketplace_domain::field::FieldError::new(
                    "products",
                    format!("{id} is not one of the seller's products"),
                ),
            ]));
        }
        self.p
            .listings
            .set_opt_in(actor.org_id, seller.id(), &choice)
            .await?;
        self.audit(
            actor,
            "seller.opt_in_changed",
            "seller",
            seller.id().as_uuid(),
        )
        .await;
        Ok(choice)
    }

    /// R-G5: whether `item` is offered to new buyers now: an item of a seller that opted
    /// it (or itself) out is not. Items of the platform, and items no seller's org
    /// manages, are always offered.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn offered(&self, item: ItemRef) -> Result<bool, RepoError> {
        let org = match item {
            ItemRef::Tool(t) => match self.p.catalog.tool(t).await? {
                Some(tool) => self
                    .p
                    .sellers
                    .get(tool.seller_id)
                    .await?
                    .and_then(|s| s.org_id()),
                None => None,
            },
            ItemRef::Bundle(b) => self.p.listings.bundle_owner(b).await?,
        };
        let Some(org) = org else {
            return Ok(true);
        };
        Ok(self
            .p
            .listings
            .opt_in(org)
            .await?
            .unwrap_or_default()
            .offers(item))
    }

    /// R-G4: the actor's seller's listings by state, its last twelve months of sales and
    /// revenue from the ledger, and per tool its ratings, sales, views and install success.
    ///
    /// # Errors
    /// `Forbidden`, `NotASeller`, `Infrastructure`.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, ListingsError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        let seller = self.my_seller(actor).await?;
        let mut listings = BTreeMap::new();
        for status in ListingStatus::ALL {
            listings.insert(status.as_str(), 0);
        }
        for l in self.p.listings.of_org(actor.org_id).await? {
            *listings.entry(l.status().as_str()).or_insert(0) += 1;
        }
        let now = self.p.clock.now();
        let first = YearMonth::of(now.checked_sub_months(Months::new(11)).unwrap_or(now));
        let from: DateTime<Utc> = marketplace_domain::seller::month_start(first);
        let postings = self
            .p
            .sellers
            .postings_for(seller.id(), Some(from), None)
            .await?;
        let mut months = Vec::with_capacity(12);
        let mut month = first;
        for _ in 0..12 {
            months.push(MonthFigures {
                statement: statement(seller.id(), month, seller.payout().currency(), &postings),
            });
            month = month.next();
        }
        let ids = self.p.sellers.tools_of(seller.id()).await?;
        let rates = if ids.is_empty() {
            BTreeMap::new()
        } else {
            self.p.install_log.success_rates(&ids).await?
        };
        let tools = self
            .p
            .catalog
            .tools(&ids)
            .await?
            .into_iter()
            .map(|tool| ToolFigures {
                install_success: rates.get(&tool.id).copied(),
                tool,
            })
            .collect();
        Ok(Dashboard {
            seller_id: seller.id(),
            listings,
            months,
            tools,
        })
    }

    async fn my_seller(&self, actor: &Actor) -> Result<Seller, ListingsError> {
        self.p
            .sellers
            .of_org(actor.org_id)
            .await?
            .ok_or(ListingsError::NotASeller)
    }

    async fn mine(&self, actor: &Actor, id: ListingId) -> Result<Listing, ListingsError> {
        self.p
            .listings
            .get(actor.org_id, id)
            .await?
            .ok_or(ListingsError::NotFound)
    }

    async fn own_products(&self, seller: &Seller) -> Result<BTreeSet<ItemRef>, ListingsError> {
        let mut own: BTreeSet<ItemRef> = self
            .p
            .sellers
            .tools_of(seller.id())
            .await?
            .into_iter()
            .map(ItemRef::Tool)
            .collect();
        if let Some(org) = seller.org_id() {
            for l in self.p.listings.of_org(org).await? {
                if let Some(Published::Bundle(b)) = l.published() {
                    own.insert(ItemRef::Bundle(b));
                }
            }
        }
        Ok(own)
    }

    /// What the checks need to know about the catalog around `listing`.
    async fn context(&self, listing: &Listing) -> Result<CheckContext, ListingsError> {
        let content = listing.content();
        let own_tools: BTreeSet<ToolId> = self
            .p
            .sellers
            .tools_of(listing.seller_id())
            .await?
            .into_iter()
            .collect();
        let (name, except) = match content {
            ListingContent::Tool(t) => (Some(t.name.as_str()), None),
            ListingContent::Bundle(b) => (Some(b.name.as_str()), None),
            ListingContent::Edit { tool_id, changes } => (changes.name.as_deref(), Some(*tool_id)),
            ListingContent::Version(_) | ListingContent::Service(_) => (None, None),
        };
        let name_taken = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => self.p.listings.catalog_name_taken(n, except).await?,
            None => false,
        };
        let mut ctx = CheckContext {
            name_taken,
            own_tools,
            ..CheckContext::default()
        };
        if let ListingContent::Version(v) = content {
            let named: Vec<ToolId> = v.dependencies.iter().map(|d| d.tool_id).collect();
            ctx.known_tools = self
                .p
                .catalog
                .tools(&named)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect();
            let registry = self.p.modules.registry(&[v.tool_id]).await?;
            ctx.last_version = registry
                .module(&v.tool_id)
                .and_then(|m| m.versions().next_back().cloned());
        }
        Ok(ctx)
    }

    /// What is public now about the tool `content` changes.
    async fn current_tool(&self, content: &ListingContent) -> Result<CurrentTool, ListingsError> {
        let Some(tool_id) = content.tool() else {
            return Ok(CurrentTool::default());
        };
        let mut current = CurrentTool::default();
        if let Some(tool) = self.p.catalog.tool(tool_id).await? {
            current.integration_type = Some(tool.integration_type);
            let s = |u: &Option<marketplace_domain::catalog::WebUrl>| {
                u.as_ref().map(|u| u.as_str().to_owned())
            };
            current.links = LinkProposal {
                documentation_url: s(&tool.links.documentation),
                demo_url: s(&tool.links.demo),
                support_url: s(&tool.links.support),
                icon_url: s(&tool.links.icon),
            };
        }
        let registry = self.p.modules.registry(&[tool_id]).await?;
        current.last_dependencies = registry
            .module(&tool_id)
            .and_then(|m| m.releases().next_back())
            .map(|r| {
                r.dependencies()
                    .iter()
                    .map(|d| DependencyProposal {
                        tool_id: *d.module(),
                        req: d.requirement().to_string(),
                        optional: !d.is_required(),
                    })
                    .collect()
            });
        Ok(current)
    }

    async fn publish(
        &self,
        listing: &Listing,
        by: &Actor,
        authority: Authority,
    ) -> Result<Published, ListingsError> {
        let approval = Approval {
            seller_id: listing.seller_id(),
            listing_id: listing.id(),
            by: *by,
            authority,
        };
        let published = match listing.content() {
            ListingContent::Tool(t) => {
                Published::Tool(self.p.publisher.publish_tool(approval, t).await?)
            }
            ListingContent::Bundle(b) => {
                Published::Bundle(self.p.publisher.publish_bundle(approval, b).await?)
            }
            ListingContent::Version(v) => {
                self.p.publisher.publish_version(approval, v).await?;
                Published::ToolChange(v.tool_id)
            }
            ListingContent::Edit { tool_id, changes } => {
                self.p
                    .publisher
                    .apply_edit(approval, *tool_id, changes)
                    .await?;
                Published::ToolChange(*tool_id)
            }
            ListingContent::Service(s) => Published::Service(
                self.p
                    .services
                    .publish_service(approval, listing.org_id(), s)
                    .await?,
            ),
        };
        Ok(published)
    }

    async fn tell(&self, listing: &Listing) -> Result<(), ListingsError> {
        let Some(decision) = listing.decision() else {
            return Ok(());
        };
        let notice = Notice {
            id: self.p.ids.new_id(),
            org_id: listing.org_id(),
            listing_id: listing.id(),
            title: listing.content().title(),
            outcome: decision.outcome,
            notes: decision.notes.as_ref().map(|n| n.as_str().to_owned()),
            at: decision.at,
        };
        Ok(self.p.listings.notify(&notice).await?)
    }

    /// A step of a listing's review in the audit trail, with what it changes (each field,
    /// and whether it needed a moderator) and, once decided, the decision.
    async fn record(&self, actor: &Actor, action: &'static str, listing: &Listing, diff: &Diff) {
        let changes = diff
            .changes
            .iter()
            .map(|c| format!("{}{}", c.field, if c.matters { " (review)" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ");
        let mut event = AuditEvent::by(
            actor,
            action,
            "listing",
            listing.id().as_uuid(),
            self.p.clock.now(),
        )
        .with_detail("kind", listing.content().kind().as_str())
        .with_detail(
            "changes",
            if diff.new_item {
                "a new item".to_owned()
            } else {
                changes
            },
        );
        if let Some(decision) = listing.decision() {
            event = event.with_detail("outcome", decision.outcome.as_str());
            if let Some(notes) = &decision.notes {
                event = event.with_detail("notes", notes.as_str());
            }
        }
        if let Some(published) = listing.published() {
            event = event.with_detail("published", published.id().to_string());
        }
        self.p.audit.record(event).await;
    }

    async fn audit(&self, actor: &Actor, action: &'static str, kind: &'static str, id: uuid::Uuid) {
        self.p
            .audit
            .record(AuditEvent::by(actor, action, kind, id, self.p.clock.now()))
            .await;
    }
}

impl Outcome {
    /// Whether the listing went public.
    #[must_use]
    pub const fn published(self) -> bool {
        matches!(self, Self::Approved | Self::PublishedAtOnce)
    }
}

#[async_trait::async_trait]
impl marketplace_domain::catalog::OfferGate for ListingService {
    async fn offered(&self, item: ItemRef) -> Result<bool, RepoError> {
        ListingService::offered(self, item).await
    }
}
