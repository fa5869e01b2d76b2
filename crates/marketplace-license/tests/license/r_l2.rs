//! R-L2: a license key is `ML1.<payload>.<signature>`, Ed25519 over the exact payload,
//! naming the kid of the key that signed it; several keys verify at once.

use ed25519_dalek::{Signature, VerifyingKey};
use marketplace_license::{
    Claims, Keyring, LICENSE_KEY_PREFIX, MAX_TOKEN_LEN, Malformation, PublicKey, Verifier,
    VerifyError,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    NOW, SEED_1, SEED_2, assemble, claims, kid, payload_of, signature_of, signed_raw, signer,
    verifier_for,
};

#[test]
fn r_l2_a_key_is_ml1_payload_and_signature_in_base64url() {
    let key = signer("k1", &SEED_1).sign_license(&claims().build().unwrap());
    let parts: Vec<&str> = key.as_str().split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "ML1");
    assert_eq!(LICENSE_KEY_PREFIX, "ML1.");
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    assert!(base64url(parts[1]) && base64url(parts[2]), "{key}");
}

#[test]
fn r_l2_the_payload_carries_every_claim_and_the_kid() {
    let key = signer("k1", &SEED_1).sign_license(&claims().build().unwrap());
    let payload: Value = serde_json::from_slice(&payload_of(key.as_str())).unwrap();
    assert_eq!(
        payload,
        json!({
            "v": 1,
            "lid": Uuid::from_u128(0x1111).to_string(),
            "org": Uuid::from_u128(0x2222).to_string(),
            "tool": Uuid::from_u128(0x3333).to_string(),
            "plan": "PRO",
            "features": ["export", "sso"],
            "max_activations": 5,
            "iat": NOW,
            "exp": NOW + 365 * 86_400,
            "kid": "k1",
        })
    );
}

#[test]
fn r_l2_a_perpetual_license_has_a_null_exp() {
    let key = signer("k1", &SEED_1).sign_license(&claims().expires_at(None).build().unwrap());
    let payload: Value = serde_json::from_slice(&payload_of(key.as_str())).unwrap();
    assert_eq!(payload["exp"], Value::Null);
}

#[test]
fn r_l2_the_signature_is_ed25519_over_the_exact_payload_bytes() {
    let signing = signer("k1", &SEED_1);
    let key = signing.sign_license(&claims().build().unwrap());
    let public = ed25519_dalek::SigningKey::from_bytes(&SEED_1).verifying_key();
    let signature = Signature::from_bytes(&signature_of(key.as_str()));
    public
        .verify_strict(&payload_of(key.as_str()), &signature)
        .unwrap();
    assert_eq!(
        signing.public_key().to_base64url(),
        base64_of(&public),
        "the published key is the raw Ed25519 public key"
    );
}

fn base64_of(key: &VerifyingKey) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

