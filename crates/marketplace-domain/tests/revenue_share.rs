//! Revenue share end to end over the testkit's fakes: random histories of checkouts (tools
//! of three sellers and of the platform, a bundle across all of them), partial and full
//! refunds by an admin, and monthly payout runs whose transfers are refused or cannot be
//! sent, all through the use cases. After every step the ledger balances, buyer payments
//! equal platform revenue + seller payables + refunds + payouts in transit + paid out, no
//! transfer is of zero or less, each (seller, month) moves money at most once, what the
//! provider paid is what the ledger says was paid out, and every seller statement equals
//! the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Datelike, Days, Duration, TimeZone, Utc};
use marketplace_domain::catalog::{Bundle, ItemRef, Tool};
use marketplace_domain::ids::{PurchaseId, SellerId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::purchase::PurchaseStatus;
use marketplace_domain::revenue::{Account, Posting, PostingKind, SellerKind, YearMonth, balance};
use marketplace_domain::seller::{
    ConnectAccount, NewSeller, PayoutOutcome, SellerRepository, month_end, month_start,
};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{self, BundleBuilder, usd};
use marketplace_testkit::fakes::{FakePayoutGateway, TransferBehaviour};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Advance(u64),
    BuyTool(usize),
    BuyBundle,
    /// Refunds `pct`% of what is left of purchase `k` (100: all of it).
    Refund {
        k: usize,
        pct: i64,
    },
    /// The payout run of the previous month; seller `n`'s transfer is refused when bit `n`
    /// of `refuse` is set, cannot be sent when bit `n` of `down` is.
    Payouts {
        refuse: u8,
        down: u8,
    },
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1_u64..20).prop_map(Op::Advance),
        4 => (0_usize..7).prop_map(Op::BuyTool),
        2 => Just(Op::BuyBundle),
        3 => (0_usize..32, prop_oneof![1_i64..100, Just(100)])
            .prop_map(|(k, pct)| Op::Refund { k, pct }),
        2 => (0_u8..8, 0_u8..8).prop_map(|(refuse, down)| Op::Payouts { refuse, down }),
    ]
}

struct World {
    f: Fakes,
    gateway: Arc<FakePayoutGateway>,
    /// (seller, connected account)
    sellers: Vec<(SellerId, String)>,
    tools: Vec<Tool>,
    bundle: Bundle,
    purchases: Vec<PurchaseId>,
}

async fn world() -> World {
    let f = Fakes::new();
    f.clock
        .set(Utc.with_ymd_and_hms(2025, 1, 2, 9, 0, 0).unwrap());
    let gateway = Arc::new(FakePayoutGateway::default());
    let mut sellers = Vec::new();
    for (i, rate) in ["0.05", "0.10", "0.1234"].into_iter().enumerate() {
        let mut s = NewSeller {
            name: format!("Seller {i}"),
            kind: SellerKind::ThirdParty,
            fee_rate: Some(builders::dec(rate)),
            org_id: None,
            payout_minimum: Some(usd("10.00")),
        }
        .into_seller(SellerId::from_uuid(builders::unique_uuid()), f.clock_now())
        .unwrap();
        let account = format!("acct_{i}");
        s.set_connect(ConnectAccount {
            account_id: account.clone(),
            payouts_enabled: true,
        });
        SellerRepository::upsert(f.store.as_ref(), &s)
            .await
            .unwrap();
        sellers.push((s.id(), account));
    }
    let prices = ["19.99", "45.00", "7.50", "120.00", "33.33", "9.99", "60.00"];
    let tools: Vec<Tool> = prices
        .iter()
        .enumerate()
        .map(|(i, price)| {
            let seller = if i == 6 {
                builders::platform_seller()
            } else {
                sellers[i % 3].0
            };
            f.tool(|b| b.seller(seller).price(price))
        })
        .collect();
    let bundle = f.add_bundle(
        BundleBuilder::over(&[&tools[0], &tools[1], &tools[2], &tools[6]]).price("99.99"),
    );
    World {
        f,
        gateway,
        sellers,
        tools,
        bundle,
        purchases: Vec::new(),
    }
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<Utc>;
}

impl ClockNow for Fakes {
    fn clock_now(&self) -> chrono::DateTime<Utc> {
        use marketplace_domain::ports::Clock;
        self.clock.now()
    }
}

impl World {
    async fn buy(&mut self, item: ItemRef) {
        let (_, owner) = self.f.org_with_owner(Tier::Elite);
        self.f.set_org(owner.org_id, Tier::Elite, usd("1000.00"));
        common::buy(&self.f, &owner, &[item]).await;
        self.purchases
            .push(common::purchase_of(&self.f, &owner, item).id());
    }

