//! Sellers publish, over HTTP on the real wiring (SQLite in memory, the seed catalog):
//! registration (R-G1), drafts and the automated checks (R-G2), moderation and the
//! re-review rule (R-G3), the dashboard (R-G4) and opt-in (R-G5). A seller never sees or
//! edits another seller's listings (404); a rejected listing changes nothing public.

use serde_json::{Value, json};

use crate::helpers::{Org, TestApp, spawn_app};

fn registration(name: &str) -> Value {
    json!({
        "display_name": name,
        "description": "Tools for agents",
        "website": "https://seller.example.com",
        "support_email": "help@seller.example.com",
    })
}

pub fn tool_listing(name: &str, doc_url: &str) -> Value {
    json!({
        "kind": "tool",
        "name": name,
        "description": "Finds comparable sales in seconds",
        "category": "MARKET_INTELLIGENCE",
        "tags": ["comps"],
        "integration_type": "API",
        "required_tier": "FREE",
        "links": {"documentation_url": doc_url},
        "plans": [{
            "code": "STANDARD",
            "name": "Standard",
            "price": {"amount": "40.00", "currency": "USD"},
            "interval": "one_time",
        }],
        "meters": [{"key": "api_calls", "unit": "call"}],
    })
}

/// Registers a GROWTH org as a seller; returns the org.
pub async fn seller<S, B>(app: &TestApp<S>, name: &str) -> Org
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let org = app.org("GROWTH", "0").await;
    app.post("/v1/sellers", &org.owner, registration(name))
        .await
        .expect(201);
    org
}

