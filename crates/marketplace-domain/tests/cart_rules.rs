#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-K*, R-S*: the cart's rules through the cart and checkout services over the fakes.

mod common;

use common::{add_all, buy, new_key, tool_ref};
use marketplace_domain::cart::{CartError, MAX_LINES};
use marketplace_domain::catalog::{ItemRef, NotPurchasableReason, ToolPatch, ToolStatus};
use marketplace_domain::checkout::{CheckoutError, PaymentMethod};
use marketplace_domain::ids::ToolId;
use marketplace_domain::money::Currency;
use marketplace_domain::tier::{Limit, Tier};
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{BundleBuilder, ToolBuilder, admin_user, dec, usd};

#[tokio::test]
async fn r_k1_at_most_100_lines() {
    let f = Fakes::new();
    let (_, owner) = f.org_with_owner(Tier::Elite);
    let tools: Vec<_> = (0..=MAX_LINES).map(|_| f.tool(|b| b)).collect();
    let items: Vec<ItemRef> = tools.iter().map(tool_ref).collect();
    add_all(&f, &owner, &items[..MAX_LINES]).await;
    let err = f
        .cart_service()
        .add(&owner, items[MAX_LINES])
        .await
        .unwrap_err();
    assert!(matches!(err, CartError::CartFull), "{err:?}");
    let view = f.cart_service().view(&owner).await.unwrap();
    assert_eq!(view.lines.len(), 100);
    assert_eq!(view.total, usd("1000.00"), "100 lines of 10.00");
    // Adding a line already there is not a new line (R-K1: at most once).
    let (change, view) = f.cart_service().add(&owner, items[0]).await.unwrap();
    assert!(!change.added);
    assert_eq!(view.lines.len(), 100);
}

#[tokio::test]
async fn r_k2_checks_run_in_order() {
    let f = Fakes::new();
    let carts = f.cart_service();
    let (_, owner) = f.org_with_owner(Tier::Starter);
    // 1. Unknown item: NotFound.
    let unknown = ItemRef::Tool(ToolId::from_uuid(ToolBuilder::new().build().id.as_uuid()));
    assert!(matches!(
        carts.add(&owner, unknown).await,
        Err(CartError::NotFound)
    ));
    // 2. Not purchasable comes before the tier: a DEPRECATED ELITE tool.
    let deprecated = f.tool(|b| b.status(ToolStatus::Deprecated).tier(Tier::Elite));
    let err = carts.add(&owner, tool_ref(&deprecated)).await.unwrap_err();
    assert!(
        matches!(err, CartError::NotPurchasable(NotPurchasableReason::Status)),
        "{err:?}"
    );
    let custom = f.tool(|b| b.custom().tier(Tier::Elite));
    let err = carts.add(&owner, tool_ref(&custom)).await.unwrap_err();
    assert!(
        matches!(
            err,
            CartError::NotPurchasable(NotPurchasableReason::ContactSales)
        ),
        "{err:?}"
    );
    // 3. The tier comes before ownership and currency: an ELITE tool in EUR.
    let elite_eur = f.tool(|b| b.tier(Tier::Elite).currency(Currency::EUR));
    let err = carts.add(&owner, tool_ref(&elite_eur)).await.unwrap_err();
    assert!(
        matches!(
            err,
            CartError::TierTooLow {
                required: Tier::Elite
            }
        ),
        "{err:?}"
    );
    // 4. Currency comes before limits: a FREE-model USD line, then a paid EUR tool on a
    //    STARTER org whose paid-tool limit is 0.
    let free_usd = f.tool(|b| b.free());
    carts.add(&owner, tool_ref(&free_usd)).await.unwrap();
    let paid_eur = f.tool(|b| b.currency(Currency::EUR));
    let err = carts.add(&owner, tool_ref(&paid_eur)).await.unwrap_err();
    assert!(
        matches!(
            err,
            CartError::CurrencyMismatch {
                cart: Currency::USD,
                item: Currency::EUR
            }
        ),
        "{err:?}"
    );
    // 5. Limits last.
    let paid_usd = f.tool(|b| b);
    let err = carts.add(&owner, tool_ref(&paid_usd)).await.unwrap_err();
    assert!(
        matches!(
            err,
            CartError::QuotaExceeded {
                limit: Limit::AtMost(0)
            }
        ),
        "{err:?}"
    );
    // 6. Ownership before currency: an ELITE org holding a tool, with a EUR line in the cart.
    let (_, rich) = f.org_with_owner(Tier::Elite);
    f.set_org(rich.org_id, Tier::Elite, usd("100.00"));
    let held = f.tool(|b| b);
    buy(&f, &rich, &[tool_ref(&held)]).await;
    carts.add(&rich, tool_ref(&paid_eur)).await.unwrap();
    let err = carts.add(&rich, tool_ref(&held)).await.unwrap_err();
    assert!(
        matches!(err, CartError::AlreadyOwned { item } if item == tool_ref(&held)),
        "{err:?}"
    );
    // Nothing refused was saved.
    assert_eq!(
        f.store.cart_items(owner.org_id, owner.user_id),
        vec![tool_ref(&free_usd)]
    );
    assert_eq!(
        f.store.cart_items(rich.org_id, rich.user_id),
        vec![tool_ref(&paid_eur)]
    );
}

