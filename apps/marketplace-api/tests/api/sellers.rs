//! Sellers over HTTP, through actix's test service on the real wiring (SQLite in memory,
//! migrations, the seed catalog, offline payments): a seller sees its own statements and
//! never another's (404), a buyer org sees none, CSV and JSON statements agree to the
//! cent, and the admin endpoints and reports hold to the same ledger.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, test as atest};
use marketplace_api::auth::TokenKeys;
use marketplace_api::routes::webhooks::WebhookSecret;
use marketplace_api::state::Services;
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::seller::PayoutGateway;
use marketplace_sea_orm::Database;
use marketplace_stripe::OfflineGateway;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET: &str = "sellers-test-secret-sellers-test-secret";
const ISSUER: &str = "marketplace-test";
const WEBHOOK_SECRET: &str = "whsec_sellers_test";

struct Resp {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Resp {
    #[track_caller]
    fn json(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        serde_json::from_slice(&self.body).unwrap()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    fn error(&self, status: u16, code: &str) -> Value {
        let body = self.json(status);
        assert_eq!(body["error"]["code"], code, "{body}");
        body["error"].clone()
    }
}

fn token(keys: &TokenKeys, org: Uuid, org_role: OrgRole, platform_role: PlatformRole) -> String {
    keys.issue(
        &Actor {
            user_id: UserId::from_uuid(Uuid::new_v4()),
            org_id: OrgId::from_uuid(org),
            org_role,
            platform_role,
        },
        chrono::Duration::hours(1),
    )
    .unwrap()
}

struct TestApp<S> {
    svc: S,
    keys: TokenKeys,
    admin: String,
    /// The services behind `svc`, for what a job does (the views' flush).
    services: Services,
}

async fn spawn_app() -> TestApp<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    spawn_app_with(None).await
}

/// The app with a payout provider (Stripe Connect stand-in) and the webhook endpoint
/// signed with [`WEBHOOK_SECRET`].
async fn spawn_app_with(
    payouts: Option<Arc<dyn PayoutGateway>>,
) -> TestApp<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    marketplace_migrations::seed_catalog(db.connection())
        .await
        .unwrap();
    let mut ports = marketplace_api::runtime::ports(&db, Arc::new(OfflineGateway::new()));
    ports.payouts = payouts;
    let keys = TokenKeys::new(SECRET, ISSUER);
    let services = Services::new(ports);
    let svc = atest::init_service(App::new().configure(
        marketplace_api::app::configure_with_webhooks(
            services.clone(),
            keys.clone(),
            WebhookSecret(Some(WEBHOOK_SECRET.to_owned())),
        ),
    ))
    .await;
    let admin = token(&keys, Uuid::new_v4(), OrgRole::Member, PlatformRole::Admin);
    TestApp {
        svc,
        keys,
        admin,
        services,
    }
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn send(&self, req: atest::TestRequest) -> Resp {
        let resp = atest::call_service(&self.svc, req.to_request()).await;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = atest::read_body(resp).await.to_vec();
        Resp {
            status,
            content_type,
            body,
        }
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        body: Option<Value>,
        accept: Option<&str>,
    ) -> Resp {
        let mut req = match method {
            "GET" => atest::TestRequest::get(),
            "POST" => atest::TestRequest::post(),
            "PUT" => atest::TestRequest::put(),
            "PATCH" => atest::TestRequest::patch(),
            other => panic!("{other}"),
        }
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")));
        if let Some(b) = body {
            req = req.set_json(b);
        }
        if let Some(a) = accept {
            req = req.insert_header(("Accept", a));
        }
        self.send(req).await
    }

    async fn get(&self, uri: &str, token: &str) -> Resp {
        self.call("GET", uri, token, None, None).await
    }

    async fn post(&self, uri: &str, token: &str, body: Value) -> Resp {
        self.call("POST", uri, token, Some(body), None).await
    }

    /// An org known to the platform at ELITE with credits; returns (owner, member).
    async fn buyer(&self) -> (String, String) {
        let org = Uuid::new_v4();
        let r = self
            .call(
                "PUT",
                &format!("/v1/admin/orgs/{org}"),
                &self.admin,
                Some(json!({"name": "Buyer", "tier": "ELITE"})),
                None,
            )
            .await;
        r.json(200);
        self.post(
            &format!("/v1/admin/orgs/{org}/credits"),
            &self.admin,
            json!({"amount": {"amount": "10000.00", "currency": "USD"}}),
        )
        .await
        .json(200);
        (
            token(&self.keys, org, OrgRole::Owner, PlatformRole::User),
            token(&self.keys, org, OrgRole::Member, PlatformRole::User),
        )
    }

