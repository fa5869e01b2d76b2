//! GET /v1/purchases, POST /v1/purchases/{id}/cancel, GET /v1/entitlements, GET /v1/stats.

use serde_json::{Value, json};

use crate::helpers::{assert_money, assert_timestamp, spawn_app, uuid};

fn ids(v: &[Value], key: &str) -> Vec<String> {
    let mut out: Vec<String> = v
        .iter()
        .map(|p| p[key].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[actix_web::test]
async fn purchases_list_the_orgs_purchases_in_the_api_shape_and_filter_by_status() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let once = app.tool_id("Calendar Integration").await;
    let bundle = app.bundle_id("Transaction Management").await;
    let order = app
        .buy(
            &org.owner,
            &[("tool", &monthly), ("tool", &once), ("bundle", &bundle)],
            "platform_credits",
        )
        .await;
    assert_eq!(order["status"], "FULFILLED");
    let list = app.get("/v1/purchases", &org.admin).await.expect(200)["items"].clone();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);

    let p = list.iter().find(|p| p["tool_id"] == monthly).unwrap();
    assert_eq!(p["purchase_type"], "TOOL");
    assert_eq!(p["status"], "ACTIVE");
    assert_money(&p["amount"], "79.00");
    assert_eq!(p["auto_renew"], true);
    assert_timestamp(&p["current_period_end"]);
    assert!(p.get("bundle_id").is_none());
    assert_eq!(p["order_id"], order["id"]);

    let p = list.iter().find(|p| p["tool_id"] == once).unwrap();
    assert_money(&p["amount"], "29.00");
    assert_eq!(p["auto_renew"], false);
    assert!(p.get("current_period_end").is_none(), "one-time: no period");

    let p = list.iter().find(|p| p["bundle_id"] == bundle).unwrap();
    assert_eq!(p["purchase_type"], "BUNDLE");
    assert!(p.get("tool_id").is_none());
    let price = app.bundle("Transaction Management").await["price"].clone();
    assert_eq!(p["amount"], price);

    let active = app
        .get("/v1/purchases?status=ACTIVE", &org.owner)
        .await
        .expect(200)["items"]
        .clone();
    assert_eq!(active.as_array().unwrap().len(), 3);
    let active_lower = app
        .get("/v1/purchases?status=active", &org.owner)
        .await
        .expect(200)["items"]
        .clone();
    assert_eq!(active_lower, active);
    let refunded = app
        .get("/v1/purchases?status=REFUNDED", &org.owner)
        .await
        .expect(200)["items"]
        .clone();
    assert_eq!(refunded, json!([]));
    for q in ["status=LOST", "state=ACTIVE", "limit=0", "limit=101"] {
        app.get(&format!("/v1/purchases?{q}"), &org.owner)
            .await
            .expect_error(400, "invalid_request");
    }
}

#[actix_web::test]
async fn purchases_are_for_purchasers_of_the_same_org() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.buy(&org.owner, &[("tool", &a)], "platform_credits")
        .await;
    for token in [&org.member, &org.viewer] {
        app.get("/v1/purchases", token)
            .await
            .expect_error(403, "forbidden");
    }
    let stranger = app.org("GROWTH", "0").await;
    let theirs = app.get("/v1/purchases", &stranger.owner).await.expect(200)["items"].clone();
    assert_eq!(theirs, json!([]));
}

