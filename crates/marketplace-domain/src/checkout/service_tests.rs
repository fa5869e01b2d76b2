//! [`CheckoutService`] (and the [`OrgService`] that funds platform credits) against mockall
//! mocks: which ports each action must and must not touch (R-P1, R-O1..R-O6, R-T3).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mockall::Sequence;
use mockall::predicate::{always, eq};
use rust_decimal::{Decimal, dec};
use uuid::Uuid;

use crate::access::{Forbidden, Permission};
use crate::audit::MockAuditLog;
use crate::cart::{Cart, CartError, CartLine, MockCartRepository};
use crate::catalog::fixtures::{
    Calls, bid, bundle, catalog_serving, clock, holdings, member, now, org_id, organization, owner,
    platform_admin, tid, tool, usd, user_id,
};
use crate::catalog::{Bundle, MockCatalogRepository, NotPurchasableReason, Tool};
use crate::checkout::{
    CheckoutError, CheckoutPorts, CheckoutService, Confirmation, IdempotencyKey, KeyedOrder,
    MockOrderRepository, MockPaymentGateway, Order, OrderLine, OrderParts, OrderStatus, Payment,
    PaymentRef, PaymentRequest, PaymentState, PlacedOrder, fingerprint,
};
use crate::entitlement::{EntitlementSource, MockHoldingsRepository};
use crate::ids::{OrderId, OrgId};
use crate::item::ItemRef;
use crate::money::{Currency, Money};
use crate::org::{CreditGrant, MockOrgRepository, OrgError, OrgService, Organization};
use crate::payment::{PaymentError, PaymentMethod};
use crate::ports::{Conflict, RepoError};
use crate::revenue::{Account, balance};
use crate::tier::Tier;

fn tool_ref(n: u128) -> ItemRef {
    ItemRef::Tool(tid(n))
}

fn bundle_ref(n: u128) -> ItemRef {
    ItemRef::Bundle(bid(n))
}

fn key() -> IdempotencyKey {
    IdempotencyKey::parse("checkout-2025-03-14-1").unwrap()
}

fn order_id() -> OrderId {
    OrderId::from_uuid(Uuid::from_u128(0x0D1))
}

fn card() -> PaymentRef {
    PaymentRef {
        reference: "pi_123".to_owned(),
        client_secret: Some("pi_123_secret".to_owned()),
    }
}

/// The catalog of these tests: tool 1 at 10.00, tools 2 and 3 (20.00, 15.00) sold together
/// as bundle 7 at 25.00, and tool 4, FREE.
fn catalog_items() -> (Vec<Tool>, Vec<Bundle>) {
    let (t1, t2, t3, t4) = (
        tool(1, dec!(10)),
        tool(2, dec!(20)),
        tool(3, dec!(15)),
        tool(4, Decimal::ZERO),
    );
    let b = bundle(7, dec!(25), &[&t2, &t3]);
    (vec![t1, t2, t3, t4], vec![b])
}

/// An order of the caller's org for tool 1 and bundle 7 (35.00).
fn order(status: OrderStatus, method: PaymentMethod, payment: Option<PaymentRef>) -> Order {
    Order::restore(OrderParts {
        id: order_id(),
        org_id: org_id(),
        user_id: user_id(),
        status,
        payment_method: method,
        lines: vec![
            OrderLine {
                item: tool_ref(1),
                name: "Tool 1".to_owned(),
                price_at_purchase: usd(dec!(10)),
                plan: None,
            },
            OrderLine {
                item: bundle_ref(7),
                name: "Bundle 7".to_owned(),
                price_at_purchase: usd(dec!(25)),
                plan: None,
            },
        ],
        total: usd(dec!(35)),
        refunded: Money::zero(Currency::USD),
        payment,
        failure_reason: None,
        created_at: now(),
        updated_at: now(),
    })
}

/// Every port as a bare mock: a method without an expectation panics when called.
struct World {
    orders: MockOrderRepository,
    carts: MockCartRepository,
    catalog: MockCatalogRepository,
    orgs: MockOrgRepository,
    holdings: MockHoldingsRepository,
    payments: MockPaymentGateway,
    audit: MockAuditLog,
}

impl World {
    fn bare() -> Self {
        Self {
            orders: MockOrderRepository::new(),
            carts: MockCartRepository::new(),
            catalog: MockCatalogRepository::new(),
            orgs: MockOrgRepository::new(),
            holdings: MockHoldingsRepository::new(),
            payments: MockPaymentGateway::new(),
            audit: MockAuditLog::new(),
        }
    }

