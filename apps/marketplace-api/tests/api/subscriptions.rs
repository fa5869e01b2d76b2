//! GET /v1/subscriptions, GET /v1/subscriptions/{id}, POST /v1/subscriptions/{id}/cancel
//! (R-B5): the org's recurring purchases.

use crate::helpers::{assert_list, assert_timestamp, spawn_app, uuid};

#[actix_web::test]
async fn r_b5_the_orgs_recurring_purchases_are_its_subscriptions() {
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
    let purchase = app
        .purchases(&org)
        .await
        .into_iter()
        .find(|p| p["tool_id"] == monthly)
        .unwrap();
    let id = purchase["id"].as_str().unwrap().to_owned();

    let page = app.get("/v1/subscriptions", &org.owner).await.expect(200);
    let [sub] = assert_list(&page, 1, 50, 0).try_into().unwrap();
    assert_eq!(sub["id"], id);
    assert_eq!(sub["tool_id"], monthly);
    assert!(sub.get("bundle_id").is_none());
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["cancel_at_period_end"], false);
    assert_eq!(sub["payment_method"], "platform_credits");
    assert_timestamp(&sub["current_period_start"]);
    assert_eq!(sub["current_period_end"], purchase["current_period_end"]);
    assert!(
        sub.get("plan").is_some(),
        "plan is always present (null: none named)"
    );

    let one = app
        .get(&format!("/v1/subscriptions/{id}"), &org.admin)
        .await
        .expect(200);
    assert_eq!(one, sub);

    let canceled = app
        .post_empty(&format!("/v1/subscriptions/{id}/cancel"), &org.admin)
        .await
        .expect(200);
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["cancel_at_period_end"], true);
    assert_eq!(canceled["current_period_end"], sub["current_period_end"]);
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200);
    assert!(
        ents["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["tool_id"] == monthly),
        "access runs to the end of the period"
    );
    let before = app.snapshot(&org).await;
    let again = app
        .post_empty(&format!("/v1/subscriptions/{id}/cancel"), &org.owner)
        .await
        .expect(200);
    assert_eq!(again, canceled);
    assert_eq!(
        app.snapshot(&org).await,
        before,
        "cancelling again changes nothing"
    );
}

#[actix_web::test]
async fn r_b5_subscriptions_are_the_orgs_own_and_its_purchasers() {
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
    let id_of = |tool: &str| {
        purchases.iter().find(|p| p["tool_id"] == tool).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (monthly_id, once_id) = (id_of(&monthly), id_of(&once));
    let stranger = app.org("ELITE", "0").await;
    let before = app.snapshot(&org).await;

    app.call("GET", "/v1/subscriptions", None, None)
        .await
        .expect_error(401, "unauthorized");
    app.get("/v1/subscriptions", &org.viewer)
        .await
        .expect_error(403, "forbidden");
    let theirs = app
        .get("/v1/subscriptions", &stranger.owner)
        .await
        .expect(200);
    assert_list(&theirs, 0, 50, 0);
    for uri in [
        format!("/v1/subscriptions/{monthly_id}"),
        format!("/v1/subscriptions/{once_id}"),
        format!("/v1/subscriptions/{}", uuid()),
    ] {
        let who = if uri.contains(&monthly_id) {
            &stranger.owner
        } else {
            &org.owner
        };
        app.get(&uri, who).await.expect_error(404, "not_found");
    }
    app.post_empty(
        &format!("/v1/subscriptions/{monthly_id}/cancel"),
        &stranger.owner,
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty(&format!("/v1/subscriptions/{once_id}/cancel"), &org.owner)
        .await
        .expect_error(404, "not_found");
    app.post_empty(
        &format!("/v1/subscriptions/{monthly_id}/cancel"),
        &org.viewer,
    )
    .await
    .expect_error(403, "forbidden");
    app.get("/v1/subscriptions/not-a-uuid", &org.owner)
        .await
        .expect_error(400, "invalid_request");
    app.get("/v1/subscriptions?limit=0", &org.owner)
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(app.snapshot(&org).await, before, "refusals change nothing");
}