/// Drafts, submits and has the moderator approve a tool listing; returns the tool id.
pub async fn published_tool<S, B>(app: &TestApp<S>, org: &Org, name: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let draft = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            tool_listing(name, "https://docs.example.com/x"),
        )
        .await
        .expect(201);
    let id = draft["id"].as_str().unwrap().to_owned();
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    let decided = app
        .post(
            &format!("/v1/moderation/listings/{id}"),
            &app.moderator.clone(),
            json!({"decision": "approve", "notes": "Welcome"}),
        )
        .await
        .expect(200);
    assert_eq!(decided["status"], "published", "{decided}");
    decided["published"]["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn r_g1_an_org_registers_as_a_seller_once_by_its_owner_or_admin() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    app.post("/v1/sellers", &org.member, registration("Brightlane"))
        .await
        .expect_error(403, "forbidden");
    app.get("/v1/sellers/me/profile", &org.owner)
        .await
        .expect_error(404, "not_found");
    let bad = app
        .post(
            "/v1/sellers",
            &org.owner,
            json!({"display_name": "B", "website": "http://x.example.com", "support_email": "nope"}),
        )
        .await
        .expect_reason(422, "invalid_request", "invalid_fields");
    let fields: Vec<&str> = bad["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["website", "support_email"]);
    let profile = app
        .post("/v1/sellers", &org.admin, registration("Brightlane"))
        .await
        .expect(201);
    assert_eq!(profile["display_name"], "Brightlane");
    // The seller exists for the existing seller endpoints too (onboarding follows there).
    let me = app.get("/v1/sellers/me", &org.viewer).await.expect(200);
    assert_eq!(me["id"], profile["seller_id"]);
    app.post("/v1/sellers", &org.owner, registration("Again"))
        .await
        .expect_reason(409, "conflict", "already_a_seller");
}

#[actix_web::test]
async fn r_g2_submission_runs_the_checks_and_answers_422_with_one_error_per_failure() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let mut body = tool_listing("Comp Finder Pro", "http://docs.example.com");
    body["plans"][0]["price"]["amount"] = json!("40.001");
    body["description"] = json!("");
    let draft = app
        .post("/v1/sellers/me/listings", &org.owner, body)
        .await
        .expect(201);
    assert_eq!(draft["status"], "draft");
    let id = draft["id"].as_str().unwrap();
    // The checks run without submitting.
    let checks = app
        .post_empty(&format!("/v1/sellers/me/listings/{id}/checks"), &org.member)
        .await
        .expect(200);
    assert_eq!(checks["passed"], false);
    let names: Vec<&str> = checks["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["required_fields", "https_urls", "price_and_plan_rules"],
        "{checks}"
    );
    let err = app
        .post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    let fields: Vec<&str> = err["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["description", "documentation_url", "plans"]);
    let still = app
        .get(&format!("/v1/sellers/me/listings/{id}"), &org.owner)
        .await
        .expect(200);
    assert_eq!(
        still["status"], "draft",
        "a refused submission changes nothing"
    );

    // A name the catalog has is refused too.
    // In another case: names compare without regard to case.
    let seed_name = app.tool("Commission Calculator").await["name"].clone();
    let mut dup = tool_listing("x", "https://docs.example.com");
    dup["name"] = json!(seed_name.as_str().unwrap().to_uppercase());
    let dup = app
        .post("/v1/sellers/me/listings", &org.owner, dup)
        .await
        .expect(201);
    let err = app
        .post_empty(
            &format!(
                "/v1/sellers/me/listings/{}/submit",
                dup["id"].as_str().unwrap()
            ),
            &org.owner,
        )
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    assert_eq!(err["details"][0]["check"], "unique_name");

    // Fixed, it is submitted and waits for a moderator.
    let fixed = app
        .patch(
            &format!("/v1/sellers/me/listings/{id}"),
            &org.owner,
            tool_listing("Comp Finder Pro", "https://docs.example.com"),
        )
        .await
        .expect(200);
    assert_eq!(fixed["status"], "draft");
    let submitted = app
        .post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    assert_eq!(submitted["listing"]["status"], "submitted");
    assert_eq!(submitted["needs_review"], true);
    app.patch(
        &format!("/v1/sellers/me/listings/{id}"),
        &org.owner,
        tool_listing("Comp Finder Pro 2", "https://docs.example.com"),
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
}

#[actix_web::test]
async fn r_g3_approval_publishes_through_the_catalog_and_tells_the_seller() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let queue = app
        .get("/v1/moderation/listings", &app.moderator.clone())
        .await
        .expect(200);
    assert_eq!(queue["total"], 0);
    let tool_id = published_tool(&app, &org, "Comp Finder Pro").await;
    let tool = app
        .get(&format!("/v1/tools/{tool_id}"), &org.member)
        .await
        .expect(200);
    assert_eq!(tool["name"], "Comp Finder Pro");
    assert_eq!(tool["price"]["amount"], "40.00");
    assert_eq!(tool["plans"][0]["code"], "STANDARD");
    let me = app.get("/v1/sellers/me", &org.owner).await.expect(200);
    assert_eq!(tool["seller"], me["id"], "the seller's own tool: {tool}");
    let notices = app
        .get("/v1/sellers/me/notices", &org.viewer)
        .await
        .expect(200);
    assert_eq!(notices["items"][0]["outcome"], "approved");
    assert_eq!(notices["items"][0]["notes"], "Welcome");
    let listings = app
        .get("/v1/sellers/me/listings", &org.viewer)
        .await
        .expect(200);
    assert_eq!(listings["items"][0]["decision"]["outcome"], "approved");
    assert!(listings["items"][0]["decision"]["by"].is_string());
}

#[actix_web::test]
async fn r_g3_a_rejected_listing_changes_nothing_public_and_may_be_revised() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let tools_before = app
        .get("/v1/tools?limit=100", &org.member)
        .await
        .expect(200)["total"]
        .clone();
    let draft = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            tool_listing("Rejected Tool", "https://docs.example.com"),
        )
        .await
        .expect(201);
    let id = draft["id"].as_str().unwrap();
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    let moderator = app.moderator.clone();
    app.post(
        &format!("/v1/moderation/listings/{id}"),
        &org.owner,
        json!({"decision": "approve"}),
    )
    .await
    .expect_error(403, "forbidden");
    app.post(
        &format!("/v1/moderation/listings/{id}"),
        &moderator,
        json!({"decision": "reject"}),
    )
    .await
    .expect_reason(422, "invalid_request", "notes_required");
    let rejected = app
        .post(
            &format!("/v1/moderation/listings/{id}"),
            &moderator,
            json!({"decision": "reject", "notes": "Add a demo link"}),
        )
        .await
        .expect(200);
    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["published"].is_null());
    app.post(
        &format!("/v1/moderation/listings/{id}"),
        &moderator,
        json!({"decision": "approve"}),
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
    let tools_after = app
        .get("/v1/tools?limit=100", &org.member)
        .await
        .expect(200)["total"]
        .clone();
    assert_eq!(tools_before, tools_after, "nothing public changed");
    let search = app
        .get("/v1/tools?search=Rejected%20Tool", &org.member)
        .await
        .expect(200);
    assert_eq!(search["total"], 0);
    let notices = app
        .get("/v1/sellers/me/notices", &org.owner)
        .await
        .expect(200);
    assert_eq!(notices["items"][0]["outcome"], "rejected");
    assert_eq!(notices["items"][0]["notes"], "Add a demo link");
    let revised = app
        .patch(
            &format!("/v1/sellers/me/listings/{id}"),
            &org.owner,
            tool_listing("Rejected Tool", "https://docs.example.com/demo"),
        )
        .await
        .expect(200);
    assert_eq!(revised["status"], "draft");
    app.patch(
        &format!("/v1/sellers/me/listings/{id}"),
        &org.owner,
        json!({"kind": "service", "title": "x", "category": "y", "description": "z",
               "price": {"amount": "1.00", "currency": "USD"}}),
    )
    .await
    .expect_reason(409, "conflict", "kind_fixed");
}

