//! The license use cases against mocked ports: R-L1, R-L4, R-L5 and R-L6 by name.

use std::sync::Arc;

use chrono::TimeDelta;
use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};
use marketplace_kernel::ids::UserId;
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;
use marketplace_license::{Leeway, Nonce, ValidationCode, Verifier, VerifyError};
use mockall::predicate::eq;
use uuid::Uuid;

use super::fixtures::*;
use super::*;
use crate::access::{Denied, Principal};
use crate::api_key::{KeyHolder, MissingScope, Scope, Scopes};
use crate::ids::ApiKeyId;

fn unix(at: chrono::DateTime<chrono::Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap()
}

fn validate(key: &str, fingerprint: Option<&str>) -> ValidateLicense {
    ValidateLicense::parse(key, fingerprint, Some("nonce-0123456789abcdef")).unwrap()
}

/// A product's verifier, trusting the keys the service publishes.
fn product_verifier(service: &LicenseService) -> Verifier {
    Verifier::new(service.public_keys().clone())
}

#[tokio::test]
async fn r_l1_a_grant_issues_an_active_license_whose_key_verifies_offline() {
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_issue()
        .withf(|l| l.entitlement_id() == entitlement() && l.status() == LicenseStatus::Active)
        .times(1)
        .returning(|l| Ok(l.clone()));
    let service = service(licenses);
    let issued = service.issue(&granted()).await.unwrap();
    assert!(issued.created);
    let license = &issued.license;
    assert_eq!(license.id(), license_id());
    assert_eq!((license.org_id(), license.tool_id()), (org(), tool()));
    assert_eq!(license.plan(), "PRO");
    assert_eq!(license.max_activations(), 3);
    assert_eq!(license.expires_at(), granted().until);

    let verified = product_verifier(&service)
        .verify(issued.key.as_str(), unix(now()))
        .unwrap();
    assert_eq!(verified.kid().as_str(), ACTIVE_KID);
    assert_eq!(verified.claims(), license.claims());
    let kids: Vec<&str> = service
        .public_keys()
        .iter()
        .map(|k| k.kid().as_str())
        .collect();
    assert_eq!(
        kids,
        [OLDER_KID, ACTIVE_KID],
        "the older key is still published"
    );
}

#[tokio::test]
async fn r_l1_a_grant_fed_in_again_returns_the_license_already_issued() {
    let earlier = License::issue(
        crate::ids::LicenseId::from_uuid(Uuid::from_u128(77)),
        &granted(),
    )
    .unwrap();
    let on_record = earlier.clone();
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_issue()
        .times(1)
        .returning(move |_| Ok(on_record.clone()));
    let issued = service(licenses).issue(&granted()).await.unwrap();
    assert!(!issued.created);
    assert_eq!(issued.license, earlier);
    assert_eq!(issued.key.into_string(), key_of(&earlier));
}

#[tokio::test]
async fn r_l1_terms_no_key_could_carry_are_refused_before_the_store() {
    let mut bad = granted();
    bad.terms.features = vec!["not a code".into()];
    let err = service(MockLicenseRepository::new())
        .issue(&bad)
        .await
        .unwrap_err();
    assert!(matches!(err, IssueLicenseError::Terms(_)), "{err:?}");
}

#[tokio::test]
async fn r_l1_every_member_lists_the_orgs_licenses_with_keys_and_activations() {
    for role in [
        OrgRole::Owner,
        OrgRole::Admin,
        OrgRole::Member,
        OrgRole::Viewer,
    ] {
        let page = PageRequest::new(Some(5), Some(0)).unwrap();
        let mut licenses = MockLicenseRepository::new();
        licenses
            .expect_list()
            .with(eq(org()), eq(page))
            .times(1)
            .returning(|_, page| {
                Ok(Page::slice(
                    vec![LicenseEntry {
                        license: active(),
                        activations: 2,
                    }],
                    page,
                ))
            });
        let actor = Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(9)),
            org_id: org(),
            org_role: role,
            platform_role: PlatformRole::User,
        };
        let listed = service(licenses)
            .list(&Principal::User(actor), page)
            .await
            .unwrap();
        assert_eq!(listed.total, 1, "{role:?}");
        let view = &listed.items[0];
        assert_eq!(view.activations, 2);
        assert_eq!(view.key.as_str(), key_of(&active()));
    }
}

