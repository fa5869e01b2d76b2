//! The platform admins' catalog edits, as drafts and patches that validate into tools and
//! bundles: every field fault is reported at once.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::{
    Bundle, BundleParts, BundleStatus, BundleTool, CatalogError, IntegrationType, ItemName,
    PriceModel, Pricing, Tag, Tool, ToolCategory, ToolLinks, ToolStats, ToolStatus, Version,
    WebUrl,
};
use crate::field::FieldError;
use crate::ids::{BundleId, SellerId, ToolId};
use crate::money::{Currency, Money};
use crate::tier::Tier;

/// A new tool as an admin describes it.
#[derive(Clone, Debug)]
pub struct ToolDraft {
    pub name: String,
    pub description: String,
    pub long_description: Option<String>,
    pub category: ToolCategory,
    pub tags: Vec<String>,
    pub price_model: PriceModel,
    pub price: Decimal,
    pub currency: String,
    pub required_tier: Tier,
    pub integration_type: IntegrationType,
    pub status: ToolStatus,
    pub seller_id: SellerId,
    pub documentation_url: Option<String>,
    pub demo_url: Option<String>,
    pub support_url: Option<String>,
    pub icon_url: Option<String>,
    pub version: Option<String>,
    pub is_featured: bool,
}

/// A change to some of a tool's fields; `None` keeps the field.
#[derive(Clone, Debug, Default)]
pub struct ToolPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<ToolCategory>,
    pub tags: Option<Vec<String>>,
    pub price_model: Option<PriceModel>,
    pub price: Option<Decimal>,
    pub required_tier: Option<Tier>,
    pub integration_type: Option<IntegrationType>,
    pub status: Option<ToolStatus>,
    pub seller_id: Option<SellerId>,
    pub version: Option<String>,
    pub is_featured: Option<bool>,
    /// New links, each replacing the tool's link of the same name.
    pub documentation_url: Option<String>,
    pub demo_url: Option<String>,
    pub support_url: Option<String>,
    pub icon_url: Option<String>,
}

/// Collects field faults so a caller hears of all of them at once.
#[derive(Default)]
struct Faults(Vec<FieldError>);

impl Faults {
    fn take<T>(&mut self, r: Result<T, CatalogError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(CatalogError::InvalidFields(f)) => {
                self.0.extend(f);
                None
            }
            Err(other) => {
                self.0.push(FieldError::new("input", other.to_string()));
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, CatalogError> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ => Err(CatalogError::InvalidFields(self.0)),
        }
    }
}

fn money(field: &'static str, amount: Decimal, currency: &str) -> Result<Money, CatalogError> {
    let currency =
        Currency::parse(currency).map_err(|e| CatalogError::invalid("currency", e.to_string()))?;
    Money::price(amount, currency).map_err(|e| CatalogError::invalid(field, e.to_string()))
}

