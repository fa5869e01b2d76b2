//! API keys, licenses and activations (R-A1..R-A3, R-L1, R-L5, R-L6): every contract of
//! the licensing ports on SQLite and PostgreSQL, activations raced on both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use marketplace_domain::ids::{EntitlementId, OrgId, ToolId, UserId};
use marketplace_domain::paging::PageRequest;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_licensing::api_key::{
    ApiKey, ApiKeyRepository, ApiKeyToken, KeyDigest, KeyDigester, KeyEnvironment, KeyLabel,
    RandomSource, Scope, Scopes,
};
use marketplace_licensing::ids::{ApiKeyId, LicenseId};
use marketplace_licensing::license::{
    ActivationOutcome, Fingerprint, License, LicenseRepository, LicenseStatus, MachineName,
    NewActivation, StoredLicense,
};
use marketplace_migrations::m20261130_000003_api_keys_and_licenses::{
    API_KEY_SCOPES, LICENSE_STATUSES, LICENSING_TENANT_TABLES,
};
use marketplace_sea_orm::SeaOrmStore;
use marketplace_testkit::builders::{t0, unique_uuid};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::fixtures::{org, seller, tool};
use crate::support::{TestDb, pg};

/// Runs a scenario on SQLite and, when reachable, on PostgreSQL (pool of 10).
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            use crate::support::TestDb;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(TestDb::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(db) = TestDb::postgres(stringify!($scenario)).await else {
                    return;
                };
                super::$scenario(db).await;
            }
        }
    )+};
}

on_both_backends!(
    r_a2_a_key_is_found_by_its_digest_in_any_org,
    r_a2_a_digest_is_unique,
    r_a1_an_orgs_keys_list_newest_first_and_no_other_orgs,
    r_a1_revoking_keeps_the_first_time_and_another_org_finds_nothing,
    r_a3_a_use_never_moves_last_used_back,
    r_a2_a_rotated_digest_replaces_the_stored_one,
    r_l1_issuing_is_idempotent_per_entitlement,
    r_l1_licenses_are_found_by_id_and_entitlement,
    r_l1_an_orgs_licenses_list_with_their_activation_counts,
    r_l6_replace_is_a_compare_and_set,
    r_l5_activations_answer_in_order_and_deactivation_frees_a_slot,
    r_l5_fifty_racing_machines_take_exactly_the_five_slots,
    r_l5_one_machine_racing_itself_is_activated_once,
    r_l1_racing_grants_of_one_entitlement_issue_one_license,
    r_l4_kept_validation_reads_see_this_replicas_writes_at_once_and_others_within_the_bound,
);

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

/// Randomness that differs on every call, so every generated key is distinct.
pub(crate) struct Counter(AtomicU8);

impl RandomSource for Counter {
    fn fill(&self, buf: &mut [u8]) {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = n
                .wrapping_mul(31)
                .wrapping_add(u8::try_from(i % 251).unwrap());
        }
    }
}