    /// The catalog above, an org at ELITE with `credits`, no holdings, audit accepted.
    fn shop(credits: Decimal) -> Self {
        let mut w = Self::bare();
        let (tools, bundles) = catalog_items();
        w.catalog = catalog_serving(tools, bundles);
        w.orgs
            .expect_get_or_provision()
            .with(eq(org_id()))
            .returning(move |_| Ok(organization(Tier::Elite, credits)));
        let h = holdings(&[]);
        w.holdings
            .expect_holdings()
            .with(eq(org_id()), always())
            .returning(move |_, _| Ok(h.clone()));
        w.audit.expect_record().return_const(());
        w
    }

    /// The caller's cart holds `items`; a fresh idempotency key.
    fn with_cart(mut self, items: &[ItemRef]) -> Self {
        let cart = Cart::restore(
            org_id(),
            user_id(),
            items
                .iter()
                .map(|item| CartLine {
                    item: *item,
                    plan: None,
                    added_at: now(),
                })
                .collect(),
        );
        self.carts
            .expect_load()
            .with(eq(org_id()), eq(user_id()))
            .returning(move |_, _| Ok(cart.clone()));
        self.orders
            .expect_find_by_key()
            .with(eq(org_id()), eq(key()))
            .returning(|_, _| Ok(None));
        self
    }

    /// `place` succeeds once and records what it was given.
    fn placing(mut self) -> (Self, Calls<PlacedOrder>) {
        let placed = Calls::new();
        let record = placed.clone();
        self.orders.expect_place().times(1).returning(move |p| {
            record.push(p.clone());
            Ok(())
        });
        (self, placed)
    }

    fn service(self) -> CheckoutService {
        CheckoutService::new(CheckoutPorts {
            orders: Arc::new(self.orders),
            carts: Arc::new(self.carts),
            catalog: Arc::new(self.catalog),
            orgs: Arc::new(self.orgs),
            holdings: Arc::new(self.holdings),
            payments: Arc::new(self.payments),
            audit: Arc::new(self.audit),
            clock: Arc::new(clock()),
            ids: Arc::new(crate::catalog::fixtures::ids()),
        })
    }
}

fn forbidden(e: &CheckoutError, p: Permission) -> bool {
    matches!(e, CheckoutError::Forbidden(Forbidden(got)) if *got == p)
}

#[tokio::test]
async fn r_p1_a_member_may_not_check_out_cancel_or_see_orders_and_no_port_is_touched() {
    let mut w = World::bare();
    w.carts.expect_load().times(0);
    w.orders.expect_find_by_key().times(0);
    w.orders.expect_place().times(0);
    w.orders.expect_get().times(0);
    w.orders.expect_list().times(0);
    w.orders.expect_transition().times(0);
    w.orders.expect_fulfil().times(0);
    w.payments.expect_create_payment().times(0);
    w.payments.expect_cancel().times(0);
    w.audit.expect_record().times(0);
    let svc = w.service();
    let m = member();
    let e = svc
        .checkout(&m, key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(forbidden(&e, Permission::Purchase), "{e:?}");
    let e = svc.cancel(&m, order_id()).await.unwrap_err();
    assert!(forbidden(&e, Permission::Purchase));
    let e = svc.orders(&m, Default::default()).await.unwrap_err();
    assert!(forbidden(&e, Permission::Purchase));
    let e = svc.order(&m, order_id()).await.unwrap_err();
    assert!(forbidden(&e, Permission::Purchase));
}

#[tokio::test]
async fn r_p1_only_a_platform_admin_marks_an_invoice_paid() {
    let mut w = World::bare();
    w.orders.expect_find().times(0);
    w.orders.expect_fulfil().times(0);
    w.orders.expect_transition().times(0);
    w.audit.expect_record().times(0);
    let e = w
        .service()
        .mark_paid(&owner(), order_id())
        .await
        .unwrap_err();
    assert!(forbidden(&e, Permission::ManageBilling), "{e:?}");
}

#[tokio::test]
async fn r_o1_an_empty_cart_is_refused_and_nothing_is_placed() {
    let mut w = World::bare().with_cart(&[]);
    w.orders.expect_place().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::Invoice)
        .await
        .unwrap_err();
    assert!(matches!(e, CheckoutError::EmptyCart), "{e:?}");
}

#[tokio::test]
async fn r_o1_checkout_rechecks_every_line_against_the_current_catalog() {
    // Tool 1 was disabled after it went into the cart.
    let mut w = World::shop(dec!(1000)).with_cart(&[tool_ref(1), bundle_ref(7)]);
    let (mut tools, bundles) = catalog_items();
    tools[0].status = crate::catalog::ToolStatus::Disabled;
    w.catalog = catalog_serving(tools, bundles);
    w.orders.expect_place().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            CheckoutError::LineRefused {
                item,
                reason: CartError::NotPurchasable(NotPurchasableReason::Status)
            } if *item == tool_ref(1)
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn r_o1_a_line_gone_from_the_catalog_is_unavailable() {
    let mut w = World::shop(dec!(1000)).with_cart(&[tool_ref(1), tool_ref(99)]);
    w.orders.expect_place().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::Invoice)
        .await
        .unwrap_err();
    assert!(matches!(e, CheckoutError::ItemUnavailable(i) if i == tool_ref(99)));
}

