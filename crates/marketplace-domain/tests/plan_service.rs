#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-B1, R-B2, R-B4 through the use cases: items get their plans when created, catalog
//! admins add and archive plans, a sold plan keeps its price.

use marketplace_domain::access::{Forbidden, Permission};
use marketplace_domain::catalog::{
    Bundle, BundleDraft, BundleStatus, IntegrationType, ItemRef, PriceModel, ToolCategory,
    ToolDraft, ToolStatus,
};
use marketplace_domain::money::Money;
use marketplace_domain::plan::{
    BillingInterval, BundlePlanError, PlanCode, PlanDraft, PlanEdit, PlanError, PlanName,
    PlanServiceError, PlanStatus, Quotas, TrialDays,
};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{self, BundleBuilder, usd};
use rust_decimal::{Decimal, dec};

fn draft(code: &str, price: Money, interval: BillingInterval) -> PlanDraft {
    PlanDraft {
        code: PlanCode::parse(code).unwrap(),
        name: PlanName::parse(code).unwrap(),
        price,
        interval,
        trial_days: TrialDays::NONE,
        quotas: Quotas::none(),
        provider_price: None,
    }
}

fn code(c: &str) -> PlanCode {
    PlanCode::parse(c).unwrap()
}

fn tool_draft(model: PriceModel, price: Decimal) -> ToolDraft {
    ToolDraft {
        name: "Lead Scorer".to_owned(),
        description: "Scores leads".to_owned(),
        long_description: None,
        category: ToolCategory::LeadGeneration,
        tags: vec![],
        price_model: model,
        price,
        currency: "USD".to_owned(),
        required_tier: Tier::Free,
        integration_type: IntegrationType::Api,
        status: ToolStatus::Active,
        seller_id: builders::platform_seller(),
        documentation_url: None,
        demo_url: None,
        support_url: None,
        icon_url: None,
        version: None,
        is_featured: false,
    }
}

#[tokio::test]
async fn r_b2_a_new_tool_and_bundle_are_sold_through_their_price_models_plan() {
    let f = Fakes::new();
    let admin = builders::admin_user();
    let catalog = f.plan_service();
    let tool = catalog
        .create_tool(&admin, tool_draft(PriceModel::Annual, dec!(120.00)))
        .await
        .unwrap();
    let plans = f
        .plan_service()
        .plans(&admin, ItemRef::Tool(tool.id))
        .await
        .unwrap();
    let default = plans.default_plan().expect("a plan on sale");
    assert_eq!(default.code(), &PlanCode::standard());
    assert_eq!(default.interval(), BillingInterval::Year);
    assert_eq!(plans.display_price(), Some(tool.price()));

    let other = f.tool(|b| b.price("30.00"));
    let bundle = catalog
        .create_bundle(
            &admin,
            BundleDraft {
                name: "Pair".to_owned(),
                description: "Two tools".to_owned(),
                price: dec!(130.00),
                currency: "USD".to_owned(),
                required_tier: Tier::Free,
                status: BundleStatus::Active,
                tool_ids: vec![tool.id, other.id],
                is_featured: false,
            },
        )
        .await
        .unwrap();
    let plans = f
        .plan_service()
        .plans(&admin, ItemRef::Bundle(bundle.id()))
        .await
        .unwrap();
    assert_eq!(plans.plans().len(), 1);
    assert_eq!(plans.display_price(), Some(usd("130.00")));
    assert_eq!(plans.plans()[0].interval(), BillingInterval::OneTime);

    let custom = catalog
        .create_tool(&admin, tool_draft(PriceModel::Custom, dec!(0)))
        .await
        .unwrap();
    let plans = f
        .plan_service()
        .plans(&admin, ItemRef::Tool(custom.id))
        .await
        .unwrap();
    assert!(plans.plans().is_empty(), "CUSTOM: contact sales, no plan");
}

#[tokio::test]
async fn r_b1_admins_add_plans_with_codes_unique_within_the_item() {
    let f = Fakes::new();
    let admin = builders::admin_user();
    let tool = f.tool(|b| b.monthly().price("10.00"));
    let item = ItemRef::Tool(tool.id);
    let svc = f.plan_service();
    let pro = svc
        .add(
            &admin,
            item,
            draft("PRO", usd("25.00"), BillingInterval::Month),
        )
        .await
        .unwrap();
    let lineup = svc.plans(&admin, item).await.unwrap();
    let codes: Vec<&str> = lineup.plans().iter().map(|p| p.code().as_str()).collect();
    assert_eq!(codes, ["STANDARD", "PRO"], "added after the others");
    assert_eq!(lineup.find(&code("PRO")), Some(&pro));

    let again = svc
        .add(
            &admin,
            item,
            draft("PRO", usd("30.00"), BillingInterval::Month),
        )
        .await;
    assert!(matches!(
        again,
        Err(PlanServiceError::Rejected(PlanError::DuplicateCode { .. }))
    ));
    let other_tool = f.tool(|b| b.monthly().price("10.00"));
    svc.add(
        &admin,
        ItemRef::Tool(other_tool.id),
        draft("PRO", usd("30.00"), BillingInterval::Month),
    )
    .await
    .expect("another item may use the same code");
}

