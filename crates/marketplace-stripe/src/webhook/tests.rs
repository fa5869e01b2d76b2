//! Every event type the marketplace acts on, delivered signed through
//! [`StripeWebhook::verify_and_translate`], becomes exactly one domain event; anything
//! else is irrelevant, and an unsigned, forged, stale or unreadable delivery is refused.

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::payment_events::{PaymentEvent, ReceivedEvent};
use marketplace_domain::seller::ConnectAccount;
use rust_decimal::dec;
use serde_json::{Value, json};
use sha2::Sha256;

use super::{SignatureError, StripeWebhook, Translated, WebhookError};

const SECRET: &str = "whsec_translation_test";
const NOW: i64 = 1_730_000_000;
const EVENT_ID: &str = "evt_1Translation";
const ORDER_ID: &str = "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a";

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(NOW, 0).unwrap()
}

fn webhook() -> StripeWebhook {
    StripeWebhook::new(SECRET).unwrap()
}

/// `t=…,v1=…` as Stripe signs: HMAC-SHA256 under `secret` of `"{t}.{payload}"`.
fn signature(secret: &str, t: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(payload);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// An event envelope around `object`, as Stripe renders it.
fn event(event_type: &str, object: Value) -> Vec<u8> {
    json!({
        "id": EVENT_ID, "object": "event", "type": event_type, "created": NOW,
        "api_version": "2024-06-20", "livemode": false,
        "data": {"object": object}
    })
    .to_string()
    .into_bytes()
}

/// Delivers `payload` signed now with the endpoint's secret.
fn deliver(payload: &[u8]) -> Result<Translated, WebhookError> {
    webhook().verify_and_translate(Some(&signature(SECRET, NOW, payload)), payload, now())
}

fn translate(event_type: &str, object: Value) -> Translated {
    deliver(&event(event_type, object)).unwrap()
}

fn payment(kind: &str, event: PaymentEvent) -> Translated {
    Translated::Payment(ReceivedEvent {
        id: EVENT_ID.into(),
        kind: kind.into(),
        event,
    })
}

fn irrelevant(event_type: &str) -> Translated {
    Translated::Irrelevant {
        event_id: EVENT_ID.into(),
        event_type: event_type.into(),
    }
}

fn intent(metadata: Value) -> Value {
    json!({
        "id": "pi_1Order", "object": "payment_intent", "amount": 4999,
        "amount_received": 4999, "currency": "usd", "status": "succeeded",
        "metadata": metadata
    })
}

fn failed_intent(metadata: Value) -> Value {
    json!({
        "id": "pi_1Order", "object": "payment_intent", "amount": 4999, "currency": "usd",
        "status": "requires_payment_method", "metadata": metadata,
        "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"}
    })
}

fn charge(payment_intent: Value, currency: &str) -> Value {
    json!({
        "id": "ch_1Order", "object": "charge", "payment_intent": payment_intent,
        "amount": 4999, "amount_refunded": 1500, "refunded": false, "currency": currency
    })
}

fn invoice(lines: Value) -> Value {
    json!({
        "id": "in_1Renewal", "object": "invoice", "subscription": "sub_1Tool",
        "amount_paid": 1000, "currency": "usd", "lines": {"object": "list", "data": lines}
    })
}

fn subscription_line(end: i64) -> Value {
    json!({
        "id": "sli_1", "object": "line_item", "type": "subscription",
        "subscription": "sub_1Tool", "proration": false,
        "period": {"start": NOW, "end": end}
    })
}

fn account(payouts_enabled: bool) -> Value {
    json!({
        "id": "acct_1Seller", "object": "account", "payouts_enabled": payouts_enabled,
        "charges_enabled": payouts_enabled, "details_submitted": payouts_enabled
    })
}

#[test]
fn payment_intent_succeeded_of_an_order_is_payment_succeeded() {
    assert_eq!(
        translate(
            "payment_intent.succeeded",
            intent(json!({"order_id": ORDER_ID}))
        ),
        payment(
            "payment_intent.succeeded",
            PaymentEvent::PaymentSucceeded {
                reference: "pi_1Order".into()
            }
        )
    );
}

#[test]
fn payment_intent_succeeded_of_no_order_is_irrelevant() {
    // A subscription invoice's intent carries no order: nothing to fulfil.
    assert_eq!(
        translate("payment_intent.succeeded", intent(json!({}))),
        irrelevant("payment_intent.succeeded")
    );
    assert_eq!(
        translate(
            "payment_intent.succeeded",
            intent(json!({"order_id": "not-a-uuid"}))
        ),
        irrelevant("payment_intent.succeeded")
    );
}

#[test]
fn payment_intent_payment_failed_of_an_order_is_payment_failed_with_the_decline_code() {
    assert_eq!(
        translate(
            "payment_intent.payment_failed",
            failed_intent(json!({"order_id": ORDER_ID}))
        ),
        payment(
            "payment_intent.payment_failed",
            PaymentEvent::PaymentFailed {
                reference: "pi_1Order".into(),
                code: Some("insufficient_funds".into()),
            }
        )
    );
}

