//! The holdings' contract: the facts the tier limits are counted from (R-S2).

use marketplace_domain::catalog::{ItemRef, PriceModel};
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use super::setup::{at, bundle, ok, order, org, place_paid, platform, tool, user};
use crate::builders::{BundleBuilder, ToolBuilder};

/// R-S2: the holdings report the facts the tier limits are counted from, the same on
/// every store: each tool bought directly with its catalog price model (FREE ones
/// included), each bundle with its tools and no price model. Which of them take a
/// paid-tool slot is the domain's decision, not the store's.
pub async fn holdings_report_what_the_limits_count(p: &ContractPorts) {
    let s = platform(p).await;
    let paid = tool(p, s, |b| b.price("12.00")).await;
    let monthly = tool(p, s, |b| b.price("3.00").monthly()).await;
    let free = tool(p, s, ToolBuilder::free).await;
    let in_bundle = [
        tool(p, s, |b| b.price("8.00")).await,
        tool(p, s, |b| b.price("9.00")).await,
    ];
    let b = bundle(
        p,
        BundleBuilder::over(&[&in_bundle[0], &in_bundle[1]]).price("15.00"),
    )
    .await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    let items = [
        ItemRef::Tool(paid.id),
        ItemRef::Tool(monthly.id),
        ItemRef::Tool(free.id),
        ItemRef::Bundle(b.id()),
    ];
    let o = order(p, org, u, &items, PaymentMethod::PlatformCredits).await;
    place_paid(p, &o, "limits-1").await;

    let h = ok(p.holdings.holdings(org, at()).await, "holdings");
    let mut facts: Vec<_> = h
        .purchases()
        .iter()
        .map(|x| {
            let mut tools = x.tools.clone();
            tools.sort_unstable();
            (x.item, tools, x.price_model)
        })
        .collect();
    facts.sort_by_key(|f| f.0);
    let mut bundle_tools = vec![in_bundle[0].id, in_bundle[1].id];
    bundle_tools.sort_unstable();
    let mut want = vec![
        (items[0], vec![paid.id], Some(PriceModel::OneTime)),
        (items[1], vec![monthly.id], Some(PriceModel::Monthly)),
        (items[2], vec![free.id], Some(PriceModel::Free)),
        (items[3], bundle_tools, None),
    ];
    want.sort_by_key(|f| f.0);
    assert_eq!(
        facts, want,
        "contract R-S2: every held purchase with its tools and its tool's price model"
    );
    assert_eq!(
        (h.paid_tools(), h.bundles()),
        (2, 1),
        "contract R-S2: the FREE tool and the bundle's tools take no paid-tool slot"
    );
}
