//! Usage through the HTTP API (R-U1..R-U6): catalog admins define meters and metered
//! plans, a host reports events with an API key, each counted once; hard quotas refuse
//! with rate-limit headers; the access answer, the usage report and the org's packs read
//! the same totals; and the overage joins the renewal and its ledger posting.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use marketplace_api::state::{Ports, Services};
use marketplace_domain::ids::PurchaseId;
use marketplace_domain::revenue::{Account, PostingKind};
use marketplace_testkit::fakes::FixedClock;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_keys::{create_key, with_key};
use crate::helpers::{spawn_app, spawn_app_with, uuid};

const TOOL: &str = "Lead Scoring Engine";

/// The quotas the tool's STANDARD plan is given: 5 calls a month, hard; 100 rows, then
/// 0.0125 a row.
fn metered_quotas() -> Value {
    json!({
        "quotas": [
            {"meter": "api_calls", "limit": "5", "hard": true},
            {"meter": "rows", "limit": "100", "hard": false}
        ],
        "overage": [{"meter": "rows", "unit_price": {"amount": "0.0125", "currency": "USD"}}]
    })
}

fn event(id: &str, tool: &str, meter: &str, value: Value, at: chrono::DateTime<Utc>) -> Value {
    json!({"id": id, "tool_id": tool, "meter": meter, "value": value, "timestamp": at.to_rfc3339()})
}

fn header<'a>(resp: &'a crate::helpers::Resp, name: &str) -> &'a str {
    resp.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// Defines the tool's meters and meters its STANDARD plan as the platform admin, and has
/// `org`'s owner buy it with credits. Returns the tool id.
macro_rules! metered_tool {
    ($app:expr, $org:expr) => {
        metered_tool!($app, $org, TOOL)
    };
    ($app:expr, $org:expr, $name:expr) => {{
        let tool = $app.tool_id($name).await;
        for (key, aggregation, unit) in [("api_calls", "count", "call"), ("rows", "sum", "row")] {
            $app.post(
                &format!("/v1/admin/tools/{tool}/meters"),
                &$app.platform_admin,
                json!({"key": key, "aggregation": aggregation, "unit": unit}),
            )
            .await
            .expect(201);
        }
        $app.patch(
            &format!("/v1/admin/tools/{tool}/plans/STANDARD"),
            &$app.platform_admin,
            metered_quotas(),
        )
        .await
        .expect(200);
        $app.add(&$org.owner, "tool", &tool).await.expect(201);
        $app.checkout(&$org.owner, &uuid(), "platform_credits")
            .await
            .expect(201);
        tool
    }};
}

#[actix_web::test]
async fn r_u1_catalog_admins_define_meters_once() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let tool = app.tool_id(TOOL).await;
    let uri = format!("/v1/admin/tools/{tool}/meters");
    let calls = json!({"key": "api_calls", "aggregation": "count", "unit": "call"});

    let created = app
        .post(&uri, &app.platform_admin, calls.clone())
        .await
        .expect(201);
    assert_eq!(created["key"], "api_calls");
    assert_eq!(created["aggregation"], "count");
    assert_eq!(created["unit"], "call");
    // The same definition again changes nothing; another one under the key is refused.
    app.post(&uri, &app.platform_admin, calls).await.expect(200);
    app.post(
        &uri,
        &app.platform_admin,
        json!({"key": "api_calls", "aggregation": "sum", "unit": "call"}),
    )
    .await
    .expect_reason(409, "conflict", "meter_taken");

    let users = app.post(
        &uri,
        &app.platform_admin,
        json!({"key": "active_users", "aggregation": "unique_count", "unit": "user", "distinct_by": "user_id"}),
    );
    assert_eq!(users.await.expect(201)["distinct_by"], "user_id");

    // Refused, changing nothing: not an admin, no tool, malformed bodies.
    app.post(
        &uri,
        &org.owner,
        json!({"key": "x", "aggregation": "count", "unit": "u"}),
    )
    .await
    .expect_error(403, "forbidden");
    app.post(
        &format!("/v1/admin/tools/{}/meters", uuid()),
        &app.platform_admin,
        json!({"key": "x", "aggregation": "count", "unit": "u"}),
    )
    .await
    .expect_error(404, "not_found");
    for bad in [
        json!({"key": "Api-Calls", "aggregation": "count", "unit": "call"}),
        json!({"key": "x", "aggregation": "median", "unit": "call"}),
        json!({"key": "x", "aggregation": "count", "unit": ""}),
        json!({"key": "x", "aggregation": "count", "unit": "u", "distinct_by": "user_id"}),
        json!({"key": "x", "aggregation": "count"}),
    ] {
        app.post(&uri, &app.platform_admin, bad)
            .await
            .expect_error(400, "invalid_request");
    }
}

