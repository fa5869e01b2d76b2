//! Property tests of the revenue share over random histories: sales of tools of several
//! sellers (and the platform's own), bundle sales across sellers, partial and full
//! refunds, and monthly payout runs whose transfers may fail. After every step:
//! - every posting balances (R-M5);
//! - buyer payments == platform revenue + Σ seller payables + refunds + Σ payouts in
//!   transit + Σ paid out;
//! - no payout is ever of zero or less, below the seller's minimum, or more than the
//!   seller is owed when it is made, and each (seller, month) is paid at most once;
//! - every seller's statement of every month equals the ledger (R-M6), and its closing
//!   balance (negative after a refund that followed a payout) is what the next month
//!   opens with.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ids::{OrderId, OrgId, PayoutId, PostingId, SellerId, ToolId};
use crate::money::{Currency, Money};
use crate::revenue::{
    Account, FeeRate, Posting, PostingKind, SaleLine, SellerKind, SellerTerms, YearMonth, balance,
    bundle_sale_lines, refund_posting_after, sale_posting,
};
use crate::seller::{
    Payout, PayoutDecision, PayoutStatus, SellerStatement, payable_now, payout_due, plan_payout,
};

const SELLERS: u128 = 3;
const TOOLS: usize = 6;

fn cents(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn seller(n: u128) -> SellerId {
    SellerId::from_uuid(Uuid::from_u128(0x5E_0000 + n))
}

/// Seller `n` of the three third parties, at 5%, 10% and 12.34%.
fn terms(n: u128) -> SellerTerms {
    let rates = [
        Decimal::new(5, 2),
        Decimal::new(10, 2),
        Decimal::new(1234, 4),
    ];
    SellerTerms {
        seller_id: seller(n),
        kind: SellerKind::ThirdParty,
        fee_rate: FeeRate::new(rates[usize::try_from(n).unwrap_or(0) % 3]).unwrap(),
    }
}

fn platform() -> SellerTerms {
    SellerTerms {
        seller_id: seller(99),
        kind: SellerKind::Platform,
        fee_rate: FeeRate::ALL,
    }
}

/// Tool `i`: sold by seller `i % 4` (the fourth is the platform), at `price`.
fn tool(i: usize) -> (ToolId, SellerTerms) {
    let id = ToolId::from_uuid(Uuid::from_u128(0x7001 + i as u128));
    let n = (i % 4) as u128;
    (id, if n == 3 { platform() } else { terms(n) })
}

#[derive(Clone, Debug)]
enum Op {
    /// The clock moves forward by this many days.
    Advance(u64),
    Sale {
        tool: usize,
    },
    /// A bundle of the tools whose bit is set, priced at `pct`% of their list prices.
    Bundle {
        mask: u8,
        pct: u32,
    },
    /// Refunds `pct`% of what is left of sale `sale` (100: in full).
    Refund {
        sale: usize,
        pct: u32,
    },
    /// The payout run of the previous month, where seller `n`'s transfer fails when bit
    /// `n` of `failures` is set.
    Payouts {
        failures: u8,
    },
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1_u64..25).prop_map(Op::Advance),
        4 => (0..TOOLS).prop_map(|tool| Op::Sale { tool }),
        2 => (1_u8..64, 10_u32..=100).prop_map(|(mask, pct)| Op::Bundle { mask, pct }),
        3 => (0_usize..64, prop_oneof![1_u32..100, Just(100)])
            .prop_map(|(sale, pct)| Op::Refund { sale, pct }),
        2 => any::<u8>().prop_map(|failures| Op::Payouts { failures }),
    ]
}

struct World {
    now: DateTime<Utc>,
    prices: Vec<Money>,
    minimum: Money,
    postings: Vec<Posting>,
    /// Sales with their refunds so far.
    sales: Vec<(Posting, Vec<Posting>)>,
    payouts: BTreeMap<(SellerId, YearMonth), Payout>,
    next: u128,
}

