//! The automated checks a listing must pass to be submitted (R-G2). Each check is a plain
//! function with a name ([`Check`]); [`run`] runs every check that applies to the
//! listing's kind and reports every failure at once, each on the field at fault. A seller
//! may run them on a draft without submitting it.
//!
//! The checks reuse the catalog's, plans' and modules' own rules (names, tags, URLs,
//! prices, plans, version requirements), so a listing that passes is one those contexts
//! accept; what they add is what only a seller's listing needs: https links, a unique
//! name, a version above the last, dependencies that exist, tools of the seller's own.

use std::collections::BTreeSet;

use marketplace_domain::catalog::{CatalogError, ItemName, Tag, WebUrl};
use marketplace_domain::field::FieldError;
use marketplace_domain::ids::{PlanId, ToolId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::plan::{
    ItemPlans, MeterKey, OveragePrice, Plan, PlanCode, PlanDraft, PlanError, PlanName, Quota,
    QuotaKind, Quotas, ToolMeter, TrialDays,
};
use marketplace_modules::Requirement;
use semver::Version;

use crate::content::{
    BundleProposal, DependencyProposal, EditProposal, LinkProposal, ListingContent, MeterProposal,
    PlanProposal, ServiceProposal, ToolProposal, VersionProposal,
};

/// The checks, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// Every field the kind needs is there.
    RequiredFields,
    /// Names, descriptions, tags and categories within the catalog's bounds.
    FieldFormats,
    /// Every link is an https URL.
    HttpsUrls,
    /// Prices are money of the currency's precision and plans follow R-B1 (codes unique,
    /// one currency, trials and overage only on recurring plans, quotas on declared
    /// meters).
    PriceAndPlanRules,
    /// No other tool or bundle has the name.
    UniqueName,
    /// A version is valid semver and greater than the tool's last.
    SemverGreaterThanLast,
    /// Every dependency is a tool of the catalog, with a valid requirement.
    DependenciesExist,
    /// A bundle, a version or an edit concerns only the seller's own tools.
    OwnTools,
}
marketplace_kernel::labelled!(Check, "check", {
    RequiredFields => "REQUIRED_FIELDS", FieldFormats => "FIELD_FORMATS",
    HttpsUrls => "HTTPS_URLS", PriceAndPlanRules => "PRICE_AND_PLAN_RULES",
    UniqueName => "UNIQUE_NAME", SemverGreaterThanLast => "SEMVER_GREATER_THAN_LAST",
    DependenciesExist => "DEPENDENCIES_EXIST", OwnTools => "OWN_TOOLS",
});

/// One failed check, on one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    pub check: Check,
    pub fault: FieldError,
}

impl CheckFailure {
    fn new(check: Check, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            check,
            fault: FieldError::new(field, message),
        }
    }
}

/// What the checks need to know beyond the listing, gathered by the service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckContext {
    /// Whether another tool or bundle of the catalog has the listing's name already.
    pub name_taken: bool,
    /// The newest version the tool has published (a version listing).
    pub last_version: Option<Version>,
    /// The tools among those the listing names that the catalog lists.
    pub known_tools: BTreeSet<ToolId>,
    /// The tools the seller sells.
    pub own_tools: BTreeSet<ToolId>,
}

