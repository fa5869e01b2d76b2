//! R-X3 with R-M3 and R-M5 over random histories: whatever the sequence of invoices,
//! payments, refunds, completions and cancellations, fee + payout = amount, every posting
//! balances, the ledger holds exactly what was paid less what was refunded, and a refused
//! move changes nothing.

use marketplace_domain::revenue::{Account, FeeRate, Posting, balance};
use marketplace_kernel::ids::PostingId;
use marketplace_kernel::money::{Currency, Money};
use marketplace_kernel::payment::PaymentMethod;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::fixtures::{cents, seller, t0, transaction};
use crate::transaction::{Awaiting, InvoiceNumber, TransactionStatus};

#[derive(Clone, Debug)]
enum Step {
    Invoice,
    PayByCredits,
    StartCard,
    ConfirmCard,
    AwaitTransfer,
    MarkPaid,
    Complete,
    Cancel,
    /// A refund of this many cents, or of all that is left.
    Refund(Option<i64>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Invoice),
        Just(Step::PayByCredits),
        Just(Step::StartCard),
        Just(Step::ConfirmCard),
        Just(Step::AwaitTransfer),
        Just(Step::MarkPaid),
        Just(Step::Complete),
        Just(Step::Cancel),
        prop::option::of(-100_i64..200_000).prop_map(Step::Refund),
        (1_i64..5_000).prop_map(|c| Step::Refund(Some(c))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn r_x3_any_history_keeps_fee_plus_payout_and_the_ledger_balanced(
        price in 1_i64..=1_000_000,
        rate_bp in 0_u32..=10_000,
        steps in prop::collection::vec(step(), 0..24),
    ) {
        let rate = FeeRate::new(Decimal::new(i64::from(rate_bp), 4)).unwrap();
        let mut t = transaction(price, rate);
        let mut postings: Vec<Posting> = Vec::new();
        let usd = Currency::USD;
        for (n, step) in (1_u128..).zip(steps) {
            let before = t.clone();
            let pid = PostingId::from_uuid(Uuid::from_u128(n));
            let outcome: Result<Option<Posting>, _> = match step {
                Step::Invoice => t.issue_invoice(InvoiceNumber::FIRST, t0()).map(|_| None),
                Step::PayByCredits => t.settle(PaymentMethod::PlatformCredits, pid, t0()).map(Some),
                Step::StartCard => t
                    .await_payment(Awaiting::Card { reference: "pi".into() }, true, t0())
                    .map(|()| None),
                Step::ConfirmCard => t.settle(PaymentMethod::CreditCard, pid, t0()).map(Some),
                Step::AwaitTransfer => t.await_payment(Awaiting::Transfer, true, t0()).map(|()| None),
                Step::MarkPaid => t.settle(PaymentMethod::Invoice, pid, t0()).map(Some),
                Step::Complete => t.complete(t0()).map(|()| None),
                Step::Cancel => t.cancel(t0()).map(|()| None),
                Step::Refund(amount) => match postings.split_first() {
                    Some((sale, earlier)) => {
                        let sale = sale.clone();
                        let earlier = earlier.to_vec();
                        t.refund(amount.map(cents), pid, &sale, &earlier, t0()).map(Some)
                    }
                    None => t.check(crate::transaction::Move::Refund).map(|()| None),
                },
            };
            match outcome {
                Ok(Some(posting)) => postings.push(posting),
                Ok(None) => {}
                Err(_) => prop_assert_eq!(&t, &before, "a refused step changed the transaction"),
            }

            // R-M3: the split is exact and never changes.
            prop_assert_eq!(t.platform_fee().checked_add(t.provider_payout()).unwrap(), t.amount());
            prop_assert!(!t.platform_fee().is_negative() && !t.provider_payout().is_negative());

            // R-M5: every posting balances, so the whole ledger does.
            let entries: Vec<_> = postings.iter().flat_map(|p| p.entries().iter()).collect();
            let total: Decimal = entries.iter().map(|e| e.amount.amount()).sum();
            prop_assert_eq!(total, Decimal::ZERO);
            let of = |a: Account| balance(entries.iter().copied(), &a, usd);
            let paid = t.settlement().is_some();
            let collected = if paid { t.amount() } else { Money::zero(usd) };
            prop_assert_eq!(of(Account::BuyerPayments), collected);
            prop_assert_eq!(of(Account::Refunds).negated(), t.refunded());
            // What the platform and the provider still hold is what was kept.
            let kept = of(Account::PlatformRevenue).amount() + of(Account::SellerPayable(seller())).amount();
            prop_assert_eq!(-kept, collected.amount() - t.refunded().amount());
            prop_assert!(t.refunded().amount() <= t.amount().amount());
            // The provider's payable never goes below zero, nor the platform's revenue.
            prop_assert!(of(Account::SellerPayable(seller())).amount() <= Decimal::ZERO);
            prop_assert!(of(Account::PlatformRevenue).amount() <= Decimal::ZERO);
            prop_assert_eq!(
                t.status() == TransactionStatus::Refunded,
                paid && t.refunded() == t.amount()
            );
        }
    }
}
