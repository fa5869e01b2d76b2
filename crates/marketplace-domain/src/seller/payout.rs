//! Payouts: what a seller is owed for a month, the payout record keyed by (seller, month),
//! and the three postings of its life (sent, arrived, reversed). Pure: the
//! [`PayoutService`](super::PayoutService) orders the calls.
//!
//! A month's payable is read off the ledger, never stored: the seller's `SellerPayable`
//! credits from sales and refunds that occurred up to the end of the month, less
//! everything payouts have moved out of `SellerPayable` so far (net of reversals). A
//! balance made negative by a refund after a payout therefore shrinks the next month's
//! payable until it is made good; nothing negative is ever paid.

use chrono::{DateTime, Days, Utc};

use crate::ids::{PayoutId, PostingId, SellerId};
use crate::money::{Currency, Money};
use crate::revenue::{
    Account, Entry, Posting, PostingKind, RevenueError, Statement, YearMonth, balance, statement,
};

/// The day of the following month from which a month is paid out (the 5th).
pub const PAYOUT_DAY: u64 = 5;

/// Where a payout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayoutStatus {
    /// Moved to `PayoutsInTransit`; the transfer is not known to have happened yet.
    Pending,
    /// Transferred; in `PaidOut`.
    Paid,
    /// The transfer was refused; the money went back to `SellerPayable`.
    Failed,
}
crate::labelled!(PayoutStatus, "payout status", {
    Pending => "PENDING", Paid => "PAID", Failed => "FAILED",
});

/// The payout of one seller's month: at most one per (seller, month), written in the same
/// transaction as its first posting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payout {
    pub id: PayoutId,
    pub seller_id: SellerId,
    pub month: YearMonth,
    pub amount: Money,
    pub status: PayoutStatus,
    /// The provider's transfer, once made.
    pub transfer_id: Option<String>,
    /// Why the transfer was refused.
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Payout {
    /// The key every transfer attempt of this payout carries, so the provider moves the
    /// money once however often it is asked: `payout-{seller}-{YYYY-MM}`.
    #[must_use]
    pub fn idempotency_key(&self) -> String {
        idempotency_key(self.seller_id, self.month)
    }

    /// The transfer arrived: the payout is `Paid` and `PayoutsInTransit` moves to
    /// `PaidOut`.
    ///
    /// # Errors
    /// [`PayoutStateError`] unless the payout is `Pending`.
    pub fn complete(
        &self,
        transfer_id: String,
        posting_id: PostingId,
        now: DateTime<Utc>,
    ) -> Result<PayoutPlan, PayoutStateError> {
        self.require_pending()?;
        let posting = move_between(
            posting_id,
            PostingKind::Payout,
            Account::PayoutsInTransit(self.seller_id),
            Account::PaidOut(self.seller_id),
            self.amount,
            now,
        )
        .map_err(PayoutStateError::Revenue)?;
        Ok(PayoutPlan {
            payout: Self {
                status: PayoutStatus::Paid,
                transfer_id: Some(transfer_id),
                updated_at: now,
                ..self.clone()
            },
            posting,
        })
    }

    /// The transfer was refused: the payout is `Failed` and the money goes back from
    /// `PayoutsInTransit` to `SellerPayable` (a `PayoutReversal`), to be paid with a later
    /// month.
    ///
    /// # Errors
    /// [`PayoutStateError`] unless the payout is `Pending`.
    pub fn fail(
        &self,
        reason: String,
        posting_id: PostingId,
        now: DateTime<Utc>,
    ) -> Result<PayoutPlan, PayoutStateError> {
        self.require_pending()?;
        let posting = move_between(
            posting_id,
            PostingKind::PayoutReversal,
            Account::PayoutsInTransit(self.seller_id),
            Account::SellerPayable(self.seller_id),
            self.amount,
            now,
        )
        .map_err(PayoutStateError::Revenue)?;
        Ok(PayoutPlan {
            payout: Self {
                status: PayoutStatus::Failed,
                failure_reason: Some(reason),
                updated_at: now,
                ..self.clone()
            },
            posting,
        })
    }

    fn require_pending(&self) -> Result<(), PayoutStateError> {
        if self.status == PayoutStatus::Pending {
            Ok(())
        } else {
            Err(PayoutStateError::NotPending(self.status))
        }
    }
}

