//! The `Stripe-Signature` check and event parsing, on payloads captured from localstripe
//! (API 2017-08-15) and on hand-written 2017-08-15 and current shapes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::BTreeMap;

use hmac::{Hmac, KeyInit, Mac};
use marketplace_stripe::SubscriptionStatus;
use marketplace_stripe::webhook::{
    DEFAULT_TOLERANCE_SECS, EventData, SignatureError, parse_event, verify_signature,
};
use sha2::Sha256;
use uuid::Uuid;

const SECRET: &str = "whsec_test_secret";
const NOW: i64 = 1_730_000_000;

fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

fn header(t: i64, signatures: &[String]) -> String {
    let mut parts = vec![format!("t={t}")];
    parts.extend(signatures.iter().map(|s| format!("v1={s}")));
    parts.join(",")
}

const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

fn verify(payload: &[u8], header: &str) -> Result<(), SignatureError> {
    verify_signature(payload, header, SECRET, NOW, DEFAULT_TOLERANCE_SECS)
}

#[test]
fn a_valid_signature_passes() {
    let h = header(NOW, &[sign(SECRET, NOW, BODY)]);
    assert_eq!(verify(BODY, &h), Ok(()));
}

#[test]
fn localstripe_header_format_passes() {
    // localstripe writes exactly `t=%d,v1=%s`; Stripe adds v0 in test mode and spaces
    // are tolerated.
    let sig = sign(SECRET, NOW, BODY);
    assert_eq!(verify(BODY, &format!("t={NOW},v1={sig}")), Ok(()));
    assert_eq!(
        verify(BODY, &format!("t={NOW}, v1={sig}, v0=deadbeef")),
        Ok(())
    );
}

#[test]
fn a_wrong_secret_is_a_mismatch() {
    let h = header(NOW, &[sign("whsec_other", NOW, BODY)]);
    assert_eq!(verify(BODY, &h), Err(SignatureError::Mismatch));
}

#[test]
fn a_tampered_body_is_a_mismatch() {
    let h = header(NOW, &[sign(SECRET, NOW, BODY)]);
    let tampered = br#"{"id":"evt_1","type":"payment_intent.succeedeD"}"#;
    assert_eq!(verify(tampered, &h), Err(SignatureError::Mismatch));
    // Trailing whitespace is a different body too: the raw bytes are signed.
    let mut padded = BODY.to_vec();
    padded.push(b'\n');
    assert_eq!(verify(&padded, &h), Err(SignatureError::Mismatch));
}

#[test]
fn a_timestamp_changed_after_signing_is_a_mismatch() {
    let h = header(NOW + 1, &[sign(SECRET, NOW, BODY)]);
    assert_eq!(verify(BODY, &h), Err(SignatureError::Mismatch));
}

#[test]
fn a_stale_timestamp_is_refused_in_the_past() {
    let t = NOW - DEFAULT_TOLERANCE_SECS - 1;
    let h = header(t, &[sign(SECRET, t, BODY)]);
    assert!(matches!(
        verify(BODY, &h),
        Err(SignatureError::OutsideTolerance { age_secs: 301, .. })
    ));
}

#[test]
fn a_stale_timestamp_is_refused_in_the_future() {
    let t = NOW + DEFAULT_TOLERANCE_SECS + 1;
    let h = header(t, &[sign(SECRET, t, BODY)]);
    assert!(matches!(
        verify(BODY, &h),
        Err(SignatureError::OutsideTolerance { age_secs: 301, .. })
    ));
}

#[test]
fn the_tolerance_edge_is_accepted_both_ways() {
    for t in [NOW - DEFAULT_TOLERANCE_SECS, NOW + DEFAULT_TOLERANCE_SECS] {
        let h = header(t, &[sign(SECRET, t, BODY)]);
        assert_eq!(verify(BODY, &h), Ok(()), "t = {t}");
    }
}

#[test]
fn a_missing_v1_is_refused() {
    assert_eq!(
        verify(BODY, &format!("t={NOW}")),
        Err(SignatureError::MissingSignature)
    );
    assert_eq!(
        verify(BODY, &format!("t={NOW},v0={}", sign(SECRET, NOW, BODY))),
        Err(SignatureError::MissingSignature),
        "v0 is not accepted in place of v1"
    );
}

