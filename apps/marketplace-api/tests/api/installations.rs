//! Modules through the service (R-I1..R-I7): versions published and yanked by catalog
//! admins, an org's plans, applies, rollbacks, updates, notices and history, entitlements
//! and success rates; every refusal in the API's error shape, changing nothing.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use serde_json::{Value, json};

use crate::helpers::{Org, TestApp, assert_list, assert_timestamp, spawn_app, uuid};

fn internal_seller() -> String {
    marketplace_migrations::seed::sellers()
        .iter()
        .find(|s| s.name == "Internal")
        .unwrap()
        .id()
        .to_string()
}

/// The org's platform in every test unless it says otherwise.
const PLATFORM: &str = "5.0.0";

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// A new tool in the catalog, free or paid (monthly, STARTER); returns its id.
    async fn module(&self, name: &str, free: bool) -> String {
        let (model, price) = if free {
            ("FREE", "0.00")
        } else {
            ("MONTHLY", "20.00")
        };
        let tool = self
            .post(
                "/v1/admin/tools",
                &self.platform_admin.clone(),
                json!({
                    "name": name,
                    "description": format!("{name}, a module with versions."),
                    "category": "LEAD_GENERATION",
                    "tags": ["modules"],
                    "price_model": model,
                    "price": {"amount": price, "currency": "USD"},
                    "required_tier": "STARTER",
                    "integration_type": "NATIVE",
                    "seller_id": internal_seller(),
                    "documentation_url": "https://docs.example.com/modules",
                    "version": "1.0.0"
                }),
            )
            .await
            .expect(201);
        tool["id"].as_str().unwrap().to_owned()
    }

    /// POST /v1/admin/tools/{tool}/versions as the platform admin.
    async fn publish(&self, tool: &str, version: &str, platform: &str, deps: Value) -> Value {
        self.post(
            &format!("/v1/admin/tools/{tool}/versions"),
            &self.platform_admin.clone(),
            json!({
                "version": version,
                "notes": format!("Release {version}"),
                "platform": platform,
                "dependencies": deps
            }),
        )
        .await
        .expect(201)
    }

    /// A new GROWTH org (room for paid tools) with credits, on `platform`.
    async fn org_on(&self, platform: &str) -> Org {
        let org = self.org("GROWTH", "500").await;
        self.put(
            &format!("/v1/admin/orgs/{}", org.id),
            &self.platform_admin.clone(),
            json!({"name": "Modules Org", "tier": "GROWTH", "platform_version": platform}),
        )
        .await
        .expect(200);
        org
    }

    /// POST /v1/installations/apply, asserting a 201.
    async fn apply(&self, token: &str, body: Value) -> Value {
        self.post("/v1/installations/apply", token, body)
            .await
            .expect(201)
    }

    /// GET /v1/installations as `token`.
    async fn installed(&self, token: &str) -> Value {
        self.get("/v1/installations", token).await.expect(200)
    }
}

