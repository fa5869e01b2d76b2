//! Properties over many keys and answers: any changed byte is refused (R-L2, R-L3, R-L4),
//! every valid license survives signing and verifying, and a retired kid stops verifying
//! exactly when its public key leaves the keyring (R-L2).

use std::sync::LazyLock;

use marketplace_license::{
    AnsweredLicense, Claims, Nonce, ValidationAnswer, ValidationCode, Verifier, VerifyError,
};
use proptest::prelude::*;
use uuid::Uuid;

use crate::support::{NOW, SEED_1, SEED_2, claims, signer, verifier_for};

const CODE: &str = "[A-Za-z0-9_.:-]{1,64}";

prop_compose! {
    fn any_claims()(
        ids in any::<[u128; 3]>(),
        plan in CODE,
        features in prop::collection::vec(CODE, 0..=Claims::MAX_FEATURES),
        max_activations in 1u32..,
        iat in 0u64..u64::MAX,
        term in prop::option::of(1u64..),
    ) -> Claims {
        Claims::builder(
            Uuid::from_u128(ids[0]).into(),
            Uuid::from_u128(ids[1]).into(),
            Uuid::from_u128(ids[2]).into(),
        )
        .plan(plan)
        .features(features)
        .max_activations(max_activations)
        .issued_at(iat)
        .expires_at(term.map(|t| iat.saturating_add(t)))
        .build()
        .unwrap()
    }
}

/// `token` with byte `at` replaced by `byte`; a change that breaks UTF-8 arrives as the
/// replacement character, as it would through any `&str` interface.
fn with_byte(token: &str, at: usize, byte: u8) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = byte;
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One genuine key and a verifier for it, signed once for all cases.
static KEY: LazyLock<(String, Verifier)> = LazyLock::new(|| {
    let signing = signer("k1", &SEED_1);
    let key = signing.sign_license(&claims().build().unwrap());
    (key.into_string(), verifier_for(&[&signing]))
});

/// One genuine answer, the nonce it echoes and a verifier for it.
static ANSWER: LazyLock<(String, Nonce, Verifier)> = LazyLock::new(|| {
    let signing = signer("k1", &SEED_1);
    let sent = Nonce::parse("a1b2c3d4e5f6a7b8c9d0").unwrap();
    let license = AnsweredLicense {
        lid: Uuid::from_u128(9).into(),
        exp: Some(NOW),
    };
    let answer = ValidationAnswer::new(
        ValidationCode::Valid,
        Some(license),
        Some(sent.clone()),
        NOW,
    );
    let signed = signing.sign_answer(&answer).into_string();
    (signed, sent, verifier_for(&[&signing]))
});

#[test]
fn r_l2_r_l3_a_change_at_every_position_of_a_key_is_refused() {
    let (key, verifier) = &*KEY;
    assert!(verifier.verify(key, NOW).is_ok());
    for at in 0..key.len() {
        // A different bit flipped at each position in turn.
        let byte = key.as_bytes()[at] ^ (1 << (at % 8));
        let changed = with_byte(key, at, byte);
        assert!(
            verifier.verify(&changed, NOW).is_err(),
            "byte {at} set to {byte:#04x}: {changed}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn r_l2_r_l3_any_single_byte_change_of_a_key_is_refused(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let (key, verifier) = &*KEY;
        let at = at.index(key.len());
        prop_assume!(key.as_bytes()[at] != byte);
        let changed = with_byte(key, at, byte);
        prop_assert!(verifier.verify(&changed, NOW).is_err(), "{}", changed);
    }

    #[test]
    fn r_l4_any_single_byte_change_of_a_signed_answer_is_refused(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let (signed, sent, verifier) = &*ANSWER;
        let at = at.index(signed.len());
        prop_assume!(signed.as_bytes()[at] != byte);
        let changed = with_byte(signed, at, byte);
        prop_assert!(verifier.verify_answer(&changed, sent).is_err(), "{}", changed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn r_l2_any_valid_claims_survive_signing_and_verifying(claims in any_claims()) {
        let signing = signer("k1", &SEED_1);
        let key = signing.sign_license(&claims);
        prop_assert!(key.as_str().len() <= marketplace_license::MAX_TOKEN_LEN);
        let verified = verifier_for(&[&signing]).verify(key.as_str(), claims.issued_at());
        prop_assert_eq!(verified.map(|v| v.into_claims()), Ok(claims));
    }

    #[test]
    fn r_l2_a_retired_kid_verifies_while_listed_and_is_refused_once_removed(
        claims in any_claims(),
    ) {
        let (retired, current) = (signer("2024-k", &SEED_1), signer("2025-k", &SEED_2));
        let old_key = retired.sign_license(&claims);
        let new_key = current.sign_license(&claims);
        let now = claims.issued_at();

        let verifier = verifier_for(&[&retired, &current]);
        prop_assert!(verifier.verify(old_key.as_str(), now).is_ok());
        prop_assert!(verifier.verify(new_key.as_str(), now).is_ok());

        let mut ring = verifier.keyring().clone();
        prop_assert!(ring.remove("2024-k").is_some());
        let after = Verifier::new(ring);
        prop_assert_eq!(
            after.verify(old_key.as_str(), now),
            Err(VerifyError::UnknownKid(retired.kid().clone()))
        );
        prop_assert!(after.verify(new_key.as_str(), now).is_ok());
    }
}
