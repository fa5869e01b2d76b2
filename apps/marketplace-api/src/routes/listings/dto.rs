//! The shapes of sellers' registration, listings, checks, notices, opt-in, dashboard and
//! the listings moderation queue. A listing's body is `{"kind": ..., ...}` with the fields
//! of its kind; it is also how a listing shows its content.

use chrono::{DateTime, Utc};
use marketplace_domain::ids::{BundleId, ToolId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::paging::PageRequest;
use marketplace_listings::checks::CheckFailure;
use marketplace_listings::content::{
    BundleProposal, DependencyProposal, EditProposal, LinkProposal, ListingContent, MeterProposal,
    PlanProposal, Published, QuotaProposal, ServiceProposal, ToolProposal, VersionProposal,
};
use marketplace_listings::opt_in::OptIn;
use marketplace_listings::ports::Notice;
use marketplace_listings::review::Diff;
use marketplace_listings::seller::{Registration, SellerProfile};
use marketplace_listings::service::{Dashboard, MonthFigures, ToolFigures};
use marketplace_listings::{Listing, ListingStatus};
use marketplace_metering::Aggregation;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::routes::usage::dto::AggregationDto;
use crate::wire::labels::query::lower;
use crate::wire::labels::{
    Category as CategoryLabel, CheckLabel, IntegrationLabel as IntegrationTypeLabel, IntervalLabel,
    ItemType as ItemKindLabel, ListingKindLabel, ListingOutcomeLabel, ListingStatusLabel,
    TierLabel,
};
use crate::wire::{MoneyDto, page_request};

/// POST /v1/sellers: the caller's org registers as a seller (R-G1).
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    #[garde(length(chars, min = 1, max = 200))]
    pub display_name: String,
    #[garde(length(chars, max = 5000))]
    #[serde(default)]
    pub description: String,
    /// An https URL.
    #[garde(length(max = 500))]
    pub website: Option<String>,
    #[garde(length(min = 3, max = 254))]
    pub support_email: String,
}

impl From<RegisterBody> for Registration {
    fn from(b: RegisterBody) -> Self {
        Self {
            display_name: b.display_name,
            description: b.description,
            website: b.website,
            support_email: b.support_email,
        }
    }
}

/// A seller's public profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct SellerProfileDto {
    pub seller_id: Uuid,
    pub display_name: String,
    pub description: String,
    pub website: Option<String>,
    pub support_email: String,
}

impl From<SellerProfile> for SellerProfileDto {
    fn from(p: SellerProfile) -> Self {
        Self {
            seller_id: p.seller_id().as_uuid(),
            display_name: p.display_name().to_owned(),
            description: p.description().to_owned(),
            website: p.website().map(str::to_owned),
            support_email: p.support_email().to_owned(),
        }
    }
}

/// Money whose amount must be a decimal, its currency checked with the listing.
fn amount(field: &'static str, m: &MoneyDto) -> Result<(Decimal, String), BadRequest> {
    let amount =
        m.amount.trim().parse::<Decimal>().map_err(|_| {
            BadRequest::field(field, format!("amount {:?} is not a decimal", m.amount))
        })?;
    Ok((amount, m.currency.clone()))
}

fn money_out(amount: Decimal, currency: &str) -> MoneyDto {
    match Currency::parse(currency)
        .ok()
        .and_then(|c| Money::new(amount, c).ok())
    {
        Some(m) => m.into(),
        None => MoneyDto {
            amount: amount.to_string(),
            currency: currency.to_owned(),
        },
    }
}

/// A plan of a tool listing (R-B1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    #[schema(example = "PRO")]
    pub code: String,
    pub name: String,
    pub price: MoneyDto,
    pub interval: IntervalLabel,
    #[serde(default)]
    pub trial_days: u32,
    #[serde(default)]
    pub quotas: Vec<QuotaBody>,
}

/// A quota of a plan on one of the tool's meters.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaBody {
    pub meter: String,
    /// A decimal string.
    pub limit: String,
    pub hard: bool,
}

