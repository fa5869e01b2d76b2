//! What a listing proposes, kind by kind (R-G2). A draft is unfinished by nature: its
//! content is plain data that may still be incomplete or wrong, and only the checks
//! ([`crate::checks`]) say whether it may be submitted. Closed sets of values (category,
//! tier, integration type, interval) are typed, so an unknown label is refused where the
//! draft is written, never stored.

use marketplace_domain::catalog::{IntegrationType, ToolCategory};
use marketplace_domain::ids::{BundleId, ToolId};
use marketplace_domain::plan::BillingInterval;
use marketplace_domain::tier::Tier;
use marketplace_metering::Aggregation;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The five kinds of listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListingKind {
    /// A new tool with its plans.
    Tool,
    /// A bundle of the seller's own tools.
    Bundle,
    /// A new version of one of the seller's tools (a module release).
    Version,
    /// A service (seed 004).
    Service,
    /// A change to one of the seller's published tools.
    Edit,
}
marketplace_kernel::labelled!(ListingKind, "listing kind", {
    Tool => "TOOL", Bundle => "BUNDLE", Version => "VERSION", Service => "SERVICE",
    Edit => "EDIT",
});

/// One plan of a tool listing, or of an edit that replaces the plans (R-B1 applies).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProposal {
    pub code: String,
    pub name: String,
    pub price: Decimal,
    pub currency: String,
    #[serde(with = "label")]
    pub interval: BillingInterval,
    #[serde(default)]
    pub trial_days: u32,
    /// Quotas per meter; each meter must be one the listing declares.
    #[serde(default)]
    pub quotas: Vec<QuotaProposal>,
}

/// A quota of a plan on one of the tool's meters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaProposal {
    pub meter: String,
    pub limit: Decimal,
    pub hard: bool,
}

/// A meter a tool reports usage on (R-U1): what `POST /v1/admin/tools/{id}/meters`
/// takes, published with the tool as that endpoint defines one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterProposal {
    pub key: String,
    /// How a period's events fold into its usage; `count` when the listing does not say.
    #[serde(default = "count")]
    pub aggregation: Aggregation,
    pub unit: String,
    /// For `unique_count`: the event property whose distinct values are counted.
    #[serde(default)]
    pub distinct_by: Option<String>,
}

const fn count() -> Aggregation {
    Aggregation::Count
}

/// The links of a tool; every one must be https to be submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkProposal {
    pub documentation_url: Option<String>,
    pub demo_url: Option<String>,
    pub support_url: Option<String>,
    pub icon_url: Option<String>,
}

impl LinkProposal {
    /// Each link with its field name, absent ones left out.
    #[must_use]
    pub fn named(&self) -> Vec<(&'static str, &str)> {
        [
            ("documentation_url", self.documentation_url.as_deref()),
            ("demo_url", self.demo_url.as_deref()),
            ("support_url", self.support_url.as_deref()),
            ("icon_url", self.icon_url.as_deref()),
        ]
        .into_iter()
        .filter_map(|(field, url)| url.map(|u| (field, u)))
        .collect()
    }
}

/// A new tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolProposal {
    pub name: String,
    pub description: String,
    #[serde(default, with = "label_opt")]
    pub category: Option<ToolCategory>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, with = "label_opt")]
    pub integration_type: Option<IntegrationType>,
    #[serde(default, with = "label_opt")]
    pub required_tier: Option<Tier>,
    #[serde(default)]
    pub links: LinkProposal,
    /// The tool's first version (semver); 1.0.0 when absent.
    pub version: Option<String>,
    #[serde(default)]
    pub plans: Vec<PlanProposal>,
    #[serde(default)]
    pub meters: Vec<MeterProposal>,
}

/// A bundle of the seller's own tools, sold once at its price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleProposal {
    pub name: String,
    pub description: String,
    pub price: Decimal,
    pub currency: String,
    #[serde(default)]
    pub tool_ids: Vec<ToolId>,
}

/// One dependency of a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyProposal {
    pub tool_id: ToolId,
    pub req: String,
    #[serde(default)]
    pub optional: bool,
}

