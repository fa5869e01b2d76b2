//! A seller's ledger read back by window (R-M5, R-M6).

use marketplace_domain::catalog::ItemRef;
use marketplace_domain::money::Currency;
use marketplace_domain::revenue::{PostingKind, SellerKind};
use marketplace_domain::seller::{SellerStatement, month_end, month_start};

use crate::builders::BundleBuilder;

use super::SellerContractPorts;
use super::setup::*;

/// R-M5, R-M6: a seller's postings are the sales and refunds of its tools (bundles across
/// sellers included), whole and oldest first, in the window asked; statements built from
/// a window equal those built from everything.
pub async fn a_sellers_ledger_by_window(p: &SellerContractPorts) {
    let market = Market::new(p).await;
    let a = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
    let b = new_seller(p, SellerKind::ThirdParty, "0.10", None).await;
    let own = new_seller(p, SellerKind::Platform, "1", None).await;
    let ta = tool(p, a.id(), "20.00").await;
    let tb = tool(p, b.id(), "30.00").await;
    let tb2 = tool(p, b.id(), "15.00").await;
    let tp = tool(p, own.id(), "50.00").await;
    let bundle = BundleBuilder::over(&[&ta, &tb, &tp]).price("80.00").build();
    ok(
        p.ports.catalog.insert_bundle(&bundle).await,
        "insert_bundle",
    );

    market.buy(ItemRef::Tool(ta.id), day(2, 10)).await;
    let bought = market.buy(ItemRef::Bundle(bundle.id()), day(3, 10)).await;
    market.refund(bought, "20.00", day(3, 20)).await;
    market.buy(ItemRef::Tool(tb2.id), day(4, 10)).await;

    let all_a = ok(
        p.sellers.postings_for(a.id(), None, None).await,
        "postings_for",
    );
    let kinds: Vec<_> = all_a.iter().map(|x| x.kind()).collect();
    assert_eq!(
        kinds,
        [PostingKind::Sale, PostingKind::Sale, PostingKind::Refund],
        "seller contract: a seller's postings, oldest first"
    );
    let march = ok(
        p.sellers
            .postings_for(a.id(), Some(month_start(ym(3))), Some(month_end(ym(3))))
            .await,
        "postings_for March",
    );
    assert_eq!(march.len(), 2, "seller contract: the window is [from, to)");
    assert_eq!(
        march,
        all_a[1..].to_vec(),
        "seller contract: postings come back whole"
    );
    assert!(
        march[0].entries().len() >= 8,
        "seller contract: with the other sellers' and the platform's entries"
    );
    let all_b = ok(
        p.sellers.postings_for(b.id(), None, None).await,
        "postings_for b",
    );
    assert_eq!(all_b.len(), 3);
    assert!(
        ok(
            p.sellers.postings_for(own.id(), None, None).await,
            "platform"
        )
        .is_empty(),
        "seller contract: the platform has no seller account"
    );
    let between = ok(
        p.sellers
            .postings_between(month_start(ym(3)), month_end(ym(3)))
            .await,
        "postings_between",
    );
    let ours: Vec<_> = between
        .into_iter()
        .filter(|x| x.org_id() == Some(market.buyer.org_id))
        .collect();
    assert_eq!(ours, march, "seller contract: every posting of the month");

    for s in [a.id(), b.id()] {
        let everything = ok(p.sellers.postings_for(s, None, None).await, "all");
        let upto = ok(
            p.sellers
                .postings_for(s, None, Some(month_end(ym(3))))
                .await,
            "up to March",
        );
        assert_eq!(
            SellerStatement::from_ledger(s, ym(3), Currency::USD, &upto),
            SellerStatement::from_ledger(s, ym(3), Currency::USD, &everything),
        );
    }
    let st = SellerStatement::from_ledger(a.id(), ym(3), Currency::USD, &march);
    assert_eq!(st.statement.totals.units, 1);
    assert!(!st.statement.totals.refunds.is_zero());
    assert_eq!(
        st.statement
            .totals
            .gross
            .checked_sub(st.statement.totals.fees),
        st.statement
            .totals
            .net
            .checked_add(st.statement.totals.refunds),
        "R-M6: gross − fees − refunds == net"
    );
}