#[actix_web::test]
async fn cancelling_a_monthly_purchase_stops_auto_renew_and_keeps_it_active() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.buy(&org.owner, &[("tool", &a)], "platform_credits")
        .await;
    let purchase = app.purchases(&org).await[0].clone();
    let id = purchase["id"].as_str().unwrap();
    let cancelled = app
        .post_empty(&format!("/v1/purchases/{id}/cancel"), &org.admin)
        .await
        .expect(200);
    assert_eq!(cancelled["id"], id);
    assert_eq!(cancelled["auto_renew"], false);
    assert_eq!(cancelled["status"], "ACTIVE");
    assert_eq!(
        cancelled["current_period_end"],
        purchase["current_period_end"]
    );
    let listed = app.purchases(&org).await;
    assert_eq!(listed[0]["auto_renew"], false);
    // Access runs to the end of the period.
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    assert_eq!(ents[0]["tool_id"], a);
    // Cancelling again changes nothing.
    let before = app.snapshot(&org).await;
    let again = app
        .post_empty(&format!("/v1/purchases/{id}/cancel"), &org.owner)
        .await
        .expect(200);
    assert_eq!(again["auto_renew"], false);
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn cancelling_refuses_one_time_purchases_strangers_and_non_purchasers() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let once = app.tool_id("Commission Calculator").await;
    app.buy(
        &org.owner,
        &[("tool", &monthly), ("tool", &once)],
        "platform_credits",
    )
    .await;
    let purchases = app.purchases(&org).await;
    let monthly_id = purchases.iter().find(|p| p["tool_id"] == monthly).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let once_id = purchases.iter().find(|p| p["tool_id"] == once).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = app.org("ELITE", "1000.00").await;
    let before = app.snapshot(&org).await;

    app.post_empty(&format!("/v1/purchases/{once_id}/cancel"), &org.owner)
        .await
        .expect_reason(409, "conflict", "illegal_state");
    app.post_empty(
        &format!("/v1/purchases/{monthly_id}/cancel"),
        &stranger.owner,
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty(&format!("/v1/purchases/{monthly_id}/cancel"), &org.member)
        .await
        .expect_error(403, "forbidden");
    app.post_empty(&format!("/v1/purchases/{monthly_id}/cancel"), &org.viewer)
        .await
        .expect_error(403, "forbidden");
    app.post_empty(&format!("/v1/purchases/{}/cancel", uuid()), &org.owner)
        .await
        .expect_error(404, "not_found");
    app.post_empty("/v1/purchases/zzz/cancel", &org.owner)
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(app.snapshot(&org).await, before);
    let monthly_after = before["purchases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == monthly_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(monthly_after["auto_renew"], true, "still renewing");
}

#[actix_web::test]
async fn entitlements_name_their_source_and_are_scoped_to_the_org() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let direct = app.tool_id("Calendar Integration").await;
    let bundle = app.bundle("Transaction Management").await;
    let bundle_id = bundle["id"].as_str().unwrap().to_owned();
    let order = app
        .buy(
            &org.owner,
            &[("tool", &direct), ("bundle", &bundle_id)],
            "platform_credits",
        )
        .await;
    assert_eq!(order["status"], "FULFILLED");
    let purchases = app.purchases(&org).await;
    let bundle_purchase = purchases
        .iter()
        .find(|p| p["bundle_id"] == bundle_id)
        .unwrap()["id"]
        .clone();

    // A viewer may see what the org holds.
    let ents = app.get("/v1/entitlements", &org.viewer).await.expect(200)["items"].clone();
    let ents = ents.as_array().unwrap();
    let bundle_tools: Vec<String> = bundle["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let from_bundle: Vec<Value> = ents
        .iter()
        .filter(|e| e["source"] == "bundle")
        .cloned()
        .collect();
    let mut want = bundle_tools.clone();
    want.sort();
    assert_eq!(ids(&from_bundle, "tool_id"), want);
    assert!(
        from_bundle
            .iter()
            .all(|e| e["purchase_id"] == bundle_purchase)
    );
    let direct_ent = ents.iter().find(|e| e["tool_id"] == direct).unwrap();
    assert_eq!(direct_ent["source"], "purchase");
    assert_eq!(
        direct_ent["until"],
        Value::Null,
        "a one-time purchase lasts"
    );
    assert_timestamp(&direct_ent["since"]);
    assert_eq!(ents.len(), bundle_tools.len() + 1);

    let stranger = app.org("GROWTH", "0").await;
    let theirs = app
        .get("/v1/entitlements", &stranger.owner)
        .await
        .expect(200)["items"]
        .clone();
    assert_eq!(theirs, json!([]));
    app.call("GET", "/v1/entitlements", None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn stats_count_the_catalog_and_the_orgs_holdings() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let fresh = app.get("/v1/stats", &org.viewer).await.expect(200);
    let purchasable = marketplace_migrations::catalog()
        .iter()
        .filter(|t| matches!(t.status, "ACTIVE" | "BETA"))
        .count() as u64;
    assert_eq!(
        fresh,
        json!({
            "catalog_tools": purchasable,
            "catalog_bundles": 5,
            "purchased_tools": 0,
            "purchased_bundles": 0,
            "entitled_tools": 0,
        })
    );
    let direct = app.tool_id("Calendar Integration").await;
    let bundle = app.bundle_id("Transaction Management").await;
    app.buy(
        &org.owner,
        &[("tool", &direct), ("bundle", &bundle)],
        "platform_credits",
    )
    .await;
    let stats = app.get("/v1/stats", &org.member).await.expect(200);
    assert_eq!(stats["purchased_tools"], 1);
    assert_eq!(stats["purchased_bundles"], 1);
    assert_eq!(
        stats["entitled_tools"], 7,
        "6 bundle tools and 1 bought alone"
    );

    // Another org's figures are its own.
    let stranger = app.org("GROWTH", "0").await;
    let theirs = app.get("/v1/stats", &stranger.owner).await.expect(200);
    assert_eq!(theirs, fresh);
    app.call("GET", "/v1/stats", None, None)
        .await
        .expect_error(401, "unauthorized");
}
