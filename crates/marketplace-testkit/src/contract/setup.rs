//! What the contracts seed through the ports and assert with: process-unique sellers,
//! tools, bundles, orgs and users, orders at live prices and the domain's fulfilment plans.

use std::fmt::Debug;

use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{Bundle, ItemRef, Offer, Tool, offers};
use marketplace_domain::checkout::{
    FulfilmentPlan, IdempotencyKey, Order, OrderLine, PaymentMethod, PlacedOrder, fingerprint,
    plan_fulfilment,
};
use marketplace_domain::ids::{OrderId, OrgId, SellerId, UserId};
use marketplace_domain::money::Money;
use marketplace_domain::purchase::Purchase;
use marketplace_domain::revenue::{FeeRate, SellerKind, SellerTerms};
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use crate::builders::{self, BundleBuilder, ToolBuilder, dec, t0, unique_uuid, usd};
use crate::fakes::UniqueIds;

#[track_caller]
pub(super) fn ok<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("contract: {what}: unexpected error {e:?}"),
    }
}

#[track_caller]
pub(super) fn some<T>(o: Option<T>, what: &str) -> T {
    o.unwrap_or_else(|| panic!("contract: {what}: expected a value, got none"))
}

pub(super) fn at() -> DateTime<Utc> {
    t0()
}

pub(super) async fn seller(p: &ContractPorts, kind: SellerKind, rate: &str) -> SellerId {
    let terms = SellerTerms {
        seller_id: SellerId::from_uuid(unique_uuid()),
        kind,
        fee_rate: ok(FeeRate::new(dec(rate)), "fee rate"),
    };
    ok(p.seeder.insert_seller(&terms).await, "insert_seller");
    terms.seller_id
}

pub(super) async fn platform(p: &ContractPorts) -> SellerId {
    seller(p, SellerKind::Platform, "0.05").await
}

pub(super) async fn tool(
    p: &ContractPorts,
    seller: SellerId,
    f: impl FnOnce(ToolBuilder) -> ToolBuilder,
) -> Tool {
    let tool = f(ToolBuilder::new().seller(seller)).build();
    ok(p.catalog.insert_tool(&tool).await, "insert_tool");
    tool
}

pub(super) async fn bundle(p: &ContractPorts, b: BundleBuilder) -> Bundle {
    let bundle = b.build();
    ok(p.catalog.insert_bundle(&bundle).await, "insert_bundle");
    bundle
}

pub(super) async fn org(p: &ContractPorts, tier: Tier, credits: &str) -> OrgId {
    let id = builders::org_id();
    ok(p.orgs.upsert(id, "Contract Org", tier).await, "upsert org");
    let credits = usd(credits);
    if !credits.is_zero() {
        ok(p.orgs.grant_credits(id, credits).await, "grant_credits");
    }
    id
}

pub(super) async fn user(p: &ContractPorts, org: OrgId) -> UserId {
    let user = builders::user_id();
    ok(p.seeder.insert_user(user, org).await, "insert_user");
    user
}

pub(super) async fn live(p: &ContractPorts, items: &[ItemRef]) -> Vec<Offer> {
    let live = ok(offers(p.catalog.as_ref(), items).await, "offers");
    assert_eq!(
        live.len(),
        items.len(),
        "contract: every item must be in the catalog"
    );
    live
}

/// A PENDING_PAYMENT order of `items` at their live prices.
pub(super) async fn order(
    p: &ContractPorts,
    org: OrgId,
    user: UserId,
    items: &[ItemRef],
    method: PaymentMethod,
) -> Order {
    let live = live(p, items).await;
    let lines: Vec<OrderLine> = items
        .iter()
        .filter_map(|i| live.iter().find(|o| o.item() == *i))
        .map(|o| OrderLine {
            item: o.item(),
            name: o.name().to_string(),
            price_at_purchase: o.price(),
            plan: None,
        })
        .collect();
    ok(
        Order::place(
            OrderId::from_uuid(unique_uuid()),
            org,
            user,
            method,
            lines,
            at(),
        ),
        "order",
    )
}

/// The domain's fulfilment plan of `order`, from what the ports hold now.
pub(super) async fn plan(p: &ContractPorts, order: &Order, now: DateTime<Utc>) -> FulfilmentPlan {
    let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
    let live = live(p, &items).await;
    let mut sellers: Vec<SellerId> = live
        .iter()
        .flat_map(|o| match o {
            Offer::Tool(t) => vec![t.seller_id],
            Offer::Bundle(b) => b.tools().iter().map(|t| t.seller_id).collect(),
        })
        .collect();
    sellers.sort_unstable();
    sellers.dedup();
    let terms = ok(p.catalog.seller_terms(&sellers).await, "seller_terms");
    let holdings = ok(p.holdings.holdings(order.org_id(), now).await, "holdings");
    ok(
        plan_fulfilment(order, &live, &terms, &holdings, &UniqueIds, now),
        "plan_fulfilment",
    )
}

pub(super) fn key(text: &str) -> IdempotencyKey {
    ok(IdempotencyKey::parse(text), "idempotency key")
}

pub(super) fn placed(order: &Order, key_text: &str) -> PlacedOrder {
    let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
    PlacedOrder {
        order: order.clone(),
        key: key(key_text),
        fingerprint: fingerprint(&items, order.payment_method()),
        credit_debit: None,
        fulfilment: None,
    }
}

/// Places `order` as paid at once with credits, fulfilled in the same call.
pub(super) async fn place_paid(p: &ContractPorts, order: &Order, key_text: &str) -> FulfilmentPlan {
    let plan = plan(p, order, at()).await;
    let mut fulfilled = order.clone();
    ok(fulfilled.fulfil(at()), "fulfil");
    let mut placed = placed(&fulfilled, key_text);
    placed.credit_debit = (!order.total().is_zero()).then_some(order.total());
    placed.fulfilment = Some(plan.clone());
    ok(p.orders.place(&placed).await, "place a paid order");
    plan
}

pub(super) async fn purchase_of(p: &ContractPorts, org: OrgId, item: ItemRef) -> Purchase {
    let all = ok(p.purchases.list(org, None).await, "purchases.list");
    some(
        all.into_iter().find(|x| x.item() == item),
        "the purchase of the item",
    )
}

pub(super) async fn credits(p: &ContractPorts, org: OrgId) -> Money {
    some(ok(p.orgs.get(org).await, "orgs.get"), "the org").credits()
}
