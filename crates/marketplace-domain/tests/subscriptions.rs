#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-B5..R-B10: the subscription state machine, renewals per payment method, renewals as
//! ledger sales, ending early, plan changes with proration, trials.

use chrono::{DateTime, Duration, TimeZone, Utc};
use marketplace_domain::ids::{OrderId, OrgId, PlanId, PostingId, PurchaseId, SellerId, ToolId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::plan::{
    BillingInterval, Plan, PlanCode, PlanDraft, PlanEdit, PlanName, Quotas, SaleRecord, TrialDays,
    TrialHistory,
};
use marketplace_domain::purchase::Period;
use marketplace_domain::revenue::{
    Account, FeeRate, PostingKind, SaleLine, SellerKind, SellerTerms, balance, refund_posting,
    sale_posting,
};
use marketplace_domain::subscription::{
    Cancellation, Collection, CreditsDebit, EarlyEnd, EndReason, Expiry, GracePeriod, GraceTooLong,
    InvoiceNumber, Move, Origin, PaymentOutcome, PlanChange, Proration, ProrationError,
    ProviderAction, ProviderRef, RefundReason, RenewalDue, SaleParts, SubscribedPlan, Subscription,
    SubscriptionError, SubscriptionState, SubscriptionStatus, sale_lines, sale_posting_for,
};
use proptest::prelude::*;
use rust_decimal::{Decimal, dec};
use uuid::Uuid;

fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, s).single().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    at(y, m, d, 0, 0, 0)
}

fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::USD).unwrap()
}

fn item() -> ItemRef {
    ItemRef::Tool(ToolId::from_uuid(Uuid::from_u128(1)))
}

fn plan_with(n: u128, code: &str, price: Decimal, interval: BillingInterval, trial: u32) -> Plan {
    Plan::new(
        PlanId::from_uuid(Uuid::from_u128(100 + n)),
        item(),
        PlanDraft {
            code: PlanCode::parse(code).unwrap(),
            name: PlanName::parse(code).unwrap(),
            price: usd(price),
            interval,
            trial_days: TrialDays::new(trial).unwrap(),
            quotas: Quotas::none(),
            provider_price: None,
        },
    )
    .unwrap()
}

/// 10.00 a month, with a 14-day trial.
fn standard() -> Plan {
    plan_with(1, "STANDARD", dec!(10.00), BillingInterval::Month, 14)
}

/// 30.00 a month.
fn pro() -> Plan {
    plan_with(2, "PRO", dec!(30.00), BillingInterval::Month, 0)
}

fn origin() -> Origin {
    Origin {
        id: PurchaseId::from_uuid(Uuid::from_u128(7)),
        org_id: OrgId::from_uuid(Uuid::from_u128(8)),
        order_id: OrderId::from_uuid(Uuid::from_u128(9)),
    }
}

fn card() -> Collection {
    Collection::Card {
        subscription: Some(provider_ref()),
    }
}

fn provider_ref() -> ProviderRef {
    ProviderRef::parse("sub_1Nq").unwrap()
}

fn grace() -> GracePeriod {
    GracePeriod::default()
}

fn paid(plan: &Plan, collection: Collection, from: DateTime<Utc>) -> Subscription {
    Subscription::start_paid(
        origin(),
        SubscribedPlan::of(plan).unwrap(),
        collection,
        from,
    )
}

fn trialing(collection: Collection, from: DateTime<Utc>) -> Subscription {
    let plan = standard();
    let trial = plan.trial_days().grant(TrialHistory::NeverTrialed).unwrap();
    Subscription::start_trial(
        origin(),
        SubscribedPlan::of(&plan).unwrap(),
        collection,
        trial,
        from,
    )
}

fn period(start: DateTime<Utc>, end: DateTime<Utc>) -> Period {
    Period::restore(start, end).unwrap()
}

fn renewed(outcome: PaymentOutcome) -> marketplace_domain::subscription::Renewal {
    match outcome {
        PaymentOutcome::Renewed(r) => r,
        other => panic!("expected a renewal, got {other:?}"),
    }
}

/// Active for January 2025, renewal refused: past due until February 4th.
fn past_due(collection: Collection) -> Subscription {
    let mut s = paid(&pro(), collection, day(2025, 1, 1));
    s.renewal_refused(grace()).unwrap();
    s
}

#[test]
fn r_b5_a_first_payment_starts_one_calendar_period_and_renewals_chain_from_its_end() {
    let mut s = paid(&pro(), card(), at(2025, 1, 31, 12, 0, 0));
    assert_eq!(s.status(), SubscriptionStatus::Active);
    let jan = period(at(2025, 1, 31, 12, 0, 0), at(2025, 2, 28, 12, 0, 0));
    assert_eq!(s.state(), &SubscriptionState::Active { period: jan });
    let r = renewed(s.renewal_paid(at(2025, 2, 28, 12, 5, 0), grace()));
    // R-R1: Feb 28 + 1 month = Mar 28; the period starts at the old end.
    assert_eq!(
        r.period,
        period(at(2025, 2, 28, 12, 0, 0), at(2025, 3, 28, 12, 0, 0))
    );
    assert_eq!(
        (r.amount, r.plan, r.from),
        (usd(dec!(30.00)), pro().id(), SubscriptionStatus::Active)
    );
    assert_eq!(s.state(), &SubscriptionState::Active { period: r.period });
    assert_eq!(
        (s.id(), s.org_id(), s.order_id(), s.item()),
        (origin().id, origin().org_id, origin().order_id, item())
    );
}

