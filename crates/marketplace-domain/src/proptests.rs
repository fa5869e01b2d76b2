//! Property tests over the domain's pure rules: cart totals (R-K4), recurring periods
//! (R-R1), catalog ordering (R-C5) and the revenue properties the revenue module's own
//! property tests leave out (R-M3 in every minor unit, R-M4 through `bundle_sale_lines`,
//! R-M5 through bundle sales and whole fulfilment plans).

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::subsequence;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::cart::CartView;
use crate::catalog::fixtures::{bundle, ids, now, org_id, tid, tool, tool_priced, user_id};
use crate::catalog::{Offer, PriceModel, SortBy, SortOrder, Tool, ToolFilter, ToolStats};
use crate::checkout::{Order, OrderLine, OrderParts, OrderStatus, plan_fulfilment};
use crate::entitlement::Holdings;
use crate::ids::{OrderId, PostingId, SellerId, ToolId};
use crate::interval::Interval;
use crate::item::ItemRef;
use crate::money::{Currency, Money};
use crate::payment::PaymentMethod;
use crate::purchase::Period;
use crate::revenue::{
    Account, Entry, FeeRate, Posting, SellerKind, SellerTerms, balance, bundle_sale_lines,
    refund_posting, sale_posting, split,
};

fn cents(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn sums_to_zero(entries: &[Entry], currency: Currency) -> bool {
    Money::sum(currency, entries.iter().map(|e| e.amount)).is_ok_and(|s| s.is_zero())
}

// --- R-K4: cart totals --------------------------------------------------------------------

/// A catalog of 1..=24 tools and up to 6 bundles over them, and a cart: some of those
/// items (each at most once, in random order) plus items the catalog no longer has.
fn arb_priced_cart() -> impl Strategy<Value = (Vec<ItemRef>, Vec<Offer>)> {
    prop::collection::vec(0_i64..200_000, 1..=24)
        .prop_flat_map(|prices| {
            let n = prices.len();
            let bundles = prop::collection::vec(
                (
                    subsequence((0..n).collect::<Vec<_>>(), 0..=n),
                    0_i64..400_000,
                ),
                0..=6,
            );
            (Just(prices), bundles, 0_u128..4)
        })
        .prop_flat_map(|(prices, bundles, missing)| {
            let tools: Vec<Tool> = prices
                .iter()
                .enumerate()
                .map(|(i, p)| tool(i as u128 + 1, Decimal::new(*p, 2)))
                .collect();
            let mut offers: Vec<Offer> = tools.iter().cloned().map(Offer::Tool).collect();
            for (k, (members, price)) in bundles.iter().enumerate() {
                if members.len() >= 2 {
                    let parts: Vec<&Tool> = members.iter().map(|i| &tools[*i]).collect();
                    let b = bundle(500 + k as u128, Decimal::new(*price, 2), &parts);
                    offers.push(Offer::Bundle(b));
                }
            }
            let mut items: Vec<ItemRef> = offers.iter().map(Offer::item).collect();
            items.extend((0..missing).map(|m| ItemRef::Tool(tid(9_000 + m))));
            let len = items.len();
            (Just(offers), subsequence(items, 0..=len).prop_shuffle())
        })
        .prop_map(|(offers, lines)| (lines, offers))
}

fn sum_minor(values: impl IntoIterator<Item = Money>) -> i64 {
    values.into_iter().map(|m| m.to_minor().unwrap()).sum()
}

proptest! {
    /// R-K4: a cart's totals are the sums of its lines' live prices, and
    /// `subtotal - savings == total`, whatever the mix of tools, bundles and vanished items.
    #[test]
    fn r_k4_cart_totals_are_the_sums_of_their_lines((lines, offers) in arb_priced_cart()) {
        let view = CartView::price(&lines, &offers, Currency::USD);
        prop_assert_eq!(view.lines.iter().map(|l| l.item).collect::<Vec<_>>(), lines.clone());
        for line in &view.lines {
            match offers.iter().find(|o| o.item() == line.item) {
                Some(o) => {
                    prop_assert_eq!(line.price, o.price());
                    prop_assert_eq!(line.list_price.amount(), o.list_price().amount());
                    prop_assert!(line.available);
                }
                None => {
                    prop_assert!(line.price.is_zero() && line.list_price.is_zero());
                    prop_assert!(!line.available);
                }
            }
        }
        prop_assert_eq!(view.total.to_minor().unwrap(), sum_minor(view.lines.iter().map(|l| l.price)));
        prop_assert_eq!(
            view.subtotal.to_minor().unwrap(),
            sum_minor(view.lines.iter().map(|l| l.list_price))
        );
        prop_assert_eq!(view.subtotal.checked_sub(view.savings).unwrap(), view.total);
        // Independently of the view's lines: the live prices of the items in the cart.
        let expected = sum_minor(
            lines.iter().filter_map(|i| offers.iter().find(|o| o.item() == *i)).map(Offer::price),
        );
        prop_assert_eq!(view.total.to_minor().unwrap(), expected);
        // Only bundles save (or cost extra); a cart of tools alone saves nothing.
        if lines.iter().all(|i| matches!(i, ItemRef::Tool(_))) {
            prop_assert!(view.savings.is_zero());
        }
        prop_assert_eq!(view.currency, Currency::USD);
    }
}

// --- R-R1: recurring periods --------------------------------------------------------------

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The last day of a month, computed without chrono: the oracle for the clamping.
fn last_day(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

fn month_index(at: DateTime<Utc>) -> i64 {
    i64::from(at.year()) * 12 + i64::from(at.month0())
}

fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (
        1970_i32..2300,
        1_u32..=12,
        1_u32..=31,
        0_u32..24,
        0_u32..60,
        0_u32..60,
    )
        .prop_map(|(y, m, d, h, min, s)| {
            Utc.with_ymd_and_hms(y, m, d.min(last_day(y, m)), h, min, s)
                .single()
                .unwrap()
        })
}

/// `n` chained periods from `start`.
fn chain(start: DateTime<Utc>, interval: Interval, n: usize) -> Vec<Period> {
    let mut periods = vec![Period::starting(start, interval)];
    while periods.len() < n {
        let next = periods[periods.len() - 1].next(interval);
        periods.push(next);
    }
    periods
}

proptest! {
    /// R-R1: chained monthly periods tile time: each starts where the previous ended (no
    /// day skipped or paid twice), spans one calendar month of 28..=31 whole days at the
    /// same time of day, and ends on the start's day clamped to the month's last day.
    ///
    /// The anchor is not remembered, so clamping is sticky: the k-th end falls on
    /// `min(first day-of-month, shortest month length met so far)`; days never go up.
    #[test]
    fn r_r1_monthly_periods_chain_without_gap_or_overlap(
        start in arb_instant(),
        n in 1_usize..=40,
        probe in any::<prop::sample::Index>(),
    ) {
        let periods = chain(start, Interval::Monthly, n);
        let mut sticky_day = start.day();
        for (k, p) in periods.iter().enumerate() {
            if k > 0 {
                prop_assert_eq!(p.start(), periods[k - 1].end(), "gap or overlap at {}", k);
            }
            let (s, e) = (p.start(), p.end());
            prop_assert!(p.contains(s) && !p.contains(e));
            prop_assert_eq!(month_index(e), month_index(s) + 1, "one calendar month");
            prop_assert_eq!(e.time(), s.time());
            prop_assert_eq!((e - s).num_seconds() % 86_400, 0);
            prop_assert!((28..=31).contains(&(e - s).num_days()), "{} days", (e - s).num_days());
            let lim = last_day(e.year(), e.month());
            prop_assert_eq!(e.day(), s.day().min(lim), "clamped from the period's own start");
            sticky_day = sticky_day.min(lim);
            prop_assert_eq!(e.day(), sticky_day, "clamping is sticky along the chain");
            prop_assert!(e.day() <= s.day());
        }
        // Any instant of the span is in exactly one period.
        let last = periods[periods.len() - 1].end();
        let span = (last - start).num_seconds();
        let at = start + Duration::seconds(probe.index(usize::try_from(span).unwrap()) as i64);
        prop_assert_eq!(periods.iter().filter(|p| p.contains(at)).count(), 1);
        let days: i64 = periods.iter().map(|p| (p.end() - p.start()).num_days()).sum();
        prop_assert_eq!(days, (last - start).num_days());
    }

    /// R-R1: annual periods add a calendar year; Feb 29 becomes Feb 28 and stays there.
    #[test]
    fn r_r1_annual_periods_chain_and_clamp_the_leap_day(start in arb_instant(), n in 1_usize..=8) {
        let periods = chain(start, Interval::Annual, n);
        let mut sticky_day = start.day();
        for (k, p) in periods.iter().enumerate() {
            if k > 0 {
                prop_assert_eq!(p.start(), periods[k - 1].end());
            }
            let (s, e) = (p.start(), p.end());
            prop_assert_eq!((e.year(), e.month()), (s.year() + 1, s.month()));
            prop_assert!((365..=366).contains(&(e - s).num_days()));
            prop_assert_eq!(e.time(), s.time());
            sticky_day = sticky_day.min(last_day(e.year(), e.month()));
            prop_assert_eq!(e.day(), sticky_day);
        }
    }
}

// --- R-C5: catalog order --------------------------------------------------------------------

/// 1..=9 tools with distinct ids and deliberately colliding sort keys: names equal up to
/// case, prices equal up to scale (5 and 5.00), shared counters, ratings and dates.
fn arb_tools() -> impl Strategy<Value = Vec<Tool>> {
    let names = [
        "alpha", "Alpha", "ALPHA", "beta", "Beta", "gamma", "Ärger", "ärger",
    ];
    let prices = [(0_i64, 0_u32), (5, 0), (500, 2), (1_000, 2), (999, 2)];
    let ratings = [
        None,
        Some((45, 1)),
        Some((450, 2)),
        Some((3, 0)),
        Some((0, 0)),
    ];
    let one = (
        0..names.len(),
        0..prices.len(),
        0_u64..3,
        0..ratings.len(),
        0_i64..3,
    );
    (
        prop::collection::vec(one, 1..=9),
        subsequence((1_u128..=40).collect::<Vec<_>>(), 9),
    )
        .prop_map(move |(specs, ids)| {
            specs
                .into_iter()
                .zip(ids)
                .map(|((name, price, count, rating, day), id)| {
                    let (amount, scale) = prices[price];
                    let price = Money::new(Decimal::new(amount, scale), Currency::USD).unwrap();
                    let model = if price.is_zero() {
                        PriceModel::Free
                    } else {
                        PriceModel::OneTime
                    };
                    let mut t = tool_priced(id, model, price);
                    t.name = crate::catalog::ItemName::parse(names[name]).unwrap();
                    t.stats = ToolStats {
                        purchase_count: count,
                        avg_rating: ratings[rating].map(|(m, s)| Decimal::new(m, s)),
                        ..ToolStats::default()
                    };
                    t.created_at =
                        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::days(day);
                    t
                })
                .collect()
        })
}

/// Whether two tools tie on the sort key (the reference the store must agree with).
fn same_key(by: SortBy, a: &Tool, b: &Tool) -> bool {
    match by {
        // Without a search text every tool is as relevant as any other.
        SortBy::Relevance => true,
        SortBy::Name => a.name.as_str().to_lowercase() == b.name.as_str().to_lowercase(),
        SortBy::Price => a.price().amount() == b.price().amount(),
        SortBy::PurchaseCount => a.stats.purchase_count == b.stats.purchase_count,
        SortBy::Rating => a.stats.avg_rating == b.stats.avg_rating,
        SortBy::CreatedAt => a.created_at == b.created_at,
        SortBy::Popular => a.stats.view_count == b.stats.view_count,
    }
}

fn filter(sort_by: SortBy, sort_order: SortOrder) -> ToolFilter {
    ToolFilter {
        sort_by,
        sort_order,
        ..ToolFilter::default()
    }
}

proptest! {
    /// R-C5: for every sort key and direction, `ToolFilter::compare` is a total order:
    /// reflexive, antisymmetric, transitive, equal only for the same id; ties on the key
    /// break by id ascending in both directions; so a sort is the same whatever the input
    /// order, and pages never repeat or skip a row.
    #[test]
    fn r_c5_compare_is_a_total_order_with_an_id_tie_break(
        tools in arb_tools(),
        shuffled in arb_tools().prop_flat_map(|t| Just(t).prop_shuffle()),
    ) {
        for by in SortBy::ALL.iter().copied() {
            let (asc, desc) = (filter(by, SortOrder::Asc), filter(by, SortOrder::Desc));
            for f in [&asc, &desc] {
                for a in &tools {
                    prop_assert_eq!(f.compare(a, a), Ordering::Equal);
                    for b in &tools {
                        let ab = f.compare(a, b);
                        prop_assert_eq!(ab, f.compare(b, a).reverse(), "antisymmetric");
                        prop_assert_eq!(ab == Ordering::Equal, a.id == b.id);
                        if same_key(by, a, b) {
                            prop_assert_eq!(ab, a.id.cmp(&b.id), "ties break by id ascending");
                        }
                        for c in &tools {
                            if ab != Ordering::Greater && f.compare(b, c) != Ordering::Greater {
                                prop_assert_ne!(f.compare(a, c), Ordering::Greater, "transitive");
                            }
                        }
                    }
                }
            }
            for a in &tools {
                for b in tools.iter().filter(|b| !same_key(by, a, b)) {
                    prop_assert_eq!(asc.compare(a, b), desc.compare(a, b).reverse());
                }
            }
            // The sorted order does not depend on the input order.
            let mut reversed: Vec<&Tool> = shuffled.iter().rev().collect();
            let mut forward: Vec<&Tool> = shuffled.iter().collect();
            reversed.sort_by(|a, b| desc.compare(a, b));
            forward.sort_by(|a, b| desc.compare(a, b));
            let ids = |v: &[&Tool]| v.iter().map(|t| t.id).collect::<Vec<ToolId>>();
            prop_assert_eq!(ids(&reversed), ids(&forward));
            prop_assert!(forward.windows(2).all(|w| desc.compare(w[0], w[1]) == Ordering::Less));
        }
    }
}

// --- R-M3..R-M5: what the revenue module's own property tests leave out ----------------

fn arb_currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::USD),
        Just(Currency::parse("JPY").unwrap()),
        Just(Currency::parse("KWD").unwrap()),
    ]
}