fn digester() -> KeyDigester {
    KeyDigester::new(&[7; 32]).unwrap()
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

/// A fresh key of `org` created at `created`, with its digest.
pub(crate) fn key(
    random: &Counter,
    org: OrgId,
    env: KeyEnvironment,
    created: DateTime<Utc>,
) -> (ApiKey, KeyDigest) {
    let token = ApiKeyToken::generate(env, random);
    let record = ApiKey {
        id: ApiKeyId::from_uuid(unique_uuid()),
        org_id: org,
        label: KeyLabel::parse("CI deploys").unwrap(),
        scopes: Scopes::new([Scope::UsageWrite, Scope::LicensesValidate]).unwrap(),
        hint: token.hint(),
        created_by: UserId::from_uuid(unique_uuid()),
        created_at: created,
        last_used_at: None,
        expires_at: Some(at(60 * 24 * 30)),
        revoked_at: None,
    };
    (record, digester().digest(&token))
}

pub(crate) fn counter() -> Counter {
    Counter(AtomicU8::new(0))
}

/// An org and a tool to license.
async fn org_and_tool(store: &SeaOrmStore) -> (OrgId, ToolId) {
    let s = seller(store).await;
    let t = tool(store, s, "10.00").await;
    (org(store, "0").await, t.id)
}

pub(crate) fn license(org: OrgId, tool: ToolId, issued: DateTime<Utc>, max: u32) -> License {
    License::from_stored(StoredLicense {
        id: LicenseId::from_uuid(unique_uuid()),
        org_id: org,
        tool_id: tool,
        entitlement_id: EntitlementId::from_uuid(unique_uuid()),
        plan: "pro".to_owned(),
        features: vec!["export".to_owned(), "sso".to_owned()],
        max_activations: max,
        status: LicenseStatus::Active,
        issued_at: issued,
        expires_at: Some(issued + Duration::days(30)),
    })
    .unwrap()
}

/// The same license in another status, expiry and terms.
fn changed(l: &License, status: LicenseStatus, max: u32) -> License {
    License::from_stored(StoredLicense {
        id: l.id(),
        org_id: l.org_id(),
        tool_id: l.tool_id(),
        entitlement_id: l.entitlement_id(),
        plan: "team".to_owned(),
        features: vec!["sso".to_owned()],
        max_activations: max,
        status,
        issued_at: l.issued_at(),
        expires_at: None,
    })
    .unwrap()
}

pub(crate) fn machine(license: LicenseId, fingerprint: &str) -> NewActivation {
    NewActivation {
        license_id: license,
        fingerprint: Fingerprint::parse(fingerprint).unwrap(),
        name: Some(MachineName::parse("build-01").unwrap()),
        activated_at: at(1),
    }
}

fn fp(raw: &str) -> Fingerprint {
    Fingerprint::parse(raw).unwrap()
}

// ---------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------

async fn r_a2_a_key_is_found_by_its_digest_in_any_org(db: TestDb) {
    let store = db.store();
    let random = counter();
    let (a, _) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let (live, live_digest) = key(&random, a, KeyEnvironment::Live, at(0));
    let (test, test_digest) = key(&random, b, KeyEnvironment::Test, at(0));
    store.insert(&live, &live_digest).await.unwrap();
    store.insert(&test, &test_digest).await.unwrap();

    assert_eq!(
        store.find_by_digest(&live_digest).await.unwrap(),
        Some(live)
    );
    assert_eq!(
        store.find_by_digest(&test_digest).await.unwrap(),
        Some(test)
    );
    let (_, unknown) = key(&random, a, KeyEnvironment::Live, at(0));
    assert_eq!(store.find_by_digest(&unknown).await.unwrap(), None);
    db.finish().await;
}

async fn r_a2_a_digest_is_unique(db: TestDb) {
    let store = db.store();
    let random = counter();
    let (a, _) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let (first, digest) = key(&random, a, KeyEnvironment::Live, at(0));
    store.insert(&first, &digest).await.unwrap();
    // Another key, even of another org, under the same digest.
    let (second, _) = key(&random, b, KeyEnvironment::Live, at(1));
    let err = store.insert(&second, &digest).await.unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Conflict(Conflict::Duplicate("api key digest"))
        ),
        "{err:?}"
    );
    // Nothing of the loser was stored.
    assert_eq!(
        ApiKeyRepository::list(&store, b, PageRequest::default())
            .await
            .unwrap()
            .total,
        0
    );
    // A record stored twice under its id is a caller's bug, reported as such.
    let (_, fresh) = key(&random, a, KeyEnvironment::Live, at(0));
    let err = store.insert(&first, &fresh).await.unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Conflict(Conflict::Key { table: "api_keys" })
        ),
        "{err:?}"
    );
    // A rotation onto a taken digest is refused the same way.
    let (third, third_digest) = key(&random, a, KeyEnvironment::Live, at(2));
    store.insert(&third, &third_digest).await.unwrap();
    let err = store
        .replace_digest(a, third.id, &digest)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Conflict(Conflict::Duplicate("api key digest"))
        ),
        "{err:?}"
    );
    db.finish().await;
}