#[test]
fn a_missing_or_malformed_timestamp_is_refused() {
    let sig = sign(SECRET, NOW, BODY);
    assert_eq!(
        verify(BODY, &format!("v1={sig}")),
        Err(SignatureError::MissingTimestamp)
    );
    assert!(matches!(
        verify(BODY, &format!("t=yesterday,v1={sig}")),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify(BODY, &format!("t={NOW},t={NOW},v1={sig}")),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify(BODY, "garbage"),
        Err(SignatureError::Malformed(_))
    ));
    assert_eq!(verify(BODY, ""), Err(SignatureError::MissingTimestamp));
}

#[test]
fn multiple_v1_with_one_valid_pass_in_any_position() {
    let good = sign(SECRET, NOW, BODY);
    let old = sign("whsec_rolled_secret", NOW, BODY);
    let not_hex = "zz-not-hex".to_owned();
    assert_eq!(
        verify(BODY, &header(NOW, &[old.clone(), good.clone()])),
        Ok(())
    );
    assert_eq!(
        verify(BODY, &header(NOW, &[good.clone(), old.clone()])),
        Ok(())
    );
    assert_eq!(verify(BODY, &header(NOW, &[not_hex.clone(), good])), Ok(()));
    assert_eq!(
        verify(BODY, &header(NOW, &[old, not_hex])),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_truncated_signature_is_a_mismatch() {
    let sig = sign(SECRET, NOW, BODY);
    assert_eq!(
        verify(BODY, &header(NOW, &[sig[..32].to_owned()])),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn an_empty_secret_is_refused_even_with_a_matching_signature() {
    let h = header(NOW, &[sign("", NOW, BODY)]);
    assert_eq!(
        verify_signature(BODY, &h, "", NOW, 300),
        Err(SignatureError::EmptySecret)
    );
}

#[test]
fn a_signed_localstripe_payload_verifies_and_parses() {
    let payload = fixture("localstripe/payment_intent.succeeded.json");
    let t = 1_795_457_252;
    let h = format!("t={t},v1={}", sign(SECRET, t, &payload));
    verify_signature(&payload, &h, SECRET, t + 1, 300).unwrap();
    let event = parse_event(&payload).unwrap();
    assert_eq!(event.event_type, "payment_intent.succeeded");
}

// ---- event parsing -------------------------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn uuid(s: &str) -> Option<Uuid> {
    Some(Uuid::parse_str(s).unwrap())
}

const ORDER_1: &str = "0190f5c2-7a4e-7c3b-9a51-6f1e2d3c4b5a";
const ORDER_2: &str = "0190f5c2-7a4e-7c3b-9a51-000000000002";
const ORG: &str = "0190f5c2-0000-7000-8000-000000000001";

#[test]
fn localstripe_payment_intent_succeeded() {
    let event = parse_event(&fixture("localstripe/payment_intent.succeeded.json")).unwrap();
    assert_eq!(event.id, "evt_waBKfSE7bUgn3p");
    assert_eq!(event.created, 1_795_457_252);
    assert_eq!(event.api_version.as_deref(), Some("2017-08-15"));
    assert_eq!(
        event.data,
        EventData::PaymentIntentSucceeded {
            intent_id: "pi_eJUTl2CIDgj5ku".into(),
            order_id: uuid(ORDER_1),
            org_id: uuid(ORG),
            amount_minor: Some(4999),
            currency: Some("usd".into()),
        }
    );
}

#[test]
fn current_payment_intent_succeeded() {
    let event = parse_event(&fixture("current/payment_intent.succeeded.json")).unwrap();
    assert_eq!(event.id, "evt_3PcurrentSucceeded");
    assert_eq!(event.created, 1_730_000_000);
    assert_eq!(
        event.data,
        EventData::PaymentIntentSucceeded {
            intent_id: "pi_3PcurrentAAA".into(),
            order_id: uuid(ORDER_1),
            org_id: uuid(ORG),
            amount_minor: Some(4999),
            currency: Some("usd".into()),
        }
    );
}

#[test]
fn localstripe_payment_intent_failed_has_the_code() {
    let event = parse_event(&fixture("localstripe/payment_intent.payment_failed.json")).unwrap();
    assert_eq!(event.id, "evt_cb3zxntAYrDlTE");
    assert_eq!(
        event.data,
        EventData::PaymentIntentFailed {
            intent_id: "pi_V1qFE2F0ixock0".into(),
            order_id: uuid(ORDER_2),
            org_id: uuid(ORG),
            decline_code: Some("card_declined".into()),
        }
    );
}

#[test]
fn current_payment_intent_failed_prefers_the_decline_code_and_tolerates_bad_metadata() {
    let event = parse_event(&fixture("current/payment_intent.payment_failed.json")).unwrap();
    assert_eq!(
        event.data,
        EventData::PaymentIntentFailed {
            intent_id: "pi_3PcurrentBBB".into(),
            order_id: uuid(ORDER_2),
            org_id: None,
            decline_code: Some("insufficient_funds".into()),
        }
    );
}

#[test]
fn current_charge_refunded_partially() {
    let event = parse_event(&fixture("current/charge.refunded.json")).unwrap();
    assert_eq!(event.id, "evt_3PcurrentRefunded");
    assert_eq!(
        event.data,
        EventData::ChargeRefunded {
            charge_id: "ch_3PcurrentAAA".into(),
            payment_intent: Some("pi_3PcurrentAAA".into()),
            amount_refunded_minor: 1000,
            amount_minor: Some(4999),
            currency: "usd".into(),
            fully_refunded: false,
        }
    );
}

#[test]
fn v2017_charge_refunded_without_payment_intent() {
    let event = parse_event(&fixture("v2017/charge.refunded.json")).unwrap();
    assert_eq!(event.created, 1_503_000_000);
    assert_eq!(
        event.data,
        EventData::ChargeRefunded {
            charge_id: "ch_2017Full".into(),
            payment_intent: None,
            amount_refunded_minor: 2500,
            amount_minor: Some(2500),
            currency: "eur".into(),
            fully_refunded: true,
        }
    );
}

#[test]
fn charge_refunded_without_amount_refunded_sums_its_refunds() {
    let payload = br#"{"id":"evt_x","type":"charge.refunded","created":1,"data":{"object":{
        "id":"ch_x","currency":"usd","amount":900,"payment_intent":{"id":"pi_x","object":"payment_intent"},
        "refunds":{"data":[{"amount":300,"status":"succeeded"},{"amount":200,"status":"failed"},{"amount":100}]}}}}"#;
    let event = parse_event(payload).unwrap();
    assert_eq!(
        event.data,
        EventData::ChargeRefunded {
            charge_id: "ch_x".into(),
            payment_intent: Some("pi_x".into()),
            amount_refunded_minor: 400,
            amount_minor: Some(900),
            currency: "usd".into(),
            fully_refunded: false,
        }
    );
}