#[test]
fn r_b5_a_refused_renewal_is_past_due_with_grace_counted_from_the_period_end() {
    let mut s = paid(&pro(), card(), day(2025, 1, 1));
    let refusal = s.renewal_refused(grace()).unwrap();
    assert!(refusal.newly_past_due);
    assert_eq!(refusal.grace_ends, day(2025, 2, 4));
    assert_eq!(
        s.state(),
        &SubscriptionState::PastDue {
            lapsed: period(day(2025, 1, 1), day(2025, 2, 1)),
            grace_ends: day(2025, 2, 4),
        }
    );
    // A failed retry keeps the deadline.
    let retry = s.renewal_refused(GracePeriod::days(10).unwrap()).unwrap();
    assert_eq!(
        (retry.grace_ends, retry.newly_past_due),
        (day(2025, 2, 4), false)
    );
    assert!(s.has_access(at(2025, 2, 3, 23, 59, 59), grace()));
    assert!(!s.has_access(day(2025, 2, 4), grace()));
}

#[test]
fn r_b5_grace_is_configurable_and_three_days_by_default() {
    assert_eq!(GracePeriod::default().duration(), Duration::days(3));
    assert_eq!(GracePeriod::days(3).unwrap(), GracePeriod::default());
    assert_eq!(GracePeriod::days(31), Err(GraceTooLong { days: 31 }));
    let week = GracePeriod::days(7).unwrap();
    let mut s = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(s.renewal_refused(week).unwrap().grace_ends, day(2025, 2, 8));
    // No grace at all: access ends with the period.
    let none = GracePeriod::days(0).unwrap();
    let s = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(
        s.expiry_due(day(2025, 2, 1), none),
        Expiry::Due {
            reason: EndReason::RenewalNotPaid
        }
    );
}

#[test]
fn r_b5_a_late_payment_during_grace_reactivates_from_the_old_period_end() {
    let mut s = past_due(card());
    let r = renewed(s.renewal_paid(at(2025, 2, 3, 9, 30, 0), grace()));
    // February starts on February 1st, not when the money came.
    assert_eq!(r.period, period(day(2025, 2, 1), day(2025, 3, 1)));
    assert_eq!(r.from, SubscriptionStatus::PastDue);
    assert_eq!(s.status(), SubscriptionStatus::Active);
}

#[test]
fn r_b5_grace_edges_one_second_before_exactly_at_and_one_second_after_the_deadline() {
    let deadline = day(2025, 2, 4);
    let second = Duration::seconds(1);

    let before = past_due(card());
    assert_eq!(
        before.expiry_due(deadline - second, grace()),
        Expiry::NotDue { until: deadline }
    );
    let mut late = before.clone();
    assert_eq!(
        late.expire(deadline - second, grace()),
        Err(SubscriptionError::NotDueYet { until: deadline })
    );
    assert_eq!(late, before, "a refused expiry changes nothing");
    let r = renewed(late.renewal_paid(deadline - second, grace()));
    assert_eq!(r.period.start(), day(2025, 2, 1));

    for when in [deadline, deadline + second] {
        let mut s = past_due(card());
        let unchanged = s.clone();
        assert_eq!(
            s.renewal_paid(when, grace()),
            PaymentOutcome::RefundAutomatically {
                reason: RefundReason::GraceElapsed
            },
            "{when}"
        );
        assert_eq!(s, unchanged, "a refunded payment changes nothing");
        assert!(!s.has_access(when, grace()));
        assert_eq!(
            s.expiry_due(when, grace()),
            Expiry::Due {
                reason: EndReason::GraceElapsed
            }
        );
        let ended = s.expire(when, grace()).unwrap();
        assert_eq!((ended.at, ended.reason), (when, EndReason::GraceElapsed));
        assert_eq!(
            s.state(),
            &SubscriptionState::Expired {
                at: when,
                reason: EndReason::GraceElapsed
            }
        );
    }
}

#[test]
fn r_b5_cancelling_keeps_access_until_the_period_ends_then_expires() {
    let mut s = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(
        s.cancel(day(2025, 1, 10)).unwrap(),
        Cancellation::AtPeriodEnd {
            access_ends: day(2025, 2, 1),
            provider: ProviderAction::StopRenewing(provider_ref()),
            void_invoice: None,
        }
    );
    assert_eq!(s.status(), SubscriptionStatus::Canceled);
    assert_eq!(
        s.cancel(day(2025, 1, 11)).unwrap(),
        Cancellation::AlreadyCanceled
    );
    assert!(s.has_access(at(2025, 1, 31, 23, 59, 59), grace()));
    assert!(
        !s.has_access(day(2025, 2, 1), grace()),
        "no grace: nothing will renew it"
    );
    assert_eq!(s.renewal_due(day(2025, 2, 1), grace()), RenewalDue::Nothing);
    assert_eq!(
        s.expiry_due(at(2025, 1, 31, 23, 59, 59), grace()),
        Expiry::NotDue {
            until: day(2025, 2, 1)
        }
    );
    let ended = s.expire(day(2025, 2, 1), grace()).unwrap();
    assert_eq!(ended.reason, EndReason::Canceled);
    assert_eq!(ended.provider, ProviderAction::CancelNow(provider_ref()));
    assert_eq!(s.status(), SubscriptionStatus::Expired);
    assert_eq!(s.expiry_due(day(2025, 3, 1), grace()), Expiry::Ended);
}

#[test]
fn r_b5_cancelling_while_past_due_ends_it_at_once() {
    let mut s = past_due(card());
    let Cancellation::EndedNow(ended) = s.cancel(day(2025, 2, 2)).unwrap() else {
        panic!("a past-due subscription has no paid period to run to");
    };
    assert_eq!(
        (ended.at, ended.reason),
        (day(2025, 2, 2), EndReason::Canceled)
    );
    assert_eq!(ended.provider, ProviderAction::CancelNow(provider_ref()));
    assert_eq!(s.status(), SubscriptionStatus::Expired);
}