#[tokio::test]
async fn r_b1_only_catalog_admins_change_plans_and_a_refusal_stores_nothing() {
    let f = Fakes::new();
    let tool = f.tool(|b| b.monthly().price("10.00"));
    let (_, owner) = f.org_with_owner(marketplace_domain::tier::Tier::Enterprise);
    let before = f.store.snapshot();
    let err = f
        .plan_service()
        .add(
            &owner,
            ItemRef::Tool(tool.id),
            draft("PRO", usd("25.00"), BillingInterval::Month),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Forbidden(Forbidden(Permission::ManageCatalog))
    ));
    let err = f
        .plan_service()
        .edit(
            &owner,
            ItemRef::Tool(tool.id),
            &PlanCode::standard(),
            PlanEdit::archive(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PlanServiceError::Forbidden(_)));
    assert_eq!(f.store.snapshot(), before);
}

#[tokio::test]
async fn r_b1_a_sold_plan_keeps_its_price_but_may_be_archived() {
    let f = Fakes::new();
    let admin = builders::admin_user();
    let tool = f.tool(|b| b.monthly().price("10.00"));
    let item = ItemRef::Tool(tool.id);
    let svc = f.plan_service();
    let reprice = PlanEdit {
        price: Some(usd("12.00")),
        ..PlanEdit::default()
    };
    let unsold = svc
        .edit(&admin, item, &PlanCode::standard(), reprice.clone())
        .await
        .unwrap();
    assert_eq!(
        unsold.price(),
        usd("12.00"),
        "an unsold plan may be repriced"
    );

    f.store.record_plan_sale(unsold.id());
    let err = svc
        .edit(
            &admin,
            item,
            &PlanCode::standard(),
            PlanEdit {
                price: Some(usd("15.00")),
                ..PlanEdit::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Rejected(PlanError::PriceFixedOnceSold)
    ));
    let stored = svc.plans(&admin, item).await.unwrap();
    assert_eq!(
        stored.display_price(),
        Some(usd("12.00")),
        "nothing changed"
    );

    let archived = svc
        .edit(&admin, item, &PlanCode::standard(), PlanEdit::archive())
        .await
        .unwrap();
    assert_eq!(archived.status(), PlanStatus::Archived);
    let stored = svc.plans(&admin, item).await.unwrap();
    assert_eq!(stored.default_plan(), None, "no longer sold");
    assert_eq!(stored.plans().len(), 1, "still listed for its holders");

    let missing = svc
        .edit(&admin, item, &code("GOLD"), PlanEdit::archive())
        .await;
    assert!(matches!(missing, Err(PlanServiceError::NotFound)));
}

#[tokio::test]
async fn r_b4_a_recurring_bundle_plan_needs_each_tool_at_its_interval() {
    let f = Fakes::new();
    let admin = builders::admin_user();
    let monthly = f.tool(|b| b.monthly().price("10.00"));
    let annual = f.tool(|b| b.annual().price("100.00"));
    // A bundle without plans yet.
    let bundle: Bundle = BundleBuilder::over(&[&monthly, &annual])
        .price("15.00")
        .into();
    f.store
        .with(|d| d.bundles.insert(bundle.id(), bundle.clone()));
    let item = ItemRef::Bundle(bundle.id());
    let svc = f.plan_service();
    let err = svc
        .add(
            &admin,
            item,
            draft("MONTHLY", usd("15.00"), BillingInterval::Month),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Bundle(BundlePlanError::NoPlanOfInterval { tool, .. }) if tool == annual.id
    ));
    assert!(svc.plans(&admin, item).await.unwrap().plans().is_empty());
    svc.add(
        &admin,
        ItemRef::Tool(annual.id),
        draft("MONTHLY", usd("9.00"), BillingInterval::Month),
    )
    .await
    .unwrap();
    svc.add(
        &admin,
        item,
        draft("MONTHLY", usd("15.00"), BillingInterval::Month),
    )
    .await
    .expect("both tools now sell monthly");
    let err = svc
        .add(
            &admin,
            item,
            draft("ANNUAL", usd("150.00"), BillingInterval::Year),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Rejected(PlanError::MixedBundleIntervals { .. })
    ));
}