#[actix_web::test]
async fn r_g3_an_edit_of_words_publishes_at_once_and_one_of_plans_or_urls_waits() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let tool_id = published_tool(&app, &org, "Comp Finder Pro").await;
    let words = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            json!({"kind": "edit", "tool_id": tool_id, "description": "Now with maps"}),
        )
        .await
        .expect(201);
    let at_once = app
        .post_empty(
            &format!(
                "/v1/sellers/me/listings/{}/submit",
                words["id"].as_str().unwrap()
            ),
            &org.owner,
        )
        .await
        .expect(200);
    assert_eq!(at_once["needs_review"], false);
    assert_eq!(at_once["listing"]["status"], "published");
    assert_eq!(
        at_once["listing"]["decision"]["outcome"],
        "published_at_once"
    );
    let tool = app
        .get(&format!("/v1/tools/{tool_id}"), &org.member)
        .await
        .expect(200);
    assert_eq!(tool["description"], "Now with maps");

    let urls = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            json!({"kind": "edit", "tool_id": tool_id,
                   "links": {"support_url": "https://help.example.com"}}),
        )
        .await
        .expect(201);
    let waits = app
        .post_empty(
            &format!(
                "/v1/sellers/me/listings/{}/submit",
                urls["id"].as_str().unwrap()
            ),
            &org.owner,
        )
        .await
        .expect(200);
    assert_eq!(waits["needs_review"], true);
    assert_eq!(waits["listing"]["status"], "submitted");
    assert_eq!(waits["changes"][0]["field"], "support_url");
    let queue = app
        .get("/v1/moderation/listings", &app.moderator.clone())
        .await
        .expect(200);
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["org_id"], org.id.to_string());
}

#[actix_web::test]
async fn r_g2_a_seller_never_sees_or_edits_another_sellers_listings() {
    let app = spawn_app().await;
    let a = seller(&app, "Seller A").await;
    let b = seller(&app, "Seller B").await;
    let draft = app
        .post(
            "/v1/sellers/me/listings",
            &a.owner,
            tool_listing("A's Tool", "https://docs.example.com"),
        )
        .await
        .expect(201);
    let id = draft["id"].as_str().unwrap();
    app.get(&format!("/v1/sellers/me/listings/{id}"), &b.owner)
        .await
        .expect_error(404, "not_found");
    app.patch(
        &format!("/v1/sellers/me/listings/{id}"),
        &b.owner,
        tool_listing("Taken over", "https://docs.example.com"),
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/checks"), &b.owner)
        .await
        .expect_error(404, "not_found");
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &b.owner)
        .await
        .expect_error(404, "not_found");
    let listings = app
        .get("/v1/sellers/me/listings", &b.owner)
        .await
        .expect(200);
    assert_eq!(listings["total"], 0);
    // A buyer org that is no seller has no listings at all.
    let buyer = app.org("GROWTH", "0").await;
    app.get("/v1/sellers/me/listings", &buyer.owner)
        .await
        .expect_error(404, "not_found");
    app.get(&format!("/v1/sellers/me/listings/{id}"), &buyer.owner)
        .await
        .expect_error(404, "not_found");
    // A's listing is untouched.
    let mine = app
        .get(&format!("/v1/sellers/me/listings/{id}"), &a.owner)
        .await
        .expect(200);
    assert_eq!(mine["title"], "A's Tool");
    assert_eq!(mine["status"], "draft");
    // Another seller's tool in one's own bundle or version is a failed check.
    let a_tool = published_tool(&app, &a, "A Tool Published").await;
    let theirs = app
        .post(
            "/v1/sellers/me/listings",
            &b.owner,
            json!({"kind": "version", "tool_id": a_tool, "version": "9.0.0"}),
        )
        .await
        .expect(201);
    let err = app
        .post_empty(
            &format!(
                "/v1/sellers/me/listings/{}/submit",
                theirs["id"].as_str().unwrap()
            ),
            &b.owner,
        )
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    assert_eq!(err["details"][0]["check"], "own_tools");
}

