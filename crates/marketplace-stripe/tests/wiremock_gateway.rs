//! The exact requests `StripeGateway` sends and how it reads Stripe's answers, against a
//! wiremock server standing in for api.stripe.com.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::BTreeMap;
use std::time::Duration;

use marketplace_domain::checkout::{PaymentError, PaymentGateway, PaymentRequest, PaymentState};
use marketplace_domain::ids::{OrderId, OrgId};
use marketplace_domain::money::{Currency, Money};
use marketplace_stripe::{
    BillingInterval, StripeConfig, StripeGateway, SubscriptionRequest, SubscriptionStatus,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk_test_wiremock";

fn gateway(server: &MockServer) -> StripeGateway {
    let mut config = StripeConfig::new(KEY).with_api_base(server.uri());
    config.initial_backoff = Duration::from_millis(1);
    config.max_backoff = Duration::from_millis(5);
    config.max_retries = 3;
    StripeGateway::new(config).unwrap()
}

fn order_id() -> OrderId {
    OrderId::from_uuid(Uuid::parse_str("0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a").unwrap())
}

fn org_id() -> OrgId {
    OrgId::from_uuid(Uuid::parse_str("0190f5c2-0000-7000-8000-000000000001").unwrap())
}

fn request(amount: Money) -> PaymentRequest {
    PaymentRequest {
        order_id: order_id(),
        org_id: org_id(),
        amount,
        idempotency_key: "order-0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a".into(),
        description: "Marketplace order & more".into(),
        save_for_renewals: false,
    }
}

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

fn intent(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": 4999,
        "currency": "usd",
        "status": status,
        "client_secret": format!("{id}_secret_abc"),
        "last_payment_error": null,
        "metadata": {},
        "some_future_field": {"nested": [1, 2, 3]}
    })
}

/// The form body as (key, value) pairs, decoded, in order.
fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn error(kind: &str, code: Option<&str>, decline: Option<&str>, message: &str) -> Value {
    json!({"error": {"type": kind, "code": code, "decline_code": decline, "message": message}})
}

// ---- create_payment ------------------------------------------------------------

#[tokio::test]
async fn create_payment_sends_the_exact_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(intent("pi_123", "requires_payment_method")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let payment = gateway(&server)
        .create_payment(&request(usd(4999)))
        .await
        .unwrap();
    assert_eq!(payment.payment.reference, "pi_123");
    assert_eq!(
        payment.payment.client_secret.as_deref(),
        Some("pi_123_secret_abc")
    );
    assert_eq!(payment.state, PaymentState::Pending);

    let received = requests(&server).await;
    assert_eq!(received.len(), 1);
    let req = &received[0];
    assert_eq!(
        header(req, "authorization"),
        Some("Bearer sk_test_wiremock")
    );
    assert_eq!(
        header(req, "idempotency-key"),
        Some("order-0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a")
    );
    assert_eq!(
        header(req, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(req, "stripe-version"), Some("2024-06-20"));
    assert_eq!(
        form(req),
        pairs(&[
            ("amount", "4999"),
            ("currency", "usd"),
            ("payment_method_types[]", "card"),
            ("metadata[order_id]", "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a"),
            ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
            ("description", "Marketplace order & more"),
        ])
    );
    // The brackets and the ampersand are percent-encoded on the wire.
    let raw = String::from_utf8(req.body.clone()).unwrap();
    assert!(raw.contains("metadata%5Border_id%5D="), "{raw}");
    assert!(raw.contains("order+%26+more"), "{raw}");
    assert!(!raw.contains("automatic_payment_methods"), "{raw}");
}

async fn mount_customer_and_intent(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "cus_7", "object": "customer"})),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(intent("pi_7", "requires_payment_method")),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_payment_for_renewals_creates_a_customer_and_saves_the_card_to_it() {
    let server = MockServer::start().await;
    mount_customer_and_intent(&server).await;
    let mut req = request(usd(4999));
    req.save_for_renewals = true;
    let payment = gateway(&server).create_payment(&req).await.unwrap();
    assert_eq!(payment.payment.reference, "pi_7");

    let received = requests(&server).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].url.path(), "/v1/customers");
    assert_eq!(
        header(&received[0], "idempotency-key"),
        Some("order-0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a-customer")
    );
    assert_eq!(
        form(&received[0]),
        pairs(&[
            ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
            ("metadata[order_id]", "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a"),
        ])
    );
    assert_eq!(received[1].url.path(), "/v1/payment_intents");
    assert_eq!(
        header(&received[1], "idempotency-key"),
        Some("order-0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a")
    );
    assert_eq!(
        form(&received[1]),
        pairs(&[
            ("amount", "4999"),
            ("currency", "usd"),
            ("payment_method_types[]", "card"),
            ("customer", "cus_7"),
            ("setup_future_usage", "off_session"),
            ("metadata[order_id]", "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a"),
            ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
            ("description", "Marketplace order & more"),
        ])
    );
}

