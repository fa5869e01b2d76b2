//! Stripe Connect against a wiremock server that behaves like Stripe for transfers
//! (a repeated idempotency key answers with the first transfer and moves no money): the
//! requests `StripeConnect` sends, how failures map, and whole payout runs over the
//! testkit's store. A run executed twice, and a run that fails midway (Stripe down for
//! one seller, the process killed right after another's transfer) and is rerun, pay each
//! seller exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::checkout::{IdempotencyKey, PaymentError, PaymentMethod};
use marketplace_domain::ids::{OrgId, SellerId, ToolId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::{Account, Posting, PostingKind, SellerKind, YearMonth, balance};
use marketplace_domain::seller::{
    ConnectAccount, NewSeller, Payout, PayoutGateway, PayoutOutcome, PayoutPlan, PayoutReport,
    PayoutService, PayoutStatus, Seller, SellerRepository,
};
use marketplace_domain::tier::Tier;
use marketplace_stripe::webhook::{EventData, parse_event};
use marketplace_stripe::{StripeConfig, StripeConnect};
use marketplace_testkit::builders::{BundleBuilder, usd};
use marketplace_testkit::fakes::{Fakes, InMemoryStore};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sk_test_connect";

fn connect(server: &MockServer) -> StripeConnect {
    let mut config = StripeConfig::new(KEY).with_api_base(server.uri());
    config.initial_backoff = Duration::from_millis(1);
    config.max_backoff = Duration::from_millis(2);
    config.max_retries = 2;
    StripeConnect::new(config).unwrap()
}

fn form(request: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

// --- a Stripe that keeps its idempotency promise ------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Down {
    /// 500 on every attempt.
    ServerError,
    /// 400 `No such destination`.
    Refuse,
}

#[derive(Default)]
struct Ledger {
    /// The transfers made, by idempotency key: the money moved once per key.
    by_key: BTreeMap<String, (String, BTreeMap<String, String>)>,
    down: BTreeMap<String, Down>,
}

/// `POST /v1/transfers` as Stripe answers it.
#[derive(Clone, Default)]
struct Transfers(Arc<Mutex<Ledger>>);

impl Transfers {
    fn set_down(&self, destination: &str, down: Option<Down>) {
        let mut l = self.0.lock().unwrap();
        match down {
            Some(d) => l.down.insert(destination.to_owned(), d),
            None => l.down.remove(destination),
        };
    }

    /// The money moved: (destination, amount in cents, key, transfer id), one per key.
    fn moved(&self) -> Vec<(String, i64, String, String)> {
        self.0
            .lock()
            .unwrap()
            .by_key
            .iter()
            .map(|(key, (id, f))| {
                (
                    f["destination"].clone(),
                    f["amount"].parse().unwrap(),
                    key.clone(),
                    id.clone(),
                )
            })
            .collect()
    }
}

impl Respond for Transfers {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let f = form(request);
        let Some(key) = header(request, "Idempotency-Key") else {
            return ResponseTemplate::new(400).set_body_json(json!({"error": {
                "type": "invalid_request_error", "message": "no key"}}));
        };
        let mut l = self.0.lock().unwrap();
        if let Some((id, first)) = l.by_key.get(&key) {
            if *first != f {
                return ResponseTemplate::new(400).set_body_json(json!({"error": {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same parameters"}}));
            }
            return ResponseTemplate::new(200)
                .insert_header("Idempotent-Replayed", "true")
                .set_body_json(json!({"id": id, "object": "transfer"}));
        }
        match l.down.get(&f["destination"]) {
            Some(Down::ServerError) => {
                return ResponseTemplate::new(500).set_body_json(json!({"error": {
                    "type": "api_error", "message": "An unknown error occurred"}}));
            }
            Some(Down::Refuse) => {
                return ResponseTemplate::new(400).set_body_json(json!({"error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": format!("No such destination: '{}'", f["destination"])}}));
            }
            None => {}
        }
        let id = format!("tr_{}", l.by_key.len() + 1);
        l.by_key.insert(key, (id.clone(), f.clone()));
        ResponseTemplate::new(200).set_body_json(json!({
            "id": id, "object": "transfer", "amount": f["amount"].parse::<i64>().unwrap(),
            "currency": f["currency"], "destination": f["destination"]
        }))
    }
}

async fn stripe() -> (MockServer, Transfers) {
    let server = MockServer::start().await;
    let transfers = Transfers::default();
    Mock::given(method("POST"))
        .and(path("/v1/transfers"))
        .respond_with(transfers.clone())
        .mount(&server)
        .await;
    (server, transfers)
}

/// Every transfer request received: (destination, idempotency key).
async fn transfer_requests(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/transfers")
        .map(|r| {
            (
                form(r)["destination"].clone(),
                header(r, "Idempotency-Key").unwrap(),
            )
        })
        .collect()
}

// --- a store the process can be killed in -------------------------------------------

/// The testkit store, where "the process dies" right after the transfer of one seller:
/// completing its payout fails once.
struct Killable {
    inner: Arc<InMemoryStore>,
    kill_before_completing: Mutex<Option<SellerId>>,
}

#[async_trait]
impl SellerRepository for Killable {
    async fn get(&self, id: SellerId) -> Result<Option<Seller>, RepoError> {
        self.inner.get(id).await
    }
    async fn of_org(&self, org: OrgId) -> Result<Option<Seller>, RepoError> {
        self.inner.of_org(org).await
    }
    async fn by_connect_account(&self, account_id: &str) -> Result<Option<Seller>, RepoError> {
        self.inner.by_connect_account(account_id).await
    }
    async fn list(&self) -> Result<Vec<Seller>, RepoError> {
        self.inner.list().await
    }
    async fn upsert(&self, seller: &Seller) -> Result<(), RepoError> {
        self.inner.upsert(seller).await
    }
    async fn set_connect_account(
        &self,
        id: SellerId,
        account: &ConnectAccount,
    ) -> Result<(), RepoError> {
        self.inner.set_connect_account(id, account).await
    }
    async fn tools_of(&self, id: SellerId) -> Result<Vec<ToolId>, RepoError> {
        self.inner.tools_of(id).await
    }
    async fn assign_tool(&self, tool: ToolId, seller: SellerId) -> Result<(), RepoError> {
        self.inner.assign_tool(tool, seller).await
    }
    async fn postings_for(
        &self,
        seller: SellerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<Posting>, RepoError> {
        self.inner.postings_for(seller, from, to).await
    }
    async fn postings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Posting>, RepoError> {
        self.inner.postings_between(from, to).await
    }
    async fn payout_for(
        &self,
        seller: SellerId,
        month: YearMonth,
    ) -> Result<Option<Payout>, RepoError> {
        self.inner.payout_for(seller, month).await
    }
    async fn payouts_of(&self, seller: SellerId) -> Result<Vec<Payout>, RepoError> {
        self.inner.payouts_of(seller).await
    }
    async fn record_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        self.inner.record_payout(plan).await
    }
    async fn complete_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        let killed = {
            let mut kill = self.kill_before_completing.lock().unwrap();
            let now = *kill == Some(plan.payout.seller_id);
            if now {
                *kill = None;
            }
            now
        };
        if killed {
            return Err(RepoError::Unavailable("the process was killed".into()));
        }
        self.inner.complete_payout(plan).await
    }
    async fn reverse_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        self.inner.reverse_payout(plan).await
    }
}

// --- the marketplace -------------------------------------------------------------------

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, month, day, 10, 0, 0).unwrap()
}

