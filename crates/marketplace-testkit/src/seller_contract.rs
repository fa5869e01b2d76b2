//! The [`SellerRepository`] contract: what every implementation (the in-memory store,
//! SQLite, PostgreSQL) must do, as async functions over [`SellerContractPorts`]. Sales and
//! refunds reach the ledger through the domain's own checkout and refund use cases over
//! the same ports, so these tests also check that what fulfilment and refunds post is what
//! a seller's ledger reads back.
//!
//! Each function makes its own sellers, tools and orgs with process-unique ids, so rows
//! already in the store (a seeded catalog) do not disturb it.

use std::fmt::Debug;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::access::Actor;
use marketplace_domain::cart::CartService;
use marketplace_domain::catalog::{ItemRef, Tool};
use marketplace_domain::checkout::{CheckoutPorts, CheckoutService, IdempotencyKey, PaymentMethod};
use marketplace_domain::ids::{OrgId, PostingId, SellerId};
use marketplace_domain::lifecycle::PurchaseService;
use marketplace_domain::money::Currency;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::ports::{Conflict, IdGeneratorExt, RepoError};
use marketplace_domain::revenue::{Posting, PostingKind, SellerKind, YearMonth};
use marketplace_domain::seller::{
    ConnectAccount, NewSeller, PayoutDecision, PayoutPlan, PayoutStatus, Seller, SellerPatch,
    SellerRepository, SellerStatement, month_end, month_start, plan_payout,
};
use marketplace_domain::tier::Tier;

use crate::builders::{self, BundleBuilder, ToolBuilder, unique_uuid, usd};
use crate::contract::ContractPorts;
use crate::fakes::{
    FakePaymentGateway, FakePayoutGateway, FixedClock, InMemoryStore, RecordingAuditLog,
    TransferBehaviour, UniqueIds,
};

/// The ports of [`crate::contract`] and the seller repository over the same store.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct SellerContractPorts {
    pub ports: ContractPorts,
    pub sellers: Arc<dyn SellerRepository>,
}

impl SellerContractPorts {
    /// Every port over a fresh in-memory store.
    #[must_use]
    pub fn in_memory() -> Self {
        let store = Arc::new(InMemoryStore::default());
        Self {
            ports: ContractPorts::over(&store),
            sellers: store,
        }
    }
}

/// Every contract function by name.
pub const ALL: &[&str] = &[
    "sellers_round_trip",
    "one_seller_per_org_and_per_account",
    "tools_are_assigned_to_sellers",
    "a_sellers_ledger_by_window",
    "payout_records_move_once",
    "payout_runs_pay_each_seller_once",
];

#[track_caller]
fn ok<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("seller contract: {what}: unexpected error {e:?}"),
    }
}

#[track_caller]
fn some<T>(o: Option<T>, what: &str) -> T {
    o.unwrap_or_else(|| panic!("seller contract: {what}: expected a value, got none"))
}

fn day(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, month, day, 12, 0, 0)
        .single()
        .unwrap_or_else(builders::t0)
}

fn ym(month: u32) -> YearMonth {
    ok(YearMonth::new(2025, month), "month")
}

async fn org(p: &SellerContractPorts) -> OrgId {
    let id = builders::org_id();
    ok(
        p.ports
            .orgs
            .upsert(id, "Seller Contract Org", Tier::Elite)
            .await,
        "upsert org",
    );
    id
}

async fn new_seller(
    p: &SellerContractPorts,
    kind: SellerKind,
    rate: &str,
    org: Option<OrgId>,
) -> Seller {
    let seller = ok(
        NewSeller {
            name: format!("Contract seller {}", &unique_uuid().to_string()[24..]),
            kind,
            fee_rate: Some(builders::dec(rate)),
            org_id: org,
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(unique_uuid()), day(1, 1)),
        "new seller",
    );
    ok(p.sellers.upsert(&seller).await, "upsert seller");
    seller
}

async fn tool(p: &SellerContractPorts, seller: SellerId, price: &str) -> Tool {
    let tool = ToolBuilder::new().seller(seller).price(price).build();
    ok(p.ports.catalog.insert_tool(&tool).await, "insert_tool");
    tool
}