#[tokio::test]
async fn a_payment_for_renewals_on_localstripe_sends_the_customer_without_setup_future_usage() {
    let server = MockServer::start().await;
    mount_customer_and_intent(&server).await;
    let mut req = request(usd(4999));
    req.save_for_renewals = true;
    let gw = StripeGateway::new(StripeConfig::localstripe(KEY, server.uri())).unwrap();
    gw.create_payment(&req).await.unwrap();
    let received = requests(&server).await;
    assert_eq!(received[0].url.path(), "/v1/customers");
    let fields = form(&received[1]);
    assert!(
        fields.contains(&("customer".into(), "cus_7".into())),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|(k, _)| k == "setup_future_usage"),
        "localstripe refuses it: {fields:?}"
    );
}

#[tokio::test]
async fn amounts_are_sent_in_minor_units_of_the_currency() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(intent("pi_1", "requires_payment_method")),
        )
        .mount(&server)
        .await;
    let gw = gateway(&server);
    let eur = Money::new(Decimal::new(1234, 2), Currency::EUR).unwrap(); // 12.34
    let jpy = Money::new(Decimal::new(500, 0), Currency::parse("JPY").unwrap()).unwrap();
    let kwd = Money::new(Decimal::new(1500, 3), Currency::parse("KWD").unwrap()).unwrap(); // 1.500
    for amount in [eur, jpy, kwd] {
        gw.create_payment(&request(amount)).await.unwrap();
    }
    let sent: Vec<(String, String)> = requests(&server)
        .await
        .iter()
        .map(|r| {
            let f = form(r);
            let get = |k: &str| f.iter().find(|(key, _)| key == k).unwrap().1.clone();
            (get("amount"), get("currency"))
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            ("1234".into(), "eur".into()),
            ("500".into(), "jpy".into()),
            ("1500".into(), "kwd".into()),
        ]
    );
}

#[tokio::test]
async fn a_zero_or_fractional_amount_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let gw = gateway(&server);
    let err = gw.create_payment(&request(usd(0))).await.unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
    let fraction = Money::unrounded(Decimal::new(10_005, 3), Currency::USD); // 10.005
    let err = gw.create_payment(&request(fraction)).await.unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn the_same_order_sends_the_same_idempotency_key() {
    // Stripe answers a replayed key with the first intent; the gateway must send the
    // order's key on every attempt and every call.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .and(wiremock::matchers::header(
            "Idempotency-Key",
            "order-0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Idempotent-Replayed", "true")
                .set_body_json(intent("pi_same", "requires_payment_method")),
        )
        .expect(2)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    let first = gw.create_payment(&request(usd(4999))).await.unwrap();
    let second = gw.create_payment(&request(usd(4999))).await.unwrap();
    assert_eq!(first.payment.reference, second.payment.reference);
}

#[tokio::test]
async fn create_payment_maps_the_returned_status() {
    for (status, expected) in [
        ("requires_payment_method", PaymentState::Pending),
        ("requires_confirmation", PaymentState::Pending),
        ("requires_action", PaymentState::Pending),
        ("processing", PaymentState::Pending),
        ("succeeded", PaymentState::Succeeded),
        ("canceled", PaymentState::Cancelled),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(intent("pi_s", status)))
            .mount(&server)
            .await;
        let payment = gateway(&server)
            .create_payment(&request(usd(100)))
            .await
            .unwrap();
        assert_eq!(payment.state, expected, "{status}");
    }
}

// ---- retries -------------------------------------------------------------------

async fn flaky_then_ok(
    status: u16,
    failures: u64,
) -> (MockServer, Result<PaymentState, PaymentError>) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_retry"))
        .respond_with(ResponseTemplate::new(status).set_body_json(error(
            "api_error",
            None,
            None,
            "try again",
        )))
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_retry"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent("pi_retry", "succeeded")))
        .with_priority(2)
        .mount(&server)
        .await;
    let result = gateway(&server).payment_state("pi_retry").await;
    (server, result)
}

