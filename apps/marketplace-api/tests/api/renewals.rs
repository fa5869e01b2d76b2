//! Renewal invoices through the HTTP API (R-B6): the renewal job issues one for an invoice
//! payer at its period's end, and a platform admin marks it paid.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use marketplace_api::state::{Ports, Services};
use marketplace_testkit::fakes::FixedClock;

use crate::helpers::{assert_money, spawn_app_with, uuid};

#[actix_web::test]
async fn r_b6_an_admin_marks_a_renewal_invoice_paid_once_and_only_an_admin() {
    let clock = Arc::new(FixedClock::at(chrono::Utc::now()));
    let ports: Arc<Mutex<Option<Ports>>> = Arc::default();
    let (kept, at) = (ports.clone(), clock.clone());
    let app = spawn_app_with(move |p| {
        p.clock = at;
        *kept.lock().unwrap() = Some(p.clone());
    })
    .await;
    let jobs = Services::new(ports.lock().unwrap().take().unwrap());

    let org = app.org("GROWTH", "0").await;
    let tool = app.tool_id("Lead Scoring Engine").await;
    app.add(&org.owner, "tool", &tool).await.expect(201);
    let order = app
        .checkout(&org.owner, "renewing", "invoice")
        .await
        .expect(201);
    app.post_empty(
        &format!(
            "/v1/admin/orders/{}/mark-paid",
            order["id"].as_str().unwrap()
        ),
        &app.platform_admin,
    )
    .await
    .expect(200);
    let purchase = app.purchases(&org).await[0].clone();
    let id = purchase["id"].as_str().unwrap().to_owned();
    let end: chrono::DateTime<chrono::Utc> = purchase["current_period_end"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    clock.set(end + Duration::hours(1));
    let report = jobs.renewals.run_due().await.unwrap();
    assert_eq!(report.invoiced, 1);
    let uri = format!("/v1/admin/purchases/{id}/renewal-invoices/1/mark-paid");

    // Refused: not an admin, another number, another purchase, a malformed number.
    let before = app.snapshot(&org).await;
    for token in [&org.owner, &app.moderator] {
        app.post_empty(&uri, token)
            .await
            .expect_error(403, "forbidden");
    }
    app.post_empty(&uri, "")
        .await
        .expect_error(401, "unauthorized");
    app.post_empty(
        &format!("/v1/admin/purchases/{id}/renewal-invoices/2/mark-paid"),
        &app.platform_admin,
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty(
        &format!(
            "/v1/admin/purchases/{}/renewal-invoices/1/mark-paid",
            uuid()
        ),
        &app.platform_admin,
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty(
        &format!("/v1/admin/purchases/{id}/renewal-invoices/first/mark-paid"),
        &app.platform_admin,
    )
    .await
    .expect_error(400, "invalid_request");
    assert_eq!(app.snapshot(&org).await, before, "nothing changed");

    let paid = app.post_empty(&uri, &app.platform_admin).await.expect(200);
    assert_eq!(paid["status"], "COLLECTED");
    assert_eq!(paid["invoice_number"], "REN-000001");
    assert_eq!(paid["purchase_id"], id.as_str());
    assert_money(&paid["amount"], "79.00");
    assert_eq!(
        paid["period_start"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        end
    );
    let again = app.post_empty(&uri, &app.platform_admin).await.expect(200);
    assert_eq!(again["status"], "COLLECTED");
    let renewed = app.purchases(&org).await[0].clone();
    assert_eq!(
        renewed["current_period_end"], paid["period_end"],
        "the purchase runs to the renewal's end"
    );
}
