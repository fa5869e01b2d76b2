//! Plans in the catalog (R-B1, R-B2, R-B4): GET /v1/tools/{id} and /v1/bundles/{id} show
//! them; catalog admins add, edit and archive them.

use serde_json::{Value, json};

use crate::helpers::{assert_money, spawn_app, uuid};

fn plans(v: &Value) -> Vec<Value> {
    v["plans"].as_array().expect("a plans array").clone()
}

fn pro_plan() -> Value {
    json!({
        "code": "PRO",
        "name": "Pro",
        "price": {"amount": "199.00", "currency": "USD"},
        "interval": "month",
        "trial_days": 14,
        "quotas": [
            {"meter": "records", "limit": "10000", "hard": false},
            {"meter": "exports", "limit": "50", "hard": true}
        ],
        "overage": [{"meter": "records", "unit_price": {"amount": "0.0025", "currency": "USD"}}]
    })
}

#[actix_web::test]
async fn r_b2_seed_items_show_the_plan_their_price_model_became() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    let tool = app
        .get(&format!("/v1/tools/{id}"), &org.viewer)
        .await
        .expect(200);
    let [plan] = plans(&tool).try_into().unwrap();
    assert_eq!(plan["code"], "STANDARD");
    assert_eq!(plan["name"], "Standard");
    assert_money(&plan["price"], "79.00");
    assert_eq!(
        plan["price"], tool["price"],
        "R-B2: price is the default plan's"
    );
    assert_eq!(plan["interval"], "month");
    assert_eq!(plan["trial_days"], 0);
    assert_eq!(plan["quotas"], json!([]));
    assert_eq!(plan["overage"], json!([]));
    assert_eq!(plan["status"], "active");
    assert_eq!(plan["is_default"], true);
    assert!(plan.get("provider_price_id").is_none());

    let list = app.get("/v1/tools?limit=1", &org.viewer).await.expect(200);
    assert!(
        list["items"][0].get("plans").is_none(),
        "the list stays light"
    );

    let bundle_id = app.bundle_id("Lead Generation Pro").await;
    let bundle = app
        .get(&format!("/v1/bundles/{bundle_id}"), &org.viewer)
        .await
        .expect(200);
    let [plan] = plans(&bundle).try_into().unwrap();
    assert_eq!(plan["code"], "STANDARD");
    assert_eq!(plan["interval"], "one_time");
    assert_eq!(plan["price"], bundle["price"]);
}

#[actix_web::test]
async fn r_b1_an_admin_adds_a_plan_with_quotas_and_buyers_see_it() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    let created = app
        .post(
            &format!("/v1/admin/tools/{id}/plans"),
            &app.platform_admin.clone(),
            pro_plan(),
        )
        .await
        .expect(201);
    assert_eq!(created["code"], "PRO");
    assert_money(&created["price"], "199.00");
    assert_eq!(created["interval"], "month");
    assert_eq!(created["trial_days"], 14);
    assert_eq!(created["quotas"], pro_plan()["quotas"]);
    assert_eq!(created["overage"], pro_plan()["overage"]);
    assert_eq!(created["is_default"], false, "added after STANDARD");

    let tool = app
        .get(&format!("/v1/tools/{id}"), &org.viewer)
        .await
        .expect(200);
    let codes: Vec<&str> = tool["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["STANDARD", "PRO"]);
    assert_eq!(tool["plans"][1], created);
    assert_money(&tool["price"], "79.00");
}

