//! The bodies of catalog edits, each converted into the domain's draft or patch; the
//! checks of shape (lengths, counts) are garde's, the business rules the domain's.

use marketplace_domain::catalog::{
    BundleDraft, BundlePatch, BundleStatus, ToolDraft, ToolPatch, ToolStatus,
};
use marketplace_domain::ids::{SellerId, ToolId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::labels::{
    BundleStatusLabel, Category, IntegrationLabel, PriceModelLabel, TierLabel, ToolStatusLabel,
};
use crate::wire::{MoneyDto, decimal_field};

const DECIMAL: &str = "must be a decimal string";

/// POST /v1/admin/tools.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToolBody {
    #[garde(length(chars, min = 1, max = 100))]
    pub name: String,
    #[garde(length(chars, max = 5000))]
    pub description: String,
    #[garde(length(chars, max = 20000))]
    pub long_description: Option<String>,
    #[garde(skip)]
    pub category: Category,
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 50)))]
    #[serde(default)]
    pub tags: Vec<String>,
    #[garde(skip)]
    pub price_model: PriceModelLabel,
    #[garde(skip)]
    pub price: MoneyDto,
    #[garde(skip)]
    pub required_tier: TierLabel,
    #[garde(skip)]
    pub integration_type: IntegrationLabel,
    #[garde(skip)]
    pub status: Option<ToolStatusLabel>,
    #[garde(skip)]
    pub seller_id: Uuid,
    #[garde(length(max = 500))]
    pub documentation_url: Option<String>,
    #[garde(length(max = 500))]
    pub demo_url: Option<String>,
    #[garde(length(max = 500))]
    pub support_url: Option<String>,
    #[garde(length(max = 500))]
    pub icon_url: Option<String>,
    #[garde(length(max = 20))]
    pub version: Option<String>,
    #[garde(skip)]
    #[serde(default)]
    pub is_featured: bool,
}

impl TryFrom<NewToolBody> for ToolDraft {
    type Error = BadRequest;

    fn try_from(b: NewToolBody) -> Result<Self, BadRequest> {
        let price = b.price.parse_field("price")?;
        Ok(Self {
            name: b.name,
            description: b.description,
            long_description: b.long_description,
            category: b.category.0,
            tags: b.tags,
            price_model: b.price_model.0,
            price: price.amount(),
            currency: price.currency().code().to_owned(),
            required_tier: b.required_tier.0,
            integration_type: b.integration_type.0,
            status: b.status.map_or(ToolStatus::Active, |s| s.0),
            seller_id: SellerId::from_uuid(b.seller_id),
            documentation_url: b.documentation_url,
            demo_url: b.demo_url,
            support_url: b.support_url,
            icon_url: b.icon_url,
            version: b.version,
            is_featured: b.is_featured,
        })
    }
}

/// PATCH /v1/admin/tools/{id}: only the fields given change.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolPatchBody {
    #[garde(length(chars, min = 1, max = 100))]
    pub name: Option<String>,
    #[garde(length(chars, max = 5000))]
    pub description: Option<String>,
    #[garde(skip)]
    pub category: Option<Category>,
    #[garde(inner(length(max = 20)))]
    pub tags: Option<Vec<String>>,
    #[garde(skip)]
    pub price_model: Option<PriceModelLabel>,
    /// The new amount, in the tool's currency.
    #[garde(skip)]
    #[schema(value_type = Option<String>, example = "19.99")]
    pub price: Option<String>,
    #[garde(skip)]
    pub required_tier: Option<TierLabel>,
    #[garde(skip)]
    pub integration_type: Option<IntegrationLabel>,
    #[garde(skip)]
    pub status: Option<ToolStatusLabel>,
    #[garde(skip)]
    pub seller_id: Option<Uuid>,
    #[garde(length(max = 20))]
    pub version: Option<String>,
    #[garde(skip)]
    pub is_featured: Option<bool>,
}

impl TryFrom<ToolPatchBody> for ToolPatch {
    type Error = BadRequest;

    fn try_from(b: ToolPatchBody) -> Result<Self, BadRequest> {
        Ok(Self {
            price: decimal_field("price", b.price.as_deref(), DECIMAL)?,
            name: b.name,
            description: b.description,
            category: b.category.map(|c| c.0),
            tags: b.tags,
            price_model: b.price_model.map(|p| p.0),
            required_tier: b.required_tier.map(|t| t.0),
            integration_type: b.integration_type.map(|i| i.0),
            status: b.status.map(|s| s.0),
            seller_id: b.seller_id.map(SellerId::from_uuid),
            version: b.version,
            is_featured: b.is_featured,
            ..Self::default()
        })
    }
}

/// POST /v1/admin/bundles.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBundleBody {
    #[garde(length(chars, min = 1, max = 100))]
    pub name: String,
    #[garde(length(chars, max = 5000))]
    pub description: String,
    #[garde(skip)]
    pub price: MoneyDto,
    #[garde(skip)]
    pub required_tier: TierLabel,
    #[garde(skip)]
    pub status: Option<BundleStatusLabel>,
    /// The tools, in display order (at least two).
    #[garde(length(min = 2, max = 100))]
    pub tool_ids: Vec<Uuid>,
    #[garde(skip)]
    #[serde(default)]
    pub is_featured: bool,
}

impl TryFrom<NewBundleBody> for BundleDraft {
    type Error = BadRequest;

    fn try_from(b: NewBundleBody) -> Result<Self, BadRequest> {
        let price = b.price.parse_field("price")?;
        Ok(Self {
            name: b.name,
            description: b.description,
            price: price.amount(),
            currency: price.currency().code().to_owned(),
            required_tier: b.required_tier.0,
            status: b.status.map_or(BundleStatus::Active, |s| s.0),
            tool_ids: b.tool_ids.into_iter().map(ToolId::from_uuid).collect(),
            is_featured: b.is_featured,
        })
    }
}

/// PATCH /v1/admin/bundles/{id}.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundlePatchBody {
    #[garde(length(chars, min = 1, max = 100))]
    pub name: Option<String>,
    #[garde(length(chars, max = 5000))]
    pub description: Option<String>,
    #[garde(skip)]
    #[schema(value_type = Option<String>, example = "99.00")]
    pub price: Option<String>,
    #[garde(skip)]
    pub required_tier: Option<TierLabel>,
    #[garde(skip)]
    pub status: Option<BundleStatusLabel>,
    #[garde(inner(length(min = 2, max = 100)))]
    pub tool_ids: Option<Vec<Uuid>>,
    #[garde(skip)]
    pub is_featured: Option<bool>,
}

impl TryFrom<BundlePatchBody> for BundlePatch {
    type Error = BadRequest;

    fn try_from(b: BundlePatchBody) -> Result<Self, BadRequest> {
        Ok(Self {
            price: decimal_field("price", b.price.as_deref(), DECIMAL)?,
            name: b.name,
            description: b.description,
            required_tier: b.required_tier.map(|t| t.0),
            status: b.status.map(|s| s.0),
            tool_ids: b
                .tool_ids
                .map(|ids| ids.into_iter().map(ToolId::from_uuid).collect()),
            is_featured: b.is_featured,
        })
    }
}
