//! The plan lifecycle worked example (`marketplace-api plan-example`): on a fresh
//! database, a seller's monthly tool sold in three plans; an org buys PRO with platform
//! credits, it renews twice, is upgraded mid-period (R-B9), refunded in part, cancelled
//! and expired; then the ledger, its balances and the seller's statements. The clock and
//! the ids are fixed, so the output is the same on every run (docs/revenue.md shows it).
//!
//! Everything goes through the use cases the HTTP API and the renewal job call (plans,
//! cart, checkout, renewals, plan change, admin refund, subscription cancel, expiry,
//! seller statements); only the ledger listing reads the seller port directly.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::catalog::{
    IntegrationType, ItemRef, PriceModel, ToolCategory, ToolDraft, ToolStatus,
};
use marketplace_domain::checkout::{IdempotencyKey, PaymentMethod};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::paging::PageRequest;
use marketplace_domain::plan::{BillingInterval, PlanCode, PlanDraft, PlanName, Quotas, TrialDays};
use marketplace_domain::revenue::{Account, Posting, SellerKind, YearMonth, balance};
use marketplace_domain::seller::{NewSeller, SellerRepository, month_end, month_start};
use marketplace_domain::subscription::PlanChange;
use marketplace_domain::tier::Tier;
use marketplace_sea_orm::Database;
use marketplace_stripe::OfflineGateway;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::revenue_example::{ExampleClock, ExampleIds, amount, short};
use crate::state::Services;

fn at(month: u32, day: u32, hour: u32) -> anyhow::Result<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2025, month, day, hour, 0, 0)
        .single()
        .context("a valid instant")
}

fn usd(text: &str) -> anyhow::Result<Money> {
    Ok(Money::new(text.parse::<Decimal>()?, Currency::USD)?)
}

fn code(text: &str) -> anyhow::Result<PlanCode> {
    PlanCode::parse(text).map_err(|e| anyhow::anyhow!("{e}"))
}

fn monthly_plan(code_text: &str, name: &str, price: &str) -> anyhow::Result<PlanDraft> {
    Ok(PlanDraft {
        code: code(code_text)?,
        name: PlanName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?,
        price: usd(price)?,
        interval: BillingInterval::Month,
        trial_days: TrialDays::NONE,
        quotas: Quotas::none(),
        provider_price: None,
    })
}

