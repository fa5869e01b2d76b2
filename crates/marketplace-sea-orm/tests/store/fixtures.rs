//! Data in every tenant table for one org, written through the store's ports.

use chrono::Duration;
use marketplace_domain::audit::{AuditEvent, AuditLog};
use marketplace_domain::cart::{Cart, CartLine, CartRepository};
use marketplace_domain::catalog::{CatalogRepository, ItemRef, Offer, Tool, offers};
use marketplace_domain::checkout::{
    IdempotencyKey, Order, OrderLine, OrderRepository, PaymentMethod, PlacedOrder, fingerprint,
    plan_fulfilment,
};
use marketplace_domain::entitlement::HoldingsRepository;
use marketplace_domain::ids::{OrderId, OrgId, ReviewId, SellerId, UserId};
use marketplace_domain::org::OrgRepository;
use marketplace_domain::ports::UuidV7Ids;
use marketplace_domain::revenue::{FeeRate, SellerKind, SellerTerms};
use marketplace_domain::review::{FlagPlan, Rating, Review, ReviewContent, ReviewRepository};
use marketplace_domain::tier::Tier;
use marketplace_sea_orm::SeaOrmStore;
use marketplace_testkit::builders::{ToolBuilder, org_id, t0, unique_uuid, usd, user_id};
use marketplace_testkit::contract::Seeder;

use crate::support::Seed;

pub async fn seller(store: &SeaOrmStore) -> SellerId {
    let terms = SellerTerms {
        seller_id: SellerId::from_uuid(unique_uuid()),
        kind: SellerKind::Platform,
        fee_rate: FeeRate::DEFAULT,
    };
    Seed(store.clone()).insert_seller(&terms).await.unwrap();
    terms.seller_id
}

pub async fn tool(store: &SeaOrmStore, seller: SellerId, price: &str) -> Tool {
    let tool = ToolBuilder::new().seller(seller).price(price).build();
    store.insert_tool(&tool).await.unwrap();
    tool
}

pub async fn org(store: &SeaOrmStore, credits: &str) -> OrgId {
    let id = org_id();
    store.upsert(id, "Tenant", Tier::Elite).await.unwrap();
    if credits != "0" {
        store.grant_credits(id, usd(credits)).await.unwrap();
    }
    id
}

/// A pending order of `items` at their live prices.
pub async fn order(
    store: &SeaOrmStore,
    org: OrgId,
    user: UserId,
    items: &[ItemRef],
    method: PaymentMethod,
) -> Order {
    let live = offers(store, items).await.unwrap();
    let lines: Vec<OrderLine> = live
        .iter()
        .map(|o| OrderLine {
            item: o.item(),
            name: o.name().to_string(),
            price_at_purchase: o.price(),
            plan: None,
        })
        .collect();
    Order::place(
        OrderId::from_uuid(unique_uuid()),
        org,
        user,
        method,
        lines,
        t0(),
    )
    .unwrap()
}

pub async fn plan(
    store: &SeaOrmStore,
    order: &Order,
) -> marketplace_domain::checkout::FulfilmentPlan {
    let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
    let live: Vec<Offer> = offers(store, &items).await.unwrap();
    let sellers: Vec<SellerId> = live
        .iter()
        .flat_map(|o| match o {
            Offer::Tool(t) => vec![t.seller_id],
            Offer::Bundle(b) => b.tools().iter().map(|t| t.seller_id).collect(),
        })
        .collect();
    let terms = store.seller_terms(&sellers).await.unwrap();
    let holdings = store.holdings(order.org_id(), t0()).await.unwrap();
    plan_fulfilment(order, &live, &terms, &holdings, &UuidV7Ids, t0()).unwrap()
}

pub fn placed(order: &Order, key: &str) -> PlacedOrder {
    let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
    PlacedOrder {
        order: order.clone(),
        key: IdempotencyKey::parse(key).unwrap(),
        fingerprint: fingerprint(&items, order.payment_method()),
        credit_debit: None,
        fulfilment: None,
    }
}

/// Fills every tenant table with rows of `org` (its review stays PENDING: APPROVED reviews
/// are public by design).
pub async fn populate(store: &SeaOrmStore, org: OrgId, t: &Tool, other: &Tool) {
    let buyer = user_id();
    // organizations: `org` itself. cart_lines:
    let line = CartLine {
        item: ItemRef::Tool(other.id),
        plan: None,
        added_at: t0(),
    };
    CartRepository::save(store, &Cart::restore(org, buyer, vec![line]))
        .await
        .unwrap();
    // orders, order_lines, idempotency_keys, purchases, entitlements:
    let mut o = order(
        store,
        org,
        buyer,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan = plan(store, &o).await;
    o.fulfil(t0()).unwrap();
    let mut p = placed(&o, "populate");
    p.credit_debit = Some(o.total());
    p.fulfilment = Some(plan);
    store.place(&p).await.unwrap();
    // reviews, review_votes, review_flags:
    let content = ReviewContent {
        rating: Rating::new(4).unwrap(),
        title: None,
        body: None,
    };
    let mut review = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        t.id,
        org,
        buyer,
        content,
        t0(),
    );
    ReviewRepository::save(store, &review).await.unwrap();
    assert!(store.add_vote(review.id(), user_id(), org).await.unwrap());
    let before = review.flag_state();
    review.add_flag(t0() + Duration::minutes(1));
    let flag = FlagPlan {
        review_id: review.id(),
        tool_id: t.id,
        user_id: user_id(),
        org_id: org,
        reason: None,
        at: t0() + Duration::minutes(1),
        before,
        after: review.flag_state(),
    };
    assert!(store.record_flag(&flag).await.unwrap());
    // audit_log:
    store
        .record(AuditEvent::system(
            Some(org),
            "test.populated",
            "org",
            org.as_uuid(),
            t0(),
        ))
        .await;
}