#[tokio::test]
async fn r_o1_an_invoice_checkout_places_one_pending_order_at_snapshot_prices() {
    let (mut w, placed) = World::shop(Decimal::ZERO)
        .with_cart(&[bundle_ref(7), tool_ref(1)])
        .placing();
    w.payments.expect_create_payment().times(0);
    let order = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::Invoice)
        .await
        .unwrap();
    let p = placed.only();
    assert_eq!(p.order, order);
    assert_eq!(order.status(), OrderStatus::PendingPayment);
    let lines: Vec<(ItemRef, Decimal)> = order
        .lines()
        .iter()
        .map(|l| (l.item, l.price_at_purchase.amount()))
        .collect();
    assert_eq!(
        lines,
        vec![(bundle_ref(7), dec!(25)), (tool_ref(1), dec!(10))]
    );
    assert_eq!(order.total(), usd(dec!(35)));
    assert_eq!(p.key, key());
    assert_eq!(
        p.fingerprint,
        fingerprint(&[tool_ref(1), bundle_ref(7)], PaymentMethod::Invoice)
    );
    assert_eq!(p.credit_debit, None);
    assert_eq!(p.fulfilment, None, "an invoice waits for an admin");
}

#[tokio::test]
async fn r_o3_platform_credits_are_debited_and_the_order_fulfilled_in_one_place() {
    let (mut w, placed) = World::shop(dec!(100))
        .with_cart(&[tool_ref(1), bundle_ref(7)])
        .placing();
    w.payments.expect_create_payment().times(0);
    w.orders.expect_fulfil().times(0);
    let order = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
    let p = placed.only();
    assert_eq!(p.credit_debit, Some(order.total()));
    assert_eq!(p.credit_debit, Some(usd(dec!(35))));
    let plan = p.fulfilment.expect("credits are paid at once");
    assert_eq!(plan.order_id, order.id());
    assert_eq!((plan.org_id, plan.user_id), (org_id(), user_id()));
    let bought: Vec<ItemRef> = plan.purchases.iter().map(|p| p.item()).collect();
    assert_eq!(bought, vec![tool_ref(1), bundle_ref(7)]);
    assert_eq!(plan.cart_items, vec![tool_ref(1), bundle_ref(7)]);
    // R-E1: the tool directly, the bundle's two tools from the bundle.
    let granted: Vec<_> = plan
        .entitlements
        .iter()
        .map(|e| (e.tool_id, e.source))
        .collect();
    assert_eq!(
        granted,
        vec![
            (tid(1), EntitlementSource::Purchase),
            (tid(2), EntitlementSource::Bundle),
            (tid(3), EntitlementSource::Bundle),
        ]
    );
    // R-M5: one balanced sale posting per paid purchase, for what the buyer paid.
    assert_eq!(plan.postings.len(), 2);
    let entries: Vec<_> = plan
        .postings
        .iter()
        .flat_map(|p| p.entries().iter().copied())
        .collect();
    assert!(
        Money::sum(Currency::USD, entries.iter().map(|e| e.amount))
            .unwrap()
            .is_zero()
    );
    assert_eq!(
        balance(&entries, &Account::BuyerPayments, Currency::USD).amount(),
        dec!(35)
    );
}

#[tokio::test]
async fn r_o3_insufficient_credits_are_refused_before_anything_is_placed() {
    let mut w = World::shop(dec!(34.99)).with_cart(&[tool_ref(1), bundle_ref(7)]);
    w.orders.expect_place().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(matches!(e, CheckoutError::InsufficientCredits { needed } if needed == usd(dec!(35))));
}

#[tokio::test]
async fn r_o3_credits_spent_concurrently_are_reported_by_the_store() {
    let mut w = World::shop(dec!(100)).with_cart(&[tool_ref(1)]);
    w.orders
        .expect_place()
        .times(1)
        .returning(|_| Err(RepoError::InsufficientCredits));
    w.audit = MockAuditLog::new();
    w.audit.expect_record().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(matches!(e, CheckoutError::InsufficientCredits { needed } if needed == usd(dec!(10))));
}

