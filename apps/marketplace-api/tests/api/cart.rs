//! GET /v1/cart, POST /v1/cart/items, DELETE /v1/cart/items/{item_type}/{item_id},
//! DELETE /v1/cart.

use serde_json::{Value, json};

use crate::helpers::{assert_money, spawn_app, uuid};

fn line_ids(cart: &Value) -> Vec<String> {
    cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["item_id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn an_empty_cart_has_zero_totals() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let cart = app.get("/v1/cart", &org.member).await.expect(200);
    assert_eq!(cart["lines"], json!([]));
    assert_money(&cart["subtotal"], "0.00");
    assert_money(&cart["savings"], "0.00");
    assert_money(&cart["total"], "0.00");
    assert_eq!(cart["currency"], "USD");
    assert!(cart.get("removed").is_none(), "removed only answers an add");
}

#[actix_web::test]
async fn adding_a_tool_answers_201_with_the_priced_cart_and_again_200_unchanged() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    let cart = app.add(&org.member, "tool", &id).await.expect(201);
    assert_eq!(cart["lines"].as_array().unwrap().len(), 1);
    let line = &cart["lines"][0];
    assert_eq!(line["item_type"], "tool");
    assert_eq!(line["item_id"], id);
    assert_eq!(line["name"], "Lead Scoring Engine");
    assert_money(&line["price"], "79.00");
    assert_money(&cart["subtotal"], "79.00");
    assert_money(&cart["total"], "79.00");
    assert_money(&cart["savings"], "0.00");
    assert_eq!(cart["removed"], json!([]));

    let again = app.add(&org.member, "tool", &id).await.expect(200);
    assert_eq!(again["lines"], cart["lines"]);
    assert_eq!(again["removed"], json!([]));

    let other = app.tool_id("Commission Calculator").await;
    let cart = app.add(&org.member, "tool", &other).await.expect(201);
    assert_money(&cart["total"], "128.00");
    // The cart is the member's own: the owner's is still empty.
    let owner_cart = app.get("/v1/cart", &org.owner).await.expect(200);
    assert_eq!(owner_cart["lines"], json!([]));
    let read = app.get("/v1/cart", &org.member).await.expect(200);
    assert_eq!(line_ids(&read), [id, other]);
}

