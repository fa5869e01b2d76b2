//! [`CatalogService`] and [`StatsService`] against mockall mocks (R-P1, R-C1..R-C5, R-T4).

use std::sync::Arc;

use mockall::predicate::{always, eq};
use rust_decimal::{Decimal, dec};

use crate::access::{Actor, Forbidden, OrgRole, Permission, PlatformRole};
use crate::audit::MockAuditLog;
use crate::catalog::fixtures::{
    Calls, actor, bid, bundle, bundle_with_status, catalog_serving, clock, holdings, member, now,
    org_id, owner, platform_admin, seller, third_party, tid, tool, viewer,
};
use crate::catalog::{
    Bundle, BundleDraft, BundlePatch, BundleStatus, CatalogError, CatalogService, CategoryCount,
    IntegrationType, MockCatalogRepository, PriceModel, ToolCategory, ToolDraft, ToolFilter,
    ToolPatch, ToolQuery, ToolStatus,
};
use crate::entitlement::{
    Entitlement, EntitlementService, EntitlementSource, MockHoldingsRepository,
};
use crate::ids::EntitlementId;
use crate::item::ItemRef;
use crate::paging::{Page, PageRequest};
use crate::ports::{MockClock, MockIdGenerator};
use crate::stats::{OrgStats, StatsService};
use crate::tier::Tier;

fn service(catalog: MockCatalogRepository, audit: MockAuditLog) -> CatalogService {
    CatalogService::new(
        Arc::new(catalog),
        Arc::new(audit),
        Arc::new(clock()),
        Arc::new(crate::catalog::fixtures::ids()),
    )
}

fn audited(action: &'static str) -> MockAuditLog {
    let mut a = MockAuditLog::new();
    a.expect_record()
        .withf(move |e| e.action == action && e.org_id == Some(org_id()))
        .times(1)
        .return_const(());
    a
}

fn unaudited() -> MockAuditLog {
    let mut a = MockAuditLog::new();
    a.expect_record().times(0);
    a
}

fn draft() -> ToolDraft {
    ToolDraft {
        name: "  Lead Scorer ".to_owned(),
        description: "Scores leads".to_owned(),
        long_description: None,
        category: ToolCategory::LeadGeneration,
        tags: vec!["AI".to_owned(), "ai".to_owned(), "Leads".to_owned()],
        price_model: PriceModel::Monthly,
        price: dec!(49.99),
        currency: "USD".to_owned(),
        required_tier: Tier::Growth,
        integration_type: IntegrationType::Api,
        status: ToolStatus::Active,
        seller_id: seller(1),
        documentation_url: Some("https://docs.example.com/lead-scorer".to_owned()),
        demo_url: None,
        support_url: None,
        icon_url: None,
        version: Some("2.1.0".to_owned()),
        is_featured: false,
    }
}

fn bundle_draft(tool_ids: Vec<crate::ids::ToolId>) -> BundleDraft {
    BundleDraft {
        name: "Starter Suite".to_owned(),
        description: String::new(),
        price: dec!(25),
        currency: "USD".to_owned(),
        required_tier: Tier::Growth,
        status: BundleStatus::Active,
        tool_ids,
        is_featured: false,
    }
}

