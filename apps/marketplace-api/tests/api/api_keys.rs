//! /v1/api-keys and `Authorization: ApiKey` (R-A1..R-A4): created and shown once, listed
//! as hints, revoked; a key acts for its org with its scopes only and no user.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::OrgId;
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_licensing::api_key::{ApiKey, ApiKeyRepository, KeyDigest};
use marketplace_licensing::ids::ApiKeyId;
use serde_json::{Value, json};

use crate::helpers::{
    assert_error_shape, assert_list, assert_timestamp, request, spawn_app, spawn_app_with, uuid,
};

/// POST /v1/api-keys as `token` with `scopes`; returns (key, id).
pub async fn create_key<S, B>(
    app: &crate::helpers::TestApp<S>,
    token: &str,
    scopes: &[&str],
) -> (String, String)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let created = app
        .post(
            "/v1/api-keys",
            token,
            json!({"label": "CI machine", "scopes": scopes}),
        )
        .await
        .expect(201);
    (
        created["key"].as_str().unwrap().to_owned(),
        created["id"].as_str().unwrap().to_owned(),
    )
}

/// A request carrying `Authorization: ApiKey <key>`.
pub fn with_key(
    method: &str,
    uri: &str,
    key: &str,
    body: Option<&Value>,
) -> actix_web::test::TestRequest {
    request(method, uri, None, body).insert_header(("Authorization", format!("ApiKey {key}")))
}

#[actix_web::test]
async fn r_a1_r_a2_a_key_is_shown_once_and_listed_only_by_its_hint() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let created = app
        .post(
            "/v1/api-keys",
            &org.owner,
            json!({"label": "  Billing sync ", "scopes": ["entitlements:read", "licenses:validate", "entitlements:read"]}),
        )
        .await
        .expect(201);
    let key = created["key"].as_str().unwrap();
    assert!(
        key.starts_with("mk_test_"),
        "a demo/test deployment issues test keys: {key}"
    );
    assert_eq!(
        key.len(),
        8 + 32 + 6,
        "prefix, 32 random characters, checksum"
    );
    assert_eq!(created["label"], "Billing sync");
    assert_eq!(
        created["scopes"],
        json!(["licenses:validate", "entitlements:read"]),
        "repeats collapse"
    );
    assert_eq!(created["prefix"], &key[..12]);
    assert_eq!(created["last4"], &key[key.len() - 4..]);
    assert_timestamp(&created["created_at"]);
    assert!(created["last_used_at"].is_null() && created["revoked_at"].is_null());

    let listed = app.get("/v1/api-keys", &org.admin).await;
    assert!(!listed.text().contains(key), "a list never shows the key");
    let items = assert_list(&listed.expect(200), 1, 50, 0);
    let item = items[0].as_object().unwrap();
    assert!(!item.contains_key("key"));
    assert_eq!(item["id"], created["id"]);
    assert_eq!(item["prefix"], created["prefix"]);
    assert_eq!(item["last4"], created["last4"]);
}

