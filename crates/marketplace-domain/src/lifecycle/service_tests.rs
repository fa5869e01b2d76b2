//! [`PurchaseService`] against mockall mocks: which ports each action must and must not
//! touch (R-P1, R-T3, R-R2, R-E2, R-M5).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use mockall::Sequence;
use mockall::predicate::{always, eq};
use rust_decimal::dec;
use uuid::Uuid;

use super::{PurchaseError, PurchaseService};
use crate::access::{Forbidden, Permission};
use crate::audit::MockAuditLog;
use crate::catalog::fixtures::{
    Calls, bid, clock, holdings, member, now, org_id, owner, pid, platform_admin, seller,
    third_party, tid, usd, user_id,
};
use crate::checkout::{
    MockOrderRepository, MockPaymentGateway, Order, OrderParts, OrderStatus, PaymentRef,
};
use crate::entitlement::{Entitlement, EntitlementSource, MockHoldingsRepository};
use crate::ids::{EntitlementId, OrderId, PostingId, PurchaseId};
use crate::interval::Interval;
use crate::item::ItemRef;
use crate::money::{Currency, Money};
use crate::paging::{Page, PageRequest};
use crate::payment::{PaymentError, PaymentMethod};
use crate::ports::RepoError;
use crate::purchase::{
    Billing, MockPurchaseRepository, Period, Purchase, PurchaseEnd, PurchaseParts,
    PurchaseRuleError, PurchaseStatus, RefundExtent, RefundPlan,
};
use crate::revenue::{Account, Posting, PostingKind, SaleLine, balance, sale_posting};

fn order_id() -> OrderId {
    OrderId::from_uuid(Uuid::from_u128(0x0D1))
}

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn monthly_from(start: DateTime<Utc>) -> Billing {
    Billing::Recurring {
        interval: Interval::Monthly,
        period: Period::starting(start, Interval::Monthly),
        auto_renew: true,
    }
}

/// Purchase 1 of tool 1 for 30.00 in order 0xD1.
fn purchase(method: PaymentMethod, billing: Billing) -> Purchase {
    Purchase::restore(PurchaseParts {
        id: pid(1),
        org_id: org_id(),
        user_id: user_id(),
        order_id: order_id(),
        item: ItemRef::Tool(tid(1)),
        amount: usd(dec!(30)),
        refunded: Money::zero(Currency::USD),
        payment_method: method,
        status: PurchaseStatus::Active,
        billing,
        subscription_ref: None,
        plan: None,
        trial_ends: None,
        scheduled_plan: None,
        created_at: day(2025, 1, 1),
        ended_at: None,
    })
}

fn card() -> PaymentRef {
    PaymentRef {
        reference: "pi_123".to_owned(),
        client_secret: None,
    }
}

/// The fulfilled order the purchase came from.
fn order(method: PaymentMethod) -> Order {
    Order::restore(OrderParts {
        id: order_id(),
        org_id: org_id(),
        user_id: user_id(),
        status: OrderStatus::Fulfilled,
        payment_method: method,
        lines: Vec::new(),
        total: usd(dec!(30)),
        refunded: Money::zero(Currency::USD),
        payment: (method == PaymentMethod::CreditCard).then(card),
        failure_reason: None,
        created_at: day(2025, 1, 1),
        updated_at: day(2025, 1, 1),
    })
}

/// The sale posting fulfilment made for purchase 1: 30.00 of a third-party tool.
fn sale() -> Posting {
    sale_posting(
        PostingId::from_uuid(Uuid::from_u128(0x5A1E)),
        order_id(),
        Some(pid(1)),
        org_id(),
        day(2025, 1, 1),
        &[SaleLine {
            tool_id: tid(1),
            seller: third_party(seller(1)),
            gross: usd(dec!(30)),
        }],
    )
    .unwrap()
}

fn direct_entitlement() -> Entitlement {
    Entitlement {
        id: EntitlementId::from_uuid(Uuid::from_u128(0xE1)),
        org_id: org_id(),
        tool_id: tid(1),
        purchase_id: pid(1),
        source: EntitlementSource::Purchase,
        granted_at: day(2025, 1, 1),
        until: None,
        ended_at: None,
    }
}

struct World {
    purchases: MockPurchaseRepository,
    orders: MockOrderRepository,
    holdings: MockHoldingsRepository,
    payments: MockPaymentGateway,
    audit: MockAuditLog,
}