#[tokio::test]
async fn r_o3_a_zero_total_order_is_fulfilled_at_once_without_a_payment() {
    let (mut w, placed) = World::shop(Decimal::ZERO)
        .with_cart(&[tool_ref(4)])
        .placing();
    w.payments.expect_create_payment().times(0);
    let order = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
    let p = placed.only();
    assert_eq!(p.credit_debit, None);
    let plan = p.fulfilment.unwrap();
    assert_eq!(plan.purchases.len(), 1);
    assert!(
        plan.postings.is_empty(),
        "nothing was paid: nothing to post"
    );
}

#[tokio::test]
async fn r_o3_a_card_checkout_creates_a_payment_keyed_by_the_order_then_attaches_it() {
    let mut w = World::shop(Decimal::ZERO).with_cart(&[tool_ref(1), bundle_ref(7)]);
    let mut seq = Sequence::new();
    let placed = Calls::new();
    let record = placed.clone();
    w.orders
        .expect_place()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |p| {
            record.push(p.clone());
            Ok(())
        });
    let requests: Calls<PaymentRequest> = Calls::new();
    let record = requests.clone();
    w.payments
        .expect_create_payment()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |r| {
            record.push(r.clone());
            Ok(Payment {
                payment: card(),
                state: PaymentState::Pending,
            })
        });
    let attached: Calls<(OrderId, PaymentRef)> = Calls::new();
    let record = attached.clone();
    w.orders
        .expect_attach_payment()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |id, p| {
            record.push((id, p.clone()));
            Ok(())
        });
    w.orders.expect_transition().times(0);
    w.orders.expect_fulfil().times(0);
    let order = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::CreditCard)
        .await
        .unwrap();

    let p = placed.only();
    assert_eq!(p.credit_debit, None);
    assert_eq!(p.fulfilment, None, "a card order waits for the gateway");
    let request = requests.only();
    assert_eq!(request.order_id, p.order.id());
    assert_eq!(request.org_id, org_id());
    assert_eq!(request.amount, usd(dec!(35)));
    assert_eq!(request.idempotency_key, format!("order-{}", p.order.id()));
    assert!(
        !request.save_for_renewals,
        "one-time items: no card to keep for renewals"
    );
    assert_eq!(attached.only(), (p.order.id(), card()));
    assert_eq!(order.status(), OrderStatus::PendingPayment);
    assert_eq!(order.payment(), Some(&card()));
}

#[tokio::test]
async fn r_o3_a_declined_card_moves_the_order_to_failed() {
    let (mut w, placed) = World::shop(Decimal::ZERO)
        .with_cart(&[tool_ref(1)])
        .placing();
    w.payments.expect_create_payment().times(1).returning(|_| {
        Err(PaymentError::Declined {
            code: Some("card_declined".to_owned()),
            message: "Your card was declined.".to_owned(),
        })
    });
    w.orders.expect_attach_payment().times(0);
    let transitions: Calls<(OrderId, OrderStatus, OrderStatus, Option<String>)> = Calls::new();
    let record = transitions.clone();
    w.orders
        .expect_transition()
        .times(1)
        .returning(move |id, from, to, reason, _| {
            record.push((id, from, to, reason));
            Ok(())
        });
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::CreditCard)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CheckoutError::PaymentDeclined { code } if code.as_deref() == Some("card_declined")),
        "{e:?}"
    );
    assert_eq!(
        transitions.only(),
        (
            placed.only().order.id(),
            OrderStatus::PendingPayment,
            OrderStatus::Failed,
            Some("payment_failed:card_declined".to_owned())
        )
    );
}

#[tokio::test]
async fn r_o4_a_card_payment_that_succeeds_at_once_is_fulfilled_once() {
    let (mut w, placed) = World::shop(Decimal::ZERO)
        .with_cart(&[tool_ref(1)])
        .placing();
    w.payments.expect_create_payment().times(1).returning(|_| {
        Ok(Payment {
            payment: card(),
            state: PaymentState::Succeeded,
        })
    });
    w.orders
        .expect_attach_payment()
        .times(1)
        .returning(|_, _| Ok(()));
    let stored = placed.clone();
    w.orders
        .expect_find_by_payment()
        .with(eq("pi_123"))
        .times(1)
        .returning(move |_| {
            let mut o = stored.only().order;
            o.attach_payment(card()).unwrap();
            Ok(Some(o))
        });
    w.orders.expect_fulfil().times(1).returning(|_| Ok(()));
    let order = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
}