#[tokio::test]
async fn r_l4_a_good_key_answers_valid_signed_with_the_nonce_and_server_time() {
    let service = service(store_validating(active(), None, false));
    let validation = service
        .validate(&validate(&key_of(&active()), None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Valid);
    assert!(validation.answer.valid());
    assert_eq!(validation.not_found, None);
    assert_eq!(validation.license, Some(active()));

    let sent = Nonce::parse("nonce-0123456789abcdef").unwrap();
    let checked = product_verifier(&service)
        .verify_answer(validation.signed.as_str(), &sent)
        .unwrap();
    assert_eq!(checked, validation.answer);
    assert_eq!(checked.server_time(), unix(now()));
    let answered = checked.license().unwrap();
    assert_eq!(answered.lid, license_id().into());
    assert_eq!(answered.exp, Some(unix(now() + TimeDelta::days(30))));

    let other = Nonce::parse("another-nonce-0123456").unwrap();
    assert_eq!(
        product_verifier(&service).verify_answer(validation.signed.as_str(), &other),
        Err(VerifyError::NonceMismatch),
        "an answer is bound to its request's nonce"
    );
}

#[tokio::test]
async fn r_l4_not_a_key_a_forgery_an_unknown_kid_or_license_all_answer_not_found() {
    let genuine = key_of(&active());
    let forged = active().key(&signer(ACTIVE_KID, [66; 32])).into_string();
    let unknown_kid = active().key(&signer("k9", ACTIVE_SEED)).into_string();
    // Refused from the string alone: the store is never asked.
    for key in [
        "",
        "mk_live_whatever",
        "ML1.e30.AAAA",
        &genuine[..genuine.len() - 2],
        &forged,
        &unknown_kid,
    ] {
        let validation = service(MockLicenseRepository::new())
            .validate(&validate(key, Some("machine-1")))
            .await
            .unwrap();
        assert_eq!(
            validation.answer.code(),
            ValidationCode::NotFound,
            "{key:?}"
        );
        assert_eq!(validation.answer.license(), None);
        assert!(
            matches!(validation.not_found, Some(NotFoundReason::NotAKey(_))),
            "{key:?}: {:?}",
            validation.not_found
        );
    }

    // A genuine key whose license is not on record.
    let mut none = MockLicenseRepository::new();
    none.expect_validation_read()
        .times(1)
        .returning(|_, _| Ok(None));
    let validation = service(none)
        .validate(&validate(&genuine, Some("machine-1")))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::NotFound);
    assert_eq!(validation.not_found, Some(NotFoundReason::NoRecord));
    assert_eq!(validation.license, None);

    // A genuine key whose record names another org.
    let mut elsewhere = MockLicenseRepository::new();
    elsewhere
        .expect_validation_read()
        .times(1)
        .returning(|_, _| {
            let mut stored = granted();
            stored.org_id = marketplace_kernel::ids::OrgId::from_uuid(Uuid::from_u128(99));
            Ok(Some(LicenseUnderValidation {
                license: License::issue(license_id(), &stored).unwrap(),
                standing: None,
                activated: Some(false),
                activations: 0,
            }))
        });
    let validation = service(elsewhere)
        .validate(&validate(&genuine, None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::NotFound);
    assert_eq!(validation.not_found, Some(NotFoundReason::Mismatch));
}

#[tokio::test]
async fn r_l4_a_key_signed_by_an_older_trusted_key_still_validates() {
    let old_key = active().key(&signer(OLDER_KID, OLDER_SEED)).into_string();
    let validation = service(store_validating(active(), None, false))
        .validate(&validate(&old_key, None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Valid);
}

#[tokio::test]
async fn r_l4_an_expiry_passed_by_the_servers_clock_is_expired_whatever_the_status_says() {
    let lapsed = license(LicenseStatus::Active, Some(now()));
    let validation = service(store_validating(lapsed.clone(), None, false))
        .validate(&validate(&key_of(&lapsed), None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Expired);
    assert_eq!(validation.license, Some(lapsed));
}

#[tokio::test]
async fn r_l4_a_store_failure_is_an_error_not_an_answer() {
    let mut failing = MockLicenseRepository::new();
    failing
        .expect_validation_read()
        .returning(|_, _| Err(RepoError::Stale("down")));
    assert!(
        service(failing)
            .validate(&validate(&key_of(&active()), None))
            .await
            .is_err()
    );
}

fn activate(key: &str, fingerprint: &str) -> ActivateLicense {
    ActivateLicense::parse(key, fingerprint, Some("build box")).unwrap()
}

#[tokio::test]
async fn r_l5_activation_is_idempotent_per_machine_under_the_plans_limit() {
    let mut licenses = store_holding_times(active(), 2);
    let mut outcomes = vec![
        ActivationOutcome::AlreadyActive,
        ActivationOutcome::Activated,
    ];
    licenses
        .expect_activate()
        .withf(|a, limit| {
            a.license_id == license_id()
                && a.fingerprint.as_str() == "machine-1"
                && a.name.as_ref().map(MachineName::as_str) == Some("build box")
                && a.activated_at == now()
                && *limit == 3
        })
        .times(2)
        .returning(move |_, _| Ok(outcomes.pop().unwrap()));
    licenses
        .expect_count_activations()
        .with(eq(license_id()))
        .times(2)
        .returning(|_| Ok(1));
    let service = service(licenses);
    let request = activate(&key_of(&active()), "machine-1");
    let first = service.activate(&request).await.unwrap();
    assert!(first.created, "201 for a new activation");
    assert_eq!(first.activations, 1);
    let again = service.activate(&request).await.unwrap();
    assert!(!again.created, "200 for a machine already active");
    assert_eq!(again.activations, 1, "no second slot taken");
}

#[tokio::test]
async fn r_l5_the_limit_is_the_stores_atomic_decision_never_a_count_read_first() {
    // No expectation on `count_activations` or `is_activated`: the service must not read
    // them to decide; only the atomic `activate` decides.
    let mut licenses = store_holding(active());
    licenses
        .expect_activate()
        .withf(|_, limit| *limit == 3)
        .times(1)
        .returning(|_, _| Ok(ActivationOutcome::TooMany));
    let err = service(licenses)
        .activate(&activate(&key_of(&active()), "machine-4"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ActivateError::TooManyActivations { limit: 3 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn r_l5_a_license_not_in_force_activates_nothing() {
    for (license, code) in [
        (
            license(LicenseStatus::Revoked, Some(now() - TimeDelta::days(1))),
            ValidationCode::Revoked,
        ),
        (
            license(LicenseStatus::Suspended, Some(now() + TimeDelta::days(3))),
            ValidationCode::Suspended,
        ),
        (
            license(LicenseStatus::Active, Some(now() - TimeDelta::seconds(1))),
            ValidationCode::Expired,
        ),
    ] {
        let key = key_of(&license);
        let err = service(store_holding(license))
            .activate(&activate(&key, "machine-1"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ActivateError::NotInForce(c) if c == code),
            "{code:?}: {err:?}"
        );
    }
    let err = service(MockLicenseRepository::new())
        .activate(&activate("not a key", "machine-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, ActivateError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn r_l5_deactivation_frees_the_machines_slot_whatever_the_status() {
    let revoked = license(LicenseStatus::Revoked, None);
    let mut licenses = store_holding_times(revoked, 2);
    let mut removed = vec![false, true];
    licenses
        .expect_deactivate()
        .withf(|id, fp| *id == license_id() && fp.as_str() == "machine-1")
        .times(2)
        .returning(move |_, _| Ok(removed.pop().unwrap()));
    let service = service(licenses);
    let request =
        DeactivateLicense::parse(&key_of(&license(LicenseStatus::Revoked, None)), "machine-1")
            .unwrap();
    assert!(service.deactivate(&request).await.unwrap().removed);
    assert!(
        !service.deactivate(&request).await.unwrap().removed,
        "a machine not active: nothing to free"
    );
    let err = service
        .deactivate(&DeactivateLicense::parse("ML1.x.y", "machine-1").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, DeactivateError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn r_l6_a_renewal_moves_the_expiry_and_signs_a_new_key_for_the_same_license() {
    let before = active();
    let old_key = key_of(&before);
    let period_end = now() + TimeDelta::days(60);
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_get_by_entitlement()
        .with(eq(entitlement()))
        .times(1)
        .returning(|_| Ok(Some(active())));
    licenses
        .expect_replace()
        .withf(move |current, next| {
            *current == active()
                && next.id() == license_id()
                && next.expires_at() == Some(period_end)
                && next.status() == LicenseStatus::Active
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let service = service(licenses);
    let followed = service
        .follow(entitlement(), &EntitlementChange::Renewed { period_end })
        .await
        .unwrap();
    assert!(followed.changed);
    assert_ne!(
        followed.key.as_str(),
        old_key,
        "the new expiry needs a new key"
    );
    let verifier = product_verifier(&service);
    let new_claims = verifier.authenticate(followed.key.as_str()).unwrap();
    assert_eq!(new_claims.claims().license_id(), license_id().into());
    assert_eq!(new_claims.claims().expires_at(), Some(unix(period_end)));

    // Online, the old key reads the renewed record: still VALID, with the new expiry.
    let renewed = followed.license.clone();
    let validation = super::fixtures::service(store_validating(renewed, None, false))
        .validate(&validate(&old_key, None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Valid);
    assert_eq!(
        validation.answer.license().unwrap().exp,
        Some(unix(period_end))
    );

    // Offline, the old key is honoured until its own exp plus the leeway.
    let old_exp = unix(before.expires_at().unwrap());
    let leeway = u64::from(Leeway::DEFAULT.as_secs());
    assert!(verifier.verify(&old_key, old_exp + leeway - 1).is_ok());
    assert_eq!(
        verifier.verify(&old_key, old_exp + leeway),
        Err(VerifyError::Expired { exp: old_exp })
    );
}

#[tokio::test]
async fn r_l6_past_due_suspends_and_the_key_stays_the_same() {
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_get_by_entitlement()
        .returning(|_| Ok(Some(active())));
    licenses
        .expect_replace()
        .withf(|_, next| next.status() == LicenseStatus::Suspended)
        .times(1)
        .returning(|_, _| Ok(()));
    let followed = service(licenses)
        .follow(entitlement(), &EntitlementChange::PastDue)
        .await
        .unwrap();
    assert!(followed.changed);
    assert_eq!(followed.license.status(), LicenseStatus::Suspended);
    assert_eq!(
        followed.key.as_str(),
        key_of(&active()),
        "status is not in the key"
    );
}

#[tokio::test]
async fn r_l6_a_license_that_moved_concurrently_is_read_and_decided_again() {
    let mut licenses = MockLicenseRepository::new();
    let mut reads = vec![
        active(),
        license(LicenseStatus::Suspended, Some(now() + TimeDelta::days(30))),
    ];
    licenses
        .expect_get_by_entitlement()
        .times(2)
        .returning(move |_| Ok(reads.pop()));
    let mut writes = vec![Ok(()), Err(RepoError::Stale("license moved"))];
    licenses
        .expect_replace()
        .times(2)
        .returning(move |_, _| writes.pop().unwrap());
    let followed = service(licenses)
        .follow(entitlement(), &EntitlementChange::Ended)
        .await
        .unwrap();
    assert_eq!(followed.license.status(), LicenseStatus::Revoked);
}

#[tokio::test]
async fn r_l6_a_change_that_changes_nothing_writes_nothing() {
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_get_by_entitlement()
        .times(1)
        .returning(|_| Ok(Some(active())));
    let followed = service(licenses)
        .follow(entitlement(), &EntitlementChange::Reinstated)
        .await
        .unwrap();
    assert!(!followed.changed);
    assert_eq!(followed.license, active());
}

#[tokio::test]
async fn r_l6_a_change_for_an_entitlement_without_a_license_is_reported() {
    let mut licenses = MockLicenseRepository::new();
    licenses.expect_get_by_entitlement().returning(|_| Ok(None));
    let err = service(licenses)
        .follow(entitlement(), &EntitlementChange::Ended)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FollowEntitlementError::NoLicense(e) if e == entitlement()),
        "{err:?}"
    );
}

fn key_of_org(org: marketplace_kernel::ids::OrgId, scopes: &[Scope]) -> Principal {
    Principal::Key(KeyHolder::new(
        org,
        ApiKeyId::from_uuid(Uuid::from_u128(50)),
        Scopes::new(scopes.iter().copied()).unwrap(),
    ))
}

#[tokio::test]
async fn r_a3_a_key_reads_the_orgs_licenses_only_with_entitlements_read() {
    let denied = service(MockLicenseRepository::new())
        .list(
            &key_of_org(org(), &[Scope::LicensesValidate]),
            PageRequest::default(),
        )
        .await;
    assert!(
        matches!(
            denied,
            Err(ListLicensesError::Denied(Denied::MissingScope(
                MissingScope(Scope::EntitlementsRead)
            )))
        ),
        "refused before any read: {denied:?}"
    );
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_list()
        .with(eq(org()), eq(PageRequest::default()))
        .times(1)
        .returning(|_, page| Ok(Page::slice(Vec::new(), page)));
    let listed = service(licenses)
        .list(
            &key_of_org(org(), &[Scope::EntitlementsRead]),
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(listed.total, 0);
}

#[tokio::test]
async fn r_a3_a_license_of_another_org_is_not_found() {
    let other = marketplace_kernel::ids::OrgId::from_uuid(Uuid::from_u128(99));
    let mut licenses = MockLicenseRepository::new();
    licenses.expect_get().returning(|_| Ok(Some(active())));
    let err = service(licenses)
        .get(&key_of_org(other, &[Scope::EntitlementsRead]), license_id())
        .await
        .unwrap_err();
    assert!(matches!(err, GetLicenseError::NotFound), "{err:?}");
}

#[tokio::test]
async fn r_l1_pending_entitlements_get_their_license_once() {
    let mut feed = MockEntitlementFeed::new();
    feed.expect_unlicensed()
        .withf(|org_asked, at, limit| *org_asked == Some(org()) && *at == now() && *limit == 10)
        .times(1)
        .returning(|_, _, _| Ok(vec![granted()]));
    let mut licenses = MockLicenseRepository::new();
    licenses
        .expect_issue()
        .withf(|l| l.entitlement_id() == entitlement())
        .times(1)
        .returning(|l| Ok(l.clone()));
    let issued = service(licenses)
        .with_entitlements(Arc::new(feed))
        .issue_pending(Some(org()), 10)
        .await
        .unwrap();
    assert_eq!(issued, 1);
}

/// A store whose validation read finds `active()` with its entitlement standing so.
fn validating_standing(
    state: EntitlementState,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> MockLicenseRepository {
    store_validating(active(), Some(EntitlementStanding { state, until }), false)
}

/// A service following entitlements whose feed must not be asked: validation reads the
/// standing with the license, in the same read.
fn following(licenses: MockLicenseRepository) -> LicenseService {
    service(licenses).with_entitlements(Arc::new(MockEntitlementFeed::new()))
}

#[tokio::test]
async fn r_l6_a_refunded_entitlement_revokes_its_license_at_the_next_validation() {
    let mut licenses =
        validating_standing(EntitlementState::Ended, Some(now() + TimeDelta::days(30)));
    licenses
        .expect_replace()
        .withf(|current, next| {
            current.status() == LicenseStatus::Active && next.status() == LicenseStatus::Revoked
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let validation = following(licenses)
        .validate(&validate(&key_of(&active()), None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Revoked);
    assert_eq!(
        validation.license.map(|l| l.status()),
        Some(LicenseStatus::Revoked)
    );
}

#[tokio::test]
async fn r_l6_a_past_due_subscription_answers_suspended_and_a_renewal_moves_the_expiry() {
    let mut licenses =
        validating_standing(EntitlementState::PastDue, Some(now() + TimeDelta::days(30)));
    licenses.expect_replace().times(1).returning(|_, _| Ok(()));
    let validation = following(licenses)
        .validate(&validate(&key_of(&active()), None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Suspended);

    let renewed_until = now() + TimeDelta::days(60);
    let mut licenses = validating_standing(EntitlementState::Current, Some(renewed_until));
    licenses
        .expect_replace()
        .withf(move |_, next| next.expires_at() == Some(renewed_until))
        .times(1)
        .returning(|_, _| Ok(()));
    let validation = following(licenses)
        .validate(&validate(&key_of(&active()), None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Valid);
    assert_eq!(
        validation.answer.license().and_then(|l| l.exp),
        Some(unix(renewed_until)),
        "the answer carries the renewed expiry"
    );
}

#[tokio::test]
async fn r_l6_a_license_in_line_with_its_entitlement_writes_nothing() {
    // No `replace` expected: the mock fails the test if it is called.
    let validation = following(validating_standing(
        EntitlementState::Current,
        Some(now() + TimeDelta::days(30)),
    ))
    .validate(&validate(&key_of(&active()), None))
    .await
    .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Valid);
}

#[tokio::test]
async fn r_l4_validation_reads_the_store_once_and_issues_nothing() {
    // One `validation_read` (the fixture's `times(1)`); no `get`, no `issue`, no
    // `is_activated`, no feed: the mocks fail the test on any other call.
    for (activated, code) in [
        (true, ValidationCode::Valid),
        (false, ValidationCode::NotActivated),
    ] {
        let validation = following(store_validating(
            active(),
            Some(EntitlementStanding {
                state: EntitlementState::Current,
                until: active().expires_at(),
            }),
            activated,
        ))
        .validate(&validate(&key_of(&active()), Some("machine-1")))
        .await
        .unwrap();
        assert_eq!(validation.answer.code(), code, "activated: {activated}");
    }
}

#[tokio::test]
async fn r_l6_a_service_without_a_feed_answers_from_the_record_as_it_stands() {
    // The read carries an ended entitlement, but this service follows only by `follow`.
    let validation = service(validating_standing(EntitlementState::Ended, None))
        .validate(&validate(&key_of(&active()), None))
        .await
        .unwrap();
    assert_eq!(validation.answer.code(), ValidationCode::Valid);
}
