//! The error contract across every endpoint: 401s, malformed requests (400), unknown
//! routes (404), provisioning on first use, and 500s that show no internals.

use std::io;
use std::sync::Arc;

use async_trait::async_trait;
use marketplace_api::auth::TokenKeys;
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::catalog::{
    Bundle, BundleStatus, CatalogRepository, CategoryCount, Page, PageRequest, Tool, ToolFilter,
};
use marketplace_domain::ids::{BundleId, OrgId, SellerId, ToolId, UserId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::SellerTerms;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    ISSUER, SECRET, assert_error_shape, request, spawn_app, spawn_app_with, uuid,
};

/// Every authenticated route of the app, with ids filled in and a body where it takes one.
fn endpoints() -> Vec<(&'static str, String, Option<Value>)> {
    let id = uuid();
    vec![
        ("GET", "/v1/tools".into(), None),
        ("GET", format!("/v1/tools/{id}"), None),
        ("GET", "/v1/categories".into(), None),
        ("GET", "/v1/bundles".into(), None),
        ("GET", format!("/v1/bundles/{id}"), None),
        ("GET", "/v1/cart".into(), None),
        (
            "POST",
            "/v1/cart/items".into(),
            Some(json!({"item_type": "tool", "item_id": id})),
        ),
        ("DELETE", format!("/v1/cart/items/tool/{id}"), None),
        ("DELETE", "/v1/cart".into(), None),
        (
            "POST",
            "/v1/checkout".into(),
            Some(json!({"payment_method": "invoice"})),
        ),
        ("GET", "/v1/orders".into(), None),
        ("GET", format!("/v1/orders/{id}"), None),
        ("POST", format!("/v1/orders/{id}/cancel"), None),
        (
            "POST",
            format!("/v1/subscriptions/{id}/change-plan"),
            Some(json!({"plan": "PRO"})),
        ),
        ("GET", "/v1/purchases".into(), None),
        ("POST", format!("/v1/purchases/{id}/cancel"), None),
        ("GET", "/v1/entitlements".into(), None),
        ("GET", "/v1/stats".into(), None),
        ("GET", format!("/v1/tools/{id}/reviews"), None),
        (
            "PUT",
            format!("/v1/tools/{id}/reviews/mine"),
            Some(json!({"rating": 5})),
        ),
        ("DELETE", format!("/v1/tools/{id}/reviews/mine"), None),
        ("POST", format!("/v1/reviews/{id}/helpful"), None),
        (
            "POST",
            format!("/v1/reviews/{id}/flag"),
            Some(json!({"reason": "spam"})),
        ),
        ("GET", "/v1/moderation/reviews".into(), None),
        (
            "POST",
            format!("/v1/moderation/reviews/{id}"),
            Some(json!({"decision": "approve"})),
        ),
        ("POST", "/v1/admin/tools".into(), Some(json!({"name": "x"}))),
        (
            "PATCH",
            format!("/v1/admin/tools/{id}"),
            Some(json!({"price": "1.00"})),
        ),
        (
            "POST",
            "/v1/admin/bundles".into(),
            Some(json!({"name": "x"})),
        ),
        (
            "PATCH",
            format!("/v1/admin/bundles/{id}"),
            Some(json!({"price": "1.00"})),
        ),
        (
            "PUT",
            format!("/v1/admin/orgs/{id}"),
            Some(json!({"name": "x", "tier": "FREE"})),
        ),
        (
            "POST",
            format!("/v1/admin/orgs/{id}/credits"),
            Some(json!({"amount": {"amount": "1.00", "currency": "USD"}})),
        ),
        ("POST", format!("/v1/admin/orders/{id}/mark-paid"), None),
        (
            "POST",
            format!("/v1/admin/purchases/{id}/refund"),
            Some(json!({})),
        ),
        (
            "POST",
            "/v1/sellers".into(),
            Some(json!({"display_name": "x", "support_email": "a@b.co"})),
        ),
        ("GET", "/v1/sellers/me/profile".into(), None),
        (
            "POST",
            "/v1/sellers/me/listings".into(),
            Some(json!({"kind": "service", "price": {"amount": "1.00", "currency": "USD"}})),
        ),
        ("GET", "/v1/sellers/me/listings".into(), None),
        ("GET", format!("/v1/sellers/me/listings/{id}"), None),
        (
            "PATCH",
            format!("/v1/sellers/me/listings/{id}"),
            Some(json!({"kind": "service", "price": {"amount": "1.00", "currency": "USD"}})),
        ),
        ("POST", format!("/v1/sellers/me/listings/{id}/checks"), None),
        ("POST", format!("/v1/sellers/me/listings/{id}/submit"), None),
        ("GET", "/v1/sellers/me/notices".into(), None),
        ("GET", "/v1/sellers/me/dashboard".into(), None),
        ("GET", "/v1/sellers/me/opt-in".into(), None),
        (
            "PUT",
            "/v1/sellers/me/opt-in".into(),
            Some(json!({"enabled": true})),
        ),
        ("GET", "/v1/moderation/listings".into(), None),
        (
            "POST",
            format!("/v1/moderation/listings/{id}"),
            Some(json!({"decision": "approve"})),
        ),
        ("GET", "/v1/services".into(), None),
        ("GET", format!("/v1/services/{id}"), None),
        ("GET", "/v1/sellers/me/provider".into(), None),
        ("GET", "/v1/sellers/me/services".into(), None),
        (
            "POST",
            format!("/v1/sellers/me/services/{id}/archive"),
            None,
        ),
        (
            "PUT",
            "/v1/sellers/me/provider".into(),
            Some(
                json!({"business_name": "x", "description": "x", "location": "x",
                "payment_mode": "STRIPE_CONNECT"}),
            ),
        ),
        // The bodies of these two are optional.
        ("POST", format!("/v1/services/{id}/transactions"), None),
        ("POST", format!("/v1/transactions/{id}/refund"), None),
        ("GET", "/v1/transactions".into(), None),
        ("GET", format!("/v1/transactions/{id}"), None),
        ("POST", format!("/v1/transactions/{id}/invoice"), None),
        (
            "POST",
            format!("/v1/transactions/{id}/pay"),
            Some(json!({"payment_method": "invoice"})),
        ),
        ("POST", format!("/v1/transactions/{id}/mark-paid"), None),
        ("POST", format!("/v1/transactions/{id}/complete"), None),
        ("POST", format!("/v1/transactions/{id}/cancel"), None),
        ("GET", format!("/v1/transactions/{id}/messages"), None),
        (
            "POST",
            format!("/v1/transactions/{id}/messages"),
            Some(json!({"body": "hello"})),
        ),
        (
            "POST",
            format!("/v1/transactions/{id}/rating"),
            Some(json!({"rating": 5})),
        ),
        ("GET", format!("/v1/services/{id}/enquiry"), None),
        (
            "POST",
            format!("/v1/services/{id}/enquiry"),
            Some(json!({"body": "hello"})),
        ),
        ("GET", "/v1/enquiries".into(), None),
        ("GET", format!("/v1/enquiries/{id}/messages"), None),
        (
            "POST",
            format!("/v1/enquiries/{id}/messages"),
            Some(json!({"body": "hello"})),
        ),
        ("GET", "/v1/moderation/ratings".into(), None),
        (
            "POST",
            format!("/v1/moderation/ratings/{id}"),
            Some(json!({"decision": "approve"})),
        ),
    ]
}