fn march() -> YearMonth {
    YearMonth::parse("2025-03").unwrap()
}

struct Market {
    fakes: Fakes,
    /// Seller id and connected account, A, B, C.
    sellers: Vec<(SellerId, String)>,
}

/// Three onboarded sellers at 5%; in March a buyer buys a bundle of one tool of each
/// (list 100 / 200 / 300, bundle 600.00) and a tool of A alone (50.00). Owed for March:
/// A 95.00 + 47.50, B 190.00, C 285.00.
async fn market() -> Market {
    let fakes = Fakes::new();
    let mut sellers = Vec::new();
    let mut tools = Vec::new();
    for (name, price) in [("A", "100.00"), ("B", "200.00"), ("C", "300.00")] {
        let mut seller = NewSeller {
            name: format!("Seller {name}"),
            kind: SellerKind::ThirdParty,
            fee_rate: None,
            org_id: None,
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(uuid::Uuid::new_v4()), at(1, 1))
        .unwrap();
        let account = format!("acct_{name}");
        seller.set_connect(ConnectAccount {
            account_id: account.clone(),
            payouts_enabled: true,
        });
        SellerRepository::upsert(fakes.store.as_ref(), &seller)
            .await
            .unwrap();
        tools.push(fakes.tool(|b| b.seller(seller.id()).price(price)));
        sellers.push((seller.id(), account));
    }
    let extra = fakes.tool(|b| b.seller(sellers[0].0).price("50.00"));
    let bundle =
        fakes.add_bundle(BundleBuilder::over(&[&tools[0], &tools[1], &tools[2]]).price("600.00"));
    let (org, owner) = fakes.org_with_owner(Tier::Elite);
    fakes.set_org(org, Tier::Elite, usd("10000.00"));
    fakes.clock.set(at(3, 10));
    for item in [ItemRef::Bundle(bundle.id()), ItemRef::Tool(extra.id)] {
        fakes.cart_service().add(&owner, item).await.unwrap();
    }
    fakes
        .checkout_service()
        .checkout(
            &owner,
            IdempotencyKey::parse("march-order").unwrap(),
            PaymentMethod::PlatformCredits,
        )
        .await
        .unwrap();
    Market { fakes, sellers }
}