fn fields(e: &CatalogError) -> Vec<&'static str> {
    match e {
        CatalogError::InvalidFields(f) => f.iter().map(|f| f.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[tokio::test]
async fn r_p1_only_platform_admins_edit_the_catalog_and_no_port_is_touched() {
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_tool().times(0);
    catalog.expect_tools().times(0);
    catalog.expect_bundle().times(0);
    catalog.expect_seller_terms().times(0);
    catalog.expect_insert_tool().times(0);
    catalog.expect_update_tool().times(0);
    catalog.expect_insert_bundle().times(0);
    catalog.expect_update_bundle().times(0);
    let mut clock = MockClock::new();
    clock.expect_now().times(0);
    let mut ids = MockIdGenerator::new();
    ids.expect_new_uuid().times(0);
    let svc = CatalogService::new(
        Arc::new(catalog),
        Arc::new(unaudited()),
        Arc::new(clock),
        Arc::new(ids),
    );
    let denied: [Actor; 3] = [
        owner(),
        actor(OrgRole::Owner, PlatformRole::Moderator),
        actor(OrgRole::Admin, PlatformRole::Employee),
    ];
    let is_forbidden = |e: CatalogError| {
        matches!(
            e,
            CatalogError::Forbidden(Forbidden(Permission::ManageCatalog))
        )
    };
    for a in denied {
        assert!(is_forbidden(
            svc.create_tool(&a, draft()).await.unwrap_err()
        ));
        let patch = ToolPatch {
            price: Some(dec!(1)),
            ..ToolPatch::default()
        };
        assert!(is_forbidden(
            svc.update_tool(&a, tid(1), patch).await.unwrap_err()
        ));
        let d = bundle_draft(vec![tid(1), tid(2)]);
        assert!(is_forbidden(svc.create_bundle(&a, d).await.unwrap_err()));
        assert!(is_forbidden(
            svc.update_bundle(&a, bid(7), BundlePatch::default())
                .await
                .unwrap_err()
        ));
    }
}

#[tokio::test]
async fn r_c1_a_new_tool_is_validated_stored_once_and_audited() {
    let mut catalog = MockCatalogRepository::new();
    catalog
        .expect_seller_terms()
        .withf(|ids| ids == [seller(1)])
        .returning(|ids| Ok(ids.iter().copied().map(third_party).collect()));
    let inserted = Calls::new();
    let record = inserted.clone();
    catalog.expect_insert_tool().times(1).returning(move |t| {
        record.push(t.clone());
        Ok(())
    });
    let a = actor(OrgRole::Member, PlatformRole::SuperAdmin);
    let tool = service(catalog, audited("tool.created"))
        .create_tool(&a, draft())
        .await
        .unwrap();
    assert_eq!(inserted.only(), tool);
    assert_eq!(tool.name.as_str(), "Lead Scorer");
    let tags: Vec<&str> = tool.tags.iter().map(|t| t.as_str()).collect();
    assert_eq!(tags, ["ai", "leads"]);
    assert_eq!(tool.pricing.model(), PriceModel::Monthly);
    assert_eq!(tool.stats, Default::default());
    assert_eq!((tool.created_at, tool.updated_at), (now(), now()));
}

#[tokio::test]
async fn r_c1_an_invalid_draft_reports_every_fault_and_stores_nothing() {
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_seller_terms().times(0);
    catalog.expect_insert_tool().times(0);
    let bad = ToolDraft {
        name: " ".to_owned(),
        currency: "usd".to_owned(),
        documentation_url: Some("ftp://docs.example.com".to_owned()),
        version: Some("1.0".to_owned()),
        ..draft()
    };
    let e = service(catalog, unaudited())
        .create_tool(&platform_admin(), bad)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        ["name", "currency", "documentation_url", "version"]
    );
}

#[tokio::test]
async fn r_c2_price_and_price_model_must_agree() {
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_insert_tool().times(0);
    let svc = service(catalog, unaudited());
    for (model, price) in [
        (PriceModel::Free, dec!(5)),
        (PriceModel::OneTime, dec!(0)),
        (PriceModel::Annual, dec!(-1)),
    ] {
        let d = ToolDraft {
            price_model: model,
            price,
            ..draft()
        };
        let e = svc.create_tool(&platform_admin(), d).await.unwrap_err();
        assert_eq!(fields(&e), ["price"], "{model} at {price}");
    }
}

#[tokio::test]
async fn r_m2_a_tool_of_an_unknown_seller_is_refused() {
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_seller_terms().returning(|_| Ok(vec![]));
    catalog.expect_insert_tool().times(0);
    let e = service(catalog, unaudited())
        .create_tool(&platform_admin(), draft())
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["seller_id"]);
}

#[tokio::test]
async fn r_c2_a_patch_is_rechecked_against_the_tool_and_an_invalid_one_stores_nothing() {
    let mut catalog = catalog_serving(vec![tool(1, dec!(10))], vec![]);
    catalog.expect_update_tool().times(0);
    let svc = service(catalog, unaudited());
    // Becoming FREE while keeping a price of 10 contradicts R-C2.
    let patch = ToolPatch {
        price_model: Some(PriceModel::Free),
        ..ToolPatch::default()
    };
    let e = svc
        .update_tool(&platform_admin(), tid(1), patch)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["price"]);
    let e = svc
        .update_tool(&platform_admin(), tid(404), ToolPatch::default())
        .await
        .unwrap_err();
    assert!(matches!(e, CatalogError::NotFound));
}