impl World {
    fn bare() -> Self {
        Self {
            purchases: MockPurchaseRepository::new(),
            orders: MockOrderRepository::new(),
            holdings: MockHoldingsRepository::new(),
            payments: MockPaymentGateway::new(),
            audit: MockAuditLog::new(),
        }
    }

    /// Purchase 1 (paid by `method`) with its sale posting, order and entitlement; the org
    /// also holds bundle 7 over tools 1 and 2 when `covered`.
    fn refunding(method: PaymentMethod, covered: bool) -> Self {
        let mut w = Self::bare();
        let p = purchase(method, Billing::OneTime);
        w.purchases
            .expect_find()
            .with(eq(pid(1)))
            .returning(move |_| Ok(Some(p.clone())));
        w.purchases
            .expect_postings()
            .with(eq(pid(1)))
            .returning(|_| Ok(vec![sale()]));
        w.purchases
            .expect_entitlements_of()
            .with(eq(pid(1)))
            .returning(|_| Ok(vec![direct_entitlement()]));
        w.orders
            .expect_find()
            .with(eq(order_id()))
            .returning(move |_| Ok(Some(order(method))));
        let mut items = vec![(ItemRef::Tool(tid(1)), vec![tid(1)])];
        if covered {
            items.push((ItemRef::Bundle(bid(7)), vec![tid(1), tid(2)]));
        }
        let h = holdings(&items);
        w.holdings
            .expect_holdings()
            .with(eq(org_id()), always())
            .returning(move |_, _| Ok(h.clone()));
        w.audit.expect_record().return_const(());
        w
    }

    /// `PurchaseRepository::refund` succeeds once and records its plan.
    fn recording_refund(&mut self, seq: Option<&mut Sequence>) -> Calls<RefundPlan> {
        let plans = Calls::new();
        let record = plans.clone();
        let e = self.purchases.expect_refund().times(1);
        if let Some(seq) = seq {
            e.in_sequence(seq);
        }
        e.returning(move |p| {
            record.push(p.clone());
            Ok(())
        });
        plans
    }

    fn service(self) -> PurchaseService {
        PurchaseService::new(
            Arc::new(self.purchases),
            Arc::new(self.orders),
            Arc::new(self.holdings),
            Arc::new(self.payments),
            Arc::new(self.audit),
            Arc::new(clock()),
            Arc::new(crate::catalog::fixtures::ids()),
        )
    }
}

/// The refund posting balances and returns `amount` to the buyer.
fn assert_reverses(plan: &RefundPlan, amount: Money) {
    assert_eq!(plan.posting.kind(), PostingKind::Refund);
    assert_eq!(plan.posting.purchase_id(), Some(pid(1)));
    let entries = plan.posting.entries();
    let sum = Money::sum(Currency::USD, entries.iter().map(|e| e.amount)).unwrap();
    assert!(sum.is_zero(), "the refund posting must balance: {sum}");
    assert_eq!(
        balance(entries, &Account::Refunds, Currency::USD),
        amount.negated()
    );
}

#[tokio::test]
async fn r_p1_a_member_may_not_list_or_cancel_purchases_and_no_port_is_touched() {
    let mut w = World::bare();
    w.purchases.expect_list().times(0);
    w.purchases.expect_page().times(0);
    w.purchases.expect_get().times(0);
    w.purchases.expect_save().times(0);
    w.audit.expect_record().times(0);
    let svc = w.service();
    let is_forbidden =
        |e: PurchaseError| matches!(e, PurchaseError::Forbidden(Forbidden(Permission::Purchase)));
    assert!(is_forbidden(
        svc.list(&member(), None, PageRequest::default())
            .await
            .unwrap_err()
    ));
    assert!(is_forbidden(
        svc.cancel(&member(), pid(1)).await.unwrap_err()
    ));
}

#[tokio::test]
async fn listing_purchases_asks_the_store_for_the_one_page_requested() {
    let mut w = World::bare();
    let request = PageRequest::new(Some(2), Some(4)).unwrap();
    w.purchases
        .expect_page()
        .with(eq(org_id()), eq(Some(PurchaseStatus::Active)), eq(request))
        .times(1)
        .returning(|_, _, page| {
            Ok(Page {
                items: Vec::new(),
                total: 7,
                limit: page.limit(),
                offset: page.offset(),
            })
        });
    w.purchases.expect_list().times(0);
    let page = w
        .service()
        .list(&owner(), Some(PurchaseStatus::Active), request)
        .await
        .unwrap();
    assert_eq!((page.total, page.limit, page.offset), (7, 2, 4));
}

