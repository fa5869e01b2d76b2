//! The real binary with `MARKETPLACE_PAYMENTS=stripe` against localstripe, a stateful fake
//! Stripe server (`pip install localstripe`).
//!
//! Each test starts its own `localstripe --port <free port> --from-scratch` and its own
//! `marketplace-api` on a temporary SQLite file and a free port, both killed by Drop
//! guards. Tokens come from the binary's `dev-token` subcommand. The test plays the
//! browser (Stripe.js): it creates a card PaymentMethod at localstripe, attaches it to the
//! checkout's PaymentIntent and confirms it. localstripe then delivers signed webhooks to
//! the binary, once and without retries.
//!
//! Where localstripe cannot produce an event (it never renews a subscription) or where the
//! test must control the delivery (signatures, redeliveries), the test builds the event
//! and signs it with the webhook secret exactly as Stripe does.
//!
//! When the `localstripe` command is missing the tests print a notice and pass, unless
//! `MARKETPLACE_REQUIRE_LOCALSTRIPE=1` (CI), in which case they fail.
//!
//! Every wait is bounded (poll every 100 ms, at most 20 s); nothing asserts on timing.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Months, Utc};
use hmac::{Hmac, KeyInit, Mac};
use marketplace_stripe::testing::{LocalStripe, free_port};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_marketplace-api");
const SECRET_KEY: &str = "sk_test_marketplace_e2e";
const WEBHOOK_SECRET: &str = "whsec_marketplace_e2e";
/// The events the README tells an operator to subscribe to.
const EVENTS: [&str; 7] = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
];
const POLL: Duration = Duration::from_millis(100);
const WAIT: Duration = Duration::from_secs(20);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A child process, killed (SIGKILL) and reaped on drop.
struct Proc(Option<Child>);

impl Proc {
    /// SIGKILL now: no graceful shutdown, no in-flight request finished.
    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---- localstripe ---------------------------------------------------------------

/// Starts localstripe, or `None` when it is not installed and not required.
async fn localstripe() -> Option<LocalStripe> {
    LocalStripe::start(SECRET_KEY).await
}

/// The dashboard's and the browser's part.
trait Harness {
    async fn register_webhook(&self, service: &Service);
    async fn pay(&self, intent: &str, number: &str) -> (u16, Value);
}

impl Harness for LocalStripe {
    /// Has localstripe deliver the README's events, signed, to the service.
    async fn register_webhook(&self, service: &Service) {
        let url = format!("{}/v1/webhooks/stripe", service.base());
        let mut form = vec![("url", url.as_str()), ("secret", WEBHOOK_SECRET)];
        form.extend(EVENTS.iter().map(|e| ("events[]", *e)));
        let (status, body) = self.post("/_config/webhooks/marketplace", &form).await;
        assert_eq!(status, 200, "{body}");
    }

    /// What the browser does with the client secret: attach the card to the intent
    /// (localstripe's `/confirm` does not take `payment_method`), then confirm.
    async fn pay(&self, intent: &str, number: &str) -> (u16, Value) {
        let card = self.card(number).await;
        let (status, body) = self
            .post(
                &format!("/v1/payment_intents/{intent}"),
                &[("payment_method", &card)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "requires_confirmation", "{body}");
        self.post(&format!("/v1/payment_intents/{intent}/confirm"), &[])
            .await
    }
}

// ---- the binary ----------------------------------------------------------------

/// One `marketplace-api` on its own SQLite file, restartable (the file survives).
struct Service {
    dir: PathBuf,
    port: u16,
    stripe_base: String,
    proc: Proc,
    http: reqwest::Client,
}

impl Service {
    fn new(stripe: &LocalStripe) -> Self {
        let dir = std::env::temp_dir().join(format!("marketplace-stripe-e2e-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            dir,
            port: free_port(),
            stripe_base: stripe.base().to_owned(),
            proc: Proc(None),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.dir)
            .env_remove("MARKETPLACE_MIGRATE_DATABASE_URL")
            .env_remove("MARKETPLACE_JWT_SECRET")
            .env_remove("MARKETPLACE_JWT_ISSUER")
            .env_remove("RUST_LOG")
            .env("MARKETPLACE_MODE", "demo")
            .env("MARKETPLACE_BIND", format!("127.0.0.1:{}", self.port))
            .env(
                "MARKETPLACE_DATABASE_URL",
                format!("sqlite://{}/m.sqlite?mode=rwc", self.dir.display()),
            )
            .env("MARKETPLACE_LOG", "pretty,info")
            .env("MARKETPLACE_PAYMENTS", "stripe")
            .env("MARKETPLACE_STRIPE_FLAVOR", "localstripe")
            .env("MARKETPLACE_STRIPE_API_BASE", &self.stripe_base)
            .env("MARKETPLACE_STRIPE_SECRET_KEY", SECRET_KEY)
            .env("MARKETPLACE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
        cmd
    }

    fn log_file(&self, name: &str) -> File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(name))
            .unwrap()
    }

    fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        format!(
            "stdout:\n{}\nstderr:\n{}",
            read("stdout.log"),
            read("stderr.log")
        )
    }

    /// Starts the binary (again, after a kill) and waits for /readyz.
    async fn start(&mut self) {
        assert!(self.proc.0.is_none(), "already running");
        let child = self
            .command()
            .stdout(Stdio::from(self.log_file("stdout.log")))
            .stderr(Stdio::from(self.log_file("stderr.log")))
            .spawn()
            .unwrap();
        self.proc = Proc(Some(child));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.proc.0.as_mut().unwrap().try_wait().unwrap() {
                panic!("the service exited early ({status}):\n{}", self.log());
            }
            if let Ok(r) = self
                .http
                .get(format!("{}/readyz", self.base()))
                .send()
                .await
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not ready within 30 s:\n{}",
                self.log()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// SIGKILL, as a crash would.
    fn kill(&mut self) {
        self.proc.kill();
    }

    /// Runs a subcommand with the same environment; its stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// An owner of the demo Enterprise org, from `dev-token`.
    fn owner_token(&self) -> String {
        let org = marketplace_api::demo::ORGS[4];
        assert_eq!(org.name, "Demo Enterprise Realty");
        let stdout = self.run(&[
            "dev-token",
            "--org",
            &org.id.as_uuid().to_string(),
            "--org-role",
            "OWNER",
        ]);
        stdout
            .lines()
            .map(str::trim)
            .rfind(|l| l.split('.').count() == 3 && !l.contains(' '))
            .unwrap_or_else(|| panic!("no token in {stdout:?}"))
            .to_owned()
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: &str, body: &Value, key: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Delivers a webhook as Stripe does: the raw bytes and a `Stripe-Signature` header.
    async fn webhook(&self, body: &[u8], signature: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}/v1/webhooks/stripe", self.base()))
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body.to_vec());
        if let Some(signature) = signature {
            req = req.header("Stripe-Signature", signature);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Delivers a signed event until it is no longer 503 (the service asks for a
    /// redelivery when what the event refers to is not in place yet, as Stripe would).
    async fn deliver(&self, body: &[u8]) -> (u16, Value) {
        let deadline = Instant::now() + WAIT;
        loop {
            let (status, answer) = self
                .webhook(body, Some(&signature(WEBHOOK_SECRET, now(), body)))
                .await;
            if status != 503 || Instant::now() >= deadline {
                return (status, answer);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn order(&self, token: &str, id: &str) -> Value {
        let (status, order) = self.get(&format!("/v1/orders/{id}"), token).await;
        assert_eq!(status, 200, "{order}");
        order
    }

    /// Polls the order until it has `status`.
    async fn wait_order(&self, token: &str, id: &str, status: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let order = self.order(token, id).await;
            if order["status"] == status {
                return order;
            }
            assert!(
                Instant::now() < deadline,
                "order {id} not {status} within {WAIT:?}: {order}\n{}",
                self.log()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    async fn list(&self, path: &str, token: &str) -> Vec<Value> {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, 200, "{body}");
        // A bare array, or a page with `items`.
        body.as_array()
            .or_else(|| body["items"].as_array())
            .unwrap_or_else(|| panic!("no list in {body}"))
            .clone()
    }

    async fn purchases(&self, token: &str) -> Vec<Value> {
        self.list("/v1/purchases", token).await
    }

    async fn entitlements(&self, token: &str) -> Vec<Value> {
        self.list("/v1/entitlements", token).await
    }

    /// A purchasable tool of `price_model` (ONE_TIME, MONTHLY, …) with a price.
    async fn tool(&self, token: &str, price_model: &str) -> Value {
        let tools = self.list("/v1/tools?limit=100", token).await;
        tools
            .into_iter()
            .find(|t| {
                t["price_model"] == price_model
                    && t["status"] == "ACTIVE"
                    && t["required_tier"] != "CUSTOM"
                    && t["price"]["amount"].as_str().is_some_and(|a| a != "0.00")
            })
            .unwrap_or_else(|| panic!("no {price_model} tool in the seed catalog"))
    }

    /// Adds the tool to the cart and checks out by card: 201, PENDING_PAYMENT, with the
    /// intent's id and client secret.
    async fn card_checkout(&self, token: &str, tool_id: &str) -> (String, String) {
        let (status, cart) = self
            .post(
                "/v1/cart/items",
                token,
                &json!({"item_type": "tool", "item_id": tool_id}),
                None,
            )
            .await;
        assert_eq!(status, 201, "{cart}");
        let (status, order) = self
            .post(
                "/v1/checkout",
                token,
                &json!({"payment_method": "credit_card"}),
                Some(&format!("stripe-e2e-{}", Uuid::new_v4())),
            )
            .await;
        assert_eq!(status, 201, "{order}\n{}", self.log());
        assert_eq!(order["status"], "PENDING_PAYMENT", "{order}");
        assert_eq!(order["payment_method"], "credit_card", "{order}");
        let intent = order["payment"]["reference"].as_str().unwrap().to_owned();
        assert!(intent.starts_with("pi_"), "{order}");
        let secret = order["payment"]["client_secret"].as_str().unwrap();
        assert!(secret.starts_with(&intent), "{order}");
        (order["id"].as_str().unwrap().to_owned(), intent)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.proc.kill();
        if !std::thread::panicking() {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }
}

// ---- events, signed as Stripe signs them ----------------------------------------

/// `t=…,v1=…`: HMAC-SHA256 keyed with the endpoint's secret over `"{t}.{body}"`.
fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// An event in localstripe's 2017-08-15 shape.
fn event(event_type: &str, object: Value) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "id": format!("evt_{}", Uuid::new_v4().simple()),
        "object": "event",
        "api_version": "2017-08-15",
        "created": now(),
        "livemode": false,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": object},
    }))
    .unwrap()
}

fn parse_time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {value}"))
        .parse()
        .unwrap()
}

async fn purchase_count(service: &Service, token: &str, tool_id: &str) -> u64 {
    let (status, tool) = service.get(&format!("/v1/tools/{tool_id}"), token).await;
    assert_eq!(status, 200, "{tool}");
    tool["purchase_count"].as_u64().unwrap()
}

/// Exactly one active purchase of the tool, one entitlement to it, one sale counted.
async fn assert_bought_once(service: &Service, token: &str, tool_id: &str, order_id: &str) {
    let purchases = service.purchases(token).await;
    assert_eq!(purchases.len(), 1, "{purchases:?}");
    assert_eq!(purchases[0]["tool_id"], tool_id);
    assert_eq!(purchases[0]["order_id"], order_id);
    assert_eq!(purchases[0]["status"], "ACTIVE");
    assert_eq!(purchases[0]["payment_method"], "credit_card");
    let entitlements = service.entitlements(token).await;
    let to_tool: Vec<&Value> = entitlements
        .iter()
        .filter(|e| e["tool_id"] == tool_id)
        .collect();
    assert_eq!(to_tool.len(), 1, "{entitlements:?}");
    assert_eq!(to_tool[0]["source"], "purchase");
    assert_eq!(purchase_count(service, token, tool_id).await, 1);
}

// ---- a) the card path ---------------------------------------------------------------

#[tokio::test]
async fn a_card_checkout_is_fulfilled_by_localstripes_webhook() {
    let Some(stripe) = localstripe().await else {
        return;
    };
    let mut service = Service::new(&stripe);
    service.start().await;
    stripe.register_webhook(&service).await;
    let token = service.owner_token();
    let tool = service.tool(&token, "ONE_TIME").await;
    let tool_id = tool["id"].as_str().unwrap();

    let (order_id, intent) = service.card_checkout(&token, tool_id).await;
    // The intent localstripe holds: the order's total in cents, its ids in metadata.
    let stored = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    let cents = (tool["price"]["amount"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap()
        * 100.0)
        .round();
    assert_eq!(stored["amount"].as_f64(), Some(cents), "{stored}");
    assert_eq!(stored["currency"], "usd");
    assert_eq!(stored["metadata"]["order_id"], order_id.as_str());
    assert_eq!(
        stored["metadata"]["org_id"],
        marketplace_api::demo::ORGS[4].id.as_uuid().to_string()
    );
    // Nothing is entitled before the payment.
    assert!(service.entitlements(&token).await.is_empty());

    let (status, confirmed) = stripe.pay(&intent, "4242424242424242").await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "succeeded");

    let order = service.wait_order(&token, &order_id, "FULFILLED").await;
    assert_eq!(order["payment"]["reference"], intent.as_str());
    assert_bought_once(&service, &token, tool_id, &order_id).await;
    let (_, cart) = service.get("/v1/cart", &token).await;
    assert_eq!(cart["lines"], json!([]), "{cart}");
}

// ---- b) a card declined at charge ----------------------------------------------------

#[tokio::test]
async fn a_card_declined_at_charge_fails_the_order_and_entitles_nothing() {
    let Some(stripe) = localstripe().await else {
        return;
    };
    let mut service = Service::new(&stripe);
    service.start().await;
    stripe.register_webhook(&service).await;
    let token = service.owner_token();
    let tool = service.tool(&token, "ONE_TIME").await;
    let tool_id = tool["id"].as_str().unwrap();

    let (order_id, intent) = service.card_checkout(&token, tool_id).await;
    let (status, declined) = stripe.pay(&intent, "4000000000000341").await;
    assert_eq!(status, 402, "{declined}");
    assert_eq!(declined["error"]["code"], "card_declined");

    let order = service.wait_order(&token, &order_id, "FAILED").await;
    assert!(
        order["failure_reason"]
            .as_str()
            .is_some_and(|r| r.contains("card_declined")),
        "{order}"
    );
    assert!(service.purchases(&token).await.is_empty());
    assert!(service.entitlements(&token).await.is_empty());
    assert_eq!(purchase_count(&service, &token, tool_id).await, 0);
}

// ---- c) a subscription renews and is cancelled ---------------------------------------

#[tokio::test]
async fn a_monthly_purchase_subscribes_renews_on_invoice_paid_and_cancels_at_period_end() {
    let Some(stripe) = localstripe().await else {
        return;
    };
    let mut service = Service::new(&stripe);
    service.start().await;
    stripe.register_webhook(&service).await;
    let token = service.owner_token();
    let tool = service.tool(&token, "MONTHLY").await;
    let tool_id = tool["id"].as_str().unwrap();

    let (order_id, intent) = service.card_checkout(&token, tool_id).await;
    let (status, confirmed) = stripe.pay(&intent, "4242424242424242").await;
    assert_eq!(status, 200, "{confirmed}");
    service.wait_order(&token, &order_id, "FULFILLED").await;

    let purchases = service.purchases(&token).await;
    assert_eq!(purchases.len(), 1, "{purchases:?}");
    let purchase = &purchases[0];
    let purchase_id = purchase["id"].as_str().unwrap().to_owned();
    assert_eq!(purchase["auto_renew"], true, "{purchase}");
    let paid_until = parse_time(&purchase["current_period_end"]);

    // Fulfilment started a subscription at localstripe for this purchase, whose first
    // charge is at the end of the period the checkout paid: nothing billed yet.
    let deadline = Instant::now() + WAIT;
    let subscription = loop {
        let list = stripe.get("/v1/subscriptions").await;
        let found = list["data"].as_array().and_then(|subs| {
            subs.iter()
                .find(|s| s["metadata"]["purchase_id"] == purchase_id.as_str())
                .cloned()
        });
        if let Some(found) = found {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "no subscription for purchase {purchase_id}: {list}\n{}",
            service.log()
        );
        tokio::time::sleep(POLL).await;
    };
    let subscription_id = subscription["id"].as_str().unwrap().to_owned();
    assert_eq!(subscription["trial_end"], paid_until.timestamp());
    assert_eq!(
        subscription["metadata"]["org_id"],
        marketplace_api::demo::ORGS[4].id.as_uuid().to_string()
    );
    assert_eq!(subscription["plan"]["interval"], "month");
    assert_eq!(subscription["cancel_at_period_end"], false);
    assert!(subscription["latest_invoice"].is_null(), "{subscription}");
    // Renewals bill the customer the checkout saved the card to, not one of their own.
    let paid = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    assert!(paid["customer"].as_str().is_some(), "{paid}");
    assert_eq!(subscription["customer"], paid["customer"], "{subscription}");

    // localstripe never renews: Stripe's invoice.paid for the first renewal, built and
    // signed here. The invoice pays [paid_until, paid_until + 1 month).
    let next_end = paid_until.checked_add_months(Months::new(1)).unwrap();
    let cents = stripe
        .get(&format!(
            "/v1/plans/{}",
            subscription["plan"]["id"].as_str().unwrap()
        ))
        .await["amount"]
        .clone();
    let renewal = event(
        "invoice.paid",
        json!({
            "id": format!("in_{}", Uuid::new_v4().simple()),
            "object": "invoice",
            "subscription": subscription_id,
            "customer": subscription["customer"],
            "amount_paid": cents,
            "currency": "usd",
            "paid": true,
            "billing_reason": "subscription_cycle",
            "lines": {"object": "list", "data": [{
                "id": "sli_1", "object": "line_item", "type": "subscription",
                "subscription": subscription_id, "proration": false,
                "period": {"start": paid_until.timestamp(), "end": next_end.timestamp()},
            }]},
        }),
    );
    let (status, answer) = service.deliver(&renewal).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], "applied", "{answer}");
    let renewed = service.purchases(&token).await;
    assert_eq!(renewed.len(), 1);
    assert_eq!(renewed[0]["status"], "ACTIVE");
    assert_eq!(parse_time(&renewed[0]["current_period_end"]), next_end);
    // Stripe delivers again: nothing moves.
    let (status, answer) = service.deliver(&renewal).await;
    assert_eq!((status, &answer["result"]), (200, &json!("duplicate")));
    assert_eq!(
        parse_time(&service.purchases(&token).await[0]["current_period_end"]),
        next_end
    );

    // Cancel: auto-renew off here, cancel_at_period_end at Stripe; access runs on.
    let (status, cancelled) = service
        .post(
            &format!("/v1/purchases/{purchase_id}/cancel"),
            &token,
            &json!({}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["auto_renew"], false, "{cancelled}");
    assert_eq!(cancelled["status"], "ACTIVE");
    let at_stripe = stripe
        .get(&format!("/v1/subscriptions/{subscription_id}"))
        .await;
    assert_eq!(at_stripe["cancel_at_period_end"], true, "{at_stripe}");
    // localstripe's customer.subscription.updated agrees with it.
    let after = service.purchases(&token).await;
    assert_eq!(after[0]["auto_renew"], false);
    assert!(
        service
            .entitlements(&token)
            .await
            .iter()
            .any(|e| e["tool_id"] == tool_id)
    );
}

// ---- d) webhook security and idempotency through the binary ---------------------------

#[tokio::test]
async fn forged_stale_or_tampered_webhooks_are_refused_and_a_redelivery_applies_once() {
    let Some(stripe) = localstripe().await else {
        return;
    };
    // No webhook registered at localstripe: the only deliveries are the test's own.
    let mut service = Service::new(&stripe);
    service.start().await;
    let token = service.owner_token();
    let tool = service.tool(&token, "ONE_TIME").await;
    let tool_id = tool["id"].as_str().unwrap();

    let (order_id, intent) = service.card_checkout(&token, tool_id).await;
    let (status, confirmed) = stripe.pay(&intent, "4242424242424242").await;
    assert_eq!(status, 200, "{confirmed}");
    let stored = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    let body = event("payment_intent.succeeded", stored.clone());

    let unchanged = |order: Value| {
        assert_eq!(order["status"], "PENDING_PAYMENT", "{order}");
    };
    let refused = |(status, answer): (u16, Value), what: &str| {
        assert_eq!(status, 400, "{what}: {answer}");
        assert_eq!(
            answer["error"]["code"], "invalid_request",
            "{what}: {answer}"
        );
    };

    // Signed with another secret.
    refused(
        service
            .webhook(&body, Some(&signature("whsec_someone_else", now(), &body)))
            .await,
        "wrong secret",
    );
    // Our secret, but ten minutes old (tolerance 300 s), and ten minutes ahead.
    refused(
        service
            .webhook(&body, Some(&signature(WEBHOOK_SECRET, now() - 600, &body)))
            .await,
        "stale",
    );
    refused(
        service
            .webhook(&body, Some(&signature(WEBHOOK_SECRET, now() + 600, &body)))
            .await,
        "from the future",
    );
    // Signed, then the body changed on the way.
    let header = signature(WEBHOOK_SECRET, now(), &body);
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replacen(&intent, "pi_someoneelse", 1);
    assert_ne!(tampered.as_bytes(), body.as_slice());
    refused(
        service.webhook(tampered.as_bytes(), Some(&header)).await,
        "tampered",
    );
    // No signature at all.
    refused(service.webhook(&body, None).await, "unsigned");
    unchanged(service.order(&token, &order_id).await);
    assert!(service.purchases(&token).await.is_empty());
    assert!(service.entitlements(&token).await.is_empty());

    // The genuine event, three times: 200 each, applied once.
    let mut results = Vec::new();
    for _ in 0..3 {
        let (status, answer) = service
            .webhook(&body, Some(&signature(WEBHOOK_SECRET, now(), &body)))
            .await;
        assert_eq!(status, 200, "{answer}");
        results.push(answer["result"].as_str().unwrap().to_owned());
    }
    assert_eq!(results, ["applied", "duplicate", "duplicate"]);
    let order = service.order(&token, &order_id).await;
    assert_eq!(order["status"], "FULFILLED", "{order}");
    assert_bought_once(&service, &token, tool_id, &order_id).await;

    // The same fact under another event id (Stripe may send several events for one
    // intent): settled from Stripe's state, the order is already fulfilled, nothing moves.
    let again = event("payment_intent.succeeded", stored);
    let (status, _) = service.deliver(&again).await;
    assert_eq!(status, 200);
    assert_bought_once(&service, &token, tool_id, &order_id).await;
}

// ---- e) crash safety ------------------------------------------------------------------

#[tokio::test]
async fn a_lost_webhook_is_made_good_by_the_reconcile_command_exactly_once() {
    let Some(stripe) = localstripe().await else {
        return;
    };
    // No webhook registered: Stripe's event is lost.
    let mut service = Service::new(&stripe);
    service.start().await;
    let token = service.owner_token();
    let tool = service.tool(&token, "ONE_TIME").await;
    let tool_id = tool["id"].as_str().unwrap();

    let (order_id, intent) = service.card_checkout(&token, tool_id).await;
    let (status, confirmed) = stripe.pay(&intent, "4242424242424242").await;
    assert_eq!(status, 200, "{confirmed}");
    // Nothing tells the service; the order waits.
    assert_eq!(
        service.order(&token, &order_id).await["status"],
        "PENDING_PAYMENT"
    );

    // `reconcile` asks Stripe, while the server runs (both on the same SQLite file).
    let out = service.run(&["reconcile", "--older-than-secs", "0"]);
    assert!(out.contains("reconciled 1 order(s)"), "{out}");
    let order = service.order(&token, &order_id).await;
    assert_eq!(order["status"], "FULFILLED", "{order}");
    assert_bought_once(&service, &token, tool_id, &order_id).await;

    // Run again: nothing left to do.
    let out = service.run(&["reconcile", "--older-than-secs", "0"]);
    assert!(out.contains("reconciled 0 order(s)"), "{out}");
    assert_bought_once(&service, &token, tool_id, &order_id).await;
}

#[tokio::test]
async fn a_crash_between_payment_and_webhook_is_reconciled_after_restart_exactly_once() {
    let Some(stripe) = localstripe().await else {
        return;
    };
    let mut service = Service::new(&stripe);
    service.start().await;
    stripe.register_webhook(&service).await;
    let token = service.owner_token();
    let tool = service.tool(&token, "ONE_TIME").await;
    let tool_id = tool["id"].as_str().unwrap();

    let (order_id, intent) = service.card_checkout(&token, tool_id).await;
    let (status, confirmed) = stripe.pay(&intent, "4242424242424242").await;
    assert_eq!(status, 200, "{confirmed}");
    // SIGKILL at once: localstripe waits a second before it delivers, so the delivery
    // meets a dead port and is lost (localstripe never retries).
    service.kill();

    // Restart on another port: the registered URL stays dead, whenever localstripe
    // gets to it.
    service.port = free_port();
    service.start().await;
    assert_eq!(
        service.order(&token, &order_id).await["status"],
        "PENDING_PAYMENT"
    );
    assert!(service.purchases(&token).await.is_empty());

    let out = service.run(&["reconcile", "--older-than-secs", "0"]);
    assert!(out.contains("reconciled 1 order(s)"), "{out}");
    let order = service.order(&token, &order_id).await;
    assert_eq!(order["status"], "FULFILLED", "{order}");
    assert_bought_once(&service, &token, tool_id, &order_id).await;

    // Stripe retrying the lost event later (as real Stripe would) changes nothing, and
    // neither does another reconcile run.
    let stored = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    let (status, answer) = service
        .deliver(&event("payment_intent.succeeded", stored))
        .await;
    assert_eq!(status, 200, "{answer}");
    let out = service.run(&["reconcile", "--older-than-secs", "0"]);
    assert!(out.contains("reconciled 0 order(s)"), "{out}");
    assert_bought_once(&service, &token, tool_id, &order_id).await;
}