/// A meter the tool reports usage on (R-U1), as `POST /v1/admin/tools/{id}/meters` takes
/// it; published with the tool.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeterBody {
    /// 1 to 64 lower-case letters, digits or underscores, starting with a letter.
    #[schema(example = "api_calls")]
    pub key: String,
    /// `count` when absent.
    #[serde(default)]
    pub aggregation: Option<AggregationDto>,
    /// What one unit is, for people (`call`, `row`, `GB`).
    #[schema(example = "call")]
    pub unit: String,
    /// For `unique_count`: the event property whose distinct values are counted.
    #[serde(default)]
    pub distinct_by: Option<String>,
}

/// A tool's links; each must be https to be submitted.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinksBody {
    pub documentation_url: Option<String>,
    pub demo_url: Option<String>,
    pub support_url: Option<String>,
    pub icon_url: Option<String>,
}

/// `kind: tool`: a new tool with its plans and meters.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolListingBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub category: Option<CategoryLabel>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub integration_type: Option<IntegrationTypeLabel>,
    pub required_tier: Option<TierLabel>,
    #[serde(default)]
    pub links: LinksBody,
    /// The first version (semver); 1.0.0 when absent.
    pub version: Option<String>,
    #[serde(default)]
    pub plans: Vec<PlanBody>,
    #[serde(default)]
    pub meters: Vec<MeterBody>,
}

/// `kind: bundle`: a bundle of the seller's own tools, sold once at its price.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleListingBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub price: MoneyDto,
    #[serde(default)]
    pub tool_ids: Vec<Uuid>,
}

/// A dependency of a version.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyBody {
    pub tool_id: Uuid,
    #[schema(example = "^1.2")]
    pub req: String,
    #[serde(default)]
    pub optional: bool,
}

/// `kind: version`: a new version of one of the seller's tools (R-I1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionListingBody {
    pub tool_id: Uuid,
    #[schema(example = "1.1.0")]
    pub version: String,
    #[serde(default)]
    pub notes: String,
    /// The host platform versions it runs on (a semver range); any when empty.
    #[serde(default)]
    #[schema(example = ">=2.0")]
    pub platform: String,
    #[serde(default)]
    pub dependencies: Vec<DependencyBody>,
}

/// `kind: service`: a service (seed 004).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceListingBody {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    pub price: MoneyDto,
    #[serde(default)]
    pub allow_quotes: bool,
}

/// `kind: edit`: a change to one of the seller's published tools; absent fields stay.
/// Plans given are added to the tool.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditListingBody {
    pub tool_id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<CategoryLabel>,
    pub tags: Option<Vec<String>>,
    pub integration_type: Option<IntegrationTypeLabel>,
    pub links: Option<LinksBody>,
    pub plans: Option<Vec<PlanBody>>,
}

/// A listing's content: `{"kind": "tool"|"bundle"|"version"|"service"|"edit", ...}` with
/// the fields of that kind.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListingBody {
    Tool(ToolListingBody),
    Bundle(BundleListingBody),
    Version(VersionListingBody),
    Service(ServiceListingBody),
    Edit(EditListingBody),
}

impl garde::Validate for ListingBody {
    type Context = ();

    fn validate_into(
        &self,
        _: &Self::Context,
        _: &mut dyn FnMut() -> garde::Path,
        _: &mut garde::Report,
    ) {
        // Every field is checked by the listing's automated checks (R-G2), which answer
        // with one field error per failure.
    }
}

fn plan_in(p: PlanBody) -> Result<PlanProposal, BadRequest> {
    let (price, currency) = amount("plans", &p.price)?;
    let quotas = p
        .quotas
        .into_iter()
        .map(|q| {
            let limit = q.limit.trim().parse::<Decimal>().map_err(|_| {
                BadRequest::field(
                    "plans",
                    format!("quota limit {:?} is not a decimal", q.limit),
                )
            })?;
            Ok(QuotaProposal {
                meter: q.meter,
                limit,
                hard: q.hard,
            })
        })
        .collect::<Result<_, BadRequest>>()?;
    Ok(PlanProposal {
        code: p.code,
        name: p.name,
        price,
        currency,
        interval: p.interval.0,
        trial_days: p.trial_days,
        quotas,
    })
}

