//! /v1/licenses (R-L1..R-L6 at the HTTP edge): a license with every entitlement, its key
//! verifying offline with the published keys, validation always answered and signed,
//! activations under the limit, and a license following its purchase.

use marketplace_license::{Claims, Keyring, Kid, Nonce, SigningKey, Verifier};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_keys::{create_key, with_key};
use crate::helpers::{Org, TestApp, assert_list, assert_timestamp, request, spawn_app};

const NONCE: &str = "nonce-0123456789abcdef";

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// An org that bought a monthly tool and a one-time tool with credits; its licenses.
pub async fn org_with_licenses<S, B>(app: &TestApp<S>) -> (Org, Vec<Value>)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let org = app.org("GROWTH", "1000.00").await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let once = app.tool_id("Calendar Integration").await;
    app.buy(
        &org.owner,
        &[("tool", &monthly), ("tool", &once)],
        "platform_credits",
    )
    .await;
    let listed = app.get("/v1/licenses", &org.member).await.expect(200);
    let items = assert_list(&listed, 2, 50, 0);
    (org, items)
}

fn license_for<'a>(items: &'a [Value], tool: &str) -> &'a Value {
    items
        .iter()
        .find(|l| l["tool_id"] == tool)
        .unwrap_or_else(|| panic!("no license for {tool} in {items:?}"))
}

async fn validate<S, B>(app: &TestApp<S>, body: Value) -> Value
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    app.call("POST", "/v1/licenses/validate", None, Some(body))
        .await
        .expect(200)
}

async fn verifier<S, B>(app: &TestApp<S>) -> Verifier
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let keys = app.call("GET", "/v1/licenses/keys", None, None).await;
    let ring: Keyring = serde_json::from_slice(&keys.body).unwrap();
    Verifier::new(ring)
}

#[actix_web::test]
async fn r_l1_a_fulfilled_purchase_comes_with_a_license_per_tool_verifying_offline() {
    let app = spawn_app().await;
    let (org, items) = org_with_licenses(&app).await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let once = app.tool_id("Calendar Integration").await;
    let verifier = verifier(&app).await;
    for l in &items {
        assert_eq!(l["status"], "ACTIVE");
        assert_eq!(l["plan"], "STANDARD");
        assert_eq!(l["max_activations"], 5, "the default limit");
        assert_eq!(l["activations"], 0);
        assert_timestamp(&l["issued_at"]);
        let key = l["key"].as_str().unwrap();
        let verified = verifier.verify(key, now()).unwrap();
        let claims = verified.claims();
        assert_eq!(claims.license_id().as_uuid().to_string(), l["id"]);
        assert_eq!(claims.org().as_uuid(), org.id);
        assert_eq!(claims.tool().as_uuid().to_string(), l["tool_id"]);
    }
    let subscription = license_for(&items, &monthly);
    assert_timestamp(&subscription["expires_at"]);
    assert!(
        license_for(&items, &once)["expires_at"].is_null(),
        "a one-time purchase never expires"
    );
    // Read again: the same licenses, none issued twice.
    let again = app.get("/v1/licenses", &org.viewer).await.expect(200);
    assert_eq!(again["total"], 2);
    let one = app
        .get(
            &format!("/v1/licenses/{}", subscription["id"].as_str().unwrap()),
            &org.owner,
        )
        .await
        .expect(200);
    assert_eq!(one["key"], subscription["key"]);
}

