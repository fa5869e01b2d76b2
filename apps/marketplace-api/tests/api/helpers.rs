//! The test harness: the real wiring (SQLite in memory, migrations, seed catalog, offline
//! payments) behind actix's test service, tokens for every kind of caller, and shortcuts
//! for the calls most tests repeat.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::{App, test as atest, web};
use marketplace_api::auth::TokenKeys;
use marketplace_api::rate_limit::{Limits, RateLimiter};
use marketplace_api::routes::webhooks::WebhookSecret;
use marketplace_api::state::{Ports, Services};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_sea_orm::Database;
use marketplace_stripe::OfflineGateway;
use serde_json::{Value, json};
use uuid::Uuid;

pub const SECRET: &str = "test-secret-test-secret-test-secret";
pub const ISSUER: &str = "marketplace-test";

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status, returning the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an error answer: status, the `{"error": {code, message}}` shape and the code.
    /// Returns the `error` object.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        assert_error_shape(&body, code);
        body["error"].clone()
    }

    /// As [`Resp::expect_error`], also checking the `reason` sub-code.
    #[track_caller]
    pub fn expect_reason(&self, status: u16, code: &str, reason: &str) -> Value {
        let error = self.expect_error(status, code);
        assert_eq!(error["reason"], reason, "reason of {error}");
        error
    }
}

/// `{"error": {"code": code, "message": "<non-empty>", ...}}` and nothing else at the top.
#[track_caller]
pub fn assert_error_shape(body: &Value, code: &str) {
    let obj = body
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {body}"));
    assert_eq!(obj.len(), 1, "only `error` at the top: {body}");
    let error = &body["error"];
    assert_eq!(error["code"], code, "error code of {body}");
    let message = error["message"]
        .as_str()
        .unwrap_or_else(|| panic!("message must be a string: {body}"));
    assert!(!message.is_empty(), "empty message: {body}");
    if let Some(details) = error.get("details") {
        assert!(details.is_array(), "details must be an array: {body}");
    }
}

/// The members of one org, each with a token.
#[derive(Clone, Debug)]
pub struct Org {
    pub id: Uuid,
    pub owner: String,
    pub admin: String,
    pub member: String,
    pub viewer: String,
    pub owner_user: Uuid,
}

/// The app under test.
pub struct TestApp<S> {
    pub svc: S,
    pub keys: TokenKeys,
    /// A platform ADMIN (catalog admin), in a staff org of its own.
    pub platform_admin: String,
    /// A platform MODERATOR.
    pub moderator: String,
}

/// A fresh app on its own in-memory database.
pub async fn spawn_app() -> TestApp<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    spawn_app_with(|_| {}).await
}

/// A fresh in-memory database with the schema and the seed catalog.
pub async fn database() -> Database {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    marketplace_migrations::seed_catalog(db.connection())
        .await
        .unwrap();
    db
}

/// As [`spawn_app`], letting the test replace ports (failing stubs).
pub async fn spawn_app_with(
    change: impl FnOnce(&mut Ports),
) -> TestApp<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    spawn_app_limited(change, Limits::DEFAULT).await
}

/// As [`spawn_app_with`], under `limits` (R-T7).
pub async fn spawn_app_limited(
    change: impl FnOnce(&mut Ports),
    limits: Limits,
) -> TestApp<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let db = database().await;
    let mut ports = marketplace_api::runtime::ports(&db, Arc::new(OfflineGateway::new()));
    change(&mut ports);
    let services = Services::new(ports);
    let keys = TokenKeys::new(SECRET, ISSUER);
    let svc = atest::init_service(App::new().configure(marketplace_api::app::configure_with(
        services,
        keys.clone(),
        WebhookSecret(None),
        web::Data::new(RateLimiter::new(limits)),
    )))
    .await;
    let staff = Uuid::new_v4();
    let platform_admin = mint(
        &keys,
        Uuid::new_v4(),
        staff,
        OrgRole::Member,
        PlatformRole::Admin,
    );
    let moderator = mint(
        &keys,
        Uuid::new_v4(),
        staff,
        OrgRole::Member,
        PlatformRole::Moderator,
    );
    TestApp {
        svc,
        keys,
        platform_admin,
        moderator,
    }
}

