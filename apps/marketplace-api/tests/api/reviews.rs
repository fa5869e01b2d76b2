//! GET /v1/tools/{id}/reviews, PUT and DELETE /v1/tools/{id}/reviews/mine,
//! POST /v1/reviews/{id}/helpful, POST /v1/reviews/{id}/flag, GET /v1/moderation/reviews,
//! POST /v1/moderation/reviews/{id}; and the README walk-through.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use marketplace_domain::access::{OrgRole, PlatformRole};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Org, TestApp, assert_list, assert_money, assert_timestamp, mint, request, spawn_app, uuid,
};

/// An org that holds "Lead Scoring Engine", and the tool's id.
async fn entitled_org<S, B>(app: &TestApp<S>) -> (Org, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let org = app.org("GROWTH", "1000.00").await;
    let tool = app.tool_id("Lead Scoring Engine").await;
    app.buy(&org.owner, &[("tool", &tool)], "platform_credits")
        .await;
    (org, tool)
}

fn review_body() -> Value {
    json!({"rating": 4, "title": "Solid", "body": "Scores leads well."})
}

#[actix_web::test]
async fn the_readme_walk_through() {
    let app = spawn_app().await;
    let org = app.org("ELITE", "5000.00").await;

    // Browse.
    let page = app.get("/v1/tools?limit=5", &org.owner).await.expect(200);
    // The seed's 54 less its DEPRECATED tool (R-C5).
    assert_eq!(assert_list(&page, 53, 5, 0).len(), 5);
    let bundles = app.get("/v1/bundles", &org.owner).await.expect(200);
    let bundle = bundles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Lead Generation Pro")
        .unwrap()
        .clone();
    let bundle_id = bundle["id"].as_str().unwrap();

    // Add the bundle and check out with credits.
    let cart = app.add(&org.owner, "bundle", bundle_id).await.expect(201);
    assert_eq!(cart["lines"][0]["item_id"], bundle_id);
    assert_money(&cart["total"], "553.60");
    let order = app
        .checkout(&org.owner, "walkthrough-1", "platform_credits")
        .await
        .expect(201);
    assert_eq!(order["status"], "FULFILLED");
    assert_money(&order["total"], "553.60");
    assert_eq!(order["lines"][0]["item_type"], "bundle");

    // Entitlements: the bundle's tools, from the bundle.
    let ents = app.get("/v1/entitlements", &org.owner).await.expect(200)["items"].clone();
    let ents = ents.as_array().unwrap();
    let mut held: Vec<&str> = ents
        .iter()
        .map(|e| e["tool_id"].as_str().unwrap())
        .collect();
    held.sort_unstable();
    let mut want: Vec<&str> = bundle["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    want.sort_unstable();
    assert_eq!(held, want);
    assert!(ents.iter().all(|e| e["source"] == "bundle"));
    let tool = ents[0]["tool_id"].as_str().unwrap();

    // Review, moderate, and the tool's rating follows.
    let review = app
        .put(
            &format!("/v1/tools/{tool}/reviews/mine"),
            &org.owner,
            json!({"rating": 5, "title": "Does the job", "body": "Set up in minutes."}),
        )
        .await
        .expect(200);
    assert_eq!(review["status"], "PENDING");
    assert_eq!(review["rating"], 5);
    let queue = app
        .get("/v1/moderation/reviews?status=PENDING", &app.moderator)
        .await
        .expect(200);
    let items = assert_list(&queue, 1, 50, 0);
    assert_eq!(items[0]["id"], review["id"]);
    let review_id = items[0]["id"].as_str().unwrap();
    let approved = app
        .post(
            &format!("/v1/moderation/reviews/{review_id}"),
            &app.moderator,
            json!({"decision": "approve", "notes": "verified"}),
        )
        .await
        .expect(200);
    assert_eq!(approved["status"], "APPROVED");
    let tool = app
        .get(&format!("/v1/tools/{tool}"), &org.owner)
        .await
        .expect(200);
    assert_eq!(tool["avg_rating"], "5.00");
    assert_eq!(tool["review_count"], 1);
}

#[actix_web::test]
async fn writing_a_review_needs_an_entitlement_and_a_reviewer() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let uri = format!("/v1/tools/{tool}/reviews/mine");
    let stranger = app.org("GROWTH", "0").await;
    let before = app.moderation().await;
    app.put(&uri, &stranger.owner, review_body())
        .await
        .expect_reason(403, "forbidden", "not_entitled");
    app.put(&uri, &org.viewer, review_body())
        .await
        .expect_error(403, "forbidden");
    app.put(
        &format!("/v1/tools/{}/reviews/mine", uuid()),
        &org.owner,
        review_body(),
    )
    .await
    .expect_error(404, "not_found");
    app.get(&format!("/v1/tools/{}/reviews", uuid()), &org.owner)
        .await
        .expect_error(404, "not_found");
    assert_eq!(app.moderation().await, before, "no review was written");

    let review = app.put(&uri, &org.member, review_body()).await.expect(200);
    assert_eq!(review["tool_id"], tool);
    assert_eq!(review["rating"], 4);
    assert_eq!(review["title"], "Solid");
    assert_eq!(review["body"], "Scores leads well.");
    assert_eq!(review["status"], "PENDING");
    assert_eq!(review["verified_purchase"], true);
    assert_eq!(review["helpful_count"], 0);
    assert_timestamp(&review["created_at"]);
    assert_timestamp(&review["updated_at"]);

    // Rewriting keeps the review and its id.
    let rewritten = app
        .put(&uri, &org.member, json!({"rating": 2}))
        .await
        .expect(200);
    assert_eq!(rewritten["id"], review["id"]);
    assert_eq!(rewritten["rating"], 2);
    assert_eq!(rewritten["title"], Value::Null);
    let queue = app.moderation().await;
    assert_eq!(queue["total"], 1);
}

