//! GET /v1/me/export, DELETE /v1/me and DELETE /v1/admin/users/{id} (R-T9): a user's
//! personal data exported whole (never a key), and erased by themselves or a platform
//! admin: reviews anonymised, votes and cart dropped, the trail keeping its ids, orders,
//! purchases and the ledger untouched, the erasure itself in the trail.

use marketplace_domain::access::{OrgRole, PlatformRole};
use serde_json::json;
use uuid::Uuid;

use crate::api_keys::create_key;
use crate::helpers::{mint, spawn_app};

#[actix_web::test]
async fn r_t9_a_user_exports_their_data_and_erases_it_and_an_admin_erases_another() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "1000.00").await;
    let voter_id = Uuid::new_v4();
    let voter = mint(
        &app.keys,
        voter_id,
        org.id,
        OrgRole::Member,
        PlatformRole::User,
    );
    let tool = app.tool_id("Commission Calculator").await;
    let other = app.tool_id("Lead Scoring Engine").await;
    app.buy(&org.owner, &[("tool", &tool)], "platform_credits")
        .await;
    let review = app
        .put(
            &format!("/v1/tools/{tool}/reviews/mine"),
            &org.owner,
            json!({"rating": 4, "title": "Solid", "body": "Pays our agents right."}),
        )
        .await
        .expect(200);
    let review_id = review["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/moderation/reviews/{review_id}"),
        &app.moderator.clone(),
        json!({"decision": "approve"}),
    )
    .await
    .expect(200);
    let r = app
        .post_empty(&format!("/v1/reviews/{review_id}/helpful"), &voter)
        .await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    app.add(&org.owner, "tool", &other).await.expect(201);
    let (key, _) = create_key(&app, &org.owner, &["usage:read"]).await;

    // The export: everything about the owner, no key.
    let export = app.get("/v1/me/export", &org.owner).await.expect(200);
    assert_eq!(export["user_id"], org.owner_user.to_string());
    assert_eq!(export["reviews"][0]["id"], review_id.as_str());
    assert_eq!(export["reviews"][0]["body"], "Pays our agents right.");
    assert_eq!(export["cart"][0]["item_id"], other.as_str());
    assert_eq!(export["api_keys"][0]["scopes"], "usage:read");
    assert!(!export.to_string().contains(&key), "never the key");
    let audited = export["audit"].as_array().unwrap();
    assert!(
        audited.iter().any(|e| e["action"] == "order.placed"),
        "{export}"
    );
    app.get("/v1/me/export?x=1", &org.owner)
        .await
        .expect_error(400, "invalid_request");
    app.call("GET", "/v1/me/export", None, None)
        .await
        .expect_error(401, "unauthorized");

    // Erasure by the user.
    let before = app.snapshot(&org).await;
    let erased = app.delete("/v1/me", &org.owner).await.expect(200);
    assert_eq!(erased["reviews_anonymised"], 1);
    assert_eq!(erased["cart_lines_removed"], 1);
    assert!(erased["audit_entries_cleared"].as_u64().unwrap() >= 2);
    let after = app.get("/v1/me/export", &org.owner).await.expect(200);
    assert_eq!(after["reviews"], json!([]));
    assert_eq!(after["cart"], json!([]));
    for entry in after["audit"].as_array().unwrap() {
        if entry["action"] != "user.erased" {
            assert_eq!(entry["details"], json!({}), "ids only: {entry}");
            assert_eq!(entry["changes"], json!({}), "ids only: {entry}");
        }
    }
    // The review stays, its rating counted, its words and author gone.
    let listed = app
        .get(&format!("/v1/tools/{tool}/reviews"), &voter)
        .await
        .expect(200);
    let kept = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == review_id.as_str())
        .unwrap_or_else(|| panic!("the review stays: {listed}"))
        .clone();
    assert_eq!(kept["rating"], 4);
    assert!(
        kept.get("body").is_none_or(serde_json::Value::is_null),
        "{kept}"
    );
    assert!(!listed.to_string().contains(&org.owner_user.to_string()));
    // Orders, purchases, entitlements and figures are the org's: untouched.
    let mut now = app.snapshot(&org).await;
    let mut then = before;
    for s in [&mut now, &mut then] {
        s["cart"] = json!(null);
    }
    assert_eq!(now, then, "only the cart changed");

    // A platform admin erases the voter; anyone else is refused and changes nothing.
    let uri = format!("/v1/admin/users/{voter_id}");
    for token in [&org.owner, &app.moderator.clone()] {
        app.delete(&uri, token).await.expect_error(403, "forbidden");
    }
    let voter_export = app.get("/v1/me/export", &voter).await.expect(200);
    assert_eq!(voter_export["votes"][0]["review_id"], review_id.as_str());
    let by_admin = app
        .delete(&uri, &app.platform_admin.clone())
        .await
        .expect(200);
    assert_eq!(by_admin["votes_removed"], 1);
    let voter_export = app.get("/v1/me/export", &voter).await.expect(200);
    assert_eq!(voter_export["votes"], json!([]));
    app.delete("/v1/admin/users/not-a-uuid", &app.platform_admin.clone())
        .await
        .expect_error(400, "invalid_request");

    // Both erasures are in the trail, by ids.
    let trail = app
        .get(
            "/v1/admin/audit?action=user.erased",
            &app.platform_admin.clone(),
        )
        .await
        .expect(200);
    let subjects: Vec<_> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["subject_id"].clone(), e["details"]["by"].clone()))
        .collect();
    assert_eq!(
        subjects,
        [
            (json!(voter_id.to_string()), json!("ADMIN")),
            (json!(org.owner_user.to_string()), json!("SELF")),
        ]
    );
}
