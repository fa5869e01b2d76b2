//! The revenue-share worked example (`marketplace-api revenue-example`): on a fresh
//! database, three sellers, a bundle of one tool of each, a sale, a partial refund, and
//! what the ledger and the sellers' statements say about it. The clock and the ids are
//! fixed, so the output is the same on every run (docs/revenue.md shows it).
//!
//! Everything goes through the use cases the HTTP API calls (catalog admin, orgs, cart,
//! checkout with platform credits, admin refund, seller statements and reports); only
//! the ledger listing reads the seller port directly.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::catalog::{
    BundleDraft, BundleStatus, IntegrationType, ItemRef, PriceModel, ToolCategory, ToolDraft,
    ToolStatus,
};
use marketplace_domain::checkout::{IdempotencyKey, PaymentMethod};
use marketplace_domain::ids::{OrgId, SellerId, ToolId, UserId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::paging::PageRequest;
use marketplace_domain::ports::{Clock, IdGenerator};
use marketplace_domain::revenue::{Account, Posting, SellerKind, YearMonth, balance};
use marketplace_domain::seller::{
    NewSeller, ReportBy, ReportKey, SellerRepository, SellerStatement, month_end, month_start,
};
use marketplace_domain::tier::Tier;
use marketplace_sea_orm::Database;
use marketplace_stripe::OfflineGateway;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::state::Services;

/// A clock the example moves by hand.
#[derive(Debug)]
pub(crate) struct ExampleClock(pub(crate) Mutex<DateTime<Utc>>);

impl ExampleClock {
    pub(crate) fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }
}

impl Clock for ExampleClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ids `00000000-0000-4000-8000-0000000000NN`, in the order they are made.
#[derive(Debug, Default)]
pub(crate) struct ExampleIds(AtomicU64);

impl IdGenerator for ExampleIds {
    fn new_uuid(&self) -> Uuid {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Uuid::from_u128((0x4000_u128 << 64) | (0x8000_u128 << 48) | u128::from(n))
    }
}

fn at(day: u32, hour: u32) -> anyhow::Result<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0)
        .single()
        .context("a valid instant")
}

fn usd(text: &str) -> anyhow::Result<Money> {
    Ok(Money::new(text.parse::<Decimal>()?, Currency::USD)?)
}

/// Money as `1234.50`, right-aligned in `width`.
pub(crate) fn amount(m: Money, width: usize) -> String {
    format!("{:>width$.2}", m.amount())
}

pub(crate) fn short(id: impl std::fmt::Display) -> String {
    let s = id.to_string();
    format!("…{}", &s[s.len().saturating_sub(4)..])
}

/// What the example sells.
struct Sellers {
    /// (id, name, fee rate).
    all: Vec<(SellerId, String, String)>,
    /// (tool id, tool name, seller index).
    tools: Vec<(ToolId, String, usize)>,
}

impl Sellers {
    fn name_of(&self, id: SellerId) -> &str {
        self.all
            .iter()
            .find(|s| s.0 == id)
            .map_or("?", |s| s.1.as_str())
    }

    fn tool_name(&self, id: Option<ToolId>) -> &str {
        id.and_then(|id| self.tools.iter().find(|t| t.0 == id))
            .map_or("", |t| t.1.as_str())
    }
}