    /// A third-party seller managed by a new org; returns (seller id, owner, member).
    async fn seller(&self, name: &str, rate: &str) -> (String, String, String) {
        let org = Uuid::new_v4();
        let created = self
            .post(
                "/v1/admin/sellers",
                &self.admin,
                json!({"name": name, "fee_rate": rate, "org_id": org}),
            )
            .await
            .json(201);
        assert_eq!(created["kind"], "THIRD_PARTY");
        assert_eq!(
            created["payout_minimum"],
            json!({"amount": "25.00", "currency": "USD"})
        );
        (
            created["id"].as_str().unwrap().to_owned(),
            token(&self.keys, org, OrgRole::Owner, PlatformRole::User),
            token(&self.keys, org, OrgRole::Member, PlatformRole::User),
        )
    }

    async fn assign(&self, tool: Uuid, seller: &str) {
        let r = self
            .call(
                "PUT",
                &format!("/v1/admin/tools/{tool}/seller"),
                &self.admin,
                Some(json!({"seller_id": seller})),
                None,
            )
            .await;
        r.json(200);
    }

    async fn buy(&self, buyer: &str, items: &[(&str, String)]) {
        for (kind, id) in items {
            let r = self
                .post(
                    "/v1/cart/items",
                    buyer,
                    json!({"item_type": kind, "item_id": id}),
                )
                .await;
            assert!(matches!(r.status, 200 | 201), "{}", r.text());
        }
        let r = self
            .send(
                atest::TestRequest::post()
                    .uri("/v1/checkout")
                    .insert_header(("Authorization", format!("Bearer {buyer}")))
                    .insert_header(("Idempotency-Key", Uuid::new_v4().to_string()))
                    .set_json(json!({"payment_method": "platform_credits"})),
            )
            .await;
        r.json(201);
    }
}

/// Seed tools that any ELITE org can buy once: ACTIVE, one-time, priced.
fn seed_tools(n: usize) -> Vec<(Uuid, Decimal)> {
    marketplace_migrations::catalog()
        .iter()
        .filter(|t| {
            t.status == "ACTIVE"
                && t.price_model == "ONE_TIME"
                && !t.price.is_zero()
                && !matches!(t.required_tier, "ENTERPRISE" | "CUSTOM")
        })
        .take(n)
        .map(|t| (t.id(), t.price))
        .collect()
}

fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

fn amount(v: &Value) -> Decimal {
    v["amount"].as_str().unwrap().parse().unwrap()
}

/// Two sellers X (5%) and Y (10%), one seed tool each; a buyer buys both.
struct World {
    x: (String, String, String),
    y: (String, String, String),
    tools: Vec<(Uuid, Decimal)>,
}

async fn world<S, B>(app: &TestApp<S>) -> World
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let x = app.seller("Seller X", "0.05").await;
    let y = app.seller("Seller Y", "0.10").await;
    let tools = seed_tools(2);
    app.assign(tools[0].0, &x.0).await;
    app.assign(tools[1].0, &y.0).await;
    let (buyer, _) = app.buyer().await;
    app.buy(
        &buyer,
        &[
            ("tool", tools[0].0.to_string()),
            ("tool", tools[1].0.to_string()),
        ],
    )
    .await;
    World { x, y, tools }
}