#[actix_web::test]
async fn a_review_body_is_checked_with_400s() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let uri = format!("/v1/tools/{tool}/reviews/mine");
    for body in [
        json!({"rating": 0}),
        json!({"rating": 6}),
        json!({"rating": "five"}),
        json!({"title": "no rating"}),
        json!({"rating": 3, "title": "t".repeat(201)}),
        json!({"rating": 3, "body": "b".repeat(2001)}),
        json!({"rating": 3, "stars": 3}),
    ] {
        app.put(&uri, &org.owner, body)
            .await
            .expect_error(400, "invalid_request");
    }
    let error = app
        .put(&uri, &org.owner, json!({"rating": 9}))
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(error["details"][0]["field"], "rating");
    app.put("/v1/tools/abc/reviews/mine", &org.owner, review_body())
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(app.moderation().await["total"], 0);
}

#[actix_web::test]
async fn deleting_ones_own_review() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let uri = format!("/v1/tools/{tool}/reviews/mine");
    app.put(&uri, &org.owner, review_body()).await.expect(200);
    app.delete(&uri, &org.viewer)
        .await
        .expect_error(403, "forbidden");
    // The member has none of their own: 404, and the owner's stays.
    app.delete(&uri, &org.member)
        .await
        .expect_error(404, "not_found");
    let stranger = app.org("GROWTH", "0").await;
    app.delete(&uri, &stranger.owner)
        .await
        .expect_error(404, "not_found");
    assert_eq!(app.moderation().await["total"], 1);
    let r = app.delete(&uri, &org.owner).await;
    assert_eq!(r.status.as_u16(), 204);
    assert!(r.body.is_empty());
    assert_eq!(app.moderation().await["total"], 0);
    app.delete(&uri, &org.owner)
        .await
        .expect_error(404, "not_found");
    app.delete("/v1/tools/1/reviews/mine", &org.owner)
        .await
        .expect_error(400, "invalid_request");
}

/// Writes and approves a review by the org's owner; returns its id.
async fn approved_review<S, B>(app: &TestApp<S>, org: &Org, tool: &str, rating: u8) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let review = app
        .put(
            &format!("/v1/tools/{tool}/reviews/mine"),
            &org.owner,
            json!({"rating": rating}),
        )
        .await
        .expect(200);
    let id = review["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/moderation/reviews/{id}"),
        &app.moderator,
        json!({"decision": "approve"}),
    )
    .await
    .expect(200);
    id
}

