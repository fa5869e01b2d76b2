//! Recurring money kept exact (R-B5..R-B8): renewals in the ledger, refunds that stop the
//! provider, the grace before expiry, and the webhook's answers for renewal payments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use common::{add_all, new_key, purchase_of, tool_ref};
use marketplace_domain::access::Actor;
use marketplace_domain::catalog::Tool;
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::payment_events::{Handled, PaymentEvent, ReceivedEvent};
use marketplace_domain::purchase::{Billing, Purchase, PurchaseStatus};
use marketplace_domain::revenue::{Account, PostingKind, balance};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::admin_user;

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

/// A monthly tool at 10.00 bought by card, its provider subscription `sub_1` started.
async fn card_subscription() -> (Fakes, Actor, Tool, Purchase) {
    let f = Fakes::new();
    let (_org, buyer) = f.org_with_owner(Tier::Elite);
    let monthly = f.tool(|b| b.price("10.00").monthly());
    add_all(&f, &buyer, &[tool_ref(&monthly)]).await;
    f.payments.enable_subscriptions();
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    let purchase = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(purchase.subscription_ref(), Some("sub_1"));
    (f, buyer, monthly, purchase)
}

fn period_end(p: &Purchase) -> chrono::DateTime<chrono::Utc> {
    p.billing().paid_until().expect("a recurring purchase")
}

fn received(id: &str, kind: &str, event: PaymentEvent) -> ReceivedEvent {
    ReceivedEvent {
        id: id.into(),
        kind: kind.into(),
        event,
    }
}

/// The provider charged the renewal after `p`'s current period with payment `reference`.
fn renewal_paid(f: &Fakes, p: &Purchase, reference: &str) -> ReceivedEvent {
    f.payments.take_renewal_payment(reference, usd(1_000));
    let end = period_end(p);
    received(
        &format!("evt_{reference}"),
        "invoice.paid",
        PaymentEvent::RenewalPaid {
            subscription: "sub_1".into(),
            paid_until: Some(marketplace_domain::purchase::add_months(end, 1)),
            amount: Some(usd(1_000)),
            payment: Some(reference.into()),
        },
    )
}

fn sales_of(f: &Fakes, p: &Purchase) -> Vec<marketplace_domain::revenue::Posting> {
    f.store
        .postings()
        .into_iter()
        .filter(|x| x.purchase_id() == Some(p.id()) && x.kind() == PostingKind::Sale)
        .collect()
}

