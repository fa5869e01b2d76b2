//! What the seller contract functions share: unwrapping helpers, fixed days, seeded
//! orgs, sellers and tools, and a [`Market`] that sells and refunds through the use cases.

use std::fmt::Debug;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::access::Actor;
use marketplace_domain::cart::CartService;
use marketplace_domain::catalog::{ItemRef, Tool};
use marketplace_domain::checkout::{CheckoutPorts, CheckoutService, IdempotencyKey, PaymentMethod};
use marketplace_domain::ids::{OrgId, SellerId};
use marketplace_domain::lifecycle::PurchaseService;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::revenue::{SellerKind, YearMonth};
use marketplace_domain::seller::{NewSeller, Seller};
use marketplace_domain::tier::Tier;

use crate::builders::{self, ToolBuilder, unique_uuid, usd};
use crate::fakes::{FakePaymentGateway, FixedClock, RecordingAuditLog, UniqueIds};

use super::SellerContractPorts;

#[track_caller]
pub(super) fn ok<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("seller contract: {what}: unexpected error {e:?}"),
    }
}

#[track_caller]
pub(super) fn some<T>(o: Option<T>, what: &str) -> T {
    o.unwrap_or_else(|| panic!("seller contract: {what}: expected a value, got none"))
}

pub(super) fn day(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, month, day, 12, 0, 0)
        .single()
        .unwrap_or_else(builders::t0)
}

pub(super) fn ym(month: u32) -> YearMonth {
    ok(YearMonth::new(2025, month), "month")
}

pub(super) async fn org(p: &SellerContractPorts) -> OrgId {
    let id = builders::org_id();
    ok(
        p.ports
            .orgs
            .upsert(id, "Seller Contract Org", Tier::Elite)
            .await,
        "upsert org",
    );
    id
}

pub(super) async fn new_seller(
    p: &SellerContractPorts,
    kind: SellerKind,
    rate: &str,
    org: Option<OrgId>,
) -> Seller {
    let seller = ok(
        NewSeller {
            name: format!("Contract seller {}", &unique_uuid().to_string()[24..]),
            kind,
            fee_rate: Some(builders::dec(rate)),
            org_id: org,
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(unique_uuid()), day(1, 1)),
        "new seller",
    );
    ok(p.sellers.upsert(&seller).await, "upsert seller");
    seller
}

pub(super) async fn tool(p: &SellerContractPorts, seller: SellerId, price: &str) -> Tool {
    let tool = ToolBuilder::new().seller(seller).price(price).build();
    ok(p.ports.catalog.insert_tool(&tool).await, "insert_tool");
    tool
}

/// Checkout and refunds through the domain's use cases over the ports, on a clock the
/// test moves.
pub(super) struct Market {
    pub(super) cart: CartService,
    pub(super) checkout: CheckoutService,
    pub(super) purchases: PurchaseService,
    pub(super) clock: Arc<FixedClock>,
    pub(super) buyer: Actor,
}

impl Market {
    pub(super) async fn new(p: &SellerContractPorts) -> Self {
        let c = &p.ports;
        let clock = Arc::new(FixedClock::default());
        let payments = Arc::new(FakePaymentGateway::default());
        let audit = Arc::new(RecordingAuditLog::default());
        let ids = Arc::new(UniqueIds);
        let buyer_org = org(p).await;
        ok(
            c.orgs.grant_credits(buyer_org, usd("100000.00")).await,
            "credits",
        );
        Self {
            cart: CartService::new(
                c.carts.clone(),
                c.catalog.clone(),
                c.orgs.clone(),
                c.holdings.clone(),
                clock.clone(),
            ),
            checkout: CheckoutService::new(CheckoutPorts {
                orders: c.orders.clone(),
                carts: c.carts.clone(),
                catalog: c.catalog.clone(),
                orgs: c.orgs.clone(),
                holdings: c.holdings.clone(),
                payments: payments.clone(),
                audit: audit.clone(),
                clock: clock.clone(),
                ids: ids.clone(),
            }),
            purchases: PurchaseService::new(
                c.purchases.clone(),
                c.orders.clone(),
                c.holdings.clone(),
                payments,
                audit,
                clock.clone(),
                ids,
            ),
            clock,
            buyer: builders::owner(buyer_org),
        }
    }

    /// Buys `item` with platform credits at `at`; returns the purchase id.
    pub(super) async fn buy(
        &self,
        item: ItemRef,
        at: DateTime<Utc>,
    ) -> marketplace_domain::ids::PurchaseId {
        self.clock.set(at);
        ok(self.cart.add(&self.buyer, item).await, "add to cart");
        let key = ok(
            IdempotencyKey::parse(&unique_uuid().to_string()),
            "idempotency key",
        );
        ok(
            self.checkout
                .checkout(&self.buyer, key, PaymentMethod::PlatformCredits)
                .await,
            "checkout",
        );
        let all = ok(
            self.purchases
                .list(&self.buyer, None, PageRequest::default())
                .await,
            "purchases",
        );
        some(
            all.items.into_iter().find(|x| x.item() == item),
            "the purchase",
        )
        .id()
    }

    pub(super) async fn refund(
        &self,
        purchase: marketplace_domain::ids::PurchaseId,
        amount: &str,
        at: DateTime<Utc>,
    ) {
        self.clock.set(at);
        ok(
            self.purchases
                .refund(&builders::admin_user(), purchase, Some(usd(amount)))
                .await,
            "refund",
        );
    }
}