#[tokio::test]
async fn r_p1_only_a_platform_admin_refunds_and_nothing_moves_otherwise() {
    let mut w = World::bare();
    w.purchases.expect_find().times(0);
    w.purchases.expect_postings().times(0);
    w.purchases.expect_refund().times(0);
    w.orders.expect_find().times(0);
    w.payments.expect_refund().times(0);
    w.audit.expect_record().times(0);
    let e = w
        .service()
        .refund(&owner(), pid(1), None)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        PurchaseError::Forbidden(Forbidden(Permission::ManageBilling))
    ));
}

#[tokio::test]
async fn r_t3_another_orgs_purchase_is_not_found_when_cancelling() {
    let mut w = World::bare();
    w.purchases
        .expect_get()
        .with(eq(org_id()), eq(pid(1)))
        .returning(|_, _| Ok(None));
    w.purchases.expect_save().times(0);
    let e = w.service().cancel(&owner(), pid(1)).await.unwrap_err();
    assert!(matches!(e, PurchaseError::NotFound));
}

#[tokio::test]
async fn r_r2_cancelling_turns_auto_renew_off_keeps_access_and_saves_once() {
    let mut w = World::bare();
    let p = purchase(PaymentMethod::CreditCard, monthly_from(day(2025, 3, 1)));
    w.purchases
        .expect_get()
        .returning(move |_, _| Ok(Some(p.clone())));
    let saved = Calls::new();
    let record = saved.clone();
    w.purchases.expect_save().times(1).returning(move |p| {
        record.push(p.clone());
        Ok(())
    });
    w.purchases.expect_end().times(0);
    w.audit.expect_record().times(1).return_const(());
    let got = w.service().cancel(&owner(), pid(1)).await.unwrap();
    assert_eq!(saved.only(), got);
    assert_eq!(got.status(), PurchaseStatus::Active);
    assert!(matches!(
        got.billing(),
        Billing::Recurring {
            auto_renew: false,
            ..
        }
    ));
}

#[tokio::test]
async fn r_r2_a_one_time_purchase_cannot_be_cancelled_and_nothing_is_saved() {
    let mut w = World::bare();
    w.purchases
        .expect_get()
        .returning(|_, _| Ok(Some(purchase(PaymentMethod::Invoice, Billing::OneTime))));
    w.purchases.expect_save().times(0);
    w.audit.expect_record().times(0);
    let e = w.service().cancel(&owner(), pid(1)).await.unwrap_err();
    assert!(matches!(
        e,
        PurchaseError::Rule(PurchaseRuleError::NotRecurring)
    ));
}

#[tokio::test]
async fn r_m5_a_full_card_refund_refunds_the_gateway_then_stores_a_balanced_plan_that_ends_it() {
    let mut w = World::refunding(PaymentMethod::CreditCard, false);
    let mut seq = Sequence::new();
    w.payments
        .expect_refund()
        .withf(|reference, amount, _key| reference == "pi_123" && *amount == usd(dec!(30)))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(()));
    let plans = w.recording_refund(Some(&mut seq));
    let got = w
        .service()
        .refund(&platform_admin(), pid(1), None)
        .await
        .unwrap();
    let plan = plans.only();
    assert_eq!(plan.purchase, got);
    assert_eq!(got.status(), PurchaseStatus::Refunded);
    assert_eq!(got.refunded(), usd(dec!(30)));
    assert_eq!(
        (plan.amount, plan.extent),
        (usd(dec!(30)), RefundExtent::Full)
    );
    assert_reverses(&plan, usd(dec!(30)));
    // R-E2: a full refund ends the entitlements that came from the purchase.
    let end: PurchaseEnd = plan.end.expect("a full refund ends the purchase");
    assert_eq!(end.end_entitlements, vec![direct_entitlement().id]);
    assert!(end.successor_entitlements.is_empty());
    assert_eq!(plan.order_status, OrderStatus::Refunded);
    assert_eq!(plan.credit_back, None);
}