async fn r_a1_an_orgs_keys_list_newest_first_and_no_other_orgs(db: TestDb) {
    let store = db.store();
    let random = counter();
    let (a, _) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let mut mine = Vec::new();
    for minute in [3, 1, 2] {
        let (k, d) = key(&random, a, KeyEnvironment::Live, at(minute));
        store.insert(&k, &d).await.unwrap();
        mine.push(k);
    }
    let (theirs, d) = key(&random, b, KeyEnvironment::Live, at(9));
    store.insert(&theirs, &d).await.unwrap();
    // A revoked key is still listed.
    store.revoke(a, mine[1].id, at(5)).await.unwrap();

    let page = ApiKeyRepository::list(&store, a, PageRequest::new(Some(2), None).unwrap())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let minutes: Vec<_> = page.items.iter().map(|k| k.created_at).collect();
    assert_eq!(minutes, [at(3), at(2)]);
    let rest = ApiKeyRepository::list(&store, a, PageRequest::new(Some(2), Some(2)).unwrap())
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, mine[1].id);
    assert_eq!(rest.items[0].revoked_at, Some(at(5)));

    let theirs_page = ApiKeyRepository::list(&store, b, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(theirs_page.total, 1);
    assert_eq!(theirs_page.items, [theirs]);
    db.finish().await;
}

async fn r_a1_revoking_keeps_the_first_time_and_another_org_finds_nothing(db: TestDb) {
    let store = db.store();
    let random = counter();
    let (a, _) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let (k, d) = key(&random, a, KeyEnvironment::Live, at(0));
    store.insert(&k, &d).await.unwrap();

    assert_eq!(
        store.revoke(b, k.id, at(3)).await.unwrap(),
        None,
        "another org's key"
    );
    assert_eq!(
        store.find_by_digest(&d).await.unwrap().unwrap().revoked_at,
        None
    );

    let revoked = store.revoke(a, k.id, at(5)).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(at(5)));
    let again = store.revoke(a, k.id, at(9)).await.unwrap().unwrap();
    assert_eq!(again.revoked_at, Some(at(5)), "the first revocation stands");
    assert_eq!(again, revoked);
    let unknown = ApiKeyId::from_uuid(unique_uuid());
    assert_eq!(store.revoke(a, unknown, at(9)).await.unwrap(), None);
    db.finish().await;
}

async fn r_a3_a_use_never_moves_last_used_back(db: TestDb) {
    let store = db.store();
    let random = counter();
    let (a, _) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let (k, d) = key(&random, a, KeyEnvironment::Live, at(0));
    store.insert(&k, &d).await.unwrap();
    let last_used = || async {
        store
            .find_by_digest(&d)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
    };

    store.touch(a, k.id, at(10)).await.unwrap();
    assert_eq!(last_used().await, Some(at(10)));
    store.touch(a, k.id, at(7)).await.unwrap();
    assert_eq!(last_used().await, Some(at(10)), "a late write loses");
    store.touch(a, k.id, at(12)).await.unwrap();
    assert_eq!(last_used().await, Some(at(12)));
    store.touch(b, k.id, at(20)).await.unwrap();
    assert_eq!(
        last_used().await,
        Some(at(12)),
        "another org touches nothing"
    );
    store
        .touch(a, ApiKeyId::from_uuid(unique_uuid()), at(20))
        .await
        .unwrap();
    db.finish().await;
}

async fn r_a2_a_rotated_digest_replaces_the_stored_one(db: TestDb) {
    let store = db.store();
    let random = counter();
    let (a, _) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let (k, old) = key(&random, a, KeyEnvironment::Live, at(0));
    store.insert(&k, &old).await.unwrap();
    let (_, new) = key(&random, a, KeyEnvironment::Live, at(0));
    let (_, other) = key(&random, a, KeyEnvironment::Live, at(0));

    store.replace_digest(b, k.id, &other).await.unwrap();
    assert_eq!(
        store.find_by_digest(&other).await.unwrap(),
        None,
        "another org's key"
    );

    store.replace_digest(a, k.id, &new).await.unwrap();
    assert_eq!(store.find_by_digest(&new).await.unwrap(), Some(k));
    assert_eq!(store.find_by_digest(&old).await.unwrap(), None);
    store
        .replace_digest(a, ApiKeyId::from_uuid(unique_uuid()), &other)
        .await
        .unwrap();
    db.finish().await;
}

// ---------------------------------------------------------------------------------------
// Licenses
// ---------------------------------------------------------------------------------------