#[tokio::test]
async fn a_429_is_retried_then_succeeds() {
    let (server, result) = flaky_then_ok(429, 2).await;
    assert_eq!(result.unwrap(), PaymentState::Succeeded);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_500_and_a_503_are_retried_then_succeed() {
    for status in [500, 502, 503] {
        let (server, result) = flaky_then_ok(status, 3).await;
        assert_eq!(result.unwrap(), PaymentState::Succeeded, "{status}");
        assert_eq!(requests(&server).await.len(), 4, "{status}: 3 retries");
    }
}

#[tokio::test]
async fn retries_are_bounded_then_unavailable() {
    let (server, result) = flaky_then_ok(500, 100).await;
    let err = result.unwrap_err();
    assert!(matches!(err, PaymentError::Unavailable(_)), "{err:?}");
    assert_eq!(requests(&server).await.len(), 4, "1 attempt + 3 retries");
    let PaymentError::Unavailable(source) = err else {
        unreachable!()
    };
    let failure = source
        .downcast_ref::<marketplace_stripe::HttpFailure>()
        .unwrap();
    assert_eq!(failure.status, Some(500));
    assert_eq!(failure.attempts, 4);
}

#[tokio::test]
async fn stripe_should_retry_false_vetoes_a_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("Stripe-Should-Retry", "false")
                .set_body_json(error("api_error", None, None, "no")),
        )
        .mount(&server)
        .await;
    let err = gateway(&server).payment_state("pi_x").await.unwrap_err();
    assert!(matches!(err, PaymentError::Unavailable(_)), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_post_retry_resends_the_same_idempotency_key_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(intent("pi_r", "requires_payment_method")),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    gateway(&server)
        .create_payment(&request(usd(4999)))
        .await
        .unwrap();
    let received = requests(&server).await;
    assert_eq!(received.len(), 2);
    assert_eq!(
        header(&received[0], "idempotency-key"),
        header(&received[1], "idempotency-key")
    );
    assert_eq!(received[0].body, received[1].body);
}

#[tokio::test]
async fn a_post_without_a_caller_key_gets_one_key_reused_by_its_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_c/cancel"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_c/cancel"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent("pi_c", "canceled")))
        .with_priority(2)
        .mount(&server)
        .await;
    gateway(&server).cancel("pi_c").await.unwrap();
    let received = requests(&server).await;
    assert_eq!(received.len(), 2);
    let key = header(&received[0], "idempotency-key").unwrap();
    assert!(Uuid::parse_str(key).is_ok(), "{key}");
    assert_eq!(header(&received[1], "idempotency-key"), Some(key));
}

#[tokio::test]
async fn a_connection_error_is_retried_then_unavailable() {
    // Nothing listens on a port just released (wiremock pools its servers, so a dropped
    // MockServer's address may still answer for another test).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = StripeConfig::new(KEY).with_api_base(format!("http://127.0.0.1:{port}"));
    config.initial_backoff = Duration::from_millis(1);
    config.max_retries = 2;
    let err = StripeGateway::new(config)
        .unwrap()
        .payment_state("pi_x")
        .await
        .unwrap_err();
    let PaymentError::Unavailable(source) = err else {
        panic!("{err:?}")
    };
    let failure = source
        .downcast_ref::<marketplace_stripe::HttpFailure>()
        .unwrap();
    assert_eq!(failure.status, None);
    assert_eq!(failure.attempts, 3);
}

// ---- no retry on 4xx, and the error mapping --------------------------------------

