//! R-L4: the validation code by precedence, and answers signed so a client can check them
//! offline and refuse one that does not echo its own nonce.

use marketplace_license::{
    AnsweredLicense, FingerprintCheck, LicenseFacts, LicenseStatus, Malformation, Nonce,
    ValidationAnswer, ValidationCode, ValidationFacts, VerifyError,
};
use uuid::Uuid;

use crate::support::{NOW, SEED_1, SEED_2, claims, kid, signer, verifier_for};

/// A condition that, on its own, decides a code.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Condition {
    NotFound,
    Revoked,
    Expired,
    Suspended,
    NotActivated,
}

/// Highest first, as the rule lists them.
const PRECEDENCE: [(Condition, ValidationCode); 5] = [
    (Condition::NotFound, ValidationCode::NotFound),
    (Condition::Revoked, ValidationCode::Revoked),
    (Condition::Expired, ValidationCode::Expired),
    (Condition::Suspended, ValidationCode::Suspended),
    (Condition::NotActivated, ValidationCode::NotActivated),
];

fn holds(condition: Condition, facts: &ValidationFacts) -> bool {
    let license = facts.license;
    match condition {
        Condition::NotFound => !facts.authentic || license.is_none(),
        Condition::Revoked => license.is_some_and(|l| l.status == LicenseStatus::Revoked),
        Condition::Expired => {
            license.is_some_and(|l| l.expired || l.status == LicenseStatus::Expired)
        }
        Condition::Suspended => license.is_some_and(|l| l.status == LicenseStatus::Suspended),
        Condition::NotActivated => {
            license.is_some_and(|l| l.fingerprint == FingerprintCheck::NotActivated)
        }
    }
}

/// Every combination of facts the service can report.
fn all_facts() -> Vec<ValidationFacts> {
    let statuses = [
        LicenseStatus::Active,
        LicenseStatus::Suspended,
        LicenseStatus::Revoked,
        LicenseStatus::Expired,
    ];
    let fingerprints = [
        FingerprintCheck::NotGiven,
        FingerprintCheck::Activated,
        FingerprintCheck::NotActivated,
    ];
    let mut licenses = vec![None];
    for status in statuses {
        for expired in [false, true] {
            for fingerprint in fingerprints {
                licenses.push(Some(LicenseFacts {
                    status,
                    expired,
                    fingerprint,
                }));
            }
        }
    }
    [true, false]
        .into_iter()
        .flat_map(|authentic| {
            licenses
                .iter()
                .map(move |&license| ValidationFacts { authentic, license })
        })
        .collect()
}

#[test]
fn r_l4_the_higher_code_wins_for_every_pair_of_conditions() {
    let facts = all_facts();
    for (hi, (higher, higher_code)) in PRECEDENCE.iter().enumerate() {
        for (lower, _) in &PRECEDENCE[hi + 1..] {
            // Both hold and nothing ranked above them does.
            let above = &PRECEDENCE[..hi];
            let both: Vec<&ValidationFacts> = facts
                .iter()
                .filter(|f| holds(*higher, f) && holds(*lower, f))
                .filter(|f| above.iter().all(|(c, _)| !holds(*c, f)))
                .collect();
            // A license has one status: revoked and suspended never hold together.
            if (*higher, *lower) == (Condition::Revoked, Condition::Suspended) {
                assert!(both.is_empty());
                continue;
            }
            assert!(!both.is_empty(), "{higher:?} with {lower:?} never arises");
            for f in both {
                assert_eq!(f.code(), *higher_code, "{higher:?} over {lower:?} in {f:?}");
            }
        }
    }
}

#[test]
fn r_l4_each_condition_alone_gives_its_code_and_none_gives_valid() {
    for f in all_facts() {
        let holding: Vec<ValidationCode> = PRECEDENCE
            .iter()
            .filter(|(c, _)| holds(*c, &f))
            .map(|(_, code)| *code)
            .collect();
        let expected = holding.first().copied().unwrap_or(ValidationCode::Valid);
        assert_eq!(f.code(), expected, "{f:?}");
    }
}

#[test]
fn r_l4_a_key_that_does_not_check_out_is_not_found_whatever_the_records_say() {
    let on_record = LicenseFacts {
        status: LicenseStatus::Revoked,
        expired: true,
        fingerprint: FingerprintCheck::NotActivated,
    };
    let forged = ValidationFacts {
        authentic: false,
        license: Some(on_record),
    };
    assert_eq!(forged.code(), ValidationCode::NotFound);
    let unknown = ValidationFacts {
        authentic: true,
        license: None,
    };
    assert_eq!(unknown.code(), ValidationCode::NotFound);
    let fine = ValidationFacts {
        authentic: true,
        license: Some(LicenseFacts {
            status: LicenseStatus::Active,
            expired: false,
            fingerprint: FingerprintCheck::Activated,
        }),
    };
    assert_eq!(fine.code(), ValidationCode::Valid);
}

