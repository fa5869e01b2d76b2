//! Seller and payout use cases against mockall mocks: the access policy (a denied or
//! unseen call touches no port it should not), onboarding, and every branch of the payout
//! run.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::dec;
use uuid::Uuid;

use crate::access::{Forbidden, Permission};
use crate::audit::MockAuditLog;
use crate::catalog::fixtures::{
    Calls, clock, ids, member, org_id, other_org_id, owner, platform_admin, seller, tid, usd,
    viewer,
};
use crate::ids::{OrderId, OrgId, PayoutId, PostingId};
use crate::money::Currency;
use crate::org::{MockOrgRepository, Organization};
use crate::payment::PaymentError;
use crate::revenue::{
    Account, FeeRate, PostingKind, SaleLine, SellerKind, YearMonth, sale_posting,
};
use crate::seller::{
    ConnectAccount, MockPayoutGateway, MockSellerRepository, NewSeller, Payout, PayoutOutcome,
    PayoutPlan, PayoutRunError, PayoutService, PayoutStatus, ReportBy, Seller, SellerError,
    SellerParts, SellerPatch, SellerService, Transfer,
};

fn audit() -> MockAuditLog {
    let mut a = MockAuditLog::new();
    a.expect_record().return_const(());
    a
}

fn service(repo: MockSellerRepository) -> SellerService {
    service_with(repo, MockOrgRepository::new(), None)
}

fn service_with(
    repo: MockSellerRepository,
    orgs: MockOrgRepository,
    gateway: Option<MockPayoutGateway>,
) -> SellerService {
    SellerService::new(
        Arc::new(repo),
        Arc::new(orgs),
        Arc::new(audit()),
        Arc::new(clock()),
        Arc::new(ids()),
    )
    .with_gateway(gateway.map(|g| Arc::new(g) as Arc<dyn crate::seller::PayoutGateway>))
}

fn third_party(n: u128, org: Option<OrgId>, connect: Option<(&str, bool)>) -> Seller {
    Seller::restore(SellerParts {
        id: seller(n),
        name: crate::seller::SellerName::parse(&format!("Seller {n}")).unwrap(),
        kind: SellerKind::ThirdParty,
        fee_rate: FeeRate::DEFAULT,
        org_id: org,
        connect: connect.map(|(id, enabled)| ConnectAccount {
            account_id: id.to_owned(),
            payouts_enabled: enabled,
        }),
        payout: crate::seller::PayoutSettings::default(),
        created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
    })
}

fn platform() -> Seller {
    let mut parts = third_party(99, None, None).into_parts();
    parts.kind = SellerKind::Platform;
    parts.fee_rate = FeeRate::ALL;
    Seller::restore(parts)
}

fn march() -> YearMonth {
    YearMonth::parse("2025-03").unwrap()
}

// --- administration ---

