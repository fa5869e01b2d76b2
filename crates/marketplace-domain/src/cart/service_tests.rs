//! [`CartService`] against mockall mocks: which ports each action must and must not touch
//! (R-P1, R-K1..R-K5, R-S1, R-S2).

use std::sync::Arc;

use mockall::predicate::{always, eq};
use rust_decimal::{Decimal, dec};

use crate::access::{Actor, Forbidden, Permission};
use crate::cart::{Cart, CartError, CartLine, CartService, MAX_LINES, MockCartRepository};
use crate::catalog::fixtures::{
    Calls, bid, bundle, catalog_serving, clock, holdings, member, now, org_id, organization, owner,
    tid, tool, tool_priced, user_id, viewer,
};
use crate::catalog::{
    Bundle, MockCatalogRepository, NotPurchasableReason, PriceModel, Tool, ToolStatus,
};
use crate::entitlement::MockHoldingsRepository;
use crate::ids::ToolId;
use crate::item::ItemRef;
use crate::money::{Currency, Money};
use crate::org::MockOrgRepository;
use crate::ports::MockClock;
use crate::tier::{Limit, Tier};

fn tool_ref(n: u128) -> ItemRef {
    ItemRef::Tool(tid(n))
}

fn bundle_ref(n: u128) -> ItemRef {
    ItemRef::Bundle(bid(n))
}

/// A cart store holding `lines` for the caller, recording every save.
fn carts(lines: &[ItemRef]) -> (MockCartRepository, Calls<Cart>) {
    let cart = Cart::restore(
        org_id(),
        user_id(),
        lines
            .iter()
            .map(|item| CartLine {
                item: *item,
                plan: None,
                added_at: now(),
            })
            .collect(),
    );
    let saved = Calls::new();
    let mut m = MockCartRepository::new();
    m.expect_load()
        .with(eq(org_id()), eq(user_id()))
        .returning(move |_, _| Ok(cart.clone()));
    let record = saved.clone();
    m.expect_save().returning(move |c| {
        record.push(c.clone());
        Ok(())
    });
    (m, saved)
}

/// A cart store whose `save` must never run.
fn carts_never_saving(lines: &[ItemRef]) -> MockCartRepository {
    let cart = Cart::restore(
        org_id(),
        user_id(),
        lines
            .iter()
            .map(|item| CartLine {
                item: *item,
                plan: None,
                added_at: now(),
            })
            .collect(),
    );
    let mut m = MockCartRepository::new();
    m.expect_load()
        .with(eq(org_id()), eq(user_id()))
        .returning(move |_, _| Ok(cart.clone()));
    m.expect_save().times(0);
    m
}

fn orgs(tier: Tier) -> MockOrgRepository {
    let mut m = MockOrgRepository::new();
    m.expect_get_or_provision()
        .with(eq(org_id()))
        .returning(move |_| Ok(organization(tier, Decimal::ZERO)));
    m
}

fn held(items: &[(ItemRef, Vec<ToolId>)]) -> MockHoldingsRepository {
    let h = holdings(items);
    let mut m = MockHoldingsRepository::new();
    m.expect_holdings()
        .with(eq(org_id()), always())
        .returning(move |_, _| Ok(h.clone()));
    m
}

fn service(
    carts: MockCartRepository,
    catalog: MockCatalogRepository,
    orgs: MockOrgRepository,
    holdings: MockHoldingsRepository,
) -> CartService {
    CartService::new(
        Arc::new(carts),
        Arc::new(catalog),
        Arc::new(orgs),
        Arc::new(holdings),
        Arc::new(clock()),
    )
}

/// A cart service whose every port panics when touched.
fn untouchable() -> CartService {
    let mut carts = MockCartRepository::new();
    carts.expect_load().times(0);
    carts.expect_save().times(0);
    let mut catalog = MockCatalogRepository::new();
    catalog.expect_tools().times(0);
    catalog.expect_bundles().times(0);
    let mut orgs = MockOrgRepository::new();
    orgs.expect_get_or_provision().times(0);
    let mut holdings = MockHoldingsRepository::new();
    holdings.expect_holdings().times(0);
    let mut clock = MockClock::new();
    clock.expect_now().times(0);
    CartService::new(
        Arc::new(carts),
        Arc::new(catalog),
        Arc::new(orgs),
        Arc::new(holdings),
        Arc::new(clock),
    )
}

/// Adds `item` with the org at `tier` holding `owned`, the cart holding `lines` and the
/// catalog serving `tools` and `bundles`; asserts nothing was saved and returns the error.
async fn refused_add(
    item: ItemRef,
    tier: Tier,
    owned: &[(ItemRef, Vec<ToolId>)],
    lines: &[ItemRef],
    tools: Vec<Tool>,
    bundles: Vec<Bundle>,
) -> CartError {
    let svc = service(
        carts_never_saving(lines),
        catalog_serving(tools, bundles),
        orgs(tier),
        held(owned),
    );
    svc.add(&member(), item).await.unwrap_err()
}