#[test]
fn r_l2_a_changed_claim_under_the_original_signature_is_refused() {
    let key = signer("k1", &SEED_1).sign_license(&claims().build().unwrap());
    let payload = String::from_utf8(payload_of(key.as_str())).unwrap();
    let more_seats = payload.replace(r#""max_activations":5"#, r#""max_activations":500"#);
    let forged = assemble("ML1.", more_seats.as_bytes(), &signature_of(key.as_str()));
    assert_eq!(
        verifier_for(&[&signer("k1", &SEED_1)]).verify(&forged, NOW),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn r_l2_the_kid_names_the_key_that_must_verify_the_signature() {
    // Signed with k2's secret but claiming to be k1's: k1's public key refuses it.
    let (k1, k2) = (signer("k1", &SEED_1), signer("k2", &SEED_2));
    let key = k2.sign_license(&claims().build().unwrap());
    let payload = String::from_utf8(payload_of(key.as_str())).unwrap();
    let relabelled = signed_raw(
        "ML1.",
        &payload.replace(r#""kid":"k2""#, r#""kid":"k1""#),
        &SEED_2,
    );
    assert_eq!(
        verifier_for(&[&k1, &k2]).verify(&relabelled, NOW),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn r_l2_keys_signed_by_any_listed_kid_verify_side_by_side() {
    let (old, new) = (signer("2024", &SEED_1), signer("2025", &SEED_2));
    let verifier = verifier_for(&[&old, &new]);
    let from_old = old.sign_license(&claims().build().unwrap());
    let from_new = new.sign_license(&claims().plan("TEAM").build().unwrap());
    let a = verifier.verify(from_old.as_str(), NOW).unwrap();
    let b = verifier.verify(from_new.as_str(), NOW).unwrap();
    assert_eq!((a.kid().as_str(), b.kid().as_str()), ("2024", "2025"));
    assert_eq!(b.claims().plan().as_str(), "TEAM");
}

#[test]
fn r_l2_verification_gives_back_the_claims_signed() {
    let claims = claims().build().unwrap();
    let key = signer("k1", &SEED_1).sign_license(&claims);
    let verified = verifier_for(&[&signer("k1", &SEED_1)])
        .verify(key.as_str(), NOW)
        .unwrap();
    assert_eq!(verified.claims(), &claims);
    assert_eq!(verified.kid(), &kid("k1"));
}

#[test]
fn r_l2_the_largest_claims_still_make_a_key_within_the_size_limit() {
    let features: Vec<String> = (0..Claims::MAX_FEATURES)
        .map(|i| format!("{i:02}{}", "f".repeat(62)))
        .collect();
    let largest = Claims::builder(Uuid::max().into(), Uuid::max().into(), Uuid::max().into())
        .plan("P".repeat(64))
        .features(features)
        .max_activations(u32::MAX)
        .issued_at(u64::MAX - 1)
        .expires_at(u64::MAX)
        .build()
        .unwrap();
    let longest_kid = "K".repeat(64);
    let signing = signer(&longest_kid, &SEED_1);
    let key = signing.sign_license(&largest);
    assert!(
        key.as_str().len() <= MAX_TOKEN_LEN,
        "{} bytes",
        key.as_str().len()
    );
    let verified = verifier_for(&[&signing])
        .authenticate(key.as_str())
        .unwrap();
    assert_eq!(verified.claims(), &largest);
}

#[test]
fn r_l2_another_payload_version_is_unsupported_even_when_signed() {
    let v2 = r#"{"v":2,"lid":"00000000-0000-0000-0000-000000000001","kid":"k1","seats":"any"}"#;
    let key = signed_raw("ML1.", v2, &SEED_1);
    assert_eq!(
        verifier_for(&[&signer("k1", &SEED_1)]).verify(&key, NOW),
        Err(VerifyError::UnsupportedVersion(2))
    );
}

#[test]
fn r_l2_a_payload_with_a_field_outside_the_schema_is_refused_even_when_signed() {
    let key = signer("k1", &SEED_1).sign_license(&claims().build().unwrap());
    let payload = String::from_utf8(payload_of(key.as_str())).unwrap();
    let extended = payload.replace(r#","kid""#, r#","offline_grace":999999,"kid""#);
    let key = signed_raw("ML1.", &extended, &SEED_1);
    assert!(matches!(
        verifier_for(&[&signer("k1", &SEED_1)]).verify(&key, NOW),
        Err(VerifyError::Malformed(Malformation::Payload(_)))
    ));
}

#[test]
fn r_l2_public_keys_are_published_as_kid_alg_and_base64url_key() {
    let (a, b) = (signer("2024", &SEED_1), signer("2025", &SEED_2));
    let ring = Keyring::from_keys([b.public_key(), a.public_key()]).unwrap();
    let body = serde_json::to_value(&ring).unwrap();
    assert_eq!(
        body,
        json!({"keys": [
            {"kid": "2024", "alg": "EdDSA", "public_key": a.public_key().to_base64url()},
            {"kid": "2025", "alg": "EdDSA", "public_key": b.public_key().to_base64url()},
        ]})
    );
    // A vendor builds its verifier straight from that body.
    let fetched = Verifier::new(serde_json::from_value(body).unwrap());
    let key = b.sign_license(&claims().build().unwrap());
    assert!(fetched.verify(key.as_str(), NOW).is_ok());
    let one = PublicKey::from_base64url(kid("2025"), &b.public_key().to_base64url()).unwrap();
    assert_eq!(fetched.keyring().get("2025"), Some(&one));
}