/// R-G3: a moderator publishes an approved tool listing, the tool with every plan it
/// lists in order, without holding the catalog-editing right: the catalog's own edits
/// stay refused to them.
#[tokio::test]
async fn r_g3_a_moderator_publishes_a_tool_with_all_its_plans_and_edits_nothing_else() {
    let f = Fakes::new();
    let moderator = builders::moderator();
    let svc = f.plan_service();
    let (tool, lineup) = svc
        .publish_tool(
            &moderator,
            tool_draft(PriceModel::Monthly, dec!(10.00)),
            vec![
                draft("BASIC", usd("10.00"), BillingInterval::Month),
                draft("PRO", usd("25.00"), BillingInterval::Month),
                draft("PRO_YEAR", usd("250.00"), BillingInterval::Year),
            ],
            Vec::new(),
        )
        .await
        .unwrap();
    let stored = svc
        .plans(&builders::admin_user(), ItemRef::Tool(tool.id))
        .await
        .unwrap();
    let codes: Vec<&str> = stored.plans().iter().map(|p| p.code().as_str()).collect();
    assert_eq!(codes, ["BASIC", "PRO", "PRO_YEAR"], "every plan, in order");
    assert_eq!(stored.plans(), lineup.plans());
    assert_eq!(stored.display_price(), Some(usd("10.00")));

    let before = f.store.snapshot();
    let err = svc
        .add(
            &moderator,
            ItemRef::Tool(tool.id),
            draft("TEAM", usd("40.00"), BillingInterval::Month),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Forbidden(Forbidden(Permission::ManageCatalog))
    ));
    let err = svc
        .create_tool(&moderator, tool_draft(PriceModel::Free, dec!(0)))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Catalog(marketplace_domain::catalog::CatalogError::Forbidden(
            Forbidden(Permission::ManageCatalog)
        ))
    ));
    assert_eq!(f.store.snapshot(), before, "refusals store nothing");
}

/// R-G3 with R-B1: a listing whose plans do not form a lineup publishes nothing (no tool
/// with fewer plans than listed), and publishing needs `PublishListings`.
#[tokio::test]
async fn r_g3_a_tool_is_published_with_all_its_plans_or_not_at_all() {
    let f = Fakes::new();
    let svc = f.plan_service();
    let (_, owner) = f.org_with_owner(Tier::Enterprise);
    let before = f.store.snapshot();
    let err = svc
        .publish_tool(
            &builders::moderator(),
            tool_draft(PriceModel::Monthly, dec!(10.00)),
            vec![
                draft("BASIC", usd("10.00"), BillingInterval::Month),
                draft("BASIC", usd("25.00"), BillingInterval::Month),
            ],
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PlanServiceError::Rejected(PlanError::DuplicateCode { .. })
        ),
        "{err:?}"
    );
    let err = svc
        .publish_tool(
            &builders::moderator(),
            tool_draft(PriceModel::Monthly, dec!(10.00)),
            vec![
                draft("BASIC", usd("10.00"), BillingInterval::Month),
                draft("EURO", builders::eur("25.00"), BillingInterval::Month),
            ],
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PlanServiceError::Rejected(PlanError::CurrencyMismatch { .. })
        ),
        "{err:?}"
    );
    let err = svc
        .publish_tool(
            &builders::moderator(),
            tool_draft(PriceModel::Monthly, dec!(10.00)),
            vec![],
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PlanServiceError::Catalog(_)), "{err:?}");
    let err = svc
        .publish_tool(
            &owner,
            tool_draft(PriceModel::Monthly, dec!(10.00)),
            vec![draft("BASIC", usd("10.00"), BillingInterval::Month)],
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        PlanServiceError::Forbidden(Forbidden(Permission::PublishListings))
    ));
    // Two meters of one key, defined differently: the listing is refused on `meters`.
    let meter = |aggregation| {
        marketplace_domain::plan::ToolMeter::from_input("api_calls", aggregation, "call", None)
            .unwrap()
    };
    let err = svc
        .publish_tool(
            &builders::moderator(),
            tool_draft(PriceModel::Monthly, dec!(10.00)),
            vec![draft("BASIC", usd("10.00"), BillingInterval::Month)],
            vec![
                meter(marketplace_metering::Aggregation::Count),
                meter(marketplace_metering::Aggregation::Sum),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlanServiceError::Catalog(marketplace_domain::catalog::CatalogError::InvalidFields(faults)) if faults[0].field == "meters"),
        "{err:?}"
    );
    assert_eq!(f.store.snapshot(), before, "no tool, no plan stored");
}