fn is_use_cart_forbidden(e: &CartError) -> bool {
    matches!(e, CartError::Forbidden(Forbidden(Permission::UseCart)))
}

#[tokio::test]
async fn r_p1_a_viewer_may_not_use_the_cart_and_no_port_is_touched() {
    let svc = untouchable();
    let v: Actor = viewer();
    assert!(is_use_cart_forbidden(&svc.view(&v).await.unwrap_err()));
    assert!(is_use_cart_forbidden(
        &svc.add(&v, tool_ref(1)).await.unwrap_err()
    ));
    assert!(is_use_cart_forbidden(
        &svc.remove(&v, tool_ref(1)).await.unwrap_err()
    ));
    assert!(is_use_cart_forbidden(&svc.clear(&v).await.unwrap_err()));
}

#[tokio::test]
async fn r_k2_an_unknown_item_is_not_found_and_nothing_is_saved() {
    let mut carts = MockCartRepository::new();
    carts.expect_save().times(0);
    carts.expect_load().times(0);
    let mut orgs = MockOrgRepository::new();
    orgs.expect_get_or_provision().times(0);
    let svc = service(
        carts,
        catalog_serving(vec![tool(1, dec!(10))], vec![]),
        orgs,
        MockHoldingsRepository::new(),
    );
    assert!(matches!(
        svc.add(&member(), tool_ref(404)).await,
        Err(CartError::NotFound)
    ));
    assert!(matches!(
        svc.add(&member(), bundle_ref(404)).await,
        Err(CartError::NotFound)
    ));
}

#[tokio::test]
async fn r_k2_purchasability_is_checked_before_the_tier() {
    let mut t = tool(1, dec!(10));
    t.status = ToolStatus::Deprecated;
    t.required_tier = Tier::Enterprise;
    let e = refused_add(tool_ref(1), Tier::Free, &[], &[], vec![t], vec![]).await;
    assert!(matches!(
        e,
        CartError::NotPurchasable(NotPurchasableReason::Status)
    ));
}

#[tokio::test]
async fn r_c2_a_custom_priced_tool_is_contact_sales() {
    let t = tool_priced(1, PriceModel::Custom, Money::zero(Currency::USD));
    let e = refused_add(tool_ref(1), Tier::Elite, &[], &[], vec![t], vec![]).await;
    assert!(matches!(
        e,
        CartError::NotPurchasable(NotPurchasableReason::ContactSales)
    ));
}

#[tokio::test]
async fn r_s1_a_tier_below_the_required_one_is_refused() {
    let mut t = tool(1, dec!(10));
    t.required_tier = Tier::Elite;
    let e = refused_add(tool_ref(1), Tier::Growth, &[], &[], vec![t], vec![]).await;
    assert!(matches!(
        e,
        CartError::TierTooLow {
            required: Tier::Elite
        }
    ));
}

#[tokio::test]
async fn r_k2_a_held_tool_is_already_owned() {
    let owned = [(tool_ref(1), vec![tid(1)])];
    let e = refused_add(
        tool_ref(1),
        Tier::Elite,
        &owned,
        &[],
        vec![tool(1, dec!(10))],
        vec![],
    )
    .await;
    assert!(matches!(e, CartError::AlreadyOwned { item } if item == tool_ref(1)));
}

#[tokio::test]
async fn r_k2_a_bundle_whose_tools_are_all_held_is_already_owned() {
    let (t1, t2) = (tool(1, dec!(10)), tool(2, dec!(20)));
    let b = bundle(7, dec!(25), &[&t1, &t2]);
    let owned = [
        (tool_ref(1), vec![tid(1)]),
        (bundle_ref(8), vec![tid(2), tid(3)]),
    ];
    let e = refused_add(
        bundle_ref(7),
        Tier::Elite,
        &owned,
        &[],
        vec![t1, t2],
        vec![b],
    )
    .await;
    assert!(matches!(e, CartError::AlreadyOwned { item } if item == bundle_ref(7)));
}

#[tokio::test]
async fn r_k2_a_second_currency_is_refused() {
    let euro = tool_priced(
        1,
        PriceModel::OneTime,
        Money::new(dec!(10), Currency::EUR).unwrap(),
    );
    let e = refused_add(
        tool_ref(2),
        Tier::Elite,
        &[],
        &[tool_ref(1)],
        vec![euro, tool(2, dec!(10))],
        vec![],
    )
    .await;
    assert!(matches!(
        e,
        CartError::CurrencyMismatch {
            cart: Currency::EUR,
            item: Currency::USD
        }
    ));
}

