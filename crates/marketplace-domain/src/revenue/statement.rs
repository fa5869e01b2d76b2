//! Seller statements (R-M6): one seller's month, per tool, read straight off the ledger so
//! that its totals cannot drift from it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::RevenueError;
use super::ledger::{Account, Posting, PostingKind};
use crate::ids::{SellerId, ToolId};
use crate::money::{Currency, Money};

/// A calendar month, in UTC where it meets a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth(NaiveDate); // always the first day of the month

impl YearMonth {
    /// # Errors
    /// [`RevenueError::InvalidMonth`] for a month outside `1..=12` or a year chrono
    /// cannot represent.
    pub fn new(year: i32, month: u32) -> Result<Self, RevenueError> {
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(Self)
            .ok_or_else(|| RevenueError::InvalidMonth(format!("{year:04}-{month:02}")))
    }

    /// Parses exactly `YYYY-MM` (`"2025-03"`); anything else, `"2025-3"` or
    /// `"2025-03-01"` included, is refused so that a typo never picks another month.
    ///
    /// # Errors
    /// [`RevenueError::InvalidMonth`].
    pub fn parse(text: &str) -> Result<Self, RevenueError> {
        let invalid = || RevenueError::InvalidMonth(text.to_owned());
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit());
        if !well_formed {
            return Err(invalid());
        }
        let year = text[..4].parse().map_err(|_| invalid())?;
        let month = text[5..].parse().map_err(|_| invalid())?;
        Self::new(year, month).map_err(|_| invalid())
    }

    /// The month `at` falls in, in UTC.
    #[must_use]
    pub fn of(at: DateTime<Utc>) -> Self {
        let date = at.date_naive();
        // Every month has a first day.
        Self(date.with_day(1).unwrap_or(date))
    }

    #[must_use]
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    #[must_use]
    pub fn month(&self) -> u32 {
        self.0.month()
    }

    #[must_use]
    pub const fn first_day(&self) -> NaiveDate {
        self.0
    }

    /// The following month. At the end of chrono's calendar (year 262142) it stays put.
    #[must_use]
    pub fn next(&self) -> Self {
        self.0
            .checked_add_months(Months::new(1))
            .map_or(*self, Self)
    }

    /// Whether `at` falls in this month, in UTC.
    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        Self::of(at) == *self
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl FromStr for YearMonth {
    type Err = RevenueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One tool on a statement. `gross − fees − refunds == net`, where `fees` is what the
/// platform kept after giving its share of refunds back, `refunds` is what buyers got back
/// for the tool, and `net` is the change in what the platform owes the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementLine {
    pub tool_id: ToolId,
    /// Sales of the tool in the month (a sale posting counts once per tool).
    pub units: u32,
    pub gross: Money,
    pub fees: Money,
    pub refunds: Money,
    pub net: Money,
}

/// The sums of a statement's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementTotals {
    pub units: u32,
    pub gross: Money,
    pub fees: Money,
    pub refunds: Money,
    pub net: Money,
}

/// A seller's month (R-M6). `totals.net` equals the month's credits less debits to the
/// seller's `SellerPayable` from sales and refunds; payouts move money between the seller's
/// own accounts and are not part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub seller_id: SellerId,
    pub month: YearMonth,
    pub currency: Currency,
    /// Sorted by tool id.
    pub lines: Vec<StatementLine>,
    /// The seller's services sold as a provider (R-X3): sale and refund postings whose
    /// payable entry names no tool. All zero for a seller without services.
    pub services: StatementTotals,
    /// The lines and the services together.
    pub totals: StatementTotals,
}

#[derive(Default)]
struct Tally {
    units: u32,
    gross: Decimal,
    fees: Decimal,
    refunds: Decimal,
    net: Decimal,
}