impl World {
    fn new(prices: Vec<i64>, minimum: i64) -> Self {
        Self {
            now: Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).unwrap(),
            prices: prices.into_iter().map(cents).collect(),
            minimum: cents(minimum),
            postings: Vec::new(),
            sales: Vec::new(),
            payouts: BTreeMap::new(),
            next: 1,
        }
    }

    fn id<T: From<Uuid>>(&mut self) -> T {
        self.next += 1;
        T::from(Uuid::from_u128(self.next))
    }

    fn sell(&mut self, lines: &[SaleLine]) {
        let (id, order) = (self.id::<PostingId>(), self.id::<OrderId>());
        let org = OrgId::from_uuid(Uuid::from_u128(0x0A));
        let sale = sale_posting(id, order, None, org, self.now, lines).unwrap();
        self.postings.push(sale.clone());
        self.sales.push((sale, Vec::new()));
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Advance(days) => {
                self.now = self.now.checked_add_days(Days::new(*days)).unwrap();
            }
            Op::Sale { tool: i } => {
                let (tool_id, seller) = tool(*i);
                self.sell(&[SaleLine {
                    tool_id,
                    seller,
                    gross: self.prices[*i],
                }]);
            }
            Op::Bundle { mask, pct } => {
                let parts: Vec<_> = (0..TOOLS)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| {
                        let (id, terms) = tool(i);
                        (id, self.prices[i], terms)
                    })
                    .collect();
                let list: i64 = parts.iter().map(|p| p.1.to_minor().unwrap()).sum();
                let price = cents(list * i64::from(*pct) / 100);
                if price.is_zero() {
                    return Ok(());
                }
                let lines = bundle_sale_lines(price, &parts).unwrap();
                let gross: Vec<Money> = lines.iter().map(|l| l.gross).collect();
                prop_assert_eq!(Money::sum(Currency::USD, gross).unwrap(), price);
                self.sell(&lines);
            }
            Op::Refund { sale, pct } => {
                if self.sales.is_empty() {
                    return Ok(());
                }
                let k = sale % self.sales.len();
                let (original, earlier) = self.sales[k].clone();
                let paid = balance(original.entries(), &Account::BuyerPayments, Currency::USD);
                let back = earlier
                    .iter()
                    .map(|r| balance(r.entries(), &Account::Refunds, Currency::USD))
                    .try_fold(cents(0), |a, b| a.checked_add(b))
                    .unwrap();
                let left = paid.checked_add(back).unwrap().to_minor().unwrap();
                let amount = if *pct == 100 {
                    left
                } else {
                    left * i64::from(*pct) / 100
                };
                if amount <= 0 {
                    return Ok(());
                }
                let id = self.id();
                let refund =
                    refund_posting_after(id, &original, &earlier, cents(amount), self.now).unwrap();
                self.postings.push(refund.clone());
                self.sales[k].1.push(refund);
            }
            Op::Payouts { failures } => self.run_payouts(*failures)?,
        }
        Ok(())
    }

    /// What `PayoutService::run` does, with transfers that fail as told.
    fn run_payouts(&mut self, failures: u8) -> Result<(), TestCaseError> {
        let month = YearMonth::of(self.now);
        let previous = YearMonth::of(
            self.now
                .checked_sub_days(Days::new(u64::from(chrono::Datelike::day(&self.now))))
                .unwrap(),
        );
        prop_assert!(previous < month);
        if self.now < payout_due(previous) {
            return Ok(());
        }
        for n in 0..SELLERS {
            let s = seller(n);
            if self.payouts.contains_key(&(s, previous)) {
                continue; // a rerun: paid, failed or left to finish; never twice
            }
            let owed_before = payable_now(s, Currency::USD, &self.postings);
            let ids = (self.id::<PayoutId>(), self.id::<PostingId>());
            match plan_payout(ids, s, previous, self.minimum, &self.postings, self.now).unwrap() {
                PayoutDecision::Carry { .. } => {}
                PayoutDecision::Pay(plan) => {
                    let amount = plan.payout.amount;
                    prop_assert!(!amount.is_negative() && !amount.is_zero());
                    prop_assert!(amount.amount() >= self.minimum.amount());
                    prop_assert!(amount.amount() <= owed_before.amount());
                    self.postings.push(plan.posting.clone());
                    let id = self.id();
                    let next = if failures & (1 << n) != 0 {
                        plan.payout.fail("refused".into(), id, self.now)
                    } else {
                        plan.payout.complete(format!("tr_{n}"), id, self.now)
                    }
                    .unwrap();
                    self.postings.push(next.posting);
                    self.payouts.insert((s, previous), next.payout);
                }
            }
        }
        Ok(())
    }

    fn bal(&self, account: Account) -> Money {
        balance(
            self.postings.iter().flat_map(Posting::entries),
            &account,
            Currency::USD,
        )
    }

    fn check(&self) -> Result<(), TestCaseError> {
        for p in &self.postings {
            let sum = Money::sum(Currency::USD, p.entries().iter().map(|e| e.amount)).unwrap();
            prop_assert!(sum.is_zero(), "unbalanced {:?}", p);
        }
        let mut credited = vec![Account::PlatformRevenue, Account::Refunds];
        for n in 0..SELLERS {
            credited.extend([
                Account::SellerPayable(seller(n)),
                Account::PayoutsInTransit(seller(n)),
                Account::PaidOut(seller(n)),
            ]);
        }
        let credits = Money::sum(Currency::USD, credited.into_iter().map(|a| self.bal(a))).unwrap();
        prop_assert_eq!(credits.negated(), self.bal(Account::BuyerPayments));
        for n in 0..SELLERS {
            // Nothing stays in transit once a run is over.
            prop_assert!(self.bal(Account::PayoutsInTransit(seller(n))).is_zero());
            // Paid out is what paid payouts say.
            let paid: Vec<Money> = self
                .payouts
                .iter()
                .filter(|((s, _), p)| *s == seller(n) && p.status == PayoutStatus::Paid)
                .map(|(_, p)| p.amount)
                .collect();
            prop_assert_eq!(
                Money::sum(Currency::USD, paid).unwrap(),
                self.bal(Account::PaidOut(seller(n))).negated()
            );
        }
        self.check_statements()
    }

    fn check_statements(&self) -> Result<(), TestCaseError> {
        let mut month = YearMonth::of(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
        let last = YearMonth::of(self.now);
        let mut carried: Vec<Money> = vec![cents(0); SELLERS as usize];
        while month <= last {
            for n in 0..SELLERS {
                let s = seller(n);
                let st = SellerStatement::from_ledger(s, month, Currency::USD, &self.postings);
                // R-M6: the statement's net is the month's sales and refunds on the payable.
                let in_month = self.postings.iter().filter(|p| {
                    month.contains(p.occurred_at())
                        && matches!(p.kind(), PostingKind::Sale | PostingKind::Refund)
                });
                let net = balance(
                    in_month.flat_map(Posting::entries),
                    &Account::SellerPayable(s),
                    Currency::USD,
                )
                .negated();
                prop_assert_eq!(st.statement.totals.net, net);
                for line in &st.statement.lines {
                    let rest = line
                        .gross
                        .checked_sub(line.fees)
                        .and_then(|m| m.checked_sub(line.refunds))
                        .unwrap();
                    prop_assert_eq!(rest, line.net);
                }
                // Balances carry from month to month.
                prop_assert_eq!(st.opening, carried[n as usize]);
                let closing = st
                    .opening
                    .checked_add(st.statement.totals.net)
                    .and_then(|m| m.checked_sub(st.payouts))
                    .unwrap();
                prop_assert_eq!(st.closing, closing);
                carried[n as usize] = st.closing;
            }
            month = month.next();
        }
        for n in 0..SELLERS {
            // The last closing is what the seller is owed now.
            prop_assert_eq!(
                carried[n as usize],
                payable_now(seller(n), Currency::USD, &self.postings)
            );
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn revenue_share_holds_over_random_histories(
        prices in prop::collection::vec(1_i64..50_000, TOOLS),
        minimum in prop_oneof![Just(2_500_i64), 0_i64..10_000],
        ops in prop::collection::vec(arb_op(), 1..60),
    ) {
        let mut world = World::new(prices, minimum);
        for op in &ops {
            world.apply(op)?;
            world.check()?;
        }
        // Run the payouts of every month left, twice: the second run pays nothing.
        for _ in 0..4 {
            world.apply(&Op::Advance(31))?;
            world.apply(&Op::Payouts { failures: 0 })?;
            let before = world.postings.len();
            world.apply(&Op::Payouts { failures: 0 })?;
            prop_assert_eq!(world.postings.len(), before);
            world.check()?;
        }
    }
}
