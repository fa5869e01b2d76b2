//! GET /openapi.json is a valid OpenAPI 3 document that lists exactly the routes the app
//! serves; GET /docs/ works offline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::{request, spawn_app, uuid};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

async fn document() -> Value {
    let app = spawn_app().await;
    let r = app.call("GET", "/openapi.json", None, None).await;
    let doc = r.expect(200);
    assert!(
        r.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    doc
}

/// (METHOD, path) of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every `$ref` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "$ref" {
                    out.push(x.as_str().unwrap().to_owned());
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[actix_web::test]
async fn the_document_is_valid_openapi_3() {
    let doc = document().await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "{} paths", paths.len());
    for (path, item) in paths {
        assert!(path.starts_with('/'), "{path}");
        let ops: Vec<&str> = METHODS
            .into_iter()
            .filter(|m| item.get(*m).is_some())
            .collect();
        assert!(!ops.is_empty(), "{path} has no operation");
        for m in ops {
            let op = &item[m];
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{m} {path}"));
            assert!(!responses.is_empty(), "{m} {path} has no responses");
            for (status, response) in responses {
                assert!(
                    status == "default"
                        || status.parse::<u16>().is_ok_and(|s| (100..600).contains(&s)),
                    "{m} {path}: status {status}"
                );
                assert!(response["description"].is_string(), "{m} {path} {status}");
            }
            // Path parameters are declared.
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(declared, "{m} {path}: parameter {name} is not declared");
            }
            // Every operation under /v1 says how it authenticates, and those that take a
            // credential document their 401. (Stripe's webhook authenticates by its
            // signature instead; the public license keys take none.)
            if path.starts_with("/v1/") && !path.starts_with("/v1/webhooks/") {
                assert!(op["security"].is_array(), "{m} {path} has no security");
                let anonymous_only = op["security"] == serde_json::json!([{}]);
                assert!(
                    anonymous_only || responses.contains_key("401"),
                    "{m} {path} has no 401"
                );
            }
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let api_key = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(
        (&api_key["type"], &api_key["in"], &api_key["name"]),
        (&json!("apiKey"), &json!("header"), &json!("Authorization")),
        "R-A3: the ApiKey scheme of the Authorization header"
    );
    assert_eq!(
        doc["paths"]["/v1/licenses"]["get"]["security"],
        json!([{"bearer": []}, {"api_key": ["entitlements:read"]}]),
        "an operation open to keys names the scope it needs"
    );
    assert_eq!(
        doc["paths"]["/v1/api-keys"]["get"]["security"],
        json!([{"bearer": []}]),
        "a bearer-only operation names the bearer scheme alone"
    );
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(schemas.contains_key(name), "dangling $ref {r}");
    }
    for name in [
        "ErrorBody",
        "ToolDto",
        "BundleDto",
        "CartDto",
        "OrderDto",
        "MoneyDto",
    ] {
        assert!(schemas.contains_key(name), "schema {name}");
    }
}

/// Every `.rs` file under `dir`, at any depth.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The routes mounted under src/routes/, read from the source: `.route("…", web::m()`
/// and `web::resource("…")….route(web::m()`; all but health's under "/v1".
fn mounted_in_source() -> BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut out = BTreeSet::new();
    for path in sources(&dir) {
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        if path.parent() == Some(dir.as_path()) && file == "mod.rs" {
            continue;
        }
        let prefix = if file == "health.rs" { "" } else { "/v1" };
        let src: String = std::fs::read_to_string(&path)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("");
        let mut resource: Option<String> = None;
        let mut rest = src.as_str();
        loop {
            let next_route = rest.find(".route(");
            let next_resource = rest.find("web::resource(\"");
            match (next_route, next_resource) {
                (None, None) => break,
                (Some(r), Some(s)) if s < r => {
                    rest = &rest[s + "web::resource(\"".len()..];
                    let end = rest.find('"').unwrap();
                    resource = Some(rest[..end].to_owned());
                    rest = &rest[end..];
                }
                (None, Some(s)) => {
                    rest = &rest[s + "web::resource(\"".len()..];
                    let end = rest.find('"').unwrap();
                    resource = Some(rest[..end].to_owned());
                    rest = &rest[end..];
                }
                (Some(r), _) => {
                    rest = &rest[r + ".route(".len()..];
                    let (path, after) = if let Some(quoted) = rest.strip_prefix('"') {
                        let end = quoted.find('"').unwrap();
                        let after = quoted[end + 1..].strip_prefix(',').unwrap();
                        (quoted[..end].to_owned(), after)
                    } else {
                        (resource.clone().expect("a route outside a resource"), rest)
                    };
                    let method = after
                        .strip_prefix("web::")
                        .and_then(|m| m.split("()").next())
                        .unwrap_or_else(|| panic!("{file}: cannot read the method of {path}"));
                    out.insert((method.to_uppercase(), format!("{prefix}{path}")));
                    rest = after;
                }
            }
        }
    }
    out
}

