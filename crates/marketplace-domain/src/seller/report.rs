//! Admin revenue reports: a month's sales and refunds per seller or per tool, with the
//! platform's revenue, read straight off the ledger's entries.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::ids::{SellerId, ToolId};
use crate::money::{Currency, Money};
use crate::revenue::{Account, Posting, PostingKind, YearMonth};

/// How a report groups its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportBy {
    Seller,
    Tool,
}

/// What a report row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportKey {
    /// A seller; `None` is the platform's own tools (their sales credit no seller).
    Seller(Option<SellerId>),
    Tool(ToolId),
}

/// One row: `gross − refunds == platform_revenue + seller_net`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub key: ReportKey,
    /// Sales (a sale posting counts once per tool).
    pub units: u32,
    /// What buyers paid.
    pub gross: Money,
    /// What buyers got back.
    pub refunds: Money,
    /// Fees and the platform's own tools, net of their share of refunds.
    pub platform_revenue: Money,
    /// The change in what sellers are owed.
    pub seller_net: Money,
}

/// A month's revenue. `totals.platform_revenue` is the platform's revenue for the month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueReport {
    pub month: YearMonth,
    pub currency: Currency,
    pub by: ReportBy,
    /// Sorted by key.
    pub rows: Vec<ReportRow>,
    pub totals: ReportTotals,
}

/// The sums of a report's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportTotals {
    pub units: u32,
    pub gross: Money,
    pub refunds: Money,
    pub platform_revenue: Money,
    pub seller_net: Money,
}

#[derive(Default)]
struct Tally {
    units: u32,
    gross: Decimal,
    refunds: Decimal,
    platform: Decimal,
    seller: Decimal,
}