#[test]
fn r_b5_a_cancelled_subscription_may_resume_before_access_ends() {
    let mut s = paid(&pro(), card(), day(2025, 1, 1));
    s.cancel(day(2025, 1, 10)).unwrap();
    let canceled = s.clone();
    assert_eq!(
        s.resume(day(2025, 2, 1)),
        Err(SubscriptionError::AccessOver {
            since: day(2025, 2, 1)
        })
    );
    assert_eq!(s, canceled);
    assert_eq!(
        s.resume(day(2025, 1, 20)).unwrap(),
        ProviderAction::ResumeRenewing(provider_ref())
    );
    assert_eq!(
        s.state(),
        &SubscriptionState::Active {
            period: period(day(2025, 1, 1), day(2025, 2, 1))
        }
    );

    let mut t = trialing(Collection::PlatformCredits, day(2025, 1, 1));
    t.cancel(day(2025, 1, 2)).unwrap();
    assert_eq!(t.resume(day(2025, 1, 3)).unwrap(), ProviderAction::Nothing);
    assert_eq!(
        t.status(),
        SubscriptionStatus::Trialing,
        "a resumed trial is still a trial"
    );
}

#[test]
fn r_b5_a_payment_for_an_ended_or_cancelled_subscription_is_refunded_automatically() {
    let mut refunded = paid(&pro(), card(), day(2025, 1, 1));
    refunded
        .end_now(EarlyEnd::FullRefund, day(2025, 1, 5))
        .unwrap();
    let mut expired = paid(&pro(), card(), day(2025, 1, 1));
    expired.expire(day(2025, 2, 4), grace()).unwrap();
    for mut s in [refunded, expired] {
        let before = s.clone();
        assert_eq!(
            s.renewal_paid(day(2025, 2, 1), grace()),
            PaymentOutcome::RefundAutomatically {
                reason: RefundReason::Ended
            }
        );
        assert_eq!(s, before);
    }
    let mut canceled = paid(&pro(), card(), day(2025, 1, 1));
    canceled.cancel(day(2025, 1, 10)).unwrap();
    let before = canceled.clone();
    assert_eq!(
        canceled.renewal_paid(day(2025, 1, 31), grace()),
        PaymentOutcome::RefundAutomatically {
            reason: RefundReason::Canceled
        }
    );
    assert_eq!(canceled, before);
}

/// One subscription in each status, on invoice collection.
fn one_of_each() -> Vec<Subscription> {
    let trial = trialing(Collection::Invoice, day(2025, 1, 1));
    let active = paid(&pro(), Collection::Invoice, day(2025, 1, 1));
    let past_due = past_due(Collection::Invoice);
    let mut canceled = active.clone();
    canceled.cancel(day(2025, 1, 10)).unwrap();
    let mut expired = active.clone();
    expired
        .end_now(EarlyEnd::AdminCancellation, day(2025, 1, 10))
        .unwrap();
    vec![trial, active, past_due, canceled, expired]
}

type Attempt = fn(&mut Subscription) -> Result<(), SubscriptionError>;

#[test]
fn r_b5_every_illegal_move_is_refused_and_changes_nothing() {
    use SubscriptionStatus as S;
    let attempts: [(Move, Attempt, &[S]); 7] = [
        (
            Move::RefuseRenewal,
            |s| s.renewal_refused(grace()).map(drop),
            &[S::Canceled, S::Expired],
        ),
        (
            Move::Cancel,
            |s| s.cancel(day(2025, 1, 20)).map(drop),
            &[S::Expired],
        ),
        (
            Move::Resume,
            |s| s.resume(day(2025, 1, 20)).map(drop),
            &[S::Trialing, S::Active, S::PastDue, S::Expired],
        ),
        (
            Move::Expire,
            |s| s.expire(day(2025, 1, 20), grace()).map(drop),
            &[S::Expired],
        ),
        (
            Move::EndEarly,
            |s| s.end_now(EarlyEnd::FullRefund, day(2025, 1, 20)).map(drop),
            &[S::Expired],
        ),
        (
            Move::ChangePlan,
            |s| s.change_plan(&pro(), day(2025, 1, 20)).map(drop),
            &[S::PastDue, S::Canceled, S::Expired],
        ),
        (
            Move::IssueInvoice,
            |s| {
                s.issue_renewal_invoice(InvoiceNumber::new(1).unwrap(), day(2025, 2, 2), grace())
                    .map(drop)
            },
            &[S::Canceled, S::Expired],
        ),
    ];
    let mut refused = 0;
    for (attempted, attempt, illegal_from) in attempts {
        for original in one_of_each() {
            let status = original.status();
            let mut s = original.clone();
            let result = attempt(&mut s);
            if illegal_from.contains(&status) {
                assert_eq!(
                    result,
                    Err(SubscriptionError::IllegalMove { attempted, status }),
                    "{attempted} from {status}"
                );
                assert_eq!(s, original, "{attempted} from {status} changed it");
                refused += 1;
            } else if let Err(e) = result {
                // A legal move may still be refused for a reason of its own, never as illegal.
                assert!(
                    !matches!(e, SubscriptionError::IllegalMove { .. }),
                    "{attempted} from {status}: {e}"
                );
                assert_eq!(
                    s, original,
                    "{attempted} from {status}: a refusal changed it"
                );
            }
        }
    }
    assert_eq!(refused, 14);
}

#[test]
fn r_b6_card_renewals_wait_for_the_provider_and_the_engine_never_charges_a_card() {
    let s = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(
        s.renewal_due(day(2025, 1, 15), grace()),
        RenewalDue::NotYet {
            at: day(2025, 2, 1)
        }
    );
    assert_eq!(
        s.renewal_due(day(2025, 2, 1), grace()),
        RenewalDue::AwaitProvider {
            grace_ends: day(2025, 2, 4)
        }
    );
    assert_eq!(
        s.renewal_due(at(2025, 2, 3, 23, 0, 0), grace()),
        RenewalDue::AwaitProvider {
            grace_ends: day(2025, 2, 4)
        }
    );
    assert_eq!(s.renewal_due(day(2025, 2, 4), grace()), RenewalDue::Lapsed);
    let past = past_due(card());
    assert_eq!(
        past.renewal_due(day(2025, 2, 2), grace()),
        RenewalDue::AwaitProvider {
            grace_ends: day(2025, 2, 4)
        }
    );
}