#[tokio::test]
async fn a_402_decline_is_not_retried_and_carries_the_decline_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(402).set_body_json(error(
            "card_error",
            Some("card_declined"),
            Some("insufficient_funds"),
            "Your card has insufficient funds.",
        )))
        .mount(&server)
        .await;
    let err = gateway(&server)
        .create_payment(&request(usd(4999)))
        .await
        .unwrap_err();
    match err {
        PaymentError::Declined { code, message } => {
            assert_eq!(code.as_deref(), Some("insufficient_funds"));
            assert_eq!(message, "Your card has insufficient funds.");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_decline_without_decline_code_uses_the_code() {
    // What localstripe answers a declined confirm: 402, type invalid_request_error.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(402).set_body_json(json!({"error": {
            "charge": "ch_1", "code": "card_declined", "message": "Your card was declined.",
            "type": "invalid_request_error"}})))
        .mount(&server)
        .await;
    let err = gateway(&server)
        .create_payment(&request(usd(4999)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaymentError::Declined { code: Some(c), .. } if c == "card_declined"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_400_is_invalid_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error(
            "invalid_request_error",
            Some("parameter_invalid_integer"),
            None,
            "Invalid integer: abc",
        )))
        .mount(&server)
        .await;
    let err = gateway(&server)
        .create_payment(&request(usd(4999)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaymentError::Invalid(m) if m.contains("Invalid integer") && m.contains("parameter_invalid_integer")),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_404_is_invalid_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error(
            "invalid_request_error",
            Some("resource_missing"),
            None,
            "No such payment_intent: 'pi_nope'",
        )))
        .mount(&server)
        .await;
    let err = gateway(&server).payment_state("pi_nope").await.unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn auth_errors_are_configuration_errors_and_not_retried() {
    for status in [401, 403] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(error(
                "invalid_request_error",
                None,
                None,
                "Invalid API Key provided: sk_test_****mock",
            )))
            .mount(&server)
            .await;
        let err = gateway(&server)
            .create_payment(&request(usd(4999)))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, PaymentError::Configuration(m) if m.contains("Invalid API Key")),
            "{status}: {err:?}"
        );
        assert_eq!(requests(&server).await.len(), 1, "{status}");
    }
}

#[tokio::test]
async fn an_error_without_a_json_body_is_still_mapped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string("<html>bad</html>"))
        .mount(&server)
        .await;
    let err = gateway(&server).payment_state("pi_x").await.unwrap_err();
    assert!(
        matches!(&err, PaymentError::Invalid(m) if m.contains("400")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreadable_success_body_is_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&server)
        .await;
    let err = gateway(&server).payment_state("pi_x").await.unwrap_err();
    assert!(matches!(err, PaymentError::Unavailable(_)), "{err:?}");
}

// ---- payment_state, refund, cancel -----------------------------------------------

#[tokio::test]
async fn payment_state_reads_a_failed_confirmation() {
    let server = MockServer::start().await;
    let mut body = intent("pi_f", "requires_payment_method");
    body["last_payment_error"] = json!({
        "type": "card_error", "code": "card_declined", "decline_code": "stolen_card",
        "message": "Your card was declined."
    });
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_f"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let state = gateway(&server).payment_state("pi_f").await.unwrap();
    assert_eq!(
        state,
        PaymentState::Failed {
            code: Some("stolen_card".into())
        }
    );
    let received = requests(&server).await;
    assert_eq!(
        header(&received[0], "authorization"),
        Some("Bearer sk_test_wiremock")
    );
    assert_eq!(
        header(&received[0], "idempotency-key"),
        None,
        "GETs carry no key"
    );
}

#[tokio::test]
async fn a_reference_that_is_not_an_id_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let gw = gateway(&server);
    for bad in ["../v1/customers", "pi_1/cancel", "pi 1", ""] {
        let err = gw.payment_state(bad).await.unwrap_err();
        assert!(matches!(err, PaymentError::Invalid(_)), "{bad}: {err:?}");
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn refund_sends_intent_amount_and_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "re_1", "object": "refund", "amount": 1000, "status": "succeeded"})))
        .expect(1)
        .mount(&server)
        .await;
    gateway(&server)
        .refund("pi_123", usd(1000), "refund-order-1-1")
        .await
        .unwrap();
    let received = requests(&server).await;
    assert_eq!(
        header(&received[0], "idempotency-key"),
        Some("refund-order-1-1")
    );
    assert_eq!(
        form(&received[0]),
        pairs(&[("payment_intent", "pi_123"), ("amount", "1000")])
    );
}

#[tokio::test]
async fn a_failed_refund_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "re_2", "status": "failed", "failure_reason": "expired_or_canceled_card"})))
        .mount(&server)
        .await;
    let err = gateway(&server)
        .refund("pi_123", usd(1000), "k")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaymentError::Invalid(m) if m.contains("expired_or_canceled_card")),
        "{err:?}"
    );
}

#[tokio::test]
async fn cancel_posts_to_the_cancel_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents/pi_9/cancel"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent("pi_9", "canceled")))
        .expect(1)
        .mount(&server)
        .await;
    gateway(&server).cancel("pi_9").await.unwrap();
    let received = requests(&server).await;
    assert!(form(&received[0]).is_empty());
}

