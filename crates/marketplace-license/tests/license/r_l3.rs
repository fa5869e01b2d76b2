//! R-L3: offline verification checks the signature strictly, a known kid, the expiry with
//! a leeway and a clock floor (a clock earlier than issue time minus the leeway), and
//! needs nothing but the key, the keyring and the caller's "now".

use ed25519_dalek::{Signature, Verifier as _};
use marketplace_license::{Leeway, MAX_TOKEN_LEN, Malformation, VerifyError};
use sha2::{Digest as _, Sha512};

use crate::support::{
    NOW, SEED_1, SEED_2, assemble, claims, kid, payload_of, signature_of, signer, verifier_for,
};

const DAY: u64 = 86_400;

#[test]
fn r_l3_a_signature_only_lax_verification_accepts_is_refused() {
    // R is the identity point (small order) and S = k·a, so [S]B = R + [k]A holds: a plain
    // Ed25519 check accepts it, the strict one must not.
    let signing = signer("k1", &SEED_1);
    let genuine = signing.sign_license(&claims().build().unwrap());
    let payload = payload_of(genuine.as_str());
    let lax_only = identity_r_signature(&SEED_1, &payload);

    let public = ed25519_dalek::SigningKey::from_bytes(&SEED_1).verifying_key();
    let signature = Signature::from_bytes(&lax_only);
    assert!(
        public.verify(&payload, &signature).is_ok(),
        "lax check accepts"
    );
    assert!(public.verify_strict(&payload, &signature).is_err());

    let forged = assemble("ML1.", &payload, &lax_only);
    assert_eq!(
        verifier_for(&[&signing]).verify(&forged, NOW),
        Err(VerifyError::BadSignature)
    );
}

/// A signature with R = identity and S = k·a mod ℓ, k = SHA-512(R ‖ A ‖ M) mod ℓ.
fn identity_r_signature(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    fn lift<S: From<u64>>(_like: &S, value: u64) -> S {
        S::from(value)
    }
    let secret = ed25519_dalek::SigningKey::from_bytes(seed);
    let a = secret.to_scalar();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let digest = Sha512::new()
        .chain_update(identity)
        .chain_update(secret.verifying_key().as_bytes())
        .chain_update(message)
        .finalize();
    // k from its 64 little-endian bytes, reduced mod ℓ by the scalar arithmetic itself.
    let k = digest.iter().rev().fold(lift(&a, 0), |acc, byte| {
        acc * lift(&a, 256) + lift(&a, u64::from(*byte))
    });
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&identity);
    signature[32..].copy_from_slice(&(k * a).to_bytes());
    signature
}

