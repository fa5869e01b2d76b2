#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-B1..R-B4, R-B10: plans, the first wave's price models as plans, cart totals under
//! plans and recurring bundles.

use marketplace_domain::catalog::{PriceModel, Pricing};
use marketplace_domain::ids::{BundleId, PlanId, ToolId};
use marketplace_domain::interval::Interval;
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::{Currency, Money, MoneyError};
use marketplace_domain::plan::{
    BillingInterval, BundlePlanError, BundlePlanPricing, ItemPlans, MeterKey, OveragePrice,
    Placement, Plan, PlanChoice, PlanCode, PlanDraft, PlanEdit, PlanError, PlanLine, PlanName,
    PlanStatus, PlanTotals, ProviderPriceId, Quota, QuotaKind, Quotas, SaleRecord, TrialDays,
    TrialHistory, included_plans, place, plan_for_price_model,
};
use rust_decimal::{Decimal, dec};
use uuid::Uuid;

fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::USD).unwrap()
}

fn tool(n: u128) -> ItemRef {
    ItemRef::Tool(ToolId::from_uuid(Uuid::from_u128(n)))
}

fn bundle(n: u128) -> ItemRef {
    ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(n)))
}

fn plan_id(n: u128) -> PlanId {
    PlanId::from_uuid(Uuid::from_u128(1_000 + n))
}

fn code(c: &str) -> PlanCode {
    PlanCode::parse(c).unwrap()
}

fn meter(key: &str) -> MeterKey {
    MeterKey::parse(key).unwrap()
}

fn draft(c: &str, price: Money, interval: BillingInterval) -> PlanDraft {
    PlanDraft {
        code: code(c),
        name: PlanName::parse(c).unwrap(),
        price,
        interval,
        trial_days: TrialDays::NONE,
        quotas: Quotas::none(),
        provider_price: None,
    }
}

fn plan(n: u128, item: ItemRef, c: &str, price: Money, interval: BillingInterval) -> Plan {
    Plan::new(plan_id(n), item, draft(c, price, interval)).unwrap()
}

fn monthly(n: u128, item: ItemRef, c: &str, price: Decimal) -> Plan {
    plan(n, item, c, usd(price), BillingInterval::Month)
}

/// The data-pack shape: Standard, Pro and Enterprise, rows metered per month.
fn pack_plans() -> ItemPlans {
    let rows = |limit, kind| Quota::new(meter("rows"), limit, kind).unwrap();
    let standard = PlanDraft {
        trial_days: TrialDays::new(14).unwrap(),
        quotas: Quotas::new(vec![rows(dec!(10_000), QuotaKind::Hard)], vec![]).unwrap(),
        ..draft("STANDARD", usd(dec!(49.00)), BillingInterval::Month)
    };
    let pro = PlanDraft {
        quotas: Quotas::new(
            vec![rows(dec!(100_000), QuotaKind::Soft)],
            vec![OveragePrice::new(meter("rows"), dec!(0.0005)).unwrap()],
        )
        .unwrap(),
        provider_price: Some(ProviderPriceId::parse("price_pro_monthly").unwrap()),
        ..draft("PRO", usd(dec!(199.00)), BillingInterval::Month)
    };
    let enterprise = draft("ENTERPRISE", usd(dec!(1_990.00)), BillingInterval::Year);
    ItemPlans::new(
        tool(1),
        vec![
            Plan::new(plan_id(1), tool(1), standard).unwrap(),
            Plan::new(plan_id(2), tool(1), pro).unwrap(),
            Plan::new(plan_id(3), tool(1), enterprise).unwrap(),
        ],
    )
    .unwrap()
}