#[test]
fn r_b6_credits_are_debited_at_the_period_end_and_too_few_make_it_past_due() {
    let mut s = paid(&pro(), Collection::PlatformCredits, day(2025, 1, 1));
    assert_eq!(
        s.renewal_due(at(2025, 1, 31, 23, 59, 59), grace()),
        RenewalDue::NotYet {
            at: day(2025, 2, 1)
        }
    );
    assert_eq!(
        s.renewal_due(day(2025, 2, 1), grace()),
        RenewalDue::DebitCredits {
            amount: usd(dec!(30.00))
        }
    );
    assert_eq!(
        CreditsDebit::decide(usd(dec!(50.00)), usd(dec!(30.00))).unwrap(),
        CreditsDebit::Debit {
            balance_after: usd(dec!(20.00))
        }
    );
    assert_eq!(
        CreditsDebit::decide(usd(dec!(30.00)), usd(dec!(30.00))).unwrap(),
        CreditsDebit::Debit {
            balance_after: usd(dec!(0.00))
        }
    );
    let short = CreditsDebit::decide(usd(dec!(20.00)), usd(dec!(30.00))).unwrap();
    assert_eq!(
        short,
        CreditsDebit::Insufficient {
            short: usd(dec!(10.00))
        }
    );
    assert!(CreditsDebit::decide(Money::from_minor(1, Currency::EUR), usd(dec!(1))).is_err());
    // Not enough: past due; each later run tries the debit again until the grace ends.
    s.renewal_refused(grace()).unwrap();
    assert_eq!(s.status(), SubscriptionStatus::PastDue);
    assert_eq!(
        s.renewal_due(day(2025, 2, 2), grace()),
        RenewalDue::DebitCredits {
            amount: usd(dec!(30.00))
        }
    );
    let r = renewed(s.renewal_paid(day(2025, 2, 2), grace()));
    assert_eq!(r.period, period(day(2025, 2, 1), day(2025, 3, 1)));
}

#[test]
fn r_b6_an_invoice_paid_subscription_gets_a_numbered_renewal_invoice_due_at_period_end_plus_grace()
{
    let mut s = paid(&pro(), Collection::Invoice, day(2025, 1, 1));
    let number = InvoiceNumber::new(42).unwrap();
    assert_eq!(number.to_string(), "REN-000042");
    assert_eq!(
        InvoiceNumber::new(0),
        Err(SubscriptionError::InvalidInvoiceSequence)
    );
    assert_eq!(
        s.issue_renewal_invoice(number, day(2025, 1, 31), grace()),
        Err(SubscriptionError::NotDueYet {
            until: day(2025, 2, 1)
        })
    );
    let next = period(day(2025, 2, 1), day(2025, 3, 1));
    assert_eq!(
        s.renewal_due(day(2025, 2, 1), grace()),
        RenewalDue::IssueInvoice {
            amount: usd(dec!(30.00)),
            period: next,
            due: day(2025, 2, 4)
        }
    );
    let invoice = s
        .issue_renewal_invoice(number, at(2025, 2, 1, 1, 0, 0), grace())
        .unwrap();
    assert_eq!(
        (invoice.number, invoice.amount, invoice.period, invoice.due),
        (number, usd(dec!(30.00)), next, day(2025, 2, 4))
    );
    assert_eq!(invoice.issued_at, at(2025, 2, 1, 1, 0, 0));
    assert_eq!(s.open_invoice(), Some(&invoice));
    assert_eq!(
        s.renewal_due(day(2025, 2, 2), grace()),
        RenewalDue::AwaitInvoice { invoice }
    );
    assert_eq!(
        s.issue_renewal_invoice(InvoiceNumber::new(43).unwrap(), day(2025, 2, 2), grace()),
        Err(SubscriptionError::InvoiceAlreadyOpen { number })
    );
    // An admin marks it paid.
    let r = renewed(s.renewal_paid(day(2025, 2, 3), grace()));
    assert_eq!(
        (r.period, r.amount, r.invoice),
        (next, usd(dec!(30.00)), Some(number))
    );
    assert_eq!(s.open_invoice(), None);

    // Unpaid by the due date: expired, the invoice void.
    let mut unpaid = paid(&pro(), Collection::Invoice, day(2025, 1, 1));
    unpaid
        .issue_renewal_invoice(number, day(2025, 2, 1), grace())
        .unwrap();
    let ended = unpaid.expire(day(2025, 2, 4), grace()).unwrap();
    assert_eq!(ended.reason, EndReason::RenewalNotPaid);
    assert_eq!(ended.void_invoice.map(|i| i.number), Some(number));
    assert_eq!(ended.provider, ProviderAction::Nothing);

    let mut by_card = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(
        by_card.issue_renewal_invoice(number, day(2025, 2, 1), grace()),
        Err(SubscriptionError::NotInvoiced)
    );
}

#[test]
fn r_b6_expiry_waits_for_the_grace_never_the_minute_the_period_ends() {
    let mut s = paid(&pro(), card(), day(2025, 1, 1));
    let end = day(2025, 2, 1);
    assert_eq!(
        s.expiry_due(end, grace()),
        Expiry::NotDue {
            until: day(2025, 2, 4)
        }
    );
    assert_eq!(
        s.expire(end + Duration::minutes(1), grace()),
        Err(SubscriptionError::NotDueYet {
            until: day(2025, 2, 4)
        })
    );
    assert!(s.has_access(end + Duration::minutes(1), grace()));
    // The provider's renewal arrives hours after the period's end.
    let r = renewed(s.renewal_paid(end + Duration::hours(6), grace()));
    assert_eq!(r.period, period(end, day(2025, 3, 1)));
    // Had it never come, the subscription would end once the grace is over.
    let quiet = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(
        quiet.expiry_due(day(2025, 2, 4), grace()),
        Expiry::Due {
            reason: EndReason::RenewalNotPaid
        }
    );
}

