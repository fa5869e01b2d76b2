use chrono::Duration;
use marketplace_domain::revenue::{Account, FeeRate, balance};
use marketplace_kernel::money::Currency;
use rust_decimal::dec;
use uuid::Uuid;

use super::*;
use crate::fixtures::*;
use crate::listing::ListingStatus;
use crate::provider::PaymentMode;

fn pid(n: u128) -> PostingId {
    PostingId::from_uuid(Uuid::from_u128(n))
}

fn number(n: u32) -> InvoiceNumber {
    InvoiceNumber::new(n).unwrap()
}

/// A transaction brought to `status` by legal moves, with its postings.
fn reach(status: TransactionStatus) -> (Transaction, Vec<Posting>) {
    use TransactionStatus as S;
    let mut t = transaction(4_500, FeeRate::DEFAULT);
    let mut postings = Vec::new();
    if status == S::PendingInvoice {
        return (t, postings);
    }
    if status == S::Cancelled {
        t.cancel(t0()).unwrap();
        return (t, postings);
    }
    t.issue_invoice(number(1), t0()).unwrap();
    if status == S::Invoiced {
        return (t, postings);
    }
    postings.push(
        t.settle(PaymentMethod::PlatformCredits, pid(1), t0())
            .unwrap(),
    );
    match status {
        S::Completed => t.complete(t0()).unwrap(),
        S::PartiallyRefunded | S::Refunded => {
            let amount = (status == S::PartiallyRefunded).then(|| cents(1_000));
            let p = t.refund(amount, pid(2), &postings[0], &[], t0()).unwrap();
            postings.push(p);
        }
        _ => {}
    }
    (t, postings)
}

/// Tries `action` on `t`, with what it needs.
fn attempt(
    t: &mut Transaction,
    action: Move,
    postings: &[Posting],
) -> Result<(), TransactionError> {
    match action {
        Move::Invoice => t.issue_invoice(number(2), t0()).map(drop),
        Move::Pay => t
            .settle(PaymentMethod::PlatformCredits, pid(9), t0())
            .map(drop),
        Move::MarkPaid => t.settle(PaymentMethod::Invoice, pid(9), t0()).map(drop),
        Move::Complete => t.complete(t0()),
        Move::Cancel => t.cancel(t0()),
        Move::Refund => match postings.split_first() {
            Some((sale, earlier)) => t.refund(None, pid(9), sale, earlier, t0()).map(drop),
            None => t.check(Move::Refund),
        },
    }
}

#[test]
fn r_x3_a_transaction_splits_its_amount_by_the_provider_rate() {
    let t = transaction(4_500, FeeRate::DEFAULT);
    assert_eq!(t.status(), TransactionStatus::PendingInvoice);
    assert_eq!(
        (t.platform_fee(), t.provider_payout()),
        (cents(225), cents(4_275))
    );
    // 19.99 × 5% = 0.9995 → 1.00 (R-M3, half up); the payout takes the rest.
    let t = transaction(1_999, FeeRate::DEFAULT);
    assert_eq!(
        (t.platform_fee(), t.provider_payout()),
        (cents(100), cents(1_899))
    );
    let t = transaction(1_001, FeeRate::new(dec!(0.15)).unwrap());
    assert_eq!(
        t.platform_fee().checked_add(t.provider_payout()).unwrap(),
        t.amount()
    );
    assert_eq!(t.description().as_str(), "Dog grooming");
}

#[test]
fn r_x3_a_quote_needs_a_listing_that_takes_quotes_and_a_valid_amount() {
    let provider = provider(FeeRate::DEFAULT, PaymentMode::StripeConnect);
    let id = TransactionId::from_uuid(Uuid::from_u128(1));
    let quote = |amount: Money| Request {
        description: Some(TransactionDescription::parse("Two dogs, long hair").unwrap()),
        amount: Some(amount),
    };
    let open = |listing: &ServiceListing, request| {
        Transaction::open(id, listing, &provider, org(BUYER_ORG), request, t0())
    };

    assert_eq!(
        open(&published(4_500, false), quote(cents(6_000))),
        Err(TransactionError::QuotesNotAllowed)
    );
    let quoting = published(4_500, true);
    for bad in [cents(0), cents(-5), Money::from_minor(6_000, Currency::EUR)] {
        assert_eq!(
            open(&quoting, quote(bad)),
            Err(TransactionError::InvalidQuote {
                expected: Currency::USD
            })
        );
    }
    let t = open(&quoting, quote(cents(6_000))).unwrap();
    assert_eq!(t.amount(), cents(6_000));
    assert_eq!(
        (t.platform_fee(), t.provider_payout()),
        (cents(300), cents(5_700))
    );
    assert_eq!(t.description().as_str(), "Two dogs, long hair");
}

