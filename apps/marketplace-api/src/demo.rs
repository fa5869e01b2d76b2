//! The embedded demo: one org per tier, users of each role, credits to spend, data packs
//! sold in Standard, Pro and Enterprise plans and metered in rows (soft quota, overage) and
//! API calls (hard quota), modules with versions and dependencies on the orgs' platform,
//! and tokens printed at start so a newcomer can call the API at once; a tool bought by the
//! GROWTH org, with its license, a data pack it subscribes to, and an API key of that org
//! that may report and read usage, printed too (demo mode only: its randomness is fixed, so
//! it is the same key at every start).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::cart::CartError;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::ids::{OrgId, ToolId, UserId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::order::IdempotencyKey;
use marketplace_domain::org::OrgRepository;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::plan::{
    BillingInterval, MeterKey, OveragePrice, PlanCode, PlanDraft, PlanEdit, PlanName, PlanService,
    Quota, QuotaKind, Quotas, TrialDays,
};
use marketplace_domain::tier::Tier;
use marketplace_licensing::api_key::{
    ApiKeyService, ApiKeyToken, KeyEnvironment, NewKeyRequest, RandomSource,
};
use marketplace_metering::service::MeterService;
use marketplace_metering::{Aggregation, Meter, Unit};
use marketplace_modules::installation::ports::{Installations, ModuleCatalog, PublishStoreError};
use marketplace_modules::{NewRelease, Requirement, Version};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::auth::TokenKeys;
use crate::state::{Ports, Services};

/// A demo org: fixed ids so tokens stay valid across restarts.
#[derive(Clone, Copy, Debug)]
pub struct DemoOrg {
    pub id: OrgId,
    pub name: &'static str,
    pub tier: Tier,
    /// Platform credits granted at first start (whole dollars).
    pub credits: i64,
}

const fn org(n: u128, name: &'static str, tier: Tier, credits: i64) -> DemoOrg {
    DemoOrg {
        id: OrgId::from_uuid(Uuid::from_u128(
            0xdeed_0000_0000_4000_8000_0000_0000_0000 + n,
        )),
        name,
        tier,
        credits,
    }
}

/// The demo orgs, one per tier.
pub const ORGS: [DemoOrg; 6] = [
    org(1, "Demo Free Realty", Tier::Free, 0),
    org(2, "Demo Starter Realty", Tier::Starter, 0),
    org(3, "Demo Growth Realty", Tier::Growth, 500),
    org(4, "Demo Elite Realty", Tier::Elite, 5_000),
    org(5, "Demo Enterprise Realty", Tier::Enterprise, 20_000),
    org(6, "Demo Custom Realty", Tier::Custom, 0),
];

/// A seller org of the demo (R-G1): registered, with a draft and a submitted listing.
pub const SELLER_ORG: DemoOrg = org(7, "Demo Seller Studio", Tier::Growth, 0);

/// The owner of [`SELLER_ORG`].
#[must_use]
pub fn seller_owner() -> Actor {
    Actor {
        user_id: user(7, OrgRole::Owner),
        org_id: SELLER_ORG.id,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    }
}

