//! Payout records and payout runs: each (seller, month) paid once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ids::{PostingId, SellerId};
use marketplace_domain::money::Currency;
use marketplace_domain::ports::{Conflict, IdGeneratorExt, RepoError};
use marketplace_domain::revenue::{Posting, PostingKind, SellerKind};
use marketplace_domain::seller::{
    ConnectAccount, PayoutDecision, PayoutPlan, PayoutStatus, plan_payout,
};

use crate::builders::{unique_uuid, usd};
use crate::fakes::{FakePayoutGateway, RecordingAuditLog, TransferBehaviour, UniqueIds};

use super::SellerContractPorts;
use super::setup::*;

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
