#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-O*, R-T3, R-M5: checkout, payment and fulfilment through the services over the fakes.

mod common;

use common::{add_all, buy, credits, holds, key, new_key, tool_ref};
use marketplace_domain::catalog::{ItemRef, PageRequest, ToolPatch};
use marketplace_domain::checkout::{CheckoutError, Confirmation, OrderStatus, PaymentMethod};
use marketplace_domain::lifecycle::PurchaseError;
use marketplace_domain::money::Currency;
use marketplace_domain::purchase::PurchaseStatus;
use marketplace_domain::revenue::{Account, FeeRate, PostingKind, SellerKind, balance};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{BundleBuilder, admin_user, dec, org_admin, owner, usd};

#[tokio::test]
async fn r_o1_checkout_snapshots_prices() {
    let f = Fakes::new();
    let (_, buyer) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b.price("10.00"));
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    let admin = admin_user();
    let reprice = |p: &str| ToolPatch {
        price: Some(dec(p)),
        ..ToolPatch::default()
    };
    f.catalog_service()
        .update_tool(&admin, t.id, reprice("15.00"))
        .await
        .unwrap();
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::Invoice)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::PendingPayment);
    assert_eq!(order.lines().len(), 1);
    assert_eq!(
        order.lines()[0].price_at_purchase,
        usd("15.00"),
        "the live price at checkout"
    );
    assert_eq!(order.total(), usd("15.00"));
    f.catalog_service()
        .update_tool(&admin, t.id, reprice("20.00"))
        .await
        .unwrap();
    let stored = f.store.order(order.id()).unwrap();
    assert_eq!(
        stored.lines()[0].price_at_purchase,
        usd("15.00"),
        "the snapshot stays"
    );
    assert_eq!(stored.total(), usd("15.00"));
    // Fulfilled later, the purchase is at the snapshot price too.
    f.checkout_service()
        .mark_paid(&admin, order.id())
        .await
        .unwrap();
    assert_eq!(
        common::purchase_of(&f, &buyer, tool_ref(&t)).amount(),
        usd("15.00")
    );
}

#[tokio::test]
async fn r_o1_empty_cart() {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    let err = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::Invoice)
        .await
        .unwrap_err();
    assert!(matches!(err, CheckoutError::EmptyCart), "{err:?}");
    assert!(f.store.orders_of(org).is_empty());
}

#[tokio::test]
async fn r_o2_same_key_same_order() {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b);
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    let svc = f.checkout_service();
    let first = svc
        .checkout(&buyer, key("k-1"), PaymentMethod::Invoice)
        .await
        .unwrap();
    let again = svc
        .checkout(&buyer, key("k-1"), PaymentMethod::Invoice)
        .await
        .unwrap();
    assert_eq!(again.id(), first.id());
    assert_eq!(f.store.orders_of(org).len(), 1, "one order for one key");

    // A credits order empties the cart; the retry with the emptied cart is the same order.
    f.set_org(org, Tier::Elite, usd("50.00"));
    let u = f.tool(|b| b.price("20.00"));
    add_all(&f, &buyer, &[tool_ref(&u)]).await;
    let paid = svc
        .checkout(&buyer, key("k-2"), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(paid.status(), OrderStatus::Fulfilled);
    // The invoice order left its line in the cart: this order buys both (10.00 + 20.00).
    assert_eq!(paid.total(), usd("30.00"));
    assert!(f.store.cart_items(org, buyer.user_id).is_empty());
    let retry = svc
        .checkout(&buyer, key("k-2"), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(retry.id(), paid.id());
    assert_eq!(credits(&f, &buyer), usd("20.00"), "debited once");
    assert_eq!(f.store.orders_of(org).len(), 2);
}

#[tokio::test]
async fn r_o2_same_key_different_cart_conflicts() {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    let (a, b) = (f.tool(|b| b), f.tool(|b| b));
    add_all(&f, &buyer, &[tool_ref(&a)]).await;
    let svc = f.checkout_service();
    svc.checkout(&buyer, key("same"), PaymentMethod::Invoice)
        .await
        .unwrap();
    add_all(&f, &buyer, &[tool_ref(&b)]).await;
    let err = svc
        .checkout(&buyer, key("same"), PaymentMethod::Invoice)
        .await
        .unwrap_err();
    assert!(matches!(err, CheckoutError::IdempotencyConflict), "{err:?}");
    // Another payment method under the same key is a different request too.
    let err = svc
        .checkout(&buyer, key("same"), PaymentMethod::CreditCard)
        .await
        .unwrap_err();
    assert!(matches!(err, CheckoutError::IdempotencyConflict), "{err:?}");
    assert_eq!(f.store.orders_of(org).len(), 1);
    // Keys are per org: another org may use it.
    let (_, other) = f.org_with_owner(Tier::Elite);
    add_all(&f, &other, &[tool_ref(&a)]).await;
    svc.checkout(&other, key("same"), PaymentMethod::Invoice)
        .await
        .unwrap();
}

#[tokio::test]
async fn r_o3_credits_debited_atomically() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("50.00"));
    let buyer = owner(org);
    let t = f.tool(|b| b.price("30.00"));
    let order = buy(&f, &buyer, &[tool_ref(&t)]).await;
    assert_eq!(order.total(), usd("30.00"));
    assert_eq!(credits(&f, &buyer), usd("20.00"));
    let p = common::purchase_of(&f, &buyer, tool_ref(&t));
    assert_eq!(
        (p.status(), p.amount(), p.payment_method()),
        (
            PurchaseStatus::Active,
            usd("30.00"),
            PaymentMethod::PlatformCredits
        )
    );
    assert!(holds(&f, &buyer, &t).await);
    assert!(
        f.payments.payments().is_empty(),
        "credits never touch the gateway"
    );
}