async fn r_l1_issuing_is_idempotent_per_entitlement(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let first = license(o, t, at(0), 5);
    assert_eq!(store.issue(&first).await.unwrap(), first);
    // The grant delivered again: another id, later, other terms, same entitlement.
    let again = License::from_stored(StoredLicense {
        id: LicenseId::from_uuid(unique_uuid()),
        org_id: o,
        tool_id: t,
        entitlement_id: first.entitlement_id(),
        plan: "other".to_owned(),
        features: vec![],
        max_activations: 1,
        status: LicenseStatus::Active,
        issued_at: at(5),
        expires_at: None,
    })
    .unwrap();
    assert_eq!(
        store.issue(&again).await.unwrap(),
        first,
        "the earlier license"
    );
    assert_eq!(store.get(again.id()).await.unwrap(), None);
    let page = LicenseRepository::list(&store, o, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    db.finish().await;
}

async fn r_l1_racing_grants_of_one_entitlement_issue_one_license(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let entitlement = EntitlementId::from_uuid(unique_uuid());
    let grants: Vec<License> = (0..10)
        .map(|i| {
            License::from_stored(StoredLicense {
                id: LicenseId::from_uuid(unique_uuid()),
                org_id: o,
                tool_id: t,
                entitlement_id: entitlement,
                plan: "pro".to_owned(),
                features: vec![],
                max_activations: 5,
                status: LicenseStatus::Active,
                issued_at: at(i),
                expires_at: None,
            })
            .unwrap()
        })
        .collect();
    let store = Arc::new(store);
    let issued = join_all(grants.into_iter().map(|g| {
        let store = store.clone();
        tokio::spawn(async move { store.issue(&g).await })
    }))
    .await;
    let issued: Vec<License> = issued.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert!(
        issued.iter().all(|l| *l == issued[0]),
        "every caller got the one license"
    );
    let page = LicenseRepository::list(store.as_ref(), o, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    db.finish().await;
}

async fn r_l1_licenses_are_found_by_id_and_entitlement(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let l = license(o, t, at(0), 5);
    store.issue(&l).await.unwrap();
    let perpetual = changed(&license(o, t, at(1), 3), LicenseStatus::Suspended, 3);
    store.issue(&perpetual).await.unwrap();

    assert_eq!(store.get(l.id()).await.unwrap(), Some(l.clone()));
    assert_eq!(
        store.get_by_entitlement(l.entitlement_id()).await.unwrap(),
        Some(l)
    );
    assert_eq!(store.get(perpetual.id()).await.unwrap(), Some(perpetual));
    let unknown = LicenseId::from_uuid(unique_uuid());
    assert_eq!(store.get(unknown).await.unwrap(), None);
    let nobody = EntitlementId::from_uuid(unique_uuid());
    assert_eq!(store.get_by_entitlement(nobody).await.unwrap(), None);
    db.finish().await;
}

async fn r_l1_an_orgs_licenses_list_with_their_activation_counts(db: TestDb) {
    let store = db.store();
    let (a, t) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    let older = license(a, t, at(0), 5);
    let newer = license(a, t, at(10), 5);
    let newest = license(a, t, at(20), 5);
    let theirs = license(b, t, at(30), 5);
    for l in [&older, &newer, &newest, &theirs] {
        store.issue(l).await.unwrap();
    }
    for f in ["m1", "m2"] {
        store.activate(&machine(newer.id(), f), 5).await.unwrap();
    }
    store
        .activate(&machine(theirs.id(), "m1"), 5)
        .await
        .unwrap();

    let page = LicenseRepository::list(&store, a, PageRequest::new(Some(2), None).unwrap())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let listed: Vec<_> = page
        .items
        .iter()
        .map(|e| (e.license.id(), e.activations))
        .collect();
    assert_eq!(listed, [(newest.id(), 0), (newer.id(), 2)]);
    let rest = LicenseRepository::list(&store, a, PageRequest::new(Some(2), Some(2)).unwrap())
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].license, older);

    let theirs_page = LicenseRepository::list(&store, b, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(theirs_page.total, 1);
    assert_eq!(theirs_page.items[0].license, theirs);
    assert_eq!(theirs_page.items[0].activations, 1);
    db.finish().await;
}

async fn r_l6_replace_is_a_compare_and_set(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let current = license(o, t, at(0), 5);
    store.issue(&current).await.unwrap();

    let suspended = changed(&current, LicenseStatus::Suspended, 2);
    store.replace(&current, &suspended).await.unwrap();
    assert_eq!(
        store.get(current.id()).await.unwrap(),
        Some(suspended.clone())
    );

    // A writer still holding the old read loses, and writes nothing.
    let revoked = changed(&current, LicenseStatus::Revoked, 5);
    let err = store.replace(&current, &revoked).await.unwrap_err();
    assert!(matches!(err, RepoError::Stale(_)), "{err:?}");
    assert_eq!(
        store.get(current.id()).await.unwrap(),
        Some(suspended.clone())
    );

    // Each term is compared: a read differing only in its expiry is stale too.
    let expiry_moved = License::from_stored(StoredLicense {
        id: suspended.id(),
        org_id: o,
        tool_id: t,
        entitlement_id: suspended.entitlement_id(),
        plan: suspended.plan().to_owned(),
        features: suspended.features().map(str::to_owned).collect(),
        max_activations: suspended.max_activations(),
        status: suspended.status(),
        issued_at: suspended.issued_at(),
        expires_at: Some(at(60)),
    })
    .unwrap();
    let err = store.replace(&expiry_moved, &revoked).await.unwrap_err();
    assert!(matches!(err, RepoError::Stale(_)), "{err:?}");

    store.replace(&suspended, &revoked).await.unwrap();
    assert_eq!(store.get(current.id()).await.unwrap(), Some(revoked));

    let gone = license(o, t, at(0), 5);
    let err = store
        .replace(&gone, &changed(&gone, LicenseStatus::Expired, 5))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
    db.finish().await;
}

async fn r_l5_activations_answer_in_order_and_deactivation_frees_a_slot(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let l = license(o, t, at(0), 2);
    store.issue(&l).await.unwrap();
    let id = l.id();

    assert_eq!(
        store.activate(&machine(id, "a"), 2).await.unwrap(),
        ActivationOutcome::Activated
    );
    assert_eq!(
        store.activate(&machine(id, "a"), 2).await.unwrap(),
        ActivationOutcome::AlreadyActive
    );
    assert_eq!(
        store.activate(&machine(id, "b"), 2).await.unwrap(),
        ActivationOutcome::Activated
    );
    // At the limit: a new machine is refused, an active one still answers so.
    assert_eq!(
        store.activate(&machine(id, "c"), 2).await.unwrap(),
        ActivationOutcome::TooMany
    );
    assert_eq!(
        store.activate(&machine(id, "b"), 2).await.unwrap(),
        ActivationOutcome::AlreadyActive
    );
    assert_eq!(store.count_activations(id).await.unwrap(), 2);
    assert!(store.is_activated(id, &fp("a")).await.unwrap());
    assert!(!store.is_activated(id, &fp("c")).await.unwrap());
    // R-L4: validation's one read answers the same: the record, the count, the machine.
    for (machine, activated) in [
        (Some("a"), Some(true)),
        (Some("c"), Some(false)),
        (None, None),
    ] {
        let read = store
            .validation_read(id, machine.map(fp))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.license, store.get(id).await.unwrap().unwrap());
        assert_eq!(read.activations, 2);
        assert_eq!(read.activated, activated, "{machine:?}");
    }

    assert!(store.deactivate(id, &fp("a")).await.unwrap());
    assert!(
        !store.deactivate(id, &fp("a")).await.unwrap(),
        "no longer active"
    );
    assert!(!store.is_activated(id, &fp("a")).await.unwrap());
    assert_eq!(
        store.activate(&machine(id, "c"), 2).await.unwrap(),
        ActivationOutcome::Activated
    );
    assert_eq!(store.count_activations(id).await.unwrap(), 2);

    // The limit given is the one applied (a plan change may lower it below the count).
    assert_eq!(
        store.activate(&machine(id, "d"), 1).await.unwrap(),
        ActivationOutcome::TooMany
    );

    let unknown = LicenseId::from_uuid(unique_uuid());
    assert!(
        store
            .validation_read(unknown, None)
            .await
            .unwrap()
            .is_none()
    );
    let err = store.activate(&machine(unknown, "a"), 2).await.unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
    assert_eq!(store.count_activations(unknown).await.unwrap(), 0);
    db.finish().await;
}