/// A token signed by `keys`.
pub fn mint(
    keys: &TokenKeys,
    user: Uuid,
    org: Uuid,
    org_role: OrgRole,
    platform_role: PlatformRole,
) -> String {
    keys.issue(
        &Actor {
            user_id: UserId::from_uuid(user),
            org_id: OrgId::from_uuid(org),
            org_role,
            platform_role,
        },
        chrono::Duration::hours(1),
    )
    .unwrap()
}

/// A fresh org id with a user of each role (the org itself is provisioned on first use).
pub fn org_members(keys: &TokenKeys) -> Org {
    let id = Uuid::new_v4();
    let owner_user = Uuid::new_v4();
    let user = |u: Uuid, role: OrgRole| mint(keys, u, id, role, PlatformRole::User);
    Org {
        id,
        owner: user(owner_user, OrgRole::Owner),
        admin: user(Uuid::new_v4(), OrgRole::Admin),
        member: user(Uuid::new_v4(), OrgRole::Member),
        viewer: user(Uuid::new_v4(), OrgRole::Viewer),
        owner_user,
    }
}

/// Builds a request with an optional bearer token and JSON body.
pub fn request(
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> atest::TestRequest {
    let mut req = match method {
        "GET" => atest::TestRequest::get(),
        "POST" => atest::TestRequest::post(),
        "PUT" => atest::TestRequest::put(),
        "PATCH" => atest::TestRequest::patch(),
        "DELETE" => atest::TestRequest::delete(),
        other => panic!("method {other}"),
    }
    .uri(uri);
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    if let Some(b) = body {
        req = req.set_json(b);
    }
    req
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Sends a request and reads the whole answer.
    pub async fn send(&self, req: atest::TestRequest) -> Resp {
        let resp = atest::call_service(&self.svc, req.to_request()).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = atest::read_body(resp).await.to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.send(request(method, uri, token, body.as_ref())).await
    }

    pub async fn get(&self, uri: &str, token: &str) -> Resp {
        self.call("GET", uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> Resp {
        self.call("POST", uri, Some(token), Some(body)).await
    }

    /// A POST without a body.
    pub async fn post_empty(&self, uri: &str, token: &str) -> Resp {
        self.call("POST", uri, Some(token), None).await
    }

    pub async fn put(&self, uri: &str, token: &str, body: Value) -> Resp {
        self.call("PUT", uri, Some(token), Some(body)).await
    }

    pub async fn patch(&self, uri: &str, token: &str, body: Value) -> Resp {
        self.call("PATCH", uri, Some(token), Some(body)).await
    }

    pub async fn delete(&self, uri: &str, token: &str) -> Resp {
        self.call("DELETE", uri, Some(token), None).await
    }

    /// A new org, known to the platform with `tier` and `credits` (USD, "0" for none).
    pub async fn org(&self, tier: &str, credits: &str) -> Org {
        let org = org_members(&self.keys);
        self.set_tier(org.id, tier).await;
        if credits != "0" {
            self.grant_credits(org.id, credits).await;
        }
        org
    }

    /// PUT /v1/admin/orgs/{id} as the platform admin.
    pub async fn set_tier(&self, org: Uuid, tier: &str) -> Value {
        self.put(
            &format!("/v1/admin/orgs/{org}"),
            &self.platform_admin.clone(),
            json!({"name": format!("Org {tier}"), "tier": tier}),
        )
        .await
        .expect(200)
    }

    /// POST /v1/admin/orgs/{id}/credits as the platform admin.
    pub async fn grant_credits(&self, org: Uuid, amount: &str) -> Value {
        self.post(
            &format!("/v1/admin/orgs/{org}/credits"),
            &self.platform_admin.clone(),
            json!({"amount": {"amount": amount, "currency": "USD"}}),
        )
        .await
        .expect(200)
    }

    /// The seed tool called `name`, found through GET /v1/tools?search=…
    pub async fn tool(&self, name: &str) -> Value {
        let q: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let page = self
            .get(
                &format!("/v1/tools?search={q}&status=ACTIVE,BETA,DEPRECATED,COMING_SOON,DISABLED&limit=100"),
                &self.platform_admin.clone(),
            )
            .await
            .expect(200);
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no tool named {name:?} in {page}"))
            .clone()
    }

    /// The id of the seed tool `name`.
    pub async fn tool_id(&self, name: &str) -> String {
        self.tool(name).await["id"].as_str().unwrap().to_owned()
    }

    /// The seed bundle called `name`.
    pub async fn bundle(&self, name: &str) -> Value {
        let page = self
            .get("/v1/bundles?limit=100", &self.platform_admin.clone())
            .await
            .expect(200);
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("no bundle named {name:?} in {page}"))
            .clone()
    }

    pub async fn bundle_id(&self, name: &str) -> String {
        self.bundle(name).await["id"].as_str().unwrap().to_owned()
    }

    /// POST /v1/cart/items.
    pub async fn add(&self, token: &str, item_type: &str, id: &str) -> Resp {
        self.post(
            "/v1/cart/items",
            token,
            json!({"item_type": item_type, "item_id": id}),
        )
        .await
    }

    /// POST /v1/checkout with an Idempotency-Key.
    pub async fn checkout(&self, token: &str, key: &str, method: &str) -> Resp {
        self.send(
            request(
                "POST",
                "/v1/checkout",
                Some(token),
                Some(&json!({"payment_method": method})),
            )
            .insert_header(("Idempotency-Key", key)),
        )
        .await
    }

    /// Adds the items and checks out, asserting a 201; returns the order.
    pub async fn buy(&self, token: &str, items: &[(&str, &str)], method: &str) -> Value {
        for (kind, id) in items {
            let r = self.add(token, kind, id).await;
            assert!(
                r.status == StatusCode::CREATED || r.status == StatusCode::OK,
                "add {kind} {id}: {} {}",
                r.status,
                r.text()
            );
        }
        self.checkout(token, &Uuid::new_v4().to_string(), method)
            .await
            .expect(201)
    }

    /// The org's purchases, as its owner sees them.
    pub async fn purchases(&self, org: &Org) -> Vec<Value> {
        self.get("/v1/purchases", &org.owner).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Everything an org's owner can read about the org: cart, orders, purchases,
    /// entitlements, figures and (through the admin) the org itself. Two equal snapshots
    /// mean a request changed nothing.
    pub async fn snapshot(&self, org: &Org) -> Value {
        let cart = self.get("/v1/cart", &org.owner).await.expect(200);
        let member_cart = self.get("/v1/cart", &org.member).await.expect(200);
        let orders = self
            .get("/v1/orders?limit=100", &org.owner)
            .await
            .expect(200);
        let purchases = self.get("/v1/purchases", &org.owner).await.expect(200)["items"].clone();
        let entitlements =
            self.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
        let stats = self.get("/v1/stats", &org.owner).await.expect(200);
        json!({
            "cart": cart,
            "member_cart": member_cart,
            "orders": orders,
            "purchases": purchases,
            "entitlements": entitlements,
            "stats": stats,
        })
    }

    /// The moderation queue (any status) as the moderator sees it.
    pub async fn moderation(&self) -> Value {
        self.get("/v1/moderation/reviews?limit=100", &self.moderator.clone())
            .await
            .expect(200)
    }
}

/// Asserts a money value: `{"amount": amount, "currency": "USD"}` with string fields.
#[track_caller]
pub fn assert_money(v: &Value, amount: &str) {
    assert_eq!(v, &json!({"amount": amount, "currency": "USD"}), "money");
}

/// Asserts the list envelope and returns its items.
#[track_caller]
pub fn assert_list(v: &Value, total: u64, limit: u64, offset: u64) -> Vec<Value> {
    assert_eq!(v["total"], total, "total of {v}");
    assert_eq!(v["limit"], limit, "limit");
    assert_eq!(v["offset"], offset, "offset");
    let items = v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {v}"));
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["items", "limit", "offset", "total"]
    );
    items.clone()
}

/// Asserts a string field is an RFC 3339 timestamp.
#[track_caller]
pub fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
}

/// A random UUID as a string.
pub fn uuid() -> String {
    Uuid::new_v4().to_string()
}