#[actix_web::test]
async fn a_seller_sees_its_own_statement_and_never_another_sellers() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let month = this_month();
    let (x_id, x_owner, x_member) = &w.x;
    let (y_id, _, _) = &w.y;

    for who in [x_owner, x_member] {
        let me = app
            .get(&format!("/v1/sellers/me/statements?month={month}"), who)
            .await
            .json(200);
        assert_eq!(me["seller_id"], x_id.as_str());
        let lines = me["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 1, "only X's tool: {me}");
        assert_eq!(lines[0]["tool_id"], w.tools[0].0.to_string());
        assert_eq!(amount(&me["totals"]["gross"]), w.tools[0].1);
        // 5% of the price, rounded half up; the rest is X's.
        let fee = (w.tools[0].1 * Decimal::new(5, 2))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(amount(&me["totals"]["fees"]), fee);
        assert_eq!(amount(&me["totals"]["net"]), w.tools[0].1 - fee);
        assert_eq!(amount(&me["closing_balance"]), w.tools[0].1 - fee);
        // By id, the same statement.
        let by_id = app
            .get(&format!("/v1/sellers/{x_id}/statements?month={month}"), who)
            .await
            .json(200);
        assert_eq!(by_id, me);
        // Y's statement, its id known: 404, and nothing about it leaks.
        app.get(&format!("/v1/sellers/{y_id}/statements?month={month}"), who)
            .await
            .error(404, "not_found");
        let csv = app
            .call(
                "GET",
                &format!("/v1/sellers/{y_id}/statements?month={month}"),
                who,
                None,
                Some("text/csv"),
            )
            .await;
        csv.error(404, "not_found");
    }
    // An unknown seller looks the same as another's.
    app.get(
        &format!("/v1/sellers/{}/statements?month={month}", Uuid::new_v4()),
        x_owner,
    )
    .await
    .error(404, "not_found");
    // The admin sees both.
    for id in [x_id, y_id] {
        app.get(
            &format!("/v1/sellers/{id}/statements?month={month}"),
            &app.admin,
        )
        .await
        .json(200);
    }
    let me = app.get("/v1/sellers/me", x_owner).await.json(200);
    assert_eq!(me["id"], x_id.as_str());
    assert_eq!(me["tool_ids"], json!([w.tools[0].0.to_string()]));
    assert_eq!(me["fee_rate"], "0.05");
}

#[actix_web::test]
async fn a_buyer_org_sees_no_seller_data() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let month = this_month();
    let (buyer_owner, buyer_member) = app.buyer().await;
    for (who, owner) in [(&buyer_owner, true), (&buyer_member, false)] {
        for uri in [
            "/v1/sellers/me".to_owned(),
            format!("/v1/sellers/me/statements?month={month}"),
            format!("/v1/sellers/me/statements.csv?month={month}"),
            "/v1/sellers/me/payouts".to_owned(),
            format!("/v1/sellers/{}/statements?month={month}", w.x.0),
        ] {
            app.get(&uri, who).await.error(404, "not_found");
        }
        // Onboarding asks the permission matrix first (R-P1): an owner then learns the org
        // manages no seller; a member is refused before anything is looked up.
        let connect = app
            .post(
                "/v1/sellers/me/connect",
                who,
                json!({"refresh_url": "https://m.example/r", "return_url": "https://m.example/d"}),
            )
            .await;
        if owner {
            connect.error(404, "not_found");
        } else {
            let e = connect.error(403, "forbidden");
            assert_eq!(e["reason"], "org_admin_required");
        }
        // Administration is for platform admins.
        app.get("/v1/admin/sellers", who)
            .await
            .error(403, "forbidden");
        app.get(&format!("/v1/admin/reports/revenue?month={month}"), who)
            .await
            .error(403, "forbidden");
        app.post("/v1/admin/sellers", who, json!({"name": "Me"}))
            .await
            .error(403, "forbidden");
    }
    // A seller's users are not admins either.
    app.get("/v1/admin/sellers", &w.x.1)
        .await
        .error(403, "forbidden");
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[actix_web::test]
async fn csv_totals_equal_json_totals() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let month = this_month();
    let owner = &w.x.1;
    let json_st = app
        .get(&format!("/v1/sellers/me/statements?month={month}"), owner)
        .await
        .json(200);
    let by_path = app
        .get(
            &format!("/v1/sellers/me/statements.csv?month={month}"),
            owner,
        )
        .await;
    assert_eq!(by_path.status, 200, "{}", by_path.text());
    assert!(
        by_path.content_type.starts_with("text/csv"),
        "{}",
        by_path.content_type
    );
    let by_accept = app
        .call(
            "GET",
            &format!("/v1/sellers/me/statements?month={month}"),
            owner,
            None,
            Some("text/csv"),
        )
        .await;
    assert!(by_accept.content_type.starts_with("text/csv"));
    assert_eq!(by_accept.body, by_path.body, "Accept and .csv give one CSV");

    let rows = csv_rows(&by_path.text());
    assert_eq!(
        rows[0],
        [
            "tool_id", "units", "gross", "fees", "refunds", "net", "currency"
        ]
    );
    let total = rows.iter().find(|r| r[0] == "TOTAL").unwrap();
    let t = &json_st["totals"];
    assert_eq!(total[1], t["units"].to_string());
    for (i, field) in ["gross", "fees", "refunds", "net"].into_iter().enumerate() {
        assert_eq!(
            total[2 + i],
            t[field]["amount"].as_str().unwrap(),
            "{field}"
        );
    }
    // Every tool row is the JSON line, and the rows sum to the total.
    let lines = json_st["lines"].as_array().unwrap();
    let tool_rows: Vec<_> = rows[1..].iter().take_while(|r| r[0] != "TOTAL").collect();
    assert_eq!(tool_rows.len(), lines.len());
    for (row, line) in tool_rows.iter().zip(lines) {
        assert_eq!(row[0], line["tool_id"].as_str().unwrap());
        assert_eq!(row[5], line["net"]["amount"].as_str().unwrap());
    }
    let sum: Decimal = tool_rows
        .iter()
        .map(|r| r[5].parse::<Decimal>().unwrap())
        .sum();
    assert_eq!(sum.to_string(), total[5]);
    let closing = rows.iter().find(|r| r[0] == "CLOSING_BALANCE").unwrap();
    assert_eq!(
        closing[5],
        json_st["closing_balance"]["amount"].as_str().unwrap()
    );
}