#[actix_web::test]
async fn adding_a_bundle_removes_the_tool_lines_it_covers() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let scoring = app.tool_id("Lead Scoring Engine").await;
    let capture = app.tool_id("Lead Capture Summary Generator").await;
    let outside = app.tool_id("Commission Calculator").await;
    for id in [&scoring, &capture, &outside] {
        app.add(&org.owner, "tool", id).await.expect(201);
    }
    let bundle = app.bundle_id("Lead Generation Pro").await;
    let cart = app.add(&org.owner, "bundle", &bundle).await.expect(201);
    let mut removed: Vec<(String, String)> = cart["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["item_type"].as_str().unwrap().to_owned(),
                r["item_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    removed.sort();
    let mut expected = vec![
        ("tool".to_owned(), scoring.clone()),
        ("tool".to_owned(), capture.clone()),
    ];
    expected.sort();
    assert_eq!(removed, expected);
    let mut lines = line_ids(&cart);
    lines.sort();
    let mut want = vec![outside, bundle.clone()];
    want.sort();
    assert_eq!(lines, want);
    let bundle_line = cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item_type"] == "bundle")
        .unwrap();
    assert_eq!(bundle_line["name"], "Lead Generation Pro");
    assert_money(&bundle_line["price"], "553.60");
    assert_money(&cart["total"], "602.60");
    assert_money(&cart["savings"], "138.40");
    assert_money(&cart["subtotal"], "741.00");

    // A tool the bundle covers can no longer be added.
    let error = app.add(&org.owner, "tool", &scoring).await.expect_reason(
        409,
        "conflict",
        "covered_by_bundle",
    );
    assert_eq!(error["details"][0]["item_id"], bundle);
}

#[actix_web::test]
async fn adding_refuses_what_the_org_may_not_buy() {
    let app = spawn_app().await;
    // R-S1: a STARTER org and a GROWTH tool.
    let starter = app.org("STARTER", "0").await;
    let growth_tool = app.tool_id("Lead Scoring Engine").await;
    let error = app
        .add(&starter.owner, "tool", &growth_tool)
        .await
        .expect_reason(403, "forbidden", "tier_too_low");
    assert_eq!(error["details"][0]["required_tier"], "GROWTH");

    // R-C3: a DEPRECATED tool; R-C2: a CUSTOM-priced one.
    let enterprise = app.org("ENTERPRISE", "0").await;
    let deprecated = app.tool_id("Appointment Reminder System").await;
    app.add(&enterprise.owner, "tool", &deprecated)
        .await
        .expect_reason(422, "invalid_request", "not_purchasable");
    let custom = app.tool_id("Mortgage Lender Integration").await;
    app.add(&enterprise.owner, "tool", &custom)
        .await
        .expect_reason(422, "invalid_request", "contact_sales");

    // Unknown ids of either kind.
    app.add(&enterprise.owner, "tool", &uuid())
        .await
        .expect_error(404, "not_found");
    app.add(&enterprise.owner, "bundle", &uuid())
        .await
        .expect_error(404, "not_found");

    for org in [&starter, &enterprise] {
        let cart = app.get("/v1/cart", &org.owner).await.expect(200);
        assert_eq!(cart["lines"], json!([]), "nothing was added");
    }
}

#[actix_web::test]
async fn an_owned_tool_cannot_be_added_again() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500.00").await;
    let id = app.tool_id("Commission Calculator").await;
    app.buy(&org.owner, &[("tool", &id)], "platform_credits")
        .await;
    let before = app.snapshot(&org).await;
    let error =
        app.add(&org.owner, "tool", &id)
            .await
            .expect_reason(409, "conflict", "already_owned");
    assert_eq!(error["details"][0]["item_id"], id);
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn r_s2_quota_at_growth_ten_paid_tools_and_one_bundle() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "5000.00").await;
    let paid: Vec<&str> = marketplace_migrations::catalog()
        .iter()
        .filter(|t| {
            t.is_purchasable()
                && t.price_model != "FREE"
                && matches!(t.required_tier, "FREE" | "STARTER" | "GROWTH")
        })
        .map(|t| t.name)
        .take(11)
        .collect();
    assert_eq!(paid.len(), 11);
    let mut ids = Vec::new();
    for name in &paid {
        ids.push(app.tool_id(name).await);
    }
    // Ten bought, the eleventh refused, in the cart.
    let items: Vec<(&str, &str)> = ids[..10].iter().map(|id| ("tool", id.as_str())).collect();
    let order = app.buy(&org.owner, &items, "platform_credits").await;
    assert_eq!(order["status"], "FULFILLED");
    let before = app.snapshot(&org).await;
    let error = app
        .add(&org.owner, "tool", &ids[10])
        .await
        .expect_error(403, "quota_exceeded");
    assert!(error["details"].is_array());
    assert_eq!(app.snapshot(&org).await, before);

    // One bundle at GROWTH: a second bundle is refused already in the cart.
    let other = app.org("GROWTH", "5000.00").await;
    let first = app.bundle_id("Listing Domination").await;
    let second = app.bundle_id("Transaction Management").await;
    app.add(&other.owner, "bundle", &first).await.expect(201);
    app.add(&other.owner, "bundle", &second)
        .await
        .expect_error(403, "quota_exceeded");
    let cart = app.get("/v1/cart", &other.owner).await.expect(200);
    assert_eq!(line_ids(&cart), [first]);
}