#[actix_web::test]
async fn r_g2_versions_bundles_and_services_are_listed_checked_and_published() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let first = published_tool(&app, &org, "Comp Finder Pro").await;
    let second = published_tool(&app, &org, "Comp Mapper").await;
    let moderator = app.moderator.clone();
    let submit = |id: String| {
        let app = &app;
        let owner = org.owner.clone();
        async move {
            app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &owner)
                .await
        }
    };
    let new = |body: Value| {
        let app = &app;
        let owner = org.owner.clone();
        async move {
            app.post("/v1/sellers/me/listings", &owner, body)
                .await
                .expect(201)["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };

    // A version with a dependency that exists: reviewed (its first), then published.
    let v1 = new(
        json!({"kind": "version", "tool_id": first, "version": "1.0.0",
        "platform": ">=2.0", "dependencies": [{"tool_id": second, "req": "*"}]}),
    )
    .await;
    assert_eq!(submit(v1.clone()).await.expect(200)["needs_review"], true);
    app.post(
        &format!("/v1/moderation/listings/{v1}"),
        &moderator,
        json!({"decision": "approve"}),
    )
    .await
    .expect(200);
    let versions = app
        .get(&format!("/v1/tools/{first}/versions"), &org.member)
        .await
        .expect(200);
    assert_eq!(versions["items"][0]["version"], "1.0.0", "{versions}");
    // Not greater than the last: refused.
    let again = new(json!({"kind": "version", "tool_id": first, "version": "1.0.0"})).await;
    let err = submit(again)
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    assert_eq!(err["details"][0]["check"], "semver_greater_than_last");
    // Unknown dependency: refused.
    let unknown = new(
        json!({"kind": "version", "tool_id": first, "version": "1.1.0",
        "dependencies": [{"tool_id": crate::helpers::uuid(), "req": "^1"}]}),
    )
    .await;
    let err = submit(unknown)
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    assert_eq!(err["details"][0]["check"], "dependencies_exist");
    // Same dependencies as the last: published at once.
    let same = new(
        json!({"kind": "version", "tool_id": first, "version": "1.1.0",
        "platform": ">=2.0", "dependencies": [{"tool_id": second, "req": "*"}]}),
    )
    .await;
    let done = submit(same).await.expect(200);
    assert_eq!(done["listing"]["status"], "published", "{done}");

    // A bundle of the seller's own tools.
    let bundle = new(
        json!({"kind": "bundle", "name": "Comp Pack", "description": "Both",
        "price": {"amount": "60.00", "currency": "USD"}, "tool_ids": [first, second]}),
    )
    .await;
    submit(bundle.clone()).await.expect(200);
    let approved = app
        .post(
            &format!("/v1/moderation/listings/{bundle}"),
            &moderator,
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    assert_eq!(approved["published"]["type"], "bundle");
    let b = app
        .get(
            &format!(
                "/v1/bundles/{}",
                approved["published"]["id"].as_str().unwrap()
            ),
            &org.member,
        )
        .await
        .expect(200);
    assert_eq!(b["price"]["amount"], "60.00");

    // A service (seed 004): its checks, then moderation; the seller is a provider (R-X1).
    app.put(
        "/v1/sellers/me/provider",
        &org.owner,
        json!({"business_name": "Brightlane Studio", "description": "Listing photos",
            "location": "Austin", "payment_mode": "STRIPE_CONNECT"}),
    )
    .await
    .expect(200);
    let bad = new(
        json!({"kind": "service", "title": "", "category": "Photography",
        "description": "Photos", "price": {"amount": "0.00", "currency": "USD"}}),
    )
    .await;
    let err = submit(bad)
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    let fields: Vec<&str> = err["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "price"]);
    let service = new(json!({"kind": "service", "title": "Listing photos",
        "category": "Photography", "description": "Twenty edited photos",
        "price": {"amount": "250.00", "currency": "USD"}, "allow_quotes": true}))
    .await;
    submit(service.clone()).await.expect(200);
    let approved = app
        .post(
            &format!("/v1/moderation/listings/{service}"),
            &moderator,
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    assert_eq!(approved["published"]["type"], "service");
}

#[actix_web::test]
async fn r_g5_opting_out_hides_items_from_new_buyers_and_holders_keep_them() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let tool = published_tool(&app, &org, "Comp Finder Pro").await;
    let holder = app.org("GROWTH", "100.00").await;
    app.buy(&holder.owner, &[("tool", &tool)], "platform_credits")
        .await;
    let opt = app
        .get("/v1/sellers/me/opt-in", &org.owner)
        .await
        .expect(200);
    assert_eq!(opt, json!({"enabled": true, "products": []}));
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": true, "products": [{"product": crate::helpers::uuid(), "enabled": false}]}),
    )
    .await
    .expect_reason(422, "invalid_request", "invalid_fields");
    app.put(
        "/v1/sellers/me/opt-in",
        &org.member,
        json!({"enabled": false}),
    )
    .await
    .expect_error(403, "forbidden");
    let out = app
        .put(
            "/v1/sellers/me/opt-in",
            &org.owner,
            json!({"enabled": true, "products": [{"product": tool, "enabled": false}]}),
        )
        .await
        .expect(200);
    assert_eq!(out["products"][0]["enabled"], false);
    let newcomer = app.org("GROWTH", "100.00").await;
    app.add(&newcomer.owner, "tool", &tool)
        .await
        .expect_error(404, "not_found");
    // A cart that took it before the seller opted out cannot buy it either.
    let early = app.org("GROWTH", "100.00").await;
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": true, "products": []}),
    )
    .await
    .expect(200);
    app.add(&early.owner, "tool", &tool).await.expect(201);
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    app.checkout(&early.owner, "opted-out", "platform_credits")
        .await
        .expect_reason(422, "invalid_request", "item_unavailable");
    assert!(app.purchases(&early).await.is_empty(), "nothing bought");
    let held = app.get("/v1/entitlements", &holder.owner).await.expect(200);
    assert!(
        held["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["tool_id"] == tool.as_str()),
        "the holder keeps it: {held}"
    );
    // Opting back in offers it again.
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": true, "products": []}),
    )
    .await
    .expect(200);
    app.add(&newcomer.owner, "tool", &tool).await.expect(201);
    // Globally out: every item.
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    let third = app.org("GROWTH", "0").await;
    app.add(&third.owner, "tool", &tool)
        .await
        .expect_error(404, "not_found");
}

#[actix_web::test]
async fn r_g4_the_dashboard_shows_listings_sales_revenue_and_ratings() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let tool = published_tool(&app, &org, "Comp Finder Pro").await;
    app.post(
        "/v1/sellers/me/listings",
        &org.owner,
        tool_listing("Next Tool", "https://docs.example.com"),
    )
    .await
    .expect(201);
    let buyer = app.org("GROWTH", "100.00").await;
    app.buy(&buyer.owner, &[("tool", &tool)], "platform_credits")
        .await;
    // A first version, approved, installed by the buyer: one successful attempt.
    app.put(
        &format!("/v1/admin/orgs/{}", buyer.id),
        &app.platform_admin.clone(),
        json!({"name": "Buyer", "tier": "GROWTH", "platform_version": "5.0.0"}),
    )
    .await
    .expect(200);
    let v = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            json!({"kind": "version", "tool_id": tool, "version": "1.0.0"}),
        )
        .await
        .expect(201);
    let v = v["id"].as_str().unwrap();
    app.post_empty(&format!("/v1/sellers/me/listings/{v}/submit"), &org.owner)
        .await
        .expect(200);
    app.post(
        &format!("/v1/moderation/listings/{v}"),
        &app.moderator.clone(),
        json!({"decision": "approve"}),
    )
    .await
    .expect(200);
    app.post(
        "/v1/installations/apply",
        &buyer.owner,
        json!({"install": [{"tool_id": tool}]}),
    )
    .await
    .expect(201);
    let d = app
        .get("/v1/sellers/me/dashboard", &org.viewer)
        .await
        .expect(200);
    assert_eq!(d["listings"]["published"], 2, "{d}");
    assert_eq!(d["listings"]["draft"], 1);
    let months = d["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let this = months.last().unwrap();
    assert_eq!(this["units"], 1, "{d}");
    assert_eq!(this["gross"]["amount"], "40.00");
    assert_eq!(this["fees"]["amount"], "2.00", "the default 5%");
    assert_eq!(this["net"]["amount"], "38.00");
    let t = &d["tools"][0];
    assert_eq!(t["tool_id"], tool.as_str());
    assert_eq!(t["purchase_count"], 1);
    assert!(t["avg_rating"].is_null());
    assert_eq!(
        t["install_success"],
        json!({"succeeded": 1, "attempts": 1, "percent": 100})
    );
    let buyer_view = app.get("/v1/sellers/me/dashboard", &buyer.owner).await;
    buyer_view.expect_error(404, "not_found");
}

#[actix_web::test]
async fn r_g3_the_decision_and_the_diff_are_kept_in_the_audit_trail() {
    let audit = std::sync::Arc::new(marketplace_testkit::fakes::RecordingAuditLog::default());
    let recorder = audit.clone();
    let app = crate::helpers::spawn_app_with(move |ports| ports.audit = recorder).await;
    let org = seller(&app, "Brightlane").await;
    let tool = published_tool(&app, &org, "Comp Finder Pro").await;
    let edit = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            json!({"kind": "edit", "tool_id": tool, "description": "Maps",
                   "integration_type": "WEBHOOK"}),
        )
        .await
        .expect(201);
    let id = edit["id"].as_str().unwrap();
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    app.post(
        &format!("/v1/moderation/listings/{id}"),
        &app.moderator.clone(),
        json!({"decision": "reject", "notes": "Webhooks need a signing secret"}),
    )
    .await
    .expect(200);
    let events = audit.events();
    let approved = events
        .iter()
        .find(|e| e.action == "listing.approved")
        .expect("the approval is audited");
    assert!(
        approved
            .details
            .contains(&("outcome", "APPROVED".to_owned()))
    );
    assert!(
        approved
            .details
            .contains(&("changes", "a new item".to_owned()))
    );
    let rejected = events
        .iter()
        .find(|e| e.action == "listing.rejected" && e.subject_id.to_string() == id)
        .expect("the rejection is audited");
    assert!(
        rejected
            .details
            .contains(&("outcome", "REJECTED".to_owned()))
    );
    assert!(
        rejected
            .details
            .contains(&("notes", "Webhooks need a signing secret".to_owned()))
    );
    assert!(
        rejected.details.contains(&(
            "changes",
            "description, integration_type (review)".to_owned()
        )),
        "{:?}",
        rejected.details
    );
    assert!(
        events.iter().any(|e| e.action == "tool.created"),
        "published through the catalog"
    );
}