#[tokio::test]
async fn a_valid_patch_updates_the_tool_once_and_is_audited() {
    let mut catalog = catalog_serving(vec![tool(1, dec!(10))], vec![]);
    let updated = Calls::new();
    let record = updated.clone();
    catalog.expect_update_tool().times(1).returning(move |t| {
        record.push(t.clone());
        Ok(())
    });
    let patch = ToolPatch {
        price_model: Some(PriceModel::Free),
        price: Some(Decimal::ZERO),
        status: Some(ToolStatus::Beta),
        ..ToolPatch::default()
    };
    let got = service(catalog, audited("tool.updated"))
        .update_tool(&platform_admin(), tid(1), patch)
        .await
        .unwrap();
    assert_eq!(updated.only(), got);
    assert_eq!(got.pricing.model(), PriceModel::Free);
    assert!(got.price().is_zero());
    assert_eq!(got.status, ToolStatus::Beta);
    assert_eq!(got.name.as_str(), "Tool 1", "untouched fields are kept");
}

#[tokio::test]
async fn r_c4_a_bundle_over_an_unknown_tool_is_refused() {
    let mut catalog = catalog_serving(vec![tool(1, dec!(10))], vec![]);
    catalog.expect_insert_bundle().times(0);
    let e = service(catalog, unaudited())
        .create_bundle(&platform_admin(), bundle_draft(vec![tid(1), tid(99)]))
        .await
        .unwrap_err();
    assert!(matches!(e, CatalogError::UnknownTool(t) if t == tid(99)));
}

#[tokio::test]
async fn r_c4_a_bundle_needs_two_distinct_tools() {
    let mut catalog = catalog_serving(vec![tool(1, dec!(10)), tool(2, dec!(20))], vec![]);
    catalog.expect_insert_bundle().times(0);
    let svc = service(catalog, unaudited());
    for ids in [vec![tid(1)], vec![tid(1), tid(1)]] {
        let e = svc
            .create_bundle(&platform_admin(), bundle_draft(ids))
            .await
            .unwrap_err();
        assert_eq!(fields(&e), ["tools"]);
    }
}

#[tokio::test]
async fn r_c4_a_new_bundle_derives_its_list_price_savings_and_discount() {
    let mut catalog = catalog_serving(vec![tool(1, dec!(10)), tool(2, dec!(20))], vec![]);
    let inserted = Calls::new();
    let record = inserted.clone();
    catalog.expect_insert_bundle().times(1).returning(move |b| {
        record.push(b.clone());
        Ok(())
    });
    let b = service(catalog, audited("bundle.created"))
        .create_bundle(&platform_admin(), bundle_draft(vec![tid(2), tid(1)]))
        .await
        .unwrap();
    assert_eq!(inserted.only(), b);
    let order: Vec<_> = b.tools().iter().map(|t| t.tool_id).collect();
    assert_eq!(order, [tid(2), tid(1)], "display order is the draft's");
    assert_eq!(b.list_price().amount(), dec!(30));
    assert_eq!(b.savings().amount(), dec!(5));
    assert_eq!(b.discount_percent(), dec!(16.7));
}

#[tokio::test]
async fn r_c4_a_bundle_patch_with_new_tools_reloads_them_and_updates_once() {
    let (t1, t2, t3) = (tool(1, dec!(10)), tool(2, dec!(20)), tool(3, dec!(30)));
    let b = bundle(7, dec!(25), &[&t1, &t2]);
    let mut catalog = catalog_serving(vec![t1, t2, t3], vec![b]);
    let updated = Calls::new();
    let record = updated.clone();
    catalog.expect_update_bundle().times(1).returning(move |b| {
        record.push(b.clone());
        Ok(())
    });
    let patch = BundlePatch {
        tool_ids: Some(vec![tid(1), tid(3)]),
        price: Some(dec!(35)),
        ..BundlePatch::default()
    };
    let got = service(catalog, audited("bundle.updated"))
        .update_bundle(&platform_admin(), bid(7), patch)
        .await
        .unwrap();
    assert_eq!(updated.only(), got);
    assert_eq!(got.list_price().amount(), dec!(40));
    assert_eq!(got.price().amount(), dec!(35));
}