fn plan_out(p: &PlanProposal) -> PlanBody {
    PlanBody {
        code: p.code.clone(),
        name: p.name.clone(),
        price: money_out(p.price, &p.currency),
        interval: p.interval.into(),
        trial_days: p.trial_days,
        quotas: p
            .quotas
            .iter()
            .map(|q| QuotaBody {
                meter: q.meter.clone(),
                limit: q.limit.to_string(),
                hard: q.hard,
            })
            .collect(),
    }
}

fn links_in(l: LinksBody) -> LinkProposal {
    LinkProposal {
        documentation_url: l.documentation_url,
        demo_url: l.demo_url,
        support_url: l.support_url,
        icon_url: l.icon_url,
    }
}

fn links_out(l: &LinkProposal) -> LinksBody {
    LinksBody {
        documentation_url: l.documentation_url.clone(),
        demo_url: l.demo_url.clone(),
        support_url: l.support_url.clone(),
        icon_url: l.icon_url.clone(),
    }
}

impl TryFrom<ListingBody> for ListingContent {
    type Error = BadRequest;

    fn try_from(b: ListingBody) -> Result<Self, BadRequest> {
        Ok(match b {
            ListingBody::Tool(t) => Self::Tool(ToolProposal {
                name: t.name,
                description: t.description,
                category: t.category.map(|c| c.0),
                tags: t.tags,
                integration_type: t.integration_type.map(|i| i.0),
                required_tier: t.required_tier.map(|t| t.0),
                links: links_in(t.links),
                version: t.version,
                plans: t.plans.into_iter().map(plan_in).collect::<Result<_, _>>()?,
                meters: t
                    .meters
                    .into_iter()
                    .map(|m| MeterProposal {
                        key: m.key,
                        aggregation: m.aggregation.map_or(Aggregation::Count, Into::into),
                        unit: m.unit,
                        distinct_by: m.distinct_by,
                    })
                    .collect(),
            }),
            ListingBody::Bundle(b) => {
                let (price, currency) = amount("price", &b.price)?;
                Self::Bundle(BundleProposal {
                    name: b.name,
                    description: b.description,
                    price,
                    currency,
                    tool_ids: b.tool_ids.into_iter().map(ToolId::from_uuid).collect(),
                })
            }
            ListingBody::Version(v) => Self::Version(VersionProposal {
                tool_id: ToolId::from_uuid(v.tool_id),
                version: v.version,
                notes: v.notes,
                platform: v.platform,
                dependencies: v
                    .dependencies
                    .into_iter()
                    .map(|d| DependencyProposal {
                        tool_id: ToolId::from_uuid(d.tool_id),
                        req: d.req,
                        optional: d.optional,
                    })
                    .collect(),
            }),
            ListingBody::Service(s) => {
                let (price, currency) = amount("price", &s.price)?;
                Self::Service(ServiceProposal {
                    title: s.title,
                    category: s.category,
                    description: s.description,
                    price,
                    currency,
                    allow_quotes: s.allow_quotes,
                })
            }
            ListingBody::Edit(e) => Self::Edit {
                tool_id: ToolId::from_uuid(e.tool_id),
                changes: EditProposal {
                    name: e.name,
                    description: e.description,
                    category: e.category.map(|c| c.0),
                    tags: e.tags,
                    integration_type: e.integration_type.map(|i| i.0),
                    links: e.links.map(links_in),
                    plans: e
                        .plans
                        .map(|ps| ps.into_iter().map(plan_in).collect::<Result<_, _>>())
                        .transpose()?,
                },
            },
        })
    }
}

