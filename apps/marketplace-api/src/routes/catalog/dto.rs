//! The catalog's shapes: tools, bundles, category counts, and the catalog query.

use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{
    Bundle, CatalogError, CategoryCount, SortBy, SortOrder, Tool, ToolCategory, ToolFilter,
    ToolQuery, ToolStatus, WebUrl,
};
use marketplace_domain::plan::ItemPlans;
use marketplace_domain::tier::Tier;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, de};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::routes::plans::dto::PlanDto;
use crate::wire::MoneyDto;
use crate::wire::labels::query::{any_case_list, lower};
use crate::wire::labels::{
    BundleStatusLabel, Category, IntegrationLabel, PriceModelLabel, TierLabel, ToolStatusLabel,
};

/// A tool of the catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_description: Option<String>,
    pub category: Category,
    pub tags: Vec<String>,
    pub price_model: PriceModelLabel,
    pub price: MoneyDto,
    pub required_tier: TierLabel,
    pub integration_type: IntegrationLabel,
    pub status: ToolStatusLabel,
    /// The seller's id.
    pub seller: Uuid,
    pub version: String,
    pub is_featured: bool,
    pub documentation_url: Option<String>,
    pub demo_url: Option<String>,
    pub support_url: Option<String>,
    pub icon_url: Option<String>,
    pub purchase_count: u64,
    pub view_count: u64,
    /// Average over approved reviews, two decimals; null without any.
    #[schema(value_type = Option<String>, example = "4.33")]
    pub avg_rating: Option<String>,
    pub review_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How the tool is sold (R-B1), in display order; in GET /v1/tools/{id} only. `price`
    /// above is the default plan's (R-B2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plans: Option<Vec<PlanDto>>,
}

impl ToolDto {
    /// The tool with its plans.
    #[must_use]
    pub fn with_plans(tool: Tool, plans: &ItemPlans) -> Self {
        Self {
            plans: Some(PlanDto::lineup(plans)),
            ..Self::from(tool)
        }
    }
}

impl From<Tool> for ToolDto {
    fn from(t: Tool) -> Self {
        let url = |u: &Option<WebUrl>| u.as_ref().map(|u| u.as_str().to_owned());
        Self {
            id: t.id.as_uuid(),
            name: t.name.to_string(),
            long_description: t.long_description.clone(),
            category: t.category.into(),
            tags: t.tags.iter().map(|g| g.as_str().to_owned()).collect(),
            price_model: t.pricing.model().into(),
            price: t.price().into(),
            required_tier: t.required_tier.into(),
            integration_type: t.integration_type.into(),
            status: t.status.into(),
            seller: t.seller_id.as_uuid(),
            version: t.version.as_str().to_owned(),
            is_featured: t.is_featured,
            documentation_url: url(&t.links.documentation),
            demo_url: url(&t.links.demo),
            support_url: url(&t.links.support),
            icon_url: url(&t.links.icon),
            purchase_count: t.stats.purchase_count,
            view_count: t.stats.view_count,
            avg_rating: t.stats.avg_rating.map(|r| format!("{r:.2}")),
            review_count: t.stats.review_count,
            created_at: t.created_at,
            updated_at: t.updated_at,
            description: t.description,
            plans: None,
        }
    }
}

/// A tool as a bundle lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolSummaryDto {
    pub id: Uuid,
    pub name: String,
    pub price: MoneyDto,
}

/// A bundle: list price, savings and discount derived from live prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub price: MoneyDto,
    pub list_price: MoneyDto,
    pub savings: MoneyDto,
    #[schema(value_type = String, example = "25.0")]
    pub discount_percent: String,
    pub required_tier: TierLabel,
    pub status: BundleStatusLabel,
    pub is_featured: bool,
    pub purchase_count: u64,
    pub tools: Vec<ToolSummaryDto>,
    pub created_at: DateTime<Utc>,
    /// How the bundle is sold (R-B1, R-B4: one interval per bundle); in
    /// GET /v1/bundles/{id} only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plans: Option<Vec<PlanDto>>,
}

impl BundleDto {
    /// The bundle with its plans.
    #[must_use]
    pub fn with_plans(bundle: Bundle, plans: &ItemPlans) -> Self {
        Self {
            plans: Some(PlanDto::lineup(plans)),
            ..Self::from(bundle)
        }
    }
}

