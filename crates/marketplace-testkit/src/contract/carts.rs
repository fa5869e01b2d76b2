//! The carts' contract: one cart per (org, user), and no org sees another's rows (R-T3).

use chrono::Duration;
use marketplace_domain::cart::{Cart, CartLine};
use marketplace_domain::catalog::{ItemRef, PageRequest};
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use super::setup::{at, key, ok, order, org, place_paid, placed, platform, tool, user};

/// R-K1, R-T3: a cart saves and loads line for line; another org (or user) never sees it,
/// nor the org's orders, purchases or entitlements.
pub async fn carts_and_tenant_isolation(p: &ContractPorts) {
    let s = platform(p).await;
    let t1 = tool(p, s, |b| b.price("10.00")).await;
    let t2 = tool(p, s, |b| b.price("12.50")).await;
    let org_a = org(p, Tier::Elite, "100.00").await;
    let org_b = org(p, Tier::Elite, "100.00").await;
    let ua = user(p, org_a).await;

    let empty = ok(p.carts.load(org_a, ua).await, "load absent cart");
    assert!(empty.is_empty(), "contract: an absent cart is an empty one");
    let lines = vec![
        CartLine {
            item: ItemRef::Tool(t2.id),
            plan: None,
            added_at: at() - Duration::minutes(5),
        },
        CartLine {
            item: ItemRef::Tool(t1.id),
            plan: None,
            added_at: at(),
        },
    ];
    ok(
        p.carts.save(&Cart::restore(org_a, ua, lines.clone())).await,
        "save cart",
    );
    let got = ok(p.carts.load(org_a, ua).await, "load cart");
    assert_eq!(
        got.lines(),
        lines.as_slice(),
        "contract R-K1: lines round-trip in order"
    );
    assert!(
        ok(p.carts.load(org_b, ua).await, "load").is_empty(),
        "contract R-T3: another org never sees the cart"
    );
    let other = user(p, org_a).await;
    assert!(
        ok(p.carts.load(org_a, other).await, "load").is_empty(),
        "contract R-K1: one cart per (org, user)"
    );
    let fewer = vec![lines[1]];
    ok(
        p.carts.save(&Cart::restore(org_a, ua, fewer.clone())).await,
        "save",
    );
    assert_eq!(
        ok(p.carts.load(org_a, ua).await, "load").lines(),
        fewer.as_slice(),
        "contract: save replaces the lines"
    );

    // An order, purchases and entitlements in org A.
    let o = order(
        p,
        org_a,
        ua,
        &[ItemRef::Tool(t1.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan = place_paid(p, &o, "iso-key").await;
    let pid = plan.purchases[0].id();
    assert!(
        ok(p.orders.get(org_a, o.id()).await, "get").is_some(),
        "contract: the org sees its order"
    );
    assert_eq!(
        ok(p.orders.get(org_b, o.id()).await, "get"),
        None,
        "contract R-T3: another org's order is not found"
    );
    assert!(
        ok(p.orders.list(org_b, PageRequest::default()).await, "list")
            .items
            .iter()
            .all(|x| x.org_id() == org_b),
        "contract R-T3: list shows only the org's orders"
    );
    assert_eq!(
        ok(p.orders.list(org_a, PageRequest::default()).await, "list").total,
        1,
        "contract: the org lists its one order"
    );
    assert_eq!(
        ok(
            p.orders.find_by_key(org_b, &key("iso-key")).await,
            "find_by_key"
        ),
        None,
        "contract R-O2/R-T3: keys are per org"
    );
    assert!(
        ok(p.purchases.get(org_a, pid).await, "get").is_some(),
        "contract: the org sees its purchase"
    );
    assert_eq!(
        ok(p.purchases.get(org_b, pid).await, "get"),
        None,
        "contract R-T3: another org's purchase is not found"
    );
    assert!(
        ok(p.purchases.list(org_b, None).await, "list").is_empty(),
        "contract R-T3: another org lists no purchases"
    );
    assert!(
        ok(p.holdings.entitlements(org_b, at()).await, "entitlements").is_empty(),
        "contract R-T3: another org has no entitlements"
    );
    let hb = ok(p.holdings.holdings(org_b, at()).await, "holdings");
    assert!(
        !hb.holds_tool(t1.id) && hb.purchases().is_empty(),
        "contract R-T3: another org holds nothing"
    );
    let ha = ok(p.holdings.holdings(org_a, at()).await, "holdings");
    assert!(
        ha.holds_tool(t1.id),
        "contract R-E3: the buying org holds the tool"
    );

    // The same key in org B is a different key.
    let ub = user(p, org_b).await;
    let ob = order(
        p,
        org_b,
        ub,
        &[ItemRef::Tool(t1.id)],
        PaymentMethod::Invoice,
    )
    .await;
    ok(
        p.orders.place(&placed(&ob, "iso-key")).await,
        "contract R-O2: the same key in another org is free",
    );
}