impl From<&ListingContent> for ListingBody {
    fn from(c: &ListingContent) -> Self {
        match c {
            ListingContent::Tool(t) => Self::Tool(ToolListingBody {
                name: t.name.clone(),
                description: t.description.clone(),
                category: t.category.map(Into::into),
                tags: t.tags.clone(),
                integration_type: t.integration_type.map(Into::into),
                required_tier: t.required_tier.map(Into::into),
                links: links_out(&t.links),
                version: t.version.clone(),
                plans: t.plans.iter().map(plan_out).collect(),
                meters: t
                    .meters
                    .iter()
                    .map(|m| MeterBody {
                        key: m.key.clone(),
                        aggregation: Some(m.aggregation.into()),
                        unit: m.unit.clone(),
                        distinct_by: m.distinct_by.clone(),
                    })
                    .collect(),
            }),
            ListingContent::Bundle(b) => Self::Bundle(BundleListingBody {
                name: b.name.clone(),
                description: b.description.clone(),
                price: money_out(b.price, &b.currency),
                tool_ids: b.tool_ids.iter().map(ToolId::as_uuid).collect(),
            }),
            ListingContent::Version(v) => Self::Version(VersionListingBody {
                tool_id: v.tool_id.as_uuid(),
                version: v.version.clone(),
                notes: v.notes.clone(),
                platform: v.platform.clone(),
                dependencies: v
                    .dependencies
                    .iter()
                    .map(|d| DependencyBody {
                        tool_id: d.tool_id.as_uuid(),
                        req: d.req.clone(),
                        optional: d.optional,
                    })
                    .collect(),
            }),
            ListingContent::Service(s) => Self::Service(ServiceListingBody {
                title: s.title.clone(),
                category: s.category.clone(),
                description: s.description.clone(),
                price: money_out(s.price, &s.currency),
                allow_quotes: s.allow_quotes,
            }),
            ListingContent::Edit { tool_id, changes } => Self::Edit(EditListingBody {
                tool_id: tool_id.as_uuid(),
                name: changes.name.clone(),
                description: changes.description.clone(),
                category: changes.category.map(Into::into),
                tags: changes.tags.clone(),
                integration_type: changes.integration_type.map(Into::into),
                links: changes.links.as_ref().map(links_out),
                plans: changes
                    .plans
                    .as_ref()
                    .map(|ps| ps.iter().map(plan_out).collect()),
            }),
        }
    }
}

/// A moderator's decision on a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    pub outcome: ListingOutcomeLabel,
    /// The moderator; none for an edit published at once.
    pub by: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub notes: Option<String>,
}

/// What an approved listing became.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedDto {
    /// `tool`, `bundle`, `tool_change` (a version or an edit of this tool) or `service`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Uuid,
}

/// A listing and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingDto {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub kind: ListingKindLabel,
    pub status: ListingStatusLabel,
    pub title: String,
    pub content: ListingBody,
    pub decision: Option<DecisionDto>,
    pub published: Option<PublishedDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl From<Listing> for ListingDto {
    fn from(l: Listing) -> Self {
        let p = l.parts();
        Self {
            id: p.id.as_uuid(),
            seller_id: p.seller_id.as_uuid(),
            kind: p.content.kind().into(),
            status: p.status.into(),
            title: p.content.title(),
            content: ListingBody::from(&p.content),
            decision: p.decision.as_ref().map(|d| DecisionDto {
                outcome: d.outcome.into(),
                by: d.by.map(|u| u.as_uuid()),
                at: d.at,
                notes: d.notes.as_ref().map(|n| n.as_str().to_owned()),
            }),
            published: p.published.map(|x| PublishedDto {
                kind: match x {
                    Published::Tool(_) => "tool",
                    Published::Bundle(_) => "bundle",
                    Published::ToolChange(_) => "tool_change",
                    Published::Service(_) => "service",
                },
                id: x.id(),
            }),
            created_at: p.created_at,
            updated_at: p.updated_at,
            submitted_at: p.submitted_at,
        }
    }
}

/// A seller's listings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingsDto {
    pub items: Vec<ListingDto>,
    pub total: u64,
}