#[actix_web::test]
async fn the_demo_seller_has_a_draft_and_a_submitted_listing_once() {
    use marketplace_api::demo;
    use marketplace_api::state::Services;
    use marketplace_domain::access::PlatformRole;
    use marketplace_domain::paging::PageRequest;
    use marketplace_listings::ListingStatus;

    let db = crate::helpers::database().await;
    let ports = marketplace_api::runtime::ports(
        &db,
        std::sync::Arc::new(marketplace_stripe::OfflineGateway::new()),
    );
    let services = Services::new(ports.clone());
    demo::provision_listings(&ports.orgs, &services)
        .await
        .unwrap();
    demo::provision_listings(&ports.orgs, &services)
        .await
        .unwrap();
    let listings = services.listings.list(&demo::seller_owner()).await.unwrap();
    let mut states: Vec<ListingStatus> = listings.iter().map(|l| l.status()).collect();
    states.sort_by_key(|s| s.as_str());
    assert_eq!(states, [ListingStatus::Draft, ListingStatus::Submitted]);
    let queue = services
        .listings
        .queue(
            &demo::platform_actor(PlatformRole::Moderator),
            None,
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(queue.total, 1, "the submitted one waits for a moderator");
    // The draft passes its checks: the guide submits it.
    let draft = listings
        .iter()
        .find(|l| l.status() == ListingStatus::Draft)
        .unwrap();
    assert!(
        services
            .listings
            .check(&demo::seller_owner(), draft.id())
            .await
            .unwrap()
            .is_empty()
    );
}

#[actix_web::test]
async fn r_g3_a_moderator_publishes_a_tool_with_every_plan_but_does_not_edit_the_catalog() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let mut body = tool_listing("Comp Finder Teams", "https://docs.example.com/x");
    body["plans"] = json!([
        {"code": "MONTHLY", "name": "Monthly", "price": {"amount": "15.00", "currency": "USD"}, "interval": "month"},
        {"code": "TEAM", "name": "Team", "price": {"amount": "45.00", "currency": "USD"}, "interval": "month"},
        {"code": "YEARLY", "name": "Yearly", "price": {"amount": "150.00", "currency": "USD"}, "interval": "year"},
    ]);
    let draft = app
        .post("/v1/sellers/me/listings", &org.owner, body)
        .await
        .expect(201);
    let id = draft["id"].as_str().unwrap().to_owned();
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    let moderator = app.moderator.clone();
    let decided = app
        .post(
            &format!("/v1/moderation/listings/{id}"),
            &moderator,
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    let tool_id = decided["published"]["id"].as_str().unwrap().to_owned();
    let tool = app
        .get(&format!("/v1/tools/{tool_id}"), &org.member)
        .await
        .expect(200);
    let codes: Vec<&str> = tool["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["MONTHLY", "TEAM", "YEARLY"], "{tool}");
    // Publishing is the moderator's right; editing the catalog is not.
    app.post(
        &format!("/v1/admin/tools/{tool_id}/plans"),
        &moderator,
        json!({"code": "EXTRA", "name": "Extra", "price": {"amount": "5.00", "currency": "USD"}, "interval": "month"}),
    )
    .await
    .expect_error(403, "forbidden");
    let me = app.get("/v1/sellers/me", &org.owner).await.expect(200);
    app.post(
        "/v1/admin/tools",
        &moderator,
        json!({
            "name": "Sneaky", "description": "x", "category": "LEAD_GENERATION", "tags": [],
            "price_model": "FREE", "price": {"amount": "0", "currency": "USD"},
            "required_tier": "FREE", "integration_type": "API", "seller_id": me["id"],
        }),
    )
    .await
    .expect_error(403, "forbidden");
}

/// The ids of a page of `GET /v1/tools` or `/v1/bundles`.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn r_g5_browsing_hides_opted_out_items_from_new_buyers_and_shows_them_to_holders() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let first = published_tool(&app, &org, "Comp Finder Pro").await;
    let second = published_tool(&app, &org, "Comp Mapper Pro").await;
    let draft = app
        .post(
            "/v1/sellers/me/listings",
            &org.owner,
            json!({"kind": "bundle", "name": "Comp Pack", "description": "Both",
            "price": {"amount": "60.00", "currency": "USD"}, "tool_ids": [first, second]}),
        )
        .await
        .expect(201);
    let listing = draft["id"].as_str().unwrap();
    app.post_empty(
        &format!("/v1/sellers/me/listings/{listing}/submit"),
        &org.owner,
    )
    .await
    .expect(200);
    let approved = app
        .post(
            &format!("/v1/moderation/listings/{listing}"),
            &app.moderator.clone(),
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    let bundle = approved["published"]["id"].as_str().unwrap().to_owned();
    let holder = app.org("GROWTH", "100.00").await;
    app.buy(&holder.owner, &[("tool", &first)], "platform_credits")
        .await;
    let newcomer = app.org("GROWTH", "100.00").await;
    let search = "/v1/tools?search=finds%20seconds";
    let category = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == "MARKET_INTELLIGENCE")
            .map_or(0, |c| c["tools"].as_u64().unwrap())
    };
    let counted = category(&app.get("/v1/categories", &newcomer.owner).await.expect(200));
    let found = app.get(search, &newcomer.owner).await.expect(200);
    assert_eq!(ids(&found).len(), 2, "{found}");
    let on_sale = app.get("/v1/bundles", &newcomer.owner).await.expect(200);
    assert!(ids(&on_sale).contains(&bundle));

    // The first tool and the bundle out: gone for the newcomer, lists, search and pages.
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": true, "products": [
            {"product": first, "enabled": false},
            {"product": bundle, "item_type": "bundle", "enabled": false}]}),
    )
    .await
    .expect(200);
    let found = app.get(search, &newcomer.owner).await.expect(200);
    assert_eq!(ids(&found), std::slice::from_ref(&second), "{found}");
    assert_eq!(found["total"], 1);
    let all = app
        .get("/v1/tools?limit=100", &newcomer.owner)
        .await
        .expect(200);
    assert!(!ids(&all).contains(&first));
    app.get(&format!("/v1/tools/{first}"), &newcomer.owner)
        .await
        .expect_error(404, "not_found");
    let on_sale = app.get("/v1/bundles", &newcomer.owner).await.expect(200);
    assert!(!ids(&on_sale).contains(&bundle));
    app.get(&format!("/v1/bundles/{bundle}"), &newcomer.owner)
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        category(&app.get("/v1/categories", &newcomer.owner).await.expect(200)),
        counted - 1
    );
    // The holder still sees the tool it holds, with its plans; not the bundle it does not.
    let held = app
        .get(&format!("/v1/tools/{first}"), &holder.viewer)
        .await
        .expect(200);
    assert_eq!(held["plans"][0]["code"], "STANDARD", "{held}");
    app.get(&format!("/v1/bundles/{bundle}"), &holder.owner)
        .await
        .expect_error(404, "not_found");
    // Its lists are the shop window, the same for everybody.
    let holder_search = app.get(search, &holder.owner).await.expect(200);
    assert_eq!(ids(&holder_search), std::slice::from_ref(&second));
    // The seller's own members and the platform's catalog admins see every item.
    app.get(&format!("/v1/tools/{first}"), &org.viewer)
        .await
        .expect(200);
    app.get(
        &format!("/v1/bundles/{bundle}"),
        &app.platform_admin.clone(),
    )
    .await
    .expect(200);

    // Globally out: every item of the seller.
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    let found = app.get(search, &newcomer.owner).await.expect(200);
    assert!(ids(&found).is_empty(), "{found}");
    app.get(&format!("/v1/tools/{second}"), &newcomer.owner)
        .await
        .expect_error(404, "not_found");
    app.get(&format!("/v1/tools/{first}"), &holder.owner)
        .await
        .expect(200);

    // Back in: offered again, at once.
    app.put(
        "/v1/sellers/me/opt-in",
        &org.owner,
        json!({"enabled": true, "products": []}),
    )
    .await
    .expect(200);
    let found = app.get(search, &newcomer.owner).await.expect(200);
    assert_eq!(ids(&found).len(), 2, "{found}");
    app.get(&format!("/v1/bundles/{bundle}"), &newcomer.owner)
        .await
        .expect(200);
}