/// R-L4 with the validation reads kept in memory (as the service keeps them): a machine
/// this replica activates is seen on the next validation, and a revocation written by
/// another process (raw SQL, as another replica's) once the bound has passed.
async fn r_l4_kept_validation_reads_see_this_replicas_writes_at_once_and_others_within_the_bound(
    db: TestDb,
) {
    let bound = std::time::Duration::from_millis(300);
    let store = db.store().with_kept_reads(bound);
    let (o, t) = org_and_tool(&store).await;
    let l = license(o, t, at(0), 5);
    store.issue(&l).await.unwrap();
    let read = || async {
        store
            .validation_read(l.id(), Some(fp("a")))
            .await
            .unwrap()
            .unwrap()
    };

    let first = read().await;
    assert_eq!((first.activated, first.activations), (Some(false), 0));
    assert_eq!(
        store.activate(&machine(l.id(), "a"), 5).await.unwrap(),
        ActivationOutcome::Activated
    );
    let after = read().await;
    assert_eq!(
        (after.activated, after.activations),
        (Some(true), 1),
        "this replica's activation is seen at once"
    );

    let conn = db.owner.as_ref().unwrap_or(&db.app).connection();
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Sqlite => "UPDATE licenses SET status = 'REVOKED' WHERE id = ?",
        _ => "UPDATE licenses SET status = 'REVOKED' WHERE id = $1",
    };
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [l.id().as_uuid().into()],
    ))
    .await
    .unwrap();
    tokio::time::sleep(bound + std::time::Duration::from_millis(50)).await;
    assert_eq!(
        read().await.license.status(),
        LicenseStatus::Revoked,
        "another writer's revocation is seen once the bound has passed"
    );
    db.finish().await;
}