#[test]
fn r_x3_only_a_published_listing_of_another_org_is_bought() {
    let provider = provider(FeeRate::DEFAULT, PaymentMode::StripeConnect);
    let id = TransactionId::from_uuid(Uuid::from_u128(1));
    let mut listing = published(4_500, false);
    assert_eq!(
        Transaction::open(
            id,
            &listing,
            &provider,
            org(PROVIDER_ORG),
            Request::default(),
            t0()
        ),
        Err(TransactionError::OwnService)
    );
    listing.archive(t0()).unwrap();
    assert_eq!(listing.status(), ListingStatus::Archived);
    assert_eq!(
        Transaction::open(
            id,
            &listing,
            &provider,
            org(BUYER_ORG),
            Request::default(),
            t0()
        ),
        Err(TransactionError::ListingNotOffered)
    );
}

#[test]
fn r_x3_invoice_pay_complete_with_numbered_invoice_due_date_and_sale_posting() {
    let mut t = transaction(4_500, FeeRate::DEFAULT);
    let invoice = t.issue_invoice(number(42), t0()).unwrap();
    assert_eq!(invoice.number.to_string(), "INV-000042");
    assert_eq!(invoice.due_at - invoice.issued_at, Duration::days(14));
    assert_eq!(t.status(), TransactionStatus::Invoiced);

    let sale = t
        .settle(PaymentMethod::PlatformCredits, pid(1), t0())
        .unwrap();
    assert_eq!(t.status(), TransactionStatus::Paid);
    assert_eq!(sale.kind(), PostingKind::Sale);
    assert_eq!(sale.org_id(), Some(org(BUYER_ORG)));
    let usd = Currency::USD;
    assert_eq!(
        balance(sale.entries(), &Account::BuyerPayments, usd),
        cents(4_500)
    );
    assert_eq!(
        balance(sale.entries(), &Account::PlatformRevenue, usd),
        cents(-225)
    );
    assert_eq!(
        balance(sale.entries(), &Account::SellerPayable(seller()), usd),
        cents(-4_275)
    );

    t.complete(t0()).unwrap();
    assert_eq!(t.status(), TransactionStatus::Completed);
    assert!(t.was_completed());
}

#[test]
fn r_x3_every_illegal_move_is_refused_with_nothing_changed() {
    use TransactionStatus as S;
    let legal = |from: S, action: Move| -> bool {
        matches!(
            (from, action),
            (S::PendingInvoice, Move::Invoice | Move::Cancel)
                | (S::Invoiced, Move::Pay | Move::MarkPaid | Move::Cancel)
                | (S::Paid, Move::Complete | Move::Refund)
                | (S::Completed, Move::Refund)
                | (S::PartiallyRefunded, Move::Complete | Move::Refund)
        )
    };
    for &from in TransactionStatus::ALL {
        for &action in Move::ALL {
            let (mut t, postings) = reach(from);
            assert_eq!(t.status(), from);
            let before = t.clone();
            let outcome = attempt(&mut t, action, &postings);
            if legal(from, action) {
                assert!(outcome.is_ok(), "{from} should allow {action}: {outcome:?}");
            } else {
                assert_eq!(
                    outcome,
                    Err(TransactionError::IllegalMove { from, action }),
                    "{from} must refuse {action}"
                );
                assert_eq!(
                    t, before,
                    "a refused {action} from {from} changed the transaction"
                );
            }
        }
    }
}

#[test]
fn r_x3_a_manual_provider_takes_no_card_and_a_transfer_waits_for_an_admin() {
    let mut t = transaction(4_500, FeeRate::DEFAULT);
    t.issue_invoice(number(1), t0()).unwrap();
    assert_eq!(
        t.check_payment(PaymentMethod::CreditCard, false),
        Err(TransactionError::CardsNotAccepted)
    );
    let before = t.clone();
    assert_eq!(
        t.await_payment(
            Awaiting::Card {
                reference: "pi_1".into()
            },
            false,
            t0()
        ),
        Err(TransactionError::CardsNotAccepted)
    );
    assert_eq!(t, before);

    t.await_payment(Awaiting::Transfer, false, t0()).unwrap();
    assert_eq!(t.status(), TransactionStatus::Invoiced);
    t.settle(PaymentMethod::Invoice, pid(1), t0()).unwrap();
    assert_eq!(t.status(), TransactionStatus::Paid);
    assert_eq!(
        t.settlement().map(|s| s.method),
        Some(PaymentMethod::Invoice)
    );
}

#[test]
fn r_x3_a_card_settles_only_the_payment_under_way() {
    let mut t = transaction(4_500, FeeRate::DEFAULT);
    t.issue_invoice(number(1), t0()).unwrap();
    let before = t.clone();
    assert!(t.settle(PaymentMethod::CreditCard, pid(1), t0()).is_err());
    assert_eq!(t, before, "no card payment under way: nothing settles");

    t.await_payment(
        Awaiting::Card {
            reference: "pi_1".into(),
        },
        true,
        t0(),
    )
    .unwrap();
    let before = t.clone();
    assert_eq!(
        t.check_payment(PaymentMethod::PlatformCredits, true),
        Err(TransactionError::IllegalMove {
            from: TransactionStatus::Invoiced,
            action: Move::Pay
        }),
        "no second payment while a card payment is under way"
    );
    assert!(
        t.settle(PaymentMethod::PlatformCredits, pid(1), t0())
            .is_err()
    );
    assert_eq!(t, before);
    t.settle(PaymentMethod::CreditCard, pid(1), t0()).unwrap();
    assert_eq!(
        t.settlement().and_then(|s| s.reference.clone()),
        Some("pi_1".into())
    );
}