    async fn apply(&mut self, op: &Op) {
        match op {
            Op::Advance(days) => self.f.clock.advance(Duration::days(*days as i64)),
            Op::BuyTool(i) => self.buy(ItemRef::Tool(self.tools[*i].id)).await,
            Op::BuyBundle => self.buy(ItemRef::Bundle(self.bundle.id())).await,
            Op::Refund { k, pct } => {
                if self.purchases.is_empty() {
                    return;
                }
                let id = self.purchases[k % self.purchases.len()];
                let p = self
                    .f
                    .store
                    .with(|d| d.purchases.iter().find(|p| p.id() == id).cloned())
                    .unwrap();
                if p.status() == PurchaseStatus::Refunded {
                    return;
                }
                let left = p.refundable().to_minor().unwrap();
                let amount = if *pct == 100 { left } else { left * pct / 100 };
                if amount <= 0 {
                    return;
                }
                self.f
                    .purchase_service()
                    .refund(
                        &builders::admin_user(),
                        id,
                        Some(Money::from_minor(amount, Currency::USD)),
                    )
                    .await
                    .unwrap();
            }
            Op::Payouts { refuse, down } => {
                for (n, (_, account)) in self.sellers.iter().enumerate() {
                    let behaviour = if down & (1 << n) != 0 {
                        TransferBehaviour::Unavailable
                    } else if refuse & (1 << n) != 0 {
                        TransferBehaviour::Refuse("No such destination".into())
                    } else {
                        TransferBehaviour::Succeed
                    };
                    self.gateway.set_behaviour(account, behaviour);
                }
                let now = self.f.clock_now();
                let previous = YearMonth::of(
                    now.checked_sub_days(Days::new(u64::from(now.day())))
                        .unwrap(),
                );
                match self
                    .f
                    .payout_service(&self.gateway)
                    .run(previous, now)
                    .await
                {
                    Ok(report) => {
                        for r in &report.results {
                            assert!(!matches!(r.outcome, PayoutOutcome::Error { .. }), "{r:?}");
                        }
                    }
                    Err(marketplace_domain::seller::PayoutRunError::TooEarly { .. }) => {}
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
    }

    fn bal(&self, postings: &[Posting], account: Account) -> Money {
        balance(
            postings.iter().flat_map(Posting::entries),
            &account,
            Currency::USD,
        )
    }

    async fn check(&self) {
        let postings = self.f.store.postings();
        for p in &postings {
            let sum = Money::sum(Currency::USD, p.entries().iter().map(|e| e.amount)).unwrap();
            assert!(sum.is_zero(), "R-M5: unbalanced {p:?}");
        }
        let mut credited = vec![Account::PlatformRevenue, Account::Refunds];
        for (s, _) in &self.sellers {
            credited.extend([
                Account::SellerPayable(*s),
                Account::PayoutsInTransit(*s),
                Account::PaidOut(*s),
            ]);
        }
        let credits = Money::sum(
            Currency::USD,
            credited.into_iter().map(|a| self.bal(&postings, a)),
        )
        .unwrap();
        assert_eq!(
            credits.negated(),
            self.bal(&postings, Account::BuyerPayments)
        );

        let transfers = self.gateway.transfers();
        let keys: BTreeSet<_> = transfers
            .iter()
            .map(|t| t.idempotency_key.clone())
            .collect();
        assert_eq!(keys.len(), transfers.len(), "one transfer per key");
        for t in &transfers {
            assert!(!t.amount.is_negative() && !t.amount.is_zero(), "{t:?}");
        }
        for (s, account) in &self.sellers {
            // (A transfer the fake cannot send moves no money: it stays in transit.)
            let paid_out = self.bal(&postings, Account::PaidOut(*s)).negated();
            let sent = self
                .gateway
                .paid_to(account)
                .unwrap_or(Money::zero(Currency::USD));
            assert_eq!(
                sent.amount(),
                paid_out.amount(),
                "what the provider moved is what the ledger paid out"
            );
        }

        let admin = builders::admin_user();
        let svc = self.f.seller_service(&self.gateway);
        let first = YearMonth::new(2025, 1).unwrap();
        let last = YearMonth::of(self.f.clock_now());
        for (s, _) in &self.sellers {
            let mut month = first;
            while month <= last {
                let st = svc.statement_of(&admin, *s, month).await.unwrap();
                let in_month: Vec<&Posting> = postings
                    .iter()
                    .filter(|p| {
                        month.contains(p.occurred_at())
                            && matches!(p.kind(), PostingKind::Sale | PostingKind::Refund)
                    })
                    .collect();
                let net = balance(
                    in_month.iter().flat_map(|p| p.entries()),
                    &Account::SellerPayable(*s),
                    Currency::USD,
                );
                assert_eq!(st.statement.totals.net.amount(), -net.amount(), "R-M6");
                let upto: Vec<Posting> = postings
                    .iter()
                    .filter(|p| p.occurred_at() < month_end(month))
                    .cloned()
                    .collect();
                assert_eq!(
                    st.closing.amount(),
                    -self.bal(&upto, Account::SellerPayable(*s)).amount()
                );
                let before: Vec<Posting> = postings
                    .iter()
                    .filter(|p| p.occurred_at() < month_start(month))
                    .cloned()
                    .collect();
                assert_eq!(
                    st.opening.amount(),
                    -self.bal(&before, Account::SellerPayable(*s)).amount()
                );
                month = month.next();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn revenue_share_holds_through_the_use_cases(ops in prop::collection::vec(arb_op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut w = world().await;
            for op in &ops {
                w.apply(op).await;
                w.check().await;
            }
            // Every month left is paid out, Stripe reachable again; a second run sends
            // nothing.
            for _ in 0..3 {
                w.apply(&Op::Advance(31)).await;
                // Payouts run from the 5th.
                let day = w.f.clock_now().day();
                if day < 5 {
                    w.apply(&Op::Advance(u64::from(5 - day))).await;
                }
                w.apply(&Op::Payouts { refuse: 0, down: 0 }).await;
                let sent = w.gateway.requests().len();
                w.apply(&Op::Payouts { refuse: 0, down: 0 }).await;
                assert_eq!(w.gateway.requests().len(), sent, "a rerun transfers nothing");
                w.check().await;
            }
            for (s, _) in &w.sellers {
                let postings = w.f.store.postings();
                assert!(w.bal(&postings, Account::PayoutsInTransit(*s)).is_zero());
            }
        });
    }
}