#[actix_web::test]
async fn r_g3_a_tool_listing_publishes_its_meters_as_the_meters_endpoint_defines_them() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let mut body = tool_listing("Metered Comps", "https://docs.example.com/metered");
    body["plans"][0]["interval"] = json!("month");
    body["plans"][0]["quotas"] = json!([
        {"meter": "api_calls", "limit": "1000", "hard": false},
        {"meter": "active_users", "limit": "5", "hard": true},
    ]);
    body["meters"] = json!([
        {"key": "api_calls", "unit": "call"},
        {"key": "active_users", "aggregation": "unique_count", "unit": "user",
         "distinct_by": "user_id"},
        {"key": "rows", "aggregation": "sum", "unit": "row"},
    ]);
    // A meter the meters endpoint would refuse fails the listing's checks on `meters`.
    let mut bad = body.clone();
    bad["name"] = json!("Metered Comps Broken");
    bad["meters"][2]["distinct_by"] = json!("user_id");
    let broken = app
        .post("/v1/sellers/me/listings", &org.owner, bad)
        .await
        .expect(201);
    let err = app
        .post_empty(
            &format!(
                "/v1/sellers/me/listings/{}/submit",
                broken["id"].as_str().unwrap()
            ),
            &org.owner,
        )
        .await
        .expect_reason(422, "invalid_request", "checks_failed");
    assert_eq!(err["details"][0]["field"], "meters", "{err}");

    let draft = app
        .post("/v1/sellers/me/listings", &org.owner, body)
        .await
        .expect(201);
    assert_eq!(
        draft["content"]["meters"][0]["aggregation"], "count",
        "{draft}"
    );
    let id = draft["id"].as_str().unwrap();
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    let decided = app
        .post(
            &format!("/v1/moderation/listings/{id}"),
            &app.moderator.clone(),
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    let tool = decided["published"]["id"].as_str().unwrap();
    // Each meter is already defined exactly so: the endpoint answers "unchanged" (200),
    // and refuses another definition under a published key.
    let uri = format!("/v1/admin/tools/{tool}/meters");
    for meter in [
        json!({"key": "api_calls", "aggregation": "count", "unit": "call"}),
        json!({"key": "active_users", "aggregation": "unique_count", "unit": "user",
               "distinct_by": "user_id"}),
        json!({"key": "rows", "aggregation": "sum", "unit": "row"}),
    ] {
        app.post(&uri, &app.platform_admin.clone(), meter.clone())
            .await
            .expect(200);
    }
    app.post(
        &uri,
        &app.platform_admin.clone(),
        json!({"key": "api_calls", "aggregation": "sum", "unit": "call"}),
    )
    .await
    .expect_reason(409, "conflict", "meter_taken");
    let page = app
        .get(&format!("/v1/tools/{tool}"), &org.viewer)
        .await
        .expect(200);
    assert_eq!(
        page["plans"][0]["quotas"][0]["meter"], "api_calls",
        "{page}"
    );
}

