//! Helpers shared by the end-to-end tests over the testkit's fakes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use marketplace_domain::access::Actor;
use marketplace_domain::catalog::{ItemRef, Tool};
use marketplace_domain::checkout::{IdempotencyKey, Order, OrderStatus, PaymentMethod};
use marketplace_domain::money::Money;
use marketplace_domain::purchase::Purchase;
use marketplace_testkit::Fakes;

static KEYS: AtomicU64 = AtomicU64::new(1);

/// A fresh idempotency key.
pub fn new_key() -> IdempotencyKey {
    IdempotencyKey::parse(&format!("key-{}", KEYS.fetch_add(1, Ordering::SeqCst))).unwrap()
}

pub fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::parse(text).unwrap()
}

pub fn tool_ref(t: &Tool) -> ItemRef {
    ItemRef::Tool(t.id)
}

/// Adds every item to the actor's cart.
pub async fn add_all(f: &Fakes, actor: &Actor, items: &[ItemRef]) {
    let carts = f.cart_service();
    for item in items {
        carts.add(actor, *item).await.unwrap();
    }
}

/// Puts `items` in the cart and checks out with platform credits: fulfilled at once.
pub async fn buy(f: &Fakes, actor: &Actor, items: &[ItemRef]) -> Order {
    add_all(f, actor, items).await;
    let order = f
        .checkout_service()
        .checkout(actor, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
    order
}

/// The org's purchase of `item`.
pub fn purchase_of(f: &Fakes, actor: &Actor, item: ItemRef) -> Purchase {
    f.store
        .purchases_of(actor.org_id)
        .into_iter()
        .find(|p| p.item() == item)
        .expect("a purchase of the item")
}

pub fn credits(f: &Fakes, actor: &Actor) -> Money {
    f.store.org(actor.org_id).expect("the org").credits()
}

/// Whether the actor's org holds `tool` now (R-E3, through the entitlement service).
pub async fn holds(f: &Fakes, actor: &Actor, tool: &Tool) -> bool {
    f.entitlement_service().holds(actor, tool.id).await.unwrap()
}