#[tokio::test]
async fn r_o2_the_same_key_and_cart_return_the_same_order_without_placing_again() {
    let mut w = World::bare();
    let cart = Cart::restore(
        org_id(),
        user_id(),
        vec![CartLine {
            item: tool_ref(1),
            plan: None,
            added_at: now(),
        }],
    );
    w.carts
        .expect_load()
        .returning(move |_, _| Ok(cart.clone()));
    let earlier = order(OrderStatus::PendingPayment, PaymentMethod::Invoice, None);
    let keyed = KeyedOrder {
        order: earlier.clone(),
        fingerprint: fingerprint(&[tool_ref(1)], PaymentMethod::Invoice),
    };
    w.orders
        .expect_find_by_key()
        .with(eq(org_id()), eq(key()))
        .times(1)
        .returning(move |_, _| Ok(Some(keyed.clone())));
    w.orders.expect_place().times(0);
    let got = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::Invoice)
        .await
        .unwrap();
    assert_eq!(got, earlier);
}

#[tokio::test]
async fn r_o2_the_same_key_with_a_different_cart_is_a_conflict() {
    let mut w = World::bare();
    let cart = Cart::restore(
        org_id(),
        user_id(),
        vec![CartLine {
            item: tool_ref(2),
            plan: None,
            added_at: now(),
        }],
    );
    w.carts
        .expect_load()
        .returning(move |_, _| Ok(cart.clone()));
    let keyed = KeyedOrder {
        order: order(OrderStatus::PendingPayment, PaymentMethod::Invoice, None),
        fingerprint: fingerprint(&[tool_ref(1)], PaymentMethod::Invoice),
    };
    w.orders
        .expect_find_by_key()
        .returning(move |_, _| Ok(Some(keyed.clone())));
    w.orders.expect_place().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::Invoice)
        .await
        .unwrap_err();
    assert!(matches!(e, CheckoutError::IdempotencyConflict));
}

#[tokio::test]
async fn r_o2_a_key_taken_by_a_concurrent_request_is_answered_as_its_replay() {
    let mut w = World::shop(Decimal::ZERO);
    let cart = Cart::restore(
        org_id(),
        user_id(),
        vec![CartLine {
            item: tool_ref(1),
            plan: None,
            added_at: now(),
        }],
    );
    w.carts
        .expect_load()
        .returning(move |_, _| Ok(cart.clone()));
    let winner = order(OrderStatus::PendingPayment, PaymentMethod::Invoice, None);
    let keyed = KeyedOrder {
        order: winner.clone(),
        fingerprint: fingerprint(&[tool_ref(1)], PaymentMethod::Invoice),
    };
    let asked = AtomicBool::new(false);
    w.orders
        .expect_find_by_key()
        .times(2)
        .returning(move |_, _| {
            // Absent before `place`, present after the concurrent request stored it.
            Ok(asked.swap(true, Ordering::SeqCst).then(|| keyed.clone()))
        });
    w.orders
        .expect_place()
        .times(1)
        .returning(|_| Err(RepoError::Conflict(Conflict::IdempotencyKey)));
    let got = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::Invoice)
        .await
        .unwrap();
    assert_eq!(got, winner);
}

