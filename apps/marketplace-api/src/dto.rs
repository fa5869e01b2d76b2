//! The resource shapes of the v1 API, built from domain values at the edge. Nothing here holds
//! a rule: request bodies are checked for shape (garde), then handed to the use cases.

use chrono::{DateTime, Utc};
use garde::Validate;
use marketplace_domain::cart::{CartChange, CartView};
use marketplace_domain::catalog::{Bundle, CategoryCount, ItemRef, Page, Tool};
use marketplace_domain::checkout::Order;
use marketplace_domain::entitlement::Entitlement;
use marketplace_domain::money::Money;
use marketplace_domain::org::Organization;
use marketplace_domain::purchase::{Billing, Purchase};
use marketplace_domain::review::Review;
use marketplace_domain::stats::OrgStats;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::labels::{
    BundleStatusLabel, Category, DecisionLabel, IntegrationLabel, ItemType, OrderStatusLabel,
    PaymentMethodLabel, PriceModelLabel, PurchaseStatusLabel, PurchaseType, ReviewStatusLabel,
    SourceLabel, TierLabel, ToolStatusLabel,
};

/// Money on the wire: a decimal string in the currency's minor unit, and the currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MoneyDto {
    #[schema(example = "49.00")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        let dp = m.currency().minor_units() as usize;
        Self {
            amount: format!("{:.dp$}", m.round_half_up().amount()),
            currency: m.currency().code().to_owned(),
        }
    }
}

impl MoneyDto {
    /// Parses into domain money.
    ///
    /// # Errors
    /// A message for a malformed amount or currency.
    pub fn parse(&self) -> Result<Money, String> {
        let currency = marketplace_domain::money::Currency::parse(&self.currency)
            .map_err(|e| e.to_string())?;
        let amount: Decimal = self
            .amount
            .trim()
            .parse()
            .map_err(|_| format!("amount {:?} is not a decimal", self.amount))?;
        Money::new(amount, currency).map_err(|e| e.to_string())
    }
}

/// The list envelope of the v1 API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDto<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

impl<T: ToSchema> ListDto<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> Self {
        let Page {
            items,
            total,
            limit,
            offset,
        } = page;
        Self {
            items: items.into_iter().map(f).collect(),
            total,
            limit,
            offset,
        }
    }
}

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
}

impl From<Tool> for ToolDto {
    fn from(t: Tool) -> Self {
        let url = |u: &Option<marketplace_domain::catalog::WebUrl>| {
            u.as_ref().map(|u| u.as_str().to_owned())
        };
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

/// One cart line priced live.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartLineDto {
    pub item_type: ItemType,
    pub item_id: Uuid,
    pub name: String,
    pub price: MoneyDto,
    pub list_price: MoneyDto,
    /// False when the item can no longer be bought: checkout will refuse the cart.
    pub available: bool,
}

/// A reference to a catalog item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRefDto {
    pub item_type: ItemType,
    pub item_id: Uuid,
}

impl From<ItemRef> for ItemRefDto {
    fn from(i: ItemRef) -> Self {
        Self {
            item_type: i.kind().into(),
            item_id: i.uuid(),
        }
    }
}

/// The caller's cart with totals derived from live prices (R-K4).
#[derive(Debug, Serialize, ToSchema)]
pub struct CartDto {
    pub lines: Vec<CartLineDto>,
    pub subtotal: MoneyDto,
    pub savings: MoneyDto,
    pub total: MoneyDto,
    pub currency: String,
    /// Lines an added bundle replaced (R-K3); only in the answer to an add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<ItemRefDto>>,
}

impl From<CartView> for CartDto {
    fn from(v: CartView) -> Self {
        Self {
            lines: v
                .lines
                .into_iter()
                .map(|l| CartLineDto {
                    item_type: l.item.kind().into(),
                    item_id: l.item.uuid(),
                    name: l.name,
                    price: l.price.into(),
                    list_price: l.list_price.into(),
                    available: l.available,
                })
                .collect(),
            subtotal: v.subtotal.into(),
            savings: v.savings.into(),
            total: v.total.into(),
            currency: v.currency.code().to_owned(),
            removed: None,
        }
    }
}