#[tokio::test]
async fn r_p1_only_catalog_admins_create_update_and_assign() {
    // No expectation on the repository: any call would panic.
    let svc = service(MockSellerRepository::new());
    let new = NewSeller {
        name: "X".into(),
        kind: SellerKind::ThirdParty,
        fee_rate: None,
        org_id: None,
        payout_minimum: None,
    };
    for actor in [owner(), member(), viewer()] {
        assert!(matches!(
            svc.create(&actor, new.clone()).await,
            Err(SellerError::Forbidden(Forbidden(Permission::ManageSellers)))
        ));
        assert!(matches!(
            svc.update(&actor, seller(1), SellerPatch::default()).await,
            Err(SellerError::Forbidden(_))
        ));
        assert!(matches!(
            svc.assign_tool(&actor, tid(1), seller(1)).await,
            Err(SellerError::Forbidden(_))
        ));
        assert!(matches!(
            svc.revenue_report(&actor, march(), Currency::USD, ReportBy::Seller)
                .await,
            Err(SellerError::Forbidden(_))
        ));
        assert!(matches!(
            svc.list(&actor).await,
            Err(SellerError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn an_admin_creates_a_seller_for_an_org_provisioning_the_org() {
    let mut repo = MockSellerRepository::new();
    let stored = Calls::new();
    let s = stored.clone();
    repo.expect_upsert().returning(move |seller| {
        s.push(seller.clone());
        Ok(())
    });
    let mut orgs = MockOrgRepository::new();
    orgs.expect_get_or_provision()
        .withf(|o| *o == org_id())
        .returning(|o| Ok(Organization::provisioned(o)));
    let svc = service_with(repo, orgs, None);
    let created = svc
        .create(
            &platform_admin(),
            NewSeller {
                name: "Brightlane".into(),
                kind: SellerKind::ThirdParty,
                fee_rate: Some(dec!(0.10)),
                org_id: Some(org_id()),
                payout_minimum: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(stored.only(), created);
    assert_eq!(created.fee_rate().value(), dec!(0.10));
    assert!(created.is_managed_by(org_id()));
}

#[tokio::test]
async fn an_org_managing_two_sellers_is_refused() {
    let mut repo = MockSellerRepository::new();
    repo.expect_get()
        .returning(|_| Ok(Some(third_party(1, None, None))));
    repo.expect_upsert().returning(|_| {
        Err(crate::ports::RepoError::Conflict(
            crate::ports::Conflict::SellerOrg,
        ))
    });
    let mut orgs = MockOrgRepository::new();
    orgs.expect_get_or_provision()
        .returning(|o| Ok(Organization::provisioned(o)));
    let svc = service_with(repo, orgs, None);
    let patch = SellerPatch {
        org_id: Some(Some(org_id())),
        ..SellerPatch::default()
    };
    assert!(matches!(
        svc.update(&platform_admin(), seller(1), patch).await,
        Err(SellerError::OrgTaken)
    ));
}

// --- the seller's own view ---

#[tokio::test]
async fn an_org_without_a_seller_sees_none() {
    let mut repo = MockSellerRepository::new();
    repo.expect_of_org().returning(|_| Ok(None));
    let svc = service(repo);
    assert!(matches!(svc.me(&owner()).await, Err(SellerError::NotFound)));
    assert!(matches!(
        svc.statement(&owner(), march()).await,
        Err(SellerError::NotFound)
    ));
    assert!(matches!(
        svc.payouts(&owner()).await,
        Err(SellerError::NotFound)
    ));
}

#[tokio::test]
async fn another_orgs_seller_is_not_found_and_its_ledger_untouched() {
    let mut repo = MockSellerRepository::new();
    repo.expect_get()
        .returning(|_| Ok(Some(third_party(1, Some(other_org_id()), None))));
    // No postings_for expectation: reading the ledger would panic.
    let svc = service(repo);
    assert!(matches!(
        svc.statement_of(&owner(), seller(1), march()).await,
        Err(SellerError::NotFound)
    ));
    assert!(matches!(
        svc.get(&owner(), seller(1)).await,
        Err(SellerError::NotFound)
    ));
}

#[tokio::test]
async fn r_m6_a_sellers_users_read_their_statement_from_the_ledger() {
    let me = third_party(1, Some(org_id()), None);
    let sold_at = Utc.with_ymd_and_hms(2025, 3, 10, 0, 0, 0).unwrap();
    let sale = sale_posting(
        PostingId::from_uuid(Uuid::from_u128(1)),
        OrderId::from_uuid(Uuid::from_u128(2)),
        None,
        other_org_id(),
        sold_at,
        &[SaleLine {
            tool_id: tid(1),
            seller: me.terms(),
            gross: usd(dec!(19.99)),
        }],
    )
    .unwrap();
    let mut repo = MockSellerRepository::new();
    let m = me.clone();
    repo.expect_of_org()
        .withf(|o| *o == org_id())
        .returning(move |_| Ok(Some(m.clone())));
    let windows = Calls::new();
    let w = windows.clone();
    repo.expect_postings_for().returning(move |s, from, to| {
        w.push((s, from, to));
        Ok(vec![sale.clone()])
    });
    let svc = service(repo);
    for actor in [owner(), member(), viewer()] {
        let st = svc.statement(&actor, march()).await.unwrap();
        assert_eq!(st.statement.totals.gross, usd(dec!(19.99)));
        assert_eq!(st.statement.totals.net, usd(dec!(18.99)));
        assert_eq!(st.closing, usd(dec!(18.99)));
    }
    let april = svc
        .statement(&owner(), YearMonth::parse("2025-04").unwrap())
        .await
        .unwrap();
    assert!(april.statement.lines.is_empty(), "no activity: empty");
    assert_eq!(april.opening, usd(dec!(18.99)));
    let (s, from, to) = windows.all()[0];
    assert_eq!((s, from), (seller(1), None));
    assert_eq!(to, Some(Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap()));
}

// --- onboarding ---

#[tokio::test]
async fn onboarding_is_for_the_orgs_owners_and_admins_and_needs_connect() {
    let mut repo = MockSellerRepository::new();
    repo.expect_of_org()
        .returning(|_| Ok(Some(third_party(1, Some(org_id()), None))));
    let svc = service(repo);
    assert!(matches!(
        svc.start_onboarding(&member(), "r", "b").await,
        Err(SellerError::Forbidden(Forbidden(
            Permission::ManageSellerAccount
        )))
    ));
    assert!(matches!(
        svc.start_onboarding(&owner(), "r", "b").await,
        Err(SellerError::ConnectNotConfigured)
    ));
}

#[tokio::test]
async fn r_p1_members_and_viewers_are_refused_onboarding_before_any_lookup() {
    // No expectation on the repository, the orgs or the provider: any call would panic.
    let svc = service_with(
        MockSellerRepository::new(),
        MockOrgRepository::new(),
        Some(MockPayoutGateway::new()),
    );
    for actor in [member(), viewer()] {
        assert!(matches!(
            svc.start_onboarding(&actor, "r", "b").await,
            Err(SellerError::Forbidden(Forbidden(
                Permission::ManageSellerAccount
            )))
        ));
    }
}

#[tokio::test]
async fn onboarding_creates_the_account_once_then_links() {
    let mut repo = MockSellerRepository::new();
    repo.expect_of_org()
        .times(1)
        .returning(|_| Ok(Some(third_party(1, Some(org_id()), None))));
    let saved = Calls::new();
    let s = saved.clone();
    repo.expect_set_connect_account().returning(move |id, a| {
        s.push((id, a.clone()));
        Ok(())
    });
    let mut gw = MockPayoutGateway::new();
    gw.expect_create_account()
        .withf(|s, key| *s == seller(1) && key == format!("connect-account-{}", seller(1)))
        .times(1)
        .returning(|_, _| {
            Ok(ConnectAccount {
                account_id: "acct_1".into(),
                payouts_enabled: false,
            })
        });
    gw.expect_account_link()
        .withf(|a, r, b| a == "acct_1" && r == "https://r" && b == "https://b")
        .returning(|_, _, _| Ok("https://connect.stripe.com/setup/x".into()));
    let svc = service_with(repo, MockOrgRepository::new(), Some(gw));
    let o = svc
        .start_onboarding(&owner(), "https://r", "https://b")
        .await
        .unwrap();
    assert_eq!(o.account_id, "acct_1");
    assert_eq!(o.url, "https://connect.stripe.com/setup/x");
    assert_eq!(saved.only().1.account_id, "acct_1");
}

#[tokio::test]
async fn the_platform_seller_is_not_onboarded() {
    let mut repo = MockSellerRepository::new();
    let mut p = platform().into_parts();
    p.org_id = Some(org_id());
    let p = Seller::restore(p);
    repo.expect_of_org().returning(move |_| Ok(Some(p.clone())));
    let svc = service_with(
        repo,
        MockOrgRepository::new(),
        Some(MockPayoutGateway::new()),
    );
    assert!(matches!(
        svc.start_onboarding(&owner(), "r", "b").await,
        Err(SellerError::PlatformSeller)
    ));
}

#[tokio::test]
async fn account_updated_records_when_payouts_are_enabled() {
    let mut repo = MockSellerRepository::new();
    repo.expect_by_connect_account().returning(|a| {
        Ok((a == "acct_1").then(|| third_party(1, Some(org_id()), Some(("acct_1", false)))))
    });
    let saved = Calls::new();
    let s = saved.clone();
    repo.expect_set_connect_account().returning(move |id, a| {
        s.push((id, a.clone()));
        Ok(())
    });
    let svc = service(repo);
    assert!(!svc.account_updated("acct_other", true).await.unwrap());
    assert!(
        !svc.account_updated("acct_1", false).await.unwrap(),
        "no change"
    );
    assert!(svc.account_updated("acct_1", true).await.unwrap());
    assert_eq!(
        saved.only(),
        (
            seller(1),
            ConnectAccount {
                account_id: "acct_1".into(),
                payouts_enabled: true
            }
        )
    );
}

// --- the payout run ---

fn fifth_of_april() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 5, 0, 0, 0).unwrap()
}

/// A March sale of 100.00 by seller 1 (95.00 payable at 5%).
fn march_sale() -> crate::revenue::Posting {
    sale_posting(
        PostingId::from_uuid(Uuid::from_u128(1)),
        OrderId::from_uuid(Uuid::from_u128(2)),
        None,
        other_org_id(),
        Utc.with_ymd_and_hms(2025, 3, 10, 0, 0, 0).unwrap(),
        &[SaleLine {
            tool_id: tid(1),
            seller: third_party(1, None, None).terms(),
            gross: usd(dec!(100.00)),
        }],
    )
    .unwrap()
}

fn payouts(repo: MockSellerRepository, gw: Option<MockPayoutGateway>) -> PayoutService {
    PayoutService::new(
        Arc::new(repo),
        gw.map(|g| Arc::new(g) as Arc<dyn crate::seller::PayoutGateway>),
        Arc::new(audit()),
        Arc::new(ids()),
    )
}

fn pending(amount: rust_decimal::Decimal) -> Payout {
    Payout {
        id: PayoutId::from_uuid(Uuid::from_u128(7)),
        seller_id: seller(1),
        month: march(),
        amount: usd(amount),
        status: PayoutStatus::Pending,
        transfer_id: None,
        failure_reason: None,
        created_at: fifth_of_april(),
        updated_at: fifth_of_april(),
    }
}

fn onboarded_repo(existing: Option<Payout>) -> MockSellerRepository {
    let mut repo = MockSellerRepository::new();
    repo.expect_list().returning(|| {
        Ok(vec![
            platform(),
            third_party(1, None, Some(("acct_1", true))),
            third_party(2, None, Some(("acct_2", false))),
            third_party(3, None, None),
        ])
    });
    let listed = existing.clone();
    repo.expect_payouts_of()
        .returning(move |_| Ok(listed.clone().into_iter().collect()));
    repo.expect_payout_for()
        .returning(move |_, _| Ok(existing.clone()));
    repo.expect_postings_for()
        .returning(|_, _, _| Ok(vec![march_sale()]));
    repo
}

#[tokio::test]
async fn a_month_is_paid_out_from_the_fifth_of_the_next_month_only() {
    let svc = payouts(MockSellerRepository::new(), Some(MockPayoutGateway::new()));
    let early = Utc.with_ymd_and_hms(2025, 4, 4, 23, 59, 59).unwrap();
    assert!(matches!(
        svc.run(march(), early).await,
        Err(PayoutRunError::TooEarly { .. })
    ));
    let svc = payouts(MockSellerRepository::new(), None);
    assert!(matches!(
        svc.run(march(), fifth_of_april()).await,
        Err(PayoutRunError::NotConfigured)
    ));
}

#[tokio::test]
async fn an_onboarded_seller_is_recorded_transferred_with_its_key_and_completed() {
    let mut repo = onboarded_repo(None);
    let recorded: Calls<PayoutPlan> = Calls::new();
    let r = recorded.clone();
    repo.expect_record_payout().returning(move |p| {
        r.push(p.clone());
        Ok(())
    });
    let completed: Calls<PayoutPlan> = Calls::new();
    let c = completed.clone();
    repo.expect_complete_payout().returning(move |p| {
        c.push(p.clone());
        Ok(())
    });
    let mut gw = MockPayoutGateway::new();
    let key = format!("payout-{}-2025-03", seller(1));
    gw.expect_transfer()
        .withf(move |a, m, k| a == "acct_1" && *m == usd(dec!(95.00)) && k == key)
        .times(1)
        .returning(|_, _, _| Ok(Transfer { id: "tr_1".into() }));
    let report = payouts(repo, Some(gw))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    let outcomes: Vec<_> = report.results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        [
            PayoutOutcome::Paid {
                amount: usd(dec!(95.00)),
                transfer_id: "tr_1".into()
            },
            PayoutOutcome::NotOnboarded,
            PayoutOutcome::NotOnboarded,
        ],
        "the platform is skipped; sellers without payouts enabled are reported"
    );
    let rec = recorded.only();
    assert_eq!(rec.payout.status, PayoutStatus::Pending);
    assert_eq!(rec.posting.kind(), PostingKind::Payout);
    assert_eq!(
        rec.posting.entries()[0].account,
        Account::SellerPayable(seller(1))
    );
    let done = completed.only();
    assert_eq!(done.payout.status, PayoutStatus::Paid);
    assert_eq!(done.payout.transfer_id.as_deref(), Some("tr_1"));
    assert_eq!(
        done.posting.entries()[1].account,
        Account::PaidOut(seller(1))
    );
}

#[tokio::test]
async fn a_paid_or_failed_month_is_never_transferred_again() {
    for (status, expected) in [
        (
            PayoutStatus::Paid,
            PayoutOutcome::AlreadyPaid {
                amount: usd(dec!(95.00)),
            },
        ),
        (
            PayoutStatus::Failed,
            PayoutOutcome::PreviouslyFailed {
                amount: usd(dec!(95.00)),
            },
        ),
    ] {
        let existing = Payout {
            status,
            ..pending(dec!(95.00))
        };
        // No transfer, record, complete or reverse expectation: any would panic.
        let report = payouts(
            onboarded_repo(Some(existing)),
            Some(MockPayoutGateway::new()),
        )
        .run(march(), fifth_of_april())
        .await
        .unwrap();
        assert_eq!(report.results[0].outcome, expected);
    }
}

#[tokio::test]
async fn a_pending_payout_left_by_a_crash_is_finished_with_the_same_key() {
    let mut repo = onboarded_repo(Some(pending(dec!(95.00))));
    repo.expect_complete_payout().times(1).returning(|_| Ok(()));
    let mut gw = MockPayoutGateway::new();
    let key = format!("payout-{}-2025-03", seller(1));
    gw.expect_transfer()
        .withf(move |_, m, k| *m == usd(dec!(95.00)) && k == key)
        .times(1)
        .returning(|_, _, _| Ok(Transfer { id: "tr_1".into() }));
    let report = payouts(repo, Some(gw))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    assert!(matches!(
        report.results[0].outcome,
        PayoutOutcome::Paid { .. }
    ));
}

#[tokio::test]
async fn a_refused_transfer_is_reversed_and_reported() {
    let mut repo = onboarded_repo(Some(pending(dec!(95.00))));
    let reversed: Calls<PayoutPlan> = Calls::new();
    let r = reversed.clone();
    repo.expect_reverse_payout().returning(move |p| {
        r.push(p.clone());
        Ok(())
    });
    let mut gw = MockPayoutGateway::new();
    gw.expect_transfer().returning(|_, _, _| {
        Err(PaymentError::Invalid(
            "No such destination: 'acct_1'".into(),
        ))
    });
    let report = payouts(repo, Some(gw))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    assert!(report.has_problems());
    assert!(matches!(
        &report.results[0].outcome,
        PayoutOutcome::Failed { reason, .. } if reason.contains("No such destination")
    ));
    let rev = reversed.only();
    assert_eq!(rev.payout.status, PayoutStatus::Failed);
    assert_eq!(rev.posting.kind(), PostingKind::PayoutReversal);
    assert_eq!(
        rev.posting.entries()[1].account,
        Account::SellerPayable(seller(1))
    );
}

#[tokio::test]
async fn an_unknown_transfer_outcome_leaves_the_payout_pending() {
    // No complete or reverse expectation: the payout must be left as it is.
    let repo = onboarded_repo(Some(pending(dec!(95.00))));
    let mut gw = MockPayoutGateway::new();
    gw.expect_transfer()
        .returning(|_, _, _| Err(PaymentError::Unavailable("connection reset".into())));
    let report = payouts(repo, Some(gw))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    assert!(matches!(
        report.results[0].outcome,
        PayoutOutcome::Pending { .. }
    ));
}

#[tokio::test]
async fn below_the_minimum_nothing_is_recorded() {
    let mut repo = MockSellerRepository::new();
    let mut s = third_party(1, None, Some(("acct_1", true))).into_parts();
    s.payout = crate::seller::PayoutSettings::new(usd(dec!(100.00))).unwrap();
    let s = Seller::restore(s);
    repo.expect_list().returning(move || Ok(vec![s.clone()]));
    repo.expect_payouts_of().returning(|_| Ok(vec![]));
    repo.expect_payout_for().returning(|_, _| Ok(None));
    repo.expect_postings_for()
        .returning(|_, _, _| Ok(vec![march_sale()]));
    let report = payouts(repo, Some(MockPayoutGateway::new()))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    assert_eq!(
        report.results[0].outcome,
        PayoutOutcome::Carried {
            payable: usd(dec!(95.00))
        }
    );
}

#[tokio::test]
async fn a_concurrent_run_that_recorded_first_is_left_to_finish() {
    let mut repo = onboarded_repo(None);
    repo.expect_record_payout().returning(|_| {
        Err(crate::ports::RepoError::Conflict(
            crate::ports::Conflict::PayoutMonth,
        ))
    });
    // No transfer expectation.
    let report = payouts(repo, Some(MockPayoutGateway::new()))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    assert!(matches!(
        report.results[0].outcome,
        PayoutOutcome::Pending { .. }
    ));
}

#[tokio::test]
async fn a_payout_left_pending_in_an_earlier_month_is_finished_first() {
    // February's payout never reached the provider; March has nothing new.
    let february = Payout {
        month: YearMonth::parse("2025-02").unwrap(),
        ..pending(dec!(40.00))
    };
    let mut repo = MockSellerRepository::new();
    repo.expect_list()
        .returning(|| Ok(vec![third_party(1, None, Some(("acct_1", true)))]));
    let f = february.clone();
    repo.expect_payouts_of()
        .returning(move |_| Ok(vec![f.clone()]));
    repo.expect_payout_for().returning(|_, _| Ok(None));
    repo.expect_postings_for().returning(|_, _, _| Ok(vec![]));
    let completed: Calls<PayoutPlan> = Calls::new();
    let c = completed.clone();
    repo.expect_complete_payout().returning(move |p| {
        c.push(p.clone());
        Ok(())
    });
    let mut gw = MockPayoutGateway::new();
    let key = format!("payout-{}-2025-02", seller(1));
    gw.expect_transfer()
        .withf(move |_, m, k| *m == usd(dec!(40.00)) && k == key)
        .times(1)
        .returning(|_, _, _| {
            Ok(Transfer {
                id: "tr_feb".into(),
            })
        });
    let report = payouts(repo, Some(gw))
        .run(march(), fifth_of_april())
        .await
        .unwrap();
    let months: Vec<_> = report
        .results
        .iter()
        .map(|r| (r.month.to_string(), r.outcome.clone()))
        .collect();
    assert_eq!(
        months,
        [
            (
                "2025-02".to_owned(),
                PayoutOutcome::Paid {
                    amount: usd(dec!(40.00)),
                    transfer_id: "tr_feb".into()
                }
            ),
            (
                "2025-03".to_owned(),
                PayoutOutcome::Carried {
                    payable: usd(dec!(0))
                }
            ),
        ]
    );
    assert_eq!(completed.only().payout.month, february.month);
}