fn third_party(n: u128) -> SellerTerms {
    SellerTerms {
        seller_id: SellerId::from_uuid(Uuid::from_u128(n)),
        kind: SellerKind::ThirdParty,
        fee_rate: FeeRate::DEFAULT,
    }
}

fn tool_id(n: u128) -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(n))
}

#[test]
fn r_b7_a_renewal_is_a_sale_split_like_a_first_sale() {
    let mut s = paid(&pro(), card(), day(2025, 1, 1));
    let r = renewed(s.renewal_paid(day(2025, 2, 1), grace()));
    let parts = SaleParts::Tool {
        tool_id: tool_id(1),
        seller: third_party(5),
    };
    let posting = sale_posting_for(
        PostingId::from_uuid(Uuid::from_u128(50)),
        &s,
        r.amount,
        &parts,
        day(2025, 2, 1),
    )
    .unwrap()
    .unwrap();
    let first_sale_shape = sale_posting(
        PostingId::from_uuid(Uuid::from_u128(50)),
        origin().order_id,
        Some(origin().id),
        origin().org_id,
        day(2025, 2, 1),
        &[SaleLine {
            tool_id: tool_id(1),
            seller: third_party(5),
            gross: usd(dec!(30.00)),
        }],
    )
    .unwrap();
    assert_eq!(posting, first_sale_shape);
    assert_eq!(posting.kind(), PostingKind::Sale);
    let entries = posting.entries();
    assert_eq!(
        balance(entries, &Account::BuyerPayments, Currency::USD),
        usd(dec!(30.00))
    );
    assert_eq!(
        balance(entries, &Account::PlatformRevenue, Currency::USD),
        usd(dec!(-1.50))
    );
    assert_eq!(
        balance(
            entries,
            &Account::SellerPayable(SellerId::from_uuid(Uuid::from_u128(5))),
            Currency::USD
        ),
        usd(dec!(-28.50))
    );

    // A bundle renewal is allocated by its tools' plan prices (10/20/30), like its first sale.
    let bundle = SaleParts::Bundle {
        tools: vec![
            (tool_id(1), usd(dec!(10)), third_party(5)),
            (tool_id(2), usd(dec!(20)), third_party(6)),
            (tool_id(3), usd(dec!(30)), third_party(7)),
        ],
    };
    let lines = sale_lines(usd(dec!(45.00)), &bundle).unwrap();
    let gross: Vec<_> = lines.iter().map(|l| l.gross).collect();
    assert_eq!(gross, [usd(dec!(7.50)), usd(dec!(15.00)), usd(dec!(22.50))]);
}

#[test]
fn r_b7_a_refund_of_a_renewal_reverses_that_renewal_only_and_the_ledger_matches_the_money() {
    let s = paid(&pro(), card(), day(2025, 1, 1));
    let parts = SaleParts::Tool {
        tool_id: tool_id(1),
        seller: third_party(5),
    };
    let pid = |n| PostingId::from_uuid(Uuid::from_u128(n));
    let first = sale_posting_for(pid(1), &s, usd(dec!(30.00)), &parts, day(2025, 1, 1))
        .unwrap()
        .unwrap();
    let renewal = sale_posting_for(pid(2), &s, usd(dec!(30.00)), &parts, day(2025, 2, 1))
        .unwrap()
        .unwrap();
    let refund = refund_posting(pid(3), &renewal, usd(dec!(30.00)), day(2025, 2, 2)).unwrap();
    let all: Vec<_> = [&first, &renewal, &refund]
        .iter()
        .flat_map(|p| p.entries().to_vec())
        .collect();
    let seller = Account::SellerPayable(SellerId::from_uuid(Uuid::from_u128(5)));
    // What remains is exactly the first sale's split.
    assert_eq!(balance(&all, &seller, Currency::USD), usd(dec!(-28.50)));
    assert_eq!(
        balance(&all, &Account::PlatformRevenue, Currency::USD),
        usd(dec!(-1.50))
    );
    // Collected 60.00, gave back 30.00.
    assert_eq!(
        balance(&all, &Account::BuyerPayments, Currency::USD),
        usd(dec!(60.00))
    );
    assert_eq!(
        balance(&all, &Account::Refunds, Currency::USD),
        usd(dec!(-30.00))
    );
    // A free plan's renewal moves no money and posts nothing.
    assert_eq!(
        sale_posting_for(pid(4), &s, usd(dec!(0)), &parts, day(2025, 3, 1)),
        Ok(None)
    );
}

#[test]
fn r_b8_ending_early_cancels_at_the_provider_at_once() {
    for why in [EarlyEnd::FullRefund, EarlyEnd::AdminCancellation] {
        let mut s = paid(&pro(), card(), day(2025, 1, 1));
        let ended = s.end_now(why, day(2025, 1, 5)).unwrap();
        assert_eq!(
            ended.provider,
            ProviderAction::CancelNow(provider_ref()),
            "{why:?}"
        );
        assert!(!s.has_access(day(2025, 1, 5), grace()));
        assert_eq!(
            s.end_now(why, day(2025, 1, 6)),
            Err(SubscriptionError::IllegalMove {
                attempted: Move::EndEarly,
                status: SubscriptionStatus::Expired
            })
        );
    }
    let mut quiet = paid(&pro(), card(), day(2025, 1, 1));
    assert_eq!(
        quiet.expire(day(2025, 2, 4), grace()).unwrap().provider,
        ProviderAction::CancelNow(provider_ref())
    );
    // Credits, invoices and card subscriptions the provider has not created: nothing to cancel.
    for collection in [
        Collection::PlatformCredits,
        Collection::Invoice,
        Collection::Card { subscription: None },
    ] {
        let mut s = paid(&pro(), collection, day(2025, 1, 1));
        assert_eq!(
            s.end_now(EarlyEnd::FullRefund, day(2025, 1, 5))
                .unwrap()
                .provider,
            ProviderAction::Nothing
        );
    }
}

