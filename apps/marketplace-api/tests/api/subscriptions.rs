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

#[actix_web::test]
async fn r_b5_r_l6_a_renewal_the_credits_do_not_cover_is_past_due_and_suspends_the_license() {
    use std::sync::{Arc, Mutex};

    use marketplace_api::state::{Ports, Services};
    use marketplace_testkit::fakes::FixedClock;

    let clock = Arc::new(FixedClock::at(chrono::Utc::now()));
    let ports: Arc<Mutex<Option<Ports>>> = Arc::default();
    let (kept, at) = (ports.clone(), clock.clone());
    let app = crate::helpers::spawn_app_with(move |p| {
        p.clock = at;
        *kept.lock().unwrap() = Some(p.clone());
    })
    .await;
    let jobs = Services::new(ports.lock().unwrap().take().unwrap());
    // 100.00 of credits: the first month (79.00) is paid, the second is not covered.
    let org = app.org("GROWTH", "100.00").await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    app.buy(&org.owner, &[("tool", &monthly)], "platform_credits")
        .await;
    let purchase = app.purchases(&org).await[0].clone();
    let id = purchase["id"].as_str().unwrap().to_owned();
    let end: chrono::DateTime<chrono::Utc> = purchase["current_period_end"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let uri = format!("/v1/subscriptions/{id}");
    let license_status = || async {
        let listed = app.get("/v1/licenses", &org.owner).await.expect(200);
        listed["items"][0]["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(license_status().await, "ACTIVE");

    clock.set(end + chrono::Duration::hours(1));
    assert_eq!(jobs.renewals.run_due().await.unwrap().past_due, 1);
    let sub = app.get(&uri, &org.owner).await.expect(200);
    assert_eq!(sub["status"], "past_due");
    assert_eq!(sub["cancel_at_period_end"], false);
    assert_eq!(
        sub["current_period_end"], purchase["current_period_end"],
        "the lapsed period"
    );
    let page = app.get("/v1/subscriptions", &org.owner).await.expect(200);
    assert_eq!(page["items"][0]["status"], "past_due");
    assert_eq!(
        license_status().await,
        "SUSPENDED",
        "held back while past due"
    );

    // Over the grace (3 days), the expiry job ends it.
    clock.set(end + chrono::Duration::days(3));
    assert_eq!(jobs.purchases.expire_due().await.unwrap(), 1);
    let sub = app.get(&uri, &org.owner).await.expect(200);
    assert_eq!(sub["status"], "expired");
    assert_eq!(license_status().await, "EXPIRED");
}
