//! GET /v1/admin/audit and GET /v1/orgs/me/audit (R-T8): the trail with what each change
//! changed, every org's for platform admins, an org's own for its owners only.

use serde_json::{Value, json};

use crate::helpers::{assert_list, spawn_app};

#[actix_web::test]
async fn r_t8_platform_admins_read_what_changed_filtered_and_paged() {
    let app = spawn_app().await;
    let org = app.org("STARTER", "0").await;
    let admin = app.platform_admin.clone();
    app.put(
        &format!("/v1/admin/orgs/{}", org.id),
        &admin,
        json!({"name": "Org STARTER", "tier": "GROWTH"}),
    )
    .await
    .expect(200);
    app.grant_credits(org.id, "250.00").await;

    let uri = format!("/v1/admin/audit?subject_id={}&action=org.upserted", org.id);
    let page = app.get(&uri, &admin).await.expect(200);
    let items = assert_list(&page, 2, 50, 0);
    // Newest first: the re-tiering, then the org's first write.
    assert_eq!(items[0]["changes"]["tier"]["old"], "STARTER");
    assert_eq!(items[0]["changes"]["tier"]["new"], "GROWTH");
    assert!(
        items[0]["changes"].get("name").is_none(),
        "an unchanged field is not a change: {}",
        items[0]
    );
    assert_eq!(items[1]["changes"]["tier"]["old"], Value::Null);
    assert_eq!(items[1]["changes"]["tier"]["new"], "STARTER");
    assert_eq!(items[0]["subject_type"], "org");
    assert!(items[0]["actor_id"].is_string());

    let credits = app
        .get(
            &format!(
                "/v1/admin/audit?subject_id={}&action=org.credits_granted",
                org.id
            ),
            &admin,
        )
        .await
        .expect(200);
    let [granted] = assert_list(&credits, 1, 50, 0).try_into().unwrap();
    assert_eq!(granted["changes"]["credits"]["old"], "0.00 USD");
    assert_eq!(granted["changes"]["credits"]["new"], "250.00 USD");
    assert_eq!(granted["details"]["amount"], "250.00 USD");

    // Paged, and a time range that ends before everything is empty.
    let one = app
        .get(
            &format!("/v1/admin/audit?subject_id={}&limit=1&offset=1", org.id),
            &admin,
        )
        .await
        .expect(200);
    assert_list(&one, 3, 1, 1);
    let before = app
        .get(
            &format!(
                "/v1/admin/audit?subject_id={}&to=2000-01-01T00:00:00Z",
                org.id
            ),
            &admin,
        )
        .await
        .expect(200);
    assert_list(&before, 0, 50, 0);
    // Bad filters are 400 in the error shape.
    for bad in [
        "/v1/admin/audit?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
        "/v1/admin/audit?limit=0",
        "/v1/admin/audit?subject_id=not-a-uuid",
        "/v1/admin/audit?colour=red",
        "/v1/admin/audit?action=",
    ] {
        app.get(bad, &admin)
            .await
            .expect_error(400, "invalid_request");
    }
    // Only platform admins.
    for token in [&app.moderator.clone(), &org.owner] {
        app.get("/v1/admin/audit", token)
            .await
            .expect_error(403, "forbidden");
    }
    app.call("GET", "/v1/admin/audit", None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn r_t8_an_owner_reads_its_own_orgs_trail_and_never_another_orgs() {
    let app = spawn_app().await;
    let a = app.org("GROWTH", "500.00").await;
    let b = app.org("GROWTH", "500.00").await;
    let tool = app.tool_id("Commission Calculator").await;
    let a_order = app
        .buy(&a.owner, &[("tool", &tool)], "platform_credits")
        .await;
    let b_order = app
        .buy(&b.owner, &[("tool", &tool)], "platform_credits")
        .await;

    let mine = app.get("/v1/orgs/me/audit", &a.owner).await.expect(200);
    let items = mine["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|e| e["org_id"] == a.id.to_string()),
        "only A's entries: {mine}"
    );
    assert!(
        items.iter().any(|e| e["subject_id"] == a_order["id"]),
        "A's order is in A's trail: {mine}"
    );
    let text = mine.to_string();
    assert!(!text.contains(b_order["id"].as_str().unwrap()), "{text}");
    assert!(!text.contains(&b.id.to_string()), "{text}");
    // Asking for B's order by id finds nothing, as does naming B as the org (unknown
    // here: the owner's read is always of its own org).
    let theirs = app
        .get(
            &format!(
                "/v1/orgs/me/audit?subject_id={}",
                b_order["id"].as_str().unwrap()
            ),
            &a.owner,
        )
        .await
        .expect(200);
    assert_list(&theirs, 0, 50, 0);
    app.get(&format!("/v1/orgs/me/audit?org_id={}", b.id), &a.owner)
        .await
        .expect_error(400, "invalid_request");
    // Only the org's owners.
    for token in [&a.admin, &a.member, &a.viewer] {
        app.get("/v1/orgs/me/audit", token)
            .await
            .expect_error(403, "forbidden");
    }
    app.call("GET", "/v1/orgs/me/audit", None, None)
        .await
        .expect_error(401, "unauthorized");
}