#[test]
fn localstripe_invoice_payment_succeeded_is_an_invoice_paid() {
    let event = parse_event(&fixture("localstripe/invoice.payment_succeeded.json")).unwrap();
    assert_eq!(event.id, "evt_QTXCKOEZv8FPVA");
    assert_eq!(
        event.data,
        EventData::InvoicePaid {
            invoice_id: "in_6rXgi65wx7tSvE".into(),
            subscription_id: "sub_DGvgFXXVhiYjfs".into(),
            period_end: Some(1_798_049_254),
            amount_paid_minor: Some(1999),
            currency: Some("usd".into()),
            payment_intent: Some("pi_OkPPo7jMRohnwg".into()),
        }
    );
}

#[test]
fn v2017_invoice_payment_succeeded_uses_the_line_period_not_the_invoice_period() {
    let event = parse_event(&fixture("v2017/invoice.payment_succeeded.json")).unwrap();
    assert_eq!(
        event.data,
        EventData::InvoicePaid {
            invoice_id: "in_2017Renewal".into(),
            subscription_id: "sub_2017".into(),
            period_end: Some(1_508_270_400),
            amount_paid_minor: None,
            currency: Some("usd".into()),
            payment_intent: None,
        }
    );
}

#[test]
fn current_invoice_paid_reads_the_subscription_from_its_parent() {
    let event = parse_event(&fixture("current/invoice.paid.json")).unwrap();
    assert_eq!(event.api_version.as_deref(), Some("2025-03-31.basil"));
    assert_eq!(
        event.data,
        EventData::InvoicePaid {
            invoice_id: "in_1PbasilRenewal".into(),
            subscription_id: "sub_1Pbasil".into(),
            period_end: Some(1_735_270_400),
            amount_paid_minor: Some(1999),
            currency: Some("usd".into()),
            payment_intent: None,
        }
    );
}