#[actix_web::test]
async fn public_reviews_are_the_approved_ones_newest_first() {
    let app = spawn_app().await;
    let (first, tool) = entitled_org(&app).await;
    let second = app.org("GROWTH", "1000.00").await;
    app.buy(&second.owner, &[("tool", &tool)], "platform_credits")
        .await;
    let third = app.org("GROWTH", "1000.00").await;
    app.buy(&third.owner, &[("tool", &tool)], "platform_credits")
        .await;
    let older = approved_review(&app, &first, &tool, 5).await;
    let newer = approved_review(&app, &second, &tool, 2).await;
    // A pending one is not public.
    app.put(
        &format!("/v1/tools/{tool}/reviews/mine"),
        &third.owner,
        json!({"rating": 1}),
    )
    .await
    .expect(200);

    let page = app
        .get(&format!("/v1/tools/{tool}/reviews"), &third.viewer)
        .await
        .expect(200);
    let items = assert_list(&page, 2, 50, 0);
    let listed: Vec<&str> = items.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [newer.as_str(), older.as_str()]);
    assert!(items.iter().all(|r| r["status"] == "APPROVED"));
    let page = app
        .get(
            &format!("/v1/tools/{tool}/reviews?limit=1&offset=1"),
            &third.viewer,
        )
        .await
        .expect(200);
    assert_eq!(assert_list(&page, 2, 1, 1)[0]["id"], older);

    let t = app
        .get(&format!("/v1/tools/{tool}"), &third.viewer)
        .await
        .expect(200);
    assert_eq!(t["avg_rating"], "3.50");
    assert_eq!(t["review_count"], 2);

    for q in ["limit=0", "sort=new", "limit=x"] {
        app.get(&format!("/v1/tools/{tool}/reviews?{q}"), &third.viewer)
            .await
            .expect_error(400, "invalid_request");
    }
    app.get("/v1/tools/nope/reviews", &third.viewer)
        .await
        .expect_error(400, "invalid_request");
    app.call("GET", &format!("/v1/tools/{tool}/reviews"), None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn helpful_votes_one_per_user_never_ones_own() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let id = approved_review(&app, &org, &tool, 4).await;
    let uri = format!("/v1/reviews/{id}/helpful");
    let r = app.post_empty(&uri, &org.member).await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    app.post_empty(&uri, &org.member)
        .await
        .expect_reason(409, "conflict", "already_voted");
    app.post_empty(&uri, &org.owner)
        .await
        .expect_reason(403, "forbidden", "own_review");
    app.post_empty(&uri, &org.viewer)
        .await
        .expect_error(403, "forbidden");
    let stranger = app.org("GROWTH", "0").await;
    app.post_empty(&uri, &stranger.owner)
        .await
        .expect_reason(403, "forbidden", "not_entitled");
    app.post_empty(&format!("/v1/reviews/{}/helpful", uuid()), &org.member)
        .await
        .expect_error(404, "not_found");
    app.post_empty("/v1/reviews/x/helpful", &org.member)
        .await
        .expect_error(400, "invalid_request");
    let page = app
        .get(&format!("/v1/tools/{tool}/reviews"), &org.member)
        .await
        .expect(200);
    assert_eq!(page["items"][0]["helpful_count"], 1);
}

#[actix_web::test]
async fn three_flags_hide_a_review_until_a_moderator_decides() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let id = approved_review(&app, &org, &tool, 1).await;
    let uri = format!("/v1/reviews/{id}/flag");
    let flagger = |_: usize| {
        mint(
            &app.keys,
            Uuid::new_v4(),
            org.id,
            OrgRole::Member,
            PlatformRole::User,
        )
    };
    let (a, b, c) = (flagger(1), flagger(2), flagger(3));

    let first = app
        .post(&uri, &a, json!({"reason": "spam"}))
        .await
        .expect(200);
    assert_eq!(first, json!({"hidden": false}));
    app.post(&uri, &a, json!({"reason": "again"}))
        .await
        .expect_reason(409, "conflict", "already_flagged");
    app.post(&uri, &org.owner, json!({}))
        .await
        .expect_reason(403, "forbidden", "own_review");
    app.post(&uri, &org.viewer, json!({}))
        .await
        .expect_error(403, "forbidden");
    for body in [
        json!({"reason": "r".repeat(501)}),
        json!({"why": "x"}),
        json!({"reason": 5}),
    ] {
        app.post(&uri, &b, body)
            .await
            .expect_error(400, "invalid_request");
    }
    app.send(
        request("POST", &uri, Some(&b), None)
            .insert_header(("Content-Type", "application/json"))
            .set_payload("{\"reason\": "),
    )
    .await
    .expect_error(400, "invalid_request");
    // A flag without a body is fine.
    let second = app.post_empty(&uri, &b).await.expect(200);
    assert_eq!(second, json!({"hidden": false}));
    let third = app
        .post(&uri, &c, json!({"reason": "abuse"}))
        .await
        .expect(200);
    assert_eq!(third, json!({"hidden": true}));

    let page = app
        .get(&format!("/v1/tools/{tool}/reviews"), &org.member)
        .await
        .expect(200);
    assert_eq!(page["total"], 0, "hidden from public view");
    let flagged = app
        .get("/v1/moderation/reviews?status=FLAGGED", &app.moderator)
        .await
        .expect(200);
    let items = assert_list(&flagged, 1, 50, 0);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["flag_count"], 3);
    app.post_empty(&format!("/v1/reviews/{}/flag", uuid()), &a)
        .await
        .expect_error(404, "not_found");
    app.post_empty("/v1/reviews/123/flag", &a)
        .await
        .expect_error(400, "invalid_request");
}