/// One failed check.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckFailureDto {
    pub check: CheckLabel,
    pub field: &'static str,
    pub message: String,
}

impl From<CheckFailure> for CheckFailureDto {
    fn from(f: CheckFailure) -> Self {
        Self {
            check: f.check.into(),
            field: f.fault.field,
            message: f.fault.message,
        }
    }
}

/// The automated checks' answer on a listing, without submitting it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecksDto {
    pub passed: bool,
    pub failures: Vec<CheckFailureDto>,
}

/// One field a submission changes, and whether it needs a moderator.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    pub field: &'static str,
    pub needs_review: bool,
}

/// A submission: the listing (`submitted`, or `published` for an edit that needs no
/// review) and what it changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedDto {
    pub listing: ListingDto,
    pub needs_review: bool,
    pub changes: Vec<ChangeDto>,
}

impl SubmittedDto {
    #[must_use]
    pub fn new(listing: Listing, diff: &Diff) -> Self {
        Self {
            listing: listing.into(),
            needs_review: diff.needs_review(),
            changes: diff
                .changes
                .iter()
                .map(|c| ChangeDto {
                    field: c.field,
                    needs_review: c.matters,
                })
                .collect(),
        }
    }
}

/// A notice to the seller about one of its listings.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDto {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub title: String,
    pub outcome: ListingOutcomeLabel,
    pub notes: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<Notice> for NoticeDto {
    fn from(n: Notice) -> Self {
        Self {
            id: n.id.as_uuid(),
            listing_id: n.listing_id.as_uuid(),
            title: n.title,
            outcome: n.outcome.into(),
            notes: n.notes,
            at: n.at,
        }
    }
}

/// The seller's notices, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticesDto {
    pub items: Vec<NoticeDto>,
}

/// One product's choice.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductChoiceDto {
    /// The tool's or bundle's id.
    pub product: Uuid,
    /// `tool` (the default) or `bundle`.
    #[serde(default = "tool_kind")]
    pub item_type: ItemKindLabel,
    pub enabled: bool,
}

fn tool_kind() -> ItemKindLabel {
    ItemKindLabel(marketplace_domain::catalog::ItemKind::Tool)
}

/// GET and PUT /v1/sellers/me/opt-in (R-G5): whether the seller's items are offered to
/// new buyers, globally and per product. Holders keep their access either way.
#[derive(Debug, Serialize, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptInDto {
    #[garde(skip)]
    pub enabled: bool,
    #[garde(length(max = 500))]
    #[serde(default)]
    pub products: Vec<ProductChoiceDto>,
}

impl From<OptInDto> for OptIn {
    fn from(d: OptInDto) -> Self {
        Self::new(
            d.enabled,
            d.products.into_iter().map(|p| {
                let item = match p.item_type.0 {
                    marketplace_domain::catalog::ItemKind::Tool => {
                        ItemRef::Tool(ToolId::from_uuid(p.product))
                    }
                    marketplace_domain::catalog::ItemKind::Bundle => {
                        ItemRef::Bundle(BundleId::from_uuid(p.product))
                    }
                };
                (item, p.enabled)
            }),
        )
    }
}

impl From<OptIn> for OptInDto {
    fn from(o: OptIn) -> Self {
        Self {
            enabled: o.enabled(),
            products: o
                .products()
                .map(|(item, enabled)| {
                    let (kind, id) = match item {
                        ItemRef::Tool(t) => {
                            (marketplace_domain::catalog::ItemKind::Tool, t.as_uuid())
                        }
                        ItemRef::Bundle(b) => {
                            (marketplace_domain::catalog::ItemKind::Bundle, b.as_uuid())
                        }
                    };
                    ProductChoiceDto {
                        product: id,
                        item_type: ItemKindLabel(kind),
                        enabled,
                    }
                })
                .collect(),
        }
    }
}