#[tokio::test]
async fn r_k3_bundle_replaces_covered_tool_lines() {
    let f = Fakes::new();
    let (_, owner) = f.org_with_owner(Tier::Elite);
    let a = f.tool(|b| b.price("40.00"));
    let b = f.tool(|b| b.price("60.00"));
    let c = f.tool(|b| b.price("5.00"));
    let bundle = f.add_bundle(BundleBuilder::over(&[&a, &b]).price("80.00"));
    add_all(&f, &owner, &[tool_ref(&a), tool_ref(&c)]).await;
    let (change, view) = f
        .cart_service()
        .add(&owner, ItemRef::Bundle(bundle.id()))
        .await
        .unwrap();
    assert!(change.added);
    assert_eq!(
        change.removed,
        vec![tool_ref(&a)],
        "the bundle says which line it replaced"
    );
    let lines: Vec<ItemRef> = view.lines.iter().map(|l| l.item).collect();
    assert_eq!(lines, vec![tool_ref(&c), ItemRef::Bundle(bundle.id())]);
    assert_eq!(view.total, usd("85.00"));
    assert_eq!(
        f.store.cart_items(owner.org_id, owner.user_id),
        vec![tool_ref(&c), ItemRef::Bundle(bundle.id())]
    );
}

#[tokio::test]
async fn r_k3_tool_covered_by_bundle_line_is_refused() {
    let f = Fakes::new();
    let (_, owner) = f.org_with_owner(Tier::Elite);
    let a = f.tool(|b| b);
    let b = f.tool(|b| b);
    let bundle = f.add_bundle(BundleBuilder::over(&[&a, &b]));
    add_all(&f, &owner, &[ItemRef::Bundle(bundle.id())]).await;
    let err = f
        .cart_service()
        .add(&owner, tool_ref(&b))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CartError::CoveredByBundle { bundle: bl } if bl == ItemRef::Bundle(bundle.id())),
        "{err:?}"
    );
    assert_eq!(
        f.store.cart_items(owner.org_id, owner.user_id),
        vec![ItemRef::Bundle(bundle.id())]
    );
}

#[tokio::test]
async fn r_k4_totals_follow_live_prices() {
    let f = Fakes::new();
    let (_, owner) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b.price("10.00"));
    let a = f.tool(|b| b.price("40.00"));
    let b = f.tool(|b| b.price("60.00"));
    let bundle = f.add_bundle(BundleBuilder::over(&[&a, &b]).price("80.00"));
    add_all(&f, &owner, &[tool_ref(&t), ItemRef::Bundle(bundle.id())]).await;
    let view = f.cart_service().view(&owner).await.unwrap();
    assert_eq!(
        (view.subtotal, view.savings, view.total),
        (usd("110.00"), usd("20.00"), usd("90.00"))
    );
    // The admin reprices two tools: the cart follows at the next read.
    let catalog = f.catalog_service();
    let admin = admin_user();
    for (id, price) in [(t.id, "12.50"), (a.id, "45.00")] {
        let patch = ToolPatch {
            price: Some(dec(price)),
            ..ToolPatch::default()
        };
        catalog.update_tool(&admin, id, patch).await.unwrap();
    }
    let view = f.cart_service().view(&owner).await.unwrap();
    assert_eq!(view.lines[0].price, usd("12.50"));
    assert_eq!(view.lines[1].list_price.amount(), dec("105.00"));
    assert_eq!(
        (view.subtotal, view.savings, view.total),
        (usd("117.50"), usd("25.00"), usd("92.50"))
    );
    // A disabled tool shows as unavailable.
    let patch = ToolPatch {
        status: Some(ToolStatus::Disabled),
        ..ToolPatch::default()
    };
    catalog.update_tool(&admin, t.id, patch).await.unwrap();
    let view = f.cart_service().view(&owner).await.unwrap();
    assert!(!view.lines[0].available && view.lines[1].available);
}

#[tokio::test]
async fn r_k5_removing_absent_line_is_noop() {
    let f = Fakes::new();
    let (_, owner) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b);
    let absent = f.tool(|b| b);
    let carts = f.cart_service();
    carts.clear(&owner).await.unwrap();
    assert!(f.store.cart_items(owner.org_id, owner.user_id).is_empty());
    add_all(&f, &owner, &[tool_ref(&t)]).await;
    let before = f.store.snapshot();
    let view = carts.remove(&owner, tool_ref(&absent)).await.unwrap();
    assert_eq!(view.lines.len(), 1);
    assert_eq!(view.total, usd("10.00"));
    assert_eq!(
        f.store.snapshot(),
        before,
        "removing an absent line saves nothing"
    );
    let view = carts.remove(&owner, tool_ref(&t)).await.unwrap();
    assert!(view.lines.is_empty());
    assert_eq!(view.total, usd("0"));
    carts.clear(&owner).await.unwrap();
    assert!(f.store.cart_items(owner.org_id, owner.user_id).is_empty());
}

