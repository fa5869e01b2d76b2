//! Provider events (webhooks) applied exactly once and in any order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{add_all, new_key, tool_ref};
use marketplace_domain::access::Actor;
use marketplace_domain::checkout::{OrderStatus, PaymentMethod, PaymentState};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::payment_events::{Handled, PaymentEvent, PaymentEventError, ReceivedEvent};
use marketplace_domain::ports::Clock as _;
use marketplace_domain::purchase::{Billing, PurchaseStatus, add_months};
use marketplace_domain::revenue::{Account, balance};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;

/// What must come out the same however the events arrive.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    order_status: OrderStatus,
    order_refunded: Money,
    purchases: Vec<(
        PurchaseStatus,
        Money,
        Option<chrono::DateTime<chrono::Utc>>,
        bool,
    )>,
    entitled_tools: usize,
    buyer_payments: Money,
    refunds: Money,
}

struct World {
    f: Fakes,
    buyer: Actor,
    events: Vec<ReceivedEvent>,
}

/// A card order for a one-time tool (30.00) and a monthly one (10.00), paid at the
/// provider, then refunded in two steps, renewed once and set to stop at period end.
async fn world() -> World {
    let f = Fakes::new();
    let (_org, buyer) = f.org_with_owner(Tier::Elite);
    let once = f.tool(|b| b.price("30.00"));
    let monthly = f.tool(|b| b.price("10.00").monthly());
    add_all(&f, &buyer, &[tool_ref(&once), tool_ref(&monthly)]).await;
    f.payments.leave_pending();
    f.payments.enable_subscriptions();
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    let reference = order.payment().unwrap().reference.clone();
    // The buyer paid at the provider: its state is final before any event arrives.
    f.payments
        .settle(&reference, PaymentState::Succeeded)
        .unwrap();
    // The provider renews on calendar months too: the renewal pays up to two months on.
    let renewed_until = add_months(f.clock.now(), 2);
    let usd = |cents| Money::from_minor(cents, Currency::USD);
    let event = |id: &str, kind: &str, event| ReceivedEvent {
        id: id.into(),
        kind: kind.into(),
        event,
    };
    let events = vec![
        event(
            "evt_fail",
            "payment_intent.payment_failed",
            PaymentEvent::PaymentFailed {
                reference: reference.clone(),
                code: Some("card_declined".into()),
            },
        ),
        event(
            "evt_paid",
            "payment_intent.succeeded",
            PaymentEvent::PaymentSucceeded {
                reference: reference.clone(),
            },
        ),
        event(
            "evt_ref1",
            "charge.refunded",
            PaymentEvent::Refunded {
                reference: reference.clone(),
                total_refunded: usd(500),
            },
        ),
        event(
            "evt_ref2",
            "charge.refunded",
            PaymentEvent::Refunded {
                reference: reference.clone(),
                total_refunded: usd(1_200),
            },
        ),
        event(
            "evt_inv",
            "invoice.paid",
            PaymentEvent::RenewalPaid {
                subscription: "sub_1".into(),
                paid_until: Some(renewed_until),
                amount: Some(usd(1_000)),
                payment: Some("pi_renewal_1".into()),
            },
        ),
        event(
            "evt_sub",
            "customer.subscription.updated",
            PaymentEvent::SubscriptionChanged {
                subscription: "sub_1".into(),
                cancel_at_period_end: true,
            },
        ),
        event("evt_other", "customer.created", PaymentEvent::Ignored),
    ];
    World { f, buyer, events }
}

/// Delivers like a provider: every failed delivery is retried later (bounded).
async fn deliver(w: &World, deliveries: &[usize]) -> Vec<Handled> {
    let svc = w.f.payment_event_service();
    let mut queue: std::collections::VecDeque<usize> = deliveries.iter().copied().collect();
    let mut handled = Vec::new();
    let mut attempts = 0;
    while let Some(i) = queue.pop_front() {
        attempts += 1;
        assert!(attempts < 500, "deliveries did not settle");
        match svc.handle(w.events[i].clone()).await {
            Ok(h) => handled.push(h),
            Err(PaymentEventError::NotReady(_)) => queue.push_back(i),
            Err(e) => panic!("event {} failed: {e:?}", w.events[i].id),
        }
    }
    handled
}