#[test]
fn r_b1_a_plan_carries_price_interval_trial_quotas_and_provider_price() {
    let plans = pack_plans();
    let pro = plans.find(&code("PRO")).unwrap();
    assert_eq!(pro.item(), tool(1));
    assert_eq!(pro.name().as_str(), "PRO");
    assert_eq!(pro.price(), usd(dec!(199.00)));
    assert_eq!(pro.interval(), BillingInterval::Month);
    assert_eq!(pro.interval().recurring(), Some(Interval::Monthly));
    assert_eq!(pro.trial_days(), TrialDays::NONE);
    assert_eq!(
        pro.provider_price().map(ProviderPriceId::as_str),
        Some("price_pro_monthly")
    );
    assert_eq!(pro.status(), PlanStatus::Active);
    let rows = pro.quotas().quota(&meter("rows")).unwrap();
    assert_eq!(
        (rows.limit(), rows.kind()),
        (dec!(100_000), QuotaKind::Soft)
    );
    assert_eq!(
        pro.quotas().overage_price(&meter("rows")),
        Some(dec!(0.0005))
    );
    let standard = plans.find(&code("STANDARD")).unwrap();
    assert_eq!(standard.trial_days().days(), 14);
    assert_eq!(
        standard.quotas().quota(&meter("rows")).map(Quota::kind),
        Some(QuotaKind::Hard)
    );
}

#[test]
fn r_b1_a_hard_quota_with_an_overage_price_is_refused() {
    let hard = Quota::new(meter("rows"), dec!(10_000), QuotaKind::Hard).unwrap();
    let price = OveragePrice::new(meter("rows"), dec!(0.001)).unwrap();
    assert_eq!(
        Quotas::new(vec![hard], vec![price]),
        Err(PlanError::OverageOnHardQuota {
            meter: meter("rows")
        })
    );
}

#[test]
fn r_b1_prices_are_whole_minor_units_and_never_negative() {
    let negative = Money::unrounded(dec!(-1.00), Currency::USD);
    let too_fine = Money::unrounded(dec!(1.001), Currency::USD);
    for price in [negative, too_fine] {
        let err = Plan::new(
            plan_id(1),
            tool(1),
            draft("PRO", price, BillingInterval::Month),
        )
        .unwrap_err();
        assert!(matches!(err, PlanError::InvalidPrice(_)), "{err:?}");
        assert_eq!(err.field(), Some("price"));
    }
    assert!(
        Plan::new(
            plan_id(1),
            tool(1),
            draft("FREE", usd(dec!(0)), BillingInterval::OneTime)
        )
        .is_ok()
    );
}

#[test]
fn r_b1_one_time_plans_have_no_trial_and_no_overage() {
    let trial = PlanDraft {
        trial_days: TrialDays::new(7).unwrap(),
        ..draft("LIFETIME", usd(dec!(99)), BillingInterval::OneTime)
    };
    assert_eq!(
        Plan::new(plan_id(1), tool(1), trial),
        Err(PlanError::TrialOnOneTimePlan)
    );
    let soft = Quota::new(meter("rows"), dec!(0), QuotaKind::Soft).unwrap();
    let overage = PlanDraft {
        quotas: Quotas::new(
            vec![soft.clone()],
            vec![OveragePrice::new(meter("rows"), dec!(0.01)).unwrap()],
        )
        .unwrap(),
        ..draft("LIFETIME", usd(dec!(99)), BillingInterval::OneTime)
    };
    assert_eq!(
        Plan::new(plan_id(1), tool(1), overage),
        Err(PlanError::OverageOnOneTimePlan)
    );
    // A quota without overage is fine on a one-time plan.
    let capped = PlanDraft {
        quotas: Quotas::new(vec![soft], vec![]).unwrap(),
        ..draft("LIFETIME", usd(dec!(99)), BillingInterval::OneTime)
    };
    assert!(Plan::new(plan_id(1), tool(1), capped).is_ok());
}

#[test]
fn r_b1_codes_are_unique_within_an_item_only() {
    let mut plans = pack_plans();
    let again = monthly(9, tool(1), "PRO", dec!(299));
    assert_eq!(
        plans.add(again),
        Err(PlanError::DuplicateCode { code: code("PRO") })
    );
    assert_eq!(plans.plans().len(), 3, "a refused add changes nothing");
    // Another item may use the same code.
    assert!(ItemPlans::new(tool(2), vec![monthly(9, tool(2), "PRO", dec!(299))]).is_ok());
    plans.add(monthly(10, tool(1), "TEAM", dec!(99))).unwrap();
    assert_eq!(plans.plans().len(), 4);
}