#[tokio::test]
async fn r_t4_a_draft_bundle_is_not_found_except_by_catalog_admins() {
    let (t1, t2) = (tool(1, dec!(10)), tool(2, dec!(20)));
    let draft = bundle_with_status(7, dec!(25), &[&t1, &t2], BundleStatus::Draft);
    let svc = service(catalog_serving(vec![], vec![draft.clone()]), unaudited());
    assert!(matches!(
        svc.bundle(&member(), bid(7)).await,
        Err(CatalogError::NotFound)
    ));
    assert_eq!(svc.bundle(&platform_admin(), bid(7)).await.unwrap(), draft);
    assert!(matches!(
        svc.bundle(&member(), bid(404)).await,
        Err(CatalogError::NotFound)
    ));
}

#[tokio::test]
async fn r_c4_only_catalog_admins_list_bundles_beyond_active_ones() {
    let mut catalog = MockCatalogRepository::new();
    catalog
        .expect_list_bundles()
        .withf(|statuses, _| statuses == [BundleStatus::Active])
        .times(1)
        .returning(|_, page| Ok(Page::slice(Vec::<Bundle>::new(), page)));
    catalog
        .expect_list_bundles()
        .withf(|statuses, _| statuses == [BundleStatus::Draft, BundleStatus::Archived])
        .times(1)
        .returning(|_, page| Ok(Page::slice(Vec::<Bundle>::new(), page)));
    let svc = service(catalog, unaudited());
    let page = PageRequest::default();
    // Any actor may browse what is on sale (R-T4): no statuses means ACTIVE.
    svc.bundles(&viewer(), &[], page).await.unwrap();
    let hidden = [BundleStatus::Draft, BundleStatus::Archived];
    let e = svc.bundles(&member(), &hidden, page).await.unwrap_err();
    assert!(matches!(
        e,
        CatalogError::Forbidden(Forbidden(Permission::ManageCatalog))
    ));
    svc.bundles(&platform_admin(), &hidden, page).await.unwrap();
}

#[tokio::test]
async fn r_c5_categories_lists_all_fourteen_with_zero_counts_filled_in() {
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_category_counts().returning(|| {
        Ok(vec![CategoryCount {
            category: ToolCategory::CrmTools,
            tools: 3,
        }])
    });
    let page = service(catalog, unaudited())
        .categories(&viewer())
        .await
        .unwrap();
    assert_eq!(
        (page.total, page.limit, page.offset),
        (14, crate::paging::PageRequest::MAX_LIMIT, 0)
    );
    let got = page.items;
    assert_eq!(got.len(), 14);
    assert_eq!(got.iter().map(|c| c.tools).sum::<u64>(), 3);
    assert!(
        got.iter()
            .any(|c| c.category == ToolCategory::CrmTools && c.tools == 3)
    );
}

#[tokio::test]
async fn r_c5_search_hands_the_validated_filter_to_the_store() {
    let filter = ToolFilter::parse(ToolQuery {
        search: Some("  LEAD ".to_owned()),
        limit: Some(10),
        ..ToolQuery::default()
    })
    .unwrap();
    let mut catalog = MockCatalogRepository::new();
    let expected = filter.clone();
    catalog
        .expect_search_tools()
        .withf(move |f| *f == expected)
        .times(1)
        .returning(|f| Ok(Page::slice(vec![tool(1, dec!(10))], f.page)));
    let page = service(catalog, unaudited())
        .search(&viewer(), &filter)
        .await
        .unwrap();
    assert_eq!((page.total, page.limit), (1, 10));
}

#[tokio::test]
async fn an_unknown_tool_is_not_found() {
    let svc = service(catalog_serving(vec![], vec![]), unaudited());
    assert!(matches!(
        svc.tool(&viewer(), tid(1)).await,
        Err(CatalogError::NotFound)
    ));
}

// --- StatsService and EntitlementService: read-only views of what the org holds -------