// ---- customers and subscriptions -------------------------------------------------

#[tokio::test]
async fn create_customer_sends_org_and_email() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "cus_1", "object": "customer"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let customer = gateway(&server)
        .create_customer(org_id(), Some("billing@example.com"))
        .await
        .unwrap();
    assert_eq!(customer.id, "cus_1");
    let received = requests(&server).await;
    assert_eq!(
        form(&received[0]),
        pairs(&[
            ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
            ("email", "billing@example.com"),
        ])
    );
    assert!(header(&received[0], "idempotency-key").is_some());
}

fn subscription_request() -> SubscriptionRequest {
    SubscriptionRequest {
        customer: "cus_1".into(),
        price_amount_minor: 1999,
        currency: Currency::USD,
        interval: BillingInterval::Year,
        product_name: "Pro tool (annual)".into(),
        metadata: BTreeMap::from([
            (
                "org_id".to_owned(),
                "0190f5c2-0000-7000-8000-000000000001".to_owned(),
            ),
            (
                "order_id".to_owned(),
                "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a".to_owned(),
            ),
        ]),
        idempotency_key: "sub-order-1".into(),
        trial_end: None,
        default_payment_method: None,
    }
}

#[tokio::test]
async fn create_subscription_creates_a_plan_then_the_subscription() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/plans"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "plan_1", "object": "plan"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_1", "object": "subscription", "status": "incomplete",
            "cancel_at_period_end": false, "customer": "cus_1",
            "items": {"data": [{"id": "si_1", "current_period_end": 1767225600}]},
            "latest_invoice": {"id": "in_1", "payment_intent": {"id": "pi_1", "client_secret": "pi_1_secret"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let sub = gateway(&server)
        .create_subscription(&subscription_request())
        .await
        .unwrap();
    assert_eq!(sub.id, "sub_1");
    assert_eq!(sub.status, SubscriptionStatus::Incomplete);
    assert_eq!(sub.current_period_end, Some(1_767_225_600));
    assert_eq!(sub.latest_invoice.as_deref(), Some("in_1"));
    assert_eq!(sub.payment_client_secret.as_deref(), Some("pi_1_secret"));
    assert_eq!(sub.customer.as_deref(), Some("cus_1"));

    let received = requests(&server).await;
    assert_eq!(received.len(), 2);
    assert_eq!(
        header(&received[0], "idempotency-key"),
        Some("sub-order-1-plan")
    );
    assert_eq!(
        form(&received[0]),
        pairs(&[
            ("amount", "1999"),
            ("currency", "usd"),
            ("interval", "year"),
            ("product[name]", "Pro tool (annual)"),
            ("metadata[order_id]", "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a"),
            ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
        ])
    );
    assert_eq!(
        header(&received[1], "idempotency-key"),
        Some("sub-order-1-subscription")
    );
    assert_eq!(
        form(&received[1]),
        pairs(&[
            ("customer", "cus_1"),
            ("items[0][price]", "plan_1"),
            ("expand[]", "latest_invoice.payment_intent"),
            ("metadata[order_id]", "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a"),
            ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
        ])
    );
}

#[tokio::test]
async fn cancel_at_period_end_and_get_subscription() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_1", "status": "active", "cancel_at_period_end": true,
            "current_period_end": 1767225600, "latest_invoice": "in_1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_1", "status": "past_due", "cancel_at_period_end": false,
            "current_period_end": 1767225600})))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    let cancelled = gw.cancel_subscription_at_period_end("sub_1").await.unwrap();
    assert!(cancelled.cancel_at_period_end);
    assert_eq!(cancelled.status, SubscriptionStatus::Active);
    assert_eq!(cancelled.current_period_end, Some(1_767_225_600));
    assert_eq!(cancelled.latest_invoice.as_deref(), Some("in_1"));
    let got = gw.get_subscription("sub_1").await.unwrap();
    assert_eq!(got.status, SubscriptionStatus::PastDue);

    let received = requests(&server).await;
    assert_eq!(
        form(&received[0]),
        pairs(&[("cancel_at_period_end", "true")])
    );
}

