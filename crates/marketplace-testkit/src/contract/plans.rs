//! The plans' contract (R-B1): an item's plans round-trip with every field in display
//! order, codes are unique within an item, edits keep the item, code and position, and a
//! plan nobody bought is never reported sold.

use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ids::PlanId;
use marketplace_domain::money::Money;
use marketplace_domain::plan::{
    BillingInterval, MeterKey, OveragePrice, Plan, PlanCode, PlanDraft, PlanEdit, PlanName,
    ProviderPriceId, Quota, QuotaKind, Quotas, SaleRecord, TrialDays,
};
use marketplace_domain::ports::{Conflict, RepoError};

use super::ContractPorts;
use super::setup::{bundle, ok, platform, tool};
use crate::builders::{BundleBuilder, ToolBuilder, dec, unique_uuid, usd};

fn draft(code: &str, price: Money, interval: BillingInterval) -> PlanDraft {
    PlanDraft {
        code: ok(PlanCode::parse(code), "code"),
        name: ok(PlanName::parse(&format!("{code} plan")), "name"),
        price,
        interval,
        trial_days: TrialDays::NONE,
        quotas: Quotas::none(),
        provider_price: None,
    }
}

fn new_plan(item: ItemRef, draft: PlanDraft) -> Plan {
    ok(
        Plan::new(PlanId::from_uuid(unique_uuid()), item, draft),
        "plan",
    )
}

/// A plan with every optional part set: trial, hard and soft quotas, an overage price
/// finer than a cent, the provider's price id.
fn full_draft() -> PlanDraft {
    let calls = ok(MeterKey::parse("api_calls"), "meter");
    let rows = ok(MeterKey::parse("rows_exported"), "meter");
    let quotas = ok(
        Quotas::new(
            vec![
                ok(
                    Quota::new(calls.clone(), dec("100000"), QuotaKind::Soft),
                    "quota",
                ),
                ok(Quota::new(rows, dec("2500.5"), QuotaKind::Hard), "quota"),
            ],
            vec![ok(OveragePrice::new(calls, dec("0.0005")), "overage")],
        ),
        "quotas",
    );
    PlanDraft {
        trial_days: ok(TrialDays::new(14), "trial"),
        quotas,
        provider_price: Some(ok(ProviderPriceId::parse("price_1PRO2026"), "price id")),
        ..draft("PRO", usd("49.99"), BillingInterval::Month)
    }
}