#[actix_web::test]
async fn r_g3_an_approved_edit_adds_and_changes_plans_in_one_step_or_not_at_all() {
    let app = spawn_app().await;
    let org = seller(&app, "Brightlane").await;
    let moderator = app.moderator.clone();
    let first = published_tool(&app, &org, "Comp Finder Pro").await;
    let second = published_tool(&app, &org, "Comp Mapper Pro").await;
    let approve = |body: Value| {
        let app = &app;
        let org = &org;
        let moderator = moderator.clone();
        async move {
            let draft = app
                .post("/v1/sellers/me/listings", &org.owner, body)
                .await
                .expect(201);
            let id = draft["id"].as_str().unwrap().to_owned();
            let submitted = app
                .post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
                .await
                .expect(200);
            assert_eq!(submitted["needs_review"], true, "plans are reviewed");
            app.post(
                &format!("/v1/moderation/listings/{id}"),
                &moderator,
                json!({"decision": "approve"}),
            )
            .await
        }
    };
    let plans = |tool: &Value| -> Vec<(String, String, String)> {
        tool["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["code"].as_str().unwrap().to_owned(),
                    p["name"].as_str().unwrap().to_owned(),
                    p["price"]["amount"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };

    // Nobody bought the first tool: its STANDARD plan is renamed and repriced, TEAM added,
    // the tool renamed, all by the one approval.
    let decided = approve(json!({"kind": "edit", "tool_id": first, "name": "Comp Finder Max",
        "plans": [
            {"code": "STANDARD", "name": "Standard+", "price": {"amount": "45.00", "currency": "USD"},
             "interval": "one_time"},
            {"code": "TEAM", "name": "Team", "price": {"amount": "90.00", "currency": "USD"},
             "interval": "one_time"},
        ]}))
    .await
    .expect(200);
    assert_eq!(decided["status"], "published", "{decided}");
    let tool = app
        .get(&format!("/v1/tools/{first}"), &org.member)
        .await
        .expect(200);
    assert_eq!(tool["name"], "Comp Finder Max");
    assert_eq!(
        plans(&tool),
        [
            ("STANDARD".into(), "Standard+".into(), "45.00".into()),
            ("TEAM".into(), "Team".into(), "90.00".into()),
        ]
    );

    // A plan in euros beside the second tool's plan in dollars breaks its lineup (R-B1,
    // one currency per item): the whole edit is refused at approval and nothing of it is
    // applied, neither the name nor the plan.
    approve(
        json!({"kind": "edit", "tool_id": second, "name": "Comp Mapper Max",
        "plans": [{"code": "TEAM", "name": "Team", "price": {"amount": "90.00", "currency": "EUR"},
                   "interval": "one_time"}]}),
    )
    .await
    .expect_reason(422, "invalid_request", "publish_refused");
    let tool = app
        .get(&format!("/v1/tools/{second}"), &org.member)
        .await
        .expect(200);
    assert_eq!(tool["name"], "Comp Mapper Pro", "the tool is not renamed");
    assert_eq!(
        plans(&tool),
        [("STANDARD".into(), "Standard".into(), "40.00".into())],
        "no plan added or changed"
    );
}