#[tokio::test]
async fn r_b8_cancelling_now_deletes_the_subscription_without_an_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_1", "object": "subscription", "status": "canceled",
            "cancel_at_period_end": false, "current_period_end": 1767225600})))
        .expect(1)
        .mount(&server)
        .await;
    PaymentGateway::cancel_subscription(&gateway(&server), "sub_1")
        .await
        .unwrap();
    let received = requests(&server).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].method.as_str(), "DELETE");
    assert_eq!(header(&received[0], "idempotency-key"), None);
    assert!(received[0].body.is_empty());
}

#[tokio::test]
async fn r_b8_cancelling_a_subscription_already_cancelled_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "type": "invalid_request_error",
            "message": "A canceled subscription can only update its cancellation_details and metadata."}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_1", "status": "canceled", "cancel_at_period_end": false})))
        .expect(1)
        .mount(&server)
        .await;
    PaymentGateway::cancel_subscription(&gateway(&server), "sub_1")
        .await
        .unwrap();
}

#[tokio::test]
async fn r_b8_a_live_subscription_stripe_refuses_to_cancel_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "type": "invalid_request_error", "message": "refused"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_1", "status": "active", "cancel_at_period_end": false})))
        .mount(&server)
        .await;
    let err = PaymentGateway::cancel_subscription(&gateway(&server), "sub_1")
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn r_b5_a_renewal_paid_after_the_end_is_refunded_in_full_under_its_own_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "re_9", "object": "refund", "amount": 1999, "status": "succeeded"})))
        .expect(2)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    // What the renewal use case asks, twice (a redelivered invoice.paid): the same key.
    for _ in 0..2 {
        gw.refund("pi_renewal_9", usd(1999), "renewal-pi_renewal_9-after-end")
            .await
            .unwrap();
    }
    let received = requests(&server).await;
    for r in &received {
        assert_eq!(
            header(r, "idempotency-key"),
            Some("renewal-pi_renewal_9-after-end")
        );
        assert_eq!(
            form(r),
            pairs(&[("payment_intent", "pi_renewal_9"), ("amount", "1999")])
        );
    }
}

#[tokio::test]
async fn a_non_positive_subscription_price_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let mut req = subscription_request();
    req.price_amount_minor = 0;
    let err = gateway(&server)
        .create_subscription(&req)
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
    assert!(requests(&server).await.is_empty());
}

// ---- PaymentGateway::subscribe / cancel_subscription_at_period_end ---------------

fn renewal_request() -> marketplace_domain::checkout::SubscriptionRequest {
    marketplace_domain::checkout::SubscriptionRequest {
        purchase_id: marketplace_domain::ids::PurchaseId::from_uuid(
            Uuid::parse_str("0190f5c2-9999-7000-8000-00000000abcd").unwrap(),
        ),
        org_id: org_id(),
        amount: Money::new(Decimal::new(2950, 2), Currency::USD).unwrap(),
        interval: marketplace_domain::purchase::Interval::Monthly,
        // 2026-01-01T00:00:00Z
        first_renewal_at: chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        idempotency_key: "purchase-0190f5c2-9999-7000-8000-00000000abcd-subscription".into(),
        description: "Marketplace purchase 0190f5c2-9999-7000-8000-00000000abcd".into(),
        payment_reference: None,
    }
}

async fn mount_subscription_objects(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "cus_9", "object": "customer"})),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/plans"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "plan_9", "object": "plan"})),
        )
        .expect(1)
        .mount(server)
        .await;
}

fn trialing_subscription() -> Value {
    json!({
        "id": "sub_9", "object": "subscription", "status": "trialing",
        "cancel_at_period_end": false, "customer": "cus_9",
        "current_period_end": 1767225600, "trial_end": 1767225600,
        "latest_invoice": {"id": "in_0", "amount_due": 0, "payment_intent": null}
    })
}