fn seller_id(n: u128) -> SellerId {
    SellerId::from_uuid(Uuid::from_u128(0x5E11_0000 + n))
}

/// Terms for seller `n`: seller 0 is the platform itself.
fn terms(n: u128, bp: i64) -> SellerTerms {
    SellerTerms {
        seller_id: seller_id(n),
        kind: if n == 0 {
            SellerKind::Platform
        } else {
            SellerKind::ThirdParty
        },
        fee_rate: FeeRate::new(Decimal::new(bp, 4)).unwrap(),
    }
}

/// 2..=60 tools of a bundle: list price (minor units), seller 0..4, that seller's rate.
fn arb_bundle_parts() -> impl Strategy<Value = Vec<(i64, u128, i64)>> {
    prop::collection::vec((0_i64..5_000_000, 0_u128..4, 0_i64..=10_000), 2..=60)
}

proptest! {
    /// R-M3 in currencies of 0, 2 and 3 minor units: fee + payout == gross exactly, the fee
    /// is a whole number of minor units within half a unit of gross × rate.
    #[test]
    fn r_m3_split_sums_to_gross_in_every_minor_unit(
        currency in arb_currency(),
        minor in 0_i64..1_000_000_000_000,
        bp in 0_i64..=10_000,
    ) {
        let gross = Money::from_minor(minor, currency);
        let rate = FeeRate::new(Decimal::new(bp, 4)).unwrap();
        let s = split(gross, rate);
        prop_assert_eq!(s.fee.checked_add(s.payout).unwrap(), gross);
        prop_assert!(s.fee.to_minor().is_ok() && s.payout.to_minor().is_ok());
        prop_assert!(!s.fee.is_negative() && !s.payout.is_negative());
        let half_unit = Decimal::new(5, currency.minor_units() + 1);
        prop_assert!((s.fee.amount() - gross.amount() * rate.value()).abs() <= half_unit);
    }

    /// R-M4 through `bundle_sale_lines`, for bundles as large as a whole catalog (54 tools) and
    /// priced above or below their list: one line per tool in order, each keeping its
    /// seller, no part negative, the parts summing to the bundle price exactly.
    #[test]
    fn r_m4_bundle_sale_lines_allocate_the_bundle_price_exactly(
        currency in arb_currency(),
        parts in arb_bundle_parts(),
        price in 0_i64..500_000_000,
    ) {
        let tools: Vec<(ToolId, Money, SellerTerms)> = parts
            .iter()
            .enumerate()
            .map(|(i, (list, s, bp))| {
                (ToolId::from_uuid(Uuid::from_u128(i as u128 + 1)), Money::from_minor(*list, currency), terms(*s, *bp))
            })
            .collect();
        let bundle_price = Money::from_minor(price, currency);
        let lines = bundle_sale_lines(bundle_price, &tools).unwrap();
        prop_assert_eq!(lines.len(), tools.len());
        for (line, (tool_id, _, seller)) in lines.iter().zip(&tools) {
            prop_assert_eq!(line.tool_id, *tool_id);
            prop_assert_eq!(line.seller, *seller);
            prop_assert!(!line.gross.is_negative());
            prop_assert_eq!(line.gross.currency(), currency);
        }
        prop_assert_eq!(Money::sum(currency, lines.iter().map(|l| l.gross)).unwrap(), bundle_price);
        // A tool listed at zero gets nothing unless every tool is listed at zero.
        if parts.iter().any(|(list, ..)| *list > 0) {
            for (line, (list, ..)) in lines.iter().zip(&parts) {
                if *list == 0 {
                    prop_assert!(line.gross.is_zero());
                }
            }
        }
    }

    /// R-M5 for a bundle sale: the posting of its allocated lines balances, the buyer paid
    /// the bundle price, platform and sellers were credited all of it, each tool's fee and
    /// payout add up to its part, and a full refund balances and empties every account.
    #[test]
    fn r_m5_a_bundle_sale_and_its_full_refund_balance(
        parts in arb_bundle_parts(),
        price in 1_i64..500_000_000,
    ) {
        let tools: Vec<(ToolId, Money, SellerTerms)> = parts
            .iter()
            .enumerate()
            .map(|(i, (list, s, bp))| {
                (ToolId::from_uuid(Uuid::from_u128(i as u128 + 1)), cents(*list), terms(*s, *bp))
            })
            .collect();
        let lines = bundle_sale_lines(cents(price), &tools).unwrap();
        let at = now();
        let order_id = OrderId::from_uuid(Uuid::from_u128(1));
        let sale = sale_posting(PostingId::from_uuid(Uuid::from_u128(1)), order_id, None, org_id(), at, &lines)
            .unwrap();
        let e = sale.entries();
        prop_assert!(sums_to_zero(e, Currency::USD));
        prop_assert_eq!(balance(e, &Account::BuyerPayments, Currency::USD), cents(price));
        let credited: Money = Money::sum(
            Currency::USD,
            e.iter().filter(|x| x.account != Account::BuyerPayments).map(|x| x.amount),
        ).unwrap();
        prop_assert_eq!(credited, cents(-price));
        for line in &lines {
            let of_tool: Vec<Entry> = e.iter().filter(|x| x.tool_id == Some(line.tool_id)).copied().collect();
            prop_assert!(sums_to_zero(&of_tool, Currency::USD), "per tool: fee + payout == part");
            prop_assert_eq!(balance(&of_tool, &Account::BuyerPayments, Currency::USD), line.gross);
            if line.seller.kind == SellerKind::Platform {
                prop_assert!(of_tool.iter().all(|x| !matches!(x.account, Account::SellerPayable(_))));
            }
        }
        let refund = refund_posting(PostingId::from_uuid(Uuid::from_u128(2)), &sale, cents(price), at).unwrap();
        prop_assert!(sums_to_zero(refund.entries(), Currency::USD));
        prop_assert_eq!(balance(refund.entries(), &Account::Refunds, Currency::USD), cents(-price));
        let both: Vec<Entry> = e.iter().chain(refund.entries()).copied().collect();
        let mut accounts: Vec<Account> = e.iter().map(|x| x.account).collect();
        accounts.sort_unstable();
        accounts.dedup();
        for account in accounts.into_iter().filter(|a| *a != Account::BuyerPayments) {
            prop_assert!(balance(&both, &account, Currency::USD).is_zero(), "{:?}", account);
        }
    }
}