#[tokio::test]
async fn r_b7_a_card_renewal_collected_is_a_sale_split_like_the_first() {
    let (f, buyer, monthly, purchase) = card_subscription().await;
    let events = f.payment_event_service();
    let handled = events
        .handle(renewal_paid(&f, &purchase, "pi_renewal_1"))
        .await
        .unwrap();
    assert_eq!(handled, Handled::Applied);

    let renewed = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(
        period_end(&renewed),
        marketplace_domain::purchase::add_months(period_end(&purchase), 1)
    );
    let sales = sales_of(&f, &purchase);
    assert_eq!(sales.len(), 2, "the first sale and the renewal's");
    let split = |p: &marketplace_domain::revenue::Posting| {
        p.entries()
            .iter()
            .map(|e| (e.account, e.amount, e.tool_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        split(&sales[1]),
        split(&sales[0]),
        "split like the first sale"
    );
    let entries: Vec<_> = f
        .store
        .postings()
        .iter()
        .flat_map(|p| p.entries().to_vec())
        .collect();
    assert_eq!(
        balance(&entries, &Account::BuyerPayments, Currency::USD),
        usd(2_000),
        "buyer payments equal the money collected"
    );

    // A redelivery of the same invoice posts nothing more.
    let again = renewal_paid(&f, &purchase, "pi_renewal_1");
    events
        .handle(ReceivedEvent {
            id: "evt_redelivered".into(),
            ..again
        })
        .await
        .unwrap();
    assert_eq!(sales_of(&f, &purchase).len(), 2);
}

#[tokio::test]
async fn r_b8_a_full_refund_of_a_card_subscription_cancels_it_at_the_provider() {
    let (f, _buyer, _monthly, purchase) = card_subscription().await;
    f.purchase_service()
        .refund(&admin_user(), purchase.id(), None)
        .await
        .unwrap();
    assert_eq!(f.payments.ended_subscriptions(), vec!["sub_1".to_owned()]);
}

#[tokio::test]
async fn r_b8_a_renewal_paid_for_a_refunded_purchase_is_refunded_automatically() {
    let (f, buyer, monthly, purchase) = card_subscription().await;
    f.purchase_service()
        .refund(&admin_user(), purchase.id(), None)
        .await
        .unwrap();
    let handled = f
        .payment_event_service()
        .handle(renewal_paid(&f, &purchase, "pi_after_end"))
        .await
        .unwrap();
    assert_eq!(handled, Handled::Applied);
    let refunds: Vec<_> = f
        .payments
        .refunds()
        .into_iter()
        .filter(|r| r.reference == "pi_after_end")
        .map(|r| r.amount)
        .collect();
    assert_eq!(refunds, vec![usd(1_000)], "refunded in full, once");
    let after = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(after.status(), PurchaseStatus::Refunded, "nothing renewed");
    assert_eq!(sales_of(&f, &purchase).len(), 1, "no sale for it");
}

#[tokio::test]
async fn r_b5_the_expiry_job_waits_for_the_grace_and_a_late_renewal_renews() {
    let (f, buyer, monthly, purchase) = card_subscription().await;
    let end = period_end(&purchase);
    // The provider's renewal arrives an hour after the period ends.
    f.clock.set(end + Duration::hours(1));
    let expired = f.purchase_service().expire_due().await.unwrap();
    assert_eq!(expired, 0, "still in its grace");
    assert_eq!(
        purchase_of(&f, &buyer, tool_ref(&monthly)).status(),
        PurchaseStatus::Active
    );
    f.payment_event_service()
        .handle(renewal_paid(&f, &purchase, "pi_late"))
        .await
        .unwrap();
    let renewed = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(renewed.status(), PurchaseStatus::Active);
    assert!(period_end(&renewed) > end, "the late payment renewed it");
    assert!(f.payments.refunds().is_empty(), "and was kept");

    // Unpaid at the next period's end: it expires when the 3 days of grace are over.
    let next_end = period_end(&renewed);
    f.clock
        .set(next_end + Duration::days(3) - Duration::seconds(1));
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 0);
    f.clock.set(next_end + Duration::days(3));
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    assert_eq!(
        purchase_of(&f, &buyer, tool_ref(&monthly)).status(),
        PurchaseStatus::Expired
    );
}

#[tokio::test]
async fn r_b5_a_cancelled_purchase_expires_at_its_period_end_without_grace() {
    let (f, buyer, monthly, purchase) = card_subscription().await;
    f.purchase_service()
        .cancel(&buyer, purchase.id())
        .await
        .unwrap();
    f.clock.set(period_end(&purchase));
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    let after = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert!(matches!(
        (after.status(), after.billing()),
        (PurchaseStatus::Expired, Billing::Recurring { .. })
    ));
}

#[tokio::test]
async fn r_b7_a_renewal_refund_answers_once_settled_and_reverses_that_renewal() {
    let (f, buyer, monthly, purchase) = card_subscription().await;
    let events = f.payment_event_service();
    events
        .handle(renewal_paid(&f, &purchase, "pi_renewal_1"))
        .await
        .unwrap();
    let refunded = |id: &str, total| {
        received(
            id,
            "charge.refunded",
            PaymentEvent::Refunded {
                reference: "pi_renewal_1".into(),
                total_refunded: usd(total),
            },
        )
    };
    // A payment with no order: the renewal's. Settled at once, not retried for days.
    assert_eq!(
        events.handle(refunded("evt_r1", 400)).await.unwrap(),
        Handled::Applied
    );
    assert_eq!(
        events.handle(refunded("evt_r2", 1_000)).await.unwrap(),
        Handled::Applied
    );
    let refunds: Vec<_> = f
        .store
        .postings()
        .into_iter()
        .filter(|p| p.kind() == PostingKind::Refund)
        .collect();
    assert_eq!(refunds.len(), 2);
    let entries: Vec<_> = f
        .store
        .postings()
        .iter()
        .flat_map(|p| p.entries().to_vec())
        .collect();
    assert_eq!(
        balance(&entries, &Account::Refunds, Currency::USD),
        usd(-1_000),
        "the renewal reversed in full, in two parts"
    );
    let after = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(
        (after.status(), after.refunded()),
        (PurchaseStatus::Active, usd(0)),
        "the first sale is untouched"
    );

    // A refund of a payment nothing here holds is irrelevant: 200, not a retry.
    let stranger = received(
        "evt_stranger",
        "charge.refunded",
        PaymentEvent::Refunded {
            reference: "pi_someone_else".into(),
            total_refunded: usd(500),
        },
    );
    assert_eq!(events.handle(stranger).await.unwrap(), Handled::Ignored);
}

/// A monthly tool at 10.00 bought with `method` by an org holding `credits`.
async fn bought_with(method: PaymentMethod, credits: i64) -> (Fakes, Actor, Tool, Purchase) {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    f.set_org(org, Tier::Elite, usd(credits));
    let monthly = f.tool(|b| b.price("10.00").monthly());
    add_all(&f, &buyer, &[tool_ref(&monthly)]).await;
    f.checkout_service()
        .checkout(&buyer, new_key(), method)
        .await
        .unwrap();
    if method == PaymentMethod::Invoice {
        let order = f.store.orders_of(org).remove(0);
        f.checkout_service()
            .mark_paid(&admin_user(), order.id())
            .await
            .unwrap();
    }
    let purchase = purchase_of(&f, &buyer, tool_ref(&monthly));
    (f, buyer, monthly, purchase)
}

fn buyer_payments(f: &Fakes) -> Money {
    let entries: Vec<_> = f
        .store
        .postings()
        .iter()
        .flat_map(|p| p.entries().to_vec())
        .collect();
    balance(&entries, &Account::BuyerPayments, Currency::USD)
}

#[tokio::test]
async fn r_b6_credits_are_debited_at_the_period_end_once_and_posted_as_a_sale() {
    let (f, buyer, monthly, purchase) = bought_with(PaymentMethod::PlatformCredits, 25_00).await;
    let renewals = f.renewal_service();
    f.clock.set(period_end(&purchase) - Duration::seconds(1));
    assert_eq!(
        renewals.run_due().await.unwrap().collected,
        0,
        "not due yet"
    );
    f.clock.set(period_end(&purchase));
    let report = renewals.run_due().await.unwrap();
    assert_eq!((report.collected, report.skipped), (1, 0));
    assert_eq!(
        renewals.run_due().await.unwrap().collected,
        0,
        "once per period"
    );
    let renewed = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(
        period_end(&renewed),
        marketplace_domain::purchase::add_months(period_end(&purchase), 1)
    );
    assert_eq!(
        common::credits(&f, &buyer),
        usd(5_00),
        "25.00 less two periods"
    );
    assert_eq!(sales_of(&f, &purchase).len(), 2);
    assert_eq!(
        buyer_payments(&f),
        usd(20_00),
        "the ledger holds what was collected"
    );
}

#[tokio::test]
async fn r_b5_credits_short_make_it_past_due_a_top_up_in_the_grace_renews_it() {
    let (f, buyer, monthly, purchase) = bought_with(PaymentMethod::PlatformCredits, 15_00).await;
    let renewals = f.renewal_service();
    let end = period_end(&purchase);
    f.clock.set(end);
    let report = renewals.run_due().await.unwrap();
    assert_eq!((report.collected, report.past_due), (0, 1));
    assert_eq!(common::credits(&f, &buyer), usd(5_00), "nothing debited");
    assert_eq!(
        f.purchase_service().expire_due().await.unwrap(),
        0,
        "in its grace"
    );
    assert_eq!(renewals.run_due().await.unwrap().past_due, 1, "still short");

    f.set_org(buyer.org_id, Tier::Elite, usd(12_00));
    f.clock.set(end + Duration::days(2));
    assert_eq!(
        renewals.run_due().await.unwrap().collected,
        1,
        "paid late, renewed"
    );
    assert_eq!(common::credits(&f, &buyer), usd(2_00));
    let renewed = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(
        period_end(&renewed),
        marketplace_domain::purchase::add_months(end, 1),
        "the next period runs from the old end, not from the payment"
    );
}

#[tokio::test]
async fn r_b5_credits_short_through_the_grace_expire_it_with_nothing_charged() {
    let (f, buyer, monthly, purchase) = bought_with(PaymentMethod::PlatformCredits, 10_00).await;
    let end = period_end(&purchase);
    f.clock.set(end);
    assert_eq!(f.renewal_service().run_due().await.unwrap().past_due, 1);
    f.clock.set(end + Duration::days(3));
    assert_eq!(
        f.renewal_service().run_due().await.unwrap().collected,
        0,
        "the grace is over: no renewal"
    );
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    let after = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(after.status(), PurchaseStatus::Expired);
    assert_eq!(sales_of(&f, &purchase).len(), 1, "only the first sale");
    assert_eq!(buyer_payments(&f), usd(10_00));
}

#[tokio::test]
async fn r_b6_invoice_payers_get_a_numbered_renewal_invoice_due_after_the_grace() {
    let (f, buyer, monthly, purchase) = bought_with(PaymentMethod::Invoice, 0).await;
    let renewals = f.renewal_service();
    let end = period_end(&purchase);
    f.clock.set(end + Duration::hours(1));
    assert_eq!(renewals.run_due().await.unwrap().invoiced, 1);
    assert_eq!(renewals.run_due().await.unwrap().invoiced, 0, "issued once");
    let stored = f.store.snapshot().renewals;
    let (invoice, _) = &stored[0];
    assert_eq!(
        invoice.invoice().map(|n| n.to_string()),
        Some("REN-000001".to_owned())
    );
    assert!(matches!(
        invoice.state,
        marketplace_domain::renewal::RenewalState::Invoiced { due, .. } if due == end + Duration::days(3)
    ));
    assert_eq!(
        sales_of(&f, &purchase).len(),
        1,
        "nothing posted before it is paid"
    );

    let paid = renewals
        .invoice_paid(&admin_user(), purchase.id(), 1)
        .await
        .unwrap();
    assert!(paid.is_collected());
    renewals
        .invoice_paid(&admin_user(), purchase.id(), 1)
        .await
        .unwrap();
    assert_eq!(sales_of(&f, &purchase).len(), 2, "posted once");
    let renewed = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(
        period_end(&renewed),
        marketplace_domain::purchase::add_months(end, 1)
    );
    assert!(matches!(
        renewals.invoice_paid(&buyer, purchase.id(), 1).await,
        Err(marketplace_domain::renewal::RenewalError::Forbidden(_))
    ));
}

fn renewal_failed(id: &str) -> ReceivedEvent {
    received(
        id,
        "invoice.payment_failed",
        PaymentEvent::RenewalFailed {
            subscription: "sub_1".into(),
        },
    )
}

async fn status_of(
    f: &Fakes,
    buyer: &Actor,
    p: &Purchase,
) -> marketplace_domain::subscription::SubscriptionStatus {
    f.subscription_service()
        .get(buyer, p.id())
        .await
        .unwrap()
        .summary
        .status
}

#[tokio::test]
async fn r_b5_a_card_renewal_refused_is_past_due_through_the_grace_and_a_retry_paid_makes_it_active()
 {
    use marketplace_domain::subscription::SubscriptionStatus::{Active, PastDue};
    let (f, buyer, monthly, purchase) = card_subscription().await;
    let end = period_end(&purchase);
    let events = f.payment_event_service();
    f.clock.set(end);
    assert_eq!(
        events.handle(renewal_failed("evt_failed_1")).await.unwrap(),
        Handled::Applied
    );
    assert_eq!(status_of(&f, &buyer, &purchase).await, PastDue);
    let listed = f
        .subscription_service()
        .list(&buyer, marketplace_domain::paging::PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        listed.items[0].summary.status, PastDue,
        "the list says so too"
    );
    // The provider's second failed attempt changes nothing more.
    events.handle(renewal_failed("evt_failed_2")).await.unwrap();
    assert_eq!(status_of(&f, &buyer, &purchase).await, PastDue);
    assert_eq!(
        f.purchase_service().expire_due().await.unwrap(),
        0,
        "access holds in the grace"
    );

    // The provider's retry is paid on the second day: the refused renewal is collected.
    f.clock.set(end + Duration::days(2));
    events
        .handle(renewal_paid(&f, &purchase, "pi_retry"))
        .await
        .unwrap();
    assert_eq!(status_of(&f, &buyer, &purchase).await, Active);
    let renewed = purchase_of(&f, &buyer, tool_ref(&monthly));
    assert_eq!(
        period_end(&renewed),
        marketplace_domain::purchase::add_months(end, 1),
        "the next period runs from the old end"
    );
    assert_eq!(sales_of(&f, &purchase).len(), 2, "one sale for the renewal");
    assert_eq!(buyer_payments(&f), usd(2_000));
    assert!(f.payments.refunds().is_empty(), "the late payment is kept");
}

#[tokio::test]
async fn r_b5_a_card_renewal_refused_and_never_paid_expires_when_the_grace_ends() {
    use marketplace_domain::subscription::SubscriptionStatus::{Expired, PastDue};
    let (f, buyer, monthly, purchase) = card_subscription().await;
    let end = period_end(&purchase);
    f.clock.set(end + Duration::hours(1));
    f.payment_event_service()
        .handle(renewal_failed("evt_failed"))
        .await
        .unwrap();
    f.clock.set(end + Duration::days(3) - Duration::seconds(1));
    assert_eq!(status_of(&f, &buyer, &purchase).await, PastDue);
    f.clock.set(end + Duration::days(3));
    assert_eq!(
        status_of(&f, &buyer, &purchase).await,
        Expired,
        "over at the grace's end, before the job runs"
    );
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    assert_eq!(
        purchase_of(&f, &buyer, tool_ref(&monthly)).status(),
        PurchaseStatus::Expired
    );
    assert_eq!(status_of(&f, &buyer, &purchase).await, Expired);
    assert_eq!(sales_of(&f, &purchase).len(), 1, "only the first sale");
}

#[tokio::test]
async fn r_b5_credits_short_show_past_due_in_the_subscription() {
    use marketplace_domain::subscription::SubscriptionStatus::{Active, PastDue};
    let (f, buyer, _monthly, purchase) = bought_with(PaymentMethod::PlatformCredits, 15_00).await;
    let end = period_end(&purchase);
    f.clock.set(end);
    assert_eq!(f.renewal_service().run_due().await.unwrap().past_due, 1);
    assert_eq!(status_of(&f, &buyer, &purchase).await, PastDue);
    f.set_org(buyer.org_id, Tier::Elite, usd(12_00));
    assert_eq!(f.renewal_service().run_due().await.unwrap().collected, 1);
    assert_eq!(status_of(&f, &buyer, &purchase).await, Active);
}
