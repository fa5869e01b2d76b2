//! One sweep over the second wave's endpoints that name a record (R-T3): another org's
//! ids answer 404 `not_found`, exactly as ids that do not exist, and change nothing; its
//! lists and figures show none of them. Plans and meters are the catalog's (no org) and
//! are guarded by platform roles instead, covered with the catalog's tests.

use serde_json::Value;

use crate::api_keys::{create_key, with_key};
use crate::helpers::{Org, TestApp, spawn_app};
use crate::listings::{published_tool, seller, tool_listing};

/// Everything org `a` can read of what the sweep aims at; equal before and after means
/// nothing changed.
async fn state<S, B>(app: &TestApp<S>, a: &Org) -> Value
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut all = app.snapshot(a).await;
    for uri in [
        "/v1/subscriptions",
        "/v1/api-keys",
        "/v1/licenses",
        "/v1/sellers/me/listings",
        "/v1/sellers/me/profile",
        "/v1/sellers/me/notices",
        "/v1/sellers/me/dashboard",
        "/v1/usage/packs",
    ] {
        all[uri] = app.get(uri, &a.owner).await.expect(200);
    }
    all
}

#[actix_web::test]
async fn r_t3_every_second_wave_id_of_another_org_is_404_and_changes_nothing() {
    let app = spawn_app().await;
    // Org A buys a monthly tool (a subscription and its license), keeps an API key and
    // sells: a draft and a published tool.
    let a = seller(&app, "Alpha Tools").await;
    app.grant_credits(a.id, "1000.00").await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    app.buy(&a.owner, &[("tool", &monthly)], "platform_credits")
        .await;
    let subscription = app.get("/v1/subscriptions", &a.owner).await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let license = app.get("/v1/licenses", &a.owner).await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, key_id) = create_key(&app, &a.owner, &["usage:read"]).await;
    let draft = app
        .post(
            "/v1/sellers/me/listings",
            &a.owner,
            tool_listing("Alpha Draft", "https://docs.example.com/a"),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sold = published_tool(&app, &a, "Alpha Comps").await;
    // Org B is a buyer and a seller too, with a key of every scope.
    let b = seller(&app, "Beta Tools").await;
    app.grant_credits(b.id, "1000.00").await;
    let (b_key, _) = create_key(
        &app,
        &b.owner,
        &[
            "usage:read",
            "usage:write",
            "entitlements:read",
            "licenses:validate",
        ],
    )
    .await;
    let before = state(&app, &a).await;

    let listing_edit = tool_listing("Taken over", "https://docs.example.com/b");
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/v1/subscriptions/{subscription}"), None),
        (
            "POST",
            format!("/v1/subscriptions/{subscription}/cancel"),
            None,
        ),
        ("DELETE", format!("/v1/api-keys/{key_id}"), None),
        ("GET", format!("/v1/licenses/{license}"), None),
        ("GET", format!("/v1/sellers/me/listings/{draft}"), None),
        (
            "PATCH",
            format!("/v1/sellers/me/listings/{draft}"),
            Some(listing_edit),
        ),
        (
            "POST",
            format!("/v1/sellers/me/listings/{draft}/checks"),
            None,
        ),
        (
            "POST",
            format!("/v1/sellers/me/listings/{draft}/submit"),
            None,
        ),
        (
            "GET",
            format!("/v1/sellers/me/tools/{sold}/install-attempts"),
            None,
        ),
    ];
    for token in [&b.owner, &b.admin] {
        for (method, uri, body) in &calls {
            let r = app.call(method, uri, Some(token), body.clone()).await;
            assert_eq!(r.status.as_u16(), 404, "{method} {uri}: {}", r.text());
            r.expect_error(404, "not_found");
        }
    }
    // B's API key, on the routes a key may call that name a record.
    let r = app
        .send(with_key(
            "GET",
            &format!("/v1/licenses/{license}"),
            &b_key,
            None,
        ))
        .await;
    r.expect_error(404, "not_found");

    // B's lists and figures name nothing of A's.
    let a_ids = [&subscription, &license, &key_id, &draft];
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let analytics_uri = format!("/v1/sellers/me/analytics?from={month}&to={month}");
    for uri in [
        "/v1/subscriptions".to_owned(),
        "/v1/api-keys".to_owned(),
        "/v1/licenses".to_owned(),
        "/v1/entitlements".to_owned(),
        "/v1/sellers/me/listings".to_owned(),
        "/v1/sellers/me/dashboard".to_owned(),
        analytics_uri.clone(),
        "/v1/sellers/me/install-stats".to_owned(),
        "/v1/sellers/me/notices".to_owned(),
        "/v1/usage/packs".to_owned(),
        format!("/v1/usage?tool_id={sold}"),
    ] {
        let text = app.get(&uri, &b.owner).await.expect(200).to_string();
        for id in a_ids {
            assert!(!text.contains(id.as_str()), "{uri} shows {id}: {text}");
        }
    }
    let analytics = app
        .get(&analytics_uri, &b.owner)
        .await
        .expect(200)
        .to_string();
    assert!(!analytics.contains(&sold), "{analytics}");
    let access = app
        .send(with_key(
            "GET",
            &format!("/v1/access?tool_id={monthly}"),
            &b_key,
            None,
        ))
        .await
        .expect(200);
    assert_eq!(access["has_access"], false, "A's holding is not B's");

    assert_eq!(state(&app, &a).await, before, "nothing of A's changed");
    // And A still reaches its own.
    app.get(&format!("/v1/subscriptions/{subscription}"), &a.owner)
        .await
        .expect(200);
    app.get(&format!("/v1/licenses/{license}"), &a.viewer)
        .await
        .expect(200);
    app.get(&format!("/v1/sellers/me/listings/{draft}"), &a.owner)
        .await
        .expect(200);
}
