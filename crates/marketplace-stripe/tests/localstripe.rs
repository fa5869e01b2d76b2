//! `StripeGateway` against localstripe, a stateful fake Stripe server (`pip install
//! localstripe`). Each test starts its own `localstripe --port <free port> --from-scratch`
//! as a child process and kills it when done (a Drop guard).
//!
//! When the `localstripe` command is missing the tests print a notice and pass, unless
//! `MARKETPLACE_REQUIRE_LOCALSTRIPE=1`, in which case they fail (CI sets it).
//!
//! The test plays the browser where Stripe.js would: it creates the card PaymentMethod,
//! attaches it to the intent (localstripe's `/confirm` does not take `payment_method`)
//! and confirms.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use marketplace_domain::checkout::{PaymentError, PaymentGateway, PaymentRequest, PaymentState};
use marketplace_domain::ids::{OrderId, OrgId};
use marketplace_domain::money::{Currency, Money};
use marketplace_stripe::testing::LocalStripe;
use marketplace_stripe::webhook::{EventData, parse_event, verify_signature};
use marketplace_stripe::{
    BillingInterval, StripeConfig, StripeGateway, SubscriptionRequest, SubscriptionStatus,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use uuid::Uuid;

const KEY: &str = "sk_test_localstripe";
const WEBHOOK_SECRET: &str = "whsec_localstripe_test";

/// Starts localstripe, or `None` when it is not installed and not required.
async fn start() -> Option<LocalStripe> {
    LocalStripe::start(KEY).await
}

/// What the tests do with localstripe beyond raw requests: the adapter over it, and the
/// browser's and dashboard's part.
trait Harness {
    fn gateway(&self) -> StripeGateway;
    async fn pay(&self, intent: &str, payment_method: &str) -> (u16, Value);
    async fn webhooks(&self) -> mpsc::UnboundedReceiver<(String, Vec<u8>)>;
}

impl Harness for LocalStripe {
    fn gateway(&self) -> StripeGateway {
        let mut config = StripeConfig::localstripe(KEY, self.base());
        config.initial_backoff = Duration::from_millis(50);
        StripeGateway::new(config).unwrap()
    }

    /// Attaches the card to the intent, then confirms it: what Stripe.js does.
    async fn pay(&self, intent: &str, payment_method: &str) -> (u16, Value) {
        let (status, body) = self
            .post(
                &format!("/v1/payment_intents/{intent}"),
                &[("payment_method", payment_method)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "requires_confirmation");
        self.post(&format!("/v1/payment_intents/{intent}/confirm"), &[])
            .await
    }

    /// Has localstripe deliver every event, signed, to a receiver on loopback.
    async fn webhooks(&self) -> mpsc::UnboundedReceiver<(String, Vec<u8>)> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/stripe", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(delivery) = read_http_post(&mut socket).await {
                        let _ = tx.send(delivery);
                    }
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        let (status, _) = self
            .post(
                "/_config/webhooks/test",
                &[("url", &url), ("secret", WEBHOOK_SECRET)],
            )
            .await;
        assert_eq!(status, 200);
        rx
    }
}

/// Reads one HTTP/1.1 POST: its `Stripe-Signature` header and its raw body.
async fn read_http_post(socket: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    let header_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length")?.parse().ok()?;
    let signature = header("stripe-signature")?;
    while buffer.len() < header_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Some((signature, buffer[header_end..header_end + length].to_vec()))
}