#[test]
fn r_b8_the_provider_id_is_recorded_once() {
    let mut s = paid(
        &pro(),
        Collection::Card { subscription: None },
        day(2025, 1, 1),
    );
    s.attach_provider_ref(provider_ref()).unwrap();
    s.attach_provider_ref(provider_ref()).unwrap();
    assert_eq!(
        s.attach_provider_ref(ProviderRef::parse("sub_other").unwrap()),
        Err(SubscriptionError::ProviderRefConflict)
    );
    assert_eq!(s.collection().provider_ref(), Some(&provider_ref()));
    let mut credits = paid(&pro(), Collection::PlatformCredits, day(2025, 1, 1));
    assert_eq!(
        credits.attach_provider_ref(provider_ref()),
        Err(SubscriptionError::NotCard)
    );
    assert_eq!(
        ProviderRef::parse("sub 1"),
        Err(SubscriptionError::InvalidProviderRef)
    );
}

/// April 2025: a 30-day month.
fn april() -> Period {
    period(day(2025, 4, 1), day(2025, 5, 1))
}

#[test]
fn r_b9_an_upgrade_halfway_through_a_30_day_month_charges_half_the_difference() {
    let mut s = paid(&standard(), card(), day(2025, 4, 1));
    let change = s.change_plan(&pro(), day(2025, 4, 16)).unwrap();
    let PlanChange::Upgraded { from, proration } = &change else {
        panic!("{change:?}")
    };
    assert_eq!(*from, standard().id());
    assert_eq!(proration.due(), usd(dec!(10.00)));
    assert_eq!(proration.unused_credit(), usd(dec!(5.00)));
    assert_eq!(proration.new_plan_charge(), usd(dec!(15.00)));
    assert_eq!(
        (proration.seconds_left(), proration.seconds_in_period()),
        (1_296_000, 2_592_000)
    );
    assert_eq!(change.charge_now(), Some(usd(dec!(10.00))));
    assert_eq!(s.plan().plan_id(), pro().id(), "an upgrade applies at once");
    assert_eq!(s.renewal_price(), usd(dec!(30.00)));
}

#[test]
fn r_b9_proration_rounds_half_away_from_zero_by_the_second() {
    // 10.00 -> 10.05 halfway: 0.025 rounds up to 0.03.
    let half = Proration::upgrade(
        usd(dec!(10.00)),
        usd(dec!(10.05)),
        april(),
        day(2025, 4, 16),
    )
    .unwrap();
    assert_eq!(
        (half.due(), half.unused_credit(), half.new_plan_charge()),
        (usd(dec!(0.03)), usd(dec!(5.00)), usd(dec!(5.03)))
    );
    // 20.00 more, 1,000,001 of 2,592,000 seconds left: 7.716057... -> 7.72.
    let odd = Proration::upgrade(
        usd(dec!(10.00)),
        usd(dec!(30.00)),
        april(),
        day(2025, 5, 1) - Duration::seconds(1_000_001),
    )
    .unwrap();
    assert_eq!(odd.seconds_left(), 1_000_001);
    assert_eq!(odd.due(), usd(dec!(7.72)));
    // 10.00 of the old price for the same share: 3.858028... -> 3.86, so the new plan's part is 11.58.
    assert_eq!(
        (odd.unused_credit(), odd.new_plan_charge()),
        (usd(dec!(3.86)), usd(dec!(11.58)))
    );
    // Only whole seconds count: 1.5 seconds left is one.
    let last = Proration::upgrade(
        usd(dec!(0)),
        usd(dec!(2_592_000.00)),
        april(),
        day(2025, 5, 1) - Duration::milliseconds(1_500),
    )
    .unwrap();
    assert_eq!((last.seconds_left(), last.due()), (1, usd(dec!(1.00))));
    // At the very start, the whole difference.
    let whole =
        Proration::upgrade(usd(dec!(10.00)), usd(dec!(30.00)), april(), day(2025, 4, 1)).unwrap();
    assert_eq!(whole.due(), usd(dec!(20.00)));
    assert_eq!(
        Proration::upgrade(usd(dec!(30)), usd(dec!(10)), april(), day(2025, 4, 2)),
        Err(ProrationError::NotAnUpgrade)
    );
    assert!(matches!(
        Proration::upgrade(usd(dec!(10)), usd(dec!(30)), april(), day(2025, 5, 1)),
        Err(ProrationError::OutsidePeriod { .. })
    ));
}

#[test]
fn r_b9_a_downgrade_applies_at_the_next_renewal() {
    let mut s = paid(&pro(), Collection::PlatformCredits, day(2025, 4, 1));
    let change = s.change_plan(&standard(), day(2025, 4, 16)).unwrap();
    assert_eq!(
        change,
        PlanChange::DowngradeScheduled {
            effective_at: day(2025, 5, 1)
        }
    );
    assert_eq!(change.charge_now(), None, "nothing charged or credited now");
    assert_eq!(
        s.plan().plan_id(),
        pro().id(),
        "the paid period keeps its plan"
    );
    assert_eq!(
        s.scheduled_plan().map(SubscribedPlan::plan_id),
        Some(standard().id())
    );
    assert_eq!(
        s.renewal_due(day(2025, 5, 1), grace()),
        RenewalDue::DebitCredits {
            amount: usd(dec!(10.00))
        }
    );
    let r = renewed(s.renewal_paid(day(2025, 5, 1), grace()));
    assert_eq!((r.plan, r.amount), (standard().id(), usd(dec!(10.00))));
    assert_eq!(s.plan().plan_id(), standard().id());
    assert_eq!(s.scheduled_plan(), None);
}

