//! POST /v1/checkout, GET /v1/orders, GET /v1/orders/{id}, POST /v1/orders/{id}/cancel.

use serde_json::{Value, json};

use crate::helpers::{assert_list, assert_money, assert_timestamp, request, spawn_app, uuid};

#[actix_web::test]
async fn checkout_with_credits_is_fulfilled_at_once_and_debits_the_credits() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    let b = app.tool_id("Commission Calculator").await;
    app.add(&org.admin, "tool", &a).await.expect(201);
    app.add(&org.admin, "tool", &b).await.expect(201);
    let order = app
        .checkout(&org.admin, "credits-1", "platform_credits")
        .await
        .expect(201);
    assert_eq!(order["status"], "FULFILLED");
    assert_eq!(order["payment_method"], "platform_credits");
    assert_money(&order["total"], "128.00");
    assert_timestamp(&order["created_at"]);
    assert!(
        order.get("payment").is_none(),
        "only card orders carry a payment"
    );
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let line = lines.iter().find(|l| l["item_id"] == a).unwrap();
    assert_eq!(line["item_type"], "tool");
    assert_money(&line["price_at_purchase"], "79.00");

    // The cart is emptied, the credits debited, the tools entitled.
    let cart = app.get("/v1/cart", &org.admin).await.expect(200);
    assert_eq!(cart["lines"], json!([]));
    let balance = app.grant_credits(org.id, "0.01").await;
    assert_money(&balance["credits"], "372.01");
    let ents = app.get("/v1/entitlements", &org.viewer).await.expect(200)["items"].clone();
    let mut tools: Vec<&str> = ents
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["tool_id"].as_str().unwrap())
        .collect();
    tools.sort_unstable();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort_unstable();
    assert_eq!(tools, want);
    assert!(
        ents.as_array()
            .unwrap()
            .iter()
            .all(|e| e["source"] == "purchase")
    );

    // The order is listed and readable.
    let page = app.get("/v1/orders", &org.owner).await.expect(200);
    let items = assert_list(&page, 1, 50, 0);
    assert_eq!(items[0]["id"], order["id"]);
    let read = app
        .get(
            &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
            &org.owner,
        )
        .await
        .expect(200);
    assert_eq!(read["id"], order["id"]);
    assert_eq!(read["status"], "FULFILLED");
    assert_eq!(read["lines"], order["lines"]);
    // Bought tools count.
    let tool = app.tool("Lead Scoring Engine").await;
    assert_eq!(tool["purchase_count"], 1);
}

#[actix_web::test]
async fn the_same_key_replays_the_order_and_a_changed_cart_is_a_conflict() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let first = app
        .checkout(&org.owner, "walkthrough-1", "platform_credits")
        .await
        .expect(201);
    let again = app
        .checkout(&org.owner, "walkthrough-1", "platform_credits")
        .await
        .expect(201);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["status"], "FULFILLED");
    let orders = app.get("/v1/orders", &org.owner).await.expect(200);
    assert_eq!(orders["total"], 1);
    let balance = app.grant_credits(org.id, "0.01").await;
    assert_money(&balance["credits"], "921.01");

    // Same key, another cart.
    let b = app.tool_id("Commission Calculator").await;
    app.add(&org.owner, "tool", &b).await.expect(201);
    let before = app.snapshot(&org).await;
    app.checkout(&org.owner, "walkthrough-1", "platform_credits")
        .await
        .expect_reason(409, "conflict", "idempotency_conflict");
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn the_idempotency_key_is_required_and_bounded() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let before = app.snapshot(&org).await;
    let missing = app
        .post(
            "/v1/checkout",
            &org.owner,
            json!({"payment_method": "platform_credits"}),
        )
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(missing["details"][0]["field"], "Idempotency-Key");
    for key in [String::new(), "k".repeat(256)] {
        app.checkout(&org.owner, &key, "platform_credits")
            .await
            .expect_error(400, "invalid_request");
    }
    // 255 characters is still a key.
    assert_eq!(app.snapshot(&org).await, before);
    app.checkout(&org.owner, &"k".repeat(255), "platform_credits")
        .await
        .expect(201);
}

#[actix_web::test]
async fn checkout_refuses_bad_bodies_an_empty_cart_and_missing_credits() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "50.00").await;
    app.checkout(&org.owner, "empty", "platform_credits")
        .await
        .expect_reason(422, "invalid_request", "empty_cart");
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let before = app.snapshot(&org).await;
    for body in [
        json!({"payment_method": "bitcoin"}),
        json!({"payment_method": "PLATFORM_CREDITS"}),
        json!({}),
        json!({"payment_method": "invoice", "coupon": "FREE"}),
    ] {
        app.send(
            request("POST", "/v1/checkout", Some(&org.owner), Some(&body))
                .insert_header(("Idempotency-Key", uuid())),
        )
        .await
        .expect_error(400, "invalid_request");
    }
    let error = app
        .checkout(&org.owner, "poor", "platform_credits")
        .await
        .expect_reason(402, "payment_required", "insufficient_credits");
    assert_money(&error["details"][0]["needed"], "79.00");
    assert_eq!(app.snapshot(&org).await, before);
    let balance = app.grant_credits(org.id, "0.01").await;
    assert_money(&balance["credits"], "50.01");
}