#[actix_web::test]
async fn r_a1_bad_key_requests_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let long = "x".repeat(101);
    for body in [
        json!({"label": "", "scopes": ["usage:read"]}),
        json!({"label": long, "scopes": ["usage:read"]}),
        json!({"label": "ok", "scopes": []}),
        json!({"label": "ok", "scopes": ["admin:all"]}),
        json!({"label": "ok"}),
        json!({"label": "ok", "scopes": ["usage:read"], "owner": "me"}),
    ] {
        app.post("/v1/api-keys", &org.owner, body.clone())
            .await
            .expect_error(400, "invalid_request");
    }
    let past = app
        .post(
            "/v1/api-keys",
            &org.owner,
            json!({"label": "ok", "scopes": ["usage:read"], "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await
        .expect_reason(422, "invalid_request", "invalid_fields");
    assert_eq!(past["details"][0]["field"], "expires_at");
    let listed = app.get("/v1/api-keys", &org.owner).await.expect(200);
    assert_eq!(listed["total"], 0);
}

#[actix_web::test]
async fn r_a4_only_the_orgs_owners_and_admins_manage_its_keys() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let (_, id) = create_key(&app, &org.admin, &["usage:read"]).await;
    for token in [&org.member, &org.viewer, &app.platform_admin] {
        app.post(
            "/v1/api-keys",
            token,
            json!({"label": "x", "scopes": ["usage:read"]}),
        )
        .await
        .expect_error(403, "forbidden");
        app.get("/v1/api-keys", token)
            .await
            .expect_error(403, "forbidden");
    }
    for token in [&org.member, &org.viewer] {
        app.delete(&format!("/v1/api-keys/{id}"), token)
            .await
            .expect_error(403, "forbidden");
    }
    for (method, uri) in [("POST", "/v1/api-keys"), ("GET", "/v1/api-keys")] {
        let r = app.call(method, uri, None, Some(json!({}))).await;
        r.expect_error(401, "unauthorized");
    }
    let listed = app.get("/v1/api-keys", &org.owner).await.expect(200);
    assert_eq!(
        listed["items"][0]["revoked_at"],
        Value::Null,
        "nothing revoked"
    );
}

#[actix_web::test]
async fn r_a3_a_key_of_another_org_is_not_found_and_a_revoked_key_is_401() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let other = app.org("GROWTH", "0").await;
    let (key, id) = create_key(&app, &org.owner, &["entitlements:read"]).await;
    app.delete(&format!("/v1/api-keys/{id}"), &other.owner)
        .await
        .expect_error(404, "not_found");
    app.delete(&format!("/v1/api-keys/{}", uuid()), &org.owner)
        .await
        .expect_error(404, "not_found");
    app.delete("/v1/api-keys/not-a-uuid", &org.owner)
        .await
        .expect_error(400, "invalid_request");

    app.send(with_key("GET", "/v1/licenses", &key, None))
        .await
        .expect(200);
    let revoked = app
        .delete(&format!("/v1/api-keys/{id}"), &org.owner)
        .await
        .expect(200);
    assert_timestamp(&revoked["revoked_at"]);
    let again = app
        .delete(&format!("/v1/api-keys/{id}"), &org.owner)
        .await
        .expect(200);
    assert_eq!(
        again["revoked_at"], revoked["revoked_at"],
        "the first revocation stands"
    );
    app.send(with_key("GET", "/v1/licenses", &key, None))
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn r_a3_a_key_acts_with_its_scopes_only_and_never_as_a_user() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let (usage_only, _) = create_key(&app, &org.owner, &["usage:write"]).await;
    let denied = app
        .send(with_key("GET", "/v1/licenses", &usage_only, None))
        .await
        .expect_reason(403, "forbidden", "missing_scope");
    assert_eq!(denied["details"][0]["scope"], "entitlements:read");
    app.send(with_key(
        "POST",
        "/v1/licenses/validate",
        &usage_only,
        Some(&json!({"key": "anything"})),
    ))
    .await
    .expect_reason(403, "forbidden", "missing_scope");
    // Bearer-only endpoints refuse a key, whatever its scopes: a key has no user.
    let (all, _) = create_key(
        &app,
        &org.owner,
        &[
            "usage:write",
            "usage:read",
            "entitlements:read",
            "licenses:validate",
        ],
    )
    .await;
    for (method, uri) in [
        ("GET", "/v1/api-keys"),
        ("GET", "/v1/entitlements"),
        ("GET", "/v1/cart"),
    ] {
        app.send(with_key(method, uri, &all, None))
            .await
            .expect_error(401, "unauthorized");
    }
    // An unknown scheme is refused by every endpoint.
    let r = app
        .send(
            request("GET", "/v1/licenses", None, None)
                .insert_header(("Authorization", format!("Basic {all}"))),
        )
        .await;
    r.expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn r_a3_a_keys_last_use_is_recorded_off_the_request() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let (key, _) = create_key(&app, &org.owner, &["entitlements:read"]).await;
    app.send(with_key("GET", "/v1/licenses", &key, None))
        .await
        .expect(200);
    // Written by a background task: wait for it, a second at most.
    let mut last_used = Value::Null;
    for _ in 0..50 {
        let listed = app.get("/v1/api-keys", &org.owner).await.expect(200);
        last_used = listed["items"][0]["last_used_at"].clone();
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_timestamp(&last_used);
}

/// A key store that counts its calls and fails every one of them.
#[derive(Default)]
struct FailingKeys(AtomicUsize);

#[async_trait]
impl ApiKeyRepository for FailingKeys {
    async fn insert(&self, _: &ApiKey, _: &KeyDigest) -> Result<(), RepoError> {
        self.fail()
    }
    async fn list(&self, _: OrgId, _: PageRequest) -> Result<Page<ApiKey>, RepoError> {
        self.fail()
    }
    async fn revoke(
        &self,
        _: OrgId,
        _: ApiKeyId,
        _: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, RepoError> {
        self.fail()
    }
    async fn find_by_digest(&self, _: &KeyDigest) -> Result<Option<ApiKey>, RepoError> {
        self.fail()
    }
    async fn touch(&self, _: OrgId, _: ApiKeyId, _: DateTime<Utc>) -> Result<(), RepoError> {
        self.fail()
    }
    async fn replace_digest(&self, _: OrgId, _: ApiKeyId, _: &KeyDigest) -> Result<(), RepoError> {
        self.fail()
    }
}

impl FailingKeys {
    fn fail<T>(&self) -> Result<T, RepoError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(RepoError::Unavailable("the key store is down".into()))
    }
}

#[actix_web::test]
async fn r_a2_a_mistyped_key_is_refused_before_any_read() {
    let keys = Arc::new(FailingKeys::default());
    let store = keys.clone();
    let app = spawn_app_with(move |ports| ports.api_keys = store).await;
    // A well-formed key: its checksum holds, so it is looked up (and the store fails).
    let good = "mk_test_".to_owned() + &"0".repeat(32);
    let well_formed = format!("{good}{}", checksum_of(&good));
    let r = app
        .send(with_key("GET", "/v1/licenses", &well_formed, None))
        .await;
    assert_eq!(r.status.as_u16(), 500, "{}", r.text());
    assert_eq!(keys.0.load(Ordering::SeqCst), 1, "one lookup");
    // Each typo of it (one character changed, or one dropped) is refused unread.
    let mut typos = vec![well_formed[..well_formed.len() - 1].to_owned()];
    for i in [8, 20, 39, 40, 45] {
        let mut chars: Vec<char> = well_formed.chars().collect();
        chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        typos.push(chars.into_iter().collect());
    }
    typos.push("mk_live_".to_owned() + &well_formed[8..]);
    typos.push("not a key at all".to_owned());
    for typo in typos {
        let r = app.send(with_key("GET", "/v1/licenses", &typo, None)).await;
        let body = r.expect(401);
        assert_error_shape(&body, "unauthorized");
    }
    assert_eq!(
        keys.0.load(Ordering::SeqCst),
        1,
        "no typo reached the store"
    );
}

/// R-A2's checksum: CRC32 of the text before it, as six base62 characters.
fn checksum_of(text: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut crc = !0_u32;
    for b in text.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut n = !crc;
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap()
}