#[test]
fn r_b1_an_items_plans_are_its_own_and_share_a_currency() {
    let mut plans = pack_plans();
    assert_eq!(
        plans.add(monthly(9, tool(2), "TEAM", dec!(99))),
        Err(PlanError::OtherItem {
            plan: plan_id(9),
            item: tool(2)
        })
    );
    let eur = plan(
        9,
        tool(1),
        "TEAM",
        Money::new(dec!(99), Currency::EUR).unwrap(),
        BillingInterval::Month,
    );
    assert_eq!(
        plans.add(eur),
        Err(PlanError::CurrencyMismatch {
            expected: Currency::USD,
            found: Currency::EUR
        })
    );
}

#[test]
fn r_b1_a_sold_plan_never_changes_price_or_interval() {
    let pro = pack_plans().find(&code("PRO")).unwrap().clone();
    let reprice = PlanEdit {
        price: Some(usd(dec!(249.00))),
        ..PlanEdit::default()
    };
    let yearly = PlanEdit {
        interval: Some(BillingInterval::Year),
        ..PlanEdit::default()
    };
    let other_currency = PlanEdit {
        price: Some(Money::new(dec!(199.00), Currency::EUR).unwrap()),
        ..PlanEdit::default()
    };
    let before = pro.clone();
    assert_eq!(
        pro.edit(reprice.clone(), SaleRecord::Sold),
        Err(PlanError::PriceFixedOnceSold)
    );
    assert_eq!(
        pro.edit(other_currency, SaleRecord::Sold),
        Err(PlanError::PriceFixedOnceSold)
    );
    assert_eq!(
        pro.edit(yearly.clone(), SaleRecord::Sold),
        Err(PlanError::IntervalFixedOnceSold)
    );
    assert_eq!(pro, before, "a refused edit changes nothing");

    // Restating the same price and interval is no change.
    let same = PlanEdit {
        price: Some(pro.price()),
        interval: Some(pro.interval()),
        ..PlanEdit::default()
    };
    assert_eq!(pro.edit(same, SaleRecord::Sold).unwrap(), pro);

    // What holders do not renew at stays editable.
    let more_rows = Quotas::new(
        vec![Quota::new(meter("rows"), dec!(150_000), QuotaKind::Soft).unwrap()],
        vec![],
    )
    .unwrap();
    let edited = pro
        .edit(
            PlanEdit {
                name: Some(PlanName::parse("Pro plus").unwrap()),
                trial_days: Some(TrialDays::new(30).unwrap()),
                quotas: Some(more_rows.clone()),
                ..PlanEdit::default()
            },
            SaleRecord::Sold,
        )
        .unwrap();
    assert_eq!(edited.name().as_str(), "Pro plus");
    assert_eq!(edited.trial_days().days(), 30);
    assert_eq!(edited.quotas(), &more_rows);
    assert_eq!((edited.price(), edited.id()), (pro.price(), pro.id()));

    // A plan never sold may be repriced and rescheduled.
    let unsold = pro.edit(reprice, SaleRecord::NeverSold).unwrap();
    assert_eq!(unsold.price(), usd(dec!(249.00)));
    let unsold = unsold.edit(yearly, SaleRecord::NeverSold).unwrap();
    assert_eq!(unsold.interval(), BillingInterval::Year);
}

#[test]
fn r_b1_a_sold_plan_keeps_its_provider_price_once_set() {
    let plans = pack_plans();
    let pro = plans.find(&code("PRO")).unwrap();
    let swap = PlanEdit {
        provider_price: Some(Some(ProviderPriceId::parse("price_other").unwrap())),
        ..PlanEdit::default()
    };
    let drop = PlanEdit {
        provider_price: Some(None),
        ..PlanEdit::default()
    };
    assert_eq!(
        pro.edit(swap.clone(), SaleRecord::Sold),
        Err(PlanError::ProviderPriceFixedOnceSold)
    );
    assert_eq!(
        pro.edit(drop, SaleRecord::Sold),
        Err(PlanError::ProviderPriceFixedOnceSold)
    );
    // A sold plan without one may be given one.
    let standard = plans.find(&code("STANDARD")).unwrap();
    let linked = standard.edit(swap, SaleRecord::Sold).unwrap();
    assert_eq!(
        linked.provider_price().map(ProviderPriceId::as_str),
        Some("price_other")
    );
}