impl Market {
    fn payouts(&self, store: Arc<dyn SellerRepository>, server: &MockServer) -> PayoutService {
        PayoutService::new(
            store,
            Some(Arc::new(connect(server))),
            self.fakes.audit.clone(),
            self.fakes.ids.clone(),
        )
    }

    fn key(&self, i: usize) -> String {
        format!("payout-{}-2025-03", self.sellers[i].0)
    }

    fn account(&self, i: usize) -> String {
        self.sellers[i].1.clone()
    }

    fn balance(&self, account: Account) -> Money {
        let postings = self.fakes.store.postings();
        balance(
            postings.iter().flat_map(Posting::entries),
            &account,
            Currency::USD,
        )
    }
}

fn outcome(report: &PayoutReport, seller: SellerId) -> PayoutOutcome {
    report
        .results
        .iter()
        .find(|r| r.seller_id == seller)
        .unwrap()
        .outcome
        .clone()
}

fn paid(report: &PayoutReport, seller: SellerId) -> Money {
    match outcome(report, seller) {
        PayoutOutcome::Paid { amount, .. } => amount,
        other => panic!("expected a transfer, got {other:?}"),
    }
}

#[tokio::test]
async fn a_payout_run_executed_twice_pays_each_seller_once() {
    let (server, transfers) = stripe().await;
    let m = market().await;
    let run = m.payouts(m.fakes.store.clone(), &server);
    let [a, b, c] = [0, 1, 2].map(|i| m.sellers[i].0);

    let first = run.run(march(), at(4, 5)).await.unwrap();
    assert_eq!(paid(&first, a), usd("142.50"));
    assert_eq!(paid(&first, b), usd("190.00"));
    assert_eq!(paid(&first, c), usd("285.00"));
    let second = run.run(march(), at(4, 5)).await.unwrap();
    for s in [a, b, c] {
        assert!(matches!(
            outcome(&second, s),
            PayoutOutcome::AlreadyPaid { .. }
        ));
    }

    // Exactly one request per seller (in seller id order), under its (seller, month) key.
    let mut sent = transfer_requests(&server).await;
    sent.sort();
    assert_eq!(
        sent,
        (0..3).map(|i| (m.account(i), m.key(i))).collect::<Vec<_>>()
    );
    let moved = transfers.moved();
    assert_eq!(moved.len(), 3);
    let by_dest: BTreeMap<_, _> = moved.iter().map(|(d, c, _, _)| (d.clone(), *c)).collect();
    assert_eq!(
        by_dest,
        BTreeMap::from([
            ("acct_A".to_owned(), 14_250),
            ("acct_B".to_owned(), 19_000),
            ("acct_C".to_owned(), 28_500)
        ])
    );
    // The request as Stripe needs it.
    let requests = server.received_requests().await.unwrap();
    let to_a = requests
        .iter()
        .find(|r| form(r)["destination"] == "acct_A")
        .unwrap();
    let f = form(to_a);
    assert_eq!(f["amount"], "14250");
    assert_eq!(f["currency"], "usd");
    assert_eq!(f["destination"], "acct_A");
    assert_eq!(f["transfer_group"], m.key(0));
    assert_eq!(
        header(to_a, "Authorization").as_deref(),
        Some("Bearer sk_test_connect")
    );
    // The ledger: everything owed moved to paid out; nothing in transit.
    for (i, s) in [a, b, c].into_iter().enumerate() {
        assert!(m.balance(Account::SellerPayable(s)).is_zero(), "seller {i}");
        assert!(m.balance(Account::PayoutsInTransit(s)).is_zero());
    }
    assert_eq!(m.balance(Account::PaidOut(c)), usd("-285.00"));
}

