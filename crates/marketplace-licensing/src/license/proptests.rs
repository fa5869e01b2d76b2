//! R-L4 as a property, end to end through the use case: whatever the key, the record and
//! the machine, the signed answer carries the code of the rule's precedence.

use chrono::TimeDelta;
use marketplace_license::{ANSWER_PREFIX, Nonce, ValidationCode};
use proptest::prelude::*;

use super::fixtures::*;
use super::*;

/// What the presented key is.
#[derive(Clone, Copy, Debug)]
enum Presented {
    /// The license's own key, from the active or the older trusted signing key.
    Genuine { older_signer: bool },
    /// A string that is not a key of ours.
    Garbage,
    /// Signed under the active kid by someone else's key.
    Forged,
    /// A genuine key whose license is not on record.
    Unrecorded,
}

fn presented() -> impl Strategy<Value = Presented> {
    prop_oneof![
        any::<bool>().prop_map(|older_signer| Presented::Genuine { older_signer }),
        Just(Presented::Garbage),
        Just(Presented::Forged),
        Just(Presented::Unrecorded),
    ]
}

fn status() -> impl Strategy<Value = LicenseStatus> {
    prop::sample::select(LicenseStatus::ALL.to_vec())
}

/// The precedence written out on its own: NOT_FOUND > REVOKED > EXPIRED > SUSPENDED >
/// NOT_ACTIVATED > VALID.
fn expected(
    presented: Presented,
    status: LicenseStatus,
    lapsed: bool,
    machine: Option<bool>,
) -> ValidationCode {
    if !matches!(presented, Presented::Genuine { .. }) {
        ValidationCode::NotFound
    } else if status == LicenseStatus::Revoked {
        ValidationCode::Revoked
    } else if status == LicenseStatus::Expired || lapsed {
        ValidationCode::Expired
    } else if status == LicenseStatus::Suspended {
        ValidationCode::Suspended
    } else if machine == Some(false) {
        ValidationCode::NotActivated
    } else {
        ValidationCode::Valid
    }
}

proptest! {
    #[test]
    fn r_l4_the_answer_follows_the_precedence_end_to_end(
        presented in presented(),
        status in status(),
        lapsed in any::<bool>(),
        perpetual in any::<bool>(),
        machine in prop::option::of(any::<bool>()),
        nonce in "[A-Za-z0-9._~-]{16,40}",
    ) {
        let expires_at = if perpetual && !lapsed {
            None
        } else if lapsed {
            Some(now() - TimeDelta::seconds(1))
        } else {
            Some(now() + TimeDelta::days(1))
        };
        let record = license(status, expires_at);
        let key = match presented {
            Presented::Genuine { older_signer: false } | Presented::Unrecorded => key_of(&record),
            Presented::Genuine { older_signer: true } => {
                record.key(&signer(OLDER_KID, OLDER_SEED)).into_string()
            }
            Presented::Forged => record.key(&signer(ACTIVE_KID, [99; 32])).into_string(),
            Presented::Garbage => "ML1.not-a-key.at-all".to_owned(),
        };

        let mut licenses = MockLicenseRepository::new();
        match presented {
            Presented::Genuine { .. } => {
                let on_record = record.clone();
                licenses.expect_validation_read().times(1).returning(move |_, fingerprint| {
                    Ok(Some(LicenseUnderValidation {
                        license: on_record.clone(),
                        standing: None,
                        activated: fingerprint.and(machine),
                        activations: u32::from(machine == Some(true)),
                    }))
                });
            }
            Presented::Unrecorded => {
                licenses.expect_validation_read().times(1).returning(|_, _| Ok(None));
            }
            // Refused from the string alone: no read expected.
            Presented::Garbage | Presented::Forged => {}
        }
        let request = ValidateLicense::parse(
            &key,
            machine.map(|_| "machine-1"),
            Some(&nonce),
        )
        .map_err(|e| TestCaseError::fail(e.to_string()))?;

        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let validation = runtime
            .block_on(service(licenses).validate(&request))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;

        let code = expected(presented, status, lapsed, machine);
        prop_assert_eq!(validation.answer.code(), code);
        prop_assert_eq!(validation.answer.valid(), code == ValidationCode::Valid);
        prop_assert_eq!(
            validation.answer.license().is_some(),
            code != ValidationCode::NotFound
        );
        prop_assert_eq!(validation.answer.nonce().map(Nonce::as_str), Some(nonce.as_str()));
        prop_assert_eq!(validation.answer.server_time(), now().timestamp() as u64);
        // The signature itself is checked once in the service tests: verifying is slow in
        // unoptimized builds, and the answer signed is this very value.
        prop_assert!(validation.signed.as_str().starts_with(ANSWER_PREFIX));
    }
}