#[tokio::test]
async fn r_s1_tier_too_low() {
    let f = Fakes::new();
    let (_, owner) = f.org_with_owner(Tier::Starter);
    let growth = f.tool(|b| b.tier(Tier::Growth));
    let err = f
        .cart_service()
        .add(&owner, tool_ref(&growth))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CartError::TierTooLow {
                required: Tier::Growth
            }
        ),
        "{err:?}"
    );
    let x = f.tool(|b| b.free());
    let y = f.tool(|b| b.free());
    let bundle = f.add_bundle(
        BundleBuilder::over(&[&x, &y])
            .price("5.00")
            .tier(Tier::Enterprise),
    );
    let err = f
        .cart_service()
        .add(&owner, ItemRef::Bundle(bundle.id()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CartError::TierTooLow {
                required: Tier::Enterprise
            }
        ),
        "{err:?}"
    );
    // CUSTOM ranks with ENTERPRISE.
    let (_, custom) = f.org_with_owner(Tier::Custom);
    f.cart_service()
        .add(&custom, ItemRef::Bundle(bundle.id()))
        .await
        .unwrap();
    // A FREE-model tool of a tier the org meets goes in.
    f.cart_service().add(&owner, tool_ref(&x)).await.unwrap();
    assert_eq!(
        f.store.cart_items(owner.org_id, owner.user_id),
        vec![tool_ref(&x)]
    );
}

#[tokio::test]
async fn r_s2_quota_at_add_and_again_at_checkout() {
    let f = Fakes::new();
    // At add: GROWTH holds at most 10 paid tools; FREE-model tools do not count.
    let (_, owner) = f.org_with_owner(Tier::Growth);
    let paid: Vec<_> = (0..11).map(|_| f.tool(|b| b)).collect();
    let free = f.tool(|b| b.free());
    let items: Vec<ItemRef> = paid.iter().map(tool_ref).collect();
    add_all(&f, &owner, &items[..10]).await;
    f.cart_service().add(&owner, tool_ref(&free)).await.unwrap();
    let err = f.cart_service().add(&owner, items[10]).await.unwrap_err();
    assert!(
        matches!(
            err,
            CartError::QuotaExceeded {
                limit: Limit::AtMost(10)
            }
        ),
        "{err:?}"
    );

    // At checkout: two users of one GROWTH org each put a bundle in their cart (1 allowed);
    // the first buys it, the second's checkout is refused.
    let org = f.new_org(Tier::Growth, usd("500.00"));
    let first = marketplace_testkit::builders::owner(org);
    let second = marketplace_testkit::builders::org_admin(org);
    let (a, b, c, d) = (f.tool(|b| b), f.tool(|b| b), f.tool(|b| b), f.tool(|b| b));
    let b1 = f.add_bundle(BundleBuilder::over(&[&a, &b]));
    let b2 = f.add_bundle(BundleBuilder::over(&[&c, &d]));
    add_all(&f, &first, &[ItemRef::Bundle(b1.id())]).await;
    add_all(&f, &second, &[ItemRef::Bundle(b2.id())]).await;
    f.checkout_service()
        .checkout(&first, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    let before = f.store.snapshot();
    let err = f
        .checkout_service()
        .checkout(&second, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CheckoutError::LineRefused { item, reason: CartError::QuotaExceeded { limit: Limit::AtMost(1) } }
                if item == ItemRef::Bundle(b2.id())
        ),
        "{err:?}"
    );
    assert_eq!(
        f.store.snapshot(),
        before,
        "a refused checkout stores nothing"
    );
    assert_eq!(f.store.orders_of(org).len(), 1);
    assert_eq!(
        f.store.org(org).unwrap().credits(),
        usd("500.00").checked_sub(b1.price()).unwrap()
    );
}

/// R-K2 with R-R2: a recurring purchase whose paid period lapsed is still ACTIVE until the
/// expiry job runs, so the tool counts as already owned (buying it again would only meet
/// the store's one-active-purchase rule at fulfilment); once expired, it can be bought again.
#[tokio::test]
async fn r_k2_a_lapsed_recurring_purchase_is_owned_until_it_expires() {
    let f = Fakes::new();
    let owner = marketplace_testkit::builders::owner(f.new_org(Tier::Elite, usd("100.00")));
    let monthly = f.tool(|b| b.price("10.00").monthly());
    buy(&f, &owner, &[tool_ref(&monthly)]).await;
    f.clock.advance(chrono::Duration::days(40));
    let err = f
        .cart_service()
        .add(&owner, tool_ref(&monthly))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CartError::AlreadyOwned { item } if item == tool_ref(&monthly)),
        "{err:?}"
    );
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    let (change, _) = f
        .cart_service()
        .add(&owner, tool_ref(&monthly))
        .await
        .unwrap();
    assert!(change.added);
}
