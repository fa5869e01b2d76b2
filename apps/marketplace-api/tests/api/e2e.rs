//! End to end: the real binary on a temporary SQLite file and a free port, the README
//! walk-through over real HTTP, and a graceful stop on SIGTERM.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_marketplace-api");

/// The service's environment for one run.
struct Env {
    dir: PathBuf,
    vars: Vec<(&'static str, String)>,
    base: String,
}

impl Env {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("marketplace-e2e-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let vars = vec![
            ("MARKETPLACE_MODE", "demo".to_owned()),
            ("MARKETPLACE_BIND", bind.clone()),
            (
                "MARKETPLACE_DATABASE_URL",
                format!("sqlite://{}/m.sqlite?mode=rwc", dir.display()),
            ),
            ("MARKETPLACE_LOG", "pretty,info".to_owned()),
        ];
        Self {
            dir,
            vars,
            base: format!("http://{bind}"),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.dir)
            .env_remove("MARKETPLACE_MIGRATE_DATABASE_URL")
            .env_remove("MARKETPLACE_JWT_SECRET")
            .env_remove("MARKETPLACE_JWT_ISSUER")
            .env_remove("MARKETPLACE_PAYMENTS")
            .env_remove("RUST_LOG");
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    fn log(&self) -> String {
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        format!(
            "stdout:\n{}\nstderr:\n{}",
            read(&self.dir.join("stdout.log")),
            read(&self.dir.join("stderr.log"))
        )
    }