#[test]
fn an_invoice_of_no_subscription_is_other() {
    let event = parse_event(&fixture("v2017/invoice.one_off.json")).unwrap();
    assert_eq!(
        event.data,
        EventData::Other {
            event_type: "invoice.payment_succeeded".into()
        }
    );
}

#[test]
fn invoice_payment_failed_in_both_shapes() {
    let old = parse_event(&fixture("v2017/invoice.payment_failed.json")).unwrap();
    assert_eq!(
        old.data,
        EventData::InvoicePaymentFailed {
            invoice_id: "in_2017Failed".into(),
            subscription_id: "sub_2017".into(),
            next_payment_attempt: None,
        }
    );
    let current = parse_event(&fixture("current/invoice.payment_failed.json")).unwrap();
    assert_eq!(
        current.data,
        EventData::InvoicePaymentFailed {
            invoice_id: "in_1PcurrentFailed".into(),
            subscription_id: "sub_1Pcurrent".into(),
            next_payment_attempt: Some(1_732_851_300),
        }
    );
}

fn org_metadata() -> BTreeMap<String, String> {
    BTreeMap::from([("org_id".to_owned(), ORG.to_owned())])
}

#[test]
fn localstripe_subscription_created_is_a_subscription_update() {
    let event = parse_event(&fixture("localstripe/customer.subscription.created.json")).unwrap();
    assert_eq!(
        event.data,
        EventData::SubscriptionUpdated {
            subscription_id: "sub_DGvgFXXVhiYjfs".into(),
            cancel_at_period_end: false,
            status: SubscriptionStatus::Active,
            current_period_end: Some(1_798_049_254),
            metadata: org_metadata(),
        }
    );
}

#[test]
fn v2017_subscription_updated() {
    let event = parse_event(&fixture("v2017/customer.subscription.updated.json")).unwrap();
    assert_eq!(
        event.data,
        EventData::SubscriptionUpdated {
            subscription_id: "sub_2017".into(),
            cancel_at_period_end: true,
            status: SubscriptionStatus::PastDue,
            current_period_end: Some(1_505_678_400),
            metadata: org_metadata(),
        }
    );
}

#[test]
fn current_subscription_updated_reads_the_period_from_its_items() {
    let event = parse_event(&fixture("current/customer.subscription.updated.json")).unwrap();
    let mut metadata = org_metadata();
    metadata.insert(
        "tool_id".into(),
        "0190f5c2-0000-7000-8000-0000000000aa".into(),
    );
    assert_eq!(
        event.data,
        EventData::SubscriptionUpdated {
            subscription_id: "sub_1Pbasil".into(),
            cancel_at_period_end: true,
            status: SubscriptionStatus::Active,
            current_period_end: Some(1_735_270_400),
            metadata,
        }
    );
}

#[test]
fn subscription_deleted_in_both_shapes() {
    let local = parse_event(&fixture("localstripe/customer.subscription.deleted.json")).unwrap();
    assert_eq!(local.id, "evt_Z6LhYDYaXjcNlG");
    assert_eq!(
        local.data,
        EventData::SubscriptionDeleted {
            subscription_id: "sub_DGvgFXXVhiYjfs".into(),
            ended_at: Some(1_795_457_254),
            metadata: org_metadata(),
        }
    );
    let current = parse_event(&fixture("current/customer.subscription.deleted.json")).unwrap();
    assert_eq!(
        current.data,
        EventData::SubscriptionDeleted {
            subscription_id: "sub_1Pbasil".into(),
            ended_at: Some(1_735_270_400),
            metadata: org_metadata(),
        }
    );
}

#[test]
fn unknown_types_are_other() {
    for name in [
        "current/checkout.session.completed.json",
        "localstripe/product.created.json",
    ] {
        let event = parse_event(&fixture(name)).unwrap();
        assert!(
            matches!(&event.data, EventData::Other { event_type } if *event_type == event.event_type),
            "{name}: {:?}",
            event.data
        );
    }
}

#[test]
fn not_an_event_is_an_error() {
    assert!(parse_event(b"not json").is_err());
    assert!(parse_event(br#"{"id":"evt_1"}"#).is_err());
    assert!(
        parse_event(br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{}}}"#)
            .is_err(),
        "a handled type without its object's id"
    );
    assert!(
        parse_event(
            br#"{"id":"evt_1","type":"customer.subscription.updated","data":{"object":{"id":"sub_1"}}}"#
        )
        .is_err(),
        "a subscription update without a status"
    );
}