#[test]
fn r_l3_a_non_canonical_s_is_refused() {
    // S + ℓ verifies the same equation; accepting it would give a key two spellings.
    const ORDER: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let signing = signer("k1", &SEED_1);
    let key = signing.sign_license(&claims().build().unwrap());
    let mut signature = signature_of(key.as_str());
    let mut carry = 0u16;
    for (s, l) in signature[32..].iter_mut().zip(ORDER) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    let forged = assemble("ML1.", &payload_of(key.as_str()), &signature);
    assert_eq!(
        verifier_for(&[&signing]).verify(&forged, NOW),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn r_l3_a_key_from_an_unknown_kid_is_refused() {
    let stranger = signer("k9", &SEED_2);
    let key = stranger.sign_license(&claims().build().unwrap());
    let verifier = verifier_for(&[&signer("k1", &SEED_1)]);
    assert_eq!(
        verifier.verify(key.as_str(), NOW),
        Err(VerifyError::UnknownKid(kid("k9")))
    );
}

#[test]
fn r_l3_expiry_holds_until_the_leeway_runs_out() {
    let signing = signer("k1", &SEED_1);
    let exp = NOW + 30 * DAY;
    let key = signing.sign_license(&claims().expires_at(exp).build().unwrap());
    let verifier = verifier_for(&[&signing]);
    assert_eq!(verifier.leeway(), Leeway::DEFAULT);
    assert_eq!(Leeway::DEFAULT.as_secs(), 300);

    assert!(verifier.verify(key.as_str(), exp - 1).is_ok());
    assert!(verifier.verify(key.as_str(), exp).is_ok());
    assert!(verifier.verify(key.as_str(), exp + 299).is_ok());
    assert_eq!(
        verifier.verify(key.as_str(), exp + 300),
        Err(VerifyError::Expired { exp })
    );
}

#[test]
fn r_l3_the_leeway_is_configurable_down_to_none() {
    let signing = signer("k1", &SEED_1);
    let exp = NOW + DAY;
    let key = signing.sign_license(&claims().expires_at(exp).build().unwrap());

    let strict = verifier_for(&[&signing]).with_leeway(Leeway::from_secs(0));
    assert!(strict.verify(key.as_str(), exp - 1).is_ok());
    assert_eq!(
        strict.verify(key.as_str(), exp),
        Err(VerifyError::Expired { exp })
    );
    assert!(strict.verify(key.as_str(), NOW).is_ok());
    assert_eq!(
        strict.verify(key.as_str(), NOW - 1),
        Err(VerifyError::Backdated { iat: NOW })
    );

    let hour = verifier_for(&[&signing]).with_leeway(Leeway::from_secs(3_600));
    assert!(hour.verify(key.as_str(), exp + 3_599).is_ok());
    assert_eq!(
        hour.verify(key.as_str(), exp + 3_600),
        Err(VerifyError::Expired { exp })
    );
}

#[test]
fn r_l3_a_clock_earlier_than_issue_minus_leeway_is_backdated() {
    let signing = signer("k1", &SEED_1);
    let key = signing.sign_license(&claims().issued_at(NOW).build().unwrap());
    let verifier = verifier_for(&[&signing]);
    assert!(verifier.verify(key.as_str(), NOW).is_ok());
    assert!(verifier.verify(key.as_str(), NOW - 300).is_ok());
    assert_eq!(
        verifier.verify(key.as_str(), NOW - 301),
        Err(VerifyError::Backdated { iat: NOW })
    );
    assert_eq!(
        verifier.verify(key.as_str(), 0),
        Err(VerifyError::Backdated { iat: NOW })
    );
}

#[test]
fn r_l3_a_perpetual_license_never_expires_but_keeps_its_clock_floor() {
    let signing = signer("k1", &SEED_1);
    let key = signing.sign_license(&claims().expires_at(None).build().unwrap());
    let verifier = verifier_for(&[&signing]);
    assert!(verifier.verify(key.as_str(), NOW + 100 * 365 * DAY).is_ok());
    assert!(verifier.verify(key.as_str(), u64::MAX).is_ok());
    assert_eq!(
        verifier.verify(key.as_str(), NOW - 301),
        Err(VerifyError::Backdated { iat: NOW })
    );
}

#[test]
fn r_l3_leeway_arithmetic_saturates_at_the_ends_of_time() {
    let signing = signer("k1", &SEED_1);
    let verifier = verifier_for(&[&signing]);
    let early = signing.sign_license(&claims().issued_at(10).expires_at(20).build().unwrap());
    assert!(verifier.verify(early.as_str(), 0).is_ok());
    assert_eq!(
        verifier.verify(early.as_str(), 320),
        Err(VerifyError::Expired { exp: 20 })
    );
    let late = signing.sign_license(
        &claims()
            .issued_at(u64::MAX - 10)
            .expires_at(u64::MAX)
            .build()
            .unwrap(),
    );
    // exp + leeway overflows u64: unchecked, it would wrap to 299 and refuse.
    assert!(verifier.verify(late.as_str(), u64::MAX - 1).is_ok());
}

#[test]
fn r_l3_the_service_can_authenticate_a_key_without_judging_its_term() {
    let signing = signer("k1", &SEED_1);
    let exp = NOW + DAY;
    let key = signing.sign_license(&claims().expires_at(exp).build().unwrap());
    let verifier = verifier_for(&[&signing]);
    assert!(verifier.verify(key.as_str(), exp + DAY).is_err());
    let genuine = verifier.authenticate(key.as_str()).unwrap();
    assert_eq!(genuine.claims().expires_at(), Some(exp));
    let other = signer("k1", &SEED_2).sign_license(&claims().build().unwrap());
    assert_eq!(
        verifier.authenticate(other.as_str()),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn r_l3_a_string_over_4_kib_is_refused_before_decoding() {
    let signing = signer("k1", &SEED_1);
    let key = signing.sign_license(&claims().build().unwrap());
    let verifier = verifier_for(&[&signing]);
    let padded = format!(
        "{key}{}",
        "A".repeat(MAX_TOKEN_LEN + 1 - key.as_str().len())
    );
    assert_eq!(
        verifier.verify(&padded, NOW),
        Err(VerifyError::TooLong {
            len: MAX_TOKEN_LEN + 1
        })
    );
    assert_eq!(
        verifier.verify(&"\u{1F511}".repeat(2_000), NOW),
        Err(VerifyError::TooLong { len: 8_000 })
    );
}

#[test]
fn r_l3_a_vendor_tells_not_a_license_from_expired() {
    let signing = signer("k1", &SEED_1);
    let exp = NOW + DAY;
    let key = signing.sign_license(&claims().expires_at(exp).build().unwrap());
    let verifier = verifier_for(&[&signing]);

    let expired = verifier.verify(key.as_str(), exp + DAY).unwrap_err();
    assert!(!expired.is_not_a_license());
    let backdated = verifier.verify(key.as_str(), 0).unwrap_err();
    assert!(!backdated.is_not_a_license());
    let unknown = verifier_for(&[]).verify(key.as_str(), NOW).unwrap_err();
    assert!(!unknown.is_not_a_license());

    for garbage in [
        String::new(),
        "hello".to_owned(),
        key.as_str().replacen("ML1.", "ML2.", 1),
        key.as_str()[..key.as_str().len() - 1].to_owned(),
        format!("{key} "),
    ] {
        let refusal = verifier.verify(&garbage, NOW).unwrap_err();
        assert!(refusal.is_not_a_license(), "{garbage:?}: {refusal:?}");
    }
    assert_eq!(
        verifier.verify("hello", NOW),
        Err(VerifyError::Malformed(Malformation::Shape {
            prefix: "ML1."
        }))
    );
}

#[test]
fn r_l3_the_crate_reads_no_clock_does_no_io_and_keeps_no_global_state() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let forbidden = [
        "SystemTime",
        "Instant",
        "std::time",
        "std::fs",
        "std::net",
        "std::env",
        "std::thread",
        "std::io",
        "static mut",
        "thread_local",
        "OnceLock",
        "LazyLock",
        "async fn",
    ];
    let mut read = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        read += 1;
        // The crate's guide may show a vendor where *their* clock comes from.
        let code: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        let code = code.join("\n");
        for word in forbidden {
            assert!(!code.contains(word), "{} uses {word}", path.display());
        }
    }
    assert!(read >= 9, "read {read} source files");
}
