//! /v1/admin/*: catalog edits, orgs and credits, invoices, refunds.

use serde_json::{Value, json};

use crate::helpers::{assert_money, spawn_app, uuid};

fn internal_seller() -> String {
    marketplace_migrations::seed::sellers()
        .iter()
        .find(|s| s.name == "Internal")
        .unwrap()
        .id()
        .to_string()
}

fn new_tool() -> Value {
    json!({
        "name": "Open House Planner",
        "description": "Plans open houses and follows up with visitors.",
        "category": "LEAD_GENERATION",
        "tags": ["open-house", "events"],
        "price_model": "MONTHLY",
        "price": {"amount": "25.50", "currency": "USD"},
        "required_tier": "STARTER",
        "integration_type": "NATIVE",
        "seller_id": internal_seller(),
        "documentation_url": "https://docs.example.com/open-house",
        "version": "1.2.0"
    })
}

#[actix_web::test]
async fn admins_create_tools_which_then_appear_in_the_catalog() {
    let app = spawn_app().await;
    let tool = app
        .post("/v1/admin/tools", &app.platform_admin, new_tool())
        .await
        .expect(201);
    assert_eq!(tool["name"], "Open House Planner");
    assert_money(&tool["price"], "25.50");
    assert_eq!(tool["price_model"], "MONTHLY");
    assert_eq!(tool["required_tier"], "STARTER");
    assert_eq!(tool["status"], "ACTIVE");
    assert_eq!(tool["seller"], internal_seller());
    assert_eq!(tool["version"], "1.2.0");
    assert_eq!(tool["purchase_count"], 0);
    let id = tool["id"].as_str().unwrap();
    let org = app.org("STARTER", "0").await;
    let read = app
        .get(&format!("/v1/tools/{id}"), &org.viewer)
        .await
        .expect(200);
    assert_eq!(read["name"], "Open House Planner");
    let page = app.get("/v1/tools", &org.viewer).await.expect(200);
    // The seed's 54 less its DEPRECATED tool (not listed by default, R-C5), plus this one.
    assert_eq!(page["total"], 54);
}

#[actix_web::test]
async fn creating_a_tool_refuses_non_admins_malformed_bodies_and_broken_rules() {
    let app = spawn_app().await;
    let org = app.org("ENTERPRISE", "0").await;
    for token in [&org.owner, &app.moderator] {
        app.post("/v1/admin/tools", token, new_tool())
            .await
            .expect_error(403, "forbidden");
    }
    let with = |k: &str, v: Value| {
        let mut b = new_tool();
        b[k] = v;
        b
    };
    for body in [
        with("category", json!("GARDENING")),
        with("price_model", json!("WEEKLY")),
        with("required_tier", json!("PLATINUM")),
        with("price", json!(25.5)),
        with("seller_id", json!("nope")),
        with("name", json!("")),
        with("colour", json!("red")),
        with("price", json!({"amount": "abc", "currency": "USD"})),
    ] {
        app.post("/v1/admin/tools", &app.platform_admin, body)
            .await
            .expect_error(400, "invalid_request");
    }
    // Well-formed but against a rule: 422 with field details.
    for (body, field) in [
        (with("price_model", json!("FREE")), "price"),
        (
            with("documentation_url", json!("not a url")),
            "documentation_url",
        ),
        (with("version", json!("v-one")), "version"),
    ] {
        let error = app
            .post("/v1/admin/tools", &app.platform_admin, body)
            .await
            .expect_reason(422, "invalid_request", "invalid_fields");
        let fields: Vec<&str> = error["details"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["field"].as_str())
            .collect();
        assert!(
            fields.iter().any(|f| f.contains(field)),
            "{field} in {error}"
        );
    }
    app.post(
        "/v1/admin/tools",
        &app.platform_admin,
        with("seller_id", json!(uuid())),
    )
    .await
    .expect_reason(422, "invalid_request", "invalid_fields");
    let page = app.get("/v1/tools", &org.viewer).await.expect(200);
    assert_eq!(page["total"], 53, "nothing was created");
}