/// Registers [`SELLER_ORG`] as a seller with a draft tool listing and a submitted service
/// listing, once: a seller that has listings is left as it is.
///
/// # Errors
/// The store's, or a use case's refusal.
pub async fn provision_listings(
    orgs: &Arc<dyn OrgRepository>,
    services: &Services,
) -> anyhow::Result<()> {
    use marketplace_listings::content::{
        LinkProposal, ListingContent, PlanProposal, ServiceProposal, ToolProposal,
    };
    use marketplace_listings::seller::Registration;

    let o = SELLER_ORG;
    orgs.upsert(o.id, o.name, o.tier).await?;
    let owner = seller_owner();
    if services.listings.profile(&owner).await.is_err() {
        services
            .listings
            .register(
                &owner,
                Registration {
                    display_name: o.name.to_owned(),
                    description: "Valuation tools for listing agents".to_owned(),
                    website: Some("https://studio.example.com".to_owned()),
                    support_email: "help@studio.example.com".to_owned(),
                },
            )
            .await?;
    }
    if !services.listings.list(&owner).await?.is_empty() {
        return Ok(());
    }
    services
        .listings
        .create(
            &owner,
            ListingContent::Tool(ToolProposal {
                name: "Studio Comp Finder".to_owned(),
                description: "Comparable sales for a listing in one click".to_owned(),
                category: Some(marketplace_domain::catalog::ToolCategory::MarketIntelligence),
                tags: vec!["comps".to_owned()],
                integration_type: Some(marketplace_domain::catalog::IntegrationType::Api),
                required_tier: Some(Tier::Free),
                links: LinkProposal {
                    documentation_url: Some("https://studio.example.com/docs".to_owned()),
                    ..LinkProposal::default()
                },
                version: Some("1.0.0".to_owned()),
                plans: vec![PlanProposal {
                    code: "STANDARD".to_owned(),
                    name: "Standard".to_owned(),
                    price: Decimal::new(2900, 2),
                    currency: "USD".to_owned(),
                    interval: BillingInterval::Month,
                    trial_days: 14,
                    quotas: Vec::new(),
                }],
                meters: Vec::new(),
            }),
        )
        .await?;
    let service = services
        .listings
        .create(
            &owner,
            ListingContent::Service(ServiceProposal {
                title: "Listing photography".to_owned(),
                category: "Photography".to_owned(),
                description: "Twenty edited photos of a listing, delivered in two days".to_owned(),
                price: Decimal::new(25_000, 2),
                currency: "USD".to_owned(),
                allow_quotes: true,
            }),
        )
        .await?;
    services.listings.submit(&owner, service.id()).await?;
    Ok(())
}

/// A provider of the demo (R-X1): a seller whose services buyers transact with.
pub const PROVIDER_ORG: DemoOrg = org(8, "Demo Home Services", Tier::Growth, 0);

/// The owner of [`PROVIDER_ORG`].
#[must_use]
pub fn provider_owner() -> Actor {
    Actor {
        user_id: user(8, OrgRole::Owner),
        org_id: PROVIDER_ORG.id,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    }
}

/// The owner of Demo Growth Realty, the demo provider's buyer.
fn growth_buyer() -> Actor {
    Actor {
        user_id: user(3, OrgRole::Owner),
        org_id: ORGS[2].id,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    }
}

/// Registers [`PROVIDER_ORG`] as a seller and a provider paid through Stripe Connect, with
/// two services published through the listings workflow (drafted, submitted, approved by
/// the platform moderator) and one transaction of Demo Growth Realty that the provider
/// has invoiced; once: a provider that has listings is left as it is.
///
/// # Errors
/// The store's, or a use case's refusal.
pub async fn provision_services(
    orgs: &Arc<dyn OrgRepository>,
    services: &Services,
) -> anyhow::Result<()> {
    use marketplace_listings::Verdict;
    use marketplace_listings::content::{ListingContent, ServiceProposal};
    use marketplace_listings::seller::Registration;
    use marketplace_services::ids::ServiceListingId;
    use marketplace_services::provider::{PaymentMode, ProviderProfile};
    use marketplace_services::text::{BusinessName, Location, ProviderDescription};
    use marketplace_services::transaction::Request;

    let o = PROVIDER_ORG;
    orgs.upsert(o.id, o.name, o.tier).await?;
    let owner = provider_owner();
    if services.listings.profile(&owner).await.is_err() {
        services
            .listings
            .register(
                &owner,
                Registration {
                    display_name: o.name.to_owned(),
                    description: "Staging, photography and cleaning for listed homes".to_owned(),
                    website: Some("https://home-services.example.com".to_owned()),
                    support_email: "hello@home-services.example.com".to_owned(),
                },
            )
            .await?;
    }
    if !services.listings.list(&owner).await?.is_empty() {
        return Ok(());
    }
    let text = |e: marketplace_domain::field::FieldError| anyhow::anyhow!("{e:?}");
    services
        .services
        .register_provider(
            &owner,
            ProviderProfile {
                business_name: BusinessName::parse(o.name).map_err(text)?,
                description: ProviderDescription::parse(
                    "Home staging and deep cleaning before a listing goes live",
                )
                .map_err(text)?,
                location: Location::parse("Austin, TX").map_err(text)?,
                payment_mode: PaymentMode::StripeConnect,
            },
        )
        .await?;
    let moderator = platform_actor(PlatformRole::Moderator);
    let mut published = Vec::new();
    for (title, category, description, cents, quotes) in [
        (
            "Home staging",
            "Staging",
            "Furniture and decor for a vacant home, installed in a day",
            120_000,
            true,
        ),
        (
            "Deep cleaning",
            "Cleaning",
            "A move-out clean of a home up to 3,000 sq ft",
            35_000,
            false,
        ),
    ] {
        let listing = services
            .listings
            .create(
                &owner,
                ListingContent::Service(ServiceProposal {
                    title: title.to_owned(),
                    category: category.to_owned(),
                    description: description.to_owned(),
                    price: Decimal::new(cents, 2),
                    currency: "USD".to_owned(),
                    allow_quotes: quotes,
                }),
            )
            .await?;
        services.listings.submit(&owner, listing.id()).await?;
        services
            .listings
            .moderate(&moderator, listing.id(), Verdict::Approve, Some("Welcome"))
            .await?;
        published.push(ServiceListingId::from_uuid(listing.id().as_uuid()));
    }
    let transaction = services
        .services
        .start(&growth_buyer(), published[1], Request::default())
        .await?;
    services.services.invoice(&owner, transaction.id()).await?;
    Ok(())
}

