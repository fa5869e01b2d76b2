//! The double-entry revenue ledger (R-M5): accounts, balanced postings, and the builders of
//! sale and refund postings. See the module doc for the sign convention.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::RevenueError;
use super::allocation::{allocate, largest_remainder};
use super::fee::{SellerKind, SellerTerms, split};
use crate::ids::{OrderId, OrgId, PostingId, PurchaseId, SellerId, ToolId};
use crate::money::{Currency, Money, MoneyError};

/// A ledger account. Seller accounts are one per seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// Clearing: everything buyers paid (debit-normal).
    BuyerPayments,
    /// The platform's fees and the whole price of its own tools.
    PlatformRevenue,
    /// What the platform owes a seller and has not yet sent.
    SellerPayable(SellerId),
    /// What was given back to buyers.
    Refunds,
    /// Payouts sent to a seller that have not yet arrived.
    PayoutsInTransit(SellerId),
    /// Payouts a seller has received.
    PaidOut(SellerId),
}

impl Account {
    /// The stable code adapters store, with [`Account::seller`] beside it.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BuyerPayments => "buyer_payments",
            Self::PlatformRevenue => "platform_revenue",
            Self::SellerPayable(_) => "seller_payable",
            Self::Refunds => "refunds",
            Self::PayoutsInTransit(_) => "payouts_in_transit",
            Self::PaidOut(_) => "paid_out",
        }
    }

    /// The seller a seller account belongs to; `None` for the platform's accounts.
    #[must_use]
    pub const fn seller(&self) -> Option<SellerId> {
        match self {
            Self::SellerPayable(s) | Self::PayoutsInTransit(s) | Self::PaidOut(s) => Some(*s),
            Self::BuyerPayments | Self::PlatformRevenue | Self::Refunds => None,
        }
    }

    /// Rebuilds an account from its stored [`code`](Self::code) and seller.
    ///
    /// # Errors
    /// [`RevenueError::InvalidAccount`] for an unknown code, a seller account without a
    /// seller, or a platform account with one.
    pub fn from_parts(code: &str, seller: Option<SellerId>) -> Result<Self, RevenueError> {
        match (code, seller) {
            ("buyer_payments", None) => Ok(Self::BuyerPayments),
            ("platform_revenue", None) => Ok(Self::PlatformRevenue),
            ("refunds", None) => Ok(Self::Refunds),
            ("seller_payable", Some(s)) => Ok(Self::SellerPayable(s)),
            ("payouts_in_transit", Some(s)) => Ok(Self::PayoutsInTransit(s)),
            ("paid_out", Some(s)) => Ok(Self::PaidOut(s)),
            _ => Err(RevenueError::InvalidAccount {
                code: code.to_owned(),
                seller,
            }),
        }
    }
}

/// One line of a posting. `amount` is signed: positive debits `account`, negative credits
/// it. `tool_id` says which tool the money was for, so statements can report per tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub account: Account,
    pub amount: Money,
    pub tool_id: Option<ToolId>,
}

impl Entry {
    /// Debits `amount` to `account`.
    #[must_use]
    pub const fn debit(account: Account, amount: Money, tool_id: Option<ToolId>) -> Self {
        Self {
            account,
            amount,
            tool_id,
        }
    }

    /// Credits `amount` to `account` (stores it negated).
    #[must_use]
    pub fn credit(account: Account, amount: Money, tool_id: Option<ToolId>) -> Self {
        let amount = if amount.is_zero() {
            amount
        } else {
            amount.negated()
        };
        Self {
            account,
            amount,
            tool_id,
        }
    }
}

/// What a posting records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingKind {
    /// A fulfilled order.
    Sale,
    /// A full or partial refund of a sale.
    Refund,
    /// Money sent to, or arrived at, a seller.
    Payout,
    /// A payout that failed and came back.
    PayoutReversal,
}
crate::labelled!(PostingKind, "posting kind", {
    Sale => "SALE", Refund => "REFUND", Payout => "PAYOUT", PayoutReversal => "PAYOUT_REVERSAL",
});

/// A set of entries that sums to zero in each currency. A `Posting` in hand always
/// balances: its fields are private and every constructor checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    id: PostingId,
    kind: PostingKind,
    order_id: Option<OrderId>,
    purchase_id: Option<PurchaseId>,
    org_id: Option<OrgId>,
    occurred_at: DateTime<Utc>,
    entries: Vec<Entry>,
}