/// Runs every check that applies to `content`; empty when it may be submitted.
#[must_use]
pub fn run(content: &ListingContent, ctx: &CheckContext) -> Vec<CheckFailure> {
    let mut out = Vec::new();
    match content {
        ListingContent::Tool(t) => {
            out.extend(required_fields_of_tool(t));
            out.extend(tool_formats(t));
            out.extend(https_urls(&t.links));
            out.extend(price_and_plan_rules(&t.plans, Some(&t.meters)));
            out.extend(unique_name(ctx.name_taken));
        }
        ListingContent::Bundle(b) => {
            out.extend(required_fields_of_bundle(b));
            out.extend(bundle_price(b));
            out.extend(unique_name(ctx.name_taken));
            out.extend(own_tools("tool_ids", &b.tool_ids, &ctx.own_tools));
        }
        ListingContent::Version(v) => {
            out.extend(own_tools("tool_id", &[v.tool_id], &ctx.own_tools));
            out.extend(semver_greater_than_last(
                &v.version,
                ctx.last_version.as_ref(),
            ));
            out.extend(dependencies_exist(v, &ctx.known_tools));
        }
        ListingContent::Service(s) => {
            out.extend(service_fields(s));
        }
        ListingContent::Edit { tool_id, changes } => {
            out.extend(own_tools("tool_id", &[*tool_id], &ctx.own_tools));
            out.extend(edit_fields(changes));
            if changes.name.is_some() {
                out.extend(unique_name(ctx.name_taken));
            }
        }
    }
    out
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn catalog_faults(check: Check, e: CatalogError) -> Vec<CheckFailure> {
    match e {
        CatalogError::InvalidFields(faults) => faults
            .into_iter()
            .map(|fault| CheckFailure { check, fault })
            .collect(),
        other => vec![CheckFailure::new(check, "input", other.to_string())],
    }
}

/// [`Check::RequiredFields`] for a tool: a name, a description, a category, an
/// integration type, and at least one plan (a tool without one is "contact sales", which
/// a seller arranges with the platform, not through a listing).
#[must_use]
pub fn required_fields_of_tool(t: &ToolProposal) -> Vec<CheckFailure> {
    let c = Check::RequiredFields;
    let mut out = Vec::new();
    if blank(&t.name) {
        out.push(CheckFailure::new(c, "name", "is required"));
    }
    if blank(&t.description) {
        out.push(CheckFailure::new(c, "description", "is required"));
    }
    if t.category.is_none() {
        out.push(CheckFailure::new(c, "category", "is required"));
    }
    if t.integration_type.is_none() {
        out.push(CheckFailure::new(c, "integration_type", "is required"));
    }
    if t.plans.is_empty() {
        out.push(CheckFailure::new(
            c,
            "plans",
            "at least one plan is required",
        ));
    }
    out
}

/// [`Check::RequiredFields`] for a bundle: a name, a description, two tools or more.
#[must_use]
pub fn required_fields_of_bundle(b: &BundleProposal) -> Vec<CheckFailure> {
    let c = Check::RequiredFields;
    let mut out = Vec::new();
    if blank(&b.name) {
        out.push(CheckFailure::new(c, "name", "is required"));
    }
    if blank(&b.description) {
        out.push(CheckFailure::new(c, "description", "is required"));
    }
    let distinct: BTreeSet<_> = b.tool_ids.iter().collect();
    if distinct.len() < 2 || distinct.len() != b.tool_ids.len() {
        out.push(CheckFailure::new(
            c,
            "tool_ids",
            "a bundle holds two or more distinct tools",
        ));
    }
    out
}

/// [`Check::FieldFormats`] for a tool: the catalog's bounds on name, description, tags and
/// its first version.
#[must_use]
pub fn tool_formats(t: &ToolProposal) -> Vec<CheckFailure> {
    let c = Check::FieldFormats;
    let mut out = Vec::new();
    if !blank(&t.name)
        && let Err(e) = ItemName::parse(&t.name)
    {
        out.extend(catalog_faults(c, e));
    }
    if t.description.chars().count() > 5000 {
        out.push(CheckFailure::new(
            c,
            "description",
            "must be at most 5000 characters",
        ));
    }
    out.extend(tag_formats(&t.tags));
    if let Some(v) = &t.version
        && Version::parse(v).is_err()
    {
        out.push(CheckFailure::new(c, "version", "must be a semver version"));
    }
    out
}

fn tag_formats(tags: &[String]) -> Vec<CheckFailure> {
    let c = Check::FieldFormats;
    if tags.len() > 20 {
        return vec![CheckFailure::new(c, "tags", "at most 20 tags")];
    }
    tags.iter()
        .filter_map(|t| Tag::normalized(t).err())
        .flat_map(|e| catalog_faults(c, e))
        .collect()
}

/// [`Check::HttpsUrls`]: every link given is an https URL the catalog accepts (R-C1 allows
/// http; a listing asks for https).
#[must_use]
pub fn https_urls(links: &LinkProposal) -> Vec<CheckFailure> {
    let c = Check::HttpsUrls;
    let mut out = Vec::new();
    for (field, url) in links.named() {
        if !url.starts_with("https://") {
            out.push(CheckFailure::new(c, field, "must be an https URL"));
        } else if let Err(e) = WebUrl::parse(field, url) {
            out.extend(catalog_faults(c, e));
        }
    }
    out
}

/// [`Check::PriceAndPlanRules`]: each plan is a valid plan of R-B1, the plans together are
/// a valid lineup (unique codes, one currency), and, when the listing declares meters,
/// every quota is on one of them with a valid meter key.
#[must_use]
pub fn price_and_plan_rules(
    plans: &[PlanProposal],
    meters: Option<&[MeterProposal]>,
) -> Vec<CheckFailure> {
    let c = Check::PriceAndPlanRules;
    let mut out = Vec::new();
    let mut declared = BTreeSet::new();
    for m in meters.unwrap_or_default() {
        match meter(m) {
            Ok(k) if declared.insert(k.key().as_str().to_owned()) => {}
            Ok(_) => out.push(CheckFailure::new(c, "meters", "a meter is declared twice")),
            Err(e) => out.push(CheckFailure::new(c, "meters", e)),
        }
    }
    // Validation only: the plans are checked as plans of a placeholder item.
    let item = ItemRef::Tool(ToolId::from_uuid(uuid::Uuid::nil()));
    let mut valid = Vec::new();
    for p in plans {
        if let Some(meters) = meters {
            for q in &p.quotas {
                if !meters.iter().any(|m| m.key == q.meter) {
                    out.push(CheckFailure::new(
                        c,
                        "plans",
                        format!("plan {}: meter {} is not declared", p.code, q.meter),
                    ));
                }
            }
        }
        match plan(p).and_then(|d| Plan::new(PlanId::from_uuid(uuid::Uuid::nil()), item, d)) {
            Ok(plan) => valid.push(plan),
            Err(e) => out.push(CheckFailure::new(
                c,
                "plans",
                format!("plan {}: {e}", p.code),
            )),
        }
    }
    if let Err(e) = ItemPlans::new(item, valid) {
        out.push(CheckFailure::new(c, "plans", e.to_string()));
    }
    out
}

/// A meter proposal as the metering context defines a tool's meter (R-U1), through the
/// same parse as the meters endpoint.
///
/// # Errors
/// The fault, naming the meter's part at fault (`key`, `unit`, `distinct_by`).
pub fn meter(m: &MeterProposal) -> Result<ToolMeter, String> {
    ToolMeter::from_input(&m.key, m.aggregation, &m.unit, m.distinct_by.as_deref())
        .map_err(|(part, message)| format!("meter {}: {part}: {message}", m.key))
}

/// A plan proposal as the plans context's draft.
///
/// # Errors
/// The first [`PlanError`] of its parts.
pub fn plan(p: &PlanProposal) -> Result<PlanDraft, PlanError> {
    let currency = Currency::parse(&p.currency)?;
    let price = Money::price(p.price, currency)?;
    let quotas = p
        .quotas
        .iter()
        .map(|q| {
            let kind = if q.hard {
                QuotaKind::Hard
            } else {
                QuotaKind::Soft
            };
            Quota::new(MeterKey::parse(&q.meter)?, q.limit, kind)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PlanDraft {
        code: PlanCode::parse(&p.code)?,
        name: PlanName::parse(&p.name)?,
        price,
        interval: p.interval,
        trial_days: TrialDays::new(p.trial_days)?,
        quotas: Quotas::new(quotas, Vec::<OveragePrice>::new())?,
        provider_price: None,
    })
}

/// [`Check::PriceAndPlanRules`] for a bundle: its price is money of its currency.
#[must_use]
pub fn bundle_price(b: &BundleProposal) -> Vec<CheckFailure> {
    let c = Check::PriceAndPlanRules;
    match Currency::parse(&b.currency) {
        Err(e) => vec![CheckFailure::new(c, "currency", e.to_string())],
        Ok(cur) => match Money::price(b.price, cur) {
            Ok(_) => Vec::new(),
            Err(e) => vec![CheckFailure::new(c, "price", e.to_string())],
        },
    }
}

/// [`Check::UniqueName`]: no other catalog item has the name (case-insensitive).
#[must_use]
pub fn unique_name(taken: bool) -> Vec<CheckFailure> {
    if taken {
        vec![CheckFailure::new(
            Check::UniqueName,
            "name",
            "another tool or bundle has this name",
        )]
    } else {
        Vec::new()
    }
}

/// [`Check::SemverGreaterThanLast`]: the version parses as semver and is greater than the
/// tool's last published one.
#[must_use]
pub fn semver_greater_than_last(raw: &str, last: Option<&Version>) -> Vec<CheckFailure> {
    let c = Check::SemverGreaterThanLast;
    match Version::parse(raw.trim()) {
        Err(_) => vec![CheckFailure::new(
            c,
            "version",
            "must be a semver version such as 1.2.0",
        )],
        Ok(v) => match last {
            Some(last) if v <= *last => vec![CheckFailure::new(
                c,
                "version",
                format!("must be greater than the last version, {last}"),
            )],
            _ => Vec::new(),
        },
    }
}

/// [`Check::DependenciesExist`]: the platform range and every requirement parse, and each
/// dependency is another tool the catalog lists.
#[must_use]
pub fn dependencies_exist(v: &VersionProposal, known: &BTreeSet<ToolId>) -> Vec<CheckFailure> {
    let c = Check::DependenciesExist;
    let mut out = Vec::new();
    if !v.platform.trim().is_empty()
        && let Err(e) = Requirement::parse(&v.platform)
    {
        out.push(CheckFailure::new(c, "platform", e.to_string()));
    }
    let mut seen = BTreeSet::new();
    for DependencyProposal { tool_id, req, .. } in &v.dependencies {
        if *tool_id == v.tool_id {
            out.push(CheckFailure::new(
                c,
                "dependencies",
                "a version cannot depend on its own tool",
            ));
        } else if !known.contains(tool_id) {
            out.push(CheckFailure::new(
                c,
                "dependencies",
                format!("tool {tool_id} is not in the catalog"),
            ));
        }
        if !seen.insert(*tool_id) {
            out.push(CheckFailure::new(
                c,
                "dependencies",
                format!("tool {tool_id} is named twice"),
            ));
        }
        if let Err(e) = Requirement::parse(req) {
            out.push(CheckFailure::new(c, "dependencies", e.to_string()));
        }
    }
    out
}

/// [`Check::OwnTools`]: every tool named is one the seller sells.
#[must_use]
pub fn own_tools(field: &'static str, ids: &[ToolId], own: &BTreeSet<ToolId>) -> Vec<CheckFailure> {
    ids.iter()
        .filter(|id| !own.contains(id))
        .map(|id| {
            CheckFailure::new(
                Check::OwnTools,
                field,
                format!("tool {id} is not one of the seller's tools"),
            )
        })
        .collect()
}

/// [`Check::RequiredFields`] and [`Check::FieldFormats`] for a service: a title (1..=100),
/// a category (1..=60), a description (1..=5000), a price of money of its currency.
#[must_use]
pub fn service_fields(s: &ServiceProposal) -> Vec<CheckFailure> {
    let mut out = Vec::new();
    for (field, value, max) in [
        ("title", &s.title, 100),
        ("category", &s.category, 60),
        ("description", &s.description, 5000),
    ] {
        if blank(value) {
            out.push(CheckFailure::new(
                Check::RequiredFields,
                field,
                "is required",
            ));
        } else if value.trim().chars().count() > max {
            out.push(CheckFailure::new(
                Check::FieldFormats,
                field,
                format!("must be at most {max} characters"),
            ));
        }
    }
    match Currency::parse(&s.currency) {
        Err(e) => out.push(CheckFailure::new(
            Check::PriceAndPlanRules,
            "currency",
            e.to_string(),
        )),
        Ok(cur) => {
            if let Err(e) = Money::price(s.price, cur) {
                out.push(CheckFailure::new(
                    Check::PriceAndPlanRules,
                    "price",
                    e.to_string(),
                ));
            } else if s.price.is_zero() && !s.allow_quotes {
                out.push(CheckFailure::new(
                    Check::PriceAndPlanRules,
                    "price",
                    "a service at 0 must allow quotes",
                ));
            }
        }
    }
    out
}

/// The checks of an edit: it changes something, and what it changes passes the checks of
/// a new tool's fields.
#[must_use]
pub fn edit_fields(e: &EditProposal) -> Vec<CheckFailure> {
    let mut out = Vec::new();
    if e.is_empty() {
        out.push(CheckFailure::new(
            Check::RequiredFields,
            "changes",
            "an edit changes at least one field",
        ));
    }
    if let Some(name) = &e.name
        && let Err(err) = ItemName::parse(name)
    {
        out.extend(catalog_faults(Check::FieldFormats, err));
    }
    if let Some(d) = &e.description {
        if blank(d) {
            out.push(CheckFailure::new(
                Check::RequiredFields,
                "description",
                "must not be empty",
            ));
        } else if d.chars().count() > 5000 {
            out.push(CheckFailure::new(
                Check::FieldFormats,
                "description",
                "must be at most 5000 characters",
            ));
        }
    }
    if let Some(tags) = &e.tags {
        out.extend(tag_formats(tags));
    }
    if let Some(links) = &e.links {
        out.extend(https_urls(links));
    }
    if let Some(plans) = &e.plans {
        if plans.is_empty() {
            out.push(CheckFailure::new(
                Check::RequiredFields,
                "plans",
                "name at least one plan to add",
            ));
        }
        out.extend(price_and_plan_rules(plans, None));
    }
    out
}