#[tokio::test]
async fn r_o3_insufficient_credits_changes_nothing() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("10.00"));
    let buyer = owner(org);
    let t = f.tool(|b| b.price("30.00"));
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    let before = f.store.snapshot();
    let err = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CheckoutError::InsufficientCredits { needed } if needed == usd("30.00")),
        "{err:?}"
    );
    assert_eq!(f.store.snapshot(), before, "nothing stored");
    assert_eq!(credits(&f, &buyer), usd("10.00"));
}

#[tokio::test]
async fn r_o3_invoice_waits_for_mark_paid() {
    let f = Fakes::new();
    let (_, buyer) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b.price("25.00"));
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::Invoice)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::PendingPayment);
    assert!(!holds(&f, &buyer, &t).await, "nothing held before payment");
    assert_eq!(
        f.store.cart_items(buyer.org_id, buyer.user_id),
        vec![tool_ref(&t)],
        "the cart waits too"
    );
    let done = f
        .checkout_service()
        .mark_paid(&admin_user(), order.id())
        .await
        .unwrap();
    let Confirmation::Fulfilled(done) = done else {
        panic!("expected Fulfilled, got {done:?}")
    };
    assert_eq!(done.status(), OrderStatus::Fulfilled);
    assert_eq!(
        f.store.order(order.id()).unwrap().status(),
        OrderStatus::Fulfilled
    );
    assert!(holds(&f, &buyer, &t).await);
    assert!(f.store.cart_items(buyer.org_id, buyer.user_id).is_empty());
    let again = f
        .checkout_service()
        .mark_paid(&admin_user(), order.id())
        .await
        .unwrap();
    assert!(matches!(again, Confirmation::AlreadyFulfilled(_)));
    assert_eq!(f.store.purchases_of(buyer.org_id).len(), 1);
}

#[tokio::test]
async fn r_o3_zero_total_fulfils_at_once() {
    let f = Fakes::new();
    let (_, buyer) = f.org_with_owner(Tier::Free);
    let t = f.tool(|b| b.free());
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
    assert_eq!(order.total(), usd("0"));
    assert!(
        f.payments.payments().is_empty(),
        "no payment for a zero total"
    );
    assert!(f.store.postings().is_empty(), "no sale posting of zero");
    assert!(holds(&f, &buyer, &t).await);
}

#[tokio::test]
async fn r_o3_declined_card_fails_the_order() {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b);
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    f.payments.decline("card_declined");
    let err = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CheckoutError::PaymentDeclined { code: Some(ref c) } if c == "card_declined"),
        "{err:?}"
    );
    let orders = f.store.orders_of(org);
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status(), OrderStatus::Failed);
    assert_eq!(
        orders[0].failure_reason(),
        Some("payment_failed:card_declined")
    );
    assert!(!holds(&f, &buyer, &t).await);
}

#[tokio::test]
async fn r_r2_a_card_order_with_a_recurring_tool_saves_the_card_its_subscription_charges() {
    let f = Fakes::new();
    let (_org, buyer) = f.org_with_owner(Tier::Elite);
    let once = f.tool(|b| b.price("30.00"));
    let annual = f.tool(|b| b.price("99.00").annual());
    f.payments.leave_pending();
    f.payments.enable_subscriptions();

    // A one-time tool alone: nothing to renew, nothing to save.
    add_all(&f, &buyer, &[tool_ref(&once)]).await;
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert!(!f.payments.payments()[0].request.save_for_renewals);

    // With a recurring tool the card is kept, and the subscription names this payment.
    add_all(&f, &buyer, &[tool_ref(&annual)]).await;
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    let reference = order.payment().unwrap().reference.clone();
    let payment = f
        .payments
        .payments()
        .into_iter()
        .find(|p| p.reference == reference)
        .unwrap();
    assert!(payment.request.save_for_renewals);
    f.payments
        .settle(
            &reference,
            marketplace_domain::checkout::PaymentState::Succeeded,
        )
        .unwrap();
    f.checkout_service()
        .confirm_payment(&reference)
        .await
        .unwrap();
    let subscriptions = f.payments.subscriptions();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert_eq!(
        subscriptions[0].1.payment_reference.as_deref(),
        Some(reference.as_str())
    );
}