#[actix_web::test]
async fn r_b1_plan_admin_refusals_change_nothing() {
    let app = spawn_app().await;
    let org = app.org("ENTERPRISE", "0").await;
    let admin = app.platform_admin.clone();
    let id = app.tool_id("Lead Scoring Engine").await;
    let uri = format!("/v1/admin/tools/{id}/plans");

    app.call("POST", &uri, None, Some(pro_plan()))
        .await
        .expect_error(401, "unauthorized");
    app.post(&uri, &org.owner, pro_plan())
        .await
        .expect_error(403, "forbidden");
    app.post(
        &format!("/v1/admin/tools/{}/plans", uuid()),
        &admin,
        pro_plan(),
    )
    .await
    .expect_error(404, "not_found");
    app.post("/v1/admin/tools/not-a-uuid/plans", &admin, pro_plan())
        .await
        .expect_error(400, "invalid_request");

    let with = |field: &str, value: Value| {
        let mut body = pro_plan();
        body[field] = value;
        body
    };
    let body = app
        .post(&uri, &admin, with("code", json!("pro")))
        .await
        .expect_reason(422, "invalid_request", "invalid_plan");
    assert_eq!(body["details"][0]["field"], "code");
    app.post(&uri, &admin, with("trial_days", json!(91)))
        .await
        .expect_reason(422, "invalid_request", "invalid_plan");
    let one_time_trial = json!({
        "code": "ONCE", "name": "Once", "price": {"amount": "10.00", "currency": "USD"},
        "interval": "one_time", "trial_days": 7
    });
    app.post(&uri, &admin, one_time_trial).await.expect_reason(
        422,
        "invalid_request",
        "invalid_plan",
    );
    let hard_overage = with(
        "overage",
        json!([{"meter": "exports", "unit_price": {"amount": "1.00", "currency": "USD"}}]),
    );
    app.post(&uri, &admin, hard_overage).await.expect_reason(
        422,
        "invalid_request",
        "invalid_plan",
    );
    app.post(
        &uri,
        &admin,
        with("price", json!({"amount": "1.001", "currency": "USD"})),
    )
    .await
    .expect_reason(422, "invalid_request", "invalid_plan");
    app.post(
        &uri,
        &admin,
        with("price", json!({"amount": "12,00", "currency": "USD"})),
    )
    .await
    .expect_error(400, "invalid_request");
    app.post(&uri, &admin, with("interval", json!("weekly")))
        .await
        .expect_error(400, "invalid_request");
    app.post(&uri, &admin, with("colour", json!("blue")))
        .await
        .expect_error(400, "invalid_request");
    app.post(&uri, &admin, with("code", json!("STANDARD")))
        .await
        .expect_reason(409, "conflict", "duplicate_plan");

    let tool = app
        .get(&format!("/v1/tools/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(plans(&tool).len(), 1, "nothing was added");
}

#[actix_web::test]
async fn r_b1_an_archived_plan_is_no_longer_shown_to_buyers() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let admin = app.platform_admin.clone();
    let id = app.tool_id("Lead Scoring Engine").await;
    app.post(&format!("/v1/admin/tools/{id}/plans"), &admin, pro_plan())
        .await
        .expect(201);
    let uri = format!("/v1/admin/tools/{id}/plans/STANDARD");

    app.patch(&uri, &org.owner, json!({"status": "archived"}))
        .await
        .expect_error(403, "forbidden");
    let repriced = app
        .patch(
            &uri,
            &admin,
            json!({"price": {"amount": "69.00", "currency": "USD"}}),
        )
        .await
        .expect(200);
    assert_money(&repriced["price"], "69.00");
    let archived = app
        .patch(&uri, &admin, json!({"status": "archived"}))
        .await
        .expect(200);
    assert_eq!(archived["status"], "archived");
    assert_eq!(archived["is_default"], false);

    let seen = app
        .get(&format!("/v1/tools/{id}"), &org.viewer)
        .await
        .expect(200);
    let [only] = plans(&seen).try_into().unwrap();
    assert_eq!(only["code"], "PRO");
    assert_eq!(
        only["is_default"], true,
        "the next plan on sale is the default"
    );
    let admin_view = app
        .get(&format!("/v1/tools/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(
        plans(&admin_view).len(),
        2,
        "admins still see the archived plan"
    );

    app.patch(
        &format!("/v1/admin/tools/{id}/plans/GOLD"),
        &admin,
        json!({"status": "archived"}),
    )
    .await
    .expect_error(404, "not_found");
    app.patch(
        &format!("/v1/admin/tools/{id}/plans/gold-plan"),
        &admin,
        json!({"status": "archived"}),
    )
    .await
    .expect_error(400, "invalid_request");
    app.patch(&uri, &admin, json!({"status": "retired"}))
        .await
        .expect_error(400, "invalid_request");
}

#[actix_web::test]
async fn r_b4_a_bundle_never_mixes_intervals() {
    let app = spawn_app().await;
    let admin = app.platform_admin.clone();
    let id = app.bundle_id("Lead Generation Pro").await;
    let monthly = json!({
        "code": "MONTHLY", "name": "Monthly",
        "price": {"amount": "99.00", "currency": "USD"}, "interval": "month"
    });
    app.post(&format!("/v1/admin/bundles/{id}/plans"), &admin, monthly)
        .await
        .expect_reason(422, "invalid_request", "mixed_intervals");
    let once = json!({
        "code": "LIFETIME", "name": "Lifetime",
        "price": {"amount": "499.00", "currency": "USD"}, "interval": "one_time"
    });
    let created = app
        .post(&format!("/v1/admin/bundles/{id}/plans"), &admin, once)
        .await
        .expect(201);
    assert_eq!(created["interval"], "one_time");
    app.patch(
        &format!("/v1/admin/bundles/{id}/plans/LIFETIME"),
        &admin,
        json!({"status": "archived"}),
    )
    .await
    .expect(200);
}

#[actix_web::test]
async fn the_demo_sells_data_packs_in_standard_pro_and_enterprise_plans() {
    use std::sync::Arc;

    use marketplace_api::demo;
    use marketplace_api::state::Services;
    use marketplace_domain::access::PlatformRole;
    use marketplace_domain::catalog::ItemRef;
    use marketplace_domain::ids::ToolId;
    use marketplace_domain::plan::{BillingInterval, QuotaKind};
    use marketplace_stripe::OfflineGateway;
    use rust_decimal::{Decimal, dec};

    let db = crate::helpers::database().await;
    let services = Services::new(marketplace_api::runtime::ports(
        &db,
        Arc::new(OfflineGateway::new()),
    ));
    demo::provision_plans(&services.plans).await.unwrap();
    demo::provision_plans(&services.plans).await.unwrap();
    let seed = marketplace_migrations::catalog()
        .iter()
        .find(|t| t.name == "Market Data Integration")
        .unwrap();
    let item = ItemRef::Tool(ToolId::from_uuid(seed.id()));
    let lineup = services
        .plans
        .plans(&demo::platform_actor(PlatformRole::Admin), item)
        .await
        .unwrap();
    let tiers: Vec<(&str, Decimal, BillingInterval, Decimal)> = lineup
        .plans()
        .iter()
        .map(|p| {
            let rows = &p.quotas().quotas()[0];
            assert_eq!(rows.meter().as_str(), "rows");
            assert_eq!(rows.kind(), QuotaKind::Soft);
            (
                p.code().as_str(),
                p.price().amount(),
                p.interval(),
                rows.limit(),
            )
        })
        .collect::<Vec<_>>();
    let expected = [
        ("STANDARD", seed.price, BillingInterval::Month, dec!(10000)),
        ("PRO", dec!(349), BillingInterval::Month, dec!(100000)),
        (
            "ENTERPRISE",
            dec!(999),
            BillingInterval::Month,
            dec!(1000000),
        ),
    ];
    assert_eq!(
        tiers, expected,
        "three tiers, once, STANDARD at the tool's own price"
    );
}