/// A payout in its new state and the posting that goes with it, persisted together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutPlan {
    pub payout: Payout,
    pub posting: Posting,
}

/// A payout cannot make this move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayoutStateError {
    #[error("the payout is {0}, not PENDING")]
    NotPending(PayoutStatus),
    #[error(transparent)]
    Revenue(RevenueError),
}

/// `payout-{seller}-{YYYY-MM}`.
#[must_use]
pub fn idempotency_key(seller: SellerId, month: YearMonth) -> String {
    format!("payout-{seller}-{month}")
}

/// The first instant of `month` (UTC).
#[must_use]
pub fn month_start(month: YearMonth) -> DateTime<Utc> {
    month.first_day().and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The first instant after `month` (UTC).
#[must_use]
pub fn month_end(month: YearMonth) -> DateTime<Utc> {
    month_start(month.next())
}

/// When `month` may be paid out: the 5th of the following month, 00:00 UTC.
#[must_use]
pub fn payout_due(month: YearMonth) -> DateTime<Utc> {
    let end = month_end(month);
    end.checked_add_days(Days::new(PAYOUT_DAY - 1))
        .unwrap_or(end)
}

/// `-m`, with zero staying `0` (a negated `Decimal` zero would print as `-0`).
fn negate(m: Money) -> Money {
    if m.is_zero() {
        Money::zero(m.currency())
    } else {
        m.negated()
    }
}

/// The seller's `SellerPayable` credits, as a positive amount owed, over `entries`.
fn owed<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    seller: SellerId,
    currency: Currency,
) -> Money {
    negate(balance(entries, &Account::SellerPayable(seller), currency))
}

fn is_payout(kind: PostingKind) -> bool {
    matches!(kind, PostingKind::Payout | PostingKind::PayoutReversal)
}

/// What the seller may be paid for `month`: its `SellerPayable` credits from sales and
/// refunds up to the end of `month`, less what payouts moved out of `SellerPayable` (net
/// of reversals), whenever they were posted. Negative when a refund after a payout took
/// back more than was earned since: that is carried, never paid.
#[must_use]
pub fn payable_for_month(
    seller: SellerId,
    month: YearMonth,
    currency: Currency,
    postings: &[Posting],
) -> Money {
    let end = month_end(month);
    let entries = postings
        .iter()
        .filter(|p| {
            if is_payout(p.kind()) {
                true
            } else {
                p.occurred_at() < end
            }
        })
        .flat_map(Posting::entries);
    owed(entries, seller, currency)
}

/// What the seller is owed now: its whole `SellerPayable` balance.
#[must_use]
pub fn payable_now(seller: SellerId, currency: Currency, postings: &[Posting]) -> Money {
    owed(postings.iter().flat_map(Posting::entries), seller, currency)
}

/// What a payout run decides for one seller's month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayoutDecision {
    /// Record this payout (and its posting), then transfer.
    Pay(Box<PayoutPlan>),
    /// Nothing is paid this month; the balance (possibly negative) is carried.
    Carry { payable: Money },
}

/// Plans the payout of `seller`'s `month` from its postings: the month's payable (see
/// [`payable_for_month`]), capped at what it is owed now (a refund since the month ended
/// is never paid out), paid when at least `minimum` and positive; otherwise carried. The
/// plan's posting moves the amount from `SellerPayable` to `PayoutsInTransit`.
///
/// # Errors
/// [`RevenueError`] when the posting cannot be built (an amount finer than the currency's
/// minor unit).
pub fn plan_payout(
    ids: (PayoutId, PostingId),
    seller: SellerId,
    month: YearMonth,
    minimum: Money,
    postings: &[Posting],
    now: DateTime<Utc>,
) -> Result<PayoutDecision, RevenueError> {
    let currency = minimum.currency();
    let for_month = payable_for_month(seller, month, currency, postings);
    let now_owed = payable_now(seller, currency, postings);
    let payable = if now_owed.amount() < for_month.amount() {
        now_owed
    } else {
        for_month
    };
    if payable.is_negative() || payable.is_zero() || payable.amount() < minimum.amount() {
        return Ok(PayoutDecision::Carry { payable });
    }
    let posting = move_between(
        ids.1,
        PostingKind::Payout,
        Account::SellerPayable(seller),
        Account::PayoutsInTransit(seller),
        payable,
        now,
    )?;
    Ok(PayoutDecision::Pay(Box::new(PayoutPlan {
        payout: Payout {
            id: ids.0,
            seller_id: seller,
            month,
            amount: payable,
            status: PayoutStatus::Pending,
            transfer_id: None,
            failure_reason: None,
            created_at: now,
            updated_at: now,
        },
        posting,
    })))
}