fn actor() -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::new_v4()),
        org_id: OrgId::from_uuid(Uuid::new_v4()),
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::SuperAdmin,
    }
}

#[actix_web::test]
async fn every_authenticated_endpoint_answers_401_for_missing_expired_and_forged_tokens() {
    let app = spawn_app().await;
    let keys = TokenKeys::new(SECRET, ISSUER);
    let expired = keys.issue(&actor(), chrono::Duration::hours(-1)).unwrap();
    let forged = TokenKeys::new("another-secret-another-secret-1234", ISSUER)
        .issue(&actor(), chrono::Duration::hours(1))
        .unwrap();
    let foreign = TokenKeys::new(SECRET, "somebody-else")
        .issue(&actor(), chrono::Duration::hours(1))
        .unwrap();
    let valid = keys.issue(&actor(), chrono::Duration::hours(1)).unwrap();
    let headers: Vec<Option<String>> = vec![
        None,
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {forged}")),
        Some(format!("Bearer {foreign}")),
        Some("Bearer not.a.jwt".into()),
        Some("Bearer ".into()),
        Some(format!("Basic {valid}")),
        Some(valid.clone()),
    ];
    for (method, uri, body) in endpoints() {
        for header in &headers {
            let mut req =
                request(method, &uri, None, body.as_ref()).insert_header(("Idempotency-Key", "k"));
            if let Some(h) = header {
                req = req.insert_header(("Authorization", h.as_str()));
            }
            let r = app.send(req).await;
            assert_eq!(
                r.status.as_u16(),
                401,
                "{method} {uri} with {header:?}: {}",
                r.text()
            );
            assert_error_shape(&r.json(), "unauthorized");
        }
    }
}