/// Waits for the delivered event of `event_type`, checks its signature and parses it.
async fn delivered(
    rx: &mut mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    event_type: &str,
) -> EventData {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (signature, body) = tokio::time::timeout(left, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no {event_type} webhook within 15 s"))
            .unwrap();
        verify_signature(&body, &signature, WEBHOOK_SECRET, now(), 300)
            .unwrap_or_else(|e| panic!("localstripe's signature refused: {e}"));
        let event = parse_event(&body).unwrap();
        if event.event_type == event_type {
            assert_eq!(event.api_version.as_deref(), Some("2017-08-15"));
            return event.data;
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

fn payment_request(cents: i64) -> PaymentRequest {
    let order = Uuid::now_v7();
    PaymentRequest {
        order_id: OrderId::from_uuid(order),
        org_id: OrgId::from_uuid(Uuid::from_u128(0x0190_f5c2_0000_7000_8000_0000_0000_0001)),
        amount: Money::from_minor(cents, Currency::USD),
        idempotency_key: format!("order-{order}"),
        description: "Marketplace order".into(),
        save_for_renewals: false,
    }
}

#[tokio::test]
async fn card_payment_succeeds_and_a_signed_webhook_arrives() {
    let Some(stripe) = start().await else { return };
    let mut events = stripe.webhooks().await;
    let gateway = stripe.gateway();
    let request = payment_request(4999);

    let payment = gateway.create_payment(&request).await.unwrap();
    assert_eq!(payment.state, PaymentState::Pending);
    let intent = payment.payment.reference.clone();
    assert!(intent.starts_with("pi_"), "{intent}");
    assert!(payment.payment.client_secret.is_some());

    // What localstripe stored: minor units, lower-case currency, the metadata.
    let stored = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    assert_eq!(stored["amount"], 4999);
    assert_eq!(stored["currency"], "usd");
    assert_eq!(
        stored["metadata"]["order_id"],
        request.order_id.to_string().as_str()
    );
    assert_eq!(
        stored["metadata"]["org_id"],
        request.org_id.to_string().as_str()
    );
    assert_eq!(stored["metadata"]["description"], "Marketplace order");

    let card = stripe.card("4242424242424242").await;
    let (status, confirmed) = stripe.pay(&intent, &card).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(
        gateway.payment_state(&intent).await.unwrap(),
        PaymentState::Succeeded
    );

    match delivered(&mut events, "payment_intent.succeeded").await {
        EventData::PaymentIntentSucceeded {
            intent_id,
            order_id,
            org_id,
            amount_minor,
            ..
        } => {
            assert_eq!(intent_id, intent);
            assert_eq!(order_id, Some(request.order_id.as_uuid()));
            assert_eq!(org_id, Some(request.org_id.as_uuid()));
            assert_eq!(amount_minor, Some(4999));
        }
        other => panic!("{other:?}"),
    }

    // A partial refund, then the rest.
    gateway
        .refund(&intent, Money::from_minor(1000, Currency::USD), "refund-1")
        .await
        .unwrap();
    gateway
        .refund(&intent, Money::from_minor(3999, Currency::USD), "refund-2")
        .await
        .unwrap();
    let refunded = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    assert_eq!(refunded["latest_charge"]["amount_refunded"], 4999);

    // A succeeded intent cannot be cancelled.
    let err = gateway.cancel(&intent).await.unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn a_card_declined_at_charge_fails_with_a_code() {
    let Some(stripe) = start().await else { return };
    let mut events = stripe.webhooks().await;
    let gateway = stripe.gateway();

    let payment = gateway
        .create_payment(&payment_request(1500))
        .await
        .unwrap();
    let intent = payment.payment.reference;
    let card = stripe.card("4000000000000341").await;

    // localstripe answers the confirm itself with 402 card_declined (type
    // invalid_request_error, no decline_code) ...
    let (status, body) = stripe.pay(&intent, &card).await;
    assert_eq!(status, 402, "{body}");
    assert_eq!(body["error"]["code"], "card_declined");

    // ... and the intent goes back to requires_payment_method with last_payment_error.
    assert_eq!(
        gateway.payment_state(&intent).await.unwrap(),
        PaymentState::Failed {
            code: Some("card_declined".into())
        }
    );
    match delivered(&mut events, "payment_intent.payment_failed").await {
        EventData::PaymentIntentFailed {
            intent_id,
            decline_code,
            ..
        } => {
            assert_eq!(intent_id, intent);
            assert_eq!(decline_code.as_deref(), Some("card_declined"));
        }
        other => panic!("{other:?}"),
    }

    // Nothing was taken, so nothing can be refunded; the intent can be cancelled.
    let err = gateway
        .refund(&intent, Money::from_minor(1500, Currency::USD), "refund-x")
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::Invalid(_)), "{err:?}");
    gateway.cancel(&intent).await.unwrap();
    assert_eq!(
        gateway.payment_state(&intent).await.unwrap(),
        PaymentState::Cancelled
    );
}

#[tokio::test]
async fn a_subscription_is_created_paid_and_cancelled_at_period_end() {
    let Some(stripe) = start().await else { return };
    let mut events = stripe.webhooks().await;
    let gateway = stripe.gateway();
    let org = OrgId::from_uuid(Uuid::now_v7());

    let customer = gateway
        .create_customer(org, Some("billing@example.com"))
        .await
        .unwrap();
    assert!(customer.id.starts_with("cus_"));
    // The buyer's card becomes the customer's default (Stripe.js and a SetupIntent in
    // real life).
    let card = stripe.card("4242424242424242").await;
    let (status, body) = stripe
        .post(
            &format!("/v1/payment_methods/{card}/attach"),
            &[("customer", &customer.id)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = stripe
        .post(
            &format!("/v1/customers/{}", customer.id),
            &[("invoice_settings[default_payment_method]", &card)],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let before = now();
    let sub = gateway
        .create_subscription(&SubscriptionRequest {
            customer: customer.id.clone(),
            price_amount_minor: 1999,
            currency: Currency::USD,
            interval: BillingInterval::Month,
            product_name: "Pro tool (monthly)".into(),
            metadata: [("org_id".to_owned(), org.to_string())].into(),
            idempotency_key: format!("sub-{}", Uuid::now_v7()),
            trial_end: None,
            default_payment_method: None,
        })
        .await
        .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active, "{sub:?}");
    assert!(!sub.cancel_at_period_end);
    assert_eq!(sub.customer.as_deref(), Some(customer.id.as_str()));
    let period_end = sub.current_period_end.unwrap();
    let days = (period_end - before) / 86_400;
    assert!((28..=31).contains(&days), "a month ahead, got {days} days");
    // The first invoice was paid at once with the default card.
    assert!(sub.payment_client_secret.is_some());

    match delivered(&mut events, "invoice.payment_succeeded").await {
        EventData::InvoicePaid {
            subscription_id,
            period_end: paid_until,
            amount_paid_minor,
            ..
        } => {
            assert_eq!(subscription_id, sub.id);
            assert_eq!(paid_until, Some(period_end));
            assert_eq!(amount_paid_minor, Some(1999));
        }
        other => panic!("{other:?}"),
    }

    let cancelled = gateway
        .cancel_subscription_at_period_end(&sub.id)
        .await
        .unwrap();
    assert!(cancelled.cancel_at_period_end);
    assert_eq!(cancelled.status, SubscriptionStatus::Active);
    assert_eq!(cancelled.current_period_end, Some(period_end));

    let fetched = gateway.get_subscription(&sub.id).await.unwrap();
    assert!(fetched.cancel_at_period_end);
    assert_eq!(fetched.status, SubscriptionStatus::Active);

    // The end of the period, as Stripe does it when the period is over.
    let status = stripe
        .delete(&format!("/v1/subscriptions/{}", sub.id))
        .await;
    assert_eq!(status, 200);
    match delivered(&mut events, "customer.subscription.deleted").await {
        EventData::SubscriptionDeleted {
            subscription_id,
            metadata,
            ..
        } => {
            assert_eq!(subscription_id, sub.id);
            assert_eq!(metadata.get("org_id"), Some(&org.to_string()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        gateway.get_subscription(&sub.id).await.unwrap().status,
        SubscriptionStatus::Canceled
    );
}

#[tokio::test]
async fn a_bad_key_is_a_configuration_error() {
    let Some(stripe) = start().await else { return };
    // localstripe accepts any key that starts with sk_; a publishable key is refused.
    let gateway =
        StripeGateway::new(StripeConfig::localstripe("pk_test_wrong", stripe.base())).unwrap();
    let err = gateway
        .create_payment(&payment_request(100))
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::Configuration(_)), "{err:?}");
}

#[tokio::test]
async fn the_port_subscribes_without_charging_the_paid_period_and_cancels_at_its_end() {
    let Some(stripe) = start().await else { return };
    let gateway = stripe.gateway();
    let purchase = marketplace_domain::ids::PurchaseId::from_uuid(Uuid::now_v7());
    let org = OrgId::from_uuid(Uuid::now_v7());
    let first_renewal = now() + 30 * 86_400;
    let request = marketplace_domain::checkout::SubscriptionRequest {
        purchase_id: purchase,
        org_id: org,
        amount: Money::from_minor(2900, Currency::USD),
        interval: marketplace_domain::purchase::Interval::Monthly,
        first_renewal_at: chrono::DateTime::from_timestamp(first_renewal, 0).unwrap(),
        idempotency_key: format!("purchase-{purchase}-subscription"),
        description: format!("Marketplace purchase {purchase}"),
        payment_reference: None,
    };
    let id = PaymentGateway::subscribe(&gateway, &request)
        .await
        .unwrap()
        .expect("Stripe renews by itself");
    assert!(id.starts_with("sub_"), "{id}");

    let stored = stripe.get(&format!("/v1/subscriptions/{id}")).await;
    assert_eq!(stored["trial_end"], first_renewal);
    assert_eq!(
        stored["metadata"]["purchase_id"],
        purchase.to_string().as_str()
    );
    assert_eq!(stored["metadata"]["org_id"], org.to_string().as_str());
    assert_eq!(stored["plan"]["amount"], 2900);
    assert_eq!(stored["plan"]["interval"], "month");
    // Nothing billed now: the checkout paid the first period.
    assert!(stored["latest_invoice"].is_null(), "{stored}");
    let customer = stored["customer"].as_str().unwrap();
    let invoices = stripe
        .get(&format!("/v1/invoices?customer={customer}"))
        .await;
    assert_eq!(
        invoices["data"].as_array().map(Vec::len),
        Some(0),
        "{invoices}"
    );
    let customer = stripe.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(
        customer["metadata"]["purchase_id"],
        purchase.to_string().as_str()
    );

    PaymentGateway::cancel_subscription_at_period_end(&gateway, &id)
        .await
        .unwrap();
    let stored = stripe.get(&format!("/v1/subscriptions/{id}")).await;
    assert_eq!(stored["cancel_at_period_end"], true);
}

#[tokio::test]
async fn renewals_reuse_the_customer_the_checkout_saved_the_card_to() {
    let Some(stripe) = start().await else { return };
    let gateway = stripe.gateway();
    let mut checkout = payment_request(2900);
    checkout.save_for_renewals = true;

    // The checkout's intent belongs to a customer of its own (localstripe takes no
    // `setup_future_usage`: the adapter does not send it there).
    let payment = gateway.create_payment(&checkout).await.unwrap();
    let intent = payment.payment.reference;
    let stored = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
    let customer = stored["customer"].as_str().unwrap().to_owned();
    assert!(customer.starts_with("cus_"), "{stored}");
    let stored_customer = stripe.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(
        stored_customer["metadata"]["order_id"],
        checkout.order_id.to_string().as_str()
    );
    assert_eq!(
        stored_customer["metadata"]["org_id"],
        checkout.org_id.to_string().as_str()
    );
    let card = stripe.card("4242424242424242").await;
    let (status, body) = stripe.pay(&intent, &card).await;
    assert_eq!(status, 200, "{body}");

    // Fulfilment subscribes the recurring purchase on that customer.
    let purchase = marketplace_domain::ids::PurchaseId::from_uuid(Uuid::now_v7());
    let first_renewal = now() + 365 * 86_400;
    let request = marketplace_domain::checkout::SubscriptionRequest {
        purchase_id: purchase,
        org_id: checkout.org_id,
        amount: Money::from_minor(2900, Currency::USD),
        interval: marketplace_domain::purchase::Interval::Annual,
        first_renewal_at: chrono::DateTime::from_timestamp(first_renewal, 0).unwrap(),
        idempotency_key: format!("purchase-{purchase}-subscription"),
        description: format!("Marketplace purchase {purchase}"),
        payment_reference: Some(intent.clone()),
    };
    let id = PaymentGateway::subscribe(&gateway, &request)
        .await
        .unwrap()
        .expect("Stripe renews by itself");
    let stored = stripe.get(&format!("/v1/subscriptions/{id}")).await;
    assert_eq!(stored["customer"], customer.as_str(), "{stored}");
    assert_eq!(stored["trial_end"], first_renewal);
    assert_eq!(stored["plan"]["interval"], "year");
    assert!(stored["latest_invoice"].is_null(), "{stored}");
    // No second customer was made for the purchase.
    let customers = stripe.get("/v1/customers").await;
    assert_eq!(
        customers["data"].as_array().map(Vec::len),
        Some(1),
        "{customers}"
    );
}
