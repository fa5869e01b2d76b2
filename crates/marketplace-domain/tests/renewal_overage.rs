//! R-U5: the overage of a metered period joins the renewal the engine charges, credits or
//! invoice, and its sale posting, so every cent collected is in the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Duration;
use common::{add_all, new_key, purchase_of, tool_ref};
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::{Period, Purchase};
use marketplace_domain::renewal::{OverageCharge, UsageCharges};
use marketplace_domain::revenue::{Account, PostingKind, balance};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::admin_user;
use rust_decimal::Decimal;

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

/// 50 rows over the quota at 0.0125: 0.625, charged 0.63. Records the periods asked for.
#[derive(Default)]
struct Overage {
    asked: Mutex<Vec<Period>>,
}

#[async_trait]
impl UsageCharges for Overage {
    async fn overage(
        &self,
        _purchase: &Purchase,
        period: Period,
    ) -> Result<Vec<OverageCharge>, RepoError> {
        self.asked.lock().unwrap().push(period);
        Ok(vec![OverageCharge {
            meter: "rows".to_owned(),
            quantity: Decimal::from(50),
            unit_price: Decimal::new(125, 4),
            amount: usd(63),
        }])
    }
}

async fn bought_with(method: PaymentMethod, credits: i64) -> (Fakes, Purchase) {
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
    (f, purchase)
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

fn current_period(p: &Purchase) -> Period {
    match *p.billing() {
        marketplace_domain::purchase::Billing::Recurring { period, .. } => period,
        marketplace_domain::purchase::Billing::OneTime => panic!("not recurring"),
    }
}

#[tokio::test]
async fn r_u5_a_credits_renewal_charges_the_ended_periods_overage_into_the_ledger() {
    let (f, purchase) = bought_with(PaymentMethod::PlatformCredits, 25_00).await;
    let usage = Arc::new(Overage::default());
    let renewals = f.renewal_service().with_usage_charges(usage.clone());
    let ended = current_period(&purchase);
    f.clock.set(ended.end() + Duration::hours(1));
    assert_eq!(renewals.run_due().await.unwrap().collected, 1);

    assert_eq!(
        *usage.asked.lock().unwrap(),
        vec![ended],
        "the period that ended"
    );
    let (renewal, _) = f.store.snapshot().renewals.remove(0);
    assert_eq!(renewal.amount, usd(10_63), "the price and the overage");
    assert_eq!(
        buyer_payments(&f),
        usd(20_63),
        "first sale + renewal with overage"
    );
    let sales = f
        .store
        .postings()
        .into_iter()
        .filter(|p| p.purchase_id() == Some(purchase.id()) && p.kind() == PostingKind::Sale)
        .count();
    assert_eq!(sales, 2);
    // A second run charges nothing again.
    assert_eq!(renewals.run_due().await.unwrap().collected, 0);
    assert_eq!(buyer_payments(&f), usd(20_63));
}

#[tokio::test]
async fn r_u5_an_invoice_renewal_bills_the_overage_and_collects_it_when_paid() {
    let (f, purchase) = bought_with(PaymentMethod::Invoice, 0).await;
    let renewals = f
        .renewal_service()
        .with_usage_charges(Arc::new(Overage::default()));
    f.clock
        .set(current_period(&purchase).end() + Duration::hours(1));
    assert_eq!(renewals.run_due().await.unwrap().invoiced, 1);
    let (invoice, _) = f.store.snapshot().renewals.remove(0);
    assert_eq!(invoice.amount, usd(10_63));
    let paid = renewals
        .invoice_paid(&admin_user(), purchase.id(), 1)
        .await
        .unwrap();
    assert_eq!(paid.amount, usd(10_63));
    assert_eq!(buyer_payments(&f), usd(20_63));
}

#[tokio::test]
async fn r_u5_without_metering_a_renewal_charges_the_price_alone() {
    let (f, purchase) = bought_with(PaymentMethod::PlatformCredits, 25_00).await;
    f.clock
        .set(current_period(&purchase).end() + Duration::hours(1));
    assert_eq!(f.renewal_service().run_due().await.unwrap().collected, 1);
    let (renewal, _) = f.store.snapshot().renewals.remove(0);
    assert_eq!(renewal.amount, usd(10_00));
}
