//! Request rate limits through the API (R-T7): per user, per API key and per client
//! address, answered 429 `rate_limited` with `RateLimit-*` and `Retry-After`.

use std::num::NonZeroU32;

use marketplace_api::rate_limit::Limits;

use crate::api_keys::{create_key, with_key};
use crate::helpers::{Resp, request, spawn_app_limited};

fn header<'a>(resp: &'a Resp, name: &str) -> Option<&'a str> {
    resp.headers.get(name).and_then(|v| v.to_str().ok())
}

#[track_caller]
fn assert_refused(resp: &Resp, bucket: &str, limit: &str) {
    let error = resp.expect_error(429, "rate_limited");
    assert_eq!(error["details"][0]["bucket"], bucket, "{error}");
    assert_eq!(header(resp, "RateLimit-Limit"), Some(limit));
    assert_eq!(header(resp, "RateLimit-Remaining"), Some("0"));
    let retry: u64 = header(resp, "Retry-After").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(header(resp, "RateLimit-Reset").is_some());
}

#[actix_web::test]
async fn r_t7_a_user_over_their_limit_gets_429_and_others_are_unaffected() {
    let app = spawn_app_limited(
        |_| {},
        Limits {
            user: NonZeroU32::new(3),
            ..Limits::DEFAULT
        },
    )
    .await;
    let org = app.org("GROWTH", "0").await;
    for left in ["2", "1", "0"] {
        let ok = app.get("/v1/cart", &org.member).await;
        ok.expect(200);
        assert_eq!(header(&ok, "RateLimit-Limit"), Some("3"));
        assert_eq!(header(&ok, "RateLimit-Remaining"), Some(left));
        assert!(header(&ok, "Retry-After").is_none());
    }
    let refused = app.get("/v1/cart", &org.member).await;
    assert_refused(&refused, "user", "3");
    // A refusal changes nothing and counts nothing: the cart is still there to read for
    // another member of the same org, whose bucket is their own.
    app.get("/v1/cart", &org.admin).await.expect(200);
    // Outside /v1 nothing is limited.
    app.call("GET", "/healthz", None, None).await.expect(200);
}

#[actix_web::test]
async fn r_t7_an_api_key_has_its_own_bucket() {
    let app = spawn_app_limited(
        |_| {},
        Limits {
            api_key: NonZeroU32::new(2),
            ..Limits::DEFAULT
        },
    )
    .await;
    let org = app.org("GROWTH", "0").await;
    let (key, _) = create_key(&app, &org.owner, &["entitlements:read"]).await;
    for _ in 0..2 {
        app.send(with_key("GET", "/v1/licenses", &key, None))
            .await
            .expect(200);
    }
    let refused = app.send(with_key("GET", "/v1/licenses", &key, None)).await;
    assert_refused(&refused, "api_key", "2");
    // The key's owner, as a user, is not throttled by the key's bucket.
    app.get("/v1/licenses", &org.owner).await.expect(200);
}

#[actix_web::test]
async fn r_t7_calls_without_a_good_credential_count_per_client_address() {
    let app = spawn_app_limited(
        |_| {},
        Limits {
            ip: NonZeroU32::new(2),
            ..Limits::DEFAULT
        },
    )
    .await;
    let from = |addr: &str| {
        request("GET", "/v1/licenses/keys", None, None).peer_addr(addr.parse().unwrap())
    };
    app.send(from("10.0.0.1:4000")).await.expect(200);
    // A forged token does not buy a bucket of its own: it counts against the address
    // (this public endpoint reads no credential).
    app.send(from("10.0.0.1:4001").insert_header(("Authorization", "Bearer forged")))
        .await
        .expect(200);
    assert_refused(&app.send(from("10.0.0.1:4002")).await, "ip", "2");
    // Another address is not affected.
    app.send(from("10.0.0.2:4000")).await.expect(200);
}