/// R-B1: plans of tools and bundles round-trip in display order; codes are unique per
/// item; edits replace the editable fields only; unknown items and plans are reported.
pub async fn plans_round_trip(p: &ContractPorts) {
    let seller = platform(p).await;
    let a = tool(p, seller, ToolBuilder::monthly).await;
    let b = tool(p, seller, ToolBuilder::monthly).await;
    let pair = bundle(p, BundleBuilder::over(&[&a, &b]).price("15.00")).await;
    let tool_item = ItemRef::Tool(a.id);
    let bundle_item = ItemRef::Bundle(pair.id());

    let standard = new_plan(
        tool_item,
        draft("STANDARD", usd("10.00"), BillingInterval::Month),
    );
    let pro = new_plan(tool_item, full_draft());
    let yearly = new_plan(
        tool_item,
        draft("ANNUAL", usd("100.00"), BillingInterval::Year),
    );
    for plan in [&standard, &pro, &yearly] {
        ok(p.plans.insert_plan(plan).await, "insert_plan");
    }
    let bundle_plan = new_plan(
        bundle_item,
        draft("STANDARD", usd("15.00"), BillingInterval::OneTime),
    );
    ok(
        p.plans.insert_plan(&bundle_plan).await,
        "insert_plan of a bundle",
    );

    let lineup = ok(p.plans.item_plans(tool_item).await, "item_plans");
    assert_eq!(
        lineup.plans(),
        [standard.clone(), pro.clone(), yearly.clone()],
        "contract R-B1: plans round-trip every field, in the order they were added"
    );
    let unknown = ItemRef::Tool(ToolBuilder::new().build().id);
    let all = ok(
        p.plans.plans_of(&[bundle_item, unknown, tool_item]).await,
        "plans_of",
    );
    assert_eq!(all.len(), 3, "contract: one lineup per item asked");
    assert_eq!(all[0].plans(), std::slice::from_ref(&bundle_plan));
    assert!(all[1].plans().is_empty(), "an unknown item has no plans");
    assert_eq!(all[1].item(), unknown);
    assert_eq!(all[2], lineup);
    assert!(
        ok(p.plans.item_plans(ItemRef::Tool(b.id)).await, "item_plans")
            .plans()
            .is_empty(),
        "contract: a tool stored through the catalog port alone has no plans"
    );

    let twin = new_plan(
        tool_item,
        draft("PRO", usd("59.00"), BillingInterval::Month),
    );
    assert!(
        matches!(
            p.plans.insert_plan(&twin).await,
            Err(RepoError::Conflict(Conflict::PlanCode))
        ),
        "contract R-B1: a code is unique within its item"
    );
    let elsewhere = new_plan(
        ItemRef::Tool(b.id),
        draft("PRO", usd("59.00"), BillingInterval::Month),
    );
    ok(
        p.plans.insert_plan(&elsewhere).await,
        "contract R-B1: another item may use the same code",
    );
    let orphan = new_plan(unknown, draft("PRO", usd("1.00"), BillingInterval::Month));
    assert!(
        matches!(p.plans.insert_plan(&orphan).await, Err(RepoError::NotFound)),
        "contract: a plan of an unknown item is NotFound"
    );

    let edited = ok(
        pro.edit(
            PlanEdit {
                name: Some(ok(PlanName::parse("Professional"), "name")),
                price: Some(usd("44.00")),
                trial_days: Some(TrialDays::NONE),
                quotas: Some(Quotas::none()),
                provider_price: Some(None),
                ..PlanEdit::archive()
            },
            SaleRecord::NeverSold,
        ),
        "edit",
    );
    ok(p.plans.update_plan(&edited).await, "update_plan");
    let lineup = ok(p.plans.item_plans(tool_item).await, "item_plans");
    assert_eq!(
        lineup.plans(),
        [standard.clone(), edited, yearly],
        "contract: an update replaces the editable fields and keeps the position"
    );
    assert_eq!(lineup.default_plan(), Some(&standard));
    let ghost = new_plan(
        tool_item,
        draft("GHOST", usd("1.00"), BillingInterval::Month),
    );
    assert!(
        matches!(p.plans.update_plan(&ghost).await, Err(RepoError::NotFound)),
        "contract: updating an unknown plan is NotFound"
    );

    assert_eq!(
        ok(p.plans.sale_record(standard.id()).await, "sale_record"),
        SaleRecord::NeverSold,
        "contract R-B1: a plan nobody bought is not sold"
    );
}

/// R-G3: a tool published with its plans is stored whole, plans in the order given; when
/// one plan cannot be stored (a code twice), neither the tool nor any plan is.
pub async fn tool_with_plans_is_stored_whole(p: &ContractPorts) {
    let seller = platform(p).await;
    let tool = ToolBuilder::new().seller(seller).monthly().build();
    let item = ItemRef::Tool(tool.id);
    let basic = new_plan(item, draft("BASIC", usd("10.00"), BillingInterval::Month));
    let pro = new_plan(item, full_draft());
    ok(
        p.plans
            .insert_tool_with_plans(&tool, &[basic.clone(), pro.clone()], &[])
            .await,
        "insert_tool_with_plans",
    );
    let stored = ok(p.catalog.tool(tool.id).await, "tool");
    assert_eq!(
        stored.map(|t| t.id),
        Some(tool.id),
        "contract: the tool is stored"
    );
    assert_eq!(
        ok(p.plans.item_plans(item).await, "item_plans").plans(),
        [basic, pro],
        "contract R-G3: every plan, in the order given"
    );

    let broken = ToolBuilder::new().seller(seller).monthly().build();
    let broken_item = ItemRef::Tool(broken.id);
    let first = new_plan(
        broken_item,
        draft("BASIC", usd("10.00"), BillingInterval::Month),
    );
    let twin = new_plan(
        broken_item,
        draft("BASIC", usd("12.00"), BillingInterval::Month),
    );
    assert!(
        p.plans
            .insert_tool_with_plans(&broken, &[first, twin], &[])
            .await
            .is_err(),
        "contract: a plan that cannot be stored fails the whole publication"
    );
    assert!(
        ok(p.catalog.tool(broken.id).await, "tool").is_none(),
        "contract R-G3: no tool is left without its plans"
    );
    assert!(
        ok(p.plans.item_plans(broken_item).await, "item_plans")
            .plans()
            .is_empty(),
        "contract R-G3: no plan of a tool that was not stored"
    );
}