#[tokio::test]
async fn r_m5_a_partial_card_refund_reverses_in_proportion_and_ends_nothing() {
    let mut w = World::refunding(PaymentMethod::CreditCard, false);
    w.payments
        .expect_refund()
        .withf(|reference, amount, _| reference == "pi_123" && *amount == usd(dec!(10)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let plans = w.recording_refund(None);
    let got = w
        .service()
        .refund(&platform_admin(), pid(1), Some(usd(dec!(10))))
        .await
        .unwrap();
    let plan = plans.only();
    assert_eq!(plan.extent, RefundExtent::Partial);
    assert!(plan.end.is_none(), "a partial refund keeps the purchase");
    assert_eq!(got.status(), PurchaseStatus::Active);
    assert_eq!(got.refunded(), usd(dec!(10)));
    assert_reverses(&plan, usd(dec!(10)));
    // Fee and payout give back their shares: 5 % of 10.00 and the rest.
    let entries = plan.posting.entries();
    assert_eq!(
        balance(entries, &Account::PlatformRevenue, Currency::USD),
        usd(dec!(0.50))
    );
    assert_eq!(
        balance(entries, &Account::SellerPayable(seller(1)), Currency::USD),
        usd(dec!(9.50))
    );
    assert_eq!(plan.order_status, OrderStatus::PartiallyRefunded);
}

#[tokio::test]
async fn r_e2_refunding_a_direct_purchase_hands_the_tool_to_a_covering_bundle() {
    let mut w = World::refunding(PaymentMethod::CreditCard, true);
    w.payments.expect_refund().returning(|_, _, _| Ok(()));
    let plans = w.recording_refund(None);
    w.service()
        .refund(&platform_admin(), pid(1), None)
        .await
        .unwrap();
    let end = plans.only().end.unwrap();
    let next: Vec<_> = end
        .successor_entitlements
        .iter()
        .map(|e| (e.tool_id, e.source, e.purchase_id))
        .collect();
    // The bundle purchase is the second held purchase of the fixture.
    assert_eq!(next, vec![(tid(1), EntitlementSource::Bundle, pid(0x901))]);
}

#[tokio::test]
async fn a_refund_beyond_what_remains_is_refused_before_any_money_moves() {
    let mut w = World::refunding(PaymentMethod::CreditCard, false);
    w.payments.expect_refund().times(0);
    w.purchases.expect_refund().times(0);
    let e = w
        .service()
        .refund(&platform_admin(), pid(1), Some(usd(dec!(30.01))))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        PurchaseError::Rule(PurchaseRuleError::RefundTooLarge { remaining }) if remaining == usd(dec!(30))
    ));
}

#[tokio::test]
async fn a_gateway_failure_stores_no_refund() {
    let mut w = World::refunding(PaymentMethod::CreditCard, false);
    w.payments.expect_refund().times(1).returning(|_, _, _| {
        Err(PaymentError::Unavailable(Box::new(std::io::Error::other(
            "timeout",
        ))))
    });
    w.purchases.expect_refund().times(0);
    let e = w
        .service()
        .refund(&platform_admin(), pid(1), None)
        .await
        .unwrap_err();
    assert!(matches!(e, PurchaseError::Payment(_)));
}

#[tokio::test]
async fn r_o3_a_credits_purchase_is_refunded_to_credits_without_the_gateway() {
    let mut w = World::refunding(PaymentMethod::PlatformCredits, false);
    w.payments.expect_refund().times(0);
    let plans = w.recording_refund(None);
    w.service()
        .refund(&platform_admin(), pid(1), Some(usd(dec!(12.34))))
        .await
        .unwrap();
    let plan = plans.only();
    assert_eq!(plan.credit_back, Some(usd(dec!(12.34))));
    assert_reverses(&plan, usd(dec!(12.34)));
}

#[tokio::test]
async fn an_external_refund_is_booked_without_calling_the_gateway() {
    let mut w = World::refunding(PaymentMethod::CreditCard, false);
    w.payments.expect_refund().times(0);
    let plans = w.recording_refund(None);
    w.service()
        .record_external_refund(pid(1), usd(dec!(30)))
        .await
        .unwrap();
    assert_eq!(plans.only().extent, RefundExtent::Full);
}

#[tokio::test]
async fn a_purchase_without_a_sale_posting_has_nothing_to_reverse() {
    let mut w = World::bare();
    w.purchases
        .expect_find()
        .returning(|_| Ok(Some(purchase(PaymentMethod::CreditCard, Billing::OneTime))));
    w.purchases.expect_postings().returning(|_| Ok(vec![]));
    w.payments.expect_refund().times(0);
    w.purchases.expect_refund().times(0);
    let e = w
        .service()
        .refund(&platform_admin(), pid(1), None)
        .await
        .unwrap_err();
    assert!(matches!(e, PurchaseError::NothingToReverse));
}