#[tokio::test]
async fn r_o4_confirming_a_fulfilled_order_again_calls_no_fulfil() {
    let mut w = World::bare();
    let done = order(
        OrderStatus::Fulfilled,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    let found = done.clone();
    w.orders
        .expect_find_by_payment()
        .with(eq("pi_123"))
        .returning(move |_| Ok(Some(found.clone())));
    w.orders.expect_fulfil().times(0);
    w.orders.expect_transition().times(0);
    w.catalog.expect_tools().times(0);
    w.holdings.expect_holdings().times(0);
    w.payments.expect_refund().times(0);
    let got = w.service().confirm_payment("pi_123").await.unwrap();
    assert_eq!(got, Confirmation::AlreadyFulfilled(done));
}

#[tokio::test]
async fn r_o4_confirming_a_pending_order_fulfils_it_once_in_one_plan() {
    let mut w = World::shop(Decimal::ZERO);
    let pending = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_find_by_payment()
        .returning(move |_| Ok(Some(pending.clone())));
    let plans = Calls::new();
    let record = plans.clone();
    w.orders.expect_fulfil().times(1).returning(move |p| {
        record.push(p.clone());
        Ok(())
    });
    w.orders.expect_transition().times(0);
    w.payments.expect_refund().times(0);
    let got = w.service().confirm_payment("pi_123").await.unwrap();
    let Confirmation::Fulfilled(o) = got else {
        panic!("expected a fulfilment, got {got:?}");
    };
    assert_eq!(o.status(), OrderStatus::Fulfilled);
    let plan = plans.only();
    assert_eq!(plan.order_id, order_id());
    assert_eq!(plan.purchases.len(), 2);
    assert!(
        plan.purchases
            .iter()
            .all(|p| p.order_id() == order_id() && p.payment_method() == PaymentMethod::CreditCard)
    );
    assert_eq!(plan.postings.len(), 2);
}

#[tokio::test]
async fn r_o4_a_fulfil_that_finds_the_order_fulfilled_meanwhile_changes_nothing() {
    let mut w = World::shop(Decimal::ZERO);
    let pending = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_find_by_payment()
        .returning(move |_| Ok(Some(pending.clone())));
    w.orders
        .expect_fulfil()
        .times(1)
        .returning(|_| Err(RepoError::Stale("order is no longer pending")));
    let done = order(
        OrderStatus::Fulfilled,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    let found = done.clone();
    w.orders
        .expect_find()
        .with(eq(order_id()))
        .returning(move |_| Ok(Some(found.clone())));
    w.orders.expect_transition().times(0);
    w.payments.expect_refund().times(0);
    let got = w.service().confirm_payment("pi_123").await.unwrap();
    assert_eq!(got, Confirmation::AlreadyFulfilled(done));
}

#[tokio::test]
async fn r_o5_a_card_order_that_lost_the_race_fails_and_is_refunded_in_full() {
    let mut w = World::shop(Decimal::ZERO);
    let pending = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_find_by_payment()
        .returning(move |_| Ok(Some(pending.clone())));
    w.orders.expect_fulfil().times(1).returning(|_| {
        Err(RepoError::Conflict(Conflict::ActivePurchase {
            item: ItemRef::Bundle(bid(7)),
        }))
    });
    // Refund first: if it fails, the order still awaits payment and reconciliation retries.
    let mut seq = Sequence::new();
    w.payments
        .expect_refund()
        .withf(|reference, amount, _key| reference == "pi_123" && *amount == usd(dec!(35)))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(()));
    w.orders
        .expect_transition()
        .with(
            eq(order_id()),
            eq(OrderStatus::PendingPayment),
            eq(OrderStatus::Failed),
            eq(Some("already_owned".to_owned())),
            always(),
        )
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _, _| Ok(()));
    let got = w.service().confirm_payment("pi_123").await.unwrap();
    let Confirmation::FailedAlreadyOwned { order, item } = got else {
        panic!("expected the order to fail, got {got:?}");
    };
    assert_eq!(item, bundle_ref(7));
    assert_eq!(order.status(), OrderStatus::Failed);
    assert_eq!(order.failure_reason(), Some("already_owned"));
}

#[tokio::test]
async fn r_o5_an_invoice_order_that_lost_the_race_fails_without_a_refund() {
    let mut w = World::shop(Decimal::ZERO);
    let pending = order(OrderStatus::PendingPayment, PaymentMethod::Invoice, None);
    w.orders
        .expect_find()
        .with(eq(order_id()))
        .returning(move |_| Ok(Some(pending.clone())));
    w.orders.expect_fulfil().times(1).returning(|_| {
        Err(RepoError::Conflict(Conflict::ActivePurchase {
            item: ItemRef::Tool(tid(1)),
        }))
    });
    w.orders
        .expect_transition()
        .with(
            eq(order_id()),
            eq(OrderStatus::PendingPayment),
            eq(OrderStatus::Failed),
            eq(Some("already_owned".to_owned())),
            always(),
        )
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    w.payments.expect_refund().times(0);
    let got = w
        .service()
        .mark_paid(&platform_admin(), order_id())
        .await
        .unwrap();
    assert!(matches!(got, Confirmation::FailedAlreadyOwned { item, .. } if item == tool_ref(1)));
}

#[tokio::test]
async fn r_o5_a_credits_checkout_that_loses_the_race_at_place_is_already_owned() {
    let mut w = World::shop(dec!(100)).with_cart(&[tool_ref(1)]);
    w.orders.expect_place().times(1).returning(|_| {
        Err(RepoError::Conflict(Conflict::ActivePurchase {
            item: ItemRef::Tool(tid(1)),
        }))
    });
    w.payments.expect_refund().times(0);
    let e = w
        .service()
        .checkout(&owner(), key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(matches!(e, CheckoutError::AlreadyOwned { item } if item == tool_ref(1)));
}

#[tokio::test]
async fn r_o3_mark_paid_is_for_invoice_orders_only() {
    let mut w = World::bare();
    let card_order = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_find()
        .returning(move |_| Ok(Some(card_order.clone())));
    w.orders.expect_fulfil().times(0);
    let e = w
        .service()
        .mark_paid(&platform_admin(), order_id())
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        CheckoutError::WrongPaymentMethod {
            expected: PaymentMethod::Invoice
        }
    ));
}