#[actix_web::test]
async fn the_moderation_queue_is_for_moderators() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let review = app
        .put(
            &format!("/v1/tools/{tool}/reviews/mine"),
            &org.owner,
            review_body(),
        )
        .await
        .expect(200);
    let queue = app
        .get("/v1/moderation/reviews?status=pending", &app.moderator)
        .await
        .expect(200);
    let items = assert_list(&queue, 1, 50, 0);
    let item = &items[0];
    assert_eq!(item["id"], review["id"]);
    assert_eq!(item["status"], "PENDING");
    assert_eq!(item["org_id"], org.id.to_string());
    assert_eq!(item["user_id"], org.owner_user.to_string());
    assert_eq!(item["flag_count"], 0);
    assert_eq!(item["moderated_by"], Value::Null);
    let approved = app
        .get(
            "/v1/moderation/reviews?status=APPROVED",
            &app.platform_admin,
        )
        .await
        .expect(200);
    assert_eq!(assert_list(&approved, 0, 50, 0).len(), 0);

    let employee = mint(
        &app.keys,
        Uuid::new_v4(),
        org.id,
        OrgRole::Owner,
        PlatformRole::Employee,
    );
    for token in [&org.owner, &employee] {
        app.get("/v1/moderation/reviews", token)
            .await
            .expect_error(403, "forbidden");
    }
    for q in ["status=LOST", "limit=0", "order=asc"] {
        app.get(&format!("/v1/moderation/reviews?{q}"), &app.moderator)
            .await
            .expect_error(400, "invalid_request");
    }
}

#[actix_web::test]
async fn moderating_approves_or_rejects_with_notes() {
    let app = spawn_app().await;
    let (org, tool) = entitled_org(&app).await;
    let review = app
        .put(
            &format!("/v1/tools/{tool}/reviews/mine"),
            &org.owner,
            review_body(),
        )
        .await
        .expect(200);
    let id = review["id"].as_str().unwrap();
    let uri = format!("/v1/moderation/reviews/{id}");
    let before = app.moderation().await;
    for token in [&org.owner, &org.admin] {
        app.post(&uri, token, json!({"decision": "approve"}))
            .await
            .expect_error(403, "forbidden");
    }
    for body in [
        json!({"decision": "maybe"}),
        json!({"decision": "APPROVE"}),
        json!({}),
        json!({"decision": "reject", "notes": "n".repeat(2001)}),
        json!({"decision": "reject", "score": 1}),
    ] {
        app.post(&uri, &app.moderator, body)
            .await
            .expect_error(400, "invalid_request");
    }
    assert_eq!(app.moderation().await, before, "nothing changed");
    app.post(
        &format!("/v1/moderation/reviews/{}", uuid()),
        &app.moderator,
        json!({"decision": "approve"}),
    )
    .await
    .expect_error(404, "not_found");
    app.post(
        "/v1/moderation/reviews/xyz",
        &app.moderator,
        json!({"decision": "approve"}),
    )
    .await
    .expect_error(400, "invalid_request");

    let rejected = app
        .post(
            &uri,
            &app.moderator,
            json!({"decision": "reject", "notes": "off topic"}),
        )
        .await
        .expect(200);
    assert_eq!(rejected["id"], id);
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["moderation_notes"], "off topic");
    assert!(rejected["moderated_by"].is_string());
    assert_timestamp(&rejected["moderated_at"]);
    let t = app.tool("Lead Scoring Engine").await;
    assert_eq!(t["review_count"], 0);
    assert_eq!(t["avg_rating"], Value::Null);

    // A platform admin may moderate too.
    let approved = app
        .post(&uri, &app.platform_admin, json!({"decision": "approve"}))
        .await
        .expect(200);
    assert_eq!(approved["status"], "APPROVED");
    let t = app.tool("Lead Scoring Engine").await;
    assert_eq!(t["review_count"], 1);
    assert_eq!(t["avg_rating"], "4.00");
}