impl CartDto {
    #[must_use]
    pub fn with_change(view: CartView, change: CartChange) -> Self {
        let mut dto = Self::from(view);
        dto.removed = Some(change.removed.into_iter().map(ItemRefDto::from).collect());
        dto
    }
}

/// POST /v1/cart/items.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItemBody {
    #[garde(skip)]
    pub item_type: ItemType,
    #[garde(skip)]
    pub item_id: Uuid,
}

/// POST /v1/checkout.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    #[garde(skip)]
    pub payment_method: PaymentMethodLabel,
}

/// An order line with its price snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineDto {
    pub item_type: ItemType,
    pub item_id: Uuid,
    pub name: String,
    pub price_at_purchase: MoneyDto,
}

/// What a client needs to pay a card order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    pub reference: String,
    pub client_secret: Option<String>,
}

/// An order with its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: Uuid,
    pub status: OrderStatusLabel,
    pub payment_method: PaymentMethodLabel,
    pub total: MoneyDto,
    pub refunded: MoneyDto,
    pub lines: Vec<OrderLineDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        Self {
            id: o.id.as_uuid(),
            status: o.status.into(),
            payment_method: o.payment_method.into(),
            total: o.total.into(),
            refunded: o.refunded.into(),
            lines: o
                .lines
                .into_iter()
                .map(|l| OrderLineDto {
                    item_type: l.item.kind().into(),
                    item_id: l.item.uuid(),
                    name: l.name,
                    price_at_purchase: l.price_at_purchase.into(),
                })
                .collect(),
            payment: o.payment.map(|p| PaymentDto {
                reference: p.reference,
                client_secret: p.client_secret,
            }),
            failure_reason: o.failure_reason,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A purchase of a tool or a bundle.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseDto {
    pub id: Uuid,
    pub order_id: Uuid,
    pub purchase_type: PurchaseType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<Uuid>,
    pub status: PurchaseStatusLabel,
    pub amount: MoneyDto,
    pub refunded: MoneyDto,
    pub payment_method: PaymentMethodLabel,
    /// The end of the paid period, for recurring purchases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_period_end: Option<DateTime<Utc>>,
    pub auto_renew: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Purchase> for PurchaseDto {
    fn from(p: Purchase) -> Self {
        let (tool_id, bundle_id) = match p.item {
            ItemRef::Tool(t) => (Some(t.as_uuid()), None),
            ItemRef::Bundle(b) => (None, Some(b.as_uuid())),
        };
        let (current_period_end, auto_renew) = match p.billing {
            Billing::OneTime => (None, false),
            Billing::Recurring {
                period, auto_renew, ..
            } => (Some(period.end()), auto_renew),
        };
        Self {
            id: p.id.as_uuid(),
            order_id: p.order_id.as_uuid(),
            purchase_type: p.item.kind().into(),
            tool_id,
            bundle_id,
            status: p.status.into(),
            amount: p.amount.into(),
            refunded: p.refunded.into(),
            payment_method: p.payment_method.into(),
            current_period_end,
            auto_renew,
            created_at: p.created_at,
        }
    }
}

/// A tool the org may use, with where the right comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntitlementDto {
    pub tool_id: Uuid,
    pub source: SourceLabel,
    pub purchase_id: Uuid,
    pub since: DateTime<Utc>,
    /// The end of a recurring purchase's paid period; null for a lasting one.
    pub until: Option<DateTime<Utc>>,
}

impl From<Entitlement> for EntitlementDto {
    fn from(e: Entitlement) -> Self {
        Self {
            tool_id: e.tool_id.as_uuid(),
            source: e.source.into(),
            purchase_id: e.purchase_id.as_uuid(),
            since: e.granted_at,
            until: e.until,
        }
    }
}

/// A review of a tool.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDto {
    pub id: Uuid,
    pub tool_id: Uuid,
    pub rating: u8,
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: ReviewStatusLabel,
    pub verified_purchase: bool,
    pub helpful_count: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Review> for ReviewDto {
    fn from(r: Review) -> Self {
        Self {
            id: r.id().as_uuid(),
            tool_id: r.tool_id().as_uuid(),
            rating: r.rating().get(),
            title: r.title().map(|t| t.as_str().to_owned()),
            body: r.body().map(|b| b.as_str().to_owned()),
            status: r.status().into(),
            verified_purchase: r.verified_purchase(),
            helpful_count: r.helpful_count(),
            created_at: r.created_at(),
            updated_at: r.updated_at(),
        }
    }
}

/// A review in the moderation queue: the public shape plus what moderators need.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModerationItemDto {
    #[serde(flatten)]
    pub review: ReviewDto,
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub flag_count: u32,
    pub moderated_by: Option<Uuid>,
    pub moderated_at: Option<DateTime<Utc>>,
    pub moderation_notes: Option<String>,
}