#[test]
fn r_b9_choosing_the_current_plan_again_calls_off_a_scheduled_downgrade() {
    let mut s = paid(&pro(), card(), day(2025, 4, 1));
    s.change_plan(&standard(), day(2025, 4, 10)).unwrap();
    assert_eq!(
        s.change_plan(&pro(), day(2025, 4, 11)).unwrap(),
        PlanChange::ScheduledChangeCancelled
    );
    assert_eq!(s.scheduled_plan(), None);
    assert_eq!(
        s.change_plan(&pro(), day(2025, 4, 12)),
        Err(SubscriptionError::SamePlan)
    );
}

#[test]
fn r_b9_plan_changes_keep_the_item_interval_and_sale_status() {
    let yearly = plan_with(3, "YEARLY", dec!(300), BillingInterval::Year, 0);
    let lifetime = plan_with(4, "LIFETIME", dec!(500), BillingInterval::OneTime, 0);
    let archived = plan_with(5, "OLD", dec!(50), BillingInterval::Month, 0)
        .edit(PlanEdit::archive(), SaleRecord::Sold)
        .unwrap();
    let elsewhere = Plan::new(
        PlanId::from_uuid(Uuid::from_u128(999)),
        ItemRef::Tool(tool_id(2)),
        PlanDraft {
            code: PlanCode::parse("PRO").unwrap(),
            name: PlanName::parse("Pro").unwrap(),
            price: usd(dec!(50)),
            interval: BillingInterval::Month,
            trial_days: TrialDays::NONE,
            quotas: Quotas::none(),
            provider_price: None,
        },
    )
    .unwrap();
    let s = paid(&standard(), card(), day(2025, 4, 1));
    let cases: [(&Plan, DateTime<Utc>, SubscriptionError); 6] = [
        (
            &yearly,
            day(2025, 4, 10),
            SubscriptionError::IntervalChange {
                from: marketplace_domain::interval::Interval::Monthly,
                to: marketplace_domain::interval::Interval::Annual,
            },
        ),
        (
            &lifetime,
            day(2025, 4, 10),
            SubscriptionError::NotRecurring {
                plan: lifetime.id(),
            },
        ),
        (
            &archived,
            day(2025, 4, 10),
            SubscriptionError::PlanNotOnSale {
                code: PlanCode::parse("OLD").unwrap(),
            },
        ),
        (
            &elsewhere,
            day(2025, 4, 10),
            SubscriptionError::OtherItem {
                plan: elsewhere.id(),
            },
        ),
        (
            &pro(),
            day(2025, 5, 1),
            SubscriptionError::RenewalPending {
                since: day(2025, 5, 1),
            },
        ),
        (
            &pro(),
            day(2025, 3, 31),
            SubscriptionError::Proration(ProrationError::OutsidePeriod {
                at: day(2025, 3, 31),
                start: day(2025, 4, 1),
                end: day(2025, 5, 1),
            }),
        ),
    ];
    for (to, when, expected) in cases {
        let mut changed = s.clone();
        assert_eq!(changed.change_plan(to, when), Err(expected));
        assert_eq!(changed, s, "a refused change changes nothing");
    }
}

#[test]
fn r_b9_a_change_during_the_trial_applies_at_once_and_charges_nothing() {
    let mut s = trialing(Collection::PlatformCredits, day(2025, 1, 1));
    let change = s.change_plan(&pro(), day(2025, 1, 5)).unwrap();
    assert_eq!(
        change,
        PlanChange::SwitchedDuringTrial {
            from: standard().id()
        }
    );
    assert_eq!(change.charge_now(), None);
    assert_eq!(s.status(), SubscriptionStatus::Trialing);
    assert_eq!(
        s.renewal_due(day(2025, 1, 15), grace()),
        RenewalDue::DebitCredits {
            amount: usd(dec!(30.00))
        }
    );
}

#[test]
fn r_b10_a_trial_charges_nothing_and_its_end_is_charged_as_a_renewal() {
    let mut s = trialing(Collection::PlatformCredits, day(2025, 1, 1));
    let trial = period(day(2025, 1, 1), day(2025, 1, 15));
    assert_eq!(s.state(), &SubscriptionState::Trialing { trial });
    assert!(s.has_access(day(2025, 1, 14), grace()));
    assert_eq!(
        s.renewal_due(day(2025, 1, 10), grace()),
        RenewalDue::NotYet {
            at: day(2025, 1, 15)
        }
    );
    assert_eq!(
        s.renewal_due(day(2025, 1, 15), grace()),
        RenewalDue::DebitCredits {
            amount: usd(dec!(10.00))
        }
    );
    let r = renewed(s.renewal_paid(day(2025, 1, 15), grace()));
    assert_eq!(r.period, period(day(2025, 1, 15), day(2025, 2, 15)));
    assert_eq!(
        (r.from, r.amount),
        (SubscriptionStatus::Trialing, usd(dec!(10.00)))
    );
    // One trial per org and item: an org that had one gets none.
    assert_eq!(
        standard().trial_days().grant(TrialHistory::AlreadyTrialed),
        None
    );
    assert_eq!(
        pro().trial_days().grant(TrialHistory::NeverTrialed),
        None,
        "PRO has no trial"
    );
}

#[test]
fn r_b10_an_unpaid_trial_end_is_past_due_and_then_expires() {
    let mut s = trialing(card(), day(2025, 1, 1));
    assert_eq!(
        s.renewal_refused(grace()).unwrap().grace_ends,
        day(2025, 1, 18)
    );
    assert_eq!(s.status(), SubscriptionStatus::PastDue);
    assert_eq!(
        s.expire(day(2025, 1, 18), grace()).unwrap().reason,
        EndReason::GraceElapsed
    );

    let quiet = trialing(card(), day(2025, 1, 1));
    assert_eq!(
        quiet.expiry_due(day(2025, 1, 17), grace()),
        Expiry::NotDue {
            until: day(2025, 1, 18)
        }
    );
    assert_eq!(
        quiet.expiry_due(day(2025, 1, 18), grace()),
        Expiry::Due {
            reason: EndReason::RenewalNotPaid
        }
    );
}