#[actix_web::test]
async fn an_empty_month_is_an_empty_statement_and_a_malformed_month_is_400() {
    let app = spawn_app().await;
    let (_, owner, _) = app.seller("Quiet", "0.05").await;
    let empty = app
        .get("/v1/sellers/me/statements?month=2020-02", &owner)
        .await
        .json(200);
    assert_eq!(empty["lines"], json!([]));
    assert_eq!(empty["month"], "2020-02");
    assert_eq!(
        empty["totals"]["gross"],
        json!({"amount": "0.00", "currency": "USD"})
    );
    let csv = app
        .get("/v1/sellers/me/statements.csv?month=2020-02", &owner)
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.text().contains("TOTAL,0,0.00,0.00,0.00,0.00,USD"),
        "{}",
        csv.text()
    );
    for bad in ["2020-13", "2020-2", "2020-02-01", "march", ""] {
        app.get(&format!("/v1/sellers/me/statements?month={bad}"), &owner)
            .await
            .error(400, "invalid_request");
        app.get(
            &format!("/v1/sellers/me/statements.csv?month={bad}"),
            &owner,
        )
        .await
        .error(400, "invalid_request");
    }
    app.get("/v1/sellers/me/statements", &owner)
        .await
        .error(400, "invalid_request");
}

#[actix_web::test]
async fn onboarding_says_connect_is_not_configured_offline() {
    let app = spawn_app().await;
    let (_, owner, member) = app.seller("Offline", "0.05").await;
    let body = json!({"refresh_url": "https://m.example/r", "return_url": "https://m.example/d"});
    let e = app
        .post("/v1/sellers/me/connect", &owner, body.clone())
        .await
        .error(409, "conflict");
    assert_eq!(e["reason"], "connect_not_configured");
    assert!(e["message"].as_str().unwrap().contains("not configured"));
    let e = app
        .post("/v1/sellers/me/connect", &member, body)
        .await
        .error(403, "forbidden");
    assert_eq!(e["reason"], "org_admin_required");
    app.post(
        "/v1/sellers/me/connect",
        &owner,
        json!({"refresh_url": "ftp://x", "return_url": "https://m.example/d"}),
    )
    .await
    .error(400, "invalid_request");
}

#[actix_web::test]
async fn admins_edit_sellers_and_one_org_manages_one_seller() {
    let app = spawn_app().await;
    let org = Uuid::new_v4();
    let s = app
        .post(
            "/v1/admin/sellers",
            &app.admin,
            json!({"name": "Editable", "org_id": org, "payout_minimum": {"amount": "50.00", "currency": "USD"}}),
        )
        .await
        .json(201);
    let id = s["id"].as_str().unwrap();
    assert_eq!(s["fee_rate"], "0.05", "R-M2: the default rate");
    let again = app
        .post(
            "/v1/admin/sellers",
            &app.admin,
            json!({"name": "Second", "org_id": org}),
        )
        .await
        .error(409, "conflict");
    assert_eq!(again["reason"], "org_manages_a_seller");
    let patched = app
        .call(
            "PATCH",
            &format!("/v1/admin/sellers/{id}"),
            &app.admin,
            Some(json!({"fee_rate": "0.125", "name": "Edited"})),
            None,
        )
        .await
        .json(200);
    assert_eq!(patched["fee_rate"], "0.125");
    assert_eq!(patched["name"], "Edited");
    assert_eq!(patched["org_id"], org.to_string(), "absent fields are kept");
    let detached = app
        .call(
            "PATCH",
            &format!("/v1/admin/sellers/{id}"),
            &app.admin,
            Some(json!({"org_id": null})),
            None,
        )
        .await
        .json(200);
    assert_eq!(detached["org_id"], Value::Null);
    let e = app
        .call(
            "PATCH",
            &format!("/v1/admin/sellers/{id}"),
            &app.admin,
            Some(json!({"fee_rate": "1.5"})),
            None,
        )
        .await
        .error(422, "invalid_request");
    assert_eq!(e["details"][0]["field"], "fee_rate");
    app.call(
        "PATCH",
        &format!("/v1/admin/sellers/{}", Uuid::new_v4()),
        &app.admin,
        Some(json!({"name": "x"})),
        None,
    )
    .await
    .error(404, "not_found");
    app.call(
        "PUT",
        &format!("/v1/admin/tools/{}/seller", Uuid::new_v4()),
        &app.admin,
        Some(json!({"seller_id": id})),
        None,
    )
    .await
    .error(404, "not_found");
    let all = app.get("/v1/admin/sellers", &app.admin).await.json(200);
    assert!(
        all.as_array().unwrap().len() >= 5,
        "the 4 seed sellers and ours"
    );
}