async fn race(
    store: &SeaOrmStore,
    activations: Vec<NewActivation>,
    limit: u32,
) -> Vec<ActivationOutcome> {
    let store = Arc::new(store.clone());
    join_all(activations.into_iter().map(|a| {
        let store = store.clone();
        tokio::spawn(async move { store.activate(&a, limit).await })
    }))
    .await
    .into_iter()
    .map(|joined| joined.unwrap().unwrap())
    .collect()
}

async fn r_l5_fifty_racing_machines_take_exactly_the_five_slots(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let l = license(o, t, at(0), 5);
    store.issue(&l).await.unwrap();
    let machines = (0..50)
        .map(|i| machine(l.id(), &format!("machine-{i}")))
        .collect();

    let outcomes = race(&store, machines, 5).await;
    let activated = outcomes
        .iter()
        .filter(|o| **o == ActivationOutcome::Activated)
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| **o == ActivationOutcome::TooMany)
        .count();
    assert_eq!((activated, refused), (5, 45), "{outcomes:?}");
    assert_eq!(store.count_activations(l.id()).await.unwrap(), 5);
    db.finish().await;
}

async fn r_l5_one_machine_racing_itself_is_activated_once(db: TestDb) {
    let store = db.store();
    let (o, t) = org_and_tool(&store).await;
    let l = license(o, t, at(0), 5);
    store.issue(&l).await.unwrap();
    let same = (0..20).map(|_| machine(l.id(), "the-one")).collect();

    let outcomes = race(&store, same, 5).await;
    let activated = outcomes
        .iter()
        .filter(|o| **o == ActivationOutcome::Activated)
        .count();
    let already = outcomes
        .iter()
        .filter(|o| **o == ActivationOutcome::AlreadyActive)
        .count();
    assert_eq!((activated, already), (1, 19), "{outcomes:?}");
    assert_eq!(store.count_activations(l.id()).await.unwrap(), 1);
    db.finish().await;
}

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

#[test]
fn the_schemas_labels_are_the_crates() {
    let statuses: Vec<&str> = LicenseStatus::ALL
        .iter()
        .map(LicenseStatus::as_str)
        .collect();
    assert_eq!(statuses, LICENSE_STATUSES);
    let scopes: Vec<&str> = Scope::ALL.iter().map(Scope::as_str).collect();
    assert_eq!(scopes, API_KEY_SCOPES);
}