impl Posting {
    /// # Errors
    /// [`RevenueError::EmptyPosting`] without entries, [`RevenueError::Unbalanced`] when
    /// the entries of a currency do not sum to zero, [`RevenueError::Money`] for an amount
    /// finer than its currency's minor unit.
    pub fn new(
        id: PostingId,
        kind: PostingKind,
        order_id: Option<OrderId>,
        purchase_id: Option<PurchaseId>,
        org_id: Option<OrgId>,
        occurred_at: DateTime<Utc>,
        entries: Vec<Entry>,
    ) -> Result<Self, RevenueError> {
        if entries.is_empty() {
            return Err(RevenueError::EmptyPosting);
        }
        let mut sums: BTreeMap<Currency, Money> = BTreeMap::new();
        for entry in &entries {
            entry.amount.to_minor()?;
            let currency = entry.amount.currency();
            let sum = sums
                .entry(currency)
                .or_insert_with(|| Money::zero(currency));
            *sum = sum.checked_add(entry.amount)?;
        }
        if let Some((currency, sum)) = sums.into_iter().find(|(_, sum)| !sum.is_zero()) {
            return Err(RevenueError::Unbalanced {
                currency,
                sum: sum.amount(),
            });
        }
        Ok(Self {
            id,
            kind,
            order_id,
            purchase_id,
            org_id,
            occurred_at,
            entries,
        })
    }

    /// Rebuilds a stored posting, checking it as [`Posting::new`] does: storage is not
    /// trusted to have kept it balanced.
    ///
    /// # Errors
    /// As [`Posting::new`].
    pub fn restore(
        id: PostingId,
        kind: PostingKind,
        order_id: Option<OrderId>,
        purchase_id: Option<PurchaseId>,
        org_id: Option<OrgId>,
        occurred_at: DateTime<Utc>,
        entries: Vec<Entry>,
    ) -> Result<Self, RevenueError> {
        Self::new(
            id,
            kind,
            order_id,
            purchase_id,
            org_id,
            occurred_at,
            entries,
        )
    }

    #[must_use]
    pub const fn id(&self) -> PostingId {
        self.id
    }

    #[must_use]
    pub const fn kind(&self) -> PostingKind {
        self.kind
    }

    #[must_use]
    pub const fn order_id(&self) -> Option<OrderId> {
        self.order_id
    }

    #[must_use]
    pub const fn purchase_id(&self) -> Option<PurchaseId> {
        self.purchase_id
    }

    #[must_use]
    pub const fn org_id(&self) -> Option<OrgId> {
        self.org_id
    }

    #[must_use]
    pub const fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }

    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// One tool's part of a sale: what the buyer paid for it and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleLine {
    pub tool_id: ToolId,
    pub seller: SellerTerms,
    pub gross: Money,
}

/// R-M5: the posting of a fulfilled order. Per line: debit `BuyerPayments` the gross,
/// credit `PlatformRevenue` the fee and `SellerPayable(seller)` the payout (R-M3); a
/// platform tool credits its whole gross to `PlatformRevenue` (R-M2). A third-party line
/// always gets its payable entry, even of zero, so statements can attribute it.
///
/// # Errors
/// [`RevenueError::EmptyPosting`] for no lines, [`RevenueError::CurrencyMismatch`] when
/// lines differ in currency, [`RevenueError::NegativeAmount`] for a negative gross,
/// [`RevenueError::ConflictingSeller`] for one tool under two sellers,
/// [`RevenueError::Money`] for an amount finer than the minor unit.
pub fn sale_posting(
    id: PostingId,
    order_id: OrderId,
    purchase_id: Option<PurchaseId>,
    org_id: OrgId,
    at: DateTime<Utc>,
    lines: &[SaleLine],
) -> Result<Posting, RevenueError> {
    let Some(first) = lines.first() else {
        return Err(RevenueError::EmptyPosting);
    };
    let currency = first.gross.currency();
    let mut sellers: HashMap<ToolId, SellerId> = HashMap::new();
    let mut entries = Vec::with_capacity(lines.len() * 3);
    for line in lines {
        if line.gross.currency() != currency {
            return Err(RevenueError::CurrencyMismatch {
                expected: currency,
                found: line.gross.currency(),
            });
        }
        if line.gross.is_negative() {
            return Err(RevenueError::NegativeAmount(line.gross));
        }
        let seller_id = line.seller.seller_id;
        if *sellers.entry(line.tool_id).or_insert(seller_id) != seller_id {
            return Err(RevenueError::ConflictingSeller {
                tool_id: line.tool_id,
            });
        }
        let tool = Some(line.tool_id);
        let parts = split(line.gross, line.seller.effective_rate());
        entries.push(Entry::debit(Account::BuyerPayments, parts.gross, tool));
        entries.push(Entry::credit(Account::PlatformRevenue, parts.fee, tool));
        if line.seller.kind == SellerKind::ThirdParty {
            entries.push(Entry::credit(
                Account::SellerPayable(seller_id),
                parts.payout,
                tool,
            ));
        }
    }
    Posting::new(
        id,
        PostingKind::Sale,
        Some(order_id),
        purchase_id,
        Some(org_id),
        at,
        entries,
    )
}