#[test]
fn r_b1_an_edit_is_checked_like_a_new_plan() {
    let standard = pack_plans().find(&code("STANDARD")).unwrap().clone();
    // STANDARD has a 14-day trial: it cannot become one-time.
    assert_eq!(
        standard.edit(
            PlanEdit {
                interval: Some(BillingInterval::OneTime),
                ..PlanEdit::default()
            },
            SaleRecord::NeverSold
        ),
        Err(PlanError::TrialOnOneTimePlan)
    );
}

#[test]
fn r_b1_archived_plans_are_no_longer_sold_but_stay_listed() {
    let plans = pack_plans();
    let archived = plans
        .find(&code("PRO"))
        .unwrap()
        .edit(PlanEdit::archive(), SaleRecord::Sold)
        .unwrap();
    assert_eq!(archived.status(), PlanStatus::Archived);
    assert!(!archived.is_on_sale());
    let plans = ItemPlans::new(
        tool(1),
        plans
            .plans()
            .iter()
            .map(|p| {
                if p.code() == &code("PRO") {
                    archived.clone()
                } else {
                    p.clone()
                }
            })
            .collect(),
    )
    .unwrap();
    assert_eq!(
        plans.choose(Some(&code("PRO"))),
        Err(PlanError::NotOnSale { code: code("PRO") })
    );
    assert!(plans.find(&code("PRO")).is_some(), "holders keep it");
    let on_sale: Vec<_> = plans.on_sale().map(|p| p.code().as_str()).collect();
    assert_eq!(on_sale, ["STANDARD", "ENTERPRISE"]);
}

fn pricing(model: PriceModel, price: Decimal) -> Pricing {
    Pricing::new(model, usd(price)).unwrap()
}

#[test]
fn r_b2_free_becomes_one_plan_at_zero() {
    let free = plan_for_price_model(&pricing(PriceModel::Free, dec!(0))).unwrap();
    assert_eq!(free.code, code("FREE"));
    assert!(free.price.is_zero());
    assert_eq!(free.interval, BillingInterval::OneTime);
    assert!(free.trial_days.is_none() && free.quotas.is_empty());
    assert!(Plan::new(plan_id(1), tool(1), free).is_ok());
}

#[test]
fn r_b2_one_time_monthly_and_annual_keep_their_price_and_interval() {
    for (model, interval) in [
        (PriceModel::OneTime, BillingInterval::OneTime),
        (PriceModel::Monthly, BillingInterval::Month),
        (PriceModel::Annual, BillingInterval::Year),
    ] {
        let d = plan_for_price_model(&pricing(model, dec!(49.99))).unwrap();
        assert_eq!(d.code, code("STANDARD"), "{model}");
        assert_eq!(d.price, usd(dec!(49.99)), "{model}");
        assert_eq!(d.interval, interval, "{model}");
        assert!(Plan::new(plan_id(1), tool(1), d).is_ok());
    }
}