/// Checkout and refunds through the domain's use cases over the ports, on a clock the
/// test moves.
struct Market {
    cart: CartService,
    checkout: CheckoutService,
    purchases: PurchaseService,
    clock: Arc<FixedClock>,
    buyer: Actor,
}

impl Market {
    async fn new(p: &SellerContractPorts) -> Self {
        let c = &p.ports;
        let clock = Arc::new(FixedClock::default());
        let payments = Arc::new(FakePaymentGateway::default());
        let audit = Arc::new(RecordingAuditLog::default());
        let ids = Arc::new(UniqueIds);
        let buyer_org = org(p).await;
        ok(
            c.orgs.grant_credits(buyer_org, usd("100000.00")).await,
            "credits",
        );
        Self {
            cart: CartService::new(
                c.carts.clone(),
                c.catalog.clone(),
                c.orgs.clone(),
                c.holdings.clone(),
                clock.clone(),
            ),
            checkout: CheckoutService::new(CheckoutPorts {
                orders: c.orders.clone(),
                carts: c.carts.clone(),
                catalog: c.catalog.clone(),
                orgs: c.orgs.clone(),
                holdings: c.holdings.clone(),
                payments: payments.clone(),
                audit: audit.clone(),
                clock: clock.clone(),
                ids: ids.clone(),
            }),
            purchases: PurchaseService::new(
                c.purchases.clone(),
                c.orders.clone(),
                c.holdings.clone(),
                payments,
                audit,
                clock.clone(),
                ids,
            ),
            clock,
            buyer: builders::owner(buyer_org),
        }
    }

    /// Buys `item` with platform credits at `at`; returns the purchase id.
    async fn buy(&self, item: ItemRef, at: DateTime<Utc>) -> marketplace_domain::ids::PurchaseId {
        self.clock.set(at);
        ok(self.cart.add(&self.buyer, item).await, "add to cart");
        let key = ok(
            IdempotencyKey::parse(&unique_uuid().to_string()),
            "idempotency key",
        );
        ok(
            self.checkout
                .checkout(&self.buyer, key, PaymentMethod::PlatformCredits)
                .await,
            "checkout",
        );
        let all = ok(
            self.purchases
                .list(&self.buyer, None, PageRequest::default())
                .await,
            "purchases",
        );
        some(
            all.items.into_iter().find(|x| x.item() == item),
            "the purchase",
        )
        .id()
    }

    async fn refund(
        &self,
        purchase: marketplace_domain::ids::PurchaseId,
        amount: &str,
        at: DateTime<Utc>,
    ) {
        self.clock.set(at);
        ok(
            self.purchases
                .refund(&builders::admin_user(), purchase, Some(usd(amount)))
                .await,
            "refund",
        );
    }
}

// ---------------------------------------------------------------------------------------

/// A seller comes back with every field; an upsert replaces them; lookups by org and by
/// connected account find it; unknown ids are `None` or `NotFound`.
pub async fn sellers_round_trip(p: &SellerContractPorts) {
    let org = org(p).await;
    let s = new_seller(p, SellerKind::ThirdParty, "0.0750", Some(org)).await;
    assert_eq!(
        ok(p.sellers.get(s.id()).await, "get"),
        Some(s.clone()),
        "seller contract: every field stored"
    );
    assert_eq!(ok(p.sellers.of_org(org).await, "of_org"), Some(s.clone()));
    assert!(ok(p.sellers.list().await, "list").contains(&s));
    let changed = ok(
        s.patched(SellerPatch {
            name: Some("Renamed".into()),
            fee_rate: Some(builders::dec("0.1")),
            payout_minimum: Some(builders::eur("50.00")),
            org_id: Some(None),
            ..SellerPatch::default()
        }),
        "patch",
    );
    ok(p.sellers.upsert(&changed).await, "upsert again");
    assert_eq!(
        ok(p.sellers.get(s.id()).await, "get"),
        Some(changed.clone())
    );
    assert_eq!(
        ok(p.sellers.of_org(org).await, "of_org"),
        None,
        "seller contract: detached from its org"
    );
    let account = ConnectAccount {
        account_id: format!("acct_{}", unique_uuid().simple()),
        payouts_enabled: false,
    };
    ok(
        p.sellers.set_connect_account(s.id(), &account).await,
        "set_connect_account",
    );
    let found = some(
        ok(
            p.sellers.by_connect_account(&account.account_id).await,
            "by_connect_account",
        ),
        "the seller by account",
    );
    assert_eq!(found.connect(), Some(&account));
    let enabled = ConnectAccount {
        payouts_enabled: true,
        ..account
    };
    ok(
        p.sellers.set_connect_account(s.id(), &enabled).await,
        "enable payouts",
    );
    let got = some(ok(p.sellers.get(s.id()).await, "get"), "seller");
    assert_eq!(got.payout_account(), Some(&enabled));
    assert_eq!(got.payout().minimum(), builders::eur("50.00"));

    let unknown = SellerId::from_uuid(unique_uuid());
    assert_eq!(ok(p.sellers.get(unknown).await, "get unknown"), None);
    assert_eq!(
        ok(
            p.sellers.by_connect_account("acct_nobody").await,
            "by account"
        ),
        None
    );
    assert!(matches!(
        p.sellers.set_connect_account(unknown, &enabled).await,
        Err(RepoError::NotFound)
    ));
}