#[tokio::test]
async fn subscribe_bills_from_the_first_renewal_with_purchase_metadata_and_derived_keys() {
    let server = MockServer::start().await;
    mount_subscription_objects(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(trialing_subscription()))
        .expect(1)
        .mount(&server)
        .await;
    let sub = PaymentGateway::subscribe(&gateway(&server), &renewal_request())
        .await
        .unwrap();
    assert_eq!(sub.as_deref(), Some("sub_9"));

    let received = requests(&server).await;
    let key = "purchase-0190f5c2-9999-7000-8000-00000000abcd-subscription";
    let metadata = [
        ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
        (
            "metadata[purchase_id]",
            "0190f5c2-9999-7000-8000-00000000abcd",
        ),
    ];
    assert_eq!(received.len(), 3);
    assert_eq!(received[0].url.path(), "/v1/customers");
    assert_eq!(
        header(&received[0], "idempotency-key"),
        Some(format!("{key}-customer").as_str())
    );
    let mut expected = pairs(&[(
        "description",
        "Marketplace purchase 0190f5c2-9999-7000-8000-00000000abcd",
    )]);
    expected.extend(pairs(&metadata));
    assert_eq!(form(&received[0]), expected);

    assert_eq!(received[1].url.path(), "/v1/plans");
    assert_eq!(
        header(&received[1], "idempotency-key"),
        Some(format!("{key}-plan").as_str())
    );
    let mut expected = pairs(&[
        ("amount", "2950"),
        ("currency", "usd"),
        ("interval", "month"),
        (
            "product[name]",
            "Marketplace purchase 0190f5c2-9999-7000-8000-00000000abcd",
        ),
    ]);
    expected.extend(pairs(&metadata));
    assert_eq!(form(&received[1]), expected);

    assert_eq!(received[2].url.path(), "/v1/subscriptions");
    assert_eq!(
        header(&received[2], "idempotency-key"),
        Some(format!("{key}-subscription").as_str())
    );
    let mut expected = pairs(&[
        ("customer", "cus_9"),
        ("items[0][price]", "plan_9"),
        ("expand[]", "latest_invoice.payment_intent"),
        // The first period is paid by the checkout: the first charge is at its end.
        ("trial_end", "1767225600"),
    ]);
    expected.extend(pairs(&metadata));
    assert_eq!(form(&received[2]), expected);
}