/// Writes a key row with `scopes` as stored, straight through SQL.
async fn raw_scopes(db: &TestDb, org: OrgId, scopes: &str) -> Result<(), sea_orm::DbErr> {
    let conn = db.app.connection();
    let backend = conn.get_database_backend();
    let sql = "INSERT INTO api_keys (id, org_id, label, scopes, digest, hint_prefix, last4, \
               environment, created_by, created_at) VALUES ($1, $2, 'x', $3, $4, 'mk_live_AbCd', \
               'wxyz', 'live', $5, $6)";
    let sql = if backend == sea_orm::DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    let tx = conn.begin().await?;
    if backend == sea_orm::DbBackend::Postgres {
        tx.execute_raw(pg(
            "SELECT set_config('app.current_org_id', $1, true)",
            vec![org.to_string().into()],
        ))
        .await?;
    }
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [
            unique_uuid().into(),
            org.as_uuid().into(),
            scopes.into(),
            format!("{:064}", unique_uuid().as_u128()).into(),
            unique_uuid().into(),
            t0().into(),
        ],
    ))
    .await?;
    tx.commit().await
}

async fn r_a1_stored_scopes_are_known_labels(db: TestDb) {
    let store = db.store();
    let (o, _) = org_and_tool(&store).await;
    raw_scopes(&db, o, "usage:write").await.unwrap();
    raw_scopes(&db, o, "licenses:validate usage:read entitlements:read")
        .await
        .unwrap();
    for bad in [
        "",
        "admin",
        "usage:write admin",
        "usage:write  usage:read",
        " usage:write",
    ] {
        assert!(raw_scopes(&db, o, bad).await.is_err(), "{bad:?} was stored");
    }
    db.finish().await;
}

on_both_backends!(r_a1_stored_scopes_are_known_labels);

#[tokio::test]
async fn postgres_licensing_tables_show_a_tenant_only_its_own_rows() {
    let Some(db) = TestDb::postgres("licensing_rls").await else {
        return;
    };
    let store = db.store();
    let random = counter();
    let (a, t) = org_and_tool(&store).await;
    let b = org(&store, "0").await;
    for o in [a, b] {
        let (k, d) = key(&random, o, KeyEnvironment::Live, at(0));
        store.insert(&k, &d).await.unwrap();
        let l = license(o, t, at(0), 5);
        store.issue(&l).await.unwrap();
        store.activate(&machine(l.id(), "m"), 5).await.unwrap();
    }
    let tx = db.app.connection().begin().await.unwrap();
    tx.execute_raw(pg(
        "SELECT set_config('app.current_org_id', $1, true)",
        vec![a.to_string().into()],
    ))
    .await
    .unwrap();
    for table in LICENSING_TENANT_TABLES {
        // No org filter of our own: only the policy stands between A and B.
        let orgs = tx
            .query_all_raw(pg(&format!("SELECT DISTINCT org_id FROM {table}"), vec![]))
            .await
            .unwrap();
        let orgs: Vec<uuid::Uuid> = orgs
            .iter()
            .map(|r| r.try_get("", "org_id").unwrap())
            .collect();
        assert_eq!(orgs, [a.as_uuid()], "{table}");
    }
    // Nor may A write a row for B.
    let write = tx
        .execute_raw(pg(
            "UPDATE licenses SET status = 'REVOKED' WHERE org_id = $1",
            vec![b.as_uuid().into()],
        ))
        .await
        .unwrap();
    assert_eq!(write.rows_affected(), 0);
    tx.rollback().await.unwrap();
    db.finish().await;
}

// ---------------------------------------------------------------------------------------
// The entitlement feed
// ---------------------------------------------------------------------------------------