#[actix_web::test]
async fn the_revenue_report_splits_the_month_per_seller_and_per_tool() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let month = this_month();
    let by_seller = app
        .get(
            &format!("/v1/admin/reports/revenue?month={month}&by=seller"),
            &app.admin,
        )
        .await
        .json(200);
    let by_tool = app
        .get(
            &format!("/v1/admin/reports/revenue?month={month}&by=tool"),
            &app.admin,
        )
        .await
        .json(200);
    assert_eq!(by_seller["totals"], by_tool["totals"]);
    let gross: Decimal = w.tools.iter().map(|t| t.1).sum();
    assert_eq!(amount(&by_seller["totals"]["gross"]), gross);
    let rows = by_seller["rows"].as_array().unwrap();
    let x = rows
        .iter()
        .find(|r| r["seller_id"] == w.x.0.as_str())
        .unwrap();
    assert_eq!(x["seller_name"], "Seller X");
    for row in rows.iter().chain(by_tool["rows"].as_array().unwrap()) {
        assert_eq!(
            amount(&row["gross"]) - amount(&row["refunds"]),
            amount(&row["platform_revenue"]) + amount(&row["seller_net"]),
            "{row}"
        );
    }
    // The seller's statement and the report agree.
    let st = app
        .get(&format!("/v1/sellers/me/statements?month={month}"), &w.x.1)
        .await
        .json(200);
    assert_eq!(amount(&x["seller_net"]), amount(&st["totals"]["net"]));
    for bad in ["month=2025-3", "month=2025-03&by=org", "by=seller"] {
        app.get(&format!("/v1/admin/reports/revenue?{bad}"), &app.admin)
            .await
            .error(400, "invalid_request");
    }
}