#[actix_web::test]
async fn the_document_lists_exactly_the_routes_mounted_in_the_source() {
    let doc = document().await;
    let documented = documented(&doc);
    let mounted = mounted_in_source();
    assert!(mounted.len() >= 30, "{mounted:?}");
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "mounted but not documented: {undocumented:?}; documented but not mounted: {unserved:?}"
    );
}

#[actix_web::test]
async fn every_documented_route_is_served() {
    let app = spawn_app().await;
    let r = app.call("GET", "/openapi.json", None, None).await;
    let doc = r.expect(200);
    let token = app.platform_admin.clone();
    for (method, path) in documented(&doc) {
        let uri = path
            .split('/')
            .map(|s| match s {
                "{item_type}" => "tool".to_owned(),
                s if s.starts_with('{') => uuid(),
                s => s.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = app
            .send(
                request(&method, &uri, Some(&token), None)
                    .insert_header(("Idempotency-Key", "probe")),
            )
            .await;
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        assert!(
            !(r.status.as_u16() == 404 && body["error"]["message"] == "no such route"),
            "{method} {uri} is documented but not served"
        );
        assert_ne!(r.status.as_u16(), 405, "{method} {uri}: method not allowed");
    }
    // And an undocumented path is the default 404.
    let r = app.call("GET", "/v1/nowhere", Some(&token), None).await;
    assert_eq!(r.expect(404)["error"]["message"], "no such route");
}

#[actix_web::test]
async fn the_docs_page_works_offline() {
    let app = spawn_app().await;
    let r = app.call("GET", "/docs", None, None).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.headers.get("location").unwrap(), "/docs/");

    let r = app.call("GET", "/docs/", None, None).await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(
        r.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    );
    let html = r.text();
    assert!(html.to_lowercase().contains("<html"), "{html}");
    for scheme in ["http://", "https://"] {
        for (i, _) in html.match_indices(scheme) {
            let host = &html[i + scheme.len()..];
            assert!(
                host.starts_with("localhost") || host.starts_with("127.0.0.1"),
                "the docs page refers to an external host: {}",
                &html[i..(i + 60).min(html.len())]
            );
        }
    }
    assert!(!html.contains("//cdn") && !html.contains("unpkg"), "{html}");
    // The assets it loads are served locally, and the page points at our document.
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            assets.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    assert!(!assets.is_empty(), "{html}");
    let mut scripts = String::new();
    for asset in assets {
        let uri = if asset.starts_with('/') {
            asset.clone()
        } else {
            format!("/docs/{}", asset.trim_start_matches("./"))
        };
        let r = app.call("GET", &uri, None, None).await;
        assert_eq!(r.status.as_u16(), 200, "asset {uri}");
        if uri.ends_with(".js") {
            scripts.push_str(&r.text());
        }
    }
    assert!(
        scripts.contains("/openapi.json"),
        "the initializer loads /openapi.json"
    );
}

/// R-T7: the limiter stands in front of every `/v1` route, so the served document gives
/// every operation under `/v1` a 429 `rate_limited` in the error shape with the
/// `RateLimit-*` headers and `Retry-After`; usage ingest's 429 names both its causes.
#[actix_web::test]
async fn r_t7_every_v1_operation_documents_the_rate_limit_429() {
    let doc = document().await;
    let mut checked = 0;
    for (method, path) in documented(&doc) {
        if !path.starts_with("/v1/") {
            continue;
        }
        let op = &doc["paths"][&path][method.to_lowercase()];
        let refused = &op["responses"]["429"];
        assert!(refused.is_object(), "{method} {path} has no 429");
        let description = refused["description"].as_str().unwrap();
        assert!(
            description.contains("rate_limited"),
            "{method} {path}: {description}"
        );
        assert_eq!(
            refused["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{method} {path}"
        );
        for header in [
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "Retry-After",
        ] {
            assert_eq!(
                refused["headers"][header]["schema"]["type"], "integer",
                "{method} {path}: {header}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 80, "{checked} operations under /v1");
    let ingest = doc["paths"]["/v1/usage/events"]["post"]["responses"]["429"]["description"]
        .as_str()
        .unwrap();
    assert!(
        ingest.contains("quota_exceeded") && ingest.contains("rate_limited"),
        "{ingest}"
    );
    // The health checks are outside the limiter and say nothing of it.
    assert!(doc["paths"]["/healthz"]["get"]["responses"]["429"].is_null());
}