/// Sets the status of the entitlement's purchase and whether the entitlement ended,
/// straight through SQL (platform scope on PostgreSQL).
async fn raw_standing(db: &TestDb, entitlement: EntitlementId, status: &str, ended: bool) {
    // An outside write across row-level security: the schema owner on PostgreSQL.
    let conn = db.owner.as_ref().unwrap_or(&db.app).connection();
    let backend = conn.get_database_backend();
    let fix = |sql: &str| {
        if backend == sea_orm::DbBackend::Sqlite {
            sql.replace('$', "?")
        } else {
            sql.to_owned()
        }
    };
    let tx = conn.begin().await.unwrap();
    let ended_at: Option<DateTime<Utc>> = ended.then(|| at(5));
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        fix("UPDATE entitlements SET ended_at = $1 WHERE id = $2"),
        [ended_at.into(), entitlement.as_uuid().into()],
    ))
    .await
    .unwrap();
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        fix("UPDATE purchases SET status = $1 WHERE id = (SELECT purchase_id FROM entitlements WHERE id = $2)"),
        [status.into(), entitlement.as_uuid().into()],
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn r_l1_r_l6_the_feed_lists_unlicensed_entitlements_and_where_each_stands(db: TestDb) {
    use marketplace_domain::catalog::ItemRef;
    use marketplace_domain::checkout::{OrderRepository, PaymentMethod};
    use marketplace_licensing::license::{EntitlementFeed, EntitlementState};
    use marketplace_testkit::builders::{org_id, user_id};

    use crate::fixtures::{order, placed, plan};

    let store = db.store();
    let s = seller(&store).await;
    let t = tool(&store, s, "10.00").await;
    let o = org(&store, "100.00").await;
    let mut bought = order(
        &store,
        o,
        user_id(),
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let fulfilment = plan(&store, &bought).await;
    bought.fulfil(t0()).unwrap();
    let mut placed = placed(&bought, "feed");
    placed.credit_debit = Some(bought.total());
    placed.fulfilment = Some(fulfilment);
    store.place(&placed).await.unwrap();

    let now = at(1);
    let pending = store.unlicensed(Some(o), now, 10).await.unwrap();
    assert_eq!(pending.len(), 1, "one entitlement, no license yet");
    let granted = pending[0].clone();
    assert_eq!((granted.org_id, granted.tool_id), (o, t.id));
    assert_eq!(granted.terms.plan, "STANDARD");
    assert_eq!(granted.terms.max_activations, None, "the default limit");
    assert!(
        store
            .unlicensed(None, now, 1000)
            .await
            .unwrap()
            .iter()
            .any(|g| g.entitlement_id == granted.entitlement_id),
        "the job's read spans every org"
    );
    assert!(
        store
            .unlicensed(Some(org_id()), now, 10)
            .await
            .unwrap()
            .is_empty(),
        "another org's read finds none of it"
    );

    let license = License::issue(LicenseId::from_uuid(unique_uuid()), &granted).unwrap();
    store.issue(&license).await.unwrap();
    assert!(
        store.unlicensed(Some(o), now, 10).await.unwrap().is_empty(),
        "a licensed entitlement is not pending any more"
    );

    let standing = |e| {
        let store = &store;
        async move { store.standing(e).await.unwrap().map(|s| s.state) }
    };
    assert_eq!(
        standing(granted.entitlement_id).await,
        Some(EntitlementState::Current)
    );
    // PAST_DUE comes from a refused renewal, not from the purchase (see the renewals tests).
    for (status, ended, expected) in [
        ("EXPIRED", true, EntitlementState::Expired),
        ("REFUNDED", true, EntitlementState::Ended),
        ("CANCELLED", true, EntitlementState::Ended),
        ("ACTIVE", false, EntitlementState::Current),
    ] {
        raw_standing(&db, granted.entitlement_id, status, ended).await;
        assert_eq!(
            standing(granted.entitlement_id).await,
            Some(expected),
            "{status}, ended: {ended}"
        );
        // R-L4: validation's one read sees the entitlement as the feed does.
        let read = store
            .validation_read(license.id(), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            read.standing,
            store.standing(granted.entitlement_id).await.unwrap(),
            "{status}, ended: {ended}"
        );
    }
    assert_eq!(
        standing(EntitlementId::from_uuid(unique_uuid())).await,
        None,
        "an entitlement not on record"
    );
    db.finish().await;
}

on_both_backends!(r_l1_r_l6_the_feed_lists_unlicensed_entitlements_and_where_each_stands);
