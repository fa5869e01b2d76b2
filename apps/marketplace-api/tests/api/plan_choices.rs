//! Plans in carts, orders and subscriptions (R-B3, R-B9): POST /v1/cart/items names a
//! plan, the order and the subscription record it, and POST
//! /v1/subscriptions/{id}/change-plan changes it.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use serde_json::{Value, json};

use crate::helpers::{Org, TestApp, assert_money, spawn_app, uuid};

/// Lead Scoring Engine (STANDARD at 79.00 a month) gets a PRO plan at 199.00 a month.
async fn with_pro<S, B>(app: &TestApp<S>) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let id = app.tool_id("Lead Scoring Engine").await;
    let pro = json!({
        "code": "PRO",
        "name": "Pro",
        "price": {"amount": "199.00", "currency": "USD"},
        "interval": "month"
    });
    let admin = app.platform_admin.clone();
    app.post(&format!("/v1/admin/tools/{id}/plans"), &admin, pro)
        .await
        .expect(201);
    id
}

fn add_body(id: &str, plan: Option<&str>) -> Value {
    let mut body = json!({"item_type": "tool", "item_id": id});
    if let Some(plan) = plan {
        body["plan"] = json!(plan);
    }
    body
}

#[actix_web::test]
async fn r_b3_a_cart_line_names_its_plan_and_the_order_and_subscription_record_it() {
    let app = spawn_app().await;
    let org: Org = app.org("GROWTH", "1000.00").await;
    let id = with_pro(&app).await;

    let cart = app
        .post("/v1/cart/items", &org.owner, add_body(&id, Some("PRO")))
        .await
        .expect(201);
    assert_eq!(cart["lines"][0]["plan"], "PRO");
    assert_eq!(cart["lines"][0]["interval"], "month");
    assert_money(&cart["lines"][0]["price"], "199.00");
    // Another plan for the same item replaces its line.
    let cart = app
        .post(
            "/v1/cart/items",
            &org.owner,
            add_body(&id, Some("STANDARD")),
        )
        .await
        .expect(200);
    assert_eq!(cart["lines"].as_array().unwrap().len(), 1);
    assert_eq!(cart["lines"][0]["plan"], "STANDARD");
    assert_money(&cart["total"], "79.00");
    let cart = app
        .post("/v1/cart/items", &org.owner, add_body(&id, Some("PRO")))
        .await
        .expect(200);
    assert_money(&cart["total"], "199.00");

    let order = app
        .checkout(&org.owner, &uuid(), "platform_credits")
        .await
        .expect(201);
    assert_eq!(order["lines"][0]["plan"], "PRO");
    assert_eq!(order["lines"][0]["interval"], "month");
    assert_eq!(order["lines"][0]["trial_days"], 0);
    assert_money(&order["total"], "199.00");
    let subs = app.get("/v1/subscriptions", &org.owner).await.expect(200);
    assert_eq!(subs["items"][0]["plan"], "PRO");
    assert_eq!(subs["items"][0]["pending_plan"], Value::Null);
}