/// R-B3, R-B9, R-B10: the plan a cart line, an order line and a purchase name round-trips
/// (the order line's snapshot whole, its trial included), and a plan switch stores the
/// purchase's plans, its sale and its credit debit together, only from the plans it
/// started from.
pub async fn plan_choices_are_stored(p: &ContractPorts) {
    use marketplace_domain::cart::{Cart, CartLine};
    use marketplace_domain::checkout::{LinePlan, PaymentMethod};
    use marketplace_domain::plan::GrantedTrial;
    use marketplace_domain::purchase::PlanSwitch;
    use marketplace_domain::tier::Tier;

    use super::setup::{at, credits, order, org, place_paid, purchase_of, user};

    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("10.00").monthly()).await;
    let item = ItemRef::Tool(t.id);
    let standard = new_plan(
        item,
        draft("STANDARD", usd("10.00"), BillingInterval::Month),
    );
    let pro = new_plan(item, draft("PRO", usd("25.00"), BillingInterval::Month));
    ok(p.plans.insert_plan(&standard).await, "insert STANDARD");
    ok(p.plans.insert_plan(&pro).await, "insert PRO");
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;

    let line = CartLine {
        item,
        plan: Some(pro.id()),
        added_at: at(),
    };
    ok(
        p.carts.save(&Cart::restore(org, u, vec![line])).await,
        "save cart",
    );
    let loaded = ok(p.carts.load(org, u).await, "load cart");
    assert_eq!(
        loaded.lines()[0].plan,
        Some(pro.id()),
        "contract: a cart line keeps its plan"
    );

    let mut o = order(p, org, u, &[item], PaymentMethod::PlatformCredits).await;
    let mut parts = o.into_parts();
    parts.lines[0].plan = Some(LinePlan {
        id: standard.id(),
        code: standard.code().clone(),
        interval: BillingInterval::Month,
        trial: GrantedTrial::restore(7),
    });
    o = marketplace_domain::checkout::Order::restore(parts);
    place_paid(p, &o, &format!("plan-choice-{}", unique_uuid())).await;
    let stored = ok(p.orders.get(org, o.id()).await, "get order");
    let stored = stored.unwrap_or_else(|| panic!("contract: the order is stored"));
    assert_eq!(
        stored.lines()[0].plan,
        o.lines()[0].plan,
        "contract: an order line keeps its plan's snapshot"
    );
    let purchase = purchase_of(p, org, item).await;
    assert_eq!(
        purchase.plan(),
        Some(standard.id()),
        "contract: a purchase keeps its plan"
    );
    assert!(
        purchase.trial_ends().is_some(),
        "contract: a purchase keeps its trial's end"
    );

    // A switch to PRO with a 5.00 sale paid in credits.
    let before = credits(p, org).await;
    let mut upgraded = purchase.clone();
    upgraded.switch_plan(pro.id());
    let lines = vec![marketplace_domain::revenue::SaleLine {
        tool_id: t.id,
        seller: ok(p.catalog.seller_terms(&[s]).await, "terms")[0],
        gross: usd("5.00"),
    }];
    let sale = ok(
        marketplace_domain::revenue::sale_posting(
            marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
            purchase.order_id(),
            Some(purchase.id()),
            org,
            at(),
            &lines,
        ),
        "sale posting",
    );
    let switch = PlanSwitch {
        purchase: upgraded.clone(),
        from: (purchase.plan(), purchase.scheduled_plan()),
        posting: Some(sale),
        credit_debit: Some(usd("5.00")),
    };
    ok(p.purchases.switch_plan(&switch).await, "switch_plan");
    let now = purchase_of(p, org, item).await;
    assert_eq!(now.plan(), Some(pro.id()), "contract: the switch is stored");
    assert_eq!(
        credits(p, org).await,
        ok(before.checked_sub(usd("5.00")), "minus"),
        "contract: the switch debits its credits"
    );
    // From plans the purchase no longer has: stale, nothing stored.
    let mut scheduled = now.clone();
    scheduled.schedule_plan(Some(standard.id()));
    let stale = PlanSwitch {
        purchase: scheduled,
        from: (Some(standard.id()), None),
        posting: None,
        credit_debit: None,
    };
    assert!(
        matches!(
            p.purchases.switch_plan(&stale).await,
            Err(RepoError::Stale(_))
        ),
        "contract: a switch from plans the purchase no longer has is stale"
    );
    assert_eq!(purchase_of(p, org, item).await.scheduled_plan(), None);
    let mut down = now.clone();
    down.schedule_plan(Some(standard.id()));
    let downgrade = PlanSwitch {
        purchase: down,
        from: (Some(pro.id()), None),
        posting: None,
        credit_debit: None,
    };
    ok(p.purchases.switch_plan(&downgrade).await, "schedule");
    assert_eq!(
        purchase_of(p, org, item).await.scheduled_plan(),
        Some(standard.id()),
        "contract: a scheduled plan is stored"
    );
}