#[test]
fn payment_intent_payment_failed_of_no_order_is_irrelevant() {
    assert_eq!(
        translate("payment_intent.payment_failed", failed_intent(json!({}))),
        irrelevant("payment_intent.payment_failed")
    );
}

#[test]
fn charge_refunded_is_the_cumulative_refund_of_its_payment() {
    assert_eq!(
        translate("charge.refunded", charge(json!("pi_1Order"), "usd")),
        payment(
            "charge.refunded",
            PaymentEvent::Refunded {
                reference: "pi_1Order".into(),
                total_refunded: Money::new(dec!(15.00), Currency::USD).unwrap(),
            }
        )
    );
}

#[test]
fn charge_refunded_reads_the_minor_units_of_its_currency() {
    let mut yen = charge(
        json!({"id": "pi_1Order", "object": "payment_intent"}),
        "jpy",
    );
    yen["amount_refunded"] = json!(700);
    let Translated::Payment(ReceivedEvent {
        event: PaymentEvent::Refunded { total_refunded, .. },
        ..
    }) = translate("charge.refunded", yen)
    else {
        panic!("a yen refund is a refund");
    };
    let jpy = Currency::parse("JPY").unwrap();
    assert_eq!(total_refunded, Money::new(dec!(700), jpy).unwrap());
}

#[test]
fn charge_refunded_without_a_payment_or_a_readable_currency_is_irrelevant() {
    assert_eq!(
        translate("charge.refunded", charge(Value::Null, "usd")),
        irrelevant("charge.refunded")
    );
    assert_eq!(
        translate("charge.refunded", charge(json!("pi_1Order"), "us dollars")),
        irrelevant("charge.refunded")
    );
}

#[test]
fn invoice_paid_is_a_renewal_paid_until_its_period_end() {
    let end = NOW + 30 * 24 * 3600;
    let expected = |kind: &str| {
        payment(
            kind,
            PaymentEvent::RenewalPaid {
                subscription: "sub_1Tool".into(),
                paid_until: Some(Utc.timestamp_opt(end, 0).unwrap()),
                amount: Some(Money::from_minor(1_000, Currency::USD)),
                payment: None,
            },
        )
    };
    let lines = json!([subscription_line(end)]);
    assert_eq!(
        translate("invoice.paid", invoice(lines.clone())),
        expected("invoice.paid")
    );
    // Stripe sends both for one invoice; the payment events use case applies it once.
    assert_eq!(
        translate("invoice.payment_succeeded", invoice(lines)),
        expected("invoice.payment_succeeded")
    );
}

#[test]
fn invoice_paid_without_a_period_renews_by_one_period() {
    assert_eq!(
        translate("invoice.paid", invoice(json!([]))),
        payment(
            "invoice.paid",
            PaymentEvent::RenewalPaid {
                subscription: "sub_1Tool".into(),
                paid_until: None,
                amount: Some(Money::from_minor(1_000, Currency::USD)),
                payment: None,
            }
        )
    );
}

#[test]
fn invoice_payment_failed_is_a_failed_renewal() {
    let mut failed = invoice(json!([subscription_line(NOW + 3600)]));
    failed["next_payment_attempt"] = json!(NOW + 86_400);
    assert_eq!(
        translate("invoice.payment_failed", failed),
        payment(
            "invoice.payment_failed",
            PaymentEvent::RenewalFailed {
                subscription: "sub_1Tool".into()
            }
        )
    );
}

#[test]
fn an_invoice_of_no_subscription_is_irrelevant() {
    let one_off = json!({"id": "in_1OneOff", "object": "invoice", "amount_paid": 500,
                         "currency": "usd", "lines": {"object": "list", "data": []}});
    assert_eq!(
        translate("invoice.paid", one_off.clone()),
        irrelevant("invoice.paid")
    );
    assert_eq!(
        translate("invoice.payment_failed", one_off),
        irrelevant("invoice.payment_failed")
    );
}

#[test]
fn customer_subscription_updated_says_whether_it_stops_at_period_end() {
    for (kind, cancel_at_period_end) in [
        ("customer.subscription.updated", true),
        ("customer.subscription.created", false),
    ] {
        let sub = json!({
            "id": "sub_1Tool", "object": "subscription", "status": "active",
            "cancel_at_period_end": cancel_at_period_end, "current_period_end": NOW + 3600,
            "metadata": {"purchase_id": ORDER_ID}
        });
        assert_eq!(
            translate(kind, sub),
            payment(
                kind,
                PaymentEvent::SubscriptionChanged {
                    subscription: "sub_1Tool".into(),
                    cancel_at_period_end,
                }
            )
        );
    }
}

#[test]
fn customer_subscription_deleted_ends_the_subscription() {
    let sub = json!({"id": "sub_1Tool", "object": "subscription", "status": "canceled",
                     "ended_at": NOW, "metadata": {}});
    assert_eq!(
        translate("customer.subscription.deleted", sub),
        payment(
            "customer.subscription.deleted",
            PaymentEvent::SubscriptionEnded {
                subscription: "sub_1Tool".into()
            }
        )
    );
}