#[actix_web::test]
async fn removing_a_line_and_clearing_the_cart() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    let b = app.tool_id("Commission Calculator").await;
    app.add(&org.member, "tool", &a).await.expect(201);
    app.add(&org.member, "tool", &b).await.expect(201);

    let cart = app
        .delete(&format!("/v1/cart/items/tool/{a}"), &org.member)
        .await
        .expect(200);
    assert_eq!(line_ids(&cart), std::slice::from_ref(&b));
    assert_money(&cart["total"], "49.00");
    // Removing a line that is not there succeeds and changes nothing (R-K5).
    let again = app
        .delete(&format!("/v1/cart/items/tool/{a}"), &org.member)
        .await
        .expect(200);
    assert_eq!(again, cart);
    let again = app
        .delete(&format!("/v1/cart/items/bundle/{}", uuid()), &org.member)
        .await
        .expect(200);
    assert_eq!(again, cart);

    let r = app.delete("/v1/cart", &org.member).await;
    assert_eq!(r.status.as_u16(), 204);
    assert!(r.body.is_empty());
    let cart = app.get("/v1/cart", &org.member).await.expect(200);
    assert_eq!(cart["lines"], json!([]));
    assert_eq!(
        app.delete("/v1/cart", &org.member).await.status.as_u16(),
        204
    );
}

#[actix_web::test]
async fn remove_refuses_a_malformed_path() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let a = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &a).await.expect(201);
    let before = app.snapshot(&org).await;
    app.delete(&format!("/v1/cart/items/gadget/{a}"), &org.owner)
        .await
        .expect_error(400, "invalid_request");
    app.delete("/v1/cart/items/tool/not-a-uuid", &org.owner)
        .await
        .expect_error(400, "invalid_request");
    app.delete(&format!("/v1/cart/items/TOOL/{a}"), &org.owner)
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn add_refuses_malformed_bodies_with_400() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    for body in [
        json!({"item_type": "gadget", "item_id": id}),
        json!({"item_type": "TOOL", "item_id": id}),
        json!({"item_type": "tool", "item_id": "nope"}),
        json!({"item_type": "tool"}),
        json!({"item_type": "tool", "item_id": id, "quantity": 2}),
        json!("tool"),
        json!(null),
    ] {
        let r = app.post("/v1/cart/items", &org.owner, body.clone()).await;
        assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.text());
        crate::helpers::assert_error_shape(&r.json(), "invalid_request");
    }
    let cart = app.get("/v1/cart", &org.owner).await.expect(200);
    assert_eq!(cart["lines"], json!([]));
}

#[actix_web::test]
async fn a_viewer_may_not_use_a_cart_and_nothing_changes() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &id).await.expect(201);
    let before = app.snapshot(&org).await;
    let other = app.tool_id("Commission Calculator").await;
    app.get("/v1/cart", &org.viewer)
        .await
        .expect_error(403, "forbidden");
    app.add(&org.viewer, "tool", &other)
        .await
        .expect_error(403, "forbidden");
    app.delete(&format!("/v1/cart/items/tool/{id}"), &org.viewer)
        .await
        .expect_error(403, "forbidden");
    app.delete("/v1/cart", &org.viewer)
        .await
        .expect_error(403, "forbidden");
    assert_eq!(app.snapshot(&org).await, before);
}

#[actix_web::test]
async fn another_orgs_caller_never_touches_this_orgs_cart() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let stranger = app.org("GROWTH", "0").await;
    let id = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &id).await.expect(201);
    let before = app.snapshot(&org).await;
    // The stranger's cart is their own: empty, and clearing or removing from it leaves
    // the first org's cart as it was.
    let cart = app.get("/v1/cart", &stranger.owner).await.expect(200);
    assert_eq!(cart["lines"], json!([]));
    app.delete(&format!("/v1/cart/items/tool/{id}"), &stranger.owner)
        .await
        .expect(200);
    assert_eq!(
        app.delete("/v1/cart", &stranger.owner)
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(app.snapshot(&org).await, before);
}