fn outcome(w: &World) -> Outcome {
    let orders = w.f.store.orders_of(w.buyer.org_id);
    let purchases = w.f.store.purchases_of(w.buyer.org_id);
    let entries: Vec<_> =
        w.f.store
            .postings()
            .iter()
            .flat_map(|p| p.entries().to_vec())
            .collect();
    let now = w.f.clock.now();
    Outcome {
        order_status: orders[0].status(),
        order_refunded: orders[0].refunded(),
        purchases: purchases
            .iter()
            .map(|p| {
                let (until, renew) = match *p.billing() {
                    Billing::OneTime => (None, false),
                    Billing::Recurring {
                        period, auto_renew, ..
                    } => (Some(period.end()), auto_renew),
                };
                (p.status(), p.refunded(), until, renew)
            })
            .collect(),
        entitled_tools: w
            .f
            .store
            .entitlements_of_org(w.buyer.org_id)
            .iter()
            .filter(|e| e.is_active(now))
            .count(),
        buyer_payments: balance(&entries, &Account::BuyerPayments, Currency::USD),
        refunds: balance(&entries, &Account::Refunds, Currency::USD),
    }
}

#[tokio::test]
async fn r_o4_every_event_three_times_in_shuffled_order_equals_once_in_order() {
    let reference = world().await;
    let in_order: Vec<usize> = (0..reference.events.len()).collect();
    deliver(&reference, &in_order).await;
    let expected = outcome(&reference);
    assert_eq!(expected.order_status, OrderStatus::PartiallyRefunded);
    assert_eq!(
        expected.order_refunded,
        Money::from_minor(1_200, Currency::USD)
    );
    assert_eq!(expected.entitled_tools, 2);
    // The order's 40.00 and the renewal's 10.00, each a sale (R-B7).
    assert_eq!(
        expected.buyer_payments,
        Money::from_minor(5_000, Currency::USD)
    );
    assert_eq!(expected.refunds, Money::from_minor(-1_200, Currency::USD));
    let monthly = expected.purchases.iter().find(|p| p.2.is_some()).unwrap();
    assert!(!monthly.3, "cancelled at period end: auto-renew off");
    assert_eq!(
        reference.f.payments.subscriptions().len(),
        1,
        "the monthly purchase got a subscription"
    );

    let n = reference.events.len();
    let shuffles: [Vec<usize>; 3] = [
        (0..n).rev().chain(0..n).chain((0..n).rev()).collect(),
        (0..n)
            .map(|i| (i * 3 + 2) % n)
            .chain((0..n).map(|i| (i * 5 + 1) % n))
            .chain(0..n)
            .collect(),
        (0..n).flat_map(|i| [n - 1 - i, (i + 3) % n, i]).collect(),
    ];
    for order in shuffles {
        let w = world().await;
        let handled = deliver(&w, &order).await;
        assert_eq!(outcome(&w), expected, "delivery order {order:?}");
        let duplicates = handled.iter().filter(|h| **h == Handled::Duplicate).count();
        assert_eq!(
            duplicates,
            2 * (n - 1),
            "every applied event came twice more; the ignored one is not recorded"
        );
    }
}

#[tokio::test]
async fn r_r2_a_renewal_redelivered_extends_the_period_once() {
    let w = world().await;
    deliver(&w, &[1]).await;
    let handled = deliver(&w, &[4, 4, 4]).await;
    assert_eq!(
        handled,
        [Handled::Applied, Handled::Duplicate, Handled::Duplicate]
    );
    let monthly =
        w.f.store
            .purchases_of(w.buyer.org_id)
            .into_iter()
            .find(|p| matches!(p.billing(), Billing::Recurring { .. }))
            .unwrap();
    let Billing::Recurring { period, .. } = monthly.billing() else {
        unreachable!()
    };
    let now = w.f.clock.now();
    assert_eq!(
        (period.start(), period.end()),
        (add_months(now, 1), add_months(now, 2)),
        "one renewal, not three"
    );
    assert_eq!(w.f.store.with(|d| d.payment_events.len()), 2);
}

#[tokio::test]
async fn r_e2_subscription_deleted_expires_the_purchase_and_its_entitlement() {
    let w = world().await;
    deliver(&w, &[1]).await;
    let ended = ReceivedEvent {
        id: "evt_del".into(),
        kind: "customer.subscription.deleted".into(),
        event: PaymentEvent::SubscriptionEnded {
            subscription: "sub_1".into(),
        },
    };
    let svc = w.f.payment_event_service();
    assert_eq!(svc.handle(ended.clone()).await.unwrap(), Handled::Applied);
    assert_eq!(svc.handle(ended).await.unwrap(), Handled::Duplicate);
    let statuses: Vec<_> =
        w.f.store
            .purchases_of(w.buyer.org_id)
            .iter()
            .map(|p| p.status())
            .collect();
    assert!(
        statuses.contains(&PurchaseStatus::Expired) && statuses.contains(&PurchaseStatus::Active),
        "{statuses:?}"
    );
    assert_eq!(
        outcome(&w).entitled_tools,
        1,
        "only the one-time tool stays entitled"
    );
}