impl From<Bundle> for BundleDto {
    fn from(b: Bundle) -> Self {
        Self {
            id: b.id().as_uuid(),
            name: b.name().to_string(),
            description: b.description().to_owned(),
            price: b.price().into(),
            list_price: b.list_price().into(),
            savings: b.savings().into(),
            discount_percent: b.discount_percent().to_string(),
            required_tier: b.required_tier().into(),
            status: b.status().into(),
            is_featured: b.is_featured(),
            purchase_count: b.purchase_count(),
            tools: b
                .tools()
                .iter()
                .map(|t| ToolSummaryDto {
                    id: t.tool_id.as_uuid(),
                    name: t.name.to_string(),
                    price: t.price.into(),
                })
                .collect(),
            created_at: b.created_at(),
            plans: None,
        }
    }
}

/// A category with its count of purchasable tools.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    pub category: Category,
    pub tools: u64,
}

impl From<CategoryCount> for CategoryDto {
    fn from(c: CategoryCount) -> Self {
        Self {
            category: c.category.into(),
            tools: c.tools,
        }
    }
}

/// The query parameters of GET /v1/tools (the filters of R-C5). Labels are taken in any
/// case.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ToolsQuery {
    /// One or more categories (repeat the key or separate with commas), e.g. LEAD_GENERATION.
    #[serde(default, deserialize_with = "any_case_list")]
    #[param(value_type = Option<Vec<Category>>)]
    category: Vec<ToolCategory>,
    /// One or more required tiers: FREE, STARTER, GROWTH, ELITE, ENTERPRISE, CUSTOM.
    #[serde(default, deserialize_with = "any_case_list")]
    #[param(value_type = Option<Vec<TierLabel>>)]
    tier: Vec<Tier>,
    /// Words found in the name or description, in any order, case and accents ignored (at
    /// most 200 characters); results ranked by relevance unless `sort_by` says otherwise.
    search: Option<String>,
    /// Tools that have any of these tags.
    #[serde(default)]
    #[param(value_type = Option<Vec<String>>)]
    tags: Vec<String>,
    /// Lowest price, inclusive.
    #[serde(default, deserialize_with = "decimal")]
    #[param(value_type = Option<String>)]
    price_min: Option<Decimal>,
    /// Highest price, inclusive.
    #[serde(default, deserialize_with = "decimal")]
    #[param(value_type = Option<String>)]
    price_max: Option<Decimal>,
    /// One or more statuses: ACTIVE, COMING_SOON, BETA, DEPRECATED, DISABLED. Default:
    /// ACTIVE, BETA and COMING_SOON.
    #[serde(default, deserialize_with = "any_case_list")]
    #[param(value_type = Option<Vec<ToolStatusLabel>>)]
    status: Vec<ToolStatus>,
    /// `true`: only featured tools; `false`: only the others.
    featured: Option<bool>,
    /// 1 to 100, default 50.
    limit: Option<u32>,
    /// Default 0.
    offset: Option<u64>,
    /// relevance (default with `search`), name, price, purchase_count (default otherwise),
    /// rating, created_at, popular (most viewed). Ties break by id.
    #[serde(default, deserialize_with = "lower")]
    #[param(value_type = Option<String>)]
    sort_by: Option<SortBy>,
    /// asc or desc (default desc; asc when sorting by name).
    #[serde(default, deserialize_with = "lower")]
    #[param(value_type = Option<String>)]
    sort_order: Option<SortOrder>,
}

/// A decimal query value.
fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw = String::deserialize(d)?;
    raw.parse::<Decimal>()
        .map(Some)
        .map_err(|_| de::Error::custom(format!("{raw:?} is not a decimal number")))
}

impl TryFrom<ToolsQuery> for ToolFilter {
    type Error = BadRequest;

    fn try_from(q: ToolsQuery) -> Result<Self, BadRequest> {
        let query = ToolQuery {
            categories: q.category,
            tiers: q.tier,
            search: q.search,
            tags: q.tags,
            price_min: q.price_min,
            price_max: q.price_max,
            statuses: q.status,
            featured: q.featured,
            limit: q.limit,
            offset: q.offset,
            sort_by: q.sort_by,
            sort_order: q.sort_order,
        };
        ToolFilter::parse(query).map_err(|e| {
            let invalid = BadRequest::new("invalid catalog query");
            match e {
                CatalogError::InvalidFields(faults) => invalid.with_fields(&faults),
                other => invalid.with("query", other.to_string()),
            }
        })
    }
}
