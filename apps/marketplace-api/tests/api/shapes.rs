//! The whole shape of the main responses, as JSON snapshots (insta): a tool, a bundle, a
//! cart with lines, an order, the error shape, and the paths the OpenAPI document lists.
//! Ids and timestamps are redacted; everything else comes from the seed catalog and is
//! the same on every run.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{spawn_app, uuid};

#[actix_web::test]
async fn a_tool() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    let tool = app
        .get(&format!("/v1/tools/{id}"), &org.member)
        .await
        .expect(200);
    insta::assert_json_snapshot!(tool, {
        ".id" => "[id]",
        ".seller" => "[id]",
        ".created_at" => "[timestamp]",
        ".updated_at" => "[timestamp]",
    });
}

#[actix_web::test]
async fn a_bundle() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.bundle_id("Listing Domination").await;
    let bundle = app
        .get(&format!("/v1/bundles/{id}"), &org.member)
        .await
        .expect(200);
    insta::assert_json_snapshot!(bundle, {
        ".id" => "[id]",
        ".tools[].id" => "[id]",
        ".created_at" => "[timestamp]",
    });
}

#[actix_web::test]
async fn a_cart_with_lines() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    for name in ["Lead Scoring Engine", "Commission Calculator"] {
        let id = app.tool_id(name).await;
        app.add(&org.member, "tool", &id).await.expect(201);
    }
    let cart = app.get("/v1/cart", &org.member).await.expect(200);
    insta::assert_json_snapshot!(cart, {
        ".lines[].item_id" => "[id]",
    });
}

#[actix_web::test]
async fn an_order() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500.00").await;
    let id = app.tool_id("Commission Calculator").await;
    let order = app
        .buy(&org.owner, &[("tool", &id)], "platform_credits")
        .await;
    insta::assert_json_snapshot!(order, {
        ".id" => "[id]",
        ".lines[].item_id" => "[id]",
        ".created_at" => "[timestamp]",
        ".updated_at" => "[timestamp]",
    });
}

#[actix_web::test]
async fn the_error_shape() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500.00").await;
    let owned = app.tool_id("Commission Calculator").await;
    app.buy(&org.owner, &[("tool", &owned)], "platform_credits")
        .await;
    let starter = app.org("STARTER", "0").await;
    let growth_only = app.tool_id("Lead Scoring Engine").await;
    let errors = json!({
        "unauthorized": app.call("GET", "/v1/tools", None, None).await.json(),
        "unknown_query_key": app.get("/v1/tools?colour=red", &org.owner).await.json(),
        "malformed_query_value": app.get("/v1/tools?limit=abc", &org.owner).await.json(),
        "not_found": app.get(&format!("/v1/tools/{}", uuid()), &org.owner).await.json(),
        "no_route": app.get("/v1/nothing", &org.owner).await.json(),
        "tier_too_low": app.add(&starter.owner, "tool", &growth_only).await.json(),
        "already_owned": app.add(&org.owner, "tool", &owned).await.json(),
        "invalid_body": app
            .post("/v1/cart/items", &org.owner, json!({"item_type": "tool"}))
            .await
            .json(),
    });
    insta::assert_json_snapshot!(errors, {
        ".already_owned.error.details[].item_id" => "[id]",
        ".already_owned.error.message" => "[names the item by id]",
    });
}

#[actix_web::test]
async fn the_openapi_paths() {
    let app = spawn_app().await;
    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(200);
    let operations: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let listed: Value = operations.into_iter().collect();
    insta::assert_json_snapshot!(listed);
}