/// Runs the example on `database_url` (a fresh database: `sqlite::memory:` by default)
/// and returns the report it prints.
///
/// # Errors
/// When the database cannot be set up or a step of the example fails.
#[allow(clippy::too_many_lines)]
pub async fn run(database_url: &str) -> anyhow::Result<String> {
    let db = Database::connect(database_url)
        .await
        .context("open the database")?;
    db.migrate().await.context("migrate")?;
    let clock = Arc::new(ExampleClock(Mutex::new(at(3, 1, 9)?)));
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
    let seller_org = OrgId::from_uuid(Uuid::from_u128(0x5E0));
    let seller_user = Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(0x5E00)),
        org_id: seller_org,
        org_role: OrgRole::Member,
        platform_role: PlatformRole::User,
    };
    let mut out = String::new();
    writeln!(
        out,
        "Plan lifecycle worked example: a fresh database, 2025 (UTC), fixed ids\n"
    )?;

    // 1. A seller's monthly tool in three plans.
    let seller = svc
        .sellers
        .create(
            &admin,
            NewSeller {
                name: "Parcel Metrics".to_owned(),
                kind: SellerKind::ThirdParty,
                fee_rate: Some("0.10".parse()?),
                org_id: Some(seller_org),
                payout_minimum: None,
            },
        )
        .await?;
    let tool = svc
        .plans
        .create_tool(
            &admin,
            ToolDraft {
                name: "Neighbourhood Price Index".to_owned(),
                description: "Comparable sales per street, refreshed daily.".to_owned(),
                long_description: None,
                category: ToolCategory::ListingOptimization,
                tags: Vec::new(),
                price_model: PriceModel::Monthly,
                price: "29.00".parse()?,
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
    let item = ItemRef::Tool(tool.id);
    svc.plans
        .add(&admin, item, monthly_plan("PRO", "Pro", "79.00")?)
        .await?;
    svc.plans
        .add(
            &admin,
            item,
            monthly_plan("ENTERPRISE", "Enterprise", "199.00")?,
        )
        .await?;
    writeln!(
        out,
        "Tool \"{}\" by {} (fee 10%): STANDARD 29.00, PRO 79.00, ENTERPRISE 199.00 a month",
        tool.name,
        seller.name()
    )?;

    // 2. The buyer subscribes to PRO with platform credits on March 1st.
    svc.orgs
        .upsert(&admin, buyer.org_id, "Demo Buyer Realty", Tier::Growth)
        .await?;
    svc.orgs
        .grant_credits(&admin, buyer.org_id, usd("1000.00")?)
        .await?;
    let mut steps = Vec::new();
    svc.cart
        .add_with_plan(&buyer, item, Some(&code("PRO")?))
        .await
        .map_err(|e| anyhow::anyhow!("add the tool to the cart: {e}"))?;
    let order = svc
        .checkout
        .checkout(
            &buyer,
            IdempotencyKey::parse("plan-example-1").map_err(|e| anyhow::anyhow!("{e:?}"))?,
            PaymentMethod::PlatformCredits,
        )
        .await?;
    steps.push(format!(
        "{}  bought PRO with credits: order {} for {}",
        clock_now(&svc),
        short(order.id()),
        amount(order.total(), 0)
    ));
    let purchase = svc
        .purchases
        .list(&buyer, None, PageRequest::default())
        .await?
        .items
        .into_iter()
        .find(|p| p.item() == item)
        .context("the purchase")?;
    let id = purchase.id();

    // 3. Renewed twice by the renewal job, at each period's end.
    for (month, label) in [(4, "first"), (5, "second")] {
        clock.set(at(month, 1, 9)?);
        let report = svc.renewals.run_due().await?;
        steps.push(format!(
            "{}  renewal job: {} renewal collected ({} renewed)",
            clock_now(&svc),
            label,
            report.collected
        ));
    }

    // 4. Upgraded to ENTERPRISE on May 11th: the difference for the rest of May.
    clock.set(at(5, 11, 9)?);
    let changed = svc
        .plan_changes
        .change(&buyer, id, &code("ENTERPRISE")?)
        .await?;
    if let PlanChange::Upgraded { proration, .. } = &changed.change {
        steps.push(format!(
            "{}  upgraded to ENTERPRISE: 120.00 x {} / {} seconds left = {}",
            clock_now(&svc),
            proration.seconds_left(),
            proration.seconds_in_period(),
            amount(proration.due(), 0)
        ));
    }

    // 5. Refunded in part by an admin, then cancelled by the buyer.
    clock.set(at(5, 20, 9)?);
    svc.purchases
        .refund(&admin, id, Some(usd("30.00")?))
        .await?;
    steps.push(format!(
        "{}  admin refund of 30.00 (of the first sale)",
        clock_now(&svc)
    ));
    clock.set(at(5, 25, 9)?);
    let cancelled = svc.subscriptions.cancel(&buyer, id).await?;
    steps.push(format!(
        "{}  cancelled: access until {}",
        clock_now(&svc),
        cancelled.summary.period.end().format("%Y-%m-%d %H:%M")
    ));

    // 6. The period ends: nothing renews, the expiry job ends it.
    clock.set(at(6, 1, 9)?);
    let report = svc.renewals.run_due().await?;
    let expired = svc.purchases.expire_due().await?;
    let status = svc.subscriptions.get(&buyer, id).await?.summary.status;
    steps.push(format!(
        "{}  renewal job: {} collected; expiry job: {} expired; subscription {}",
        clock_now(&svc),
        report.collected,
        expired,
        status
    ));
    writeln!(out, "\nWhat happened")?;
    for step in &steps {
        writeln!(out, "  {step}")?;
    }

    // 7. The ledger, March to June.
    let postings = ledger
        .postings_between(
            month_start(YearMonth::new(2025, 3)?),
            month_end(YearMonth::new(2025, 6)?),
        )
        .await?;
    writeln!(
        out,
        "\nLedger postings (debit +, credit −; each posting sums to zero)"
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
                Account::SellerPayable(_) => format!("seller_payable ({})", seller.name()),
                other => other.code().to_owned(),
            };
            writeln!(out, "      {:<38} {}", account, amount(e.amount, 8))?;
        }
    }
    let entries: Vec<_> = postings.iter().flat_map(Posting::entries).collect();
    let bal = |a: &Account| balance(entries.iter().copied(), a, Currency::USD);
    let paid = bal(&Account::BuyerPayments);
    let refunds = bal(&Account::Refunds).negated();
    let platform = bal(&Account::PlatformRevenue).negated();
    let owed = bal(&Account::SellerPayable(seller.id())).negated();
    let wallet = svc.orgs.current(&buyer).await?.credits();
    let spent = usd("1000.00")?.checked_sub(wallet)?;
    writeln!(out, "\nBalances, from the entries")?;
    writeln!(out, "  {:<32} {}", "buyer payments", amount(paid, 8))?;
    writeln!(out, "  {:<32} {}", "refunds", amount(refunds, 8))?;
    writeln!(out, "  {:<32} {}", "platform revenue", amount(platform, 8))?;
    writeln!(
        out,
        "  {:<32} {}",
        format!("owed to {}", seller.name()),
        amount(owed, 8)
    )?;
    writeln!(
        out,
        "  credits spent (1000.00 - {}) = {} = buyer payments - refunds: {}",
        amount(wallet, 0),
        amount(spent, 0),
        paid.checked_sub(refunds)? == spent
    )?;

    // 8. The seller's statements, as its users read them.
    for month in 3..=6 {
        let month = YearMonth::new(2025, month)?;
        let st = svc.sellers.statement(&seller_user, month).await?;
        let t = &st.statement.totals;
        writeln!(
            out,
            "\nStatement {month} for {}: units {}  gross {}  fees {}  refunds {}  net {}",
            seller.name(),
            t.units,
            amount(t.gross, 0),
            amount(t.fees, 0),
            amount(t.refunds, 0),
            amount(t.net, 0)
        )?;
        writeln!(
            out,
            "  opening {}  payouts {}  closing {}",
            amount(st.opening, 0),
            amount(st.payouts, 0),
            amount(st.closing, 0)
        )?;
    }
    writeln!(
        out,
        "\nThe last closing balance is what the ledger owes the seller: {}",
        amount(owed, 0)
    )?;
    Ok(out)
}

fn clock_now(svc: &Services) -> String {
    svc.clock.now().format("%Y-%m-%d %H:%M").to_string()
}