#[actix_web::test]
async fn patching_a_tool_changes_only_the_given_fields() {
    let app = spawn_app().await;
    let id = app.tool_id("Commission Calculator").await;
    let before = app.tool("Commission Calculator").await;
    let uri = format!("/v1/admin/tools/{id}");
    let tool = app
        .patch(
            &uri,
            &app.platform_admin,
            json!({"price": "59.00", "is_featured": true}),
        )
        .await
        .expect(200);
    assert_money(&tool["price"], "59.00");
    assert_eq!(tool["is_featured"], true);
    assert_eq!(tool["name"], before["name"]);
    assert_eq!(tool["category"], before["category"]);

    let org = app.org("GROWTH", "0").await;
    app.patch(&uri, &org.owner, json!({"price": "1.00"}))
        .await
        .expect_error(403, "forbidden");
    app.patch(
        &format!("/v1/admin/tools/{}", uuid()),
        &app.platform_admin,
        json!({"price": "1.00"}),
    )
    .await
    .expect_error(404, "not_found");
    app.patch(
        "/v1/admin/tools/abc",
        &app.platform_admin,
        json!({"price": "1.00"}),
    )
    .await
    .expect_error(400, "invalid_request");
    for body in [
        json!({"price": "cheap"}),
        json!({"status": "GONE"}),
        json!({"owner": 1}),
    ] {
        app.patch(&uri, &app.platform_admin, body)
            .await
            .expect_error(400, "invalid_request");
    }
    app.patch(&uri, &app.platform_admin, json!({"price_model": "FREE"}))
        .await
        .expect_reason(422, "invalid_request", "invalid_fields");
    app.patch(&uri, &app.platform_admin, json!({"price": "-3.00"}))
        .await
        .expect_reason(422, "invalid_request", "invalid_fields");
    let after = app.tool("Commission Calculator").await;
    assert_money(&after["price"], "59.00");
    assert_eq!(after["price_model"], before["price_model"]);
}