/// R-M4: a bundle's price as sale lines, one per tool, allocated in proportion to the
/// tools' list prices; [`sale_posting`] then splits each by its seller's rate (R-M3).
///
/// # Errors
/// As [`allocate`].
pub fn bundle_sale_lines(
    bundle_price: Money,
    tools: &[(ToolId, Money, SellerTerms)],
) -> Result<Vec<SaleLine>, RevenueError> {
    let weights: Vec<(ToolId, Money)> =
        tools.iter().map(|(tool, list, _)| (*tool, *list)).collect();
    let parts = allocate(bundle_price, &weights)?;
    Ok(tools
        .iter()
        .zip(parts)
        .map(|((tool_id, _, seller), (_, gross))| SaleLine {
            tool_id: *tool_id,
            seller: *seller,
            gross,
        })
        .collect())
}

/// R-M5: the first refund of a sale. See [`refund_posting_after`].
///
/// # Errors
/// As [`refund_posting_after`].
pub fn refund_posting(
    id: PostingId,
    original: &Posting,
    refund: Money,
    at: DateTime<Utc>,
) -> Result<Posting, RevenueError> {
    refund_posting_after(id, original, &[], refund, at)
}

/// R-M5: the reverse of a sale in proportion, after the `earlier` refunds of the same sale.
///
/// What is still refundable of each credit of the sale (`PlatformRevenue`, each
/// `SellerPayable`, per tool) is the sale's credit less what earlier refunds took back.
/// `refund` is allocated across those by largest remainder, to the minor unit; each share
/// is debited back to its account (a share of zero too, to keep the tool's seller on
/// record) and `Refunds` is credited per tool. So the shares sum to `refund` exactly, no
/// account is ever refunded more than the sale credited it, and refunds in sequence can
/// never exceed the sale's gross.
///
/// # Errors
/// [`RevenueError::NotASale`] when `original` is not a sale, [`RevenueError::NotARefundOf`]
/// when an `earlier` posting does not refund it, [`RevenueError::RefundNotPositive`],
/// [`RevenueError::CurrencyMismatch`] when the sale has nothing in the refund's currency,
/// [`RevenueError::RefundExceedsRefundable`], [`RevenueError::Money`] for an amount finer
/// than the minor unit.
pub fn refund_posting_after(
    id: PostingId,
    original: &Posting,
    earlier: &[Posting],
    refund: Money,
    at: DateTime<Utc>,
) -> Result<Posting, RevenueError> {
    if original.kind != PostingKind::Sale {
        return Err(RevenueError::NotASale(original.id));
    }
    if refund.is_negative() || refund.is_zero() {
        return Err(RevenueError::RefundNotPositive(refund));
    }
    let currency = refund.currency();
    let refund_minor = refund.to_minor()?;

    // What each (account, tool) credit of the sale still holds, in first-seen order.
    let mut credits: Vec<(Account, Option<ToolId>, i64)> = Vec::new();
    for entry in original
        .entries
        .iter()
        .filter(|e| e.amount.currency() == currency)
    {
        if entry.account == Account::BuyerPayments {
            continue;
        }
        let credited = entry
            .amount
            .to_minor()?
            .checked_neg()
            .ok_or(MoneyError::Overflow)?;
        match credits
            .iter_mut()
            .find(|(a, t, _)| (*a, *t) == (entry.account, entry.tool_id))
        {
            Some((_, _, held)) => *held = held.checked_add(credited).ok_or(MoneyError::Overflow)?,
            None => credits.push((entry.account, entry.tool_id, credited)),
        }
    }
    if credits.is_empty() {
        let expected = original
            .entries
            .first()
            .map_or(currency, |e| e.amount.currency());
        return Err(RevenueError::CurrencyMismatch {
            expected,
            found: currency,
        });
    }
    for posting in earlier {
        let not_ours = RevenueError::NotARefundOf {
            refund: posting.id,
            sale: original.id,
        };
        let same_sale = (posting.order_id, posting.purchase_id, posting.org_id)
            == (original.order_id, original.purchase_id, original.org_id);
        if posting.kind != PostingKind::Refund || !same_sale {
            return Err(not_ours);
        }
        for entry in posting
            .entries
            .iter()
            .filter(|e| e.amount.currency() == currency)
        {
            if entry.account == Account::Refunds {
                continue;
            }
            let (_, _, held) = credits
                .iter_mut()
                .find(|(a, t, _)| (*a, *t) == (entry.account, entry.tool_id))
                .ok_or_else(|| not_ours.clone())?;
            *held = held
                .checked_sub(entry.amount.to_minor()?)
                .ok_or(MoneyError::Overflow)?;
        }
    }

    let held: Vec<i64> = credits.iter().map(|(_, _, h)| (*h).max(0)).collect();
    let refundable = held.iter().try_fold(0_i64, |sum, h| sum.checked_add(*h));
    let refundable = refundable.ok_or(MoneyError::Overflow)?;
    if refund_minor > refundable {
        return Err(RevenueError::RefundExceedsRefundable {
            requested: refund,
            refundable: Money::from_minor(refundable, currency),
        });
    }
    let shares = largest_remainder(refund_minor, &held);

    let mut entries = Vec::with_capacity(credits.len() * 2);
    let mut per_tool: Vec<(Option<ToolId>, i64)> = Vec::new();
    for ((account, tool_id, _), share) in credits.iter().zip(shares) {
        entries.push(Entry::debit(
            *account,
            Money::from_minor(share, currency),
            *tool_id,
        ));
        match per_tool.iter_mut().find(|(t, _)| t == tool_id) {
            Some((_, sum)) => *sum += share,
            None => per_tool.push((*tool_id, share)),
        }
    }
    for (tool_id, sum) in per_tool {
        entries.push(Entry::credit(
            Account::Refunds,
            Money::from_minor(sum, currency),
            tool_id,
        ));
    }
    Posting::new(
        id,
        PostingKind::Refund,
        original.order_id,
        original.purchase_id,
        original.org_id,
        at,
        entries,
    )
}