#[actix_web::test]
async fn r_l2_the_public_keys_are_served_without_authentication() {
    let app = spawn_app().await;
    let keys = app
        .call("GET", "/v1/licenses/keys", None, None)
        .await
        .expect(200);
    let listed = keys["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["alg"], "EdDSA");
    assert!(listed[0]["kid"].is_string());
    assert_eq!(listed[0]["public_key"].as_str().unwrap().len(), 43);
}

#[actix_web::test]
async fn r_a3_an_api_key_of_another_org_sees_nothing_of_this_org() {
    let app = spawn_app().await;
    let (org, items) = org_with_licenses(&app).await;
    let other = app.org("GROWTH", "0").await;
    let (theirs, _) = create_key(&app, &other.owner, &["entitlements:read"]).await;
    let (ours, _) = create_key(&app, &org.owner, &["entitlements:read"]).await;
    let id = items[0]["id"].as_str().unwrap();
    let listed = app
        .send(with_key("GET", "/v1/licenses", &theirs, None))
        .await
        .expect(200);
    assert_eq!(listed["total"], 0);
    app.send(with_key(
        "GET",
        &format!("/v1/licenses/{id}"),
        &theirs,
        None,
    ))
    .await
    .expect_error(404, "not_found");
    app.get(&format!("/v1/licenses/{id}"), &other.owner)
        .await
        .expect_error(404, "not_found");
    let mine = app
        .send(with_key("GET", &format!("/v1/licenses/{id}"), &ours, None))
        .await
        .expect(200);
    assert_eq!(mine["id"], id);
    let listed = app
        .send(with_key("GET", "/v1/licenses", &ours, None))
        .await
        .expect(200);
    assert_eq!(listed["total"], 2);
    app.call("GET", "/v1/licenses", None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn r_l4_a_good_key_answers_valid_signed_and_echoing_the_nonce() {
    let app = spawn_app().await;
    let (_, items) = org_with_licenses(&app).await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let license = license_for(&items, &monthly);
    let answer = validate(&app, json!({"key": license["key"], "nonce": NONCE})).await;
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["code"], "VALID");
    assert_eq!(answer["nonce"], NONCE);
    assert_eq!(answer["license"]["id"], license["id"]);
    assert_eq!(answer["license"]["expires_at"], license["expires_at"]);
    let checked = verifier(&app)
        .await
        .verify_answer(
            answer["signature"].as_str().unwrap(),
            &Nonce::parse(NONCE).unwrap(),
        )
        .unwrap();
    assert!(checked.valid());
    assert_eq!(
        checked.license().map(|l| l.lid.as_uuid().to_string()),
        license["id"].as_str().map(str::to_owned)
    );
    let other_nonce = Nonce::parse("another-nonce-0123456789").unwrap();
    assert!(
        verifier(&app)
            .await
            .verify_answer(answer["signature"].as_str().unwrap(), &other_nonce)
            .is_err(),
        "a captured answer does not pass for another request"
    );
    // The same through an API key with the scope.
    let org = app.org("GROWTH", "0").await;
    let (key, _) = create_key(&app, &org.owner, &["licenses:validate"]).await;
    let via_key = app
        .send(with_key(
            "POST",
            "/v1/licenses/validate",
            &key,
            Some(&json!({"key": license["key"]})),
        ))
        .await
        .expect(200);
    assert_eq!(via_key["code"], "VALID");
    assert_eq!(via_key["nonce"], Value::Null);
}

#[actix_web::test]
async fn r_l4_the_answers_shape() {
    let app = spawn_app().await;
    let (_, items) = org_with_licenses(&app).await;
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let license = license_for(&items, &monthly);
    let valid = validate(
        &app,
        json!({"key": license["key"], "fingerprint": "machine-1", "nonce": NONCE}),
    )
    .await;
    let not_found = validate(&app, json!({"key": "ML1.nothing.here", "nonce": NONCE})).await;
    insta::assert_json_snapshot!(json!({"not_activated": valid, "not_found": not_found}), {
        ".*.server_time" => "[time]",
        ".*.signature" => "[signature]",
        ".*.license.id" => "[id]",
        ".*.license.tool_id" => "[id]",
        ".*.license.expires_at" => "[time]",
    });
}

#[actix_web::test]
async fn r_l4_any_key_within_bounds_that_names_no_license_answers_not_found() {
    let app = spawn_app().await;
    let (_, items) = org_with_licenses(&app).await;
    let key = items[0]["key"].as_str().unwrap().to_owned();
    let mut tampered: Vec<char> = key.chars().collect();
    let i = key.find('.').unwrap() + 5;
    tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    // Genuine shape and signature, but from a key the marketplace does not hold.
    let stranger = SigningKey::from_seed(Kid::parse("stranger").unwrap(), &[9; 32]);
    let claims = Claims::builder(
        Uuid::new_v4().into(),
        Uuid::new_v4().into(),
        Uuid::new_v4().into(),
    )
    .plan("STANDARD")
    .max_activations(5)
    .issued_at(now() - 60)
    .build()
    .unwrap();
    let forged = stranger.sign_license(&claims).into_string();
    for presented in [
        String::new(),
        "hello".to_owned(),
        "ML1.".to_owned(),
        key[..key.len() - 3].to_owned(),
        tampered,
        forged,
        "é".repeat(2048),
    ] {
        let answer = validate(&app, json!({"key": presented, "nonce": NONCE})).await;
        assert_eq!(answer["valid"], false, "{presented}");
        assert_eq!(answer["code"], "NOT_FOUND", "{presented}");
        assert!(answer.get("license").is_none(), "nothing told: {answer}");
        assert_eq!(answer["nonce"], NONCE);
    }
}

#[actix_web::test]
async fn r_l4_bad_input_is_400_in_the_error_shape() {
    let app = spawn_app().await;
    let big = "k".repeat(70 * 1024);
    let cases: Vec<(&str, actix_web::test::TestRequest)> = vec![
        (
            "not JSON",
            request("POST", "/v1/licenses/validate", None, None)
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{not json"),
        ),
        (
            "not an object",
            request("POST", "/v1/licenses/validate", None, Some(&json!(["key"]))),
        ),
        (
            "no key",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"nonce": NONCE})),
            ),
        ),
        (
            "a key that is not a string",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"key": 42})),
            ),
        ),
        (
            "a key over 4 KiB",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"key": "k".repeat(4097)})),
            ),
        ),
        (
            "a fingerprint over 256 characters",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"key": "k", "fingerprint": "f".repeat(257)})),
            ),
        ),
        (
            "a nonce over 128 characters",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"key": "k", "nonce": "n".repeat(129)})),
            ),
        ),
        (
            "an oversized body",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"key": big})),
            ),
        ),
        (
            "an unknown field",
            request(
                "POST",
                "/v1/licenses/validate",
                None,
                Some(&json!({"key": "k", "org": "mine"})),
            ),
        ),
        (
            "activation without a fingerprint",
            request(
                "POST",
                "/v1/licenses/activate",
                None,
                Some(&json!({"key": "k"})),
            ),
        ),
        (
            "deactivation with a fingerprint over 256 characters",
            request(
                "POST",
                "/v1/licenses/deactivate",
                None,
                Some(&json!({"key": "k", "fingerprint": "f".repeat(257)})),
            ),
        ),
    ];
    for (what, req) in cases {
        let r = app.send(req).await;
        assert_eq!(r.status.as_u16(), 400, "{what}: {}", r.text());
        crate::helpers::assert_error_shape(&r.json(), "invalid_request");
    }
    // At the bounds exactly, an answer.
    let answer = validate(
        &app,
        json!({"key": "k".repeat(4096), "fingerprint": "f".repeat(256), "nonce": "n".repeat(128)}),
    )
    .await;
    assert_eq!(answer["code"], "NOT_FOUND");
}