#[actix_web::test]
async fn bundles_are_created_and_patched_by_admins() {
    let app = spawn_app().await;
    let a = app.tool_id("Commission Calculator").await;
    let b = app.tool_id("Calendar Integration").await;
    let body = json!({
        "name": "Back Office",
        "description": "Money and meetings.",
        "price": {"amount": "60.00", "currency": "USD"},
        "required_tier": "STARTER",
        "tool_ids": [a, b],
    });
    let bundle = app
        .post("/v1/admin/bundles", &app.platform_admin, body.clone())
        .await
        .expect(201);
    assert_eq!(bundle["name"], "Back Office");
    assert_money(&bundle["price"], "60.00");
    assert_money(&bundle["list_price"], "78.00");
    assert_money(&bundle["savings"], "18.00");
    assert_eq!(bundle["status"], "ACTIVE");
    let tools: Vec<&str> = bundle["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(tools, [a.as_str(), b.as_str()]);
    let id = bundle["id"].as_str().unwrap();

    let patched = app
        .patch(
            &format!("/v1/admin/bundles/{id}"),
            &app.platform_admin,
            json!({"price": "70.00", "status": "DRAFT"}),
        )
        .await
        .expect(200);
    assert_money(&patched["price"], "70.00");
    assert_eq!(patched["status"], "DRAFT");
    // A draft is hidden from buyers, visible to admins.
    let org = app.org("GROWTH", "0").await;
    app.get(&format!("/v1/bundles/{id}"), &org.owner)
        .await
        .expect_error(404, "not_found");
    app.get(&format!("/v1/bundles/{id}"), &app.platform_admin)
        .await
        .expect(200);
    // The cart does not reveal a draft either.
    app.add(&org.owner, "bundle", id)
        .await
        .expect_error(404, "not_found");

    // Refusals.
    app.post("/v1/admin/bundles", &org.owner, body.clone())
        .await
        .expect_error(403, "forbidden");
    app.patch(
        &format!("/v1/admin/bundles/{id}"),
        &app.moderator,
        json!({"price": "1.00"}),
    )
    .await
    .expect_error(403, "forbidden");
    let mut one = body.clone();
    one["tool_ids"] = json!([a]);
    app.post("/v1/admin/bundles", &app.platform_admin, one)
        .await
        .expect_error(400, "invalid_request");
    let mut unknown = body.clone();
    unknown["tool_ids"] = json!([a, uuid()]);
    app.post("/v1/admin/bundles", &app.platform_admin, unknown)
        .await
        .expect_reason(422, "invalid_request", "unknown_tool");
    app.patch(
        &format!("/v1/admin/bundles/{id}"),
        &app.platform_admin,
        json!({"tool_ids": [a, uuid()]}),
    )
    .await
    .expect_reason(422, "invalid_request", "unknown_tool");
    app.patch(
        &format!("/v1/admin/bundles/{}", uuid()),
        &app.platform_admin,
        json!({"price": "1.00"}),
    )
    .await
    .expect_error(404, "not_found");
    app.patch(
        "/v1/admin/bundles/x",
        &app.platform_admin,
        json!({"price": "1.00"}),
    )
    .await
    .expect_error(400, "invalid_request");
    app.patch(
        &format!("/v1/admin/bundles/{id}"),
        &app.platform_admin,
        json!({"status": "SOLD"}),
    )
    .await
    .expect_error(400, "invalid_request");
    let read = app
        .get(&format!("/v1/bundles/{id}"), &app.platform_admin)
        .await
        .expect(200);
    assert_money(&read["price"], "70.00");
    assert_eq!(read["tools"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn orgs_are_created_and_updated_by_the_platform() {
    let app = spawn_app().await;
    let id = uuid();
    let uri = format!("/v1/admin/orgs/{id}");
    let org = app
        .put(
            &uri,
            &app.platform_admin,
            json!({"name": "Acme Realty", "tier": "GROWTH"}),
        )
        .await
        .expect(200);
    assert_eq!(
        org,
        json!({"id": id, "name": "Acme Realty", "tier": "GROWTH", "credits": {"amount": "0.00", "currency": "USD"}})
    );
    let org = app
        .put(
            &uri,
            &app.platform_admin,
            json!({"name": "Acme", "tier": "ELITE"}),
        )
        .await
        .expect(200);
    assert_eq!(org["tier"], "ELITE");
    assert_eq!(org["name"], "Acme");

    let member = app.org("GROWTH", "0").await;
    app.put(
        &uri,
        &member.owner,
        json!({"name": "Mine", "tier": "ENTERPRISE"}),
    )
    .await
    .expect_error(403, "forbidden");
    app.put(
        &uri,
        &app.moderator,
        json!({"name": "Mine", "tier": "ENTERPRISE"}),
    )
    .await
    .expect_error(403, "forbidden");
    for body in [
        json!({"name": "X", "tier": "PLATINUM"}),
        json!({"name": "X", "tier": "growth"}),
        json!({"name": "", "tier": "GROWTH"}),
        json!({"tier": "GROWTH"}),
        json!({"name": "X", "tier": "GROWTH", "credits": 5}),
    ] {
        app.put(&uri, &app.platform_admin, body)
            .await
            .expect_error(400, "invalid_request");
    }
    app.put(
        "/v1/admin/orgs/acme",
        &app.platform_admin,
        json!({"name": "X", "tier": "GROWTH"}),
    )
    .await
    .expect_error(400, "invalid_request");
    let balance = app.grant_credits(id.parse().unwrap(), "1.00").await;
    assert_eq!(
        balance["tier"], "ELITE",
        "the refused updates changed nothing"
    );
    assert_eq!(balance["name"], "Acme");
}

#[actix_web::test]
async fn credits_are_granted_to_known_orgs_only() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let uri = format!("/v1/admin/orgs/{}/credits", org.id);
    let granted = app
        .post(
            &uri,
            &app.platform_admin,
            json!({"amount": {"amount": "100.00", "currency": "USD"}}),
        )
        .await
        .expect(200);
    assert_money(&granted["credits"], "100.00");
    assert_eq!(granted["id"], org.id.to_string());
    let granted = app
        .post(
            &uri,
            &app.platform_admin,
            json!({"amount": {"amount": "0.5", "currency": "USD"}}),
        )
        .await
        .expect(200);
    assert_money(&granted["credits"], "100.50");

    app.post(
        &uri,
        &org.owner,
        json!({"amount": {"amount": "1.00", "currency": "USD"}}),
    )
    .await
    .expect_error(403, "forbidden");
    app.post(
        &format!("/v1/admin/orgs/{}/credits", uuid()),
        &app.platform_admin,
        json!({"amount": {"amount": "1.00", "currency": "USD"}}),
    )
    .await
    .expect_error(404, "not_found");
    for amount in ["0.00", "-5.00"] {
        app.post(
            &uri,
            &app.platform_admin,
            json!({"amount": {"amount": amount, "currency": "USD"}}),
        )
        .await
        .expect_reason(422, "invalid_request", "invalid_fields");
    }
    app.post(
        &uri,
        &app.platform_admin,
        json!({"amount": {"amount": "1.00", "currency": "EUR"}}),
    )
    .await
    .expect_reason(422, "invalid_request", "currency_mismatch");
    for body in [
        json!({"amount": "100.00"}),
        json!({"amount": {"amount": "lots", "currency": "USD"}}),
        json!({"amount": {"amount": "1.00", "currency": "DOGE"}}),
        json!({"amount": {"amount": 1.0, "currency": "USD"}}),
        json!({}),
    ] {
        app.post(&uri, &app.platform_admin, body)
            .await
            .expect_error(400, "invalid_request");
    }
    let balance = app.grant_credits(org.id, "0.01").await;
    assert_money(&balance["credits"], "100.51");
}

#[actix_web::test]
async fn mark_paid_is_for_admins_and_invoices() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let invoice = app.checkout(&org.owner, "inv", "invoice").await.expect(201);
    let inv_uri = format!(
        "/v1/admin/orders/{}/mark-paid",
        invoice["id"].as_str().unwrap()
    );
    let before = app.snapshot(&org).await;
    app.post_empty(&inv_uri, &org.owner)
        .await
        .expect_error(403, "forbidden");
    app.post_empty(&inv_uri, &app.moderator)
        .await
        .expect_error(403, "forbidden");
    assert_eq!(app.snapshot(&org).await, before);

    // The cart keeps its lines until the invoice is paid.
    app.delete("/v1/cart", &org.owner).await;
    let b = app.tool_id("Commission Calculator").await;
    let credits = app
        .buy(&org.owner, &[("tool", &b)], "platform_credits")
        .await;
    let error = app
        .post_empty(
            &format!(
                "/v1/admin/orders/{}/mark-paid",
                credits["id"].as_str().unwrap()
            ),
            &app.platform_admin,
        )
        .await
        .expect_reason(409, "conflict", "wrong_payment_method");
    assert_eq!(error["details"][0]["expected"], "invoice");
    app.post_empty(
        &format!("/v1/admin/orders/{}/mark-paid", uuid()),
        &app.platform_admin,
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty("/v1/admin/orders/1/mark-paid", &app.platform_admin)
        .await
        .expect_error(400, "invalid_request");
    let paid = app
        .post_empty(&inv_uri, &app.platform_admin)
        .await
        .expect(200);
    assert_eq!(paid["status"], "FULFILLED");
}

#[actix_web::test]
async fn a_full_refund_ends_the_entitlements_and_refunds_the_order() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let bundle = app.bundle_id("Transaction Management").await;
    let order = app
        .buy(&org.owner, &[("bundle", &bundle)], "platform_credits")
        .await;
    let total = order["total"]["amount"].as_str().unwrap().to_owned();
    let purchase = app.purchases(&org).await[0].clone();
    let id = purchase["id"].as_str().unwrap();
    assert_eq!(
        app.get("/v1/entitlements", &org.owner).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let refunded = app
        .post(
            &format!("/v1/admin/purchases/{id}/refund"),
            &app.platform_admin,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(refunded["id"], id);
    assert_eq!(refunded["status"], "REFUNDED");
    assert_money(&refunded["refunded"], &total);
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    assert_eq!(ents, json!([]));
    let order = app
        .get(
            &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
            &org.owner,
        )
        .await
        .expect(200);
    assert_eq!(order["status"], "REFUNDED");
    assert_money(&order["refunded"], &total);
    // Credits come back.
    let balance = app.grant_credits(org.id, "0.01").await;
    assert_money(&balance["credits"], "1000.01");
    // Nothing is left to refund.
    let before = app.snapshot(&org).await;
    app.post(
        &format!("/v1/admin/purchases/{id}/refund"),
        &app.platform_admin,
        json!({}),
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn a_partial_refund_keeps_the_purchase_and_partially_refunds_the_order() {
    let app = spawn_app().await;
    let org = app.org("ELITE", "0").await;
    let a = app.tool_id("Risk Assessment AI").await;
    let order = app.buy(&org.owner, &[("tool", &a)], "credit_card").await;
    let purchase = app.purchases(&org).await[0].clone();
    let id = purchase["id"].as_str().unwrap();
    let uri = format!("/v1/admin/purchases/{id}/refund");
    let partial = app
        .post(
            &uri,
            &app.platform_admin,
            json!({"amount": {"amount": "9.00", "currency": "USD"}}),
        )
        .await
        .expect(200);
    assert_eq!(partial["status"], "ACTIVE");
    assert_money(&partial["refunded"], "9.00");
    assert_money(&partial["amount"], "89.00");
    let order = app
        .get(
            &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
            &org.owner,
        )
        .await
        .expect(200);
    assert_eq!(order["status"], "PARTIALLY_REFUNDED");
    assert_money(&order["refunded"], "9.00");
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    assert_eq!(ents[0]["tool_id"], a, "a partial refund keeps access");

    let before = app.snapshot(&org).await;
    let error = app
        .post(
            &uri,
            &app.platform_admin,
            json!({"amount": {"amount": "80.01", "currency": "USD"}}),
        )
        .await
        .expect_reason(422, "invalid_request", "refund_too_large");
    assert_money(&error["details"][0]["refundable"], "80.00");
    app.post(
        &uri,
        &app.platform_admin,
        json!({"amount": {"amount": "0.00", "currency": "USD"}}),
    )
    .await
    .expect_reason(422, "invalid_request", "invalid_refund");
    app.post(&uri, &org.owner, json!({}))
        .await
        .expect_error(403, "forbidden");
    app.post(
        &format!("/v1/admin/purchases/{}/refund", uuid()),
        &app.platform_admin,
        json!({}),
    )
    .await
    .expect_error(404, "not_found");
    app.post(
        "/v1/admin/purchases/p/refund",
        &app.platform_admin,
        json!({}),
    )
    .await
    .expect_error(400, "invalid_request");
    for body in [
        json!({"amount": "9.00"}),
        json!({"amount": {"amount": "x", "currency": "USD"}}),
        json!({"all": true}),
    ] {
        app.post(&uri, &app.platform_admin, body)
            .await
            .expect_error(400, "invalid_request");
    }
    assert_eq!(app.snapshot(&org).await, before);

    // The rest, in full: the purchase is refunded.
    let rest = app
        .post(&uri, &app.platform_admin, json!({}))
        .await
        .expect(200);
    assert_eq!(rest["status"], "REFUNDED");
    assert_money(&rest["refunded"], "89.00");
}