/// An order of tool and bundle lines over a catalog of tools sold by sellers 0..4.
fn arb_order() -> impl Strategy<Value = (Order, Vec<Offer>, Vec<SellerTerms>)> {
    let catalog = prop::collection::vec((0_i64..100_000, 0_u128..4), 4..=20);
    let rates = prop::collection::vec(0_i64..=10_000, 4);
    (catalog, rates).prop_flat_map(|(tools, rates)| {
        let n = tools.len();
        let bundles = prop::collection::vec(
            (
                subsequence((0..n).collect::<Vec<_>>(), 2..=n),
                0_i64..300_000,
            ),
            0..=3,
        );
        (
            Just(tools),
            Just(rates),
            bundles,
            subsequence((0..n).collect::<Vec<_>>(), 0..=n),
        )
            .prop_map(|(tools, rates, bundles, bought)| {
                let catalog: Vec<Tool> = tools
                    .iter()
                    .enumerate()
                    .map(|(i, (price, s))| {
                        let mut t = tool(i as u128 + 1, Decimal::new(*price, 2));
                        t.seller_id = seller_id(*s);
                        t
                    })
                    .collect();
                let mut offers: Vec<Offer> = Vec::new();
                for i in bought {
                    offers.push(Offer::Tool(catalog[i].clone()));
                }
                for (k, (members, price)) in bundles.iter().enumerate() {
                    let parts: Vec<&Tool> = members.iter().map(|i| &catalog[*i]).collect();
                    offers.push(Offer::Bundle(bundle(
                        700 + k as u128,
                        Decimal::new(*price, 2),
                        &parts,
                    )));
                }
                let lines: Vec<OrderLine> = offers
                    .iter()
                    .map(|o| OrderLine {
                        item: o.item(),
                        name: o.name().to_string(),
                        price_at_purchase: o.price(),
                        plan: None,
                    })
                    .collect();
                // Restored rather than placed: the plan must also hold for an order of no
                // line at all.
                let total =
                    Money::sum(Currency::USD, lines.iter().map(|l| l.price_at_purchase)).unwrap();
                let order = Order::restore(OrderParts {
                    id: OrderId::from_uuid(Uuid::from_u128(0x0D1)),
                    org_id: org_id(),
                    user_id: user_id(),
                    status: OrderStatus::PendingPayment,
                    payment_method: PaymentMethod::CreditCard,
                    lines,
                    total,
                    refunded: Money::zero(Currency::USD),
                    payment: None,
                    failure_reason: None,
                    created_at: now(),
                    updated_at: now(),
                });
                let terms: Vec<SellerTerms> = rates
                    .iter()
                    .enumerate()
                    .map(|(s, bp)| terms(s as u128, *bp))
                    .collect();
                (order, offers, terms)
            })
    })
}