#[test]
fn account_updated_with_payouts_enabled_is_the_sellers_account_able_to_receive_payouts() {
    let translated = translate("account.updated", account(true));
    assert_eq!(
        translated,
        Translated::AccountUpdated {
            event_id: EVENT_ID.into(),
            account: ConnectAccount {
                account_id: "acct_1Seller".into(),
                payouts_enabled: true,
            },
        }
    );
    assert_eq!(
        (translated.event_id(), translated.event_type()),
        (EVENT_ID, "account.updated")
    );
}

#[test]
fn account_updated_without_payouts_enabled_is_the_sellers_account_unable_to_receive_them() {
    assert_eq!(
        translate("account.updated", account(false)),
        Translated::AccountUpdated {
            event_id: EVENT_ID.into(),
            account: ConnectAccount {
                account_id: "acct_1Seller".into(),
                payouts_enabled: false,
            },
        }
    );
    // An account that does not say is not able to receive payouts.
    assert_eq!(
        translate(
            "account.updated",
            json!({"id": "acct_1Seller", "object": "account"})
        ),
        Translated::AccountUpdated {
            event_id: EVENT_ID.into(),
            account: ConnectAccount {
                account_id: "acct_1Seller".into(),
                payouts_enabled: false,
            },
        }
    );
}

#[test]
fn an_unknown_type_is_irrelevant() {
    let translated = translate(
        "customer.created",
        json!({"id": "cus_1", "object": "customer"}),
    );
    assert_eq!(translated, irrelevant("customer.created"));
    assert_eq!(
        (translated.event_id(), translated.event_type()),
        (EVENT_ID, "customer.created")
    );
}

#[test]
fn a_signed_body_that_is_not_an_event_is_malformed() {
    for payload in [
        b"not json".to_vec(),
        br#"{"id":"evt_1"}"#.to_vec(),
        // A handled type whose object has no id.
        event(
            "payment_intent.succeeded",
            json!({"object": "payment_intent"}),
        ),
        // A refund that does not say how much.
        event(
            "charge.refunded",
            json!({"id": "ch_1", "object": "charge", "currency": "usd"}),
        ),
    ] {
        let refused = deliver(&payload);
        assert!(
            matches!(refused, Err(WebhookError::Malformed(_))),
            "{}: {refused:?}",
            String::from_utf8_lossy(&payload)
        );
    }
}

#[test]
fn a_signature_under_another_secret_is_refused() {
    let payload = event("account.updated", account(true));
    let forged = signature("whsec_someone_else", NOW, &payload);
    assert!(matches!(
        webhook().verify_and_translate(Some(&forged), &payload, now()),
        Err(WebhookError::Signature(SignatureError::Mismatch))
    ));
}

#[test]
fn a_body_changed_after_signing_is_refused() {
    let payload = event("account.updated", account(false));
    let header = signature(SECRET, NOW, &payload);
    let tampered = event("account.updated", account(true));
    assert!(matches!(
        webhook().verify_and_translate(Some(&header), &tampered, now()),
        Err(WebhookError::Signature(SignatureError::Mismatch))
    ));
}

#[test]
fn a_signature_checked_at_now_outside_the_tolerance_is_refused() {
    let payload = event("account.updated", account(true));
    let header = signature(SECRET, NOW, &payload);
    let later = now() + chrono::Duration::seconds(301);
    assert!(matches!(
        webhook().verify_and_translate(Some(&header), &payload, later),
        Err(WebhookError::Signature(SignatureError::OutsideTolerance {
            age_secs: 301,
            ..
        }))
    ));
    // Within the tolerance the same delivery is accepted.
    let in_time = now() + chrono::Duration::seconds(300);
    assert!(
        webhook()
            .verify_and_translate(Some(&header), &payload, in_time)
            .is_ok()
    );
}

#[test]
fn the_signature_is_checked_before_the_body_is_read() {
    let payload = b"not json";
    let forged = signature("whsec_someone_else", NOW, payload);
    assert!(matches!(
        webhook().verify_and_translate(Some(&forged), payload, now()),
        Err(WebhookError::Signature(SignatureError::Mismatch))
    ));
}

#[test]
fn an_unsigned_delivery_is_refused() {
    let payload = event(
        "payment_intent.succeeded",
        intent(json!({"order_id": ORDER_ID})),
    );
    assert!(matches!(
        webhook().verify_and_translate(None, &payload, now()),
        Err(WebhookError::Unsigned)
    ));
}

#[test]
fn an_endpoint_needs_a_signing_secret() {
    assert_eq!(
        StripeWebhook::new("").unwrap_err(),
        SignatureError::EmptySecret
    );
    assert_eq!(
        StripeWebhook::new("  ").unwrap_err(),
        SignatureError::EmptySecret
    );
}