#[tokio::test]
async fn r_o6_a_fulfilled_order_cannot_be_cancelled_and_nothing_moves() {
    let mut w = World::bare();
    let done = order(
        OrderStatus::Fulfilled,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_get()
        .with(eq(org_id()), eq(order_id()))
        .returning(move |_, _| Ok(Some(done.clone())));
    w.orders.expect_transition().times(0);
    w.payments.expect_cancel().times(0);
    w.audit.expect_record().times(0);
    let e = w.service().cancel(&owner(), order_id()).await.unwrap_err();
    assert!(matches!(
        e,
        CheckoutError::IllegalTransition(crate::checkout::IllegalTransition {
            from: OrderStatus::Fulfilled,
            to: OrderStatus::Cancelled
        })
    ));
}

#[tokio::test]
async fn r_o6_cancelling_a_pending_card_order_cancels_its_payment_then_the_order() {
    let mut w = World::bare();
    let pending = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_get()
        .returning(move |_, _| Ok(Some(pending.clone())));
    let mut seq = Sequence::new();
    w.payments
        .expect_cancel()
        .with(eq("pi_123"))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    w.orders
        .expect_transition()
        .with(
            eq(order_id()),
            eq(OrderStatus::PendingPayment),
            eq(OrderStatus::Cancelled),
            eq(None),
            always(),
        )
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _, _| Ok(()));
    w.audit.expect_record().times(1).return_const(());
    let got = w.service().cancel(&owner(), order_id()).await.unwrap();
    assert_eq!(got.status(), OrderStatus::Cancelled);
}

#[tokio::test]
async fn r_t3_another_orgs_order_is_not_found() {
    let mut w = World::bare();
    w.orders
        .expect_get()
        .with(eq(org_id()), eq(order_id()))
        .returning(|_, _| Ok(None));
    w.orders.expect_transition().times(0);
    let svc = w.service();
    assert!(matches!(
        svc.order(&owner(), order_id()).await,
        Err(CheckoutError::NotFound)
    ));
    assert!(matches!(
        svc.cancel(&owner(), order_id()).await,
        Err(CheckoutError::NotFound)
    ));
}

#[tokio::test]
async fn r_o6_a_failure_report_fails_a_pending_order_once() {
    let mut w = World::bare();
    let done = order(
        OrderStatus::Fulfilled,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_find_by_payment()
        .with(eq("pi_done"))
        .returning(move |_| Ok(Some(done.clone())));
    let pending = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    w.orders
        .expect_find_by_payment()
        .with(eq("pi_123"))
        .returning(move |_| Ok(Some(pending.clone())));
    w.orders
        .expect_transition()
        .with(
            eq(order_id()),
            eq(OrderStatus::PendingPayment),
            eq(OrderStatus::Failed),
            eq(Some("payment_failed:insufficient_funds".to_owned())),
            always(),
        )
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    w.audit.expect_record().times(1).return_const(());
    let svc = w.service();
    let unchanged = svc
        .payment_failed("pi_done", Some("insufficient_funds".into()))
        .await
        .unwrap();
    assert_eq!(unchanged.status(), OrderStatus::Fulfilled);
    let failed = svc
        .payment_failed("pi_123", Some("insufficient_funds".into()))
        .await
        .unwrap();
    assert_eq!(failed.status(), OrderStatus::Failed);
}

#[tokio::test]
async fn r_o4_reconciliation_fulfils_succeeded_payments_and_leaves_pending_ones() {
    let mut w = World::shop(Decimal::ZERO);
    let paid = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    let waiting = Order::restore(OrderParts {
        id: OrderId::from_uuid(Uuid::from_u128(0x0D2)),
        payment: Some(PaymentRef {
            reference: "pi_wait".to_owned(),
            client_secret: None,
        }),
        ..paid.clone().into_parts()
    });
    let both = vec![paid, waiting];
    let lookup = both.clone();
    w.orders
        .expect_pending_card_orders()
        .returning(move |_| Ok(both.clone()));
    // Settling reads the order by its payment, as a webhook would.
    w.orders
        .expect_find_by_payment()
        .returning(move |reference| {
            Ok(lookup
                .iter()
                .find(|o| o.payment().is_some_and(|p| p.reference == reference))
                .cloned())
        });
    w.payments
        .expect_payment_state()
        .with(eq("pi_123"))
        .returning(|_| Ok(PaymentState::Succeeded));
    w.payments
        .expect_payment_state()
        .with(eq("pi_wait"))
        .returning(|_| Ok(PaymentState::Pending));
    w.orders
        .expect_fulfil()
        .withf(|plan| plan.order_id == order_id())
        .times(1)
        .returning(|_| Ok(()));
    w.orders.expect_transition().times(0);
    assert_eq!(w.service().reconcile(now()).await.unwrap(), 1);
}

#[tokio::test]
async fn r_o4_reconciliation_leaves_an_order_the_gateway_cannot_answer_for_the_next_run() {
    let mut w = World::bare();
    let pending = order(
        OrderStatus::PendingPayment,
        PaymentMethod::CreditCard,
        Some(card()),
    );
    let lookup = pending.clone();
    w.orders
        .expect_pending_card_orders()
        .returning(move |_| Ok(vec![pending.clone()]));
    w.orders
        .expect_find_by_payment()
        .returning(move |_| Ok(Some(lookup.clone())));
    w.payments.expect_payment_state().times(1).returning(|_| {
        Err(PaymentError::Unavailable(Box::new(std::io::Error::other(
            "gateway timeout",
        ))))
    });
    w.orders.expect_fulfil().times(0);
    w.orders.expect_transition().times(0);
    assert_eq!(w.service().reconcile(now()).await.unwrap(), 0);
}

// --- OrgService: platform credits fund R-O3 checkouts ---------------------------------

fn org_service(orgs: MockOrgRepository, audit: MockAuditLog) -> OrgService {
    OrgService::new(Arc::new(orgs), Arc::new(audit), Arc::new(clock()))
}

fn other_org() -> OrgId {
    crate::catalog::fixtures::other_org_id()
}

#[tokio::test]
async fn r_p1_only_platform_admins_grant_credits_or_edit_orgs() {
    let mut orgs = MockOrgRepository::new();
    orgs.expect_get().times(0);
    orgs.expect_grant_credits().times(0);
    orgs.expect_upsert().times(0);
    let mut audit = MockAuditLog::new();
    audit.expect_record().times(0);
    let svc = org_service(orgs, audit);
    let e = svc
        .grant_credits(&owner(), other_org(), usd(dec!(10)))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        OrgError::Forbidden(Forbidden(Permission::ManageOrgs))
    ));
    let e = svc
        .upsert(&owner(), other_org(), "Acme", Tier::Elite)
        .await
        .unwrap_err();
    assert!(matches!(e, OrgError::Forbidden(_)));
}