/// An account's balance in `currency`: the sum of its entries (R-M5). Balances are always
/// derived, never stored. Debit-normal accounts come out positive, credit-normal negative.
#[must_use]
pub fn balance<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    account: &Account,
    currency: Currency,
) -> Money {
    let amount = entries
        .into_iter()
        .filter(|e| e.account == *account && e.amount.currency() == currency)
        .map(|e| e.amount.amount())
        .sum();
    Money::unrounded(amount, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revenue::FeeRate;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use rust_decimal::{Decimal, dec};
    use uuid::Uuid;

    fn usd(amount: Decimal) -> Money {
        Money::new(amount, Currency::USD).unwrap()
    }
    fn cents(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
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
    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 12, 0, 0).unwrap()
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
            fee_rate: FeeRate::DEFAULT,
        }
    }
    fn sale(id: u128, lines: &[SaleLine]) -> Result<Posting, RevenueError> {
        let order = OrderId::from_uuid(Uuid::from_u128(500));
        let org = OrgId::from_uuid(Uuid::from_u128(600));
        sale_posting(pid(id), order, None, org, at(), lines)
    }
    fn posting(entries: Vec<Entry>) -> Result<Posting, RevenueError> {
        Posting::new(pid(1), PostingKind::Payout, None, None, None, at(), entries)
    }
    fn bal(postings: &[&Posting], account: Account) -> Money {
        balance(
            postings.iter().flat_map(|p| p.entries()),
            &account,
            Currency::USD,
        )
    }
    /// Credit-normal accounts plus what left for buyers equal what buyers paid.
    fn ledger_holds(postings: &[&Posting], sellers: &[SellerId]) -> bool {
        let mut credits = vec![Account::PlatformRevenue, Account::Refunds];
        for s in sellers {
            credits.extend([
                Account::SellerPayable(*s),
                Account::PayoutsInTransit(*s),
                Account::PaidOut(*s),
            ]);
        }
        let credited =
            Money::sum(Currency::USD, credits.into_iter().map(|a| bal(postings, a))).unwrap();
        credited.negated() == bal(postings, Account::BuyerPayments)
    }

    #[test]
    fn account_codes_round_trip() {
        let s = seller(1);
        for account in [
            Account::BuyerPayments,
            Account::PlatformRevenue,
            Account::SellerPayable(s),
            Account::Refunds,
            Account::PayoutsInTransit(s),
            Account::PaidOut(s),
        ] {
            assert_eq!(
                Account::from_parts(account.code(), account.seller()),
                Ok(account)
            );
        }
        assert_eq!(Account::SellerPayable(s).code(), "seller_payable");
        assert_eq!(Account::PlatformRevenue.seller(), None);
        assert!(matches!(
            Account::from_parts("seller_payable", None),
            Err(RevenueError::InvalidAccount { .. })
        ));
        assert!(matches!(
            Account::from_parts("refunds", Some(s)),
            Err(RevenueError::InvalidAccount { .. })
        ));
        assert!(matches!(
            Account::from_parts("cash", None),
            Err(RevenueError::InvalidAccount { .. })
        ));
        for kind in PostingKind::ALL {
            assert_eq!(kind.as_str().parse::<PostingKind>(), Ok(*kind));
        }
        assert!("Sale".parse::<PostingKind>().is_err());
    }

    #[test]
    fn r_m5_unbalanced_posting_is_refused() {
        let entries = vec![
            Entry::debit(Account::BuyerPayments, usd(dec!(10.00)), None),
            Entry::credit(Account::PlatformRevenue, usd(dec!(9.99)), None),
        ];
        assert_eq!(
            posting(entries),
            Err(RevenueError::Unbalanced {
                currency: Currency::USD,
                sum: dec!(0.01)
            })
        );
        assert_eq!(posting(vec![]), Err(RevenueError::EmptyPosting));
        // Balanced in numbers, not per currency.
        let eur = Money::from_minor(1_000, Currency::EUR);
        let mixed = vec![
            Entry::debit(Account::BuyerPayments, usd(dec!(10.00)), None),
            Entry::credit(Account::PlatformRevenue, eur, None),
        ];
        assert!(matches!(
            posting(mixed),
            Err(RevenueError::Unbalanced { .. })
        ));
        // Finer than a cent.
        let fine = Money::unrounded(dec!(0.001), Currency::USD);
        let sub_cent = vec![
            Entry::debit(Account::BuyerPayments, fine, None),
            Entry::credit(Account::PlatformRevenue, fine, None),
        ];
        assert!(matches!(posting(sub_cent), Err(RevenueError::Money(_))));
        // Restore checks the same.
        let stored = vec![Entry::debit(Account::Refunds, usd(dec!(1)), None)];
        assert!(
            Posting::restore(pid(1), PostingKind::Refund, None, None, None, at(), stored).is_err()
        );
    }

    #[test]
    fn r_m5_balanced_posting_keeps_what_it_was_given() {
        let s = seller(1);
        let entries = vec![
            Entry::debit(Account::SellerPayable(s), usd(dec!(25.00)), None),
            Entry::credit(Account::PayoutsInTransit(s), usd(dec!(25.00)), None),
            Entry::debit(
                Account::BuyerPayments,
                Money::from_minor(500, Currency::EUR),
                None,
            ),
            Entry::credit(
                Account::PlatformRevenue,
                Money::from_minor(500, Currency::EUR),
                None,
            ),
        ];
        let p = posting(entries.clone()).unwrap();
        assert_eq!(p.entries(), entries.as_slice());
        assert_eq!(
            (p.id(), p.kind(), p.occurred_at()),
            (pid(1), PostingKind::Payout, at())
        );
        assert_eq!(entries[1].amount, usd(dec!(-25.00)));
    }

    #[test]
    fn r_m5_sale_posting_splits_each_line() {
        let lines = [
            SaleLine {
                tool_id: tool(1),
                seller: third(1, dec!(0.05)),
                gross: usd(dec!(19.99)),
            },
            SaleLine {
                tool_id: tool(2),
                seller: platform(),
                gross: usd(dec!(10.00)),
            },
        ];
        let p = sale(1, &lines).unwrap();
        assert_eq!(p.kind(), PostingKind::Sale);
        // The sale names the buyer org and its order: the tenant's ledger rows (R-T6) and a
        // later refund (R-M5) find it by them.
        assert_eq!(
            (p.org_id(), p.order_id()),
            (
                Some(OrgId::from_uuid(Uuid::from_u128(600))),
                Some(OrderId::from_uuid(Uuid::from_u128(500)))
            )
        );
        assert_eq!(
            p.entries(),
            &[
                Entry::debit(Account::BuyerPayments, usd(dec!(19.99)), Some(tool(1))),
                Entry::credit(Account::PlatformRevenue, usd(dec!(1.00)), Some(tool(1))),
                Entry::credit(
                    Account::SellerPayable(seller(1)),
                    usd(dec!(18.99)),
                    Some(tool(1))
                ),
                Entry::debit(Account::BuyerPayments, usd(dec!(10.00)), Some(tool(2))),
                Entry::credit(Account::PlatformRevenue, usd(dec!(10.00)), Some(tool(2))),
            ]
        );
        assert_eq!(bal(&[&p], Account::BuyerPayments), usd(dec!(29.99)));
        assert_eq!(bal(&[&p], Account::PlatformRevenue), usd(dec!(-11.00)));
        assert_eq!(
            bal(&[&p], Account::SellerPayable(seller(1))),
            usd(dec!(-18.99))
        );
        assert!(ledger_holds(&[&p], &[seller(1)]));
    }

    #[test]
    fn r_m2_platform_tool_sale_creates_no_payable() {
        let line = SaleLine {
            tool_id: tool(1),
            seller: platform(),
            gross: usd(dec!(49.99)),
        };
        let p = sale(1, &[line]).unwrap();
        assert_eq!(bal(&[&p], Account::PlatformRevenue), usd(dec!(-49.99)));
        assert_eq!(bal(&[&p], Account::SellerPayable(seller(99))), usd(dec!(0)));
        assert_eq!(p.entries().len(), 2);
    }

    #[test]
    fn r_m4_bundle_of_three_tools_worked_example() {
        // 50.00 bundle of list prices 10.00 / 20.00 / 30.00 → 8.33 / 16.67 / 25.00, then
        // 5% of 8.33 = 0.4165 → 0.42, 10% of 16.67 = 1.667 → 1.67, the platform's own 25.00.
        let tools = [
            (tool(1), usd(dec!(10.00)), third(1, dec!(0.05))),
            (tool(2), usd(dec!(20.00)), third(2, dec!(0.10))),
            (tool(3), usd(dec!(30.00)), platform()),
        ];
        let lines = bundle_sale_lines(usd(dec!(50.00)), &tools).unwrap();
        let gross: Vec<_> = lines.iter().map(|l| (l.tool_id, l.gross)).collect();
        assert_eq!(
            gross,
            vec![
                (tool(1), usd(dec!(8.33))),
                (tool(2), usd(dec!(16.67))),
                (tool(3), usd(dec!(25.00)))
            ]
        );
        let p = sale(1, &lines).unwrap();
        assert_eq!(bal(&[&p], Account::BuyerPayments), usd(dec!(50.00)));
        assert_eq!(
            bal(&[&p], Account::SellerPayable(seller(1))),
            usd(dec!(-7.91))
        );
        assert_eq!(
            bal(&[&p], Account::SellerPayable(seller(2))),
            usd(dec!(-15.00))
        );
        assert_eq!(bal(&[&p], Account::PlatformRevenue), usd(dec!(-27.09)));
    }

    #[test]
    fn r_m5_bad_sales_are_refused() {
        let line = |t, s, g| SaleLine {
            tool_id: tool(t),
            seller: s,
            gross: g,
        };
        assert_eq!(sale(1, &[]), Err(RevenueError::EmptyPosting));
        let eur = Money::from_minor(100, Currency::EUR);
        assert_eq!(
            sale(
                1,
                &[
                    line(1, third(1, dec!(0.05)), usd(dec!(1))),
                    line(2, third(1, dec!(0.05)), eur)
                ]
            ),
            Err(RevenueError::CurrencyMismatch {
                expected: Currency::USD,
                found: Currency::EUR
            })
        );
        assert_eq!(
            sale(1, &[line(1, third(1, dec!(0.05)), usd(dec!(-1)))]),
            Err(RevenueError::NegativeAmount(usd(dec!(-1))))
        );
        assert_eq!(
            sale(
                1,
                &[
                    line(1, third(1, dec!(0.05)), usd(dec!(1))),
                    line(1, third(2, dec!(0.05)), usd(dec!(1)))
                ]
            ),
            Err(RevenueError::ConflictingSeller { tool_id: tool(1) })
        );
    }

    #[test]
    fn r_m5_partial_refund_reverses_in_proportion() {
        // Sale 19.99 at 5%: fee 1.00, payout 18.99. Refund 10.00: exact shares 0.50025 and
        // 9.49975 → 0.50 and 9.49, the cent left goes to the larger remainder → 9.50.
        let line = SaleLine {
            tool_id: tool(1),
            seller: third(1, dec!(0.05)),
            gross: usd(dec!(19.99)),
        };
        let s = sale(1, &[line]).unwrap();
        let r = refund_posting(pid(2), &s, usd(dec!(10.00)), at()).unwrap();
        assert_eq!(r.kind(), PostingKind::Refund);
        assert_eq!(
            (r.order_id(), r.org_id(), r.purchase_id()),
            (s.order_id(), s.org_id(), None)
        );
        assert_eq!(
            r.entries(),
            &[
                Entry::debit(Account::PlatformRevenue, usd(dec!(0.50)), Some(tool(1))),
                Entry::debit(
                    Account::SellerPayable(seller(1)),
                    usd(dec!(9.50)),
                    Some(tool(1))
                ),
                Entry::credit(Account::Refunds, usd(dec!(10.00)), Some(tool(1))),
            ]
        );
        // The rest, 9.99, empties every account the sale credited.
        let rest =
            refund_posting_after(pid(3), &s, std::slice::from_ref(&r), usd(dec!(9.99)), at())
                .unwrap();
        let all = [&s, &r, &rest];
        assert_eq!(bal(&all, Account::PlatformRevenue), usd(dec!(0)));
        assert_eq!(bal(&all, Account::SellerPayable(seller(1))), usd(dec!(0)));
        assert_eq!(bal(&all, Account::Refunds), usd(dec!(-19.99)));
        assert_eq!(bal(&all, Account::BuyerPayments), usd(dec!(19.99)));
        assert!(ledger_holds(&all, &[seller(1)]));
        // And nothing is left.
        assert_eq!(
            refund_posting_after(pid(4), &s, &[r, rest], usd(dec!(0.01)), at()),
            Err(RevenueError::RefundExceedsRefundable {
                requested: usd(dec!(0.01)),
                refundable: usd(dec!(0))
            })
        );
    }

    #[test]
    fn r_m5_full_refund_of_a_bundle_reverses_every_line() {
        let tools = [
            (tool(1), usd(dec!(10.00)), third(1, dec!(0.05))),
            (tool(2), usd(dec!(20.00)), third(2, dec!(0.10))),
            (tool(3), usd(dec!(30.00)), platform()),
        ];
        let s = sale(1, &bundle_sale_lines(usd(dec!(50.00)), &tools).unwrap()).unwrap();
        let r = refund_posting(pid(2), &s, usd(dec!(50.00)), at()).unwrap();
        for account in [
            Account::PlatformRevenue,
            Account::SellerPayable(seller(1)),
            Account::SellerPayable(seller(2)),
        ] {
            assert_eq!(bal(&[&s, &r], account), usd(dec!(0)), "{account:?}");
        }
        let refunds: Vec<_> = r
            .entries()
            .iter()
            .filter(|e| e.account == Account::Refunds)
            .map(|e| (e.tool_id, e.amount))
            .collect();
        assert_eq!(
            refunds,
            vec![
                (Some(tool(1)), usd(dec!(-8.33))),
                (Some(tool(2)), usd(dec!(-16.67))),
                (Some(tool(3)), usd(dec!(-25.00)))
            ]
        );
    }

    #[test]
    fn r_m5_bad_refunds_are_refused() {
        let line = SaleLine {
            tool_id: tool(1),
            seller: third(1, dec!(0.05)),
            gross: usd(dec!(19.99)),
        };
        let s = sale(1, &[line]).unwrap();
        assert_eq!(
            refund_posting(pid(2), &s, usd(dec!(20.00)), at()),
            Err(RevenueError::RefundExceedsRefundable {
                requested: usd(dec!(20.00)),
                refundable: usd(dec!(19.99))
            })
        );
        assert_eq!(
            refund_posting(pid(2), &s, usd(dec!(0)), at()),
            Err(RevenueError::RefundNotPositive(usd(dec!(0))))
        );
        assert_eq!(
            refund_posting(pid(2), &s, Money::from_minor(100, Currency::EUR), at()),
            Err(RevenueError::CurrencyMismatch {
                expected: Currency::USD,
                found: Currency::EUR
            })
        );
        let r = refund_posting(pid(2), &s, usd(dec!(1.00)), at()).unwrap();
        assert_eq!(
            refund_posting(pid(3), &r, usd(dec!(1.00)), at()),
            Err(RevenueError::NotASale(pid(2)))
        );
        let other = sale(
            7,
            &[SaleLine {
                tool_id: tool(2),
                seller: third(1, dec!(0.05)),
                gross: usd(dec!(5)),
            }],
        )
        .unwrap();
        let other_refund = refund_posting(pid(8), &other, usd(dec!(1.00)), at()).unwrap();
        assert_eq!(
            refund_posting_after(pid(3), &s, &[other_refund], usd(dec!(1.00)), at()),
            Err(RevenueError::NotARefundOf {
                refund: pid(8),
                sale: pid(1)
            })
        );
        assert_eq!(
            refund_posting_after(pid(3), &s, &[other], usd(dec!(1.00)), at()),
            Err(RevenueError::NotARefundOf {
                refund: pid(7),
                sale: pid(1)
            })
        );
    }

    #[test]
    fn r_m5_balance_is_the_sum_of_entries() {
        let s = seller(1);
        let entries = [
            Entry::credit(Account::SellerPayable(s), usd(dec!(18.99)), Some(tool(1))),
            Entry::credit(Account::SellerPayable(s), usd(dec!(5.00)), Some(tool(2))),
            Entry::debit(Account::SellerPayable(s), usd(dec!(3.00)), None),
            Entry::credit(Account::SellerPayable(seller(2)), usd(dec!(100)), None),
            Entry::credit(
                Account::SellerPayable(s),
                Money::from_minor(700, Currency::EUR),
                None,
            ),
        ];
        assert_eq!(
            balance(&entries, &Account::SellerPayable(s), Currency::USD),
            usd(dec!(-20.99))
        );
        assert_eq!(
            balance(&entries, &Account::SellerPayable(s), Currency::EUR),
            Money::from_minor(-700, Currency::EUR)
        );
        assert_eq!(
            balance(&entries, &Account::Refunds, Currency::USD),
            usd(dec!(0))
        );
    }

    fn arb_lines() -> impl Strategy<Value = Vec<SaleLine>> {
        prop::collection::vec((0_i64..1_000_000, 0_i64..=10_000, any::<bool>()), 1..6).prop_map(
            |specs| {
                specs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (gross, bp, own))| {
                        let n = i as u128 + 1;
                        let seller = if own {
                            platform()
                        } else {
                            third(n % 3, Decimal::new(bp, 4))
                        };
                        SaleLine {
                            tool_id: tool(n),
                            seller,
                            gross: cents(gross),
                        }
                    })
                    .collect()
            },
        )
    }

    fn balances_per_currency(p: &Posting) -> bool {
        let sum = Money::sum(Currency::USD, p.entries().iter().map(|e| e.amount));
        sum.is_ok_and(|s| s.is_zero())
    }

    proptest! {
        #[test]
        fn every_sale_and_refund_balances_and_refunds_never_exceed_gross(
            lines in arb_lines(),
            fractions in prop::collection::vec(1_u32..=100, 1..6),
        ) {
            let s = sale(1, &lines).unwrap();
            prop_assert!(balances_per_currency(&s));
            let gross = bal(&[&s], Account::BuyerPayments);
            let gross_minor = gross.to_minor().unwrap();
            let mut refunds: Vec<Posting> = Vec::new();
            let mut refunded = 0_i64;
            for (k, pct) in fractions.iter().enumerate() {
                let left = gross_minor - refunded;
                let amount = left * i64::from(*pct) / 100;
                let id = pid(10 + k as u128);
                let result = refund_posting_after(id, &s, &refunds, cents(amount), at());
                if amount == 0 {
                    prop_assert_eq!(result, Err(RevenueError::RefundNotPositive(cents(0))));
                    continue;
                }
                let r = result.unwrap();
                prop_assert!(balances_per_currency(&r));
                prop_assert_eq!(bal(&[&r], Account::Refunds), cents(-amount));
                refunded += amount;
                refunds.push(r);
                // No account the sale credited is ever refunded past zero.
                let mut all: Vec<&Posting> = refunds.iter().collect();
                all.push(&s);
                for entry in s.entries().iter().filter(|e| e.account != Account::BuyerPayments) {
                    let b = bal(&all, entry.account);
                    prop_assert!(b.amount() <= Decimal::ZERO, "{:?} {}", entry.account, b);
                }
                let sellers: Vec<SellerId> = (0..3).map(seller).collect();
                prop_assert!(ledger_holds(&all, &sellers));
            }
            prop_assert!(refunded <= gross_minor);
            // One cent more than what is left is refused.
            let left = gross_minor - refunded;
            let over = refund_posting_after(pid(99), &s, &refunds, cents(left + 1), at());
            let refused = matches!(over, Err(RevenueError::RefundExceedsRefundable { .. }));
            prop_assert!(refused);
            // Refunding exactly what is left empties every account the sale credited.
            if left > 0 {
                let last = refund_posting_after(pid(98), &s, &refunds, cents(left), at()).unwrap();
                refunds.push(last);
                let mut all: Vec<&Posting> = refunds.iter().collect();
                all.push(&s);
                for entry in s.entries().iter().filter(|e| e.account != Account::BuyerPayments) {
                    prop_assert!(bal(&all, entry.account).is_zero());
                }
                prop_assert_eq!(bal(&all, Account::Refunds), gross.negated());
            }
        }
    }
}