fn nonce(raw: &str) -> Nonce {
    Nonce::parse(raw).unwrap()
}

fn valid_answer(sent: &Nonce) -> ValidationAnswer {
    ValidationAnswer::new(
        ValidationCode::Valid,
        Some(AnsweredLicense {
            lid: Uuid::from_u128(0x1111).into(),
            exp: Some(NOW + 86_400),
        }),
        Some(sent.clone()),
        NOW,
    )
}

#[test]
fn r_l4_a_signed_answer_verifies_offline_with_the_nonce_sent() {
    let signing = signer("k1", &SEED_1);
    let sent = nonce("3f1c9a7e-2b4d-4e8a-9c61-5d0f7b2e8a14");
    let answer = valid_answer(&sent);
    let signed = signing.sign_answer(&answer);
    assert!(signed.as_str().starts_with("MLA1."));

    let checked = verifier_for(&[&signing])
        .verify_answer(signed.as_str(), &sent)
        .unwrap();
    assert_eq!(checked, answer);
    assert!(checked.valid());
    assert_eq!(checked.code(), ValidationCode::Valid);
    assert_eq!(checked.nonce(), Some(&sent));
    assert_eq!(checked.server_time(), NOW);
    assert_eq!(checked.license().unwrap().exp, Some(NOW + 86_400));
}

#[test]
fn r_l4_an_answer_echoing_another_nonce_is_refused_as_a_replay() {
    let signing = signer("k1", &SEED_1);
    let earlier = nonce("request-one-aaaaaaaaaaaa");
    let captured = signing.sign_answer(&valid_answer(&earlier));
    let verifier = verifier_for(&[&signing]);
    assert_eq!(
        verifier.verify_answer(captured.as_str(), &nonce("request-two-bbbbbbbbbbbb")),
        Err(VerifyError::NonceMismatch)
    );
    let without = ValidationAnswer::new(ValidationCode::Valid, None, None, NOW);
    assert_eq!(
        verifier.verify_answer(signing.sign_answer(&without).as_str(), &earlier),
        Err(VerifyError::NonceMismatch)
    );
}

#[test]
fn r_l4_an_answer_signed_by_another_key_is_refused() {
    let sent = nonce("0123456789abcdef");
    let verifier = verifier_for(&[&signer("k1", &SEED_1)]);
    let impostor = signer("k1", &SEED_2).sign_answer(&valid_answer(&sent));
    assert_eq!(
        verifier.verify_answer(impostor.as_str(), &sent),
        Err(VerifyError::BadSignature)
    );
    let stranger = signer("k7", &SEED_2).sign_answer(&valid_answer(&sent));
    assert_eq!(
        verifier.verify_answer(stranger.as_str(), &sent),
        Err(VerifyError::UnknownKid(kid("k7")))
    );
}

#[test]
fn r_l4_keys_and_answers_cannot_stand_in_for_each_other() {
    let signing = signer("k1", &SEED_1);
    let verifier = verifier_for(&[&signing]);
    let sent = nonce("0123456789abcdef");

    let key = signing.sign_license(&claims().build().unwrap());
    let key_as_answer = key.as_str().replacen("ML1.", "MLA1.", 1);
    assert!(matches!(
        verifier.verify_answer(&key_as_answer, &sent),
        Err(VerifyError::Malformed(Malformation::Payload(_)))
    ));

    let answer = signing.sign_answer(&valid_answer(&sent));
    let answer_as_key = answer.as_str().replacen("MLA1.", "ML1.", 1);
    assert!(matches!(
        verifier.verify(&answer_as_key, NOW),
        Err(VerifyError::Malformed(Malformation::Payload(_)))
    ));
    assert!(matches!(
        verifier.verify(answer.as_str(), NOW),
        Err(VerifyError::Malformed(Malformation::Shape { .. }))
    ));
}

#[test]
fn r_l4_every_code_can_be_answered_and_reads_back() {
    let signing = signer("k1", &SEED_1);
    let verifier = verifier_for(&[&signing]);
    let sent = nonce("0123456789abcdef");
    for code in [
        ValidationCode::NotFound,
        ValidationCode::Revoked,
        ValidationCode::Expired,
        ValidationCode::Suspended,
        ValidationCode::NotActivated,
        ValidationCode::Valid,
        ValidationCode::TooManyActivations,
    ] {
        let answer = ValidationAnswer::new(
            code,
            Some(AnsweredLicense {
                lid: Uuid::from_u128(1).into(),
                exp: None,
            }),
            Some(sent.clone()),
            NOW,
        );
        let checked = verifier
            .verify_answer(signing.sign_answer(&answer).as_str(), &sent)
            .unwrap();
        assert_eq!(checked.code(), code);
        assert_eq!(checked.valid(), code == ValidationCode::Valid);
        assert_eq!(
            checked.license().is_some(),
            code != ValidationCode::NotFound
        );
    }
}