/// Debits `from` and credits `to` with `amount`: money moving between accounts.
fn move_between(
    id: PostingId,
    kind: PostingKind,
    from: Account,
    to: Account,
    amount: Money,
    at: DateTime<Utc>,
) -> Result<Posting, RevenueError> {
    Posting::new(
        id,
        kind,
        None,
        None,
        None,
        at,
        vec![
            Entry::debit(from, amount, None),
            Entry::credit(to, amount, None),
        ],
    )
}

/// A seller's month as the seller sees it: the per-tool [`Statement`] (R-M6) framed by
/// the balance carried in and out. `closing == opening + statement.totals.net − payouts`,
/// and `closing` is the seller's `SellerPayable` balance at the end of the month (owed
/// positive). A negative `closing` is a refund after a payout, carried to the next month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerStatement {
    pub statement: Statement,
    /// Owed at the start of the month.
    pub opening: Money,
    /// Moved out of `SellerPayable` by payouts during the month, net of reversals.
    pub payouts: Money,
    /// Owed at the end of the month.
    pub closing: Money,
}

impl SellerStatement {
    /// Builds the statement from the seller's postings up to (at least) the end of
    /// `month`; later postings are ignored.
    #[must_use]
    pub fn from_ledger(
        seller: SellerId,
        month: YearMonth,
        currency: Currency,
        postings: &[Posting],
    ) -> Self {
        let (start, end) = (month_start(month), month_end(month));
        let before = |at: DateTime<Utc>| postings.iter().filter(move |p| p.occurred_at() < at);
        let opening = owed(before(start).flat_map(Posting::entries), seller, currency);
        let closing = owed(before(end).flat_map(Posting::entries), seller, currency);
        let payouts = negate(owed(
            postings
                .iter()
                .filter(|p| is_payout(p.kind()) && month.contains(p.occurred_at()))
                .flat_map(Posting::entries),
            seller,
            currency,
        ));
        Self {
            statement: statement(seller, month, currency, postings),
            opening,
            payouts,
            closing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OrderId, OrgId, ToolId};
    use crate::revenue::{
        FeeRate, SaleLine, SellerKind, SellerTerms, refund_posting, refund_posting_after,
        sale_posting,
    };
    use chrono::TimeZone;
    use rust_decimal::{Decimal, dec};
    use uuid::Uuid;

    fn usd(amount: Decimal) -> Money {
        Money::new(amount, Currency::USD).unwrap()
    }
    fn seller() -> SellerId {
        SellerId::from_uuid(Uuid::from_u128(1))
    }
    fn pid(n: u128) -> PostingId {
        PostingId::from_uuid(Uuid::from_u128(n))
    }
    fn at(month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, month, day, 12, 0, 0).unwrap()
    }
    fn ym(month: u32) -> YearMonth {
        YearMonth::new(2025, month).unwrap()
    }
    fn sale(n: u128, when: DateTime<Utc>, gross: Decimal) -> Posting {
        sale_posting(
            pid(n),
            OrderId::from_uuid(Uuid::from_u128(1_000 + n)),
            None,
            OrgId::from_uuid(Uuid::from_u128(7)),
            when,
            &[SaleLine {
                tool_id: ToolId::from_uuid(Uuid::from_u128(50)),
                seller: SellerTerms {
                    seller_id: seller(),
                    kind: SellerKind::ThirdParty,
                    fee_rate: FeeRate::DEFAULT,
                },
                gross: usd(gross),
            }],
        )
        .unwrap()
    }
    fn plan(month: u32, postings: &[Posting], now: DateTime<Utc>) -> PayoutDecision {
        plan_payout(
            (
                PayoutId::from_uuid(Uuid::from_u128(900 + u128::from(month))),
                pid(800),
            ),
            seller(),
            ym(month),
            usd(dec!(25.00)),
            postings,
            now,
        )
        .unwrap()
    }
    fn pay(decision: PayoutDecision) -> PayoutPlan {
        match decision {
            PayoutDecision::Pay(plan) => *plan,
            PayoutDecision::Carry { payable } => panic!("carried {payable}"),
        }
    }