    /// `marketplace-api dev-token …` with the same environment.
    fn token(&self, args: &[&str]) -> String {
        let out = self.command().arg("dev-token").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "dev-token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let token = stdout
            .lines()
            .map(str::trim)
            .rfind(|l| l.split('.').count() == 3 && !l.contains(' '))
            .unwrap_or_else(|| panic!("no token in {stdout:?}"));
        token.to_owned()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// Stops the child if a test fails before it could do so itself.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

async fn wait_ready(http: &reqwest::Client, env: &Env, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the service exited early ({status}):\n{}", env.log());
        }
        if let Ok(r) = http.get(format!("{}/readyz", env.base)).send().await
            && r.status() == 200
        {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body, json!({"status": "ready"}));
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not ready within 30 s:\n{}",
            env.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
}

impl Api<'_> {
    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

#[tokio::test]
async fn the_binary_serves_the_readme_walk_through_and_stops_on_sigterm() {
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let env = Env::new();
    let child = env
        .command()
        .stdout(Stdio::from(
            File::create(env.dir.join("stdout.log")).unwrap(),
        ))
        .stderr(Stdio::from(
            File::create(env.dir.join("stderr.log")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let mut guard = Guard(Some(child));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    wait_ready(&http, &env, guard.0.as_mut().unwrap()).await;

    let elite = marketplace_api::demo::ORGS[3];
    assert_eq!(elite.name, "Demo Elite Realty");
    let org = elite.id.as_uuid().to_string();
    let token = env.token(&["--org", &org, "--org-role", "OWNER"]);
    let moderator = env.token(&["--platform-role", "MODERATOR", "--org-role", "MEMBER"]);
    let api = Api {
        http: &http,
        base: &env.base,
    };

    // Browse.
    let (status, page) = api.get("/v1/tools?limit=5", &token).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["total"], 53, "the seed's 54 less its DEPRECATED tool");
    assert_eq!(page["limit"], 5);
    let (status, page) = api
        .get(
            "/v1/tools?category=MARKET_INTELLIGENCE&price_max=500&sort_by=price&sort_order=asc",
            &token,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["category"] == "MARKET_INTELLIGENCE")
    );
    let (status, bundles) = api.get("/v1/bundles", &token).await;
    assert_eq!(status, 200);
    assert_eq!(bundles["total"], 5);
    let bundle = bundles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Lead Generation Pro")
        .unwrap()
        .clone();
    assert_eq!(
        bundle["price"],
        json!({"amount": "553.60", "currency": "USD"})
    );
    let bundle_id = bundle["id"].as_str().unwrap();

    // Add the bundle.
    let (status, cart) = api
        .send(
            reqwest::Method::POST,
            "/v1/cart/items",
            &token,
            &json!({"item_type": "bundle", "item_id": bundle_id}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{cart}");
    assert_eq!(
        cart["total"],
        json!({"amount": "553.60", "currency": "USD"})
    );

    // Check out with credits; the same key replays.
    let body = json!({"payment_method": "platform_credits"});
    let (status, order) = api
        .send(
            reqwest::Method::POST,
            "/v1/checkout",
            &token,
            &body,
            Some("walkthrough-1"),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "FULFILLED");
    let (status, again) = api
        .send(
            reqwest::Method::POST,
            "/v1/checkout",
            &token,
            &body,
            Some("walkthrough-1"),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(again["id"], order["id"]);

    // Entitlements.
    let (status, ents) = api.get("/v1/entitlements", &token).await;
    assert_eq!(status, 200);
    let ents = ents["items"].as_array().unwrap();
    assert_eq!(ents.len(), bundle["tools"].as_array().unwrap().len());
    assert!(ents.iter().all(|e| e["source"] == "bundle"));
    let tool = ents[0]["tool_id"].as_str().unwrap().to_owned();

    // Review, moderate, rating.
    let (status, review) = api
        .send(
            reqwest::Method::PUT,
            &format!("/v1/tools/{tool}/reviews/mine"),
            &token,
            &json!({"rating": 5, "title": "Does the job", "body": "Set up in minutes."}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["status"], "PENDING");
    let (status, queue) = api
        .get("/v1/moderation/reviews?status=PENDING", &moderator)
        .await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["items"][0]["id"], review["id"]);
    let (status, approved) = api
        .send(
            reqwest::Method::POST,
            &format!("/v1/moderation/reviews/{}", review["id"].as_str().unwrap()),
            &moderator,
            &json!({"decision": "approve", "notes": "verified"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "APPROVED");
    let (status, t) = api.get(&format!("/v1/tools/{tool}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(t["avg_rating"], "5.00");
    assert_eq!(t["review_count"], 1);

    // Modules (the README's lines): the demo's versions, plan, apply, list, roll back.
    let hub = marketplace_migrations::seed::catalog()
        .iter()
        .find(|t| t.name == "AI Hub Management")
        .unwrap()
        .id();
    let (status, versions) = api.get(&format!("/v1/tools/{hub}/versions"), &token).await;
    assert_eq!(status, 200, "{versions}");
    assert_eq!(versions["items"][0]["version"], "1.0.0");
    let install = json!({"install": [{"tool_id": hub, "req": "^1"}]});
    let (status, plan) = api
        .send(
            reqwest::Method::POST,
            "/v1/installations/plan",
            &token,
            &install,
            None,
        )
        .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(
        plan["changes"].as_array().unwrap().len(),
        2,
        "AI Hub and the Sai it needs: {plan}"
    );
    let (status, applied) = api
        .send(
            reqwest::Method::POST,
            "/v1/installations/apply",
            &token,
            &install,
            None,
        )
        .await;
    assert_eq!(
        (status, &applied["generation"]),
        (201, &json!(1)),
        "{applied}"
    );
    let (status, installed) = api.get("/v1/installations", &token).await;
    assert_eq!(status, 200);
    assert_eq!(
        installed["platform_version"],
        marketplace_api::demo::DEMO_PLATFORM
    );
    assert_eq!(installed["items"].as_array().unwrap().len(), 2);
    let (status, rolled) = api
        .send(
            reqwest::Method::POST,
            "/v1/installations/rollback",
            &token,
            &json!({}),
            None,
        )
        .await;
    assert_eq!((status, &rolled["restores"]), (201, &json!(0)), "{rolled}");

    // The spec and the docs are served by the binary too.
    let r = http
        .get(format!("{}/openapi.json", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let spec: Value = r.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));

    // The demo's machine credentials from the log: the API key validates the license key,
    // and `license verify` decides the same offline with the published keys.
    let log = env.log();
    let printed = |name: &str| {
        log.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("no {name} in the log:\n{log}"))
            .trim()
            .to_owned()
    };
    let (api_key, license_key) = (printed("API_KEY"), printed("LICENSE_KEY"));
    let r = http
        .post(format!("{}/v1/licenses/validate", env.base))
        .header("Authorization", format!("ApiKey {api_key}"))
        .json(&json!({"key": license_key, "nonce": "e2e-nonce-0123456789"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["code"], "VALID", "{answer}");
    let keys = http
        .get(format!("{}/v1/licenses/keys", env.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let keys_file = env.dir.join("keys.json");
    std::fs::write(&keys_file, keys).unwrap();
    let out = env
        .command()
        .args(["license", "verify", &license_key, "--keys-file"])
        .arg(&keys_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "license verify: {stdout}");
    assert!(stdout.starts_with("VALID license"), "{stdout}");

    // Usage (the README's lines): the printed key reports a batch of the printed data pack;
    // the access answer and the owner's packs read it.
    let pack = printed("PACK");
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let event = |id: &str, meter: &str, value: u32| json!({"id": id, "tool_id": pack, "meter": meter, "value": value, "timestamp": now});
    let batch = json!({"events": [
        event("walk-1", "rows", 2500),
        event("walk-2", "api_calls", 1),
        event("walk-2", "api_calls", 1),
        event("walk-3", "pages", 1),
    ]});
    let report = |body: Value| {
        http.post(format!("{}/v1/usage/events", env.base))
            .header("Authorization", format!("ApiKey {api_key}"))
            .json(&body)
            .send()
    };
    let r = report(batch.clone()).await.unwrap();
    assert_eq!(r.status(), 202);
    assert!(r.headers().contains_key("ratelimit-remaining"));
    let answer: Value = r.json().await.unwrap();
    assert_eq!(
        (&answer["accepted"], &answer["duplicates"]),
        (&json!(2), &json!(1)),
        "{answer}"
    );
    assert_eq!(answer["rejected"][0]["code"], "unknown_meter");
    let again: Value = report(batch).await.unwrap().json().await.unwrap();
    assert_eq!(again["accepted"], 0, "{again}");
    let access: Value = http
        .get(format!(
            "{}/v1/access?tool_id={pack}&meter=api_calls",
            env.base
        ))
        .header("Authorization", format!("ApiKey {api_key}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        access,
        json!({"has_access": true, "plan": "STANDARD", "usage": "1", "limit": "1000", "remaining": "999", "hard": true})
    );
    let growth = env.token(&[
        "--org",
        &marketplace_api::demo::ORGS[2].id.to_string(),
        "--org-role",
        "OWNER",
    ]);
    let (status, packs) = api.get("/v1/usage/packs", &growth).await;
    assert_eq!(status, 200, "{packs}");
    let pack_view = packs["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["tool_id"] == pack.as_str())
        .unwrap_or_else(|| panic!("no pack {pack} in {packs}"));
    assert_eq!(pack_view["plan"], "STANDARD");

    // SIGTERM: a clean exit.
    let mut child = guard.0.take().unwrap();
    let pid = child.id().to_string();
    let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(kill.success());
    let status = wait_exit(&mut child, Duration::from_secs(35)).await;
    let Some(status) = status else {
        child.kill().ok();
        child.wait().ok();
        panic!("still running 35 s after SIGTERM:\n{}", env.log());
    };
    assert_eq!(
        status.code(),
        Some(0),
        "exit status {status}:\n{}",
        env.log()
    );
}