/// An org manages one seller; a connected account belongs to one seller; a seller of an
/// org that does not exist is `NotFound`.
pub async fn one_seller_per_org_and_per_account(p: &SellerContractPorts) {
    let org = org(p).await;
    let first = new_seller(p, SellerKind::ThirdParty, "0.05", Some(org)).await;
    let second = ok(
        NewSeller {
            name: "Second".into(),
            kind: SellerKind::ThirdParty,
            fee_rate: None,
            org_id: Some(org),
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(unique_uuid()), day(1, 1)),
        "second",
    );
    assert!(
        matches!(
            p.sellers.upsert(&second).await,
            Err(RepoError::Conflict(Conflict::SellerOrg))
        ),
        "seller contract: one seller per org"
    );
    assert_eq!(ok(p.sellers.get(second.id()).await, "get"), None);

    let account = ConnectAccount {
        account_id: format!("acct_{}", unique_uuid().simple()),
        payouts_enabled: true,
    };
    ok(
        p.sellers.set_connect_account(first.id(), &account).await,
        "connect",
    );
    let other = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
    assert!(
        matches!(
            p.sellers.set_connect_account(other.id(), &account).await,
            Err(RepoError::Conflict(Conflict::ConnectAccount))
        ),
        "seller contract: one seller per connected account"
    );

    let orphan = ok(
        NewSeller {
            name: "Orphan".into(),
            kind: SellerKind::ThirdParty,
            fee_rate: None,
            org_id: Some(builders::org_id()),
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(unique_uuid()), day(1, 1)),
        "orphan",
    );
    assert!(
        matches!(p.sellers.upsert(&orphan).await, Err(RepoError::NotFound)),
        "seller contract: the org must exist"
    );
}

/// A tool assigned to a seller is listed among its tools and sold on its terms.
pub async fn tools_are_assigned_to_sellers(p: &SellerContractPorts) {
    let a = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
    let b = new_seller(p, SellerKind::ThirdParty, "0.10", None).await;
    let t1 = tool(p, a.id(), "10.00").await;
    let t2 = tool(p, a.id(), "20.00").await;
    let mut mine = vec![t1.id, t2.id];
    mine.sort_unstable();
    assert_eq!(ok(p.sellers.tools_of(a.id()).await, "tools_of"), mine);
    ok(p.sellers.assign_tool(t2.id, b.id()).await, "assign");
    assert_eq!(
        ok(p.sellers.tools_of(a.id()).await, "tools_of"),
        vec![t1.id]
    );
    assert_eq!(
        ok(p.sellers.tools_of(b.id()).await, "tools_of"),
        vec![t2.id]
    );
    let stored = some(ok(p.ports.catalog.tool(t2.id).await, "tool"), "tool");
    assert_eq!(
        stored.seller_id,
        b.id(),
        "seller contract: the catalog sees the new seller"
    );
    assert!(matches!(
        p.sellers
            .assign_tool(t1.id, SellerId::from_uuid(unique_uuid()))
            .await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        p.sellers
            .assign_tool(
                marketplace_domain::ids::ToolId::from_uuid(unique_uuid()),
                a.id()
            )
            .await,
        Err(RepoError::NotFound)
    ));
}

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