/// Runs the example on `database_url` (a fresh database: `sqlite::memory:` by default)
/// and returns the report it prints.
///
/// # Errors
/// When the database cannot be set up or a step of the example fails.
pub async fn run(database_url: &str) -> anyhow::Result<String> {
    let db = Database::connect(database_url)
        .await
        .context("open the database")?;
    db.migrate().await.context("migrate")?;
    marketplace_migrations::seed_catalog(db.connection())
        .await
        .context("seed the catalog")?;
    let clock = Arc::new(ExampleClock(Mutex::new(at(1, 9)?)));
    let mut ports = crate::runtime::ports(&db, Arc::new(OfflineGateway::new()));
    ports.clock = clock.clone();
    ports.ids = Arc::new(ExampleIds::default());
    let ledger: Arc<dyn SellerRepository> = ports.sellers.clone();
    let svc = Services::new(ports);
    let admin = Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(0xAD)),
        org_id: OrgId::from_uuid(Uuid::from_u128(0xAD0)),
        org_role: OrgRole::Member,
        platform_role: PlatformRole::Admin,
    };
    let buyer = Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(0xB0)),
        org_id: OrgId::from_uuid(Uuid::from_u128(0xB00)),
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    };
    let mut out = String::new();
    writeln!(
        out,
        "Revenue-share worked example: a fresh database, March 2025 (UTC), fixed ids\n"
    )?;

    // 1. Three sellers, each managed by its own org, with one tool each.
    let specs = [
        (
            "Brightframe Studio",
            "0.05",
            "Listing Photo Enhancer",
            "29.99",
        ),
        (
            "Parcel Metrics",
            "0.08",
            "Neighbourhood Price Index",
            "49.99",
        ),
        ("Closing Desk", "0.125", "E-Signature Closing Pack", "79.99"),
    ];
    let mut sellers = Sellers {
        all: Vec::new(),
        tools: Vec::new(),
    };
    writeln!(out, "Sellers and their tools")?;
    for (i, (name, rate, tool, price)) in specs.into_iter().enumerate() {
        let org = OrgId::from_uuid(Uuid::from_u128(0x5E0 + i as u128));
        let seller = svc
            .sellers
            .create(
                &admin,
                NewSeller {
                    name: name.to_owned(),
                    kind: SellerKind::ThirdParty,
                    fee_rate: Some(rate.parse()?),
                    org_id: Some(org),
                    payout_minimum: None,
                },
            )
            .await?;
        let created = svc
            .catalog
            .create_tool(
                &admin,
                ToolDraft {
                    name: tool.to_owned(),
                    description: format!("{tool}, sold by {name}."),
                    long_description: None,
                    category: ToolCategory::ListingOptimization,
                    tags: Vec::new(),
                    price_model: PriceModel::OneTime,
                    price: price.parse()?,
                    currency: "USD".to_owned(),
                    required_tier: Tier::Starter,
                    integration_type: IntegrationType::Api,
                    status: ToolStatus::Active,
                    seller_id: seller.id(),
                    documentation_url: None,
                    demo_url: None,
                    support_url: None,
                    icon_url: None,
                    version: None,
                    is_featured: false,
                },
            )
            .await?;
        let pct = rate.parse::<Decimal>()? * Decimal::ONE_HUNDRED;
        writeln!(
            out,
            "  {:<20} fee {:<6} sells {:<26} list {}",
            name,
            format!("{}%", pct.normalize()),
            tool,
            price
        )?;
        sellers
            .all
            .push((seller.id(), name.to_owned(), rate.to_owned()));
        sellers.tools.push((created.id, tool.to_owned(), i));
    }

    // 2. A bundle of the three, below the sum of their list prices.
    let bundle = svc
        .catalog
        .create_bundle(
            &admin,
            BundleDraft {
                name: "Listing Launch Kit".to_owned(),
                description: "One tool of each seller.".to_owned(),
                price: "129.99".parse()?,
                currency: "USD".to_owned(),
                required_tier: Tier::Starter,
                status: BundleStatus::Active,
                tool_ids: sellers.tools.iter().map(|t| t.0).collect(),
                is_featured: false,
            },
        )
        .await?;
    writeln!(
        out,
        "\nBundle \"{}\": list {} (29.99 + 49.99 + 79.99), price {}\n",
        bundle.name(),
        amount(bundle.list_price(), 0),
        amount(bundle.price(), 0)
    )?;

    // 3. A buyer with platform credits buys it on March 10th …
    svc.orgs
        .upsert(&admin, buyer.org_id, "Demo Buyer Realty", Tier::Growth)
        .await?;
    svc.orgs
        .grant_credits(&admin, buyer.org_id, usd("500.00")?)
        .await?;
    clock.set(at(10, 14)?);
    svc.cart
        .add(&buyer, ItemRef::Bundle(bundle.id()))
        .await
        .map_err(|e| anyhow::anyhow!("add the bundle to the cart: {e}"))?;
    svc.checkout
        .checkout(
            &buyer,
            IdempotencyKey::parse("revenue-example-1").map_err(|e| anyhow::anyhow!("{e:?}"))?,
            PaymentMethod::PlatformCredits,
        )
        .await?;
    // … and gets 40.00 back on March 20th.
    clock.set(at(20, 11)?);
    let purchase = svc
        .purchases
        .list(&buyer, None, PageRequest::default())
        .await?
        .items
        .into_iter()
        .find(|p| p.item() == ItemRef::Bundle(bundle.id()))
        .context("the bundle's purchase")?;
    svc.purchases
        .refund(&admin, purchase.id(), Some(usd("40.00")?))
        .await?;

    // 4. The ledger.
    let march = YearMonth::new(2025, 3)?;
    let postings = ledger
        .postings_between(month_start(march), month_end(march))
        .await?;
    writeln!(
        out,
        "Ledger postings (debit +, credit −; each posting sums to zero)"
    )?;
    for p in &postings {
        let sum = Money::sum(Currency::USD, p.entries().iter().map(|e| e.amount))?;
        writeln!(
            out,
            "  {} {:<7} posting {}  (entries sum to {})",
            p.occurred_at().format("%Y-%m-%d %H:%M"),
            format!("{:?}", p.kind()).to_uppercase(),
            short(p.id()),
            amount(sum, 0)
        )?;
        for e in p.entries() {
            let account = match e.account {
                Account::SellerPayable(s) => format!("seller_payable ({})", sellers.name_of(s)),
                other => other.code().to_owned(),
            };
            writeln!(
                out,
                "      {:<38} {}  {}",
                account,
                amount(e.amount, 8),
                sellers.tool_name(e.tool_id)
            )?;
        }
    }
    let entries: Vec<_> = postings.iter().flat_map(Posting::entries).collect();
    let bal = |a: &Account| balance(entries.iter().copied(), a, Currency::USD);
    let paid = bal(&Account::BuyerPayments);
    let platform = bal(&Account::PlatformRevenue).negated();
    let refunds = bal(&Account::Refunds).negated();
    let payables: Vec<Money> = sellers
        .all
        .iter()
        .map(|s| bal(&Account::SellerPayable(s.0)).negated())
        .collect();
    let owed = Money::sum(Currency::USD, payables.iter().copied())?;
    writeln!(out, "\nBalances, from the entries")?;
    writeln!(out, "  {:<28} {}", "buyer payments", amount(paid, 8))?;
    writeln!(out, "  {:<28} {}", "platform revenue", amount(platform, 8))?;
    for (s, p) in sellers.all.iter().zip(&payables) {
        writeln!(
            out,
            "  {:<28} {}",
            format!("owed to {}", s.1),
            amount(*p, 8)
        )?;
    }
    writeln!(out, "  {:<28} {}", "refunds", amount(refunds, 8))?;
    let check = platform.checked_add(owed)?.checked_add(refunds)?;
    writeln!(
        out,
        "  platform + sellers + refunds = {} = buyer payments: {}",
        amount(check, 0),
        check == paid
    )?;

    // 5. The three statements, as the sellers' users read them (JSON or CSV over HTTP).
    writeln!(out, "\nStatements for {march}")?;
    for (i, (id, name, _)) in sellers.all.iter().enumerate() {
        let seller_user = Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(0x5E00 + i as u128)),
            org_id: OrgId::from_uuid(Uuid::from_u128(0x5E0 + i as u128)),
            org_role: OrgRole::Member,
            platform_role: PlatformRole::User,
        };
        let st: SellerStatement = svc.sellers.statement(&seller_user, march).await?;
        debug_assert_eq!(st.statement.seller_id, *id);
        writeln!(out, "  {name}")?;
        writeln!(
            out,
            "    {:<26} {:>5} {:>9} {:>9} {:>9} {:>9}",
            "tool", "units", "gross", "fees", "refunds", "net"
        )?;
        for l in &st.statement.lines {
            writeln!(
                out,
                "    {:<26} {:>5} {} {} {} {}",
                sellers.tool_name(Some(l.tool_id)),
                l.units,
                amount(l.gross, 9),
                amount(l.fees, 9),
                amount(l.refunds, 9),
                amount(l.net, 9)
            )?;
        }
        let t = &st.statement.totals;
        writeln!(
            out,
            "    {:<26} {:>5} {} {} {} {}",
            "TOTAL",
            t.units,
            amount(t.gross, 9),
            amount(t.fees, 9),
            amount(t.refunds, 9),
            amount(t.net, 9)
        )?;
        writeln!(
            out,
            "    opening {}  payouts {}  closing {}  (= the ledger's {})",
            amount(st.opening, 0),
            amount(st.payouts, 0),
            amount(st.closing, 0),
            amount(payables[i], 0)
        )?;
    }

    // 6. The platform's month.
    let report = svc
        .sellers
        .revenue_report(&admin, march, Currency::USD, ReportBy::Seller)
        .await?;
    writeln!(out, "\nRevenue report {march}, by seller (admin)")?;
    writeln!(
        out,
        "  {:<20} {:>5} {:>9} {:>9} {:>9} {:>9}",
        "seller", "units", "gross", "refunds", "platform", "sellers"
    )?;
    for row in &report.rows {
        let name = match row.key {
            ReportKey::Seller(Some(s)) => sellers.name_of(s).to_owned(),
            ReportKey::Seller(None) => "Platform (own tools)".to_owned(),
            ReportKey::Tool(t) => t.to_string(),
        };
        writeln!(
            out,
            "  {:<20} {:>5} {} {} {} {}",
            name,
            row.units,
            amount(row.gross, 9),
            amount(row.refunds, 9),
            amount(row.platform_revenue, 9),
            amount(row.seller_net, 9)
        )?;
    }
    let t = &report.totals;
    writeln!(
        out,
        "  {:<20} {:>5} {} {} {} {}",
        "TOTAL",
        t.units,
        amount(t.gross, 9),
        amount(t.refunds, 9),
        amount(t.platform_revenue, 9),
        amount(t.seller_net, 9)
    )?;
    writeln!(
        out,
        "\nPayouts: from April 5th, `marketplace-api payouts --month 2025-03` would transfer each\n\
         onboarded seller's closing balance (all three are above the 25.00 USD minimum) through\n\
         Stripe Connect under the key payout-{{seller}}-2025-03; offline, Connect is not configured."
    )?;
    db.close().await.ok();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_worked_example_balances_and_is_reproducible() {
        let first = run("sqlite::memory:").await.unwrap();
        let second = run("sqlite::memory:").await.unwrap();
        assert_eq!(first, second, "fixed clock and ids: the same output");
        assert!(first.contains("= buyer payments: true"), "{first}");
        assert!(first.contains("TOTAL"));
        assert!(!first.contains("sum to    "), "{first}");
        for line in first.lines().filter(|l| l.contains("entries sum to")) {
            assert!(line.ends_with("(entries sum to 0.00)"), "{line}");
        }
    }

    #[tokio::test]
    async fn docs_revenue_md_shows_the_current_output() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/revenue.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let shown = doc
            .split("```text\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .unwrap();
        let out = run("sqlite::memory:").await.unwrap();
        assert_eq!(
            shown,
            out.trim_end(),
            "update docs/revenue.md with `marketplace-api revenue-example`"
        );
    }
}