#[tokio::test]
async fn subscribe_retries_a_5xx_with_the_same_key_and_never_twice_otherwise() {
    let server = MockServer::start().await;
    mount_subscription_objects(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(503).set_body_json(error(
            "api_error",
            None,
            None,
            "try again",
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(trialing_subscription()))
        .with_priority(2)
        .mount(&server)
        .await;
    let sub = gateway(&server)
        .subscribe(&renewal_request())
        .await
        .unwrap();
    assert_eq!(sub.as_deref(), Some("sub_9"));
    let subscriptions: Vec<Request> = requests(&server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/v1/subscriptions")
        .collect();
    assert_eq!(subscriptions.len(), 2, "one 503, one retry");
    assert_eq!(
        header(&subscriptions[0], "idempotency-key"),
        header(&subscriptions[1], "idempotency-key")
    );
    assert_eq!(form(&subscriptions[0]), form(&subscriptions[1]));
}

#[tokio::test]
async fn subscribe_on_localstripe_names_the_plan_and_still_defers_the_first_charge() {
    let server = MockServer::start().await;
    mount_subscription_objects(&server).await;
    // localstripe keeps a subscription with trial_end `incomplete` and bills nothing.
    let mut answer = trialing_subscription();
    answer["status"] = json!("incomplete");
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let gw = StripeGateway::new(StripeConfig::localstripe(KEY, server.uri())).unwrap();
    assert_eq!(
        gw.subscribe(&renewal_request()).await.unwrap().as_deref(),
        Some("sub_9")
    );
    let received = requests(&server).await;
    let fields = form(&received[2]);
    assert!(fields.contains(&("items[0][plan]".into(), "plan_9".into())));
    assert!(fields.contains(&("trial_end".into(), "1767225600".into())));
    assert!(!fields.iter().any(|(k, _)| k == "items[0][price]"));
}

/// The checkout's intent, succeeded, with the card saved to its customer (`customer`
/// and `payment_method` as ids, or expanded).
async fn mount_paid_intent(server: &MockServer, customer: Value, card: Value) {
    let mut paid = intent("pi_7", "succeeded");
    paid["customer"] = customer;
    paid["payment_method"] = card;
    paid["setup_future_usage"] = json!("off_session");
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(paid))
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_plan_and_subscription(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v1/plans"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "plan_9", "object": "plan"})),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(trialing_subscription()))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn subscribe_charges_renewals_to_the_card_and_customer_of_the_checkouts_payment() {
    for (customer, card) in [
        (json!("cus_7"), json!("pm_7")),
        (
            json!({"id": "cus_7", "object": "customer"}),
            json!({"id": "pm_7", "object": "payment_method", "type": "card"}),
        ),
    ] {
        let server = MockServer::start().await;
        mount_paid_intent(&server, customer, card).await;
        mount_plan_and_subscription(&server).await;
        let mut request = renewal_request();
        request.payment_reference = Some("pi_7".into());
        let sub = PaymentGateway::subscribe(&gateway(&server), &request)
            .await
            .unwrap();
        assert_eq!(sub.as_deref(), Some("sub_9"));

        // No customer of its own: the intent's, read first.
        let received = requests(&server).await;
        let calls: Vec<(String, String)> = received
            .iter()
            .map(|r| (r.method.to_string(), r.url.path().to_owned()))
            .collect();
        assert_eq!(
            calls,
            pairs(&[
                ("GET", "/v1/payment_intents/pi_7"),
                ("POST", "/v1/plans"),
                ("POST", "/v1/subscriptions"),
            ])
        );
        assert_eq!(
            header(&received[2], "idempotency-key"),
            Some("purchase-0190f5c2-9999-7000-8000-00000000abcd-subscription-subscription")
        );
        assert_eq!(
            form(&received[2]),
            pairs(&[
                ("customer", "cus_7"),
                ("items[0][price]", "plan_9"),
                ("expand[]", "latest_invoice.payment_intent"),
                ("trial_end", "1767225600"),
                ("default_payment_method", "pm_7"),
                ("metadata[org_id]", "0190f5c2-0000-7000-8000-000000000001"),
                (
                    "metadata[purchase_id]",
                    "0190f5c2-9999-7000-8000-00000000abcd"
                ),
            ])
        );
    }
}

#[tokio::test]
async fn subscribe_on_localstripe_reuses_the_intents_customer_without_default_payment_method() {
    let server = MockServer::start().await;
    mount_paid_intent(&server, json!("cus_7"), json!("pm_7")).await;
    mount_plan_and_subscription(&server).await;
    let mut request = renewal_request();
    request.payment_reference = Some("pi_7".into());
    let gw = StripeGateway::new(StripeConfig::localstripe(KEY, server.uri())).unwrap();
    gw.subscribe(&request).await.unwrap();
    let received = requests(&server).await;
    assert!(
        !received.iter().any(|r| r.url.path() == "/v1/customers"),
        "the intent's customer is reused"
    );
    let fields = form(&received[2]);
    assert!(
        fields.contains(&("customer".into(), "cus_7".into())),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|(k, _)| k == "default_payment_method"),
        "localstripe refuses it: {fields:?}"
    );
}

#[tokio::test]
async fn subscribe_without_a_saved_card_falls_back_to_a_customer_of_the_purchase() {
    // An intent made without `save_for_renewals` (e.g. before it existed): no customer.
    let server = MockServer::start().await;
    mount_paid_intent(&server, Value::Null, json!("pm_7")).await;
    mount_subscription_objects(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(trialing_subscription()))
        .expect(1)
        .mount(&server)
        .await;
    let mut request = renewal_request();
    request.payment_reference = Some("pi_7".into());
    gateway(&server).subscribe(&request).await.unwrap();
    let received = requests(&server).await;
    let fields = form(&received[3]);
    assert_eq!(received[3].url.path(), "/v1/subscriptions");
    assert!(
        fields.contains(&("customer".into(), "cus_9".into())),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|(k, _)| k == "default_payment_method"),
        "a card not saved to that customer cannot be its default: {fields:?}"
    );
}

#[tokio::test]
async fn subscribe_refuses_a_zero_price_before_any_request() {
    let server = MockServer::start().await;
    let mut request = renewal_request();
    request.amount = usd(0);
    let err = gateway(&server).subscribe(&request).await.unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn the_port_cancels_at_period_end_under_one_key_per_subscription() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_9"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sub_9", "status": "trialing", "cancel_at_period_end": true,
            "current_period_end": 1767225600})))
        .with_priority(2)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    PaymentGateway::cancel_subscription_at_period_end(&gw, "sub_9")
        .await
        .unwrap();
    let received = requests(&server).await;
    assert_eq!(received.len(), 2, "a 500, then the retry");
    for request in &received {
        assert_eq!(form(request), pairs(&[("cancel_at_period_end", "true")]));
        assert_eq!(
            header(request, "idempotency-key"),
            Some("subscription-sub_9-cancel-at-period-end")
        );
    }

    // An unknown subscription is a final 404: no retry.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/subscriptions/sub_gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error(
            "invalid_request_error",
            Some("resource_missing"),
            None,
            "No such subscription",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = PaymentGateway::cancel_subscription_at_period_end(&gateway(&server), "sub_gone")
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
}
