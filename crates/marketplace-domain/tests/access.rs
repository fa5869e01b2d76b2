#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-P1: every use case refuses a denied actor with `Forbidden` before touching anything.

mod common;

use std::sync::Arc;

use common::{add_all, buy, new_key, tool_ref};
use marketplace_domain::access::{Forbidden, Permission};
use marketplace_domain::cart::CartError;
use marketplace_domain::catalog::{
    BundleDraft, BundlePatch, BundleStatus, CatalogError, IntegrationType, PageRequest, PriceModel,
    ToolCategory, ToolDraft, ToolPatch, ToolStatus,
};
use marketplace_domain::checkout::{CheckoutError, PaymentMethod};
use marketplace_domain::lifecycle::PurchaseError;
use marketplace_domain::money::Currency;
use marketplace_domain::org::OrgError;
use marketplace_domain::revenue::{SellerKind, YearMonth};
use marketplace_domain::review::{Decision, ReviewError, ReviewInput};
use marketplace_domain::seller::{NewSeller, ReportBy, SellerError, SellerPatch};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{self, BundleBuilder, dec, member, owner, usd, viewer};
use marketplace_testkit::fakes::FakePayoutGateway;

macro_rules! denied {
    ($call:expr, $err:ident, $perm:ident) => {
        match $call.await {
            Err($err::Forbidden(Forbidden(Permission::$perm))) => {}
            other => panic!(
                "{}: expected Forbidden({:?}), got {:?}",
                stringify!($call),
                Permission::$perm,
                other
            ),
        }
    };
}