/// The report of `month` in `currency` over the sale and refund postings that occurred in
/// it (UTC); other postings (payouts, other months) are ignored, so callers may pass more.
///
/// A tool's seller in a posting is the seller of its `SellerPayable` entry; a tool without
/// one is the platform's (R-M2).
#[must_use]
pub fn revenue_report(
    month: YearMonth,
    currency: Currency,
    by: ReportBy,
    postings: &[Posting],
) -> RevenueReport {
    let mut tallies: BTreeMap<ReportKey, Tally> = BTreeMap::new();
    let relevant = postings.iter().filter(|p| {
        month.contains(p.occurred_at())
            && matches!(p.kind(), PostingKind::Sale | PostingKind::Refund)
    });
    for posting in relevant {
        let entries: Vec<_> = posting
            .entries()
            .iter()
            .filter(|e| e.amount.currency() == currency)
            .collect();
        let seller_of = |tool: Option<ToolId>| {
            entries.iter().find_map(|e| match e.account {
                Account::SellerPayable(s) if e.tool_id == tool => Some(s),
                _ => None,
            })
        };
        let key_of = |tool: Option<ToolId>| match (by, tool) {
            (ReportBy::Tool, Some(t)) => Some(ReportKey::Tool(t)),
            (ReportBy::Tool, None) => None,
            (ReportBy::Seller, t) => Some(ReportKey::Seller(seller_of(t))),
        };
        let mut sold: Vec<ReportKey> = Vec::new();
        for entry in &entries {
            let Some(key) = key_of(entry.tool_id) else {
                continue;
            };
            let tally = tallies.entry(key).or_default();
            let amount = entry.amount.amount();
            match entry.account {
                Account::BuyerPayments => {
                    tally.gross += amount;
                    if posting.kind() == PostingKind::Sale {
                        sold.push(key);
                    }
                }
                Account::PlatformRevenue => tally.platform -= amount,
                Account::Refunds => tally.refunds -= amount,
                Account::SellerPayable(_) => tally.seller -= amount,
                Account::PayoutsInTransit(_) | Account::PaidOut(_) => {}
            }
        }
        for key in sold {
            let tally = tallies.entry(key).or_default();
            tally.units = tally.units.saturating_add(1);
        }
    }
    let money = |d: Decimal| Money::unrounded(d, currency);
    let mut total = Tally::default();
    let rows = tallies
        .into_iter()
        .map(|(key, t)| {
            total.units = total.units.saturating_add(t.units);
            total.gross += t.gross;
            total.refunds += t.refunds;
            total.platform += t.platform;
            total.seller += t.seller;
            ReportRow {
                key,
                units: t.units,
                gross: money(t.gross),
                refunds: money(t.refunds),
                platform_revenue: money(t.platform),
                seller_net: money(t.seller),
            }
        })
        .collect();
    RevenueReport {
        month,
        currency,
        by,
        rows,
        totals: ReportTotals {
            units: total.units,
            gross: money(total.gross),
            refunds: money(total.refunds),
            platform_revenue: money(total.platform),
            seller_net: money(total.seller),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OrderId, OrgId, PostingId};
    use crate::revenue::{
        FeeRate, SellerKind, SellerTerms, balance, bundle_sale_lines, refund_posting, sale_posting,
    };
    use chrono::{TimeZone, Utc};
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
    fn terms(n: u128, kind: SellerKind, rate: Decimal) -> SellerTerms {
        SellerTerms {
            seller_id: seller(n),
            kind,
            fee_rate: FeeRate::new(rate).unwrap(),
        }
    }

    /// A March bundle of three tools (two sellers and the platform), half refunded, and a
    /// February sale.
    fn ledger() -> Vec<Posting> {
        let tools = [
            (
                tool(1),
                usd(dec!(10.00)),
                terms(1, SellerKind::ThirdParty, dec!(0.05)),
            ),
            (
                tool(2),
                usd(dec!(20.00)),
                terms(2, SellerKind::ThirdParty, dec!(0.10)),
            ),
            (
                tool(3),
                usd(dec!(30.00)),
                terms(9, SellerKind::Platform, dec!(1)),
            ),
        ];
        let lines = bundle_sale_lines(usd(dec!(50.00)), &tools).unwrap();
        let org = OrgId::from_uuid(Uuid::from_u128(7));
        let march = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap();
        let feb = Utc.with_ymd_and_hms(2025, 2, 3, 0, 0, 0).unwrap();
        let pid = |n| PostingId::from_uuid(Uuid::from_u128(n));
        let oid = |n| OrderId::from_uuid(Uuid::from_u128(n));
        let sale = sale_posting(pid(1), oid(1), None, org, march, &lines).unwrap();
        let refund = refund_posting(pid(2), &sale, usd(dec!(25.00)), march).unwrap();
        let old = sale_posting(pid(3), oid(2), None, org, feb, &lines).unwrap();
        vec![sale, refund, old]
    }

    #[test]
    fn per_seller_rows_split_the_month_and_platform_tools_have_no_seller() {
        let month = YearMonth::parse("2025-03").unwrap();
        let r = revenue_report(month, Currency::USD, ReportBy::Seller, &ledger());
        let keys: Vec<_> = r.rows.iter().map(|row| row.key).collect();
        assert_eq!(
            keys,
            [
                ReportKey::Seller(None),
                ReportKey::Seller(Some(seller(1))),
                ReportKey::Seller(Some(seller(2)))
            ]
        );
        assert_eq!(r.totals.gross, usd(dec!(50.00)));
        assert_eq!(r.totals.refunds, usd(dec!(25.00)));
        assert_eq!(r.totals.units, 3);
        for row in &r.rows {
            assert_eq!(
                row.gross.checked_sub(row.refunds).unwrap(),
                row.platform_revenue.checked_add(row.seller_net).unwrap(),
                "{row:?}"
            );
        }
        // The platform's revenue is the month's PlatformRevenue change.
        let march: Vec<_> = ledger()
            .into_iter()
            .filter(|p| month.contains(p.occurred_at()))
            .collect();
        let platform = balance(
            march.iter().flat_map(Posting::entries),
            &Account::PlatformRevenue,
            Currency::USD,
        );
        assert_eq!(r.totals.platform_revenue, platform.negated());
    }

    #[test]
    fn per_tool_rows_sum_to_the_same_totals() {
        let month = YearMonth::parse("2025-03").unwrap();
        let by_seller = revenue_report(month, Currency::USD, ReportBy::Seller, &ledger());
        let by_tool = revenue_report(month, Currency::USD, ReportBy::Tool, &ledger());
        assert_eq!(by_tool.rows.len(), 3);
        assert_eq!(by_tool.totals, by_seller.totals);
        let empty = revenue_report(
            YearMonth::parse("2025-04").unwrap(),
            Currency::USD,
            ReportBy::Tool,
            &ledger(),
        );
        assert!(empty.rows.is_empty());
        assert_eq!(empty.totals.gross, usd(dec!(0)));
    }
}