#[tokio::test]
async fn r_r2_a_paid_renewal_extends_the_period_from_its_end() {
    let mut w = World::bare();
    let p = purchase(PaymentMethod::CreditCard, monthly_from(day(2025, 1, 31)));
    w.purchases
        .expect_find()
        .returning(move |_| Ok(Some(p.clone())));
    let renewed = Calls::new();
    let record = renewed.clone();
    w.purchases.expect_renew().times(1).returning(move |p| {
        record.push(p.clone());
        Ok(())
    });
    w.audit.expect_record().times(1).return_const(());
    let got = w.service().renew(pid(1)).await.unwrap();
    assert_eq!(renewed.only(), got);
    let Billing::Recurring { period, .. } = got.billing() else {
        panic!("still recurring");
    };
    assert_eq!(
        (period.start(), period.end()),
        (day(2025, 2, 28), day(2025, 3, 28))
    );
}

#[tokio::test]
async fn r_r2_the_expiry_job_ends_only_purchases_whose_period_is_over() {
    let mut w = World::bare();
    let over = purchase(
        PaymentMethod::CreditCard,
        Billing::Recurring {
            interval: Interval::Monthly,
            period: Period::starting(day(2025, 1, 1), Interval::Monthly),
            auto_renew: false,
        },
    );
    let running = Purchase::restore(PurchaseParts {
        id: PurchaseId::from_uuid(Uuid::from_u128(2)),
        ..purchase(PaymentMethod::CreditCard, monthly_from(day(2025, 3, 1))).into_parts()
    });
    let due = vec![over, running];
    w.purchases
        .expect_due_to_expire()
        .with(eq(now()))
        .returning(move |_| Ok(due.clone()));
    w.purchases
        .expect_entitlements_of()
        .with(eq(pid(1)))
        .returning(|_| Ok(vec![direct_entitlement()]));
    let h = holdings(&[(ItemRef::Tool(tid(1)), vec![tid(1)])]);
    w.holdings
        .expect_holdings()
        .returning(move |_, _| Ok(h.clone()));
    let ended = Calls::new();
    let record = ended.clone();
    w.purchases.expect_end().times(1).returning(move |e| {
        record.push(e.clone());
        Ok(())
    });
    w.audit
        .expect_record()
        .withf(|e| e.action == "purchase.expired" && e.actor.is_none())
        .times(1)
        .return_const(());
    assert_eq!(w.service().expire_due().await.unwrap(), 1);
    let end = ended.only();
    assert_eq!(end.purchase.id(), pid(1));
    assert_eq!(end.purchase.status(), PurchaseStatus::Expired);
    assert_eq!(end.purchase.ended_at(), Some(now()));
    assert_eq!(end.end_entitlements, vec![direct_entitlement().id]);
}

#[tokio::test]
async fn ending_a_purchase_that_already_ended_changes_nothing() {
    let mut w = World::bare();
    let p = Purchase::restore(PurchaseParts {
        status: PurchaseStatus::Expired,
        ..purchase(PaymentMethod::CreditCard, monthly_from(day(2025, 1, 1))).into_parts()
    });
    w.purchases
        .expect_find()
        .returning(move |_| Ok(Some(p.clone())));
    w.purchases.expect_end().times(0);
    let got = w.service().end_now(pid(1)).await.unwrap();
    assert_eq!(got.status(), PurchaseStatus::Expired);
}

#[tokio::test]
async fn an_unknown_purchase_is_not_found_and_store_failures_are_infrastructure() {
    let mut w = World::bare();
    w.purchases
        .expect_find()
        .with(eq(pid(1)))
        .returning(|_| Ok(None));
    w.purchases
        .expect_find()
        .with(eq(pid(2)))
        .returning(|_| Err(RepoError::Stale("moved")));
    w.purchases.expect_renew().times(0);
    let svc = w.service();
    assert!(matches!(
        svc.renew(pid(1)).await,
        Err(PurchaseError::NotFound)
    ));
    assert!(matches!(
        svc.renew(pid(2)).await,
        Err(PurchaseError::Infrastructure(RepoError::Stale(_)))
    ));
}