/// A payout is recorded once per (seller, month) with its posting, then completed or
/// reversed once, each with its posting, atomically.
pub async fn payout_records_move_once(p: &SellerContractPorts) {
    let market = Market::new(p).await;
    let s = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
    let t = tool(p, s.id(), "100.00").await;
    let t2 = tool(p, s.id(), "60.00").await;
    market.buy(ItemRef::Tool(t.id), day(3, 10)).await;
    let plan_for = |month: u32, now: DateTime<Utc>| {
        let sellers = p.sellers.clone();
        let id = s.id();
        async move {
            let ledger = ok(sellers.postings_for(id, None, None).await, "postings_for");
            match ok(
                plan_payout(
                    (UniqueIds.new_id(), UniqueIds.new_id()),
                    id,
                    ym(month),
                    usd("25.00"),
                    &ledger,
                    now,
                ),
                "plan",
            ) {
                PayoutDecision::Pay(plan) => *plan,
                PayoutDecision::Carry { payable } => {
                    panic!("seller contract: expected a payout, carried {payable}")
                }
            }
        }
    };
    let plan = plan_for(3, day(4, 5)).await;
    assert_eq!(plan.payout.amount, usd("95.00"));
    ok(p.sellers.record_payout(&plan).await, "record_payout");
    assert_eq!(
        ok(p.sellers.payout_for(s.id(), ym(3)).await, "payout_for"),
        Some(plan.payout.clone()),
        "seller contract: the payout comes back with every field"
    );
    let count = || async { ok(p.sellers.postings_for(s.id(), None, None).await, "postings").len() };
    assert_eq!(
        count().await,
        2,
        "seller contract: recorded with its posting"
    );

    // A second record of the month writes nothing.
    let again = PayoutPlan {
        payout: marketplace_domain::seller::Payout {
            id: UniqueIds.new_id(),
            ..plan.payout.clone()
        },
        posting: ok(
            Posting::new(
                UniqueIds.new_id(),
                PostingKind::Payout,
                None,
                None,
                None,
                day(4, 6),
                plan.posting.entries().to_vec(),
            ),
            "posting",
        ),
    };
    assert!(
        matches!(
            p.sellers.record_payout(&again).await,
            Err(RepoError::Conflict(Conflict::PayoutMonth))
        ),
        "seller contract: one payout per (seller, month)"
    );
    assert_eq!(
        count().await,
        2,
        "seller contract: a refused record writes no posting"
    );

    let paid = ok(
        plan.payout
            .complete("tr_contract".into(), UniqueIds.new_id(), day(4, 5)),
        "complete",
    );
    ok(p.sellers.complete_payout(&paid).await, "complete_payout");
    let stored = some(
        ok(p.sellers.payout_for(s.id(), ym(3)).await, "payout_for"),
        "payout",
    );
    assert_eq!(stored, paid.payout);
    assert_eq!(stored.status, PayoutStatus::Paid);
    assert_eq!(count().await, 3);
    // Settled once only.
    let twice = PayoutPlan {
        payout: paid.payout.clone(),
        posting: ok(
            plan.payout
                .complete("tr_contract".into(), UniqueIds.new_id(), day(4, 5)),
            "complete",
        )
        .posting,
    };
    assert!(
        matches!(
            p.sellers.complete_payout(&twice).await,
            Err(RepoError::Stale(_))
        ),
        "seller contract: a paid payout is not completed again"
    );
    let reversal = ok(
        plan.payout
            .fail("late".into(), UniqueIds.new_id(), day(4, 5)),
        "fail",
    );
    assert!(matches!(
        p.sellers.reverse_payout(&reversal).await,
        Err(RepoError::Stale(_))
    ));
    assert_eq!(
        count().await,
        3,
        "seller contract: refused settlements post nothing"
    );

    // April: recorded, then reversed.
    market.buy(ItemRef::Tool(t2.id), day(4, 10)).await;
    let april = plan_for(4, day(5, 5)).await;
    assert_eq!(april.payout.amount, usd("57.00"));
    ok(p.sellers.record_payout(&april).await, "record April");
    let failed = ok(
        april
            .payout
            .fail("No such destination".into(), UniqueIds.new_id(), day(5, 5)),
        "fail",
    );
    ok(p.sellers.reverse_payout(&failed).await, "reverse_payout");
    let listed = ok(p.sellers.payouts_of(s.id()).await, "payouts_of");
    assert_eq!(
        listed,
        vec![failed.payout.clone(), paid.payout.clone()],
        "seller contract: payouts newest month first"
    );
    let ledger = ok(p.sellers.postings_for(s.id(), None, None).await, "postings");
    let reversal_kinds = ledger
        .iter()
        .filter(|x| x.kind() == PostingKind::PayoutReversal)
        .count();
    assert_eq!(reversal_kinds, 1);
    assert_eq!(
        marketplace_domain::seller::payable_now(s.id(), Currency::USD, &ledger),
        usd("57.00"),
        "seller contract: the reversed money is owed again"
    );

    let unknown = PayoutPlan {
        payout: marketplace_domain::seller::Payout {
            id: UniqueIds.new_id(),
            status: PayoutStatus::Paid,
            transfer_id: Some("tr_x".into()),
            ..april.payout.clone()
        },
        posting: ok(
            april.payout.complete(
                "tr_x".into(),
                PostingId::from_uuid(unique_uuid()),
                day(5, 5),
            ),
            "complete",
        )
        .posting,
    };
    assert!(matches!(
        p.sellers.complete_payout(&unknown).await,
        Err(RepoError::NotFound)
    ));
}