#[actix_web::test]
async fn r_u2_r_u4_r_u6_a_host_reports_usage_and_reads_where_it_stands() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500").await;
    let tool = metered_tool!(app, org);
    let other_tool = app.tool_id("Lead Source Analysis").await;
    let (key, _) = create_key(
        &app,
        &org.owner,
        &["usage:write", "usage:read", "entitlements:read"],
    )
    .await;
    let now = Utc::now();
    let post = |body: Value| app.send(with_key("POST", "/v1/usage/events", &key, Some(&body)));

    // R-U2: each event judged on its own; a repeat within the batch is a duplicate.
    let batch = json!({"events": [
        event("e1", &tool, "api_calls", json!(1), now),
        event("e2", &tool, "api_calls", json!(1), now),
        event("e2", &tool, "api_calls", json!(1), now),
        event("e3", &tool, "api_calls", json!("1"), now),
        event("r1", &tool, "rows", json!(150), now),
        event("bad-meter", &tool, "nope", json!(1), now),
        event("late", &tool, "api_calls", json!(1), now - Duration::days(40)),
        event("negative", &tool, "rows", json!(-1), now),
        event("not-held", &other_tool, "api_calls", json!(1), now),
    ]});
    let first = post(batch.clone()).await;
    let answer = first.expect(202);
    assert_eq!(answer["accepted"], 4);
    assert_eq!(answer["duplicates"], 1);
    let codes: Vec<(&str, &str)> = answer["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("bad-meter", "unknown_meter"),
            ("late", "timestamp_out_of_window"),
            ("negative", "value_out_of_range"),
            ("not-held", "not_entitled"),
        ]
    );
    // The headers give the tightest quota touched: rows, past its soft quota of 100.
    assert_eq!(header(&first, "RateLimit-Limit"), "100");
    assert_eq!(header(&first, "RateLimit-Remaining"), "0");
    assert!(
        first.headers.get("Retry-After").is_none(),
        "nothing was refused"
    );

    // A retry counts nothing again.
    let retry = post(batch).await.expect(202);
    assert_eq!(retry["accepted"], 0);
    assert_eq!(retry["duplicates"], 5);

    // R-U4: the hard quota lets two more calls through, then refuses.
    let partly = post(json!({"events": [
        event("e4", &tool, "api_calls", json!(1), now),
        event("e5", &tool, "api_calls", json!(1), now),
        event("e6", &tool, "api_calls", json!(1), now),
    ]}))
    .await;
    let answer = partly.expect(202);
    assert_eq!(answer["accepted"], 2);
    assert_eq!(answer["rejected"][0]["id"], "e6");
    assert_eq!(answer["rejected"][0]["code"], "quota_exceeded");
    let refused = post(json!({"events": [event("e7", &tool, "api_calls", json!(1), now)]})).await;
    let body = refused.expect_error(429, "quota_exceeded");
    assert_eq!(body["details"][0]["id"], "e7");
    assert_eq!(header(&refused, "RateLimit-Limit"), "5");
    assert_eq!(header(&refused, "RateLimit-Remaining"), "0");
    let reset: u64 = header(&refused, "RateLimit-Reset").parse().unwrap();
    let retry_after: u64 = header(&refused, "Retry-After").parse().unwrap();
    assert!(reset > 0 && retry_after > 0, "until the period's end");
    // A duplicate of a counted event is still a duplicate, quota spent or not.
    let dup = post(json!({"events": [event("e1", &tool, "api_calls", json!(1), now)]}))
        .await
        .expect(202);
    assert_eq!(dup["duplicates"], 1);

    // R-U6: the access answer reads the same total.
    let access =
        |query: String| app.send(with_key("GET", &format!("/v1/access?{query}"), &key, None));
    let calls = access(format!("tool_id={tool}&meter=api_calls"))
        .await
        .expect(200);
    assert_eq!(
        calls,
        json!({"has_access": true, "plan": "STANDARD", "usage": "5", "limit": "5", "remaining": "0", "hard": true})
    );
    let rows = access(format!("tool_id={tool}&meter=rows"))
        .await
        .expect(200);
    assert_eq!(rows["usage"], "150");
    assert_eq!(rows["remaining"], "0");
    assert_eq!(rows["hard"], false);
    let plain = access(format!("tool_id={tool}")).await.expect(200);
    assert_eq!(plain["has_access"], true);
    assert!(plain["usage"].is_null());
    let not_held = access(format!("tool_id={other_tool}&meter=api_calls"))
        .await
        .expect(200);
    assert_eq!(not_held["has_access"], false);
    assert_eq!(not_held["remaining"], "0");
    access(format!("tool_id={tool}&meter=nope"))
        .await
        .expect_reason(422, "invalid_request", "unknown_meter");
    access(format!("tool_id={tool}&meter=Bad-Key"))
        .await
        .expect_error(400, "invalid_request");
    access("tool_id=not-a-uuid".to_owned())
        .await
        .expect_error(400, "invalid_request");

    // The usage report, per day, and the org's packs.
    let report = app
        .send(with_key(
            "GET",
            &format!("/v1/usage?tool_id={tool}"),
            &key,
            None,
        ))
        .await
        .expect(200);
    assert_eq!(report["granularity"], "day");
    let series = report["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    let total = |s: &Value| -> (String, Decimal) {
        let sum = s["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["usage"].as_str().unwrap().parse::<Decimal>().unwrap())
            .sum();
        (s["meter"].as_str().unwrap().to_owned(), sum)
    };
    assert_eq!(
        total(&series[0]),
        ("api_calls".to_owned(), Decimal::from(5))
    );
    assert_eq!(total(&series[1]), ("rows".to_owned(), Decimal::from(150)));
    let monthly = app
        .send(with_key("GET", "/v1/usage?granularity=month", &key, None))
        .await
        .expect(200);
    assert_eq!(monthly["granularity"], "month");
    for bad in [
        "granularity=week".to_owned(),
        "from=yesterday".to_owned(),
        "meter=rows".to_owned(),
        "from=2020-01-01&to=2026-01-01".to_owned(),
        "from=2026-01-02&to=2026-01-01".to_owned(),
        "color=blue".to_owned(),
    ] {
        app.send(with_key("GET", &format!("/v1/usage?{bad}"), &key, None))
            .await
            .expect_error(400, "invalid_request");
    }

    let packs = app.get("/v1/usage/packs", &org.viewer).await.expect(200);
    let [pack] = packs["packs"]
        .as_array()
        .unwrap()
        .clone()
        .try_into()
        .unwrap();
    assert_eq!(pack["tool_id"], tool);
    assert_eq!(pack["plan"], "STANDARD");
    assert_eq!(pack["meters"][0]["meter"], "api_calls");
    assert_eq!(pack["meters"][0]["remaining"], "0");
    assert_eq!(pack["meters"][1]["meter"], "rows");
    assert_eq!(pack["meters"][1]["overage_unit_price"], "0.0125");
    // R-U5: 50 rows over, at 0.0125: 0.625, rounded half away from zero to the cent.
    assert_eq!(pack["overage_so_far"][0]["overage"], "50");
    assert_eq!(pack["overage_so_far"][0]["amount"], "0.63");

    // Who may: members never report usage; a key needs the scope.
    app.post(
        "/v1/usage/events",
        &org.owner,
        json!({"events": [event("m1", &tool, "api_calls", json!(1), now)]}),
    )
    .await
    .expect_reason(403, "forbidden", "missing_scope");
    let (read_only, _) = create_key(&app, &org.owner, &["usage:read"]).await;
    app.send(with_key(
        "POST",
        "/v1/usage/events",
        &read_only,
        Some(&json!({"events": [event("k1", &tool, "api_calls", json!(1), now)]})),
    ))
    .await
    .expect_reason(403, "forbidden", "missing_scope");
    app.send(with_key(
        "GET",
        &format!("/v1/access?tool_id={tool}"),
        &read_only,
        None,
    ))
    .await
    .expect_reason(403, "forbidden", "missing_scope");

    // Malformed batches change nothing.
    for bad in [
        json!({"events": []}),
        json!({"events": [event("x", &tool, "api_calls", json!("ten"), now)]}),
        json!({"events": [{"id": "x", "tool_id": "nope", "meter": "m", "value": 1, "timestamp": now.to_rfc3339()}]}),
        json!({"events": [{"id": "x", "tool_id": tool, "meter": "m", "value": 1}]}),
        json!({"items": []}),
    ] {
        post(bad).await.expect_error(400, "invalid_request");
    }
    let too_many: Vec<Value> = (0..1001)
        .map(|i| event(&format!("big-{i}"), &tool, "rows", json!(1), now))
        .collect();
    post(json!({"events": too_many}))
        .await
        .expect_error(400, "invalid_request");
    let after = access(format!("tool_id={tool}&meter=rows"))
        .await
        .expect(200);
    assert_eq!(
        after["usage"], "150",
        "nothing of the refused batches counted"
    );
}