#[tokio::test]
async fn r_o4_confirm_twice_changes_nothing() {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    let t = f.tool(|b| b.price("19.99"));
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
    f.payments.leave_pending();
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::PendingPayment);
    let reference = order.payment().unwrap().reference.clone();
    assert_eq!(f.payments.payments()[0].request.amount, usd("19.99"));
    f.payments
        .settle(
            &reference,
            marketplace_domain::checkout::PaymentState::Succeeded,
        )
        .unwrap();
    let first = f
        .checkout_service()
        .confirm_payment(&reference)
        .await
        .unwrap();
    assert!(
        matches!(first, Confirmation::Fulfilled(ref o) if o.status() == OrderStatus::Fulfilled),
        "{first:?}"
    );
    let after_first = f.store.snapshot();
    let second = f
        .checkout_service()
        .confirm_payment(&reference)
        .await
        .unwrap();
    assert!(
        matches!(second, Confirmation::AlreadyFulfilled(ref o) if o.id() == order.id()),
        "{second:?}"
    );
    assert_eq!(
        f.store.snapshot(),
        after_first,
        "the second confirmation changes nothing"
    );
    assert_eq!(f.store.purchases_of(org).len(), 1);
    assert_eq!(f.store.tool(t.id).unwrap().stats.purchase_count, 1);
    assert_eq!(f.store.postings().len(), 1);
}