    #[test]
    fn payouts_are_due_from_the_fifth_of_the_next_month() {
        assert_eq!(
            payout_due(ym(1)),
            Utc.with_ymd_and_hms(2025, 2, 5, 0, 0, 0).unwrap()
        );
        assert_eq!(
            payout_due(ym(12)),
            Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()
        );
        assert_eq!(month_end(ym(2)), month_start(ym(3)));
    }

    #[test]
    fn the_idempotency_key_names_seller_and_month() {
        assert_eq!(
            idempotency_key(seller(), ym(3)),
            format!("payout-{}-2025-03", seller())
        );
    }

    #[test]
    fn a_payout_moves_the_month_payable_to_transit_then_paid_out() {
        // 100.00 at 5%: 95.00 payable. A sale in April is not March's.
        let ledger = vec![
            sale(1, at(3, 10), dec!(100.00)),
            sale(2, at(4, 2), dec!(40.00)),
        ];
        let p = pay(plan(3, &ledger, at(4, 5)));
        assert_eq!(p.payout.amount, usd(dec!(95.00)));
        assert_eq!(p.payout.status, PayoutStatus::Pending);
        assert_eq!(p.posting.kind(), PostingKind::Payout);
        assert_eq!(
            p.posting.entries(),
            &[
                Entry::debit(Account::SellerPayable(seller()), usd(dec!(95.00)), None),
                Entry::credit(Account::PayoutsInTransit(seller()), usd(dec!(95.00)), None),
            ]
        );
        let done = p
            .payout
            .complete("tr_1".into(), pid(801), at(4, 5))
            .unwrap();
        assert_eq!(done.payout.status, PayoutStatus::Paid);
        assert_eq!(done.payout.transfer_id.as_deref(), Some("tr_1"));
        let mut all = ledger.clone();
        all.extend([p.posting.clone(), done.posting.clone()]);
        let bal = |a: Account| balance(all.iter().flat_map(Posting::entries), &a, Currency::USD);
        assert_eq!(bal(Account::PayoutsInTransit(seller())), usd(dec!(0)));
        assert_eq!(bal(Account::PaidOut(seller())), usd(dec!(-95.00)));
        // Only April's sale is left to pay.
        assert_eq!(payable_now(seller(), Currency::USD, &all), usd(dec!(38.00)));
        // Paying twice is refused.
        assert_eq!(
            done.payout.complete("tr_2".into(), pid(802), at(4, 5)),
            Err(PayoutStateError::NotPending(PayoutStatus::Paid))
        );
    }

    #[test]
    fn a_failed_transfer_reverses_the_payout_and_carries_the_balance() {
        let ledger = vec![sale(1, at(3, 10), dec!(100.00))];
        let p = pay(plan(3, &ledger, at(4, 5)));
        let failed = p
            .payout
            .fail("account closed".into(), pid(801), at(4, 5))
            .unwrap();
        assert_eq!(failed.payout.status, PayoutStatus::Failed);
        assert_eq!(failed.posting.kind(), PostingKind::PayoutReversal);
        let mut all = ledger;
        all.extend([p.posting, failed.posting]);
        assert_eq!(payable_now(seller(), Currency::USD, &all), usd(dec!(95.00)));
        // April pays what March could not.
        assert_eq!(pay(plan(4, &all, at(5, 5))).payout.amount, usd(dec!(95.00)));
    }