/// The demo user with `role` in demo org number `org` (1-based, as [`ORGS`]).
#[must_use]
pub fn user(org: u8, role: OrgRole) -> UserId {
    let r = match role {
        OrgRole::Owner => 1,
        OrgRole::Admin => 2,
        OrgRole::Member => 3,
        OrgRole::Viewer => 4,
    };
    UserId::from_uuid(Uuid::from_u128(
        0xbeef_0000_0000_4000_8000_0000_0000_0000 + u128::from(org) * 16 + r,
    ))
}

/// The platform's own staff live in the Enterprise demo org.
#[must_use]
pub fn platform_actor(role: PlatformRole) -> Actor {
    let n: u128 = match role {
        PlatformRole::SuperAdmin => 0xa1,
        PlatformRole::Admin => 0xa2,
        PlatformRole::Moderator => 0xa3,
        PlatformRole::Employee => 0xa4,
        PlatformRole::User => 0xa5,
    };
    Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(
            0xbeef_0000_0000_4000_8000_0000_0000_0000 + n,
        )),
        org_id: ORGS[4].id,
        org_role: OrgRole::Member,
        platform_role: role,
    }
}

/// Creates the demo orgs (idempotently: credits are granted only to an org that has none).
///
/// # Errors
/// The store's.
pub async fn provision(orgs: &Arc<dyn OrgRepository>) -> anyhow::Result<()> {
    for o in ORGS {
        let existing = orgs.get(o.id).await?;
        orgs.upsert(o.id, o.name, o.tier).await?;
        let has_credits = existing.is_some_and(|e| !e.credits().is_zero());
        if o.credits > 0 && !has_credits {
            orgs.grant_credits(o.id, Money::from_minor(o.credits * 100, Currency::USD))
                .await?;
        }
    }
    Ok(())
}

/// A data pack's tier: its plan code and name, monthly price (whole dollars), rows per
/// month (soft) and overage price per row beyond them, and API calls per month (hard).
struct PackTier {
    code: &'static str,
    name: &'static str,
    price: i64,
    rows: i64,
    calls: i64,
    /// Per row beyond the quota, in ten-thousandths of a dollar.
    overage: i64,
    trial_days: u32,
}

/// The seed tools sold as data packs: monthly, metered in rows. STANDARD is the plan the
/// tool's price model became (its price is kept); PRO and ENTERPRISE are added.
const DATA_PACKS: [&str; 2] = ["Market Data Integration", "AI Property Valuation (AVM)"];

const PACK_TIERS: [PackTier; 3] = [
    PackTier {
        code: "STANDARD",
        name: "Standard",
        price: 0,
        rows: 10_000,
        calls: 1_000,
        overage: 50,
        trial_days: 0,
    },
    PackTier {
        code: "PRO",
        name: "Pro",
        price: 349,
        rows: 100_000,
        calls: 10_000,
        overage: 30,
        trial_days: 14,
    },
    PackTier {
        code: "ENTERPRISE",
        name: "Enterprise",
        price: 999,
        rows: 1_000_000,
        calls: 100_000,
        overage: 10,
        trial_days: 30,
    },
];

