//! The API key use cases against mocked ports: every rule R-A1..R-A4 by name.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};
use marketplace_kernel::clock::{MockClock, MockIdGenerator};
use marketplace_kernel::ids::{OrgId, UserId};
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;
use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::api_key::KEY_CACHE_TTL;
use crate::ids::ApiKeyId;
use marketplace_kernel::access::{Forbidden, Permission};

const SECRET: [u8; 32] = [9; 32];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

fn org() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(1))
}

fn key_id() -> ApiKeyId {
    ApiKeyId::from_uuid(Uuid::from_u128(10))
}

fn actor(org_role: OrgRole) -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(2)),
        org_id: org(),
        org_role,
        platform_role: PlatformRole::User,
    }
}

fn random() -> MockRandomSource {
    let mut random = MockRandomSource::new();
    random.expect_fill().returning(|buf| buf.fill(0x5A));
    random
}

fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    clock
}

fn service_with(keys: MockApiKeyRepository, digester: KeyDigester) -> ApiKeyService {
    let mut ids = MockIdGenerator::new();
    ids.expect_new_uuid().returning(|| key_id().as_uuid());
    ApiKeyService::new(
        Arc::new(keys),
        Arc::new(random()),
        digester,
        Arc::new(clock()),
        Arc::new(ids),
        KeyEnvironment::Live,
    )
}

fn service(keys: MockApiKeyRepository) -> ApiKeyService {
    service_with(keys, KeyDigester::new(&SECRET).unwrap())
}

/// The key the fixture's random source draws, as a client would present it.
fn presented() -> ApiKeyToken {
    ApiKeyToken::generate(KeyEnvironment::Live, &random())
}

fn stored(scopes: &[Scope]) -> ApiKey {
    ApiKey {
        id: key_id(),
        org_id: org(),
        label: KeyLabel::parse("CI").unwrap(),
        scopes: Scopes::new(scopes.iter().copied()).unwrap(),
        hint: presented().hint(),
        created_by: UserId::from_uuid(Uuid::from_u128(2)),
        created_at: now() - TimeDelta::days(1),
        last_used_at: None,
        expires_at: None,
        revoked_at: None,
    }
}

/// A store holding `record` under the fixture key's current digest.
fn store_holding(record: ApiKey) -> MockApiKeyRepository {
    let digest = KeyDigester::new(&SECRET).unwrap().digest(&presented());
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_by_digest()
        .withf(move |d| *d == digest)
        .times(1)
        .returning(move |_| Ok(Some(record.clone())));
    keys
}

fn request(expires_at: Option<DateTime<Utc>>) -> NewKeyRequest {
    NewKeyRequest::parse(
        "CI deploys",
        ["usage:write", "licenses:validate"],
        expires_at,
    )
    .unwrap()
}