fn entitlement(tool: u128, source: EntitlementSource) -> Entitlement {
    Entitlement {
        id: EntitlementId::from_uuid(uuid::Uuid::new_v4()),
        org_id: org_id(),
        tool_id: tid(tool),
        purchase_id: crate::catalog::fixtures::pid(1),
        source,
        granted_at: now(),
        until: None,
        ended_at: None,
    }
}

#[tokio::test]
async fn stats_count_the_catalog_and_the_orgs_purchases_and_distinct_tools() {
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_category_counts().returning(|| {
        Ok(vec![
            CategoryCount {
                category: ToolCategory::CrmTools,
                tools: 3,
            },
            CategoryCount {
                category: ToolCategory::LeadGeneration,
                tools: 2,
            },
        ])
    });
    catalog
        .expect_list_bundles()
        .withf(|statuses, _| statuses == [BundleStatus::Active])
        .returning(|_, page| {
            let mut p = Page::slice(Vec::<Bundle>::new(), page);
            p.total = 4;
            Ok(p)
        });
    let mut holdings_repo = MockHoldingsRepository::new();
    let h = holdings(&[
        (ItemRef::Tool(tid(1)), vec![tid(1)]),
        (ItemRef::Tool(tid(5)), vec![tid(5)]),
        (ItemRef::Bundle(bid(7)), vec![tid(1), tid(2)]),
    ]);
    holdings_repo
        .expect_holdings()
        .with(eq(org_id()), always())
        .returning(move |_, _| Ok(h.clone()));
    holdings_repo
        .expect_entitlements()
        .with(eq(org_id()), always())
        .returning(|_, _| {
            Ok(vec![
                entitlement(1, EntitlementSource::Purchase),
                entitlement(5, EntitlementSource::Purchase),
                entitlement(2, EntitlementSource::Bundle),
                entitlement(1, EntitlementSource::Bundle),
            ])
        });
    let svc = StatsService::new(
        Arc::new(catalog),
        Arc::new(holdings_repo),
        Arc::new(clock()),
    );
    let stats = svc.for_org(&viewer()).await.unwrap();
    assert_eq!(
        stats,
        OrgStats {
            catalog_tools: 5,
            catalog_bundles: 4,
            purchased_tools: 2,
            purchased_bundles: 1,
            entitled_tools: 3,
        }
    );
}