/// `t=…,v1=…`: HMAC-SHA256 keyed with the endpoint's secret over `"{t}.{body}"`.
fn stripe_signature(t: i64, body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[actix_web::test]
async fn onboarding_links_to_connect_and_account_updated_enables_payouts() {
    let connect = Arc::new(marketplace_testkit::fakes::FakePayoutGateway::default());
    let app = spawn_app_with(Some(connect.clone())).await;
    let (_, owner, _) = app.seller("Onboarding", "0.05").await;
    let body = json!({"refresh_url": "https://m.example/r", "return_url": "https://m.example/d"});
    let first = app
        .post("/v1/sellers/me/connect", &owner, body.clone())
        .await
        .json(200);
    let account = first["account_id"].as_str().unwrap().to_owned();
    assert!(first["url"].as_str().unwrap().contains(&account));
    // Asking again resumes with the same account and a fresh link.
    let again = app
        .post("/v1/sellers/me/connect", &owner, body)
        .await
        .json(200);
    assert_eq!(again["account_id"], account.as_str());
    assert_eq!(connect.links().len(), 2);
    let me = app.get("/v1/sellers/me", &owner).await.json(200);
    assert_eq!(
        me["connect"],
        json!({"account_id": account, "payouts_enabled": false})
    );

    // Stripe says onboarding is complete.
    let event = serde_json::to_vec(&json!({
        "id": format!("evt_{}", Uuid::new_v4().simple()),
        "object": "event", "type": "account.updated", "created": chrono::Utc::now().timestamp(),
        "livemode": false,
        "data": {"object": {"id": account, "object": "account", "payouts_enabled": true,
                            "details_submitted": true}}
    }))
    .unwrap();
    for _ in 0..2 {
        let r = app
            .send(
                atest::TestRequest::post()
                    .uri("/v1/webhooks/stripe")
                    .insert_header((
                        "Stripe-Signature",
                        stripe_signature(chrono::Utc::now().timestamp(), &event),
                    ))
                    .insert_header(("Content-Type", "application/json"))
                    .set_payload(event.clone()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let me = app.get("/v1/sellers/me", &owner).await.json(200);
    assert_eq!(
        me["connect"],
        json!({"account_id": account, "payouts_enabled": true})
    );
}

/// The report's rows as (tool id, views, purchases, conversion as JSON text).
fn report_rows(report: &Value) -> Vec<(String, u64, u64, String)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["tool_id"].as_str().unwrap().to_owned(),
                r["views"].as_u64().unwrap(),
                r["purchases"].as_u64().unwrap(),
                r["conversion"].to_string(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn r_c6_r_c7_views_counted_then_flushed_and_each_seller_sees_its_own_tools_only() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let month = this_month();
    let (x_id, x_owner, x_member) = &w.x;
    let (_, y_owner, _) = &w.y;
    let (x_tool, y_tool) = (w.tools[0].0.to_string(), w.tools[1].0.to_string());
    for _ in 0..4 {
        app.get(&format!("/v1/tools/{x_tool}"), x_member)
            .await
            .json(200);
    }
    for _ in 0..2 {
        app.get(&format!("/v1/tools/{y_tool}"), &app.admin)
            .await
            .json(200);
    }
    // A listing page counts no view; an unknown tool counts nothing either.
    app.get("/v1/tools?limit=5", x_member).await.json(200);
    app.get(&format!("/v1/tools/{}", Uuid::new_v4()), x_member)
        .await
        .error(404, "not_found");
    let admin_report = format!("/v1/admin/analytics/tools?from={month}&to={month}");

    // R-C6: nothing is written per view; the purchases show, without a conversion.
    let before = app.get(&admin_report, &app.admin).await.json(200);
    let mut rows = report_rows(&before);
    rows.sort();
    let mut expected = vec![
        (x_tool.clone(), 0, 1, "null".to_owned()),
        (y_tool.clone(), 0, 1, "null".to_owned()),
    ];
    expected.sort();
    assert_eq!(rows, expected, "{before}");

    assert_eq!(app.services.analytics.flush().await.unwrap(), 6);
    assert_eq!(app.services.analytics.flush().await.unwrap(), 0);
    let after = app.get(&admin_report, &app.admin).await.json(200);
    assert_eq!(after["from"], month.as_str());
    assert_eq!(after["to"], month.as_str());
    let mut rows = report_rows(&after);
    rows.sort();
    let mut expected = vec![
        (x_tool.clone(), 4, 1, json!("0.25").to_string()),
        (y_tool.clone(), 2, 1, json!("0.5").to_string()),
    ];
    expected.sort();
    assert_eq!(rows, expected, "{after}");

    // Each seller sees its own tool and never the other's.
    let mine = format!("/v1/sellers/me/analytics?from={month}&to={month}");
    for who in [x_owner, x_member] {
        let report = app.get(&mine, who).await.json(200);
        assert_eq!(
            report_rows(&report),
            vec![(x_tool.clone(), 4, 1, json!("0.25").to_string())],
            "{x_id}: {report}"
        );
    }
    assert_eq!(
        report_rows(&app.get(&mine, y_owner).await.json(200)),
        vec![(y_tool.clone(), 2, 1, json!("0.5").to_string())]
    );
    // An org that manages no seller: 404; nor is it a catalog admin: 403.
    let (buyer, _) = app.buyer().await;
    app.get(&mine, &buyer).await.error(404, "not_found");
    app.get(&admin_report, &buyer).await.error(403, "forbidden");
    app.get(&admin_report, x_owner)
        .await
        .error(403, "forbidden");

    // Bad ranges are 400s that name the parameter.
    for query in [
        String::new(),
        format!("from={month}"),
        format!("to={month}"),
        "from=2026-3&to=2026-04".to_owned(),
        "from=2026-05&to=2026-04".to_owned(),
        "from=2024-01&to=2026-01".to_owned(),
        format!("from={month}&to={month}&tool=x"),
    ] {
        for (uri, who) in [
            (format!("/v1/admin/analytics/tools?{query}"), &app.admin),
            (format!("/v1/sellers/me/analytics?{query}"), x_owner),
        ] {
            app.get(&uri, who).await.error(400, "invalid_request");
        }
    }
}