    #[test]
    fn below_the_minimum_the_balance_is_carried_to_the_next_month() {
        let ledger = vec![
            sale(1, at(3, 10), dec!(20.00)),
            sale(2, at(4, 10), dec!(20.00)),
        ];
        assert_eq!(
            plan(3, &ledger, at(4, 5)),
            PayoutDecision::Carry {
                payable: usd(dec!(19.00))
            }
        );
        assert_eq!(
            pay(plan(4, &ledger, at(5, 5))).payout.amount,
            usd(dec!(38.00))
        );
    }

    #[test]
    fn a_refund_after_a_payout_is_carried_never_paid_negative() {
        let s = sale(1, at(3, 10), dec!(100.00));
        let mut ledger = vec![s.clone()];
        let p = pay(plan(3, &ledger, at(4, 5)));
        let done = p.payout.complete("tr".into(), pid(801), at(4, 5)).unwrap();
        ledger.extend([p.posting, done.posting]);
        // April: the March sale is refunded in full (95.00 back from the seller).
        ledger.push(refund_posting(pid(3), &s, usd(dec!(100.00)), at(4, 20)).unwrap());
        let april = SellerStatement::from_ledger(seller(), ym(4), Currency::USD, &ledger);
        assert_eq!(april.opening, usd(dec!(95.00)));
        assert_eq!(april.statement.totals.net, usd(dec!(-95.00)));
        assert_eq!(april.payouts, usd(dec!(95.00)));
        assert_eq!(april.closing, usd(dec!(-95.00)), "carried");
        assert!(
            matches!(plan(4, &ledger, at(5, 5)), PayoutDecision::Carry { payable } if payable == usd(dec!(-95.00)))
        );
        // May sells 150.00 (142.50 payable): 47.50 is paid, the rest made good the refund.
        ledger.push(sale(4, at(5, 10), dec!(150.00)));
        let may = SellerStatement::from_ledger(seller(), ym(5), Currency::USD, &ledger);
        assert_eq!(may.opening, usd(dec!(-95.00)));
        assert_eq!(may.closing, usd(dec!(47.50)));
        assert_eq!(
            pay(plan(5, &ledger, at(6, 5))).payout.amount,
            usd(dec!(47.50))
        );
    }

    #[test]
    fn a_refund_between_month_end_and_the_run_is_not_paid_out() {
        let s = sale(1, at(3, 10), dec!(100.00));
        let mut ledger = vec![s.clone()];
        ledger.push(refund_posting(pid(2), &s, usd(dec!(60.00)), at(4, 2)).unwrap());
        // March alone says 95.00, but 57.00 went back on April 2nd: pay 38.00.
        assert_eq!(
            pay(plan(3, &ledger, at(4, 5))).payout.amount,
            usd(dec!(38.00))
        );
        let r2 = refund_posting_after(
            pid(3),
            &s,
            std::slice::from_ref(&ledger[1]),
            usd(dec!(40.00)),
            at(4, 3),
        )
        .unwrap();
        ledger.push(r2);
        assert!(matches!(
            plan(3, &ledger, at(4, 5)),
            PayoutDecision::Carry { .. }
        ));
    }

    #[test]
    fn r_m6_the_seller_statement_frames_the_month_with_its_balances() {
        let ledger = vec![
            sale(1, at(2, 10), dec!(100.00)),
            sale(2, at(3, 10), dec!(50.00)),
        ];
        let march = SellerStatement::from_ledger(seller(), ym(3), Currency::USD, &ledger);
        assert_eq!(march.opening, usd(dec!(95.00)));
        assert_eq!(march.statement.totals.net, usd(dec!(47.50)));
        assert_eq!(march.payouts, usd(dec!(0)));
        assert_eq!(march.closing, usd(dec!(142.50)));
        let empty = SellerStatement::from_ledger(seller(), ym(1), Currency::USD, &ledger);
        assert!(empty.statement.lines.is_empty());
        assert_eq!(empty.closing, usd(dec!(0)));
        for zero in [empty.opening, empty.payouts, empty.closing] {
            assert_eq!(
                zero.to_string(),
                Money::zero(Currency::USD).to_string(),
                "no -0"
            );
        }
    }
}