#[tokio::test]
async fn r_e3_whether_the_org_holds_a_tool_is_answered_from_its_holdings() {
    let mut repo = MockHoldingsRepository::new();
    let h = holdings(&[(ItemRef::Bundle(bid(7)), vec![tid(1), tid(2)])]);
    repo.expect_holdings()
        .with(eq(org_id()), eq(now()))
        .returning(move |_, _| Ok(h.clone()));
    repo.expect_entitlement_page()
        .with(eq(org_id()), eq(now()), eq(PageRequest::default()))
        .times(1)
        .returning(|_, _, page| {
            Ok(Page {
                items: vec![entitlement(1, EntitlementSource::Bundle)],
                total: 1,
                limit: page.limit(),
                offset: page.offset(),
            })
        });
    let svc = EntitlementService::new(Arc::new(repo), Arc::new(clock()));
    // Every member of the org, a VIEWER too, may see what it holds.
    assert!(svc.holds(&viewer(), tid(2)).await.unwrap());
    assert!(!svc.holds(&viewer(), tid(3)).await.unwrap());
    assert_eq!(
        svc.list(&viewer(), PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// R-G5 through the in-memory copy: a fixed snapshot.
struct FixedCopy(Arc<crate::catalog::CatalogSnapshot>);

#[async_trait::async_trait]
impl crate::catalog::CatalogReadModel for FixedCopy {
    async fn snapshot(
        &self,
    ) -> Result<Arc<crate::catalog::CatalogSnapshot>, crate::ports::RepoError> {
        Ok(self.0.clone())
    }

    fn invalidate(&self) {}
}

/// Tools 1 and 2, bundle 7 of both; tool 2 and bundle 7 withheld by their seller's org
/// (another org than the caller's); the caller's org holds what `held` lists.
fn withholding_service(held: &[(ItemRef, Vec<crate::ids::ToolId>)]) -> CatalogService {
    let (t1, t2) = (tool(1, dec!(10)), tool(2, dec!(20)));
    let b7 = bundle(7, dec!(25), &[&t1, &t2]);
    let copy = crate::catalog::CatalogSnapshot::new(vec![t1, t2], vec![b7]).with_withheld([
        (
            ItemRef::Tool(tid(2)),
            crate::catalog::fixtures::other_org_id(),
        ),
        (
            ItemRef::Bundle(bid(7)),
            crate::catalog::fixtures::other_org_id(),
        ),
    ]);
    let mut repo = MockHoldingsRepository::new();
    let h = holdings(held);
    repo.expect_holdings()
        .with(eq(org_id()), always())
        .returning(move |_, _| Ok(h.clone()));
    let holders = EntitlementService::new(Arc::new(repo), Arc::new(clock()));
    service(MockCatalogRepository::new(), unaudited())
        .with_read_model(Arc::new(FixedCopy(Arc::new(copy))))
        .with_holders(Arc::new(holders))
}

#[tokio::test]
async fn r_g5_withheld_items_leave_lists_searches_and_category_counts() {
    let svc = withholding_service(&[(ItemRef::Tool(tid(2)), vec![tid(2)])]);
    let page = svc.search(&member(), &ToolFilter::default()).await.unwrap();
    assert_eq!(
        page.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [tid(1)]
    );
    assert_eq!(page.total, 1, "the total counts offered tools only");
    let everything = ToolFilter {
        search: Some(crate::catalog::search::words("tool")),
        ..ToolFilter::default()
    };
    let found = svc.search(&member(), &everything).await.unwrap();
    assert_eq!(
        found.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [tid(1)]
    );
    let bundles = svc
        .bundles(&member(), &[], PageRequest::default())
        .await
        .unwrap();
    assert!(bundles.items.is_empty());
    assert_eq!(bundles.total, 0);
    let categories = svc.categories(&member()).await.unwrap();
    let leads = categories
        .items
        .iter()
        .find(|c| c.category == ToolCategory::LeadGeneration)
        .unwrap();
    assert_eq!(leads.tools, 1, "a withheld tool is not counted");
}

#[tokio::test]
async fn r_g5_a_withheld_item_is_not_found_by_id_for_an_org_that_does_not_hold_it() {
    let svc = withholding_service(&[(ItemRef::Tool(tid(1)), vec![tid(1)])]);
    assert!(matches!(
        svc.tool(&member(), tid(2)).await,
        Err(CatalogError::NotFound)
    ));
    assert!(matches!(
        svc.bundle(&member(), bid(7)).await,
        Err(CatalogError::NotFound)
    ));
    assert_eq!(svc.tool(&member(), tid(1)).await.unwrap().id, tid(1));
}

#[tokio::test]
async fn r_g5_holders_the_seller_and_catalog_admins_still_see_a_withheld_item_by_id() {
    // Held through the bundle: the bundle and both its tools.
    let svc = withholding_service(&[(ItemRef::Bundle(bid(7)), vec![tid(1), tid(2)])]);
    assert_eq!(svc.tool(&member(), tid(2)).await.unwrap().id, tid(2));
    assert_eq!(svc.bundle(&member(), bid(7)).await.unwrap().id(), bid(7));
    // Held directly: the tool, not the bundle.
    let svc = withholding_service(&[(ItemRef::Tool(tid(2)), vec![tid(2)])]);
    assert_eq!(svc.tool(&member(), tid(2)).await.unwrap().id, tid(2));
    assert!(matches!(
        svc.bundle(&member(), bid(7)).await,
        Err(CatalogError::NotFound)
    ));
    // The seller's own members and catalog admins, holding nothing.
    let svc = withholding_service(&[]);
    let seller_member = Actor {
        org_id: crate::catalog::fixtures::other_org_id(),
        ..member()
    };
    assert_eq!(svc.tool(&seller_member, tid(2)).await.unwrap().id, tid(2));
    assert_eq!(
        svc.bundle(&seller_member, bid(7)).await.unwrap().id(),
        bid(7)
    );
    assert_eq!(
        svc.tool(&platform_admin(), tid(2)).await.unwrap().id,
        tid(2)
    );
}