#[actix_web::test]
async fn every_id_in_a_path_must_be_a_uuid() {
    let app = spawn_app().await;
    for (method, uri, body) in endpoints() {
        if !uri.split('/').any(|s| Uuid::parse_str(s).is_ok()) {
            continue;
        }
        let bad = uri
            .split('/')
            .map(|s| {
                if Uuid::parse_str(s).is_ok() {
                    "12-34"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = app
            .send(request(
                method,
                &bad,
                Some(&app.platform_admin),
                body.as_ref(),
            ))
            .await;
        assert_eq!(r.status.as_u16(), 400, "{method} {bad}: {}", r.text());
        assert_error_shape(&r.json(), "invalid_request");
    }
}

#[actix_web::test]
async fn every_json_body_is_refused_when_malformed_mistyped_empty_or_oversized() {
    let app = spawn_app().await;
    let big = json!({"name": "x".repeat(70 * 1024)}).to_string();
    let org = app.org("ELITE", "1000.00").await;
    let before = app.snapshot(&org).await;
    for (method, uri, body) in endpoints() {
        let Some(body) = body else { continue };
        // The caller may use every endpoint: a platform super admin and org owner.
        let token = crate::helpers::mint(
            &app.keys,
            org.owner_user,
            org.id,
            OrgRole::Owner,
            PlatformRole::SuperAdmin,
        );
        let cases: Vec<(&str, Option<&str>, String)> = vec![
            ("malformed", Some("application/json"), "{\"name\": ".into()),
            (
                "trailing garbage",
                Some("application/json"),
                format!("{body} x"),
            ),
            ("wrong content type", Some("text/plain"), body.to_string()),
            (
                "form content type",
                Some("application/x-www-form-urlencoded"),
                "name=x".into(),
            ),
            ("no content type", None, body.to_string()),
            ("oversized", Some("application/json"), big.clone()),
            ("empty", Some("application/json"), String::new()),
            ("not an object", Some("application/json"), "42".into()),
        ];
        for (what, content_type, payload) in cases {
            if uri.ends_with("/flag") && what == "empty" {
                continue; // The flag body is optional.
            }
            let mut req = request(method, &uri, Some(&token), None)
                .insert_header(("Idempotency-Key", "errors-1"))
                .set_payload(payload);
            if let Some(ct) = content_type {
                req = req.insert_header(("Content-Type", ct));
            }
            let r = app.send(req).await;
            assert_eq!(
                r.status.as_u16(),
                400,
                "{what}: {method} {uri}: {}",
                r.text()
            );
            assert_error_shape(&r.json(), "invalid_request");
        }
    }
    assert_eq!(app.snapshot(&org).await, before);
}

/// An offset the database cannot hold (above 2^63 - 1) is a 400 naming `offset`, never a
/// crash: every listing, whether it pages in SQL or in memory.
#[actix_web::test]
async fn every_paged_list_refuses_an_offset_beyond_the_databases_range() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let token = crate::helpers::mint(
        &app.keys,
        org.owner_user,
        org.id,
        OrgRole::Owner,
        PlatformRole::SuperAdmin,
    );
    let mut paged = 0;
    for (method, uri, _) in endpoints() {
        if method != "GET" {
            continue;
        }
        let r = app
            .get(&format!("{uri}?offset=9223372036854775808"), &token)
            .await;
        assert!(
            r.status.as_u16() < 500,
            "GET {uri}?offset=2^63: {} {}",
            r.status,
            r.text()
        );
        if r.status.as_u16() == 400 && r.json()["error"]["details"][0]["field"] == "offset" {
            paged += 1;
        }
    }
    assert!(paged > 0, "no listing named the offset");
}

#[actix_web::test]
async fn every_query_refuses_unknown_keys() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let token = crate::helpers::mint(
        &app.keys,
        org.owner_user,
        org.id,
        OrgRole::Owner,
        PlatformRole::SuperAdmin,
    );
    let mut accepted = Vec::new();
    for (method, uri, _) in endpoints() {
        if method != "GET" {
            continue;
        }
        let r = app.get(&format!("{uri}?colour=red"), &token).await;
        if r.status.as_u16() != 400 {
            accepted.push(format!("GET {uri}: {}", r.status));
            continue;
        }
        let body = r.json();
        assert_error_shape(&body, "invalid_request");
        assert_eq!(body["error"]["details"][0]["field"], "colour");
    }
    assert!(
        accepted.is_empty(),
        "unknown query keys accepted by {accepted:#?}"
    );
}

#[actix_web::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = spawn_app().await;
    for uri in ["/", "/v1", "/v1/nothing", "/v2/tools", "/v1/tools/x/y/z"] {
        let r = app.call("GET", uri, Some(&app.platform_admin), None).await;
        assert_eq!(r.status.as_u16(), 404, "{uri}");
        let body = r.json();
        assert_error_shape(&body, "not_found");
    }
    // A known path with a method it does not serve.
    for (method, uri) in [
        ("PUT", "/v1/tools"),
        ("DELETE", "/v1/orders"),
        ("POST", "/healthz"),
    ] {
        let r = app.call(method, uri, Some(&app.platform_admin), None).await;
        assert!(
            r.status.as_u16() == 404 || r.status.as_u16() == 405,
            "{method} {uri}: {}",
            r.status
        );
        let body: Value = serde_json::from_slice(&r.body)
            .unwrap_or_else(|_| panic!("{method} {uri}: not JSON: {:?}", r.text()));
        assert!(body["error"]["code"].is_string(), "{method} {uri}: {body}");
    }
}