impl From<Review> for ModerationItemDto {
    fn from(r: Review) -> Self {
        let moderation = r.moderation().cloned();
        Self {
            user_id: r.user_id().as_uuid(),
            org_id: r.org_id().as_uuid(),
            flag_count: r.flag_count(),
            moderated_by: moderation.as_ref().map(|m| m.by.as_uuid()),
            moderated_at: moderation.as_ref().map(|m| m.at),
            moderation_notes: moderation.and_then(|m| m.notes.map(|n| n.as_str().to_owned())),
            review: r.into(),
        }
    }
}

/// PUT /v1/tools/{id}/reviews/mine.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBodyDto {
    /// 1 to 5.
    #[garde(range(min = 1, max = 5))]
    pub rating: u8,
    #[garde(length(chars, max = 200))]
    pub title: Option<String>,
    #[garde(length(chars, max = 2000))]
    pub body: Option<String>,
}

/// POST /v1/reviews/{id}/flag.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagBody {
    #[garde(length(chars, max = 500))]
    pub reason: Option<String>,
}

/// POST /v1/moderation/reviews/{id}.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    #[garde(skip)]
    pub decision: DecisionLabel,
    #[garde(length(chars, max = 2000))]
    pub notes: Option<String>,
}

/// An org as the platform knows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDto {
    pub id: Uuid,
    pub name: String,
    pub tier: TierLabel,
    pub credits: MoneyDto,
}

impl From<Organization> for OrgDto {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id.as_uuid(),
            name: o.name,
            tier: o.tier.into(),
            credits: o.credits.into(),
        }
    }
}

/// PUT /v1/admin/orgs/{id}.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgBody {
    #[garde(length(chars, min = 1, max = 200))]
    pub name: String,
    #[garde(skip)]
    pub tier: TierLabel,
}

/// POST /v1/admin/orgs/{id}/credits.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditsBody {
    #[garde(skip)]
    pub amount: MoneyDto,
}

/// POST /v1/admin/purchases/{id}/refund: no amount refunds all that remains.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    #[garde(skip)]
    pub amount: Option<MoneyDto>,
}

/// The org's marketplace figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    pub catalog_tools: u64,
    pub catalog_bundles: u64,
    pub purchased_tools: u64,
    pub purchased_bundles: u64,
    pub entitled_tools: u64,
}

impl From<OrgStats> for StatsDto {
    fn from(s: OrgStats) -> Self {
        Self {
            catalog_tools: s.catalog_tools,
            catalog_bundles: s.catalog_bundles,
            purchased_tools: s.purchased_tools,
            purchased_bundles: s.purchased_bundles,
            entitled_tools: s.entitled_tools,
        }
    }
}

/// POST /v1/admin/tools.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

/// PATCH /v1/admin/tools/{id}: only the fields given change.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
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

/// POST /v1/admin/bundles.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

/// PATCH /v1/admin/bundles/{id}.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
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
