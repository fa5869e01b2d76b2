//! R-B5..R-B10 over random histories, through the use cases on the testkit's fakes: a
//! monthly tool bought with platform credits (STANDARD, with a dearer PRO to move to), one
//! bought by card, and one whose plan starts with a trial (credits), then time passing,
//! the renewal and expiry jobs, credits topped up, card renewals paid (on time, late,
//! after the end), card renewals refused, refunded in part or in full at the provider,
//! admin refunds and cancellations, upgrades and downgrades. After every step: the
//! ledger's net buyer payments equal the money collected to the cent, every posting
//! balances, nothing is charged for a purchase that has ended, an org holds a credits
//! tool exactly while its purchase is active and its period (or trial) paid, and a
//! subscription shown PAST_DUE is an active one between its period's end and the end of
//! its grace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use common::{add_all, new_key, purchase_of, tool_ref};
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::payment_events::{PaymentEvent, ReceivedEvent};
use marketplace_domain::plan::{BillingInterval, PlanCode};
use marketplace_domain::ports::Clock;
use marketplace_domain::purchase::{Purchase, PurchaseStatus, add_months};
use marketplace_domain::revenue::{Account, balance};
use marketplace_domain::subscription::SubscriptionStatus;
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::admin_user;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    /// Time passes.
    Advance { hours: i64 },
    /// The renewal job, then the expiry job.
    RunJobs,
    /// Credits added to the wallet (not collected money).
    TopUp { cents: i64 },
    /// The provider charged the card purchase's next period.
    CardRenewalPaid,
    /// The provider could not charge the card purchase's next period.
    CardRenewalFailed,
    /// The provider refunded part of the last card renewal charge (cumulative total).
    ProviderRefund { cents: i64 },
    /// An admin refunds the credits purchase, `None` in full.
    AdminRefundCredits { cents: Option<i64> },
    /// The buyer stops the credits purchase's auto-renew.
    CancelCredits,
    /// The buyer moves the credits purchase to PRO (R-B9: at once, prorated).
    Upgrade,
    /// The buyer moves the credits purchase to STANDARD (R-B9: at the next renewal).
    Downgrade,
    /// The buyer stops the trial purchase's auto-renew.
    CancelTrial,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1_i64..24 * 40).prop_map(|hours| Step::Advance { hours }),
        4 => Just(Step::RunJobs),
        2 => (0_i64..2_500).prop_map(|cents| Step::TopUp { cents }),
        3 => Just(Step::CardRenewalPaid),
        2 => Just(Step::CardRenewalFailed),
        1 => (1_i64..1_000).prop_map(|cents| Step::ProviderRefund { cents }),
        1 => prop_oneof![Just(None), (1_i64..1_000).prop_map(Some)]
            .prop_map(|cents| Step::AdminRefundCredits { cents }),
        1 => Just(Step::CancelCredits),
        2 => Just(Step::Upgrade),
        2 => Just(Step::Downgrade),
        1 => Just(Step::CancelTrial),
    ]
}

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

/// What the world outside the ledger saw: money that moved.
#[derive(Default)]
struct Model {
    /// Credits put in the wallet (the first grant included).
    credits_in: i64,
    /// Card money the provider took, and gave back at its own initiative.
    card_taken: i64,
    provider_refunded: i64,
    /// The last card renewal charge: reference and what the provider refunded of it.
    last_charge: Option<(String, i64)>,
    events: u64,
}

fn cents(m: Money) -> i64 {
    m.to_minor().unwrap()
}

fn net_ledger(f: &Fakes) -> i64 {
    let entries: Vec<_> = f
        .store
        .postings()
        .iter()
        .flat_map(|p| p.entries().to_vec())
        .collect();
    cents(balance(&entries, &Account::BuyerPayments, Currency::USD))
        + cents(balance(&entries, &Account::Refunds, Currency::USD))
}

/// Money collected: credits spent plus card money kept.
fn collected(f: &Fakes, m: &Model, buyer: &marketplace_domain::access::Actor) -> i64 {
    let wallet = cents(common::credits(f, buyer));
    let gateway_refunds: i64 = f.payments.refunds().iter().map(|r| cents(r.amount)).sum();
    (m.credits_in - wallet) + (m.card_taken - gateway_refunds - m.provider_refunded)
}