fn pack_quotas(tier: &PackTier) -> anyhow::Result<Quotas> {
    let rows = MeterKey::parse(PACK_METERS[0].0)?;
    let calls = MeterKey::parse(PACK_METERS[1].0)?;
    Ok(Quotas::new(
        vec![
            Quota::new(rows.clone(), Decimal::from(tier.rows), QuotaKind::Soft)?,
            Quota::new(calls, Decimal::from(tier.calls), QuotaKind::Hard)?,
        ],
        vec![OveragePrice::new(rows, Decimal::new(tier.overage, 4))?],
    )?)
}

/// The data packs' meters (R-U1): rows delivered (summed, soft quota with overage) and API
/// calls (counted, hard quota).
const PACK_METERS: [(&str, Aggregation, &str); 2] = [
    ("rows", Aggregation::Sum, "row"),
    ("api_calls", Aggregation::Count, "call"),
];

/// Defines the data packs' meters, as a catalog admin would. Idempotent: a meter already
/// defined so is left as it is.
///
/// # Errors
/// The meter service's.
pub async fn provision_meters(meters: &MeterService) -> anyhow::Result<()> {
    let admin = platform_actor(PlatformRole::Admin);
    for name in DATA_PACKS {
        let Some(seed) = marketplace_migrations::catalog()
            .iter()
            .find(|t| t.name == name)
        else {
            continue;
        };
        for (key, aggregation, unit) in PACK_METERS {
            let key = marketplace_metering::MeterKey::parse(key)?;
            let meter = Meter::new(key, aggregation, Unit::parse(unit)?);
            meters
                .define(&admin, ToolId::from_uuid(seed.id()), meter)
                .await?;
        }
    }
    Ok(())
}

/// Sells the demo data packs through Standard, Pro and Enterprise plans with row quotas
/// (seed 003's packs), as a platform admin would. Idempotent: a pack that has its PRO
/// plan is left as it is.
///
/// # Errors
/// The plan service's.
pub async fn provision_plans(plans: &PlanService) -> anyhow::Result<()> {
    let admin = platform_actor(PlatformRole::Admin);
    for name in DATA_PACKS {
        let Some(seed) = marketplace_migrations::catalog()
            .iter()
            .find(|t| t.name == name)
        else {
            continue;
        };
        let item = ItemRef::Tool(ToolId::from_uuid(seed.id()));
        let lineup = plans.plans(&admin, item).await?;
        if lineup.find(&PlanCode::parse("PRO")?).is_some() {
            continue;
        }
        for tier in &PACK_TIERS {
            let code = PlanCode::parse(tier.code)?;
            if lineup.find(&code).is_some() {
                let edit = PlanEdit {
                    quotas: Some(pack_quotas(tier)?),
                    ..PlanEdit::default()
                };
                plans.edit(&admin, item, &code, edit).await?;
                continue;
            }
            let draft = PlanDraft {
                code,
                name: PlanName::parse(tier.name)?,
                price: Money::from_minor(tier.price * 100, Currency::USD),
                interval: BillingInterval::Month,
                trial_days: TrialDays::new(tier.trial_days)?,
                quotas: pack_quotas(tier)?,
                provider_price: None,
            };
            plans.add(&admin, item, draft).await?;
        }
    }
    Ok(())
}

/// Tokens for the users a walk-through needs, valid for a day.
///
/// # Errors
/// When signing fails.
pub fn tokens(keys: &TokenKeys) -> anyhow::Result<Vec<(String, String)>> {
    let owner = |n: u8| Actor {
        user_id: user(n, OrgRole::Owner),
        org_id: ORGS[usize::from(n) - 1].id,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    };
    let people = [
        (
            "owner of Demo Growth Realty (GROWTH, 500 USD credits)",
            owner(3),
        ),
        (
            "owner of Demo Elite Realty (ELITE, 5000 USD credits)",
            owner(4),
        ),
        (
            "platform admin (catalog, orgs, refunds)",
            platform_actor(PlatformRole::Admin),
        ),
        (
            "platform moderator (reviews, listings)",
            platform_actor(PlatformRole::Moderator),
        ),
        (
            "owner of Demo Seller Studio (a seller with a draft and a submitted listing)",
            seller_owner(),
        ),
        (
            "owner of Demo Home Services (a provider with two services and an invoiced transaction)",
            provider_owner(),
        ),
    ];
    people
        .into_iter()
        .map(|(label, actor)| Ok((label.to_owned(), keys.issue(&actor, Duration::hours(24))?)))
        .collect()
}