#[tokio::test]
async fn r_s2_free_and_starter_orgs_may_hold_no_paid_tool_or_bundle() {
    let (t1, t2) = (tool(1, dec!(10)), tool(2, dec!(20)));
    let b = bundle(7, dec!(25), &[&t1, &t2]);
    for tier in [Tier::Free, Tier::Starter] {
        let e = refused_add(
            tool_ref(1),
            tier,
            &[],
            &[],
            vec![t1.clone(), t2.clone()],
            vec![],
        )
        .await;
        assert!(matches!(
            e,
            CartError::QuotaExceeded {
                limit: Limit::AtMost(0)
            }
        ));
        let e = refused_add(
            bundle_ref(7),
            tier,
            &[],
            &[],
            vec![t1.clone(), t2.clone()],
            vec![b.clone()],
        )
        .await;
        assert!(matches!(
            e,
            CartError::QuotaExceeded {
                limit: Limit::AtMost(0)
            }
        ));
    }
}

#[tokio::test]
async fn r_s2_a_growth_org_stops_at_ten_paid_tools_counting_the_cart() {
    // Nine paid tools held directly, one more in the cart: the eleventh is refused.
    let owned: Vec<(ItemRef, Vec<ToolId>)> = (1..=9).map(|n| (tool_ref(n), vec![tid(n)])).collect();
    let catalog_tools: Vec<Tool> = (1..=11).map(|n| tool(n, dec!(5))).collect();
    let e = refused_add(
        tool_ref(11),
        Tier::Growth,
        &owned,
        &[tool_ref(10)],
        catalog_tools.clone(),
        vec![],
    )
    .await;
    assert!(matches!(
        e,
        CartError::QuotaExceeded {
            limit: Limit::AtMost(10)
        }
    ));

    // A FREE tool does not count towards the limit.
    let mut all = catalog_tools;
    all.push(tool(12, Decimal::ZERO));
    let (carts, saved) = carts(&[tool_ref(10)]);
    let svc = service(
        carts,
        catalog_serving(all, vec![]),
        orgs(Tier::Growth),
        held(&owned),
    );
    let (change, _) = svc.add(&member(), tool_ref(12)).await.unwrap();
    assert!(change.added);
    assert_eq!(
        saved.only().items_sorted(),
        vec![tool_ref(10), tool_ref(12)]
    );
}

#[tokio::test]
async fn r_k3_adding_a_bundle_replaces_the_tool_lines_it_covers_and_says_which() {
    let (t1, t2, t3) = (tool(1, dec!(10)), tool(2, dec!(20)), tool(3, dec!(7.50)));
    let b = bundle(7, dec!(25), &[&t1, &t2]);
    let (carts, saved) = carts(&[tool_ref(1), tool_ref(3), tool_ref(2)]);
    let svc = service(
        carts,
        catalog_serving(vec![t1, t2, t3], vec![b]),
        orgs(Tier::Elite),
        held(&[]),
    );
    let (change, view) = svc.add(&owner(), bundle_ref(7)).await.unwrap();
    assert!(change.added);
    assert_eq!(change.removed, vec![tool_ref(1), tool_ref(2)]);
    let lines: Vec<ItemRef> = saved.only().lines().iter().map(|l| l.item).collect();
    assert_eq!(lines, vec![tool_ref(3), bundle_ref(7)]);
    // R-K4: the answer is priced from the catalog.
    assert_eq!(view.total.amount(), dec!(32.50));
    assert_eq!(view.subtotal.amount(), dec!(37.50));
    assert_eq!(view.savings.amount(), dec!(5));
}

#[tokio::test]
async fn r_k3_a_tool_that_a_bundle_in_the_cart_covers_is_refused() {
    let (t1, t2) = (tool(1, dec!(10)), tool(2, dec!(20)));
    let b = bundle(7, dec!(25), &[&t1, &t2]);
    let e = refused_add(
        tool_ref(2),
        Tier::Elite,
        &[],
        &[bundle_ref(7)],
        vec![t1, t2],
        vec![b],
    )
    .await;
    assert!(matches!(e, CartError::CoveredByBundle { bundle } if bundle == bundle_ref(7)));
}

#[tokio::test]
async fn r_k1_adding_an_item_already_in_the_cart_saves_nothing() {
    let svc = service(
        carts_never_saving(&[tool_ref(1)]),
        catalog_serving(vec![tool(1, dec!(10))], vec![]),
        orgs(Tier::Elite),
        held(&[]),
    );
    let (change, view) = svc.add(&member(), tool_ref(1)).await.unwrap();
    assert!(!change.added);
    assert!(change.removed.is_empty());
    assert_eq!(view.lines.len(), 1);
}