#[test]
fn r_b2_usage_based_becomes_a_monthly_plan_at_the_old_price() {
    let d = plan_for_price_model(&pricing(PriceModel::UsageBased, dec!(19.00))).unwrap();
    assert_eq!(d.code, code("STANDARD"));
    assert_eq!(d.interval, BillingInterval::Month);
    assert_eq!(
        d.price,
        usd(dec!(19.00)),
        "the catalog's price does not change"
    );
    assert!(
        d.quotas.is_empty(),
        "the first wave had no meters to carry over"
    );
    // A seller adding meters adds a pay-per-use plan beside it: base 0, a soft quota of 0
    // and an overage price.
    let metered = PlanDraft {
        quotas: Quotas::new(
            vec![Quota::new(meter("api_calls"), dec!(0), QuotaKind::Soft).unwrap()],
            vec![OveragePrice::new(meter("api_calls"), dec!(0.002)).unwrap()],
        )
        .unwrap(),
        ..draft("METERED", usd(dec!(0)), BillingInterval::Month)
    };
    let plans = ItemPlans::new(
        tool(1),
        vec![
            Plan::new(plan_id(1), tool(1), d).unwrap(),
            Plan::new(plan_id(2), tool(1), metered).unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(plans.display_price(), Some(usd(dec!(19.00))));
}

#[test]
fn r_b2_custom_has_no_purchasable_plan() {
    assert_eq!(
        plan_for_price_model(&pricing(PriceModel::Custom, dec!(0))),
        None
    );
    assert_eq!(
        plan_for_price_model(&pricing(PriceModel::Custom, dec!(5_000))),
        None
    );
    let plans = ItemPlans::new(tool(1), vec![]).unwrap();
    assert_eq!(plans.default_plan(), None);
    assert_eq!(plans.display_price(), None);
    assert_eq!(plans.choose(None), Err(PlanError::NothingOnSale));
}

#[test]
fn r_b2_the_catalog_price_is_the_default_plans() {
    let plans = pack_plans();
    assert_eq!(
        plans.default_plan().map(Plan::code),
        Some(&code("STANDARD"))
    );
    assert_eq!(plans.display_price(), Some(usd(dec!(49.00))));
    // Archiving the default makes the next plan on sale the default.
    let rest: Vec<Plan> = plans
        .plans()
        .iter()
        .map(|p| {
            if p.code() == &code("STANDARD") {
                p.edit(PlanEdit::archive(), SaleRecord::Sold).unwrap()
            } else {
                p.clone()
            }
        })
        .collect();
    let plans = ItemPlans::new(tool(1), rest).unwrap();
    assert_eq!(plans.display_price(), Some(usd(dec!(199.00))));
}

#[test]
fn r_b3_a_line_names_a_plan_or_gets_the_default() {
    let plans = pack_plans();
    assert_eq!(plans.choose(None).unwrap().code(), &code("STANDARD"));
    assert_eq!(
        plans.choose(Some(&code("ENTERPRISE"))).unwrap().price(),
        usd(dec!(1_990.00))
    );
    assert_eq!(
        plans.choose(Some(&code("GOLD"))),
        Err(PlanError::UnknownPlan { code: code("GOLD") })
    );
}

#[test]
fn r_b3_choosing_another_plan_for_an_item_replaces_its_line() {
    let choice = |item, c: &str| PlanChoice {
        item,
        plan: code(c),
    };
    let mut lines = vec![];
    assert_eq!(
        place(&mut lines, choice(tool(1), "STANDARD")),
        Placement::Added
    );
    assert_eq!(place(&mut lines, choice(tool(2), "PRO")), Placement::Added);
    assert_eq!(
        place(&mut lines, choice(tool(1), "PRO")),
        Placement::Replaced {
            previous: code("STANDARD")
        }
    );
    assert_eq!(
        place(&mut lines, choice(tool(1), "PRO")),
        Placement::Unchanged
    );
    assert_eq!(
        lines,
        vec![choice(tool(1), "PRO"), choice(tool(2), "PRO")],
        "one line per item, in place"
    );
}

#[test]
fn r_b3_due_now_is_zero_during_a_trial_and_recurring_is_per_interval() {
    let plans = pack_plans();
    let standard = plans.find(&code("STANDARD")).unwrap(); // 49.00 a month, 14-day trial
    let pro = plans.find(&code("PRO")).unwrap(); // 199.00 a month
    let yearly = plans.find(&code("ENTERPRISE")).unwrap(); // 1,990.00 a year
    let once = plan(
        7,
        tool(2),
        "STANDARD",
        usd(dec!(15.50)),
        BillingInterval::OneTime,
    );
    let lines = [
        PlanLine::new(standard, TrialHistory::NeverTrialed),
        PlanLine::new(pro, TrialHistory::NeverTrialed),
        PlanLine::new(yearly, TrialHistory::NeverTrialed),
        PlanLine::new(&once, TrialHistory::NeverTrialed),
    ];
    assert_eq!(lines[0].trial().map(|t| t.days()), Some(14));
    assert!(lines[0].due_now().is_zero());
    let totals = PlanTotals::compute(Currency::USD, &lines).unwrap();
    // 0 (trial) + 199.00 + 1,990.00 + 15.50
    assert_eq!(totals.due_now(), usd(dec!(2_204.50)));
    assert_eq!(totals.recurring_at(Interval::Monthly), usd(dec!(248.00)));
    assert_eq!(totals.recurring_at(Interval::Annual), usd(dec!(1_990.00)));
    let intervals: Vec<_> = totals.recurring().iter().map(|r| r.interval).collect();
    assert_eq!(intervals, [Interval::Monthly, Interval::Annual]);

    let one_time_only = PlanTotals::compute(
        Currency::USD,
        &[PlanLine::new(&once, TrialHistory::NeverTrialed)],
    )
    .unwrap();
    assert!(one_time_only.recurring().is_empty());
    assert!(one_time_only.recurring_at(Interval::Monthly).is_zero());
}

#[test]
fn r_b3_totals_refuse_a_line_in_another_currency() {
    let eur = plan(
        1,
        tool(1),
        "PRO",
        Money::new(dec!(10), Currency::EUR).unwrap(),
        BillingInterval::Month,
    );
    assert!(matches!(
        PlanTotals::compute(
            Currency::USD,
            &[PlanLine::new(&eur, TrialHistory::NeverTrialed)]
        ),
        Err(MoneyError::CurrencyMismatch { .. })
    ));
    let empty = PlanTotals::compute(Currency::USD, &[]).unwrap();
    assert!(empty.due_now().is_zero() && empty.recurring().is_empty());
}

#[test]
fn r_b10_an_org_that_had_its_trial_pays_at_checkout() {
    let plans = pack_plans();
    let standard = plans.find(&code("STANDARD")).unwrap();
    let again = PlanLine::new(standard, TrialHistory::AlreadyTrialed);
    assert_eq!(again.trial(), None);
    let totals = PlanTotals::compute(Currency::USD, &[again]).unwrap();
    assert_eq!(totals.due_now(), usd(dec!(49.00)));
}

/// Three tools, each with a monthly and a yearly plan.
fn bundle_tools() -> Vec<ItemPlans> {
    (1..=3)
        .map(|n| {
            let item = tool(n);
            let month = Decimal::from(10 * n);
            ItemPlans::new(
                item,
                vec![
                    monthly(n * 10, item, "MONTHLY", month),
                    plan(
                        n * 10 + 1,
                        item,
                        "YEARLY",
                        usd(month * dec!(10)),
                        BillingInterval::Year,
                    ),
                ],
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn r_b4_a_recurring_bundle_compares_tool_plans_of_its_own_interval() {
    let tools = bundle_tools();
    let bundle_monthly = monthly(100, bundle(9), "MONTHLY", dec!(45.00));
    let included = included_plans(BillingInterval::Month, &tools).unwrap();
    let pricing = BundlePlanPricing::new(&bundle_monthly, &included).unwrap();
    // 10 + 20 + 30 a month.
    assert_eq!(pricing.list_price(), usd(dec!(60.00)));
    assert_eq!(pricing.savings(), usd(dec!(15.00)));
    assert_eq!(pricing.interval(), BillingInterval::Month);
    assert_eq!(
        pricing.allocation_weights(),
        vec![
            (ToolId::from_uuid(Uuid::from_u128(1)), usd(dec!(10))),
            (ToolId::from_uuid(Uuid::from_u128(2)), usd(dec!(20))),
            (ToolId::from_uuid(Uuid::from_u128(3)), usd(dec!(30))),
        ]
    );

    // A yearly bundle is compared with the yearly plans (600), not twelve months (720).
    let bundle_yearly = plan(
        101,
        bundle(9),
        "YEARLY",
        usd(dec!(500.00)),
        BillingInterval::Year,
    );
    let included = included_plans(BillingInterval::Year, &tools).unwrap();
    let pricing = BundlePlanPricing::new(&bundle_yearly, &included).unwrap();
    assert_eq!(pricing.list_price(), usd(dec!(600.00)));
    assert_eq!(pricing.savings(), usd(dec!(100.00)));
    let codes: Vec<_> = pricing
        .included()
        .iter()
        .map(|p| p.code().as_str())
        .collect();
    assert_eq!(codes, ["YEARLY", "YEARLY", "YEARLY"]);
}

#[test]
fn r_b4_a_bundle_never_mixes_intervals() {
    let tools = bundle_tools();
    let bundle_monthly = monthly(100, bundle(9), "MONTHLY", dec!(45.00));
    let t1 = tools[0].find(&code("MONTHLY")).unwrap();
    let t2_yearly = tools[1].find(&code("YEARLY")).unwrap();
    assert_eq!(
        BundlePlanPricing::new(&bundle_monthly, &[t1, t2_yearly]),
        Err(BundlePlanError::MixedIntervals {
            tool: ToolId::from_uuid(Uuid::from_u128(2)),
            expected: BillingInterval::Month,
            found: BillingInterval::Year,
        })
    );
    // A tool without a plan of the bundle's interval cannot be in it.
    let monthly_only =
        ItemPlans::new(tool(4), vec![monthly(40, tool(4), "MONTHLY", dec!(5))]).unwrap();
    assert_eq!(
        included_plans(BillingInterval::Year, &[tools[0].clone(), monthly_only]),
        Err(BundlePlanError::NoPlanOfInterval {
            tool: ToolId::from_uuid(Uuid::from_u128(4)),
            interval: BillingInterval::Year,
        })
    );
    // A bundle's own plans share one interval.
    let mut bundle_plans = ItemPlans::new(bundle(9), vec![bundle_monthly]).unwrap();
    assert_eq!(
        bundle_plans.add(plan(
            101,
            bundle(9),
            "YEARLY",
            usd(dec!(500)),
            BillingInterval::Year
        )),
        Err(PlanError::MixedBundleIntervals {
            expected: BillingInterval::Month,
            found: BillingInterval::Year
        })
    );
    assert!(
        bundle_plans
            .add(monthly(102, bundle(9), "PRO", dec!(90)))
            .is_ok()
    );
}

#[test]
fn r_b4_a_bundle_plan_holds_two_distinct_tools_in_its_currency() {
    let tools = bundle_tools();
    let bundle_monthly = monthly(100, bundle(9), "MONTHLY", dec!(45.00));
    let t1 = tools[0].find(&code("MONTHLY")).unwrap();
    let t2 = tools[1].find(&code("MONTHLY")).unwrap();
    assert_eq!(
        BundlePlanPricing::new(&bundle_monthly, &[t1]),
        Err(BundlePlanError::TooFewTools)
    );
    assert_eq!(
        BundlePlanPricing::new(&bundle_monthly, &[t1, t1]),
        Err(BundlePlanError::DuplicateTool(ToolId::from_uuid(
            Uuid::from_u128(1)
        )))
    );
    assert_eq!(
        BundlePlanPricing::new(t1, &[t1, t2]),
        Err(BundlePlanError::NotABundlePlan(t1.id()))
    );
    assert_eq!(
        BundlePlanPricing::new(&bundle_monthly, &[t1, &bundle_monthly]),
        Err(BundlePlanError::NotAToolPlan(bundle_monthly.id()))
    );
    let eur = plan(
        50,
        tool(5),
        "MONTHLY",
        Money::new(dec!(10), Currency::EUR).unwrap(),
        BillingInterval::Month,
    );
    assert!(matches!(
        BundlePlanPricing::new(&bundle_monthly, &[t1, &eur]),
        Err(BundlePlanError::CurrencyMismatch { .. })
    ));
}