#[tokio::test]
async fn a_run_that_fails_midway_and_is_rerun_pays_each_seller_once() {
    let (server, transfers) = stripe().await;
    let m = market().await;
    let [a, b, c] = [0, 1, 2].map(|i| m.sellers[i].0);
    let store = Arc::new(Killable {
        inner: m.fakes.store.clone(),
        kill_before_completing: Mutex::new(Some(c)),
    });
    let run = m.payouts(store, &server);

    // Stripe fails for B; the process "dies" right after C's transfer went through.
    transfers.set_down("acct_B", Some(Down::ServerError));
    let first = run.run(march(), at(4, 5)).await.unwrap();
    assert_eq!(paid(&first, a), usd("142.50"));
    assert!(matches!(outcome(&first, b), PayoutOutcome::Pending { .. }));
    assert!(matches!(outcome(&first, c), PayoutOutcome::Error { .. }));
    assert!(first.has_problems());
    for s in [b, c] {
        let p = m.fakes.store.payout_for(s, march()).await.unwrap().unwrap();
        assert_eq!(p.status, PayoutStatus::Pending, "left for the next run");
    }

    // The rerun finishes both under the same keys; A is not paid again.
    transfers.set_down("acct_B", None);
    let second = run.run(march(), at(4, 6)).await.unwrap();
    assert!(matches!(
        outcome(&second, a),
        PayoutOutcome::AlreadyPaid { .. }
    ));
    assert_eq!(paid(&second, b), usd("190.00"));
    assert_eq!(paid(&second, c), usd("285.00"));
    let third = run.run(march(), at(4, 7)).await.unwrap();
    assert!(!third.has_problems());

    let requests = transfer_requests(&server).await;
    // A once; B three attempts (a first try and two retries) then once more; C twice.
    let for_account = |acct: &str| -> Vec<String> {
        requests
            .iter()
            .filter(|(d, _)| d == acct)
            .map(|(_, k)| k.clone())
            .collect()
    };
    assert_eq!(for_account("acct_A"), vec![m.key(0)]);
    assert_eq!(for_account("acct_B"), vec![m.key(1); 4]);
    assert_eq!(for_account("acct_C"), vec![m.key(2); 2]);
    // Money moved once per seller: one transfer per key.
    let moved = transfers.moved();
    let mut destinations: Vec<&str> = moved.iter().map(|(d, ..)| d.as_str()).collect();
    destinations.sort_unstable();
    assert_eq!(destinations, ["acct_A", "acct_B", "acct_C"]);
    let c_transfer = moved
        .iter()
        .find(|(d, ..)| d == "acct_C")
        .map(|(.., id)| id.clone());
    let c_payout = m.fakes.store.payout_for(c, march()).await.unwrap().unwrap();
    assert_eq!(
        c_payout.transfer_id, c_transfer,
        "the replayed transfer is the one recorded"
    );
    for s in [a, b, c] {
        assert!(m.balance(Account::PayoutsInTransit(s)).is_zero());
        assert!(m.balance(Account::SellerPayable(s)).is_zero());
    }
    let payouts = m
        .fakes
        .store
        .postings()
        .into_iter()
        .filter(|p| p.kind() == PostingKind::Payout)
        .count();
    assert_eq!(payouts, 6, "sent and arrived, once per seller");
}