#[actix_web::test]
async fn an_unknown_org_is_provisioned_on_first_use_as_free() {
    let app = spawn_app().await;
    let org = crate::helpers::org_members(&app.keys);
    let growth_tool = app.tool_id("Lead Scoring Engine").await;
    let cart = app.get("/v1/cart", &org.owner).await.expect(200);
    assert_eq!(cart["lines"], json!([]));
    app.add(&org.owner, "tool", &growth_tool)
        .await
        .expect_reason(403, "forbidden", "tier_too_low");
    // The org exists now: credits can be granted without creating it first.
    let granted = app.grant_credits(org.id, "5.00").await;
    assert_eq!(granted["tier"], "FREE");
    app.set_tier(org.id, "GROWTH").await;
    app.add(&org.owner, "tool", &growth_tool).await.expect(201);
}

#[actix_web::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app.call("GET", "/healthz", None, None).await;
    assert_eq!(r.expect(200), json!({"status": "ok"}));
    let r = app.call("GET", "/readyz", None, None).await;
    assert_eq!(r.expect(200), json!({"status": "ready"}));
}

/// A catalog whose store fails with a message full of internals.
struct FailingCatalog;

fn failure() -> RepoError {
    RepoError::unavailable(io::Error::other(
        "SELECT secret FROM x WHERE password = 'hunter2' at /srv/app/src/catalog.rs:42",
    ))
}