#[tokio::test]
async fn r_k1_a_full_cart_refuses_a_new_line_but_takes_a_bundle_that_frees_lines() {
    let n = MAX_LINES as u128;
    let lines: Vec<ItemRef> = (1..=n).map(tool_ref).collect();
    let mut catalog_tools: Vec<Tool> = (1..=n + 1).map(|i| tool(i, dec!(1))).collect();
    let e = refused_add(
        tool_ref(n + 1),
        Tier::Elite,
        &[],
        &lines,
        catalog_tools.clone(),
        vec![],
    )
    .await;
    assert!(matches!(e, CartError::CartFull));

    // A bundle over two lines already there leaves 99 lines: it fits.
    let b = bundle(7, dec!(1.50), &[&catalog_tools[0], &catalog_tools[1]]);
    catalog_tools.pop();
    let (carts, saved) = carts(&lines);
    let svc = service(
        carts,
        catalog_serving(catalog_tools, vec![b]),
        orgs(Tier::Elite),
        held(&[]),
    );
    let (change, view) = svc.add(&member(), bundle_ref(7)).await.unwrap();
    assert_eq!(change.removed, vec![tool_ref(1), tool_ref(2)]);
    assert_eq!(saved.only().lines().len(), MAX_LINES - 1);
    assert_eq!(view.total.amount(), dec!(99.50));
}

#[tokio::test]
async fn r_k4_the_view_is_priced_from_live_prices_and_a_vanished_item_is_unavailable() {
    let (t1, t2, t3) = (tool(1, dec!(10)), tool(2, dec!(20)), tool(3, dec!(15)));
    let b = bundle(7, dec!(25), &[&t2, &t3]);
    let mut carts = MockCartRepository::new();
    let cart = Cart::restore(
        org_id(),
        user_id(),
        [tool_ref(1), bundle_ref(7), tool_ref(9)]
            .into_iter()
            .map(|item| CartLine {
                item,
                plan: None,
                added_at: now(),
            })
            .collect(),
    );
    carts
        .expect_load()
        .with(eq(org_id()), eq(user_id()))
        .returning(move |_, _| Ok(cart.clone()));
    carts.expect_save().times(0);
    let svc = service(
        carts,
        catalog_serving(vec![t1, t2, t3], vec![b]),
        MockOrgRepository::new(),
        MockHoldingsRepository::new(),
    );
    let view = svc.view(&member()).await.unwrap();
    let prices: Vec<Decimal> = view.lines.iter().map(|l| l.price.amount()).collect();
    assert_eq!(prices, vec![dec!(10), dec!(25), dec!(0)]);
    let available: Vec<bool> = view.lines.iter().map(|l| l.available).collect();
    assert_eq!(available, vec![true, true, false]);
    assert_eq!(view.subtotal.amount(), dec!(45));
    assert_eq!(view.total.amount(), dec!(35));
    assert_eq!(view.savings.amount(), dec!(10));
}

#[tokio::test]
async fn r_k5_removing_an_absent_line_succeeds_and_saves_nothing() {
    let svc = service(
        carts_never_saving(&[tool_ref(1)]),
        catalog_serving(vec![tool(1, dec!(10))], vec![]),
        MockOrgRepository::new(),
        MockHoldingsRepository::new(),
    );
    let view = svc.remove(&member(), tool_ref(2)).await.unwrap();
    assert_eq!(view.lines.len(), 1);
}

#[tokio::test]
async fn r_k5_removing_a_line_saves_the_rest() {
    let (carts, saved) = carts(&[tool_ref(1), tool_ref(2)]);
    let svc = service(
        carts,
        catalog_serving(vec![tool(1, dec!(10)), tool(2, dec!(20))], vec![]),
        MockOrgRepository::new(),
        MockHoldingsRepository::new(),
    );
    let view = svc.remove(&member(), tool_ref(1)).await.unwrap();
    assert_eq!(saved.only().items_sorted(), vec![tool_ref(2)]);
    assert_eq!(view.total.amount(), dec!(20));
}

#[tokio::test]
async fn r_k5_clearing_an_empty_cart_saves_nothing_and_a_full_one_is_emptied() {
    let svc = service(
        carts_never_saving(&[]),
        MockCatalogRepository::new(),
        MockOrgRepository::new(),
        MockHoldingsRepository::new(),
    );
    svc.clear(&member()).await.unwrap();

    let (carts, saved) = carts(&[tool_ref(1), bundle_ref(7)]);
    let svc = service(
        carts,
        MockCatalogRepository::new(),
        MockOrgRepository::new(),
        MockHoldingsRepository::new(),
    );
    svc.clear(&member()).await.unwrap();
    assert!(saved.only().is_empty());
}
