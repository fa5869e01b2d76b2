//! Shared test data for the license use cases: signing keys, a clock, licenses.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use marketplace_kernel::clock::{MockClock, MockIdGenerator};
use marketplace_kernel::ids::{EntitlementId, OrgId, ToolId};
use marketplace_license::{Kid, SigningKey};
use uuid::Uuid;

use super::*;
use crate::ids::LicenseId;

/// The active signing key's seed and kid.
pub const ACTIVE_SEED: [u8; 32] = [2; 32];
pub const ACTIVE_KID: &str = "k2";
/// An older key, still trusted.
pub const OLDER_SEED: [u8; 32] = [1; 32];
pub const OLDER_KID: &str = "k1";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

pub fn org() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(2))
}

pub fn tool() -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(3))
}

pub fn entitlement() -> EntitlementId {
    EntitlementId::from_uuid(Uuid::from_u128(4))
}

pub fn license_id() -> LicenseId {
    LicenseId::from_uuid(Uuid::from_u128(1))
}

pub fn signer(kid: &str, seed: [u8; 32]) -> SigningKey {
    SigningKey::from_seed(Kid::parse(kid).unwrap(), &seed)
}

/// The service's keys: the active one and the older one, built once (deriving keys is
/// slow in unoptimized builds).
pub fn signing_keys() -> Arc<SigningKeys> {
    static KEYS: LazyLock<Arc<SigningKeys>> = LazyLock::new(|| {
        let older = signer(OLDER_KID, OLDER_SEED).public_key();
        Arc::new(SigningKeys::new(signer(ACTIVE_KID, ACTIVE_SEED), [older]).unwrap())
    });
    Arc::clone(&KEYS)
}

pub fn terms() -> PlanTerms {
    PlanTerms {
        plan: "PRO".into(),
        features: vec!["export".into(), "sso".into()],
        max_activations: Some(3),
    }
}

/// A subscription's grant: a month issued before `now`, a period ending after it.
pub fn granted() -> EntitlementGranted {
    EntitlementGranted {
        entitlement_id: entitlement(),
        org_id: org(),
        tool_id: tool(),
        terms: terms(),
        granted_at: now() - TimeDelta::days(28),
        until: Some(now() + TimeDelta::days(30)),
    }
}

/// The granted license in `status`, expiring at `expires_at`.
pub fn license(status: LicenseStatus, expires_at: Option<DateTime<Utc>>) -> License {
    License::from_stored(StoredLicense {
        id: license_id(),
        org_id: org(),
        tool_id: tool(),
        entitlement_id: entitlement(),
        plan: "PRO".into(),
        features: vec!["export".into(), "sso".into()],
        max_activations: 3,
        status,
        issued_at: now() - TimeDelta::days(28),
        expires_at,
    })
    .unwrap()
}

/// The license as granted: ACTIVE, in its period.
pub fn active() -> License {
    license(LicenseStatus::Active, Some(now() + TimeDelta::days(30)))
}

pub fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    clock
}

pub fn ids() -> MockIdGenerator {
    let mut ids = MockIdGenerator::new();
    ids.expect_new_uuid().returning(|| license_id().as_uuid());
    ids
}

pub fn service(licenses: MockLicenseRepository) -> LicenseService {
    LicenseService::new(
        Arc::new(licenses),
        signing_keys(),
        Arc::new(clock()),
        Arc::new(ids()),
    )
}

/// A store whose `get` finds `license` by its id, once.
pub fn store_holding(license: License) -> MockLicenseRepository {
    store_holding_times(license, 1)
}

/// A store whose `get` finds `license` by its id, `times` times.
pub fn store_holding_times(license: License, times: usize) -> MockLicenseRepository {
    let mut licenses = MockLicenseRepository::new();
    let id = license.id();
    licenses
        .expect_get()
        .withf(move |asked| *asked == id)
        .times(times)
        .returning(move |_| Ok(Some(license.clone())));
    licenses
}

/// A store whose one validation read finds `license` by its id, once, with its
/// entitlement's `standing` and, when the request names a machine, `activated`.
pub fn store_validating(
    license: License,
    standing: Option<EntitlementStanding>,
    activated: bool,
) -> MockLicenseRepository {
    let mut licenses = MockLicenseRepository::new();
    let id = license.id();
    licenses
        .expect_validation_read()
        .withf(move |asked, _| *asked == id)
        .times(1)
        .returning(move |_, fingerprint| {
            Ok(Some(LicenseUnderValidation {
                license: license.clone(),
                standing,
                activated: fingerprint.map(|_| activated),
                activations: u32::from(activated),
            }))
        });
    licenses
}

/// The key of `license` under the active signing key.
pub fn key_of(license: &License) -> String {
    license.key(signing_keys().active()).into_string()
}