/// R-M6: `seller`'s statement for `month` in `currency`, from the postings that occurred in
/// that month (UTC); other postings are ignored, so callers may pass more than the month.
///
/// A tool is the seller's in a posting when the posting has a `SellerPayable(seller)` entry
/// for it; the other entries for that tool then give its gross (`BuyerPayments`), fees
/// (`PlatformRevenue`) and refunds (`Refunds`). The platform's own tools create no payable
/// and appear on no statement: their revenue is the `PlatformRevenue` balance.
#[must_use]
pub fn statement(
    seller: SellerId,
    month: YearMonth,
    currency: Currency,
    postings: &[Posting],
) -> Statement {
    let payable = Account::SellerPayable(seller);
    let mut tallies: BTreeMap<ToolId, Tally> = BTreeMap::new();
    let mut services = Tally::default();
    for posting in postings.iter().filter(|p| month.contains(p.occurred_at())) {
        let entries = || {
            posting
                .entries()
                .iter()
                .filter(|e| e.amount.currency() == currency)
        };
        let tools: BTreeSet<ToolId> = entries()
            .filter(|e| e.account == payable)
            .filter_map(|e| e.tool_id)
            .collect();
        for entry in entries() {
            let Some(tally) = entry.tool_id.filter(|t| tools.contains(t)) else {
                continue;
            };
            let tally = tallies.entry(tally).or_default();
            let amount = entry.amount.amount();
            match entry.account {
                Account::BuyerPayments => tally.gross += amount,
                Account::PlatformRevenue => tally.fees -= amount,
                Account::Refunds => tally.refunds -= amount,
                account if account == payable => tally.net -= amount,
                _ => {}
            }
        }
        if posting.kind() == PostingKind::Sale {
            for tool in &tools {
                let tally = tallies.entry(*tool).or_default();
                tally.units = tally.units.saturating_add(1);
            }
        }
        // A service's sale or refund: entries without a tool, with the seller's payable.
        let for_sales = matches!(posting.kind(), PostingKind::Sale | PostingKind::Refund);
        if for_sales && entries().any(|e| e.account == payable && e.tool_id.is_none()) {
            for entry in entries().filter(|e| e.tool_id.is_none()) {
                let amount = entry.amount.amount();
                match entry.account {
                    Account::BuyerPayments => services.gross += amount,
                    Account::PlatformRevenue => services.fees -= amount,
                    Account::Refunds => services.refunds -= amount,
                    account if account == payable => services.net -= amount,
                    _ => {}
                }
            }
            if posting.kind() == PostingKind::Sale {
                services.units = services.units.saturating_add(1);
            }
        }
    }

    let money = |amount: Decimal| Money::unrounded(amount, currency);
    let mut totals = Tally {
        units: services.units,
        gross: services.gross,
        fees: services.fees,
        refunds: services.refunds,
        net: services.net,
    };
    let lines = tallies
        .into_iter()
        .map(|(tool_id, t)| {
            totals.units = totals.units.saturating_add(t.units);
            totals.gross += t.gross;
            totals.fees += t.fees;
            totals.refunds += t.refunds;
            totals.net += t.net;
            StatementLine {
                tool_id,
                units: t.units,
                gross: money(t.gross),
                fees: money(t.fees),
                refunds: money(t.refunds),
                net: money(t.net),
            }
        })
        .collect();
    Statement {
        seller_id: seller,
        month,
        currency,
        lines,
        services: StatementTotals {
            units: services.units,
            gross: money(services.gross),
            fees: money(services.fees),
            refunds: money(services.refunds),
            net: money(services.net),
        },
        totals: StatementTotals {
            units: totals.units,
            gross: money(totals.gross),
            fees: money(totals.fees),
            refunds: money(totals.refunds),
            net: money(totals.net),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OrderId, OrgId, PostingId};
    use crate::revenue::{
        Entry, FeeRate, SaleLine, SellerKind, SellerTerms, balance, bundle_sale_lines,
        refund_posting, refund_posting_after, sale_posting,
    };
    use chrono::TimeZone;
    use proptest::prelude::*;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn usd(amount: Decimal) -> Money {
        Money::new(amount, Currency::USD).unwrap()
    }
    fn tool(n: u128) -> ToolId {
        ToolId::from_uuid(Uuid::from_u128(n))
    }
    fn seller(n: u128) -> SellerId {
        SellerId::from_uuid(Uuid::from_u128(n))
    }
    fn pid(n: u128) -> PostingId {
        PostingId::from_uuid(Uuid::from_u128(n))
    }
    fn at(month: u32, day: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, month, day, h, m, s).unwrap()
    }
    fn third(n: u128, rate: Decimal) -> SellerTerms {
        SellerTerms {
            seller_id: seller(n),
            kind: SellerKind::ThirdParty,
            fee_rate: FeeRate::new(rate).unwrap(),
        }
    }
    fn platform() -> SellerTerms {
        SellerTerms {
            seller_id: seller(99),
            kind: SellerKind::Platform,
            fee_rate: FeeRate::ALL,
        }
    }
    fn sale(id: u128, when: DateTime<Utc>, lines: &[SaleLine]) -> Posting {
        let order = OrderId::from_uuid(Uuid::from_u128(1_000 + id));
        let org = OrgId::from_uuid(Uuid::from_u128(7));
        sale_posting(pid(id), order, None, org, when, lines).unwrap()
    }
    fn march() -> YearMonth {
        YearMonth::parse("2025-03").unwrap()
    }
    /// The change of `accounts` over the postings of `month`, negated (credits positive).
    fn ledger_change(
        postings: &[Posting],
        month: YearMonth,
        accounts: &[Account],
        only_sales_and_refunds: bool,
    ) -> Money {
        let entries = postings
            .iter()
            .filter(|p| month.contains(p.occurred_at()))
            .filter(|p| {
                !only_sales_and_refunds
                    || matches!(p.kind(), PostingKind::Sale | PostingKind::Refund)
            })
            .flat_map(|p| p.entries());
        let entries: Vec<&Entry> = entries.collect();
        let sum = Money::sum(
            Currency::USD,
            accounts
                .iter()
                .map(|a| balance(entries.iter().copied(), a, Currency::USD)),
        );
        sum.unwrap().negated()
    }

    /// February sale refunded in March, two March sales (one a bundle) with a partial
    /// refund, a payout, and an April sale.
    fn month_of_postings() -> Vec<Posting> {
        let a = third(1, dec!(0.05));
        let b = third(2, dec!(0.10));
        let feb = sale(
            1,
            at(2, 20, 9, 0, 0),
            &[SaleLine {
                tool_id: tool(1),
                seller: a,
                gross: usd(dec!(19.99)),
            }],
        );
        let s1 = sale(
            2,
            at(3, 1, 0, 0, 0),
            &[
                SaleLine {
                    tool_id: tool(1),
                    seller: a,
                    gross: usd(dec!(19.99)),
                },
                SaleLine {
                    tool_id: tool(3),
                    seller: b,
                    gross: usd(dec!(10.00)),
                },
            ],
        );
        let bundle = [
            (tool(1), usd(dec!(10.00)), a),
            (tool(2), usd(dec!(20.00)), a),
            (tool(4), usd(dec!(30.00)), platform()),
        ];
        let s2 = sale(
            3,
            at(3, 10, 12, 0, 0),
            &bundle_sale_lines(usd(dec!(50.00)), &bundle).unwrap(),
        );
        let r1 = refund_posting(pid(4), &s1, usd(dec!(10.00)), at(3, 15, 8, 0, 0)).unwrap();
        let r2 = refund_posting(pid(5), &feb, usd(dec!(19.99)), at(3, 20, 8, 0, 0)).unwrap();
        let payout = Posting::new(
            pid(6),
            PostingKind::Payout,
            None,
            None,
            None,
            at(3, 25, 8, 0, 0),
            vec![
                Entry::debit(Account::SellerPayable(seller(1)), usd(dec!(20.00)), None),
                Entry::credit(Account::PayoutsInTransit(seller(1)), usd(dec!(20.00)), None),
            ],
        )
        .unwrap();
        let april = sale(
            7,
            at(4, 1, 0, 0, 0),
            &[SaleLine {
                tool_id: tool(2),
                seller: a,
                gross: usd(dec!(16.67)),
            }],
        );
        vec![feb, s1, s2, r1, r2, payout, april]
    }

    fn line(tool_id: ToolId, units: u32, amounts: [Decimal; 4]) -> StatementLine {
        let [gross, fees, refunds, net] = amounts.map(usd);
        StatementLine {
            tool_id,
            units,
            gross,
            fees,
            refunds,
            net,
        }
    }

    #[test]
    fn r_m6_statement_lists_units_gross_fees_refunds_and_net_per_tool() {
        let st = statement(seller(1), march(), Currency::USD, &month_of_postings());
        assert_eq!(
            (st.seller_id, st.month, st.currency),
            (seller(1), march(), Currency::USD)
        );
        // tool 1: sold for 19.99 (fee 1.00) and 8.33 in the bundle (fee 0.42); 10.00 of the
        // first sale refunded: 6.67 of tool 1 (0.34 fee, 6.33 payout); the February sale
        // refunded in full (1.00 fee, 18.99 payout). tool 2: 16.67 in the bundle, fee 0.83.
        assert_eq!(
            st.lines,
            vec![
                line(
                    tool(1),
                    2,
                    [dec!(28.32), dec!(0.08), dec!(26.66), dec!(1.58)]
                ),
                line(tool(2), 1, [dec!(16.67), dec!(0.83), dec!(0), dec!(15.84)]),
            ]
        );
        assert_eq!(
            st.totals,
            StatementTotals {
                units: 3,
                gross: usd(dec!(44.99)),
                fees: usd(dec!(0.91)),
                refunds: usd(dec!(26.66)),
                net: usd(dec!(17.42)),
            }
        );

        let other = statement(seller(2), march(), Currency::USD, &month_of_postings());
        assert_eq!(
            other.lines,
            vec![line(
                tool(3),
                1,
                [dec!(10.00), dec!(0.67), dec!(3.33), dec!(6.00)]
            )]
        );
    }

    #[test]
    fn r_m6_statement_totals_equal_ledger() {
        let postings = month_of_postings();
        for s in [seller(1), seller(2)] {
            let st = statement(s, march(), Currency::USD, &postings);
            // Sales and refunds: the change in the seller's payable, to the cent.
            let payable = ledger_change(&postings, march(), &[Account::SellerPayable(s)], true);
            assert_eq!(st.totals.net, payable);
            // With payouts too: the change across all of the seller's accounts.
            let own = [
                Account::SellerPayable(s),
                Account::PayoutsInTransit(s),
                Account::PaidOut(s),
            ];
            assert_eq!(
                st.totals.net,
                ledger_change(&postings, march(), &own, false)
            );
            let t = st.totals;
            assert_eq!(
                t.gross
                    .checked_sub(t.fees)
                    .unwrap()
                    .checked_sub(t.refunds)
                    .unwrap(),
                t.net
            );
        }
        assert_eq!(
            statement(seller(1), march(), Currency::USD, &postings)
                .totals
                .net,
            usd(dec!(17.42))
        );
    }

    #[test]
    fn r_m6_only_the_month_in_utc_counts() {
        let postings = month_of_postings();
        let feb = statement(
            seller(1),
            YearMonth::new(2025, 2).unwrap(),
            Currency::USD,
            &postings,
        );
        assert_eq!(
            feb.lines,
            vec![line(
                tool(1),
                1,
                [dec!(19.99), dec!(1.00), dec!(0), dec!(18.99)]
            )]
        );
        let april = statement(seller(1), march().next(), Currency::USD, &postings);
        assert_eq!(
            april.lines,
            vec![line(
                tool(2),
                1,
                [dec!(16.67), dec!(0.83), dec!(0), dec!(15.84)]
            )]
        );
        let eur = statement(seller(1), march(), Currency::EUR, &postings);
        assert!(eur.lines.is_empty());
        assert_eq!(eur.totals.net, Money::zero(Currency::EUR));
    }

    #[test]
    fn r_m2_platform_tools_appear_on_no_statement() {
        let st = statement(seller(99), march(), Currency::USD, &month_of_postings());
        assert!(st.lines.is_empty());
        assert_eq!((st.totals.units, st.totals.gross), (0, usd(dec!(0))));
    }

    #[test]
    fn year_month_parses_strictly() {
        let m = YearMonth::parse("2025-03").unwrap();
        assert_eq!((m.year(), m.month()), (2025, 3));
        assert_eq!(m.to_string(), "2025-03");
        assert_eq!(
            "0999-12".parse::<YearMonth>().unwrap().to_string(),
            "0999-12"
        );
        for bad in [
            "2025-3",
            "2025-13",
            "2025-00",
            "25-03",
            "2025/03",
            "2025-03-01",
            " 2025-03",
            "+025-03",
            "２025-03",
            "",
        ] {
            assert_eq!(
                YearMonth::parse(bad),
                Err(RevenueError::InvalidMonth(bad.to_owned())),
                "{bad}"
            );
        }
        assert!(YearMonth::new(2025, 0).is_err());
    }

    #[test]
    fn year_month_steps_and_bounds() {
        let dec_ = YearMonth::new(2024, 12).unwrap();
        assert_eq!(
            dec_.first_day(),
            NaiveDate::from_ymd_opt(2024, 12, 1).unwrap()
        );
        assert_eq!(dec_.next(), YearMonth::new(2025, 1).unwrap());
        assert_eq!(
            YearMonth::new(2024, 1).unwrap().next().first_day(),
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()
        );
        let m = march();
        assert!(m.contains(at(3, 1, 0, 0, 0)));
        assert!(m.contains(at(3, 31, 23, 59, 59)));
        assert!(!m.contains(at(2, 28, 23, 59, 59)));
        assert!(!m.contains(at(4, 1, 0, 0, 0)));
        assert_eq!(YearMonth::of(at(3, 31, 23, 59, 59)), m);
    }

    proptest! {
        #[test]
        fn statement_totals_always_equal_ledger(
            sales in prop::collection::vec(
                (
                    prop::collection::vec((1_u128..6, 0_i64..100_000, 0_i64..=10_000), 1..4),
                    1_u32..=60,
                    0_u32..=100,
                ),
                1..8,
            ),
        ) {
            let mut postings = Vec::new();
            for (i, (lines, day, refund_pct)) in sales.into_iter().enumerate() {
                let i = i as u128;
                // Days 1..=60 from 2025-02-15: across February, March and April.
                let when = at(2, 15, 12, 0, 0) + chrono::Duration::days(i64::from(day));
                let mut seen = std::collections::HashSet::new();
                // A tool's seller is fixed: tool n is sold by seller n % 3 (0 is the platform).
                let lines: Vec<SaleLine> = lines
                    .into_iter()
                    .filter(|(t, ..)| seen.insert(*t))
                    .map(|(t, gross, bp)| {
                        let terms =
                            if t % 3 == 0 { platform() } else { third(t % 3, Decimal::new(bp, 4)) };
                        let gross = Money::from_minor(gross, Currency::USD);
                        SaleLine { tool_id: tool(t), seller: terms, gross }
                    })
                    .collect();
                let s = sale(100 + i, when, &lines);
                let gross = balance(s.entries(), &Account::BuyerPayments, Currency::USD);
                let gross = gross.to_minor().unwrap();
                let amount = gross * i64::from(refund_pct) / 100;
                let refund = (amount > 0).then(|| {
                    let half = Money::from_minor(amount / 2 + 1, Currency::USD);
                    let first = refund_posting(pid(200 + i), &s, half, when).unwrap();
                    let rest = Money::from_minor(amount - amount / 2 - 1, Currency::USD);
                    let later = when + chrono::Duration::days(7);
                    let second = (!rest.is_zero()).then(|| {
                        let earlier = std::slice::from_ref(&first);
                        refund_posting_after(pid(300 + i), &s, earlier, rest, later).unwrap()
                    });
                    (first, second)
                });
                postings.push(s);
                if let Some((first, second)) = refund {
                    postings.push(first);
                    postings.extend(second);
                }
            }
            for n in 1..3 {
                let st = statement(seller(n), march(), Currency::USD, &postings);
                let payable = [Account::SellerPayable(seller(n))];
                prop_assert_eq!(st.totals.net, ledger_change(&postings, march(), &payable, true));
                let net = |gross: Money, fees, refunds| {
                    gross.checked_sub(fees).unwrap().checked_sub(refunds).unwrap()
                };
                for l in &st.lines {
                    prop_assert_eq!(net(l.gross, l.fees, l.refunds), l.net);
                }
                let t = st.totals;
                prop_assert_eq!(net(t.gross, t.fees, t.refunds), t.net);
            }
        }
    }
}