#[test]
fn stored_subscriptions_are_checked_on_restore() {
    let s = past_due(Collection::Invoice);
    let parts = s.clone().into_parts();
    assert_eq!(Subscription::restore(parts.clone()).unwrap(), s);
    let mut broken = parts.clone();
    broken.state = SubscriptionState::PastDue {
        lapsed: period(day(2025, 1, 1), day(2025, 2, 1)),
        grace_ends: day(2025, 1, 20),
    };
    assert!(matches!(
        Subscription::restore(broken),
        Err(SubscriptionError::Inconsistent(_))
    ));
    let mut yearly = parts;
    yearly.scheduled_plan = Some(
        SubscribedPlan::of(&plan_with(3, "YEARLY", dec!(300), BillingInterval::Year, 0)).unwrap(),
    );
    assert!(matches!(
        Subscription::restore(yearly),
        Err(SubscriptionError::Inconsistent(_))
    ));
}

proptest! {
    /// R-B9: never more than the difference, never less than nothing, and the credit and
    /// the new plan's charge net to exactly what is due.
    #[test]
    fn r_b9_proration_stays_within_the_difference_and_credit_plus_due_is_the_charge(
        old in 0_i64..5_000_000,
        more in 0_i64..5_000_000,
        start_day in 0_i64..730,
        annual in any::<bool>(),
        offset_permille in 0_u32..1_000,
        extra_ms in 0_i64..1_000,
    ) {
        let start = day(2024, 1, 1) + Duration::days(start_day) + Duration::seconds(start_day * 37);
        let interval = if annual { marketplace_domain::interval::Interval::Annual } else { marketplace_domain::interval::Interval::Monthly };
        let p = Period::starting(start, interval);
        let total = (p.end() - p.start()).num_seconds();
        let into = total * i64::from(offset_permille) / 1_000;
        let when = (start + Duration::seconds(into) + Duration::milliseconds(extra_ms)).min(p.end() - Duration::milliseconds(1));
        let (old, new) = (Money::from_minor(old, Currency::USD), Money::from_minor(old + more, Currency::USD));
        let pr = Proration::upgrade(old, new, p, when).unwrap();
        let diff = new.checked_sub(old).unwrap();
        prop_assert!(!pr.due().is_negative());
        prop_assert!(pr.due().amount() <= diff.amount());
        prop_assert_eq!(pr.unused_credit().checked_add(pr.due()).unwrap(), pr.new_plan_charge());
        prop_assert!(pr.unused_credit().amount() <= old.amount());
        prop_assert!(pr.new_plan_charge().amount() <= new.amount());
        for m in [pr.due(), pr.unused_credit(), pr.new_plan_charge()] {
            prop_assert!(m.to_minor().is_ok(), "{} is not whole cents", m);
        }
        let exact = diff.amount() * Decimal::from(pr.seconds_left()) / Decimal::from(pr.seconds_in_period());
        prop_assert!((pr.due().amount() - exact).abs() <= dec!(0.005));
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Paid,
    Refused,
    Cancel,
    Resume,
    Expire,
    EndEarly,
    Upgrade,
    Downgrade,
    Invoice,
}

fn event() -> impl Strategy<Value = (Event, i64)> {
    let e = prop_oneof![
        Just(Event::Paid),
        Just(Event::Refused),
        Just(Event::Cancel),
        Just(Event::Resume),
        Just(Event::Expire),
        Just(Event::EndEarly),
        Just(Event::Upgrade),
        Just(Event::Downgrade),
        Just(Event::Invoice),
    ];
    (e, 0_i64..24 * 40)
}

proptest! {
    /// R-B5: a subscription is ACTIVE only for a period that a first payment or a paid
    /// renewal paid for; a refused move changes nothing; an expired one stays expired.
    #[test]
    fn r_b5_active_only_for_paid_periods_whatever_the_events(
        start_with_trial in any::<bool>(),
        collection in 0_u8..3,
        events in prop::collection::vec(event(), 1..40),
    ) {
        let collection = match collection {
            0 => card(),
            1 => Collection::PlatformCredits,
            _ => Collection::Invoice,
        };
        let mut now = day(2025, 1, 1);
        let mut paid_periods = Vec::new();
        let mut s = if start_with_trial {
            trialing(collection, now)
        } else {
            let s = paid(&standard(), collection, now);
            if let SubscriptionState::Active { period } = s.state() {
                paid_periods.push(*period);
            }
            s
        };
        let mut invoices = 0;
        for (event, hours) in events {
            now += Duration::hours(hours);
            let before = s.clone();
            let refused = match event {
                Event::Paid => match s.renewal_paid(now, grace()) {
                    PaymentOutcome::Renewed(r) => {
                        paid_periods.push(r.period);
                        false
                    }
                    PaymentOutcome::RefundAutomatically { .. } => {
                        prop_assert_eq!(&s, &before);
                        false
                    }
                },
                Event::Refused => s.renewal_refused(grace()).is_err(),
                Event::Cancel => s.cancel(now).is_err(),
                Event::Resume => s.resume(now).is_err(),
                Event::Expire => s.expire(now, grace()).is_err(),
                Event::EndEarly => s.end_now(EarlyEnd::AdminCancellation, now).is_err(),
                Event::Upgrade => s.change_plan(&pro(), now).is_err(),
                Event::Downgrade => s.change_plan(&standard(), now).is_err(),
                Event::Invoice => {
                    invoices += 1;
                    s.issue_renewal_invoice(InvoiceNumber::new(invoices).unwrap(), now, grace()).is_err()
                }
            };
            if refused {
                prop_assert_eq!(&s, &before, "{:?} was refused but changed the subscription", event);
            }
            if let SubscriptionState::Active { period } = s.state() {
                prop_assert!(paid_periods.contains(period), "ACTIVE for an unpaid period after {:?}", event);
            }
            if before.status() == SubscriptionStatus::Expired {
                prop_assert_eq!(&s, &before, "an expired subscription moved");
            }
        }
    }
}
