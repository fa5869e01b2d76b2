//! What both examples share: opening the team's database and a short walk through the
//! storefront.

use std::sync::Arc;

use embedding_example::{BuyNowError, Storefront};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::audit::AuditLog;
use marketplace_domain::catalog::{CatalogRepository, ToolFilter, ToolQuery};
use marketplace_domain::checkout::CheckoutPorts;
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::org::OrgRepository;
use marketplace_domain::ports::{SystemClock, UuidV7Ids};
use marketplace_domain::tier::Tier;
use marketplace_sea_orm::{Database, SeaOrmStore};
use marketplace_stripe::OfflineGateway;
use uuid::Uuid;

/// Connects to `DATABASE_URL` (an SQLite file by default), migrates and seeds the catalog.
pub async fn open_store() -> anyhow::Result<(SeaOrmStore, Database)> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let path = std::env::temp_dir().join("storefront-example.sqlite");
        format!("sqlite://{}?mode=rwc", path.display())
    });
    println!("database: {url}");
    let db = Database::connect(&url).await?;
    db.migrate().await?;
    let seeded = marketplace_migrations::seed::seed_catalog(db.connection()).await?;
    println!(
        "catalog seeded: {} tools, {} bundles new",
        seeded.tools, seeded.bundles
    );
    Ok((db.store(), db))
}

/// The domain's ports from the store, with `audit` as the audit log.
pub fn ports(store: &SeaOrmStore, audit: Arc<dyn AuditLog>) -> CheckoutPorts {
    let store = Arc::new(store.clone());
    CheckoutPorts {
        orders: store.clone(),
        carts: store.clone(),
        catalog: store.clone(),
        orgs: store.clone(),
        holdings: store.clone(),
        // The team sells for credits only; the offline gateway stands in for cards.
        payments: Arc::new(OfflineGateway::new()),
        audit,
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7Ids),
    }
}

/// The team's org (ELITE, 1,000 USD of credits) and its owner; then "buy now" twice.
pub async fn walk_through(store: &SeaOrmStore, storefront: &Storefront) -> anyhow::Result<()> {
    let org = OrgId::from_uuid(Uuid::from_u128(0x5707_ef20));
    let existing = store.get(org).await?;
    store
        .upsert(org, "Storefront Example Inc.", Tier::Elite)
        .await?;
    if existing.is_none_or(|o| o.credits().is_zero()) {
        store
            .grant_credits(org, Money::from_minor(100_000, Currency::USD))
            .await?;
    }
    let owner = Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(0x5707_ef21)),
        org_id: org,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    };

    // The first purchasable tool of the catalog that the org does not hold yet.
    let page = store
        .search_tools(&ToolFilter::parse(ToolQuery::default())?)
        .await?;
    let mut chosen = None;
    for tool in page.items {
        let buyable = tool.check_purchasable().is_ok() && Tier::Elite.meets(tool.required_tier);
        if buyable && !storefront.holds(&owner, tool.id).await? {
            chosen = Some(tool);
            break;
        }
    }
    let Some(tool) = chosen else {
        println!("the org already holds every tool on the first page: nothing to buy");
        return Ok(());
    };
    println!("buying {} for {}", tool.name.as_str(), tool.price());

    let key = format!("storefront-{}", tool.id);
    let order = storefront.buy_now(&owner, tool.id, &key).await?;
    println!("order {}: {} {}", order.id(), order.status(), order.total());
    println!("holds it now: {}", storefront.holds(&owner, tool.id).await?);

    match storefront
        .buy_now(&owner, tool.id, &format!("{key}-again"))
        .await
    {
        Err(BuyNowError::AlreadyHeld) => println!("buying it again: refused, already held"),
        other => anyhow::bail!("expected AlreadyHeld, got {other:?}"),
    }
    Ok(())
}
