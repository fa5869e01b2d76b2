//! How an approved listing reaches the public catalog: through the catalog's, the plans'
//! and the modules' own use cases, so every rule they hold applies to a seller's listing
//! as it does to a platform admin's edit.
//!
//! The approval is the authority: the moderator approved (or the rules let an edit of a
//! seller's own tool through at once, R-G3). The approving actor calls the use cases'
//! publishing entry points (`PlanService::publish_tool`, `publish_bundle`,
//! `publish_tool_change`, `InstallationService::publish_listed_version`),
//! which ask for `PublishListings` (moderators hold it), not for the catalog-editing right;
//! the audit trail names who approved.
//!
//! A service listing is published by the services context ([`ListedServices`]): the
//! approved listing becomes a published service under the listing's own id (R-X2).

use async_trait::async_trait;
use marketplace_domain::access::{Actor, PlatformRole};
use marketplace_domain::catalog::{
    BundleDraft, BundleStatus, CatalogError, CatalogService, PriceModel, ToolDraft, ToolPatch,
    ToolStatus,
};
use marketplace_domain::field::FieldError;
use marketplace_domain::ids::{BundleId, OrgId, ToolId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::plan::{BillingInterval, PlanError, PlanService, PlanServiceError};
use marketplace_domain::tier::Tier;
use marketplace_listings::checks;
use marketplace_listings::content::{
    BundleProposal, EditProposal, PlanProposal, ServiceProposal, ToolProposal, VersionProposal,
};
use marketplace_listings::ports::{
    Approval, Authority, CatalogPublisher, PublishError, ServicePublisher,
};
use marketplace_modules::installation::{InstallationService, PublishingError};
use marketplace_modules::{NewRelease, Requirement, Version};
use marketplace_services::ids::ServiceListingId;
use marketplace_services::listing::{ServiceContent, ServicePrice};
use marketplace_services::service::{ServicesError, ServicesService};
use marketplace_services::text::{ServiceCategory, ServiceDescription, ServiceTitle};

/// Who publishes: the moderator who approved; for a listing the re-review rule let through
/// at once (R-G3: an edit or a version changing nothing a buyer relies on), the seller's
/// user who submitted it, acting for that one call as the platform's listings publisher
/// (`PublishListings` is a moderator's right, and such a listing has no moderator). Only
/// the publishing entry points are called with it, never the catalog's other edits.
fn publisher(approval: &Approval) -> Actor {
    match approval.authority {
        Authority::Moderator => approval.by,
        Authority::NoReviewNeeded => Actor {
            platform_role: PlatformRole::Moderator,
            ..approval.by
        },
    }
}

fn refused(field: &'static str, message: impl Into<String>) -> PublishError {
    PublishError::Refused(vec![FieldError::new(field, message)])
}

fn from_catalog(e: CatalogError) -> PublishError {
    match e {
        CatalogError::InvalidFields(faults) => PublishError::Refused(faults),
        CatalogError::Infrastructure(e) => PublishError::Store(e),
        other => refused("listing", other.to_string()),
    }
}

fn from_plans(e: PlanServiceError) -> PublishError {
    match e {
        PlanServiceError::Catalog(e) => from_catalog(e),
        PlanServiceError::Infrastructure(e) => PublishError::Store(e),
        other => refused("plans", other.to_string()),
    }
}

fn plan_draft(p: &PlanProposal) -> Result<marketplace_domain::plan::PlanDraft, PublishError> {
    checks::plan(p).map_err(|e: PlanError| refused("plans", format!("plan {}: {e}", p.code)))
}

/// The price model the catalog shows for a tool sold first through `plan` (R-B2 read
/// backwards: the default plan is the listing's first).
fn price_model(plan: &PlanProposal) -> PriceModel {
    if plan.price.is_zero() {
        return PriceModel::Free;
    }
    match plan.interval {
        BillingInterval::OneTime => PriceModel::OneTime,
        BillingInterval::Month => PriceModel::Monthly,
        BillingInterval::Year => PriceModel::Annual,
    }
}

/// Publishes through [`CatalogService`], [`PlanService`] and [`InstallationService`].
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct CatalogPublishing {
    pub catalog: CatalogService,
    pub plans: PlanService,
    pub installations: InstallationService,
}

#[async_trait]
impl CatalogPublisher for CatalogPublishing {
    async fn publish_tool(
        &self,
        approval: Approval,
        tool: &ToolProposal,
    ) -> Result<ToolId, PublishError> {
        let first = tool
            .plans
            .first()
            .ok_or_else(|| refused("plans", "at least one plan is required"))?;
        let (Some(category), Some(integration_type)) = (tool.category, tool.integration_type)
        else {
            return Err(refused(
                "category",
                "category and integration type are required",
            ));
        };
        let draft = ToolDraft {
            name: tool.name.clone(),
            description: tool.description.clone(),
            long_description: None,
            category,
            tags: tool.tags.clone(),
            price_model: price_model(first),
            price: first.price,
            currency: first.currency.clone(),
            required_tier: tool.required_tier.unwrap_or(Tier::Free),
            integration_type,
            status: ToolStatus::Active,
            seller_id: approval.seller_id,
            documentation_url: tool.links.documentation_url.clone(),
            demo_url: tool.links.demo_url.clone(),
            support_url: tool.links.support_url.clone(),
            icon_url: tool.links.icon_url.clone(),
            version: tool.version.clone(),
            is_featured: false,
        };
        let plans = tool
            .plans
            .iter()
            .map(plan_draft)
            .collect::<Result<Vec<_>, _>>()?;
        let meters = tool
            .meters
            .iter()
            .map(|m| checks::meter(m).map_err(|e| refused("meters", e)))
            .collect::<Result<Vec<_>, _>>()?;
        // The tool, all its plans and its meters are stored at once, or none of them.
        let (created, _) = self
            .plans
            .publish_tool(&publisher(&approval), draft, plans, meters)
            .await
            .map_err(from_plans)?;
        Ok(created.id)
    }

    async fn publish_bundle(
        &self,
        approval: Approval,
        bundle: &BundleProposal,
    ) -> Result<BundleId, PublishError> {
        let draft = BundleDraft {
            name: bundle.name.clone(),
            description: bundle.description.clone(),
            price: bundle.price,
            currency: bundle.currency.clone(),
            required_tier: Tier::Free,
            status: BundleStatus::Active,
            tool_ids: bundle.tool_ids.clone(),
            is_featured: false,
        };
        let created = self
            .plans
            .publish_bundle(&publisher(&approval), draft)
            .await
            .map_err(from_plans)?;
        Ok(created.id())
    }

    async fn publish_version(
        &self,
        approval: Approval,
        version: &VersionProposal,
    ) -> Result<(), PublishError> {
        let number = Version::parse(version.version.trim())
            .map_err(|e| refused("version", e.to_string()))?;
        let platform = if version.platform.trim().is_empty() {
            Requirement::any()
        } else {
            Requirement::parse(&version.platform).map_err(|e| refused("platform", e.to_string()))?
        };
        let mut release = NewRelease::new(number, platform).with_notes(version.notes.clone());
        for d in &version.dependencies {
            let req =
                Requirement::parse(&d.req).map_err(|e| refused("dependencies", e.to_string()))?;
            release = if d.optional {
                release.optionally_uses(d.tool_id, req)
            } else {
                release.requires(d.tool_id, req)
            };
        }
        match self
            .installations
            .publish_listed_version(&publisher(&approval), version.tool_id, release)
            .await
        {
            // The version is stored; notices can be sent again by the platform.
            Ok(_) | Err(PublishingError::NoticesNotSent { .. }) => Ok(()),
            Err(PublishingError::Infrastructure(e)) => Err(PublishError::Store(e)),
            Err(PublishingError::Invalid(f)) => Err(PublishError::Refused(vec![f])),
            Err(other) => Err(refused("version", other.to_string())),
        }
    }

    async fn apply_edit(
        &self,
        approval: Approval,
        tool: ToolId,
        edit: &EditProposal,
    ) -> Result<(), PublishError> {
        let actor = publisher(&approval);
        let links = edit.links.clone().unwrap_or_default();
        let patch = ToolPatch {
            name: edit.name.clone(),
            description: edit.description.clone(),
            category: edit.category,
            tags: edit.tags.clone(),
            integration_type: edit.integration_type,
            documentation_url: links.documentation_url,
            demo_url: links.demo_url,
            support_url: links.support_url,
            icon_url: links.icon_url,
            ..ToolPatch::default()
        };
        let plans = edit
            .plans
            .iter()
            .flatten()
            .map(plan_draft)
            .collect::<Result<Vec<_>, _>>()?;
        // The tool's changes and every plan added or changed, stored at once or not at all.
        self.plans
            .publish_tool_change(&actor, tool, patch, plans)
            .await
            .map_err(from_plans)?;
        Ok(())
    }
}

/// The services context's publishing port: an approved service listing becomes a
/// published service of the seller's provider profile, under the listing's own id, so the
/// listing's `published` reference is the service's id and approving again cannot make a
/// second service (R-X2).
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct ListedServices {
    pub services: ServicesService,
}

#[async_trait]
impl ServicePublisher for ListedServices {
    async fn publish_service(
        &self,
        approval: Approval,
        _org: OrgId,
        service: &ServiceProposal,
    ) -> Result<uuid::Uuid, PublishError> {
        let content = service_content(service)?;
        let id = ServiceListingId::from_uuid(approval.listing_id.as_uuid());
        match self
            .services
            .publish_approved_as(&publisher(&approval), id, approval.seller_id, content)
            .await
        {
            Ok(listing) => Ok(listing.id().as_uuid()),
            Err(ServicesError::NotAProvider) => Err(refused(
                "provider",
                "the seller has no provider profile: PUT /v1/sellers/me/provider first",
            )),
            Err(ServicesError::Store(e)) => Err(PublishError::Store(e)),
            Err(other) => Err(refused("listing", other.to_string())),
        }
    }
}

/// The listing's proposal as a service's content, with the services context's own checks
/// (the listing checks ran at submission; these hold whatever the proposal says).
fn service_content(s: &ServiceProposal) -> Result<ServiceContent, PublishError> {
    let mut faults = Vec::new();
    let title = ServiceTitle::parse(&s.title)
        .map_err(|f| faults.push(f))
        .ok();
    let category = ServiceCategory::parse(&s.category)
        .map_err(|f| faults.push(f))
        .ok();
    let description = ServiceDescription::parse(&s.description)
        .map_err(|f| faults.push(f))
        .ok();
    let price = Currency::parse(&s.currency)
        .map_err(|e| FieldError::new("price", e.to_string()))
        .and_then(|c| Money::new(s.price, c).map_err(|e| FieldError::new("price", e.to_string())))
        .and_then(ServicePrice::new)
        .map_err(|f| faults.push(f))
        .ok();
    match (title, category, description, price) {
        (Some(title), Some(category), Some(description), Some(price)) => Ok(ServiceContent {
            title,
            category,
            description,
            price,
            allow_quotes: s.allow_quotes,
        }),
        _ => Err(PublishError::Refused(faults)),
    }
}