#[tokio::test]
async fn r_a1_a_key_is_created_for_the_actors_org_with_label_scopes_creator_and_expiry() {
    let expires = now() + TimeDelta::days(30);
    let mut keys = MockApiKeyRepository::new();
    keys.expect_insert()
        .withf(move |key, _| {
            key.id == key_id()
                && key.org_id == org()
                && key.label.as_str() == "CI deploys"
                && key.scopes.iter().collect::<Vec<_>>()
                    == [Scope::LicensesValidate, Scope::UsageWrite]
                && key.created_by == UserId::from_uuid(Uuid::from_u128(2))
                && key.created_at == now()
                && key.last_used_at.is_none()
                && key.expires_at == Some(expires)
                && key.revoked_at.is_none()
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let created = service(keys)
        .create(&actor(OrgRole::Admin), request(Some(expires)))
        .await
        .unwrap();
    assert_eq!(created.record.expires_at, Some(expires));
}

#[tokio::test]
async fn r_a1_an_expiry_not_in_the_future_is_refused_and_nothing_stored() {
    for expires in [now(), now() - TimeDelta::seconds(1)] {
        let err = service(MockApiKeyRepository::new())
            .create(&actor(OrgRole::Owner), request(Some(expires)))
            .await
            .unwrap_err();
        match err {
            CreateApiKeyError::Invalid(fields) => assert_eq!(fields[0].field, "expires_at"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
}

#[test]
fn r_a1_a_request_reports_every_bad_field_at_once() {
    let faults = NewKeyRequest::parse(" ", ["usage:write", "everything"], None).unwrap_err();
    let fields: Vec<&str> = faults.iter().map(|f| f.field).collect();
    assert_eq!(fields, ["label", "scopes"]);
    let faults = NewKeyRequest::parse("ok", Vec::<&str>::new(), None).unwrap_err();
    assert_eq!(faults[0].field, "scopes");
}

#[tokio::test]
async fn r_a2_only_the_digest_is_stored_and_the_key_is_shown_once() {
    let expected = KeyDigester::new(&SECRET).unwrap().digest(&presented());
    let mut keys = MockApiKeyRepository::new();
    keys.expect_insert()
        .withf(move |key, digest| {
            *digest == expected && !format!("{key:?}").contains(presented().expose_secret())
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let created = service(keys)
        .create(&actor(OrgRole::Owner), request(None))
        .await
        .unwrap();
    assert_eq!(created.key, presented());
    assert_eq!(created.record.hint, presented().hint());
    assert!(created.key.expose_secret().starts_with("mk_live_"));

    // The key created is the key that authenticates.
    let auth = service(store_holding(stored(&[Scope::UsageWrite])))
        .authenticate(created.key.expose_secret())
        .await
        .unwrap();
    assert_eq!(auth.holder.key_id(), key_id());
}

#[tokio::test]
async fn r_a2_a_malformed_key_is_refused_before_any_database_read() {
    let good = presented();
    let text = good.expose_secret();
    let mut typo = text.to_owned();
    let swapped = if &typo[30..31] == "Q" { "R" } else { "Q" };
    typo.replace_range(30..31, swapped);
    let mut underscored = text.to_owned();
    underscored.replace_range(8..9, "_");
    let cases = [
        ("", MalformedApiKey::Prefix),
        ("Bearer abc", MalformedApiKey::Prefix),
        (&text[..40], MalformedApiKey::Length { len: 40 }),
        (&underscored, MalformedApiKey::Alphabet),
        (&typo, MalformedApiKey::Checksum),
    ];
    // A store with no expectations: any read panics.
    let service = service(MockApiKeyRepository::new());
    for (presented, expected) in cases {
        match service.authenticate(presented).await {
            Err(AuthenticateError::Malformed(reason)) => assert_eq!(reason, expected),
            other => panic!("{presented:?}: expected Malformed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn r_a2_a_key_stored_under_a_previous_secret_authenticates_and_moves_to_the_current() {
    let old_secret = [7u8; 32];
    let old = KeyDigester::new(&old_secret).unwrap().digest(&presented());
    let current = KeyDigester::new(&SECRET).unwrap().digest(&presented());
    let mut keys = MockApiKeyRepository::new();
    let miss = current.clone();
    keys.expect_find_by_digest()
        .withf(move |d| *d == miss)
        .times(1)
        .returning(|_| Ok(None));
    let hit = old.clone();
    let mut record = stored(&[Scope::UsageRead]);
    record.last_used_at = Some(now());
    keys.expect_find_by_digest()
        .withf(move |d| *d == hit)
        .times(1)
        .returning(move |_| Ok(Some(record.clone())));
    let moved = current.clone();
    keys.expect_replace_digest()
        .withf(move |o, id, d| *o == org() && *id == key_id() && *d == moved)
        .times(1)
        .returning(|_, _, _| Ok(()));
    keys.expect_touch()
        .with(eq(org()), eq(key_id()), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let digester = KeyDigester::new(&SECRET)
        .unwrap()
        .with_previous(&old_secret)
        .unwrap();
    let service = service_with(keys, digester);
    let auth = service
        .authenticate(presented().expose_secret())
        .await
        .unwrap();
    let upkeep = auth
        .upkeep
        .expect("a moved digest is written even within the minute");
    assert_eq!(upkeep.digest, Some(current));
    service.record_use(upkeep).await.unwrap();
}

#[tokio::test]
async fn r_a3_a_key_acts_for_its_org_with_its_scopes_and_no_user() {
    let auth = service(store_holding(stored(&[
        Scope::UsageWrite,
        Scope::EntitlementsRead,
    ])))
    .authenticate(presented().expose_secret())
    .await
    .unwrap();
    let holder = auth.holder;
    assert_eq!(holder.org_id(), org());
    assert_eq!(holder.key_id(), key_id());
    assert_eq!(
        holder.scopes().iter().collect::<Vec<_>>(),
        [Scope::UsageWrite, Scope::EntitlementsRead]
    );
    assert_eq!(holder.require(Scope::UsageWrite), Ok(()));
}

#[tokio::test]
async fn r_a3_a_missing_scope_is_forbidden() {
    let holder = service(store_holding(stored(&[Scope::UsageRead])))
        .authenticate(presented().expose_secret())
        .await
        .unwrap()
        .holder;
    assert_eq!(
        holder.require(Scope::UsageWrite),
        Err(MissingScope(Scope::UsageWrite))
    );
    assert_eq!(
        holder.require(Scope::LicensesValidate),
        Err(MissingScope(Scope::LicensesValidate))
    );
}

#[tokio::test]
async fn r_a3_unknown_revoked_and_expired_keys_are_each_unauthorized() {
    let mut unknown = MockApiKeyRepository::new();
    unknown
        .expect_find_by_digest()
        .times(1)
        .returning(|_| Ok(None));
    let err = service(unknown)
        .authenticate(presented().expose_secret())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthenticateError::Unknown), "{err:?}");
    assert!(err.is_unauthorized());

    let mut revoked = stored(&[Scope::UsageRead]);
    revoked.revoked_at = Some(now() - TimeDelta::hours(1));
    let err = service(store_holding(revoked))
        .authenticate(presented().expose_secret())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthenticateError::Revoked), "{err:?}");
    assert!(err.is_unauthorized());

    let mut expired = stored(&[Scope::UsageRead]);
    expired.expires_at = Some(now());
    let err = service(store_holding(expired))
        .authenticate(presented().expose_secret())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthenticateError::Expired), "{err:?}");
    assert!(err.is_unauthorized());

    let mut failing = MockApiKeyRepository::new();
    failing
        .expect_find_by_digest()
        .returning(|_| Err(RepoError::Stale("down")));
    let err = service(failing)
        .authenticate(presented().expose_secret())
        .await
        .unwrap_err();
    assert!(!err.is_unauthorized(), "a store failure is not a 401");
}

#[tokio::test]
async fn r_a3_a_test_key_is_refused_by_a_live_service_before_any_read() {
    let test_key = ApiKeyToken::generate(KeyEnvironment::Test, &random());
    let err = service(MockApiKeyRepository::new())
        .authenticate(test_key.expose_secret())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AuthenticateError::OtherEnvironment(KeyEnvironment::Test)
        ),
        "{err:?}"
    );
    assert!(err.is_unauthorized());
}

#[tokio::test]
async fn r_a3_the_last_use_is_written_at_most_once_a_minute_and_off_the_request() {
    for (last_used, written) in [
        (None, true),
        (Some(now() - TimeDelta::seconds(59)), false),
        (Some(now() - TimeDelta::seconds(60)), true),
    ] {
        let mut record = stored(&[Scope::UsageRead]);
        record.last_used_at = last_used;
        // Authentication itself never writes: the store only expects the lookup.
        let auth = service(store_holding(record))
            .authenticate(presented().expose_secret())
            .await
            .unwrap();
        assert_eq!(auth.upkeep.is_some(), written, "last used {last_used:?}");
        if let Some(upkeep) = auth.upkeep {
            assert_eq!(upkeep.used_at, now());
            assert_eq!(upkeep.digest, None);
            let mut keys = MockApiKeyRepository::new();
            keys.expect_touch()
                .with(eq(org()), eq(key_id()), eq(now()))
                .times(1)
                .returning(|_, _, _| Ok(()));
            service(keys).record_use(upkeep).await.unwrap();
        }
    }
}

#[tokio::test]
async fn r_a4_only_owners_and_admins_create_list_and_revoke() {
    for role in [
        OrgRole::Owner,
        OrgRole::Admin,
        OrgRole::Member,
        OrgRole::Viewer,
    ] {
        let allowed = matches!(role, OrgRole::Owner | OrgRole::Admin);
        let mut keys = MockApiKeyRepository::new();
        if allowed {
            keys.expect_insert().times(1).returning(|_, _| Ok(()));
            keys.expect_list()
                .times(1)
                .returning(|_, page| Ok(Page::slice(Vec::new(), page)));
            keys.expect_revoke()
                .times(1)
                .returning(|_, _, _| Ok(Some(stored(&[Scope::UsageRead]))));
        }
        // Platform roles do not stand in for org roles.
        let mut actor = actor(role);
        actor.platform_role = PlatformRole::SuperAdmin;
        let service = service(keys);
        let forbidden = Forbidden(Permission::ManageApiKeys);

        let created = service.create(&actor, request(None)).await;
        let listed = service.list(&actor, PageRequest::default()).await;
        let revoked = service.revoke(&actor, key_id()).await;
        if allowed {
            assert!(
                created.is_ok() && listed.is_ok() && revoked.is_ok(),
                "{role:?}"
            );
        } else {
            assert!(
                matches!(created, Err(CreateApiKeyError::Forbidden(f)) if f == forbidden),
                "{role:?}"
            );
            assert!(
                matches!(listed, Err(ListApiKeysError::Forbidden(f)) if f == forbidden),
                "{role:?}"
            );
            assert!(
                matches!(revoked, Err(RevokeApiKeyError::Forbidden(f)) if f == forbidden),
                "{role:?}"
            );
        }
    }
}

#[tokio::test]
async fn r_a4_the_list_is_the_actors_org_with_hints_never_keys() {
    let page = PageRequest::new(Some(10), Some(20)).unwrap();
    let mut keys = MockApiKeyRepository::new();
    keys.expect_list()
        .with(eq(org()), eq(page))
        .times(1)
        .returning(|_, page| {
            Ok(Page {
                items: vec![stored(&[Scope::UsageRead])],
                total: 21,
                limit: page.limit(),
                offset: page.offset(),
            })
        });
    let listed = service(keys)
        .list(&actor(OrgRole::Owner), page)
        .await
        .unwrap();
    assert_eq!(listed.total, 21);
    let shown = format!("{listed:?}");
    assert!(shown.contains(presented().hint().prefix()));
    assert!(shown.contains(presented().hint().last4()));
    assert!(!shown.contains(presented().expose_secret()));
}

#[tokio::test]
async fn r_a4_revoke_answers_the_record_and_a_key_of_another_org_is_not_found() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_revoke()
        .with(eq(org()), eq(key_id()), eq(now()))
        .times(1)
        .returning(|_, _, at| {
            let mut record = stored(&[Scope::UsageRead]);
            record.revoked_at = Some(at);
            Ok(Some(record))
        });
    let other = ApiKeyId::from_uuid(Uuid::from_u128(99));
    keys.expect_revoke()
        .with(eq(org()), eq(other), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(None));
    let service = service(keys);
    let revoked = service
        .revoke(&actor(OrgRole::Owner), key_id())
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(now()));
    assert!(matches!(
        service.revoke(&actor(OrgRole::Owner), other).await,
        Err(RevokeApiKeyError::NotFound)
    ));
}

/// A service whose clock reads `now()` plus the seconds the test puts in `offset`.
fn service_at(keys: MockApiKeyRepository, offset: &Arc<AtomicI64>) -> ApiKeyService {
    let offset = Arc::clone(offset);
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(move || now() + TimeDelta::seconds(offset.load(Ordering::SeqCst)));
    let mut ids = MockIdGenerator::new();
    ids.expect_new_uuid().returning(|| key_id().as_uuid());
    ApiKeyService::new(
        Arc::new(keys),
        Arc::new(random()),
        KeyDigester::new(&SECRET).unwrap(),
        Arc::new(clock),
        Arc::new(ids),
        KeyEnvironment::Live,
    )
}

/// A store answering the fixture key's lookups with `answer(n)` for the n-th lookup,
/// expecting exactly `reads` of them.
fn store_answering(
    reads: usize,
    answer: impl Fn(usize) -> ApiKey + Send + 'static,
) -> MockApiKeyRepository {
    let digest = KeyDigester::new(&SECRET).unwrap().digest(&presented());
    let count = AtomicUsize::new(0);
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_by_digest()
        .withf(move |d| *d == digest)
        .times(reads)
        .returning(move |_| Ok(Some(answer(count.fetch_add(1, Ordering::SeqCst)))));
    keys
}

#[tokio::test]
async fn r_a3_a_key_presented_again_is_read_again_only_when_its_cache_entry_lapses() {
    let offset = Arc::new(AtomicI64::new(0));
    // Read at 0 s and again at KEY_CACHE_TTL; the uses in between come from memory.
    let service = service_at(store_answering(2, |_| stored(&[Scope::UsageRead])), &offset);
    let first = service.authenticate(presented().expose_secret()).await;
    assert!(
        first.unwrap().upkeep.is_some(),
        "never used: the use is recorded"
    );
    offset.store(KEY_CACHE_TTL.num_seconds() - 1, Ordering::SeqCst);
    let cached = service
        .clone()
        .authenticate(presented().expose_secret())
        .await
        .unwrap();
    assert_eq!(cached.holder.org_id(), org());
    assert!(
        cached.upkeep.is_none(),
        "the use recorded a moment ago is not recorded again"
    );
    offset.store(KEY_CACHE_TTL.num_seconds(), Ordering::SeqCst);
    service
        .authenticate(presented().expose_secret())
        .await
        .unwrap();
}

#[tokio::test]
async fn r_a3_an_expiry_takes_effect_on_time_for_a_key_held_in_memory() {
    let offset = Arc::new(AtomicI64::new(0));
    let service = service_at(
        store_answering(1, |_| {
            let mut record = stored(&[Scope::UsageRead]);
            record.expires_at = Some(now() + TimeDelta::seconds(2));
            record
        }),
        &offset,
    );
    service
        .authenticate(presented().expose_secret())
        .await
        .unwrap();
    offset.store(2, Ordering::SeqCst);
    assert!(matches!(
        service.authenticate(presented().expose_secret()).await,
        Err(AuthenticateError::Expired)
    ));
}

#[tokio::test]
async fn r_a4_a_revoked_key_is_refused_at_once_by_the_process_that_revoked_it() {
    let offset = Arc::new(AtomicI64::new(0));
    // The second lookup, right after the revocation, finds the revoked record.
    let mut keys = store_answering(2, |n| {
        let mut record = stored(&[Scope::UsageRead]);
        if n > 0 {
            record.revoked_at = Some(now());
        }
        record
    });
    keys.expect_revoke()
        .with(eq(org()), eq(key_id()), eq(now()))
        .times(1)
        .returning(|_, _, at| {
            let mut record = stored(&[Scope::UsageRead]);
            record.revoked_at = Some(at);
            Ok(Some(record))
        });
    let service = service_at(keys, &offset);
    service
        .authenticate(presented().expose_secret())
        .await
        .unwrap();
    service
        .clone()
        .revoke(&actor(OrgRole::Admin), key_id())
        .await
        .unwrap();
    assert!(matches!(
        service.authenticate(presented().expose_secret()).await,
        Err(AuthenticateError::Revoked)
    ));
}