/// A new version of one of the seller's tools (R-I1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionProposal {
    pub tool_id: ToolId,
    pub version: String,
    #[serde(default)]
    pub notes: String,
    /// The host platform versions it runs on, a semver range; any when empty.
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub dependencies: Vec<DependencyProposal>,
}

/// A service (seed 004): a provider's offer, priced, that may accept quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceProposal {
    pub title: String,
    pub category: String,
    pub description: String,
    pub price: Decimal,
    pub currency: String,
    #[serde(default)]
    pub allow_quotes: bool,
}

/// A change to a published tool; `None` keeps the field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditProposal {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, with = "label_opt")]
    pub category: Option<ToolCategory>,
    pub tags: Option<Vec<String>>,
    #[serde(default, with = "label_opt")]
    pub integration_type: Option<IntegrationType>,
    /// New links, each replacing the tool's link of the same name.
    pub links: Option<LinkProposal>,
    /// Plans to add to the tool (a new code) or to change (the code of one it has: renamed,
    /// given new quotas or trial days, repriced only while never sold, R-B1); applied with
    /// the other changes in one step at approval. Plans not named are kept.
    pub plans: Option<Vec<PlanProposal>>,
}

impl EditProposal {
    /// Whether it changes nothing at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What a listing proposes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListingContent {
    Tool(ToolProposal),
    Bundle(BundleProposal),
    Version(VersionProposal),
    Service(ServiceProposal),
    Edit {
        tool_id: ToolId,
        #[serde(flatten)]
        changes: EditProposal,
    },
}

impl ListingContent {
    #[must_use]
    pub const fn kind(&self) -> ListingKind {
        match self {
            Self::Tool(_) => ListingKind::Tool,
            Self::Bundle(_) => ListingKind::Bundle,
            Self::Version(_) => ListingKind::Version,
            Self::Service(_) => ListingKind::Service,
            Self::Edit { .. } => ListingKind::Edit,
        }
    }

    /// A name to show in lists and notices.
    #[must_use]
    pub fn title(&self) -> String {
        match self {
            Self::Tool(t) => t.name.clone(),
            Self::Bundle(b) => b.name.clone(),
            Self::Version(v) => format!("version {}", v.version),
            Self::Service(s) => s.title.clone(),
            Self::Edit { changes, .. } => {
                changes.name.clone().unwrap_or_else(|| "an edit".to_owned())
            }
        }
    }

    /// The published tool it is about (a version or an edit), if any.
    #[must_use]
    pub const fn tool(&self) -> Option<ToolId> {
        match self {
            Self::Version(v) => Some(v.tool_id),
            Self::Edit { tool_id, .. } => Some(*tool_id),
            _ => None,
        }
    }
}

/// What an approved listing became in the public catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    Tool(ToolId),
    Bundle(BundleId),
    /// A version (or an edit) of this tool.
    ToolChange(ToolId),
    /// A service, by the id the services context gave it.
    Service(uuid::Uuid),
}

impl Published {
    /// The id of the public record.
    #[must_use]
    pub const fn id(&self) -> uuid::Uuid {
        match self {
            Self::Tool(id) | Self::ToolChange(id) => id.as_uuid(),
            Self::Bundle(id) => id.as_uuid(),
            Self::Service(id) => *id,
        }
    }
}

/// Serde for a closed set of values as its label.
mod label {
    use marketplace_kernel::labels::Labelled;
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer, T: Labelled>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.label())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Labelled>(d: D) -> Result<T, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(de::Error::custom)
    }
}

/// Serde for an optional closed value as its label.
mod label_opt {
    use marketplace_kernel::labels::Labelled;
    use serde::{Deserialize, Deserializer, Serializer, de};

    #[allow(clippy::ref_option)] // serde's `with` passes the field by reference
    pub fn serialize<S: Serializer, T: Labelled>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v.label()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Labelled>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|raw| raw.parse().map_err(de::Error::custom))
            .transpose()
    }
}