#[actix_web::test]
async fn r_b3_an_unknown_plan_is_a_field_error_and_changes_nothing() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let id = with_pro(&app).await;
    let before = app.snapshot(&org).await;
    let refused = app
        .post("/v1/cart/items", &org.owner, add_body(&id, Some("GOLD")))
        .await
        .expect_reason(422, "invalid_request", "unknown_plan");
    assert_eq!(refused["details"][0]["field"], "plan");
    app.post("/v1/cart/items", &org.owner, add_body(&id, Some("gold")))
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn r_b9_a_downgrade_is_scheduled_an_upgrade_charges_the_difference_now() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let id = with_pro(&app).await;
    app.post("/v1/cart/items", &org.owner, add_body(&id, Some("PRO")))
        .await
        .expect(201);
    app.checkout(&org.owner, &uuid(), "platform_credits")
        .await
        .expect(201);
    let sub = app.get("/v1/subscriptions", &org.owner).await.expect(200)["items"][0].clone();
    let uri = format!(
        "/v1/subscriptions/{}/change-plan",
        sub["id"].as_str().unwrap()
    );

    let down = app
        .post(&uri, &org.owner, json!({"plan": "STANDARD"}))
        .await
        .expect(200);
    assert_eq!(down["change"], "downgrade_scheduled");
    assert_eq!(down["charged"], Value::Null);
    assert_eq!(down["subscription"]["plan"], "PRO");
    assert_eq!(down["subscription"]["pending_plan"], "STANDARD");
    // Choosing the scheduled plan again changes nothing: it is the machine's no-op.
    let same = app
        .post(&uri, &org.owner, json!({"plan": "STANDARD"}))
        .await
        .expect(200);
    assert_eq!(same["change"], "downgrade_scheduled");
    let back = app
        .post(&uri, &org.owner, json!({"plan": "PRO"}))
        .await
        .expect(200);
    assert_eq!(back["change"], "scheduled_change_cancelled");
    assert_eq!(back["subscription"]["pending_plan"], Value::Null);
    app.post(&uri, &org.owner, json!({"plan": "PRO"}))
        .await
        .expect_reason(409, "conflict", "same_plan");
}

#[actix_web::test]
async fn r_b9_another_orgs_subscription_is_not_found_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let id = with_pro(&app).await;
    app.post("/v1/cart/items", &org.owner, add_body(&id, None))
        .await
        .expect(201);
    app.checkout(&org.owner, &uuid(), "platform_credits")
        .await
        .expect(201);
    let sub = app.get("/v1/subscriptions", &org.owner).await.expect(200)["items"][0].clone();
    assert_eq!(sub["plan"], "STANDARD", "the default plan");
    let uri = format!(
        "/v1/subscriptions/{}/change-plan",
        sub["id"].as_str().unwrap()
    );
    let stranger = app.org("ELITE", "1000.00").await;
    let before = app.snapshot(&org).await;
    app.post(&uri, &stranger.owner, json!({"plan": "PRO"}))
        .await
        .expect_error(404, "not_found");
    app.post(
        &format!("/v1/subscriptions/{}/change-plan", uuid()),
        &org.owner,
        json!({"plan": "PRO"}),
    )
    .await
    .expect_error(404, "not_found");
    app.post(&uri, &org.viewer, json!({"plan": "PRO"}))
        .await
        .expect_error(403, "forbidden");
    app.post(&uri, &org.owner, json!({"plan": "pro"}))
        .await
        .expect_error(400, "invalid_request");
    app.post(&uri, &org.owner, json!({"plan": "PRO", "extra": 1}))
        .await
        .expect_error(400, "invalid_request");
    let unknown = app
        .post(&uri, &org.owner, json!({"plan": "GOLD"}))
        .await
        .expect_reason(422, "invalid_request", "unknown_plan");
    assert_eq!(unknown["details"][0]["field"], "plan");
    assert_eq!(app.snapshot(&org).await, before, "nothing changed");

    let up = app
        .post(&uri, &org.owner, json!({"plan": "PRO"}))
        .await
        .expect(200);
    assert_eq!(up["change"], "upgraded");
    assert_eq!(up["subscription"]["plan"], "PRO");
    let charged = up["charged"]["amount"].as_str().unwrap();
    assert_eq!(
        charged, "120.00",
        "the whole difference at the period's start"
    );
}

#[actix_web::test]
async fn r_b9_the_plan_example_keeps_every_cent_and_docs_show_its_output() {
    let out = marketplace_api::plan_example::run("sqlite::memory:")
        .await
        .unwrap();
    assert!(out.contains("= 81.29"), "the upgrade's prorated charge");
    assert!(out.contains("buyer payments - refunds: true"));
    assert!(out.contains("subscription EXPIRED"));
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/revenue.md"
    ))
    .unwrap();
    assert!(
        docs.contains(out.trim_end()),
        "docs/revenue.md shows the example's output as it is"
    );
}