/// The payout run over the store: run twice, run after it stopped midway (a transfer whose
/// outcome was unknown, a crash right after the payout was recorded), and with a refused
/// transfer, it pays each seller's month exactly once, every attempt under the key
/// `payout-{seller}-{YYYY-MM}`.
pub async fn payout_runs_pay_each_seller_once(p: &SellerContractPorts) {
    use marketplace_domain::seller::{PayoutOutcome, PayoutService, idempotency_key};

    let market = Market::new(p).await;
    let gateway = Arc::new(FakePayoutGateway::default());
    let run = PayoutService::new(
        p.sellers.clone(),
        Some(gateway.clone()),
        Arc::new(RecordingAuditLog::default()),
        Arc::new(UniqueIds),
    );
    let mut sellers = Vec::new();
    for (i, price) in ["100.00", "200.00", "300.00"].into_iter().enumerate() {
        let s = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
        let account = ConnectAccount {
            account_id: format!("acct_{i}_{}", unique_uuid().simple()),
            payouts_enabled: true,
        };
        ok(
            p.sellers.set_connect_account(s.id(), &account).await,
            "connect",
        );
        let t = tool(p, s.id(), price).await;
        market.buy(ItemRef::Tool(t.id), day(3, 10)).await;
        sellers.push((s.id(), account.account_id));
    }
    let [(a, acct_a), (b, acct_b), (c, acct_c)] = [0, 1, 2].map(|i| sellers[i].clone());
    let outcome = |report: &marketplace_domain::seller::PayoutReport, s: SellerId| {
        some(
            report.results.iter().find(|r| r.seller_id == s),
            "the seller's result",
        )
        .outcome
        .clone()
    };

    // Seller C's payout is recorded, then the process dies before the transfer.
    let ledger = ok(p.sellers.postings_for(c, None, None).await, "postings");
    let PayoutDecision::Pay(crashed) = ok(
        plan_payout(
            (UniqueIds.new_id(), UniqueIds.new_id()),
            c,
            ym(3),
            usd("25.00"),
            &ledger,
            day(4, 5),
        ),
        "plan",
    ) else {
        panic!("seller contract: C is owed 285.00");
    };
    ok(
        p.sellers.record_payout(&crashed).await,
        "record before the crash",
    );

    // First run: B's provider cannot be reached.
    gateway.set_behaviour(&acct_b, TransferBehaviour::Unavailable);
    let first = ok(run.run(ym(3), day(4, 5)).await, "first run");
    assert_eq!(
        outcome(&first, a),
        PayoutOutcome::Paid {
            amount: usd("95.00"),
            transfer_id: "tr_fake_1".into()
        }
    );
    assert!(matches!(outcome(&first, b), PayoutOutcome::Pending { .. }));
    assert!(
        matches!(outcome(&first, c), PayoutOutcome::Paid { amount, .. } if amount == usd("285.00")),
        "seller contract: a payout left pending by a crash is finished"
    );
    let b_payout = some(ok(p.sellers.payout_for(b, ym(3)).await, "payout_for"), "B");
    assert_eq!(b_payout.status, PayoutStatus::Pending);

    // Second run: B is reachable again; A and C are not paid again.
    gateway.set_behaviour(&acct_b, TransferBehaviour::Succeed);
    let second = ok(run.run(ym(3), day(4, 6)).await, "second run");
    assert_eq!(
        outcome(&second, a),
        PayoutOutcome::AlreadyPaid {
            amount: usd("95.00")
        }
    );
    assert!(
        matches!(outcome(&second, b), PayoutOutcome::Paid { amount, .. } if amount == usd("190.00"))
    );
    assert!(matches!(
        outcome(&second, c),
        PayoutOutcome::AlreadyPaid { .. }
    ));
    // Third run: nothing left to do.
    let third = ok(run.run(ym(3), day(4, 7)).await, "third run");
    for s in [a, b, c] {
        assert!(matches!(
            outcome(&third, s),
            PayoutOutcome::AlreadyPaid { .. }
        ));
    }

    assert_eq!(gateway.paid_to(&acct_a), Some(usd("95.00")));
    assert_eq!(gateway.paid_to(&acct_b), Some(usd("190.00")));
    assert_eq!(gateway.paid_to(&acct_c), Some(usd("285.00")));
    let keys: Vec<(String, String)> = gateway
        .requests()
        .into_iter()
        .map(|r| (r.account_id, r.idempotency_key))
        .collect();
    assert_eq!(
        keys,
        vec![
            (acct_a.clone(), idempotency_key(a, ym(3))),
            (acct_b.clone(), idempotency_key(b, ym(3))),
            (acct_c.clone(), idempotency_key(c, ym(3))),
            (acct_b.clone(), idempotency_key(b, ym(3))),
        ],
        "seller contract: one request per seller and run with something to send, B's retry \
         under the same key"
    );

    // April: A's account is closed. The transfer is refused and reversed; May pays it.
    let t = tool(p, a, "40.00").await;
    market.buy(ItemRef::Tool(t.id), day(4, 20)).await;
    gateway.set_behaviour(
        &acct_a,
        TransferBehaviour::Refuse("No such destination".into()),
    );
    let april = ok(run.run(ym(4), day(5, 5)).await, "April run");
    assert!(
        matches!(outcome(&april, a), PayoutOutcome::Failed { amount, .. } if amount == usd("38.00"))
    );
    let again = ok(run.run(ym(4), day(5, 6)).await, "April rerun");
    assert!(matches!(
        outcome(&again, a),
        PayoutOutcome::PreviouslyFailed { .. }
    ));
    gateway.set_behaviour(&acct_a, TransferBehaviour::Succeed);
    let t = tool(p, a, "20.00").await;
    market.buy(ItemRef::Tool(t.id), day(5, 20)).await;
    let may = ok(run.run(ym(5), day(6, 5)).await, "May run");
    assert!(
        matches!(outcome(&may, a), PayoutOutcome::Paid { amount, .. } if amount == usd("57.00")),
        "seller contract: a reversed payout is paid with a later month"
    );
    assert_eq!(gateway.paid_to(&acct_a), Some(usd("152.00")));
    for (s, _) in &sellers {
        let ledger = ok(p.sellers.postings_for(*s, None, None).await, "postings");
        assert!(
            marketplace_domain::revenue::balance(
                ledger.iter().flat_map(Posting::entries),
                &marketplace_domain::revenue::Account::PayoutsInTransit(*s),
                Currency::USD,
            )
            .is_zero(),
            "seller contract: nothing left in transit"
        );
    }
}