#[actix_web::test]
async fn r_u2_a_batch_of_a_thousand_events_is_taken_whole() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500").await;
    let tool = metered_tool!(app, org);
    let (key, _) = create_key(&app, &org.owner, &["usage:write"]).await;
    let now = Utc::now();
    let events: Vec<Value> = (0..1000)
        .map(|i| {
            let mut e = event(
                &format!("evt-{i:04}-{}", "x".repeat(100)),
                &tool,
                "rows",
                json!("0.000001"),
                now,
            );
            e["properties"] = json!({"region": "eu-west-1", "user_id": format!("user-{i}")});
            e
        })
        .collect();
    let body = json!({"events": events});
    assert!(serde_json::to_vec(&body).unwrap().len() > 64 * 1024);
    let answer = app
        .send(with_key("POST", "/v1/usage/events", &key, Some(&body)))
        .await
        .expect(202);
    assert_eq!(answer["accepted"], 1000);
}

#[actix_web::test]
async fn r_u2_r_u6_another_orgs_key_sees_and_counts_nothing_of_this_org() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500").await;
    let tool = metered_tool!(app, org);
    let (key, _) = create_key(&app, &org.owner, &["usage:write"]).await;
    let now = Utc::now();
    app.send(with_key(
        "POST",
        "/v1/usage/events",
        &key,
        Some(&json!({"events": [event("shared-id", &tool, "rows", json!(7), now)]})),
    ))
    .await
    .expect(202);

    let intruder = app.org("GROWTH", "0").await;
    let (theirs, _) = create_key(
        &app,
        &intruder.owner,
        &["usage:write", "usage:read", "entitlements:read"],
    )
    .await;
    // Reporting against a tool it does not hold counts nothing, anywhere.
    let answer = app
        .send(with_key(
            "POST",
            "/v1/usage/events",
            &theirs,
            Some(&json!({"events": [event("shared-id", &tool, "rows", json!(1000), now)]})),
        ))
        .await
        .expect(202);
    assert_eq!(answer["rejected"][0]["code"], "not_entitled");
    let access = app
        .send(with_key(
            "GET",
            &format!("/v1/access?tool_id={tool}&meter=rows"),
            &theirs,
            None,
        ))
        .await
        .expect(200);
    assert_eq!(access["has_access"], false);
    assert_eq!(access["usage"], "0");
    let report = app
        .send(with_key("GET", "/v1/usage", &theirs, None))
        .await
        .expect(200);
    assert_eq!(report["series"], json!([]));
    let packs = app
        .get("/v1/usage/packs", &intruder.owner)
        .await
        .expect(200);
    assert_eq!(packs["packs"], json!([]));

    let mine = app
        .get(
            &format!("/v1/access?tool_id={tool}&meter=rows"),
            &org.viewer,
        )
        .await
        .expect(200);
    assert_eq!(
        mine["usage"], "7",
        "the same id in another org is another event"
    );
}