#[test]
fn r_x3_refunds_partial_then_full_reverse_fee_and_payout_cent_exact() {
    let (mut t, postings) = reach(TransactionStatus::Paid);
    let sale = postings[0].clone();
    let first = t
        .refund(Some(cents(1_001)), pid(2), &sale, &[], t0())
        .unwrap();
    assert_eq!(t.status(), TransactionStatus::PartiallyRefunded);
    assert_eq!(t.refunded(), cents(1_001));
    assert_eq!(t.refundable(), cents(3_499));

    let before = t.clone();
    assert_eq!(
        t.refund(
            Some(cents(3_500)),
            pid(3),
            &sale,
            std::slice::from_ref(&first),
            t0()
        ),
        Err(TransactionError::InvalidRefund {
            requested: cents(3_500),
            refundable: cents(3_499)
        })
    );
    assert_eq!(
        t.refund(
            Some(cents(0)),
            pid(3),
            &sale,
            std::slice::from_ref(&first),
            t0()
        ),
        Err(TransactionError::InvalidRefund {
            requested: cents(0),
            refundable: cents(3_499)
        })
    );
    assert_eq!(t, before);

    let second = t
        .refund(None, pid(3), &sale, std::slice::from_ref(&first), t0())
        .unwrap();
    assert_eq!(t.status(), TransactionStatus::Refunded);
    let all = [sale, first, second];
    let entries: Vec<_> = all.iter().flat_map(|p| p.entries().iter()).collect();
    let usd = Currency::USD;
    let of = |a: Account| balance(entries.iter().copied(), &a, usd);
    assert_eq!(of(Account::Refunds), cents(-4_500));
    assert_eq!(of(Account::PlatformRevenue), cents(0));
    assert_eq!(of(Account::SellerPayable(seller())), cents(0));
}

#[test]
fn r_x3_a_refund_needs_this_transactions_sale() {
    let (mut t, _) = reach(TransactionStatus::Paid);
    let (other, other_postings) = {
        let mut o = transaction(4_500, FeeRate::DEFAULT);
        o.buyer_org = org(OTHER_ORG);
        o.issue_invoice(number(1), t0()).unwrap();
        let p = o
            .settle(PaymentMethod::PlatformCredits, pid(7), t0())
            .unwrap();
        (o, vec![p])
    };
    assert_eq!(other.status(), TransactionStatus::Paid);
    let before = t.clone();
    assert!(matches!(
        t.refund(None, pid(8), &other_postings[0], &[], t0()),
        Err(TransactionError::Revenue(_))
    ));
    assert_eq!(t, before);
}

#[test]
fn r_x3_a_stored_transaction_must_be_consistent() {
    let (t, _) = reach(TransactionStatus::Paid);
    assert_eq!(Transaction::restore(t.clone().into_parts()), Ok(t.clone()));

    let mut parts = t.clone().into_parts();
    parts.fee = cents(1);
    assert!(Transaction::restore(parts).is_err());

    let mut parts = t.clone().into_parts();
    parts.status = TransactionStatus::PendingInvoice;
    assert!(Transaction::restore(parts).is_err());

    let mut parts = t.into_parts();
    parts.status = TransactionStatus::Refunded;
    assert!(
        Transaction::restore(parts).is_err(),
        "refunded without a refund"
    );
}

#[test]
fn r_x3_invoice_numbers_count_from_one() {
    assert_eq!(InvoiceNumber::new(0), None);
    assert_eq!(InvoiceNumber::FIRST.to_string(), "INV-000001");
    assert_eq!(InvoiceNumber::FIRST.next(), InvoiceNumber::new(2));
    assert_eq!(InvoiceNumber::new(u32::MAX).and_then(|n| n.next()), None);
}

#[test]
fn r_x3_a_providers_statement_includes_its_services() {
    use marketplace_domain::revenue::{YearMonth, statement};
    let (mut t, postings) = reach(TransactionStatus::Paid);
    let refund = t
        .refund(Some(cents(1_000)), pid(2), &postings[0], &[], t0())
        .unwrap();
    let all = [postings[0].clone(), refund];
    let month = YearMonth::of(t0());
    let st = statement(seller(), month, Currency::USD, &all);
    assert!(st.lines.is_empty(), "a service is no tool line");
    assert_eq!(st.services.units, 1);
    assert_eq!(st.services.gross, cents(4_500));
    assert_eq!(st.services.refunds, cents(1_000));
    // gross − fees − refunds == net, fees after the platform gave back its share.
    let s = st.services;
    assert_eq!(
        s.gross.amount() - s.fees.amount() - s.refunds.amount(),
        s.net.amount()
    );
    assert_eq!(
        s.fees,
        cents(175),
        "225 less the platform's 50 of the refund"
    );
    assert_eq!(st.totals, st.services);
    let other_month = statement(seller(), month.next(), Currency::USD, &all);
    assert_eq!(other_month.services.units, 0);
}