/// The platform version the demo orgs run; Demo Free Realty runs an older one, so a
/// newcomer meets a platform conflict (R-I3) there.
pub const DEMO_PLATFORM: &str = "5.2.0";
const OLD_PLATFORM: &str = "4.9.0";

/// One demo version: the seed tool's name, the version, its platform requirement and
/// its dependencies (seed tool name, requirement).
struct DemoVersion {
    tool: &'static str,
    version: &'static str,
    platform: &'static str,
    needs: &'static [(&'static str, &'static str)],
}

const fn demo(
    tool: &'static str,
    version: &'static str,
    platform: &'static str,
    needs: &'static [(&'static str, &'static str)],
) -> DemoVersion {
    DemoVersion {
        tool,
        version,
        platform,
        needs,
    }
}

const SAI: &str = "Sai Universal Assistant";
const RAG: &str = "RAG System";
const HUB: &str = "AI Hub Management";

/// Versions of four seed tools, forming a diamond: Lead Source Analysis (paid) needs RAG
/// System and AI Hub Management, which both need Sai Universal Assistant (RAG any 1.x, AI
/// Hub 1.1 or newer). Sai 2.0 needs platform 6.
const DEMO_VERSIONS: &[DemoVersion] = &[
    demo(SAI, "1.0.0", "*", &[]),
    demo(SAI, "1.1.0", ">=5", &[]),
    demo(SAI, "2.0.0", ">=6", &[]),
    demo(RAG, "1.0.0", "*", &[(SAI, "^1")]),
    demo(RAG, "1.1.0", "*", &[(SAI, "^1")]),
    demo(HUB, "1.0.0", ">=5", &[(SAI, ">=1.1, <2")]),
    demo(
        "Lead Source Analysis",
        "1.0.0",
        "*",
        &[(RAG, "^1"), (HUB, "^1")],
    ),
];

/// The id of the seed tool called `name`.
fn seed_tool(name: &str) -> anyhow::Result<ToolId> {
    marketplace_migrations::seed::catalog()
        .iter()
        .find(|t| t.name == name)
        .map(|t| ToolId::from_uuid(t.id()))
        .ok_or_else(|| anyhow::anyhow!("no seed tool named {name:?}"))
}

/// Publishes the demo versions and sets the demo orgs' platform versions (idempotently: a
/// version already published is left as it is). Run after [`provision`].
///
/// # Errors
/// The store's; a malformed entry of the demo table.
pub async fn provision_modules(
    catalog: &Arc<dyn ModuleCatalog>,
    installations: &Arc<dyn Installations>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for entry in DEMO_VERSIONS {
        let mut release = NewRelease::new(
            Version::parse(entry.version)?,
            Requirement::parse(entry.platform)?,
        )
        .with_notes(format!("{} {} (demo)", entry.tool, entry.version));
        for (dependency, requirement) in entry.needs {
            release = release.requires(seed_tool(dependency)?, Requirement::parse(requirement)?);
        }
        match catalog.publish(seed_tool(entry.tool)?, &release, now).await {
            Ok(()) | Err(PublishStoreError::VersionTaken) => {}
            Err(PublishStoreError::Store(e)) => return Err(e.into()),
        }
    }
    for (i, o) in ORGS.iter().enumerate() {
        let platform = if i == 0 { OLD_PLATFORM } else { DEMO_PLATFORM };
        installations
            .set_platform(o.id, &Version::parse(platform)?)
            .await?;
    }
    Ok(())
}

/// The seed tool the GROWTH org buys: Lead Scoring Engine (monthly).
const DEMO_TOOL: u8 = 2;
/// The data pack the GROWTH org subscribes to, in its Standard plan: Market Data
/// Integration (metered, see [`PACK_METERS`]).
const DEMO_PACK: u8 = 19;
/// The demo API key's label, and how it is found again at the next start.
const DEMO_KEY_LABEL: &str = "Demo key";