#[actix_web::test]
async fn r_u5_overage_joins_the_renewal_and_is_split_in_the_ledger() {
    let clock = Arc::new(FixedClock::at(Utc::now()));
    let ports: Arc<Mutex<Option<Ports>>> = Arc::default();
    let (kept, at) = (ports.clone(), clock.clone());
    let app = spawn_app_with(move |p| {
        p.clock = at;
        *kept.lock().unwrap() = Some(p.clone());
    })
    .await;
    let ports = ports.lock().unwrap().take().unwrap();
    let jobs = Services::new(ports.clone());

    let org = app.org("GROWTH", "500").await;
    // A third-party seller's tool: the overage is split like the plan's price.
    let tool = metered_tool!(app, org, "Market Data Integration");
    let (key, _) = create_key(&app, &org.owner, &["usage:write"]).await;
    let now = clock_now(&clock);
    // 150 rows against 100 included: 50 × 0.0125 = 0.625, charged as 0.63.
    let events: Vec<Value> = (0..3)
        .map(|i| event(&format!("r{i}"), &tool, "rows", json!(50), now))
        .collect();
    app.send(with_key(
        "POST",
        "/v1/usage/events",
        &key,
        Some(&json!({"events": events})),
    ))
    .await
    .expect(202);

    let purchase = app.purchases(&org).await[0].clone();
    let id = PurchaseId::from_uuid(purchase["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    let end: chrono::DateTime<Utc> = purchase["current_period_end"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    clock.set(end + Duration::hours(1));
    let report = jobs.renewals.run_due().await.unwrap();
    assert_eq!(report.collected, 1, "{report:?}");

    let renewal = ports.renewals.renewal_for(id, end).await.unwrap().unwrap();
    assert_eq!(
        renewal.amount.amount(),
        Decimal::new(14963, 2),
        "149.00 + 0.63"
    );
    let postings = ports.renewals.postings(renewal.id).await.unwrap();
    let [sale] = postings.try_into().unwrap();
    assert_eq!(sale.kind(), PostingKind::Sale);
    let amount_of = |account: fn(&Account) -> bool| -> Decimal {
        sale.entries()
            .iter()
            .filter(|e| account(&e.account))
            .map(|e| e.amount.amount())
            .sum()
    };
    assert_eq!(
        amount_of(|a| *a == Account::BuyerPayments),
        Decimal::new(14963, 2),
        "every cent collected is in the ledger"
    );
    let seller = amount_of(|a| matches!(a, Account::SellerPayable(_)));
    let platform = amount_of(|a| *a == Account::PlatformRevenue);
    assert!(
        seller < Decimal::ZERO && platform < Decimal::ZERO,
        "{sale:?}"
    );
    assert_eq!(seller + platform, Decimal::new(-14963, 2));

    // A second run charges nothing more.
    let again = jobs.renewals.run_due().await.unwrap();
    assert_eq!(again.collected, 0);
}

fn clock_now(clock: &FixedClock) -> chrono::DateTime<Utc> {
    use marketplace_domain::ports::Clock;
    clock.now()
}

#[actix_web::test]
async fn r_u2_r_u4_twenty_concurrent_posts_of_one_batch_count_each_event_once() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "500").await;
    let tool = metered_tool!(app, org);
    let (key, _) = create_key(&app, &org.owner, &["usage:write", "usage:read"]).await;
    let now = Utc::now();
    // 3 calls (hard quota 5) and 40 rows events in one batch, posted 20 times at once.
    let mut events: Vec<Value> = (0..3)
        .map(|i| event(&format!("c{i}"), &tool, "api_calls", json!(1), now))
        .collect();
    events.extend((0..40).map(|i| event(&format!("r{i}"), &tool, "rows", json!(2), now)));
    let body = json!({"events": events});
    let answers = futures::future::join_all(
        (0..20).map(|_| app.send(with_key("POST", "/v1/usage/events", &key, Some(&body)))),
    )
    .await;
    let (mut accepted, mut duplicates) = (0, 0);
    for answer in &answers {
        let answer = answer.expect(202);
        accepted += answer["accepted"].as_u64().unwrap();
        duplicates += answer["duplicates"].as_u64().unwrap();
    }
    assert_eq!(accepted, 43, "each event counted once");
    assert_eq!(duplicates, 19 * 43);
    // A second wave over the hard quota: 20 posts of 5 new calls each, 2 let through.
    let bodies: Vec<Value> = (0..20)
        .map(|n| {
            let calls: Vec<Value> = (0..5)
                .map(|i| event(&format!("w{n}-{i}"), &tool, "api_calls", json!(1), now))
                .collect();
            json!({"events": calls})
        })
        .collect();
    let waves = futures::future::join_all(
        bodies
            .iter()
            .map(|body| app.send(with_key("POST", "/v1/usage/events", &key, Some(body)))),
    )
    .await;
    let through: u64 = waves
        .iter()
        .filter(|r| r.status.as_u16() == 202)
        .map(|r| r.json()["accepted"].as_u64().unwrap())
        .sum();
    assert_eq!(through, 2, "never more than the quota");
    let report = app
        .send(with_key(
            "GET",
            &format!("/v1/access?tool_id={tool}&meter=api_calls"),
            &key,
            None,
        ))
        .await;
    assert_eq!(report.status.as_u16(), 403, "this key may not check access");
    let calls = app
        .get(
            &format!("/v1/access?tool_id={tool}&meter=api_calls"),
            &org.viewer,
        )
        .await
        .expect(200);
    assert_eq!(calls["usage"], "5");
    let rows = app
        .get(
            &format!("/v1/access?tool_id={tool}&meter=rows"),
            &org.viewer,
        )
        .await
        .expect(200);
    assert_eq!(rows["usage"], "80");
}