fn tags(raw: &[String]) -> Result<Vec<Tag>, CatalogError> {
    if raw.len() > 20 {
        return Err(CatalogError::invalid("tags", "at most 20 tags"));
    }
    let mut out: Vec<Tag> = Vec::with_capacity(raw.len());
    for t in raw {
        let tag = Tag::normalized(t)?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

fn url(field: &'static str, raw: Option<&String>) -> Result<Option<WebUrl>, CatalogError> {
    raw.map(|u| WebUrl::parse(field, u)).transpose()
}

impl ToolDraft {
    /// Validates every field into a new tool with zeroed counters.
    ///
    /// # Errors
    /// [`CatalogError::InvalidFields`] with every fault.
    pub fn into_tool(self, id: ToolId, now: DateTime<Utc>) -> Result<Tool, CatalogError> {
        let mut f = Faults::default();
        let name = f.take(ItemName::parse(&self.name));
        let price = f.take(money("price", self.price, &self.currency));
        let pricing = price.and_then(|p| f.take(Pricing::new(self.price_model, p)));
        let tags = f.take(tags(&self.tags));
        let links = ToolLinks {
            documentation: f
                .take(url("documentation_url", self.documentation_url.as_ref()))
                .flatten(),
            demo: f.take(url("demo_url", self.demo_url.as_ref())).flatten(),
            support: f
                .take(url("support_url", self.support_url.as_ref()))
                .flatten(),
            icon: f.take(url("icon_url", self.icon_url.as_ref())).flatten(),
        };
        let version = match &self.version {
            Some(v) => f.take(Version::parse(v)),
            None => Some(Version::default()),
        };
        if self.description.chars().count() > 5000 {
            f.0.push(FieldError::new(
                "description",
                "must be at most 5000 characters",
            ));
        }
        let tool = match (name, pricing, tags, version) {
            (Some(name), Some(pricing), Some(tags), Some(version)) => Some(Tool {
                id,
                name,
                description: self.description,
                long_description: self.long_description,
                category: self.category,
                tags,
                pricing,
                required_tier: self.required_tier,
                integration_type: self.integration_type,
                status: self.status,
                seller_id: self.seller_id,
                links,
                version,
                is_featured: self.is_featured,
                stats: ToolStats::default(),
                created_at: now,
                updated_at: now,
            }),
            _ => None,
        };
        f.finish(tool)
    }
}

impl ToolPatch {
    /// Applies the patch, re-checking R-C2 on the resulting price model and amount.
    ///
    /// # Errors
    /// [`CatalogError::InvalidFields`] with every fault; the tool is then unchanged.
    pub fn apply(self, tool: &Tool, now: DateTime<Utc>) -> Result<Tool, CatalogError> {
        let mut f = Faults::default();
        let mut next = tool.clone();
        if let Some(name) = &self.name {
            next.name = f
                .take(ItemName::parse(name))
                .unwrap_or_else(|| tool.name.clone());
        }
        if let Some(d) = self.description {
            next.description = d;
        }
        if let Some(c) = self.category {
            next.category = c;
        }
        if let Some(t) = &self.tags {
            next.tags = f.take(tags(t)).unwrap_or_default();
        }
        let model = self.price_model.unwrap_or(tool.pricing.model());
        let amount = self.price.unwrap_or(tool.price().amount());
        let currency = tool.price().currency();
        if let Some(price) = f.take(money("price", amount, currency.code()))
            && let Some(p) = f.take(Pricing::new(model, price))
        {
            next.pricing = p;
        }
        if let Some(t) = self.required_tier {
            next.required_tier = t;
        }
        if let Some(i) = self.integration_type {
            next.integration_type = i;
        }
        if let Some(s) = self.status {
            next.status = s;
        }
        if let Some(s) = self.seller_id {
            next.seller_id = s;
        }
        if let Some(v) = &self.version {
            next.version = f
                .take(Version::parse(v))
                .unwrap_or_else(|| tool.version.clone());
        }
        if let Some(b) = self.is_featured {
            next.is_featured = b;
        }
        for (field, raw, link) in [
            (
                "documentation_url",
                &self.documentation_url,
                &mut next.links.documentation,
            ),
            ("demo_url", &self.demo_url, &mut next.links.demo),
            ("support_url", &self.support_url, &mut next.links.support),
            ("icon_url", &self.icon_url, &mut next.links.icon),
        ] {
            if let Some(u) = f.take(url(field, raw.as_ref())).flatten() {
                *link = Some(u);
            }
        }
        next.updated_at = now;
        f.finish(Some(next))
    }
}

/// A new bundle as an admin describes it; the tools are given by id in display order.
#[derive(Clone, Debug)]
pub struct BundleDraft {
    pub name: String,
    pub description: String,
    pub price: Decimal,
    pub currency: String,
    pub required_tier: Tier,
    pub status: BundleStatus,
    pub tool_ids: Vec<ToolId>,
    pub is_featured: bool,
}

/// A change to some of a bundle's fields.
#[derive(Clone, Debug, Default)]
pub struct BundlePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Decimal>,
    pub required_tier: Option<Tier>,
    pub status: Option<BundleStatus>,
    pub tool_ids: Option<Vec<ToolId>>,
    pub is_featured: Option<bool>,
}

impl BundleDraft {
    /// Validates into a bundle over the given tools (already loaded, in display order).
    ///
    /// # Errors
    /// [`CatalogError::InvalidFields`] with every fault (R-C4 included).
    pub fn into_bundle(
        self,
        id: BundleId,
        tools: Vec<BundleTool>,
        now: DateTime<Utc>,
    ) -> Result<Bundle, CatalogError> {
        let mut f = Faults::default();
        let name = f.take(ItemName::parse(&self.name));
        let price = f.take(money("price", self.price, &self.currency));
        let bundle = match (name, price) {
            (Some(name), Some(price)) => f.take(Bundle::new(BundleParts {
                id,
                name,
                description: self.description,
                price,
                required_tier: self.required_tier,
                status: self.status,
                tools,
                is_featured: self.is_featured,
                purchase_count: 0,
                created_at: now,
                updated_at: now,
            })),
            _ => None,
        };
        f.finish(bundle)
    }
}

impl BundlePatch {
    /// Applies the patch; `tools` are the new tools when `tool_ids` was given.
    ///
    /// # Errors
    /// [`CatalogError::InvalidFields`] with every fault (R-C4 included).
    pub fn apply(
        self,
        bundle: &Bundle,
        tools: Option<Vec<BundleTool>>,
        now: DateTime<Utc>,
    ) -> Result<Bundle, CatalogError> {
        let mut f = Faults::default();
        let mut parts = bundle.clone().into_parts();
        if let Some(name) = &self.name
            && let Some(n) = f.take(ItemName::parse(name))
        {
            parts.name = n;
        }
        if let Some(d) = self.description {
            parts.description = d;
        }
        if let Some(p) = self.price
            && let Some(m) = f.take(money("price", p, bundle.currency().code()))
        {
            parts.price = m;
        }
        if let Some(t) = self.required_tier {
            parts.required_tier = t;
        }
        if let Some(s) = self.status {
            parts.status = s;
        }
        if let Some(tools) = tools {
            parts.tools = tools;
        }
        if let Some(b) = self.is_featured {
            parts.is_featured = b;
        }
        parts.updated_at = now;
        let bundle = f.take(Bundle::new(parts));
        f.finish(bundle)
    }
}