#[actix_web::test]
async fn members_and_viewers_may_not_check_out_and_nothing_changes() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.member, "tool", &a).await.expect(201);
    let before = app.snapshot(&org).await;
    for token in [&org.member, &org.viewer] {
        app.checkout(token, &uuid(), "platform_credits")
            .await
            .expect_error(403, "forbidden");
        app.get("/v1/orders", token)
            .await
            .expect_error(403, "forbidden");
    }
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn a_line_refused_at_checkout_names_its_reason() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "5000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;

    // already_owned: the admin put the tool in their cart, the owner bought it first.
    app.add(&org.admin, "tool", &a).await.expect(201);
    app.buy(&org.owner, &[("tool", &a)], "platform_credits")
        .await;
    let error = app
        .checkout(&org.admin, &uuid(), "platform_credits")
        .await
        .expect_reason(409, "conflict", "already_owned");
    assert!(
        error["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["item_id"] == a)
    );
    app.delete("/v1/cart", &org.admin).await;

    // tier_too_low: the platform lowered the org's tier after the add.
    let b = app.tool_id("Budget Range Prediction Tool").await;
    app.add(&org.admin, "tool", &b).await.expect(201);
    app.set_tier(org.id, "STARTER").await;
    app.checkout(&org.admin, &uuid(), "platform_credits")
        .await
        .expect_reason(403, "forbidden", "tier_too_low");
    app.set_tier(org.id, "GROWTH").await;

    // not_purchasable: the tool was deprecated after the add.
    app.patch(
        &format!("/v1/admin/tools/{b}"),
        &app.platform_admin,
        json!({"status": "DEPRECATED"}),
    )
    .await
    .expect(200);
    app.checkout(&org.admin, &uuid(), "platform_credits")
        .await
        .expect_reason(422, "invalid_request", "not_purchasable");
    app.delete("/v1/cart", &org.admin).await;

    // covered_by_bundle: a bundle in the cart was changed to include a tool also there.
    let c = app.tool_id("Commission Calculator").await;
    let bundle = app.bundle_id("Listing Domination").await;
    app.add(&org.admin, "tool", &c).await.expect(201);
    app.add(&org.admin, "bundle", &bundle).await.expect(201);
    let tools: Vec<Value> = app.bundle("Listing Domination").await["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .chain(std::iter::once(json!(c)))
        .collect();
    app.patch(
        &format!("/v1/admin/bundles/{bundle}"),
        &app.platform_admin,
        json!({"tool_ids": tools}),
    )
    .await
    .expect(200);
    let before = app.snapshot(&org).await;
    app.checkout(&org.admin, &uuid(), "platform_credits")
        .await
        .expect_reason(409, "conflict", "covered_by_bundle");
    assert_eq!(app.snapshot(&org).await, before);
    let orders = app.get("/v1/orders", &org.owner).await.expect(200);
    assert_eq!(
        orders["total"], 1,
        "only the first purchase became an order"
    );
}

#[actix_web::test]
async fn a_card_checkout_with_the_offline_gateway_is_fulfilled_with_a_client_secret() {
    let app = spawn_app().await;
    let org = app.org("ELITE", "0").await;
    let a = app.tool_id("Risk Assessment AI").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let order = app
        .checkout(&org.owner, "card-1", "credit_card")
        .await
        .expect(201);
    assert_eq!(order["payment_method"], "credit_card");
    assert_eq!(order["status"], "FULFILLED");
    let secret = order["payment"]["client_secret"].as_str().unwrap();
    assert!(!secret.is_empty());
    assert_money(&order["total"], "89.00");
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    assert_eq!(ents[0]["tool_id"], a);
    assert_eq!(ents[0]["source"], "purchase");
    let purchases = app.purchases(&org).await;
    assert_eq!(purchases.len(), 1);
    assert_eq!(purchases[0]["payment_method"], "credit_card");
}

#[actix_web::test]
async fn an_invoice_order_waits_for_mark_paid() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let order = app
        .checkout(&org.owner, "invoice-1", "invoice")
        .await
        .expect(201);
    assert_eq!(order["status"], "PENDING_PAYMENT");
    assert_eq!(order["payment_method"], "invoice");
    let id = order["id"].as_str().unwrap();
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    assert_eq!(ents, json!([]));
    assert_eq!(app.purchases(&org).await, Vec::<Value>::new());
    // The cart keeps the line until the order is fulfilled.
    let cart = app.get("/v1/cart", &org.owner).await.expect(200);
    assert_eq!(cart["lines"][0]["item_id"], a);

    let paid = app
        .post_empty(
            &format!("/v1/admin/orders/{id}/mark-paid"),
            &app.platform_admin,
        )
        .await
        .expect(200);
    assert_eq!(paid["id"], id);
    assert_eq!(paid["status"], "FULFILLED");
    let read = app
        .get(&format!("/v1/orders/{id}"), &org.owner)
        .await
        .expect(200);
    assert_eq!(read["status"], "FULFILLED");
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    assert_eq!(ents[0]["tool_id"], a);
    let cart = app.get("/v1/cart", &org.owner).await.expect(200);
    assert_eq!(
        cart["lines"],
        json!([]),
        "fulfilment empties the bought lines"
    );
    // Marking it paid again answers the fulfilled order and changes nothing.
    let before = app.snapshot(&org).await;
    let again = app
        .post_empty(
            &format!("/v1/admin/orders/{id}/mark-paid"),
            &app.platform_admin,
        )
        .await
        .expect(200);
    assert_eq!(again["status"], "FULFILLED");
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn orders_list_newest_first_with_paging() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let mut ids = Vec::new();
    for name in [
        "Lead Scoring Engine",
        "Commission Calculator",
        "Calendar Integration",
    ] {
        let id = app.tool_id(name).await;
        ids.push(
            app.buy(&org.owner, &[("tool", &id)], "platform_credits")
                .await["id"]
                .clone(),
        );
    }
    let page = app.get("/v1/orders", &org.admin).await.expect(200);
    let items = assert_list(&page, 3, 50, 0);
    let listed: Vec<Value> = items.iter().map(|o| o["id"].clone()).collect();
    ids.reverse();
    assert_eq!(listed, ids);
    let page = app
        .get("/v1/orders?limit=1&offset=1", &org.admin)
        .await
        .expect(200);
    let items = assert_list(&page, 3, 1, 1);
    assert_eq!(items[0]["id"], ids[1]);
    for q in ["limit=0", "limit=1000", "offset=x", "status=FULFILLED"] {
        app.get(&format!("/v1/orders?{q}"), &org.admin)
            .await
            .expect_error(400, "invalid_request");
    }
    // Another org sees none of them.
    let stranger = app.org("GROWTH", "0").await;
    let page = app.get("/v1/orders", &stranger.owner).await.expect(200);
    assert_eq!(assert_list(&page, 0, 50, 0).len(), 0);
}