#[tokio::test]
async fn r_o5_concurrent_checkout_one_wins() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("0"));
    let (alice, bob) = (owner(org), org_admin(org));
    let t = f.tool(|b| b.price("49.00"));
    add_all(&f, &alice, &[tool_ref(&t)]).await;
    add_all(&f, &bob, &[tool_ref(&t)]).await;
    f.payments.leave_pending();
    let svc = f.checkout_service();
    let oa = svc
        .checkout(&alice, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    let ob = svc
        .checkout(&bob, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    let (ra, rb) = (
        oa.payment().unwrap().reference.clone(),
        ob.payment().unwrap().reference.clone(),
    );
    for r in [&ra, &rb] {
        f.payments
            .settle(r, marketplace_domain::checkout::PaymentState::Succeeded)
            .unwrap();
    }
    let (svc_a, svc_b) = (f.checkout_service(), f.checkout_service());
    let (a, b) = tokio::join!(svc_a.confirm_payment(&ra), svc_b.confirm_payment(&rb));
    let outcomes = [a.unwrap(), b.unwrap()];
    let won: Vec<_> = outcomes
        .iter()
        .filter(|c| matches!(c, Confirmation::Fulfilled(_)))
        .collect();
    let lost: Vec<_> = outcomes
        .iter()
        .filter_map(|c| match c {
            Confirmation::FailedAlreadyOwned { order, item } => Some((order.clone(), *item)),
            _ => None,
        })
        .collect();
    assert_eq!(
        (won.len(), lost.len()),
        (1, 1),
        "exactly one wins: {outcomes:?}"
    );
    let (loser, item) = &lost[0];
    assert_eq!(*item, tool_ref(&t));
    let stored = f.store.order(loser.id()).unwrap();
    assert_eq!(stored.status(), OrderStatus::Failed);
    assert_eq!(stored.failure_reason(), Some("already_owned"));
    let active: Vec<_> = f
        .store
        .purchases_of(org)
        .into_iter()
        .filter(|p| p.status() == PurchaseStatus::Active)
        .collect();
    assert_eq!(active.len(), 1, "one active purchase");
    let refunds = f.payments.refunds();
    assert_eq!(refunds.len(), 1, "the loser's payment is refunded");
    assert_eq!(
        refunds[0].reference,
        loser.payment().unwrap().reference.clone()
    );
    assert_eq!(refunds[0].amount, usd("49.00"));
    assert_eq!(f.store.tool(t.id).unwrap().stats.purchase_count, 1);
}

#[tokio::test]
async fn r_o6_illegal_moves_rejected() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("100.00"));
    let buyer = owner(org);
    let t = f.tool(|b| b);
    let order = buy(&f, &buyer, &[tool_ref(&t)]).await;
    let err = f
        .checkout_service()
        .cancel(&buyer, order.id())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CheckoutError::IllegalTransition(e) if e.from == OrderStatus::Fulfilled && e.to == OrderStatus::Cancelled),
        "{err:?}"
    );
    assert_eq!(
        f.store.order(order.id()).unwrap().status(),
        OrderStatus::Fulfilled
    );
    // A pending card order cancels, and so does its payment intent.
    let u = f.tool(|b| b);
    add_all(&f, &buyer, &[tool_ref(&u)]).await;
    f.payments.leave_pending();
    let pending = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    let cancelled = f
        .checkout_service()
        .cancel(&buyer, pending.id())
        .await
        .unwrap();
    assert_eq!(cancelled.status(), OrderStatus::Cancelled);
    assert_eq!(
        f.store.order(pending.id()).unwrap().status(),
        OrderStatus::Cancelled
    );
    assert_eq!(
        f.payments.cancels(),
        vec![pending.payment().unwrap().reference.clone()]
    );
    // A cancelled order cannot be cancelled again nor paid.
    let err = f
        .checkout_service()
        .cancel(&buyer, pending.id())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CheckoutError::IllegalTransition(_)),
        "{err:?}"
    );
    // An invoice for a card order is the wrong method.
    let err = f
        .checkout_service()
        .mark_paid(&admin_user(), pending.id())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CheckoutError::WrongPaymentMethod {
                expected: PaymentMethod::Invoice
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn r_t3_other_org_sees_not_found() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("100.00"));
    let buyer = owner(org);
    let t = f.tool(|b| b.monthly());
    let order = buy(&f, &buyer, &[tool_ref(&t)]).await;
    let purchase = common::purchase_of(&f, &buyer, tool_ref(&t));
    let other_org = f.new_org(Tier::Elite, usd("100.00"));
    let stranger = owner(other_org);
    let before = f.store.snapshot();
    let err = f
        .checkout_service()
        .order(&stranger, order.id())
        .await
        .unwrap_err();
    assert!(matches!(err, CheckoutError::NotFound), "{err:?}");
    let err = f
        .checkout_service()
        .cancel(&stranger, order.id())
        .await
        .unwrap_err();
    assert!(matches!(err, CheckoutError::NotFound), "{err:?}");
    let err = f
        .purchase_service()
        .cancel(&stranger, purchase.id())
        .await
        .unwrap_err();
    assert!(matches!(err, PurchaseError::NotFound), "{err:?}");
    let page = f
        .checkout_service()
        .orders(&stranger, PageRequest::default())
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len()), (0, 0));
    assert!(
        f.purchase_service()
            .list(&stranger, None, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        f.entitlement_service()
            .list(&stranger, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(!holds(&f, &stranger, &t).await);
    assert_eq!(f.store.snapshot(), before, "nothing changed");
    // The owning org sees its own.
    assert_eq!(
        f.checkout_service()
            .order(&buyer, order.id())
            .await
            .unwrap()
            .id(),
        order.id()
    );
    assert_eq!(
        f.checkout_service()
            .orders(&buyer, PageRequest::default())
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn r_m5_fulfilment_postings_balance() {
    let f = Fakes::new();
    let third = f.add_seller(SellerKind::ThirdParty, FeeRate::new(dec("0.10")).unwrap());
    let org = f.new_org(Tier::Elite, usd("500.00"));
    let buyer = owner(org);
    let sold = f.tool(|b| b.price("20.00").seller(third));
    let own = f.tool(|b| b.price("9.99"));
    let x = f.tool(|b| b.price("40.00").seller(third));
    let y = f.tool(|b| b.price("60.00"));
    let bundle = f.add_bundle(BundleBuilder::over(&[&x, &y]).price("75.00"));
    buy(
        &f,
        &buyer,
        &[
            tool_ref(&sold),
            tool_ref(&own),
            ItemRef::Bundle(bundle.id()),
        ],
    )
    .await;
    let postings = f.store.postings();
    assert_eq!(postings.len(), 3, "one sale posting per paid purchase");
    for p in &postings {
        assert_eq!(p.kind(), PostingKind::Sale);
        let sum: rust_decimal::Decimal = p.entries().iter().map(|e| e.amount.amount()).sum();
        assert_eq!(sum, dec("0"), "each posting balances");
    }
    let entries: Vec<_> = postings.iter().flat_map(|p| p.entries()).copied().collect();
    let bal = |a: Account| balance(entries.iter(), &a, Currency::USD).amount();
    assert_eq!(
        bal(Account::BuyerPayments),
        dec("104.99"),
        "20.00 + 9.99 + 75.00"
    );
    // Third party: 20.00 -> fee 2.00, payout 18.00; bundle 75 allocated 30.00 / 45.00, the
    // seller's 30.00 -> fee 3.00, payout 27.00.
    assert_eq!(bal(Account::SellerPayable(third)), dec("-45.00"));
    assert_eq!(
        bal(Account::PlatformRevenue),
        dec("-59.99"),
        "2.00 + 9.99 + 3.00 + 45.00"
    );
    assert_eq!(credits(&f, &buyer), usd("395.01"));
}