#[async_trait]
impl CatalogRepository for FailingCatalog {
    async fn tool(&self, _: ToolId) -> Result<Option<Tool>, RepoError> {
        Err(failure())
    }
    async fn tools(&self, _: &[ToolId]) -> Result<Vec<Tool>, RepoError> {
        Err(failure())
    }
    async fn bundle(&self, _: BundleId) -> Result<Option<Bundle>, RepoError> {
        Err(failure())
    }
    async fn bundles(&self, _: &[BundleId]) -> Result<Vec<Bundle>, RepoError> {
        Err(failure())
    }
    async fn search_tools(&self, _: &ToolFilter) -> Result<Page<Tool>, RepoError> {
        Err(failure())
    }
    async fn list_bundles(
        &self,
        _: &[BundleStatus],
        _: PageRequest,
    ) -> Result<Page<Bundle>, RepoError> {
        Err(failure())
    }
    async fn category_counts(&self) -> Result<Vec<CategoryCount>, RepoError> {
        Err(failure())
    }
    async fn seller_terms(&self, _: &[SellerId]) -> Result<Vec<SellerTerms>, RepoError> {
        Err(failure())
    }
    async fn insert_tool(&self, _: &Tool) -> Result<(), RepoError> {
        Err(failure())
    }
    async fn update_tool(&self, _: &Tool) -> Result<(), RepoError> {
        Err(failure())
    }
    async fn insert_bundle(&self, _: &Bundle) -> Result<(), RepoError> {
        Err(failure())
    }
    async fn update_bundle(&self, _: &Bundle) -> Result<(), RepoError> {
        Err(failure())
    }
}

#[actix_web::test]
async fn a_500_never_shows_internals() {
    let app = spawn_app_with(|ports| ports.catalog = Arc::new(FailingCatalog)).await;
    let org = crate::helpers::org_members(&app.keys);
    let id = uuid();
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/v1/tools".into(), None),
        ("GET", format!("/v1/tools/{id}"), None),
        ("GET", "/v1/categories".into(), None),
        ("GET", "/v1/bundles".into(), None),
        ("GET", format!("/v1/bundles/{id}"), None),
        ("GET", "/v1/stats".into(), None),
        (
            "POST",
            "/v1/cart/items".into(),
            Some(json!({"item_type": "tool", "item_id": id})),
        ),
        (
            "PATCH",
            format!("/v1/admin/tools/{id}"),
            Some(json!({"price": "1.00"})),
        ),
    ];
    let staff = crate::helpers::mint(
        &app.keys,
        Uuid::new_v4(),
        org.id,
        OrgRole::Owner,
        PlatformRole::Admin,
    );
    for (method, uri, body) in calls {
        let r = app.call(method, &uri, Some(&staff), body).await;
        assert_eq!(r.status.as_u16(), 500, "{method} {uri}: {}", r.text());
        let body = r.json();
        assert_error_shape(&body, "internal_error");
        let text = r.text();
        for secret in [
            "SELECT",
            "secret",
            "hunter2",
            "/srv",
            ".rs",
            "store unavailable",
        ] {
            assert!(
                !text.contains(secret),
                "{method} {uri} leaks {secret:?}: {text}"
            );
        }
        assert!(body["error"].get("details").is_none(), "{text}");
    }
    // The rest of the wiring still works.
    let r = app.call("GET", "/healthz", None, None).await;
    assert_eq!(r.expect(200)["status"], "ok");
}

#[actix_web::test]
async fn a_body_must_be_a_json_object_not_a_positional_array() {
    let app = spawn_app().await;
    let org = app.org("ELITE", "0").await;
    let tool = app.tool_id("Lead Scoring Engine").await;
    let before = app.snapshot(&org).await;
    let err = app
        .post("/v1/cart/items", &org.owner, json!(["tool", tool]))
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(err["details"][0]["field"], "body");
    assert_eq!(app.snapshot(&org).await, before, "nothing changed");
}