#[actix_web::test]
async fn one_order_is_visible_only_to_its_orgs_purchasers() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    let order = app
        .buy(&org.owner, &[("tool", &a)], "platform_credits")
        .await;
    let id = order["id"].as_str().unwrap();
    let stranger = app.org("ELITE", "1000.00").await;
    app.get(&format!("/v1/orders/{id}"), &stranger.owner)
        .await
        .expect_error(404, "not_found");
    app.get(&format!("/v1/orders/{id}"), &org.member)
        .await
        .expect_error(403, "forbidden");
    app.get(&format!("/v1/orders/{}", uuid()), &org.owner)
        .await
        .expect_error(404, "not_found");
    app.get("/v1/orders/12345", &org.owner)
        .await
        .expect_error(400, "invalid_request");
}

#[actix_web::test]
async fn cancelling_an_order_awaiting_payment_and_the_refusals() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let stranger = app.org("GROWTH", "0").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let order = app.checkout(&org.owner, "inv", "invoice").await.expect(201);
    let id = order["id"].as_str().unwrap();
    let uri = format!("/v1/orders/{id}/cancel");

    // Another org: 404; a member: 403; in both cases nothing changes.
    let before = app.snapshot(&org).await;
    app.post_empty(&uri, &stranger.owner)
        .await
        .expect_error(404, "not_found");
    app.post_empty(&uri, &org.member)
        .await
        .expect_error(403, "forbidden");
    app.post_empty(&uri, &org.viewer)
        .await
        .expect_error(403, "forbidden");
    assert_eq!(app.snapshot(&org).await, before);

    let cancelled = app.post_empty(&uri, &org.admin).await.expect(200);
    assert_eq!(cancelled["id"], id);
    assert_eq!(cancelled["status"], "CANCELLED");
    let error =
        app.post_empty(&uri, &org.owner)
            .await
            .expect_reason(409, "conflict", "illegal_state");
    assert_eq!(error["details"][0]["from"], "CANCELLED");
    // A cancelled invoice cannot be marked paid either.
    app.post_empty(
        &format!("/v1/admin/orders/{id}/mark-paid"),
        &app.platform_admin,
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");

    // A fulfilled order cannot be cancelled.
    let done = app
        .buy(&org.owner, &[("tool", &a)], "platform_credits")
        .await;
    app.post_empty(
        &format!("/v1/orders/{}/cancel", done["id"].as_str().unwrap()),
        &org.owner,
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
    app.post_empty(&format!("/v1/orders/{}/cancel", uuid()), &org.owner)
        .await
        .expect_error(404, "not_found");
    app.post_empty("/v1/orders/nope/cancel", &org.owner)
        .await
        .expect_error(400, "invalid_request");
}