/// (tool id, version) of each installed tool, in the answer's order.
fn versions(installed: &Value) -> Vec<(String, String)> {
    installed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tool_id"].as_str().unwrap().to_owned(),
                t["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// (tool id, action, from, to) of each change, sorted by tool id.
fn changes(v: &Value) -> Vec<(String, String, Value, Value)> {
    let mut out: Vec<_> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(
                c.as_object().unwrap().len(),
                4,
                "tool_id, action, from, to: {c}"
            );
            (
                c["tool_id"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
                c["from"].clone(),
                c["to"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn sorted(mut items: Vec<(String, String)>) -> Vec<(String, String)> {
    items.sort();
    items
}

/// A diamond: App needs Left ^1 and Right ^1; Left needs Core ^1; Right needs Core
/// >=1.1; Core has 1.0.0, 1.1.0 and 2.0.0. Returns (app, left, right, core).
async fn diamond<S, B>(app: &TestApp<S>) -> (String, String, String, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let core = app.module("Core Data", true).await;
    let left = app.module("Left Panel", true).await;
    let right = app.module("Right Panel", true).await;
    let top = app.module("Deal Desk", true).await;
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        app.publish(&core, version, "*", json!([])).await;
    }
    app.publish(&left, "1.0.0", "*", json!([{"tool_id": core, "req": "^1"}]))
        .await;
    app.publish(
        &right,
        "1.0.0",
        "*",
        json!([{"tool_id": core, "req": ">=1.1"}]),
    )
    .await;
    app.publish(
        &top,
        "1.0.0",
        ">=5",
        json!([{"tool_id": left, "req": "^1"}, {"tool_id": right, "req": "^1"}]),
    )
    .await;
    (top, left, right, core)
}

#[actix_web::test]
async fn r_i1_versions_are_published_listed_and_yanked_by_catalog_admins() {
    let app = spawn_app().await;
    let core = app.module("Core Data", true).await;
    let crm = app.module("CRM Sync", true).await;
    let published = app.publish(&core, "1.0.0", "*", json!([])).await;
    assert_eq!(published["tool_id"], core.as_str());
    assert_eq!(published["version"], "1.0.0");
    assert_eq!(published["notified"], 0);
    assert_timestamp(&published["published_at"]);
    app.publish(
        &crm,
        "1.3.0",
        ">=4.2",
        json!([{"tool_id": core, "req": "^1"}]),
    )
    .await;

    let org = app.org("FREE", "0").await;
    let listed = app
        .get(&format!("/v1/tools/{crm}/versions"), &org.viewer)
        .await
        .expect(200);
    assert_eq!(listed.as_object().unwrap().len(), 1, "only items: {listed}");
    let item = &listed["items"][0];
    assert_eq!(item["version"], "1.3.0");
    assert_eq!(item["notes"], "Release 1.3.0");
    assert_eq!(item["platform"], ">=4.2");
    assert_eq!(item["status"], "PUBLISHED");
    assert_eq!(
        item["dependencies"],
        json!([{"tool_id": core, "req": "^1", "optional": false}])
    );
    assert_timestamp(&item["published_at"]);

    // Yanked: listed with its status, and yanking again changes nothing.
    let yank = format!("/v1/admin/tools/{core}/versions/1.0.0/yank");
    app.post_empty(&yank, &app.platform_admin).await.expect(204);
    app.post_empty(&yank, &app.platform_admin).await.expect(204);
    let core_versions = app
        .get(&format!("/v1/tools/{core}/versions"), &org.viewer)
        .await
        .expect(200);
    assert_eq!(core_versions["items"][0]["status"], "YANKED");

    // A published version never changes.
    app.post(
        &format!("/v1/admin/tools/{core}/versions"),
        &app.platform_admin,
        json!({"version": "1.0.0", "notes": "Rewritten"}),
    )
    .await
    .expect_reason(409, "conflict", "version_exists");
}

#[actix_web::test]
async fn r_i1_publishing_refuses_callers_and_input_it_should() {
    let app = spawn_app().await;
    let core = app.module("Core Data", true).await;
    let org = app.org("STARTER", "0").await;
    let uri = format!("/v1/admin/tools/{core}/versions");
    let body = json!({"version": "1.0.0"});

    app.call("POST", &uri, None, Some(body.clone()))
        .await
        .expect_error(401, "unauthorized");
    for token in [&org.owner, &org.member, &app.moderator] {
        app.post(&uri, token, body.clone())
            .await
            .expect_error(403, "forbidden");
        app.post_empty(&format!("{uri}/1.0.0/yank"), token)
            .await
            .expect_error(403, "forbidden");
    }
    app.post(
        &format!("/v1/admin/tools/{}/versions", uuid()),
        &app.platform_admin,
        body.clone(),
    )
    .await
    .expect_error(404, "not_found");
    for (bad, field) in [
        (json!({"version": "one"}), "version"),
        (json!({"version": "1.0.0", "platform": ">>5"}), "platform"),
        (
            json!({"version": "1.0.0", "dependencies": [{"tool_id": core, "req": "^^1"}]}),
            "dependencies[0].req",
        ),
    ] {
        let error = app
            .post(&uri, &app.platform_admin, bad)
            .await
            .expect_error(400, "invalid_request");
        assert_eq!(error["details"][0]["field"], field, "{error}");
    }
    app.post(
        &uri,
        &app.platform_admin,
        json!({"version": "1.0.0", "colour": "red"}),
    )
    .await
    .expect_error(400, "invalid_request");
    for (rule, field) in [
        (json!({"version": "1.0.0+build.5"}), "version"),
        (
            json!({"version": "1.0.0", "dependencies": [{"tool_id": uuid(), "req": "^1"}]}),
            "dependencies",
        ),
        (
            json!({"version": "1.0.0", "dependencies": [{"tool_id": core, "req": "^1"}]}),
            "dependencies",
        ),
    ] {
        let error = app
            .post(&uri, &app.platform_admin, rule)
            .await
            .expect_reason(422, "invalid_request", "invalid_fields");
        assert_eq!(error["details"][0]["field"], field, "{error}");
    }
    let listed = app
        .get(&format!("/v1/tools/{core}/versions"), &org.member)
        .await
        .expect(200);
    assert_eq!(listed["items"], json!([]), "nothing was published");

    app.post_empty(&format!("{uri}/9.9.9/yank"), &app.platform_admin)
        .await
        .expect_error(404, "not_found");
    app.post_empty(&format!("{uri}/nine/yank"), &app.platform_admin)
        .await
        .expect_error(400, "invalid_request");
    app.get(&format!("/v1/tools/{}/versions", uuid()), &org.member)
        .await
        .expect_error(404, "not_found");
    app.get("/v1/tools/abc/versions", &org.member)
        .await
        .expect_error(400, "invalid_request");
    app.call("GET", &format!("/v1/tools/{core}/versions"), None, None)
        .await
        .expect_error(401, "unauthorized");
}

/// R-I2 and R-I4 on a diamond: the plan resolves every dependency and changes nothing;
/// applying makes generation 1; rollback restores the previous generation whole.
#[actix_web::test]
async fn r_i4_plan_apply_and_rollback_a_diamond() {
    let app = spawn_app().await;
    let (top, left, right, core) = diamond(&app).await;
    let org = app.org_on(PLATFORM).await;
    let body = json!({"install": [{"tool_id": top}]});

    let plan = app
        .post("/v1/installations/plan", &org.admin, body.clone())
        .await
        .expect(200);
    assert_eq!(plan["generation"], 0);
    let expected: Vec<(String, String, Value, Value)> = {
        let mut e = vec![
            (
                top.clone(),
                "install".to_owned(),
                Value::Null,
                json!("1.0.0"),
            ),
            (
                left.clone(),
                "install".to_owned(),
                Value::Null,
                json!("1.0.0"),
            ),
            (
                right.clone(),
                "install".to_owned(),
                Value::Null,
                json!("1.0.0"),
            ),
            (
                core.clone(),
                "install".to_owned(),
                Value::Null,
                json!("1.1.0"),
            ),
        ];
        e.sort_by(|a, b| a.0.cmp(&b.0));
        e
    };
    assert_eq!(changes(&plan), expected, "Core 1.1.0 meets both sides");
    let before = app.installed(&org.viewer).await;
    assert_eq!(before["generation"], 0, "a plan changes nothing");
    assert_eq!(before["platform_version"], PLATFORM);
    assert_eq!(before["items"], json!([]));

    let applied = app.apply(&org.owner, body).await;
    assert_eq!(applied["generation"], 1);
    assert_eq!(applied["kind"], "change");
    assert_eq!(applied["restores"], Value::Null);
    assert_eq!(changes(&applied), expected);
    assert_timestamp(&applied["applied_at"]);
    assert_eq!(applied["applied_by"], org.owner_user.to_string());
    let installed = app.installed(&org.member).await;
    assert_eq!(installed["generation"], 1);
    assert_eq!(
        sorted(versions(&installed)),
        sorted(vec![
            (top.clone(), "1.0.0".into()),
            (left.clone(), "1.0.0".into()),
            (right.clone(), "1.0.0".into()),
            (core.clone(), "1.1.0".into()),
        ])
    );
    let item = installed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool_id"] == top.as_str())
        .unwrap();
    assert_eq!(
        item,
        &json!({"tool_id": top, "name": "Deal Desk", "version": "1.0.0", "enabled": true})
    );

    // Uninstalling the top leaves its dependencies installed (generation 2).
    let removed = app.apply(&org.owner, json!({"uninstall": [top]})).await;
    assert_eq!(removed["generation"], 2);
    assert_eq!(
        changes(&removed),
        [(top.clone(), "remove".into(), json!("1.0.0"), Value::Null)]
    );

    let rolled = app
        .call("POST", "/v1/installations/rollback", Some(&org.admin), None)
        .await
        .expect(201);
    assert_eq!(rolled["generation"], 3);
    assert_eq!(rolled["kind"], "rollback");
    assert_eq!(rolled["restores"], 1);
    assert_eq!(
        changes(&rolled),
        [(top.clone(), "install".into(), Value::Null, json!("1.0.0"))]
    );
    assert_eq!(
        sorted(versions(&app.installed(&org.viewer).await)),
        sorted(versions(&installed)),
        "generation 1's lockfile, whole"
    );

    let history = app
        .get("/v1/installations/history", &org.viewer)
        .await
        .expect(200);
    let items = assert_list(&history, 3, 50, 0);
    let numbers: Vec<&Value> = items.iter().map(|g| &g["generation"]).collect();
    assert_eq!(numbers, [&json!(3), &json!(2), &json!(1)], "newest first");
    assert_eq!(items[0]["lockfile"].as_array().unwrap().len(), 4);
    app.get("/v1/installations/history?limit=0", &org.viewer)
        .await
        .expect_error(400, "invalid_request");
}

/// R-I5: a tool others need is not uninstalled without the cascade; the answer names them.
#[actix_web::test]
async fn r_i5_uninstalling_a_required_tool_needs_the_cascade() {
    let app = spawn_app().await;
    let (top, left, right, core) = diamond(&app).await;
    let org = app.org_on(PLATFORM).await;
    app.apply(&org.owner, json!({"install": [{"tool_id": top}]}))
        .await;

    let error = app
        .post(
            "/v1/installations/apply",
            &org.owner,
            json!({"uninstall": [core]}),
        )
        .await
        .expect_reason(409, "conflict", "required_by");
    let mut named: Vec<&str> = error["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    named.sort_unstable();
    assert_eq!(named, ["Deal Desk", "Left Panel", "Right Panel"]);
    assert_eq!(app.installed(&org.owner).await["generation"], 1);

    let cascaded = app
        .apply(&org.owner, json!({"uninstall": [core], "cascade": true}))
        .await;
    let mut removed: Vec<String> = changes(&cascaded)
        .into_iter()
        .map(|(tool, action, _, _)| {
            assert_eq!(action, "remove");
            tool
        })
        .collect();
    removed.sort();
    assert_eq!(removed, sorted_ids(&[&top, &left, &right, &core]));
    assert_eq!(app.installed(&org.owner).await["items"], json!([]));
}

fn sorted_ids(ids: &[&String]) -> Vec<String> {
    let mut out: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    out.sort();
    out
}

/// R-I3: no set of versions works: 422 `unsatisfiable`, with the reason in plain words, and
/// nothing changes.
#[actix_web::test]
async fn r_i3_an_unsatisfiable_request_is_explained_in_plain_words() {
    let app = spawn_app().await;
    let (top, _, _, _) = diamond(&app).await;
    let org = app.org_on("4.2.0").await;

    for uri in ["/v1/installations/plan", "/v1/installations/apply"] {
        let error = app
            .post(uri, &org.owner, json!({"install": [{"tool_id": top}]}))
            .await
            .expect_reason(422, "invalid_request", "unsatisfiable");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("Deal Desk") && message.contains("4.2.0"),
            "names the module and the platform in the way: {message}"
        );
        assert!(!message.contains(">=5.0.0, <"), "no raw ranges: {message}");
        assert_eq!(error["details"], json!([{"tool_id": top}]));
    }
    let installed = app.installed(&org.owner).await;
    assert_eq!(
        (installed["generation"].clone(), installed["items"].clone()),
        (json!(0), json!([]))
    );

    // The platform moves: the same request now works.
    app.put(
        &format!("/v1/admin/orgs/{}", org.id),
        &app.platform_admin,
        json!({"name": "Modules Org", "tier": "GROWTH", "platform_version": "5.1.0"}),
    )
    .await
    .expect(200);
    app.apply(&org.owner, json!({"install": [{"tool_id": top}]}))
        .await;
}

/// R-I2: a paid tool is chosen only for an org entitled to it.
#[actix_web::test]
async fn r_i2_a_paid_module_needs_the_orgs_entitlement() {
    let app = spawn_app().await;
    let paid = app.module("Paid Insights", false).await;
    app.publish(&paid, "1.0.0", "*", json!([])).await;
    let org = app.org_on(PLATFORM).await;
    let body = json!({"install": [{"tool_id": paid, "req": "^1"}]});

    let error = app
        .post("/v1/installations/plan", &org.owner, body.clone())
        .await
        .expect_reason(403, "forbidden", "not_entitled");
    assert_eq!(error["details"][0]["name"], "Paid Insights");

    app.buy(&org.owner, &[("tool", paid.as_str())], "platform_credits")
        .await;
    let applied = app.apply(&org.owner, body).await;
    assert_eq!(applied["generation"], 1);
}

/// R-I6: an installation whose entitlement ends is disabled, not deleted, and enabled
/// again when the entitlement returns.
#[actix_web::test]
async fn r_i6_an_installation_follows_its_entitlement() {
    let app = spawn_app().await;
    let paid = app.module("Paid Insights", false).await;
    app.publish(&paid, "1.0.0", "*", json!([])).await;
    app.publish(&paid, "1.1.0", "*", json!([])).await;
    let org = app.org_on(PLATFORM).await;
    app.buy(&org.owner, &[("tool", paid.as_str())], "platform_credits")
        .await;
    app.apply(
        &org.owner,
        json!({"install": [{"tool_id": paid, "req": "~1.0"}]}),
    )
    .await;
    let enabled = |v: &Value| v["items"][0]["enabled"].clone();
    assert_eq!(enabled(&app.installed(&org.member).await), json!(true));

    let purchase = app.purchases(&org).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/v1/admin/purchases/{purchase}/refund"),
        &app.platform_admin,
        json!({}),
    )
    .await
    .expect(200);
    let lapsed = app.installed(&org.member).await;
    assert_eq!(enabled(&lapsed), json!(false), "disabled: {lapsed}");
    assert_eq!(
        versions(&lapsed),
        [(paid.clone(), "1.0.0".to_owned())],
        "kept, not deleted"
    );
    let updates = app
        .get("/v1/installations/updates", &org.member)
        .await
        .expect(200);
    assert_eq!(
        updates["items"],
        json!([]),
        "a disabled installation takes no update"
    );
    app.post(
        "/v1/installations/apply",
        &org.owner,
        json!({"install": [{"tool_id": paid, "req": "^1.1"}]}),
    )
    .await
    .expect_reason(403, "forbidden", "not_entitled");

    app.buy(&org.owner, &[("tool", paid.as_str())], "platform_credits")
        .await;
    assert_eq!(enabled(&app.installed(&org.member).await), json!(true));
}

/// R-I6: a new compatible version shows as an update and as a notice to the orgs that have
/// the tool; an org reads its notices and marks them read, never another org's.
#[actix_web::test]
async fn r_i6_new_versions_are_listed_as_updates_and_notices() {
    let app = spawn_app().await;
    let core = app.module("Core Data", true).await;
    app.publish(&core, "1.0.0", "*", json!([])).await;
    let org = app.org_on(PLATFORM).await;
    let bystander = app.org_on(PLATFORM).await;
    app.apply(&org.owner, json!({"install": [{"tool_id": core}]}))
        .await;
    let none = app
        .get("/v1/installations/updates", &org.viewer)
        .await
        .expect(200);
    assert_eq!(none, json!({"items": []}));

    let published = app.publish(&core, "1.2.0", "*", json!([])).await;
    assert_eq!(published["notified"], 1, "only the org that has it");
    // Needs a newer platform than the org runs: no notice.
    let too_new = app.publish(&core, "2.0.0", ">=6", json!([])).await;
    assert_eq!(too_new["notified"], 0);

    let updates = app
        .get("/v1/installations/updates", &org.viewer)
        .await
        .expect(200);
    assert_eq!(
        updates,
        json!({"items": [{"tool_id": core, "from": "1.0.0", "to": "1.2.0", "notes": "Release 1.2.0"}]})
    );

    let notices = app
        .get("/v1/installations/notices?unread=true", &org.viewer)
        .await
        .expect(200);
    let items = assert_list(&notices, 1, 50, 0);
    assert_eq!(items[0]["tool_id"], core.as_str());
    assert_eq!(
        (&items[0]["from"], &items[0]["to"]),
        (&json!("1.0.0"), &json!("1.2.0"))
    );
    assert_eq!(items[0]["read_at"], Value::Null);
    assert_timestamp(&items[0]["created_at"]);
    let theirs = app
        .get("/v1/installations/notices", &bystander.owner)
        .await
        .expect(200);
    assert_list(&theirs, 0, 50, 0);

    let read = format!("/v1/installations/notices/{core}/1.2.0/read");
    app.post_empty(&read, &bystander.owner)
        .await
        .expect_error(404, "not_found");
    app.post_empty(&read, &org.viewer).await.expect(204);
    let unread = app
        .get("/v1/installations/notices?unread=true", &org.viewer)
        .await
        .expect(200);
    assert_list(&unread, 0, 50, 0);
    let all = app
        .get("/v1/installations/notices", &org.viewer)
        .await
        .expect(200);
    assert_timestamp(&assert_list(&all, 1, 50, 0)[0]["read_at"]);
    app.post_empty(
        &format!("/v1/installations/notices/{core}/9.0.0/read"),
        &org.viewer,
    )
    .await
    .expect_error(404, "not_found");
    app.post_empty(
        &format!("/v1/installations/notices/{core}/soon/read"),
        &org.viewer,
    )
    .await
    .expect_error(400, "invalid_request");
    app.get("/v1/installations/notices?unread=maybe", &org.viewer)
        .await
        .expect_error(400, "invalid_request");

    // Taking the update: an upgrade.
    let upgraded = app
        .apply(
            &org.admin,
            json!({"install": [{"tool_id": core, "req": "^1.2"}]}),
        )
        .await;
    assert_eq!(
        changes(&upgraded),
        [(
            core.clone(),
            "upgrade".into(),
            json!("1.0.0"),
            json!("1.2.0")
        )]
    );
}

/// R-I7: every attempt is recorded; the platform reads any tool's success rate, a seller
/// its own tools'.
#[actix_web::test]
async fn r_i7_success_rates_for_the_platform_and_the_seller() {
    let app = spawn_app().await;
    let (top, _, _, core) = diamond(&app).await;
    let old = app.org_on("4.0.0").await;
    let org = app.org_on(PLATFORM).await;
    app.post(
        "/v1/installations/apply",
        &old.owner,
        json!({"install": [{"tool_id": top}]}),
    )
    .await
    .expect_reason(422, "invalid_request", "unsatisfiable");
    app.apply(&org.owner, json!({"install": [{"tool_id": top}]}))
        .await;

    let stats = app
        .get(
            &format!("/v1/admin/install-stats?tool_id={top},{core}"),
            &app.platform_admin,
        )
        .await
        .expect(200);
    assert_eq!(stats["target_percent"], 95);
    let rate = |tool: &str| {
        stats["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["tool_id"] == tool)
            .cloned()
            .unwrap_or_else(|| panic!("no rate for {tool}: {stats}"))
    };
    assert_eq!(
        rate(&top),
        json!({"tool_id": top, "attempts": 2, "succeeded": 1, "success_percent": 50, "meets_target": false})
    );
    assert_eq!(rate(&core)["attempts"], 1, "installed as a dependency once");
    assert_eq!(rate(&core)["meets_target"], true);

    for token in [&org.owner, &app.moderator] {
        app.get(&format!("/v1/admin/install-stats?tool_id={top}"), token)
            .await
            .expect_error(403, "forbidden");
    }
    app.get("/v1/admin/install-stats", &app.platform_admin)
        .await
        .expect_error(400, "invalid_request");
    app.get("/v1/admin/install-stats?tool_id=abc", &app.platform_admin)
        .await
        .expect_error(400, "invalid_request");

    // A seller managed by an org reads its own tools' rates; a buyer org has no seller.
    let seller_org = uuid::Uuid::new_v4();
    let seller = app
        .post(
            "/v1/admin/sellers",
            &app.platform_admin,
            json!({"name": "Module House", "fee_rate": "0.10", "org_id": seller_org}),
        )
        .await
        .expect(201);
    app.put(
        &format!("/v1/admin/tools/{top}/seller"),
        &app.platform_admin,
        json!({"seller_id": seller["id"]}),
    )
    .await
    .expect(200);
    let seller_member = crate::helpers::mint(
        &app.keys,
        uuid::Uuid::new_v4(),
        seller_org,
        marketplace_domain::access::OrgRole::Member,
        marketplace_domain::access::PlatformRole::User,
    );
    let own = app
        .get("/v1/sellers/me/install-stats", &seller_member)
        .await
        .expect(200);
    assert_eq!(own["items"], json!([rate(&top)]), "its one tool, no other");
    app.get("/v1/sellers/me/install-stats", &org.owner)
        .await
        .expect_error(404, "not_found");

    // The history behind the rate: every attempt with its outcome, reason and duration.
    let history = app
        .get(
            &format!("/v1/admin/tools/{top}/install-attempts"),
            &app.platform_admin,
        )
        .await
        .expect(200);
    let attempts = assert_list(&history, 2, 50, 0);
    let mut outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["failed", "succeeded"]);
    for a in &attempts {
        assert_eq!(a["tool_id"], top.as_str());
        assert_eq!(a["kind"], "install");
        assert!(a["duration_ms"].is_u64(), "{a}");
        assert_timestamp(&a["at"]);
        assert!(a.get("org_id").is_none(), "the buyer is not named: {a}");
    }
    let failed = attempts.iter().find(|a| a["outcome"] == "failed").unwrap();
    assert!(
        failed["reason"].as_str().unwrap().contains("4.0.0"),
        "the words the buyer read: {failed}"
    );
    let seller_view = app
        .get(
            &format!("/v1/sellers/me/tools/{top}/install-attempts"),
            &seller_member,
        )
        .await
        .expect(200);
    assert_eq!(seller_view, history, "the seller reads its tool's history");
    app.get(
        &format!("/v1/sellers/me/tools/{core}/install-attempts"),
        &seller_member,
    )
    .await
    .expect_error(404, "not_found");
    app.get(
        &format!("/v1/sellers/me/tools/{top}/install-attempts"),
        &org.owner,
    )
    .await
    .expect_error(404, "not_found");
    app.get(
        &format!("/v1/admin/tools/{top}/install-attempts"),
        &org.owner,
    )
    .await
    .expect_error(403, "forbidden");
    app.get(
        &format!("/v1/admin/tools/{top}/install-attempts?limit=500"),
        &app.platform_admin,
    )
    .await
    .expect_error(400, "invalid_request");
}

/// Who may do what: 401 without a token everywhere; members and viewers read but do not
/// change; an org sees only its own installations.
#[actix_web::test]
async fn installations_answer_401_403_and_keep_orgs_apart() {
    let app = spawn_app().await;
    let core = app.module("Core Data", true).await;
    app.publish(&core, "1.0.0", "*", json!([])).await;
    let org = app.org_on(PLATFORM).await;
    let other = app.org_on("6.0.0").await;
    let body = json!({"install": [{"tool_id": core}]});

    for (method, uri) in [
        ("GET", "/v1/installations"),
        ("POST", "/v1/installations/plan"),
        ("POST", "/v1/installations/apply"),
        ("POST", "/v1/installations/rollback"),
        ("GET", "/v1/installations/updates"),
        ("GET", "/v1/installations/history"),
        ("GET", "/v1/installations/notices"),
        (
            "POST",
            "/v1/installations/notices/00000000-0000-0000-0000-000000000000/1.0.0/read",
        ),
        (
            "GET",
            "/v1/admin/install-stats?tool_id=00000000-0000-0000-0000-000000000000",
        ),
        ("GET", "/v1/sellers/me/install-stats"),
        (
            "GET",
            "/v1/admin/tools/00000000-0000-0000-0000-000000000000/install-attempts",
        ),
        (
            "GET",
            "/v1/sellers/me/tools/00000000-0000-0000-0000-000000000000/install-attempts",
        ),
    ] {
        app.call(method, uri, None, Some(body.clone()))
            .await
            .expect_error(401, "unauthorized");
    }
    for token in [&org.member, &org.viewer] {
        for uri in ["/v1/installations/plan", "/v1/installations/apply"] {
            app.post(uri, token, body.clone())
                .await
                .expect_error(403, "forbidden");
        }
        app.post_empty("/v1/installations/rollback", token)
            .await
            .expect_error(403, "forbidden");
    }
    app.apply(&org.owner, body).await;

    let theirs = app.installed(&other.owner).await;
    assert_eq!(
        (
            theirs["platform_version"].clone(),
            theirs["generation"].clone(),
            theirs["items"].clone()
        ),
        (json!("6.0.0"), json!(0), json!([])),
        "another org's installations are not seen"
    );
    let history = app
        .get("/v1/installations/history", &other.owner)
        .await
        .expect(200);
    assert_list(&history, 0, 50, 0);
    app.post_empty("/v1/installations/rollback", &other.owner)
        .await
        .expect_reason(409, "conflict", "no_previous_generation");
    app.post(
        "/v1/installations/apply",
        &other.owner,
        json!({"uninstall": [core]}),
    )
    .await
    .expect_reason(422, "invalid_request", "not_installed");
    assert_eq!(app.installed(&org.viewer).await["generation"], 1);

    // An org whose platform version was never set cannot install yet.
    let unset = app.org("STARTER", "0").await;
    app.get("/v1/installations", &unset.viewer)
        .await
        .expect_reason(409, "conflict", "no_platform_version");
}

/// Bad input is a 400 (malformed) or 422 (breaks a rule) in the error shape, and changes
/// nothing.
#[actix_web::test]
async fn installations_refuse_bad_input_changing_nothing() {
    let app = spawn_app().await;
    let core = app.module("Core Data", true).await;
    app.publish(&core, "1.0.0", "*", json!([])).await;
    let org = app.org_on(PLATFORM).await;

    for (body, field) in [
        (json!({}), Some("install")),
        (json!({"install": []}), Some("install")),
        (
            json!({"install": [{"tool_id": core, "req": "about one"}]}),
            Some("install[0].req"),
        ),
        (
            json!({"install": [{"tool_id": core}], "uninstall": [core]}),
            Some("uninstall"),
        ),
        (json!({"install": [{"tool_id": "abc"}]}), None),
        (json!({"install": [{"tool_id": core}], "force": true}), None),
        (json!({"install": "everything"}), None),
    ] {
        for uri in ["/v1/installations/plan", "/v1/installations/apply"] {
            let error = app
                .post(uri, &org.owner, body.clone())
                .await
                .expect_error(400, "invalid_request");
            if let Some(field) = field {
                assert_eq!(error["details"][0]["field"], field, "{body}: {error}");
            }
        }
    }
    let unknown = uuid();
    let error = app
        .post(
            "/v1/installations/plan",
            &org.owner,
            json!({"install": [{"tool_id": unknown}]}),
        )
        .await
        .expect_reason(422, "invalid_request", "unknown_tool");
    assert_eq!(error["details"], json!([{"tool_id": unknown}]));
    app.post(
        "/v1/installations/apply",
        &org.owner,
        json!({"install": [{"tool_id": core, "req": "^3"}]}),
    )
    .await
    .expect_reason(422, "invalid_request", "unsatisfiable");
    let installed = app.installed(&org.owner).await;
    assert_eq!(installed["generation"], 0, "nothing changed: {installed}");
    app.get("/v1/installations?verbose=1", &org.owner)
        .await
        .expect_error(400, "invalid_request");

    // A platform version that is not semver is refused before the org changes.
    let error = app
        .put(
            &format!("/v1/admin/orgs/{}", org.id),
            &app.platform_admin,
            json!({"name": "Renamed", "tier": "ELITE", "platform_version": "five"}),
        )
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(error["details"][0]["field"], "platform_version");
    assert_eq!(
        app.installed(&org.owner).await["platform_version"],
        PLATFORM
    );
}

/// R-I4: two applies for one org at the same time are one after the other: two
/// generations, the second keeping what the first installed.
#[actix_web::test]
async fn r_i4_two_concurrent_applies_for_one_org_serialize() {
    let app = spawn_app().await;
    let core = app.module("Core Data", true).await;
    let crm = app.module("CRM Sync", true).await;
    app.publish(&core, "1.0.0", "*", json!([])).await;
    app.publish(&crm, "1.0.0", "*", json!([])).await;
    let org = app.org_on(PLATFORM).await;

    let (first, second) = futures::join!(
        app.post(
            "/v1/installations/apply",
            &org.owner,
            json!({"install": [{"tool_id": core}]})
        ),
        app.post(
            "/v1/installations/apply",
            &org.admin,
            json!({"install": [{"tool_id": crm}]})
        ),
    );
    let mut numbers = [
        first.expect(201)["generation"].as_u64().unwrap(),
        second.expect(201)["generation"].as_u64().unwrap(),
    ];
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2]);
    let installed = app.installed(&org.owner).await;
    assert_eq!(installed["generation"], 2);
    assert_eq!(
        sorted(versions(&installed)),
        sorted(vec![(core, "1.0.0".into()), (crm, "1.0.0".into())]),
        "neither change lost the other's tool"
    );
}