#[actix_web::test]
async fn r_l5_activations_are_idempotent_and_never_over_the_limit() {
    let app = spawn_app().await;
    let (org, items) = org_with_licenses(&app).await;
    let key = items[0]["key"].clone();
    let activate = |fp: &str| {
        app.call(
            "POST",
            "/v1/licenses/activate",
            None,
            Some(json!({"key": key, "fingerprint": fp, "name": "build box"})),
        )
    };
    let first = activate("machine-1").await.expect(201);
    assert_eq!(first["activations"], 1);
    assert_eq!(first["max_activations"], 5);
    assert_eq!(first["license_id"], items[0]["id"]);
    let again = activate("machine-1").await.expect(200);
    assert_eq!(again["activations"], 1, "the same machine takes one slot");
    for n in 2..=5 {
        activate(&format!("machine-{n}")).await.expect(201);
    }
    let refused =
        activate("machine-6")
            .await
            .expect_reason(409, "conflict", "too_many_activations");
    assert_eq!(refused["details"][0]["max_activations"], 5);
    activate("machine-5").await.expect(200);

    let code = |fp: &'static str| {
        let key = key.clone();
        let app = &app;
        async move {
            validate(app, json!({"key": key, "fingerprint": fp})).await["code"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(code("machine-2").await, "VALID");
    assert_eq!(code("machine-6").await, "NOT_ACTIVATED");

    let freed = app
        .call(
            "POST",
            "/v1/licenses/deactivate",
            None,
            Some(json!({"key": key, "fingerprint": "machine-2"})),
        )
        .await
        .expect(200);
    assert_eq!(freed["deactivated"], true);
    let not_there = app
        .call(
            "POST",
            "/v1/licenses/deactivate",
            None,
            Some(json!({"key": key, "fingerprint": "machine-2"})),
        )
        .await
        .expect(200);
    assert_eq!(not_there["deactivated"], false);
    assert_eq!(code("machine-2").await, "NOT_ACTIVATED");
    activate("machine-6").await.expect(201);
    let listed = app.get("/v1/licenses", &org.owner).await.expect(200);
    let license = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == items[0]["id"])
        .unwrap()
        .clone();
    assert_eq!(license["activations"], 5);

    for path in ["/v1/licenses/activate", "/v1/licenses/deactivate"] {
        app.call(
            "POST",
            path,
            None,
            Some(json!({"key": "not-a-license", "fingerprint": "m"})),
        )
        .await
        .expect_error(404, "not_found");
    }
}

#[actix_web::test]
async fn r_l6_a_refund_revokes_the_license() {
    let app = spawn_app().await;
    let (org, items) = org_with_licenses(&app).await;
    let once = app.tool_id("Calendar Integration").await;
    let license = license_for(&items, &once).clone();
    let purchase = app
        .purchases(&org)
        .await
        .into_iter()
        .find(|p| p["tool_id"] == once.as_str())
        .unwrap();
    app.post(
        &format!(
            "/v1/admin/purchases/{}/refund",
            purchase["id"].as_str().unwrap()
        ),
        &app.platform_admin,
        json!({}),
    )
    .await
    .expect(200);
    let answer = validate(&app, json!({"key": license["key"]})).await;
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["code"], "REVOKED");
    assert_eq!(answer["license"]["status"], "REVOKED");
    let listed = app.get("/v1/licenses", &org.owner).await.expect(200);
    let after = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == license["id"])
        .unwrap()
        .clone();
    assert_eq!(after["status"], "REVOKED");
    let refused = app
        .call(
            "POST",
            "/v1/licenses/activate",
            None,
            Some(json!({"key": license["key"], "fingerprint": "m"})),
        )
        .await
        .expect_reason(409, "conflict", "license_not_in_force");
    assert_eq!(refused["details"][0]["code"], "REVOKED");
    // The other purchase's license is untouched.
    let monthly = app.tool_id("Lead Scoring Engine").await;
    let still = validate(&app, json!({"key": license_for(&items, &monthly)["key"]})).await;
    assert_eq!(still["code"], "VALID");
}