#[tokio::test]
async fn a_refused_transfer_is_reversed_reported_and_not_retried() {
    let (server, transfers) = stripe().await;
    let m = market().await;
    let run = m.payouts(m.fakes.store.clone(), &server);
    let b = m.sellers[1].0;
    transfers.set_down("acct_B", Some(Down::Refuse));
    let first = run.run(march(), at(4, 5)).await.unwrap();
    assert!(matches!(
        outcome(&first, b),
        PayoutOutcome::Failed { ref reason, amount } if reason.contains("No such destination") && amount == usd("190.00")
    ));
    let again = run.run(march(), at(4, 6)).await.unwrap();
    assert!(matches!(
        outcome(&again, b),
        PayoutOutcome::PreviouslyFailed { .. }
    ));
    assert_eq!(
        transfer_requests(&server)
            .await
            .iter()
            .filter(|(d, _)| d == "acct_B")
            .count(),
        1,
        "a 400 is final: not retried"
    );
    assert_eq!(
        m.balance(Account::SellerPayable(b)),
        usd("-190.00"),
        "the reversal put it back"
    );
    let p = m.fakes.store.payout_for(b, march()).await.unwrap().unwrap();
    assert_eq!(p.status, PayoutStatus::Failed);
}

#[tokio::test]
async fn onboarding_creates_an_express_account_and_an_account_link() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "acct_1NewSeller", "object": "account", "type": "express",
            "payouts_enabled": false, "charges_enabled": false, "details_submitted": false
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/account_links"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "account_link", "url": "https://connect.stripe.com/setup/e/acct_1NewSeller/abc",
            "expires_at": 1_700_000_000
        })))
        .mount(&server)
        .await;
    let c = connect(&server);
    let seller = SellerId::from_uuid(uuid::Uuid::new_v4());
    let account = c.create_account(seller, "connect-account-x").await.unwrap();
    assert_eq!(
        account,
        ConnectAccount {
            account_id: "acct_1NewSeller".into(),
            payouts_enabled: false
        }
    );
    let url = c
        .account_link(
            "acct_1NewSeller",
            "https://m.example/refresh",
            "https://m.example/done",
        )
        .await
        .unwrap();
    assert_eq!(
        url,
        "https://connect.stripe.com/setup/e/acct_1NewSeller/abc"
    );

    let requests = server.received_requests().await.unwrap();
    let f = form(&requests[0]);
    assert_eq!(f["type"], "express");
    assert_eq!(f["capabilities[transfers][requested]"], "true");
    assert_eq!(f["metadata[seller_id]"], seller.to_string());
    assert_eq!(
        header(&requests[0], "Idempotency-Key").as_deref(),
        Some("connect-account-x")
    );
    let f = form(&requests[1]);
    assert_eq!(f["account"], "acct_1NewSeller");
    assert_eq!(f["type"], "account_onboarding");
    assert_eq!(f["refresh_url"], "https://m.example/refresh");
    assert_eq!(f["return_url"], "https://m.example/done");
}

#[tokio::test]
async fn transfer_failures_map_like_the_payment_gateway() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/transfers"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "type": "invalid_request_error", "message": "Invalid API Key provided"}})))
        .mount(&server)
        .await;
    let err = connect(&server)
        .transfer("acct_1", usd("10.00"), "k")
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::Configuration(_)), "{err:?}");
    let err = connect(&server)
        .transfer("acct_1", usd("0.00"), "k")
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaymentError::Invalid(_)),
        "nothing is sent for zero"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn account_updated_says_whether_payouts_are_enabled() {
    let payload = json!({
        "id": "evt_1", "object": "event", "type": "account.updated", "created": 1_700_000_000,
        "api_version": "2024-06-20", "livemode": false,
        "data": {"object": {"id": "acct_1NewSeller", "object": "account",
            "payouts_enabled": true, "charges_enabled": true, "details_submitted": true,
            "requirements": {"currently_due": []}}}
    });
    let event = parse_event(payload.to_string().as_bytes()).unwrap();
    assert_eq!(
        event.data,
        EventData::AccountUpdated {
            account_id: "acct_1NewSeller".into(),
            payouts_enabled: true,
            details_submitted: true,
        }
    );
}