#[tokio::test]
async fn r_o3_a_credit_grant_must_be_positive_and_in_the_balance_currency() {
    let mut orgs = MockOrgRepository::new();
    let held = Organization::restore(
        other_org(),
        "Acme Realty".to_owned(),
        Tier::Growth,
        usd(dec!(5)),
    );
    orgs.expect_get()
        .with(eq(other_org()))
        .returning(move |_| Ok(Some(held.clone())));
    orgs.expect_grant_credits().times(0);
    let mut audit = MockAuditLog::new();
    audit.expect_record().times(0);
    let svc = org_service(orgs, audit);
    for bad in [Money::zero(Currency::USD), usd(dec!(-1))] {
        let e = svc
            .grant_credits(&platform_admin(), other_org(), bad)
            .await
            .unwrap_err();
        assert!(matches!(e, OrgError::Invalid(_)), "{bad}");
    }
    let eur = Money::new(dec!(10), Currency::EUR).unwrap();
    let e = svc
        .grant_credits(&platform_admin(), other_org(), eur)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        OrgError::CurrencyMismatch {
            held: Currency::USD,
            given: Currency::EUR
        }
    ));
}

#[tokio::test]
async fn r_o3_a_zero_balance_may_change_currency_and_the_grant_is_audited() {
    let mut orgs = MockOrgRepository::new();
    orgs.expect_get()
        .returning(|_| Ok(Some(organization(Tier::Growth, Decimal::ZERO))));
    let eur = Money::new(dec!(10), Currency::EUR).unwrap();
    orgs.expect_grant_credits()
        .with(eq(org_id()), eq(eur))
        .times(1)
        .returning(move |_, amount| {
            let mut o = organization(Tier::Growth, Decimal::ZERO);
            o.grant_credits(CreditGrant::new(amount).unwrap()).unwrap();
            Ok(o)
        });
    let mut audit = MockAuditLog::new();
    audit
        .expect_record()
        .withf(|e| e.action == "org.credits_granted")
        .times(1)
        .return_const(());
    let got = org_service(orgs, audit)
        .grant_credits(&platform_admin(), org_id(), eur)
        .await
        .unwrap();
    assert_eq!(got.credits(), eur);
}

#[tokio::test]
async fn an_org_name_must_be_1_to_200_characters() {
    let mut orgs = MockOrgRepository::new();
    orgs.expect_upsert().times(0);
    let svc = org_service(orgs, MockAuditLog::new());
    for bad in ["", "   ", &"x".repeat(201)] {
        let e = svc
            .upsert(&platform_admin(), other_org(), bad, Tier::Elite)
            .await
            .unwrap_err();
        assert!(matches!(e, OrgError::Invalid(_)));
    }
}
