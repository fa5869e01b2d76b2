//! What the listings context needs from the outside: where listings, notices, opt-in
//! choices and profiles live, and who publishes an approved listing into the catalog, the
//! modules registry or the services context.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::access::Actor;
use marketplace_domain::field::FieldError;
use marketplace_domain::ids::{BundleId, OrgId, SellerId, ToolId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;

use crate::content::{
    BundleProposal, EditProposal, ServiceProposal, ToolProposal, VersionProposal,
};
use crate::listing::{Listing, ListingId, ListingStatus, NoticeId, Outcome};
use crate::opt_in::OptIn;
use crate::seller::SellerProfile;

/// A notice to a seller about one of its listings (R-G3: the seller is told).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub id: NoticeId,
    pub org_id: OrgId,
    pub listing_id: ListingId,
    /// The listing's title when the notice was written.
    pub title: String,
    pub outcome: Outcome,
    pub notes: Option<String>,
    pub at: DateTime<Utc>,
}

/// Listings and what hangs off them. Tenant calls are scoped to `org` (R-T3): another
/// org's record is `Ok(None)`, never an error that tells it exists.
#[async_trait]
pub trait ListingRepository: Send + Sync {
    /// The org's listing `id`; `Ok(None)` when unknown or another org's.
    async fn get(&self, org: OrgId, id: ListingId) -> Result<Option<Listing>, RepoError>;

    /// The org's listings, newest first.
    async fn of_org(&self, org: OrgId) -> Result<Vec<Listing>, RepoError>;

    /// Stores a new draft.
    async fn insert(&self, listing: &Listing) -> Result<(), RepoError>;

    /// Stores the listing's new state if it is still in `was` (compare and set, in the
    /// listing's own org).
    ///
    /// # Errors
    /// `RepoError::Stale`, writing nothing, when it moved meanwhile; `NotFound`.
    async fn save(&self, listing: &Listing, was: ListingStatus) -> Result<(), RepoError>;

    /// Platform-wide: listings in `status`, oldest submission first (the moderation queue).
    async fn queue(
        &self,
        status: ListingStatus,
        page: PageRequest,
    ) -> Result<Page<Listing>, RepoError>;

    /// Platform-wide: any org's listing, for its moderator.
    async fn find(&self, id: ListingId) -> Result<Option<Listing>, RepoError>;

    /// Adds a notice for the notice's org.
    async fn notify(&self, notice: &Notice) -> Result<(), RepoError>;

    /// The org's notices, newest first.
    async fn notices(&self, org: OrgId) -> Result<Vec<Notice>, RepoError>;

    /// The org's opt-in choices; `Ok(None)` when it never chose (opted in).
    async fn opt_in(&self, org: OrgId) -> Result<Option<OptIn>, RepoError>;

    /// Replaces the org's opt-in choices.
    async fn set_opt_in(
        &self,
        org: OrgId,
        seller: SellerId,
        choice: &OptIn,
    ) -> Result<(), RepoError>;

    /// The profile of the seller `org` manages; `Ok(None)` when none.
    async fn profile(&self, org: OrgId) -> Result<Option<SellerProfile>, RepoError>;

    /// Inserts or replaces the profile of its seller.
    async fn save_profile(&self, profile: &SellerProfile) -> Result<(), RepoError>;

    /// Platform-wide: whether a tool or bundle of the catalog other than `except` is
    /// named `name`, compared without regard to case.
    async fn catalog_name_taken(
        &self,
        name: &str,
        except: Option<ToolId>,
    ) -> Result<bool, RepoError>;

    /// Platform-wide: the org whose listing published `bundle`; `Ok(None)` for a bundle
    /// no listing published (the platform's own).
    async fn bundle_owner(&self, bundle: BundleId) -> Result<Option<OrgId>, RepoError>;
}

/// Why publishing refused an approved listing: the catalog's own rules disagree (the
/// listing stays submitted).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the catalog refused the listing")]
    Refused(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// What is published, for whom, on whose authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approval {
    pub seller_id: SellerId,
    pub listing_id: ListingId,
    /// The moderator who approved; the seller's user who submitted an edit that needed no
    /// review (R-G3). The audit trail of the publication names them.
    pub by: Actor,
    /// Why the listing may be published.
    pub authority: Authority,
}

/// Why an approved listing may be published (R-G3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// A moderator (who holds `PublishListings`) approved it.
    Moderator,
    /// An edit of the seller's own tool that changes nothing a buyer relies on: the
    /// re-review rule lets it through at once, without a moderator.
    NoReviewNeeded,
}

/// Publishes approved listings through the catalog's, plans' and modules' own use cases.
#[async_trait]
pub trait CatalogPublisher: Send + Sync {
    /// A new tool of the seller, with its plans (and meters).
    async fn publish_tool(
        &self,
        approval: Approval,
        tool: &ToolProposal,
    ) -> Result<ToolId, PublishError>;

    /// A bundle of the seller's tools.
    async fn publish_bundle(
        &self,
        approval: Approval,
        bundle: &BundleProposal,
    ) -> Result<BundleId, PublishError>;

    /// A new version of one of the seller's tools.
    async fn publish_version(
        &self,
        approval: Approval,
        version: &VersionProposal,
    ) -> Result<(), PublishError>;

    /// Applies an edit to one of the seller's tools.
    async fn apply_edit(
        &self,
        approval: Approval,
        tool: ToolId,
        edit: &EditProposal,
    ) -> Result<(), PublishError>;
}

/// Publishes an approved service listing into the services context (seed 004), which
/// answers with the id of the public service.
#[async_trait]
pub trait ServicePublisher: Send + Sync {
    async fn publish_service(
        &self,
        approval: Approval,
        org: OrgId,
        service: &ServiceProposal,
    ) -> Result<uuid::Uuid, PublishError>;
}