/// The demo's machine credentials, to print at start.
#[derive(Debug)]
pub struct DemoLicensing {
    /// An API key of the GROWTH org (`licenses:validate`, `entitlements:read`,
    /// `usage:write`, `usage:read`).
    pub api_key: String,
    /// The data pack the GROWTH org reports usage of.
    pub pack_tool_id: Uuid,
    /// The license key of the GROWTH org's demo purchase.
    pub license_key: Option<String>,
}

/// Fixed bytes: the demo key is the same at every start, and public like the demo secret.
struct DemoRandom;

impl RandomSource for DemoRandom {
    fn fill(&self, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = u8::try_from(i % 256)
                .unwrap_or(0)
                .wrapping_mul(37)
                .wrapping_add(11);
        }
    }
}

fn growth_owner() -> Actor {
    Actor {
        user_id: user(3, OrgRole::Owner),
        org_id: ORGS[2].id,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    }
}

/// The GROWTH org buys `number` with credits, once (`key` makes the checkout idempotent).
async fn buy_once(
    services: &Services,
    owner: &Actor,
    number: u8,
    key: &str,
) -> anyhow::Result<&'static marketplace_migrations::SeedTool> {
    let tool = marketplace_migrations::seed::tool(number)
        .ok_or_else(|| anyhow::anyhow!("seed tool {number} is missing"))?;
    match services
        .cart
        .add(owner, ItemRef::Tool(ToolId::from_uuid(tool.id())))
        .await
    {
        Ok(_) => {
            let key = IdempotencyKey::parse(key).map_err(anyhow::Error::msg)?;
            services
                .checkout
                .checkout(owner, key, PaymentMethod::PlatformCredits)
                .await?;
        }
        Err(CartError::AlreadyOwned { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(tool)
}

/// The GROWTH org buys the demo tool and subscribes to the demo data pack with credits
/// (once), gets its license, and holds the demo API key (created once). Demo mode only.
///
/// # Errors
/// The services' failures.
pub async fn licensing(ports: &Ports, services: &Services) -> anyhow::Result<DemoLicensing> {
    let owner = growth_owner();
    let tool = buy_once(services, &owner, DEMO_TOOL, "demo-license-purchase").await?;
    let pack = buy_once(services, &owner, DEMO_PACK, "demo-pack-purchase").await?;
    services
        .licenses
        .issue_pending(Some(owner.org_id), 100)
        .await?;
    let licenses = services
        .licenses
        .list(
            &marketplace_licensing::access::Principal::User(owner),
            PageRequest::default(),
        )
        .await?;
    let license_key = licenses
        .items
        .into_iter()
        .find(|l| l.license.tool_id().as_uuid() == tool.id())
        .map(|l| l.key.into_string());
    Ok(DemoLicensing {
        api_key: demo_api_key(ports, &owner).await?,
        pack_tool_id: pack.id(),
        license_key,
    })
}

/// The demo API key, created at the first start and recognized by its hint after.
async fn demo_api_key(ports: &Ports, owner: &Actor) -> anyhow::Result<String> {
    let keys = ApiKeyService::new(
        ports.api_keys.clone(),
        Arc::new(DemoRandom),
        ports.licensing.digester.clone(),
        ports.clock.clone(),
        ports.ids.clone(),
        KeyEnvironment::Test,
    );
    let key = ApiKeyToken::generate(KeyEnvironment::Test, &DemoRandom);
    let existing = keys.list(owner, PageRequest::default()).await?;
    let present = existing
        .items
        .iter()
        .any(|k| k.hint == key.hint() && k.revoked_at.is_none());
    if !present {
        let request = NewKeyRequest::parse(
            DEMO_KEY_LABEL,
            [
                "licenses:validate",
                "entitlements:read",
                "usage:write",
                "usage:read",
            ],
            None,
        )
        .map_err(|faults| anyhow::anyhow!("demo key request: {faults:?}"))?;
        keys.create(owner, request).await?;
    }
    Ok(key.expose_secret().to_owned())
}