#[tokio::test]
async fn r_p1_denied_actions_change_nothing() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("500.00"));
    let boss = owner(org);
    let (a, b, c) = (f.tool(|t| t.price("10.00")), f.tool(|t| t), f.tool(|t| t));
    let bundle = f.add_bundle(BundleBuilder::over(&[&b, &c]));
    buy(&f, &boss, &[tool_ref(&a)]).await;
    let purchase = common::purchase_of(&f, &boss, tool_ref(&a));
    add_all(&f, &boss, &[tool_ref(&b)]).await;
    let pending = f
        .checkout_service()
        .checkout(&boss, new_key(), PaymentMethod::Invoice)
        .await
        .unwrap();
    add_all(&f, &boss, &[tool_ref(&c)]).await;
    let writer = member(org);
    let review = f
        .review_service()
        .write(
            &writer,
            a.id,
            ReviewInput {
                rating: 4,
                title: None,
                body: None,
            },
        )
        .await
        .unwrap();
    let before = f.store.snapshot();
    let audited = f.audit.len();
    let issued = f.ids.issued();

    let look = viewer(org);
    let mem = member(org);
    let carts = f.cart_service();
    denied!(carts.view(&look), CartError, UseCart);
    denied!(carts.add(&look, tool_ref(&c)), CartError, UseCart);
    denied!(carts.remove(&look, tool_ref(&c)), CartError, UseCart);
    denied!(carts.clear(&look), CartError, UseCart);

    let checkout = f.checkout_service();
    for who in [&mem, &look] {
        denied!(
            checkout.checkout(who, new_key(), PaymentMethod::PlatformCredits),
            CheckoutError,
            Purchase
        );
        denied!(checkout.cancel(who, pending.id()), CheckoutError, Purchase);
        denied!(
            checkout.orders(who, PageRequest::default()),
            CheckoutError,
            Purchase
        );
        denied!(checkout.order(who, pending.id()), CheckoutError, Purchase);
    }
    denied!(
        checkout.mark_paid(&boss, pending.id()),
        CheckoutError,
        ManageBilling
    );

    let purchases = f.purchase_service();
    denied!(
        purchases.list(&mem, None, PageRequest::default()),
        PurchaseError,
        Purchase
    );
    denied!(
        purchases.cancel(&mem, purchase.id()),
        PurchaseError,
        Purchase
    );
    denied!(
        purchases.refund(&boss, purchase.id(), None),
        PurchaseError,
        ManageBilling
    );

    let reviews = f.review_service();
    let input = ReviewInput {
        rating: 5,
        title: None,
        body: None,
    };
    denied!(
        reviews.write(&look, a.id, input.clone()),
        ReviewError,
        Review
    );
    denied!(reviews.delete_mine(&look, a.id), ReviewError, Review);
    denied!(
        reviews.mark_helpful(&look, review.id()),
        ReviewError,
        Review
    );
    denied!(reviews.flag(&look, review.id(), None), ReviewError, Review);
    denied!(
        reviews.moderate(&boss, review.id(), Decision::Approve, None),
        ReviewError,
        ModerateReviews
    );
    denied!(
        reviews.queue(&boss, None, PageRequest::default()),
        ReviewError,
        ModerateReviews
    );

    let catalog = f.catalog_service();
    let draft = ToolDraft {
        name: "New".into(),
        description: "d".into(),
        long_description: None,
        category: ToolCategory::CrmTools,
        tags: vec![],
        price_model: PriceModel::OneTime,
        price: dec("5.00"),
        currency: "USD".into(),
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
    };
    denied!(
        catalog.create_tool(&boss, draft),
        CatalogError,
        ManageCatalog
    );
    denied!(
        catalog.update_tool(
            &boss,
            a.id,
            ToolPatch {
                price: Some(dec("1.00")),
                ..ToolPatch::default()
            }
        ),
        CatalogError,
        ManageCatalog
    );
    let bundle_draft = BundleDraft {
        name: "B".into(),
        description: String::new(),
        price: dec("5.00"),
        currency: "USD".into(),
        required_tier: Tier::Free,
        status: BundleStatus::Active,
        tool_ids: vec![a.id, b.id],
        is_featured: false,
    };
    denied!(
        catalog.create_bundle(&boss, bundle_draft),
        CatalogError,
        ManageCatalog
    );
    denied!(
        catalog.update_bundle(&boss, bundle.id(), BundlePatch::default()),
        CatalogError,
        ManageCatalog
    );
    denied!(
        catalog.bundles(&boss, &[BundleStatus::Draft], PageRequest::default()),
        CatalogError,
        ManageCatalog
    );

    let orgs = f.org_service();
    denied!(
        orgs.upsert(&boss, org, "Mine now", Tier::Enterprise),
        OrgError,
        ManageOrgs
    );
    denied!(
        orgs.grant_credits(&boss, org, usd("1000.00")),
        OrgError,
        ManageOrgs
    );

    let payouts = Arc::new(FakePayoutGateway::default());
    let sellers = f.seller_service(&payouts);
    let new_seller = NewSeller {
        name: "Acme Tools".into(),
        kind: SellerKind::ThirdParty,
        fee_rate: None,
        org_id: Some(org),
        payout_minimum: None,
    };
    denied!(
        sellers.create(&boss, new_seller),
        SellerError,
        ManageSellers
    );
    denied!(
        sellers.update(&boss, builders::platform_seller(), SellerPatch::default()),
        SellerError,
        ManageSellers
    );
    denied!(sellers.list(&boss), SellerError, ManageSellers);
    denied!(
        sellers.assign_tool(&boss, a.id, builders::platform_seller()),
        SellerError,
        ManageSellers
    );
    denied!(
        sellers.revenue_report(
            &boss,
            YearMonth::parse("2025-01").unwrap(),
            Currency::USD,
            ReportBy::Seller
        ),
        SellerError,
        ManageSellers
    );
    for who in [&mem, &look] {
        denied!(
            sellers.start_onboarding(who, "https://r.example", "https://b.example"),
            SellerError,
            ManageSellerAccount
        );
    }

    assert_eq!(
        f.store.snapshot(),
        before,
        "no denied call changed the store"
    );
    assert_eq!(f.audit.len(), audited, "no denied call was audited");
    assert_eq!(f.ids.issued(), issued, "no denied call even made an id");
    assert!(f.payments.payments().is_empty());
    assert!(
        payouts.links().is_empty(),
        "no onboarding link was asked for"
    );
}

#[tokio::test]
async fn r_p1_allowed_roles_pass() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("100.00"));
    let t = f.tool(|b| b);
    // A member may use the cart but not check out; an org admin may do both.
    let m = member(org);
    f.cart_service().add(&m, tool_ref(&t)).await.unwrap();
    assert_eq!(f.store.cart_items(org, m.user_id), vec![tool_ref(&t)]);
    let admin = builders::org_admin(org);
    add_all(&f, &admin, &[tool_ref(&t)]).await;
    let order = f
        .checkout_service()
        .checkout(&admin, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(order.total(), usd("10.00"));
    // A platform admin administers orgs.
    let credited = f
        .org_service()
        .grant_credits(&builders::admin_user(), org, usd("5.00"))
        .await
        .unwrap();
    assert_eq!(credited.credits(), usd("95.00"));
}