async fn run(steps: Vec<Step>) {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    let mut m = Model {
        credits_in: 2_000,
        ..Model::default()
    };
    f.set_org(org, Tier::Elite, usd(m.credits_in));
    let by_credits = f.tool(|b| b.price("10.00").monthly());
    let by_card = f.tool(|b| b.price("10.00").monthly());
    let on_trial = f.tool(|b| b.price("10.00").monthly());
    let pro = PlanCode::parse("PRO").unwrap();
    let standard = PlanCode::standard();
    f.add_plan(
        tool_ref(&by_credits),
        "PRO",
        usd(2_500),
        BillingInterval::Month,
        0,
    );
    f.add_plan(
        tool_ref(&on_trial),
        "PRO",
        usd(1_500),
        BillingInterval::Month,
        7,
    );
    add_all(&f, &buyer, &[tool_ref(&by_credits)]).await;
    f.cart_service()
        .add_with_plan(&buyer, tool_ref(&on_trial), Some(&pro))
        .await
        .unwrap();
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    f.payments.enable_subscriptions();
    add_all(&f, &buyer, &[tool_ref(&by_card)]).await;
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    m.card_taken += 1_000;
    let credits_purchase =
        |f: &Fakes| -> Purchase { purchase_of(f, &buyer, tool_ref(&by_credits)) };
    let card_purchase = |f: &Fakes| -> Purchase { purchase_of(f, &buyer, tool_ref(&by_card)) };
    let trial_purchase = |f: &Fakes| -> Purchase { purchase_of(f, &buyer, tool_ref(&on_trial)) };
    let changes = f.plan_change_service();
    let events = f.payment_event_service();
    let renewals = f.renewal_service();
    let purchases = f.purchase_service();
    let subscriptions = f.subscription_service();
    assert_eq!(
        subscriptions
            .get(&buyer, trial_purchase(&f).id())
            .await
            .unwrap()
            .summary
            .status,
        SubscriptionStatus::Trialing
    );

    for step in steps {
        // Both purchases the wallet pays for have ended: nothing may be debited.
        let credits_ended = credits_purchase(&f).status() != PurchaseStatus::Active
            && trial_purchase(&f).status() != PurchaseStatus::Active;
        let wallet_before = cents(common::credits(&f, &buyer));
        match step {
            Step::Advance { hours } => f.clock.advance(Duration::hours(hours)),
            Step::RunJobs => {
                renewals.run_due().await.unwrap();
                purchases.expire_due().await.unwrap();
            }
            Step::TopUp { cents: c } => {
                if c > 0 {
                    m.credits_in += c;
                    f.set_org(org, Tier::Elite, usd(wallet_before + c));
                }
            }
            Step::CardRenewalPaid => {
                let p = card_purchase(&f);
                let end = p.billing().paid_until().unwrap();
                m.events += 1;
                let reference = format!("pi_renewal_{}", m.events);
                f.payments.take_renewal_payment(&reference, usd(1_000));
                m.card_taken += 1_000;
                events
                    .handle(ReceivedEvent {
                        id: format!("evt_{}", m.events),
                        kind: "invoice.paid".into(),
                        event: PaymentEvent::RenewalPaid {
                            subscription: "sub_1".into(),
                            paid_until: Some(add_months(end, 1)),
                            amount: Some(usd(1_000)),
                            payment: Some(reference.clone()),
                        },
                    })
                    .await
                    .unwrap();
                m.last_charge = Some((reference, 0));
            }
            Step::CardRenewalFailed => {
                m.events += 1;
                events
                    .handle(ReceivedEvent {
                        id: format!("evt_{}", m.events),
                        kind: "invoice.payment_failed".into(),
                        event: PaymentEvent::RenewalFailed {
                            subscription: "sub_1".into(),
                        },
                    })
                    .await
                    .unwrap();
            }
            Step::ProviderRefund { cents: c } => {
                let Some((reference, refunded)) = m.last_charge.clone() else {
                    continue;
                };
                let gateway_refunded: i64 = f
                    .payments
                    .refunds()
                    .iter()
                    .filter(|r| r.reference == reference)
                    .map(|r| cents(r.amount))
                    .sum();
                // The provider refunds only what it still holds of the charge.
                let total = (refunded + c).min(1_000 - gateway_refunded);
                if total <= refunded {
                    continue;
                }
                m.events += 1;
                events
                    .handle(ReceivedEvent {
                        id: format!("evt_{}", m.events),
                        kind: "charge.refunded".into(),
                        event: PaymentEvent::Refunded {
                            reference: reference.clone(),
                            total_refunded: usd(total),
                        },
                    })
                    .await
                    .unwrap();
                m.provider_refunded += total - refunded;
                m.last_charge = Some((reference, total));
            }
            Step::AdminRefundCredits { cents: c } => {
                let p = credits_purchase(&f);
                let amount = c.map(usd);
                // Refusals (nothing left, too much) change nothing; the invariant says so.
                let _refused = purchases.refund(&admin_user(), p.id(), amount).await;
            }
            Step::CancelCredits => {
                let p = credits_purchase(&f);
                let _refused = purchases.cancel(&buyer, p.id()).await;
            }
            Step::Upgrade | Step::Downgrade => {
                let p = credits_purchase(&f);
                let to = if matches!(step, Step::Upgrade) {
                    &pro
                } else {
                    &standard
                };
                // Refusals (same plan, ended, credits short, renewal due) change nothing.
                let _refused = changes.change(&buyer, p.id(), to).await;
            }
            Step::CancelTrial => {
                let p = trial_purchase(&f);
                let _refused = purchases.cancel(&buyer, p.id()).await;
            }
        }
        for posting in f.store.postings() {
            let sum: rust_decimal::Decimal =
                posting.entries().iter().map(|e| e.amount.amount()).sum();
            assert!(sum.is_zero(), "every posting balances");
        }
        assert_eq!(
            net_ledger(&f),
            collected(&f, &m, &buyer),
            "the ledger's net buyer payments equal the money collected"
        );
        let now = f.clock.now();
        for (p, tool) in [
            (credits_purchase(&f), &by_credits),
            (trial_purchase(&f), &on_trial),
        ] {
            let paid = p.status() == PurchaseStatus::Active
                && p.billing().paid_until().is_some_and(|end| now < end);
            assert_eq!(
                common::holds(&f, &buyer, tool).await,
                paid,
                "entitled exactly while its period (or trial) is paid"
            );
        }
        for p in [credits_purchase(&f), card_purchase(&f), trial_purchase(&f)] {
            let status = subscriptions
                .get(&buyer, p.id())
                .await
                .unwrap()
                .summary
                .status;
            if status == SubscriptionStatus::PastDue {
                let end = p.billing().paid_until().unwrap();
                assert_eq!(p.status(), PurchaseStatus::Active);
                assert!(
                    end <= now && now < end + Duration::days(3),
                    "past due only between the period's end and the grace's"
                );
            }
        }
        if credits_ended {
            assert!(
                cents(common::credits(&f, &buyer)) >= wallet_before,
                "nothing is debited for an ended purchase"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn r_b7_the_ledger_equals_the_money_collected_over_random_histories(
        steps in prop::collection::vec(step(), 1..30)
    ) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(steps));
    }
}