proptest! {
    /// R-M5 and R-O4 together: a fulfilment plan has one purchase per order line and one
    /// balanced sale posting per paid line, for exactly what the buyer paid for it; the
    /// postings together take the order total.
    #[test]
    fn r_m5_every_posting_of_a_fulfilment_plan_balances((order, offers, terms) in arb_order()) {
        let plan = plan_fulfilment(
            &order,
            &offers,
            &terms,
            &Holdings::default(),
            &ids(),
            now(),
        )
        .unwrap();
        prop_assert_eq!(plan.purchases.len(), order.lines().len());
        let paid: Vec<&OrderLine> = order.lines().iter().filter(|l| !l.price_at_purchase.is_zero()).collect();
        prop_assert_eq!(plan.postings.len(), paid.len());
        for posting in &plan.postings {
            prop_assert!(sums_to_zero(posting.entries(), Currency::USD));
            let purchase = plan.purchases.iter().find(|p| Some(p.id()) == posting.purchase_id()).unwrap();
            prop_assert_eq!(balance(posting.entries(), &Account::BuyerPayments, Currency::USD), purchase.amount());
            prop_assert_eq!(posting.order_id(), Some(order.id()));
        }
        let all: Vec<Entry> = plan.postings.iter().flat_map(Posting::entries).copied().collect();
        prop_assert_eq!(balance(&all, &Account::BuyerPayments, Currency::USD), order.total());
        // R-E1: with nothing held before, every tool of every line is entitled.
        let granted: usize = offers.iter().map(|o| o.tool_ids().len()).sum();
        prop_assert_eq!(plan.entitlements.len(), granted);
    }
}