/// One month of sales from the ledger (R-M6's statement totals).
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthDto {
    #[schema(example = "2026-12")]
    pub month: String,
    /// Sales in the month.
    pub units: u32,
    pub gross: MoneyDto,
    pub fees: MoneyDto,
    pub refunds: MoneyDto,
    /// What the seller earned: gross less fees and refunds.
    pub net: MoneyDto,
}

impl From<MonthFigures> for MonthDto {
    fn from(m: MonthFigures) -> Self {
        let s = m.statement;
        Self {
            month: format!("{:04}-{:02}", s.month.year(), s.month.month()),
            units: s.totals.units,
            gross: s.totals.gross.into(),
            fees: s.totals.fees.into(),
            refunds: s.totals.refunds.into(),
            net: s.totals.net.into(),
        }
    }
}

/// Install, update and rollback attempts on a tool over every org (R-I7).
#[derive(Debug, Serialize, ToSchema)]
pub struct InstallSuccessDto {
    pub succeeded: u64,
    pub attempts: u64,
    pub percent: u8,
}

/// One of the seller's tools and its figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolFiguresDto {
    pub tool_id: Uuid,
    pub name: String,
    pub purchase_count: u64,
    pub view_count: u64,
    /// Purchases per hundred views, as a decimal string; none without views.
    pub conversion_percent: Option<String>,
    /// A decimal string; none without an approved review.
    pub avg_rating: Option<String>,
    pub review_count: u64,
    pub install_success: Option<InstallSuccessDto>,
}

impl From<ToolFigures> for ToolFiguresDto {
    fn from(f: ToolFigures) -> Self {
        let stats = &f.tool.stats;
        let conversion = (stats.view_count > 0).then(|| {
            (Decimal::from(stats.purchase_count) * Decimal::ONE_HUNDRED
                / Decimal::from(stats.view_count))
            .round_dp(2)
            .to_string()
        });
        Self {
            tool_id: f.tool.id.as_uuid(),
            name: f.tool.name.as_str().to_owned(),
            purchase_count: stats.purchase_count,
            view_count: stats.view_count,
            conversion_percent: conversion,
            avg_rating: stats.avg_rating.map(|r| r.to_string()),
            review_count: stats.review_count,
            install_success: f.install_success.map(|r| InstallSuccessDto {
                succeeded: r.succeeded(),
                attempts: r.attempts(),
                percent: r.percent(),
            }),
        }
    }
}

/// GET /v1/sellers/me/dashboard (R-G4).
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDto {
    pub seller_id: Uuid,
    /// How many listings stand in each state: `draft`, `submitted`, `published`,
    /// `rejected`.
    pub listings: BTreeMap<String, u64>,
    /// The last twelve months, oldest first.
    pub months: Vec<MonthDto>,
    pub tools: Vec<ToolFiguresDto>,
}

impl From<Dashboard> for DashboardDto {
    fn from(d: Dashboard) -> Self {
        Self {
            seller_id: d.seller_id.as_uuid(),
            listings: d
                .listings
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
            months: d.months.into_iter().map(Into::into).collect(),
            tools: d.tools.into_iter().map(Into::into).collect(),
        }
    }
}

/// The listings moderation queue's filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingQueueQuery {
    /// `submitted` (the default), `draft`, `published` or `rejected`.
    #[serde(default, deserialize_with = "lower")]
    #[param(value_type = Option<ListingStatusLabel>)]
    pub status: Option<ListingStatus>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}

impl ListingQueueQuery {
    /// # Errors
    /// [`BadRequest`] for a limit outside 1..=100.
    pub fn page(&self) -> Result<PageRequest, BadRequest> {
        page_request(self.limit, self.offset)
    }
}

/// A listing in the moderation queue: with the org it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedListingDto {
    #[serde(flatten)]
    pub listing: ListingDto,
    pub org_id: Uuid,
}

impl From<Listing> for QueuedListingDto {
    fn from(l: Listing) -> Self {
        Self {
            org_id: l.org_id().as_uuid(),
            listing: l.into(),
        }
    }
}
